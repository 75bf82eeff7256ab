"""Risk scores of grids and of H3 cells, with the counts behind them."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from ... import schema
from ...errors import SchemaError
from ...indexing import cell_parents, cells_to_str
from ..filters import previous_period
from ..incidents import (
    CATEGORY_CODES,
    HANDLING_CODES,
    IncidentFilter,
    IncidentTable,
)

if TYPE_CHECKING:
    from scipy.sparse import csr_matrix
from .settings import (
    _DEFAULT_SETTINGS,
    DAY_S,
    RiskSettings,
    _ratio,
    eb_rates,
    percentile_scores,
    weighted_counts,
)


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
    """The same filter over the period just before ``flt`` (环比 base).

    Whole calendar months compare with as many whole months before (October with
    September); any other window with the days of equal length just before it
    (:func:`gridmap.analytics.filters.previous_period`).
    """
    start, end = previous_period(flt.start, flt.end)
    return replace(flt, start=start, end=end)


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
