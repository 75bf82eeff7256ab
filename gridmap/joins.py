"""Point -> grid assignment: the exact answer of a point-in-polygon join, several times faster.

Rule
----
A point belongs to the grids whose *closed* polygon covers it (shapely ``intersects`` for a
point: the boundary is included). When several do (a point on a border shared by two grids,
on a corner shared by four, or inside an overlap of two faulty grids) the grid whose code is
**smallest in string order** wins. A point in no grid, or with a NaN coordinate, gets -1
(``None`` from :func:`assign_codes`). So every point lands in at most one grid, and the
answer equals ``geopandas.sjoin(points, grids, predicate="intersects")`` followed by keeping
the smallest code per point.

Callers pass *basic* grids (基础网格), which tile the city without overlapping; professional
grids overlap basic ones by design and are joined separately. Overlapping input still gets
the rule's answer, only more slowly.

How
---
:func:`build_grid_lookup` draws the grids into an id raster in lon/lat degrees of about
``pixel_m`` metres per pixel. A pixel holds the position of the grid containing the pixel's
centre (a winding-number scanline fill at pixel centres, in numpy), or -1. Then these
pixels are marked -2, "border":

* every pixel whose closed square lies within 1e-6 pixel of a ring segment. This is done
  here rather than with GDAL's ``all_touched``, which misses a pixel when a segment only
  ends on its edge; the margin absorbs the rounding of the lon/lat -> pixel arithmetic;
* pixels whose centre more than one grid covers (overlaps; a pixel two grids share without
  any boundary in it is wholly inside both, so its centre is covered twice);
* the bounding box of any invalid or non-polygonal geometry.

A pixel left unmarked contains no boundary point, so it lies wholly inside one grid or
wholly outside all of them, and its centre's answer is the answer for every point in it.
:func:`assign_points` reads the raster for all points at once; points outside the raster
(which reaches two pixels beyond every grid) are in no grid, and the few points in border
pixels get the exact test: STRtree bounding-box candidates, shapely ``intersects_xy`` (the
closed point-in-polygon test of ``intersects``) and the smallest-code rule.

Limits: the raster is capped at :data:`MAX_PIXELS` (80 MB as int16 for fewer than 32,767
grids), growing the pixel beyond ``pixel_m`` for very large areas, which only sends more
points to the exact test. Building costs about 1 s for 20,000 grids over 1,000 km².
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from numpy.typing import ArrayLike, NDArray

from .errors import CrsError, SchemaError

__all__ = [
    "MAX_PIXELS",
    "GridLookup",
    "assign_codes",
    "assign_points",
    "build_grid_lookup",
    "match_grid_labels",
    "ragged_range",
]

log = logging.getLogger(__name__)

#: Raster size cap: 40M int16 pixels are 80 MB; for a larger area the pixel grows instead.
MAX_PIXELS = 40_000_000
_NONE = -1
_BORDER = -2
_M_PER_DEG_LAT = 111_320.0
# Padding in pixels around the data, so that the marking around every boundary fits.
_PAD = 2
_MIN_PIXELS = 100  # leaves room for the padding
# Border margin in pixels: far above the rounding of the pixel arithmetic (about 1e-11
# pixel for rasters of 10^4 pixels a side), far below a pixel.
_EPS = 1e-6
# Bounds the temporary arrays of the vectorised marking (a few entries per segment).
_SEGMENTS_PER_CHUNK = 250_000

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]


@dataclass(frozen=True, eq=False)
class GridLookup:
    """A prepared point -> grid lookup; build it with :func:`build_grid_lookup`.

    Attributes
    ----------
    codes
        Grid codes in input order (object array); positions index into it.
    geometries
        Grid geometries in input order (shapely array, EPSG:4326).
    raster
        Id raster, row 0 at the north: a grid position, -1 (no grid) or -2 (border).
    x0, y0
        Longitude of the west edge and latitude of the north edge of the raster.
    dx, dy
        Pixel width and height in degrees (``dx = dy / cos(latitude)``).
    rank
        ``rank[pos]`` is the position of ``codes[pos]`` in string order (the tie-break).
    tree
        STRtree over ``geometries`` for the exact test.
    """

    codes: NDArray[np.object_] = field(repr=False)
    geometries: NDArray[np.object_] = field(repr=False)
    raster: NDArray[np.signedinteger[Any]] = field(repr=False)
    x0: float
    y0: float
    dx: float
    dy: float
    rank: IntArray = field(repr=False)
    tree: shapely.STRtree = field(repr=False)

    @property
    def shape(self) -> tuple[int, int]:
        """Raster ``(rows, columns)``."""
        return (int(self.raster.shape[0]), int(self.raster.shape[1]))


# --- building -------------------------------------------------------------------------------
def _validate(grids: gpd.GeoDataFrame, code_col: str, pixel_m: float, max_pixels: int) -> None:
    if grids.crs is None or grids.crs.to_epsg() != 4326:
        found = "no CRS" if grids.crs is None else grids.crs.to_string()
        raise CrsError(f"build_grid_lookup needs grids in EPSG:4326, found {found}")
    problems = []
    if not (isinstance(pixel_m, int | float) and math.isfinite(pixel_m) and pixel_m > 0):
        problems.append(f"pixel_m={pixel_m!r} (must be a positive number of metres)")
    if not max_pixels >= _MIN_PIXELS:
        problems.append(f"max_pixels={max_pixels!r} (must be >= {_MIN_PIXELS})")
    if code_col not in grids.columns:
        problems.append(f"no column {code_col!r} (columns: {', '.join(map(str, grids.columns))})")
    else:
        codes = grids[code_col]
        if codes.isna().any():
            problems.append(f"{int(codes.isna().sum())} grid(s) without a {code_col}")
        dup = codes[codes.duplicated() & codes.notna()].astype(str).unique()
        if len(dup):
            problems.append(f"duplicate {code_col} values: {', '.join(dup[:5])}")
    if problems:
        raise SchemaError("cannot build a grid lookup: " + "; ".join(problems))


def build_grid_lookup(
    grids: gpd.GeoDataFrame,
    *,
    code_col: str = "code",
    pixel_m: float = 5.0,
    max_pixels: int = MAX_PIXELS,
) -> GridLookup:
    """Prepare basic grids for fast, exact point assignment.

    Parameters
    ----------
    grids
        Basic (non-overlapping) grids in EPSG:4326 with unique, non-null codes. None or
        empty geometries keep their position but never match.
    code_col
        Column holding the grid code.
    pixel_m
        Target pixel size in metres; smaller pixels send fewer points to the exact test.
    max_pixels
        Raster size cap; for a larger area the pixel grows until the raster fits.

    Returns
    -------
    GridLookup

    Raises
    ------
    CrsError
        Unless ``grids.crs`` is EPSG:4326.
    SchemaError
        For a missing code column, null or duplicate codes, or a bad ``pixel_m``.

    Examples
    --------
    >>> import shapely
    >>> grids = gpd.GeoDataFrame(
    ...     {"code": ["B", "A"]},
    ...     geometry=[shapely.box(103.80, 36.0, 103.81, 36.01),
    ...               shapely.box(103.81, 36.0, 103.82, 36.01)],
    ...     crs=4326,
    ... )
    >>> lookup = build_grid_lookup(grids)
    >>> assign_codes(lookup, [103.805, 103.81, 103.9], [36.005, 36.005, 36.005]).tolist()
    ['B', 'A', None]
    """
    _validate(grids, code_col, pixel_m, max_pixels)
    codes = np.asarray(grids[code_col].to_numpy(), dtype=object)
    geoms = np.asarray(grids.geometry.to_numpy(), dtype=object)
    n = len(codes)
    rank = np.empty(n, dtype=np.int64)
    rank[np.argsort(codes.astype(str), kind="stable")] = np.arange(n)
    tree = shapely.STRtree(geoms)

    present = np.flatnonzero(~(shapely.is_missing(geoms) | shapely.is_empty(geoms)))
    if present.size == 0:
        empty = np.full((1, 1), _NONE, dtype=np.int16)
        return GridLookup(codes, geoms, empty, 0.0, 0.0, 1.0, 1.0, rank, tree)

    minx, miny, maxx, maxy = (float(v) for v in shapely.total_bounds(geoms[present]))
    dy = pixel_m / _M_PER_DEG_LAT
    dx = dy / max(math.cos(math.radians((miny + maxy) / 2.0)), 0.01)
    width = math.ceil((maxx - minx) / dx) + 2 * _PAD
    height = math.ceil((maxy - miny) / dy) + 2 * _PAD
    # Padding and rounding up make the size after one rescaling slightly off; repeat.
    while width * height > max_pixels:
        grow = math.sqrt(width * height / max_pixels) * 1.001
        dx, dy = dx * grow, dy * grow
        width = math.ceil((maxx - minx) / dx) + 2 * _PAD
        height = math.ceil((maxy - miny) / dy) + 2 * _PAD
        log.info("grid lookup: pixel grown to %.1f m", dy * _M_PER_DEG_LAT)
    x0, y0 = minx - _PAD * dx, maxy + _PAD * dy
    dtype = np.int16 if n < np.iinfo(np.int16).max else np.int32

    # Ring segments in pixel coordinates, each with its grid and winding weight.
    parts, part_owner = shapely.get_parts(geoms[present], return_index=True)
    rings, ring_part = shapely.get_rings(parts, return_index=True)
    coords, coord_ring = shapely.get_coordinates(rings, return_index=True)
    u, v = _to_pixels(coords[:, 0], coords[:, 1], x0, y0, dx, dy)
    start = np.flatnonzero(coord_ring[1:] == coord_ring[:-1])
    seg = (u[start], v[start], u[start + 1], v[start + 1])
    seg_ring = coord_ring[start]
    # Orientation of each ring (shoelace sign) and whether it is a part's exterior (the
    # first ring of each part), so that every ring winds +1 (exterior) or -1 (hole).
    area2 = np.bincount(seg_ring, seg[0] * seg[3] - seg[2] * seg[1], minlength=rings.size)
    exterior = np.ones(rings.size, dtype=bool)
    exterior[1:] = ring_part[1:] != ring_part[:-1]
    ring_sign = np.where(exterior, 1, -1) * np.sign(area2).astype(np.int64)
    owner = present[part_owner[ring_part[seg_ring]]]
    going_up = np.where(seg[3] < seg[1], 1, -1)  # v grows southwards
    weight = going_up * ring_sign[seg_ring] * (owner + 1)

    raster, border = _fill(*seg, weight, (height, width), dtype)
    if border.any():
        log.warning("grid lookup: grids overlap on %d pixels; checked exactly", border.sum())
    flat_border = border.reshape(-1)
    # A border shared by two grids is drawn once.
    su1, sv1, su2, sv2 = _unique_segments(*seg)
    for lo in range(0, su1.size, _SEGMENTS_PER_CHUNK):
        part = slice(lo, lo + _SEGMENTS_PER_CHUNK)
        touched = _touched_pixels(su1[part], sv1[part], su2[part], sv2[part], width, height)
        flat_border[touched] = True
    odd = present[
        ~shapely.is_valid(geoms[present])
        | ~np.isin(shapely.get_type_id(geoms[present]), (3, 6))  # Polygon, MultiPolygon
    ]
    if odd.size:
        log.warning(
            "grid lookup: %d invalid or non-polygonal geometries are checked exactly", odd.size
        )
        _mark_boxes(border, shapely.bounds(geoms[odd]), x0, y0, dx, dy)
    raster[border] = _BORDER
    return GridLookup(codes, geoms, raster, x0, y0, dx, dy, rank, tree)


def _to_pixels(
    x: FloatArray, y: FloatArray, x0: float, y0: float, dx: float, dy: float
) -> tuple[FloatArray, FloatArray]:
    """Fractional (column, row) of lon/lat; building and lookup share this arithmetic."""
    u = x - x0
    u *= 1.0 / dx
    v = y0 - y
    v *= 1.0 / dy
    return u, v


def ragged_range(start: IntArray, count: IntArray) -> IntArray:
    """Concatenation of ``range(start[i], start[i] + count[i])`` for all i, vectorised.

    The rasterisers (grid lookup here, camera coverage) expand pixel runs with it.

    >>> ragged_range(np.array([5, 0]), np.array([2, 3])).tolist()
    [5, 6, 0, 1, 2]
    """
    offsets = np.cumsum(count) - count
    return np.repeat(start - offsets, count) + np.arange(int(count.sum()), dtype=np.int64)


def centre_crossings(
    u1: FloatArray, v1: FloatArray, u2: FloatArray, v2: FloatArray, width: int
) -> tuple[IntArray, IntArray, IntArray]:
    """Crossings of segments with the pixel-centre lines v = row + 0.5.

    Half-open in v, so that a vertex is counted once and horizontal segments never.
    Returns, per crossing, its segment, its row and the first column (clipped to
    ``0..width``) whose centre lies right of the crossing.
    """
    r0 = np.ceil(np.minimum(v1, v2) - 0.5).astype(np.int64)
    nrow = np.maximum(np.ceil(np.maximum(v1, v2) - 0.5).astype(np.int64) - r0, 0)
    seg = np.repeat(np.arange(u1.size), nrow)
    row = ragged_range(r0, nrow)
    t = (row + 0.5 - v1[seg]) / (v2 - v1)[seg]
    u_cross = u1[seg] + t * (u2 - u1)[seg]
    # Centres from column ceil(u - 0.5) on lie right of the crossing.
    col = np.clip(np.ceil(u_cross - 0.5), 0, width).astype(np.int64)
    return seg, row, col


def _fill(
    u1: FloatArray,
    v1: FloatArray,
    u2: FloatArray,
    v2: FloatArray,
    weight: IntArray,
    shape: tuple[int, int],
    dtype: type[np.signedinteger[Any]],
) -> tuple[NDArray[np.signedinteger[Any]], NDArray[np.bool_]]:
    """Winding-number fill of grid positions at pixel centres, without sorting.

    ``weight`` is +-(grid position + 1) per segment, its sign oriented so that every ring
    winds +1 inside an exterior ring and -1 inside a hole: a valid polygon then has
    winding number 1 exactly inside it. Crossings of segments with the pixel-centre line
    of each row are accumulated as differences and summed along the row, once with the
    weight (giving position + 1) and once with its sign (how many grids cover the centre).

    Returns the raster (position or -1) and a mask of the pixels whose centre is not
    covered exactly 0 or 1 times (overlaps; their raster value is meaningless).
    """
    height, width = shape
    seg, row, col = centre_crossings(u1, v1, u2, v2, width)
    inner = (col < width) & (row >= 0) & (row < height)
    where = row[inner] * width + col[inner]
    w = weight[seg][inner]
    # Integer wrap-around is harmless: sums are exact modulo 2**bits, and the id of a
    # centre covered once fits. The count dtype cannot wrap: it holds more than n grids.
    raster = np.zeros(shape, dtype=dtype)
    count = np.zeros(shape, dtype=dtype)
    np.add.at(raster.reshape(-1), where, w.astype(dtype))
    np.add.at(count.reshape(-1), where, np.sign(w).astype(dtype))
    np.cumsum(raster, axis=1, dtype=dtype, out=raster)
    np.cumsum(count, axis=1, dtype=dtype, out=count)
    raster -= 1
    # Viewed unsigned, a count of 0 or 1 stays itself and anything else (-1, 2, ...) is > 1.
    return raster, count.view(np.dtype(dtype.__name__.replace("int", "uint"))) > 1


def _unique_segments(
    u1: FloatArray, v1: FloatArray, u2: FloatArray, v2: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Segments with duplicates removed, whichever their direction."""
    swap = (u1 > u2) | ((u1 == u2) & (v1 > v2))
    ends = np.column_stack(
        [
            np.where(swap, u2, u1),
            np.where(swap, v2, v1),
            np.where(swap, u1, u2),
            np.where(swap, v1, v2),
        ]
    )
    ends = np.unique(ends, axis=0)
    return ends[:, 0], ends[:, 1], ends[:, 2], ends[:, 3]


def _touched_pixels(
    u1: FloatArray, v1: FloatArray, u2: FloatArray, v2: FloatArray, width: int, height: int
) -> IntArray:
    """Flat indices of the pixels whose closed square lies within ``_EPS`` of a segment."""
    u_lo, u_hi = np.minimum(u1, u2) - _EPS, np.maximum(u1, u2) + _EPS
    v_lo, v_hi = np.minimum(v1, v2) - _EPS, np.maximum(v1, v2) + _EPS
    # One entry per (segment, column) the widened segment reaches ...
    c0 = np.floor(u_lo).astype(np.int64)
    ncol = np.floor(u_hi).astype(np.int64) - c0 + 1
    seg = np.repeat(np.arange(u1.size), ncol)
    col = ragged_range(c0, ncol)
    # ... and the rows it covers inside that column, widened by _EPS.
    a = np.maximum(col - _EPS, u_lo[seg])
    b = np.minimum(col + 1 + _EPS, u_hi[seg])
    du, dv = (u2 - u1)[seg], (v2 - v1)[seg]
    steep = np.abs(du) <= _EPS  # (nearly) vertical: take the segment's whole row range
    slope = dv / np.where(steep, 1.0, du)
    va = v1[seg] + (a - u1[seg]) * slope
    vb = v1[seg] + (b - u1[seg]) * slope
    lo = np.where(steep, v_lo[seg], np.maximum(np.minimum(va, vb) - _EPS, v_lo[seg]))
    hi = np.where(steep, v_hi[seg], np.minimum(np.maximum(va, vb) + _EPS, v_hi[seg]))
    r0 = np.floor(lo).astype(np.int64)
    nrow = np.floor(hi).astype(np.int64) - r0 + 1
    cols = np.repeat(col, nrow)
    rows = ragged_range(r0, nrow)
    ok = (rows >= 0) & (rows < height) & (cols >= 0) & (cols < width)
    return rows[ok] * width + cols[ok]


def _mark_boxes(
    border: NDArray[np.bool_], bounds: FloatArray, x0: float, y0: float, dx: float, dy: float
) -> None:
    """Mark every pixel within ``_EPS`` of boxes given as (minx, miny, maxx, maxy) rows."""
    height, width = border.shape
    c0, r0 = _to_pixels(bounds[:, 0], bounds[:, 3], x0, y0, dx, dy)
    c1, r1 = _to_pixels(bounds[:, 2], bounds[:, 1], x0, y0, dx, dy)
    c0 = np.clip(np.floor(c0 - _EPS), 0, width).astype(np.int64)
    r0 = np.clip(np.floor(r0 - _EPS), 0, height).astype(np.int64)
    c1 = np.clip(np.floor(c1 + _EPS) + 1, 0, width).astype(np.int64)
    r1 = np.clip(np.floor(r1 + _EPS) + 1, 0, height).astype(np.int64)
    # Invalid grids are rare faults reported elsewhere, so a loop over them is fine.
    for a, b, c, d in zip(r0.tolist(), r1.tolist(), c0.tolist(), c1.tolist(), strict=True):
        border[a:b, c:d] = True


# --- lookup ---------------------------------------------------------------------------------
def assign_points(lookup: GridLookup, lon: ArrayLike, lat: ArrayLike) -> NDArray[np.int32]:
    """Grid position of every point (-1 for none), by the module's rule.

    Parameters
    ----------
    lookup
        From :func:`build_grid_lookup`.
    lon, lat
        EPSG:4326 coordinates; NaN gives -1.

    Returns
    -------
    numpy.ndarray
        ``int32`` positions into ``lookup.codes``.
    """
    lon_a = np.asarray(lon, dtype=np.float64).ravel()
    lat_a = np.asarray(lat, dtype=np.float64).ravel()
    if lon_a.shape != lat_a.shape:
        raise SchemaError(f"lon has {lon_a.size} values but lat has {lat_a.size}")
    height, width = lookup.shape
    u, v = _to_pixels(lon_a, lat_a, lookup.x0, lookup.y0, lookup.dx, lookup.dy)
    # NaN compares False, so NaN points count as outside here and are settled below.
    inside = (u >= 0) & (u < width) & (v >= 0) & (v < height)
    # Truncation is floor for the values kept; the others read pixel 0 and are overwritten.
    col = np.where(inside, u, 0.0).astype(np.intp)
    pix = np.where(inside, v, 0.0).astype(np.intp)
    pix *= width
    pix += col
    out = lookup.raster.reshape(-1)[pix].astype(np.int32)
    # The raster reaches two pixels beyond every grid, so a point outside it is in none.
    out[~inside] = _NONE
    need = np.flatnonzero(out == _BORDER)
    if need.size:
        out[need] = _exact(lookup, lon_a[need], lat_a[need])
    return out


def _exact(lookup: GridLookup, lon: FloatArray, lat: FloatArray) -> NDArray[np.int32]:
    """Exact closed point-in-grid test with the smallest-code tie-break."""
    # Bounding-box candidates, then the closed point-in-polygon test on (x, y) directly:
    # cheaper than a query with predicate="intersects", which builds a prepared point.
    pt, grid = lookup.tree.query(shapely.points(lon, lat))
    hit = shapely.intersects_xy(lookup.geometries[grid], lon[pt], lat[pt])
    pt, grid = pt[hit], grid[hit]
    n = lon.size
    best = np.full(n, lookup.rank.size, dtype=np.int64)
    np.minimum.at(best, pt, lookup.rank[grid])
    by_rank = np.argsort(lookup.rank)
    found = best < lookup.rank.size
    out = np.full(n, _NONE, dtype=np.int32)
    out[found] = by_rank[best[found]]
    return out


def assign_codes(lookup: GridLookup, lon: ArrayLike, lat: ArrayLike) -> NDArray[np.object_]:
    """Grid code of every point (``None`` for none); see :func:`assign_points`.

    Examples
    --------
    See :func:`build_grid_lookup`.
    """
    pos = assign_points(lookup, lon, lat)
    out = np.full(pos.shape, None, dtype=object)
    hit = pos >= 0
    out[hit] = lookup.codes[pos[hit]]
    return out


# --- by label -------------------------------------------------------------------------------
def _label_text(values: pd.Series) -> pd.Series:
    """Labels as comparable text: stripped, "620104001.0" from a numeric column as "620104001"."""
    text = values.astype(object).where(values.notna(), "").astype(str).str.strip()
    return text.str.replace(r"^(\d+)\.0$", r"\1", regex=True)


def match_grid_labels(
    labels: pd.Series | ArrayLike,
    grids: gpd.GeoDataFrame,
    *,
    code_col: str = "code",
    name_col: str = "name",
) -> NDArray[np.object_]:
    """Grid code named by each label: a grid code, else a grid name that only one grid has.

    This places records that carry the grid they belong to but no coordinates (an incident
    export's 所属网格 column). A label matching no code and no name, or a name several
    grids share, gives ``None``: guessing between grids would put incidents in the wrong one.

    Examples
    --------
    >>> grids = gpd.GeoDataFrame({"code": ["A1", "B2", "C3"], "name": ["东", "西", "西"]},
    ...                          geometry=[None, None, None], crs=4326)
    >>> match_grid_labels(pd.Series(["B2", "东", "西", "", "Z"]), grids).tolist()
    ['B2', 'A1', None, None, None]
    """
    text = _label_text(pd.Series(labels))
    out = pd.Series(None, index=text.index, dtype=object)
    if not len(grids) or code_col not in grids.columns:
        return out.to_numpy(dtype=object)
    codes = _label_text(grids[code_col])
    known = pd.Series(grids[code_col].astype(str).to_numpy(), index=codes.to_numpy())
    known = known[~known.index.duplicated() & (known.index != "")]
    out = text.map(known)
    if name_col in grids.columns:
        names = _label_text(grids[name_col])
        unique = ~names.duplicated(keep=False) & (names != "")
        by_name = pd.Series(
            grids.loc[unique.to_numpy(), code_col].astype(str).to_numpy(),
            index=names[unique].to_numpy(),
        )
        out = out.where(out.notna(), text.map(by_name))
    return out.astype(object).where(out.notna(), None).to_numpy(dtype=object)
