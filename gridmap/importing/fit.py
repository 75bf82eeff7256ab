"""How well a sample of a file fits the workspace: the coordinate-system guess and the
share inside the city.

The CRS guess converts a sample under each plausible system and measures how far it lands
from what the workspace already holds (its boundaries; for points also the points of the
same layer already stored). A 300–600 m GCJ-02 shift, swapped longitude/latitude or
projected metres read as degrees all show up as a much larger distance than the right
choice. Re-exported by :mod:`gridmap.importing.preview`.

Examples
--------
>>> import numpy as np, shapely
>>> ref = Reference(outline=shapely.box(103.7, 36.0, 103.9, 36.1), polygons=None, points=None)
>>> g = guess_crs(np.array([36.05, 36.06]), np.array([103.8, 103.81]), ref)
>>> (g.best.crs, g.best.swapped)
('wgs84', True)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray
from scipy.spatial import cKDTree

from .. import schema
from ..config import Settings
from ..crs import CrsSpec, parse_crs, to_wgs84
from ..errors import CrsError
from ..store import Reader
from .report import CHINA_BBOX

__all__ = [
    "CityFit",
    "CrsCandidate",
    "CrsGuess",
    "Reference",
    "city_fit",
    "guess_crs",
    "reference_for",
]

_M_PER_DEG = 111_320.0
#: Stored points a coordinate guess is compared with (a sample of a bigger layer).
_REFERENCE_POINTS = 50_000


def _convert(
    x: NDArray[np.float64], y: NDArray[np.float64], spec: CrsSpec
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Convert under ``spec``; points impossible in that system become NaN (never raise)."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if spec.kind in ("wgs84", "gcj02", "bd09"):
        bad = (np.abs(x) > 180) | (np.abs(y) > 90)
        if spec.kind != "wgs84":
            x0, y0, x1, y1 = CHINA_BBOX
            bad |= ~((x >= x0) & (x <= x1) & (y >= y0) & (y <= y1))
        lon = np.full(len(x), np.nan)
        lat = np.full(len(x), np.nan)
        if (~bad).any():
            lon[~bad], lat[~bad] = to_wgs84(x[~bad], y[~bad], spec)
        return lon, lat
    try:
        lon, lat = to_wgs84(x, y, spec)
    except (CrsError, ValueError):
        return np.full(len(x), np.nan), np.full(len(x), np.nan)
    lon = np.where(np.isfinite(lon) & (np.abs(lon) <= 180), lon, np.nan)
    lat = np.where(np.isfinite(lat) & (np.abs(lat) <= 90), lat, np.nan)
    return lon, lat


# --- coordinate-system guess -----------------------------------------------------------------
@dataclass(frozen=True)
class Reference:
    """What the workspace already holds, to measure a sample against (all WGS-84).

    ``outline``: the union of the city's boundaries; ``polygons``: stored polygons of the
    layer a polygon file joins (admin units, grids, ...), each file polygon is compared with
    the stored one whose boundary fits it best; ``points``: stored points of the same kind
    (for point files).
    """

    outline: shapely.Geometry | None
    polygons: NDArray[np.object_] | None
    points: NDArray[np.float64] | None

    @property
    def empty(self) -> bool:
        return self.outline is None and self.polygons is None and self.points is None

    @property
    def tree(self) -> shapely.STRtree | None:
        if self.polygons is None:
            return None
        cached = _TREES.get(id(self.polygons))
        if cached is None:
            cached = shapely.STRtree(self.polygons)
            _TREES[id(self.polygons)] = cached
        return cached


_TREES: dict[int, Any] = {}


def _clean(geoms: Any) -> NDArray[np.object_]:
    geoms = np.asarray(geoms, dtype=object)
    return geoms[~(shapely.is_missing(geoms) | shapely.is_empty(geoms))]


def reference_for(ws: Reader, kind: str) -> Reference:
    """The workspace's boundaries and same-kind data to compare an import sample with."""
    if not ws.layer_names():
        return Reference(None, None, None)
    outline = None
    for layer in ("admin", "grids"):
        if ws.has_layer(layer) and ws.layer_count(layer):
            gdf = ws.read_layer(layer, columns=["code"]) if layer == "admin" else ws.read_grids()
            geoms = _clean(gdf.geometry.values)
            if len(geoms):
                outline = shapely.union_all(shapely.make_valid(shapely.simplify(geoms, 0.0005)))
                break
    polygons = points = None
    if kind in schema.POLYGON_KINDS:
        layer = kind if ws.has_layer(kind) and ws.layer_count(kind) else "admin"
        if ws.has_layer(layer) and ws.layer_count(layer):
            gdf = ws.read_grids() if layer == "grids" else ws.read_layer(layer, columns=["code"])
            polygons = _clean(shapely.make_valid(gdf.geometry.values))
            polygons = polygons if len(polygons) else None
    elif ws.has_layer(kind) and (n := ws.layer_count(kind)):
        # Every k-th stored point, chosen by the database: reading a big city's ten million
        # incidents to keep 50,000 of them cost minutes and gigabytes.
        step = int(np.ceil(n / _REFERENCE_POINTS))
        where = f"fid % {step} = 0" if step > 1 else None
        pts = ws.read_layer(kind, columns=["id"], where=where).geometry.values
        xy = shapely.get_coordinates(pts)
        points = xy if len(xy) else None
    return Reference(outline, polygons, points)


@dataclass(frozen=True)
class CrsCandidate:
    """One way of reading the coordinates and how well it fits the workspace."""

    crs: str  # wgs84 | gcj02 | bd09 | EPSG:NNNN
    swapped: bool
    usable: float  # share of the sample that converts to valid lon/lat
    inside: float  # share inside the city outline (NaN without one)
    distance_m: float  # median distance to the reference (NaN without one)

    @property
    def label(self) -> str:
        return parse_crs(self.crs).label + (" (lon/lat swapped)" if self.swapped else "")


@dataclass(frozen=True)
class CrsGuess:
    """Candidates, best first; ``suggest``: the best when it clearly beats ``chosen``."""

    candidates: tuple[CrsCandidate, ...]
    chosen: CrsCandidate | None
    projected: bool  # the values cannot be degrees
    suggest: CrsCandidate | None = None
    reasons: list[str] = field(default_factory=list)

    @property
    def best(self) -> CrsCandidate:
        return self.candidates[0]


def _fit(
    lon: NDArray[np.float64],
    lat: NDArray[np.float64],
    ref: Reference,
    parts: NDArray[np.intp] | None,
) -> tuple[float, float]:
    """Share inside the outline and median distance in metres to what the workspace holds.

    With ``parts`` (the polygon each vertex belongs to) and stored polygons, each file
    polygon is compared with the stored polygon whose boundary fits its vertices best; else
    points are compared with the nearest stored point, or with the outline.
    """
    ok = np.isfinite(lon) & np.isfinite(lat)
    if not ok.any():
        return float("nan"), float("inf")
    lon, lat = lon[ok], lat[ok]
    inside = float("nan")
    if ref.outline is not None:
        inside = float(shapely.contains_xy(ref.outline, lon, lat).mean())
    scale = float(np.cos(np.radians(np.nanmean(lat))))
    if parts is not None and ref.polygons is not None and ref.tree is not None:
        parts = parts[ok]
        pts = shapely.points(lon, lat)
        dists = []
        for part in np.unique(parts):
            mine = pts[parts == part]
            box = shapely.box(*shapely.total_bounds(mine))
            hits = ref.tree.query(box, predicate="intersects")
            if not len(hits):
                hits = ref.tree.query_nearest(box)
            # Compare with the stored polygons of about the same extent (a district with
            # districts, not with the communities inside it).
            b = shapely.bounds(ref.polygons[hits])
            size = np.hypot(b[:, 2] - b[:, 0], b[:, 3] - b[:, 1])
            x0, y0, x1, y1 = shapely.total_bounds(mine)
            mine_size = max(float(np.hypot(x1 - x0, y1 - y0)), 1e-9)
            order = np.argsort(np.abs(np.log(np.maximum(size, 1e-9) / mine_size)))
            best = min(
                float(np.median(shapely.distance(shapely.boundary(ref.polygons[h]), mine)))
                for h in hits[order[:5]]
            )
            dists.append(best)
        return inside, float(np.median(dists)) * _M_PER_DEG
    if ref.points is not None:
        tree, scale = _point_tree(ref.points)
        d, _ = tree.query(np.column_stack([lon * scale, lat]))
        return inside, float(np.median(d) * _M_PER_DEG)
    if ref.outline is not None:
        out = ~shapely.contains_xy(ref.outline, lon, lat)
        d = np.zeros(len(lon))
        if out.any():
            d[out] = shapely.distance(ref.outline, shapely.points(lon[out], lat[out])) * _M_PER_DEG
        return inside, float(np.median(d))
    return inside, float("nan")


_POINT_TREES: dict[tuple[int, int], tuple[cKDTree, float]] = {}


def _point_tree(xy: NDArray[np.float64]) -> tuple[cKDTree, float]:
    """A k-d tree of stored points with longitudes scaled by cos(latitude), and the scale.

    Queries must use the same scale as the tree, so it is fixed by the stored points.
    """
    key = (id(xy), len(xy))
    found = _POINT_TREES.get(key)
    if found is None:
        if len(_POINT_TREES) > 8:
            _POINT_TREES.clear()
        scale = float(np.cos(np.radians(np.nanmean(xy[:, 1]))))
        found = (cKDTree(np.column_stack([xy[:, 0] * scale, xy[:, 1]])), scale)
        _POINT_TREES[key] = found
    return found


def _projected_candidates(x: NDArray[np.float64]) -> list[str]:
    """EPSG codes worth trying for projected coordinates used in China."""
    med = float(np.nanmedian(np.abs(x)))
    if med > 1e7:  # Gauss-Krüger with the zone number in the easting (CGCS2000 3° zones 25-45)
        return [f"EPSG:{c}" for c in range(4513, 4534)]
    # UTM zones 43-53 N (WGS 84) and CGCS2000 3° Gauss-Krüger zones without the zone prefix.
    return [f"EPSG:{c}" for c in range(32643, 32654)] + [f"EPSG:{c}" for c in range(4534, 4555)]


def guess_crs(
    x: NDArray[np.float64],
    y: NDArray[np.float64],
    ref: Reference,
    *,
    chosen: str | None = None,
    chosen_swapped: bool = False,
    parts: NDArray[np.intp] | None = None,
) -> CrsGuess:
    """Rank ways of reading coordinates ``x, y`` by how well they fit the workspace.

    Candidates: WGS-84, GCJ-02 and BD-09 as given and with lon/lat swapped, or (when the
    values cannot be degrees) common projected systems of China. ``parts`` gives, for
    polygon files, the polygon each vertex belongs to. ``chosen`` (a CRS text)
    is always scored too; a suggestion is made when another candidate lands clearly
    closer — its median distance at most half the chosen one's and at least 50 m less,
    or a much larger share inside the city.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    ok = np.isfinite(x) & np.isfinite(y)
    x, y = x[ok], y[ok]
    if parts is not None:
        parts = np.asarray(parts)[ok]
    # Degrees (possibly swapped: a latitude column holding 103.8) stay under 180.
    projected = bool(len(x)) and bool(
        np.nanmedian(np.abs(x)) > 180 or np.nanmedian(np.abs(y)) > 180
    )
    options: list[tuple[str, bool]] = []
    if projected:
        options = [(c, False) for c in _projected_candidates(x)]
    else:
        options = [(c, s) for s in (False, True) for c in ("wgs84", "gcj02", "bd09")]
    chosen_key: tuple[str, bool] | None = None
    if chosen:
        spec = parse_crs(chosen)
        chosen_key = (spec.kind if spec.kind != "epsg" else spec.label, chosen_swapped)
        if chosen_key not in options:
            options.append(chosen_key)
    scored: list[CrsCandidate] = []
    for crs, swapped in options:
        spec = parse_crs(crs)
        xx, yy = (y, x) if swapped else (x, y)
        lon, lat = _convert(xx, yy, spec)
        usable = float(np.isfinite(lon).mean()) if len(lon) else 0.0
        inside, dist = _fit(lon, lat, ref, parts)
        scored.append(CrsCandidate(crs, swapped, usable, inside, dist))

    # Polygon files are compared vertex by vertex with the stored boundaries, where the
    # share inside the outline says little (boundary vertices sit on the outline); points
    # are also penalised for landing outside the city.
    outside_m = 0.0 if parts is not None and ref.polygons is not None else 2000.0

    def rank(c: CrsCandidate) -> tuple[float, float, int]:
        dist = c.distance_m if np.isfinite(c.distance_m) else 1e9
        inside = 1.0 if np.isnan(c.inside) else c.inside
        return (-round(c.usable, 2), dist + (1.0 - inside) * outside_m, int(c.swapped))

    ranked = tuple(sorted(scored, key=rank))
    mine = next((c for c in scored if chosen_key and (c.crs, c.swapped) == chosen_key), None)
    guess = CrsGuess(ranked, mine, projected)
    if ref.empty or not len(x):
        if projected and mine is not None and mine.crs in ("wgs84", "gcj02", "bd09"):
            guess.reasons.append("projected")
        return guess
    best = ranked[0]
    if mine is None or (best.crs, best.swapped) == (mine.crs, mine.swapped):
        return guess
    # Only suggest a system under which the data actually land in this city: "less far
    # away" on another continent is no evidence.
    near = (not np.isnan(best.inside) and best.inside >= 0.5) or (
        np.isfinite(best.distance_m) and best.distance_m <= 2000
    )
    if not near:
        return guess
    if mine.usable < 0.5 <= best.usable:
        reason = "projected" if projected else "unusable"
    elif not np.isnan(best.inside) and best.inside - mine.inside > 0.3:
        reason = "outside"
    elif (
        np.isfinite(best.distance_m)
        and np.isfinite(mine.distance_m)
        and best.distance_m <= 0.5 * mine.distance_m
        and mine.distance_m - best.distance_m >= 50
    ):
        reason = "closer"
    elif np.isfinite(best.distance_m) and not np.isfinite(mine.distance_m):
        reason = "unusable"
    else:
        return guess
    return CrsGuess(ranked, mine, projected, best, [reason])


# --- inside the city? -------------------------------------------------------------------------
@dataclass(frozen=True)
class CityFit:
    """How much of a prepared sample lies in the workspace's city, before importing it.

    ``inside``: share of the points or features the importer would keep as "in the city"
    (within the city margin of the workspace's boundaries; a polygon when any part of it
    is); NaN when the workspace has no boundaries yet (nothing to compare with, and the
    importer makes no check either). ``outside_km``: median distance in km from the city of
    those outside (NaN when none is). ``n``: points or features measured.
    """

    n: int
    inside: float
    outside_km: float

    @property
    def mostly_outside(self) -> bool:
        """More than half lies outside the city: the import would reject most of it."""
        return bool(self.inside == self.inside and self.inside < 0.5)


def city_fit(
    ref: Reference,
    sample: pd.DataFrame | gpd.GeoSeries | gpd.GeoDataFrame,
    *,
    margin_m: float | None = None,
) -> CityFit:
    """Share of ``sample`` inside the workspace's city, and how far the rest lies.

    Parameters
    ----------
    ref
        From :func:`reference_for` (its ``outline`` is the city).
    sample
        Points as a frame with ``lon``/``lat`` columns (:func:`sample_points`), or polygons
        in WGS-84 (:func:`sample_polygons`).
    margin_m
        The importer's margin (default ``Settings().city_margin_m``): within it counts as
        inside.

    Examples
    --------
    >>> ref = Reference(outline=shapely.box(103.7, 36.0, 103.9, 36.1), polygons=None,
    ...                 points=None)
    >>> fit = city_fit(ref, pd.DataFrame({"lon": [103.8, 103.8], "lat": [36.05, 37.05]}))
    >>> fit.inside, round(fit.outside_km)
    (0.5, 105)
    """
    from pyproj import Geod

    if isinstance(sample, gpd.GeoDataFrame):
        sample = sample.geometry
    if isinstance(sample, gpd.GeoSeries):
        geoms = _clean(sample.to_numpy())
    else:
        lon = pd.to_numeric(sample["lon"], errors="coerce").to_numpy(dtype=float)
        lat = pd.to_numeric(sample["lat"], errors="coerce").to_numpy(dtype=float)
        ok = np.isfinite(lon) & np.isfinite(lat)
        geoms = shapely.points(lon[ok], lat[ok])
    n = len(geoms)
    if ref.outline is None or not n:
        return CityFit(n, float("nan"), float("nan"))
    outline = ref.outline
    if margin_m is None:
        margin_m = Settings().city_margin_m
    mid_lat = float(np.nanmean(shapely.get_y(shapely.centroid(geoms))))
    deg = margin_m / (_M_PER_DEG * max(np.cos(np.radians(mid_lat)), 0.2))
    area = shapely.buffer(shapely.simplify(outline, deg / 4), deg)
    shapely.prepare(area)
    inside = shapely.intersects(area, geoms)
    out = geoms[~inside]
    km = float("nan")
    if len(out):
        # Geodesic length of the shortest line between the city and each outside item: a
        # file on another continent is thousands of km away, not "a few degrees".
        lines = shapely.shortest_line(outline, out)
        a = shapely.get_point(lines, 0)
        b = shapely.get_point(lines, 1)
        _, _, dist = Geod(ellps="WGS84").inv(
            shapely.get_x(a), shapely.get_y(a), shapely.get_x(b), shapely.get_y(b)
        )
        km = float(np.median(dist)) / 1000.0
    return CityFit(n, float(inside.mean()), km)
