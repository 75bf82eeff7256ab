"""Priority ranking of grids: empirical-Bayes excess incidents, never a tiny denominator alone.

A rate per household puts a grid of 25 households with a few dozen incidents above one of
1,400 households with 700, and a raw count puts every big grid first. Leaders need the
grids where *more incidents happen than the grid's size explains*, measured in incidents so
that volume and rate both count. This module ranks every grid on its **excess incidents**:

1. **Peer groups.** Basic grids (基础网格) form one peer group whose exposure is households,
   or population when the grids carry population but no households, or area when they
   carry neither (:func:`basic_measure`, like the rebalance ``--balance`` default).
   Professional grids (专属网格) are ranked in a list of their own, each among the grids
   of its own kind (school, hospital, market, station, hazardous, industrial …;
   :func:`professional_kinds`) by its own exposure: area, or a count column the layer
   carries. They are never ranked per household. A kind with fewer than ``min_peers``
   grids (the demo's one petrochemical zone) has no peers to compare rates with and is
   ranked on its weighted count over the professional grids' mean (``ranked_on`` ``count``).
2. **Gamma-Poisson empirical Bayes** within each peer group (Clayton & Kaldor 1987;
   Marshall 1991). With weighted counts ``y`` (:func:`gridmap.analytics.risk.grid_risk`'s
   ``weighted``: category and handling-class weights, exponential decay) and exposures
   ``e``, the peer rate is ``m = sum(y) / sum(e)`` and the between-grid variance of the
   true rates is Marshall's method-of-moments ``s2 = sum(e (y/e - m)^2) / sum(e) - m /
   mean(e)`` (floored at 0), both from :func:`gridmap.analytics.risk.eb_rates`. They fit a
   gamma prior with shape ``a = m b`` and rate ``b = prior_strength * m / s2``; each grid's
   posterior mean rate is ``(y + a) / (e + b)``.
3. **Excess** ``= e * (posterior rate - m) = C * (y - m e)`` with ``C = e / (e + b)``: the
   observed-minus-expected incidents, shrunk by how much evidence the grid carries. A small
   grid moves toward the peer rate (``C`` near 0), a big one keeps its own (``C`` near 1).
   Grids are ranked on excess, highest first (ties: weighted count, then code).
4. **Household floor.** A basic grid with fewer households than ``household_floor``
   (default 100; population: ``population_floor``, default 250) is never ranked on its
   rate: its exposure is raised to the floor, so it is ranked on its count against what
   the peer group expects of a grid at the floor (``ranked_on`` says
   ``excess_at_households_floor``). The prior is fitted on the grids at or above the floor.
   A grid with no recorded size is not taken as small but as typical: the group's median
   exposure (``excess_at_median_households``).

Every row carries ``ranked_on``, the measure it was ranked by.

References
----------
Clayton, D. and Kaldor, J. (1987). Empirical Bayes estimates of age-standardized relative
risks for use in disease mapping. *Biometrics* 43(3), 671-681.

Marshall, R. J. (1991). Mapping disease and mortality rates using empirical Bayes
estimators. *Journal of the Royal Statistical Society C* 40(2), 283-294.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from numpy.typing import ArrayLike, NDArray

from .. import schema
from ..crs import area_m2, to_metric
from ..errors import SchemaError
from ..indexing import cells_to_points
from .risk import RiskSettings, eb_rates, grid_risk, weighted_counts

if TYPE_CHECKING:
    from .incidents import IncidentTable

__all__ = [
    "BASIC_MEASURES",
    "DEFAULT_HOUSEHOLD_FLOOR",
    "DEFAULT_POPULATION_FLOOR",
    "Priority",
    "basic_measure",
    "eb_excess",
    "incidents_in_polygons",
    "priority_counts",
    "priority_ranking",
    "professional_kinds",
]

#: Exposures of basic grids, in order of preference.
BASIC_MEASURES: tuple[str, ...] = ("households", "population", "area")
#: Basic grids with fewer households are never ranked on their rate.
DEFAULT_HOUSEHOLD_FLOOR = 100.0
#: The same floor in residents (about 2.5 residents per household).
DEFAULT_POPULATION_FLOOR = 250.0

#: Exposure unit of each measure: rates are per 1,000 households, 1,000 residents, km².
_UNIT = {"households": 1000.0, "population": 1000.0, "area": 1e6}
#: Kind of a professional grid from words in its name, when no key area overlaps it: the
#: key-area kinds first (化工园区 is hazardous), then industrial parks.
_NAME_KINDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    *((c.code, (c.zh, c.en.lower(), *c.aliases)) for c in schema.KEYAREA_KINDS.choices),
    ("industrial", ("园区", "工业园", "产业园", "开发区", "生产区", "厂区")),
)
#: Columns of both lists, in order.
COLUMNS: tuple[str, ...] = (
    "rank",
    schema.NAME,
    schema.GRID_TYPE,
    "peer_group",
    "ranked_on",
    "incidents",
    "weighted",
    "exposure",
    "exposure_unit",
    "rate",
    "rate_eb",
    "peer_rate",
    "expected",
    "excess",
    "shrinkage",
    "below_floor",
    "exposure_unknown",
    schema.HOUSEHOLDS,
    schema.POPULATION,
    "area_km2",
)


@dataclass(frozen=True)
class Priority:
    """The two ranked lists: basic grids, and professional grids apart.

    Both are indexed by grid code (``code``), sorted by ``rank`` (1 = highest priority),
    with the columns of :func:`priority_ranking`.
    """

    basic: pd.DataFrame
    professional: pd.DataFrame


# --- the estimator ----------------------------------------------------------------------------
def eb_excess(
    weighted: ArrayLike,
    exposure: ArrayLike,
    *,
    floor: float = 0.0,
    prior_strength: float = 1.0,
) -> pd.DataFrame:
    """Gamma-Poisson empirical-Bayes excess incidents of one peer group.

    Parameters
    ----------
    weighted
        Weighted incident count per unit (>= 0).
    exposure
        Exposure per unit in rate units (e.g. thousands of households); NaN or negative
        is unknown and taken as the median known exposure (at least ``floor``).
    floor
        Units with less exposure are raised to it; the prior is fitted on the units with
        known exposure at or above it (on all when fewer than two are).
    prior_strength
        Scales the prior's weight ``b``: 1 is Marshall's estimator, 0 no shrinkage.

    Returns
    -------
    pandas.DataFrame
        Aligned with the input (default index): ``exposure_used``, ``below_floor``,
        ``exposure_unknown``,
        ``rate`` (``y / exposure_used``), ``rate_eb`` (posterior mean ``(y + a) / (e + b)``),
        ``peer_rate`` (``m``), ``expected`` (``m e``), ``excess`` (``e (rate_eb - m)``)
        and ``shrinkage`` (``C = e / (e + b)``, the weight of the unit's own data).

    Examples
    --------
    A tiny unit with a high rate moves toward the peer rate; a big one keeps its excess:

    >>> out = eb_excess([6, 300, 50, 60, 40], [0.02, 2.0, 1.0, 1.0, 1.0])
    >>> [round(float(x), 1) for x in out["excess"]]
    [1.5, 116.2, -39.4, -29.8, -49.1]
    """
    y = np.asarray(weighted, dtype=np.float64)
    e = np.asarray(exposure, dtype=np.float64)
    known = np.isfinite(e) & (e >= 0)
    below = known & (e < floor)
    # Unknown is not small: a grid without a recorded size is taken as a typical one.
    typical = max(float(np.median(e[known])), floor) if known.any() else floor
    e_used = np.where(known, np.maximum(np.where(known, e, 0.0), floor), typical)
    fit = known & ~below
    if fit.sum() < 2:
        fit = e_used > 0
    prior = eb_rates(y[fit], e_used[fit], prior_strength=prior_strength)
    m, s2 = prior.mean, prior.variance
    # b = k m / s2: s2 == 0 (no spread beyond Poisson noise) means full shrinkage (C = 0).
    if s2 > 0 and prior_strength > 0:
        b = prior_strength * m / s2
        c = np.divide(e_used, e_used + b, out=np.zeros_like(e_used), where=(e_used + b) > 0)
    else:
        c = np.where(e_used > 0, 1.0 if prior_strength == 0 else 0.0, 0.0)
    expected = m * e_used
    excess = c * (y - expected)
    rate = np.divide(y, e_used, out=np.full(y.shape, np.nan), where=e_used > 0)
    rate_eb = np.where(e_used > 0, m + c * (np.nan_to_num(rate) - m), m)
    return pd.DataFrame(
        {
            "exposure_used": e_used,
            "below_floor": below,
            "exposure_unknown": ~known,
            "rate": rate,
            "rate_eb": rate_eb,
            "peer_rate": np.full(y.shape, m),
            "expected": expected,
            "excess": excess,
            "shrinkage": c,
        }
    )


# --- peer groups and exposure -------------------------------------------------------------
def _numbers(frame: pd.DataFrame, column: str) -> NDArray[np.float64]:
    if column not in frame:
        return np.full(len(frame), np.nan)
    values = pd.to_numeric(frame[column], errors="coerce")
    return values.to_numpy(dtype=np.float64, na_value=np.nan)


def basic_measure(grids: pd.DataFrame) -> str:
    """The exposure of basic grids: ``households`` when any has a household count, else
    ``population`` when any has one, else ``area`` (like the rebalance ``--balance``
    default: a workspace imported without households ranks on what it has).

    Examples
    --------
    >>> basic_measure(pd.DataFrame({"households": [None, 0], "population": [10, None]}))
    'population'
    """
    for measure in ("households", "population"):
        if bool(np.nan_to_num(_numbers(grids, measure)).max(initial=0) > 0):
            return measure
    return "area"


def _grid_areas_m2(grids: pd.DataFrame) -> NDArray[np.float64]:
    if schema.AREA_M2 in grids:
        return _numbers(grids, schema.AREA_M2)
    if isinstance(grids, gpd.GeoDataFrame) and grids.crs is not None and len(grids):
        return np.asarray(area_m2(grids), dtype=np.float64)
    return np.full(len(grids), np.nan)


def _is_professional(grids: pd.DataFrame) -> NDArray[np.bool_]:
    if schema.GRID_TYPE not in grids:
        return np.zeros(len(grids), dtype=bool)
    return (grids[schema.GRID_TYPE].astype(object).fillna("basic") == "professional").to_numpy()


def _kind_from_name(name: object) -> str:
    text = str(name).lower() if isinstance(name, str) else ""
    for code, words in _NAME_KINDS:
        if code != "other" and any(w and w.lower() in text for w in words):
            return code
    return "other"


def professional_kinds(
    grids: gpd.GeoDataFrame, keyareas: gpd.GeoDataFrame | None = None
) -> pd.Series:
    """The kind of every professional grid: its peer group.

    The grid layer has no column for it, so the kind is the ``kind`` of the key area
    (重点区域) that overlaps the grid most (in a demo workspace the professional grid *is*
    the key area's footprint); without one, a word of the grid's name (学校, 医院, 车站,
    市场, 化工, 园区 …); else ``"other"``. A ``kind`` column on ``grids`` wins over both.

    Returns
    -------
    pandas.Series
        Kind codes indexed by the professional grids' codes.
    """
    pro = grids[_is_professional(grids)]
    index = pd.Index(pro[schema.CODE].astype(str), name=schema.CODE)
    kinds = pd.Series(
        pro.get(schema.NAME, pd.Series([None] * len(pro))).map(_kind_from_name).to_numpy(),
        index=index,
        dtype=object,
    )
    has_kind = keyareas is not None and schema.KIND in keyareas and len(keyareas) and len(pro)
    if has_kind and keyareas is not None:
        metric = to_metric(pro[["geometry"]].reset_index(drop=True))
        ka = keyareas[[schema.KIND, "geometry"]].dropna().to_crs(metric.crs).reset_index(drop=True)
        gi, ki = shapely.STRtree(ka.geometry.to_numpy()).query(
            metric.geometry.to_numpy(), predicate="intersects"
        )
        if len(gi):
            overlap = shapely.area(
                shapely.intersection(metric.geometry.to_numpy()[gi], ka.geometry.to_numpy()[ki])
            )
            pairs = pd.DataFrame({"g": gi, "kind": ka[schema.KIND].to_numpy()[ki], "a": overlap})
            best = pairs.sort_values(["a", "kind"], ascending=[False, True]).drop_duplicates("g")
            kinds.iloc[best["g"].to_numpy()] = best["kind"].to_numpy()
    if schema.KIND in pro:
        given = pro[schema.KIND].astype(object).to_numpy()
        ok = pd.notna(given)
        kinds.iloc[np.flatnonzero(ok)] = given[ok]
    return kinds


# --- counts --------------------------------------------------------------------------------------
def incidents_in_polygons(
    table: IncidentTable,
    idx: NDArray[np.int64],
    polygons: gpd.GeoSeries,
    *,
    settings: RiskSettings | None = None,
    end_s: int,
) -> pd.DataFrame:
    """Incidents and weighted incidents inside each polygon (e.g. professional grids).

    Incidents are assigned to basic grids only, so a professional grid, which overlaps
    them, counts the incidents whose location (the centre of their res-11 H3 cell, about
    25 m across) falls inside it. Weights are :func:`gridmap.analytics.risk.weighted_counts`.
    Polygons may overlap: an incident counts in each.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``polygons``: ``incidents`` (int) and ``weighted``.
    """
    n = len(polygons)
    sel = idx[table.cell[idx] != 0]
    lon, lat = cells_to_points(table.cell[sel])
    points = shapely.points(lon, lat)
    geoms = polygons.to_crs(4326).to_numpy() if polygons.crs is not None else polygons.to_numpy()
    pi, gi = shapely.STRtree(geoms).query(points, predicate="within")
    w = weighted_counts(table, sel[pi], settings=settings or RiskSettings(), end_s=end_s)
    return pd.DataFrame(
        {
            "incidents": np.bincount(gi, minlength=n).astype(np.int64),
            "weighted": np.bincount(gi, weights=w, minlength=n),
        },
        index=polygons.index,
    )


def priority_counts(
    table: IncidentTable,
    idx: NDArray[np.int64],
    grids: gpd.GeoDataFrame,
    *,
    settings: RiskSettings | None = None,
    end_s: int,
) -> pd.DataFrame:
    """``incidents`` and ``weighted`` of every grid, ready for :func:`priority_ranking`.

    Basic grids take :func:`gridmap.analytics.risk.grid_risk`'s own counts (the incidents
    assigned to them), so the ranking weighs exactly as the risk score does; professional
    grids count the incidents inside them (:func:`incidents_in_polygons`).

    Returns
    -------
    pandas.DataFrame
        Indexed by grid code, in the order of ``grids``.
    """
    settings = settings or RiskSettings()
    codes = grids[schema.CODE].astype(str)
    households = pd.Series(np.nan, index=pd.Index(table.grid_codes))
    risk = grid_risk(table, idx, households, settings=settings, end_s=end_s)
    out = risk[["incidents", "weighted"]].reindex(codes.to_numpy()).fillna(0.0)
    pro = _is_professional(grids)
    if pro.any():
        inside = incidents_in_polygons(
            table, idx, grids.geometry[pro].reset_index(drop=True), settings=settings, end_s=end_s
        )
        out.iloc[np.flatnonzero(pro), :] = inside[["incidents", "weighted"]].to_numpy()
    out["incidents"] = out["incidents"].astype(np.int64)
    out.index.name = schema.CODE
    return out


# --- the ranking --------------------------------------------------------------------------------
def _rank(frame: pd.DataFrame) -> pd.DataFrame:
    order = frame.assign(_code=frame.index.astype(str)).sort_values(
        ["excess", "weighted", "_code"], ascending=[False, False, True], kind="mergesort"
    )
    out = order.drop(columns="_code")
    out.insert(0, "rank", np.arange(1, len(out) + 1, dtype=np.int64))
    return out[[c for c in COLUMNS if c in out.columns]]


def _group(
    rows: pd.DataFrame,
    exposure_raw: NDArray[np.float64],
    *,
    measure: str,
    unit: float,
    floor: float,
    peer_group: NDArray[Any],
    prior_strength: float,
    count_reference: float | None = None,
) -> pd.DataFrame:
    """One peer group ranked: excess, or, when nothing measures exposure or
    ``count_reference`` is given, the weighted count over that reference (default: the
    group's mean count)."""
    y = rows["weighted"].to_numpy(dtype=np.float64)
    e = exposure_raw / unit
    known = np.isfinite(e) & (e > 0)
    if count_reference is not None or not bool(known.any()):
        mean = float(y.mean()) if len(y) else 0.0
        reference = mean if count_reference is None else count_reference
        est = pd.DataFrame(
            {
                "exposure_used": np.nan,
                "below_floor": False,
                "exposure_unknown": ~known,
                "rate": np.divide(y, e, out=np.full(len(y), np.nan), where=known),
                "rate_eb": np.nan,
                "peer_rate": np.nan,
                "expected": np.full(len(y), reference),
                "excess": y - reference,
                "shrinkage": np.nan,
            }
        )
        ranked_on = np.full(len(y), "count", dtype=object)
    else:
        est = eb_excess(y, e, floor=floor / unit, prior_strength=prior_strength)
        ranked_on = np.select(
            [est["exposure_unknown"].to_numpy(), est["below_floor"].to_numpy()],
            [f"excess_at_median_{measure}", f"excess_at_{measure}_floor"],
            f"excess_per_{measure}",
        ).astype(object)
    est.index = rows.index
    out = pd.concat([rows, est.drop(columns="exposure_used")], axis=1)
    out["exposure"] = e
    out["exposure_unit"] = {"households": "1000 households", "population": "1000 residents"}.get(
        measure, "km2" if measure == "area" else measure
    )
    out["ranked_on"] = ranked_on
    out["peer_group"] = peer_group
    return out


def _rows(grids: pd.DataFrame, counts: pd.DataFrame, area: NDArray[np.float64]) -> pd.DataFrame:
    """What every row shows besides the estimate, indexed by grid code."""
    rows = pd.DataFrame(
        {
            schema.NAME: grids[schema.NAME].to_numpy() if schema.NAME in grids else None,
            schema.GRID_TYPE: np.where(_is_professional(grids), "professional", "basic"),
            "incidents": 0,
            "weighted": 0.0,
            schema.HOUSEHOLDS: _numbers(grids, schema.HOUSEHOLDS),
            schema.POPULATION: _numbers(grids, schema.POPULATION),
            "area_km2": area / 1e6,
        },
        index=pd.Index(grids[schema.CODE].astype(str).to_numpy(), name=schema.CODE),
    )
    found = counts.reindex(rows.index)
    rows["incidents"] = found["incidents"].fillna(0).to_numpy(dtype=np.int64)
    rows["weighted"] = found["weighted"].fillna(0.0).to_numpy(dtype=np.float64)
    return rows


def _validate(
    counts: pd.DataFrame, floors: Mapping[str, float], prior_strength: float, min_peers: int
) -> None:
    problems = [
        f"counts: missing column {c!r}" for c in ("incidents", "weighted") if c not in counts
    ]
    for name, value in floors.items():
        if not (np.isfinite(value) and value >= 0):
            problems.append(f"{name}={value!r} (allowed: a finite number >= 0)")
    if not (np.isfinite(prior_strength) and prior_strength >= 0):
        problems.append(f"prior_strength={prior_strength!r} (allowed: a finite number >= 0)")
    if isinstance(min_peers, bool) or not isinstance(min_peers, int | np.integer) or min_peers < 1:
        problems.append(f"min_peers={min_peers!r} (allowed: an integer >= 1)")
    if "weighted" in counts and (pd.to_numeric(counts["weighted"], errors="coerce") < 0).any():
        problems.append("counts: negative weighted counts (allowed: >= 0)")
    if problems:
        raise SchemaError("priority ranking: " + "; ".join(problems))


def priority_ranking(
    grids: pd.DataFrame,
    counts: pd.DataFrame,
    *,
    kinds: pd.Series | None = None,
    measure: str | None = None,
    professional_exposure: str | None = None,
    household_floor: float = DEFAULT_HOUSEHOLD_FLOOR,
    population_floor: float = DEFAULT_POPULATION_FLOOR,
    prior_strength: float = 1.0,
    min_peers: int = 3,
) -> Priority:
    """Rank grids on empirical-Bayes excess incidents, basic and professional apart.

    Parameters
    ----------
    grids
        Grids in force with ``code`` and, when known, ``name``, ``grid_type`` (missing:
        basic), ``households``, ``population``, ``area_m2`` (else computed from the
        geometry of a GeoDataFrame) and ``kind`` (professional grids' kind).
    counts
        ``incidents`` and ``weighted`` per grid code (:func:`priority_counts`); grids
        missing from it have none.
    kinds
        Kind of each professional grid by code (:func:`professional_kinds`); default: the
        ``kind`` column, else words of the name.
    measure
        Exposure of basic grids, one of :data:`BASIC_MEASURES`; default
        :func:`basic_measure`.
    professional_exposure
        A column of ``grids`` counting what a professional grid serves (students, beds,
        stalls …); default area (km²).
    household_floor, population_floor
        Basic grids with fewer households (residents) are ranked on their count against
        the peer expectation at the floor, never on their rate; grids with none recorded
        against the expectation at the group's median.
    prior_strength
        Scales the empirical-Bayes prior (1: Marshall's; 0: no shrinkage).
    min_peers
        Professional grids of a kind with fewer grids than this have no peers to fit a
        rate on (a grid alone is its own peer rate): they are ranked on their weighted
        count over the mean of all professional grids (``ranked_on`` ``count``).

    Returns
    -------
    Priority
        ``basic`` and ``professional`` lists, each indexed by ``code`` and sorted by
        ``rank``, with columns ``rank`` (1 first), ``name``, ``grid_type``, ``peer_group``
        (``basic`` or the professional kind), ``ranked_on`` (``excess_per_households``,
        ``excess_at_households_floor``, ``excess_at_median_households``, the same for
        ``population``, ``excess_per_area``, ``excess_per_<column>``, or ``count``:
        weighted count over the group's mean when nothing measures size), ``incidents``,
        ``weighted``, ``exposure`` (in ``exposure_unit``: 1000 households, 1000
        residents, km² or the count column), ``rate`` (weighted per
        exposure unit), ``rate_eb`` (posterior mean), ``peer_rate``, ``expected``,
        ``excess`` (the ranking score, in weighted incidents), ``shrinkage`` (0-1),
        ``below_floor``, ``exposure_unknown``, ``households``, ``population`` and
        ``area_km2``.

    Raises
    ------
    SchemaError
        Naming every bad argument.
    """
    if measure is not None and measure not in BASIC_MEASURES:
        raise SchemaError(f"measure={measure!r}; allowed: {', '.join(BASIC_MEASURES)}")
    if professional_exposure is not None and professional_exposure not in grids:
        raise SchemaError(f"professional_exposure={professional_exposure!r}: no such column")
    _validate(
        counts,
        {"household_floor": household_floor, "population_floor": population_floor},
        prior_strength,
        min_peers,
    )
    area = _grid_areas_m2(grids)
    rows = _rows(grids, counts, area)
    pro = _is_professional(grids)
    chosen = measure or basic_measure(grids[~pro])
    basic_raw = area if chosen == "area" else _numbers(grids, chosen)
    floor = {"households": household_floor, "population": population_floor}.get(chosen, 0.0)
    basic = _group(
        rows[~pro],
        basic_raw[~pro],
        measure=chosen,
        unit=_UNIT[chosen],
        floor=floor,
        peer_group=np.full(int((~pro).sum()), "basic", dtype=object),
        prior_strength=prior_strength,
    )
    given = kinds if kinds is not None else professional_kinds(grids)
    kind = given.reindex(rows.index[pro]).astype(object).fillna("other").to_numpy()
    # A kind with too few grids has no peers to fit a prior on (a grid alone is its own
    # peer rate); per-area rates of other kinds (a plant against a school) are no measure.
    names, sizes = np.unique(kind.astype(str), return_counts=True)
    lonely_kind = np.isin(kind.astype(str), names[sizes < min_peers])
    pro_raw = (_numbers(grids, professional_exposure) if professional_exposure else area)[pro]
    groups = [
        _group(
            rows[pro][inside],
            pro_raw[inside],
            measure=professional_exposure or "area",
            unit=1.0 if professional_exposure else _UNIT["area"],
            floor=0.0,
            peer_group=kind[inside],
            prior_strength=prior_strength,
            # Without peers, the count against the professional grids' mean count.
            count_reference=float(rows["weighted"][pro].mean()) if lonely else None,
        )
        for k in sorted(set(kind))
        for inside in [kind == k]
        for lonely in [bool(lonely_kind[inside].any())]
    ]
    professional = pd.concat(groups) if groups else basic.iloc[:0]
    return Priority(basic=_rank(basic), professional=_rank(professional))
