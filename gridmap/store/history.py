"""The incidents' analysis columns kept in the workspace, one compact payload per day.

Every page computes from an :class:`~gridmap.analytics.incidents.IncidentTable`: the
incidents' times, category, handling class, stage, H3 cell and grid as sorted arrays.
Building it from the stored rows means parsing every row's text times and reading every
geometry: 600 bytes and several seconds per 100,000 incidents. The history table keeps those
arrays themselves, split by the day of ``occurred_at``, so a page reads a few compact blobs
and the numbers are the row path's by construction (the payloads are made by
:func:`~gridmap.analytics.incidents.incident_table` itself).

Table ``incident_history`` (created by migration 4, on both backends)::

    day TEXT      'YYYY-MM-DD' of occurred_at as stored (local time); '' for no time
    part INTEGER  0, 1, 2 ... several payloads per day are allowed (bulk writers)
    n INTEGER     incidents in the payload
    payload BLOB  (BYTEA on PostGIS) the columns below

A payload is a 16-byte header (``b"GMH1"``, flags, code width, n, number of codes) and the
body, LZ4-compressed (a raw block) when flag bit 0 is set: the little-endian columns ``fid``
int64, ``occurred_s`` int64, ``closed_s`` int64 (-1 open), ``cell`` uint64, ``grid`` int32
(index into the payload's codes, -1 none), ``category``, ``handling``, ``stage`` int8, then
the payload's distinct grid codes as fixed-width UTF-8 (numpy ``S``). Codes are stored as
text, not as indices into the grids in force, so a history stays right when another grid
version is published and only the assignment changes (:func:`refresh_history` after
``reassign``).

Every writer of the incidents layer refreshes the days it touched in the same transaction;
a history whose incident count differs from the layer's is never read
(:func:`read_history` returns ``None`` and callers read the rows), and the next refresh
rebuilds it whole.
"""

from __future__ import annotations

import datetime as dt
import logging
import struct
from collections.abc import Collection, Iterator, Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
from numpy.typing import NDArray

from .. import schema
from ..analytics.incidents import STAGE_CODES, IncidentTable, epoch_seconds, incident_table
from ..errors import WorkspaceError
from .base import Reader, Transaction

__all__ = [
    "DAYS_PER_QUERY",
    "HISTORY_TABLE",
    "NO_PARTS",
    "SECONDS_PER_DAY",
    "decode_parts",
    "ensure_incident_indexes",
    "history_payloads",
    "history_status",
    "layer_parts",
    "read_history",
    "refresh_history",
    "table_payloads",
    "write_payloads",
]

logger = logging.getLogger(__name__)

HISTORY_TABLE = "incident_history"
_LAYER = schema.Layer.INCIDENTS
_MAGIC = b"GMH1"
_HEADER = struct.Struct("<4sBxHII")  # magic, flags, (pad), code width, n, number of codes
_LZ4_FLAG = 1  # flag bit: the body is LZ4-compressed (raw block, size from the header)
#: LZ4 (Arrow's codec; Arrow is a gridmap dependency already). Measured on the demo's
#: 324,000 incidents: raw 51 bytes per incident; LZ4 28 bytes, decompressed at 1.2 GB/s;
#: zstd level 1 17 bytes at 0.3 GB/s; zlib level 1 18 bytes at 0.16 GB/s. Reading is what
#: pages wait for, so the fastest to decompress wins.
_LZ4 = pa.Codec("lz4_raw")
#: Compress a body only when it saves at least this share.
_WORTH = 0.9
#: Columns of a payload body in order, with their little-endian dtypes.
_COLUMNS: tuple[tuple[str, str], ...] = (
    ("fid", "<i8"),
    ("occurred_s", "<i8"),
    ("closed_s", "<i8"),
    ("cell", "<u8"),
    ("grid", "<i4"),
    ("category", "i1"),
    ("handling", "i1"),
    ("stage", "i1"),
)
_ROW_BYTES = sum(np.dtype(dtype).itemsize for _, dtype in _COLUMNS)
_NO_DAY = np.iinfo(np.int64).min
NO_PARTS = pd.DataFrame(
    {"day": pd.Series(dtype=object), "payload": pd.Series(dtype=object)}
)  # day key of incidents without a time
SECONDS_PER_DAY = 86_400
#: Rows read per query when the whole history is rebuilt (bounded memory at any size).
_CHUNK_ROWS = 250_000
#: Days read per query when days are refreshed (a whole month of a big city is ~500,000 rows).
DAYS_PER_QUERY = 31
#: Runs of days read by one query (OR of ranges, each on the occurred_at index).
_RUNS_PER_QUERY = 64


# -- encoding ---------------------------------------------------------------------------------


def _as_times(values: pd.Series) -> pd.Series:
    """Stored times as datetimes: GeoPackage keeps ISO text (with milliseconds when there are
    any, as GDAL writes it); PostGIS gives datetimes already. Text that is no time is NaT, as
    GDAL reads it."""
    if pd.api.types.is_datetime64_any_dtype(values):
        return values
    return pd.to_datetime(values, format="ISO8601", errors="coerce")


def _encode(columns: dict[str, NDArray[np.generic]], codes: NDArray[np.bytes_]) -> bytes:
    n = len(columns["fid"])
    body = b"".join(
        np.ascontiguousarray(columns[name], dtype=dtype).tobytes() for name, dtype in _COLUMNS
    )
    width = codes.dtype.itemsize if len(codes) else 0
    body += codes.tobytes() if len(codes) else b""
    flags = 0
    packed = _LZ4.compress(body, asbytes=True)
    if len(packed) < _WORTH * len(body):
        body, flags = packed, _LZ4_FLAG
    return _HEADER.pack(_MAGIC, flags, width, n, len(codes)) + body


def _header(payload: bytes) -> tuple[int, int, int, int]:
    """``(flags, code width, n, number of codes)`` of a payload."""
    magic, flags, width, n, n_codes = _HEADER.unpack_from(payload)
    if magic != _MAGIC:
        raise WorkspaceError(
            f"{HISTORY_TABLE}: a payload does not start with {_MAGIC!r}; rebuild it with "
            "`gridmap history WS --rebuild`"
        )
    return flags, width, n, n_codes


def _body(payload: bytes, flags: int, size: int) -> bytes | memoryview:
    body = memoryview(payload)[_HEADER.size :]
    if flags & _LZ4_FLAG:
        return _LZ4.decompress(body, decompressed_size=size, asbytes=True)
    return body


def history_payloads(rows: pd.DataFrame) -> pd.DataFrame:
    """Partition stored incident rows into history payloads, one per day.

    Parameters
    ----------
    rows
        ``fid`` and :data:`~gridmap.analytics.incidents.TABLE_COLUMNS` as stored (times as
        datetimes or ISO text; a stage column only needs to be missing where the stage is).
        Absent stage columns count as never reached, as on the row path.

    Returns
    -------
    pandas.DataFrame
        Columns ``day`` (``'YYYY-MM-DD'``, ``''`` for rows without a time), ``part`` (0),
        ``n`` and ``payload`` (bytes), sorted by day.

    Within a payload incidents are sorted by time and, at equal times, by ``fid``: the order
    in which the row path reads them.
    """
    frame = pd.DataFrame(rows)
    fid = frame["fid"].to_numpy(dtype=np.int64)
    if len(fid) > 1 and not (np.diff(fid) > 0).all():
        frame = frame.iloc[np.argsort(fid, kind="stable")]
        fid = frame["fid"].to_numpy(dtype=np.int64)
    frame = frame.assign(
        **{
            col: _as_times(frame[col])
            for col in (schema.OCCURRED_AT, schema.CLOSED_AT)
            if col in frame
        }
    )
    grid_values = pd.unique(frame[schema.GRID_CODE].to_numpy(dtype=object))
    chunk_codes = sorted(v for v in grid_values if isinstance(v, str))
    # The row path's own conversion: category, class, stage and cell exactly as pages see them.
    table = incident_table(frame, chunk_codes)
    # The permutation incident_table sorted by: the same conversion, the same stable sort.
    order = np.argsort(epoch_seconds(frame[schema.OCCURRED_AT]), kind="stable")
    no_time = frame[schema.OCCURRED_AT].isna().to_numpy()[order]
    day = np.where(no_time, _NO_DAY, np.floor_divide(table.occurred_s, SECONDS_PER_DAY))
    # Rows without a time sit at -1 s among any real ones of that second: group them apart.
    by_day = np.argsort(day, kind="stable")
    columns: dict[str, NDArray[np.generic]] = {
        "fid": fid[order][by_day],
        "occurred_s": table.occurred_s[by_day],
        "closed_s": table.closed_s[by_day],
        "cell": table.cell[by_day],
        "grid": table.grid[by_day],
        "category": table.category[by_day],
        "handling": table.handling[by_day],
        "stage": np.asarray(table.stage)[by_day],
    }
    return _split_days(columns, day[by_day], chunk_codes)


def table_payloads(table: IncidentTable) -> pd.DataFrame:
    """Payloads of incidents that exist only as an :class:`IncidentTable` (an archive's: see
    :mod:`gridmap.archive`), one per day; ``fid`` is 0 (they have no stored row).

    Every incident must have a time (``occurred_s`` >= 0 is not required: a time before 1970
    is negative); ``table`` must be sorted by time, as :class:`IncidentTable` always is.
    """
    n = len(table)
    columns: dict[str, NDArray[np.generic]] = {
        "fid": np.zeros(n, dtype=np.int64),
        "occurred_s": table.occurred_s,
        "closed_s": table.closed_s,
        "cell": table.cell,
        "grid": table.grid,
        "category": table.category,
        "handling": table.handling,
        "stage": np.asarray(table.stage),
    }
    day = np.floor_divide(table.occurred_s, SECONDS_PER_DAY)
    return _split_days(columns, day, table.grid_codes)


def _split_days(
    columns: dict[str, NDArray[np.generic]], day: NDArray[np.int64], codes: Sequence[str]
) -> pd.DataFrame:
    """One payload per run of equal ``day`` keys (``columns`` sorted by day, then time);
    ``columns["grid"]`` indexes ``codes``."""
    starts = np.flatnonzero(np.r_[True, day[1:] != day[:-1]]) if len(day) else np.zeros(0, int)
    ends = np.r_[starts[1:], len(day)] if len(day) else starts
    encoded = np.array([c.encode("utf-8") for c in codes] or [b""], dtype=np.bytes_)
    out_day, out_n, out_payload = [], [], []
    for a, b in zip(starts.tolist(), ends.tolist(), strict=True):
        part = {name: col[a:b] for name, col in columns.items()}
        grid = np.asarray(part["grid"], dtype=np.int32)
        used, local = np.unique(grid[grid >= 0], return_inverse=True)
        mine = np.full(b - a, -1, dtype=np.int32)
        mine[grid >= 0] = local
        part["grid"] = mine
        key = int(day[a])
        out_day.append("" if key == _NO_DAY else str(np.datetime64(key, "D")))
        out_n.append(b - a)
        out_payload.append(_encode(part, encoded[used] if len(used) else encoded[:0]))
    return pd.DataFrame(
        {
            "day": pd.Series(out_day, dtype=object),
            "part": np.zeros(len(out_day), dtype=np.int64),
            "n": np.asarray(out_n, dtype=np.int64),
            "payload": pd.Series(out_payload, dtype=object),
        }
    )


# -- writing ----------------------------------------------------------------------------------


def ensure_incident_indexes(tx: Transaction) -> None:
    """Index ``incidents(id)`` and ``incidents(occurred_at)`` if absent (both backends).

    Idempotent and cheap when present. The time index serves :func:`refresh_history`'s
    day ranges; the id index serves the importer's look-up of the ids a file brings. A layer
    replaced as a whole loses its indexes with it; the next refresh puts them back.
    """
    if not tx.has_layer(_LAYER):
        return
    have = set(tx.query(f'SELECT * FROM "{_LAYER}" LIMIT 0').columns)
    for col in (schema.ID, schema.OCCURRED_AT):
        if col in have:
            tx.execute(f'CREATE INDEX IF NOT EXISTS "{_LAYER}_{col}_idx" ON "{_LAYER}"("{col}")')


def write_payloads(
    tx: Transaction, payloads: pd.DataFrame, *, first_part: int = 0, table: str = HISTORY_TABLE
) -> None:
    """Insert payload rows (from :func:`history_payloads`) into ``table`` (the history, or
    :data:`ARCHIVE_TABLE`), their parts offset by ``first_part`` (a bulk writer appending
    chunk after chunk passes a growing offset)."""
    if not len(payloads):
        return
    # executemany, not append_rows: PostGIS appends through CSV COPY, which takes no bytes.
    tx.executemany(
        f"INSERT INTO {table}(day, part, n, payload) VALUES (?, ?, ?, ?)",
        [
            (str(d), int(p) + first_part, int(n), bytes(b))
            for d, p, n, b in zip(
                payloads["day"], payloads["part"], payloads["n"], payloads["payload"], strict=True
            )
        ],
    )


def _select(tx: Transaction) -> str:
    """The SELECT list that reads only what a payload needs: stage columns as 0/1 flags
    (their times are never used), ``closed_at`` as stored, missing cells as 0."""
    have = set(tx.query(f'SELECT * FROM "{_LAYER}" LIMIT 0').columns)
    cols = ["fid", f'"{schema.OCCURRED_AT}"']
    for code in STAGE_CODES:
        if code == schema.CLOSED_AT and code in have:
            cols.append(f'"{code}"')
        elif code in have:
            cols.append(f'CASE WHEN "{code}" IS NULL THEN 0 ELSE 1 END AS "{code}"')
    for col in (schema.CATEGORY, schema.HANDLING_CLASS, schema.GRID_CODE):
        cols.append(f'"{col}"' if col in have else f'NULL AS "{col}"')
    cols.append(f'COALESCE("{schema.H3_CELL}", 0) AS "{schema.H3_CELL}"')
    return ", ".join(cols)


def _rows(
    tx: Transaction, select: str, where: str, params: Sequence[object], *, limit: str = ""
) -> pd.DataFrame:
    frame = tx.query(f'SELECT {select} FROM "{_LAYER}" WHERE {where} ORDER BY fid{limit}', params)
    for code in STAGE_CODES:
        if code != schema.CLOSED_AT and code in frame:
            # A flag stands for the stored time: only whether it is there matters.
            frame[code] = np.where(frame[code].to_numpy() == 1, 1.0, np.nan)
    return frame


def _day_runs(days: Collection[dt.date]) -> Iterator[tuple[dt.date, dt.date]]:
    """Consecutive days as ``[first, after_last)`` runs of at most ``DAYS_PER_QUERY`` days."""
    ordered = sorted(set(days))
    i = 0
    while i < len(ordered):
        j = i
        while (
            j + 1 < len(ordered)
            and ordered[j + 1] - ordered[j] == dt.timedelta(days=1)
            and j + 1 - i < DAYS_PER_QUERY
        ):
            j += 1
        yield ordered[i], ordered[j] + dt.timedelta(days=1)
        i = j + 1


def _run_batches(
    runs: Iterator[tuple[dt.date, dt.date]],
) -> Iterator[list[tuple[dt.date, dt.date]]]:
    """Runs grouped for one query each: at most ``_RUNS_PER_QUERY`` runs and about
    ``DAYS_PER_QUERY`` days, so a query's rows stay bounded."""
    batch: list[tuple[dt.date, dt.date]] = []
    days = 0
    for first, after in runs:
        span = (after - first).days
        if batch and (len(batch) == _RUNS_PER_QUERY or days + span > DAYS_PER_QUERY):
            yield batch
            batch, days = [], 0
        batch.append((first, after))
        days += span
    if batch:
        yield batch


def _rebuild(tx: Transaction, select: str) -> None:
    tx.execute(f"DELETE FROM {HISTORY_TABLE}")
    next_part: dict[str, int] = {}
    last = int(np.iinfo(np.int64).min)
    while True:
        rows = _rows(tx, select, "fid > ?", (last,), limit=f" LIMIT {_CHUNK_ROWS}")
        if not len(rows):
            return
        last = int(rows["fid"].iloc[-1])
        payloads = history_payloads(rows)
        # A day split over two chunks gets a second part.
        parts = [next_part.get(d, 0) for d in payloads["day"]]
        next_part.update({d: p + 1 for d, p in zip(payloads["day"], parts, strict=True)})
        write_payloads(tx, payloads.assign(part=parts))
        if len(rows) < _CHUNK_ROWS:
            return


def refresh_history(tx: Transaction, days: Collection[dt.date] | None) -> None:
    """Rebuild the history partitions of ``days`` (``None``: the whole history) from the
    stored incidents layer.

    Reads only those days' rows through :meth:`~gridmap.store.base.Reader.query` on the
    ``occurred_at`` index (never ``read_layer``: an in-place GeoPackage transaction must see
    its own uncommitted rows), and always the few rows without a time. If the history then
    does not hold exactly as many incidents as the layer (a workspace from before the history
    existed, or a writer that did not refresh), the whole history is rebuilt.
    """
    if not tx.has_layer(_LAYER):
        tx.execute(f"DELETE FROM {HISTORY_TABLE}")
        return
    ensure_incident_indexes(tx)
    select = _select(tx)
    if days is None:
        _rebuild(tx, select)
        return
    keys = sorted({d.isoformat() for d in days})
    for i in range(0, len(keys), 500):
        chunk = keys[i : i + 500]
        marks = ", ".join("?" for _ in chunk)
        tx.execute(f"DELETE FROM {HISTORY_TABLE} WHERE day IN ({marks})", chunk)
    tx.execute(f"DELETE FROM {HISTORY_TABLE} WHERE day = ''")
    time = f'"{schema.OCCURRED_AT}"'
    # Scattered days (an updated export touches many) are read a batch of runs per query:
    # one query per run cost 20 ms each, 13 s for Medellín's 494 runs.
    for batch in _run_batches(_day_runs(days)):
        where = " OR ".join(f"({time} >= ? AND {time} < ?)" for _ in batch)
        spans = [d.isoformat() for run in batch for d in run]
        write_payloads(tx, history_payloads(_rows(tx, select, where, spans)))
    write_payloads(tx, history_payloads(_rows(tx, select, f"{time} IS NULL", ())))
    held = int(tx.query(f"SELECT COALESCE(SUM(n), 0) AS n FROM {HISTORY_TABLE}")["n"].iloc[0])
    stored = tx.layer_count(_LAYER)
    if held != stored:
        logger.info("%s: history holds %d of %d incidents; rebuilding it", tx.name, held, stored)
        _rebuild(tx, select)


# -- reading ----------------------------------------------------------------------------------


class _CodePositions:
    """Grid codes (bytes) -> their positions in ``grid_codes``, for arrays of codes at once
    (a payload holds up to every grid's code; a dict look-up per code cost a second over
    the 1,800 days of a five-year archive)."""

    def __init__(self, grid_codes: Sequence[str]) -> None:
        keys = np.array([c.encode("utf-8") for c in grid_codes] or [b""], dtype=np.bytes_)
        self._order = np.argsort(keys, kind="stable").astype(np.int32)
        self._sorted = keys[self._order]
        self._none = not len(grid_codes)
        # Busy days hold every grid: most payloads carry the very same list of codes.
        self._seen: dict[tuple[str, bytes], NDArray[np.int32]] = {}

    def of(self, codes: NDArray[np.bytes_]) -> NDArray[np.int32]:
        """Positions of ``codes``, -1 for a code not among the grids. A repeated grid code
        maps to its last position, as the row path's dict does (stable sort, right side)."""
        if self._none or not len(codes):
            return np.full(len(codes), -1, dtype=np.int32)
        key = (codes.dtype.str, codes.tobytes())
        if key not in self._seen:
            at = np.searchsorted(self._sorted, codes, side="right") - 1
            at = np.clip(at, 0, None)
            found = self._sorted[at] == codes
            self._seen[key] = np.where(found, self._order[at], np.int32(-1)).astype(np.int32)
        return self._seen[key]


def _stored_count(reader: Reader) -> int:
    return reader.layer_count(_LAYER) if reader.has_layer(_LAYER) else 0


def layer_parts(reader: Reader) -> pd.DataFrame | None:
    """``day`` and ``payload`` of the layer's history in day order; ``None`` when it does not
    hold exactly as many incidents as the layer (or there is no history table)."""
    if not reader.has_table(HISTORY_TABLE):
        return None
    if not reader.has_layer(_LAYER):
        return NO_PARTS if not _history_rows(reader) else None
    # The layer's count in the same statement: one snapshot even while a writer commits.
    parts = reader.query(
        f'SELECT day, n, payload, (SELECT COUNT(*) FROM "{_LAYER}") AS stored '
        f"FROM {HISTORY_TABLE} ORDER BY day, part"
    )
    if not len(parts):
        return NO_PARTS if not reader.layer_count(_LAYER) else None
    if int(parts["n"].sum()) != int(parts["stored"].iloc[0]):
        return None
    return parts[["day", "payload"]]


def decode_parts(parts: pd.DataFrame, grid_codes: Sequence[str]) -> IncidentTable:
    """Payloads (``day``, ``payload``, in day order) -> one IncidentTable over ``grid_codes``."""
    return _decode_all(parts["payload"].tolist(), grid_codes, parts["day"].astype(str).tolist())


def read_history(reader: Reader, grid_codes: Sequence[str]) -> IncidentTable | None:
    """The :class:`~gridmap.analytics.incidents.IncidentTable` of the stored history over
    ``grid_codes`` (the grids in force, as the row path takes them).

    ``None`` when the workspace has no history table, or its history does not hold exactly
    as many incidents as the incidents layer: the caller then reads the rows.
    """
    parts = layer_parts(reader)
    return None if parts is None else decode_parts(parts, grid_codes)


def _decode_all(
    payloads: list[bytes], grid_codes: Sequence[str], days: Sequence[str] = ()
) -> IncidentTable:
    """Payloads (in day order, ``days`` their days) -> one IncidentTable over ``grid_codes``:
    each column is decoded straight into its place in the output."""
    heads = [_header(p) for p in payloads]
    total = sum(h[2] for h in heads)
    out = {name: np.empty(total, dtype=dtype) for name, dtype in _COLUMNS}
    positions = _CodePositions(grid_codes)
    starts = np.cumsum([0, *(h[2] for h in heads)])
    for payload, (flags, width, n, n_codes), at in zip(payloads, heads, starts, strict=False):
        body = _body(payload, flags, n * _ROW_BYTES + n_codes * width)
        offset, columns = 0, {}
        for name, dtype in _COLUMNS:
            columns[name] = np.frombuffer(body, dtype=dtype, count=n, offset=offset)
            offset += n * np.dtype(dtype).itemsize
        codes = np.frombuffer(body, dtype=f"S{max(width, 1)}", count=n_codes, offset=offset)
        # The payload's codes -> positions in grid_codes; the extra last slot serves -1.
        columns["grid"] = np.append(positions.of(codes), np.int32(-1))[columns["grid"]]
        for name, values in columns.items():
            out[name][at : at + n] = values
    # Each payload is sorted (history_payloads writes it so); only where two payloads meet
    # can the order break. Parts of one day (a bulk writer's chunks, an archive's partitions)
    # interleave in time: each such day is sorted on its own, not the whole table.
    _sort_split_days(out, list(days), starts)
    occurred, fid = out["occurred_s"], out["fid"]
    last, first = starts[1:-1] - 1, starts[1:-1]
    last, first = last[last >= 0], first[last >= 0]
    step = occurred[first] - occurred[last]
    if ((step < 0) | ((step == 0) & (fid[first] <= fid[last]))).any():
        # What is left: a time before 1970 sorts before the day-less '' group's neighbours.
        order = np.lexsort((fid, occurred))
        out = {k: v[order] for k, v in out.items()}
    return IncidentTable(
        occurred_s=out["occurred_s"],
        closed_s=out["closed_s"],
        category=out["category"],
        handling=out["handling"],
        cell=out["cell"],
        grid=out["grid"],
        grid_codes=tuple(grid_codes),
        stage=out["stage"],
    )


def _sort_split_days(
    out: dict[str, NDArray[np.generic]], days: list[str], starts: NDArray[np.int64]
) -> None:
    """Sort, in place, the rows of every day held in several payloads by time and fid."""
    if len(days) < 2:
        return
    key = np.asarray(days, dtype=object)
    same = np.flatnonzero(key[1:] == key[:-1])  # payload i + 1 continues payload i's day
    if not same.size:
        return
    # Runs of continuing payloads: [first payload, last payload] of each split day.
    breaks = np.flatnonzero(np.diff(same) > 1)
    firsts = same[np.r_[0, breaks + 1]]
    lasts = same[np.r_[breaks, len(same) - 1]] + 1
    occurred, fid = out["occurred_s"], out["fid"]
    for p, q in zip(firsts.tolist(), lasts.tolist(), strict=True):
        a, b = int(starts[p]), int(starts[q + 1])
        order = np.lexsort((fid[a:b], occurred[a:b]))
        for values in out.values():
            values[a:b] = values[a:b][order]


def _history_rows(reader: Reader) -> int:
    return int(reader.query(f"SELECT COUNT(*) AS n FROM {HISTORY_TABLE}")["n"].iloc[0])


def history_status(reader: Reader) -> dict[str, int | bool]:
    """What ``gridmap history`` reports: partitions, incidents held and stored, and whether
    pages read the history (``current``) or the rows."""
    stored = _stored_count(reader)
    if not reader.has_table(HISTORY_TABLE):
        return {
            "partitions": 0,
            "days": 0,
            "held": 0,
            "stored": stored,
            "bytes": 0,
            "current": False,
        }
    row = reader.query(
        f"SELECT COUNT(*) AS parts, COUNT(DISTINCT day) AS days, COALESCE(SUM(n), 0) AS held, "
        f"COALESCE(SUM(LENGTH(payload)), 0) AS bytes FROM {HISTORY_TABLE}"
    ).iloc[0]
    held = int(row["held"])
    return {
        "partitions": int(row["parts"]),
        "days": int(row["days"]),
        "held": held,
        "stored": stored,
        "bytes": int(row["bytes"]),
        "current": held == stored and (held > 0 or stored == 0),
    }
