"""The raster engine: covered and total pixels of sets of areas in one pass.

See :mod:`gridmap.analytics.coverage` for the method (runs per footprint row, winding-number
scanlines of the areas, row-wise prefix sums, bands of rows).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely
from numpy.typing import NDArray

from ... import schema
from ...errors import SchemaError
from ...joins import centre_crossings, ragged_range
from .footprints import (
    _BAND_PIXELS,
    _NO_ANGLE,
    CROWDED_BY,
    DEFAULT_PIXEL_M,
    FloatArray,
    IntArray,
    _check_4326,
    _crs_of,
)


# --- the raster engine ----------------------------------------------------------------------
@dataclass(frozen=True)
class _Raster:
    x0: float
    y0: float
    pixel: float
    width: int
    height: int


def _raster_for(bounds: list[tuple[float, float, float, float]], pixel: float) -> _Raster:
    finite = [b for b in bounds if np.isfinite(b).all()]
    if not finite:
        return _Raster(0.0, 0.0, pixel, 1, 1)
    b = np.array(finite)
    x0 = np.floor(b[:, 0].min() / pixel) * pixel - pixel
    y0 = np.floor(b[:, 1].min() / pixel) * pixel - pixel
    width = int(np.ceil((b[:, 2].max() - x0) / pixel)) + 2
    height = int(np.ceil((b[:, 3].max() - y0) / pixel)) + 2
    return _Raster(float(x0), float(y0), pixel, width, height)


@dataclass(frozen=True)
class _Crossings:
    """Where zone boundaries cross pixel-centre rows, sorted by row."""

    row: IntArray
    col: IntArray
    sign: IntArray
    zone: IntArray
    n_zones: int


def _crossings(geoms: NDArray[np.object_], raster: _Raster) -> _Crossings:
    """Signed crossings of ring segments with the pixel-centre line of every row.

    Rings are oriented (exteriors counter-clockwise, holes clockwise) and a downward
    segment counts +1, an upward one -1, so the winding number of a pixel centre (sum of
    the signs of crossings at or left of it) is 1 inside a polygon and 0 outside or in a
    hole. Half-open in the row so that a vertex counts once and horizontal segments never.
    """
    n = geoms.size
    ok = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    empty = np.zeros(0, dtype=np.int64)
    if not ok.any():
        return _Crossings(empty, empty, empty, empty, n)
    where = np.flatnonzero(ok)
    oriented = shapely.orient_polygons(geoms[where], exterior_cw=False)
    parts, part_of = shapely.get_parts(oriented, return_index=True)
    poly = shapely.get_type_id(parts) == 3
    parts, part_of = parts[poly], part_of[poly]
    rings, ring_of = shapely.get_rings(parts, return_index=True)
    coords, vert_ring = shapely.get_coordinates(rings, return_index=True)
    zone_of_ring = where[part_of[ring_of]]
    u = (coords[:, 0] - raster.x0) / raster.pixel
    v = (coords[:, 1] - raster.y0) / raster.pixel
    same = vert_ring[1:] == vert_ring[:-1]
    u1, v1, u2, v2 = u[:-1][same], v[:-1][same], u[1:][same], v[1:][same]
    seg_zone = zone_of_ring[vert_ring[:-1][same]]
    seg, row, col = centre_crossings(u1, v1, u2, v2, raster.width)
    sign = np.where(v2 > v1, -1, 1).astype(np.int64)[seg]
    inside = (row >= 0) & (row < raster.height)
    order = np.argsort(row[inside], kind="stable")
    return _Crossings(
        row[inside][order], col[inside][order], sign[inside][order], seg_zone[seg][inside][order], n
    )


@dataclass(frozen=True)
class _Sectors:
    """Footprints in pixel units with their pixel bounding boxes (inclusive)."""

    cu: FloatArray
    cv: FloatArray
    r2: FloatArray
    ux: FloatArray
    uy: FloatArray
    cos_half: FloatArray
    #: Unit vectors of the sector's first (anticlockwise) and second edge, and the kind:
    #: 0 disc, 1 convex sector (fov <= 180), 2 reflex sector (180 < fov < 360).
    e1x: FloatArray
    e1y: FloatArray
    e2x: FloatArray
    e2y: FloatArray
    shape: IntArray
    c_lo: IntArray
    c_hi: IntArray
    r_lo: IntArray
    r_hi: IntArray


def _sectors(
    x: FloatArray, y: FloatArray, r: FloatArray, az: FloatArray, fov: FloatArray, raster: _Raster
) -> _Sectors:
    p = raster.pixel
    cu = (x - raster.x0) / p
    cv = (y - raster.y0) / p
    rp = r / p
    disc = fov >= 360.0
    az_r = np.radians(np.nan_to_num(az))
    half = np.radians(np.minimum(fov, 360.0) / 2.0)
    ux, uy = np.sin(az_r), np.cos(az_r)
    cos_half = np.where(disc, _NO_ANGLE, np.cos(half))
    # Bounding box of a sector: its apex, both arc ends, and each compass point the arc
    # passes through; of a disc, the square around it.
    lo_u, hi_u, lo_v, hi_v = cu.copy(), cu.copy(), cv.copy(), cv.copy()
    for edge in (az_r - half, az_r + half):
        eu, ev = cu + rp * np.sin(edge), cv + rp * np.cos(edge)
        lo_u, hi_u = np.minimum(lo_u, eu), np.maximum(hi_u, eu)
        lo_v, hi_v = np.minimum(lo_v, ev), np.maximum(hi_v, ev)
    for compass in (0.0, 0.5 * np.pi, np.pi, 1.5 * np.pi):
        diff = np.abs(np.mod(compass - az_r + np.pi, 2 * np.pi) - np.pi)
        hit = disc | (diff <= half)
        eu, ev = cu + rp * np.sin(compass), cv + rp * np.cos(compass)
        lo_u = np.where(hit, np.minimum(lo_u, eu), lo_u)
        hi_u = np.where(hit, np.maximum(hi_u, eu), hi_u)
        lo_v = np.where(hit, np.minimum(lo_v, ev), lo_v)
        hi_v = np.where(hit, np.maximum(hi_v, ev), hi_v)
    # Pixel centres k + 0.5 inside [lo, hi].
    c_lo = np.clip(np.ceil(lo_u - 0.5), 0, raster.width).astype(np.int64)
    c_hi = np.clip(np.floor(hi_u - 0.5), -1, raster.width - 1).astype(np.int64)
    r_lo = np.clip(np.ceil(lo_v - 0.5), 0, raster.height).astype(np.int64)
    r_hi = np.clip(np.floor(hi_v - 0.5), -1, raster.height - 1).astype(np.int64)
    shape = np.where(disc, 0, np.where(fov <= 180.0, 1, 2)).astype(np.int64)
    e1, e2 = az_r - half, az_r + half
    return _Sectors(
        cu,
        cv,
        rp * rp,
        ux,
        uy,
        cos_half,
        np.sin(e1),
        np.cos(e1),
        np.sin(e2),
        np.cos(e2),
        shape,
        c_lo,
        c_hi,
        r_lo,
        r_hi,
    )


def _wedge(
    ax: FloatArray, ay: FloatArray, bx: FloatArray, by: FloatArray, dv: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Interval ``[lo, hi]`` of ``du`` on the row ``dv`` (relative to the apex) inside the
    convex wedge clockwise from ray ``a`` to ray ``b`` (compass vectors, angle <= 180).

    Clockwise from ``a``: ``ax*dv - ay*du <= 0``; anticlockwise from ``b``:
    ``bx*dv - by*du >= 0``. Each is a half-line in ``du`` (or all or nothing when the ray
    runs along the row).
    """
    lo = np.full(dv.shape, -np.inf)
    hi = np.full(dv.shape, np.inf)
    eps = 1e-12
    with np.errstate(divide="ignore", invalid="ignore"):
        ta = ax * dv / ay
        tb = bx * dv / by
    lo = np.where(ay > eps, np.maximum(lo, ta), lo)
    hi = np.where(ay < -eps, np.minimum(hi, ta), hi)
    hi = np.where(by > eps, np.minimum(hi, tb), hi)
    lo = np.where(by < -eps, np.maximum(lo, tb), lo)
    flat_a = np.abs(ay) <= eps
    flat_b = np.abs(by) <= eps
    empty = (flat_a & (ax * dv > 0)) | (flat_b & (bx * dv < 0))
    return np.where(empty, np.inf, lo), np.where(empty, -np.inf, hi)


def _band_spans(
    s: _Sectors, sel: IntArray, b0: int, b1: int, width: int
) -> tuple[IntArray, IntArray, IntArray, IntArray]:
    """Covered pixel runs of the selected footprints in rows ``b0..b1``.

    Per footprint and row, the pixels whose centres lie in the footprint form one run (a
    disc or a convex sector) or two (a sector wider than 180 degrees: the disc minus a
    convex wedge), found in closed form — the chord of the circle clipped by the edge
    rays — so the work grows with rows, not pixels. Returns band-relative rows, first
    and end (exclusive) columns, and the footprint of each run.
    """
    r_lo = np.maximum(s.r_lo[sel], b0)
    r_hi = np.minimum(s.r_hi[sel], b1 - 1)
    nr = np.maximum(r_hi - r_lo + 1, 0)
    g = np.repeat(sel, nr)
    row = ragged_range(r_lo, nr)
    dv = row + 0.5 - s.cv[g]
    reach2 = s.r2[g] - dv * dv
    half = np.sqrt(np.maximum(reach2, 0.0))
    lo = np.where(reach2 >= 0, -half, np.inf)
    hi = np.where(reach2 >= 0, half, -np.inf)
    shape = s.shape[g]
    e1x, e1y, e2x, e2y = s.e1x[g], s.e1y[g], s.e2x[g], s.e2y[g]
    # Convex sector: the chord within the wedge from edge 1 to edge 2.
    w_lo, w_hi = _wedge(e1x, e1y, e2x, e2y, dv)
    convex = shape == 1
    lo1 = np.where(convex, np.maximum(lo, w_lo), lo)
    hi1 = np.where(convex, np.minimum(hi, w_hi), hi)
    # Reflex sector: the chord minus the (convex) wedge from edge 2 round to edge 1.
    x_lo, x_hi = _wedge(e2x, e2y, e1x, e1y, dv)
    reflex = (shape == 2) & (x_lo <= x_hi)
    hi1 = np.where(reflex, np.minimum(hi1, x_lo), hi1)
    lo2 = np.where(reflex, np.maximum(lo, x_hi), np.inf)
    hi2 = np.where(reflex, hi, -np.inf)

    rows = np.concatenate([row, row]) - b0
    owner = np.concatenate([g, g])
    cu = np.concatenate([s.cu[g], s.cu[g]])
    # Pixel c (centre c + 0.5) is in [lo, hi] for c = ceil(lo - 0.5) .. floor(hi - 0.5).
    start = np.clip(np.ceil(cu + np.concatenate([lo1, lo2]) - 0.5), 0, width)
    end = np.clip(np.floor(cu + np.concatenate([hi1, hi2]) - 0.5) + 1, 0, width)
    keep = np.isfinite(start) & np.isfinite(end) & (end > start)
    return (
        rows[keep],
        start[keep].astype(np.int64),
        end[keep].astype(np.int64),
        owner[keep],
    )


@dataclass(frozen=True)
class ZoneCoverage:
    """Covered and total pixel counts of one set of areas (see :func:`measure_coverage`)."""

    covered_px: IntArray
    total_px: IntArray
    pixel_m: float

    @property
    def share(self) -> FloatArray:
        """Covered share in [0, 1]; NaN for a missing or empty geometry."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(self.total_px > 0, self.covered_px / self.total_px, np.nan)

    @property
    def covered_m2(self) -> FloatArray:
        return np.asarray(self.covered_px * self.pixel_m**2, dtype=np.float64)

    @property
    def area_m2(self) -> FloatArray:
        return np.asarray(self.total_px * self.pixel_m**2, dtype=np.float64)


@dataclass(frozen=True)
class CoverageMeasure:
    """What one raster pass measured: per area set, and per camera."""

    zones: dict[str, ZoneCoverage]
    #: Pixels each footprint covers, and how many of them no other footprint covers.
    camera_px: IntArray = field(repr=False)
    exclusive_px: IntArray = field(repr=False)
    #: ... and how many of them :data:`CROWDED_BY` or more other footprints also cover.
    crowded_px: IntArray = field(repr=False)
    covered_px_total: int = 0
    pixel_m: float = DEFAULT_PIXEL_M


def measure_coverage(
    footprints: pd.DataFrame,
    zone_sets: Mapping[str, gpd.GeoSeries],
    *,
    pixel_m: float = DEFAULT_PIXEL_M,
    per_camera: bool = False,
) -> CoverageMeasure:
    """Covered and total pixels of several sets of areas in one raster pass.

    Parameters
    ----------
    footprints
        From :func:`camera_footprints`; rows with ``online`` False are ignored.
    zone_sets
        Name -> polygons in EPSG:4326 (or already in the footprints' CRS).
    pixel_m
        Raster pixel in metres.
    per_camera
        Also count, per footprint, its pixels and those no other online footprint sees
        (for redundancy); costs a second array per band.

    Raises
    ------
    SchemaError
        For a pixel that is not positive.
    CrsError
        For areas in neither EPSG:4326 nor the footprints' CRS.
    """
    if not (np.isfinite(pixel_m) and pixel_m > 0):
        raise SchemaError(f"pixel_m={pixel_m!r}; allowed: a positive number of metres")
    metric = _metric_zones(zone_sets, _crs_of(footprints))
    on = footprints["online"].to_numpy(bool)
    n_cam = int(on.sum())
    raster, sect = _raster_and_sectors(footprints, on, metric, float(pixel_m))
    crossings = {name: _crossings(g, raster) for name, g in metric.items()}
    covered = {name: np.zeros(c.n_zones, dtype=np.int64) for name, c in crossings.items()}
    cam_px = np.zeros(n_cam, dtype=np.int64)
    excl_px = np.zeros(n_cam, dtype=np.int64)
    crowded_px = np.zeros(n_cam, dtype=np.int64)
    total_covered = 0
    w = raster.width
    band = max(1, _BAND_PIXELS // (w + 1))
    for b0 in range(0, raster.height, band):
        b1 = min(b0 + band, raster.height)
        sel = np.flatnonzero((sect.r_lo <= b1 - 1) & (sect.r_hi >= b0))
        if sel.size == 0:
            continue
        rows, c0, c1, owner = _band_spans(sect, sel, b0, b1, w)
        if rows.size == 0:
            continue
        # Work on the columns the band's footprints reach: left of them the prefix sums
        # are 0, right of them the row total, so crossings there clip to the window edge.
        left = int(c0.min())
        ws = int(c1.max()) - left
        c0, c1 = c0 - left, c1 - left
        # How many footprints see each pixel: +1 where a run starts, -1 after it ends,
        # summed along the row. Overlaps are counted, the union is count > 0.
        nb = b1 - b0
        starts = np.bincount(rows * (ws + 1) + c0, minlength=nb * (ws + 1))
        ends = np.bincount(rows * (ws + 1) + c1, minlength=nb * (ws + 1))
        diff = (starts - ends).astype(np.int32).reshape(nb, ws + 1)[:, :ws]
        count = np.cumsum(diff, axis=1, dtype=np.int32)
        if per_camera:
            cam_px += np.bincount(owner, weights=c1 - c0, minlength=n_cam).astype(np.int64)
            for flag, acc in ((count == 1, excl_px), (count > CROWDED_BY, crowded_px)):
                run = np.zeros((nb, ws + 1), dtype=np.int32)
                np.cumsum(flag, axis=1, out=run[:, 1:])
                inside = run[rows, c1] - run[rows, c0]
                acc += np.bincount(owner, weights=inside, minlength=n_cam).astype(np.int64)
        prefix = np.zeros((nb, ws + 1), dtype=np.int32)
        np.cumsum(count > 0, axis=1, out=prefix[:, 1:])
        total_covered += int(prefix[:, -1].sum())
        for name, c in crossings.items():
            lo, hi = np.searchsorted(c.row, [b0, b1])
            if lo == hi:
                continue
            col = np.clip(c.col[lo:hi] - left, 0, ws)
            val = prefix[c.row[lo:hi] - b0, col].astype(np.int64)
            covered[name] -= np.bincount(
                c.zone[lo:hi], weights=c.sign[lo:hi] * val, minlength=c.n_zones
            ).astype(np.int64)
        # Areas smaller than a pixel are handled after the pass (a handful of pixels).
    zones = _zone_coverage(crossings, covered, metric, _PointProbe(sect, raster), raster.pixel)
    return CoverageMeasure(zones, cam_px, excl_px, crowded_px, total_covered, raster.pixel)


class _PointProbe:
    """Whether the pixel holding each point is covered (for areas smaller than a pixel)."""

    def __init__(self, sect: _Sectors, raster: _Raster) -> None:
        self.sect = sect
        self.raster = raster

    def __call__(self, x: FloatArray, y: FloatArray) -> NDArray[np.bool_]:
        r = self.raster
        col = np.floor((x - r.x0) / r.pixel)
        row = np.floor((y - r.y0) / r.pixel)
        s = self.sect
        du = col[:, None] + 0.5 - s.cu[None, :]
        dv = row[:, None] + 0.5 - s.cv[None, :]
        d2 = du * du + dv * dv
        hit = (d2 <= s.r2[None, :]) & (
            du * s.ux[None, :] + dv * s.uy[None, :] >= s.cos_half[None, :] * np.sqrt(d2)
        )
        return np.asarray(hit.any(axis=1))


def _metric_zones(
    zone_sets: Mapping[str, gpd.GeoSeries], crs: pyproj.CRS
) -> dict[str, NDArray[np.object_]]:
    """Each area set as an array of polygons in the footprints' metric CRS."""
    metric: dict[str, NDArray[np.object_]] = {}
    for name, geoms in zone_sets.items():
        if geoms.crs is not None and pyproj.CRS(geoms.crs) == crs:
            metric[name] = np.asarray(geoms.to_numpy(), dtype=object)
        else:
            _check_4326(geoms, name)
            metric[name] = np.asarray(geoms.to_crs(crs).to_numpy(), dtype=object)
    return metric


def _raster_and_sectors(
    footprints: pd.DataFrame,
    on: NDArray[np.bool_],
    metric: Mapping[str, NDArray[np.object_]],
    pixel_m: float,
) -> tuple[_Raster, _Sectors]:
    """The raster spanning every area and online footprint, and those footprints on it."""
    fx = footprints["x_m"].to_numpy(float)[on]
    fy = footprints["y_m"].to_numpy(float)[on]
    fr = footprints[schema.RANGE_M].to_numpy(float)[on]
    bounds: list[tuple[float, float, float, float]] = [
        tuple(shapely.total_bounds(g)) for g in metric.values() if g.size
    ]
    if fx.size:
        bounds.append(
            (
                float((fx - fr).min()),
                float((fy - fr).min()),
                float((fx + fr).max()),
                float((fy + fr).max()),
            )
        )
    raster = _raster_for(bounds, pixel_m)
    sect = _sectors(
        fx,
        fy,
        fr,
        footprints[schema.AZIMUTH_DEG].to_numpy(float)[on],
        footprints[schema.FOV_DEG].to_numpy(float)[on],
        raster,
    )
    return raster, sect


def _zone_coverage(
    crossings: Mapping[str, _Crossings],
    covered: Mapping[str, IntArray],
    metric: Mapping[str, NDArray[np.object_]],
    bits_at: _PointProbe,
    pixel: float,
) -> dict[str, ZoneCoverage]:
    """Covered and total pixels per area set; an area smaller than a pixel takes the
    coverage of its representative point."""
    zones: dict[str, ZoneCoverage] = {}
    for name, c in crossings.items():
        total = -np.bincount(c.zone, weights=c.sign * c.col, minlength=c.n_zones).astype(np.int64)
        cov = covered[name]
        tiny = np.flatnonzero(
            (total <= 0) & ~(shapely.is_missing(metric[name]) | shapely.is_empty(metric[name]))
        )
        if tiny.size:
            pts = shapely.point_on_surface(metric[name][tiny])
            cov = cov.copy()
            total = total.copy()
            cov[tiny] = bits_at(shapely.get_x(pts), shapely.get_y(pts)).astype(np.int64)
            total[tiny] = 1
        zones[name] = ZoneCoverage(
            np.clip(cov, 0, np.maximum(total, 0)), np.maximum(total, 0), pixel
        )
    return zones


def coverage_share(
    zones: gpd.GeoSeries | gpd.GeoDataFrame,
    footprints: pd.DataFrame,
    *,
    pixel_m: float = DEFAULT_PIXEL_M,
) -> pd.Series:
    """Covered share (0-1) of each area by the online footprints, indexed like ``zones``.

    Examples
    --------
    A camera at the centre of a 100 m square facing north covers the northern half:

    >>> import shapely
    >>> from gridmap.analytics.coverage import camera_footprints
    >>> from gridmap.crs import metric_crs
    >>> crs = metric_crs(103.8, 36.0)
    >>> sq = gpd.GeoSeries([shapely.box(-50, -50, 50, 50)], crs=crs).to_crs(4326)
    >>> cam = gpd.GeoDataFrame(
    ...     {"kind": ["fixed"], "range_m": [200.0], "azimuth_deg": [0.0], "fov_deg": [180.0]},
    ...     geometry=gpd.GeoSeries([shapely.Point(0, 0)], crs=crs).to_crs(4326),
    ... )
    >>> round(float(coverage_share(sq, camera_footprints(cam, crs=crs)).iloc[0]), 2)
    0.5
    """
    geoms = zones.geometry if isinstance(zones, gpd.GeoDataFrame) else zones
    m = measure_coverage(footprints, {"zones": geoms}, pixel_m=pixel_m)
    return pd.Series(m.zones["zones"].share, index=geoms.index, name="coverage_share")


def camera_redundancy(
    footprints: pd.DataFrame,
    measure: CoverageMeasure,
    *,
    crowded_share: float = 0.9,
) -> pd.DataFrame:
    """Per online camera: area seen, share seen by no other camera, and a redundancy flag.

    A camera is a relocation candidate when at least ``crowded_share`` of what it sees is
    also seen by :data:`CROWDED_BY` or more other online cameras: moving it loses almost
    nothing. (A camera that merely overlaps one neighbour is normal practice — two
    angles on an entrance — and is not flagged.)
    """
    on = footprints[footprints["online"].to_numpy(bool)]
    px = measure.camera_px
    with np.errstate(invalid="ignore", divide="ignore"):
        excl = np.where(px > 0, measure.exclusive_px / px, 0.0)
        crowded = np.where(px > 0, measure.crowded_px / px, 0.0)
    return pd.DataFrame(
        {
            schema.ID: on[schema.ID].to_numpy(),
            schema.LON: on[schema.LON].to_numpy(),
            schema.LAT: on[schema.LAT].to_numpy(),
            "seen_m2": px * measure.pixel_m**2,
            "exclusive_share": excl,
            "crowded_share": crowded,
            "redundant": (px > 0) & (crowded >= crowded_share),
        }
    )
