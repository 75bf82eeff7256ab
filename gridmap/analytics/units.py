"""The unit layer of rebalancing: atoms that move between grids, their adjacency, dissolving.

Units are the residential compounds / buildings of the workspace (``units`` layer). Stored
as points (the usual case: an address register), each becomes the Voronoi cell of its
point among the units of its own grid, clipped to that grid, so that a grid is exactly the
union of its units and a redrawn grid is the union of the units given to it. Stored as
polygons they are used as they are. Where no unit layer exists, fine H3 cells clipped to
the grids act as units, with the grid's households and population apportioned by area and
``estimate`` set (see :func:`cell_units`).

Adjacency is a shared boundary of positive length, measured in metres (a corner touch is
not adjacency: a grid joined at one point is not contiguous on foot). Lengths of shared
borders also give every dissolved grid's perimeter without a union
(``Σ unit perimeters − 2 · Σ inner borders``), which makes Polsby-Popper compactness of a
candidate plan a sum over the graph.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from numpy.typing import ArrayLike, NDArray
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from .. import schema
from ..crs import to_metric
from ..errors import SchemaError
from ..indexing import cells_to_polygons, cells_to_str, polygons_to_covering_cells

__all__ = [
    "UNIT_COLUMNS",
    "UnitGraph",
    "cell_units",
    "dissolve",
    "point_units",
    "polygon_units",
    "rebalance_units",
    "unit_graph",
]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

#: Columns of a unit layer built here (plus ``geometry``).
UNIT_COLUMNS = (
    schema.CODE,
    schema.GRID_CODE,
    "community",
    schema.HOUSEHOLDS,
    schema.POPULATION,
    "estimate",
)

# A shared border shorter than this (metres) is a corner touch or rounding noise.
_MIN_SHARED_M = 0.5
# Pieces smaller than this (m²) are clipping crumbs, not units.
_MIN_UNIT_M2 = 1.0


def _basic(grids: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    if grids.crs is None or grids.crs.to_epsg() != 4326:
        found = "no CRS" if grids.crs is None else grids.crs.to_string()
        raise SchemaError(f"grids: expected EPSG:4326, found {found}")
    grids = schema.basic_grids(grids)
    grids = grids[grids[schema.CODE].notna() & ~grids.geometry.is_empty & grids.geometry.notna()]
    if grids[schema.CODE].duplicated().any():
        dup = sorted(grids.loc[grids[schema.CODE].duplicated(), schema.CODE].astype(str))[:5]
        raise SchemaError(f"grids: duplicate codes {', '.join(dup)}; fix them before rebalancing")
    return grids.reset_index(drop=True)


def _community(grids: gpd.GeoDataFrame) -> NDArray[np.object_]:
    if schema.PARENT_CODE not in grids:
        return np.full(len(grids), "", dtype=object)
    return grids[schema.PARENT_CODE].astype("string").fillna("").to_numpy(dtype=object)


def _polygonal(geoms: NDArray[np.object_]) -> NDArray[np.object_]:
    """Keep only polygon parts (an intersection can add lines and points)."""
    parts, idx = shapely.get_parts(geoms, return_index=True)
    parts, idx2 = shapely.get_parts(parts, return_index=True)
    idx = idx[idx2]
    keep = (shapely.get_type_id(parts) == 3) & (shapely.area(parts) > 0)
    out = np.full(geoms.size, shapely.Polygon(), dtype=object)
    if keep.any():
        shapely.multipolygons(parts[keep], indices=idx[keep], out=out)
    single = np.bincount(idx[keep], minlength=geoms.size) == 1
    out[single] = shapely.get_geometry(out[single], 0)
    return out


def _metric_grids(
    grids: gpd.GeoDataFrame, units: gpd.GeoDataFrame
) -> tuple[gpd.GeoDataFrame, NDArray[np.object_], Any, NDArray[np.object_]]:
    """The basic grids, their codes, the metric CRS and their metric polygons; units must
    be in EPSG:4326."""
    grids = _basic(grids)
    if units.crs is None or units.crs.to_epsg() != 4326:
        found = "no CRS" if units.crs is None else units.crs.to_string()
        raise SchemaError(f"units: expected EPSG:4326, found {found}")
    metric_grids = to_metric(grids.geometry)
    gm = np.asarray(metric_grids.to_numpy(), dtype=object)
    return grids, grids[schema.CODE].astype(str).to_numpy(), metric_grids.crs, gm


def point_units(grids: gpd.GeoDataFrame, units: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Unit polygons from unit points: each unit's Voronoi cell in its grid, clipped to it.

    A unit belongs to the basic grid named in its ``grid_code`` when that grid exists,
    else to the grid containing its point. Units outside every basic grid are left out.
    A basic grid holding no unit becomes one unit of its own (code ``<grid>#all``) with
    the grid's households, so no grid and no household disappears from a plan.

    Returns
    -------
    geopandas.GeoDataFrame
        :data:`UNIT_COLUMNS` and polygon geometry, EPSG:4326, sorted by grid then code.
    """
    grids, gcodes, crs, gm = _metric_grids(grids, units)
    pts = gpd.GeoSeries(shapely.point_on_surface(units.geometry.to_numpy()), crs=4326)
    pts = pts.to_crs(crs)
    owner = _owner(units, gcodes, gm, np.asarray(pts.to_numpy(), dtype=object))
    ok = ~np.isnan(owner)
    owner_i = owner[ok].astype(np.int64)
    u = units[ok].reset_index(drop=True)
    x = np.asarray(shapely.get_x(pts.to_numpy()[ok]), dtype=np.float64)
    y = np.asarray(shapely.get_y(pts.to_numpy()[ok]), dtype=np.float64)
    # Co-located points would share one Voronoi cell: spread them by centimetres
    # (deterministic: by rank within the location).
    key = pd.DataFrame({"g": owner_i, "x": x.round(2), "y": y.round(2)})
    rank = key.groupby(["g", "x", "y"]).cumcount().to_numpy()
    x = x + 0.05 * rank
    # Built and clipped in metres: clipping nearly collinear edges in degrees can make
    # GEOS fall back to snapping and drop slivers along long grid edges.
    cells_m = _voronoi_in(x, y, owner_i, gm)
    single = np.bincount(owner_i, minlength=len(grids))[owner_i] == 1
    geoms = np.where(single, gm[owner_i], _polygonal(shapely.intersection(cells_m, gm[owner_i])))
    codes = u[schema.CODE].astype(str).to_numpy(dtype=object)
    frame = pd.DataFrame(
        {
            schema.CODE: codes,
            schema.GRID_CODE: gcodes[owner_i],
            "community": _community(grids)[owner_i],
            schema.HOUSEHOLDS: _ints(u, schema.HOUSEHOLDS),
            schema.POPULATION: _ints(u, schema.POPULATION),
            "estimate": False,
        }
    )
    empty = np.setdiff1d(np.arange(len(grids)), owner_i)
    if empty.size:
        whole = pd.DataFrame(
            {
                schema.CODE: [f"{c}#all" for c in gcodes[empty]],
                schema.GRID_CODE: gcodes[empty],
                "community": _community(grids)[empty],
                schema.HOUSEHOLDS: _ints(grids, schema.HOUSEHOLDS)[empty],
                schema.POPULATION: _ints(grids, schema.POPULATION)[empty],
                "estimate": False,
            }
        )
        frame = pd.concat([frame, whole], ignore_index=True)
        geoms = np.concatenate([geoms, gm[empty]])
        x = np.concatenate([x, np.full(empty.size, np.nan)])
        y = np.concatenate([y, np.full(empty.size, np.nan)])
    frame, geoms = _explode(frame, np.asarray(geoms, dtype=object), x, y)
    geoms = _exact_coverage(geoms)
    out = gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geoms, crs=crs).to_crs(4326))
    return out.sort_values([schema.GRID_CODE, schema.CODE], kind="stable").reset_index(drop=True)


def _exact_coverage(geoms: NDArray[np.object_]) -> NDArray[np.object_]:
    """Rebuild polygons that tile up to rounding noise into an exact coverage.

    Cells clipped in separate overlays can disagree by a few ulps — or, where GEOS falls
    back to snap-rounding on nearly collinear edges, by a centimetre — along a shared
    border, and grids dissolved from them would overlap by square metres. Noding all
    boundaries together and rebuilding every polygon from the resulting faces makes
    neighbours share their vertices exactly (each face goes to the polygon holding its
    interior point; faces inside none are gaps that were already there).
    """
    if geoms.size < 2:
        return geoms
    lines = shapely.union_all(shapely.boundary(geoms))
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(lines)))
    rep = shapely.point_on_surface(faces)
    tree = shapely.STRtree(geoms)
    fi, gi = tree.query(rep, predicate="within")
    first = np.unique(fi, return_index=True)[1]
    fi, gi = fi[first], gi[first]
    out = np.empty(geoms.size, dtype=object)
    order = np.argsort(gi, kind="stable")
    counts = np.bincount(gi, minlength=geoms.size)
    starts = np.cumsum(counts) - counts
    for g in range(geoms.size):
        mine = faces[fi[order[starts[g] : starts[g] + counts[g]]]]
        if mine.size == 0:
            out[g] = geoms[g]  # a polygon too thin to hold a face keeps its shape
        elif mine.size == 1:
            out[g] = mine[0]
        else:
            out[g] = shapely.coverage_union_all(mine)
    return _polygonal(out)


def _explode(
    frame: pd.DataFrame, geoms: NDArray[np.object_], x: FloatArray, y: FloatArray
) -> tuple[pd.DataFrame, NDArray[np.object_]]:
    """One row per polygon part: a Voronoi cell clipped by a concave grid can fall apart,
    and a unit in two pieces could leave a grid in two pieces when it moves.

    The part holding the unit's point (else the largest) keeps its code, households and
    population; the other parts become units ``<code>~2``, ``~3`` … with none — empty land
    that may join either neighbour.
    """
    parts, owner = shapely.get_parts(geoms, return_index=True)
    if parts.size == geoms.size:
        return frame, geoms
    area = shapely.area(parts)
    has_pt = shapely.intersects_xy(parts, x[owner], y[owner]) & ~np.isnan(x[owner])
    order = np.lexsort((-area, ~has_pt, owner))
    rank = np.empty(parts.size, dtype=np.int64)
    starts = np.searchsorted(owner[order], np.arange(geoms.size))
    rank[order] = np.arange(parts.size) - starts[owner[order]]
    out = frame.iloc[owner].reset_index(drop=True)
    extra = rank > 0
    # Empty crumbs (a Voronoi cell grazing a concave grid corner) are dropped: under a
    # square metre and without households, they would be units without a neighbour.
    crumb = extra & (area < _MIN_UNIT_M2)
    if crumb.any():
        out, parts, rank, extra = out[~crumb], parts[~crumb], rank[~crumb], extra[~crumb]
        out = out.reset_index(drop=True)
    out.loc[extra, schema.CODE] = [
        f"{c}~{r + 1}" for c, r in zip(out.loc[extra, schema.CODE], rank[extra], strict=True)
    ]
    for col in (schema.HOUSEHOLDS, schema.POPULATION):
        out.loc[extra, col] = 0
    return out, np.asarray(parts, dtype=object)


def _ints(frame: pd.DataFrame, col: str) -> IntArray:
    if col not in frame:
        return np.zeros(len(frame), dtype=np.int64)
    return pd.to_numeric(frame[col], errors="coerce").fillna(0).round().to_numpy(np.int64)


def _voronoi_in(
    x: FloatArray, y: FloatArray, owner: IntArray, parents: NDArray[np.object_]
) -> NDArray[np.object_]:
    """Voronoi cell of every point among the points of its own parent (reaching past the
    parent; the caller clips). A parent's only point gets the parent itself."""
    out = np.full(x.size, None, dtype=object)
    groups, compact = np.unique(owner, return_inverse=True)
    counts = np.bincount(compact)
    single = counts[compact] == 1
    out[single] = parents[owner[single]]
    multi = np.flatnonzero(counts > 1)
    if multi.size:
        # Points of groups with several points, renumbered 0..len(multi)-1 so that
        # multipoints() makes exactly one geometry per such group.
        renum = np.full(groups.size, -1, dtype=np.int64)
        renum[multi] = np.arange(multi.size)
        idx = np.flatnonzero(counts[compact] > 1)
        idx = idx[np.argsort(renum[compact[idx]], kind="stable")]
        mgroup = renum[compact[idx]]
        mps = shapely.multipoints(np.column_stack([x[idx], y[idx]]), indices=mgroup)
        # Reach well past the parent: the cells are clipped in another CRS, whose edges bend.
        reach = shapely.envelope(parents[groups[multi]])
        diagrams = shapely.voronoi_polygons(mps, extend_to=shapely.buffer(reach, 100.0))
        parts, part_group = shapely.get_parts(diagrams, return_index=True)
        tree = shapely.STRtree(parts)
        # A point lies inside its own cell of its own group's diagram.
        si, pi = tree.query(shapely.points(x[idx], y[idx]), predicate="intersects")
        same = part_group[pi] == mgroup[si]
        si, pi = si[same], pi[same]
        first = np.unique(si, return_index=True)[1]
        out[idx[si[first]]] = parts[pi[first]]
        missing = idx[shapely.is_missing(out[idx])]
        out[missing] = shapely.Polygon()
    return _polygonal(np.asarray(out, dtype=object))


def cell_units(grids: gpd.GeoDataFrame, *, res: int = 11) -> gpd.GeoDataFrame:
    """H3 cells clipped to the basic grids as units, households apportioned by area.

    Every hexagon touching a grid gives one unit per grid it touches (code
    ``<cell>@<grid>``), so the units tile each grid exactly. A grid's households and
    population are shared among its units in proportion to area and rounded by largest
    remainder, so the sums per grid are exact; ``estimate`` is True for all of them —
    they are an areal estimate, not a register.

    Parameters
    ----------
    res
        H3 resolution (10: ~15,000 m² per cell, 11: ~2,100 m²).
    """
    grids = _basic(grids)
    if not 7 <= res <= 13:
        raise SchemaError(f"res={res}; allowed 7..13 for cell units")
    cover = polygons_to_covering_cells(grids.geometry, res)
    gi = cover["geom_index"].to_numpy()
    cells = cover["cell"].to_numpy()
    gm = to_metric(grids.geometry)
    hexes = np.asarray(cells_to_polygons(cells).to_crs(gm.crs).to_numpy(), dtype=object)
    pieces = _polygonal(shapely.intersection(hexes, np.asarray(gm.to_numpy())[gi]))
    # A hexagon cut by a concave grid edge can fall apart; each piece is its own unit.
    pieces, src = shapely.get_parts(pieces, return_index=True)
    part_no = np.arange(src.size) - np.searchsorted(src, src)
    gi, cells = gi[src], cells[src]
    area = shapely.area(pieces)
    # Crumbs under a square metre (a hexagon corner grazing a grid) carry no households
    # worth counting and would be units without a neighbour; they are left out.
    keep = area >= _MIN_UNIT_M2
    gi, cells, pieces, area, part_no = (
        gi[keep],
        cells[keep],
        pieces[keep],
        area[keep],
        part_no[keep],
    )
    gcodes = grids[schema.CODE].astype(str).to_numpy()
    # Noded all together: pieces of one hexagon were clipped in separate overlays, and
    # neighbouring hexagons' shared vertices can differ by an ulp.
    pieces = _exact_coverage(np.asarray(pieces, dtype=object))
    share = area / np.bincount(gi, area, minlength=len(grids))[gi]
    hh = _apportion(_ints(grids, schema.HOUSEHOLDS), gi, share)
    pop = _apportion(_ints(grids, schema.POPULATION), gi, share)
    frame = pd.DataFrame(
        {
            schema.CODE: cells_to_str(cells)
            + "@"
            + gcodes[gi].astype(object)
            + np.where(part_no > 0, "~" + (part_no + 1).astype(str).astype(object), ""),
            schema.GRID_CODE: gcodes[gi],
            "community": _community(grids)[gi],
            schema.HOUSEHOLDS: hh,
            schema.POPULATION: pop,
            "estimate": True,
        }
    )
    out = gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(pieces, crs=gm.crs).to_crs(4326))
    return out.sort_values([schema.GRID_CODE, schema.CODE], kind="stable").reset_index(drop=True)


def _apportion(totals: IntArray, group: IntArray, share: FloatArray) -> IntArray:
    """Whole numbers per piece summing exactly to each group's total (largest remainder)."""
    raw = totals[group] * share
    base = np.floor(raw).astype(np.int64)
    short = totals - np.bincount(group, base, minlength=totals.size).astype(np.int64)
    frac = raw - base
    order = np.lexsort((-frac, group))
    starts = np.searchsorted(group[order], np.arange(totals.size))
    rank = np.arange(order.size) - starts[group[order]]
    bump = np.zeros(group.size, dtype=np.int64)
    bump[order] = (rank < short[group[order]]).astype(np.int64)
    return base + bump


def rebalance_units(
    grids: gpd.GeoDataFrame,
    units: gpd.GeoDataFrame | None = None,
    *,
    res: int = 11,
) -> gpd.GeoDataFrame:
    """The unit layer for rebalancing ``grids``: the given units, else estimated H3 cells.

    Point units become Voronoi polygons in their grid (:func:`point_units`), polygon units
    are kept and clipped to their grid; without units, :func:`cell_units` at ``res``.
    """
    if units is None or not len(units):
        return cell_units(grids, res=res)
    kinds = set(units.geometry.geom_type.dropna())
    if kinds <= {"Point", "MultiPoint"}:
        return point_units(grids, units)
    return polygon_units(grids, units)


def polygon_units(grids: gpd.GeoDataFrame, units: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Unit polygons as stored, clipped to their grid, plus the grid's land outside them.

    A unit belongs to the grid in its ``grid_code`` (else the grid holding its interior
    point) and is clipped to it: a unit never sticks out of its grid. The rest of each
    grid (roads, open land) becomes empty units ``<grid>#rest``, ``~2`` … so that the
    units still tile every grid and redrawn grids leave no gaps.
    """
    grids, gcodes, crs, gm = _metric_grids(grids, units)
    um = np.asarray(units.geometry.to_crs(crs).to_numpy(), dtype=object)
    rep = shapely.point_on_surface(um)
    owner = _owner(units, gcodes, gm, rep)
    ok = ~np.isnan(owner)
    owner_i = owner[ok].astype(np.int64)
    u = units[ok].reset_index(drop=True)
    clipped = _polygonal(shapely.intersection(um[ok], gm[owner_i]))
    frame = pd.DataFrame(
        {
            schema.CODE: u[schema.CODE].astype(str).to_numpy(dtype=object),
            schema.GRID_CODE: gcodes[owner_i],
            "community": _community(grids)[owner_i],
            schema.HOUSEHOLDS: _ints(u, schema.HOUSEHOLDS),
            schema.POPULATION: _ints(u, schema.POPULATION),
            "estimate": False,
        }
    )
    x = np.asarray(shapely.get_x(rep[ok]), dtype=np.float64)
    y = np.asarray(shapely.get_y(rep[ok]), dtype=np.float64)
    # What of each grid no unit covers; a grid without units keeps its households here.
    covered = np.full(len(grids), None, dtype=object)
    for g in np.unique(owner_i).tolist():
        covered[g] = shapely.union_all(clipped[owner_i == g])
    has = ~shapely.is_missing(covered)
    rest = gm.copy()
    rest[has] = shapely.difference(gm[has], covered[has])
    rest = _polygonal(rest)
    # Slivers under a square metre are rounding noise between units and grid edge.
    keep = ~shapely.is_empty(rest) & (shapely.area(rest) >= 1.0)
    gi = np.flatnonzero(keep)
    frame = pd.concat(
        [
            frame,
            pd.DataFrame(
                {
                    schema.CODE: [f"{c}#rest" for c in gcodes[gi]],
                    schema.GRID_CODE: gcodes[gi],
                    "community": _community(grids)[gi],
                    schema.HOUSEHOLDS: np.where(has[gi], 0, _ints(grids, schema.HOUSEHOLDS)[gi]),
                    schema.POPULATION: np.where(has[gi], 0, _ints(grids, schema.POPULATION)[gi]),
                    "estimate": False,
                }
            ),
        ],
        ignore_index=True,
    )
    all_geoms = np.concatenate([clipped, rest[gi]])
    x = np.concatenate([x, np.full(gi.size, np.nan)])
    y = np.concatenate([y, np.full(gi.size, np.nan)])
    frame, all_geoms = _explode(frame, np.asarray(all_geoms, dtype=object), x, y)
    all_geoms = _exact_coverage(all_geoms)
    out = gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(all_geoms, crs=crs).to_crs(4326))
    return out.sort_values([schema.GRID_CODE, schema.CODE], kind="stable").reset_index(drop=True)


def _owner(
    units: gpd.GeoDataFrame,
    gcodes: NDArray[np.object_],
    gm: NDArray[np.object_],
    rep: NDArray[np.object_],
) -> FloatArray:
    """Grid position of each unit: its ``grid_code`` when that grid exists, else the grid
    holding its point; NaN for units outside every grid."""
    pos = {c: i for i, c in enumerate(gcodes)}
    named = (
        units[schema.GRID_CODE].astype("string").fillna("").map(pos)
        if schema.GRID_CODE in units
        else pd.Series(np.nan, index=units.index)
    )
    owner: FloatArray = np.asarray(named.to_numpy(dtype=np.float64, na_value=np.nan))
    todo = np.flatnonzero(np.isnan(owner))
    if todo.size:
        tree = shapely.STRtree(gm)
        pi, gi = tree.query(rep[todo], predicate="within")
        first = np.unique(pi, return_index=True)[1]
        owner[todo[pi[first]]] = gi[first]
    return owner


# --- graph ----------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class UnitGraph:
    """Units with their measures and their adjacency (a symmetric CSR matrix).

    Attributes
    ----------
    units
        The unit layer (EPSG:4326), row ``i`` is node ``i``.
    households, population
        Per unit.
    load
        Weighted incidents a year per unit (household equivalents; 0 without incidents).
    area_m2, perimeter_m
        Per unit, in the metric CRS.
    indptr, indices, shared_m
        Adjacency in CSR form: the neighbours of ``i`` are
        ``indices[indptr[i]:indptr[i+1]]`` with shared border lengths ``shared_m``.
    """

    units: gpd.GeoDataFrame
    households: IntArray
    population: IntArray
    load: FloatArray
    area_m2: FloatArray
    perimeter_m: FloatArray
    indptr: IntArray
    indices: IntArray
    shared_m: FloatArray

    def __len__(self) -> int:
        return len(self.households)

    @cached_property
    def codes(self) -> NDArray[np.object_]:
        return self.units[schema.CODE].astype(str).to_numpy(dtype=object)

    @cached_property
    def position(self) -> dict[str, int]:
        return {c: i for i, c in enumerate(self.codes)}

    @cached_property
    def estimate(self) -> bool:
        return bool(self.units["estimate"].any()) if "estimate" in self.units else False

    def neighbours(self, i: int) -> IntArray:
        return self.indices[self.indptr[i] : self.indptr[i + 1]]

    @cached_property
    def edges(self) -> tuple[IntArray, IntArray, FloatArray]:
        """Each undirected edge once: ``(i, j, shared_m)`` with ``i < j``."""
        i = np.repeat(np.arange(len(self)), np.diff(self.indptr))
        keep = i < self.indices
        return i[keep], self.indices[keep], self.shared_m[keep]

    @cached_property
    def shared_matrix(self) -> sparse.csr_matrix:
        """Adjacency weighted by shared border length (metres)."""
        n = len(self)
        return sparse.csr_matrix((self.shared_m, self.indices, self.indptr), (n, n))

    @cached_property
    def matrix(self) -> sparse.csr_matrix:
        n = len(self)
        return sparse.csr_matrix((np.ones(self.indices.size), self.indices, self.indptr), (n, n))


def unit_graph(units: gpd.GeoDataFrame, *, load: ArrayLike | None = None) -> UnitGraph:
    """Measure units in metres and link those sharing a border of positive length.

    Parameters
    ----------
    units
        A unit layer (EPSG:4326) with ``households`` and ``population``.
    load
        Weighted incidents a year per unit, aligned with ``units`` (default 0).
    """
    if units.crs is None or units.crs.to_epsg() != 4326:
        found = "no CRS" if units.crs is None else units.crs.to_string()
        raise SchemaError(f"units: expected EPSG:4326, found {found}")
    units = units.reset_index(drop=True)
    metric = np.asarray(to_metric(units.geometry).to_numpy(), dtype=object)
    n = metric.size
    area = np.asarray(shapely.area(metric), dtype=np.float64)
    perim = np.asarray(shapely.length(metric), dtype=np.float64)
    bounds = np.asarray(shapely.boundary(metric), dtype=object)
    tree = shapely.STRtree(metric)
    # dwithin a few centimetres instead of intersects: neighbours clipped by separate
    # overlays can be apart by rounding noise along their common border.
    a, b = tree.query(metric, predicate="dwithin", distance=0.05)
    keep = a < b
    a, b = a[keep], b[keep]
    shared = _shared_length(bounds[a], bounds[b])
    ok = shared >= _MIN_SHARED_M
    a, b, shared = a[ok], b[ok], shared[ok]
    rows = np.concatenate([a, b])
    cols = np.concatenate([b, a])
    vals = np.concatenate([shared, shared])
    m = sparse.csr_matrix((vals, (rows, cols)), shape=(n, n))
    m.sort_indices()
    ld = np.zeros(n) if load is None else np.asarray(load, dtype=np.float64)
    if ld.shape != (n,):
        raise SchemaError(f"load: expected {n} values (one per unit), got {ld.shape}")
    return UnitGraph(
        units=units,
        households=_ints(units, schema.HOUSEHOLDS),
        population=_ints(units, schema.POPULATION),
        load=ld,
        area_m2=area,
        perimeter_m=perim,
        indptr=m.indptr.astype(np.int64),
        indices=m.indices.astype(np.int64),
        shared_m=np.asarray(m.data, dtype=np.float64),
    )


def _shared_length(a: NDArray[np.object_], b: NDArray[np.object_]) -> FloatArray:
    """Length of the common part of two boundaries, tolerant of rounding noise.

    Exact overlay first; where it finds (almost) nothing although the lines are within
    centimetres, the part of ``a`` within 5 cm of ``b`` is measured instead.
    """
    exact = np.asarray(shapely.length(shapely.intersection(a, b)), dtype=np.float64)
    retry = np.flatnonzero(exact < _MIN_SHARED_M)
    if retry.size:
        near = shapely.intersection(a[retry], shapely.buffer(b[retry], 0.05, quad_segs=1))
        # The buffer adds 5 cm at each end of the overlap.
        exact[retry] = np.maximum(np.asarray(shapely.length(near)) - 0.1, 0.0)
    return exact


def components(graph: UnitGraph, label: IntArray) -> IntArray:
    """Connected-component id of every unit within its own label (edges across labels cut)."""
    i, j, _ = graph.edges
    same = label[i] == label[j]
    n = len(graph)
    m = sparse.csr_matrix((np.ones(int(same.sum())), (i[same], j[same])), shape=(n, n))
    _, comp = connected_components(m, directed=False)
    return comp.astype(np.int64)


def dissolve(
    units: gpd.GeoDataFrame,
    label: ArrayLike,
    *,
    simplify_m: float = 0.0,
) -> gpd.GeoDataFrame:
    """Union of the units per label: clean grid polygons of a plan.

    Units tile their grids, so the union per label is a coverage union (no slivers, gaps
    or overlaps appear that were not in the units). ``simplify_m`` > 0 simplifies the
    result as a coverage (shared borders stay shared) for display.

    Returns
    -------
    geopandas.GeoDataFrame
        ``grid_code``, ``households``, ``population``, ``n_units`` and geometry, EPSG:4326,
        one row per distinct label, sorted.
    """
    lab = np.asarray(label, dtype=object)
    if lab.shape != (len(units),):
        raise SchemaError(f"label: expected {len(units)} values (one per unit), got {lab.shape}")
    if units.crs is None or units.crs.to_epsg() != 4326:
        raise SchemaError("units: expected EPSG:4326")
    # Union in the stored CRS, without snapping or reprojecting: neighbouring units share
    # their vertices exactly (they were cut from one coverage and reprojected vertex by
    # vertex), so the union only removes shared edges; a round trip through metres could
    # turn a near-touch into a self-intersection.
    geoms = np.asarray(units.geometry.to_numpy(), dtype=object)
    codes, inv = np.unique(lab.astype(str), return_inverse=True)
    out_geoms = np.empty(codes.size, dtype=object)
    order = np.argsort(inv, kind="stable")
    counts = np.bincount(inv, minlength=codes.size)
    starts = np.cumsum(counts) - counts
    for g in range(codes.size):
        members = geoms[order[starts[g] : starts[g] + counts[g]]]
        out_geoms[g] = members[0] if members.size == 1 else shapely.union_all(members)
    out_geoms = _polygonal(out_geoms)
    # Holes under ~10 m² are rounding gaps between units, not courtyards.
    lat = np.nan_to_num(shapely.get_y(shapely.centroid(out_geoms)), nan=0.0)
    min_deg2 = 10.0 / (111_320.0**2 * np.maximum(np.cos(np.radians(lat)), 0.1))
    out_geoms = np.asarray(
        [_fill_small_holes(g, float(t)) for g, t in zip(out_geoms, min_deg2, strict=True)],
        dtype=object,
    )
    if simplify_m > 0:
        # Simplified as one coverage in metres, so shared borders stay shared.
        metric = to_metric(gpd.GeoSeries(out_geoms, crs=4326))
        simple = shapely.coverage_simplify(metric.to_numpy(), simplify_m, simplify_boundary=False)
        out_geoms = np.asarray(
            gpd.GeoSeries(simple, crs=metric.crs).to_crs(4326).to_numpy(), dtype=object
        )
    frame = pd.DataFrame(
        {
            schema.GRID_CODE: codes,
            schema.HOUSEHOLDS: np.bincount(inv, _ints(units, schema.HOUSEHOLDS)).astype(np.int64),
            schema.POPULATION: np.bincount(inv, _ints(units, schema.POPULATION)).astype(np.int64),
            "n_units": counts,
        }
    )
    deg = np.asarray(out_geoms, dtype=object)
    bad = ~shapely.is_valid(deg)
    if bad.any():
        deg[bad] = _polygonal(shapely.make_valid(deg[bad]))
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(deg, crs=4326))


def _fill_small_holes(geom: shapely.Geometry, min_area: float) -> shapely.Geometry:
    """Drop holes smaller than ``min_area`` (in the geometry's own units)."""
    polys = shapely.get_parts(geom)
    if polys.size == 0:
        return geom
    fixed = []
    for p in polys:
        holes = [r for r in p.interiors if shapely.Polygon(r).area >= min_area]
        fixed.append(shapely.Polygon(p.exterior, holes))
    return fixed[0] if len(fixed) == 1 else shapely.MultiPolygon(fixed)
