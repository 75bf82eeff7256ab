"""Two years of synthetic incidents (事件) with places, rhythms, hot spots and a workflow.

Where: most incidents are reported at residential units (people report where they live),
in proportion to households and a per-community reporting habit; some along commercial
streets and in the petrochemical zone; the rest in hot spots around a unit, which persist,
emerge (start in the second year, e.g. a new estate filling up) or fade (stop after the
first year, e.g. a demolished compound or a relocated market).

What: the category mix depends on the place (urban management on commercial streets,
disputes in old compounds, work safety near the plant, ecology and livelihood in villages
and new estates) and on the hot spot's theme; a source label (占道经营, 邻里纠纷 …) is drawn
per category, and the handling class follows from the label.

When: day of the period ∝ season (per category) × weekday (Sunday lowest) × holidays × a
slow growth × the hot spot's envelope; hour of day from a per-category daytime profile.
Workflow stages follow with log-normal delays per class (hours for emergencies, days for
general matters, weeks for some disputes); stages after the export moment are unknown
(NaT), and a few cases are stuck open.

Everything is drawn in bulk: each (profile, value) table is sampled for all incidents at
once by inverse CDF over its flattened cumulative weights.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import shapely
from numpy.typing import NDArray

from .. import schema
from . import _geo
from ._city import City
from ._partition import sample_in

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
StrArray = NDArray[np.object_]

#: First day of the demo period and its length (2024-11-01 to 2026-10-31).
PERIOD_START = np.datetime64("2024-11-01", "D")
PERIOD_DAYS = 730
#: The moment the demo "export" was taken: later stage times are not known yet.
EXPORT_AT = PERIOD_START + np.timedelta64(PERIOD_DAYS, "D")
#: Incidents at scale 1.
N_INCIDENTS = 324_000

CATEGORIES = schema.CATEGORIES.codes  # party, public_safety, urban, ecology, work, livelihood
_BASE_MIX = np.array([0.07, 0.21, 0.28, 0.14, 0.10, 0.20])

# Shares of the incident components.
_SHARE_COMMERCIAL, _SHARE_INDUSTRIAL, _SHARE_HOTSPOT = 0.05, 0.015, 0.17

SOURCES = ("网格员巡查", "12345热线", "群众上报", "视频发现", "部门移交")
_SOURCE_MIX = np.array(
    [
        [0.70, 0.05, 0.15, 0.05, 0.05],  # party_civility
        [0.40, 0.30, 0.20, 0.05, 0.05],  # public_safety
        [0.45, 0.15, 0.12, 0.23, 0.05],  # urban_management
        [0.35, 0.35, 0.18, 0.07, 0.05],  # ecology
        [0.55, 0.10, 0.10, 0.05, 0.20],  # work_safety
        [0.30, 0.45, 0.20, 0.00, 0.05],  # livelihood
    ]
)

# Source labels per category: (label, weight, P(dispute), P(emergency), heating season only).
_LABELS: dict[str, tuple[tuple[str, float, float, float, bool], ...]] = {
    "party_civility": (
        ("文明劝导", 30, 0.0, 0.0, False), ("不文明行为", 25, 0.05, 0.0, False),
        ("志愿服务", 15, 0.0, 0.0, False), ("乱贴乱画", 20, 0.0, 0.0, False),
        ("宣传阵地维护", 10, 0.0, 0.0, False),
    ),
    "public_safety": (
        ("邻里纠纷", 20, 0.92, 0.02, False), ("家庭纠纷", 8, 0.88, 0.05, False),
        ("物业纠纷", 10, 0.85, 0.0, False), ("矛盾纠纷", 10, 0.90, 0.03, False),
        ("治安隐患", 14, 0.0, 0.15, False), ("可疑人员", 6, 0.0, 0.25, False),
        ("打架斗殴", 3, 0.2, 0.75, False), ("电信诈骗", 5, 0.0, 0.10, False),
        ("群租房", 6, 0.1, 0.0, False),
    ),
    "urban_management": (
        ("占道经营", 22, 0.03, 0.0, False), ("乱堆乱放", 14, 0.0, 0.0, False),
        ("违章搭建", 8, 0.15, 0.0, False), ("违规停车", 14, 0.02, 0.0, False),
        ("垃圾满溢", 12, 0.0, 0.0, False), ("道路破损", 6, 0.0, 0.08, False),
        ("井盖缺失", 3, 0.0, 0.6, False), ("户外广告", 4, 0.0, 0.0, False),
        ("共享单车乱停", 6, 0.0, 0.0, False),
    ),
    "ecology": (
        ("噪音扰民", 25, 0.18, 0.0, False), ("扬尘污染", 18, 0.0, 0.0, False),
        ("餐饮油烟", 16, 0.12, 0.0, False), ("污水外溢", 10, 0.0, 0.10, False),
        ("露天焚烧", 8, 0.0, 0.2, False), ("河道垃圾", 6, 0.0, 0.0, False),
        ("绿地破坏", 5, 0.0, 0.0, False),
    ),
    "work_safety": (
        ("安全隐患", 24, 0.0, 0.10, False), ("消防通道堵塞", 14, 0.05, 0.05, False),
        ("燃气泄漏", 5, 0.0, 0.90, False), ("电动车违规充电", 14, 0.0, 0.08, False),
        ("危化品隐患", 6, 0.0, 0.35, False), ("施工安全", 12, 0.05, 0.06, False),
        ("特种设备", 4, 0.0, 0.10, False), ("火情", 3, 0.0, 0.95, False),
    ),
    "livelihood": (
        ("供暖问题", 30, 0.05, 0.02, True), ("供水问题", 12, 0.0, 0.12, False),
        ("停电", 6, 0.0, 0.25, False), ("困难救助", 8, 0.0, 0.02, False),
        ("就业求助", 5, 0.0, 0.0, False), ("老人关爱", 8, 0.0, 0.03, False),
        ("设施报修", 16, 0.0, 0.02, False), ("物业服务", 12, 0.3, 0.0, False),
        ("拖欠工资", 6, 0.8, 0.0, False),
    ),
}  # fmt: skip

# Hot spot themes: category multipliers.
_THEMES = {
    "estate": np.array([1.0, 2.0, 1.0, 3.0, 1.0, 3.0]),  # 装修噪音, 物业纠纷, 设施报修
    "commercial": np.array([1.0, 1.2, 5.0, 2.0, 1.0, 0.6]),  # 占道经营, 油烟
    "old": np.array([1.0, 4.0, 1.0, 1.0, 2.0, 1.5]),  # 邻里纠纷, 老旧线路
    "demolition": np.array([1.0, 3.0, 3.0, 3.0, 1.5, 1.0]),  # 违章搭建, 扬尘
    "dense": np.array([1.0, 2.0, 2.0, 1.0, 1.0, 1.0]),
}
# (trend, theme, count): where hot spots sit and how they behave in time.
_HOTSPOTS = (
    ("persistent", "commercial", 6), ("persistent", "old", 5), ("persistent", "dense", 3),
    ("emerging", "estate", 8), ("emerging", "commercial", 3),
    ("fading", "demolition", 6), ("fading", "commercial", 5),
)  # fmt: skip

# Hour-of-day profile (patrols and office hours), with evening extras per category.
_HOURS = np.array(
    "0.30 0.20 0.15 0.12 0.12 0.20 0.50 1.20 2.40 3.20 3.40 3.10 "
    "2.20 2.00 2.80 3.10 3.00 2.70 2.00 1.60 1.30 1.00 0.70 0.45".split(),
    dtype=float,
)
_WEEKDAY = np.array([1.05, 1.03, 1.02, 1.02, 1.00, 0.86, 0.70])  # Monday .. Sunday
_HOLIDAYS = (  # (first day, last day, factor): Spring Festival, Labour Day, National Day
    ("2025-01-28", "2025-02-04", 0.60), ("2025-05-01", "2025-05-05", 0.85),
    ("2025-10-01", "2025-10-08", 0.75), ("2026-02-15", "2026-02-23", 0.60),
    ("2026-05-01", "2026-05-05", 0.85), ("2026-10-01", "2026-10-07", 0.75),
)  # fmt: skip

HOUR_S = 3600
DAY_S = 86_400


def _draw_rows(cdf: FloatArray, row: IntArray, rng: np.random.Generator) -> IntArray:
    """Column drawn from row ``row[i]`` of a table of per-row CDFs, for all i at once.

    Each row's CDF is shifted by its row number, so one ``searchsorted`` over the
    flattened table serves every row.
    """
    n_rows, n_cols = cdf.shape
    flat = (cdf / cdf[:, -1:] + np.arange(n_rows)[:, None]).ravel()
    u = row + rng.random(row.size) * (1 - 1e-12)
    pos = np.searchsorted(flat, u, side="right")
    return np.minimum(pos - row * n_cols, n_cols - 1)


#: Rows of the category weight matrix built at a time: ten million rows of six weights
#: and their temporaries would take gigabytes.
_BLOCK_ROWS = 1_000_000


def _draw_categories(
    unit: IntArray,
    component: NDArray[np.int8],
    mult: FloatArray,
    hot_mult: FloatArray,
    rng: np.random.Generator,
) -> IntArray:
    """A category per incident, drawn ∝ the base mix × the unit's place multipliers × the
    component's (``component`` 0 residential, 1 hot spot, 2 commercial street, 3 plant; the
    hot spot incidents come right after the residential ones, with ``hot_mult`` their
    theme's multipliers). One uniform draw per incident, by inverse CDF over its row."""
    n = unit.size
    first_hot = int(np.searchsorted(component, 1))
    u_all = rng.random(n)
    out = np.empty(n, dtype=np.int64)
    for lo in range(0, n, _BLOCK_ROWS):
        hi = min(lo + _BLOCK_ROWS, n)
        tied, comp = unit[lo:hi] >= 0, component[lo:hi]
        prob = np.tile(_BASE_MIX, (hi - lo, 1))
        prob[tied] *= mult[unit[lo:hi][tied]]
        prob[comp == 2] *= [1.0, 1.3, 4.0, 1.5, 0.8, 0.5]
        prob[comp == 3] *= [0.5, 0.5, 0.3, 2.5, 10.0, 0.5]
        hot = np.flatnonzero(comp == 1)
        prob[hot] *= hot_mult[hot + lo - first_hot]
        cum = np.cumsum(prob, axis=1)
        u = u_all[lo:hi] * cum[:, -1]
        out[lo:hi] = np.minimum((cum < u[:, None]).sum(axis=1), prob.shape[1] - 1)
    return out


def _day_weights() -> tuple[FloatArray, NDArray[np.bool_]]:
    """(6, days) weights per category, and the heating-season mask of each day."""
    days = PERIOD_START + np.arange(PERIOD_DAYS)
    doy = (days - days.astype("datetime64[Y]")).astype(np.int64) + 1
    month = days.astype("datetime64[M]").astype(np.int64) % 12 + 1
    weekday = (days.astype(np.int64) + 3) % 7  # 1970-01-01 was a Thursday
    heating = (month >= 11) | (month <= 3)  # Lanzhou heats from 1 Nov to 31 Mar

    def bump(centre: float, width: float) -> FloatArray:
        d = np.minimum(np.abs(doy - centre), 365 - np.abs(doy - centre))
        return np.exp(-((d / width) ** 2))

    summer = np.cos(2 * np.pi * (doy - 200) / 365.0)
    season = np.stack(
        [
            1 + 0.25 * bump(100, 30) + 0.20 * bump(270, 25),  # civility campaigns
            1 + 0.15 * summer,  # public safety: summer nights
            1 + 0.30 * np.cos(2 * np.pi * (doy - 195) / 365.0),  # street vending in summer
            1 + 0.45 * bump(100, 25) + 0.25 * bump(5, 30) + 0.10 * summer,  # dust, smog
            1 + 0.30 * np.cos(2 * np.pi * (doy - 15) / 365.0),  # gas heating in winter
            1 + 0.35 * heating,  # heating complaints
        ]
    )
    factor = _WEEKDAY[weekday] * (1 + 0.09 * np.arange(PERIOD_DAYS) / 365.0)
    for first, last, f in _HOLIDAYS:
        inside = (days >= np.datetime64(first)) & (days <= np.datetime64(last))
        factor = np.where(inside, factor * f, factor)
    return season * factor[None, :], heating


def _envelopes(trend: StrArray, rng: np.random.Generator) -> FloatArray:
    """(hot spots, days) time envelopes: persistent, emerging (year 2), fading (year 1)."""
    t = np.arange(PERIOD_DAYS)[None, :]
    n = trend.size
    start = rng.uniform(380, 450, n)[:, None]
    stop = rng.uniform(250, 320, n)[:, None]
    wobble = 1 + 0.25 * np.sin(2 * np.pi * t / rng.uniform(90, 200, n)[:, None])
    rising = 1 / (1 + np.exp(-(t - start) / 20.0))
    falling = 1 / (1 + np.exp((t - stop) / 15.0))
    return np.where(
        (trend == "emerging")[:, None],
        rising,
        np.where((trend == "fading")[:, None], falling, wobble),
    )


def _unit_context(city: City) -> tuple[FloatArray, FloatArray]:
    """Per unit: category multipliers (n, 6) and reporting weight."""
    u = city.units
    x, y = u["x"].to_numpy(), u["y"].to_numpy()
    klass = city.grid_class[u["grid"].to_numpy()]
    pts = shapely.points(x, y)
    commercial = shapely.distance(shapely.multilinestrings(_geo.commercial_lines()), pts) < 200
    near_plant = shapely.distance(city.zone, pts) < 1500
    old = (klass == "old") | (_geo.old_core_score(x, y) > 0.5)
    estate = klass == "estate"
    village = u["unit_type"].to_numpy() == "村组"
    mult = np.ones((len(u), 6))
    mult[commercial] *= [1.0, 1.2, 3.0, 1.3, 1.0, 0.8]
    mult[near_plant] *= [1.0, 1.0, 1.0, 1.5, 2.5, 1.0]
    mult[old] *= [1.0, 1.8, 1.0, 1.0, 1.3, 1.3]
    mult[estate] *= [1.0, 1.2, 0.8, 1.4, 1.0, 1.5]
    mult[village] *= [1.2, 0.8, 0.4, 1.8, 1.0, 1.3]
    weight = u["households"].to_numpy(float) * (1 + 1.5 * commercial + 0.5 * old + 0.3 * estate)
    return mult, weight


def _hotspot_centres(city: City, rng: np.random.Generator) -> tuple[IntArray, StrArray, StrArray]:
    """Unit index, trend and theme of each hot spot; at most one per community."""
    u = city.units
    klass = city.grid_class[u["grid"].to_numpy()]
    pts = shapely.points(u["x"].to_numpy(), u["y"].to_numpy())
    near_street = shapely.distance(shapely.multilinestrings(_geo.commercial_lines()), pts) < 300
    hh = u["households"].to_numpy(float)
    urban = ~np.isin(klass, ("fringe", "industrial"))
    where = {
        "commercial": hh * near_street * urban,
        "old": hh * (klass == "old"),
        "demolition": hh * (klass == "old") + 0.2 * hh * ((klass == "under") & urban),
        "estate": hh * (klass == "estate"),
        "dense": hh * urban,
    }
    community = u["community"].to_numpy()
    used = np.zeros(len(city.communities), dtype=bool)
    units, trends, themes = [], [], []
    for trend, theme, count in _HOTSPOTS:
        w = where[theme] * ~used[community]
        key = np.where(w > 0, np.log(np.maximum(w, 1e-300)) + rng.gumbel(size=w.size), -np.inf)
        order = np.argsort(-key, kind="stable")
        order = order[np.isfinite(key[order])]
        _, first = np.unique(community[order], return_index=True)
        pick = order[np.sort(first)][:count]
        used[community[pick]] = True
        units.extend(pick.tolist())
        trends.extend([trend] * pick.size)
        themes.extend([theme] * pick.size)
    return (
        np.asarray(units, dtype=np.int64),
        np.asarray(trends, dtype=object),
        np.asarray(themes, dtype=object),
    )


def _hotspot_places(
    city: City, centre: IntArray, n_each: IntArray, rng: np.random.Generator
) -> IntArray:
    """A unit per hot-spot incident, drawn ∝ households × Gaussian distance to the centre."""
    u = city.units
    x, y = u["x"].to_numpy(), u["y"].to_numpy()
    sigma = rng.uniform(110, 220, centre.size)
    tree = shapely.STRtree(shapely.points(x, y))
    hs, ui = tree.query(
        shapely.points(x[centre], y[centre]), predicate="dwithin", distance=3 * sigma
    )
    order = np.lexsort((ui, hs))
    hs, ui = hs[order], ui[order]
    d2 = (x[ui] - x[centre[hs]]) ** 2 + (y[ui] - y[centre[hs]]) ** 2
    w = (u["households"].to_numpy(float)[ui] + 20) * np.exp(-d2 / (2 * sigma[hs] ** 2))
    # Per hot spot CDFs shifted by the hot spot number (see _draw_rows).
    total = np.bincount(hs, w, minlength=centre.size)
    cum = np.cumsum(w)
    start = np.cumsum(total) - total
    flat = (cum - start[hs]) / total[hs] + hs
    which = np.repeat(np.arange(centre.size), n_each)
    pos = np.searchsorted(flat, which + rng.random(which.size) * (1 - 1e-12), side="right")
    return ui[np.minimum(pos, ui.size - 1)]


def _workflow(
    occurred: IntArray, klass: IntArray, source: IntArray, rng: np.random.Generator
) -> IntArray:
    """Stage times (seconds), one row per stage in order; -1 where a stage has not happened
    by the export."""
    n = occurred.size
    emergency, dispute = klass == 1, klass == 2

    def ln(median_s: FloatArray | float, sigma: FloatArray | float) -> FloatArray:
        return np.asarray(median_s * np.exp(sigma * rng.standard_normal(n)), dtype=np.float64)

    times = np.empty((6, n), dtype=np.int64)
    acc = occurred.astype(np.int64, copy=True)

    def add(stage: int, step: FloatArray) -> None:
        # Each delay rounded to a second, then summed: stage by stage, not all six stacked
        # (for ten million incidents that stack and its temporaries were gigabytes).
        acc[:] += np.rint(step).astype(np.int64)
        times[stage] = acc

    report_median = np.array([15, 45, 120, 3, 480], dtype=float)[source] * 60
    add(0, ln(report_median * np.where(emergency, 0.25, 1.0), 0.9))
    add(1, ln(np.where(emergency, 4 * 60, 20 * 60), np.where(emergency, 0.6, 0.9)))
    add(2, ln(np.where(emergency, 5 * 60, 30 * 60), np.where(emergency, 0.6, 1.0)))
    handle_median = np.select([emergency, dispute], [2.5 * HOUR_S, 6 * DAY_S], 28 * HOUR_S)
    handle = ln(handle_median, np.where(emergency, 0.7, 0.95))
    # Hard cases (7 %) take several times longer: the overdue tail.
    handle *= np.where(rng.random(n) < 0.07, rng.lognormal(1.5, 0.5, n), 1.0)
    add(3, handle)
    add(4, ln(np.select([emergency, dispute], [1.5 * HOUR_S, DAY_S], 5 * HOUR_S), 0.85))
    add(5, ln(np.where(emergency, HOUR_S, 3 * HOUR_S), 1.0))
    # A few cases are stuck (disputes more often): nothing after the stage they stopped at.
    stuck_p = np.where(dispute, 0.05, 0.01)
    stuck = rng.random(n) < stuck_p
    stop_at = rng.integers(3, 6, n)  # not handled / not verified / not closed
    stage = np.arange(6)[:, None]
    export_s = int((EXPORT_AT - np.datetime64("1970-01-01", "D")).astype(np.int64)) * DAY_S
    known = (times < export_s) & ~(stuck[None, :] & (stage >= stop_at[None, :]))
    # Once a stage is unknown, every later stage is too.
    known = np.logical_and.accumulate(known, axis=0)
    times[~known] = -1
    return times


def _label_table() -> tuple[list[str], FloatArray, list[float], list[float]]:
    """Every source label: its name, its draw weights (rows: category × outside/inside the
    heating season, where heating complaints are rare outside it) and its chances of being a
    dispute or an emergency."""
    label_names, label_cat, label_w, label_pd, label_pe, label_heat = [], [], [], [], [], []
    for c, code in enumerate(CATEGORIES):
        for name, wgt, p_d, p_e, heat in _LABELS[code]:
            label_names.append(name)
            label_cat.append(c)
            label_w.append(wgt)
            label_pd.append(p_d)
            label_pe.append(p_e)
            label_heat.append(heat)
    lcat, lw = np.asarray(label_cat), np.asarray(label_w, dtype=float)
    lheat = np.asarray(label_heat)
    # Rows: category × (outside, inside heating season); columns: all labels.
    rows = np.zeros((12, lw.size))
    for c in range(6):
        for h in (0, 1):
            rows[2 * c + h] = np.where(lcat == c, lw * np.where(lheat & (h == 0), 0.03, 1.0), 0)
    return label_names, rows, label_pd, label_pe


@dataclass(frozen=True)
class Draws:
    """Every incident drawn, as numbers in draw order (no strings: ~110 bytes an incident,
    so that ten million fit; :func:`attributes` names a chunk of them).

    ``unit`` is the unit an incident is tied to (-1: none); ``street`` the commercial street
    (index into :data:`~gridmap.demo._geo.COMMERCIAL_STREETS`, -1: none); ``place_no`` the
    house number on that street or the plant unit's number; ``stage_s`` the workflow stage
    times in :data:`~gridmap.schema.WORKFLOW_STAGES` order (-1: not reached by the export);
    ``planted`` the planted hot spots (``x``, ``y`` in metres, ``trend``, ``theme``,
    ``incidents``), so that tests and reviewers can check the analysis finds them.
    """

    x: FloatArray
    y: FloatArray
    unit: IntArray
    occurred_s: IntArray
    stage_s: IntArray
    category: NDArray[np.int8]
    label: NDArray[np.int16]
    klass: NDArray[np.int8]
    source: NDArray[np.int8]
    street: NDArray[np.int16]
    place_no: NDArray[np.int32]
    planted: pd.DataFrame

    def __len__(self) -> int:
        return int(self.occurred_s.size)


_LABEL_NAMES = np.asarray(_label_table()[0], dtype=object)
_STREET_NAMES = np.asarray([name for name, _ in _geo.COMMERCIAL_STREETS], dtype=object)


def take_text(values: Sequence[str] | NDArray[np.generic], index: NDArray[np.integer]) -> pa.Array:
    """``values[index]`` as Arrow text, null where ``index`` is negative: no Python string
    per incident (ten million of them cost gigabytes)."""
    return pa.array(values, pa.string()).take(pa.array(index, mask=index < 0))


def attributes(draws: Draws, idx: IntArray, unit_names: StrArray) -> dict[str, pa.Array]:
    """Category, source label, handling class, source and ``place`` (Arrow text) of the
    incidents at positions ``idx`` of ``draws``."""
    unit, street = draws.unit[idx], draws.street[idx]
    number = pa.array(draws.place_no[idx]).cast(pa.string())
    # Where the report says it happened: the unit, a house number on the street, a plant unit.
    on_street = pc.binary_join_element_wise(take_text(_STREET_NAMES, street), number, "号", "")
    in_plant = pc.binary_join_element_wise("兰州石化厂区", number, "号装置区", "")
    place = pc.if_else(
        pa.array(unit >= 0),
        take_text(unit_names, unit),
        pc.if_else(pa.array(street >= 0), on_street, in_plant),
    )
    return {
        schema.CATEGORY: take_text(CATEGORIES, draws.category[idx]),
        schema.CATEGORY_SOURCE: take_text(_LABEL_NAMES, draws.label[idx]),
        schema.HANDLING_CLASS: take_text(schema.HANDLING_CLASSES.codes, draws.klass[idx]),
        schema.SOURCE: take_text(SOURCES, draws.source[idx]),
        "place": place,
    }


def build_incidents(city: City, n_total: int, rng: np.random.Generator) -> Draws:
    """Draw ``n_total`` incidents: places, categories, times and workflow (see the module)."""
    mult, weight = _unit_context(city)
    units = city.units
    ux, uy = units["x"].to_numpy(), units["y"].to_numpy()
    n_comm = round(_SHARE_COMMERCIAL * n_total)
    n_ind = round(_SHARE_INDUSTRIAL * n_total)
    n_hot = round(_SHARE_HOTSPOT * n_total)
    n_res = n_total - n_comm - n_ind - n_hot

    # Residential: households × place × the community's reporting habit.
    habit = rng.lognormal(0.0, 0.35, len(city.communities))
    w = weight * habit[units["community"].to_numpy()]
    res_unit = rng.choice(len(units), n_res, p=w / w.sum())

    centre, trend, theme = _hotspot_centres(city, rng)
    share = rng.lognormal(0.0, 0.4, centre.size)
    n_each = rng.multinomial(n_hot, share / share.sum())
    hot_unit = _hotspot_places(city, centre, n_each, rng)
    hot_id = np.repeat(np.arange(centre.size), n_each)

    unit = np.concatenate([res_unit, hot_unit, np.full(n_comm + n_ind, -1)])
    jitter = rng.normal(0, 22, (unit.size, 2))
    x = np.where(unit >= 0, ux[np.maximum(unit, 0)], 0.0) + jitter[:, 0]
    y = np.where(unit >= 0, uy[np.maximum(unit, 0)], 0.0) + jitter[:, 1]
    # Arrays of ten million are freed as soon as they are used (peak memory at scale 30).
    del res_unit, hot_unit, jitter

    # Commercial streets: anywhere along them, on the pavement either side.
    lines = _geo.commercial_lines()
    length = shapely.length(lines)
    which = rng.choice(lines.size, n_comm, p=length / length.sum())
    along = shapely.line_interpolate_point(lines[which], rng.random(n_comm), normalized=True)
    lo = n_res + n_hot
    x[lo : lo + n_comm] = shapely.get_x(along) + rng.normal(0, 18, n_comm)
    y[lo : lo + n_comm] = shapely.get_y(along) + rng.normal(0, 18, n_comm)
    zone = np.asarray([city.zone], dtype=object)
    shapely.prepare(zone)
    zx, zy = sample_in(zone, np.zeros(n_ind, dtype=np.int64), rng)
    x[lo + n_comm :], y[lo + n_comm :] = zx, zy

    # Category: place mix × hot spot theme.
    component = np.repeat(np.arange(4, dtype=np.int8), [n_res, n_hot, n_comm, n_ind])
    theme_mult = np.stack([_THEMES[t] for t in theme]) if theme.size else np.ones((0, 6))
    category = _draw_categories(unit, component, mult, theme_mult[hot_id], rng)

    # Day: season × weekday × holidays × growth × hot spot envelope.
    season, heating = _day_weights()
    env = np.vstack([np.ones((1, PERIOD_DAYS)), _envelopes(trend, rng)])
    env_id = np.zeros(unit.size, dtype=np.int64)
    env_id[component == 1] = hot_id + 1
    table = (season[:, None, :] * env[None, :, :]).reshape(-1, PERIOD_DAYS)
    day = _draw_rows(np.cumsum(table, axis=1), category * env.shape[0] + env_id, rng)
    del env_id
    hours = np.tile(_HOURS, (6, 1))
    hours[1, [19, 20, 21, 22, 23, 0, 1]] += [0.6, 0.8, 0.9, 0.8, 0.6, 0.4, 0.3]  # safety: nights
    hours[2, 17:22] += [1.0, 1.4, 1.6, 1.2, 0.8]  # vending: evenings
    hours[3, [21, 22, 23]] += [0.6, 0.6, 0.4]  # noise: late evenings
    hour = _draw_rows(np.cumsum(hours, axis=1), category, rng)
    start_s = int(PERIOD_START.astype("datetime64[s]").astype(np.int64))
    occurred = start_s + day * DAY_S + hour * HOUR_S + rng.integers(0, HOUR_S, unit.size)
    del hour

    # Source label → handling class; heating complaints only in the heating season.
    _, rows, label_pd, label_pe = _label_table()
    label = _draw_rows(np.cumsum(rows, axis=1), 2 * category + heating[day], rng)
    u = rng.random(unit.size)
    p_dispute = np.asarray(label_pd)[label]
    p_emerg = np.asarray(label_pe)[label]
    klass = np.where(u < p_dispute, 2, np.where(u < p_dispute + p_emerg, 1, 0))
    del u, p_dispute, p_emerg, day
    source = _draw_rows(np.cumsum(_SOURCE_MIX, axis=1), category, rng)
    stages = _workflow(occurred, klass, source, rng)

    # The numbers a place is written with, drawn as before strings were built per chunk.
    number = rng.integers(1, 320, n_comm)
    plant = rng.integers(1, 40, n_ind)
    place_no = np.zeros(unit.size, dtype=np.int32)
    place_no[lo : lo + n_comm], place_no[lo + n_comm :] = number, plant
    street = np.full(unit.size, -1, dtype=np.int16)
    street[lo : lo + n_comm] = which
    planted = pd.DataFrame(
        {"x": ux[centre], "y": uy[centre], "trend": trend, "theme": theme, "incidents": n_each}
    )
    return Draws(
        x=x,
        y=y,
        unit=unit,
        occurred_s=occurred,
        stage_s=stages,
        category=category.astype(np.int8),
        label=label.astype(np.int16),
        klass=klass.astype(np.int8),
        source=source.astype(np.int8),
        street=street,
        place_no=place_no,
        planted=planted,
    )
