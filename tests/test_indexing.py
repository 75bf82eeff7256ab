"""Tests for gridmap.indexing: H3 ids, the (lat, lng) order, parents, polygon cover."""

from __future__ import annotations

import geopandas as gpd
import h3
import numpy as np
import pytest
import shapely

from gridmap import schema
from gridmap.errors import CrsError, SchemaError
from gridmap.indexing import (
    cell_parents,
    cells_to_str,
    points_to_cells,
    polygons_to_cells,
    str_to_cells,
)

# Golden ids, verified once with h3-py 4.5 (h3.latlng_to_cell(lat, lng, res)).
GOLDEN = [
    (103.83, 36.06, 11, "8b24d2a9c12dfff"),  # Lanzhou centre
    (116.3975, 39.9087, 9, "8931aa42803ffff"),  # Tiananmen
    (121.4737, 31.2304, 10, "8a309959d727fff"),  # Shanghai
    (103.8, 36.0, 10, "8a24d2068a97fff"),
]


def lanzhou_points(n: int, seed: int = 3) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.uniform(103.6, 104.0, n), rng.uniform(35.95, 36.15, n)


# --- points ---------------------------------------------------------------------------------
@pytest.mark.parametrize(("lon", "lat", "res", "hex_id"), GOLDEN)
def test_points_to_cells_golden_ids(lon: float, lat: float, res: int, hex_id: str) -> None:
    cells = points_to_cells(np.array([lon]), np.array([lat]), res)
    assert cells.dtype == np.uint64
    assert cells_to_str(cells).tolist() == [hex_id]


def test_points_are_passed_as_lon_lat() -> None:
    cell = points_to_cells([103.8], [36.0], 9)[0]
    lat, lng = h3.cell_to_latlng(cells_to_str([cell])[0])
    assert abs(lng - 103.8) < 0.01 and abs(lat - 36.0) < 0.01


def test_default_resolution_is_point_res() -> None:
    cell = cells_to_str(points_to_cells([103.83], [36.06]))[0]
    assert h3.get_resolution(cell) == schema.POINT_RES


def test_nan_and_out_of_range_give_zero() -> None:
    lon = np.array([np.nan, 103.8, np.inf, 103.8, 181.0, 103.8])
    lat = np.array([36.0, np.nan, 36.0, 91.0, 36.0, 36.0])
    cells = points_to_cells(lon, lat)
    assert cells[:5].tolist() == [0, 0, 0, 0, 0]
    assert cells[5] != 0


def test_empty_and_2d_inputs() -> None:
    assert points_to_cells(np.array([]), np.array([])).shape == (0,)
    lon, lat = lanzhou_points(6)
    cells = points_to_cells(lon.reshape(2, 3), lat.reshape(2, 3), 10)
    assert cells.shape == (2, 3)
    assert np.array_equal(cells.ravel(), points_to_cells(lon, lat, 10))


def test_large_inputs_split_across_threads_match_h3_py() -> None:
    lon, lat = lanzhou_points(250_000)
    lon[::1000] = np.nan
    cells = points_to_cells(lon, lat, 11)
    sample = np.arange(0, lon.size, 97)
    expected = [
        0 if np.isnan(lon[i]) else h3.str_to_int(h3.latlng_to_cell(lat[i], lon[i], 11))
        for i in sample
    ]
    assert cells[sample].tolist() == expected
    assert (cells[::1000] == 0).all() and (np.delete(cells, np.s_[::1000]) != 0).all()


# --- parents --------------------------------------------------------------------------------
@pytest.mark.parametrize("res", [7, 8, 9, 10, 11])
def test_cell_parents_equal_h3_cell_to_parent(res: int) -> None:
    lon, lat = lanzhou_points(2_000)
    cells = points_to_cells(lon, lat, 11)
    expected = [h3.str_to_int(h3.cell_to_parent(h3.int_to_str(int(c)), res)) for c in cells]
    assert cell_parents(cells, res).tolist() == expected


def test_cell_parents_keeps_zero_and_rejects_finer_resolutions() -> None:
    cells = np.array([0, h3.str_to_int("8a24d2068a97fff")], dtype=np.uint64)
    assert cell_parents(cells, 8)[0] == 0
    with pytest.raises(
        SchemaError, match="parent resolution 11 is finer than cells of resolution 10"
    ):
        cell_parents(cells, 11)
    with pytest.raises(SchemaError, match=r"H3 resolution 16; allowed: an integer 0\.\.15"):
        cell_parents(cells, 16)


def test_parent_convention_differs_from_direct_indexing_for_a_few_points() -> None:
    # The documented convention: display cells are parents of the stored res-11 cell.
    lon, lat = lanzhou_points(20_000)
    parents = cell_parents(points_to_cells(lon, lat, 11), 9)
    direct = points_to_cells(lon, lat, 9)
    share = float((parents != direct).mean())
    assert 0.0 < share < 0.15


# --- strings --------------------------------------------------------------------------------
def test_cells_to_str_and_back() -> None:
    lon, lat = lanzhou_points(1_000)
    cells = points_to_cells(lon, lat, 10)
    cells[5] = 0
    strings = cells_to_str(cells)
    assert strings.dtype == object and strings[5] == "0"
    assert strings[0] == h3.int_to_str(int(cells[0]))
    assert np.array_equal(str_to_cells(strings), cells)


def test_str_to_cells_rejects_non_cells() -> None:
    with pytest.raises(SchemaError, match=r"2 value\(s\) are not H3 cells: 'zz', '123'"):
        str_to_cells(["8a24d2068a97fff", "zz", "123"])


# --- polygons -------------------------------------------------------------------------------
def frame(*geoms: object) -> gpd.GeoSeries:
    return gpd.GeoSeries(list(geoms), crs=4326)


def test_polygon_cover_uses_centre_containment_like_h3_py() -> None:
    poly = shapely.Polygon([(103.80, 36.00), (103.84, 36.01), (103.83, 36.05), (103.79, 36.03)])
    out = polygons_to_cells(frame(poly), 10)
    shape = h3.LatLngPoly([(lat, lng) for lng, lat in poly.exterior.coords[:-1]])
    expected = sorted(h3.str_to_int(c) for c in h3.polygon_to_cells(shape, 10))
    assert out["cell"].tolist() == expected
    assert (out["geom_index"] == 0).all()
    assert list(out.columns) == ["geom_index", "cell"] and out["cell"].dtype == np.uint64


def test_polygon_smaller_than_a_cell_gets_exactly_one_cell() -> None:
    tiny = shapely.box(103.8, 36.0, 103.8002, 36.0002)  # about 20 m, a res-10 cell is ~75 m
    out = polygons_to_cells(frame(tiny), 10)
    rep = shapely.point_on_surface(tiny)
    assert out["cell"].tolist() == points_to_cells([rep.x], [rep.y], 10).tolist()


def test_polygon_with_hole_gets_no_cells_in_the_hole() -> None:
    outer = shapely.box(103.80, 36.00, 103.84, 36.04)
    hole = shapely.box(103.81, 36.01, 103.83, 36.03)
    out = polygons_to_cells(frame(outer.difference(hole)), 10)
    centres = np.array([h3.cell_to_latlng(h3.int_to_str(int(c))) for c in out["cell"]])
    in_hole = shapely.contains_xy(hole, centres[:, 1], centres[:, 0])
    assert len(out) > 0 and not in_hole.any()
    full = polygons_to_cells(frame(outer), 10)
    assert len(full) > len(out)


def test_zoo_multipolygon_none_empty_and_sorting() -> None:
    a = shapely.box(103.80, 36.00, 103.81, 36.01)
    b = shapely.box(103.85, 36.00, 103.86, 36.01)
    geoms = frame(b, None, shapely.Polygon(), shapely.MultiPolygon([a, b]), a)
    out = polygons_to_cells(geoms, 10)
    counts = out.groupby("geom_index").size()
    assert counts.index.tolist() == [0, 3, 4]
    assert counts[3] == counts[0] + counts[4]
    assert out.equals(out.sort_values(["geom_index", "cell"]).reset_index(drop=True))
    assert not out.duplicated().any()


def test_polygons_to_cells_empty_input_and_crs_check() -> None:
    out = polygons_to_cells(frame(None), 10)
    assert out.empty and list(out.columns) == ["geom_index", "cell"]
    with pytest.raises(CrsError, match="needs EPSG:4326 geometries, found EPSG:32648"):
        polygons_to_cells(gpd.GeoSeries([shapely.box(0, 0, 1, 1)], crs=32648), 10)
