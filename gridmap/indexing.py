"""H3 indexing: the only module that knows H3 and its (lat, lng) argument order.

Everything outside this module passes ``(lon, lat)`` and receives cells as ``uint64``
arrays, with ``0`` meaning "no cell" (NaN or out-of-range coordinates).

Resolution convention
---------------------
Points are indexed once, at :data:`gridmap.schema.POINT_RES` (11). A point's cell at a
coarser display resolution ``r`` (7..10) is the **parent of its stored res-11 cell**, not
the cell found by indexing the point directly at ``r``. H3 cells do not nest exactly, so
about 6 % of points differ between the two; the parent convention is chosen because it is
consistent (counts at every resolution add up along the hierarchy) and costs a few
nanoseconds per point (bit operations, :func:`cell_parents`) instead of a re-index.

Polygons are indexed by centre containment at the requested resolution
(:func:`polygons_to_cells`); a polygon too small to contain any cell centre gets the cell
of its representative point, so that no grid vanishes from a hexagon map.

Examples
--------
>>> import numpy as np
>>> cells = points_to_cells(np.array([103.83]), np.array([36.06]))
>>> cells_to_str(cells)[0]
'8b24d2a9c12dfff'
>>> cells_to_str(cell_parents(cells, 9))[0]
'8924d2a9c13ffff'
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import shapely
from h3ronpy import ContainmentMode, cells_valid, change_resolution_paired, grid_disk
from h3ronpy.vector import (
    cells_to_coordinates,
    cells_to_wkb_polygons,
    coordinates_to_cells,
    wkb_to_cells,
)
from numpy.typing import ArrayLike, NDArray

from . import schema
from .errors import CrsError, SchemaError

__all__ = [
    "available_cores",
    "average_cell_area_m2",
    "cell_parents",
    "cells_to_str",
    "grid_disk_pairs",
    "points_to_cells",
    "polygons_to_cells",
    "polygons_to_covering_cells",
    "str_to_cells",
]

CellArray = NDArray[np.uint64]

# H3 index layout: 4 resolution bits at 52..55, then 15 digits of 3 bits, digit 15 lowest.
_RES_SHIFT = 52
_RES_MASK = np.uint64(0xF << _RES_SHIFT)
# Work per thread below which starting a thread costs more than it saves.
_POINTS_PER_THREAD = 100_000
_POLYGONS_PER_THREAD = 2_000
_DISKS_PER_THREAD = 50_000
_T = TypeVar("_T")


def _check_res(res: int) -> None:
    if not (isinstance(res, int | np.integer) and 0 <= res <= 15):
        raise SchemaError(f"H3 resolution {res!r}; allowed: an integer 0..15")


def available_cores() -> int:
    """Cores this process may run on (its CPU affinity, not the machine's count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def _chunked(n: int, min_chunk: int, func: Callable[[slice], _T]) -> list[_T]:
    """``func`` over consecutive slices of ``range(n)``, one per core when ``n`` is large.

    h3ronpy releases the GIL, so threads use every core with no copying or pickling.
    """
    threads = min(available_cores(), 8, max(1, n // min_chunk))
    if threads == 1:
        return [func(slice(0, n))]
    bounds = np.linspace(0, n, threads + 1).astype(int)
    chunks = [slice(a, b) for a, b in itertools.pairwise(bounds.tolist())]
    with ThreadPoolExecutor(max_workers=threads) as pool:
        return list(pool.map(func, chunks))


def points_to_cells(lon: ArrayLike, lat: ArrayLike, res: int = schema.POINT_RES) -> CellArray:
    """H3 cells of points, vectorised (h3ronpy, Rust).

    Parameters
    ----------
    lon, lat
        Coordinates in EPSG:4326 degrees.
    res
        H3 resolution, default :data:`gridmap.schema.POINT_RES`.

    Returns
    -------
    numpy.ndarray
        ``uint64`` cells; ``0`` where a coordinate is NaN, infinite or out of range.

    Notes
    -----
    The H3 arithmetic itself (about 0.5 us per point) is the floor; h3ronpy releases the
    GIL, so large inputs are split across the available cores.

    Examples
    --------
    >>> points_to_cells([103.83, float("nan")], [36.06, 36.06], 9)
    array([617640944305700863,                  0], dtype=uint64)
    """
    _check_res(res)
    lon_a = np.ascontiguousarray(lon, dtype=np.float64)
    lat_a = np.ascontiguousarray(lat, dtype=np.float64)
    if lon_a.shape != lat_a.shape:
        raise SchemaError(f"lon has shape {lon_a.shape} but lat has shape {lat_a.shape}")
    shape = lon_a.shape
    lon_a, lat_a = lon_a.ravel(), lat_a.ravel()
    # h3ronpy raises on NaN and silently wraps out-of-range values, so mask both first.
    ok = np.isfinite(lon_a) & np.isfinite(lat_a) & (np.abs(lat_a) <= 90) & (np.abs(lon_a) <= 180)
    all_ok = bool(ok.all())
    if not all_ok:
        lon_a = np.where(ok, lon_a, 0.0)
        lat_a = np.where(ok, lat_a, 0.0)

    def index(s: slice) -> CellArray:
        if s.start == s.stop:
            return np.zeros(0, dtype=np.uint64)
        return np.asarray(coordinates_to_cells(lat_a[s], lon_a[s], res), dtype=np.uint64)

    cells = np.concatenate(_chunked(lon_a.size, _POINTS_PER_THREAD, index))
    if not all_ok:
        cells[~ok] = 0
    return cells.reshape(shape)


def cell_parents(cells: ArrayLike, res: int) -> CellArray:
    """Parents of cells at a coarser resolution ``res``, by bit operations; 0 stays 0.

    Sets the resolution field and fills the digits below ``res`` with 7 ("unused"), which
    is exactly ``h3.cell_to_parent`` for valid cells.

    Raises
    ------
    SchemaError
        If ``res`` is finer than the resolution of any non-zero cell.

    Examples
    --------
    >>> import h3
    >>> c = h3.str_to_int("8b24d2a9c12dfff")
    >>> int(cell_parents([c, 0], 7)[0]) == h3.str_to_int(h3.cell_to_parent("8b24d2a9c12dfff", 7))
    True
    """
    _check_res(res)
    c = np.asarray(cells, dtype=np.uint64)
    nonzero = c != 0
    cell_res = (c >> np.uint64(_RES_SHIFT)) & np.uint64(0xF)
    if (nonzero & (cell_res < res)).any():
        finest = int(cell_res[nonzero].min())
        raise SchemaError(f"parent resolution {res} is finer than cells of resolution {finest}")
    low = np.uint64((1 << (3 * (15 - res))) - 1)
    parents = (c & ~_RES_MASK) | np.uint64(res << _RES_SHIFT) | low
    return np.where(nonzero, parents, np.uint64(0))


def cells_to_str(cells: ArrayLike) -> NDArray[np.object_]:
    """Hex strings of cells (the form pydeck's H3HexagonLayer takes); 0 gives ``"0"``.

    Examples
    --------
    >>> cells_to_str([0x8B24D2A9C12DFFF, 0]).tolist()
    ['8b24d2a9c12dfff', '0']
    """
    # A comprehension over ints beats h3ronpy.cells_to_string here (Arrow -> Python str
    # conversion dominates) and accepts 0.
    values = np.asarray(cells, dtype=np.uint64)
    out = np.empty(values.shape, dtype=object)
    out.ravel()[:] = [format(v, "x") for v in values.ravel().tolist()]
    return out


def str_to_cells(strings: ArrayLike) -> CellArray:
    """Cells from hex strings (the inverse of :func:`cells_to_str`); ``"0"``/``""`` give 0.

    Raises
    ------
    SchemaError
        Naming up to five strings that are not valid H3 cells.

    Examples
    --------
    >>> str_to_cells(["8b24d2a9c12dfff", "0"])
    array([626648143560368127,                  0], dtype=uint64)
    """
    values = np.asarray(strings, dtype=object)
    flat = values.ravel().tolist()
    parsed = np.zeros(len(flat), dtype=np.uint64)
    bad: list[str] = []
    for i, s in enumerate(flat):
        text = "" if s is None else str(s).strip()
        try:
            parsed[i] = int(text, 16) if text else 0
        except (ValueError, OverflowError):
            bad.append(repr(s))
    nonzero = parsed != 0
    if nonzero.any():
        # cells_valid keeps a valid cell and nulls an invalid one.
        invalid = np.asarray(pa.array(cells_valid(parsed[nonzero])).is_null())
        bad.extend(repr(flat[i]) for i in np.flatnonzero(nonzero)[invalid])
    if bad:
        shown = ", ".join(bad[:5]) + (", ..." if len(bad) > 5 else "")
        raise SchemaError(f"{len(bad)} value(s) are not H3 cells: {shown}")
    return parsed.reshape(values.shape)


def polygons_to_cells(geoms: gpd.GeoSeries, res: int) -> pd.DataFrame:
    """H3 cells covering polygons by centre containment, one row per (polygon, cell).

    Parameters
    ----------
    geoms
        Polygons or MultiPolygons (holes respected) in EPSG:4326; None or empty geometries
        give no rows.
    res
        H3 resolution.

    Returns
    -------
    pandas.DataFrame
        Columns ``geom_index`` (int64, position in ``geoms``) and ``cell`` (uint64), sorted
        by ``(geom_index, cell)``. A cell belongs to a polygon when its centre does; a
        non-empty polygon containing no centre gets the cell of its representative point,
        so every non-empty polygon has at least one row.

    Raises
    ------
    CrsError
        Unless ``geoms.crs`` is EPSG:4326.

    Examples
    --------
    >>> import shapely
    >>> tiny = gpd.GeoSeries([shapely.box(103.8, 36.0, 103.8001, 36.0001), None], crs=4326)
    >>> polygons_to_cells(tiny, 10)
       geom_index                cell
    0           0  622144500120780799
    """
    _check_res(res)
    if geoms.crs is None or geoms.crs.to_epsg() != 4326:
        found = "no CRS" if geoms.crs is None else geoms.crs.to_string()
        raise CrsError(f"polygons_to_cells needs EPSG:4326 geometries, found {found}")
    arr = np.asarray(geoms.to_numpy(), dtype=object)
    positions = np.flatnonzero(~(shapely.is_missing(arr) | shapely.is_empty(arr)))
    if positions.size == 0:
        return _cell_frame(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.uint64))

    wkb = pa.array(shapely.to_wkb(arr[positions]), type=pa.binary())

    def fill(s: slice) -> Any:
        part = wkb.slice(s.start, s.stop - s.start)
        return pa.array(wkb_to_cells(part, res, containment_mode=ContainmentMode.ContainsCentroid))

    lists: Any = pa.concat_arrays(_chunked(len(wkb), _POLYGONS_PER_THREAD, fill))
    counts = np.asarray(pc.fill_null(pc.list_value_length(lists), 0), dtype=np.int64)
    cells = np.asarray(lists.flatten(), dtype=np.uint64)
    geom_index = np.repeat(positions, counts)

    empty = positions[counts == 0]
    if empty.size:
        reps = shapely.point_on_surface(arr[empty])
        rep_cells = points_to_cells(shapely.get_x(reps), shapely.get_y(reps), res)
        geom_index = np.concatenate([geom_index, empty])
        cells = np.concatenate([cells, rep_cells])

    order = np.lexsort((cells, geom_index))
    geom_index, cells = geom_index[order], cells[order]
    # MultiPolygon parts never share a centre, but keep the output a set regardless.
    keep = np.ones(cells.size, dtype=bool)
    keep[1:] = (cells[1:] != cells[:-1]) | (geom_index[1:] != geom_index[:-1])
    keep &= cells != 0
    return _cell_frame(geom_index[keep].astype(np.int64), cells[keep])


def _cell_frame(geom_index: NDArray[np.int64], cells: CellArray) -> pd.DataFrame:
    return pd.DataFrame({"geom_index": geom_index, "cell": cells})


def grid_disk_pairs(cells: ArrayLike, k: int = 1) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Pairs of positions ``(i, j)`` with ``cells[j]`` within ``k`` grid steps of ``cells[i]``.

    Only cells present in ``cells`` count as neighbours: the k-disk of each cell (H3
    ``gridDisk``, h3ronpy, Rust) is looked up in the given set, so the result is the
    adjacency of the cell set itself, suitable for spatial weights.

    Parameters
    ----------
    cells
        Distinct, non-zero H3 cells (``uint64``), all of one resolution.
    k
        Grid distance, ``k >= 0``. The disk includes its centre, so every ``(i, i)`` pair
        is in the result (what Getis-Ord Gi* needs; drop ``i == j`` for Gi or Moran's I).

    Returns
    -------
    tuple of numpy.ndarray
        ``int64`` positions ``i`` and ``j`` into ``cells``, sorted by ``(i, j)``. The
        relation is symmetric (grid distance is), so ``(j, i)`` is present with ``(i, j)``.

    Raises
    ------
    SchemaError
        If ``k`` is negative, or ``cells`` holds 0, a repeated cell or cells of several
        resolutions.

    Examples
    --------
    Two adjacent cells in Lanzhou (about 170 m apart at resolution 9) and one in Xining:

    >>> cells = points_to_cells([103.830, 103.832, 101.78], [36.060, 36.0615, 36.62], 9)
    >>> i, j = grid_disk_pairs(cells, 1)
    >>> list(zip(i.tolist(), j.tolist()))
    [(0, 0), (0, 1), (1, 0), (1, 1), (2, 2)]
    """
    if not (isinstance(k, int | np.integer) and k >= 0):
        raise SchemaError(f"grid distance k={k!r}; allowed: an integer >= 0")
    c = np.ascontiguousarray(cells, dtype=np.uint64).ravel()
    n = c.size
    if n == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    order = np.argsort(c, kind="stable")
    ordered = c[order]
    problems = []
    if ordered[0] == 0:
        problems.append("0 (no cell)")
    repeated = ordered[1:][ordered[1:] == ordered[:-1]]
    if repeated.size:
        problems.append(f"repeated cell(s) {', '.join(format(v, 'x') for v in repeated[:5])}")
    res = (ordered[ordered != 0] >> np.uint64(_RES_SHIFT)) & np.uint64(0xF)
    if res.size and res.min() != res.max():
        # Disks of one resolution never contain cells of another: links would be lost.
        problems.append(f"cells of several resolutions {np.unique(res).tolist()}")
    if problems:
        found = "; ".join(problems)
        raise SchemaError(f"grid_disk_pairs needs distinct cells of one resolution; {found}")

    # Disks of cells in sorted order keep the binary searches below cache-friendly
    # (neighbouring cells have nearby ids); numpy's searchsorted releases the GIL, so it
    # runs in the same threads as h3ronpy.
    def disks(s: slice) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        lists: Any = pa.array(grid_disk(ordered[s], int(k), flatten=False))
        sizes = np.asarray(pc.fill_null(pc.list_value_length(lists), 0), dtype=np.int64)
        around = np.asarray(lists.flatten(), dtype=np.uint64)
        # Membership by binary search in the sorted set: cells outside it are not neighbours.
        pos = np.minimum(np.searchsorted(ordered, around), n - 1)
        found = ordered[pos] == around
        centre = np.repeat(order[s], sizes)
        return centre[found], order[pos[found]]

    parts = _chunked(n, _DISKS_PER_THREAD, disks)
    i = np.concatenate([p[0] for p in parts])
    j = np.concatenate([p[1] for p in parts])
    # One sort of a combined int64 key orders pairs by (i, j); keys are distinct.
    key = np.sort(i * n + j)
    return key // n, key % n


def polygons_to_covering_cells(geoms: gpd.GeoSeries, res: int) -> pd.DataFrame:
    """H3 cells whose hexagon intersects each polygon, one row per (polygon, cell).

    Unlike :func:`polygons_to_cells` (centre containment, each cell in one polygon), a cell
    on a shared border is listed for every polygon it touches with some area, so that the
    hexagons clipped to the polygons tile them without gaps (the unit layer of the
    rebalancer needs that).

    Returns
    -------
    pandas.DataFrame
        Columns ``geom_index`` (int64) and ``cell`` (uint64), sorted by both.

    Examples
    --------
    >>> import shapely
    >>> box = gpd.GeoSeries([shapely.box(103.8, 36.0, 103.81, 36.01)], crs=4326)
    >>> inner = polygons_to_cells(box, 9)
    >>> covering = polygons_to_covering_cells(box, 9)
    >>> len(covering) > len(inner)
    True
    """
    inner = polygons_to_cells(geoms, res)
    if not len(inner):
        return inner
    gi = inner["geom_index"].to_numpy()
    cells = inner["cell"].to_numpy()
    # Every hexagon touching a polygon is within one step of a hexagon whose centre it holds
    # (or of its representative-point cell), so the 1-disks are a complete candidate set.
    lists: Any = pa.array(grid_disk(cells, 1, flatten=False))
    sizes = np.asarray(pc.fill_null(pc.list_value_length(lists), 0), dtype=np.int64)
    cand = np.asarray(lists.flatten(), dtype=np.uint64)
    cgi = np.repeat(gi, sizes)
    key = np.unique(np.column_stack([cgi, cand.view(np.int64)]), axis=0)
    cgi, cand = key[:, 0], key[:, 1].view(np.uint64)
    arr = np.asarray(geoms.to_numpy(), dtype=object)
    hexes = np.asarray(cells_to_polygons(cand).to_numpy(), dtype=object)
    inter = shapely.intersection(arr[cgi], hexes)
    keep = ~shapely.is_empty(inter) & (shapely.area(inter) > 0)
    return _cell_frame(cgi[keep].astype(np.int64), cand[keep])


def cells_to_polygons(cells: ArrayLike) -> gpd.GeoSeries:
    """Hexagon (or pentagon) boundaries of cells as EPSG:4326 polygons, in input order.

    ``0`` gives None. Used to measure what share of a cell something covers; pages draw
    cells by id (H3HexagonLayer), which is far smaller to ship than polygons.

    Examples
    --------
    >>> polys = cells_to_polygons(points_to_cells([103.83], [36.06], 10))
    >>> len(shapely.get_coordinates(polys.iloc[0]))
    7
    """
    c = np.ascontiguousarray(cells, dtype=np.uint64).ravel()
    out = np.full(c.size, None, dtype=object)
    ok = c != 0
    if ok.any():
        wkb = pa.array(cells_to_wkb_polygons(c[ok]))
        out[ok] = shapely.from_wkb(np.asarray(wkb.to_numpy(zero_copy_only=False), dtype=object))
    return gpd.GeoSeries(out, crs=4326)


def cell_children(cells: ArrayLike, res: int) -> tuple[NDArray[np.int64], CellArray]:
    """Children of cells at a finer resolution ``res``: ``(position of parent, child)``.

    Sorted by parent position, then child. A res-``r`` cell has 7 ** (res - r) children
    (6 ** ... for the 12 pentagons' lineage).

    Examples
    --------
    >>> cell = points_to_cells([103.83], [36.06], 10)
    >>> parent, kids = cell_children(cell, 11)
    >>> parent.tolist(), int((cell_parents(kids, 10) == cell[0]).sum())
    ([0, 0, 0, 0, 0, 0, 0], 7)
    """
    _check_res(res)
    c = np.ascontiguousarray(cells, dtype=np.uint64).ravel()
    if c.size == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.uint64)
    batch: Any = change_resolution_paired(c, int(res))
    before = np.asarray(batch.column("cell_before"), dtype=np.uint64)
    after = np.asarray(batch.column("cell_after"), dtype=np.uint64)
    order = np.argsort(c, kind="stable")
    pos = order[np.searchsorted(c[order], before)]
    key = np.lexsort((after, pos))
    return pos[key].astype(np.int64), after[key]


def average_cell_area_m2(res: int) -> float:
    """Average area in m² of an H3 cell at ``res`` (H3's published table, not one cell's)."""
    import h3  # h3-py for this one table; the array work above is h3ronpy's

    _check_res(res)
    return float(h3.average_hexagon_area(res, unit="m^2"))


def cells_to_points(cells: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Centres of cells as ``(lon, lat)`` arrays in EPSG:4326 degrees; NaN for 0."""
    c = np.ascontiguousarray(cells, dtype=np.uint64).ravel()
    lon = np.full(c.size, np.nan)
    lat = np.full(c.size, np.nan)
    ok = c != 0
    if ok.any():
        batch: Any = cells_to_coordinates(c[ok])
        lat[ok] = np.asarray(batch.column("lat"), dtype=np.float64)
        lon[ok] = np.asarray(batch.column("lng"), dtype=np.float64)
    return lon, lat
