"""多网合一 (#18) on hand-built layers: crosswalk, misalignment, slivers, offsets, proposal.

Layers are drawn in metres around ``builders.ORIGIN`` (Lanzhou, UTM 48N) and stored in
WGS-84 like workspace data; expected numbers come from the sketches, not from runs.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from shapely.geometry import box

from gridmap.analytics import fusion as F
from gridmap.crs import geometries_from_wgs84, parse_crs
from gridmap.errors import CrsError, SchemaError
from tests.builders import UTM48N, metric


def grid_lattice(nx: int, ny: int, size: float, households: float = 100.0) -> gpd.GeoDataFrame:
    """``nx`` x ``ny`` basic grids of ``size`` metres, codes ``g{x}{y}`` (x = column)."""
    return uneven_lattice([size] * nx, [size] * ny, households)


def uneven_lattice(
    widths: list[float], heights: list[float], households: float = 100.0
) -> gpd.GeoDataFrame:
    """Basic grids with the given column widths and row heights (metres), codes ``g{x}{y}``.

    Uneven spacing keeps a shifted copy from matching the lattice at any other shift.
    """
    xs, ys = np.concatenate([[0], np.cumsum(widths)]), np.concatenate([[0], np.cumsum(heights)])
    cells = {
        f"g{x}{y}": box(xs[x], ys[y], xs[x + 1], ys[y + 1])
        for x in range(len(widths))
        for y in range(len(heights))
    }
    return gpd.GeoDataFrame(
        {"code": list(cells), "households": households, "grid_type": "basic"},
        geometry=metric(list(cells.values())).to_numpy(),
        crs=4326,
    )


def units(shapes: dict[str, shapely.Geometry], name: str = "城市管理执法局") -> gpd.GeoDataFrame:
    """A department layer from shapes drawn in metres around ORIGIN."""
    return gpd.GeoDataFrame(
        {
            "department": name,
            "department_code": list(shapes),
            "department_name": [f"{c}单元" for c in shapes],
        },
        geometry=metric(list(shapes.values())).to_numpy(),
        crs=4326,
    )


def moved(grids: gpd.GeoDataFrame, dx: float, dy: float) -> gpd.GeoDataFrame:
    """The grids as a department layer, moved by (dx, dy) metres."""
    shifted = grids.to_crs(UTM48N).translate(dx, dy).to_crs(4326)
    return gpd.GeoDataFrame(
        {"department_code": "D" + grids["code"], "department_name": grids["code"]},
        geometry=shifted.to_numpy(),
        crs=4326,
    )


# -- crosswalk ---------------------------------------------------------------------------------
def test_crosswalk_shares_follow_the_sketch() -> None:
    """::

    +------+------+      one unit U covering g00 whole and the left 30 % of g10
    | g00  | g10  |      (grids 1000 m, 100 households each)
    +------+------+
    """
    grids = grid_lattice(2, 1, 1000.0)
    dept = units({"U": box(0, 0, 1300, 1000)})
    raw = F.crosswalk(dept, grids)
    assert list(raw.columns) == list(F.CROSSWALK_COLUMNS)
    cw = raw.set_index("grid_code")
    # Drawn in UTM and stored in WGS-84, U's long top edge passes a few cm from g00's
    # corner (edges are straight in WGS-84): hence 1e-4, not 1e-9.
    assert cw.loc["g00", "share_of_grid"] == pytest.approx(1.0, rel=1e-4)
    assert cw.loc["g10", "share_of_grid"] == pytest.approx(0.3, rel=1e-4)
    assert cw.loc["g10", "share_of_department"] == pytest.approx(300 / 1300, rel=1e-4)
    assert cw.loc["g10", "households"] == pytest.approx(30.0, rel=1e-4)
    assert cw["overlap_m2"].sum() == pytest.approx(1.3e6, rel=1e-3)
    view = F.grid_view(
        F.crosswalk(units({"U": box(0, 0, 1300, 1000), "V": box(1300, 0, 2000, 1000)}), grids)
    )
    row = view.set_index("grid_code").loc["g10"]
    assert (row["department_units"], row["main_department_code"]) == (2, "V")
    assert row["main_share"] == pytest.approx(0.7, rel=1e-4)


def test_crosswalk_without_households_gives_nan() -> None:
    grids = grid_lattice(2, 1, 500.0).drop(columns="households")
    dept = units({"U": box(0, 0, 700, 500), "V": box(700, 0, 1000, 500)})
    cw = F.crosswalk(dept, grids)
    assert cw["households"].isna().all() and len(cw) == 3
    changes = F.fusion_proposal(dept, grids, cw).changes
    assert changes["households_lost"].isna().all() and changes["area_lost_m2"].sum() > 0


def test_crosswalk_repairs_a_bow_tie_and_refuses_bad_layers() -> None:
    grids = grid_lattice(2, 1, 1000.0)
    bow_tie = shapely.Polygon([(0, 0), (1000, 1000), (1000, 0), (0, 1000)])
    cw = F.crosswalk(units({"U": bow_tie}), grids)
    # The repaired bow tie is two triangles of a quarter of g00 each.
    assert cw.set_index("grid_code").loc["g00", "share_of_grid"] == pytest.approx(0.5, rel=1e-4)
    twice = units({"U": box(0, 0, 10, 10)})
    twice = gpd.GeoDataFrame(
        {"department_code": ["U", "U"]}, geometry=[twice.geometry[0]] * 2, crs=4326
    )
    with pytest.raises(SchemaError, match="department_code 'U' appears 2 times"):
        F.crosswalk(twice, grids)
    with pytest.raises(CrsError, match="grid layer: the layer has no CRS"):
        F.crosswalk(units({"U": box(0, 0, 10, 10)}), grids.set_crs(None, allow_override=True))
    with pytest.raises(SchemaError, match="no department_code column"):
        F.crosswalk(grids, grids)
    empty = units({"U": box(0, 0, 10, 10)}).assign(geometry=None)
    with pytest.raises(SchemaError, match="unit 'U' has no geometry"):
        F.crosswalk(empty, grids)


# -- misalignment ------------------------------------------------------------------------------
def two_units(w: float) -> gpd.GeoDataFrame:
    """::

    x: 0        2000  2000+w      4000       A takes the first two grid columns and a
       +----+----+--+-+----+       strip w metres wide of the third; the third
       | A  | A  |A |B| B  |       column's grids go to B (it holds most of them),
       +----+----+--+-+----+       so A loses w * 2000 m² of its (2000 + w) * 2000.
    """
    return units({"A": box(0, 0, 2000 + w, 2000), "B": box(2000 + w, 0, 4000, 2000)})


@pytest.mark.parametrize(("share", "aligned"), [(0.04, True), (0.10, False)])
def test_misalignment_rule_five_percent(share: float, aligned: bool) -> None:
    grids = grid_lattice(4, 2, 1000.0)
    w = 2000 * share / (1 - share)  # A loses w / (2000 + w) of its area
    dept = two_units(w)
    table = F.misalignment(F.crosswalk(dept, grids), dept).set_index("department_code")
    assert table.loc["A", "misaligned_share"] == pytest.approx(share, rel=1e-4)
    assert bool(table.loc["A", "aligned"]) is aligned
    assert table.loc["A", "households"] == pytest.approx(2 * 100 * w / 1000, rel=1e-4)
    assert bool(table.loc["B", "aligned"]) and table.loc["B", "misaligned_area_m2"] == 0.0
    strict = F.misalignment(F.crosswalk(dept, grids), dept, tolerance=0.03)
    assert not strict.set_index("department_code").loc["A", "aligned"]
    loose = F.misalignment(F.crosswalk(dept, grids), dept, tolerance=0.12)
    assert loose.set_index("department_code").loc["A", "aligned"]


def test_unit_outside_the_grids_is_shown_as_outside() -> None:
    """A unit half over the grids, half beyond them; one far away; an empty layer."""
    grids = grid_lattice(2, 2, 500.0)
    dept = units({"H": box(0, 0, 2000, 1000), "X": box(50_000, 50_000, 51_000, 51_000)})
    table = F.misalignment(F.crosswalk(dept, grids), dept).set_index("department_code")
    assert table.loc["H", "outside_share"] == pytest.approx(0.5, rel=1e-4)
    assert table.loc["X", "outside_share"] == pytest.approx(1.0)
    assert table.loc["X", "misaligned_area_m2"] == 0.0
    assert F.detect_offset(dept.iloc[[1]], grids) is None
    with pytest.raises(SchemaError, match="department layer: no units to analyse"):
        F.analyse_department(dept.iloc[:0], grids)


def test_misalignment_tolerance_out_of_range() -> None:
    grids = grid_lattice(1, 1, 100.0)
    dept = units({"A": box(0, 0, 100, 100)})
    with pytest.raises(F.FusionError, match="tolerance=5; allowed: 0 to 1"):
        F.misalignment(F.crosswalk(dept, grids), dept, tolerance=5)


# -- slivers -----------------------------------------------------------------------------------
def test_five_metre_shift_is_only_slivers() -> None:
    grids = grid_lattice(4, 3, 300.0)
    dept = moved(grids, 5.0, 3.0)
    found = F.slivers(dept, grids)
    assert list(found.columns) == list(F.SLIVER_COLUMNS)
    # Each unit spills into its east, north and north-east neighbours.
    assert len(found) >= 2 * 3 * 3
    assert (found["max_width_m"] < 20.0).all() and (found["max_width_m"] > 2.0).all()
    cw = F.crosswalk(dept, grids)
    table = F.misalignment(cw, dept, slivers=found)
    assert table["aligned"].all() and (table["misaligned_area_m2"] == 0).all()
    # Without the slivers their area would count (small, but not nothing).
    assert F.misalignment(cw, dept)["misaligned_area_m2"].sum() > 1000.0
    assert F.detect_offset(dept, grids) is None


def test_two_hundred_metre_shift_is_real_misalignment() -> None:
    """Columns 300, 220, 380, 260 m wide; every unit moved 200 m east. A unit whose own
    grid it now holds least of, while its east neighbour's grid it holds most of, loses
    the part left in its own grid."""
    widths = [300.0, 220.0, 380.0, 260.0]
    grids = uneven_lattice(widths, [250.0, 340.0, 290.0])
    dept = moved(grids, 200.0, 0.0)
    found = F.slivers(dept, grids)
    table = F.misalignment(F.crosswalk(dept, grids), dept, slivers=found)
    mis = table[~table["aligned"]]
    assert len(mis) >= 6
    assert mis["misaligned_share"].min() > 0.2
    offset = F.detect_offset(dept, grids)
    assert offset is not None and offset.kind == "shift"
    assert offset.dx_m == pytest.approx(200.0, abs=5.0) and abs(offset.dy_m) < 5.0
    assert "200" in offset.sentence("en") or "199" in offset.sentence("en")


# -- offset ------------------------------------------------------------------------------------
def gcj_offset_m(lon: float, lat: float) -> tuple[float, float]:
    """The GCJ-02 offset at a point, in metres east and north."""
    from gridmap.crs import wgs84_to_gcj02

    glon, glat = wgs84_to_gcj02([lon], [lat])
    east = (glon[0] - lon) * 111_320.0 * np.cos(np.radians(lat))
    return east, (glat[0] - lat) * 110_574.0


def test_detect_offset_names_gcj02() -> None:
    grids = grid_lattice(6, 5, 250.0)
    as_gcj = geometries_from_wgs84(grids.geometry, parse_crs("gcj02")).set_crs(4326)
    dept = gpd.GeoDataFrame(
        {"department_code": "D" + grids["code"]}, geometry=as_gcj.to_numpy(), crs=4326
    )
    found = F.detect_offset(dept, grids)
    assert found is not None and found.kind == "gcj02_vs_wgs84"
    assert found.direction == "department_gcj02" and found.improvement > 0.95
    centre = grids.union_all().centroid
    east, north = gcj_offset_m(centre.x, centre.y)
    assert (found.dx_m, found.dy_m) == (pytest.approx(east, abs=3.0), pytest.approx(north, abs=3.0))
    assert "GCJ-02" in found.sentence("en") and "GCJ-02" in found.sentence("zh")
    # The other way round: grids drawn in GCJ-02, department in WGS-84.
    grids_gcj = grids.set_geometry(as_gcj.to_numpy())
    plain = gpd.GeoDataFrame(
        {"department_code": "D" + grids["code"]}, geometry=grids.geometry, crs=4326
    )
    back = F.detect_offset(plain, grids_gcj)
    assert back is not None and (back.kind, back.direction) == ("gcj02_vs_wgs84", "grids_gcj02")
    assert F.detect_offset(plain, grids) is None


def test_gcj02_layer_is_analysed_after_conversion() -> None:
    """Police units traced on a GCJ-02 map: as drawn every unit would look misaligned by
    the ~500 m offset; the analysis measures the converted layer and says so."""
    grids = uneven_lattice([300.0, 220.0, 380.0, 260.0], [250.0, 340.0, 290.0])
    as_gcj = geometries_from_wgs84(grids.geometry, parse_crs("gcj02")).set_crs(4326)
    dept = gpd.GeoDataFrame(
        {"department": "公安分局（派出所）", "department_code": "D" + grids["code"]},
        geometry=as_gcj.to_numpy(),
        crs=4326,
    )
    as_drawn = F.misalignment(F.crosswalk(dept, grids), dept)
    assert (~as_drawn["aligned"]).sum() >= 6
    result = F.analyse_department(dept, grids)
    assert result.corrected == "gcj02_to_wgs84" and result.offset is not None
    assert result.misalignment["aligned"].all() and result.grids_changing_unit == 0
    assert (result.grid_view["main_department_code"] == "D" + result.grid_view["grid_code"]).all()
    en, zh = result.sentences("en")[1], result.sentences("zh")[1]
    assert "Every figure below is for the layer converted to WGS-84" in en
    assert "--crs gcj02" in en and "换算到 WGS-84 后" in zh
    assert F.fusion_json(result)["corrected"] == "gcj02_to_wgs84"


# -- proposal ----------------------------------------------------------------------------------
BLOB = box(1000, 290, 1180, 390)


def finger_units(blob: shapely.Geometry = BLOB) -> gpd.GeoDataFrame:
    """::

        y 800 +----+----+----+----+----+----+    grids 200 m, codes g{x}{y}
              |  A A A  |                   |
          400 |  A A A  |=====finger====+   |    A: x < 510, plus a 40 m finger to a
              |  A A A  |          blob |## |       blob in g51 (45 % by default)
          200 |  A A A  |          C C C C  |    C: a strip at the foot of g51 (35 %)
            0 +----+----+----+----+----+----+    B: the rest (one polygon)
              0   200  400  600  800 1000 1200

    By majority g51 goes to A (45 % against C's 35 %), but it would sit apart from A's
    grids and no grid between can join it back: A holds less than half of it, so
    contiguity gives it to B, the unit it shares most boundary with.
    """
    a = shapely.union_all([box(0, 0, 510, 800), box(500, 380, 1000, 420), blob])
    c = box(1000, 200, 1200, 270)
    b = box(0, 0, 1200, 800).difference(a).difference(c)
    assert shapely.get_num_geometries(b) == 1
    return units({"A": a, "B": b, "C": c})


def test_proposal_whole_grids_contiguous_and_balanced() -> None:
    grids = grid_lattice(6, 4, 200.0)
    dept = finger_units()
    cw = F.crosswalk(dept, grids)
    owner = F.grid_owner(cw)
    assert owner["g51"] == "A"  # the majority rule alone would detach it
    proposal = F.fusion_proposal(dept, grids, cw)
    assert proposal.assignment["g51"] == "B"
    # Every grid assigned exactly once; columns 0-2 to A, the rest to B (C holds no grid).
    assert sorted(proposal.assignment.index) == sorted(grids["code"])
    expected_a = {f"g{x}{y}" for x in range(3) for y in range(4)}
    assert set(proposal.assignment[proposal.assignment == "A"].index) == expected_a
    draft = proposal.draft.set_index("department_code")
    assert (shapely.get_num_geometries(draft.geometry.to_numpy()) == 1).all()
    assert draft.loc["A", "grid_count"] == 12 and draft.loc["A", "households"] == 1200
    # Each draft unit is exactly the union of its grids.
    union_a = grids[grids["code"].isin(expected_a)].union_all()
    assert shapely.equals_exact(
        shapely.normalize(draft.loc["A", "geometry"]), shapely.normalize(union_a), 1e-9
    )
    changes = proposal.changes
    assert changes["area_gained_m2"].sum() == pytest.approx(changes["area_lost_m2"].sum())
    assert changes["households_gained"].sum() == pytest.approx(changes["households_lost"].sum())
    a = changes.set_index("department_code").loc["A"]
    # A loses its finger east of x=600 and its blob; gains B's parts of g20..g23.
    assert a["area_lost_m2"] == pytest.approx(400 * 40 + 180 * 100, rel=1e-3)
    assert a["area_gained_m2"] == pytest.approx(4 * 90 * 200 - 90 * 40, rel=1e-3)
    # g51 and the four grids of columns 3-4 the finger crosses (10 % each).
    assert a["grids_lost"] == 5 and a["grids_gained"] == 4


def test_proposal_keeps_a_detached_grid_the_unit_holds_mostly() -> None:
    """The blob grown to 56 % of g51: A holds most of it, so it is not given away to keep
    A in one piece (the draft's A is two pieces); C and B hold too little to claim it."""
    grids = grid_lattice(6, 4, 200.0)
    dept = finger_units(box(1000, 275, 1180, 400))
    proposal = F.fusion_proposal(dept, grids, F.crosswalk(dept, grids))
    assert proposal.assignment["g51"] == "A"
    draft = proposal.draft.set_index("department_code")
    assert shapely.get_num_geometries(draft.loc["A", "geometry"]) == 2


def test_contiguity_joins_a_unit_through_the_grid_between() -> None:
    """::

    +-----+-----+-----+     P1 holds A and C wholly, joined through a 30 m strip at
    |  A  |  B  |  C  |     the top of B; P2 holds the rest of B and D, E, F.
    |  P1 |P1/P2| P1  |     Majority: B to P2, so P1's A and C fall apart. Giving B
    +-----+-----+-----+     to P1 joins them and costs 40 % of B; giving A (or C)
    |  D  |  E  |  F  |     away would cost a grid P1 holds wholly.
    +-----+-----+-----+
    """
    grids = uneven_lattice([100.0] * 3, [100.0] * 2)  # g00 g10 g20 bottom, g01 g11 g21 top
    p1 = shapely.union_all(
        [box(0, 100, 100, 200), box(100, 170, 200, 200), box(200, 100, 300, 200)]
    )
    p2 = shapely.union_all([box(100, 100, 200, 170), box(0, 0, 300, 100)])
    dept = units({"P1": p1, "P2": p2})
    result = F.analyse_department(dept, grids)
    assignment = result.proposal.assignment
    assert assignment[["g01", "g11", "g21"]].tolist() == ["P1", "P1", "P1"]
    assert set(assignment[assignment == "P2"].index) == {"g00", "g10", "g20"}
    changes = result.proposal.changes.set_index("department_code")
    assert changes.loc["P1", "area_lost_m2"] == pytest.approx(0.0, abs=1.0)
    assert changes.loc["P2", "households_lost"] == pytest.approx(70.0, rel=1e-3)
    assert result.grids_changing_unit == 1


def test_proposal_counts_outside_area_apart_and_reconciles() -> None:
    """::

    +------+                 U: g0, 70 % of g1 and 1 km² beyond the grids (north)
    |  U   |                 V: 30 % of g1 and 80 % of g2; the rest of g2 is in no
    +------+----+-+----+-+   unit and joins V with the grid: a gain from nobody.
    | g0 U | U  |V| g2 V | |
    +------+----+-+----+-+
    """
    grids = grid_lattice(3, 1, 1000.0)
    dept = units(
        {"U": box(0, 0, 1700, 1000).union(box(0, 1000, 1000, 2000)), "V": box(1700, 0, 2800, 1000)}
    )
    result = F.analyse_department(dept, grids)
    mis = result.misalignment.set_index("department_code")
    assert mis.loc["U", "outside_m2"] == pytest.approx(1e6, rel=1e-3)
    assert mis.loc["U", "outside_share"] == pytest.approx(1 / 2.7, rel=1e-3)
    changes = result.proposal.changes.set_index("department_code")
    assert changes.loc["U", "area_outside_m2"] == pytest.approx(1e6, rel=1e-3)
    assert changes.loc["U", "area_gained_m2"] == pytest.approx(0.3e6, rel=1e-3)
    assert changes.loc["V", "area_lost_m2"] == pytest.approx(0.3e6, rel=1e-3)
    assert changes.loc["V", "area_gained_m2"] == pytest.approx(0.2e6, rel=1e-3)
    assert changes.loc["V", "households_gained"] == pytest.approx(20.0, rel=1e-3)
    draft = result.proposal.draft.set_index("department_code")["area_m2"]
    balance = mis["area_m2"] + changes["area_gained_m2"] - changes["area_lost_m2"]
    balance -= changes["area_outside_m2"]
    assert np.allclose(balance.reindex(draft.index), draft, rtol=1e-3)
    payload = F.fusion_json(result)
    assert {"outside_share", "outside_m2"} <= set(payload["proposal"][0]) | set(
        F.MISALIGNMENT_COLUMNS
    )
    en = result.sentences("en")[0]
    assert "1.00 km² lies outside every basic grid (1 units" in en


def test_proposal_lists_grids_cut_in_half() -> None:
    grids = grid_lattice(2, 1, 1000.0)
    dept = units({"L": box(0, 0, 1450, 1000), "R": box(1450, 0, 2000, 1000)})
    splits = F.fusion_proposal(dept, grids, F.crosswalk(dept, grids)).splits
    assert splits.to_dict("records") == [
        {"grid_code": "g10", "department_codes": "R, L", "shares": "0.55, 0.45"}
    ]


# -- responsibility ----------------------------------------------------------------------------
def test_responsibility_gaps_and_duplicates() -> None:
    """2x2 grids of 100 m (A B / C D), a professional grid over A::

    城市管理执法局: U1 = A+B, U2 = C          -> D is a gap for urban_management
    公安分局（派出所）: P1 = x 0..130, P2 = x 100..200 -> B and D claimed by two units
    网格化中心 (told: urban_management): N1 = A -> A claimed by two departments
    """
    from tests.builders import squares_2x2

    grids = squares_2x2()
    pro = grids.iloc[[0]].assign(code="PRO1", grid_type="professional")
    layers = {
        "城市管理执法局": units({"U1": box(0, 100, 200, 200), "U2": box(0, 0, 100, 100)}),
        "公安分局（派出所）": units({"P1": box(0, 0, 130, 200), "P2": box(100, 0, 200, 200)}),
        "网格化中心": units({"N1": box(0, 100, 100, 200)}),
    }
    both = gpd.GeoDataFrame(
        [*grids.to_dict("records"), *pro.to_dict("records")], geometry="geometry", crs=4326
    )
    result = F.responsibility(both, layers, categories={"网格化中心": ["城市管理"]})
    # 城管 runs urban_management, and 乱贴乱画 / 餐饮油烟 of two more: partial claims count.
    urban = ("party_civility", "urban_management", "ecology")
    assert result.categories["城市管理执法局"] == urban
    assert result.categories["网格化中心"] == ("urban_management",)
    gaps = set(map(tuple, result.gaps.to_numpy()))
    assert gaps == {("D", c) for c in urban}
    dups = result.duplicates
    units_dup = dups[dups["reason"] == "units"]
    assert set(units_dup["grid_code"]) == {"B", "D"}
    assert set(units_dup["department_codes"]) == {"P1, P2"}
    across = dups[dups["reason"] == "departments"]
    assert across[["grid_code", "category"]].to_numpy().tolist() == [["A", "urban_management"]]
    matrix = result.matrix
    police_a = matrix[(matrix["grid_code"] == "A") & (matrix["category"] == "public_safety")]
    assert police_a["department_code"].tolist() == ["P1"]
    assert matrix[matrix["department"] == "professional"]["grid_code"].tolist() == ["A"]
    assert (
        "livelihood" in result.unclaimed_categories and "ecology" not in result.unclaimed_categories
    )
    gaps_n1, dups_n1 = F.department_rows(result, "网格化中心")
    assert gaps_n1[["grid_code", "category"]].to_numpy().tolist() == [["D", "urban_management"]]
    assert dups_n1["reason"].tolist() == ["departments"]
    with pytest.raises(SchemaError, match="'火星' is not a category"):
        F.responsibility(grids, layers, categories={"网格化中心": ["火星"]})


def test_partial_claims_count_but_do_not_duplicate() -> None:
    """市场监督管理局 runs only 特种设备 (a work_safety subcategory): it answers for
    work_safety beside 应急管理局 without a duplicate; a department the table never names
    answers for nothing, and says so."""
    grids = grid_lattice(2, 1, 200.0)
    both = units({"M": box(0, 0, 400, 200)}, "市场监督管理局")
    layers = {"市场监督管理局": both, "应急管理局": units({"E": box(0, 0, 400, 200)}, "应急管理局")}
    result = F.responsibility(grids, layers)
    assert result.categories == {"市场监督管理局": ("work_safety",), "应急管理局": ("work_safety",)}
    assert result.duplicates.empty and result.gaps.empty
    nobody = F.analyse_department(units({"X": box(0, 0, 400, 200)}, "档案馆"), grids)
    assert nobody.categories == () and nobody.department_gaps.empty
    assert "answers for none" in nobody.sentences("en")[3]
    assert "不对任何类别负责" in nobody.sentences("zh")[3]
    payload = F.fusion_json(nobody)
    assert payload["categories"] == [] and len(payload["unclaimed_categories"]) == 6


# -- the whole analysis ------------------------------------------------------------------------
def test_analyse_department_and_json() -> None:
    from gridmap.strict_json import dumps
    from tests.builders import strict_loads

    grids = uneven_lattice([300.0, 220.0, 380.0, 260.0], [250.0, 340.0, 290.0])
    dept = moved(grids, 200.0, 0.0).assign(department="城市管理执法局", version=2)
    result = F.analyse_department(dept, grids)
    assert (result.department, result.version) == ("城市管理执法局", 2)
    payload = strict_loads(dumps(F.fusion_json(result)))
    assert tuple(payload) == F.FUSION_JSON_KEYS
    assert len(payload["crosswalk"]) == len(result.crosswalk)
    assert {r["department_code"] for r in payload["misaligned"]} == set(
        result.misaligned["department_code"]
    )
    assert payload["offset"]["kind"] == "shift"
    assert len(payload["proposal"]) == len(dept)
    # Moved 200 m east, the units cover only a third of the first column's grids.
    gaps = {(r["grid_code"], r["category"]) for r in payload["responsibility_gaps"]}
    cats = ("party_civility", "urban_management", "ecology")
    assert payload["categories"] == list(cats)
    assert gaps == {(f"g0{y}", c) for y in range(3) for c in cats}
    assert payload["responsibility_gaps_all"] == len(gaps) and payload["corrected"] is None
    assert len(payload["grid_view"]) == len(result.grid_view)
    assert set(payload["misaligned"][0]) >= {"outside_share", "outside_m2"}
    zh, en = result.sentences("zh"), result.sentences("en")
    assert f"{len(result.misaligned)} are misaligned" in en[0] and "错位" in zh[0]
    mixed = gpd.GeoDataFrame(
        [*dept.to_dict("records"), *dept.assign(department="公安").to_dict("records")],
        geometry="geometry",
        crs=4326,
    )
    with pytest.raises(SchemaError, match="holds 2 departments"):
        F.analyse_department(mixed, grids)


def test_local_metric_crs_is_centred_on_the_data() -> None:
    grids = grid_lattice(2, 2, 1000.0)
    crs = F.local_metric_crs(grids)
    centre = grids.union_all().centroid
    x, y = gpd.GeoSeries([centre], crs=4326).to_crs(crs).iloc[0].coords[0]
    assert abs(x) < 1.0 and abs(y) < 1.0
