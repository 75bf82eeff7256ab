"""Geometry steps of the validator: repair, the metric (UTM) projection, representative
points, and unions per owner."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pyproj
import shapely
from numpy.typing import NDArray

from ..errors import CrsError, SchemaError

_POLYGON, _MULTIPOLYGON = 3, 6
#: What a message calls a geometry that is not a polygon, by shapely's type id (the
#: validator's and the importers' rejects say the same).
GEOMETRY_TYPE_NAMES: dict[int, str] = {
    0: "Point",
    1: "LineString",
    2: "LinearRing",
    4: "MultiPoint",
    5: "MultiLineString",
    7: "GeometryCollection",
}

Geoms = NDArray[np.object_]


# --- geometry repair ------------------------------------------------------------------------
def _polygonal_parts(geoms: Geoms) -> Geoms:
    """Keep only the polygons of each geometry; a geometry without any becomes empty."""
    out = geoms.copy()
    type_ids = shapely.get_type_id(geoms)
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    other = present & ~np.isin(type_ids, (_POLYGON, _MULTIPOLYGON))
    if not other.any():
        return out
    rows = np.flatnonzero(other)
    # Two levels of get_parts: a collection may hold multipolygons, whose parts are polygons.
    parts, idx = shapely.get_parts(geoms[rows], return_index=True)
    parts2, idx2 = shapely.get_parts(parts, return_index=True)
    idx2 = idx[idx2]
    keep = shapely.get_type_id(parts2) == _POLYGON
    out[rows] = shapely.Polygon()
    if keep.any():
        owners = np.unique(idx2[keep])
        # shapely needs dense indices 0..k-1: rows with no polygon at all leave gaps.
        dense = np.searchsorted(owners, idx2[keep])
        multi = shapely.multipolygons(parts2[keep], indices=dense)
        # A single polygon stays a Polygon; several become one MultiPolygon.
        n_parts = np.bincount(dense)
        out[rows[owners]] = np.where(n_parts == 1, shapely.get_geometry(multi, 0), multi)
    return out


def repair_geometries(geoms: gpd.GeoSeries) -> tuple[gpd.GeoSeries, NDArray[np.bool_]]:
    """Make geometries valid and keep only their polygonal parts.

    Parameters
    ----------
    geoms
        Geometries in any CRS (repair is planar, so it works in degrees or metres).

    Returns
    -------
    repaired : GeoSeries
        Same index and CRS. Invalid geometries are repaired with ``shapely.make_valid``;
        from every geometry only polygons are kept (a GeometryCollection becomes its
        polygons; a geometry without any polygon becomes an empty Polygon). None and empty
        geometries stay None and empty.
    mask : ndarray of bool
        True where the input was invalid and has been repaired (the repair may have left
        nothing polygonal; check ``is_empty`` for that).

    Examples
    --------
    >>> from shapely import Polygon
    >>> bow_tie = Polygon([(0, 0), (2, 2), (2, 0), (0, 2)])
    >>> fixed, mask = repair_geometries(gpd.GeoSeries([bow_tie, None]))
    >>> fixed[0].geom_type, float(fixed[0].area), mask.tolist()
    ('MultiPolygon', 2.0, [True, False])
    """
    values = np.asarray(geoms.to_numpy(), dtype=object)
    present = ~(shapely.is_missing(values) | shapely.is_empty(values))
    invalid = present & ~shapely.is_valid(values)
    fixed = values.copy()
    if invalid.any():
        fixed[invalid] = shapely.make_valid(values[invalid])
    fixed = _polygonal_parts(fixed)
    return gpd.GeoSeries(fixed, index=geoms.index, crs=geoms.crs), invalid


# --- metric projection ----------------------------------------------------------------------
def _check_wgs84(gdf: gpd.GeoDataFrame | gpd.GeoSeries, name: str) -> None:
    crs = gdf.crs
    if crs is None:
        raise CrsError(f"{name} has no CRS; it must be EPSG:4326 (WGS-84 lon/lat)")
    if crs.to_epsg() != 4326:
        raise CrsError(
            f"{name} is in {crs.to_string()}; it must be EPSG:4326 (WGS-84 lon/lat), "
            "convert it with .to_crs(4326) first"
        )


def _utm_crs(gdf: gpd.GeoDataFrame | gpd.GeoSeries) -> pyproj.CRS:
    """The WGS 84 / UTM zone (EPSG:326xx north, 327xx south) of the data centre.

    Raises
    ------
    CrsError
        If ``gdf`` is not in EPSG:4326.
    SchemaError
        If ``gdf`` has no geometry to take a centre from.
    """
    _check_wgs84(gdf, "data")
    minx, miny, maxx, maxy = gdf.total_bounds
    if not np.all(np.isfinite([minx, miny, maxx, maxy])):
        raise SchemaError("no non-empty geometry to choose a metric (UTM) CRS from")
    lon, lat = (minx + maxx) / 2.0, (miny + maxy) / 2.0
    zone = min(max(math.floor((lon + 180.0) / 6.0) + 1, 1), 60)
    return pyproj.CRS.from_epsg((32600 if lat >= 0 else 32700) + zone)


def _project(geoms: Geoms, transformer: pyproj.Transformer) -> Geoms:
    def xy(coords: NDArray[np.float64]) -> NDArray[np.float64]:
        x, y = transformer.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    return np.asarray(shapely.transform(geoms, xy), dtype=object)


# --- pieces and unions ------------------------------------------------------------------------
def _points(geoms: Geoms) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Lon/lat of a point inside each geometry; NaN for None/empty."""
    lon = np.full(len(geoms), np.nan)
    lat = np.full(len(geoms), np.nan)
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    if present.any():
        pts = shapely.point_on_surface(geoms[present])
        lon[present] = shapely.get_x(pts)
        lat[present] = shapely.get_y(pts)
    return lon, lat


def _pieces(geoms: Geoms, owners: NDArray[np.intp]) -> tuple[Geoms, NDArray[np.intp]]:
    """Split polygonal results into connected polygons, remembering whose they are."""
    polys = _polygonal_parts(geoms)
    parts, idx = shapely.get_parts(polys, return_index=True)
    keep = ~shapely.is_empty(parts)
    return np.asarray(parts[keep], dtype=object), owners[idx[keep]]


def _group_unions(n: int, owner: NDArray[np.intp], geoms: Geoms) -> Geoms:
    """Union of ``geoms`` per owner ``0..n-1`` (an empty Polygon for owners with none).

    One ``union_all`` per owner: the Python loop runs over owners (communities, holes),
    never over pairs of grids.
    """
    order = np.argsort(owner, kind="stable")
    owner, geoms = owner[order], geoms[order]
    bounds = np.searchsorted(owner, np.arange(n + 1))
    out = np.empty(n, dtype=object)
    for k in range(n):
        members = geoms[bounds[k] : bounds[k + 1]]
        out[k] = shapely.union_all(members) if len(members) else shapely.Polygon()
    return out


def _clipped_unions(holes: Geoms, owner: NDArray[np.intp], geoms: Geoms) -> Geoms:
    """Per hole, the union of ``geoms`` (paired by ``owner``) within the hole's bounding box.

    Real layers drawn on different base maps leave hundreds of sliver holes between
    neighbours; uniting whole districts once per sliver took 20 s for Medellín's 21
    comunas. Only what lies near a hole can cover it, so each geometry is cut to the hole's
    box first and the unions stay small.
    """
    if not len(owner):
        return _group_unions(len(holes), owner, geoms)
    x0, y0, x1, y1 = shapely.bounds(holes[owner]).T
    return _group_unions(
        len(holes), owner, shapely.intersection(geoms, shapely.box(x0, y0, x1, y1))
    )
