"""Camera coverage: footprints, coverage share of areas, blind spots and redundant cameras.

Footprints
----------
A camera sees a **sector** of its range ``range_m`` around its azimuth ``azimuth_deg``
(compass degrees, clockwise from north) with field of view ``fov_deg``; a dome, a PTZ
camera (it pans) and a camera of unknown azimuth see a **disc** of its range. Missing or
impossible values take the documented defaults of :data:`DEFAULT_RANGE_M` and
:data:`DEFAULT_FOV_DEG` for the camera kind and the camera is flagged ``assumed``, so a
page can say how much of the answer rests on guesses. Offline cameras see nothing; they are
kept in the footprint table (``online=False``) so that they can be listed. Everything is
measured in one metric CRS (the UTM zone of the data, :func:`gridmap.crs.metric_crs`);
azimuths are taken against grid north there, which differs from true north by the
meridian convergence (under 2 degrees inside a UTM zone).

Coverage share
--------------
Share of an area = covered area / area. It is measured on a raster of the metric plane of
``pixel_m`` metres (default 5 m): a pixel is covered when its centre lies in some
footprint, so overlapping cameras are never counted twice. Per footprint and pixel row the
covered pixels form one or two runs, found in closed form (the circle's chord clipped by
the sector's edge rays), and runs are summed into a per-row count (difference array), so
the work grows with footprint rows rather than pixels. An area's covered and total pixel
counts come from a winding-number scanline of its polygon at pixel centres, combined with
row-wise prefix sums of the covered raster, so one pass over the raster serves any number
of area sets (H3 cells, grids, key areas) and no polygon is ever intersected with
another. The raster is processed in bands of rows to bound memory. Against the exact
overlay (shapely ``union_all`` of the sector polygons, then intersection areas) the mean
absolute error of the share is about 0.0016 for grids and 0.003 for res-10 cells at 5 m
(``bench/bench_coverage.py`` measures it). An area smaller than one pixel takes the
coverage of its representative point.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely
from numpy.typing import NDArray

from .. import schema
from ..crs import metric_crs
from ..errors import CrsError, SchemaError
from ..joins import ragged_range

__all__ = [
    "DEFAULT_FOV_DEG",
    "DEFAULT_PIXEL_M",
    "DEFAULT_RANGE_M",
    "CoverageResult",
    "CoverageSettings",
    "ZoneCoverage",
    "analyse_coverage",
    "camera_footprints",
    "camera_redundancy",
    "coverage_by_level",
    "coverage_share",
    "footprint_polygons",
    "keyarea_card",
    "measure_coverage",
    "risk_weights",
    "scope_summary",
    "workspace_coverage",
]

log = logging.getLogger(__name__)

#: Range in metres assumed when a camera's is missing or not positive, by kind. Typical
#: useful (face/plate-readable) distances of urban 雪亮工程 cameras: a bullet camera with a
#: 4-8 mm lens about 60 m, a PTZ dome about 100 m, a fixed dome/fisheye about 30 m.
DEFAULT_RANGE_M: Mapping[str, float] = {"fixed": 60.0, "ptz": 100.0, "dome": 30.0}
#: Field of view in degrees assumed when missing, by kind; 360 means a disc. PTZ cameras
#: pan, so over time they see the whole disc of their range.
DEFAULT_FOV_DEG: Mapping[str, float] = {"fixed": 90.0, "ptz": 360.0, "dome": 360.0}
#: A pixel is crowded for a camera when at least this many *other* cameras also see it.
CROWDED_BY = 3
#: Kind assumed when a camera's kind is missing or unknown.
FALLBACK_KIND = "fixed"
#: Raster pixel of the coverage measurement, metres.
DEFAULT_PIXEL_M = 5.0
# Pixels per band of the raster (a bool and an int32 prefix-sum array of this size at once).
_BAND_PIXELS = 4_000_000
# Cosine threshold that no dot product can fail: turns the angle test off for discs.
_NO_ANGLE = -2.0

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


# --- footprints -----------------------------------------------------------------------------
def _check_4326(gdf: gpd.GeoDataFrame | gpd.GeoSeries, what: str) -> None:
    if gdf.crs is None or gdf.crs.to_epsg() != 4326:
        found = "no CRS" if gdf.crs is None else gdf.crs.to_string()
        raise CrsError(f"{what}: expected EPSG:4326 (lon/lat), found {found}")


def _column(frame: pd.DataFrame, name: str) -> pd.Series:
    if name in frame.columns:
        return frame[name]
    return pd.Series(np.nan, index=frame.index, dtype=float)


def camera_footprints(cameras: gpd.GeoDataFrame, *, crs: pyproj.CRS | None = None) -> pd.DataFrame:
    """One footprint per camera, in metres, with defaults filled in and flagged.

    Parameters
    ----------
    cameras
        Points in EPSG:4326 with (any of) the columns ``id``, ``kind``, ``status``,
        ``range_m``, ``azimuth_deg``, ``fov_deg``. A missing status counts as online.
    crs
        Metric CRS to use; default the UTM zone of the cameras' centre.

    Returns
    -------
    pandas.DataFrame
        Aligned to ``cameras``: ``id``, ``kind``, ``online``, ``x_m``, ``y_m`` (in
        ``attrs["crs"]``), ``lon``, ``lat``, ``range_m``, ``azimuth_deg`` (NaN for a disc),
        ``fov_deg`` (360 for a disc), ``assumed`` (bool) and ``assumed_fields`` (which
        fields took a default, comma-separated).

    Raises
    ------
    CrsError
        Unless the cameras are in EPSG:4326.
    SchemaError
        If a geometry is not a point, naming up to five camera ids.
    """
    _check_4326(cameras, "cameras")
    geoms = np.asarray(cameras.geometry.to_numpy(), dtype=object)
    bad = ~(shapely.get_type_id(geoms) == 0) | shapely.is_empty(geoms)
    ids = (
        cameras[schema.ID].astype(str).to_numpy()
        if schema.ID in cameras
        else np.arange(len(cameras)).astype(str)
    )
    if bad.any():
        shown = ", ".join(ids[bad][:5].tolist())
        raise SchemaError(
            f"cameras: {int(bad.sum())} geometries are not points (ids {shown}); "
            "allowed: one point per camera"
        )
    lon = shapely.get_x(geoms)
    lat = shapely.get_y(geoms)
    if crs is None:
        crs = metric_crs(
            float(np.mean(lon)) if lon.size else 0.0, float(np.mean(lat)) if lat.size else 0.0
        )
    x, y = pyproj.Transformer.from_crs(4326, crs, always_xy=True).transform(lon, lat)

    kind = _column(cameras, schema.KIND).astype(object).where(lambda s: s.notna(), None)
    kind_arr = np.array(
        [k if k in DEFAULT_RANGE_M else FALLBACK_KIND for k in kind.tolist()], dtype=object
    )
    status = _column(cameras, schema.STATUS).astype(object)
    online = ~status.isin(["offline"]).to_numpy()

    rng = pd.to_numeric(_column(cameras, schema.RANGE_M), errors="coerce").to_numpy(float)
    az = pd.to_numeric(_column(cameras, schema.AZIMUTH_DEG), errors="coerce").to_numpy(float)
    fov = pd.to_numeric(_column(cameras, schema.FOV_DEG), errors="coerce").to_numpy(float)
    default_range = np.array([DEFAULT_RANGE_M[k] for k in kind_arr], dtype=float)
    default_fov = np.array([DEFAULT_FOV_DEG[k] for k in kind_arr], dtype=float)

    range_assumed = ~np.isfinite(rng) | (rng <= 0)
    rng = np.where(range_assumed, default_range, rng)
    disc_kind = default_fov >= 360.0
    fov_assumed = ~disc_kind & (~np.isfinite(fov) | (fov <= 0) | (fov > 360))
    fov = np.where(disc_kind, 360.0, np.where(fov_assumed, default_fov, fov))
    az_assumed = ~disc_kind & (fov < 360.0) & ~np.isfinite(az)
    # Unknown direction: the camera may face anywhere, so the disc of its range.
    fov = np.where(az_assumed, 360.0, fov)
    az = np.where(fov >= 360.0, np.nan, np.mod(az, 360.0))

    fields = np.stack([range_assumed, fov_assumed, az_assumed])
    names = np.array([schema.RANGE_M, schema.FOV_DEG, schema.AZIMUTH_DEG], dtype=object)
    assumed_fields = [",".join(names[fields[:, i]]) for i in range(len(cameras))]
    out = pd.DataFrame(
        {
            schema.ID: ids,
            schema.KIND: kind_arr,
            "online": online,
            "x_m": np.asarray(x, dtype=float),
            "y_m": np.asarray(y, dtype=float),
            schema.LON: lon,
            schema.LAT: lat,
            schema.RANGE_M: rng,
            schema.AZIMUTH_DEG: az,
            schema.FOV_DEG: fov,
            "assumed": fields.any(axis=0),
            "assumed_fields": assumed_fields,
        },
        index=cameras.index,
    )
    if schema.GRID_CODE in cameras:
        out[schema.GRID_CODE] = cameras[schema.GRID_CODE].astype(object).to_numpy()
    # WKT, not a CRS object: frames are serialised (Arrow, Streamlit caches) with attrs.
    out.attrs["crs"] = crs.to_wkt()
    return out


def _crs_of(footprints: pd.DataFrame) -> pyproj.CRS:
    crs = footprints.attrs.get("crs")
    if crs is None:
        raise SchemaError("footprints: no metric CRS in attrs; build them with camera_footprints")
    return pyproj.CRS(crs)


def _sector_rings(
    x: FloatArray, y: FloatArray, r: FloatArray, az: FloatArray, fov: FloatArray, n_arc: int
) -> NDArray[np.object_]:
    """Polygons of sectors (apex + arc) and discs (arc only), vectorised by vertex count."""
    n = x.size
    out = np.empty(n, dtype=object)
    disc = fov >= 360.0
    t = np.linspace(0.0, 1.0, n_arc + 1)
    for is_disc in (True, False):
        sel = np.flatnonzero(disc == is_disc)
        if sel.size == 0:
            continue
        if is_disc:
            ang = np.radians(360.0 * t)[None, :].repeat(sel.size, 0)
        else:
            start = az[sel] - fov[sel] / 2.0
            ang = np.radians(start[:, None] + fov[sel][:, None] * t[None, :])
        px = x[sel, None] + r[sel, None] * np.sin(ang)
        py = y[sel, None] + r[sel, None] * np.cos(ang)
        if not is_disc:
            px = np.column_stack([x[sel], px, x[sel]])
            py = np.column_stack([y[sel], py, y[sel]])
        out[sel] = shapely.polygons(np.stack([px, py], axis=-1))
    return out


def footprint_polygons(
    footprints: pd.DataFrame, *, step_deg: float = 10.0, metric: bool = False
) -> gpd.GeoSeries:
    """Footprints as polygons (arcs approximated every ``step_deg`` degrees or finer).

    In EPSG:4326 for drawing and export, or in the footprints' metric CRS with
    ``metric=True`` (the exact-overlay reference of the tests and the benchmark uses this).
    """
    if not 0 < step_deg <= 45:
        raise SchemaError(f"step_deg={step_deg!r}; allowed: 0 < step_deg <= 45")
    crs = _crs_of(footprints)
    fov = footprints[schema.FOV_DEG].to_numpy(float)
    az = np.nan_to_num(footprints[schema.AZIMUTH_DEG].to_numpy(float))
    x = footprints["x_m"].to_numpy(float)
    y = footprints["y_m"].to_numpy(float)
    r = footprints[schema.RANGE_M].to_numpy(float)
    out = np.empty(len(footprints), dtype=object)
    # One vertex count per distinct field of view keeps arcs equally fine everywhere.
    n_arc = np.maximum(np.ceil(fov / step_deg), 3).astype(int)
    for k in np.unique(n_arc):
        sel = n_arc == k
        out[sel] = _sector_rings(x[sel], y[sel], r[sel], az[sel], fov[sel], int(k))
    polys = gpd.GeoSeries(out, crs=crs, index=footprints.index)
    return polys if metric else polys.to_crs(4326)


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
    r0 = np.ceil(np.minimum(v1, v2) - 0.5).astype(np.int64)
    nrow = np.maximum(np.ceil(np.maximum(v1, v2) - 0.5).astype(np.int64) - r0, 0)
    seg = np.repeat(np.arange(u1.size), nrow)
    row = ragged_range(r0, nrow)
    t = (row + 0.5 - v1[seg]) / (v2 - v1)[seg]
    u_cross = u1[seg] + t * (u2 - u1)[seg]
    col = np.clip(np.ceil(u_cross - 0.5), 0, raster.width).astype(np.int64)
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
    crs = _crs_of(footprints)
    metric: dict[str, NDArray[np.object_]] = {}
    for name, geoms in zone_sets.items():
        if geoms.crs is not None and pyproj.CRS(geoms.crs) == crs:
            metric[name] = np.asarray(geoms.to_numpy(), dtype=object)
        else:
            _check_4326(geoms, name)
            metric[name] = np.asarray(geoms.to_crs(crs).to_numpy(), dtype=object)
    on = footprints["online"].to_numpy(bool)
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
    raster = _raster_for(bounds, float(pixel_m))
    sect = _sectors(
        fx,
        fy,
        fr,
        footprints[schema.AZIMUTH_DEG].to_numpy(float)[on],
        footprints[schema.FOV_DEG].to_numpy(float)[on],
        raster,
    )
    crossings = {name: _crossings(g, raster) for name, g in metric.items()}
    covered = {name: np.zeros(c.n_zones, dtype=np.int64) for name, c in crossings.items()}
    cam_px = np.zeros(fx.size, dtype=np.int64)
    excl_px = np.zeros(fx.size, dtype=np.int64)
    crowded_px = np.zeros(fx.size, dtype=np.int64)
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
            cam_px += np.bincount(owner, weights=c1 - c0, minlength=fx.size).astype(np.int64)
            for flag, acc in ((count == 1, excl_px), (count > CROWDED_BY, crowded_px)):
                run = np.zeros((nb, ws + 1), dtype=np.int32)
                np.cumsum(flag, axis=1, out=run[:, 1:])
                inside = run[rows, c1] - run[rows, c0]
                acc += np.bincount(owner, weights=inside, minlength=fx.size).astype(np.int64)
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
    zones: dict[str, ZoneCoverage] = {}
    bits_at = _PointProbe(sect, raster)
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
            np.clip(cov, 0, np.maximum(total, 0)), np.maximum(total, 0), raster.pixel
        )
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


# --- the analysis of a city -----------------------------------------------------------------
@dataclass(frozen=True)
class CoverageSettings:
    """Options of :func:`analyse_coverage` (documented defaults).

    Attributes
    ----------
    res
        H3 resolution of the cells coverage, risk and households are measured on (10:
        about 15,000 m2, 66 m edge — the scale of one camera's view).
    pixel_m
        Raster pixel of the measurement, metres.
    target
        Coverage target of a key area whose own ``target_coverage`` is missing (1.0: the
        100 % of 重点公共区域视频监控覆盖率).
    tolerance
        A key area counts as compliant when its share is at least ``target - tolerance``;
        it absorbs the raster's measurement error (about 0.002 on average).
    gap_uncovered
        A cell is a blind spot only if at least this share of it is uncovered ...
    gap_risk_quantile
        ... its risk weight is at least this quantile of the positive risk weights ...
    gap_min_households
        ... and it holds at least this many households (an empty field is no blind spot).
    redundant_crowded
        A camera is flagged redundant when at least this share of what it sees is also
        seen by :data:`CROWDED_BY` or more other online cameras.
    """

    res: int = 10
    pixel_m: float = DEFAULT_PIXEL_M
    target: float = 1.0
    tolerance: float = 0.005
    gap_uncovered: float = 0.5
    gap_risk_quantile: float = 0.75
    gap_min_households: float = 1.0
    redundant_crowded: float = 0.9

    def __post_init__(self) -> None:
        problems = []
        if not (isinstance(self.res, int) and 7 <= self.res <= 12):
            problems.append(f"res={self.res!r} (allowed: an integer 7..12)")
        if not self.pixel_m > 0:
            problems.append(f"pixel_m={self.pixel_m!r} (allowed: > 0)")
        for name in ("target", "tolerance", "gap_uncovered", "gap_risk_quantile"):
            value = getattr(self, name)
            if not 0 <= value <= 1:
                problems.append(f"{name}={value!r} (allowed: 0..1)")
        if not 0 <= self.redundant_crowded <= 1:
            problems.append(f"redundant_crowded={self.redundant_crowded!r} (allowed: 0..1)")
        if problems:
            raise SchemaError("coverage settings: " + "; ".join(problems))


@dataclass(frozen=True)
class CoverageResult:
    """Everything :func:`analyse_coverage` found; frames, no methods that compute.

    Attributes
    ----------
    footprints
        :func:`camera_footprints` of all cameras (offline ones with ``online=False``).
    cells
        One row per H3 cell of the grids: ``cell`` (uint64), ``h3`` (hex), ``grid_code``,
        ``coverage_share``, ``risk`` (weight), ``households``, ``uncovered_risk``
        (``risk * (1 - share)``), ``gap_zone`` (-1 or the rank of its blind-spot zone).
    grids
        Indexed by grid code: ``area_m2``, ``covered_m2``, ``coverage_share``,
        ``households``, ``risk_score`` (0-100), ``uncovered_share`` and ``gap_index``
        (``risk_score / 100 * households * uncovered_share``), ``grid_type``.
    keyareas
        ``code``, ``name``, ``kind``, ``coverage_share``, ``target``, ``compliant``,
        ``area_m2``.
    gaps
        Blind-spot zones (EPSG:4326 polygons), ranked by ``uncovered_risk``: ``rank``,
        ``cells``, ``households``, ``uncovered_risk``, ``grid_codes``, ``lon``, ``lat``.
    cameras
        Per online camera: ``seen_m2``, ``exclusive_share``, ``redundant``.
    summary
        Headline numbers, each ratio with its numerator and denominator.
    """

    footprints: pd.DataFrame
    cells: pd.DataFrame
    grids: pd.DataFrame
    keyareas: pd.DataFrame
    gaps: gpd.GeoDataFrame
    cameras: pd.DataFrame
    summary: dict[str, float | int]
    settings: CoverageSettings = field(default_factory=CoverageSettings)


def _weighted_share(share: FloatArray, weight: FloatArray) -> tuple[float, float]:
    ok = np.isfinite(share) & np.isfinite(weight)
    den = float(weight[ok].sum())
    return float((share[ok] * weight[ok]).sum()), den


def _gap_zones(
    cells: pd.DataFrame, mask: NDArray[np.bool_], res_polys: gpd.GeoSeries
) -> tuple[gpd.GeoDataFrame, IntArray]:
    """Blind-spot cells merged into contiguous zones (H3 neighbours), ranked."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    from ..indexing import grid_disk_pairs

    zone_of = np.full(len(cells), -1, dtype=np.int64)
    cols = ["rank", "cells", "households", "uncovered_risk", "grid_codes", "lon", "lat"]
    where = np.flatnonzero(mask)
    if where.size == 0:
        empty = gpd.GeoDataFrame({c: [] for c in cols}, geometry=gpd.GeoSeries([], crs=4326))
        return empty, zone_of
    sub = cells["cell"].to_numpy(np.uint64)[where]
    i, j = grid_disk_pairs(sub, 1)
    graph = coo_matrix((np.ones(i.size), (i, j)), shape=(sub.size, sub.size)).tocsr()
    _, label = connected_components(graph, directed=False)
    unc = cells["uncovered_risk"].to_numpy(float)[where]
    hh = cells["households"].to_numpy(float)[where]
    n = int(label.max()) + 1
    risk_sum = np.bincount(label, weights=unc, minlength=n)
    hh_sum = np.bincount(label, weights=hh, minlength=n)
    size = np.bincount(label, minlength=n)
    # Rank by uncovered risk, then households, then the smallest cell id (deterministic).
    first_cell = pd.Series(sub).groupby(label).min().to_numpy(np.uint64)
    order = np.lexsort((first_cell, -hh_sum, -risk_sum))
    rank_of = np.empty(n, dtype=np.int64)
    rank_of[order] = np.arange(1, n + 1)
    zone_of[where] = rank_of[label]
    polys = np.asarray(res_polys.to_numpy(), dtype=object)[where]
    codes = cells["grid_code"].to_numpy(object)[where]
    geoms = []
    grid_lists = []
    for z in order:
        members = label == z
        geoms.append(shapely.union_all(polys[members]))
        grid_lists.append(",".join(sorted({str(c) for c in codes[members] if c is not None})))
    geo = gpd.GeoSeries(geoms, crs=4326)
    centre = geo.representative_point()
    frame = gpd.GeoDataFrame(
        {
            "rank": np.arange(1, n + 1),
            "cells": size[order],
            "households": hh_sum[order],
            "uncovered_risk": risk_sum[order],
            "grid_codes": grid_lists,
            "lon": centre.x.to_numpy(),
            "lat": centre.y.to_numpy(),
        },
        geometry=geo,
    )
    return frame, zone_of


def analyse_coverage(
    grids: gpd.GeoDataFrame,
    cameras: gpd.GeoDataFrame,
    *,
    keyareas: gpd.GeoDataFrame | None = None,
    units: gpd.GeoDataFrame | None = None,
    cell_weights: pd.Series | None = None,
    grid_scores: pd.Series | None = None,
    settings: CoverageSettings | None = None,
) -> CoverageResult:
    """Coverage of a city's cells, grids and key areas; blind spots; redundant cameras.

    Parameters
    ----------
    grids
        Grids in force (EPSG:4326) with ``code`` and ideally ``households`` and
        ``grid_type``; cells are those of the basic grids (centre containment).
    cameras
        Camera points (see :func:`camera_footprints`).
    keyareas
        Key-area polygons with ``code``, ``name``, ``kind``, ``target_coverage``.
    units
        Unit points or polygons with ``households``; they put households on cells. Without
        them, a grid's households are spread evenly over its cells (an estimate).
    cell_weights
        Risk weight (>= 0) per cell, indexed by ``uint64`` cell at ``settings.res``; cells
        absent weigh 0. Without it every cell weighs 1 (coverage by area).
    grid_scores
        Risk score (0-100) per grid code for the gap index; without it, the household-
        weighted mean of the cell weights scaled to 0-100.
    """
    from ..indexing import cells_to_polygons, cells_to_str, points_to_cells, polygons_to_cells

    settings = settings or CoverageSettings()
    _check_4326(grids, "grids")
    for col in (schema.CODE,):
        if col not in grids:
            raise SchemaError(f"grids: missing column {col!r}")
    footprints = camera_footprints(cameras)
    codes = grids[schema.CODE].astype(str).to_numpy()
    gtype = (
        grids[schema.GRID_TYPE].astype(object).fillna("basic").to_numpy()
        if schema.GRID_TYPE in grids
        else np.full(len(grids), "basic", dtype=object)
    )
    basic = gtype != "professional"
    basic_geoms = gpd.GeoSeries(grids.geometry.to_numpy()[basic], crs=4326)
    table = polygons_to_cells(basic_geoms, settings.res)
    # A cell whose centre two basic grids claim (a faulty tiling) goes to the first one.
    table = table.drop_duplicates("cell", keep="first").sort_values("cell", kind="stable")
    cell_ids = table["cell"].to_numpy(np.uint64)
    cell_grid = codes[basic][table["geom_index"].to_numpy()]
    cell_polys = cells_to_polygons(cell_ids)

    zone_sets: dict[str, gpd.GeoSeries] = {
        "cells": cell_polys,
        "grids": gpd.GeoSeries(grids.geometry.to_numpy(), crs=4326),
    }
    if keyareas is not None and len(keyareas):
        _check_4326(keyareas, "keyareas")
        zone_sets["keyareas"] = gpd.GeoSeries(keyareas.geometry.to_numpy(), crs=4326)
    measure = measure_coverage(footprints, zone_sets, pixel_m=settings.pixel_m, per_camera=True)
    cz, gz = measure.zones["cells"], measure.zones["grids"]

    # Households per cell.
    grid_hh = (
        pd.to_numeric(grids[schema.HOUSEHOLDS], errors="coerce").fillna(0).to_numpy(float)
        if schema.HOUSEHOLDS in grids
        else np.zeros(len(grids))
    )
    hh_cell: FloatArray = np.zeros(cell_ids.size)
    if units is not None and len(units) and schema.HOUSEHOLDS in units:
        _check_4326(units, "units")
        pts = shapely.point_on_surface(np.asarray(units.geometry.to_numpy(), dtype=object))
        ucell = points_to_cells(shapely.get_x(pts), shapely.get_y(pts), settings.res)
        uhh = pd.to_numeric(units[schema.HOUSEHOLDS], errors="coerce").fillna(0).to_numpy(float)
        pos = np.minimum(np.searchsorted(cell_ids, ucell), max(cell_ids.size - 1, 0))
        hit = (cell_ids[pos] == ucell) if cell_ids.size else np.zeros(ucell.size, bool)
        hh_cell = np.bincount(pos[hit], weights=uhh[hit], minlength=cell_ids.size).astype(float)
    else:
        per_grid = pd.Series(cell_grid).value_counts()
        n_cells = pd.Series(cell_grid).map(per_grid).to_numpy(float)
        hh_by_code = dict(zip(codes, grid_hh, strict=True))
        hh_cell = np.array([hh_by_code.get(c, 0.0) for c in cell_grid]) / np.maximum(n_cells, 1)

    if cell_weights is not None:
        w = pd.Series(cell_weights)
        w.index = np.asarray(w.index, dtype=np.uint64)
        risk = w.reindex(cell_ids).fillna(0.0).clip(lower=0).to_numpy(float)
    else:
        risk = np.ones(cell_ids.size)

    share_c = np.nan_to_num(cz.share, nan=0.0)
    cells = pd.DataFrame(
        {
            "cell": cell_ids,
            "h3": cells_to_str(cell_ids),
            "grid_code": cell_grid,
            "coverage_share": share_c,
            "risk": risk,
            "households": hh_cell,
            "uncovered_risk": risk * (1.0 - share_c),
        }
    )
    positive = risk[risk > 0]
    risk_cut = float(np.quantile(positive, settings.gap_risk_quantile)) if positive.size else 0.0
    gap_mask = (
        (1.0 - share_c >= settings.gap_uncovered)
        & (risk >= risk_cut)
        & (risk > 0)
        & (hh_cell >= settings.gap_min_households)
    )
    gaps, zone_of = _gap_zones(cells, gap_mask, cell_polys)
    cells["gap_zone"] = zone_of

    # Grids.
    share_g = gz.share
    if grid_scores is not None:
        score = pd.Series(grid_scores).reindex(codes).to_numpy(float)
    else:
        by_grid = cells.groupby("grid_code")["risk"].mean()
        top = float(by_grid.max()) if len(by_grid) else 0.0
        score = (
            by_grid.reindex(codes) / top * 100.0 if top > 0 else by_grid.reindex(codes) * 0
        ).to_numpy(float)
    uncovered = 1.0 - np.nan_to_num(share_g, nan=0.0)
    grid_frame = pd.DataFrame(
        {
            "grid_type": gtype,
            "area_m2": gz.area_m2,
            "covered_m2": gz.covered_m2,
            "coverage_share": share_g,
            "households": grid_hh,
            "risk_score": score,
            "uncovered_share": uncovered,
            "gap_index": np.nan_to_num(score, nan=0.0) / 100.0 * grid_hh * uncovered,
            "cameras": pd.Series(
                cameras[schema.GRID_CODE].astype(str).value_counts()
                if schema.GRID_CODE in cameras
                else pd.Series(dtype=int)
            )
            .reindex(codes)
            .fillna(0)
            .astype(int)
            .to_numpy(),
        },
        index=pd.Index(codes, name=schema.CODE),
    )

    # Key areas.
    if "keyareas" in measure.zones and keyareas is not None:
        kz = measure.zones["keyareas"]
        target = (
            pd.to_numeric(keyareas[schema.TARGET_COVERAGE], errors="coerce")
            if schema.TARGET_COVERAGE in keyareas
            else pd.Series(np.nan, index=keyareas.index)
        )
        target = target.fillna(settings.target).clip(0, 1).to_numpy(float)
        ka_share = np.nan_to_num(kz.share, nan=0.0)
        ka = pd.DataFrame(
            {
                schema.CODE: keyareas[schema.CODE].astype(str).to_numpy()
                if schema.CODE in keyareas
                else np.arange(len(keyareas)).astype(str),
                schema.NAME: keyareas[schema.NAME].to_numpy() if schema.NAME in keyareas else None,
                schema.KIND: keyareas[schema.KIND].to_numpy() if schema.KIND in keyareas else None,
                "coverage_share": ka_share,
                "target": target,
                "compliant": ka_share >= target - settings.tolerance,
                "area_m2": kz.area_m2,
            }
        )
        # The grid of a key area: that of the cell under its representative point, so a
        # page scoped to a street lists its own key areas.
        rep = shapely.point_on_surface(np.asarray(keyareas.geometry.to_numpy(), dtype=object))
        ka_cell = points_to_cells(shapely.get_x(rep), shapely.get_y(rep), settings.res)
        pos = np.minimum(np.searchsorted(cell_ids, ka_cell), max(cell_ids.size - 1, 0))
        found = cell_ids[pos] == ka_cell if cell_ids.size else np.zeros(ka_cell.size, bool)
        ka_grid = np.full(len(ka), None, dtype=object)
        if cell_ids.size:
            ka_grid[found] = cell_grid[pos[found]]
        ka[schema.GRID_CODE] = ka_grid
        ka[schema.LON] = np.asarray(shapely.get_x(rep), dtype=float)
        ka[schema.LAT] = np.asarray(shapely.get_y(rep), dtype=float)
    else:
        ka = pd.DataFrame(
            columns=[
                schema.CODE,
                schema.NAME,
                schema.KIND,
                "coverage_share",
                "target",
                "compliant",
                "area_m2",
                schema.GRID_CODE,
                schema.LON,
                schema.LAT,
            ]
        )

    cams = camera_redundancy(footprints, measure, crowded_share=settings.redundant_crowded)
    summary = _summary(
        covered=float(cz.covered_m2.sum()),
        area=float(cz.area_m2.sum()),
        share=share_c,
        risk=risk,
        households=hh_cell,
        keyareas=ka,
        footprints=footprints,
        cameras=cams,
        gaps=len(gaps),
        gap_households=float(gaps["households"].sum()) if len(gaps) else 0.0,
        gap_risk=float(gaps["uncovered_risk"].sum()) if len(gaps) else 0.0,
    )
    return CoverageResult(footprints, cells, grid_frame, ka, gaps, cams, summary, settings)


def coverage_by_level(
    result: CoverageResult, parents: Mapping[str, str | None], levels: Mapping[str, str], level: str
) -> pd.DataFrame:
    """Coverage of communities or streets from their basic grids (areas summed, not averaged).

    ``parents`` and ``levels`` are those of :class:`gridmap.hierarchy.Hierarchy`. Returns one
    row per unit of ``level`` holding a basic grid: ``area_m2``, ``covered_m2``,
    ``coverage_share``, ``households``, ``gap_index`` (sum over its grids), ``grids``.
    """
    g = result.grids[result.grids["grid_type"] != "professional"]

    def ancestor(code: str) -> str | None:
        current: str | None = code
        seen = 0
        while current is not None and seen < 10:
            if levels.get(current) == level:
                return current
            current = parents.get(current)
            seen += 1
        return None

    unit = pd.Series([ancestor(str(c)) for c in g.index], index=g.index)
    frame = g.assign(unit=unit.to_numpy(), grids=1).dropna(subset=["unit"])
    out = frame.groupby("unit")[["area_m2", "covered_m2", "households", "gap_index", "grids"]].sum()
    out.insert(2, "coverage_share", out["covered_m2"] / out["area_m2"].where(out["area_m2"] > 0))
    out.index.name = schema.CODE
    return out


def risk_weights(
    table: Any, idx: NDArray[np.int64], cells: NDArray[np.uint64], *, res: int, end_s: int | None
) -> pd.Series:
    """Risk weight per cell: the cell risk score (0-100, k-ring 1 smoothed) of cells with
    any smoothed incident intensity, 0 elsewhere; incident density when scoring is impossible.

    The percentile score gives every cell of a city the same ladder whatever the window,
    which keeps siting gains comparable over time; cells with no incident around them
    weigh 0 so that empty fields do not outrank quiet neighbourhoods merely by number.
    """
    from .hotspots import kring_weights
    from .risk import RiskSettings, cell_risk

    if len(idx) == 0 or cells.size == 0:
        return pd.Series(np.zeros(cells.size), index=cells)
    try:
        frame = cell_risk(
            table,
            idx,
            res=res,
            settings=RiskSettings(k_ring=1),
            neighbours=kring_weights(cells, 1),
            cells=cells,
            end_s=end_s,
        )
        score = np.where(frame["smoothed"].to_numpy(float) > 0, frame["risk_score"], 0.0)
    except SchemaError:
        log.warning("cell risk unavailable; weighting cells by incident density")
        frame = cell_risk(table, idx, res=res, cells=cells, end_s=end_s)
        score = frame["weighted"].to_numpy(float)
    return pd.Series(np.asarray(score, dtype=float), index=cells)


def workspace_coverage(
    ws: Any,
    *,
    days: int = 90,
    settings: CoverageSettings | None = None,
    table: Any | None = None,
) -> CoverageResult:
    """:func:`analyse_coverage` of a workspace, weighted by the risk of the last ``days``.

    Cells weigh their risk score (:func:`risk_weights`) over the ``days`` ending at the
    latest incident; grids take their :func:`gridmap.analytics.risk.grid_risk` score.
    Without incidents every cell weighs 1 and the gap index uses households alone.

    ``table`` is the workspace's :class:`~gridmap.analytics.incidents.IncidentTable` when
    the caller holds it already (the app caches it); by default it is loaded.

    Raises
    ------
    SchemaError
        If the workspace has no grids or no cameras.
    """
    import datetime as dt

    from .incidents import IncidentFilter, load_incident_table, select
    from .risk import day_start_s, grid_risk

    settings = settings or CoverageSettings()
    grids = ws.read_grids()
    if not len(grids):
        raise SchemaError(f"{ws.name}: the workspace holds no grids")
    if not ws.has_layer("cameras"):
        raise SchemaError(f"{ws.name}: the workspace holds no cameras; import a camera layer")
    cameras = ws.read_layer("cameras")
    keyareas = ws.read_layer("keyareas") if ws.has_layer("keyareas") else None
    units = ws.read_layer("units") if ws.has_layer("units") else None
    table = load_incident_table(ws) if table is None else table
    cell_weights = grid_scores = None
    if table.time_range is not None:
        _first, last = table.time_range
        flt = IncidentFilter(last - dt.timedelta(days=days - 1), last)
        idx = select(table, flt)
        end_s = day_start_s(last + dt.timedelta(days=1))
        from ..indexing import polygons_to_cells

        gtype = (
            grids[schema.GRID_TYPE]
            if schema.GRID_TYPE in grids
            else pd.Series("basic", index=grids.index)
        )
        basic = grids[(gtype != "professional").to_numpy()]
        cells = np.unique(
            polygons_to_cells(gpd.GeoSeries(basic.geometry.to_numpy(), crs=4326), settings.res)[
                "cell"
            ].to_numpy(np.uint64)
        )
        cell_weights = risk_weights(table, idx, cells, res=settings.res, end_s=end_s)
        hh = grids.set_index(schema.CODE)[schema.HOUSEHOLDS]
        grid_scores = grid_risk(table, idx, hh, end_s=end_s)["risk_score"]
    return analyse_coverage(
        grids,
        cameras,
        keyareas=keyareas,
        units=units,
        cell_weights=cell_weights,
        grid_scores=grid_scores,
        settings=settings,
    )


def scope_summary(result: CoverageResult, grid_codes: frozenset[str] | None) -> dict[str, Any]:
    """:attr:`CoverageResult.summary` recomputed for the cells, key areas, cameras and blind
    spots of some grids (None: the whole city, the summary itself).

    Cameras count in the area of the grid they stand in (``grid_code`` of the camera
    layer); key areas in that of their representative point.
    """
    if grid_codes is None:
        return dict(result.summary)
    wanted = list(grid_codes)
    c = result.cells[result.cells["grid_code"].astype(str).isin(wanted)]
    share = c["coverage_share"].to_numpy(float)
    g = result.grids[
        result.grids.index.isin(wanted) & (result.grids["grid_type"] != "professional")
    ]
    ka = result.keyareas[result.keyareas[schema.GRID_CODE].astype(str).isin(wanted)]
    fp = result.footprints
    if schema.GRID_CODE in fp:
        fp = fp[fp[schema.GRID_CODE].astype(str).isin(wanted)]
    on_ids = set(fp.loc[fp["online"], schema.ID])
    cams = result.cameras[result.cameras[schema.ID].isin(on_ids)]
    gaps = result.gaps
    if len(gaps):
        gaps = gaps[[bool(set(s.split(",")) & grid_codes) for s in gaps["grid_codes"]]]
    in_gap = c["gap_zone"] > 0
    return _summary(
        covered=float(g["covered_m2"].sum()),
        area=float(g["area_m2"].sum()),
        share=share,
        risk=c["risk"].to_numpy(float),
        households=c["households"].to_numpy(float),
        keyareas=ka,
        footprints=fp,
        cameras=cams,
        gaps=len(gaps),
        # A zone may reach over the area's edge: count only its cells inside the area.
        gap_households=float(c.loc[in_gap, "households"].sum()),
        gap_risk=float(c.loc[in_gap, "uncovered_risk"].sum()),
    )


def _summary(
    *,
    covered: float,
    area: float,
    share: FloatArray,
    risk: FloatArray,
    households: FloatArray,
    keyareas: pd.DataFrame,
    footprints: pd.DataFrame,
    cameras: pd.DataFrame,
    gaps: int,
    gap_households: float,
    gap_risk: float,
) -> dict[str, Any]:
    """The headline numbers of a coverage result, each ratio with its two sides."""
    risk_num, risk_den = _weighted_share(share, risk)
    hh_num, hh_den = _weighted_share(share, households)
    online = footprints["online"].to_numpy(bool)
    return {
        "covered_m2": covered,
        "area_m2": area,
        "area_share": covered / area if area else float("nan"),
        "risk_covered": risk_num,
        "risk_total": risk_den,
        "risk_share": risk_num / risk_den if risk_den else float("nan"),
        "households_covered": hh_num,
        "households_total": hh_den,
        "household_share": hh_num / hh_den if hh_den else float("nan"),
        "keyareas_compliant": int(keyareas["compliant"].sum()) if len(keyareas) else 0,
        "keyareas_total": len(keyareas),
        "cameras_total": len(footprints),
        "cameras_online": int(online.sum()),
        "cameras_offline": int((~online).sum()),
        "cameras_assumed": int(footprints["assumed"].sum()),
        "cameras_redundant": int(cameras["redundant"].sum()),
        "gap_zones": gaps,
        "gap_households": gap_households,
        "gap_risk": gap_risk,
    }


def keyarea_card(result: CoverageResult, keyareas: gpd.GeoDataFrame, code: str) -> dict[str, Any]:
    """What a key-area card shows: coverage against target with its m², and the cameras.

    ``keyareas`` is the workspace's key-area layer (EPSG:4326). Returns ``code``, ``name``,
    ``kind``, ``area_m2``, ``covered_m2``, ``coverage_share``, ``target``, ``compliant``,
    ``short_m2`` (area still to cover to reach the target), ``cameras_online`` (online cameras
    whose footprint reaches the area), ``cameras_offline`` (offline ones that would) and
    ``grid_code``.

    Raises
    ------
    SchemaError
        If ``code`` is not a key area of the result.
    """
    rows = result.keyareas[result.keyareas["code"].astype(str) == str(code)]
    if rows.empty:
        raise SchemaError(f"key area {code!r}: not in the workspace")
    row = rows.iloc[0]
    area = float(row["area_m2"])
    share = float(row["coverage_share"])
    target = float(row["target"])
    fp = result.footprints
    crs = _crs_of(fp)
    shape = keyareas.loc[keyareas[schema.CODE].astype(str) == str(code)].to_crs(crs)
    seen_on = seen_off = 0
    if len(shape) and len(fp):
        geom = shape.geometry.iloc[0]
        # Only cameras within their range of the area can reach it: a cheap distance filter
        # before building any sector.
        pts = shapely.points(fp["x_m"].to_numpy(float), fp["y_m"].to_numpy(float))
        near = shapely.distance(pts, geom) <= fp[schema.RANGE_M].to_numpy(float)
        if near.any():
            polys = footprint_polygons(fp[near], metric=True)
            reach = shapely.intersects(polys.to_numpy(), geom)
            online = fp.loc[near, "online"].to_numpy(bool)
            seen_on = int((reach & online).sum())
            seen_off = int((reach & ~online).sum())
    return {
        "code": str(code),
        "name": row.get("name"),
        "kind": row.get("kind"),
        "area_m2": area,
        "covered_m2": area * share,
        "coverage_share": share,
        "target": target,
        "compliant": bool(row["compliant"]),
        "short_m2": max(0.0, (target - share) * area),
        "cameras_online": seen_on,
        "cameras_offline": seen_off,
        "grid_code": row.get("grid_code"),
    }
