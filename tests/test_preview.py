"""gridmap.importing.preview: reading before import, CRS guesses, saved mappings."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from gridmap.crs import wgs84_to_bd09, wgs84_to_gcj02
from gridmap.errors import CrsError, SchemaError
from gridmap.importing.preview import (
    Reference,
    allowed_suffixes,
    apply_saved,
    category_counts,
    default_code,
    delete_mapping,
    explicit_mapping,
    fixed_value_fields,
    guess_admin_level,
    guess_crs,
    load_mappings,
    preview_file,
    reference_for,
    sample_points,
    sample_polygons,
    save_mapping,
    swap_lonlat,
    unclassified_rows,
)
from gridmap.store import Workspace

from .builders import ORIGIN, UTM48N, shared_file, snapshot


def _points_in_block(n: int = 40, seed: int = 5) -> tuple[np.ndarray, np.ndarray]:
    """WGS-84 points inside the 200 m community block of the ``workspace`` fixture."""
    rng = np.random.default_rng(seed)
    pts = gpd.GeoSeries(
        gpd.points_from_xy(
            ORIGIN[0] + rng.uniform(10, 190, n), ORIGIN[1] + rng.uniform(10, 190, n)
        ),
        crs=UTM48N,
    ).to_crs(4326)
    return pts.x.to_numpy(), pts.y.to_numpy()


def test_allowed_suffixes_per_kind() -> None:
    assert "xlsx" in allowed_suffixes("incidents") and "zip" not in allowed_suffixes("incidents")
    assert "zip" in allowed_suffixes("grids") and "csv" not in allowed_suffixes("grids")
    with pytest.raises(SchemaError, match="kind 'roads' is not one of grids, admin"):
        allowed_suffixes("roads")


@pytest.mark.parametrize(
    ("convert", "chosen", "expected"),
    [
        (wgs84_to_gcj02, "wgs84", "gcj02"),
        (wgs84_to_bd09, "wgs84", "bd09"),
        (wgs84_to_gcj02, "gcj02", None),  # right already: no suggestion
    ],
)
def test_guess_finds_the_chinese_offset_systems(
    workspace: Path, convert: object, chosen: str, expected: str | None
) -> None:
    lon, lat = _points_in_block()
    x, y = convert(lon, lat)  # type: ignore[operator]
    ref = reference_for(Workspace(workspace), "incidents")
    guess = guess_crs(x, y, ref, chosen=chosen)
    assert guess.chosen is not None and guess.chosen.crs == chosen
    if expected is None:
        assert guess.suggest is None
    else:
        assert guess.suggest is not None and guess.suggest.crs == expected
        assert guess.suggest.inside == 1.0 and guess.chosen.inside < 0.5


def test_guess_finds_swapped_lon_lat(workspace: Path) -> None:
    lon, lat = _points_in_block()
    ref = reference_for(Workspace(workspace), "incidents")
    guess = guess_crs(lat, lon, ref, chosen="wgs84")
    assert guess.suggest is not None
    assert (guess.suggest.crs, guess.suggest.swapped) == ("wgs84", True)
    assert guess.reasons == ["unusable"] or guess.reasons == ["outside"]


def test_guess_finds_projected_metres(workspace: Path) -> None:
    rng = np.random.default_rng(2)
    x = ORIGIN[0] + rng.uniform(10, 190, 30)
    y = ORIGIN[1] + rng.uniform(10, 190, 30)
    ref = reference_for(Workspace(workspace), "incidents")
    guess = guess_crs(x, y, ref, chosen="wgs84")
    assert guess.projected and guess.chosen is not None and guess.chosen.usable == 0.0
    assert guess.suggest is not None and guess.suggest.crs == "EPSG:32648"
    assert guess.reasons == ["projected"]


def test_no_suggestion_for_data_from_another_city(workspace: Path) -> None:
    """New York points in a Lanzhou workspace: no system puts them there, so no advice."""
    ref = reference_for(Workspace(workspace), "incidents")
    guess = guess_crs(np.array([-73.98, -73.95]), np.array([40.75, 40.70]), ref, chosen="wgs84")
    assert guess.suggest is None and guess.chosen is not None and guess.chosen.inside == 0.0


def test_preview_reads_gbk_csv_and_samples_under_a_crs(tmp_path: Path) -> None:
    lon, lat = _points_in_block(5)
    glon, glat = wgs84_to_gcj02(lon, lat)
    frame = pd.DataFrame(
        {"事件编号": list("abcde"), "经度": glon, "纬度": glat, "事件类型": ["占道经营"] * 5}
    )
    path = tmp_path / "gbk.csv"
    frame.to_csv(path, index=False, encoding="gbk")
    pv = preview_file(path, "incidents")
    assert pv.encoding is not None and pv.encoding.lower().startswith("gb")
    assert pv.auto == {"id": "事件编号", "category": "事件类型", "lon": "经度", "lat": "纬度"}
    pts = sample_points(pv, pv.auto, "gcj02")
    np.testing.assert_allclose(pts["lon"], lon, atol=2e-6)
    np.testing.assert_allclose(pts["lat"], lat, atol=2e-6)
    counts = category_counts(pv, "事件类型")
    assert counts.to_dict(orient="records") == [
        {"value": "占道经营", "count": 5, "category": "urban_management"}
    ]
    with pytest.raises(SchemaError, match="column '经度' is chosen for both lon and lat"):
        explicit_mapping({"lon": "经度", "lat": "经度"}, pv)


def test_preview_of_nyc_state_plane_feet() -> None:
    pv = preview_file(shared_file("real", "nyc", "nypdsector_raw.shp"), "grids")
    assert pv.file_crs == "EPSG:2263" and pv.n_rows == 303 and pv.auto == {"code": "SECTOR"}
    polys = sample_polygons(pv, None)
    x0, y0, x1, y1 = polys.total_bounds
    assert -74.3 < x0 < x1 < -73.6 and 40.4 < y0 < y1 < 41.0
    with pytest.raises(CrsError, match=r"are not degrees \(WGS-84\); .* choose an EPSG code"):
        sample_polygons(pv, "wgs84")


def test_saved_mappings_round_trip(workspace: Path) -> None:
    ws = Workspace(workspace)
    before = snapshot(workspace)
    with pytest.raises(SchemaError, match="mapping name: empty"):
        save_mapping(ws, "  ", "incidents", columns={"lon": "经度"})
    with pytest.raises(SchemaError, match="mapping x: colour not incidents field"):
        save_mapping(ws, "x", "incidents", columns={"colour": "颜色"})
    with pytest.raises(SchemaError, match="category 'traffic' is not one of"):
        save_mapping(ws, "x", "incidents", columns={}, categories={"堵车": "traffic"})
    assert snapshot(workspace) == before  # nothing half-written
    save_mapping(
        ws,
        "12345热线",
        "incidents",
        columns={"lon": "经度", "lat": "纬度", "category": "事件类型"},
        categories={"犬只扰民": "urban_management"},
        crs="gcj02",
        user="王五",
    )
    save_mapping(ws, "12345热线", "cameras", columns={"lon": "X"})
    (saved,) = load_mappings(ws, "incidents")
    assert saved.columns["category"] == "事件类型" and saved.crs == "gcj02"
    assert saved.categories == {"犬只扰民": "urban_management"} and saved.user == "王五"
    present, missing = apply_saved(saved, ["经度", "纬度", "类型"])
    assert present == {"lon": "经度", "lat": "纬度"} and missing == ["事件类型"]
    assert len(load_mappings(ws)) == 2
    delete_mapping(ws, "12345热线", "incidents")
    assert [m.kind for m in load_mappings(ws)] == ["cameras"]
    with pytest.raises(SchemaError, match="no saved incidents mapping named 'nope'"):
        delete_mapping(ws, "nope", "incidents")


# --- the defaults the Data page offers (pure: no workspace, no Streamlit) ------------------
@pytest.mark.parametrize(
    ("name", "level"),
    [
        ("620100.geojson", "city"),  # a GB/T 2260 code ending in 00: the city
        ("620104.shp", "district"),
        ("兰州区县.shp", "district"),
        ("兰州市区县.zip", "district"),  # 市 names the city the districts are in
        ("西固区街道.gpkg", "street"),
        ("西固区乡镇.shp", "street"),
        ("城关区社区.geojson", "community"),  # the 区 inside 社区 is no district
        ("榆中县村委会.shp", "community"),
        ("兰州市.geojson", "city"),
        ("lanzhou_districts.shp", "district"),
        ("Lanzhou-County.zip", "district"),
        ("downtown.shp", ""),  # no "town" inside another word
        ("boundaries.gpkg", ""),
        ("62010.shp", ""),  # five digits: no code
    ],
)
def test_admin_level_guessed_from_the_file_name(name: str, level: str) -> None:
    assert guess_admin_level(name) == level


def test_fixed_code_offered_only_for_one_feature_named_by_its_code() -> None:
    assert default_code("620104001.shp", 1) == "620104001"
    assert default_code("620104001.shp", 2) == ""
    assert default_code("西固.shp", 1) == ""


def test_fixed_value_fields_per_kind() -> None:
    assert fixed_value_fields("admin", {"code": "CODE", "name": ""}) == ["name", "level"]
    assert fixed_value_fields("grids", {}) == ["code", "name", "grid_type"]
    assert fixed_value_fields("keyareas", {"code": "A", "name": "B"}) == []
    assert fixed_value_fields("incidents", {}) == []


def test_swap_lonlat_exchanges_the_chosen_columns_only_when_both_are_chosen() -> None:
    explicit = {"经度": "lon", "纬度": "lat", "编号": "id"}
    chosen = {"lon": "经度", "lat": "纬度", "id": "编号"}
    assert swap_lonlat(explicit, chosen) == {"经度": "lat", "纬度": "lon", "编号": "id"}
    assert explicit["经度"] == "lon"  # a new mapping: the page's copy is untouched
    assert swap_lonlat({"经度": "lon"}, {"lon": "经度", "lat": ""}) == {"经度": "lon"}


def test_unclassified_rows_follow_the_users_choices() -> None:
    counts = pd.DataFrame(
        {
            "value": ["犬只扰民", "占道经营", "其他"],
            "count": [5, 3, 2],
            "category": ["unclassified", "urban_management", "unclassified"],
        }
    )
    assert unclassified_rows(counts, {}) == 7
    assert unclassified_rows(counts, {"犬只扰民": "urban_management"}) == 2
    assert unclassified_rows(counts, {"占道经营": "unclassified", "其他": "ecology"}) == 8
    assert unclassified_rows(counts.iloc[:0], {}) == 0


def _lanzhou() -> tuple[Reference, np.ndarray, np.ndarray]:
    """An outline around 城关区 and 60 incidents inside it, as real lon/lat."""
    ref = Reference(outline=shapely.box(103.70, 36.00, 103.95, 36.12), polygons=None, points=None)
    rng = np.random.default_rng(16)
    return ref, rng.uniform(103.72, 103.93, 60), rng.uniform(36.02, 36.10, 60)


def test_swapped_lon_lat_detected_on_lanzhou_coordinates() -> None:
    """A 经度 column holding 36.05 and a 纬度 column holding 103.8: read as given, nothing
    lands in China; swapped, everything lands in the city."""
    ref, lon, lat = _lanzhou()
    guess = guess_crs(lat, lon, ref, chosen="wgs84")
    assert guess.chosen is not None and guess.chosen.usable == 0.0
    assert guess.suggest is not None
    assert (guess.suggest.crs, guess.suggest.swapped) == ("wgs84", True)
    assert guess.suggest.inside == 1.0


@pytest.mark.parametrize("chosen", ["wgs84", "gcj02"])
def test_no_false_swap_on_real_lon_lat(chosen: str) -> None:
    ref, lon, lat = _lanzhou()
    guess = guess_crs(lon, lat, ref, chosen=chosen)
    assert guess.suggest is None
    assert not guess.best.swapped and guess.best.inside == 1.0
    swapped = [c for c in guess.candidates if c.swapped]
    assert swapped and all(c.usable == 0.0 for c in swapped)
