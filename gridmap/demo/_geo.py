"""Geography of the demo city: real boundaries, a hand-drawn river and a household density.

Only the district boundaries are real. The river polyline, the valley widths, the new
development zones, the petrochemical zone and the landmarks are approximations drawn for the
demo (WGS-84 degrees), good to a few hundred metres at best. Everything that measures works
in UTM zone 48N (EPSG:32648), where Lanzhou lies.
"""

from __future__ import annotations

import csv
import functools
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyproj
import shapely
from numpy.typing import ArrayLike, NDArray

from ..crs import CrsSpec, geometries_from_wgs84, geometries_to_wgs84, parse_crs
from ..errors import SchemaError

FloatArray = NDArray[np.float64]

#: The metric CRS of every demo computation: WGS 84 / UTM zone 48N.
METRIC = CrsSpec("epsg", 32648)

#: The four urban districts (城关, 七里河, 西固, 安宁) that get streets, communities and grids.
URBAN_DISTRICTS: tuple[str, ...] = ("620102", "620103", "620104", "620105")

#: Default location of the boundary files (a source checkout).
DATA_DIR = Path(__file__).resolve().parents[2] / "data" / "lanzhou"

# The Yellow River through the four districts, west to east. Between 103.58E and 103.78E
# it follows the southern boundary of 安宁 (which is the river bank); elsewhere it is
# sketched from memory of the map.
RIVER_LONLAT: tuple[tuple[float, float], ...] = (
    (103.330, 36.125), (103.370, 36.152), (103.400, 36.170), (103.440, 36.167),
    (103.480, 36.158), (103.520, 36.150), (103.560, 36.140), (103.580, 36.132),
    (103.600, 36.135), (103.620, 36.138), (103.640, 36.132), (103.660, 36.117),
    (103.680, 36.098), (103.700, 36.085), (103.720, 36.093), (103.740, 36.085),
    (103.760, 36.085), (103.780, 36.079), (103.800, 36.068), (103.820, 36.065),
    (103.850, 36.064), (103.880, 36.068), (103.910, 36.073), (103.940, 36.077),
    (103.965, 36.086), (103.995, 36.096),
)  # fmt: skip

# Valley half-widths (km) south and north of the river, by longitude: the 城关 and 西固
# basins are wide on the south bank, the north bank is a narrow strip under the hills.
_SIGMA_LON = np.array([103.33, 103.50, 103.58, 103.63, 103.68, 103.75, 103.80, 103.85,
                       103.92, 104.00])  # fmt: skip
_SIGMA_SOUTH_KM = np.array([1.2, 1.5, 2.6, 3.2, 2.2, 2.5, 2.8, 3.1, 2.5, 1.2])
_SIGMA_NORTH_KM = np.array([1.5, 1.5, 1.6, 1.8, 2.0, 2.0, 1.4, 1.2, 1.6, 1.0])

# Population along the valley: (centre longitude, relative peak, width in degrees).
_ALONG_BASE = 0.05
_ALONG_BUMPS: tuple[tuple[float, float, float], ...] = (
    (103.835, 1.00, 0.045),  # 城关 centre
    (103.895, 0.60, 0.025),  # 雁滩 / 东岗
    (103.775, 0.75, 0.030),  # 七里河, 西站
    (103.725, 0.70, 0.035),  # 安宁
    (103.610, 0.80, 0.035),  # 西固城
    (103.520, 0.12, 0.040),  # 新城 villages
    (103.400, 0.08, 0.030),  # 河口 / 达川 villages
)

#: New development zones (lon, lat, radius km, relative density): high-rise estates.
NEW_ZONES: tuple[tuple[float, float, float, float], ...] = (
    (103.855, 36.100, 0.9, 0.35),  # 九州
    (103.755, 36.035, 1.3, 0.45),  # 彭家坪
    (103.735, 36.113, 0.8, 0.30),  # 安宁 north
    (103.885, 36.063, 1.0, 0.25),  # 雁滩
    (103.740, 36.070, 0.7, 0.30),  # 马滩
    (103.575, 36.100, 1.0, 0.20),  # 西固 west
)

#: Old town cores (lon, lat, radius km): old compounds, 家属院, disputes.
OLD_CORES: tuple[tuple[float, float, float], ...] = (
    (103.830, 36.058, 1.6),  # 城关 old town
    (103.622, 36.090, 1.1),  # 西固城
    (103.772, 36.063, 1.0),  # 七里河 西站
    (103.722, 36.099, 0.8),  # 安宁
)

#: The 兰州石化 petrochemical zone in 西固, a few km² south of the river.
PETROCHEM_LONLAT: tuple[tuple[float, float], ...] = (
    (103.615, 36.1035), (103.623, 36.1005), (103.639, 36.0995), (103.650, 36.1025),
    (103.652, 36.1090), (103.645, 36.1150), (103.631, 36.1170), (103.619, 36.1140),
    (103.613, 36.1090), (103.615, 36.1035),
)  # fmt: skip

#: Commercial streets (name, polyline): street vending, crowds, cameras.
COMMERCIAL_STREETS: tuple[tuple[str, tuple[tuple[float, float], ...]], ...] = (
    ("张掖路步行街", ((103.812, 36.0640), (103.824, 36.0637), (103.834, 36.0632))),
    ("西关什字商圈", ((103.812, 36.0605), (103.815, 36.0560), (103.818, 36.0520))),
    ("庆阳路", ((103.818, 36.0585), (103.832, 36.0578), (103.848, 36.0572))),
    ("正宁路夜市", ((103.8355, 36.0640), (103.8362, 36.0575))),
    ("南关什字", ((103.826, 36.0545), (103.840, 36.0540))),
    ("西站商圈", ((103.752, 36.0660), (103.764, 36.0655), (103.776, 36.0645))),
    ("雁滩商业街", ((103.868, 36.0600), (103.880, 36.0610), (103.892, 36.0622))),
    ("东岗商业街", ((103.893, 36.0430), (103.905, 36.0415), (103.917, 36.0405))),
    ("福利路商业街", ((103.603, 36.0930), (103.613, 36.0925), (103.625, 36.0915))),
    ("安宁西路商圈", ((103.708, 36.1000), (103.722, 36.0985), (103.738, 36.0965))),
    ("敦煌路", ((103.780, 36.0560), (103.790, 36.0600), (103.800, 36.0625))),
)


@dataclass(frozen=True)
class Landmark:
    """A named site placed by hand (lon/lat WGS-84); ``kind`` is a KEYAREA_KINDS code."""

    name: str
    kind: str
    lon: float
    lat: float
    size_m: float


LANDMARKS: tuple[Landmark, ...] = (
    Landmark("兰州站", "station", 103.850, 36.0365, 420.0),
    Landmark("兰州西站", "station", 103.757, 36.0680, 400.0),
    Landmark("兰州汽车东站", "station", 103.886, 36.0490, 220.0),
    Landmark("兰州汽车南站", "station", 103.842, 36.0310, 200.0),
    Landmark("七里河客运站", "station", 103.785, 36.0585, 160.0),
    Landmark("西固城客运站", "station", 103.622, 36.0915, 160.0),
    Landmark("安宁客运站", "station", 103.716, 36.1005, 150.0),
    Landmark("雁滩公交枢纽站", "station", 103.872, 36.0645, 150.0),
    Landmark("东方红广场", "square", 103.836, 36.0570, 260.0),
    Landmark("西湖广场", "square", 103.790, 36.0605, 180.0),
    Landmark("西固城广场", "square", 103.626, 36.0945, 160.0),
    Landmark("安宁广场", "square", 103.726, 36.0990, 150.0),
)


# --- boundaries -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Boundaries:
    """The city and its districts: codes, names, levels and geometries (WGS-84 and metric)."""

    codes: tuple[str, ...]
    names: tuple[str, ...]
    levels: tuple[str, ...]
    parents: tuple[str | None, ...]
    wgs84: NDArray[np.object_]
    metric: NDArray[np.object_]


def load_boundaries(data_dir: Path) -> Boundaries:
    """Read ``districts.csv`` and the bare GCJ-02 GeoJSON files; convert to WGS-84.

    Raises
    ------
    SchemaError
        If the directory, the table or one of the files is missing.
    """
    table = data_dir / "districts.csv"
    if not table.exists():
        raise SchemaError(
            f"demo boundaries not found: {table} is missing (pass data_dir= the directory "
            "holding districts.csv and <code>.geojson)"
        )
    with open(table, encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    missing = [r["code"] for r in rows if not (data_dir / f"{r['code']}.geojson").exists()]
    if missing:
        raise SchemaError(f"demo boundaries: no GeoJSON for code(s) {', '.join(missing)}")
    texts = [(data_dir / f"{r['code']}.geojson").read_text("utf-8") for r in rows]
    gcj = shapely.from_geojson(texts)
    wgs = geometries_to_wgs84(np.asarray(gcj, dtype=object), parse_crs("gcj02"))
    metric = geometries_from_wgs84(wgs, METRIC)
    return Boundaries(
        codes=tuple(r["code"] for r in rows),
        names=tuple(r["name"] for r in rows),
        levels=tuple(r["level"] for r in rows),
        parents=tuple(r["parent_code"] or None for r in rows),
        wgs84=np.asarray(wgs.to_numpy(), dtype=object),
        metric=np.asarray(metric.to_numpy(), dtype=object),
    )


# --- coordinates ----------------------------------------------------------------------------
@functools.lru_cache(maxsize=2)
def _transformer(to_metric: bool) -> pyproj.Transformer:
    assert METRIC.epsg is not None
    src, dst = (4326, METRIC.epsg) if to_metric else (METRIC.epsg, 4326)
    return pyproj.Transformer.from_crs(src, dst, always_xy=True)


def to_xy(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """WGS-84 lon/lat to UTM 48N metres."""
    x, y = _transformer(True).transform(np.asarray(lon, float), np.asarray(lat, float))
    return np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)


def to_lonlat(x: ArrayLike, y: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """UTM 48N metres to WGS-84 lon/lat."""
    lon, lat = _transformer(False).transform(np.asarray(x, float), np.asarray(y, float))
    return np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)


def wgs84_geoms(geoms: NDArray[np.object_]) -> gpd.GeoSeries:
    """UTM 48N shapely geometries to a WGS-84 GeoSeries."""
    return geometries_to_wgs84(gpd.GeoSeries(geoms, crs=f"EPSG:{METRIC.epsg}"), METRIC)


def line_xy(lonlat: tuple[tuple[float, float], ...]) -> FloatArray:
    """A lon/lat polyline as an (n, 2) array of metres."""
    arr = np.asarray(lonlat, dtype=np.float64)
    x, y = to_xy(arr[:, 0], arr[:, 1])
    return np.column_stack([x, y])


def petrochem_zone() -> shapely.Polygon:
    """The petrochemical zone polygon in metres."""
    return shapely.Polygon(line_xy(PETROCHEM_LONLAT))


def commercial_lines() -> NDArray[np.object_]:
    """Commercial street polylines in metres, in :data:`COMMERCIAL_STREETS` order."""
    return np.asarray(
        [shapely.LineString(line_xy(coords)) for _, coords in COMMERCIAL_STREETS], dtype=object
    )


def river_line() -> shapely.LineString:
    """The river polyline in metres."""
    return shapely.LineString(line_xy(RIVER_LONLAT))


# --- density --------------------------------------------------------------------------------
def river_offset_km(x: FloatArray, y: FloatArray) -> FloatArray:
    """Signed distance to the river in km: positive north (left bank), negative south.

    Vectorised over points and the river's segments, in chunks to bound memory.
    """
    line = line_xy(RIVER_LONLAT)
    ax, ay = line[:-1, 0], line[:-1, 1]
    bx, by = line[1:, 0], line[1:, 1]
    dx, dy = bx - ax, by - ay
    seg_len2 = dx * dx + dy * dy
    out = np.empty(x.size, dtype=np.float64)
    step = 65_536
    for lo in range(0, x.size, step):
        px = x[lo : lo + step, None]
        py = y[lo : lo + step, None]
        t = np.clip(((px - ax) * dx + (py - ay) * dy) / seg_len2, 0.0, 1.0)
        ex = px - (ax + t * dx)
        ey = py - (ay + t * dy)
        d2 = ex * ex + ey * ey
        best = np.argmin(d2, axis=1)
        rows = np.arange(best.size)
        # The cross product sign says which bank: left of a west-to-east river is north.
        cross = dx[best] * (py[:, 0] - ay[best]) - dy[best] * (px[:, 0] - ax[best])
        out[lo : lo + step] = np.sqrt(d2[rows, best]) * np.where(cross >= 0, 1.0, -1.0)
    return out / 1000.0


def relative_density(x: FloatArray, y: FloatArray) -> FloatArray:
    """Relative household density (peak about 1) at metric points.

    A valley profile (Gaussian in the distance to the river, wider on the south bank), a
    population profile along the valley, a thin tail into the mountains, new development
    zones, a dip on the water itself and almost no residents in the petrochemical zone.
    """
    lon, lat = to_lonlat(x, y)
    off = river_offset_km(x, y)
    sigma = np.where(
        off < 0,
        np.interp(lon, _SIGMA_LON, _SIGMA_SOUTH_KM),
        np.interp(lon, _SIGMA_LON, _SIGMA_NORTH_KM),
    )
    along = np.full(lon.shape, _ALONG_BASE)
    for centre, peak, width in _ALONG_BUMPS:
        along += peak * np.exp(-(((lon - centre) / width) ** 2))
    dist = np.abs(off)
    valley = np.exp(-((dist / sigma) ** 2)) + 0.04 * np.exp(-dist / 3.0)
    dens = along * valley
    for zlon, zlat, radius_km, amp in NEW_ZONES:
        dens += amp * _bump(lon, lat, zlon, zlat, radius_km)
    # Nobody lives on the water (the river is about 200-300 m wide).
    dens *= 1.0 - np.exp(-((dist / 0.12) ** 2))
    zone = petrochem_zone()
    shapely.prepare(zone)
    dens = np.where(shapely.contains_xy(zone, x, y), dens * 0.03, dens)
    # Scattered farmsteads keep the far mountains from being exactly empty.
    return dens + 0.0015


def _bump(
    lon: FloatArray, lat: FloatArray, clon: float, clat: float, radius_km: float
) -> FloatArray:
    dx = (lon - clon) * 111.32 * np.cos(np.radians(clat))
    dy = (lat - clat) * 110.57
    return np.exp(-(dx * dx + dy * dy) / (radius_km * radius_km))


def zone_score(
    x: FloatArray, y: FloatArray, zones: tuple[tuple[float, float, float, float], ...]
) -> FloatArray:
    """Largest Gaussian membership (0..1) of metric points in a set of (lon, lat, r, _) zones."""
    lon, lat = to_lonlat(x, y)
    score = np.zeros(lon.shape)
    for zlon, zlat, radius_km, _ in zones:
        score = np.maximum(score, _bump(lon, lat, zlon, zlat, radius_km))
    return score


def old_core_score(x: FloatArray, y: FloatArray) -> FloatArray:
    """Membership (0..1) of metric points in the old town cores."""
    return zone_score(x, y, tuple((a, b, r, 0.0) for a, b, r in OLD_CORES))
