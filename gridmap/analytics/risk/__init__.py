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

from .periods import (
    admin_rollup,
    compare_periods,
    grid_units,
    period_covered,
)
from .scores import (
    CellCodes,
    cell_codes,
    cell_risk,
    counts_by_cell_code,
    counts_by_grid_category,
    grid_risk,
    previous_window,
    service_totals,
)
from .settings import (
    DAY_S,
    DEFAULT_CATEGORY_WEIGHTS,
    DEFAULT_CLASS_WEIGHTS,
    DEFAULT_SLA_DAYS,
    UNKNOWN_CLASS,
    UNKNOWN_PARENT,
    EBResult,
    RiskSettings,
    day_start_s,
    eb_rates,
    percentile_scores,
    weighted_counts,
)

__all__ = [
    "DAY_S",
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
    "period_covered",
    "previous_window",
    "service_totals",
    "weighted_counts",
]
