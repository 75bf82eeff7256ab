"""Nested partitions by clipped Voronoi diagrams, in metres.

Each level (streets in districts, communities in streets, grids in communities) is built
the same way: seeds inside each parent are spread by a few weighted Lloyd iterations over a
lattice of mass points, the parent is cut by the Voronoi diagram of its own seeds, stray
fragments (a Voronoi cell clipped by a concave parent falls apart) and slivers are merged
into the neighbour they share the longest border with, and the children are numbered in
reading order (north to south in bands, west to east within a band). At the end the finest
level is snapped into one exact coverage (:func:`clean_coverage`) and the coarser levels
are rebuilt as unions of it (:func:`union_groups`), so that every level nests exactly.

All of it is vectorised over every parent at once: seeds of different parents never meet
because each point only looks at the seeds of its own parent (a padded candidate table).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
Geoms = NDArray[np.object_]

# Points per chunk of the nearest-seed search; bounds memory at about chunk * kmax floats.
_CHUNK = 65_536


@dataclass(frozen=True)
class Lattice:
    """Mass points: position (m), mass (households) and area (km²) they stand for."""

    x: FloatArray
    y: FloatArray
    mass: FloatArray
    area_km2: float


def _group_table(group: IntArray, n_groups: int) -> IntArray:
    """(n_groups, kmax) table of member indices per group, padded with -1."""
    counts = np.bincount(group, minlength=n_groups)
    order = np.argsort(group, kind="stable")
    starts = np.cumsum(counts) - counts
    rank = np.arange(group.size) - starts[group[order]]
    table = np.full((n_groups, max(int(counts.max(initial=0)), 1)), -1, dtype=np.int64)
    table[group[order], rank] = order
    return table


def nearest_in_group(
    px: FloatArray,
    py: FloatArray,
    pgroup: IntArray,
    sx: FloatArray,
    sy: FloatArray,
    table: IntArray,
) -> IntArray:
    """Index of the nearest seed of the point's own group (-1 if the group has none)."""
    out = np.empty(px.size, dtype=np.int64)
    for lo in range(0, px.size, _CHUNK):
        sl = slice(lo, lo + _CHUNK)
        cand = table[pgroup[sl]]
        valid = cand >= 0
        c = np.where(valid, cand, 0)
        d2 = (px[sl, None] - sx[c]) ** 2 + (py[sl, None] - sy[c]) ** 2
        d2[~valid] = np.inf
        pick = np.argmin(d2, axis=1)
        best = c[np.arange(c.shape[0]), pick]
        out[sl] = np.where(valid.any(axis=1), best, -1)
    return out


def initial_seeds(
    weight: FloatArray, pgroup: IntArray, k: IntArray, rng: np.random.Generator
) -> IntArray:
    """Point indices of ``k[g]`` distinct seeds per group, drawn with probability ∝ weight.

    Gumbel-top-k: the k largest ``log(w) + Gumbel`` keys of a group are a weighted sample
    without replacement, for every group in one sort.
    """
    key = np.log(np.maximum(weight, 1e-300)) + rng.gumbel(size=weight.size)
    order = np.lexsort((-key, pgroup))
    g_sorted = pgroup[order]
    starts = np.searchsorted(g_sorted, np.arange(k.size))
    rank = np.arange(order.size) - starts[g_sorted]
    return np.sort(order[rank < k[g_sorted]])


def lloyd(
    px: FloatArray,
    py: FloatArray,
    weight: FloatArray,
    pgroup: IntArray,
    sx: FloatArray,
    sy: FloatArray,
    sgroup: IntArray,
    n_groups: int,
    *,
    iterations: int,
) -> tuple[FloatArray, FloatArray, IntArray]:
    """Weighted Lloyd iterations with every point restricted to its own group's seeds.

    Returns the moved seeds and each point's nearest seed after the last move. A seed
    without points keeps its place.
    """
    sx, sy = sx.copy(), sy.copy()
    table = _group_table(sgroup, n_groups)
    label = nearest_in_group(px, py, pgroup, sx, sy, table)
    for _ in range(iterations):
        mass = np.bincount(label, weight, minlength=sx.size)
        has = mass > 0
        sx[has] = np.bincount(label, weight * px, minlength=sx.size)[has] / mass[has]
        sy[has] = np.bincount(label, weight * py, minlength=sx.size)[has] / mass[has]
        label = nearest_in_group(px, py, pgroup, sx, sy, table)
    return sx, sy, label


def voronoi_cells(sx: FloatArray, sy: FloatArray, sgroup: IntArray, parents: Geoms) -> Geoms:
    """Voronoi cell of every seed among the seeds of its group, clipped to the group's parent.

    Parameters
    ----------
    sx, sy, sgroup
        Seeds and the parent (index into ``parents``) each belongs to.
    parents
        Parent polygons.

    Returns
    -------
    numpy.ndarray
        One polygonal geometry per seed (possibly empty or multi-part).
    """
    groups, compact = np.unique(sgroup, return_inverse=True)
    order = np.argsort(compact, kind="stable")
    mps = shapely.multipoints(np.column_stack([sx, sy])[order], indices=compact[order])
    diagrams = shapely.voronoi_polygons(mps, extend_to=parents[groups])
    parts, part_group = shapely.get_parts(diagrams, return_index=True)
    # Match cells to seeds by containment within the same group (robust to any output
    # order); a seed lies strictly inside its own Voronoi cell.
    tree = shapely.STRtree(parts)
    seed_idx, part_idx = tree.query(shapely.points(sx, sy), predicate="intersects")
    same = part_group[part_idx] == compact[seed_idx]
    seed_idx, part_idx = seed_idx[same], part_idx[same]
    cells = np.full(sx.size, None, dtype=object)
    cells[seed_idx] = parts[part_idx]
    cells[shapely.is_missing(cells)] = shapely.Polygon()
    return np.asarray(shapely.intersection(cells, parents[sgroup]), dtype=object)


def _polygons(geoms: Geoms) -> Geoms:
    """Keep the polygonal parts (an intersection can add stray lines or points)."""
    # Two levels: a collection may hold multipolygons.
    parts, idx = shapely.get_parts(geoms, return_index=True)
    parts, idx2 = shapely.get_parts(parts, return_index=True)
    idx = idx[idx2]
    keep = (shapely.get_type_id(parts) == 3) & (shapely.area(parts) > 0)
    out = np.full(geoms.size, shapely.Polygon(), dtype=object)
    shapely.multipolygons(parts[keep], indices=idx[keep], out=out)
    # A single part stays a Polygon.
    single = np.bincount(idx[keep], minlength=geoms.size) == 1
    out[single] = shapely.get_geometry(out[single], 0)
    return out


def merge_fragments(
    cells: Geoms, group: IntArray, sx: FloatArray, sy: FloatArray, *, min_area_m2: float
) -> tuple[Geoms, NDArray[np.bool_], list[tuple[shapely.Geometry, int]]]:
    """Give stray fragments and slivers to the same-group neighbour with the longest border.

    A cell's main part is the one holding its seed (else its largest). Other parts, and
    whole cells smaller than ``min_area_m2``, go to the neighbour of the same group that
    shares the longest border with them; with no such neighbour they stay where they are.

    Returns
    -------
    cells
        Merged geometries (a dropped seed keeps an empty polygon).
    alive
        False for seeds whose whole cell was given away.
    moves
        ``(fragment, new owner)`` pairs, so that points can be re-labelled.
    """
    cells = _polygons(np.asarray(cells, dtype=object))
    moves: list[tuple[shapely.Geometry, int]] = []
    for _ in range(4):  # a fragment surrounded by other fragments needs another pass
        parts, owner = shapely.get_parts(cells, return_index=True)
        if parts.size == 0:
            break
        area = shapely.area(parts)
        holds_seed = shapely.intersects_xy(parts, sx[owner], sy[owner])
        # Main part: the seed's, else the largest; ties broken by position.
        order = np.lexsort((-area, ~holds_seed, owner))
        first = np.ones(order.size, dtype=bool)
        first[1:] = owner[order][1:] != owner[order][:-1]
        is_main = np.zeros(parts.size, dtype=bool)
        is_main[order[first]] = True
        cell_area = np.bincount(owner, area, minlength=cells.size)
        sliver = is_main & (cell_area[owner] < min_area_m2)
        loose = np.flatnonzero(~is_main | sliver)
        if loose.size == 0:
            break
        keep = np.flatnonzero(is_main & ~sliver)
        tree = shapely.STRtree(parts[keep])
        li, kj = tree.query(parts[loose], predicate="intersects")
        cand_owner = owner[keep[kj]]
        ok = (group[cand_owner] == group[owner[loose[li]]]) & (cand_owner != owner[loose[li]])
        li, kj, cand_owner = li[ok], kj[ok], cand_owner[ok]
        shared = shapely.length(shapely.intersection(parts[loose[li]], parts[keep[kj]]))
        pick = np.lexsort((cand_owner, -shared, li))
        best = np.ones(pick.size, dtype=bool)
        best[1:] = li[pick][1:] != li[pick][:-1]
        pick = pick[best & (shared[pick] > 0)]
        if pick.size == 0:
            break
        new_owner = owner.copy()
        new_owner[loose[li[pick]]] = cand_owner[pick]
        moved = np.flatnonzero(new_owner != owner)
        moves.extend(zip(parts[moved].tolist(), new_owner[moved].tolist(), strict=True))
        cells = _union_by_owner(parts, new_owner, cells.size)
    alive = ~shapely.is_empty(cells)
    return cells, alive, moves


def _union_by_owner(parts: Geoms, owner: IntArray, n: int) -> Geoms:
    """Union of the parts of each owner; owners with one part keep it as is."""
    out = np.full(n, None, dtype=object)
    counts = np.bincount(owner, minlength=n)
    single = counts[owner] == 1
    out[owner[single]] = parts[single]
    multi = np.flatnonzero(counts > 1)
    order = np.argsort(owner, kind="stable")
    starts = np.cumsum(counts) - counts
    # The loop runs over the few owners that received or kept fragments.
    for o in multi.tolist():
        members = parts[order[starts[o] : starts[o] + counts[o]]]
        out[o] = shapely.union_all(members)
    out[shapely.is_missing(out)] = shapely.Polygon()
    return _polygons(out)


def relabel(
    px: FloatArray, py: FloatArray, label: IntArray, moves: list[tuple[shapely.Geometry, int]]
) -> IntArray:
    """Point labels after :func:`merge_fragments` moved fragments to other owners."""
    if not moves:
        return label
    label = label.copy()
    frags = np.asarray([m[0] for m in moves], dtype=object)
    owners = np.asarray([m[1] for m in moves], dtype=np.int64)
    tree = shapely.STRtree(frags)
    pt, fi = tree.query(shapely.points(px, py), predicate="intersects")
    # Later moves of the same area win, as they were applied later.
    order = np.lexsort((fi, pt))
    last = np.ones(order.size, dtype=bool)
    last[:-1] = pt[order][1:] != pt[order][:-1]
    label[pt[order][last]] = owners[fi[order][last]]
    return label


def clean_coverage(geoms: Geoms, block: IntArray, *, tolerance: float) -> Geoms:
    """Make a partition an exact polygonal coverage and remove degenerate spikes.

    Cells clipped in separate overlay operations can disagree by a few ulps where an edge
    of one is split by a vertex of its neighbour, and two nearly parallel boundaries (a
    Voronoi edge crossing a parent edge at a tiny angle) leave needle-thin spikes that
    can even self-intersect once reprojected. So: node all boundaries together and
    rebuild every cell from the resulting faces (neighbours then share their vertices
    exactly), then simplify the coverage's inner edges per ``block`` (a district), which
    removes the needles and keeps every block's outer boundary, and so the real district
    boundary, exactly as it was.

    Parameters
    ----------
    geoms
        Cells (metres) that tile their blocks up to rounding noise.
    block
        Block of each cell; blocks are simplified separately.
    tolerance
        Coverage simplification tolerance in metres (about the square root of the largest
        triangle area removed).
    """
    lines = shapely.union_all(shapely.boundary(geoms))
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(lines)))
    rep = shapely.point_on_surface(faces)
    tree = shapely.STRtree(geoms)
    fi, gi = tree.query(rep, predicate="within")
    order = np.lexsort((gi, fi))
    first = np.ones(order.size, dtype=bool)
    first[1:] = fi[order][1:] != fi[order][:-1]
    owner = np.full(faces.size, -1, dtype=np.int64)
    owner[fi[order][first]] = gi[order][first]
    # Rounding slivers between cells belong to no cell: give them to the nearest one.
    stray = np.flatnonzero((owner < 0) & (shapely.area(faces) < 1.0))
    if stray.size:
        si, gj = tree.query_nearest(rep[stray], all_matches=False)
        owner[stray[si]] = gj
    keep = owner >= 0
    cells = _union_by_owner(faces[keep], owner[keep], geoms.size)
    out = np.empty(geoms.size, dtype=object)
    for b in np.unique(block).tolist():
        rows = np.flatnonzero(block == b)
        out[rows] = shapely.coverage_simplify(cells[rows], tolerance, simplify_boundary=False)
    return out


def union_groups(geoms: Geoms, group: IntArray, n: int) -> Geoms:
    """Union of an exact coverage's cells per group 0..n-1 (one coverage union per group)."""
    order = np.argsort(group, kind="stable")
    counts = np.bincount(group, minlength=n)
    starts = np.cumsum(counts) - counts
    out = np.empty(n, dtype=object)
    for g in range(n):
        members = geoms[order[starts[g] : starts[g] + counts[g]]]
        out[g] = shapely.coverage_union_all(members) if members.size else shapely.Polygon()
    return _polygons(out)


def reading_rank(geoms: Geoms, group: IntArray, parents: Geoms) -> IntArray:
    """1-based number of each child in its parent: bands north→south, west→east in a band.

    The band height is the typical child size, sqrt(parent area / number of children), so
    that a band holds about one row of children.
    """
    rep = shapely.point_on_surface(geoms)
    x, y = shapely.get_x(rep), shapely.get_y(rep)
    n_children = np.bincount(group, minlength=parents.size)
    band_h = np.sqrt(shapely.area(parents)[group] / np.maximum(n_children[group], 1))
    top = shapely.bounds(parents)[group, 3]
    band = np.floor((top - y) / np.maximum(band_h, 1.0))
    order = np.lexsort((y, x, band, group))
    starts = np.cumsum(n_children) - n_children
    rank = np.empty(group.size, dtype=np.int64)
    rank[order] = np.arange(group.size) - starts[group[order]] + 1
    return rank


def sample_in(
    geoms: Geoms, owner: IntArray, rng: np.random.Generator, *, rounds: int = 60
) -> tuple[FloatArray, FloatArray]:
    """One uniform random point inside ``geoms[owner[i]]`` for each i (rejection sampling).

    ``geoms`` should be prepared. Points still missing after ``rounds`` tries (very thin
    polygons) take the polygon's representative point.
    """
    bounds = shapely.bounds(geoms)[owner]
    x = np.empty(owner.size)
    y = np.empty(owner.size)
    todo = np.arange(owner.size)
    for _ in range(rounds):
        if todo.size == 0:
            break
        b = bounds[todo]
        cx = b[:, 0] + rng.random(todo.size) * (b[:, 2] - b[:, 0])
        cy = b[:, 1] + rng.random(todo.size) * (b[:, 3] - b[:, 1])
        ok = shapely.contains_xy(geoms[owner[todo]], cx, cy)
        x[todo[ok]], y[todo[ok]] = cx[ok], cy[ok]
        todo = todo[~ok]
    if todo.size:
        rep = shapely.point_on_surface(geoms[owner[todo]])
        x[todo], y[todo] = shapely.get_x(rep), shapely.get_y(rep)
    return x, y
