"""Read input files as they come from city platforms: tables of points and polygon layers.

Tables are read with every cell as text, so that nothing is coerced or dropped before the
importer has decided, row by row, what is wrong. Lines the CSV parser cannot split into the
header's columns are returned separately so that they can be counted as rejects.
"""

from __future__ import annotations

import csv
import gzip
import io
import logging
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyogrio

from ..errors import ImportFileError
from .mapping import show_names

__all__ = [
    "POLYGON_SUFFIXES",
    "TABLE_SUFFIXES",
    "ParsedTable",
    "read_polygons",
    "read_table",
]

log = logging.getLogger(__name__)

TABLE_SUFFIXES = (".csv", ".txt", ".tsv", ".tab", ".xlsx", ".xlsm", ".parquet", ".geoparquet")
#: Text tables may come gzip-compressed (``events.csv.gz``), as open-data portals publish them.
GZIP_TEXT_SUFFIXES = (".csv", ".txt", ".tsv", ".tab")
POLYGON_SUFFIXES = (
    ".gpkg",
    ".geojson",
    ".json",
    ".shp",
    ".zip",
    ".fgb",
    ".parquet",
    ".geoparquet",
)
#: Row number of the first data row: the header is row 1, as in a spreadsheet.
FIRST_DATA_ROW = 2


@dataclass
class ParsedTable:
    """A table read as text: ``frame`` has one row per parsed line, ``row`` numbers them.

    ``bad_lines`` holds (row number, reason) for lines that could not be split into the
    header's columns; together with ``frame`` they account for every data line.
    """

    frame: pd.DataFrame
    rows: pd.Series
    encoding: str = "utf-8"
    separator: str | None = None
    bad_lines: list[tuple[int, str]] = field(default_factory=list)
    geometry: gpd.GeoSeries | None = None
    crs: object | None = None  # CRS found in the file itself (GeoParquet), else None


def _one_line(exc: BaseException) -> str:
    """The first line of a library's error, for a one-line message: Arrow and GDAL errors
    often run over several lines (a cause, then a context dump)."""
    lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
    first = lines[0] if lines else type(exc).__name__
    return first if len(first) <= 200 else first[:199] + "…"


def _check_file(path: Path, allowed: tuple[str, ...]) -> str:
    if not path.exists():
        raise ImportFileError(f"{path}: file not found")
    if path.is_dir():
        raise ImportFileError(f"{path}: is a directory, expected a file")
    suffix = path.suffix.lower()
    if suffix == ".gz" and Path(path.stem).suffix.lower() in GZIP_TEXT_SUFFIXES:
        suffix = Path(path.stem).suffix.lower()  # read through gzip, see _read_csv
    if suffix not in allowed:
        kinds = ", ".join(allowed)
        raise ImportFileError(
            f"{path.name}: unsupported file type {suffix or '(none)'}; allowed: {kinds}"
        )
    return suffix


def detect_encoding(raw: bytes) -> str:
    """UTF-8 with BOM, UTF-8, else GB18030 (a superset of GBK and GB2312)."""
    if raw.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    try:
        raw.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        raw.decode("gb18030")
        return "gb18030"
    except UnicodeDecodeError as exc:
        raise ImportFileError(
            f"cannot decode text at byte {exc.start}: not UTF-8, UTF-8 with BOM or GBK/GB18030"
        ) from None


def _sniff_separator(sample: str) -> str:
    """The column separator, decided by the header line.

    Free-text cells (addresses, descriptions) often hold ``;`` ``|`` or tabs, which can fool
    a sniffer reading data rows; column names almost never do.
    """
    lines = [ln for ln in sample.splitlines()[:20] if ln.strip()]
    if not lines:
        return ","
    header = lines[0]
    counts = {sep: header.count(sep) for sep in ",;\t|"}
    best = max(counts, key=lambda sep: counts[sep])
    if counts[best] > 0:
        return best
    try:
        return csv.Sniffer().sniff("\n".join(lines), delimiters=",;\t|").delimiter
    except csv.Error:
        return ","


def _read_csv(path: Path, encoding: str | None, sep: str | None) -> ParsedTable:
    raw = path.read_bytes()
    if path.suffix.lower() == ".gz":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as exc:
            raise ImportFileError(f"{path.name}: not a readable gzip file ({exc})") from None
    if not raw.strip():
        raise ImportFileError(f"{path.name}: the file is empty")
    try:
        enc = encoding or detect_encoding(raw)
        text = raw.decode(enc)
    except ImportFileError as exc:
        raise ImportFileError(f"{path.name}: {exc}") from None
    except (UnicodeDecodeError, LookupError) as exc:
        raise ImportFileError(
            f"{path.name}: cannot decode as "
            f"{encoding or 'UTF-8 (it starts with a UTF-8 byte-order mark)'}: {_one_line(exc)}"
        ) from None
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text.strip():  # a byte-order mark and nothing else
        raise ImportFileError(f"{path.name}: the file is empty")
    separator = sep or _sniff_separator(text[:20000])
    # The header is the first record, whatever ends the line (\n, \r\n, or \r as in old Mac
    # exports); a blank first line gives none (reported below as no column names).
    try:
        header_line = next(
            csv.reader(io.StringIO(text[:1_000_000], newline=""), delimiter=separator), []
        )
    except csv.Error as exc:
        raise ImportFileError(
            f"{path.name}: row 1 cannot be read as column names ({exc})"
        ) from None
    header = [h.strip() for h in header_line]
    if not any(header):
        raise ImportFileError(f"{path.name}: row 1 has no column names")
    dupes = sorted({h for h in header if header.count(h) > 1})
    if dupes:
        raise ImportFileError(f"{path.name}: row 1 repeats column name(s) {show_names(dupes)}")

    bad: list[tuple[int, str]] = []

    def on_invalid(row: pacsv.InvalidRow) -> str:
        bad.append(
            (row.number or -1, f"{row.actual_columns} fields, header has {row.expected_columns}")
        )
        return "skip"

    # Arrow cannot skip a header that has no line end (a header-only file without a final
    # newline); with one, such a file is read as zero rows, as it should be.
    data = text.encode("utf-8") + (b"" if text.endswith(("\n", "\r")) else b"\n")
    read_opts = pacsv.ReadOptions(column_names=header, skip_rows=1, use_threads=True)
    parse_opts = pacsv.ParseOptions(
        delimiter=separator, newlines_in_values=True, invalid_row_handler=on_invalid
    )
    conv_opts = pacsv.ConvertOptions(
        column_types={h: pa.string() for h in header},
        strings_can_be_null=False,
        quoted_strings_can_be_null=False,
    )
    try:
        table = pacsv.read_csv(io.BytesIO(data), read_opts, parse_opts, conv_opts)
    except pa.ArrowInvalid as exc:
        raise ImportFileError(f"{path.name}: not a readable CSV ({_one_line(exc)})") from None
    if any(n < 0 for n, _ in bad):
        # Multi-threaded parsing can lose line numbers; re-read serially to get them.
        bad.clear()
        read_opts = pacsv.ReadOptions(column_names=header, skip_rows=1, use_threads=False)
        table = pacsv.read_csv(io.BytesIO(data), read_opts, parse_opts, conv_opts)
    # Arrow-backed text columns: every later .str operation is vectorised on them.
    frame = table.to_pandas().astype("str")
    # Data rows are numbered as in a spreadsheet; bad lines take their numbers from the
    # parser, the good rows get the remaining numbers in order.
    bad_numbers = {n for n, _ in bad}
    total = len(frame) + len(bad)
    numbers = [n for n in range(FIRST_DATA_ROW, FIRST_DATA_ROW + total) if n not in bad_numbers]
    rows = pd.Series(numbers[: len(frame)], index=frame.index, dtype="int64")
    return ParsedTable(frame, rows, enc, separator, sorted(bad))


def _read_xlsx(path: Path, sheet: str | int | None) -> ParsedTable:
    try:
        frame = pd.read_excel(
            path,
            sheet_name=sheet if sheet is not None else 0,
            dtype=str,
            engine="openpyxl",
            keep_default_na=False,
        )
    except (ValueError, KeyError, zipfile.BadZipFile, OSError, OverflowError) as exc:
        # OverflowError: a number cell beyond the float range (1.8e308) reads as infinity,
        # which pandas fails to convert.
        raise ImportFileError(
            f"{path.name}: not a readable Excel workbook ({_one_line(exc)})"
        ) from None
    frame.columns = [str(c).strip() for c in frame.columns]
    frame = frame.astype("str")
    rows = pd.Series(range(FIRST_DATA_ROW, FIRST_DATA_ROW + len(frame)), index=frame.index)
    return ParsedTable(frame, rows, "xlsx")


def _read_parquet_table(path: Path) -> ParsedTable:
    try:
        gdf = gpd.read_parquet(path)
        geometry: gpd.GeoSeries | None = gdf.geometry
        crs = gdf.crs
        frame = pd.DataFrame(gdf.drop(columns=gdf.geometry.name))
    except (ValueError, TypeError):
        try:
            frame = pd.read_parquet(path)
        except (OSError, ValueError, pa.ArrowException) as exc:
            raise ImportFileError(
                f"{path.name}: not a readable Parquet file ({_one_line(exc)})"
            ) from None
        geometry, crs = None, None
    except (OSError, pa.ArrowException) as exc:
        raise ImportFileError(
            f"{path.name}: not a readable Parquet file ({_one_line(exc)})"
        ) from None
    frame = frame.reset_index(drop=True)
    text = frame.astype(object).where(frame.notna(), "").astype("str")
    rows = pd.Series(range(FIRST_DATA_ROW, FIRST_DATA_ROW + len(frame)), index=frame.index)
    if geometry is not None:
        geometry = geometry.reset_index(drop=True)
    return ParsedTable(text, rows, "parquet", geometry=geometry, crs=crs)


def read_table(
    path: str | Path,
    *,
    encoding: str | None = None,
    sep: str | None = None,
    sheet: str | int | None = None,
) -> ParsedTable:
    """Read a CSV (UTF-8, UTF-8 with BOM, GBK), XLSX or (Geo)Parquet table as text.

    Parameters
    ----------
    path
        The file.
    encoding, sep
        Override the detected text encoding and column separator of a CSV.
    sheet
        Worksheet name or position of an Excel workbook (default: the first).
    """
    path = Path(path)
    suffix = _check_file(path, TABLE_SUFFIXES)
    if suffix in (".xlsx", ".xlsm"):
        table = _read_xlsx(path, sheet)
    elif suffix in (".parquet", ".geoparquet"):
        table = _read_parquet_table(path)
    else:
        tabbed = suffix in (".tsv", ".tab") and sep is None
        table = _read_csv(path, encoding, "\t" if tabbed else sep)
    if len(table.frame.columns) == 0:
        raise ImportFileError(f"{path.name}: no columns found")
    return table


# --- polygon layers -------------------------------------------------------------------------
def _dbf_encoding(shp: Path) -> str | None:
    """Encoding of a Shapefile's .dbf when no .cpg says it: UTF-8 if it decodes, else GBK."""
    cpg = shp.with_suffix(".cpg")
    if cpg.exists() or shp.with_suffix(".CPG").exists():
        return None  # GDAL reads the .cpg itself
    dbf = next((p for p in (shp.with_suffix(".dbf"), shp.with_suffix(".DBF")) if p.exists()), None)
    if dbf is None:
        return None
    raw = dbf.read_bytes()
    header_len = int.from_bytes(raw[8:10], "little") if len(raw) > 10 else 0
    body = raw[header_len:]
    try:
        body.decode("utf-8")
        return "UTF-8"
    except UnicodeDecodeError:
        return "GB18030"


def _vsi_path(path: Path) -> tuple[str, str | None]:
    """GDAL path for a zip holding one Shapefile set (or other vector file) and its encoding."""
    try:
        with zipfile.ZipFile(path) as zf:
            names = zf.namelist()
    except zipfile.BadZipFile:
        raise ImportFileError(f"{path.name}: not a readable zip archive") from None
    vector = [n for n in names if n.lower().endswith((".shp", ".gpkg", ".geojson", ".fgb"))]
    if len(vector) != 1:
        raise ImportFileError(
            f"{path.name}: the zip must hold exactly one vector layer (.shp set, .gpkg, "
            f".geojson or .fgb); found {len(vector)}: {', '.join(vector) or 'none'}"
        )
    inner = vector[0]
    encoding = None
    if inner.lower().endswith(".shp"):
        stem = inner[:-4]
        has_cpg = any(n.lower() == (stem + ".cpg").lower() for n in names)
        dbf = next((n for n in names if n.lower() == (stem + ".dbf").lower()), None)
        if not has_cpg and dbf is not None:
            with zipfile.ZipFile(path) as zf:
                raw = zf.read(dbf)
            header_len = int.from_bytes(raw[8:10], "little") if len(raw) > 10 else 0
            try:
                raw[header_len:].decode("utf-8")
                encoding = "UTF-8"
            except UnicodeDecodeError:
                encoding = "GB18030"
    return f"/vsizip/{path.resolve()}/{inner}", encoding


def read_polygons(path: str | Path, *, layer: str | None = None) -> gpd.GeoDataFrame:
    """Read a polygon layer (GeoPackage, GeoJSON, Shapefile or zipped set, FlatGeobuf, GeoParquet).

    The frame keeps the file's CRS (``None`` when it has none) and all attribute columns.
    A Shapefile .dbf without a .cpg is decoded as UTF-8 when it is valid UTF-8, else GBK.
    """
    path = Path(path)
    suffix = _check_file(path, POLYGON_SUFFIXES)
    if suffix in (".parquet", ".geoparquet"):
        try:
            return gpd.read_parquet(path)
        except (OSError, ValueError, TypeError, pa.ArrowException) as exc:
            raise ImportFileError(
                f"{path.name}: not a readable GeoParquet file ({_one_line(exc)})"
            ) from None
    source: str = str(path)
    encoding: str | None = None
    if suffix == ".zip":
        source, encoding = _vsi_path(path)
    elif suffix == ".shp":
        encoding = _dbf_encoding(path)
    # A Shapefile sent without its .shx is common; GDAL can rebuild the index on read.
    restore = suffix == ".shp" and not any(path.with_suffix(e).exists() for e in (".shx", ".SHX"))
    pyogrio.set_gdal_config_options({"SHAPE_RESTORE_SHX": "YES" if restore else None})
    # GDAL reports what it skipped or patched up (a feature with an unreadable geometry
    # gets none) as Python warnings; the importer reports those rows itself, so the
    # warnings go to the log instead of stderr, where they would break the one-line rule.
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            layers = pyogrio.list_layers(source)
            if len(layers) == 0:
                raise ImportFileError(f"{path.name}: holds no vector layer")
            if layer is None and len(layers) > 1:
                names = show_names(n for n, _ in layers)
                raise ImportFileError(
                    f"{path.name}: holds {len(layers)} layers ({names}); choose one with --layer"
                )
            # A geometry GEOS cannot build (a ring of one point) is read as none, so the
            # importer rejects that row ("no geometry") instead of the whole file.
            # GDAL 3.12's Arrow reader for FlatGeobuf crashes the process (SIGSEGV) on a
            # feature without geometry; its row-by-row reader does not.
            fgb = source.lower().endswith(".fgb")
            kwargs: dict[str, object] = {"use_arrow": not fgb, "on_invalid": "ignore"}
            if encoding:
                kwargs["encoding"] = encoding
            gdf = pyogrio.read_dataframe(source, layer=layer, **kwargs)
        for w in caught:
            log.info("%s: %s", path.name, w.message)
    except ImportFileError:
        raise
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        raise ImportFileError(
            f"{path.name}: not a readable vector file ({_one_line(exc)})"
        ) from None
    except UnicodeDecodeError as exc:
        raise ImportFileError(
            f"{path.name}: attribute text is not in a known encoding ({_one_line(exc)})"
        ) from None
    if not isinstance(gdf, gpd.GeoDataFrame):
        raise ImportFileError(f"{path.name}: has no geometry column")
    # GDAL's Arrow reader passes text bytes on unchecked: invalid UTF-8 only fails later,
    # when the column is converted. Convert here, where the file and column can be named.
    for col in gdf.columns.drop(gdf.geometry.name):
        if pd.api.types.is_string_dtype(gdf[col].dtype):
            try:
                gdf[col].astype(object)
            except pa.ArrowException:
                raise ImportFileError(
                    f"{path.name}: column {show_names([col])}: text is not valid UTF-8; "
                    "save the file as UTF-8"
                ) from None
    return gdf
