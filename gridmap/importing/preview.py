"""Look at a file before importing it: rows as read, detected mapping, sample, CRS guess.

Nothing here writes to the workspace. Named column + category mappings for the next file
(:func:`save_mapping`, :func:`load_mappings`, ...) live in :mod:`gridmap.importing.mappings`
and are re-exported here.

How well a sample fits the workspace (the coordinate-system guess, the share inside the
city) is measured in :mod:`gridmap.importing.fit`, also re-exported here.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from numpy.typing import NDArray

from .. import schema
from ..crs import CrsSpec, geometries_to_wgs84, parse_crs
from ..errors import CrsError, SchemaError
from ..io.mapping import auto_mapping, is_blank, map_categories, parse_numbers, resolve_mapping
from ..io.readers import POLYGON_SUFFIXES, TABLE_SUFFIXES, read_polygons, read_table
from .fit import (
    CityFit,
    CrsCandidate,
    CrsGuess,
    Reference,
    _convert,
    city_fit,
    guess_crs,
    reference_for,
)
from .mappings import (
    MAPPINGS_TABLE,
    SavedMapping,
    apply_saved,
    delete_mapping,
    load_mappings,
    save_mapping,
)

__all__ = [
    "MAPPINGS_TABLE",
    "CityFit",
    "CrsCandidate",
    "CrsGuess",
    "FilePreview",
    "Reference",
    "SavedMapping",
    "allowed_suffixes",
    "apply_saved",
    "category_counts",
    "check_mapping",
    "city_fit",
    "default_code",
    "delete_mapping",
    "explicit_mapping",
    "fixed_value_fields",
    "guess_admin_level",
    "guess_crs",
    "list_parts",
    "load_mappings",
    "preview_file",
    "raw_xy",
    "reference_for",
    "sample_points",
    "sample_polygons",
    "save_mapping",
    "swap_lonlat",
    "unclassified_rows",
]

_M_PER_DEG = 111_320.0
#: Sample size for maps and CRS guesses: enough to see a shift, small enough to draw fast.
SAMPLE_N = 400


def allowed_suffixes(kind: str) -> tuple[str, ...]:
    """File suffixes the importer of ``kind`` reads (without the dot)."""
    if kind not in schema.LAYER_KINDS:
        raise SchemaError(f"kind {kind!r} is not one of {', '.join(schema.LAYER_KINDS)}")
    suffixes = (*TABLE_SUFFIXES, ".gz") if kind in schema.POINT_KINDS else POLYGON_SUFFIXES
    return tuple(s.lstrip(".") for s in suffixes)


# --- reading ---------------------------------------------------------------------------------
@dataclass
class FilePreview:
    """A file as read, before any import: its columns, the detected mapping, the data.

    ``frame`` holds every row as text (tables) or the attributes (polygon layers);
    ``geometry`` the polygons in the file's own CRS (``file_crs``), ``None`` for tables.
    """

    kind: str
    name: str
    frame: pd.DataFrame
    columns: list[str]
    auto: dict[str, str]
    n_rows: int
    bad_lines: int = 0
    encoding: str | None = None
    separator: str | None = None
    geometry: gpd.GeoSeries | None = None
    file_crs: str | None = None

    def head(self, n: int = 10) -> pd.DataFrame:
        return self.frame.head(n)


def list_parts(path: str | Path) -> list[str]:
    """Worksheets of an Excel workbook, or layers of a multi-layer vector file.

    Empty for files with one part (or whose parts cannot be listed: reading them then
    gives the precise error).
    """
    path = Path(path)
    suffix = path.suffix.lower()
    try:
        if suffix in (".xlsx", ".xlsm"):
            with pd.ExcelFile(path, engine="openpyxl") as book:
                names = [str(n) for n in book.sheet_names]
        elif suffix in (".gpkg", ".fgb", ".geojson", ".json"):
            names = [str(n) for n, _ in pyogrio.list_layers(path)]
        else:
            return []
    except (ValueError, KeyError, OSError, zipfile.BadZipFile, pyogrio.errors.DataSourceError):
        return []  # unreadable: preview_file reports it precisely
    return names if len(names) > 1 else []


def preview_file(
    path: str | Path,
    kind: str,
    *,
    name: str | None = None,
    sheet: str | int | None = None,
    layer: str | None = None,
) -> FilePreview:
    """Read ``path`` the way :func:`gridmap.importing.import_file` will, without importing.

    Raises :class:`ImportFileError` (one line, naming the file) for an unreadable file.
    """
    path = Path(path)
    name = name or path.name
    allowed_suffixes(kind)  # validates kind
    if kind in schema.POINT_KINDS:
        table = read_table(path, sheet=sheet)
        frame = table.frame.reset_index(drop=True)
        columns = [str(c) for c in frame.columns]
        return FilePreview(
            kind,
            name,
            frame,
            columns,
            auto_mapping(columns, kind),
            len(frame) + len(table.bad_lines),
            bad_lines=len(table.bad_lines),
            encoding=table.encoding,
            separator=table.separator,
        )
    gdf = read_polygons(path, layer=layer)
    attrs = pd.DataFrame(gdf.drop(columns=gdf.geometry.name)).reset_index(drop=True)
    attrs = attrs.astype(object).where(attrs.notna(), "").astype(str)
    columns = [str(c) for c in attrs.columns]
    crs_text: str | None = None
    if gdf.crs is not None:
        epsg = gdf.crs.to_epsg()
        crs_text = f"EPSG:{epsg}" if epsg else gdf.crs.to_string()
    return FilePreview(
        kind,
        name,
        attrs,
        columns,
        auto_mapping(columns, kind),
        len(gdf),
        geometry=gpd.GeoSeries(gdf.geometry.values, crs=gdf.crs).reset_index(drop=True),
        file_crs=crs_text,
    )


def explicit_mapping(chosen: Mapping[str, str | None], preview: FilePreview) -> dict[str, str]:
    """Source COLUMN -> FIELD for the importer from the page's FIELD -> COLUMN choices.

    Raises :class:`SchemaError` naming the column when one column is chosen for two fields.
    """
    out: dict[str, str] = {}
    for fld, col in chosen.items():
        if not col:
            continue
        if col not in preview.columns:
            raise SchemaError(
                f"{preview.name}: column {col!r} is not in the file "
                f"(columns: {', '.join(preview.columns)})"
            )
        if col in out:
            raise SchemaError(
                f"{preview.name}: column {col!r} is chosen for both {out[col]} and {fld}; "
                "a column maps to one field"
            )
        out[col] = fld
    return out


# --- defaults the page offers before the user chooses ----------------------------------------
#: Words in a boundary file's name that say its admin level, finest level first: "社区" must
#: win over the "区" inside it, and "城关区街道" is a street file.
_LEVEL_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("community", ("社区", "居委会", "村委会", "村")),
    ("street", ("街道", "乡镇", "镇", "乡")),
    ("district", ("区县", "县区", "区", "县")),
    ("city", ("市",)),
)
#: The same in English file names, matched as whole words ("downtown" is no town).
_LEVEL_TOKENS: tuple[tuple[str, frozenset[str]], ...] = (
    ("community", frozenset({"community", "communities", "village", "villages"})),
    ("street", frozenset({"street", "streets", "subdistrict", "subdistricts", "town", "towns"})),
    ("district", frozenset({"district", "districts", "county", "counties"})),
    ("city", frozenset({"city", "cities"})),
)


def guess_admin_level(file_name: str) -> str:
    """The admin level a boundary file's name suggests (``""``: no guess).

    A six-digit GB/T 2260 code as the name is a city when it ends in ``00`` and a district
    otherwise; else the name's words decide, the finest level first.

    Examples
    --------
    >>> guess_admin_level("620100.geojson"), guess_admin_level("620104.shp")
    ('city', 'district')
    >>> guess_admin_level("兰州市区县.shp"), guess_admin_level("西固区社区.zip")
    ('district', 'community')
    >>> guess_admin_level("boundaries.gpkg")
    ''
    """
    stem = Path(file_name).stem
    if stem.isdigit() and len(stem) == 6:
        return "city" if stem.endswith("00") else "district"
    for level, words in _LEVEL_WORDS:
        if any(w in stem for w in words):
            return level
    tokens = set(re.split(r"[^a-z]+", stem.lower()))
    for level, names in _LEVEL_TOKENS:
        if tokens & names:
            return level
    return ""


def default_code(file_name: str, n_rows: int) -> str:
    """The fixed code offered for a one-feature file named by its code (``620104.shp``)."""
    stem = Path(file_name).stem
    return stem if stem.isdigit() and n_rows == 1 else ""


def fixed_value_fields(kind: str, chosen: Mapping[str, str | None]) -> list[str]:
    """Fields of a polygon file that may take one value for every row.

    Code and name when no column is chosen for them (bare boundary files have none), and
    the admin level or grid type, which a file of one level or type often leaves out.
    Point tables get none.
    """
    if kind not in schema.POLYGON_KINDS:
        return []
    fields = [f for f in ("code", "name") if not chosen.get(f)]
    return fields + {"admin": ["level"], "grids": ["grid_type"]}.get(kind, [])


def swap_lonlat(explicit: Mapping[str, str], chosen: Mapping[str, str | None]) -> dict[str, str]:
    """The importer's COLUMN -> FIELD mapping with the lon and lat columns exchanged.

    For a file whose 经度 column holds latitudes; unchanged unless both are chosen.

    Examples
    --------
    >>> swap_lonlat({"X": "lon", "Y": "lat"}, {"lon": "X", "lat": "Y"})
    {'X': 'lat', 'Y': 'lon'}
    """
    out = dict(explicit)
    lon, lat = chosen.get("lon"), chosen.get("lat")
    if lon and lat:
        out[lon] = "lat"
        out[lat] = "lon"
    return out


def unclassified_rows(counts: pd.DataFrame, chosen: Mapping[str, str]) -> int:
    """Rows left unclassified by the category choices.

    ``counts`` from :func:`category_counts`; ``chosen`` maps source values to category
    codes (the user's choices; values not in it keep their detected category).
    """
    if not len(counts):
        return 0
    values = counts["value"].astype(str)
    final = values.map(lambda v: chosen.get(v)).fillna(counts["category"])
    return int(counts.loc[(final == schema.UNCLASSIFIED.code).to_numpy(), "count"].sum())


# --- samples -----------------------------------------------------------------------------------
def _sample_index(n: int, k: int = SAMPLE_N) -> NDArray[np.intp]:
    if n <= k:
        return np.arange(n)
    return np.linspace(0, n - 1, k).round().astype(np.intp)


def raw_xy(
    preview: FilePreview, mapping: Mapping[str, str]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Parsed numbers of the sample's lon/lat columns (FIELD -> COLUMN), NaN where unusable."""
    lon_col, lat_col = mapping.get("lon"), mapping.get("lat")
    if not lon_col or not lat_col:
        raise SchemaError(
            f"{preview.name}: choose the columns for lon (经度) and lat (纬度) to place the points"
        )
    idx = _sample_index(len(preview.frame))
    rows = preview.frame.iloc[idx]
    x = parse_numbers(rows[lon_col]).to_numpy()
    y = parse_numbers(rows[lat_col]).to_numpy()
    blank = is_blank(rows[lon_col]) | is_blank(rows[lat_col])
    zero = (x == 0) & (y == 0)
    x = np.where(blank | zero, np.nan, x)
    y = np.where(blank | zero, np.nan, y)
    ok = np.isfinite(x) & np.isfinite(y)
    return x[ok], y[ok]


def sample_points(
    preview: FilePreview, mapping: Mapping[str, str], crs: str | CrsSpec, *, swapped: bool = False
) -> pd.DataFrame:
    """The sample's points in WGS-84 under ``crs`` (columns lon, lat); unusable rows dropped."""
    spec = crs if isinstance(crs, CrsSpec) else parse_crs(crs)
    x, y = raw_xy(preview, mapping)
    if swapped:
        x, y = y, x
    lon, lat = _convert(x, y, spec)
    ok = np.isfinite(lon) & np.isfinite(lat)
    return pd.DataFrame({"lon": lon[ok].round(6), "lat": lat[ok].round(6)})


def sample_polygons(preview: FilePreview, crs: str | CrsSpec | None) -> gpd.GeoSeries:
    """The file's polygons (a sample of at most :data:`SAMPLE_N`) in WGS-84 under ``crs``.

    ``crs=None`` uses the file's own coordinate system.
    """
    if preview.geometry is None:
        raise SchemaError(f"{preview.name}: a table has no polygons")
    geoms = preview.geometry.iloc[_sample_index(len(preview.geometry))]
    geoms = geoms[~(geoms.isna() | geoms.is_empty)]
    geoms = gpd.GeoSeries(shapely.make_valid(geoms.values), crs=preview.geometry.crs)
    if crs is None:
        if geoms.crs is None:
            raise CrsError(
                f"{preview.name}: has no coordinate system; choose one "
                "(WGS-84/CGCS2000, GCJ-02, BD-09 or an EPSG code)"
            )
        epsg = geoms.crs.to_epsg()
        spec = parse_crs(f"EPSG:{epsg}") if epsg else None
        if spec is None:
            return geoms.to_crs(4326)
    else:
        spec = crs if isinstance(crs, CrsSpec) else parse_crs(crs)
    if spec.kind in ("wgs84", "gcj02", "bd09"):
        x0, y0, x1, y1 = geoms.total_bounds if len(geoms) else (0.0, 0.0, 0.0, 0.0)
        if max(abs(x0), abs(x1)) > 180 or max(abs(y0), abs(y1)) > 90:
            raise CrsError(
                f"{preview.name}: coordinates up to {max(abs(x0), abs(x1)):,.0f} are not degrees "
                f"({spec.label}); these look like projected metres or feet: choose an EPSG code"
            )
    return geometries_to_wgs84(gpd.GeoSeries(geoms.values, crs=None), spec)


def category_counts(
    preview: FilePreview, column: str, categories: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """Source values of ``column`` with their counts and the category each maps to.

    Columns ``value, count, category`` (category codes; ``unclassified`` for unmapped),
    most frequent first.
    """
    if column not in preview.frame.columns:
        raise SchemaError(f"{preview.name}: column {column!r} is not in the file")
    text = preview.frame[column].astype(str).str.strip()
    counts = text.value_counts(sort=True)
    values = pd.Series(counts.index.astype(str))
    mapped = map_categories(values, categories)
    return pd.DataFrame(
        {"value": values.to_numpy(), "count": counts.to_numpy(), "category": mapped.to_numpy()}
    )


def check_mapping(preview: FilePreview, explicit: Mapping[str, str]) -> dict[str, str]:
    """The importer's final FIELD -> column mapping (raises like the importer does)."""
    return resolve_mapping(preview.columns, preview.kind, explicit, file_name=preview.name)
