"""Does yesterday's risk map find tomorrow's incidents? Hit rate and PAI on H3 cells.

The risk ranking is built from the incidents of a training window before a cutoff date
(weighted and decayed exactly as :func:`gridmap.analytics.risk.weighted_counts` does, with
the cutoff as the end of the window) and judged on the incidents of the test window that
follows. For the top ``x`` share of the study area's cells:

- **hit rate** = test incidents in the flagged cells / test incidents in the area;
- **area share** = flagged cells / cells in the area (H3 cells at one resolution are
  close to equal in area, so a cell share is an area share);
- **PAI** (Predictive Accuracy Index, Chainey, Tompson & Uhlig 2008) = hit rate / area
  share: how many times better than flagging cells at random (PAI 1);
- **PEI** (Predictive Efficiency Index, Hunt 2016) = hits / the most hits any choice of
  the same number of cells could have made (1 is the best possible).

References
----------
Chainey, S., Tompson, L., & Uhlig, S. (2008). The utility of hotspot mapping for predicting
spatial patterns of crime. *Security Journal* 21, 4-28.

Hunt, J. M. (2016). Do crime hot spots move? Exploring the effects of the modifiable
areal unit problem and modifiable temporal unit problem on crime hot spot stability.
PhD thesis, American University.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from .. import schema
from ..errors import SchemaError
from ..indexing import cell_parents, cells_to_points, cells_to_str, polygons_to_cells
from . import forecast as fc
from .hotspots import kring_weights
from .incidents import IncidentFilter, IncidentTable, select
from .risk import RiskSettings, day_start_s, weighted_counts

__all__ = [
    "FRACTIONS",
    "HORIZONS",
    "ForecastBacktest",
    "backtest",
    "compare_settings",
    "forecast_scores",
    "parse_horizon",
    "rolling_backtest",
    "select_method",
    "study_area",
    "table_between",
]

_DEFAULT_SETTINGS = RiskSettings()


def _cells_of(table: IncidentTable, idx: NDArray[np.int64], res: int) -> NDArray[np.uint64]:
    cells = table.cell[idx]
    return cells if res == schema.POINT_RES else cell_parents(cells, res)


def backtest(
    table: IncidentTable,
    *,
    cutoff: dt.date,
    train_days: int = 180,
    test_days: int = 30,
    res: int = 9,
    settings: RiskSettings = _DEFAULT_SETTINGS,
    fractions: Sequence[float] = (0.01, 0.05, 0.10),
    area_cells: ArrayLike | None = None,
) -> pd.DataFrame:
    """Hit rate and PAI of the risk ranking at each share of the area flagged.

    Parameters
    ----------
    table
        All incidents.
    cutoff
        First day of the test window. Training uses the ``train_days`` days before it
        (``cutoff - train_days`` .. ``cutoff - 1``), testing the ``test_days`` days from it.
    res
        H3 resolution of the cells ranked (parents of the stored res-11 cells), 0..11.
    settings
        Weights and half-life of the training risk (the cutoff is the end of the window),
        and ``k_ring``: rank cells by the sum over their k-disc within the area (the
        ranking of :func:`gridmap.analytics.risk.cell_risk`'s disc mean).
    fractions
        Shares of the area's cells to flag, each in (0, 1].
    area_cells
        The study area's cells at ``res`` (e.g. every cell covering the city). Test
        incidents outside them are not counted. Default: every cell with at least one
        located incident in the training or the test window — which overstates the share
        of a wider area a flagged cell stands for, so PAI is lower than against the city.

    Returns
    -------
    pandas.DataFrame
        One row per fraction: ``fraction``, ``cells_flagged`` (``ceil(fraction * area)``,
        at least 1), ``area_cells``, ``area_share = cells_flagged / area_cells``,
        ``hits`` (test incidents in flagged cells), ``test_incidents`` (located test
        incidents in the area), ``hit_rate = hits / test_incidents``,
        ``pai = hit_rate / area_share``, ``best_hits`` and ``pei = hits / best_hits``.
        Ratios are NaN when their denominator is 0. ``train_incidents`` is in ``attrs``.

    Notes
    -----
    Cells are ranked by training risk, highest first, ties (including all cells without
    training incidents) broken by ascending cell id, so the result is deterministic.

    Examples
    --------
    If the test month repeats the training month's single hot cell in an area of 10
    cells, flagging 10 % (that cell) catches every test incident: hit rate 1, PAI 10.
    """
    _check_backtest(train_days, test_days, res, fractions)
    day = dt.timedelta(days=1)
    train = select(table, IncidentFilter(cutoff - train_days * day, cutoff - day))
    test = select(table, IncidentFilter(cutoff, cutoff + (test_days - 1) * day))
    train = train[table.cell[train] != 0]
    test = test[table.cell[test] != 0]
    train_cells = _cells_of(table, train, res)
    test_cells = _cells_of(table, test, res)

    if area_cells is None:
        area = np.union1d(train_cells, test_cells)
    else:
        area = np.unique(np.asarray(area_cells, dtype=np.uint64).ravel())
        area = area[area != 0]
    n_area = area.size

    def positions(cells: NDArray[np.uint64]) -> tuple[NDArray[np.intp], NDArray[np.bool_]]:
        pos = np.minimum(np.searchsorted(area, cells), max(n_area - 1, 0))
        inside = area[pos] == cells if n_area else np.zeros(cells.size, dtype=bool)
        return pos, inside

    w = weighted_counts(table, train, settings=settings, end_s=day_start_s(cutoff))
    pos, inside = positions(train_cells)
    risk = np.bincount(pos[inside], weights=w[inside], minlength=n_area)
    if settings.k_ring > 0 and n_area:
        # The same disc mean as cell_risk: each cell's k-disc over the area, itself once.
        ring = kring_weights(area, settings.k_ring)
        risk = np.asarray(ring @ risk).ravel() - ring.diagonal() * risk + risk
    pos, inside = positions(test_cells)
    test_counts = np.bincount(pos[inside], minlength=n_area)
    n_test = int(test_counts.sum())

    # Highest risk first; lexsort's last key is primary, and area is sorted by cell id.
    ranking = np.lexsort((np.arange(n_area), -risk))
    hits_cum = np.concatenate([[0], np.cumsum(test_counts[ranking])])
    best_cum = np.concatenate([[0], np.cumsum(np.sort(test_counts)[::-1])])

    out = _flagged_rows(fractions, n_area, hits_cum, best_cum, n_test)
    out.attrs["train_incidents"] = len(train)
    return out


def _check_backtest(train_days: int, test_days: int, res: int, fractions: Sequence[float]) -> None:
    """Raise one :class:`SchemaError` naming every bad argument of :func:`backtest`."""
    problems = []
    if not (isinstance(train_days, int) and train_days > 0):
        problems.append(f"train_days={train_days!r} (allowed: an integer > 0)")
    if not (isinstance(test_days, int) and test_days > 0):
        problems.append(f"test_days={test_days!r} (allowed: an integer > 0)")
    if not (isinstance(res, int) and 0 <= res <= schema.POINT_RES):
        problems.append(f"res={res!r} (allowed: an integer 0..{schema.POINT_RES})")
    bad = [f for f in fractions if not (isinstance(f, int | float) and 0 < f <= 1)]
    if bad or not len(fractions):
        problems.append(f"fractions={tuple(fractions)!r} (allowed: one or more numbers in (0, 1])")
    if problems:
        raise SchemaError("invalid backtest arguments: " + "; ".join(problems))


def _flagged_rows(
    fractions: Sequence[float],
    n_area: int,
    hits_cum: NDArray[np.int64],
    best_cum: NDArray[np.int64],
    n_test: int,
) -> pd.DataFrame:
    """One row of :func:`backtest` per share of the area flagged."""
    rows = []
    for f in fractions:  # a handful of fractions, not incidents
        k = min(max(1, math.ceil(f * n_area - 1e-9)), n_area)
        share = k / n_area if n_area else math.nan
        hits = int(hits_cum[k]) if n_area else 0
        best = int(best_cum[k]) if n_area else 0
        hit_rate = hits / n_test if n_test else math.nan
        rows.append(
            {
                "fraction": float(f),
                "cells_flagged": k,
                "area_cells": n_area,
                "area_share": share,
                "hits": hits,
                "test_incidents": n_test,
                "hit_rate": hit_rate,
                "pai": hit_rate / share if n_area and n_test else math.nan,
                "best_hits": best,
                "pei": hits / best if best else math.nan,
            }
        )
    return pd.DataFrame(rows)


def compare_settings(
    table: IncidentTable,
    *,
    cutoff: dt.date,
    half_lives: Sequence[float] = (7.0, 30.0, 90.0, math.inf),
    k_rings: Sequence[int] = (0, 1),
    train_days: int = 180,
    test_days: int = 30,
    res: int = 9,
    fractions: Sequence[float] = (0.01, 0.05, 0.10),
    base: RiskSettings = _DEFAULT_SETTINGS,
) -> pd.DataFrame:
    """:func:`backtest` for every half-life x k-ring, so decay and smoothing are chosen on
    evidence: one row per setting with ``hit_rate_<pct>`` and ``pai_<pct>`` per fraction
    (e.g. ``pai_5`` for the top 5 %), best PAI at the middle fraction first.

    Every setting is judged on the same area (cells with an incident in the training or the
    test window) so the numbers compare.
    """
    rows = []
    for h in half_lives:
        for k in k_rings:
            settings = replace(base, half_life_days=h, k_ring=k)  # validated again
            result = backtest(
                table,
                cutoff=cutoff,
                train_days=train_days,
                test_days=test_days,
                res=res,
                settings=settings,
                fractions=fractions,
            )
            row: dict[str, float | int] = {"half_life_days": float(h), "k_ring": int(k)}
            for f, hit, pai in zip(
                result["fraction"], result["hit_rate"], result["pai"], strict=True
            ):
                pct = f"{100 * float(f):g}"
                row[f"hit_rate_{pct}"] = float(hit)
                row[f"pai_{pct}"] = float(pai)
            row["test_incidents"] = int(result["test_incidents"].iloc[0])
            rows.append(row)
    out = pd.DataFrame(rows)
    middle = f"pai_{100 * sorted(fractions)[len(fractions) // 2]:g}"
    return out.sort_values(middle, ascending=False, kind="stable").reset_index(drop=True)


# --- Rolling-origin backtests over the whole study area (issue 14) ---------------------------

#: Horizons the field reports (days): 1 week, 2 weeks, 1 month, 3 months.
HORIZONS: tuple[int, ...] = (7, 14, 30, 91)
#: Origins used when none are asked for, per horizon in days (a year of test windows).
_DEFAULT_ORIGINS = {7: 52, 14: 26, 30: 12, 91: 4}
#: Shares of the study area flagged.
FRACTIONS: tuple[float, ...] = (0.01, 0.05, 0.10)
#: The self-exciting process is fitted once, on at most this many days / incidents before
#: the first origin (the most recent ones), so no test incident leaks into the fit.
SEPP_TRAIN_DAYS = 365.0
SEPP_MAX_EVENTS = 100_000
_MONTHS = re.compile(r"^(\d{1,2})m$")


def study_area(grids: gpd.GeoDataFrame, res: int) -> NDArray[np.uint64]:
    """Every H3 cell at ``res`` whose centre lies in a grid (the H3 polyfill of the grids
    in force), sorted: the whole city, whether or not a cell ever had an incident."""
    if not (isinstance(res, int) and 0 <= res <= schema.POINT_RES):
        raise SchemaError(f"res={res!r} (allowed: an integer 0..{schema.POINT_RES})")
    geoms = grids.geometry
    if geoms.crs is None:
        raise SchemaError("study_area: the grids have no CRS")
    if geoms.crs.to_epsg() != 4326:
        geoms = geoms.to_crs(4326)
    cells = polygons_to_cells(geoms, res)["cell"].to_numpy(dtype=np.uint64)
    return np.unique(cells)


def located_events(
    table: IncidentTable, area: NDArray[np.uint64], res: int
) -> tuple[fc.Events, fc.CellSpace, int]:
    """The incidents whose res-``res`` cell (parent of the stored res-11 cell) is in the
    study area, their cells' space, and how many located incidents fell outside it."""
    area = np.asarray(area, dtype=np.uint64)
    located = np.flatnonzero(table.cell != 0)
    cells11 = table.cell[located]
    cells = cells11 if res == schema.POINT_RES else cell_parents(cells11, res)
    pos = np.minimum(np.searchsorted(area, cells), max(area.size - 1, 0))
    inside = (area[pos] == cells) if area.size else np.zeros(cells.size, dtype=bool)
    lon_c, lat_c = cells_to_points(area)
    lat0 = float(np.mean(lat_c)) if area.size else 0.0
    space = fc.CellSpace(cells=area, xy=fc.to_metres(lon_c, lat_c, lat0), res=res)
    lon, lat = cells_to_points(cells11[inside])
    events = fc.Events(
        day=table.occurred_s[located[inside]] / 86400.0,
        pos=pos[inside].astype(np.int64),
        xy=fc.to_metres(lon, lat, lat0),
    )
    return events, space, int((~inside).sum())


def parse_horizon(value: int | str) -> tuple[int, int]:
    """``(days, months)``: ``7`` or ``"7"`` is 7 days (months 0); ``"3m"`` is 3 calendar
    months (days: the nominal 30 or 91 used in reports, ``round(30.4 * months)``)."""
    text = str(value).strip().lower()
    if m := _MONTHS.match(text):
        months = int(m[1])
        if 1 <= months <= 12:
            return round(30.4375 * months), months
    elif text.isdigit() and 1 <= int(text) <= 366:
        return int(text), 0
    raise SchemaError(
        f"--horizon {value}: allowed a number of days 1..366 (7, 14, 30, 91 are the field's) "
        "or calendar months 1m..12m (for month-only data)"
    )


def _add_months(day: dt.date, months: int) -> dt.date:
    k = day.year * 12 + day.month - 1 + months
    return dt.date(k // 12, k % 12 + 1, 1)


def _day_number(day: dt.date) -> float:
    return day_start_s(day) / 86400.0


@dataclass(frozen=True)
class ForecastBacktest:
    """Pooled scores of every method over rolling origins (see :func:`rolling_backtest`)."""

    rows: pd.DataFrame
    selected: str
    best_baseline: str
    gain: float  # selected pooled PAI@5% / best baseline's - 1 (0 when a baseline wins)
    gain_interval: tuple[float, float]  # paired bootstrap 95 % interval of ``gain``
    horizon: str
    horizon_days: int
    origins: tuple[dt.date, ...]
    res: int
    area_cells: int
    incidents_outside: int
    sepp: fc.SeppFit | None

    def to_dict(self) -> dict[str, Any]:
        """Plain types for JSON (NaN stays NaN: print through gridmap.strict_json)."""
        return {
            "res": self.res,
            "horizon": self.horizon,
            "horizon_days": self.horizon_days,
            "origins": len(self.origins),
            "first_origin": str(self.origins[0]),
            "last_origin": str(self.origins[-1]),
            "area_cells": self.area_cells,
            "incidents_outside_area": self.incidents_outside,
            "selected": self.selected,
            "best_baseline": self.best_baseline,
            "gain_over_best_baseline": self.gain,
            "gain_lo": self.gain_interval[0],
            "gain_hi": self.gain_interval[1],
            "sepp": None if self.sepp is None else asdict(self.sepp),
            "rows": self.rows.to_dict(orient="records"),
        }


def _origins(
    first: dt.date,
    last: dt.date,
    days: int,
    months: int,
    start: dt.date | None,
    origins: int | None,
) -> list[tuple[dt.date, dt.date]]:
    """Test windows ``[origin, end)``, back to back, inside the data, each after at least
    one horizon (and 28 days) of history."""
    if months:
        data_end = _add_months(dt.date(last.year, last.month, 1), 1)
        earliest = _add_months(dt.date(first.year, first.month, 1), months)

        def step(d: dt.date, k: int) -> dt.date:
            return _add_months(d, k * months)
    else:
        data_end = last + dt.timedelta(days=1)
        earliest = first + dt.timedelta(days=max(days, 28))

        def step(d: dt.date, k: int) -> dt.date:
            return d + dt.timedelta(days=k * days)

    default = _DEFAULT_ORIGINS.get(days, max(4, 364 // days)) if not months else 12 // months
    if start is None:
        n = origins if origins is not None else default
        # The latest origins that fit: the last window ends where the data ends.
        while n > 0 and step(data_end, -n) < earliest and origins is None:
            n -= 1
        begin = step(data_end, -n) if months == 0 else _add_months(data_end, -n * months)
    else:
        begin = start
        if origins is None:
            n = 0
            while n < default and step(begin, n + 1) <= data_end:
                n += 1
        else:
            n = origins
    label = f"{months}m" if months else f"{days}"
    if n < 1 or begin < earliest or step(begin, n) > data_end:
        raise SchemaError(
            f"--start {begin} --origins {n} --horizon {label}: the test windows must lie "
            f"between {earliest} (28 days or one horizon of history after the first "
            f"incident {first}) "
            f"and {data_end} (the end of the data)"
        )
    return [(step(begin, k), step(begin, k + 1)) for k in range(n)]


def _fair_hits(
    scores: NDArray[np.float64], test: NDArray[np.float64], ks: Sequence[int]
) -> list[float]:
    """Test incidents caught by the top ``k`` cells, ties shared fairly.

    Cells scoring above the k-th highest score are flagged; the cells tied at that score
    share the remaining slots, each counted with weight ``slots / tied``: the expected hits
    of breaking the tie at random, without drawing. So a method never wins by tie order
    (counts tie a lot: every cell with no incident scores 0).
    """
    top = float(np.max(np.abs(scores))) if scores.size else 0.0
    # Scores equal up to rounding (sums in another order) are ties too.
    s = np.round(scores / top, 12) if top > 0 else np.zeros_like(scores)
    desc = np.sort(s)[::-1]
    out = []
    for k in ks:
        cut = desc[k - 1]
        above = s > cut
        tied = s == cut
        share = (k - int(above.sum())) / int(tied.sum())
        out.append(float(test[above].sum() + share * test[tied].sum()))
    return out


def rolling_backtest(
    table: IncidentTable,
    area: ArrayLike,
    *,
    res: int = 9,
    horizon: int | str = 7,
    origins: int | None = None,
    start: dt.date | None = None,
    methods: Sequence[str] | None = None,
    fractions: Sequence[float] = FRACTIONS,
    seed: int = 0,
    n_boot: int = 1000,
) -> ForecastBacktest:
    """Score every method as the field does: rolling origins over the whole study area.

    At each origin ``o`` every method ranks the study-area cells from the incidents before
    ``o``; the test window is ``[o, o + horizon)``; windows are back to back. For each share
    ``f`` of the area (``k = ceil(f * N)`` cells of the ``N`` in the study area), over all
    origins pooled:

    - hit rate ``= sum_o hits_o / sum_o incidents_o`` (hits with ties shared fairly, see
      :func:`_fair_hits`);
    - **PAI** ``= hit rate / (k / N)`` (Chainey et al. 2008);
    - **PEI** ``= hit rate / best possible hit rate with the same area
      = sum_o hits_o / sum_o best_o``, where ``best_o`` is the sum of the ``k`` largest
      test counts of origin ``o`` (Hunt 2016). 1 is perfect.

    The 95 % interval is a percentile bootstrap over origins (``n_boot`` resamples of the
    origins with replacement, ``numpy.random.default_rng(seed)``: deterministic).

    Baselines (``prev_period``, ``last_365d``, ``all_history``) are always scored. The
    selected method is the best pooled PAI at 5 % (the middle fraction), baselines winning
    ties, so it is never worse than the best baseline.

    Parameters
    ----------
    area
        The study area's cells at ``res`` (:func:`study_area`); incidents outside are left
        out of training and testing (their count is ``incidents_outside``).
    horizon
        Days (``7``) or calendar months (``"1m"``, for data dated to the month).
    origins, start
        Number of origins and the first origin; by default the latest origins that fit
        (52 for a week, 26, 12 and 4 for 14, 30 and 91 days).
    methods
        :mod:`gridmap.analytics.forecast` method names (default its ``DEFAULT_METHODS``).

    Raises
    ------
    SchemaError
        One line naming the bad argument and what is allowed.
    """
    days, months = parse_horizon(horizon)
    names = fc.parse_methods(methods)
    cells = _checked_area(area, res, origins, fractions)
    if table.time_range is None:
        raise SchemaError("backtest: the workspace holds no incidents")
    first, last = table.time_range
    windows = _origins(first, last, days, months, start, origins)
    events, space, outside = located_events(table, cells, res)
    n = cells.size
    ks = [min(max(1, math.ceil(f * n - 1e-9)), n) for f in fractions]
    first_day = float(events.day[0]) if events.day.size else 0.0

    sepp = _fit_sepp(events, space, _day_number(windows[0][0])) if "sepp" in names else None
    hits, best, incidents = _score_origins(
        events, space, windows, names, ks, months=months, first_day=first_day, sepp=sepp
    )
    out, b_pai = _pooled_rows(
        names, fractions, ks, n, hits, best, incidents, days=days, seed=seed, n_boot=n_boot
    )
    selected, best_baseline, gain, gain_interval = _selection(out, names, fractions, b_pai)
    return ForecastBacktest(
        rows=out,
        selected=selected,
        best_baseline=best_baseline,
        gain=gain,
        gain_interval=gain_interval,
        horizon=f"{months}m" if months else f"{days}d",
        horizon_days=days,
        origins=tuple(w[0] for w in windows),
        res=res,
        area_cells=int(n),
        incidents_outside=outside,
        sepp=sepp,
    )


def _checked_area(
    area: ArrayLike, res: int, origins: int | None, fractions: Sequence[float]
) -> NDArray[np.uint64]:
    """The study area's sorted non-null cells; one :class:`SchemaError` naming every bad
    argument of :func:`rolling_backtest`."""
    problems = []
    if not (isinstance(res, int) and 0 <= res <= schema.POINT_RES):
        problems.append(f"res={res!r} (allowed: an integer 0..{schema.POINT_RES})")
    if origins is not None and not (isinstance(origins, int) and origins >= 1):
        problems.append(f"origins={origins!r} (allowed: an integer >= 1)")
    bad = [f for f in fractions if not (isinstance(f, int | float) and 0 < f <= 1)]
    if bad or not len(fractions):
        problems.append(f"fractions={tuple(fractions)!r} (allowed: numbers in (0, 1])")
    cells = np.unique(np.asarray(area, dtype=np.uint64).ravel())
    cells = cells[cells != 0]
    if not cells.size:
        problems.append("the study area has no cells (import grids first)")
    if problems:
        raise SchemaError("invalid backtest arguments: " + "; ".join(problems))
    return cells


def _fit_sepp(events: fc.Events, space: fc.CellSpace, origin: float) -> fc.SeppFit:
    """The self-exciting process fitted on at most :data:`SEPP_TRAIN_DAYS` days and
    :data:`SEPP_MAX_EVENTS` incidents before ``origin`` (a day number)."""
    sl = events.window(origin - SEPP_TRAIN_DAYS, origin)
    lo = max(sl.start, sl.stop - SEPP_MAX_EVENTS)
    begin = float(events.day[lo]) if sl.stop > lo else origin - SEPP_TRAIN_DAYS
    return fc.fit_sepp(events, space, start=max(begin, origin - SEPP_TRAIN_DAYS), stop=origin)


def _score_origins(
    events: fc.Events,
    space: fc.CellSpace,
    windows: Sequence[tuple[dt.date, dt.date]],
    names: Sequence[str],
    ks: Sequence[int],
    *,
    months: int,
    first_day: float,
    sepp: fc.SeppFit | None,
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Per origin: fair hits of every method at every ``k`` (origin x method x k), the best
    possible hits (origin x k) and the test incidents."""
    n = space.cells.size
    n_o, n_m, n_f = len(windows), len(names), len(ks)
    hits = np.zeros((n_o, n_m, n_f))
    best = np.zeros((n_o, n_f))
    incidents = np.zeros(n_o)
    for o, (begin_d, end_d) in enumerate(windows):  # origins: tens, not incidents
        origin, stop = _day_number(begin_d), _day_number(end_d)
        length = stop - origin
        prev = _day_number(_add_months(begin_d, -months)) if months else origin - length
        test = np.bincount(events.pos[events.window(origin, stop)], minlength=n).astype(float)
        incidents[o] = test.sum()
        best_cum = np.cumsum(np.sort(test)[::-1])
        best[o] = [best_cum[k - 1] for k in ks]
        for m, name in enumerate(names):
            scores = fc.method_scores(
                name,
                events,
                space,
                origin=origin,
                horizon=length,
                prev_start=prev,
                first_day=first_day,
                sepp=sepp,
            )
            hits[o, m] = _fair_hits(scores, test, ks)
    return hits, best, incidents


def _pooled_rows(
    names: Sequence[str],
    fractions: Sequence[float],
    ks: Sequence[int],
    n: int,
    hits: NDArray[np.float64],
    best: NDArray[np.float64],
    incidents: NDArray[np.float64],
    *,
    days: int,
    seed: int,
    n_boot: int,
) -> tuple[pd.DataFrame, NDArray[np.float64]]:
    """The rows of :attr:`ForecastBacktest.rows` (pooled PAI/PEI with bootstrap intervals)
    and the bootstrap PAI (resample x method x k) the selection's gain is judged on."""
    n_o = incidents.size
    rng = np.random.default_rng(seed)
    draws = rng.multinomial(n_o, np.full(n_o, 1.0 / n_o), size=n_boot).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        b_hits = np.einsum("bo,omf->bmf", draws, hits)
        b_inc = draws @ incidents
        b_best = draws @ best
        b_pai = b_hits / b_inc[:, None, None] / (np.asarray(ks) / n)[None, None, :]
        b_pei = b_hits / b_best[:, None, :]
        pai = hits.sum(0) / incidents.sum() / (np.asarray(ks) / n)[None, :]
        pei = hits.sum(0) / best.sum(0)[None, :]
    rows = []
    for m, name in enumerate(names):
        row: dict[str, Any] = {
            "method": name,
            "baseline": name in fc.BASELINES,
            "horizon_days": days,
            "origins": n_o,
        }
        for f_i, f in enumerate(fractions):
            pct = f"{100 * float(f):g}"
            row[f"pai_{pct}"] = float(pai[m, f_i])
            row[f"pei_{pct}"] = float(pei[m, f_i])
        for f_i, f in enumerate(fractions):
            pct = f"{100 * float(f):g}"
            for what, boot in (("pai", b_pai), ("pei", b_pei)):
                vals = boot[:, m, f_i]
                vals = vals[np.isfinite(vals)]
                lo, hi = np.percentile(vals, [2.5, 97.5]) if vals.size else (math.nan,) * 2
                row[f"{what}_{pct}_lo"] = float(lo)
                row[f"{what}_{pct}_hi"] = float(hi)
        row["test_incidents"] = int(incidents.sum())
        rows.append(row)
    return pd.DataFrame(rows), b_pai


def _selection(
    out: pd.DataFrame,
    names: Sequence[str],
    fractions: Sequence[float],
    b_pai: NDArray[np.float64],
) -> tuple[str, str, float, tuple[float, float]]:
    """The selected method, the best baseline, the gain of one over the other at the
    middle fraction and its paired bootstrap 95 % interval."""
    n_f = len(fractions)
    mid = f"pai_{100 * sorted(float(f) for f in fractions)[len(fractions) // 2]:g}"
    key = out[mid].fillna(-math.inf).to_numpy()
    selected = names[int(np.argmax(key))]  # first maximum: baselines come first
    base_key = np.where(out["baseline"].to_numpy(), key, -math.inf)
    best_baseline = names[int(np.argmax(base_key))]
    b, s = float(base_key.max()), float(key.max())
    gain = s / b - 1.0 if b > 0 and math.isfinite(b) else 0.0
    # The same resamples for both methods (paired): how sure the gain is. It is measured on
    # the origins the choice was made on, so it flatters the selected method a little.
    mid_i = sorted(range(n_f), key=lambda i: float(fractions[i]))[n_f // 2]
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = b_pai[:, names.index(selected), mid_i] / b_pai[:, names.index(best_baseline), mid_i]
    ratio = ratio[np.isfinite(ratio)] - 1.0
    gain_interval = (
        (float(np.percentile(ratio, 2.5)), float(np.percentile(ratio, 97.5)))
        if ratio.size
        else (math.nan, math.nan)
    )
    return selected, best_baseline, gain, gain_interval


def table_between(
    table: IncidentTable, since: dt.date | None, until: dt.date | None
) -> IncidentTable:
    """The incidents of days ``since`` .. ``until`` (inclusive; None: unbounded)."""
    lo = day_start_s(since) if since is not None else -(2**62)
    hi = day_start_s(until + dt.timedelta(days=1)) if until is not None else 2**62
    keep = (table.occurred_s >= lo) & (table.occurred_s < hi)
    return replace(
        table,
        occurred_s=table.occurred_s[keep],
        closed_s=table.closed_s[keep],
        category=table.category[keep],
        handling=table.handling[keep],
        cell=table.cell[keep],
        grid=table.grid[keep],
        stage=None if table.stage is None else table.stage[keep],
    )


def forecast_scores(
    table: IncidentTable,
    area: ArrayLike,
    method: str,
    *,
    res: int,
    origin: dt.date,
    horizon: int | str = 7,
    since: dt.date | None = None,
) -> pd.DataFrame:
    """Every study-area cell's score by ``method`` for the horizon from ``origin``, from the
    incidents of ``[since, origin)``: columns ``cell`` (H3 id text), ``score``, ``method``,
    highest score first (ties by cell id)."""
    days, months = parse_horizon(horizon)
    (name,) = [n for n in fc.parse_methods([method]) if n == method]
    cells = np.unique(np.asarray(area, dtype=np.uint64).ravel())
    cells = cells[cells != 0]
    sub = table_between(table, since, origin - dt.timedelta(days=1))
    events, space, _ = located_events(sub, cells, res)
    o = _day_number(origin)
    length = (_day_number(_add_months(origin, months)) - o) if months else float(days)
    prev = _day_number(_add_months(origin, -months)) if months else o - length
    sepp = _fit_sepp(events, space, o) if name == "sepp" else None
    first_day = float(events.day[0]) if events.day.size else o
    scores = fc.method_scores(
        name,
        events,
        space,
        origin=o,
        horizon=length,
        prev_start=prev,
        first_day=first_day,
        sepp=sepp,
    )
    order = np.lexsort((cells, -scores))
    return pd.DataFrame(
        {"cell": cells_to_str(cells[order]), "score": scores[order], "method": name}
    )


def select_method(
    table: IncidentTable, grids: gpd.GeoDataFrame, *, horizon: int | str = 7, res: int = 9
) -> ForecastBacktest:
    """The risk-map method for a workspace's incidents ``table`` and grids in force at
    ``horizon``: the default rolling backtest over the study area of ``grids``, whose
    ``selected`` has the best pooled PAI@5 %. Frames in, a value out: the app caches it per
    data version and words it (:mod:`gridmap.ui.forecast`)."""
    return rolling_backtest(table, study_area(grids, res), res=res, horizon=horizon)
