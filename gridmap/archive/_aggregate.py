"""One partition read, indexed, assigned and counted; partition counts merged and reduced to
the stored tables. Both engines run these same functions."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import shapely
from numpy.typing import NDArray

from .. import schema
from ..analytics.incidents import HANDLING_CODES, IncidentTable
from ..crs import to_wgs84
from ..errors import ImportFileError
from ..indexing import cell_parents, points_to_cells
from ..io.mapping import map_categories, parse_datetimes, parse_enum
from ..joins import GridLookup, assign_points
from ..store.history import table_payloads
from ._values import (
    CATEGORY_CODES,
    COUNTS,
    FILE,
    INCIDENTS,
    INDEXED,
    MONTH,
    NO_POINT,
    NO_TIME,
    OUTSIDE_GRIDS,
    ROWS_READ,
    ArchiveAggregates,
    PartitionAggregates,
    PartitionSpec,
)

_UNCLASSIFIED = CATEGORY_CODES.index(schema.UNCLASSIFIED.code)
# The importer's rule (parse_datetimes): years outside this range are typing errors.
_FIRST_MONTH = (1990 - 1970) * 12
_LAST_MONTH = (2100 - 1970) * 12 + 11
# A little-endian 2-D WKB point: byte order 1, type 1 (uint32), x and y (float64).
_WKB_POINT_LEN = 21
_WKB_POINT_HEAD = np.array([1, 1, 0, 0, 0], dtype=np.uint8)


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


def _local_times(column: pa.ChunkedArray, tz: str) -> NDArray[np.datetime64]:
    """Every value as a local time (seconds); NaT where there is no valid time (null,
    unparseable, or a year outside the importer's 1990-2100)."""
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
    return np.where(ok, stamps, np.datetime64("NaT", "s"))


def _months(stamps: NDArray[np.datetime64]) -> NDArray[np.int64]:
    """Month of every time as months since 1970-01; -1 where there is no valid time."""
    months = stamps.astype("datetime64[M]").astype(np.int64)
    return np.where(np.isnat(stamps), -1, months)


def _handling(column: pa.ChunkedArray) -> NDArray[np.int8]:
    """Position in the schema's handling classes of every value (code, label or alias), -1
    for a blank or unknown one, as the importer clears it; parsed once per distinct value."""
    if pa.types.is_dictionary(column.type):
        column = column.cast(column.type.value_type)
    encoded = column.combine_chunks().cast(pa.string()).dictionary_encode()
    codes, _unknown = parse_enum(
        pd.Series(encoded.dictionary.to_pylist(), dtype=object), schema.HANDLING_CLASSES
    )
    lut = np.array([HANDLING_CODES.index(c) if isinstance(c, str) else -1 for c in codes])
    pos = np.asarray(encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False), np.int64)
    # The extra last slot serves nulls (index -1).
    return np.append(lut, -1).astype(np.int8)[pos]


def _history(
    table: pa.Table,
    spec: PartitionSpec,
    keep: NDArray[np.bool_],
    stamps: NDArray[np.datetime64],
    category: NDArray[np.int8],
    cells: NDArray[np.uint64],
    grid: NDArray[np.int32],
    codes: Sequence[str],
) -> pd.DataFrame:
    """The history payloads of a partition's indexed rows (see :class:`PartitionAggregates`).

    The optional ``closed_at`` and ``handling_class`` columns are kept when the archive has
    them, cleaned as the importer cleans them: a closure before the incident is cleared.
    """
    occurred = stamps[keep].astype(np.int64)
    closed = np.full(occurred.size, -1, dtype=np.int64)
    if spec.closed_at is not None:
        shut = _local_times(table.column(spec.closed_at), spec.tz)[keep]
        ok = ~np.isnat(shut)
        closed[ok] = shut[ok].astype(np.int64)
        closed[closed < occurred] = -1
    handling = np.full(occurred.size, -1, dtype=np.int8)
    if spec.handling_class is not None:
        handling = _handling(table.column(spec.handling_class))[keep]
    order = np.argsort(occurred, kind="stable")
    incidents = IncidentTable(
        occurred_s=occurred[order],
        closed_s=closed[order],
        category=category[order],
        handling=handling[order],
        cell=cells[order],
        grid=grid[order],
        grid_codes=tuple(codes),
    )
    return table_payloads(incidents)


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
    wanted = [spec.geometry, spec.occurred_at, spec.category, spec.closed_at, spec.handling_class]
    try:
        table = pq.read_table(spec.path, columns=list(dict.fromkeys(c for c in wanted if c)))
    except (OSError, pa.ArrowException) as exc:
        raise ImportFileError(f"{name}: cannot read the partition ({exc})") from None
    lon, lat, point_ok = _lon_lat(table.column(spec.geometry), spec)
    stamps = _local_times(table.column(spec.occurred_at), spec.tz)
    months = _months(stamps)
    categories = _categories(table.column(spec.category))
    n = table.num_rows

    # A row without a point is counted there even when its time is bad too.
    keep = point_ok & (months >= 0)
    lon, lat = lon[keep], lat[keep]
    month = months[keep].astype(np.int32)
    category = categories[keep]
    points = points_to_cells(lon, lat, schema.POINT_RES)
    cells = cell_parents(points, cell_res)
    grid = assign_points(lookup, lon, lat)
    history = _history(table, spec, keep, stamps, category, points, grid, list(lookup.codes))
    del table
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
        history=history,
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
    client nor any worker ever holds the counts of every partition at once. Histories are
    not merged (the result's is empty): the engines collect them per partition.
    """
    if len(parts) == 1:
        return dataclasses.replace(parts[0], history=pd.DataFrame())
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
    files = merged.files.astype({c: np.int64 for c in COUNTS})
    files = files.sort_values(FILE, ignore_index=True)
    return ArchiveAggregates(cells, grids, files)
