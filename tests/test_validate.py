"""Tests of gridmap.validate on hand-built grids of 100 m squares near Lanzhou.

Fixtures are drawn in metres in WGS 84 / UTM zone 48N (EPSG:32648) from an origin near
lon 103.8, lat 36.06, then converted to EPSG:4326. Every square is densified to a vertex
every 50 m, so that grid and community edges share exactly the same vertices (as real
digitised tilings do) and no projection sliver appears where none was drawn.

The clean base case, one community C1 of 200 m x 200 m tiled by four grids::

    y (m)
    200 +--------+--------+
        |  003   |  004   |
    100 +--------+--------+
        |  001   |  002   |
      0 +--------+--------+
        0       100      200  x (m)
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely

from gridmap.config import Settings
from gridmap.errors import CrsError, SchemaError
from gridmap.validate import (
    PROBLEM_KINDS,
    Problem,
    ValidationReport,
    repair_geometries,
    validate_grids,
)
from gridmap.validate._geometry import _utm_crs

from . import zoo

UTM48 = pyproj.CRS.from_epsg(32648)
_TO_UTM = pyproj.Transformer.from_crs(4326, UTM48, always_xy=True)
X0, Y0 = (round(v, -2) for v in _TO_UTM.transform(103.8, 36.06))

C1, C2 = "620102001001", "620102001002"
G = [f"{C1}{k:03d}" for k in range(1, 5)]  # 001..004 of the sketch

NYC = Path("/work/shared/data/real/nyc")
SECTORS = NYC / "nypd_sector_simplified.geojson"
PRECINCTS = NYC / "nypd_precinct_simplified.geojson"


# --- fixture builders -----------------------------------------------------------------------
def sq(x0: float, y0: float, x1: float, y1: float) -> shapely.Polygon:
    """A rectangle in metres from the origin, densified every 50 m."""
    return shapely.segmentize(shapely.box(X0 + x0, Y0 + y0, X0 + x1, Y0 + y1), 50.0)


def wgs(geoms: list[shapely.Geometry | None]) -> gpd.GeoSeries:
    return gpd.GeoSeries(geoms, crs=UTM48).to_crs(4326)


def grids_frame(
    geoms: list[shapely.Geometry | None],
    codes: list[str] | None = None,
    *,
    households: list[float | None] | None = None,
    population: list[float | None] | None = None,
    grid_type: list[str] | None = None,
    parent_code: list[str | None] | None = None,
) -> gpd.GeoDataFrame:
    n = len(geoms)
    data = {
        "code": codes if codes is not None else G[:n],
        "households": pd.array(households if households is not None else [400] * n, "Int64"),
        "population": pd.array(population if population is not None else [1000] * n, "Int64"),
    }
    frame = pd.DataFrame(data)
    if grid_type is not None:
        frame["grid_type"] = grid_type
    if parent_code is not None:
        frame["parent_code"] = parent_code
    return gpd.GeoDataFrame(frame, geometry=wgs(geoms).values, crs="EPSG:4326")


def communities_frame(boxes: dict[str, shapely.Polygon]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"code": list(boxes), "name": [f"社区{c[-3:]}" for c in boxes]},
        geometry=wgs(list(boxes.values())).values,
        crs="EPSG:4326",
    )


def tiling() -> list[shapely.Polygon]:
    """The four grids of the module sketch."""
    return [sq(0, 0, 100, 100), sq(100, 0, 200, 100), sq(0, 100, 100, 200), sq(100, 100, 200, 200)]


def one_community() -> gpd.GeoDataFrame:
    return communities_frame({C1: sq(0, 0, 200, 200)})


def of_kind(report: ValidationReport, kind: str) -> list[Problem]:
    return [p for p in report.problems if p.kind == kind]


# --- clean data -----------------------------------------------------------------------------
def test_clean_tiling_is_ok() -> None:
    report = validate_grids(grids_frame(tiling(), parent_code=[C1] * 4), one_community())
    assert report.ok(), report.problems
    assert report.n_grids == 4
    assert report.counts() == {}
    assert len(report.to_frame()) == 0


def test_clean_tiling_without_communities_is_ok() -> None:
    assert validate_grids(grids_frame(tiling())).ok()


def test_utm_zone_of_the_data_centre() -> None:
    assert _utm_crs(grids_frame(tiling())).to_epsg() == 32648


# --- overlaps -------------------------------------------------------------------------------
def test_seeded_overlap_has_known_area_and_location() -> None:
    """002 reaches 10 m into 001: an overlap of 10 m x 100 m = 1,000 m².

    ::

        +------+------+
        | 003  | 004  |
        +----+-+------+
        | 001|#| 002  |     # = overlap, x 90..100
        +----+-+------+
    """
    geoms = tiling()
    geoms[1] = sq(90, 0, 200, 100)
    report = validate_grids(grids_frame(geoms), one_community())
    (overlap,) = of_kind(report, "overlap")
    assert overlap.code == f"{G[0]}|{G[1]}"
    assert overlap.size_m2 == pytest.approx(1000, rel=0.01)
    # The representative point lies inside the strip; the polygon is in WGS-84 for drawing.
    x, y = _TO_UTM.transform(overlap.lon, overlap.lat)
    assert 90 <= x - X0 <= 100 and 0 <= y - Y0 <= 100
    assert overlap.geometry is not None
    assert shapely.contains_xy(overlap.geometry.buffer(1e-9), overlap.lon, overlap.lat)
    assert f"overlap of grids {G[0]} and {G[1]}: 1,000 m² at " in overlap.message
    assert report.counts() == {"overlap": 1}


def test_overlap_below_tolerance_is_not_reported() -> None:
    geoms = tiling()
    geoms[1] = sq(99.995, 0, 200, 100)  # 0.5 m² of digitising noise
    assert validate_grids(grids_frame(geoms), one_community()).ok()
    strict = Settings(overlap_tolerance_m2=0.1)
    report = validate_grids(grids_frame(geoms), one_community(), settings=strict)
    assert [p.size_m2 for p in of_kind(report, "overlap")] == [pytest.approx(0.5, rel=0.05)]


def test_professional_grids_may_overlap() -> None:
    """A school (professional grid P1) over the middle; a hospital P2 overlapping P1."""
    geoms = [*tiling(), sq(50, 50, 150, 150), sq(100, 100, 180, 180)]
    frame = grids_frame(
        geoms,
        [*G, "P1", "P2"],
        grid_type=["basic", None, "basic", "basic", "professional", "专属网格"],
    )
    report = validate_grids(frame, one_community())
    assert report.ok(), report.problems


def test_professional_grid_is_not_a_gap_filler() -> None:
    """Basic grids must tile the community on their own; a professional grid in the
    hole left by a missing basic grid does not hide the gap."""
    geoms = [*tiling()[:3], sq(100, 100, 200, 200)]
    frame = grids_frame(geoms, [*G[:3], "P1"], grid_type=["basic"] * 3 + ["professional"])
    (gap,) = of_kind(validate_grids(frame, one_community()), "gap")
    assert gap.size_m2 == pytest.approx(10_000, rel=0.01)


# --- gaps -----------------------------------------------------------------------------------
def test_seeded_gap_inside_a_community() -> None:
    """002 starts 10 m east of 001: a strip of 10 m x 100 m = 1,000 m² of C1 is uncovered.

    ::

        +------+------+
        | 003  | 004  |
        +------+-+----+
        | 001  |#| 002|     # = gap, x 100..110
        +------+-+----+
    """
    geoms = tiling()
    geoms[1] = sq(110, 0, 200, 100)
    report = validate_grids(grids_frame(geoms), one_community())
    (gap,) = of_kind(report, "gap")
    assert gap.code == C1
    assert gap.size_m2 == pytest.approx(1000, rel=0.01)
    x, y = _TO_UTM.transform(gap.lon, gap.lat)
    assert 100 <= x - X0 <= 110 and 0 <= y - Y0 <= 100
    assert f"in community {C1}: 1,000 m²" in gap.message
    assert report.counts() == {"gap": 1}


def test_hole_in_grids_without_communities() -> None:
    """A 3 x 3 block of grids with the centre one missing: a 100 m x 100 m hole.

    ::

        +---+---+---+
        |   |   |   |
        +---+---+---+
        |   |###|   |
        +---+---+---+
        |   |   |   |
        +---+---+---+
    """
    geoms = [
        sq(i * 100, j * 100, i * 100 + 100, j * 100 + 100)
        for j in range(3)
        for i in range(3)
        if (i, j) != (1, 1)
    ]
    codes = [f"{C1}{k:03d}" for k in range(1, 9)]
    report = validate_grids(grids_frame(geoms, codes))
    (gap,) = of_kind(report, "gap")
    assert gap.code is None
    assert gap.size_m2 == pytest.approx(10_000, rel=0.01)
    x, y = _TO_UTM.transform(gap.lon, gap.lat)
    assert 100 < x - X0 < 200 and 100 < y - Y0 < 200
    # The same hole inside a community is reported once, under the community.
    report = validate_grids(grids_frame(geoms, codes), communities_frame({C1: sq(0, 0, 300, 300)}))
    assert [(p.code, round(p.size_m2 or 0, -1)) for p in of_kind(report, "gap")] == [(C1, 10_000)]


def test_gap_below_tolerance_is_not_reported() -> None:
    geoms = tiling()
    geoms[1] = sq(100.005, 0, 200, 100)  # 0.5 m²
    assert validate_grids(grids_frame(geoms), one_community()).ok()


# --- communities ----------------------------------------------------------------------------
def test_grid_crossing_two_communities() -> None:
    """002 reaches 50 m into C2: 10,000 m² in C1 and 5,000 m² in C2.

    ::

        C1              C2
        +------+------+------+
        | 001  | 002  : 002  |
        +------+------+------+
        0     100    200    250
    """
    comms = communities_frame({C1: sq(0, 0, 200, 100), C2: sq(200, 0, 400, 100)})
    frame = grids_frame(
        [sq(0, 0, 100, 100), sq(100, 0, 250, 100), sq(250, 0, 400, 100)], [G[0], G[1], f"{C2}001"]
    )
    report = validate_grids(frame, comms)
    (split,) = of_kind(report, "multiple_communities")
    assert split.code == G[1]
    assert split.size_m2 == pytest.approx(5_000, rel=0.01)  # the part outside its main one
    assert f"{C1} 10,000 m²" in split.message and f"{C2} 5,000 m²" in split.message
    assert report.counts() == {"multiple_communities": 1}


def test_grid_outside_every_community() -> None:
    """A grid drawn 100 m east of C1 lies in no community at all."""
    frame = grids_frame([*tiling(), sq(300, 0, 400, 100)], [*G, f"{C1}005"])
    (out,) = of_kind(validate_grids(frame, one_community()), "outside_community")
    assert out.code == f"{C1}005"
    assert out.size_m2 == pytest.approx(10_000, rel=0.01)
    assert "outside every community" in out.message


def test_grid_in_another_community_than_its_parent_code() -> None:
    comms = communities_frame({C1: sq(0, 0, 200, 200), C2: sq(200, 0, 400, 200)})
    frame = grids_frame(tiling(), parent_code=[C1, C1, C1, C2])
    report = validate_grids(frame, comms)
    (wrong,) = of_kind(report, "outside_community")
    assert wrong.code == G[3]
    assert f"lies in community {C1} but its parent_code is {C2}" in wrong.message
    assert wrong.size_m2 == pytest.approx(10_000, rel=0.01)


def test_containment_share_threshold() -> None:
    """002 pokes 0.5 m out of C1: 50 m² = 0.5 % of it, inside at the default 99 %."""
    geoms = tiling()
    geoms[1] = sq(100, 0, 200.5, 100)
    assert of_kind(validate_grids(grids_frame(geoms), one_community()), "outside_community") == []
    strict = validate_grids(
        grids_frame(geoms), one_community(), settings=Settings(containment_share=1.0)
    )
    (out,) = of_kind(strict, "outside_community")
    assert out.size_m2 == pytest.approx(50, rel=0.02)


# --- geometry -------------------------------------------------------------------------------
def bow_tie() -> shapely.Polygon:
    """A 100 m self-intersecting square; valid, it is two triangles of 2,500 m²."""
    return zoo.bow_tie(X0, Y0, 100)


def test_bow_tie_is_repaired_and_reported() -> None:
    geoms = tiling()
    geoms[0] = bow_tie()
    report = validate_grids(grids_frame(geoms))
    (fixed,) = of_kind(report, "repaired_geometry")
    assert fixed.code == G[0]
    # Drawn, the bow-tie has zero signed area; repaired it has 5,000 m².
    assert fixed.size_m2 == pytest.approx(5_000, rel=0.01)
    assert "Self-intersection" in fixed.message and "+5,000 m²" in fixed.message
    assert of_kind(report, "overlap") == []
    # The repaired grid takes part in the other checks: inside C1 the two triangles the
    # bow-tie leaves uncovered (top and bottom, 2,500 m² each) are gaps.
    gaps = of_kind(validate_grids(grids_frame(geoms), one_community()), "gap")
    assert [p.size_m2 for p in gaps] == [pytest.approx(2_500, rel=0.01)] * 2


def test_repaired_mask_from_the_caller() -> None:
    report = validate_grids(grids_frame(tiling()), repaired=np.array([False, True, False, False]))
    (fixed,) = of_kind(report, "repaired_geometry")
    assert fixed.code == G[1] and fixed.size_m2 is None
    assert "repaired at import" in fixed.message
    with pytest.raises(SchemaError, match=r"repaired: mask of shape \(2,\), need \(4,\)"):
        validate_grids(grids_frame(tiling()), repaired=np.array([True, False]))


def test_none_and_empty_geometries() -> None:
    frame = grids_frame([*tiling(), None, shapely.Polygon()], [*G, "none", "empty"])
    report = validate_grids(frame, one_community())
    empty = of_kind(report, "empty_geometry")
    assert [p.code for p in empty] == ["empty", "none"]
    assert all(math.isnan(p.lon) and p.size_m2 is None for p in empty)
    assert report.counts() == {"empty_geometry": 2}
    # No location: to_frame has no geometry and to_dict gives null, not NaN.
    assert report.to_frame().geometry.isna().sum() == 2
    json.dumps(report.to_dict(), allow_nan=False)


def test_collapsed_polygon_is_invalid_geometry() -> None:
    # Drawn in degrees: projected, three collinear points would no longer be collinear.
    flat = shapely.Polygon([(103.8, 36.05), (103.801, 36.05), (103.8005, 36.05), (103.8, 36.05)])
    frame = grids_frame([*tiling(), None], [*G, "flat"])
    frame.loc[4, "geometry"] = flat
    (bad,) = of_kind(validate_grids(frame), "invalid_geometry")
    assert bad.code == "flat"
    assert "no area left after repair" in bad.message
    assert not math.isnan(bad.lon)


def test_repair_geometries_zoo() -> None:
    poly = shapely.box(0, 0, 1, 1)
    collection = shapely.GeometryCollection([poly, shapely.LineString([(2, 2), (3, 3)])])
    line = shapely.LineString([(0, 0), (1, 1)])
    series = gpd.GeoSeries(
        [
            shapely.Polygon([(0, 0), (2, 2), (2, 0), (0, 2)]),
            collection,
            None,
            shapely.Polygon(),
            line,
            poly,
        ],
        index=[10, 11, 12, 13, 14, 15],
    )
    fixed, mask = repair_geometries(series)
    assert list(fixed.index) == [10, 11, 12, 13, 14, 15]
    assert mask.tolist() == [True, False, False, False, False, False]
    assert fixed[10].geom_type == "MultiPolygon" and fixed[10].area == pytest.approx(2.0)
    assert fixed[11].equals(poly)
    assert fixed[12] is None
    assert fixed[13].is_empty and fixed[14].is_empty
    assert fixed[15].equals(poly)
    assert fixed.drop(12).is_valid.all()


# --- codes and households -------------------------------------------------------------------
def test_duplicate_codes() -> None:
    frame = grids_frame(tiling(), [G[0], G[1], G[1], G[1]])
    dups = of_kind(validate_grids(frame), "duplicate_code")
    assert [p.code for p in dups] == [G[1]] * 3
    assert all("3 grids share it" in p.message for p in dups)


def test_missing_and_implausible_households() -> None:
    geoms = [*tiling(), sq(0, 0, 50, 50), sq(0, 0, 60, 60), sq(0, 0, 70, 70)]
    frame = grids_frame(
        geoms,
        ["a_missing", "b_zero", "c_huge", "d_crowded", "e_thin", "f_ok", "p_missing"],
        households=[None, 0, 6000, 100, 100, 300, None],
        population=[1000, 0, 15000, 2000, 50, None, None],
        grid_type=["basic"] * 6 + ["professional"],
    )
    report = validate_grids(frame, settings=Settings(overlap_tolerance_m2=1e9))
    assert [p.code for p in of_kind(report, "missing_households")] == ["a_missing"]
    bad = {p.code: p.message for p in of_kind(report, "implausible_households")}
    assert sorted(bad) == ["b_zero", "c_huge", "d_crowded", "e_thin"]
    assert "households 0 (must be > 0)" in bad["b_zero"]
    assert "households 6,000 above the maximum 5,000" in bad["c_huge"]
    assert "20.0 persons per household" in bad["d_crowded"]
    assert "0.5 persons per household" in bad["e_thin"]


def test_households_column_absent_means_missing() -> None:
    frame = grids_frame(tiling()).drop(columns=["households", "population"])
    assert validate_grids(frame).counts() == {"missing_households": 4}


# --- report ---------------------------------------------------------------------------------
def test_report_is_sorted_and_serialisable() -> None:
    geoms = tiling()
    geoms[0] = bow_tie()
    geoms[1] = sq(90, 0, 200, 100)
    frame = grids_frame([*geoms, None], [G[3], *G[1:], "x"], households=[None, 400, 400, 0, 1])
    report = validate_grids(frame, one_community())
    kinds = [p.kind for p in report.problems]
    assert kinds == sorted(kinds, key=PROBLEM_KINDS.index)
    assert list(report.counts()) == [k for k in PROBLEM_KINDS if k in set(kinds)]
    assert report == validate_grids(frame, one_community())  # deterministic
    out = report.to_frame()
    assert list(out.columns) == ["kind", "code", "lon", "lat", "size_m2", "message", "geometry"]
    assert out.crs.to_epsg() == 4326 and len(out) == len(report.problems)
    data = json.loads(json.dumps(report.to_dict(), allow_nan=False))
    assert data["n_grids"] == 5 and data["ok"] is False
    assert data["counts"] == report.counts()
    assert "geometry" not in data["problems"][0]


def test_problem_repr_and_equality_ignore_geometry() -> None:
    a = Problem("gap", None, 1.0, 2.0, 3.0, "m", shapely.box(0, 0, 1, 1))
    b = Problem("gap", None, 1.0, 2.0, 3.0, "m", None)
    assert a == b and "geometry" not in repr(a)


# --- arguments ------------------------------------------------------------------------------
def test_non_wgs84_input_raises() -> None:
    frame = grids_frame(tiling())
    with pytest.raises(CrsError, match=r"grids is in EPSG:32648; it must be EPSG:4326"):
        validate_grids(frame.to_crs(UTM48))
    with pytest.raises(CrsError, match=r"grids has no CRS"):
        validate_grids(frame.set_crs(None, allow_override=True))
    with pytest.raises(CrsError, match=r"communities is in EPSG:3857"):
        validate_grids(frame, one_community().to_crs(3857))
    with pytest.raises(CrsError, match=r"must be EPSG:4326"):
        _utm_crs(frame.to_crs(UTM48))


def test_missing_code_column_raises() -> None:
    with pytest.raises(SchemaError, match=r"grids: no 'code' column"):
        validate_grids(grids_frame(tiling()).drop(columns=["code"]))


def test_empty_layer() -> None:
    frame = grids_frame(tiling()).iloc[:0]
    report = validate_grids(frame, one_community())
    assert report.ok() and report.n_grids == 0


# --- real data ------------------------------------------------------------------------------
@pytest.mark.skipif(not SECTORS.exists() or not PRECINCTS.exists(), reason="NYC data missing")
def test_nyc_sectors_in_precincts() -> None:
    """303 NYPD sectors (5 invalid) checked against 78 precincts as communities.

    The simplified files nest closely: every sector has at least 99.96 % of its area in
    one precinct, so the default 99 % share reports none; at 100 % a few sectors stick out
    of their precinct into no precinct at all (the precincts are clipped differently),
    which is "outside", not "split".
    """
    sectors = gpd.read_file(SECTORS).rename(columns={"sector": "code"})
    precincts = gpd.read_file(PRECINCTS).rename(columns={"precinct": "code"})
    # A sector code starts with its precinct number ("101D" lies in precinct 101).
    sectors["parent_code"] = sectors["code"].str.extract(r"^(\d+)")[0]

    report = validate_grids(sectors)
    counts = report.counts()
    assert report.n_grids == 303
    assert counts["repaired_geometry"] == 5
    assert counts["missing_households"] == 303  # no household column
    assert [p.code for p in of_kind(report, "overlap")] == ["48D|52D"]
    gaps = of_kind(report, "gap")
    assert len(gaps) == 7 and all(p.code is None for p in gaps)

    nested = validate_grids(sectors, precincts)
    assert nested.counts()["repaired_geometry"] == 5
    assert of_kind(nested, "outside_community") == []  # every parent_code matches
    assert of_kind(nested, "multiple_communities") == []
    assert len(of_kind(nested, "gap")) >= len(gaps)

    strict = validate_grids(sectors, precincts, settings=Settings(containment_share=1.0))
    assert of_kind(strict, "multiple_communities") == []
    out = {p.code: p.size_m2 or 0.0 for p in of_kind(strict, "outside_community")}
    assert {"111D", "40B"} <= set(out) <= {"111D", "40B", "44D", "84B"}
    assert out["111D"] == pytest.approx(1776, rel=0.05)


def test_polygonal_parts_with_a_collection_that_has_no_polygon_first() -> None:
    """A line-only collection before one holding a polygon must not break the repair."""
    from shapely.geometry import GeometryCollection, LineString, box

    from gridmap.validate._geometry import _polygonal_parts

    geoms = np.array(
        [
            GeometryCollection([LineString([(0, 0), (1, 1)])]),
            GeometryCollection([box(0, 0, 1, 1), LineString([(0, 0), (2, 2)])]),
        ],
        dtype=object,
    )
    out = _polygonal_parts(geoms)
    assert out[0].is_empty
    assert out[1].geom_type == "Polygon" and out[1].area == 1.0


def test_a_redrawn_neighbour_does_not_fake_a_gap() -> None:
    """Regression: grids saved by a redraw next to community 620104006010 made GEOS's
    floating overlay return the whole community (777,970 m²) as uncovered; the gap search
    now snaps to a 1 cm grid."""
    data = Path(__file__).parent / "data"
    grids = gpd.read_file(data / "gap_regression_grids.gpkg")
    community = gpd.read_file(data / "gap_regression_community.gpkg")
    report = validate_grids(grids, communities=community)
    assert [p for p in report.problems if p.kind == "gap"] == []
    assert {p.kind for p in report.problems} == {"outside_community"}  # the neighbours' grids


# --- messages in the user's language ----------------------------------------------------------
def _zoo_report() -> ValidationReport:
    """One grid layer with a problem of almost every kind, in two communities.

    ::

        C1 (0..200 x 0..200)      C2 (200..400 x 0..200)
        001 overlaps 002 by 10 m; 004 missing (a gap); 003 crosses into C2;
        a row without a code; 002 twice; households missing / implausible.
    """
    geoms = [
        sq(0, 0, 110, 100),
        sq(100, 0, 200, 100),
        sq(0, 100, 250, 200),
        sq(200, 0, 300, 100),
        sq(300, 0, 400, 100),
        None,
    ]
    frame = grids_frame(
        geoms,
        [G[0], G[1], G[2], "X1", "X1", None],  # type: ignore[list-item]
        households=[400, 0, None, 400, 400, 400],
        population=[1000, 1000, 1000, 9000, 1000, 1000],
        parent_code=[C1, C2, C1, C2, C2, C1],
    )
    communities = communities_frame({C1: sq(0, 0, 200, 200), C2: sq(200, 0, 400, 200)})
    return validate_grids(frame, communities)


def test_messages_in_chinese_have_no_english_words() -> None:
    import re

    report = _zoo_report()
    kinds = set(report.counts())
    assert {"overlap", "gap", "duplicate_code", "empty_geometry", "outside_community"} <= kinds
    assert {"multiple_communities", "missing_households", "implausible_households"} <= kinds
    for p in report.problems:
        zh = p.text("zh")
        assert p.text("en") == p.message
        assert zh != p.message and re.search(r"[\u4e00-\u9fff]", zh), zh
        # Codes here are digits or X1; every English word of the templates is translated.
        assert not re.search(r"[A-Za-z]{3,}", zh), zh
    frame = report.to_frame("zh")
    assert frame["message"].tolist() == [p.text("zh") for p in report.problems]
    assert report.to_dict("zh")["problems"][0]["message"] == report.problems[0].text("zh")
    no_code = next(p for p in report.problems if p.kind == "empty_geometry")
    assert no_code.text("zh") == "网格 （第 5 行，无编码） 没有几何图形"
    assert no_code.message == "grid (row 5, no code) has no geometry"


def test_every_validator_message_exists_in_both_languages() -> None:
    from gridmap.i18n import _STRINGS

    keys = [k for k in _STRINGS if k.startswith("validate.")]
    assert len(keys) > 25
    for key in keys:
        zh, en = _STRINGS[key]
        assert zh and en and zh != en, key


def test_cli_validate_speaks_the_chosen_language(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from gridmap.cli import main

    path = tmp_path / "grids.geojson"
    grids_frame(tiling(), [G[0], G[1], G[1], G[3]]).to_file(path)
    assert main(["validate", str(path)]) == 1
    out = capsys.readouterr().out
    assert out.startswith("已检查 4 个网格：编码重复 2") and "2 个网格使用同一编码" in out
    assert main(["validate", str(path), "--lang", "en", "--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["problems"][0]["message"].startswith(f"duplicate code {G[1]}: 2 grids share it")
