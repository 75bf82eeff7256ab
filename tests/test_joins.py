"""Tests for gridmap.joins: exact point -> grid assignment with the smallest-code rule."""

from __future__ import annotations

import logging

import geopandas as gpd
import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from gridmap.errors import CrsError, SchemaError
from gridmap.joins import _touched_pixels, assign_codes, assign_points, build_grid_lookup

# Binary fractions of a degree, so that every edge and corner below is exactly representable.
X0, Y0, STEP = 103.75, 36.0, 0.03125


def squares_2x2(codes: tuple[str, str, str, str] = ("9", "10", "11", "100")) -> gpd.GeoDataFrame:
    """Four grids of 1/32 degree (about 3 km) in a 2x2 block, codes in reading order.

    ::

        36.0625  +---------+---------+
                 |   "9"   |  "10"   |
        36.03125 +---------+---------+
                 |  "11"   |  "100"  |
        36.0     +---------+---------+
              103.75   103.78125  103.8125

    In string order "10" < "100" < "11" < "9", unlike numeric order.
    """
    boxes = [
        shapely.box(X0, Y0 + STEP, X0 + STEP, Y0 + 2 * STEP),
        shapely.box(X0 + STEP, Y0 + STEP, X0 + 2 * STEP, Y0 + 2 * STEP),
        shapely.box(X0, Y0, X0 + STEP, Y0 + STEP),
        shapely.box(X0 + STEP, Y0, X0 + 2 * STEP, Y0 + STEP),
    ]
    return gpd.GeoDataFrame({"code": list(codes)}, geometry=boxes, crs=4326)


def reference_codes(grids: gpd.GeoDataFrame, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """geopandas.sjoin(predicate="intersects") + smallest code in string order per point."""
    points = gpd.GeoDataFrame(geometry=gpd.points_from_xy(lon, lat), crs=4326)
    joined = gpd.sjoin(points, grids[["code", "geometry"]], predicate="intersects")
    joined = joined.assign(code=joined["code"].astype(str))
    smallest = joined.groupby(level=0)["code"].min()
    out = np.full(len(lon), None, dtype=object)
    out[smallest.index.to_numpy()] = smallest.to_numpy()
    return out


def voronoi_grids(n: int, rng: np.random.Generator) -> gpd.GeoDataFrame:
    """About ``n`` irregular grids over a Lanzhou-like area (103.6-103.9 E, 36.0-36.1 N)."""
    frame = shapely.box(103.6, 36.0, 103.9, 36.1)
    seeds = shapely.multipoints(
        np.column_stack([rng.uniform(103.6, 103.9, n), rng.uniform(36.0, 36.1, n)])
    )
    cells = shapely.intersection(
        shapely.get_parts(shapely.voronoi_polygons(seeds, extend_to=frame)), frame
    )
    codes = [f"62010{i:04d}" for i in rng.permutation(len(cells))]
    return gpd.GeoDataFrame({"code": codes}, geometry=cells, crs=4326)


def points_on_edges(
    grids: gpd.GeoDataFrame, n: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Half exactly on vertices, half interpolated along edges (on them up to rounding)."""
    coords = shapely.get_coordinates(grids.geometry.boundary.to_numpy())
    pick = rng.integers(0, len(coords) - 1, n)
    t = rng.uniform(0.0, 1.0, n)
    t[: n // 2] = 0.0
    on = coords[pick] + t[:, None] * (coords[pick + 1] - coords[pick])
    return on[:, 0], on[:, 1]


# --- the 2x2 block --------------------------------------------------------------------------
@pytest.fixture(scope="module")
def block() -> gpd.GeoDataFrame:
    return squares_2x2()


@pytest.mark.parametrize(
    ("lon", "lat", "expected"),
    [
        (X0 + 0.5 * STEP, Y0 + 1.5 * STEP, "9"),  # inside
        (X0 + 1.5 * STEP, Y0 + 0.5 * STEP, "100"),
        (X0 + STEP, Y0 + 1.5 * STEP, "10"),  # edge "9"|"10"
        (X0 + 0.5 * STEP, Y0 + STEP, "11"),  # edge "9"|"11"
        (X0 + 1.5 * STEP, Y0 + STEP, "10"),  # edge "10"|"100"
        (X0 + STEP, Y0 + 0.5 * STEP, "100"),  # edge "11"|"100"
        (X0 + STEP, Y0 + STEP, "10"),  # the shared corner of all four
        (X0, Y0, "11"),  # outer corner: the boundary is part of the grid
        (X0 + 2 * STEP, Y0 + 0.7 * STEP, "100"),  # outer edge
        (X0 - 1e-9, Y0 + 0.5 * STEP, None),  # just outside
        (X0 + 3 * STEP, Y0, None),  # far outside
    ],
)
def test_block_edges_and_corners_go_to_the_smallest_code(
    block: gpd.GeoDataFrame, lon: float, lat: float, expected: str | None
) -> None:
    lookup = build_grid_lookup(block)
    assert assign_codes(lookup, [lon], [lat]).tolist() == [expected]
    assert reference_codes(block, np.array([lon]), np.array([lat])).tolist() == [expected]


def test_block_positions_nan_and_dtype(block: gpd.GeoDataFrame) -> None:
    lookup = build_grid_lookup(block)
    pos = assign_points(lookup, [X0 + 0.5 * STEP, np.nan, 103.0], [Y0 + 0.5 * STEP, 36.0, np.nan])
    assert pos.dtype == np.int32 and pos.tolist() == [2, -1, -1]


def test_block_dense_grid_of_points_on_the_pixel_lattice_and_edges(block: gpd.GeoDataFrame) -> None:
    # Every multiple of 1/1024 degree across and around the block: hundreds of points
    # exactly on edges and corners, at fine and coarse pixels.
    ticks = X0 - STEP / 4 + np.arange(0, 2.5 * STEP, 1 / 1024)
    lon, lat = np.meshgrid(ticks, Y0 - STEP / 4 + np.arange(0, 2.5 * STEP, 1 / 1024))
    lon, lat = lon.ravel(), lat.ravel()
    expected = reference_codes(block, lon, lat)
    for pixel_m in (5.0, 87.0, 400.0):
        got = assign_codes(build_grid_lookup(block, pixel_m=pixel_m), lon, lat)
        assert (got == expected).all(), pixel_m


def test_a_point_in_a_hole_goes_nowhere() -> None:
    outer = shapely.box(X0, Y0, X0 + STEP, Y0 + STEP)
    hole = shapely.box(X0 + STEP / 4, Y0 + STEP / 4, X0 + STEP / 2, Y0 + STEP / 2)
    grids = gpd.GeoDataFrame({"code": ["A"]}, geometry=[outer.difference(hole)], crs=4326)
    lookup = build_grid_lookup(grids)
    lon = [X0 + STEP * 3 / 8, X0 + STEP / 4, X0 + STEP * 3 / 4]
    lat = [Y0 + STEP * 3 / 8, Y0 + STEP * 3 / 8, Y0 + STEP * 3 / 4]
    assert assign_codes(lookup, lon, lat).tolist() == [None, "A", "A"]  # hole, hole edge, inside


def test_a_grid_inside_the_hole_of_another() -> None:
    outer = shapely.box(X0, Y0, X0 + STEP, Y0 + STEP)
    hole = shapely.box(X0 + STEP / 4, Y0 + STEP / 4, X0 + STEP / 2, Y0 + STEP / 2)
    grids = gpd.GeoDataFrame(
        {"code": ["B", "A"]}, geometry=[outer.difference(hole), hole], crs=4326
    )
    lookup = build_grid_lookup(grids)
    lon = [X0 + STEP * 3 / 8, X0 + STEP / 4, X0 + STEP * 3 / 4]
    lat = [Y0 + STEP * 3 / 8, Y0 + STEP * 3 / 8, Y0 + STEP * 3 / 4]
    assert assign_codes(lookup, lon, lat).tolist() == ["A", "A", "B"]


# --- against geopandas.sjoin ----------------------------------------------------------------
@pytest.fixture(scope="module")
def voronoi() -> gpd.GeoDataFrame:
    return voronoi_grids(200, np.random.default_rng(11))


@pytest.fixture(scope="module")
def voronoi_lookup(voronoi: gpd.GeoDataFrame):
    return build_grid_lookup(voronoi)


def test_irregular_grids_20k_points_equal_sjoin(voronoi, voronoi_lookup) -> None:
    rng = np.random.default_rng(5)
    lon = rng.uniform(103.58, 103.92, 20_000)
    lat = rng.uniform(35.99, 36.11, 20_000)
    e_lon, e_lat = points_on_edges(voronoi, 4_000, rng)
    lon, lat = np.concatenate([lon, e_lon]), np.concatenate([lat, e_lat])
    got = assign_codes(voronoi_lookup, lon, lat)
    assert (got == reference_codes(voronoi, lon, lat)).all()
    assert (got[-4_000:] != None).all()  # noqa: E711 - elementwise on an object array


def test_raster_is_mostly_decided_without_the_exact_test(voronoi_lookup) -> None:
    border = float((voronoi_lookup.raster == -2).mean())
    assert 0.0 < border < 0.15


@st.composite
def probe_points(draw: st.DrawFn) -> tuple[float, float]:
    """A random point, a grid vertex, or a point along a grid edge."""
    kind = draw(st.sampled_from(["free", "vertex", "edge"]))
    if kind == "free":
        return (
            draw(st.floats(min_value=103.59, max_value=103.91)),
            draw(st.floats(min_value=35.99, max_value=36.11)),
        )
    coords = shapely.get_coordinates(VORONOI_FOR_HYPOTHESIS.geometry.boundary.to_numpy())
    i = draw(st.integers(min_value=0, max_value=len(coords) - 2))
    t = 0.0 if kind == "vertex" else draw(st.floats(min_value=0.0, max_value=1.0))
    x, y = coords[i] + t * (coords[i + 1] - coords[i])
    return float(x), float(y)


VORONOI_FOR_HYPOTHESIS = voronoi_grids(40, np.random.default_rng(23))
LOOKUP_FOR_HYPOTHESIS = build_grid_lookup(VORONOI_FOR_HYPOTHESIS)


@settings(max_examples=60, deadline=None)
@given(st.lists(probe_points(), min_size=1, max_size=50))
def test_assignment_equals_sjoin_reference_property(points: list[tuple[float, float]]) -> None:
    lon, lat = np.array(points).T
    got = assign_codes(LOOKUP_FOR_HYPOTHESIS, lon, lat)
    assert got.tolist() == reference_codes(VORONOI_FOR_HYPOTHESIS, lon, lat).tolist()


@settings(max_examples=60, deadline=None)
@given(st.lists(probe_points(), min_size=1, max_size=50))
def test_an_incident_lands_in_at_most_one_grid_that_covers_it(
    points: list[tuple[float, float]],
) -> None:
    lon, lat = np.array(points).T
    pos = assign_points(LOOKUP_FOR_HYPOTHESIS, lon, lat)
    geoms = VORONOI_FOR_HYPOTHESIS.geometry.to_numpy()
    covering = shapely.intersects_xy(geoms[:, None], lon[None, :], lat[None, :])
    for j, p in enumerate(pos.tolist()):
        codes = VORONOI_FOR_HYPOTHESIS["code"].to_numpy()[covering[:, j]]
        if p < 0:
            assert len(codes) == 0
        else:
            assert covering[p, j] and VORONOI_FOR_HYPOTHESIS["code"].iloc[p] == min(codes)


# --- faults and edge cases ------------------------------------------------------------------
def test_overlapping_grids_still_follow_the_smallest_code_rule(caplog) -> None:
    rng = np.random.default_rng(8)
    grids = gpd.GeoDataFrame(
        {"code": ["B", "A", "C"]},
        geometry=[
            shapely.box(X0, Y0, X0 + STEP, Y0 + STEP),
            shapely.box(X0 + STEP / 2, Y0 + STEP / 3, X0 + 1.5 * STEP, Y0 + STEP),
            shapely.box(X0 + STEP / 5, Y0 + STEP / 5, X0 + STEP / 4, Y0 + STEP / 4),  # inside B
        ],
        crs=4326,
    )
    with caplog.at_level(logging.WARNING, logger="gridmap.joins"):
        lookup = build_grid_lookup(grids)
    assert "overlap" in caplog.text
    lon = rng.uniform(X0 - 0.01, X0 + 1.6 * STEP, 20_000)
    lat = rng.uniform(Y0 - 0.01, Y0 + 1.1 * STEP, 20_000)
    assert (assign_codes(lookup, lon, lat) == reference_codes(grids, lon, lat)).all()


def test_invalid_and_none_geometries() -> None:
    bowtie = shapely.Polygon(
        [(X0, Y0), (X0 + STEP, Y0 + STEP), (X0 + STEP, Y0), (X0, Y0 + STEP), (X0, Y0)]
    )
    grids = gpd.GeoDataFrame(
        {"code": ["T", "N", "E", "S"]},
        geometry=[
            bowtie,
            None,
            shapely.Polygon(),
            shapely.box(X0 + STEP, Y0, X0 + 2 * STEP, Y0 + STEP),
        ],
        crs=4326,
    )
    lookup = build_grid_lookup(grids)
    rng = np.random.default_rng(9)
    lon = rng.uniform(X0 - 0.005, X0 + 2 * STEP + 0.005, 5_000)
    lat = rng.uniform(Y0 - 0.005, Y0 + STEP + 0.005, 5_000)
    got = assign_codes(lookup, lon, lat)
    assert (got == reference_codes(grids.iloc[[0, 3]], lon, lat)).all()
    assert set(got) - {None} <= {"T", "S"}


def test_empty_grids_assign_nothing() -> None:
    grids = gpd.GeoDataFrame({"code": []}, geometry=[], crs=4326)
    assert assign_codes(build_grid_lookup(grids), [103.8], [36.0]).tolist() == [None]


def test_raster_size_is_capped(voronoi) -> None:
    lookup = build_grid_lookup(voronoi, max_pixels=20_000)
    rows, cols = lookup.shape
    assert rows * cols <= 20_000
    rng = np.random.default_rng(12)
    lon, lat = rng.uniform(103.6, 103.9, 5_000), rng.uniform(36.0, 36.1, 5_000)
    assert (assign_codes(lookup, lon, lat) == reference_codes(voronoi, lon, lat)).all()


def test_segments_on_pixel_edges_mark_both_sides() -> None:
    """GDAL's all_touched misses pixels a segment only ends on; the marking must not."""
    segments = np.array(
        [
            (5, 5, 5, 10),
            (5, 5, 10, 5),
            (5, 5, 8, 8),
            (5, 5, 8, 5),
            (8, 5, 8, 8),
            (5.3, 5.2, 9.7, 6.1),
        ],
        dtype=float,
    )
    for u1, v1, u2, v2 in segments:
        flat = _touched_pixels(
            np.array([u1]), np.array([v1]), np.array([u2]), np.array([v2]), 20, 20
        )
        marked = np.zeros(400, dtype=bool)
        marked[flat] = True
        t = np.linspace(0.0, 1.0, 2001)
        u, v = u1 + t * (u2 - u1), v1 + t * (v2 - v1)
        # The half-open pixel holding each point of the segment, as assign_points finds it.
        holding = np.floor(v).astype(int) * 20 + np.floor(u).astype(int)
        assert marked[holding].all(), (u1, v1, u2, v2)


def test_build_grid_lookup_validates() -> None:
    grids = squares_2x2(("A", "A", None, "B"))  # type: ignore[arg-type]
    with pytest.raises(SchemaError, match="1 grid\\(s\\) without a code; duplicate code values: A"):
        build_grid_lookup(grids)
    with pytest.raises(SchemaError, match="no column 'grid_code'"):
        build_grid_lookup(squares_2x2(), code_col="grid_code")
    with pytest.raises(SchemaError, match="pixel_m=0"):
        build_grid_lookup(squares_2x2(), pixel_m=0)
    with pytest.raises(CrsError, match="needs grids in EPSG:4326, found EPSG:32648"):
        build_grid_lookup(squares_2x2().to_crs(32648))
