"""Risk for grids and H3 cells: weighted, decayed, per household, shrunk, and compared.

A raw count is a poor risk signal. A grid of 3,000 households has more incidents than one
of 300 simply because more people live there, and a grid of 20 households jumps from
"quiet" to "worst in the city" with a single incident. So the risk of a grid is built in
three steps:

1. every incident is weighted by its category and handling class and decays exponentially
   with its age at the end of the window (:func:`weighted_counts`);
2. the weighted count is divided by households (a rate per 1,000 households) and each
   grid's rate is shrunk toward the city mean in proportion to how little evidence it
   carries (global empirical Bayes, Marshall 1991, :func:`eb_rates`);
3. the shrunk rate becomes a 0-100 percentile score (:func:`percentile_scores`).

H3 cells have no households but are (nearly) equal in area, so their weighted count is
already an intensity; optional k-ring smoothing steadies it (:func:`cell_risk`).

Service indicators (结案率 closure rate, 按期结案率 on-time rate, median handling time)
come with their numerators and denominators, and small counts are flagged so that meeting
views can suppress them. :func:`admin_rollup` sums grids up the admin hierarchy and
recomputes every ratio from the sums; ratios are never averaged.

References
----------
Marshall, R. J. (1991). Mapping disease and mortality rates using empirical Bayes
estimators. *Journal of the Royal Statistical Society C (Applied Statistics)* 40(2),
283-294.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from .. import schema
from ..errors import SchemaError
from ..indexing import cell_parents, cells_to_str
from .incidents import (
    CATEGORY_CODES,
    HANDLING_CODES,
    IncidentFilter,
    IncidentTable,
    counts_by_grid,
    select,
)

if TYPE_CHECKING:
    from scipy.sparse import csr_matrix

__all__ = [
    "DEFAULT_CATEGORY_WEIGHTS",
    "DEFAULT_CLASS_WEIGHTS",
    "DEFAULT_SLA_DAYS",
    "UNKNOWN_CLASS",
    "UNKNOWN_PARENT",
    "CellCodes",
    "EBResult",
    "RiskSettings",
    "admin_rollup",
    "cell_codes",
    "cell_risk",
    "compare_periods",
    "counts_by_cell_code",
    "counts_by_grid_category",
    "day_start_s",
    "eb_rates",
    "grid_risk",
    "grid_units",
    "percentile_scores",
    "previous_window",
    "service_totals",
    "weighted_counts",
]

DAY_S = 86_400
#: Key of the handling-class weight for incidents whose class is not known.
UNKNOWN_CLASS = "unknown"
#: Row label :func:`admin_rollup` gives to grids whose ancestor at the level is unknown.
UNKNOWN_PARENT = "(unknown)"

#: Default category weights: safety duties weigh most, civility work least. Configurable.
DEFAULT_CATEGORY_WEIGHTS: Mapping[str, float] = MappingProxyType(
    {
        "party_civility": 0.5,
        "public_safety": 1.5,
        "urban_management": 0.8,
        "ecology": 1.0,
        "work_safety": 1.5,
        "livelihood": 0.6,
        schema.UNCLASSIFIED.code: 0.8,
    }
)
#: Default handling-class weights; ``"unknown"`` is for incidents without a class.
DEFAULT_CLASS_WEIGHTS: Mapping[str, float] = MappingProxyType(
    {"general": 1.0, "emergency": 3.0, "dispute": 1.5, UNKNOWN_CLASS: 1.0}
)
#: Default time limits (days from occurrence to closure) per handling class for 按期结案率.
#: Typical local practice, **not** a national rule; set them to the city's own limits.
DEFAULT_SLA_DAYS: Mapping[str, float] = MappingProxyType(
    {"general": 7.0, "emergency": 1.0, "dispute": 15.0}
)

_MAX_K_RING = 5
_MAX_MIN_COUNT = 1000


def _is_number(value: object) -> bool:
    return isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool)


def _merge_weights(
    name: str,
    given: Mapping[str, float],
    defaults: Mapping[str, float],
    *,
    positive: bool,
    problems: list[str],
) -> dict[str, float]:
    """Defaults overridden by ``given``; every problem appended to ``problems``."""
    unknown = sorted(set(given) - set(defaults))
    if unknown:
        problems.append(f"{name}: unknown code(s) {unknown}; allowed: {', '.join(defaults)}")
    merged = dict(defaults)
    rule = "a finite number > 0" if positive else "a finite number >= 0"
    for code, value in given.items():
        if code not in defaults:
            continue
        ok = _is_number(value) and math.isfinite(float(value))
        ok = ok and (float(value) > 0 if positive else float(value) >= 0)
        if not ok:
            problems.append(f"{name}[{code!r}]={value!r} (allowed: {rule})")
        else:
            merged[code] = float(value)
    return merged


@dataclass(frozen=True)
class RiskSettings:
    """How incidents turn into risk, with documented, configurable defaults.

    Parameters
    ----------
    category_weights
        Weight per category code (:data:`gridmap.analytics.incidents.CATEGORY_CODES`);
        codes left out keep their default (:data:`DEFAULT_CATEGORY_WEIGHTS`: public_safety
        1.5, work_safety 1.5, ecology 1.0, urban_management 0.8, unclassified 0.8,
        livelihood 0.6, party_civility 0.5). Each a finite number >= 0.
    class_weights
        Weight per handling class, plus ``"unknown"`` for incidents without one
        (:data:`DEFAULT_CLASS_WEIGHTS`: emergency 3.0, dispute 1.5, general 1.0, unknown
        1.0). Each a finite number >= 0.
    half_life_days
        Exponential time decay: an incident this many days older than the end of the
        window weighs half as much. Default 30; must be > 0; ``math.inf`` turns decay off.
    prior_strength
        Scales the empirical-Bayes prior: 1 is Marshall's (1991) estimator, 0 turns
        shrinkage off (raw rates), larger values shrink harder. Finite, >= 0; default 1.
    k_ring
        H3 k-ring radius for smoothing cell risk, 0 (default) for none; 0..5.
    sla_days
        Days from occurrence to closure within which a case counts as closed on time
        (按期结案), per handling class. Defaults (:data:`DEFAULT_SLA_DAYS`): emergency 1,
        general 7, dispute 15 — common local practice, **not** a national rule. Each > 0.
    min_count
        Rows with fewer incidents than this are flagged ``suppressed`` so that meeting
        views can hide small counts; 0 flags none. Default 5; 0..1000.

    Raises
    ------
    SchemaError
        Naming every invalid field, its value and the allowed range.

    Examples
    --------
    >>> RiskSettings(half_life_days=14, category_weights={"ecology": 2.0}).category_weights[
    ...     "ecology"
    ... ]
    2.0
    """

    category_weights: Mapping[str, float] = field(
        default_factory=lambda: dict(DEFAULT_CATEGORY_WEIGHTS)
    )
    class_weights: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_CLASS_WEIGHTS))
    half_life_days: float = 30.0
    prior_strength: float = 1.0
    k_ring: int = 0
    sla_days: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_SLA_DAYS))
    min_count: int = 5

    def __post_init__(self) -> None:
        problems: list[str] = []
        cats = _merge_weights(
            "category_weights",
            self.category_weights,
            {c: DEFAULT_CATEGORY_WEIGHTS[c] for c in CATEGORY_CODES},
            positive=False,
            problems=problems,
        )
        classes = _merge_weights(
            "class_weights",
            self.class_weights,
            {c: DEFAULT_CLASS_WEIGHTS[c] for c in (*HANDLING_CODES, UNKNOWN_CLASS)},
            positive=False,
            problems=problems,
        )
        sla = _merge_weights(
            "sla_days",
            self.sla_days,
            {c: DEFAULT_SLA_DAYS[c] for c in HANDLING_CODES},
            positive=True,
            problems=problems,
        )
        h = self.half_life_days
        if not (_is_number(h) and float(h) > 0):  # NaN fails the comparison too
            problems.append(f"half_life_days={h!r} (allowed: > 0, or math.inf for no decay)")
        p = self.prior_strength
        if not (_is_number(p) and math.isfinite(float(p)) and float(p) >= 0):
            problems.append(f"prior_strength={p!r} (allowed: a finite number >= 0)")
        k = self.k_ring
        if not (isinstance(k, int | np.integer) and not isinstance(k, bool)) or not (
            0 <= k <= _MAX_K_RING
        ):
            problems.append(f"k_ring={k!r} (allowed: an integer 0..{_MAX_K_RING})")
        m = self.min_count
        if not (isinstance(m, int | np.integer) and not isinstance(m, bool)) or not (
            0 <= m <= _MAX_MIN_COUNT
        ):
            problems.append(f"min_count={m!r} (allowed: an integer 0..{_MAX_MIN_COUNT})")
        if problems:
            raise SchemaError("invalid risk settings: " + "; ".join(problems))
        # Store complete copies so that a caller mutating its dict cannot change us.
        object.__setattr__(self, "category_weights", cats)
        object.__setattr__(self, "class_weights", classes)
        object.__setattr__(self, "sla_days", sla)
        object.__setattr__(self, "half_life_days", float(h))
        object.__setattr__(self, "prior_strength", float(p))

    def __hash__(self) -> int:
        # The generated hash would fail on the dict fields; settings key caches, so hash
        # the (complete, validated) contents instead.
        return hash(
            (
                tuple(sorted(self.category_weights.items())),
                tuple(sorted(self.class_weights.items())),
                self.half_life_days,
                self.prior_strength,
                self.k_ring,
                tuple(sorted(self.sla_days.items())),
                self.min_count,
            )
        )


_DEFAULT_SETTINGS = RiskSettings()


# --- small helpers ------------------------------------------------------------------------
def day_start_s(day: dt.date) -> int:
    """Seconds since 1970 (the clock of :class:`IncidentTable`) at the start of ``day``.

    The end of a window ending on ``day`` (inclusive) is ``day_start_s(day + 1 day)``.

    Examples
    --------
    >>> day_start_s(dt.date(1970, 1, 2))
    86400
    """
    return (day - dt.date(1970, 1, 1)).days * DAY_S


def _ratio(num: NDArray[Any], den: NDArray[Any]) -> NDArray[np.float64]:
    """num / den, NaN where the denominator is 0 or missing (never a silent 0)."""
    num = np.asarray(num, dtype=np.float64)
    den = np.asarray(den, dtype=np.float64)
    ok = np.isfinite(den) & (den > 0)
    return np.divide(num, den, out=np.full(num.shape, np.nan), where=ok)


def percentile_scores(values: ArrayLike) -> NDArray[np.float64]:
    """0-100 percentile-rank scores: 0 for the lowest value, 100 for the highest.

    ``100 * (rank - 1) / (n - 1)`` with the average rank for ties, so equal values score
    equally and the order is deterministic. When all values are equal (or there is only
    one) nothing stands out and every score is 0. NaN values score NaN.

    Examples
    --------
    >>> percentile_scores([3.0, 1.0, 2.0, 2.0]).tolist()
    [100.0, 0.0, 50.0, 50.0]
    """
    v = np.asarray(values, dtype=np.float64)
    out = np.full(v.shape, np.nan)
    ok = ~np.isnan(v)
    n = int(ok.sum())
    if n == 0:
        return out
    finite = v[ok]
    if n == 1 or finite.min() == finite.max():
        out[ok] = 0.0
        return out
    ranks = pd.Series(finite).rank(method="average").to_numpy()
    out[ok] = 100.0 * (ranks - 1.0) / (n - 1)
    return out


# --- weights and shrinkage ------------------------------------------------------------------
def weighted_counts(
    table: IncidentTable,
    idx: NDArray[np.int64],
    *,
    settings: RiskSettings = _DEFAULT_SETTINGS,
    end_s: int,
) -> NDArray[np.float64]:
    """Per-incident risk weight, aligned with ``idx``.

    ``weight = category weight * class weight * 0.5 ** (age_days / half_life_days)``, where
    ``age_days`` is the time from occurrence to ``end_s`` (the end of the window, seconds
    since 1970). Incidents after ``end_s`` count as age 0, so none weighs more than a
    fresh one.

    Examples
    --------
    With default settings an emergency public-safety incident 30 days (one half-life)
    before the end weighs ``1.5 * 3.0 * 0.5 = 2.25``.
    """
    cat_w = np.array([settings.category_weights[c] for c in CATEGORY_CODES])
    # The unknown class is stored as -1, which numpy indexing maps to the last slot.
    cls_w = np.array([settings.class_weights[c] for c in (*HANDLING_CODES, UNKNOWN_CLASS)])
    age_days = np.maximum(end_s - table.occurred_s[idx], 0) / DAY_S
    decay = np.exp2(-age_days / settings.half_life_days)
    return cat_w[table.category[idx]] * cls_w[table.handling[idx]] * decay


class EBResult(NamedTuple):
    """Empirical-Bayes rates and the global prior they were shrunk toward."""

    rates: NDArray[np.float64]  # shrunk rate per unit of exposure; the mean where none
    mean: float  # prior mean m = sum(counts) / sum(exposure)
    variance: float  # prior variance s^2 (method of moments, floored at 0)


def eb_rates(counts: ArrayLike, exposure: ArrayLike, *, prior_strength: float = 1.0) -> EBResult:
    """Global empirical-Bayes (Poisson-gamma, method of moments) rates (Marshall 1991).

    Over the units with ``exposure > 0``, the prior mean is ``m = sum(y) / sum(e)`` and the
    prior variance ``s2 = sum(e * (r - m)**2) / sum(e) - m / mean(e)`` (0 when negative),
    with raw rates ``r = y / e``. Each rate is shrunk to

        ``m + C * (r - m)``,   ``C = s2 / (s2 + prior_strength * m / e)``

    so a unit with little exposure (few households) is pulled toward ``m`` much more
    than one with a lot. This is the posterior mean of a gamma prior with that mean and
    variance; ``prior_strength`` scales the prior's weight (0: raw rates). Units with
    zero, negative or missing exposure get ``m``.

    Weighted counts are treated as Poisson counts of weight-1 incidents; the
    method-of-moments variance absorbs the extra dispersion weights add.

    Examples
    --------
    >>> res = eb_rates([3, 300, 10, 20], [0.02, 2.0, 1.0, 1.0])
    >>> round(res.mean, 2)
    82.84
    >>> [round(float(r), 1) for r in res.rates]  # the 3-incident grid moves most
    [117.8, 149.4, 11.3, 21.1]
    """
    y = np.asarray(counts, dtype=np.float64)
    e = np.asarray(exposure, dtype=np.float64)
    ok = np.isfinite(e) & (e > 0)
    if not ok.any():
        return EBResult(np.zeros(y.shape), 0.0, 0.0)
    yk, ek = y[ok], e[ok]
    m = float(yk.sum() / ek.sum())
    r = yk / ek
    s2 = max(float((ek * (r - m) ** 2).sum() / ek.sum() - m / ek.mean()), 0.0)
    rates = np.full(y.shape, m)
    if prior_strength == 0:
        rates[ok] = r
    else:
        den = s2 + prior_strength * m / ek
        # den == 0 only when every rate is 0 (m == 0): then r == m and C does not matter.
        c = np.divide(s2, den, out=np.zeros_like(den), where=den > 0)
        rates[ok] = m + c * (r - m)
    return EBResult(rates, m, s2)


# --- grids ----------------------------------------------------------------------------------
def _households(households: pd.Series, codes: tuple[str, ...]) -> NDArray[np.float64]:
    if not households.index.is_unique:
        dup = households.index[households.index.duplicated()].unique().tolist()[:5]
        raise SchemaError(f"households: duplicate grid codes {dup}; allowed: one row per grid")
    values = pd.to_numeric(households, errors="coerce")
    bad = values.isna() & households.notna()
    if bad.any():
        shown = households[bad].head(5).to_dict()
        raise SchemaError(f"households: non-numeric values {shown}; allowed: numbers >= 0")
    if (values < 0).any():
        shown = values[values < 0].head(5).to_dict()
        raise SchemaError(f"households: negative values {shown}; allowed: numbers >= 0")
    return values.reindex(pd.Index(codes)).to_numpy(dtype=np.float64, na_value=np.nan)


def _group_median(
    groups: NDArray[np.intp], values: NDArray[np.float64], n: int
) -> NDArray[np.float64]:
    """Median of ``values`` per group id in ``0..n-1`` (NaN for empty groups), vectorised."""
    order = np.lexsort((values, groups))
    v = values[order]
    sizes = np.bincount(groups, minlength=n)
    starts = np.cumsum(sizes) - sizes
    out = np.full(n, np.nan)
    has = sizes > 0
    lo = starts[has] + (sizes[has] - 1) // 2
    hi = starts[has] + sizes[has] // 2
    out[has] = (v[lo] + v[hi]) / 2.0
    return out


def _service(
    table: IncidentTable,
    sel: NDArray[np.int64],
    groups: NDArray[np.intp],
    n: int,
    *,
    settings: RiskSettings,
    end_s: int,
) -> dict[str, NDArray[Any]]:
    """Closure, on-time closure and median handling time per group."""
    occurred = table.occurred_s[sel]
    closed_s = table.closed_s[sel]
    cls = table.handling[sel]
    is_closed = closed_s >= 0
    duration = (closed_s - occurred).astype(np.float64)
    # -1 (unknown class) indexes the last slot: no time limit, so never due nor on time.
    limit = np.array([settings.sla_days[c] * DAY_S for c in HANDLING_CODES] + [np.inf])[cls]
    known = cls >= 0
    on_time = known & is_closed & (duration <= limit)
    # 应结案: closed, or open with its deadline passed by the end of the window.
    due = known & (is_closed | (occurred + limit <= end_s))
    closed = np.bincount(groups, weights=is_closed, minlength=n).astype(np.int64)
    return {
        "closed": closed,
        "on_time": np.bincount(groups, weights=on_time, minlength=n).astype(np.int64),
        "sla_due": np.bincount(groups, weights=due, minlength=n).astype(np.int64),
        "median_handling_hours": _group_median(groups[is_closed], duration[is_closed] / 3600.0, n),
    }


def service_totals(
    table: IncidentTable,
    idx: NDArray[np.int64],
    *,
    settings: RiskSettings = _DEFAULT_SETTINGS,
    end_s: int,
) -> dict[str, float]:
    """结案 numbers of a whole selection (also incidents outside every grid).

    Returns ``incidents``, ``closed``, ``on_time``, ``sla_due`` (see :func:`grid_risk`) and
    ``median_handling_hours`` (NaN without a closed case).
    """
    one = _service(table, idx, np.zeros(len(idx), dtype=np.intp), 1, settings=settings, end_s=end_s)
    out = {k: float(v[0]) for k, v in one.items()}
    out["incidents"] = float(len(idx))
    return out


def previous_window(flt: IncidentFilter) -> IncidentFilter:
    """The same filter over the period of equal length just before ``flt`` (环比 base)."""
    length = flt.end - flt.start + dt.timedelta(days=1)
    return replace(flt, start=flt.start - length, end=flt.end - length)


def _default_end(table: IncidentTable, idx: NDArray[np.int64]) -> int:
    return int(table.occurred_s[idx].max()) if len(idx) else 0


def grid_risk(
    table: IncidentTable,
    idx: NDArray[np.int64],
    households: pd.Series,
    *,
    settings: RiskSettings = _DEFAULT_SETTINGS,
    end_s: int | None = None,
) -> pd.DataFrame:
    """Risk and service indicators of every grid for the selected incidents.

    Parameters
    ----------
    table, idx
        Incidents and the positions selected (:func:`gridmap.analytics.incidents.select`).
        Incidents outside every grid are ignored.
    households
        Households per grid code; codes of grids not in force are ignored, grids missing
        from it (or NaN or 0) have unknown exposure.
    settings
        Weights, decay, shrinkage, SLAs and the suppression threshold.
    end_s
        End of the window (seconds since 1970, :func:`day_start_s` of the day after the
        last day) for decay and for which open cases are already due. Default: the time of
        the latest selected incident.

    Returns
    -------
    pandas.DataFrame
        Indexed by grid code (every grid in force, in table order), columns:

        - ``incidents``: selected incidents in the grid;
        - ``weighted``: sum of :func:`weighted_counts`;
        - ``households`` (NaN when unknown) and ``households_missing`` (no households, or
          0: the grid's rates are undefined and ``rate_eb`` is the city mean);
        - ``rate_per_1000``: ``weighted / households * 1000`` (NaN when unknown);
        - ``rate_eb``: :func:`eb_rates` of ``weighted`` with exposure ``households / 1000``
          (per 1,000 households);
        - ``risk_score``: :func:`percentile_scores` of ``rate_eb`` over all grids (0-100);
        - ``closed``, ``closure_rate = closed / incidents`` (结案率);
        - ``on_time`` (closed within the class SLA), ``sla_due`` (cases with a known
          class that are closed or past their deadline at ``end_s``: 应结案数) and
          ``on_time_rate = on_time / sla_due`` (按期结案率);
        - ``median_handling_hours``: occurrence to closure, over closed incidents;
        - ``suppressed``: ``incidents < settings.min_count``.

        A ratio with a zero denominator is NaN. Closure is as stored (``closed_s``), even
        if it happened after ``end_s``.
    """
    n = len(table.grid_codes)
    g_all = table.grid[idx]
    inside = g_all >= 0
    sel = idx[inside]
    groups = g_all[inside].astype(np.intp)
    end = _default_end(table, idx) if end_s is None else int(end_s)
    w = weighted_counts(table, sel, settings=settings, end_s=end)
    incidents = np.bincount(groups, minlength=n).astype(np.int64)
    weighted = np.bincount(groups, weights=w, minlength=n)
    hh = _households(households, table.grid_codes)
    missing = ~(hh > 0)  # NaN compares False, so unknown counts as missing
    eb = eb_rates(
        weighted, np.where(missing, 0.0, hh) / 1000.0, prior_strength=settings.prior_strength
    )
    service = _service(table, sel, groups, n, settings=settings, end_s=end)
    frame = pd.DataFrame(
        {
            "incidents": incidents,
            "weighted": weighted,
            "households": hh,
            "households_missing": missing,
            "rate_per_1000": _ratio(weighted * 1000.0, np.where(missing, np.nan, hh)),
            "rate_eb": eb.rates,
            "risk_score": percentile_scores(eb.rates),
            "closed": service["closed"],
            "closure_rate": _ratio(service["closed"], incidents),
            "on_time": service["on_time"],
            "sla_due": service["sla_due"],
            "on_time_rate": _ratio(service["on_time"], service["sla_due"]),
            "median_handling_hours": service["median_handling_hours"],
            "suppressed": incidents < settings.min_count,
        },
        index=pd.Index(table.grid_codes, name=schema.CODE),
    )
    frame.attrs["eb_mean"] = eb.mean
    frame.attrs["eb_variance"] = eb.variance
    return frame


def counts_by_grid_category(table: IncidentTable, idx: NDArray[np.int64]) -> pd.DataFrame:
    """Incidents per grid (rows, every grid in force) and category (columns, code order).

    What :func:`gridmap.analytics.explain.explain_grid` needs for many grids at once.
    """
    n, k = len(table.grid_codes), len(CATEGORY_CODES)
    g = table.grid[idx]
    inside = g >= 0
    flat = g[inside].astype(np.intp) * k + table.category[idx][inside]
    counts = np.bincount(flat, minlength=n * k).reshape(n, k)
    return pd.DataFrame(
        counts.astype(np.int64),
        index=pd.Index(table.grid_codes, name=schema.CODE),
        columns=list(CATEGORY_CODES),
    )


# --- cells ----------------------------------------------------------------------------------
def _check_res(res: int) -> None:
    if not (isinstance(res, int | np.integer) and 0 <= res <= schema.POINT_RES):
        raise SchemaError(f"res={res!r}; allowed: an integer 0..{schema.POINT_RES}")


def _parents(cells: NDArray[np.uint64], res: int) -> NDArray[np.uint64]:
    return cells if res == schema.POINT_RES else cell_parents(cells, res)


def _ring_size(k: int) -> int:
    """Cells in an H3 k-ring disc around a hexagon (pentagons have fewer)."""
    return 1 + 3 * k * (k + 1)


def cell_risk(
    table: IncidentTable,
    idx: NDArray[np.int64],
    *,
    res: int,
    settings: RiskSettings = _DEFAULT_SETTINGS,
    neighbours: csr_matrix | None = None,
    cells: ArrayLike | None = None,
    end_s: int | None = None,
) -> pd.DataFrame:
    """Risk per H3 cell at ``res`` (parents of the stored res-11 cells).

    Cells are (nearly) equal in area, so the weighted count is an intensity and is scored
    directly; there is no household exposure to shrink by. With ``settings.k_ring > 0``
    the weighted count is smoothed over each cell's k-ring disc:

        ``smoothed = (weighted + weighted of the rest of the disc) / (1 + 3 k (k + 1))``

    the mean over the full disc, so neighbours that are absent from the rows (no
    incidents) count as zero rather than being left out of the average.

    Parameters
    ----------
    table, idx
        Incidents and the selected positions; incidents without a location are ignored.
    res
        H3 resolution 0..11.
    settings
        Weights, decay and ``k_ring``.
    neighbours
        Required when ``settings.k_ring > 0``, ignored otherwise: a square 0/1
        ``scipy.sparse.csr_matrix`` whose entry ``(i, j)`` is 1 when row ``j`` is within
        ``k_ring`` steps of row ``i``, **aligned to the rows this function returns**
        (``cells`` if given, otherwise the sorted cells holding a selected incident), e.g.
        ``gridmap.analytics.hotspots.kring_weights(cells, settings.k_ring)``. The diagonal
        is ignored (a cell always counts once). This module computes no H3 neighbours.
    cells
        The cells to report, strictly increasing ``uint64`` (e.g. every cell of the study
        area, so that smoothing can reach empty cells). Incidents in other cells are
        ignored. Default: the cells holding a selected incident.
    end_s
        End of the window for the decay; default the latest selected incident.

    Returns
    -------
    pandas.DataFrame
        Columns ``cell`` (hex string), ``incidents``, ``weighted``, ``smoothed`` (equal to
        ``weighted`` without smoothing) and ``risk_score`` (:func:`percentile_scores` of
        ``smoothed`` over the rows), sorted by cell.

    Raises
    ------
    SchemaError
        For a bad ``res``, unsorted ``cells``, or a missing or misshaped ``neighbours``.
    """
    _check_res(res)
    c = table.cell[idx]
    located = c != 0
    parents = _parents(c[located], res)
    end = _default_end(table, idx) if end_s is None else int(end_s)
    w = weighted_counts(table, idx[located], settings=settings, end_s=end)
    if cells is None:
        universe, pos = np.unique(parents, return_inverse=True)
        keep = np.ones(len(parents), dtype=bool)
    else:
        universe = np.asarray(cells, dtype=np.uint64).ravel()
        if universe.size > 1 and not bool((np.diff(universe.astype(np.int64)) > 0).all()):
            raise SchemaError("cells: must be strictly increasing (sorted, no duplicates)")
        pos = np.minimum(np.searchsorted(universe, parents), max(universe.size - 1, 0))
        keep = universe[pos] == parents if universe.size else np.zeros(len(parents), bool)
        pos = pos[keep]
    m = universe.size
    incidents = np.bincount(pos, minlength=m).astype(np.int64)
    weighted = np.bincount(pos, weights=w[keep], minlength=m)
    smoothed = weighted
    if settings.k_ring > 0:
        if neighbours is None:
            raise SchemaError(
                f"k_ring={settings.k_ring} needs a neighbours matrix aligned to the cells; "
                "allowed: a scipy.sparse.csr_matrix, or k_ring=0"
            )
        if tuple(neighbours.shape) != (m, m):
            raise SchemaError(
                f"neighbours has shape {tuple(neighbours.shape)}; allowed: ({m}, {m}), "
                "one row and column per returned cell"
            )
        # Whether or not the matrix holds the cell itself (kring_weights does, for Gi*),
        # count it exactly once.
        ring = np.asarray(neighbours @ weighted).ravel() - neighbours.diagonal() * weighted
        smoothed = (weighted + ring) / _ring_size(settings.k_ring)
    return pd.DataFrame(
        {
            "cell": cells_to_str(universe),
            "incidents": incidents,
            "weighted": weighted,
            "smoothed": smoothed,
            "risk_score": percentile_scores(smoothed),
        }
    )


@dataclass(frozen=True)
class CellCodes:
    """Each incident's parent cell at one resolution as a dense integer id.

    Built once per table and resolution (:func:`cell_codes`, about 0.1 s per million
    incidents), it turns every later "count per cell" into one ``bincount`` instead of
    ``cell_parents`` + ``np.unique`` (a sort) on each filter change.
    """

    res: int
    cells: NDArray[np.uint64]  # sorted distinct parent cells
    ids: NDArray[np.int32]  # per incident, in table order: index into cells, -1 unlocated


def cell_codes(table: IncidentTable, res: int) -> CellCodes:
    """Dense parent-cell ids of every incident of ``table`` at ``res`` (see :class:`CellCodes`)."""
    _check_res(res)
    located = table.cell != 0
    parents = _parents(table.cell[located], res)
    cells, inverse = np.unique(parents, return_inverse=True)
    ids = np.full(len(table), -1, dtype=np.int32)
    ids[located] = inverse
    return CellCodes(res=int(res), cells=cells, ids=ids)


def counts_by_cell_code(codes: CellCodes, idx: NDArray[np.int64]) -> pd.DataFrame:
    """Same result as :func:`gridmap.analytics.incidents.counts_by_cell`, from :class:`CellCodes`.

    Columns ``cell`` (hex) and ``count``, sorted by cell, cells with no incident left out.
    """
    # Shift by one so that "unlocated" (-1) lands in slot 0, which is dropped.
    counts = np.bincount(codes.ids[idx] + 1, minlength=codes.cells.size + 1)[1:]
    nonzero = np.flatnonzero(counts)
    return pd.DataFrame(
        {"cell": cells_to_str(codes.cells[nonzero]), "count": counts[nonzero].astype(np.int64)}
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

    The previous period has the same length and ends the day before ``flt.start``; the
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
    A window of 1-31 March 2024 is compared with 31 January-1 March 2024 (31 days) and
    with 1-31 March 2023.
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
