"""Camera footprints: the sector (or disc) each camera sees, in one metric CRS.

See :mod:`gridmap.analytics.coverage` for the model; this module holds the defaults, the
footprint table and its polygons.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely
from numpy.typing import NDArray

from ... import schema
from ...crs import metric_crs
from ...errors import CrsError, SchemaError

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
