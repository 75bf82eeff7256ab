"""The balance measures of grids, one kernel for the workload diagnostics and the rebalancer.

:func:`gridmap.analytics.workload.grid_diagnostics` (grids with geometry) and
:func:`gridmap.analytics.rebalance.grid_table` (plans as unit label arrays) both judge a grid
by the same three numbers: whether its measure lies in the band, how far outside the band it
is, and how far it is from its community's mean. They compute the measure their own way
(polygon areas, or sums over units) and hand the arrays here.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["band_columns", "band_gap", "deviation_pct"]

FloatArray = NDArray[np.float64]


def band_gap(value: ArrayLike, low: ArrayLike, high: ArrayLike) -> FloatArray:
    """How far each value lies outside ``[low, high]`` (0 inside).

    >>> band_gap([250, 400, 520], 300, 500).tolist()
    [50.0, 0.0, 20.0]
    """
    v = np.asarray(value, dtype=np.float64)
    return np.maximum(np.asarray(low) - v, 0.0) + np.maximum(v - np.asarray(high), 0.0)


def deviation_pct(
    value: ArrayLike, group: ArrayLike, *, alive: ArrayLike | None = None
) -> FloatArray:
    """Percent deviation of each value from the mean of its group (0 where that mean is 0).

    ``group`` are small non-negative integers (a community id per grid); only ``alive``
    grids (all when None) count towards the means, so a grid merged away does not lower its
    community's mean.

    >>> deviation_pct([300, 500, 100], [0, 0, 1]).tolist()
    [-25.0, 25.0, 0.0]
    """
    v = np.asarray(value, dtype=np.float64)
    g = np.asarray(group, dtype=np.int64)
    live = np.ones(v.size, dtype=bool) if alive is None else np.asarray(alive, dtype=bool)
    cnt = np.bincount(g, live.astype(np.float64))
    tot = np.bincount(g, np.where(live, v, 0.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = (tot / cnt)[g]
        return np.asarray(np.where(mean > 0, 100.0 * (v - mean) / mean, 0.0), dtype=np.float64)


def band_columns(
    value: ArrayLike,
    low: ArrayLike,
    high: ArrayLike,
    group: ArrayLike,
    *,
    alive: ArrayLike | None = None,
) -> dict[str, NDArray[np.generic]]:
    """``in_band``, ``band_gap`` and ``deviation_pct`` of every grid, as table columns."""
    v = np.asarray(value, dtype=np.float64)
    lo, hi = np.asarray(low), np.asarray(high)
    return {
        "in_band": (v >= lo) & (v <= hi),
        "band_gap": band_gap(v, lo, hi),
        "deviation_pct": deviation_pct(v, group, alive=alive),
    }
