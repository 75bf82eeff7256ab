"""What the meeting cockpit (驾驶舱) and the printed report show, computed once.

Leaders see a handful of indicators, a map and the ten riskiest grids. Each indicator
carries its numerator, denominator and the value of the previous period of equal length
(环比), so nothing on the screen is a bare number. Small counts are suppressed: no cell or
grid with fewer than ``settings.min_count`` incidents appears individually (map, top list,
emerging list), which also keeps single households' affairs out of a meeting room. Grid
workers' names are personal data and never enter this module's output.

Emerging hot spots need a time series long enough for a trend test (ArcGIS asks for at
least 10 bins), so they are computed on the :data:`TREND_MONTHS` months ending with the
window, whatever the window's length; the window itself drives everything else.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from .. import schema
from ..indexing import str_to_cells
from .backlog import closure_known
from .hotspots import hotspots
from .incidents import CATEGORY_CODES, IncidentFilter, IncidentTable, counts_by_cell, select
from .overview import CellLayers, cell_layers, cell_owners, grid_overview
from .ranking import priority_table, ranked_rows, unranked_clusters
from .risk import (
    RiskSettings,
    compare_periods,
    day_start_s,
    grid_risk,
    period_covered,
    previous_window,
    service_totals,
)
from .trends import emerging_hotspots

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = [
    "CHART_MONTHS",
    "KPI_KEYS",
    "TREND_MONTHS",
    "Cockpit",
    "Kpi",
    "build_cockpit",
    "improved",
    "priority_table",
    "trend_window",
]

#: Months of history behind the emerging-hot-spot classes: two years, so that a hot spot
#: that switched on during the last year reads as new or consecutive, not as persistent.
TREND_MONTHS = 24
#: Months in the trend chart (each against the same month a year earlier).
CHART_MONTHS = 12
#: The indicators, in the order they are shown.
KPI_KEYS = ("incidents", "rate", "closure", "on_time", "hot_share", "handling")
#: Emerging patterns a meeting should hear about (hot-spot trend codes, see ``trends``).
ALERT_TRENDS = (1, 2, 3)  # new, consecutive, intensifying


@dataclass(frozen=True)
class Kpi:
    """One indicator: its value, numerator and denominator, and the previous period's value.

    ``kind`` says how to read ``value``: ``count`` (a number of incidents), ``share`` (a
    fraction 0..1, changes in percentage points), ``per_1000`` (incidents per 1,000
    households) or ``hours``. ``better`` says which direction is good news, so a screen can
    colour the change without guessing.
    """

    key: str
    kind: Literal["count", "share", "per_1000", "hours"]
    value: float | None
    previous: float | None
    numerator: float | None = None
    denominator: float | None = None
    better: Literal["up", "down", "neither"] = "down"
    #: The value over the same dates a year earlier (同比), where it is kept (incidents).
    last_year: float | None = None
    #: What the workspace lacks to compute this indicator at all: ``"closure"`` (no incident
    #: carries a closure time) or ``"households"`` (no grid in scope has a household count).
    #: The value is then None and a screen says so in words, never as 0 %.
    missing: Literal["closure", "households"] | None = None

    @property
    def rel_change_yoy(self) -> float | None:
        if self.value is None or not self.last_year:
            return None
        return (self.value - self.last_year) / self.last_year

    @property
    def change(self) -> float | None:
        """Value minus the previous value (percentage points for shares); None if unknown."""
        if self.value is None or self.previous is None:
            return None
        return self.value - self.previous

    @property
    def rel_change(self) -> float | None:
        """Relative change as a fraction (0.12 = +12 %); None when the base is 0 or unknown."""
        if self.value is None or self.previous is None or self.previous == 0:
            return None
        return (self.value - self.previous) / self.previous

    @property
    def improved(self) -> bool | None:
        return improved(self.change, self.better)


def improved(change: float | None, better: str) -> bool | None:
    """Whether ``change`` is good news for a KPI whose good direction is ``better`` (up,
    down, neither); None when there is no change, no known change or no good direction.

    >>> improved(+0.2, "down"), improved(-0.2, "down"), improved(0.2, "neither")
    (False, True, None)
    """
    if change is None or change == 0 or better not in ("up", "down"):
        return None
    return (change < 0) == (better == "down")


@dataclass(frozen=True)
class Cockpit:
    """Everything one cockpit screen or report shows, for one filter."""

    flt: IncidentFilter
    previous: IncidentFilter
    trend_window: IncidentFilter
    min_count: int
    kpis: tuple[Kpi, ...]
    #: Top basic grids (not suppressed) in priority order (:func:`priority_table`: ``rank``,
    #: ``excess_incidents``, ``ranked_on``, ``reason_zh``/``reason_en`` …, the overview's
    #: columns and ``name``); without grids to rank, the overview's by risk score.
    top: pd.DataFrame
    #: Cells with at least ``min_count`` incidents: ``cell``, ``count``, ``hotspot_class``.
    cells: pd.DataFrame
    #: Emerging hot cells with at least ``min_count`` incidents over the trend window:
    #: ``cell``, ``count``, ``trend_code``, ``grid`` (code of the grid holding most of them).
    emerging: pd.DataFrame
    #: Incidents per month (``month`` as a date, ``count``) over :data:`CHART_MONTHS`,
    #: and the same months a year earlier (``count_last_year``).
    monthly: pd.DataFrame
    #: Per category code: ``current`` and ``previous`` counts.
    categories: pd.DataFrame
    suppressed_cells: int
    suppressed_grids: int
    grids_in_scope: int
    notes: dict[str, float] = field(default_factory=dict)
    #: Top professional grids (not suppressed), ranked among their own kind.
    professional: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: Significant hot-spot clusters holding no top grid (:func:`unranked_clusters`).
    clusters: pd.DataFrame = field(default_factory=pd.DataFrame)

    def kpi(self, key: str) -> Kpi:
        return next(k for k in self.kpis if k.key == key)


def trend_window(flt: IncidentFilter, months: int = TREND_MONTHS) -> IncidentFilter:
    """The ``months`` calendar months ending with the month of ``flt.end``."""
    end_month = pd.Timestamp(flt.end).to_period("M")
    start = (end_month - (months - 1)).start_time.date()
    return replace(flt, start=start)


def _share(num: float, den: float) -> float | None:
    return num / den if den > 0 else None


def _period_numbers(
    table: IncidentTable,
    idx: NDArray[np.int64],
    flt: IncidentFilter,
    grids: pd.DataFrame,
    spots: pd.DataFrame,
    settings: RiskSettings,
) -> dict[str, float]:
    """The sums behind every KPI for one period: its incidents ``idx``, their
    :func:`~gridmap.analytics.risk.grid_risk` rows and their Gi* cells (with ``count``)."""
    end_s = day_start_s(flt.end + dt.timedelta(days=1))
    service = service_totals(table, idx, settings=settings, end_s=end_s)
    if flt.grid_codes is not None:
        grids = grids[grids.index.isin(flt.grid_codes)]
    with_hh = ~grids["households_missing"].astype(bool)
    counts = spots["count"].to_numpy() if len(spots) else np.zeros(0)
    hot = spots["hotspot_class"].to_numpy() > 0 if len(spots) else np.zeros(0, dtype=bool)
    return {
        **service,
        "incidents_with_hh": float(grids.loc[with_hh, "incidents"].sum()),
        "households": float(grids.loc[with_hh, "households"].sum()),
        "located": float(counts.sum()),
        "in_hot": float(counts[hot].sum()),
        "hot_cells": float(hot.sum()),
        "cells": float(len(spots)),
    }


def _previous_numbers(
    table: IncidentTable,
    prev: IncidentFilter,
    households: pd.Series,
    settings: RiskSettings,
    res: int,
) -> tuple[dict[str, float], NDArray[np.int64]]:
    idx = select(table, prev)
    end_s = day_start_s(prev.end + dt.timedelta(days=1))
    grids = grid_risk(table, idx, households, settings=settings, end_s=end_s)
    counts = counts_by_cell(table, idx, res)
    spots = hotspots(counts) if len(counts) else counts.assign(hotspot_class=[])
    return _period_numbers(table, idx, prev, grids, spots, settings), idx


def _kpis(
    now: dict[str, float], before: dict[str, float] | None, *, closure: bool = True
) -> tuple[Kpi, ...]:
    """The indicators of ``now`` against ``before`` (None: the workspace holds no incident
    before the window, so there is no previous period to compare with). Without ``closure``
    times in the workspace the closure indicators are missing, not 0 %."""

    def rate(p: dict[str, float] | None) -> float | None:
        s = None if p is None else _share(p["incidents_with_hh"], p["households"])
        return None if s is None else 1000 * s

    def hours(p: dict[str, float] | None) -> float | None:
        v = math.nan if p is None else p["median_handling_hours"]
        return None if math.isnan(v) else v

    def share(p: dict[str, float] | None, num: str, den: str) -> float | None:
        return None if p is None else _share(p[num], p[den])

    kpis = (
        Kpi(
            "incidents", "count", now["incidents"],
            None if before is None else before["incidents"], now["incidents"],
        ),
        Kpi(
            "rate", "per_1000", rate(now), rate(before),
            now["incidents_with_hh"], now["households"],
            missing=None if now["households"] > 0 else "households",
        ),
        Kpi(
            "closure", "share", share(now, "closed", "incidents"),
            share(before, "closed", "incidents"),
            now["closed"], now["incidents"], better="up",
        ),
        Kpi(
            "on_time", "share", share(now, "on_time", "sla_due"),
            share(before, "on_time", "sla_due"),
            now["on_time"], now["sla_due"], better="up",
        ),
        Kpi(
            "hot_share", "share", share(now, "in_hot", "located"),
            share(before, "in_hot", "located"),
            now["in_hot"], now["located"], better="neither",
        ),
        Kpi(
            "handling", "hours", hours(now), hours(before), None, now["closed"],
        ),
    )  # fmt: skip
    if closure:
        return kpis
    # No closure time anywhere (an export without 结案时间): "0 closed" would be a false 0 %.
    return tuple(
        replace(k, value=None, previous=None, numerator=None, denominator=None, missing="closure")
        if k.key in ("closure", "on_time", "handling")
        else k
        for k in kpis
    )


def _with_last_year(kpis: tuple[Kpi, ...], incidents_last_year: float | None) -> tuple[Kpi, ...]:
    return tuple(
        replace(k, last_year=incidents_last_year) if k.key == "incidents" else k for k in kpis
    )


def _monthly(table: IncidentTable, window: IncidentFilter) -> pd.DataFrame:
    months = pd.period_range(
        pd.Timestamp(window.start).to_period("M"), pd.Timestamp(window.end).to_period("M"), freq="M"
    )

    def per_month(flt: IncidentFilter, shift_years: int) -> NDArray[np.int64]:
        idx = select(table, flt)
        when = pd.to_datetime(table.occurred_s[idx], unit="s").to_period("M")
        ordinal = np.asarray(when.asi8, dtype=np.int64) + 12 * shift_years
        first = int(months[0].ordinal)
        pos = ordinal - first
        pos = pos[(pos >= 0) & (pos < len(months))]
        return np.bincount(pos, minlength=len(months)).astype(np.int64)

    last_year = replace(
        window, start=(months[0] - 12).start_time.date(), end=(months[-1] - 12).end_time.date()
    )
    return pd.DataFrame(
        {
            "month": [m.start_time.date() for m in months],
            "count": per_month(window, 0),
            "count_last_year": per_month(last_year, 1),
        }
    )


def _categories(
    table: IncidentTable, now: NDArray[np.int64], before: NDArray[np.int64]
) -> pd.DataFrame:
    k = len(CATEGORY_CODES)
    return pd.DataFrame(
        {
            "current": np.bincount(table.category[now], minlength=k),
            "previous": np.bincount(table.category[before], minlength=k),
        },
        index=pd.Index(CATEGORY_CODES, name=schema.CATEGORY),
    )


def _emerging(
    table: IncidentTable, window: IncidentFilter, res: int, min_count: int
) -> pd.DataFrame:
    idx = select(table, window)
    cols = ["cell", "count", "trend_code", "grid"]
    if not len(idx):
        return pd.DataFrame(columns=cols)
    trends = emerging_hotspots(table, idx, res=res, bin="month")
    alert = trends[trends["trend_code"].isin(ALERT_TRENDS)]
    alert = alert[alert["count"] >= min_count]
    if alert.empty:
        return pd.DataFrame(columns=cols)
    # The grid that holds most of each cell's incidents names the place in words; only the
    # few alert cells are looked at.
    where = cell_owners(table, idx, res, cells=str_to_cells(alert["cell"].to_numpy()))
    alert = alert.assign(grid=alert["cell"].map(where))
    order = alert.sort_values(["trend_code", "count"], ascending=[False, False], kind="stable")
    return order[cols].reset_index(drop=True)


def build_cockpit(
    table: IncidentTable,
    flt: IncidentFilter,
    households: pd.Series,
    name_of: Callable[[str], str],
    *,
    res: int = 9,
    settings: RiskSettings | None = None,
    top_n: int = 10,
    overview: pd.DataFrame | None = None,
    layers: CellLayers | None = None,
    grids: gpd.GeoDataFrame | None = None,
    keyareas: gpd.GeoDataFrame | None = None,
) -> Cockpit:
    """Compute the cockpit for ``flt``.

    Parameters
    ----------
    table, flt
        Incidents and the window, categories, classes and grids in scope.
    households
        Households per grid code (denominator of the per-1,000 rate).
    name_of
        Display name of a grid code.
    res
        H3 resolution of the map and of the hot-spot analysis.
    settings
        Risk settings; ``min_count`` is the suppression threshold.
    overview, layers
        Precomputed :func:`~gridmap.analytics.overview.grid_overview` and
        :func:`~gridmap.analytics.overview.cell_layers` of ``flt`` (pages cache them).
    grids, keyareas
        Grids in force and the key areas: the top list is then the priority ranking
        (:func:`priority_table`), professional grids apart; without ``grids``, the
        overview's order (risk score).
    """
    settings = settings or RiskSettings()
    if layers is None:
        layers = cell_layers(table, select(table, flt), res=res)  # (pages pass theirs)
    if overview is None:
        overview = grid_overview(table, flt, households, res=res, settings=settings, layers=layers)
    prev = previous_window(flt)
    idx = select(table, flt)
    # The window's grid rows and Gi* cells are the overview's and the layers': not redone.
    now_n = _period_numbers(table, idx, flt, overview, layers.spots, settings)
    before_n, prev_idx = _previous_numbers(table, prev, households, settings, res)
    has_previous = period_covered(table, prev.start, prev.end)
    has_closure = closure_known(table)
    yoy = compare_periods(table, flt, by="city")
    assert isinstance(yoy, dict)

    m = settings.min_count
    spots = layers.spots
    shown = spots[spots["count"] >= m][["cell", "count", "hotspot_class"]].reset_index(drop=True)
    professional = pd.DataFrame()
    clusters = pd.DataFrame()
    if grids is not None:
        ranked = priority_table(
            table, flt, grids, keyareas=keyareas, overview=overview, settings=settings
        )
        # One rule and one rank for every list (the map's and this week's too).
        visible = ranked_rows(ranked.basic, m)
        pro = ranked_rows(ranked.professional, m)
        professional = pro.head(5).drop(columns=[schema.NAME]).copy()
        professional.insert(0, "name", [name_of(str(c)) for c in professional.index])
        clusters = unranked_clusters(table, flt, spots, visible, res=res, top_n=top_n)
        visible = visible.drop(columns=[schema.NAME])
    else:
        visible = overview[~overview["suppressed"]]
    top = visible.head(top_n).copy()
    top.insert(0, "name", [name_of(str(c)) for c in top.index])
    window = trend_window(flt)
    return Cockpit(
        flt=flt,
        previous=prev,
        trend_window=window,
        min_count=m,
        kpis=_with_last_year(
            _kpis(now_n, before_n if has_previous else None, closure=has_closure),
            None if yoy["last_year"] is None else float(yoy["last_year"]),  # not in the data
        ),
        top=top,
        cells=shown,
        emerging=_emerging(table, window, res, m),
        monthly=_monthly(table, trend_window(flt, CHART_MONTHS)),
        categories=_categories(table, idx, prev_idx),
        suppressed_cells=int((spots["count"] < m).sum()),
        suppressed_grids=int(overview["suppressed"].sum()),
        grids_in_scope=len(overview),
        notes={
            "hot_cells": now_n["hot_cells"],
            "cells": now_n["cells"],
            "hot_cells_previous": before_n["hot_cells"],
            "previous_covered": float(has_previous),
        },
        professional=professional,
        clusters=clusters,
    )
