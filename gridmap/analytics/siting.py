"""Where to put the next N cameras: the maximal covering location problem (MCLP).

Demand points carry the risk nobody watches yet (risk weight x uncovered share, so the
existing online cameras are fixed: what they see is no longer demand). A new camera at a
candidate site covers the demand points within its range (a disc: a PTZ camera aimed on
site). Choose N sites to maximise covered demand.

* :func:`greedy_mclp` — lazy greedy (CELF): gains only fall as sites are added
  (submodularity), so a stale gain is an upper bound and most candidates are never
  re-evaluated. Guaranteed at least (1 - 1/e) of the optimum; in practice about 98-99 %.
* :func:`exact_mclp` — the MILP (PuLP + CBC) for N up to about 100; reports whether CBC
  proved optimality (it can stop at its time limit while PuLP still says "Optimal").

Array core, thin frame adapter (:func:`suggest_sites`), as in spopt.
"""

from __future__ import annotations

import heapq
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely
from numpy.typing import ArrayLike, NDArray
from scipy.sparse import csr_matrix
from scipy.spatial import cKDTree

from .. import schema
from ..errors import SchemaError

__all__ = [
    "DEFAULT_NEW_RANGE_M",
    "SitingProblem",
    "SitingSolution",
    "coverage_matrix",
    "exact_mclp",
    "gain_curve",
    "greedy_mclp",
    "read_candidates",
    "siting_problem",
    "solve_siting",
    "suggest_sites",
]

#: Range of a proposed camera, metres: a PTZ camera's useful range (its disc).
DEFAULT_NEW_RANGE_M = 100.0
#: Candidates generated from demand when none are imported: at most this many, the
#: res-11 cell centres of highest demand.
DEFAULT_MAX_CANDIDATES = 20_000


@dataclass(frozen=True)
class SitingSolution:
    """Chosen sites in the order they were added, with the gain each added.

    ``chosen[k]`` is a candidate position, ``gains[k]`` the demand it newly covers given
    ``chosen[:k]``; ``objective`` is their sum, ``total`` the demand any site can reach
    plus what none can. ``optimal`` is True only for a MILP that CBC proved optimal.
    """

    chosen: NDArray[np.int64]
    gains: NDArray[np.float64]
    objective: float
    total: float
    method: str
    optimal: bool
    seconds: float

    @property
    def curve(self) -> NDArray[np.float64]:
        """Cumulative share of the total demand covered after 1..N new cameras."""
        return np.cumsum(self.gains) / self.total if self.total > 0 else np.zeros(self.gains.size)


def coverage_matrix(sites_xy: ArrayLike, demand_xy: ArrayLike, radius_m: float) -> csr_matrix:
    """Sparse 0/1 matrix, sites x demand points: 1 where the point is within ``radius_m``.

    Coordinates in metres (a metric CRS), shape ``(n, 2)``.
    """
    if not radius_m > 0:
        raise SchemaError(f"radius_m={radius_m!r}; allowed: a positive number of metres")
    s = np.asarray(sites_xy, dtype=float).reshape(-1, 2)
    d = np.asarray(demand_xy, dtype=float).reshape(-1, 2)
    if s.shape[0] == 0 or d.shape[0] == 0:
        return csr_matrix((s.shape[0], d.shape[0]), dtype=np.int8)
    # sparse_distance_matrix is symmetric-free and vectorised in C: one call for all pairs.
    pairs = cKDTree(s).sparse_distance_matrix(cKDTree(d), radius_m, output_type="ndarray")
    m = csr_matrix(
        (np.ones(pairs.size, dtype=np.int8), (pairs["i"], pairs["j"])),
        shape=(s.shape[0], d.shape[0]),
    )
    # A point exactly at the site has distance 0, which the sparse result drops.
    zero = cKDTree(d).query_ball_point(s, 1e-9)
    extra = [(i, j) for i, js in enumerate(zero) for j in js]
    if extra:
        ii, jj = np.array(extra).T
        m = m + csr_matrix((np.ones(ii.size, dtype=np.int8), (ii, jj)), shape=m.shape)
    m.data[:] = 1
    m.sum_duplicates()
    m.data[:] = 1
    return m


def _check(matrix: csr_matrix, weights: ArrayLike, n: int) -> NDArray[np.float64]:
    w = np.asarray(weights, dtype=float).ravel()
    problems = []
    if w.size != matrix.shape[1]:
        problems.append(f"weights has {w.size} values for {matrix.shape[1]} demand points")
    elif (~np.isfinite(w) | (w < 0)).any():
        problems.append("weights must be finite and >= 0")
    if not (isinstance(n, int | np.integer) and n >= 0):
        problems.append(f"n={n!r} (allowed: an integer >= 0)")
    if problems:
        raise SchemaError("siting: " + "; ".join(problems))
    return w


def greedy_mclp(matrix: csr_matrix, weights: ArrayLike, n: int) -> SitingSolution:
    """Lazy greedy MCLP: add the site of largest marginal gain, ``n`` times.

    Ties go to the lower candidate position. Stops early when no site adds anything.

    Examples
    --------
    >>> A = csr_matrix(np.array([[1, 1, 0], [0, 1, 1], [0, 0, 1]]))
    >>> greedy_mclp(A, [1.0, 5.0, 2.0], 2).chosen.tolist()
    [1, 0]
    """
    t0 = time.perf_counter()
    w = _check(matrix, weights, n)
    a = csr_matrix(matrix)
    indptr, indices = a.indptr, a.indices
    gain0 = np.asarray(a @ w).ravel()
    covered = np.zeros(w.size, dtype=bool)
    heap = [(-float(g), int(j)) for j, g in enumerate(gain0) if g > 0]
    heapq.heapify(heap)
    chosen: list[int] = []
    gains: list[float] = []
    fresh = np.full(a.shape[0], -1, dtype=np.int64)  # round in which a gain was computed
    while heap and len(chosen) < n:
        neg, j = heapq.heappop(heap)
        if fresh[j] == len(chosen):
            chosen.append(j)
            gains.append(-neg)
            cols = indices[indptr[j] : indptr[j + 1]]
            covered[cols] = True
            continue
        cols = indices[indptr[j] : indptr[j + 1]]
        g = float(w[cols][~covered[cols]].sum())
        fresh[j] = len(chosen)
        if g > 0:
            heapq.heappush(heap, (-g, j))
    return SitingSolution(
        np.array(chosen, dtype=np.int64),
        np.array(gains, dtype=float),
        float(sum(gains)),
        float(w.sum()),
        "greedy",
        False,
        time.perf_counter() - t0,
    )


def exact_mclp(
    matrix: csr_matrix, weights: ArrayLike, n: int, *, time_limit_s: float = 120.0
) -> SitingSolution:
    """The MCLP solved as a MILP with PuLP/CBC.

    max sum_i w_i y_i  s.t.  y_i <= sum_{j covers i} x_j,  sum_j x_j <= n,  x binary,
    0 <= y_i <= 1 (integral at an optimum). The chosen sites are reported in greedy order
    of their gains, so the marginal-gain curve is comparable with :func:`greedy_mclp`.
    """
    import pulp

    t0 = time.perf_counter()
    w = _check(matrix, weights, n)
    a = csr_matrix(matrix)
    at = a.T.tocsr()
    useful = np.flatnonzero((np.asarray(a.sum(axis=0)).ravel() > 0) & (w > 0))
    prob = pulp.LpProblem("mclp", pulp.LpMaximize)
    # PuLP >= 3.3 attaches variables to the problem (the old constructor is deprecated).
    if hasattr(prob, "add_variable"):
        x = [prob.add_variable(f"x{j}", 0, 1, cat="Binary") for j in range(a.shape[0])]
        y = {int(i): prob.add_variable(f"y{i}", 0, 1) for i in useful}
    else:  # pragma: no cover - older PuLP
        x = [pulp.LpVariable(f"x{j}", cat="Binary") for j in range(a.shape[0])]
        y = {int(i): pulp.LpVariable(f"y{i}", lowBound=0, upBound=1) for i in useful}
    prob += pulp.lpSum(float(w[i]) * y[i] for i in y)
    for i, yi in y.items():
        sites = at.indices[at.indptr[i] : at.indptr[i + 1]]
        prob += yi <= pulp.lpSum(x[int(j)] for j in sites)
    prob += pulp.lpSum(x) <= int(n)
    cbc = pulp.COIN_CMD(msg=False, timeLimit=time_limit_s)
    if cbc.available():
        prob.solve(cbc)
    else:
        # The CBC bundled with PuLP (the only solver offline here) is deprecated in
        # favour of an installed one in PuLP 4; until then, use it quietly.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            prob.solve(pulp.PULP_CBC_CMD(msg=False, timeLimit=time_limit_s))
    # PuLP reports "Optimal" for a time-limited CBC run too; sol_status tells them apart.
    optimal = prob.sol_status == pulp.LpSolutionOptimal
    picked = [j for j, v in enumerate(x) if (v.value() or 0) > 0.5]
    order = greedy_mclp(a[picked], w, len(picked))
    chosen = np.array(picked, dtype=np.int64)[order.chosen]
    return SitingSolution(
        chosen,
        order.gains,
        order.objective,
        float(w.sum()),
        "exact",
        bool(optimal),
        time.perf_counter() - t0,
    )


@dataclass(frozen=True, eq=False)
class SitingProblem:
    """An MCLP instance built from a coverage result: demand points, candidates, matrix.

    Build it once (:func:`siting_problem`, a few seconds for a city), then solve it for any
    N and area (:func:`solve_siting`, milliseconds for the greedy).
    """

    matrix: csr_matrix
    demand: NDArray[np.float64]
    demand_grid: NDArray[np.object_]
    cand_id: NDArray[np.object_]
    cand_name: NDArray[np.object_]
    cand_lon: NDArray[np.float64]
    cand_lat: NDArray[np.float64]
    cand_grid: NDArray[np.object_]
    range_m: float
    source: str

    def candidates(self) -> gpd.GeoDataFrame:
        """Every candidate with its ``potential``: demand within range before any choice."""
        return gpd.GeoDataFrame(
            {
                schema.ID: self.cand_id,
                schema.NAME: self.cand_name,
                schema.LON: self.cand_lon,
                schema.LAT: self.cand_lat,
                schema.GRID_CODE: self.cand_grid,
                "potential": np.asarray(self.matrix @ self.demand).ravel(),
            },
            geometry=gpd.GeoSeries(shapely.points(self.cand_lon, self.cand_lat), crs=4326),
        )


def siting_problem(
    result: object,
    *,
    candidates: gpd.GeoDataFrame | None = None,
    range_m: float = DEFAULT_NEW_RANGE_M,
    max_candidates: int = DEFAULT_MAX_CANDIDATES,
) -> SitingProblem:
    """The MCLP of a :class:`~gridmap.analytics.coverage.CoverageResult`.

    Demand points are the children (one resolution finer) of the cells with uncovered risk,
    each weighing its share of the parent's risk x its own uncovered share (measured, not
    spread), so the existing online cameras stay fixed. Candidates are the imported points
    (poles, intersections, key-area entrances: EPSG:4326 points with optional
    ``id``/``name``) or, by default, the centres of the ``max_candidates`` demand points of
    highest demand. A candidate's grid is that of its nearest demand point.
    """
    from ..indexing import cell_children, cells_to_points, cells_to_polygons
    from .coverage import CoverageResult, measure_coverage

    if not isinstance(result, CoverageResult):
        raise SchemaError("siting needs a CoverageResult (analyse_coverage)")
    crs = pyproj.CRS(result.footprints.attrs["crs"])
    to_m = pyproj.Transformer.from_crs(4326, crs, always_xy=True)

    cells = result.cells
    need = cells[(cells["uncovered_risk"] > 0)]
    parent, kids = cell_children(need["cell"].to_numpy(np.uint64), result.settings.res + 1)
    kid_share = (
        measure_coverage(
            result.footprints,
            {"kids": cells_to_polygons(kids)},
            pixel_m=result.settings.pixel_m,
        )
        .zones["kids"]
        .share
    )
    # A parent's risk is shared by its children (7, or 6 under a pentagon).
    n_kids = np.bincount(parent, minlength=len(need))[parent]
    risk_kid = need["risk"].to_numpy(float)[parent] / np.maximum(n_kids, 1)
    demand = risk_kid * (1.0 - np.nan_to_num(kid_share, nan=0.0))
    lon, lat = cells_to_points(kids)
    dx, dy = to_m.transform(lon, lat)
    keep = demand > 0
    demand = demand[keep]
    dx, dy = np.asarray(dx)[keep], np.asarray(dy)[keep]
    kid_grid = need["grid_code"].to_numpy(object)[parent][keep]
    lon, lat = lon[keep], lat[keep]
    demand_xy = np.column_stack([dx, dy])

    if candidates is not None and len(candidates):
        if candidates.crs is None or candidates.crs.to_epsg() != 4326:
            raise SchemaError("candidates: expected points in EPSG:4326")
        pts = shapely.point_on_surface(np.asarray(candidates.geometry.to_numpy(), dtype=object))
        c_lon, c_lat = shapely.get_x(pts), shapely.get_y(pts)
        c_ids = (
            candidates[schema.ID].astype(str).to_numpy()
            if schema.ID in candidates
            else np.array([f"C{i + 1:05d}" for i in range(len(candidates))], dtype=object)
        )
        c_names = (
            candidates[schema.NAME].astype(str).to_numpy()
            if schema.NAME in candidates
            else np.full(len(candidates), "", dtype=object)
        )
        cx, cy = to_m.transform(c_lon, c_lat)
        source = "imported"
    else:
        top = np.argsort(-demand, kind="stable")[:max_candidates]
        c_lon, c_lat, cx, cy = lon[top], lat[top], dx[top], dy[top]
        c_ids = np.array([f"S{i + 1:05d}" for i in range(top.size)], dtype=object)
        c_names = np.full(top.size, "", dtype=object)
        source = "generated"
    c_xy = np.column_stack([np.asarray(cx, dtype=float), np.asarray(cy, dtype=float)])
    if demand.size and len(c_xy):
        c_grid = kid_grid[cKDTree(demand_xy).query(c_xy)[1]]
    else:
        c_grid = np.full(len(c_xy), None, dtype=object)
    return SitingProblem(
        coverage_matrix(c_xy, demand_xy, range_m),
        demand,
        kid_grid,
        np.asarray(c_ids, dtype=object),
        np.asarray(c_names, dtype=object),
        np.asarray(c_lon, dtype=float),
        np.asarray(c_lat, dtype=float),
        c_grid,
        float(range_m),
        source,
    )


def solve_siting(
    problem: SitingProblem,
    n: int,
    *,
    exact: bool = False,
    grid_codes: frozenset[str] | None = None,
    time_limit_s: float = 120.0,
) -> tuple[gpd.GeoDataFrame, SitingSolution]:
    """N new sites for a problem, optionally within some grids (demand and candidates).

    Returns the chosen sites in order (``rank``, ``id``, ``name``, ``lon``, ``lat``,
    ``gain``, ``cumulative_share`` of the unseen risk in the area, ``grid_code``,
    ``range_m``, ``source``; EPSG:4326 points) and the solution.
    """
    if not (isinstance(n, int | np.integer) and 0 <= n <= 5000):
        raise SchemaError(f"n={n!r}; allowed: an integer 0..5000")
    if exact and n > 100:
        raise SchemaError(f"exact siting for n={n}: allowed up to 100 (use the greedy)")
    a, demand = problem.matrix, problem.demand
    cand = np.arange(a.shape[0])
    if grid_codes is not None:
        dmask = np.isin(problem.demand_grid.astype(str), list(grid_codes))
        cand = np.flatnonzero(np.isin(problem.cand_grid.astype(str), list(grid_codes)))
        a = a[cand][:, dmask]
        demand = demand[dmask]
    if exact:
        sol = exact_mclp(a, demand, int(n), time_limit_s=time_limit_s)
    else:
        sol = greedy_mclp(a, demand, int(n))
    ch = cand[sol.chosen]
    sites = gpd.GeoDataFrame(
        {
            "rank": np.arange(1, ch.size + 1),
            schema.ID: problem.cand_id[ch],
            schema.NAME: problem.cand_name[ch],
            schema.LON: np.round(problem.cand_lon[ch], 6),
            schema.LAT: np.round(problem.cand_lat[ch], 6),
            "gain": sol.gains,
            "cumulative_share": sol.curve,
            schema.GRID_CODE: problem.cand_grid[ch],
            schema.RANGE_M: problem.range_m,
            "source": problem.source,
        },
        geometry=gpd.GeoSeries(
            shapely.points(problem.cand_lon[ch], problem.cand_lat[ch]), crs=4326
        ),
    )
    return sites, sol


def suggest_sites(
    result: object,
    n: int,
    *,
    candidates: gpd.GeoDataFrame | None = None,
    range_m: float = DEFAULT_NEW_RANGE_M,
    exact: bool = False,
    max_candidates: int = DEFAULT_MAX_CANDIDATES,
    time_limit_s: float = 120.0,
) -> tuple[gpd.GeoDataFrame, SitingSolution, gpd.GeoDataFrame]:
    """:func:`siting_problem` then :func:`solve_siting` for the whole city.

    Returns ``(sites, solution, candidates)``; see those functions.
    """
    if not (isinstance(n, int | np.integer) and 0 <= n <= 5000):
        raise SchemaError(f"n={n!r}; allowed: an integer 0..5000")
    if exact and n > 100:
        raise SchemaError(f"exact siting for n={n}: allowed up to 100 (use the greedy)")
    problem = siting_problem(
        result, candidates=candidates, range_m=range_m, max_candidates=max_candidates
    )
    sites, sol = solve_siting(problem, n, exact=exact, time_limit_s=time_limit_s)
    return sites, sol, problem.candidates()


_LON_NAMES = ("lon", "lng", "longitude", "x", "经度")
_LAT_NAMES = ("lat", "latitude", "y", "纬度")


def read_candidates(source: str | Path | bytes, *, name: str | None = None) -> gpd.GeoDataFrame:
    """Candidate sites (poles, intersections, entrances) from a file, as EPSG:4326 points.

    CSV: columns ``lon``/``lat`` (or 经度/纬度, lng, longitude, latitude, x, y) in WGS-84,
    optional ``id`` and ``name``. GeoJSON, GeoPackage and other vector files: their points
    (or the representative point of other shapes), converted to EPSG:4326 (no CRS: taken as
    WGS-84). ``source`` is a path or the file's bytes with its ``name``.

    Raises
    ------
    SchemaError
        For an unreadable file, a CSV without coordinate columns, or no usable point.
    """
    import io

    label = name or str(source if not isinstance(source, bytes) else "candidates")
    raw: Any = io.BytesIO(source) if isinstance(source, bytes) else source
    try:
        if label.lower().endswith((".csv", ".txt")):
            frame = pd.read_csv(raw, encoding="utf-8-sig")
            cols = {str(c).strip().lower(): c for c in frame.columns}
            lon = next((cols[c] for c in _LON_NAMES if c in cols), None)
            lat = next((cols[c] for c in _LAT_NAMES if c in cols), None)
            if lon is None or lat is None:
                raise SchemaError(
                    f"{label}: no coordinate columns; allowed: lon/lat (经度/纬度) in WGS-84"
                )
            for alias, canonical in (("编号", schema.ID), ("名称", schema.NAME)):
                if canonical not in frame and alias in frame:
                    frame = frame.rename(columns={alias: canonical})
            x = pd.to_numeric(frame[lon], errors="coerce")
            y = pd.to_numeric(frame[lat], errors="coerce")
            gdf = gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(x, y), crs=4326)
        else:
            gdf = gpd.read_file(raw)
            gdf = gdf.set_crs(4326) if gdf.crs is None else gdf.to_crs(4326)
    except SchemaError:
        raise
    except Exception as exc:
        raise SchemaError(f"{label}: cannot read candidate sites ({exc})") from None
    geoms = np.asarray(gdf.geometry.to_numpy(), dtype=object)
    ok = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    pts = geoms.copy()
    shaped = ok & (shapely.get_type_id(geoms) != 0)
    if shaped.any():
        pts[shaped] = shapely.point_on_surface(geoms[shaped])
    ok[ok] = np.isfinite(shapely.get_x(pts[ok])) & np.isfinite(shapely.get_y(pts[ok]))
    if not ok.any():
        raise SchemaError(f"{label}: no candidate site with valid coordinates")
    out = gdf[ok].copy()
    out = out.set_geometry(gpd.GeoSeries(pts[ok], index=out.index, crs=4326))
    return out.set_crs(4326, allow_override=True)


def gain_curve(sol: SitingSolution) -> pd.DataFrame:
    """The marginal-gain curve as a frame (k, gain, cumulative share)."""
    return pd.DataFrame(
        {"k": np.arange(1, sol.gains.size + 1), "gain": sol.gains, "cumulative_share": sol.curve}
    )
