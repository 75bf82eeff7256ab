"""The incidents of an archive indexed by ``gridmap index``, kept as history payloads.

``gridmap index`` (:mod:`gridmap.archive`) stores each indexed incident's analysis columns
in :data:`ARCHIVE_TABLE`, in the payloads of :mod:`gridmap.store.history` (one or more per
day, ``fid`` 0: they have no stored row). Pages count them on every day the incidents layer
has none (:func:`read_incidents`): the layer is the detailed, current record, so an archive
that overlaps imported months is not counted twice.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Iterator, Sequence

import numpy as np
import pandas as pd

from ..analytics.incidents import IncidentTable
from ..indexing import cells_to_points
from ..joins import GridLookup, assign_points
from .base import Reader, Transaction
from .history import (
    DAYS_PER_QUERY,
    NO_PARTS,
    SECONDS_PER_DAY,
    decode_parts,
    layer_parts,
    table_payloads,
    write_payloads,
)

__all__ = [
    "ARCHIVE_ASSIGNED_KEY",
    "ARCHIVE_TABLE",
    "ARCHIVE_VERSION_KEY",
    "archive_status",
    "copy_archive",
    "read_archive",
    "read_incidents",
    "reassign_archive",
    "with_archive",
]

#: Incidents of an archive indexed by ``gridmap index`` (:mod:`gridmap.archive`): the same
#: payloads, for incidents that have no stored row. Pages read an archived day only when the
#: incidents layer has no incident that day (the layer is the detailed, current record).
ARCHIVE_TABLE = "archive_history"
#: Meta key: the grid version the archived incidents were last assigned to (by ``gridmap
#: index``, then by every publish: :func:`reassign_archive`).
ARCHIVE_VERSION_KEY = "archive_grid_version"
#: Meta key: how the archive was last assigned: ``points`` (``gridmap index``) or ``cells``
#: (re-assigned at a publish by the centre of each incident's res-11 cell, ~25 m from it).
ARCHIVE_ASSIGNED_KEY = "archive_assigned_by"


def _archive_parts(reader: Reader, skip_days: Collection[str]) -> pd.DataFrame:
    """``day`` and ``payload`` of the archived incidents in day order, without the days in
    ``skip_days`` (``'YYYY-MM-DD'``)."""
    if not reader.has_table(ARCHIVE_TABLE):
        return NO_PARTS
    days = reader.query(f"SELECT DISTINCT day FROM {ARCHIVE_TABLE}")["day"].astype(str)
    wanted = sorted(set(days) - set(skip_days))
    if not wanted:
        return NO_PARTS
    params: tuple[str, ...] = ()
    if len(wanted) == len(days):
        where = ""
    else:
        # The archive's days bound the range; the few days of the layer inside it are left out.
        where, params = "WHERE day >= ? AND day <= ?", (wanted[0], wanted[-1])
    parts = reader.query(
        f"SELECT day, payload FROM {ARCHIVE_TABLE} {where} ORDER BY day, part", params
    )
    return parts[parts["day"].astype(str).isin(wanted).to_numpy()]


def read_incidents(reader: Reader, grid_codes: Sequence[str]) -> IncidentTable | None:
    """:func:`read_history` with the archived incidents of every day on which the layer has
    none, decoded in one pass (the two never share a day, so day order is time order).

    ``None`` when the layer's history is not current: the caller reads the rows, then
    :func:`with_archive`.
    """
    layer = layer_parts(reader)
    if layer is None:
        return None
    archive = _archive_parts(reader, set(layer["day"].astype(str)) - {""})
    if not len(archive):
        return decode_parts(layer, grid_codes)
    both = pd.concat([layer, archive], ignore_index=True)
    both = both.iloc[np.argsort(both["day"].astype(str).to_numpy(), kind="stable")]
    return decode_parts(both, grid_codes)


def read_archive(
    reader: Reader, grid_codes: Sequence[str], skip_days: Collection[str] = ()
) -> IncidentTable | None:
    """The archived incidents (:data:`ARCHIVE_TABLE`) over ``grid_codes``, leaving out the
    days in ``skip_days`` (``'YYYY-MM-DD'``); ``None`` when nothing is archived."""
    parts = _archive_parts(reader, skip_days)
    return decode_parts(parts, grid_codes) if len(parts) else None


def with_archive(reader: Reader, layer: IncidentTable) -> IncidentTable:
    """``layer`` (the incidents layer's table) with the archived incidents of every day on
    which the layer has none, in one time-sorted table."""
    held = layer.occurred_s[layer.occurred_s >= 0]
    layer_days = np.unique(np.floor_divide(held, SECONDS_PER_DAY)).astype("datetime64[D]")
    archive = read_archive(reader, layer.grid_codes, set(np.datetime_as_string(layer_days)))
    if archive is None or not len(archive):
        return layer
    if not len(layer):
        return archive
    # A merge of two sorted tables: each archived incident goes before the layer's first
    # incident at or after its time (the layer's rows without a time, at -1 s, stay first).
    at = np.searchsorted(layer.occurred_s, archive.occurred_s, side="left")
    columns = ("occurred_s", "closed_s", "category", "handling", "cell", "grid", "stage")
    joined = {c: np.insert(getattr(layer, c), at, getattr(archive, c)) for c in columns}
    return IncidentTable(**joined, grid_codes=layer.grid_codes)


def copy_archive(source: Reader, tx: Transaction) -> int:
    """Copy the archived incidents' payloads from ``source`` into ``tx``'s workspace (a day
    at a time, bounded memory); the number of incidents copied."""
    tx.execute(f"DELETE FROM {ARCHIVE_TABLE}")
    held = 0
    for span in _day_spans(source):
        rows = source.query(
            f"SELECT day, part, n, payload FROM {ARCHIVE_TABLE} WHERE day >= ? AND day <= ?",
            span,
        )
        write_payloads(tx, rows, table=ARCHIVE_TABLE)
        held += int(rows["n"].sum())
    return held


def _day_spans(reader: Reader) -> Iterator[tuple[str, str]]:
    """``(first, last)`` day of each run of :data:`DAYS_PER_QUERY` archived days, in order:
    a month of a big city's archive per query, so memory stays bounded at any size."""
    if not reader.has_table(ARCHIVE_TABLE):
        return
    query = f"SELECT DISTINCT day FROM {ARCHIVE_TABLE} ORDER BY day"
    days = reader.query(query)["day"].astype(str).tolist()
    for i in range(0, len(days), DAYS_PER_QUERY):
        yield days[i], days[min(i + DAYS_PER_QUERY, len(days)) - 1]


def archive_status(reader: Reader) -> dict[str, object]:
    """What ``gridmap history`` and ``gridmap info`` say of the archived incidents: how many,
    over which days, and the grid version they were assigned with (``gridmap index``)."""
    if not reader.has_table(ARCHIVE_TABLE):
        return {
            "assigned_by": None,
            "held": 0,
            "days": 0,
            "first": None,
            "last": None,
            "grid_version": None,
        }
    row = reader.query(
        f"SELECT COALESCE(SUM(n), 0) AS held, COUNT(DISTINCT day) AS days, MIN(day) AS first, "
        f"MAX(day) AS last FROM {ARCHIVE_TABLE}"
    ).iloc[0]
    meta = reader.meta()
    version = meta.get(ARCHIVE_VERSION_KEY)
    return {
        "assigned_by": meta.get(ARCHIVE_ASSIGNED_KEY) or "points",
        "held": int(row["held"]),
        "days": int(row["days"]),
        "first": None if pd.isna(row["first"]) else str(row["first"]),
        "last": None if pd.isna(row["last"]) else str(row["last"]),
        "grid_version": int(version) if version else None,
    }


def reassign_archive(
    tx: Transaction,
    codes: Sequence[str],
    version: int | None,
    *,
    kept: Collection[str],
    changed: GridLookup | None,
) -> int:
    """Assign the archived incidents to the grids just published, a month of days at a time;
    the number whose grid changed.

    ``codes`` are the new version's basic grid codes, ``kept`` those whose boundary did not
    change (an archived incident of one of them stays there: exact), ``changed`` the lookup
    over the others. The archive keeps each incident's res-11 H3 cell, not its point: one of
    a changed grid, or of none, goes to the changed grid holding its cell's centre (at most
    ~25 m from the point, so near a changed border it may land in the neighbour).
    ``gridmap index`` assigns the points themselves again.
    """
    codes = [str(c) for c in codes]
    position = {c: i for i, c in enumerate(codes)}
    kept_at = np.array(sorted(position[c] for c in kept if c in position), dtype=np.int32)
    # Positions in the changed lookup -> positions in ``codes`` (the extra slot serves -1).
    to_codes = np.array([position.get(str(c), -1) for c in (changed.codes if changed else [])])
    to_codes = np.append(to_codes, -1).astype(np.int32)
    moved, spans = 0, 0
    for span in _day_spans(tx):
        spans += 1
        parts = tx.query(
            f"SELECT day, payload FROM {ARCHIVE_TABLE} WHERE day >= ? AND day <= ? "
            "ORDER BY day, part",
            span,
        )
        table = decode_parts(parts, codes)
        grid = table.grid.copy()
        todo = ~np.isin(grid, kept_at)
        grid[todo] = -1
        if changed is not None and todo.any():
            grid[todo] = to_codes[assign_points(changed, *cells_to_points(table.cell[todo]))]
        changes = int((grid != table.grid).sum())
        if not changes:
            continue  # unchanged grids only: the stored payloads already say it
        moved += changes
        tx.execute(f"DELETE FROM {ARCHIVE_TABLE} WHERE day >= ? AND day <= ?", span)
        fresh = table_payloads(dataclasses.replace(table, grid=grid))
        write_payloads(tx, fresh, table=ARCHIVE_TABLE)
    if spans:
        # Where nothing moved the assignment stays what it was (the points', after an index).
        meta: dict[str, object] = {ARCHIVE_VERSION_KEY: version or ""}
        if moved:
            meta[ARCHIVE_ASSIGNED_KEY] = "cells"
        tx.set_meta(meta)
    return moved
