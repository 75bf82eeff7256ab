"""Drawing the layers in GCJ-02 over GCJ-02 tiles."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pydeck as pdk
from numpy.typing import ArrayLike

from ..crs import CrsSpec, geometries_from_wgs84, wgs84_to_gcj02
from ._source import Bounds, FloatArray, TileCrs


# --- drawing layers in GCJ-02 ---------------------------------------------------------------
def shift_lonlat(lon: ArrayLike, lat: ArrayLike, crs: TileCrs) -> tuple[FloatArray, FloatArray]:
    """WGS-84 ``(lon, lat)`` as drawn over tiles in ``crs`` (unchanged for WGS-84 tiles).

    Examples
    --------
    >>> lon, lat = shift_lonlat([103.834], [36.061], "gcj02")
    >>> round(float(lon[0]) - 103.834, 4), round(float(lat[0]) - 36.061, 4)
    (0.0024, -0.0003)
    """
    if crs == "gcj02":
        return wgs84_to_gcj02(lon, lat)
    return np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)


def shift_frame(gdf: gpd.GeoDataFrame, crs: TileCrs) -> gpd.GeoDataFrame:
    """``gdf`` with its geometry as drawn over tiles in ``crs``, for the map only.

    For GCJ-02 the result carries no CRS label (GCJ-02 has no EPSG code): never store or
    measure it.
    """
    if crs != "gcj02":
        return gdf
    shifted = geometries_from_wgs84(gdf.geometry, CrsSpec("gcj02"))
    name = gdf.geometry.name
    return gpd.GeoDataFrame(gdf.drop(columns=[name]), geometry=shifted.rename(name), crs=None)


def shift_view(view: pdk.ViewState, crs: TileCrs) -> pdk.ViewState:
    """A view centred on the same place over tiles in ``crs``."""
    if crs != "gcj02":
        return view
    lon, lat = wgs84_to_gcj02([view.longitude], [view.latitude])
    return pdk.ViewState(
        longitude=float(lon[0]),
        latitude=float(lat[0]),
        zoom=view.zoom,
        pitch=getattr(view, "pitch", 0) or 0,
        bearing=getattr(view, "bearing", 0) or 0,
    )


def gcj02_model_matrix(bounds: Bounds, *, samples: int = 25) -> tuple[list[float], float]:
    """A deck.gl ``modelMatrix`` translating a layer by the GCJ-02 offset at the extent's centre.

    For layers whose geometry is not in their data (``H3HexagonLayer`` draws cells from their
    ids), so the coordinates cannot be shifted one by one. The offset varies slowly (about 20 m
    across a city centre), so the translation is approximate: the second value is its largest
    error in metres over ``bounds`` (sampled on a ``samples`` x ``samples`` grid); draw such
    layers as polygons when that is too much.
    """
    west, south, east, north = bounds
    clon, clat = (west + east) / 2.0, (south + north) / 2.0
    glon, glat = wgs84_to_gcj02([clon], [clat])
    dlon, dlat = float(glon[0]) - clon, float(glat[0]) - clat
    lon, lat = np.meshgrid(np.linspace(west, east, samples), np.linspace(south, north, samples))
    slon, slat = wgs84_to_gcj02(lon, lat)
    ex = (slon - lon - dlon) * 111_320.0 * np.cos(np.radians(lat))
    ey = (slat - lat - dlat) * 110_574.0
    error_m = float(np.sqrt(ex**2 + ey**2).max())
    # column-major 4x4 (deck.gl / gl-matrix order): translation in the last column
    matrix = [1.0, 0, 0, 0, 0, 1.0, 0, 0, 0, 0, 1.0, 0, dlon, dlat, 0, 1.0]
    return [float(v) for v in matrix], error_m
