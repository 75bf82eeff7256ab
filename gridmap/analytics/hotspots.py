"""Hot and cold spots of incident counts on H3 cells: Getis-Ord Gi* with FDR correction.

Method
------
Each cell's count is compared with the counts in its H3 k-disk (itself and the cells within
``k`` grid steps) by the Getis-Ord Gi* statistic (Getis & Ord 1992; Ord & Getis 1995), a
z-score: large positive values mean the cell and its neighbours together hold more
incidents than the city-wide mean predicts (a hot spot), large negative values fewer (a
cold spot). The z-scores are exactly those of ``esda.G_Local(y, w, star=True,
transform="B")``, computed from a sparse matrix in a few milliseconds.

Testing every cell at once makes false alarms certain among thousands of cells, so the
two-sided p-values are corrected with the Benjamini-Hochberg false discovery rate
(Benjamini & Hochberg 1995), like the FDR option of ArcGIS's Hot Spot Analysis;
cells are then classed hot/cold at 90/95/99 % confidence (:data:`HOTSPOT_CLASSES`).

Examples
--------
>>> import pandas as pd
>>> from gridmap.indexing import points_to_cells
>>> centre = points_to_cells([103.83], [36.06], 9)[0]
>>> hotspots(pd.DataFrame({"cell": [centre], "count": [3]})).columns.tolist()
['cell', 'count', 'z', 'p', 'hotspot_class']
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import scipy.sparse as sp
from numpy.typing import ArrayLike, NDArray
from scipy.special import ndtr

from ..errors import SchemaError
from ..indexing import cells_to_str, grid_disk_pairs, str_to_cells
from ..schema import Choice

__all__ = [
    "HOTSPOT_CLASSES",
    "fdr_classes",
    "getis_ord_gi_star",
    "hotspots",
    "kring_weights",
    "two_sided_p",
]

#: Hot spot classes by code: sign is hot (+) or cold (-), size the confidence level.
HOTSPOT_CLASSES: dict[int, Choice] = {
    3: Choice("hot_99", "热点 99%", "Hot spot 99%"),
    2: Choice("hot_95", "热点 95%", "Hot spot 95%"),
    1: Choice("hot_90", "热点 90%", "Hot spot 90%"),
    0: Choice("not_significant", "不显著", "Not significant"),
    -1: Choice("cold_90", "冷点 90%", "Cold spot 90%"),
    -2: Choice("cold_95", "冷点 95%", "Cold spot 95%"),
    -3: Choice("cold_99", "冷点 99%", "Cold spot 99%"),
}

_DEFAULT_ALPHAS = (0.10, 0.05, 0.01)


def kring_weights(cells: ArrayLike, k: int = 1) -> sp.csr_matrix:
    """Binary spatial weights of H3 cells: 1 between cells within ``k`` grid steps.

    Parameters
    ----------
    cells
        Distinct H3 cells (``uint64``) of one resolution; row and column ``i`` of the
        result is ``cells[i]``.
    k
        Neighbourhood radius in grid steps (``k=1``: the 6 adjacent cells).

    Returns
    -------
    scipy.sparse.csr_matrix
        ``n x n`` float64, symmetric, sorted indices. **The diagonal is 1** (a cell is in
        its own k-disk), which is the Gi* ("star") neighbourhood; subtract the identity for
        Gi or Moran's I. Only cells present in ``cells`` are neighbours: a cell whose ring
        falls outside the set (the study-area edge) simply has fewer of them.

    Raises
    ------
    SchemaError
        If ``k < 0`` or ``cells`` holds 0, repeated cells or cells of several
        resolutions.

    Examples
    --------
    >>> from gridmap.indexing import points_to_cells
    >>> c = points_to_cells([103.83], [36.06], 9)
    >>> kring_weights(c).toarray()
    array([[1.]])
    """
    c = np.asarray(cells, dtype=np.uint64).ravel()
    i, j = grid_disk_pairs(c, k)
    n = c.size
    # Pairs come sorted by (i, j), so CSR can be assembled directly without a COO sort.
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(i, minlength=n), out=indptr[1:])
    w = sp.csr_matrix((np.ones(i.size), j, indptr), shape=(n, n))
    w.has_sorted_indices = True
    return w


def getis_ord_gi_star(
    values: ArrayLike, weights: sp.csr_matrix | sp.csr_array
) -> NDArray[np.float64]:
    r"""Getis-Ord Gi* z-scores of ``values`` under binary weights with self included.

    With :math:`n` cells, mean :math:`\bar x`, population standard deviation :math:`s`
    and row sums :math:`W_i = \sum_j w_{ij}` (``w_ii = 1``):

    .. math::

        z_i = \frac{\sum_j w_{ij} x_j - \bar x W_i}
                   {s \sqrt{(n W_i - W_i^2) / (n - 1)}}

    (Ord & Getis 1995, eq. 14; the ArcGIS form). This is algebraically the ratio form
    ``(G_i - E[G_i]) / sqrt(V[G_i])`` that ``esda.G_Local(star=True, transform="B")``
    evaluates, and matches it to rounding (about 1e-14) for non-negative values; esda's
    ratio form flips sign when the mean is negative, this one does not.

    Parameters
    ----------
    values
        Shape ``(n,)``, or ``(n, m)`` for ``m`` variables at once (one column per time
        bin, say), each standardised on its own.
    weights
        ``n x n`` binary weights including the diagonal, as from :func:`kring_weights`.

    Returns
    -------
    numpy.ndarray
        z-scores shaped like ``values``. Where a column is constant (all zero, say) or a
        cell's neighbourhood is the whole set, Gi* is undefined; those z-scores are 0
        ("no evidence"), where esda returns NaN.

    Raises
    ------
    SchemaError
        If the shapes disagree or ``values`` holds NaN or infinity.

    Examples
    --------
    >>> import scipy.sparse as sp

    A chain of four cells, each its own and its adjacent cells' neighbour:

    >>> chain = np.eye(4) + np.eye(4, k=1) + np.eye(4, k=-1)
    >>> getis_ord_gi_star([6.0, 4.0, 1.0, 0.0], sp.csr_matrix(chain)).round(3)
    array([ 1.634,  1.153, -1.363, -1.634])
    """
    x = np.asarray(values, dtype=np.float64)
    if x.ndim not in (1, 2) or weights.shape != (x.shape[0], x.shape[0]):
        raise SchemaError(
            f"values of shape {x.shape} need n x n weights with n = len(values); "
            f"weights have shape {weights.shape}"
        )
    if not np.isfinite(x).all():
        raise SchemaError("values hold NaN or infinite entries; allowed: finite numbers")
    n = x.shape[0]
    if n == 0:
        return np.zeros(x.shape)
    col = x if x.ndim == 2 else x[:, None]
    mean = col.mean(axis=0)
    # Population variance as esda has it, E[x^2] - E[x]^2 (not the n-1 sample variance).
    sd = np.sqrt(np.maximum((col**2).mean(axis=0) - mean**2, 0.0))
    card = np.asarray(weights.sum(axis=1)).reshape(-1, 1)
    lag = np.asarray(weights @ col)
    spread = sd * np.sqrt((n * card - card**2) / max(n - 1, 1))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (lag - card * mean) / spread
    # Tiny spreads are rounding noise of a constant column, not real variation.
    undefined = ~(spread > 1e-12 * np.maximum(np.abs(mean), 1.0))
    z[undefined] = 0.0
    return z if x.ndim == 2 else z[:, 0]


def _check_alphas(alphas: Sequence[float]) -> tuple[float, ...]:
    levels = tuple(float(a) for a in alphas)
    if not levels or any(not 0.0 < a < 1.0 for a in levels) or len(set(levels)) != len(levels):
        raise SchemaError(f"alphas {tuple(alphas)!r}; allowed: distinct numbers in (0, 1)")
    return tuple(sorted(levels, reverse=True))


def _bh_reject(p: NDArray[np.float64], alpha: float) -> NDArray[np.bool_]:
    """Benjamini-Hochberg along axis 0: reject the smallest p-values up to the largest
    rank ``r`` with ``p_(r) <= r / m * alpha`` (NaN p-values are never rejected, not counted).
    """
    if p.shape[0] == 0:
        return np.zeros(p.shape, dtype=bool)
    m = np.isfinite(p).sum(axis=0)
    ordered = np.sort(np.where(np.isfinite(p), p, np.inf), axis=0)
    ranks = np.arange(1, p.shape[0] + 1).reshape(-1, *([1] * (p.ndim - 1)))
    passes = ordered <= ranks / np.maximum(m, 1) * alpha
    # The cut-off is the p-value at the largest passing rank (step-up rule).
    last = np.where(passes.any(axis=0), p.shape[0] - 1 - np.argmax(passes[::-1], axis=0), -1)
    cutoff = np.where(last >= 0, np.take_along_axis(ordered, np.maximum(last, 0)[None], 0)[0], -1)
    return np.isfinite(p) & (p <= cutoff)


def two_sided_p(z: ArrayLike) -> NDArray[np.float64]:
    """Two-sided normal p-values, ``2 * Phi(-|z|)`` (NaN stays NaN)."""
    return 2.0 * ndtr(-np.abs(np.asarray(z, dtype=np.float64)))


def fdr_classes(z: ArrayLike, *, alphas: Sequence[float] = _DEFAULT_ALPHAS) -> NDArray[np.int8]:
    """Hot/cold classes of z-scores after Benjamini-Hochberg FDR correction.

    Two-sided normal p-values are corrected over all cells (each column separately for a
    2-D input) at each level in ``alphas``; a cell's class is the number of levels at which
    it stays significant, signed by its z-score. With the default levels that is
    ``+3/+2/+1`` hot at 99/95/90 % confidence, ``-1/-2/-3`` cold, ``0`` not significant
    (labels in :data:`HOTSPOT_CLASSES`). BH rejections are nested across levels, so a
    cell significant at 1 % is also significant at 5 % and 10 %.

    Parameters
    ----------
    z
        z-scores, 1-D (cells) or 2-D (cells x bins); NaN gives class 0.
    alphas
        False discovery rates, one per confidence level.

    Returns
    -------
    numpy.ndarray
        ``int8`` classes shaped like ``z``.

    Examples
    --------
    >>> fdr_classes([4.0, 2.2, 0.3, -3.5]).tolist()
    [3, 2, 0, -3]
    """
    levels = _check_alphas(alphas)
    zz = np.asarray(z, dtype=np.float64)
    p = two_sided_p(zz)
    level = np.zeros(zz.shape, dtype=np.int8)
    for alpha in levels:
        level += _bh_reject(p, alpha).astype(np.int8)
    return (np.sign(np.nan_to_num(zz)).astype(np.int8) * level).astype(np.int8)


def _parse_cells(values: ArrayLike, name: str) -> NDArray[np.uint64]:
    arr = np.asarray(values)
    if arr.dtype.kind in "OUS":
        return str_to_cells(arr)
    if arr.dtype.kind == "i":
        # Stored cells are int64 (databases have no uint64); the bits are the same.
        return arr.astype(np.int64).view(np.uint64)
    if arr.dtype.kind == "u":
        return arr.astype(np.uint64)
    raise SchemaError(f"{name}: cells of dtype {arr.dtype}; allowed: uint64/int64 or hex strings")


def hotspots(
    table_counts: pd.DataFrame, *, k: int = 1, cells: ArrayLike | None = None
) -> pd.DataFrame:
    """Getis-Ord Gi* hot and cold spots of counts per H3 cell, FDR-corrected.

    Parameters
    ----------
    table_counts
        Columns ``cell`` (``uint64``/``int64`` or hex string, one resolution, each cell
        once) and ``count`` (non-negative), e.g. from
        :func:`gridmap.analytics.incidents.counts_by_cell`.
    k
        Neighbourhood radius in H3 grid steps (:func:`kring_weights`).
    cells
        Optional study area: cells that count as 0 where ``table_counts`` has no row. By
        default only the cells in ``table_counts`` are analysed, as ArcGIS analyses the
        locations with at least one incident; a study area with many empty cells makes
        busy places stand out more.

    Returns
    -------
    pandas.DataFrame
        One row per cell, sorted by cell: ``cell`` (hex string), ``count``, ``z``
        (:func:`getis_ord_gi_star`), ``p`` (two-sided, before FDR) and ``hotspot_class``
        (:func:`fdr_classes`, labels in :data:`HOTSPOT_CLASSES`).

    Raises
    ------
    SchemaError
        Listing every problem with the input: missing columns, invalid or repeated cells,
        negative or missing counts, a bad ``k``.
    """
    missing = [c for c in ("cell", "count") if c not in table_counts.columns]
    if missing:
        raise SchemaError(f"table_counts lacks column(s) {missing}; needs 'cell' and 'count'")
    given = _parse_cells(table_counts["cell"].to_numpy(), "table_counts['cell']")
    counts = pd.to_numeric(table_counts["count"], errors="coerce").to_numpy(dtype=np.float64)
    problems = []
    if not np.isfinite(counts).all() or (counts < 0).any():
        problems.append("'count' must be finite and >= 0")
    if (given == 0).any():
        problems.append("'cell' holds empty cells (0)")
    uniq = np.unique(given)
    if uniq.size != given.size:
        problems.append(f"'cell' repeats {given.size - uniq.size} cell(s); aggregate first")
    if problems:
        raise SchemaError("table_counts: " + "; ".join(problems))

    if cells is not None:
        study = _parse_cells(np.asarray(cells).ravel(), "cells")
        all_cells = np.union1d(uniq, study[study != 0])
    else:
        all_cells = uniq
    values = np.zeros(all_cells.size)
    values[np.searchsorted(all_cells, given)] = counts
    z = getis_ord_gi_star(values, kring_weights(all_cells, k))
    out_counts = values.astype(np.int64) if np.all(values == np.round(values)) else values
    return pd.DataFrame(
        {
            "cell": cells_to_str(all_cells),
            "count": out_counts,
            "z": z,
            "p": two_sided_p(z),
            "hotspot_class": fdr_classes(z),
        }
    )
