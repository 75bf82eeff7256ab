"""Rebalancing on hand-built communities with known answers, plus Hypothesis properties.

The main fixture, in 100 m squares (one unit each; households in the squares)::

      x=0   x=1   x=2   x=3  x=4  x=5
    +-----+-----+-----+----+----+----+
    | 150 | 150 | 150 | 75 | 75 | 75 |   y=1
    +-----+-----+-----+----+----+----+
    | 150 | 150 | 150 | 75 | 75 | 75 |   y=0
    +-----+-----+-----+----+----+----+
      G1 (900 households)  G2   G3 | G4
      community C1 ..................| C2

G1 is far over the 300–500 band, G2 and G3 (150 each) are under it and adjacent, G4 (150)
is adjacent to G3 but in another community.
"""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gridmap.analytics import rebalance as rb
from gridmap.analytics.units import dissolve, rebalance_units, unit_graph
from gridmap.analytics.workload import WorkloadSettings, polsby_popper

from ..builders import (
    C1,
    C2,
    G1,
    G2,
    G3,
    G4,
    NAMES,
    SIZE,
    UTM48N,
)
from ..builders import lattice_cells as main_cells
from ..builders import lattice_layers as layers
from ..builders import lattice_square as square


@pytest.fixture(scope="module")
def main_layers() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, gpd.GeoDataFrame]:
    return layers(main_cells(), NAMES)


@pytest.fixture(scope="module")
def problem(main_layers: tuple[gpd.GeoDataFrame, ...]) -> rb.Problem:
    grids, units, admin = main_layers
    return rb.prepare(grids, rebalance_units(grids, units), admin=admin)


def test_units_tile_grids_and_adjacency_is_edge_sharing(problem: rb.Problem) -> None:
    g = problem.graph
    assert len(g) == 12 and not g.estimate
    assert int(g.households.sum()) == 900 + 3 * 150
    # A 6x2 lattice of squares has 6*1 + 5*2 = 16 shared edges of 100 m; corners don't count.
    i, _, shared = g.edges
    assert len(i) == 16
    np.testing.assert_allclose(shared, SIZE, rtol=1e-6)
    np.testing.assert_allclose(g.area_m2, SIZE * SIZE, rtol=1e-6)


def test_polsby_popper_of_a_square_is_pi_over_4() -> None:
    sq = gpd.GeoSeries([square(0, 0)], crs=UTM48N).to_crs(4326)
    assert polsby_popper(sq)[0] == pytest.approx(math.pi / 4, rel=1e-4)


def test_900_household_grid_is_split_into_contiguous_parts_in_band(problem: rb.Problem) -> None:
    splits = [s for s in rb.suggest(problem) if s.kind == "split"]
    assert [s.grids[0] for s in splits] == [G1]
    s = splits[0]
    after = dict(s.after)
    assert sorted(after[c] for c in (G1, *s.new_grids)) == [450, 450]
    assert s.new_grids == (C1 + "004",)  # the next free number in the community
    assert s.gap_before == 400 and s.gap_after == 0
    assert s.households_moved == 450 and s.units_moved == 3
    assert "拆分为2个网格" in s.sentence_zh and "all within 300–500" in s.sentence_en
    session = rb.apply_suggestion(rb.start_session(problem), s)
    table = session.affected()
    assert set(table.index) == {G1, C1 + "004"}
    assert table["contiguous"].all() and table["in_band"].all()
    assert table["households"].sum() == 900


def test_two_adjacent_150_grids_of_one_community_are_suggested_to_merge(
    problem: rb.Problem,
) -> None:
    merges = [s for s in rb.suggest(problem) if s.kind == "merge"]
    assert [set(s.grids) for s in merges] == [{G2, G3}]
    s = merges[0]
    assert sum(dict(s.after).values()) == 300 and s.gap_after == 0
    assert s.households_moved == 150
    assert "合并后300户" in s.sentence_zh


def test_never_merges_or_moves_across_communities(problem: rb.Problem) -> None:
    for s in rb.suggest(problem):
        touched = {c for ch in s.changes for c in ch[1:]} | set(s.grids)
        assert len({c[:12] for c in touched}) == 1, s


def test_locked_and_professional_grids_are_untouched(
    main_layers: tuple[gpd.GeoDataFrame, ...],
) -> None:
    grids, units, admin = main_layers
    pro = gpd.GeoDataFrame(
        {
            "code": [C1 + "901"],
            "parent_code": [C1],
            "grid_type": ["professional"],
            "households": [pd.NA],
        },
        geometry=[gpd.GeoSeries([square(1, 0)], crs=UTM48N).to_crs(4326).iloc[0]],
        crs=4326,
    )
    all_grids = pd.concat([grids, pro], ignore_index=True)
    p = rb.prepare(all_grids, rebalance_units(all_grids, units), admin=admin, locked=[G1])
    assert C1 + "901" not in p.grid_codes
    suggestions = rb.suggest(p)
    assert suggestions  # G2 + G3 can still merge
    for s in suggestions:
        assert G1 not in s.grids and all(G1 not in ch[1:] for ch in s.changes)
    plan = rb.redraw(p, C1)
    assert not plan.moved()[p.base == p.grid_index[G1]].any()
    out = rb.plan_grids(rb.combine(p, suggestions), all_grids)
    kept = out.set_index("code").loc[C1 + "901"]
    assert kept["grid_type"] == "professional"
    assert kept.geometry.equals(pro.geometry.iloc[0])


def test_infeasibility_is_explained_in_words(problem: rb.Problem) -> None:
    reasons = rb.infeasibility(problem, C2)
    assert len(reasons) == 1
    zh, en = reasons[0]
    assert zh == "东岗社区有150户：即使只设一个网格也不足300–500户区间的下限300户"
    assert en == (
        "community 东岗社区 has 150 households: fewer than the band's low end 300 even as "
        "one grid (300–500)"
    )
    assert rb.infeasibility(problem, C1) == []


def test_unit_above_the_band_is_explained() -> None:
    cells = {(0, 0): (G1, 620), (1, 0): (G1, 100)}
    grids, units, admin = layers(cells, NAMES)
    p = rb.prepare(grids, rebalance_units(grids, units), admin=admin)
    msgs = [en for _, en in rb.infeasibility(p, C1)]
    assert any("unit u00 has 620 households" in m and "never cut" in m for m in msgs)


def test_community_table_and_staffing(problem: rb.Problem) -> None:
    t = rb.community_table(rb.base_plan(problem), capacity=400)
    assert list(t.index) == [C1, C2]
    assert list(t["n_grids"]) == [3, 1] and list(t["households"]) == [1200, 150]
    assert (t.loc[C1, "grids_min"], t.loc[C1, "grids_max"]) == (3, 4)
    assert t.loc[C1, "sentence_en"].endswith("needs 3–4 grids, it has 3")
    # 1,200 households at 400 household equivalents a worker (plus a little area): 4.
    assert t.loc[C1, "needed"] == 4 and t.loc[C1, "change"] == 1
    assert not bool(t.loc[C2, "feasible"])


def test_redraw_puts_every_grid_in_band_contiguous(problem: rb.Problem) -> None:
    plan = rb.redraw(problem, C1, seed=3)
    table = rb.grid_table(plan)
    mine = table[(table["community"] == C1) & (table["n_units"] > 0)]
    assert len(mine) == 3  # 1,200 households: the band needs 3–4 grids, it has 3
    assert mine["in_band"].all() and mine["contiguous"].all()
    assert mine["households"].sum() == 1200
    assert (table.loc[G4, "households"], table.loc[G4, "households_before"]) == (150, 150)
    # Staying close: G1 must shed 450 (three units) through its only neighbour G2, and a
    # G1 unit can reach G3 only once one 75-household unit of G2 went there too: 525 is
    # the fewest households any in-band plan moves.
    assert plan.households_moved() == 525


def test_same_seed_same_result(problem: rb.Problem) -> None:
    a = rb.redraw(problem, C1, seed=11)
    b = rb.redraw(problem, C1, seed=11)
    assert a.codes == b.codes and np.array_equal(a.label, b.label)
    s1 = [s.to_dict() for s in rb.suggest(problem, seed=5)]
    s2 = [s.to_dict() for s in rb.suggest(problem, seed=5)]
    assert s1 == s2


def test_edit_session_assign_lock_undo_redo(problem: rb.Problem) -> None:
    s0 = rb.start_session(problem)
    s1 = rb.assign_units(s0, ["u20"], G2)
    t = s1.affected()
    assert dict(t["households"]) == {G1: 750, G2: 300}
    assert bool(t.loc[G2, "in_band"]) and not bool(t.loc[G1, "in_band"])
    assert t["contiguous"].all()
    assert t.loc[G2, "households_before"] == 150
    assert s0.affected().empty  # the old session is unchanged
    s2 = rb.undo(s1)
    assert s2.affected().empty and s2.can_redo
    s3 = rb.redo(s2)
    assert np.array_equal(s3.plan.label, s1.plan.label)
    s4 = rb.set_locked(s3, [G3])
    with pytest.raises(rb.RebalanceError, match=r"target grid .*003: locked"):
        rb.assign_units(s4, ["u30"], G3)
    with pytest.raises(rb.RebalanceError, match="cannot join it"):
        rb.assign_units(s4, ["u50"], G2)
    with pytest.raises(rb.RebalanceError, match="not units of this"):
        rb.assign_units(s4, ["nope"], G2)
    # Painting may pass through a split grid; the table says so.
    s5 = rb.assign_units(s4, ["u10", "u11"], G2)
    assert not bool(s5.affected().loc[G1, "contiguous"])
    with pytest.raises(rb.RebalanceError, match="would not be contiguous"):
        rb.plan_grids(s5.plan, problem.graph.units.assign(code=problem.graph.units["grid_code"]))


def test_session_redraw_with_session_locks_is_undoable(problem: rb.Problem) -> None:
    s = rb.set_locked(rb.start_session(problem), [G2])
    plan = rb.redraw(problem, C1, locked=s.locked)
    assert plan.problem is problem
    assert not plan.moved()[problem.base == problem.grid_index[G2]].any()
    s2 = rb.apply_plan(s, plan)
    assert G2 not in set(s2.affected().index) and G1 in set(s2.affected().index)
    assert rb.undo(s2).plan is s.plan
    with pytest.raises(rb.RebalanceError, match="changes locked grid"):
        rb.apply_plan(rb.set_locked(s, [G1]), rb.redraw(problem, C1))


def test_dissolve_gives_clean_polygons(problem: rb.Problem) -> None:
    units = problem.graph.units
    label = np.where(units["grid_code"] == G3, G2, units["grid_code"])
    out = dissolve(units, label)
    assert list(out["grid_code"]) == [G1, G2, C2 + "001"]
    assert out.geometry.is_valid.all() and (out.geometry.geom_type == "Polygon").all()
    assert list(out["households"]) == [900, 300, 150]
    overlap = gpd.overlay(out.iloc[[0]], out.iloc[[1]], how="intersection", keep_geom_type=True)
    assert overlap.to_crs(UTM48N).area.sum() < 1e-6


def test_cell_units_are_estimates_summing_to_grid_households(
    main_layers: tuple[gpd.GeoDataFrame, ...],
) -> None:
    grids, _, admin = main_layers
    units = rebalance_units(grids, None, res=12)
    assert units["estimate"].all()
    sums = units.groupby("grid_code")["households"].sum()
    assert sums.to_dict() == grids.set_index("code")["households"].to_dict()
    g = unit_graph(units)
    assert g.estimate and len(g.edges[0]) > len(units)  # hexagons have several neighbours
    p = rb.prepare(grids, units, admin=admin)
    splits = [s for s in rb.suggest(p) if s.kind == "split"]
    assert splits and splits[0].gap_after == 0


def test_settings_band_per_community_type() -> None:
    cells = {(0, 0): (G1, 150), (1, 0): (G1, 100)}
    grids, units, admin = layers(cells, {C1: "刘家川村"})
    p = rb.prepare(grids, rebalance_units(grids, units), admin=admin)
    assert (int(p.band_low[0]), int(p.band_high[0])) == (100, 300)  # village default
    cells = {(0, 0): (G1, 60), (1, 0): (G1, 60), (2, 0): (G1, 60), (3, 0): (G1, 70)}
    grids, units, admin = layers(cells, {C1: "刘家川村"})
    p = rb.prepare(
        grids,
        rebalance_units(grids, units),
        admin=admin,
        settings=WorkloadSettings(village_band=(50, 120)),
    )
    (split,) = rb.suggest(p)
    # 250 households in 50–120 need 3–5 grids: the fewest, 3, in band.
    assert split.kind == "split" and len(split.after) == 3 and split.gap_after == 0


def test_renumber_reads_west_to_east_north_to_south() -> None:
    from ..builders import squares_2x2

    # A B / C D, stored with scrambled numbers.
    grids = squares_2x2(codes=(C1 + "004", C1 + "001", C1 + "003", C1 + "002"))
    grids["parent_code"] = C1
    grids["name"] = [f"示范社区第{int(c[-3:])}网格" for c in grids["code"]]
    mapping = rb.renumber(grids)
    assert mapping == {C1 + "004": C1 + "001", C1 + "001": C1 + "002", C1 + "002": C1 + "004"}
    out = rb.apply_renumber(grids, mapping)
    assert list(out["code"]) == [C1 + "001", C1 + "002", C1 + "003", C1 + "004"]
    assert list(out["name"]) == [f"示范社区第{i}网格" for i in (1, 2, 3, 4)]
    assert rb.renumber(out) == {}


def test_plan_json_round_trip(problem: rb.Problem) -> None:
    plan = rb.redraw(problem, C1, seed=2)
    again = rb.plan_from_json(problem, rb.plan_to_json(plan))
    now = np.asarray(plan.codes, dtype=object)[plan.label]
    back = np.asarray(again.codes, dtype=object)[again.label]
    assert (now == back).all()
    with pytest.raises(rb.RebalanceError, match="unknown units nope"):
        rb.plan_from_json(problem, {"format": "gridmap-plan", "assignments": {"nope": G1}})


# --- properties -------------------------------------------------------------------------------
@settings(max_examples=20, deadline=None)
@given(
    moves=st.lists(
        st.tuples(
            st.sampled_from([f"u{x}{y}" for x in range(5) for y in (0, 1)]),
            st.sampled_from([G1, G2, G3]),
        ),
        min_size=1,
        max_size=8,
    )
)
def test_moves_keep_households_and_units(problem: rb.Problem, moves: list[tuple[str, str]]) -> None:
    s = rb.start_session(problem)
    for unit, target in moves:
        s = rb.assign_units(s, [unit], target)
    table = rb.grid_table(s.plan)
    assert table["households"].sum() == int(problem.graph.households.sum())
    assert len(s.plan.label) == len(problem.graph)  # no unit lost or duplicated
    assert int(table["n_units"].sum()) == len(problem.graph)


@settings(max_examples=15, deadline=None)
@given(households=st.lists(st.integers(20, 260), min_size=9, max_size=9), seed=st.integers(0, 99))
def test_accepted_plans_stay_contiguous_and_inside_community(
    households: list[int], seed: int
) -> None:
    cells = {(i % 3, i // 3): (G1, h) for i, h in enumerate(households)}
    cells.update({(3, 0): (G2, 80), (3, 1): (G2, 80), (3, 2): (G4, 80)})
    grids, units, admin = layers(cells, NAMES)
    p = rb.prepare(grids, rebalance_units(grids, units), admin=admin)
    total = int(p.graph.households.sum())
    plans = [rb.redraw(p, C1, seed=seed)]
    plans += [rb.apply_suggestion(rb.start_session(p), s).plan for s in rb.suggest(p, seed=seed)]
    for plan in plans:
        table = rb.grid_table(plan)
        alive = table[table["n_units"] > 0]
        assert alive["contiguous"].all()
        assert alive["households"].sum() == total
        comm = np.asarray(plan.community, dtype=object)[plan.label]
        assert (comm == p.community_of_unit).all()  # every unit stays in its community
