"""Period comparisons (环比/同比) and the administrative roll-up of grid figures."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from ... import schema
from ...errors import SchemaError
from ..incidents import (
    IncidentFilter,
    IncidentTable,
    counts_by_grid,
    select,
)

if TYPE_CHECKING:
    pass
from .scores import previous_window
from .settings import (
    _DEFAULT_SETTINGS,
    UNKNOWN_PARENT,
    RiskSettings,
    _ratio,
    eb_rates,
    percentile_scores,
)


# --- periods --------------------------------------------------------------------------------
def _minus_year(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February: the same period last year ends on the 28th
        return day.replace(year=day.year - 1, day=28)


def _change(current: float, base: float) -> tuple[float, float | None]:
    return current - base, None if base == 0 else (current - base) / base


def period_covered(
    table: IncidentTable, start: dt.date, end: dt.date, *, share: float = 0.9
) -> bool:
    """Whether the incident data cover at least ``share`` of the days ``start``..``end``.

    A period before the first imported incident is not a period with no incidents: its
    zeros would read as "+265 % on previous" for data that were never imported, so such a
    period is not compared with (the first days of an export may be quiet, hence a share).
    """
    if not len(table):
        return False
    first = pd.Timestamp(int(table.occurred_s[0]), unit="s").date()
    days = (end - start).days + 1
    covered = (end - max(first, start)).days + 1
    return covered >= share * days


def compare_periods(
    table: IncidentTable,
    flt: IncidentFilter,
    *,
    by: Literal["grid", "city"] = "city",
) -> pd.DataFrame | dict[str, Any]:
    """Incident counts in the window, the previous window (环比) and a year before (同比).

    The previous period ends the day before ``flt.start``: as many whole months for a
    window of whole calendar months, else the same number of days
    (:func:`gridmap.analytics.filters.previous_period`); the
    same period last year shifts both dates back one calendar year (29 February becomes
    28 February). Categories, handling classes and grids of ``flt`` apply to all three.

    Returns
    -------
    dict or pandas.DataFrame
        ``by="city"``: a dict with ``current``, ``previous``, ``last_year``,
        ``change_prev`` / ``rel_change_prev`` and ``change_yoy`` / ``rel_change_yoy``
        (absolute, and relative as a fraction: 0.35 is +35 %; None when the base is 0),
        and ``periods``: ``{"current" | "previous" | "last_year": (start, end)}``.
        ``by="grid"``: the same columns indexed by grid code (every grid in force, or the
        grids of ``flt``), relative changes NaN when the base is 0, ``periods`` in
        ``attrs``. Incidents outside every grid count for the city only. A period the data
        do not cover (:func:`period_covered`) has no count and no change (None/NaN), never
        a zero.

    Examples
    --------
    A window of 1-31 March 2024 is compared with 1-29 February 2024 (the month before)
    and with 1-31 March 2023.
    """
    if by not in ("grid", "city"):
        raise SchemaError(f"by={by!r}; allowed: 'grid' or 'city'")
    before = previous_window(flt)
    periods = {
        "current": (flt.start, flt.end),
        "previous": (before.start, before.end),
        "last_year": (_minus_year(flt.start), _minus_year(flt.end)),
    }
    selections = {
        name: select(
            table,
            replace(flt, start=start, end=end),
        )
        for name, (start, end) in periods.items()
    }
    covered = {k: period_covered(table, *periods[k]) for k in ("previous", "last_year")}
    if by == "city":
        cur, prev, last = (len(selections[k]) for k in ("current", "previous", "last_year"))
        change_prev, rel_prev = _change(cur, prev)
        change_yoy, rel_yoy = _change(cur, last)
        out: dict[str, Any] = {
            "current": cur,
            "previous": prev,
            "last_year": last,
            "change_prev": int(change_prev),
            "rel_change_prev": rel_prev,
            "change_yoy": int(change_yoy),
            "rel_change_yoy": rel_yoy,
            "periods": periods,
        }
        for base, suffix in (("previous", "prev"), ("last_year", "yoy")):
            if not covered[base]:
                out.update({base: None, f"change_{suffix}": None, f"rel_change_{suffix}": None})
        return out
    counts = {k: counts_by_grid(table, v).to_numpy() for k, v in selections.items()}
    frame = pd.DataFrame(counts, index=pd.Index(table.grid_codes, name=schema.CODE))
    if flt.grid_codes is not None:
        frame = frame[frame.index.isin(list(flt.grid_codes))]
    now = frame["current"].to_numpy()
    for base, suffix in (("previous", "prev"), ("last_year", "yoy")):
        b = frame[base].to_numpy()
        frame[f"change_{suffix}"] = now - b
        frame[f"rel_change_{suffix}"] = _ratio(now - b, b)
        if not covered[base]:
            frame[[base, f"change_{suffix}", f"rel_change_{suffix}"]] = np.nan
    frame.attrs["periods"] = periods
    return frame


# --- admin roll-up --------------------------------------------------------------------------
_LEVEL_STEPS = {"community": 1, "street": 2, "district": 3, "city": 4}
_ROLLUP_NEEDS = ("incidents", "weighted", "households", "closed", "on_time", "sla_due")


def grid_units(
    grid_codes: pd.Index | Sequence[str],
    hierarchy_parents: Mapping[str, str | None],
    *,
    level: str,
    levels: Mapping[str, str] | None = None,
) -> pd.Series:
    """The admin unit of ``level`` each grid lies in (:data:`UNKNOWN_PARENT` if none).

    With ``levels`` each grid climbs until it reaches a unit of ``level`` (robust to
    skipped levels); otherwise it climbs a fixed number of steps (community 1, street 2,
    district 3, city 4).
    """
    if level not in _LEVEL_STEPS:
        raise SchemaError(f"level={level!r}; allowed: {', '.join(_LEVEL_STEPS)}")
    index = pd.Index(grid_codes)
    parents = dict(hierarchy_parents)
    level_of = dict(levels) if levels is not None else {}
    current = pd.Series(index.astype(str), index=index, dtype=object)
    # Climb one level per step for all grids at once (a dict lookup each, at most 5 steps).
    for _ in range(_LEVEL_STEPS[level] if levels is None else len(_LEVEL_STEPS) + 1):
        if levels is None:
            current = current.map(parents)
            continue
        done = current.isna() | (current.map(level_of) == level)
        if bool(done.all()):
            break
        current = current.where(done, current.map(parents))
    if levels is not None:
        current = current.where(current.map(level_of) == level)
    return current.where(current.notna(), UNKNOWN_PARENT).astype(str)


def admin_rollup(
    grid_frame: pd.DataFrame,
    hierarchy_parents: Mapping[str, str | None],
    *,
    level: Literal["community", "street", "district", "city"] = "community",
    levels: Mapping[str, str] | None = None,
    settings: RiskSettings = _DEFAULT_SETTINGS,
) -> pd.DataFrame:
    """Sum grid rows (:func:`grid_risk`) up to an admin level and recompute every ratio.

    Ratios are recomputed from the summed numerators and denominators, never averaged:
    two grids closing 1 of 1 and 1 of 3 cases make a community closing 2 of 4 (50 %), not
    67 %.

    Parameters
    ----------
    grid_frame
        Indexed by grid code, with at least ``incidents``, ``weighted``, ``households``,
        ``closed``, ``on_time`` and ``sla_due``.
    hierarchy_parents
        Parent code of each code (``Hierarchy.parents``): grid -> community, and, for
        coarser levels, community -> street -> district -> city.
    level
        The admin level to sum to.
    levels
        Level of each code (``Hierarchy.levels``). When given, each grid climbs until it
        reaches a unit of ``level`` (robust to skipped levels); otherwise it climbs a fixed
        number of steps (community 1, street 2, district 3, city 4).
    settings
        For ``prior_strength`` (shrinkage, redone across the units of ``level``) and
        ``min_count``.

    Returns
    -------
    pandas.DataFrame
        Indexed by unit code (sorted; grids whose ancestor is unknown in a last row
        :data:`UNKNOWN_PARENT`), columns ``grids``, ``households_missing`` (grids without
        households), ``incidents``, ``weighted``, ``weighted_with_households`` and
        ``households`` (the rate's numerator and denominator, over grids with
        households), ``rate_per_1000``, ``rate_eb``, ``risk_score``, ``closed``,
        ``closure_rate``, ``on_time``, ``sla_due``, ``on_time_rate``, ``suppressed``.
        Medians cannot be summed, so median handling time is not rolled up.
        ``attrs["unit_of_grid"]`` holds the unit of each grid (:func:`grid_units`).
    """
    if level not in _LEVEL_STEPS:
        raise SchemaError(f"level={level!r}; allowed: {', '.join(_LEVEL_STEPS)}")
    missing_cols = [c for c in _ROLLUP_NEEDS if c not in grid_frame.columns]
    if missing_cols:
        raise SchemaError(f"grid_frame lacks columns {missing_cols}; allowed: grid_risk output")
    unit = grid_units(grid_frame.index, hierarchy_parents, level=level, levels=levels)

    hh = pd.to_numeric(grid_frame["households"], errors="coerce").to_numpy(dtype=np.float64)
    has_hh = hh > 0
    parts = pd.DataFrame(
        {
            "grids": 1,
            "households_missing": ~has_hh,
            "incidents": grid_frame["incidents"].to_numpy(),
            "weighted": grid_frame["weighted"].to_numpy(dtype=np.float64),
            "weighted_with_households": np.where(
                has_hh, grid_frame["weighted"].to_numpy(dtype=np.float64), 0.0
            ),
            "households": np.where(has_hh, hh, 0.0),
            "closed": grid_frame["closed"].to_numpy(),
            "on_time": grid_frame["on_time"].to_numpy(),
            "sla_due": grid_frame["sla_due"].to_numpy(),
        },
        index=pd.Index(unit.to_numpy(), name=schema.CODE),
    )
    sums = parts.groupby(level=0, sort=True).sum()
    if UNKNOWN_PARENT in sums.index:  # last, after the real units
        order = [*sums.index.drop(UNKNOWN_PARENT), UNKNOWN_PARENT]
        sums = sums.reindex(pd.Index(order, name=schema.CODE))
    sums["households_missing"] = sums["households_missing"].astype(np.int64)
    units_hh = sums["households"].to_numpy()
    eb = eb_rates(
        sums["weighted_with_households"].to_numpy(),
        units_hh / 1000.0,
        prior_strength=settings.prior_strength,
    )
    out = pd.DataFrame(index=sums.index)
    out["grids"] = sums["grids"].astype(np.int64)
    out["households_missing"] = sums["households_missing"]
    out["incidents"] = sums["incidents"].astype(np.int64)
    out["weighted"] = sums["weighted"]
    out["weighted_with_households"] = sums["weighted_with_households"]
    out["households"] = units_hh
    out["rate_per_1000"] = _ratio(sums["weighted_with_households"].to_numpy() * 1000, units_hh)
    out["rate_eb"] = eb.rates
    out["risk_score"] = percentile_scores(eb.rates)
    out["closed"] = sums["closed"].astype(np.int64)
    out["closure_rate"] = _ratio(sums["closed"].to_numpy(), sums["incidents"].to_numpy())
    out["on_time"] = sums["on_time"].astype(np.int64)
    out["sla_due"] = sums["sla_due"].astype(np.int64)
    out["on_time_rate"] = _ratio(sums["on_time"].to_numpy(), sums["sla_due"].to_numpy())
    out["suppressed"] = out["incidents"] < settings.min_count
    out.attrs["eb_mean"] = eb.mean
    out.attrs["eb_variance"] = eb.variance
    # Which unit each grid went to, for callers that need it too (a plain dict: attrs travel
    # into Arrow metadata when a frame is shown).
    out.attrs["unit_of_grid"] = unit.to_dict()
    return out
