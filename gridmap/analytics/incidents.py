"""Incidents as time-sorted column arrays: the fast path behind every filter and count.

Pages filter hundreds of thousands of incidents on each widget change. Sorting once by
occurrence time turns the time window into two binary searches, and small integer codes for
category, handling class and grid turn the other filters and all counts into ``bincount``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
from numpy.typing import NDArray

from .. import schema
from ..indexing import cell_parents, cells_to_str

__all__ = [
    "CATEGORY_CODES",
    "HANDLING_CODES",
    "STAGE_CODES",
    "IncidentFilter",
    "IncidentTable",
    "counts_by_cell",
    "counts_by_grid",
    "epoch_seconds",
    "grid_profile",
    "incident_table",
    "select",
]

#: Category codes in index order; the last one is "unclassified".
CATEGORY_CODES: tuple[str, ...] = (*schema.CATEGORIES.codes, schema.UNCLASSIFIED.code)
HANDLING_CODES: tuple[str, ...] = schema.HANDLING_CLASSES.codes
STAGE_CODES: tuple[str, ...] = schema.WORKFLOW_STAGES.codes
UNKNOWN = -1


@dataclass(frozen=True)
class IncidentTable:
    """Incident columns sorted by ``occurred_s`` (seconds since 1970, local time)."""

    occurred_s: NDArray[np.int64]
    closed_s: NDArray[np.int64]  # -1 while open
    category: NDArray[np.int8]  # index into CATEGORY_CODES
    handling: NDArray[np.int8]  # index into HANDLING_CODES, -1 unknown
    cell: NDArray[np.uint64]  # res-11 H3 cell, 0 for none
    grid: NDArray[np.int32]  # index into grid_codes, -1 outside every grid
    grid_codes: tuple[str, ...]
    #: Current workflow stage: index into STAGE_CODES of the furthest stage with a time
    #: stamp, -1 for none. Default: 结案 (closed) where ``closed_s`` is set, else -1.
    stage: NDArray[np.int8] | None = None

    def __post_init__(self) -> None:
        if self.stage is None:
            closed = np.int8(len(STAGE_CODES) - 1)
            object.__setattr__(
                self,
                "stage",
                np.where(self.closed_s >= 0, closed, np.int8(UNKNOWN)).astype(np.int8),
            )

    def __len__(self) -> int:
        return len(self.occurred_s)

    @property
    def time_range(self) -> tuple[dt.date, dt.date] | None:
        if not len(self):
            return None
        first = pd.Timestamp(int(self.occurred_s[0]), unit="s").date()
        last = pd.Timestamp(int(self.occurred_s[-1]), unit="s").date()
        return first, last


def epoch_seconds(values: pd.Series) -> NDArray[np.int64]:
    """Times as whole seconds since 1970 (local time as stored), -1 where missing."""
    ts = pd.to_datetime(values)
    secs = ts.to_numpy(dtype="datetime64[s]").astype(np.int64)
    return np.where(ts.isna().to_numpy(), -1, secs)


def _codes(values: pd.Series, codes: Sequence[str], missing: int) -> NDArray[np.int8]:
    lookup = {c: i for i, c in enumerate(codes)}
    return np.asarray(values.map(lookup).fillna(missing), dtype=np.int8)


def incident_table(
    incidents: gpd.GeoDataFrame | pd.DataFrame, grid_codes: Sequence[str]
) -> IncidentTable:
    """Build the sorted arrays from the stored incidents layer and the grid codes in force."""
    occurred = epoch_seconds(incidents[schema.OCCURRED_AT])
    order = np.argsort(occurred, kind="stable")
    grid_index = {c: i for i, c in enumerate(grid_codes)}
    grid = np.asarray(incidents[schema.GRID_CODE].map(grid_index).fillna(UNKNOWN), dtype=np.int32)
    cells = incidents[schema.H3_CELL].fillna(0).to_numpy(dtype=np.int64).view(np.uint64)
    closed = epoch_seconds(incidents[schema.CLOSED_AT]) if schema.CLOSED_AT in incidents else None
    # The furthest stage with a time stamp: a case 派遣 but not yet 处置 is "dispatched".
    stage = np.full(len(order), UNKNOWN, dtype=np.int8)
    for i, code in enumerate(STAGE_CODES):
        if code in incidents:
            stage[pd.notna(incidents[code]).to_numpy()] = i
    return IncidentTable(
        occurred_s=occurred[order],
        closed_s=(closed if closed is not None else np.full(len(order), -1, np.int64))[order],
        category=_codes(incidents[schema.CATEGORY], CATEGORY_CODES, len(CATEGORY_CODES) - 1)[order],
        handling=_codes(incidents[schema.HANDLING_CLASS], HANDLING_CODES, UNKNOWN)[order],
        cell=cells[order],
        grid=grid[order],
        grid_codes=tuple(grid_codes),
        stage=stage[order],
    )


@dataclass(frozen=True)
class IncidentFilter:
    """Which incidents a page shows: a date window (inclusive) and optional subsets.

    Empty ``categories``, ``handling_classes`` or ``stages`` mean "all"; ``grid_codes``
    None means the whole city, otherwise only incidents assigned to those grids.
    ``stages`` are workflow stage codes (:data:`STAGE_CODES`): the case's current stage, so
    ``("handled_at",)`` selects cases handled but not yet verified or closed.
    """

    start: dt.date
    end: dt.date
    categories: tuple[str, ...] = ()
    handling_classes: tuple[str, ...] = ()
    grid_codes: frozenset[str] | None = None
    stages: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"filter: end {self.end} is before start {self.start}")
        unknown = set(self.categories) - set(CATEGORY_CODES)
        unknown |= set(self.handling_classes) - set(HANDLING_CODES)
        unknown |= set(self.stages) - set(STAGE_CODES)
        if unknown:
            raise ValueError(f"filter: unknown codes {sorted(unknown)}")


def _day_seconds(day: dt.date) -> int:
    return int(pd.Timestamp(day).value // 1_000_000_000)


def select(table: IncidentTable, flt: IncidentFilter) -> NDArray[np.int64]:
    """Positions of the incidents matching ``flt`` (ascending, so still time-sorted)."""
    lo = np.searchsorted(table.occurred_s, _day_seconds(flt.start), side="left")
    hi = np.searchsorted(
        table.occurred_s, _day_seconds(flt.end + dt.timedelta(days=1)), side="left"
    )
    keep = np.ones(hi - lo, dtype=bool)
    if flt.categories:
        wanted = np.zeros(len(CATEGORY_CODES), dtype=bool)
        wanted[[CATEGORY_CODES.index(c) for c in flt.categories]] = True
        keep &= wanted[table.category[lo:hi]]
    if flt.handling_classes:
        wanted = np.zeros(len(HANDLING_CODES) + 1, dtype=bool)  # last slot: unknown (-1)
        wanted[[HANDLING_CODES.index(c) for c in flt.handling_classes]] = True
        keep &= wanted[table.handling[lo:hi]]
    if flt.stages:
        wanted = np.zeros(len(STAGE_CODES) + 1, dtype=bool)  # last slot: no stage (-1)
        wanted[[STAGE_CODES.index(c) for c in flt.stages]] = True
        assert table.stage is not None  # filled in __post_init__
        keep &= wanted[table.stage[lo:hi]]
    if flt.grid_codes is not None:
        wanted = np.zeros(len(table.grid_codes) + 1, dtype=bool)  # last slot: no grid (-1)
        index = {c: i for i, c in enumerate(table.grid_codes)}
        wanted[[index[c] for c in flt.grid_codes if c in index]] = True
        keep &= wanted[table.grid[lo:hi]]
    return np.flatnonzero(keep) + lo


def counts_by_cell(table: IncidentTable, idx: NDArray[np.int64], res: int) -> pd.DataFrame:
    """Incident counts per H3 cell at ``res`` (parent of the stored res-11 cell).

    Returns columns ``cell`` (hex string, as pydeck's H3HexagonLayer wants) and ``count``,
    sorted by cell.
    """
    cells = table.cell[idx]
    cells = cells[cells != 0]
    if res != schema.POINT_RES:
        cells = cell_parents(cells, res)
    uniq, counts = np.unique(cells, return_counts=True)
    return pd.DataFrame({"cell": cells_to_str(uniq), "count": counts.astype(np.int64)})


def counts_by_grid(table: IncidentTable, idx: NDArray[np.int64]) -> pd.Series:
    """Incident counts per grid code (every grid, zeros included)."""
    grid = table.grid[idx]
    counts = np.bincount(grid[grid >= 0], minlength=len(table.grid_codes))
    return pd.Series(counts, index=pd.Index(table.grid_codes, name=schema.CODE), name="count")


def grid_profile(
    table: IncidentTable, idx: NDArray[np.int64], grid_code: str, *, months: int = 12
) -> dict[str, object]:
    """What a grid card shows for the selected incidents of one grid.

    Counts by category and handling class, closure (closed / all, with both numbers) and
    the monthly series of the last ``months`` months of the window.
    """
    if grid_code not in table.grid_codes:
        raise KeyError(f"grid {grid_code!r} is not in the grids in force")
    g = table.grid_codes.index(grid_code)
    mine = idx[table.grid[idx] == g]
    by_cat = np.bincount(table.category[mine], minlength=len(CATEGORY_CODES))
    handling = table.handling[mine]
    by_class = np.bincount(handling[handling >= 0], minlength=len(HANDLING_CODES))
    closed = int((table.closed_s[mine] >= 0).sum())
    month = pd.to_datetime(table.occurred_s[mine], unit="s").to_period("M")
    series = pd.Series(1, index=month).groupby(level=0).sum()
    if len(series):
        full = pd.period_range(series.index.min(), series.index.max(), freq="M")
        series = series.reindex(full, fill_value=0).tail(months)
    return {
        "count": len(mine),
        "by_category": dict(zip(CATEGORY_CODES, by_cat.tolist(), strict=True)),
        "by_handling_class": dict(zip(HANDLING_CODES, by_class.tolist(), strict=True)),
        "closed": closed,
        "monthly": {str(k): int(v) for k, v in series.items()},
    }


#: The stored incident columns the arrays are built from.
TABLE_COLUMNS = (
    schema.OCCURRED_AT,
    *schema.WORKFLOW_STAGES.codes,
    schema.CATEGORY,
    schema.HANDLING_CLASS,
    schema.GRID_CODE,
    schema.H3_CELL,
)
