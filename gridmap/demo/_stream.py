"""The demo's incidents layer and history, written chunk by chunk in one GDAL session.

Ten million incidents as one GeoDataFrame take ~10 GB (their ids, addresses and points are
Python objects); as numbers (:class:`~._incidents.Draws`) under 0.9 GB. So the numbers are
drawn at once, with the random streams of the bulk build (the same seed gives the same demo
whatever the chunk size), and the strings, points, grid codes and H3 cells are made for a
chunk of whole days at a time, in time order, and streamed to GDAL as Arrow batches.

One GDAL session matters: a layer appended to chunk after chunk updates its R-tree row by
row through SQLite triggers (measured 3-4 times slower than writing), while a layer created
and filled in one session gets its R-tree built in bulk at the end.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyogrio
from numpy.typing import NDArray
from pyogrio.raw import write_arrow

from .. import schema
from ..errors import WorkspaceError
from ..indexing import points_to_cells
from ..joins import GridLookup, assign_points
from ..store.gpkg import GpkgTransaction
from ..store.history import ensure_incident_indexes, history_payloads, write_payloads
from . import _geo, _incidents

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
StrArray = NDArray[np.object_]
Progress = Callable[[float, str], None]

log = logging.getLogger("gridmap.demo")

#: Incidents per chunk (rounded up to whole days).
CHUNK_ROWS = 500_000
#: Sources whose cases know their grid (patrols and apps); hotline and transferred cases
#: arrive without one.
_KNOW_GRID = ("网格员巡查", "群众上报", "视频发现")
_LAYER = schema.Layer.INCIDENTS
#: SQLite page cache (MB) while GDAL writes the layer and bulk-loads its R-tree.
_SQLITE_CACHE_MB = "1024"
#: Point WKB as shapely writes it: little-endian byte order mark, type 1, x, y.
_WKB_POINT = np.dtype([("order", "u1"), ("type", "<u4"), ("x", "<f8"), ("y", "<f8")])


@dataclass(frozen=True)
class Places:
    """What a chunk of incidents needs to be placed and named: the basic grids' lookup
    (positions are city grid positions), the units (``x``, ``y`` in metres, ``name``) and
    each grid's district + street + community name."""

    lookup: GridLookup
    units: pd.DataFrame
    prefix: StrArray


def locate(
    x: FloatArray, y: FloatArray, fallback: IntArray, places: Places
) -> tuple[FloatArray, FloatArray, IntArray]:
    """Lon/lat and grid position (-1: none); points tied to a unit that fell outside every
    grid (jitter across the city edge) move back onto their unit."""
    lon, lat = _geo.to_lonlat(x, y)
    pos = assign_points(places.lookup, lon, lat).astype(np.int64)
    lost = np.flatnonzero((pos < 0) & (fallback >= 0))
    if lost.size:
        u = fallback[lost]
        ux, uy = places.units["x"].to_numpy(), places.units["y"].to_numpy()
        lon[lost], lat[lost] = _geo.to_lonlat(ux[u], uy[u])
        pos[lost] = assign_points(places.lookup, lon[lost], lat[lost])
    return lon, lat, pos


def grid_codes(places: Places, pos: IntArray) -> StrArray:
    """Grid codes of positions (None for -1)."""
    out = np.full(pos.shape, None, dtype=object)
    hit = pos >= 0
    out[hit] = places.lookup.codes[pos[hit]]
    return out


def seconds_to_datetime(values: IntArray) -> NDArray[np.datetime64]:
    """Seconds since 1970 as millisecond datetimes (NaT for -1)."""
    out = values.astype("datetime64[s]").astype("datetime64[ms]")
    out[values < 0] = np.datetime64("NaT")
    return out


def _timestamps(values: IntArray) -> pa.Array:
    """Seconds since 1970 as Arrow millisecond timestamps (null for -1)."""
    return pa.array(values * 1000, type=pa.timestamp("ms"), mask=values < 0)


def time_order(draws: _incidents.Draws) -> IntArray:
    """Positions of the incidents in time order (stable: ties keep their draw order)."""
    return np.argsort(draws.occurred_s, kind="stable")


def day_slices(occurred_s: IntArray, chunk_rows: int) -> list[tuple[int, int]]:
    """``[lo, hi)`` slices of time-sorted incidents, each of whole days and at least
    ``chunk_rows`` rows (but the last), so a day's numbering and payload stay in one chunk."""
    n = occurred_s.size
    day = occurred_s // _incidents.DAY_S
    starts = np.flatnonzero(np.r_[True, day[1:] != day[:-1]]) if n else np.zeros(0, np.int64)
    out, lo = [], 0
    while lo < n:
        at = int(np.searchsorted(starts, lo + chunk_rows))
        hi = int(starts[at]) if at < starts.size else n
        out.append((lo, hi))
        lo = hi
    return out


def _ids(occurred: IntArray) -> pa.Array:
    """``SJ`` + date + the incident's number that day (from 1, at least five digits), for
    whole days in time order."""
    day = occurred // _incidents.DAY_S
    n = day.size
    first = np.r_[True, day[1:] != day[:-1]]
    seq = np.arange(n) - np.maximum.accumulate(np.where(first, np.arange(n), 0)) + 1
    days, inv = np.unique(day, return_inverse=True)
    ymd = np.char.replace(np.datetime_as_string(days.astype("datetime64[D]")), "-", "")
    number = pc.utf8_lpad(pa.array(seq).cast(pa.string()), width=5, padding="0")
    return pc.binary_join_element_wise("SJ", _incidents.take_text(ymd, inv), number, "")


def incident_chunk(
    draws: _incidents.Draws, idx: IntArray, places: Places
) -> tuple[pa.Table, pd.DataFrame]:
    """The incidents layer's rows for positions ``idx`` of ``draws`` (whole days in time
    order) as an Arrow table with WKB ``geometry``, and their
    :data:`~gridmap.analytics.incidents.TABLE_COLUMNS` for the history."""
    names = _incidents.attributes(draws, idx, places.units["name"].to_numpy())
    lon, lat, pos = locate(draws.x[idx], draws.y[idx], draws.unit[idx], places)
    assigned = pos >= 0
    codes = _incidents.take_text(places.lookup.codes, pos)
    where = _incidents.take_text(places.prefix, pos).fill_null("兰州市")
    knows_grid = pc.is_in(names[schema.SOURCE], pa.array(_KNOW_GRID)).to_numpy(False)
    occurred = draws.occurred_s[idx]
    stages = draws.stage_s[:, idx]
    cells = points_to_cells(lon, lat, schema.POINT_RES).astype(np.int64)
    columns: dict[str, pa.Array] = {
        schema.ID: _ids(occurred),
        schema.OCCURRED_AT: _timestamps(occurred),
    }
    for i, stage in enumerate(schema.WORKFLOW_STAGES.codes):
        columns[stage] = _timestamps(stages[i])
    for col in (schema.CATEGORY, schema.CATEGORY_SOURCE, schema.HANDLING_CLASS, schema.SOURCE):
        columns[col] = names[col]
    columns[schema.ADDRESS] = pc.binary_join_element_wise(where, names["place"], "")
    columns[schema.GRID_CODE_SOURCE] = pc.if_else(pa.array(knows_grid & assigned), codes, "")
    columns[schema.H3_CELL] = pa.array(cells)
    columns[schema.GRID_CODE] = codes
    columns["geometry"] = point_wkb(lon, lat)
    # Plain object columns: pandas would otherwise turn every string into Arrow text again.
    history = pd.DataFrame(
        {
            schema.OCCURRED_AT: seconds_to_datetime(occurred),
            **{
                s: seconds_to_datetime(stages[i])
                for i, s in enumerate(schema.WORKFLOW_STAGES.codes)
            },
            schema.CATEGORY: pd.Series(
                np.asarray(_incidents.CATEGORIES, dtype=object)[draws.category[idx]], dtype=object
            ),
            schema.HANDLING_CLASS: pd.Series(
                np.asarray(schema.HANDLING_CLASSES.codes, dtype=object)[draws.klass[idx]],
                dtype=object,
            ),
            schema.GRID_CODE: pd.Series(grid_codes(places, pos), dtype=object),
            schema.H3_CELL: cells,
        }
    )
    return pa.table(columns), history


def point_wkb(lon: FloatArray, lat: FloatArray) -> pa.Array:
    """Points as an Arrow binary array of WKB, byte for byte what ``shapely.to_wkb`` writes,
    without making a shapely object per point."""
    rec = np.empty(lon.size, dtype=_WKB_POINT)
    rec["order"], rec["type"], rec["x"], rec["y"] = 1, 1, lon, lat
    size = _WKB_POINT.itemsize
    offsets = np.arange(0, size * (lon.size + 1), size, dtype=np.int32)
    return pa.Array.from_buffers(
        pa.binary(), lon.size, [None, pa.py_buffer(offsets), pa.py_buffer(rec.tobytes())]
    )


#: Share of :func:`write_incidents` done when the last chunk is handed to GDAL, when GDAL
#: has built the spatial index, and when the history is written (for progress).
_DONE_ROWS, _DONE_RTREE, _DONE_HISTORY = 0.7, 0.85, 0.9


def _tables(
    draws: _incidents.Draws,
    places: Places,
    chunk_rows: int,
    payloads: list[pd.DataFrame],
    progress: Progress,
) -> Iterator[pa.Table]:
    """The layer's chunks as Arrow tables, in time order; each chunk's history payloads are
    appended to ``payloads`` (they are written once GDAL has closed the file)."""
    order = time_order(draws)
    n = len(draws)
    for lo, hi in day_slices(draws.occurred_s[order], chunk_rows):
        table, rows = incident_chunk(draws, order[lo:hi], places)
        # A fresh layer numbers its rows 1, 2 … in write order (checked after writing).
        payloads.append(history_payloads(rows.assign(fid=np.arange(lo + 1, hi + 1))))
        yield table
        progress(_DONE_ROWS * hi / n, f"incidents written: {hi:,} of {n:,}")


@contextlib.contextmanager
def _gdal_options(options: dict[str, str]) -> Iterator[None]:
    """GDAL configuration options for the block, restored after it (they are global)."""
    old = {key: pyogrio.get_gdal_config_option(key) for key in options}
    pyogrio.set_gdal_config_options(options)
    try:
        yield
    finally:
        pyogrio.set_gdal_config_options({k: None if v is None else str(v) for k, v in old.items()})


def _stream_layer(tx: GpkgTransaction, tables: Iterator[pa.Table]) -> None:
    """Create the incidents layer from ``tables`` in one GDAL session."""
    first = next(tables)
    # The first chunk's schema, with text for a column it happened to have all empty.
    schema_ = pa.schema(
        [f.with_type(pa.string()) if pa.types.is_null(f.type) else f for f in first.schema]
    )
    failure: list[BaseException] = []

    def batches() -> Iterator[pa.RecordBatch]:
        try:
            for table in itertools.chain([first], tables):
                yield from table.cast(schema_).to_batches()
        except BaseException as exc:  # GDAL reports a failed stream only as text: keep it
            failure.append(exc)
            raise

    try:
        # SQLite's default 2 MB page cache makes the R-tree's bulk load of ten million
        # points thrash (measured 80 s, half of it in the kernel); 1 GB: 35 s.
        with _gdal_options({"OGR_SQLITE_CACHE": _SQLITE_CACHE_MB}):
            write_arrow(
                pa.RecordBatchReader.from_batches(schema_, batches()),
                tx.path,
                layer=_LAYER,
                driver="GPKG",
                geometry_name="geometry",
                geometry_type="Point",
                crs="EPSG:4326",
                SPATIAL_INDEX="YES",
            )
    except Exception:
        if failure:
            raise failure[0] from None
        raise


def write_incidents(
    tx: GpkgTransaction,
    draws: _incidents.Draws,
    places: Places,
    *,
    chunk_rows: int = CHUNK_ROWS,
    progress: Progress | None = None,
) -> None:
    """Write the incidents layer (new, in time order) and its history partitions, then the
    indexes on ``id`` and ``occurred_at``.

    ``tx`` is a copy-on-write transaction (GDAL writes into its file). ``progress(done,
    message)`` is told the share done (0 to 1) after each chunk and step. Raises
    :class:`WorkspaceError` if the stored rows are not numbered 1 … n (the history's ``fid``
    column relies on it).
    """
    report: Progress = progress if progress is not None else (lambda done, message: None)
    t0 = time.perf_counter()
    payloads: list[pd.DataFrame] = []
    _stream_layer(tx, _tables(draws, places, max(1, int(chunk_rows)), payloads, report))
    report(_DONE_RTREE, "incidents' spatial index built")
    n = len(draws)
    fids = tx.query(f'SELECT MIN(fid) AS lo, MAX(fid) AS hi, COUNT(*) AS n FROM "{_LAYER}"')
    got = tuple(int(v) for v in fids.iloc[0])
    if got != (1, n, n):
        raise WorkspaceError(
            f"{tx.name}: layer {_LAYER}: rows numbered {got[0]}..{got[1]} ({got[2]} rows); "
            f"the demo's history needs 1..{n}"
        )
    t1 = time.perf_counter()
    for chunk in payloads:
        # Chunks hold whole days: every day has one payload, part 0.
        write_payloads(tx, chunk)
    report(_DONE_HISTORY, "incident history written")
    t2 = time.perf_counter()
    ensure_incident_indexes(tx)
    report(1.0, "incidents indexed by id and time")
    log.info(
        "demo: %d incidents: rows %.1f s, history %.1f s, indexes %.1f s",
        n, t1 - t0, t2 - t1, time.perf_counter() - t2,
    )  # fmt: skip
