"""Risk settings, weights, the empirical-Bayes shrinkage and small shared helpers."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from ... import schema
from ...errors import SchemaError
from ..incidents import (
    CATEGORY_CODES,
    HANDLING_CODES,
    IncidentTable,
)

if TYPE_CHECKING:
    pass

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
