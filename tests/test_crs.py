"""Tests for gridmap.crs: parsing, WGS-84 <-> GCJ-02 <-> BD-09, EPSG, metric CRS."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pyproj
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from gridmap.crs import (
    CrsSpec,
    area_m2,
    bd09_to_gcj02,
    bd09_to_wgs84,
    from_wgs84,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    geometries_from_wgs84,
    geometries_to_wgs84,
    metric_crs,
    parse_crs,
    to_metric,
    to_wgs84,
    wgs84_to_bd09,
    wgs84_to_gcj02,
)
from gridmap.errors import CrsError

GEOD = pyproj.Geod(ellps="WGS84")

# Published test vectors of the GCJ-02 forward formula (googollee/eviltransform tests),
# as (wgs lon, wgs lat, gcj lon, gcj lat).
EVILTRANSFORM = [
    (121.5272106, 31.1774276, 121.531541859215, 31.17530398364597),  # Shanghai
    (113.912316, 22.543847, 113.9171764808363, 22.540796131694766),  # Shenzhen
    (116.377817, 39.911954, 116.38404722455657, 39.91334545536069),  # Beijing
]
# wandergis/coordTransform README, input (116.404, 39.915) near Tiananmen.
TIANANMEN = (116.404, 39.915)
TIANANMEN_GCJ = (116.41024449916938, 39.91640428150164)  # wgs84_to_gcj02
TIANANMEN_AS_GCJ_TO_BD = (116.41036949371029, 39.92133699351021)  # gcj02_to_bd09
TIANANMEN_BD = (116.41662724378733, 39.922699552216216)  # wgs84_to_bd09
# Their bd09_to_gcj02 uses the one-step approximate inverse.
TIANANMEN_AS_BD_TO_GCJ_APPROX = (116.39762729119315, 39.90865673957631)


def metres(lon1, lat1, lon2, lat2) -> np.ndarray:
    return np.asarray(GEOD.inv(lon1, lat1, lon2, lat2)[2])


def china_points(n: int, seed: int = 7) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.uniform(73.0, 135.0, n), rng.uniform(18.0, 53.5, n)


# --- parse_crs ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("wgs84", CrsSpec("wgs84")),
        ("WGS-84", CrsSpec("wgs84")),
        ("wgs 84", CrsSpec("wgs84")),
        ("EPSG:4326", CrsSpec("wgs84")),
        ("4326", CrsSpec("wgs84")),
        ("CGCS2000", CrsSpec("wgs84")),
        ("epsg:4490", CrsSpec("wgs84")),
        ("4490", CrsSpec("wgs84")),
        ("gcj02", CrsSpec("gcj02")),
        ("GCJ-02", CrsSpec("gcj02")),
        ("gcj", CrsSpec("gcj02")),
        ("Mars", CrsSpec("gcj02")),
        ("amap", CrsSpec("gcj02")),
        ("Tencent", CrsSpec("gcj02")),
        ("bd09", CrsSpec("bd09")),
        ("BD-09", CrsSpec("bd09")),
        ("baidu", CrsSpec("bd09")),
        ("EPSG:2263", CrsSpec("epsg", 2263)),
        (" epsg:32648 ", CrsSpec("epsg", 32648)),
        ("4547", CrsSpec("epsg", 4547)),
    ],
)
def test_parse_crs_accepts(text: str, expected: CrsSpec) -> None:
    assert parse_crs(text) == expected


@pytest.mark.parametrize("text", ["utm", "", "gcj03", "EPSG:", "EPSG:12", "wgs72"])
def test_parse_crs_rejects_unknown_names(text: str) -> None:
    with pytest.raises(CrsError, match=rf"unknown coordinate system '{text}'.*allowed: wgs84"):
        parse_crs(text)


def test_parse_crs_rejects_epsg_codes_pyproj_does_not_know() -> None:
    with pytest.raises(CrsError, match=r"pyproj knows no EPSG:99999; allowed"):
        parse_crs("EPSG:99999")


def test_labels() -> None:
    assert [parse_crs(t).label for t in ("cgcs2000", "amap", "baidu", "2263")] == [
        "WGS-84",
        "GCJ-02",
        "BD-09",
        "EPSG:2263",
    ]


def test_crs_spec_validates() -> None:
    with pytest.raises(CrsError, match="an EPSG code is required"):
        CrsSpec("epsg")
    with pytest.raises(CrsError, match="not allowed otherwise"):
        CrsSpec("gcj02", 4326)
    with pytest.raises(CrsError, match="kind='utm'; allowed"):
        CrsSpec("utm")  # type: ignore[arg-type]


# --- GCJ-02 / BD-09 -------------------------------------------------------------------------
@pytest.mark.parametrize(("lon", "lat", "glon", "glat"), EVILTRANSFORM)
def test_wgs84_to_gcj02_matches_published_vectors(lon, lat, glon, glat) -> None:
    out_lon, out_lat = wgs84_to_gcj02(np.array([lon]), np.array([lat]))
    assert out_lon[0] == pytest.approx(glon, abs=1e-9)
    assert out_lat[0] == pytest.approx(glat, abs=1e-9)


def test_tiananmen_published_values() -> None:
    lon, lat = TIANANMEN
    assert np.allclose(
        wgs84_to_gcj02([lon], [lat]), [[TIANANMEN_GCJ[0]], [TIANANMEN_GCJ[1]]], rtol=0, atol=1e-9
    )
    assert np.allclose(
        gcj02_to_bd09([lon], [lat]),
        [[TIANANMEN_AS_GCJ_TO_BD[0]], [TIANANMEN_AS_GCJ_TO_BD[1]]],
        rtol=0,
        atol=1e-9,
    )
    assert np.allclose(
        wgs84_to_bd09([lon], [lat]), [[TIANANMEN_BD[0]], [TIANANMEN_BD[1]]], rtol=0, atol=1e-9
    )


def test_exact_bd09_inverse_is_within_centimetres_of_the_published_approximation() -> None:
    glon, glat = bd09_to_gcj02([TIANANMEN[0]], [TIANANMEN[1]])
    approx_lon, approx_lat = TIANANMEN_AS_BD_TO_GCJ_APPROX
    assert metres(glon, glat, [approx_lon], [approx_lat])[0] < 0.1
    # ... and, unlike the approximation, it inverts the forward formula exactly.
    blon, blat = gcj02_to_bd09(glon, glat)
    assert abs(blon[0] - TIANANMEN[0]) < 1e-11 and abs(blat[0] - TIANANMEN[1]) < 1e-11


@pytest.mark.parametrize(("lon", "lat", "glon", "glat"), EVILTRANSFORM)
def test_gcj02_to_wgs84_inverts_published_vectors(lon, lat, glon, glat) -> None:
    wlon, wlat = gcj02_to_wgs84([glon], [glat])
    assert metres(wlon, wlat, [lon], [lat])[0] < 0.001


def test_round_trips_across_china_are_well_under_half_a_metre() -> None:
    lon, lat = china_points(20_000)
    glon, glat = wgs84_to_gcj02(lon, lat)
    assert metres(lon, lat, glon, glat).min() > 1.0  # the offset is really applied
    back_lon, back_lat = gcj02_to_wgs84(glon, glat)
    assert metres(lon, lat, back_lon, back_lat).max() < 0.001
    blon, blat = wgs84_to_bd09(lon, lat)
    back_lon, back_lat = bd09_to_wgs84(blon, blat)
    assert metres(lon, lat, back_lon, back_lat).max() < 0.001


@settings(max_examples=200, deadline=None)
@given(
    st.floats(min_value=73.0, max_value=135.0),
    st.floats(min_value=18.0, max_value=53.5),
)
def test_gcj02_round_trip_property(lon: float, lat: float) -> None:
    glon, glat = wgs84_to_gcj02([lon], [lat])
    wlon, wlat = gcj02_to_wgs84(glon, glat)
    assert abs(wlon[0] - lon) < 1e-9 and abs(wlat[0] - lat) < 1e-9


@pytest.mark.parametrize(
    ("lon", "lat"),
    [(-0.1246, 51.5007), (-74.0445, 40.6892), (151.2153, -33.8568), (139.6917, 56.0), (71.9, 40.0)],
)
def test_points_outside_china_are_unchanged(lon: float, lat: float) -> None:
    for func in (wgs84_to_gcj02, gcj02_to_wgs84):
        out_lon, out_lat = func([lon], [lat])
        assert (out_lon[0], out_lat[0]) == (lon, lat)


def test_nan_stays_nan_and_shapes_are_kept() -> None:
    lon = np.array([[116.4, np.nan], [np.nan, 103.8]])
    lat = np.array([[39.9, 39.9], [np.nan, 36.0]])
    for func in (wgs84_to_gcj02, gcj02_to_wgs84, wgs84_to_bd09, bd09_to_wgs84):
        out_lon, out_lat = func(lon, lat)
        assert out_lon.shape == (2, 2)
        assert np.array_equal(np.isnan(out_lon), np.isnan(lon))
        assert np.isfinite(out_lat[0, 0]) and np.isnan(out_lat[1, 0])


# --- EPSG and dispatch ----------------------------------------------------------------------
def test_epsg_2263_origin_of_the_new_york_long_island_zone() -> None:
    # The zone's projection origin (lat 40 deg 10', lon 74 W) is at false easting
    # 984,250 US ft (300 km) and northing 0.
    spec = parse_crs("EPSG:2263")
    lon, lat = to_wgs84([984_250.0], [0.0], spec)
    assert lon[0] == pytest.approx(-74.0, abs=1e-9)
    assert lat[0] == pytest.approx(40.0 + 10.0 / 60.0, abs=1e-9)
    x, y = from_wgs84([-73.985656], [40.748433], spec)  # Empire State Building
    assert 980_000 < x[0] < 995_000 and 205_000 < y[0] < 218_000
    back_lon, back_lat = to_wgs84(x, y, spec)
    assert metres(back_lon, back_lat, [-73.985656], [40.748433])[0] < 1e-6


@pytest.mark.parametrize("name", ["wgs84", "gcj02", "bd09", "EPSG:32648", "EPSG:4547"])
def test_to_and_from_wgs84_round_trip(name: str) -> None:
    spec = parse_crs(name)
    lon, lat = np.array([103.83, 103.71]), np.array([36.06, 36.10])
    x, y = from_wgs84(lon, lat, spec)
    back_lon, back_lat = to_wgs84(x, y, spec)
    assert metres(back_lon, back_lat, lon, lat).max() < 1e-4


def test_wgs84_conversion_returns_copies() -> None:
    lon = np.array([103.8])
    out, _ = to_wgs84(lon, [36.0], parse_crs("cgcs2000"))
    out[0] = 0.0
    assert lon[0] == 103.8


# --- geometries -----------------------------------------------------------------------------
def square(lon: float, lat: float, d: float = 0.001) -> shapely.Polygon:
    return shapely.box(lon, lat, lon + d, lat + d)


def test_geometries_to_wgs84_from_gcj02_converts_every_vertex_and_keeps_the_index() -> None:
    gcj = gpd.GeoSeries([square(103.83, 36.06), None], index=[10, 20], crs=4326)
    out = geometries_to_wgs84(gcj, parse_crs("gcj02"))
    assert out.crs.to_epsg() == 4326 and list(out.index) == [10, 20] and out.iloc[1] is None
    coords = shapely.get_coordinates(gcj.iloc[0])
    expected = np.column_stack(gcj02_to_wgs84(coords[:, 0], coords[:, 1]))
    assert np.allclose(shapely.get_coordinates(out.iloc[0]), expected, rtol=0, atol=1e-12)


def test_geometries_round_trip_through_bd09_and_accept_plain_arrays() -> None:
    geoms = np.array([square(116.40, 39.91), square(121.47, 31.23)], dtype=object)
    bd = geometries_from_wgs84(geoms, parse_crs("baidu"))
    assert bd.crs is None  # BD-09 has no EPSG code
    back = geometries_to_wgs84(bd.to_numpy(), parse_crs("bd09"))
    assert np.allclose(
        shapely.get_coordinates(back.to_numpy()), shapely.get_coordinates(geoms), atol=1e-11
    )


def test_geometries_epsg_uses_pyproj_and_checks_the_label() -> None:
    utm = gpd.GeoSeries([shapely.box(300_000, 3_990_000, 300_100, 3_990_100)], crs=32648)
    out = geometries_to_wgs84(utm, parse_crs("EPSG:32648"))
    assert out.crs.to_epsg() == 4326
    assert out.geom_equals_exact(utm.to_crs(4326), tolerance=1e-12).all()
    with pytest.raises(CrsError, match="labelled EPSG:32648 but were declared EPSG:2263"):
        geometries_to_wgs84(utm, parse_crs("EPSG:2263"))
    with pytest.raises(CrsError, match="labelled EPSG:32648; expected EPSG:4326"):
        geometries_to_wgs84(utm, parse_crs("gcj02"))
    back = geometries_from_wgs84(out, parse_crs("EPSG:32648"))
    assert back.crs.to_epsg() == 32648
    # The same CRS in another WKT flavour (an ESRI .prj) is not a mismatch.
    esri = pyproj.CRS.from_wkt(pyproj.CRS.from_epsg(32648).to_wkt(version="WKT1_ESRI"))
    assert geometries_to_wgs84(utm.set_crs(esri, allow_override=True), parse_crs("32648")).equals(
        out
    )


# --- metric CRS -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("lon", "lat", "epsg"),
    [
        (103.8, 36.05, 32648),
        (116.4, 39.9, 32650),
        (121.47, 31.23, 32651),
        (151.2, -33.9, 32756),
        (-180.0, 0.0, 32601),
        (180.0, 10.0, 32660),
    ],
)
def test_metric_crs_is_the_utm_zone(lon: float, lat: float, epsg: int) -> None:
    assert metric_crs(lon, lat).to_epsg() == epsg


def test_to_metric_and_area_m2() -> None:
    utm = gpd.GeoDataFrame(
        {"code": ["A"]}, geometry=[shapely.box(300_000, 3_990_000, 300_100, 3_990_100)], crs=32648
    )
    wgs = utm.to_crs(4326)
    assert to_metric(wgs).crs.to_epsg() == 32648
    assert area_m2(wgs)[0] == pytest.approx(10_000.0, rel=1e-6)
    assert area_m2(wgs.geometry)[0] == pytest.approx(10_000.0, rel=1e-6)


def test_to_metric_raises_on_other_crs() -> None:
    utm = gpd.GeoDataFrame(geometry=[shapely.box(0, 0, 1, 1)], crs=32648)
    with pytest.raises(CrsError, match=r"expected data in EPSG:4326 .* found EPSG:32648"):
        to_metric(utm)
    with pytest.raises(CrsError, match="found no CRS"):
        area_m2(gpd.GeoSeries([shapely.box(0, 0, 1, 1)]))
