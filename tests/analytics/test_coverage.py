"""Coverage: footprints, shares against the exact overlay, blind spots, key areas."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import box

from gridmap.analytics.coverage import (
    DEFAULT_RANGE_M,
    CoverageSettings,
    analyse_coverage,
    camera_footprints,
    coverage_by_level,
    coverage_share,
    footprint_polygons,
    measure_coverage,
)
from gridmap.errors import CrsError, SchemaError

from ..builders import UTM48N, camera_layers, cams, metric


def fp(rows: list[dict], at: list[tuple[float, float]]) -> pd.DataFrame:
    return camera_footprints(cams(rows, at=at), crs=gpd.GeoSeries([], crs=UTM48N).crs)


def exact_share(zones: gpd.GeoSeries, footprints: pd.DataFrame) -> np.ndarray:
    """The reference: shapely union of fine sector polygons, intersected with each zone."""
    polys = footprint_polygons(footprints[footprints["online"]], step_deg=0.5, metric=True)
    union = shapely.union_all(polys.to_numpy())
    z = zones.to_crs(polys.crs).to_numpy()
    return shapely.area(shapely.intersection(z, union)) / shapely.area(z)


NORTH_SOUTH = metric([box(-100, 0, 100, 100), box(-100, -100, 100, 0)])


def test_camera_facing_north_does_not_see_the_south() -> None:
    """A camera at the middle of a 200 m square, facing north with a 90 degree view.

    ::

        +-------+   north half: partly seen
        |  \\ /  |
        +---*---+   camera at the centre
        |       |   south half: nothing
        +-------+
    """
    f = fp([{"kind": "fixed", "range_m": 100.0, "azimuth_deg": 0.0, "fov_deg": 90.0}], [(0, 0)])
    share = coverage_share(NORTH_SOUTH, f)
    assert share.iloc[1] == 0.0
    # A quarter disc of 100 m in a 200 x 100 m half: pi/4 * 100^2 / 20000.
    assert share.iloc[0] == pytest.approx(np.pi * 100**2 / 4 / 20_000, abs=0.01)
    south = fp(
        [{"kind": "fixed", "range_m": 100.0, "azimuth_deg": 180.0, "fov_deg": 90.0}], [(0, 0)]
    )
    flipped = coverage_share(NORTH_SOUTH, south)
    assert flipped.iloc[0] == 0.0 and flipped.iloc[1] == pytest.approx(share.iloc[0], abs=0.01)


def test_overlapping_cameras_are_not_double_counted() -> None:
    one = {"kind": "dome", "range_m": 40.0}
    square = metric([box(-50, -50, 50, 50)])
    single = coverage_share(square, fp([one], [(0, 0)])).iloc[0]
    twice = coverage_share(square, fp([one, one], [(0, 0), (0, 0)])).iloc[0]
    assert twice == single
    # Two discs overlapping by half: the union, not the sum.
    pair = fp([one, one], [(-20, 0), (20, 0)])
    exact = exact_share(square, pair)[0]
    got = coverage_share(square, pair).iloc[0]
    # A 100 m square is 400 pixels of 5 m: a few pixels of disc edge are 1-2 %; at 1 m
    # the raster converges on the exact union.
    assert got == pytest.approx(exact, abs=0.02)
    assert coverage_share(square, pair, pixel_m=1.0).iloc[0] == pytest.approx(exact, abs=0.003)
    assert got < 2 * single


def test_share_matches_the_exact_overlay_with_holes_and_multipolygons() -> None:
    rng = np.random.default_rng(3)
    n = 60
    rows = [
        {
            "kind": "fixed",
            "range_m": float(r),
            "azimuth_deg": float(a),
            "fov_deg": float(f),
        }
        for r, a, f in zip(
            rng.uniform(20, 90, n), rng.uniform(0, 360, n), rng.uniform(30, 200, n), strict=True
        )
    ]
    f = fp(rows, list(zip(rng.uniform(0, 400, n), rng.uniform(0, 400, n), strict=True)))
    zones = metric(
        [
            box(0, 0, 200, 200),
            box(200, 0, 400, 200).difference(box(250, 50, 350, 150)),  # with a hole
            shapely.MultiPolygon([box(0, 200, 100, 300), box(300, 300, 400, 400)]),
            box(100, 250, 330, 390),
        ]
    )
    got = coverage_share(zones, f).to_numpy()
    ref = exact_share(zones, f)
    assert np.abs(got - ref).max() < 0.01
    assert np.abs(got - ref).mean() < 0.005


def test_offline_cameras_see_nothing_and_are_listed() -> None:
    f = fp(
        [{"kind": "dome", "range_m": 80.0, "status": "offline"}],
        [(0, 0)],
    )
    assert not f["online"].iloc[0]
    assert coverage_share(metric([box(-10, -10, 10, 10)]), f).iloc[0] == 0.0


def test_defaults_by_kind_are_flagged_assumed() -> None:
    f = fp(
        [
            {"kind": "fixed", "range_m": None, "azimuth_deg": 90.0, "fov_deg": None},
            {"kind": "fixed", "range_m": 50.0, "azimuth_deg": None, "fov_deg": 60.0},
            {"kind": "dome", "range_m": 20.0, "azimuth_deg": 10.0, "fov_deg": 90.0},
            {"kind": None, "range_m": -5.0, "azimuth_deg": 370.0, "fov_deg": 45.0},
        ],
        [(0, 0)] * 4,
    )
    assert f["range_m"].tolist() == [DEFAULT_RANGE_M["fixed"], 50.0, 20.0, DEFAULT_RANGE_M["fixed"]]
    assert f["fov_deg"].tolist() == [90.0, 360.0, 360.0, 45.0]  # unknown azimuth: a disc
    assert f["azimuth_deg"].iloc[3] == 10.0
    assert f["assumed"].tolist() == [True, True, False, True]
    assert f["assumed_fields"].tolist() == ["range_m,fov_deg", "azimuth_deg", "", "range_m"]


def test_area_smaller_than_a_pixel_takes_its_point() -> None:
    f = fp([{"kind": "dome", "range_m": 30.0}], [(0, 0)])
    tiny = metric([box(1, 1, 1.5, 1.5), box(100, 100, 100.5, 100.5), None])
    share = coverage_share(tiny, f, pixel_m=5.0)
    assert share.iloc[0] == 1.0 and share.iloc[1] == 0.0 and np.isnan(share.iloc[2])


def test_bad_input_raises_clear_errors() -> None:
    c = cams([{"kind": "dome"}], at=[(0, 0)])
    with pytest.raises(CrsError, match="cameras: expected EPSG:4326"):
        camera_footprints(c.to_crs(UTM48N))
    poly = gpd.GeoDataFrame({"id": ["X"]}, geometry=metric([box(0, 0, 1, 1)]).to_numpy(), crs=4326)
    with pytest.raises(SchemaError, match=r"not points \(ids X\)"):
        camera_footprints(poly)
    with pytest.raises(SchemaError, match="pixel_m=0"):
        measure_coverage(camera_footprints(c), {"z": metric([box(0, 0, 1, 1)])}, pixel_m=0)
    with pytest.raises(CrsError, match="z: expected EPSG:4326"):
        measure_coverage(camera_footprints(c), {"z": gpd.GeoSeries([box(0, 0, 1, 1)], crs=3857)})
    with pytest.raises(SchemaError, match="res=3"):
        CoverageSettings(res=3)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.floats(-150, 150),
            st.floats(-150, 150),
            st.floats(1, 200),
            st.floats(0, 360),
            st.floats(1, 360),
        ),
        min_size=0,
        max_size=12,
    ),
    st.lists(
        st.tuples(
            st.floats(-200, 180), st.floats(-200, 180), st.floats(0.2, 150), st.floats(0.2, 150)
        ),
        min_size=1,
        max_size=5,
    ),
)
def test_share_is_always_between_0_and_1(cam_rows: list, boxes: list) -> None:
    rows = [
        {"kind": "fixed", "range_m": r, "azimuth_deg": a, "fov_deg": f}
        for _, _, r, a, f in cam_rows
    ]
    f = fp(rows, [(x, y) for x, y, *_ in cam_rows]) if rows else fp([], [])
    zones = metric([box(x, y, x + w, y + h) for x, y, w, h in boxes])
    share = coverage_share(zones, f).to_numpy()
    assert ((share >= 0) & (share <= 1)).all()


# --- the analysis on the 2x2 block ----------------------------------------------------------
def test_analysis_of_the_block() -> None:
    from ..builders import squares_2x2

    grids = squares_2x2()
    c, ka = camera_layers()
    r = analyse_coverage(grids, c, keyareas=ka, settings=CoverageSettings(res=11))
    share = r.grids["coverage_share"]
    assert share["B"] == 1.0 and share["D"] < 0.3 and 0 < share["C"] < 0.2
    assert r.keyareas.set_index("code")["compliant"].to_dict() == {"KA1": True, "KA2": False}
    assert (r.summary["keyareas_compliant"], r.summary["keyareas_total"]) == (1, 2)
    assert (r.summary["cameras_online"], r.summary["cameras_offline"]) == (2, 1)
    # Every cell weighs 1 without risk: risk-weighted share = area share of the cells.
    cells = r.cells
    assert r.summary["risk_share"] == pytest.approx(cells["coverage_share"].mean())
    # Gap index = risk score / 100 x households x uncovered share; B is fully covered.
    g = r.grids
    assert g.loc["B", "gap_index"] == 0.0
    np.testing.assert_allclose(
        g["gap_index"], g["risk_score"] / 100 * g["households"] * (1 - g["coverage_share"])
    )
    # Blind spots: uncovered cells of A, C and D touch, so they merge into one zone.
    assert len(r.gaps) == 1
    assert set(r.gaps["grid_codes"].iloc[0].split(",")) == {"A", "C", "D"}
    zone_cells = cells[cells["gap_zone"] == 1]
    assert r.gaps["uncovered_risk"].iloc[0] == pytest.approx(zone_cells["uncovered_risk"].sum())
    assert (zone_cells["coverage_share"] <= 0.5).all()


def test_keyarea_card_counts_area_and_the_cameras_that_reach_it() -> None:
    from gridmap.analytics.coverage import keyarea_card

    from ..builders import squares_2x2

    c, ka = camera_layers()
    r = analyse_coverage(squares_2x2(), c, keyareas=ka, settings=CoverageSettings(res=11))
    school = keyarea_card(r, ka, "KA1")  # inside K1's 80 m disc
    assert school["compliant"] and school["short_m2"] == 0
    assert school["area_m2"] == pytest.approx(3600, rel=0.01)
    assert school["covered_m2"] == pytest.approx(school["area_m2"] * school["coverage_share"])
    assert (school["cameras_online"], school["cameras_offline"]) == (1, 1)  # K1; K3 reaches it
    hospital = keyarea_card(r, ka, "KA2")  # only the offline K3 (and K1's edge) reach it
    assert not hospital["compliant"]
    assert hospital["short_m2"] == pytest.approx(
        (hospital["target"] - hospital["coverage_share"]) * hospital["area_m2"]
    )
    assert hospital["cameras_offline"] == 1
    with pytest.raises(SchemaError, match="key area 'nope'"):
        keyarea_card(r, ka, "nope")


def test_risk_weights_move_the_gaps_and_rollups() -> None:
    from ..builders import squares_2x2

    grids = squares_2x2()
    c, ka = camera_layers()
    base = analyse_coverage(grids, c, keyareas=ka, settings=CoverageSettings(res=11))
    cells = base.cells
    # Risk only in D: D's cells become the only blind spot, ranked by their risk.
    weights = pd.Series(np.where(cells["grid_code"] == "D", 50.0, 0.0), index=cells["cell"])
    r = analyse_coverage(
        grids, c, keyareas=ka, cell_weights=weights, settings=CoverageSettings(res=11)
    )
    assert len(r.gaps) == 1 and r.gaps["grid_codes"].iloc[0] == "D"
    d = r.cells[r.cells["grid_code"] == "D"]
    assert r.summary["risk_share"] == pytest.approx(d["coverage_share"].mean())
    parents = {g: "620104001001" for g in "ABCD"} | {"620104001001": None}
    levels = {g: "grid" for g in "ABCD"} | {"620104001001": "community"}
    community = coverage_by_level(r, parents, levels, "community")
    g = r.grids
    assert community["coverage_share"].iloc[0] == pytest.approx(
        g["covered_m2"].sum() / g["area_m2"].sum()
    )


def test_no_key_areas_and_no_cameras() -> None:
    from gridmap.analytics.coverage import scope_summary

    from ..builders import squares_2x2

    c, _ = camera_layers()
    r = analyse_coverage(squares_2x2(), c.iloc[0:0], settings=CoverageSettings(res=11))
    assert (r.grids["coverage_share"] == 0).all() and len(r.keyareas) == 0
    s = scope_summary(r, frozenset({"A", "B"}))
    assert (s["keyareas_total"], s["cameras_total"], s["area_share"]) == (0, 0, 0.0)
    # Every cell is unseen and weighs 1: one zone holding the whole block.
    assert len(r.gaps) == 1 and r.gaps["cells"].iloc[0] == len(r.cells)


def test_workspace_coverage_on_an_imported_workspace(camera_workspace: Path) -> None:
    from gridmap.loading import workspace_coverage
    from gridmap.store.gpkg import open_workspace

    r = workspace_coverage(open_workspace(camera_workspace))
    assert r.grids.loc["B", "coverage_share"] == 1.0
    assert r.summary["cameras_offline"] == 1
    assert r.cells["risk"].max() > 0  # weighted by the workspace's incidents
