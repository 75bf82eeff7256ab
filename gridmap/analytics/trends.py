"""Emerging hot spots: how each cell's hot/cold status changes over time bins.

Method
------
After ArcGIS "Emerging Hot Spot Analysis". Incidents are counted per H3 cell and time bin
(week or month); Getis-Ord Gi* (:func:`gridmap.analytics.hotspots.getis_ord_gi_star`, the
same k-disk weights in every bin) gives a z-score per cell and bin, and a bin is a
significant hot (cold) bin when its z is positive (negative) and survives the
Benjamini-Hochberg FDR correction at ``alpha`` within its time slice. The trend of each
cell's Gi* z-scores over the bins is the Mann-Kendall test (:func:`mann_kendall`). Unlike
ArcGIS, the neighbourhood is spatial only (no neighbouring time steps).

Classes (``n`` bins; "mostly hot" means hot in at least 90 % of the bins):

=============  ======  =================================================================
code           zh      a hot spot that is ...
=============  ======  =================================================================
new            新出现   hot in the final bin and significant in no other bin
consecutive    连续     hot in a final run of >= 2 bins, significant in no bin before the
                        run, not mostly hot
intensifying   加剧     mostly hot, hot in the final bin, Gi* z rising (Mann-Kendall
                        significant at ``alpha``)
persistent     持续     mostly hot, hot in the final bin, no significant trend
diminishing    减弱     mostly hot, hot in the final bin, Gi* z falling significantly
sporadic       零星     hot in the final bin, on and off before, never cold, not mostly hot
oscillating    振荡     hot in the final bin, cold in some earlier bin, not mostly hot
historical     历史     mostly hot but not hot in the final bin
none           无模式   none of the above
=============  ======  =================================================================

Cold spots follow the same rules with hot and cold swapped (ArcGIS's cold-spot classes);
their codes are negative. A cell matching a hot and a cold pattern at once (historical one
way, a final-bin pattern the other) takes the final-bin pattern. Cells with no incident in
any bin are "none", as ArcGIS only analyses locations with at least one incident; they
still take part in their neighbours' Gi*. ArcGIS advises at least 10 bins.
"""

from __future__ import annotations

from typing import Literal, NamedTuple

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from .. import schema
from ..errors import SchemaError
from ..i18n import t
from ..indexing import cell_parents, cells_to_str
from ..schema import Choice
from .hotspots import _bh_reject, _parse_cells, getis_ord_gi_star, kring_weights, two_sided_p
from .incidents import IncidentTable

__all__ = [
    "SPOT_KINDS",
    "TREND_CLASSES",
    "MannKendall",
    "emerging_classes",
    "emerging_hotspots",
    "mann_kendall",
    "trend_label",
]

NONE, NEW, CONSECUTIVE, INTENSIFYING, PERSISTENT, DIMINISHING, SPORADIC, OSCILLATING = range(8)
HISTORICAL = 8

#: Trend classes indexed by ``abs(code)``; the sign of a code says hot (+) or cold (-).
TREND_CLASSES: tuple[Choice, ...] = (
    Choice("none", "无模式", "No pattern"),
    Choice("new", "新出现", "New"),
    Choice("consecutive", "连续", "Consecutive"),
    Choice("intensifying", "加剧", "Intensifying"),
    Choice("persistent", "持续", "Persistent"),
    Choice("diminishing", "减弱", "Diminishing"),
    Choice("sporadic", "零星", "Sporadic"),
    Choice("oscillating", "振荡", "Oscillating"),
    Choice("historical", "历史", "Historical"),
)
#: What a non-zero code is a pattern of.
SPOT_KINDS: dict[str, Choice] = {
    "hot": Choice("hot", "热点", "hot spot"),
    "cold": Choice("cold", "冷点", "cold spot"),
}


def trend_label(code: int, lang: str = "zh") -> str:
    """Display label of a signed trend code: pattern, then hot or cold spot.

    Examples
    --------
    >>> trend_label(-1, "en"), trend_label(3), trend_label(0, "en")
    ('New cold spot', '加剧热点', 'No pattern')
    """
    pattern = TREND_CLASSES[abs(int(code))].label(lang)
    if code == 0:
        return pattern
    kind = SPOT_KINDS["hot" if code > 0 else "cold"].label(lang)
    return t("trend.label", lang, pattern=pattern, kind=kind)


class MannKendall(NamedTuple):
    """Mann-Kendall trend test results, one entry per series."""

    s: NDArray[np.int64]  #: S = sum over i < j of sign(x_j - x_i)
    z: NDArray[np.float64]  #: normal score with continuity correction and tie correction
    p: NDArray[np.float64]  #: two-sided p-value


def mann_kendall(series: ArrayLike) -> MannKendall:
    r"""Mann-Kendall monotonic trend test, vectorised over rows.

    :math:`S = \sum_{i<j} \operatorname{sign}(x_j - x_i)`, with variance
    :math:`[n(n-1)(2n+5) - \sum_t t(t-1)(2t+5)] / 18` over groups of ``t`` tied values,
    :math:`z = (S - \operatorname{sign} S) / \sqrt{\operatorname{Var} S}` (continuity
    correction) and a two-sided normal p-value (Mann 1945; Kendall 1975; Hirsch & Slack
    1984). A series with no variation gets ``z = 0, p = 1``.

    Parameters
    ----------
    series
        ``(cells, bins)`` array, each row a series in time order; a 1-D array is one series
        and gives 0-d results.

    Returns
    -------
    MannKendall
        ``s``, ``z``, ``p``, each with one entry per row.

    Raises
    ------
    SchemaError
        If ``series`` is not 1-D or 2-D or holds NaN or infinity.

    Examples
    --------
    >>> r = mann_kendall([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
    >>> int(r.s), round(float(r.z), 3), bool(r.p < 0.001)
    (45, 3.935, True)
    """
    x = np.asarray(series, dtype=np.float64)
    if x.ndim not in (1, 2):
        raise SchemaError(f"series of shape {x.shape}; allowed: (bins,) or (cells, bins)")
    if not np.isfinite(x).all():
        raise SchemaError("series hold NaN or infinite entries; allowed: finite numbers")
    rows = x.reshape(int(np.prod(x.shape[:-1])), x.shape[-1])
    m, n = rows.shape
    s = np.zeros(m)
    # One pass per lag keeps memory at cells x bins instead of cells x bins^2 pairs.
    for lag in range(1, n):
        s += np.sign(rows[:, lag:] - rows[:, :-lag]).sum(axis=1)
    # Tie groups: runs of equal values in each sorted row; rows start new runs, so the
    # runs of the flattened array never straddle two rows.
    ties = np.zeros(m)
    if m and n:
        ordered = np.sort(rows, axis=1)
        starts = np.ones(ordered.shape, dtype=bool)
        starts[:, 1:] = ordered[:, 1:] != ordered[:, :-1]
        first = np.flatnonzero(starts.ravel())
        t = np.diff(np.append(first, m * n)).astype(np.float64)
        ties = np.bincount(first // n, weights=t * (t - 1) * (2 * t + 5), minlength=m).astype(
            np.float64
        )
    var = (n * (n - 1) * (2 * n + 5) - ties) / 18.0
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(var > 0, (s - np.sign(s)) / np.sqrt(var), 0.0)
    shape = x.shape[:-1]
    return MannKendall(
        s=np.rint(s).astype(np.int64).reshape(shape),
        z=z.reshape(shape),
        p=two_sided_p(z).reshape(shape),
    )


def _check_alpha(alpha: float) -> float:
    if not 0.0 < float(alpha) < 1.0:
        raise SchemaError(f"alpha={alpha!r}; allowed: a number in (0, 1)")
    return float(alpha)


def _patterns(
    mine: NDArray[np.bool_], other: NDArray[np.bool_], trend: MannKendall, alpha: float, sign: int
) -> NDArray[np.int8]:
    """Pattern codes (0..8) of one direction: ``mine`` hot bins (or cold with ``sign=-1``)."""
    n = mine.shape[1]
    n_mine = mine.sum(axis=1)
    n_sig = n_mine + other.sum(axis=1)
    # "At least 90 % of the bins", in integers so 9 of 10 is exactly enough.
    mostly = 10 * n_mine >= 9 * n
    last = mine[:, -1]
    # Length of the final uninterrupted run: position of the last non-hot bin from the end.
    run = np.where(mine.all(axis=1), n, np.argmin(mine[:, ::-1], axis=1))
    rising = (trend.p < alpha) & (sign * trend.z > 0)
    falling = (trend.p < alpha) & (sign * trend.z < 0)
    code = np.full(mine.shape[0], NONE, dtype=np.int8)
    recent = last & ~mostly
    # Later assignments refine earlier ones, so the order below is the precedence.
    code[recent] = SPORADIC
    code[recent & other.any(axis=1)] = OSCILLATING
    code[recent & (run >= 2) & (n_sig == run)] = CONSECUTIVE
    code[recent & (n_sig == 1)] = NEW
    code[last & mostly] = PERSISTENT
    code[last & mostly & rising] = INTENSIFYING
    code[last & mostly & falling] = DIMINISHING
    code[~last & mostly] = HISTORICAL
    return code


def _classify(
    counts: NDArray[np.float64],
    gi_z: NDArray[np.float64],
    trend: MannKendall,
    alpha: float,
    fdr: bool,
) -> tuple[NDArray[np.int8], NDArray[np.bool_], NDArray[np.bool_]]:
    p = two_sided_p(gi_z)
    significant = _bh_reject(p, alpha) if fdr else p < alpha
    hot = significant & (gi_z > 0)
    cold = significant & (gi_z < 0)
    hot_code = _patterns(hot, cold, trend, alpha, 1)
    cold_code = _patterns(cold, hot, trend, alpha, -1)
    # Both directions can match only when one is "historical": the final bin decides.
    use_cold = (cold_code != NONE) & ((hot_code == NONE) | (hot_code == HISTORICAL))
    code = np.where(use_cold, -cold_code, hot_code).astype(np.int8)
    code[counts.sum(axis=1) == 0] = NONE
    return code, hot, cold


def emerging_classes(
    counts: ArrayLike, gi_z_per_bin: ArrayLike, *, alpha: float = 0.05, fdr: bool = True
) -> NDArray[np.int8]:
    """Emerging hot/cold spot class of each cell (module docstring for the definitions).

    Parameters
    ----------
    counts
        ``(cells, bins)`` incident counts, bins in time order; used to leave cells with no
        incident at all unclassified.
    gi_z_per_bin
        ``(cells, bins)`` Gi* z-scores of ``counts``, one column per bin.
    alpha
        Significance level of each bin's Gi* (after FDR) and of the Mann-Kendall trend.
    fdr
        Benjamini-Hochberg correction of the Gi* p-values within each bin (default, as
        the static hot spot map does); ``False`` tests each p-value against ``alpha``.

    Returns
    -------
    numpy.ndarray
        ``int8`` codes: ``+c`` hot pattern ``TREND_CLASSES[c]``, ``-c`` the cold one,
        ``0`` none (labels: :func:`trend_label`).

    Raises
    ------
    SchemaError
        If the arrays are not 2-D of one shape, or ``alpha`` is outside (0, 1).

    Examples
    --------
    >>> z = np.array([[0.0, 0.0, 0.0, 5.0], [5.0, 5.0, 5.0, 5.0], [0.0, 0.0, 0.0, 0.0]])
    >>> [TREND_CLASSES[c].code for c in emerging_classes(np.ones((3, 4)), z, fdr=False)]
    ['new', 'persistent', 'none']
    """
    a = _check_alpha(alpha)
    c = np.asarray(counts, dtype=np.float64)
    z = np.asarray(gi_z_per_bin, dtype=np.float64)
    if c.ndim != 2 or c.shape != z.shape or c.shape[1] == 0:
        raise SchemaError(
            f"counts {c.shape} and gi_z_per_bin {z.shape} must both be (cells, bins), bins >= 1"
        )
    return _classify(c, z, mann_kendall(z), a, fdr)[0]


def _bin_index(occurred_s: NDArray[np.int64], bin: str) -> NDArray[np.int64]:
    if bin == "month":
        return occurred_s.astype("datetime64[s]").astype("datetime64[M]").astype(np.int64)
    # Weeks start on Monday: 1970-01-01 was a Thursday, three days after a Monday.
    return (occurred_s // 86_400 + 3) // 7


def emerging_hotspots(
    table: IncidentTable,
    idx: NDArray[np.int64],
    *,
    res: int,
    bin: Literal["week", "month"] = "month",
    k: int = 1,
    alpha: float = 0.05,
    cells: ArrayLike | None = None,
) -> pd.DataFrame:
    """Emerging hot spot classes of the selected incidents on H3 cells at ``res``.

    Builds the cell x bin count matrix with one ``bincount``, Gi* per bin with the same
    k-disk weights (:func:`~gridmap.analytics.hotspots.kring_weights`), the Mann-Kendall
    trend of each cell's Gi* z-scores and the classes of :func:`emerging_classes`.

    Parameters
    ----------
    table, idx
        Incidents and the positions selected (``gridmap.analytics.incidents.select``);
        incidents without a cell are left out.
    res
        H3 resolution of the analysis (parents of the stored res-11 cells).
    bin
        ``"week"`` (Monday to Sunday) or ``"month"``. Bins run from the bin of the first
        to that of the last selected incident, empty bins included; the first and last
        bins may be partial.
    k
        Neighbourhood radius in grid steps.
    alpha
        Significance level (per-bin Gi* after FDR, and the Mann-Kendall trend).
    cells
        Optional study-area cells at ``res`` counted as 0 where they have no incident
        (see :func:`gridmap.analytics.hotspots.hotspots`); all of resolution ``res``.

    Returns
    -------
    pandas.DataFrame
        One row per cell sorted by cell: ``cell`` (hex), ``trend_class`` (code in
        :data:`TREND_CLASSES`), ``spot`` (``"hot"``, ``"cold"`` or ``"none"``),
        ``trend_code`` (signed, :func:`trend_label`), ``mk_z``, ``mk_p`` (Mann-Kendall of
        the Gi* z-scores), ``hot_bins``, ``cold_bins`` (significant bins), ``last_z``
        (Gi* z of the final bin) and ``count`` (incidents over all bins).

    Raises
    ------
    SchemaError
        For a ``bin`` other than week/month, a bad ``res``, ``k`` or ``alpha``, or
        study-area cells of another resolution.
    """
    if bin not in ("week", "month"):
        raise SchemaError(f"bin={bin!r}; allowed: 'week', 'month'")
    a = _check_alpha(alpha)
    cell = table.cell[idx]
    when = table.occurred_s[idx]
    located = cell != 0
    cell, when = cell[located], when[located]
    if res != schema.POINT_RES:
        cell = cell_parents(cell, res)
    study = np.zeros(0, dtype=np.uint64)
    if cells is not None:
        study = _parse_cells(np.asarray(cells).ravel(), "cells")
        study = study[study != 0]
    # np.unique's inverse is an argsort of every incident (3 s for 9.7 M); a hash
    # factorisation sorted afterwards gives the same cells and positions in 0.2 s.
    inverse, all_cells = pd.factorize(np.concatenate([cell, study]), sort=True)
    inverse = inverse[: cell.size]
    n_cells = all_cells.size
    if n_cells == 0 or cell.size == 0:
        return _frame(all_cells, np.zeros((n_cells, 1)), np.zeros((n_cells, 1)), k, a)
    b = _bin_index(when, bin)
    b -= b.min()
    n_bins = int(b.max()) + 1
    matrix = np.bincount(inverse * n_bins + b, minlength=n_cells * n_bins)
    return _frame(all_cells, matrix.reshape(n_cells, n_bins).astype(np.float64), None, k, a)


def _frame(
    cells: NDArray[np.uint64],
    counts: NDArray[np.float64],
    gi_z: NDArray[np.float64] | None,
    k: int,
    alpha: float,
) -> pd.DataFrame:
    z = getis_ord_gi_star(counts, kring_weights(cells, k)) if gi_z is None else gi_z
    trend = mann_kendall(z)
    code, hot, cold = _classify(counts, z, trend, alpha, fdr=True)
    spot = np.where(code > 0, "hot", np.where(code < 0, "cold", "none"))
    names = np.array([c.code for c in TREND_CLASSES], dtype=object)
    return pd.DataFrame(
        {
            "cell": cells_to_str(cells),
            "trend_class": names[np.abs(code)],
            "spot": spot.astype(object),
            "trend_code": code,
            "mk_z": trend.z,
            "mk_p": trend.p,
            "hot_bins": hot.sum(axis=1).astype(np.int64),
            "cold_bins": cold.sum(axis=1).astype(np.int64),
            "last_z": z[:, -1],
            "count": counts.sum(axis=1).astype(np.int64),
        }
    )
