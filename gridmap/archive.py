"""Index and aggregate archives of GeoParquet incident partitions, in-process or on Dask.

An archive is a folder (or glob) of GeoParquet files of incidents, one partition per file:
years of a city's records, or a province's, too many rows (tens of millions) for
``gridmap import``, which stores every incident. Here every partition is read where it is
computed, each point is indexed to its H3 cell at :data:`gridmap.schema.POINT_RES` and
assigned to a basic grid of the workspace's published grid version by the rule of
:mod:`gridmap.joins`, and only counts leave the partition. The counts of all partitions
are summed and written into the workspace in one transaction, so a failed partition, a
lost worker or an interrupted run leaves the workspace as it was.

Engines
-------
``local``
    Partitions one after another in this process (or in ``workers`` threads): small
    archives, and the reference the ``dask`` engine must equal.
``dask``
    The same per-partition function mapped over the partition paths on a Dask
    ``distributed`` cluster: an existing one given by its scheduler address, else a
    ``LocalCluster`` of one single-threaded worker process per core. Paths travel to the
    workers, never data: the files must be readable at the same path on every worker
    (shared storage). The grid lookup is built once here and broadcast to the workers.
    Needs the ``dask`` extra (``pip install 'gridmap[dask]'``); a script that starts the
    ``LocalCluster`` this way needs the usual ``if __name__ == "__main__":`` guard, as
    every cluster of worker processes does.

Both engines run :func:`aggregate_partition` and reduce with :func:`reduce_partitions`,
so their results are identical.

Input
-----
Each file must be GeoParquet (a ``geo`` key in the Parquet metadata) with point
geometries, WKB- or ``point``-encoded, and two columns found by the importer's header
recognition (or ``mapping``, the CLI's ``--map COLUMN=FIELD``): ``occurred_at`` (a
timestamp, a date or text such as ``2024-03-05 14:02``) and ``category`` (any value
:func:`gridmap.io.mapping.map_categories` knows: a 1+6 code, a zh/en label or an alias;
others count as ``unclassified``). Points are reprojected from the CRS in the file's
metadata (no ``crs`` key means OGC:CRS84, as the GeoParquet specification says);
``crs`` overrides it, which GCJ-02 and BD-09 archives need. Timestamps with a time zone
are converted to the workspace's time zone; naive ones are taken as local time.

A row is rejected, and counted per file, when it has no valid point (null, empty or not a
point, NaN, ``(0, 0)``, out of range after reprojection) or, failing that, no valid time
(null, unparseable, a year outside 1990-2100). Every other row is *indexed*:
``rows_read = indexed + no_point + no_time`` per file and in total. Tens of millions of
rows get counts per reason, not a row-by-row rejects file.

Tables written
--------------
Each run replaces these attribute tables (``Workspace.read_table`` reads them):

``archive_cells``
    ``h3_cell`` (int64), ``month`` (text ``YYYY-MM``), ``category`` (text code),
    ``incidents`` (int64): indexed rows per cell of the display resolution ``cell_res``
    (default 9), month of ``occurred_at`` and category, rows outside every grid included.
    The cell is the parent of the point's :data:`~gridmap.schema.POINT_RES` cell, as the
    app aggregates stored incidents, so archive and workspace counts agree cell by cell.
``archive_grids``
    ``grid_code`` (text), ``month``, ``category``, ``incidents``: the same rows per basic
    grid; rows outside every grid are not in it (their number is ``outside_grids``).
``archive_files``
    ``file``, ``rows_read``, ``indexed``, ``no_point``, ``no_time``, ``outside_grids``:
    one row per partition file.

Rows are sorted by cell (or grid code), month and category in :data:`CATEGORY_CODES`
order (the schema's, ``unclassified`` last); files by path.

Cells are stored as int64, as the ``h3_cell`` column of the incident layer and the
``grid_cells`` table store them: SQLite integers are signed 64-bit and every valid H3
index fits (its top bit is reserved and always 0), a number takes 8 bytes where the hex
string takes 15, and joins with ``grid_cells`` compare integers.
:func:`gridmap.indexing.cells_to_str` gives the hex form pydeck draws.

The run is logged in the import log (``kind = 'archive'``; ``imported`` = indexed rows,
``rejected`` = rows without a valid point or time, ``version`` = the grid version used).
"""

from __future__ import annotations

import contextlib
import glob
import json
import logging
import math
import socket
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pyproj
import shapely
from numpy.typing import NDArray

from . import schema
from .crs import CrsSpec, parse_crs, to_wgs84
from .errors import CrsError, GridmapError, ImportFileError, SchemaError, WorkspaceError
from .importing.grids import basic_lookup
from .indexing import available_cores, cell_parents, points_to_cells
from .io.mapping import map_categories, parse_datetimes, resolve_mapping
from .joins import GridLookup, assign_points
from .store import Workspace, open_workspace

__all__ = [
    "ARCHIVE_CELLS",
    "ARCHIVE_FILES",
    "ARCHIVE_GRIDS",
    "CATEGORY_CODES",
    "ENGINES",
    "INCIDENTS",
    "MONTH",
    "ArchiveAggregates",
    "ArchiveSummary",
    "PartitionAggregates",
    "PartitionSpec",
    "aggregate_partition",
    "find_partitions",
    "index_archive",
    "inspect_partitions",
    "merge_aggregates",
    "reduce_partitions",
]

log = logging.getLogger(__name__)

ENGINES: tuple[str, ...] = ("local", "dask")
Progress = Callable[[float, str], None]

#: Table names (see the module docstring).
ARCHIVE_CELLS = "archive_cells"
ARCHIVE_GRIDS = "archive_grids"
ARCHIVE_FILES = "archive_files"
#: Column names the archive tables add to those of :mod:`gridmap.schema`.
MONTH = "month"
INCIDENTS = "incidents"
FILE = "file"
ROWS_READ = "rows_read"
INDEXED = "indexed"
NO_POINT = "no_point"
NO_TIME = "no_time"
OUTSIDE_GRIDS = "outside_grids"
_COUNTS = (ROWS_READ, INDEXED, NO_POINT, NO_TIME, OUTSIDE_GRIDS)

#: Stored category codes; a partition carries positions into this tuple (one byte a row).
CATEGORY_CODES: tuple[str, ...] = (*schema.CATEGORIES.codes, schema.UNCLASSIFIED.code)
_UNCLASSIFIED = CATEGORY_CODES.index(schema.UNCLASSIFIED.code)
_SUFFIXES = (".parquet", ".geoparquet")
# The importer's rule (parse_datetimes): years outside this range are typing errors.
_FIRST_MONTH = (1990 - 1970) * 12
_LAST_MONTH = (2100 - 1970) * 12 + 11
# A little-endian 2-D WKB point: byte order 1, type 1 (uint32), x and y (float64).
_WKB_POINT_LEN = 21
_WKB_POINT_HEAD = np.array([1, 1, 0, 0, 0], dtype=np.uint8)
_DEFAULT_TZ = "Asia/Shanghai"
# Partition counts merged at a time: bounds memory without many small merge tasks.
_FAN_IN = 8
_TIME_KINDS = "a timestamp, a date or text"
_LISTED = 5  # problems named in one error message


# --- values ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class PartitionSpec:
    """What a worker needs to aggregate one partition: the path and how to read it.

    Built on the client by :func:`inspect_partitions`; small, so it travels to the
    workers instead of the data.
    """

    path: str
    geometry: str
    encoding: str  # "WKB" or "point"
    occurred_at: str
    category: str
    crs: CrsSpec
    tz: str = _DEFAULT_TZ


@dataclass(frozen=True)
class PartitionAggregates:
    """Counts of one partition, or of several merged, in compact form.

    ``files`` has one row per partition file (``file``, ``rows_read``, ``indexed``,
    ``no_point``, ``no_time``, ``outside_grids``). ``cells`` has columns ``h3_cell``
    (int64), ``month`` (months since 1970-01), ``category`` (position in
    :data:`CATEGORY_CODES`) and ``incidents``; ``grids`` has ``grid`` (position in the
    lookup's codes) in place of ``h3_cell``. Rows are in no particular order.
    """

    files: pd.DataFrame
    cells: pd.DataFrame
    grids: pd.DataFrame


@dataclass(frozen=True)
class ArchiveAggregates:
    """The summed counts of an archive, as the tables stored (see the module docstring)."""

    cells: pd.DataFrame
    grids: pd.DataFrame
    files: pd.DataFrame

    def total(self, column: str) -> int:
        """Sum of one of ``rows_read``, ``indexed``, ``no_point``, ``no_time``,
        ``outside_grids`` over the files."""
        return int(self.files[column].sum())


@dataclass(frozen=True)
class ArchiveSummary:
    """What :func:`index_archive` did (printed by ``gridmap index``)."""

    archive: str
    workspace: str
    engine: str
    workers: int
    scheduler: str | None
    partitions: int
    rows_read: int
    indexed: int
    no_point: int
    no_time: int
    outside_grids: int
    unclassified: int
    grid_version: int
    cell_res: int
    cell_rows: int
    grid_rows: int
    seconds: float

    @property
    def rows_per_s(self) -> float:
        return self.rows_read / self.seconds if self.seconds > 0 else math.inf

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "rows_per_s": round(self.rows_per_s)}


# --- finding and checking partitions --------------------------------------------------------
def find_partitions(archive: str | Path) -> list[Path]:
    """The partition files of an archive, sorted: a folder (searched recursively), a glob
    pattern or one file. Names starting with ``_`` or ``.`` (``_SUCCESS``, ``_metadata``)
    are skipped, as Spark and Dask write them beside the data.

    Raises
    ------
    ImportFileError
        When nothing matches.
    """
    text = str(archive)
    path = Path(archive)
    if path.is_dir():
        found = [p for p in path.rglob("*") if p.suffix.lower() in _SUFFIXES]
    elif path.is_file():
        found = [path]
    elif glob.has_magic(text):
        found = [Path(p) for p in glob.glob(text, recursive=True)]
        found = [p for p in found if p.is_file() and p.suffix.lower() in _SUFFIXES]
    else:
        raise ImportFileError(
            f"{text}: not found; give a folder of GeoParquet partitions, a glob such as "
            "'archive/**/*.parquet' or one .parquet file"
        )
    files = sorted(p for p in found if p.is_file() and not p.name.startswith(("_", ".")))
    if not files:
        raise ImportFileError(
            f"{text}: no .parquet or .geoparquet files; give a folder of GeoParquet "
            "partitions, a glob such as 'archive/**/*.parquet' or one .parquet file"
        )
    return files


def _file_crs(name: str, column: Mapping[str, Any]) -> CrsSpec:
    if "crs" not in column:
        return parse_crs("wgs84")  # GeoParquet: an absent crs means OGC:CRS84
    if column["crs"] is None:
        raise CrsError(
            f"{name}: the GeoParquet metadata says the coordinate system is unknown; "
            "state it with --crs (wgs84, cgcs2000, gcj02, bd09 or EPSG:XXXX)"
        )
    try:
        crs = pyproj.CRS.from_user_input(column["crs"])
    except pyproj.exceptions.CRSError as exc:
        raise CrsError(f"{name}: unreadable coordinate system in the metadata ({exc})") from None
    if crs.equals("OGC:CRS84"):
        return parse_crs("wgs84")
    epsg = crs.to_epsg()
    if epsg is None:
        raise CrsError(
            f"{name}: the coordinate system {crs.name!r} has no EPSG code; state it with "
            "--crs (wgs84, cgcs2000, gcj02, bd09 or EPSG:XXXX)"
        )
    return parse_crs(f"EPSG:{epsg}")


def _inspect(
    path: Path, mapping: Mapping[str, str] | None, crs: CrsSpec | None, tz: str
) -> PartitionSpec:
    """Check one file from its footer alone (no data is read); raise naming the problem."""
    name = str(path)  # partitions of different folders often share a file name
    try:
        pschema = pq.read_schema(path)
    except (OSError, pa.ArrowException) as exc:
        raise ImportFileError(f"{name}: not a readable Parquet file ({exc})") from None
    raw = (pschema.metadata or {}).get(b"geo")
    if raw is None:
        raise ImportFileError(
            f"{name}: not GeoParquet (no 'geo' metadata); write partitions with "
            "GeoDataFrame.to_parquet, dask-geopandas or GDAL"
        )
    try:
        geo = json.loads(raw)
        geom_col = str(geo["primary_column"])
        column = geo["columns"][geom_col]
    except (ValueError, KeyError, TypeError):
        raise ImportFileError(f"{name}: malformed GeoParquet 'geo' metadata") from None
    problems = []
    encoding = str(column.get("encoding", ""))
    if geom_col not in pschema.names:
        problems.append(f"geometry column {geom_col!r} is missing")
    elif encoding == "point":
        if not pa.types.is_struct(pschema.field(geom_col).type):
            problems.append(f"geometry {geom_col!r}: 'point' encoding that is not x/y fields")
    elif encoding != "WKB":
        problems.append(f"geometry encoding {encoding!r}; allowed: WKB or point")
    types = [str(t) for t in column.get("geometry_types") or []]
    if types and not any(t.startswith("Point") for t in types):
        problems.append(f"geometry types {', '.join(types)}; allowed: Point")
    spec_crs = crs if crs is not None else _file_crs(name, column)
    columns = [c for c in pschema.names if c not in geo["columns"]]
    cols = resolve_mapping(columns, "incidents", mapping, file_name=name)
    for fld in (schema.OCCURRED_AT, schema.CATEGORY):
        if fld not in cols:
            problems.append(
                f"no column for field {fld} (columns: {', '.join(columns) or 'none'}); map "
                f"one with --map COLUMN={fld}"
            )
    if schema.OCCURRED_AT in cols:
        ftype = pschema.field(cols[schema.OCCURRED_AT]).type
        if pa.types.is_dictionary(ftype):
            ftype = ftype.value_type
        if not (
            pa.types.is_timestamp(ftype)
            or pa.types.is_date(ftype)
            or pa.types.is_string(ftype)
            or pa.types.is_large_string(ftype)
        ):
            problems.append(
                f"column {cols[schema.OCCURRED_AT]!r} (occurred_at) is {ftype}; allowed: "
                f"{_TIME_KINDS}"
            )
    if problems:
        raise SchemaError(f"{name}: " + "; ".join(problems))
    return PartitionSpec(
        str(path), geom_col, encoding, cols[schema.OCCURRED_AT], cols[schema.CATEGORY], spec_crs, tz
    )


def inspect_partitions(
    paths: Sequence[Path],
    *,
    mapping: Mapping[str, str] | None = None,
    crs: str | CrsSpec | None = None,
    tz: str = _DEFAULT_TZ,
) -> list[PartitionSpec]:
    """Check every partition's footer (format, geometry, CRS, columns) before any work.

    Every file is checked and the problems of all of them are reported in one error.

    Raises
    ------
    ImportFileError
        When a file is not readable Parquet or not GeoParquet (other problems are listed
        in the same message).
    SchemaError, CrsError
        For a missing column, a column of the wrong type, non-point geometries or an
        unusable coordinate system.
    """
    spec_crs = crs if isinstance(crs, CrsSpec) or crs is None else parse_crs(crs)
    specs: list[PartitionSpec] = []
    problems: list[GridmapError] = []
    for path in paths:
        try:
            specs.append(_inspect(path, mapping, spec_crs, tz))
        except GridmapError as exc:
            problems.append(exc)
    if not problems:
        return specs
    shown = "; ".join(str(p) for p in problems[:_LISTED])
    more = f" (and {len(problems) - _LISTED} more files)" if len(problems) > _LISTED else ""
    kind = type(problems[0])
    if any(isinstance(p, ImportFileError) for p in problems):
        kind = ImportFileError
    elif not all(isinstance(p, kind) for p in problems):
        kind = SchemaError
    raise kind(f"{len(problems)} of {len(paths)} partition files unusable: {shown}{more}")


# --- one partition --------------------------------------------------------------------------
def _wkb_xy(arr: pa.Array) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """x, y of WKB points; NaN for null, empty and non-point values.

    Nearly every value of a point archive is a little-endian 2-D point of 21 bytes; those
    are decoded straight from the Arrow buffer (decoding 500,000 of them through shapely
    objects costs ten times the rest of the partition's work). Anything else (Z points,
    big-endian, EWKB, other types) goes through shapely.
    """
    if isinstance(arr, pa.ExtensionArray):
        arr = arr.storage
    n = len(arr)
    x = np.full(n, np.nan)
    y = np.full(n, np.nan)
    if n == 0:
        return x, y
    if pa.types.is_large_binary(arr.type):
        offsets = np.frombuffer(arr.buffers()[1], dtype=np.int64)
    else:
        offsets = np.frombuffer(arr.buffers()[1], dtype=np.int32)
    offsets = offsets[arr.offset : arr.offset + n + 1].astype(np.int64)
    valid = np.asarray(arr.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
    length = np.diff(offsets)
    data_buf = arr.buffers()[2]
    data = (
        np.frombuffer(data_buf, dtype=np.uint8) if data_buf is not None else np.zeros(0, np.uint8)
    )
    fast = valid & (length == _WKB_POINT_LEN)
    if fast.any() and data.size >= _WKB_POINT_LEN:
        rows = np.flatnonzero(fast)
        windows = np.lib.stride_tricks.sliding_window_view(data, _WKB_POINT_LEN)
        raw = windows[offsets[rows]]
        is_point = (raw[:, :5] == _WKB_POINT_HEAD).all(axis=1)
        xy = np.ascontiguousarray(raw[is_point, 5:]).view("<f8")
        x[rows[is_point]] = xy[:, 0]
        y[rows[is_point]] = xy[:, 1]
        fast[rows[~is_point]] = False
    slow = np.flatnonzero(valid & ~fast)
    if slow.size:
        geoms = shapely.from_wkb(
            np.asarray(arr.take(pa.array(slow)).to_numpy(zero_copy_only=False), dtype=object),
            on_invalid="ignore",
        )
        # GEOS refuses the x of an empty point.
        point = (shapely.get_type_id(geoms) == 0) & ~shapely.is_empty(geoms)
        x[slow[point]] = shapely.get_x(geoms[point])
        y[slow[point]] = shapely.get_y(geoms[point])
    return x, y


def _struct_xy(arr: pa.Array) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """x, y of GeoArrow ``point`` (struct) values; NaN for null ones."""
    if isinstance(arr, pa.ExtensionArray):
        arr = arr.storage
    valid = np.asarray(arr.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
    out = []
    for name in ("x", "y"):
        values = arr.field(name).to_numpy(zero_copy_only=False).astype(np.float64)
        out.append(np.where(valid, values, np.nan))
    return out[0], out[1]


def _lon_lat(
    column: pa.ChunkedArray, spec: PartitionSpec
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.bool_]]:
    """WGS-84 lon/lat of every row and whether it is a valid point."""
    arr = column.combine_chunks()
    x, y = _struct_xy(arr) if spec.encoding == "point" else _wkb_xy(arr)
    n = x.size
    # (0, 0) is the usual missing-location placeholder, as the importer treats it.
    usable = np.isfinite(x) & np.isfinite(y) & ~((x == 0) & (y == 0))
    lon = np.full(n, np.nan)
    lat = np.full(n, np.nan)
    if usable.any():
        lon[usable], lat[usable] = to_wgs84(x[usable], y[usable], spec.crs)
    ok = np.isfinite(lon) & np.isfinite(lat) & (np.abs(lon) <= 180) & (np.abs(lat) <= 90)
    return lon, lat, ok


def _months(column: pa.ChunkedArray, tz: str) -> NDArray[np.int64]:
    """Month of every value as months since 1970-01; -1 where there is no valid time."""
    ftype = column.type
    if pa.types.is_dictionary(ftype):
        column = column.cast(ftype.value_type)
        ftype = ftype.value_type
    if pa.types.is_string(ftype) or pa.types.is_large_string(ftype):
        values = parse_datetimes(column.to_pandas(), tz=tz)
    else:
        if pa.types.is_date(ftype):
            column = column.cast(pa.timestamp("s"))
        values = column.to_pandas()
        if isinstance(values.dtype, pd.DatetimeTZDtype):
            values = values.dt.tz_convert(tz).dt.tz_localize(None)
    stamps = values.to_numpy(dtype="datetime64[s]")
    months = stamps.astype("datetime64[M]").astype(np.int64)
    ok = ~np.isnat(stamps) & (months >= _FIRST_MONTH) & (months <= _LAST_MONTH)
    return np.where(ok, months, -1)


def _categories(column: pa.ChunkedArray) -> NDArray[np.int8]:
    """Position in :data:`CATEGORY_CODES` of every value, normalised once per distinct value."""
    if pa.types.is_dictionary(column.type):
        column = column.cast(column.type.value_type)
    arr = column.combine_chunks()
    if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        arr = arr.cast(pa.string())
    encoded = arr.dictionary_encode()
    codes = map_categories(pd.Series(encoded.dictionary.to_pylist(), dtype=object))
    lut = np.array([CATEGORY_CODES.index(c) for c in codes], dtype=np.int8)
    indices = encoded.indices
    # A null category is unclassified, as a blank cell is in the importer.
    pos = np.asarray(indices.fill_null(0).to_numpy(zero_copy_only=False), dtype=np.int64)
    out = lut[pos] if lut.size else np.full(len(arr), _UNCLASSIFIED, dtype=np.int8)
    valid = np.asarray(indices.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
    return np.where(valid, out, np.int8(_UNCLASSIFIED)).astype(np.int8)


def _count(keys: Mapping[str, NDArray[Any]]) -> pd.DataFrame:
    frame = pd.DataFrame(dict(keys))
    if frame.empty:  # keep the key dtypes, which an empty groupby would lose
        return frame.assign(**{INCIDENTS: np.zeros(0, dtype=np.int64)})
    counts = frame.groupby(list(keys), sort=False).size()
    out = counts.reset_index(name=INCIDENTS)
    out[INCIDENTS] = out[INCIDENTS].astype(np.int64)
    return out


def aggregate_partition(
    spec: PartitionSpec, lookup: GridLookup, *, cell_res: int = 9
) -> PartitionAggregates:
    """Read one partition, index and assign its points, and count them.

    Parameters
    ----------
    spec
        From :func:`inspect_partitions`.
    lookup
        Basic grids of the grid version used (:func:`gridmap.joins.build_grid_lookup`).
    cell_res
        Display resolution of the counted cells (parents of the points' cells).

    Raises
    ------
    ImportFileError
        When the file cannot be read (a corrupt page, a file gone since it was checked).
    """
    name = spec.path
    try:
        table = pq.read_table(spec.path, columns=[spec.geometry, spec.occurred_at, spec.category])
    except (OSError, pa.ArrowException) as exc:
        raise ImportFileError(f"{name}: cannot read the partition ({exc})") from None
    lon, lat, point_ok = _lon_lat(table.column(spec.geometry), spec)
    months = _months(table.column(spec.occurred_at), spec.tz)
    categories = _categories(table.column(spec.category))
    n = table.num_rows
    del table

    # A row without a point is counted there even when its time is bad too.
    keep = point_ok & (months >= 0)
    lon, lat = lon[keep], lat[keep]
    month = months[keep].astype(np.int32)
    category = categories[keep]
    cells = cell_parents(points_to_cells(lon, lat, schema.POINT_RES), cell_res)
    grid = assign_points(lookup, lon, lat)
    inside = grid >= 0
    counts = {
        ROWS_READ: n,
        INDEXED: int(keep.sum()),
        NO_POINT: int((~point_ok).sum()),
        NO_TIME: int((point_ok & (months < 0)).sum()),
        OUTSIDE_GRIDS: int((~inside).sum()),
    }
    return PartitionAggregates(
        files=pd.DataFrame({FILE: [spec.path], **{k: [v] for k, v in counts.items()}}),
        cells=_count(
            {schema.H3_CELL: cells.view(np.int64), MONTH: month, schema.CATEGORY: category}
        ),
        grids=_count(
            {"grid": grid[inside], MONTH: month[inside], schema.CATEGORY: category[inside]}
        ),
    )


# --- reduce ---------------------------------------------------------------------------------
def _month_text(months: pd.Series) -> NDArray[np.object_]:
    """``YYYY-MM`` of months since 1970-01, formatted once per distinct month."""
    values = months.to_numpy(dtype=np.int64)
    distinct, where = np.unique(values, return_inverse=True)
    text = np.datetime_as_string(distinct.astype("datetime64[M]")).astype(object)
    return np.asarray(text[where], dtype=object)


def _sum(frames: Sequence[pd.DataFrame], key: str) -> pd.DataFrame:
    keys = [key, MONTH, schema.CATEGORY]
    total = pd.concat(frames, ignore_index=True).groupby(keys, sort=False)[INCIDENTS].sum()
    return total.reset_index()


def merge_aggregates(*parts: PartitionAggregates) -> PartitionAggregates:
    """Sum the counts of partitions (or of earlier merges) into one.

    Both engines merge as partitions finish, a few at a time, so that neither the
    client nor any worker ever holds the counts of every partition at once.
    """
    if len(parts) == 1:
        return parts[0]
    return PartitionAggregates(
        files=pd.concat([p.files for p in parts], ignore_index=True),
        cells=_sum([p.cells for p in parts], schema.H3_CELL),
        grids=_sum([p.grids for p in parts], "grid"),
    )


def reduce_partitions(
    parts: Sequence[PartitionAggregates], lookup: GridLookup
) -> ArchiveAggregates:
    """The stored tables from partition counts (``lookup``: the one the parts used).

    Rows are sorted by cell (or grid code), month and category in schema order, and
    files by path, so the result does not depend on the order partitions finished in.
    """
    merged = merge_aggregates(*parts)
    category_codes = np.array(CATEGORY_CODES, dtype=object)
    keys = [MONTH, schema.CATEGORY]
    cells = merged.cells.sort_values([schema.H3_CELL, *keys], ignore_index=True)
    cells = pd.DataFrame(
        {
            schema.H3_CELL: cells[schema.H3_CELL].to_numpy(dtype=np.int64),
            MONTH: _month_text(cells[MONTH]),
            schema.CATEGORY: category_codes[cells[schema.CATEGORY].to_numpy(dtype=np.int64)],
            INCIDENTS: cells[INCIDENTS].to_numpy(dtype=np.int64),
        }
    )
    # Positions become ranks in code order, so that sorting numbers sorts by code.
    grids = merged.grids.assign(grid=lookup.rank[merged.grids["grid"].to_numpy()])
    grids = grids.sort_values(["grid", *keys], ignore_index=True)
    by_rank = np.asarray(lookup.codes, dtype=object)[np.argsort(lookup.rank)]
    grids = pd.DataFrame(
        {
            schema.GRID_CODE: by_rank[grids["grid"].to_numpy(dtype=np.int64)],
            MONTH: _month_text(grids[MONTH]),
            schema.CATEGORY: category_codes[grids[schema.CATEGORY].to_numpy(dtype=np.int64)],
            INCIDENTS: grids[INCIDENTS].to_numpy(dtype=np.int64),
        }
    )
    files = merged.files.astype({c: np.int64 for c in _COUNTS})
    files = files.sort_values(FILE, ignore_index=True)
    return ArchiveAggregates(cells, grids, files)


# --- engines --------------------------------------------------------------------------------
def _run_local(
    specs: Sequence[PartitionSpec],
    lookup: GridLookup,
    *,
    cell_res: int,
    workers: int,
    progress: Progress,
) -> PartitionAggregates:
    def one(spec: PartitionSpec) -> PartitionAggregates:
        return aggregate_partition(spec, lookup, cell_res=cell_res)

    held: list[PartitionAggregates] = []
    # Threads share the lookup; pyarrow, h3ronpy and numpy release the GIL for most of it.
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for done, part in enumerate(pool.map(one, specs), start=1):
            held.append(part)
            if len(held) > _FAN_IN:
                held = [merge_aggregates(*held)]
            progress(done / len(specs), f"{done}/{len(specs)} partitions")
    return merge_aggregates(*held)


def _probe(address: str, timeout_s: float) -> None:
    """Fail fast, with one line, when nothing listens at a scheduler address.

    ``distributed.Client`` raises after its timeout too, but the half-built client then
    prints a traceback from its finaliser when the process exits.
    """
    from distributed.comm import parse_address, parse_host_port

    allowed = "give a running scheduler's address, e.g. tcp://10.0.0.5:8786"
    try:
        scheme, location = parse_address(address)
        if scheme not in ("tcp", "tls"):
            return  # inproc:// (same process) and other transports: Client reports
        host, port = parse_host_port(location)
    except ValueError as exc:
        raise SchemaError(f"--scheduler {address}: {exc}; {allowed}") from None
    try:
        with socket.create_connection((host, port), timeout=timeout_s):
            pass
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise SchemaError(f"--scheduler {address}: cannot connect ({reason}); {allowed}") from None


@contextlib.contextmanager
def _client(scheduler: str | None, workers: int | None, timeout_s: float) -> Iterator[Any]:
    """A client of the given scheduler, else of a LocalCluster closed on exit."""
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise SchemaError(
            "--engine dask needs the dask extra: pip install 'gridmap[dask]' "
            "(or use --engine local)"
        ) from None
    if scheduler is not None:
        _probe(scheduler, timeout_s)
        try:
            client = Client(scheduler, timeout=timeout_s, set_as_default=False)
        except (OSError, ValueError) as exc:
            raise SchemaError(f"--scheduler {scheduler}: not a Dask scheduler ({exc})") from None
        try:
            try:
                client.wait_for_workers(1, timeout=timeout_s)
            except TimeoutError:
                raise SchemaError(
                    f"--scheduler {scheduler}: the cluster has no workers (waited "
                    f"{timeout_s:g} s); start some with dask worker {scheduler}"
                ) from None
            yield client
        finally:
            client.close()  # only the client: an existing cluster keeps running
        return
    # One single-threaded process per core: the work holds the GIL part of the time, and
    # processes keep a partition's peak memory apart from the others'.
    cluster = LocalCluster(
        n_workers=workers or available_cores(),
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        silence_logs=logging.CRITICAL,
    )
    try:
        with Client(cluster, set_as_default=False) as client:
            yield client
    finally:
        cluster.close()


def _run_dask(
    specs: Sequence[PartitionSpec],
    lookup: GridLookup,
    *,
    cell_res: int,
    scheduler: str | None,
    workers: int | None,
    timeout_s: float,
    progress: Progress,
) -> tuple[PartitionAggregates, int]:
    with _client(scheduler, workers, timeout_s) as client:
        from distributed import as_completed

        n_workers = len(client.nthreads())
        # Built once here and sent once to every worker; tasks reference it by key.
        shared = client.scatter(lookup, broadcast=True, hash=False)
        # pure=False: a rerun after the files changed must read them again.
        parts = client.map(
            aggregate_partition, list(specs), lookup=shared, cell_res=cell_res, pure=False
        )
        # A tree of merges on the workers: only the archive's total comes back here.
        level = list(parts)
        while len(level) > 1:
            level = [
                client.submit(merge_aggregates, *level[i : i + _FAN_IN], pure=False)
                for i in range(0, len(level), _FAN_IN)
            ]
        total = level[0]
        finished = as_completed(parts, loop=client.loop)
        del parts, level  # the cluster frees a partition's counts once they are merged
        # No explicit cancel on the way out: closing the client releases everything it
        # holds, and cancelling scattered data trips an assertion in the scheduler.
        for done, part in enumerate(finished, start=1):
            if part.status == "error":
                part.result()  # raise the partition's error now, not after the rest
            progress(done / len(specs), f"{done}/{len(specs)} partitions")
        result: PartitionAggregates = total.result()
    return result, n_workers


# --- the whole run --------------------------------------------------------------------------
def _check_args(
    engine: str, scheduler: str | None, workers: int | None, cell_res: int, timeout_s: float
) -> None:
    problems = []
    if engine not in ENGINES:
        problems.append(f"--engine {engine!r}; allowed: {', '.join(ENGINES)}")
    if scheduler is not None and engine != "dask":
        problems.append("--scheduler needs --engine dask")
    if workers is not None:
        if not (isinstance(workers, int) and workers >= 1):
            problems.append(f"--workers {workers!r}; allowed: an integer >= 1")
        elif scheduler is not None:
            problems.append("--workers sizes a local cluster; not with --scheduler")
    if not (isinstance(cell_res, int) and 0 <= cell_res <= schema.POINT_RES):
        problems.append(f"--res {cell_res!r}; allowed: an H3 resolution 0..{schema.POINT_RES}")
    if not timeout_s > 0:
        problems.append(f"timeout {timeout_s!r}; allowed: seconds > 0")
    if problems:
        raise SchemaError("; ".join(problems))


def index_archive(
    archive: str | Path,
    workspace: Workspace | str | Path,
    *,
    engine: str = "local",
    scheduler: str | None = None,
    workers: int | None = None,
    cell_res: int = 9,
    crs: str | CrsSpec | None = None,
    mapping: Mapping[str, str] | None = None,
    user: str | None = None,
    timeout_s: float = 10.0,
    progress: Progress | None = None,
) -> ArchiveSummary:
    """Index and assign an archive of GeoParquet partitions; store the counts.

    Parameters
    ----------
    archive
        A folder of partition files (searched recursively), a glob or one file.
    workspace
        An existing workspace (a GeoPackage path or a ``postgresql://`` URL) with a
        published grid version.
    engine
        ``"local"`` (in this process) or ``"dask"`` (see the module docstring).
    scheduler
        Address of a running Dask scheduler (``tcp://host:8786``); without it the
        ``dask`` engine starts a ``LocalCluster`` and closes it at the end.
    workers
        Threads of the ``local`` engine (default 1) or worker processes of the
        ``LocalCluster`` (default: one per core).
    cell_res
        H3 resolution of ``archive_cells`` (0 to :data:`~gridmap.schema.POINT_RES`).
    crs
        Coordinate system of every partition's points, overriding the files' metadata.
    mapping
        Source COLUMN -> field (``occurred_at``, ``category``), as ``gridmap import --map``.
    user
        Recorded in the import log.
    timeout_s
        How long to wait for a scheduler to answer and for it to have a worker.
    progress
        Called with (fraction done, message) after every partition.

    Returns
    -------
    ArchiveSummary

    Raises
    ------
    WorkspaceError
        For a missing workspace, or one whose grid version changed during the run.
    SchemaError
        For bad arguments, a workspace without basic grids, missing columns, an
        unreachable scheduler or a missing ``dask`` install.
    ImportFileError
        For no partition files, files that are not GeoParquet or cannot be read.
    """
    started = time.perf_counter()
    progress = progress or (lambda _f, _m: None)
    _check_args(engine, scheduler, workers, cell_res, timeout_s)
    ws = workspace if isinstance(workspace, Workspace) else open_workspace(workspace)
    ws.check()
    where = ws.name  # a path, or a database URL without its password
    version = ws.published_version()
    if version is None:
        raise SchemaError(
            f"{where}: no published grid version to assign incidents to; import grids "
            "(gridmap import WORKSPACE grids FILE) or publish a draft (gridmap plan publish)"
        )
    lookup = basic_lookup(ws.read_grids(version))
    if lookup is None:
        raise SchemaError(f"{where}: grid version {version} holds no basic grids")
    tz = ws.meta().get("timezone", _DEFAULT_TZ)
    specs = inspect_partitions(find_partitions(archive), mapping=mapping, crs=crs, tz=tz)

    if engine == "dask":
        total, n_workers = _run_dask(
            specs,
            lookup,
            cell_res=cell_res,
            scheduler=scheduler,
            workers=workers,
            timeout_s=timeout_s,
            progress=progress,
        )
    else:
        n_workers = workers or 1
        total = _run_local(specs, lookup, cell_res=cell_res, workers=n_workers, progress=progress)
    result = reduce_partitions([total], lookup)

    unclassified = int(
        result.cells.loc[result.cells[schema.CATEGORY] == schema.UNCLASSIFIED.code, INCIDENTS].sum()
    )
    crs_label = ", ".join(sorted({s.crs.label for s in specs}))  # partitions may differ
    with ws.transaction() as tx:
        # Refuse rather than store counts of grids no longer in force.
        now = tx.published_version()
        if now != version:
            raise WorkspaceError(
                f"{where}: grid version {now} was published while indexing with version "
                f"{version}; run gridmap index again"
            )
        tx.write_table(ARCHIVE_CELLS, result.cells)
        tx.write_table(ARCHIVE_GRIDS, result.grids)
        tx.write_table(ARCHIVE_FILES, result.files)
        tx.log_import(
            user=user,
            kind="archive",
            file=str(archive),
            crs=crs_label,
            rows_read=result.total(ROWS_READ),
            imported=result.total(INDEXED),
            rejected=result.total(NO_POINT) + result.total(NO_TIME),
            unclassified=unclassified,
            version=version,
            note=(
                f"engine {engine} ({n_workers} workers), {len(specs)} partitions, "
                f"{result.total(NO_POINT)} without a valid point, {result.total(NO_TIME)} "
                f"without a valid time, {result.total(OUTSIDE_GRIDS)} outside every grid; "
                f"cells at H3 resolution {cell_res}"
            ),
        )
    seconds = time.perf_counter() - started
    return ArchiveSummary(
        archive=str(archive),
        workspace=where,
        engine=engine,
        workers=n_workers,
        scheduler=scheduler,
        partitions=len(specs),
        rows_read=result.total(ROWS_READ),
        indexed=result.total(INDEXED),
        no_point=result.total(NO_POINT),
        no_time=result.total(NO_TIME),
        outside_grids=result.total(OUTSIDE_GRIDS),
        unclassified=unclassified,
        grid_version=version,
        cell_res=cell_res,
        cell_rows=len(result.cells),
        grid_rows=len(result.grids),
        seconds=seconds,
    )
