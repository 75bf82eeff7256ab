"""Priority ranking: empirical-Bayes excess incidents, peer groups, floors, ``ranked_on``."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from gridmap import schema
from gridmap.analytics.incidents import IncidentFilter, select
from gridmap.analytics.priority import (
    COLUMNS,
    basic_measure,
    eb_excess,
    incidents_in_polygons,
    priority_counts,
    priority_ranking,
    professional_kinds,
)
from gridmap.analytics.risk import RiskSettings, day_start_s, grid_risk
from gridmap.crs import to_metric
from gridmap.demo import build_demo
from gridmap.errors import SchemaError
from gridmap.loading import load_incident_table
from gridmap.store import Workspace

from ..builders import incident_table_of, times

SCALE = 0.3  # incidents at 30 %: the city is the demo's own, the build takes seconds


Row = tuple[str, str, float | None, float]


def at(frame: pd.DataFrame, row: str, column: str) -> Any:
    """One cell (typed ``Any``: pandas-stubs types ``.loc`` scalars too broadly)."""
    return frame.loc[row, column]


def frame(rows: list[Row]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Grids and counts from ``(code, grid_type, households, weighted)`` rows."""
    grids = pd.DataFrame(
        {
            schema.CODE: [r[0] for r in rows],
            schema.NAME: [f"grid {r[0]}" for r in rows],
            schema.GRID_TYPE: [r[1] for r in rows],
            schema.HOUSEHOLDS: [r[2] for r in rows],
            schema.AREA_M2: 250_000.0,
        }
    )
    counts = pd.DataFrame(
        {"incidents": [round(r[3]) for r in rows], "weighted": [r[3] for r in rows]},
        index=pd.Index([r[0] for r in rows], name=schema.CODE),
    )
    return grids, counts


def peers(n: int = 12, households: float = 500.0, weighted: float = 10.0) -> list[Row]:
    """``n`` ordinary basic grids at about 20 weighted incidents per 1,000 households."""
    return [(f"P{i:02d}", "basic", households, weighted + (i % 3) - 1) for i in range(n)]


# --- the estimator ------------------------------------------------------------------------------
def test_eb_excess_is_the_gamma_poisson_posterior_mean() -> None:
    """rate_eb = (y + a) / (e + b) with b = m / s2 and a = m b (Marshall's moments)."""
    y = np.array([6.0, 300.0, 50.0, 60.0, 40.0])
    e = np.array([0.02, 2.0, 1.0, 1.0, 1.0])
    out = eb_excess(y, e)
    m = y.sum() / e.sum()
    s2 = (e * (y / e - m) ** 2).sum() / e.sum() - m / e.mean()
    b = m / s2
    np.testing.assert_allclose(out["rate_eb"], (y + m * b) / (e + b))
    np.testing.assert_allclose(out["excess"], e * ((y + m * b) / (e + b) - m))
    np.testing.assert_allclose(out["peer_rate"], m)
    np.testing.assert_allclose(out["expected"], m * e)


def test_shrinkage_pulls_small_exposure_toward_the_peer_rate() -> None:
    # Two grids with the same raw rate (60 per unit) and 50 times different exposure.
    y = np.array([60.0, 3.0, 10.0, 12.0, 8.0, 20.0, 9.0])
    e = np.array([1.0, 0.05, 1.0, 1.0, 1.0, 1.0, 1.0])
    out = eb_excess(y, e)
    m = out["peer_rate"].to_numpy()[0]
    assert out["rate"].to_numpy()[0] == pytest.approx(out["rate"].to_numpy()[1])
    assert out["shrinkage"].to_numpy()[1] < out["shrinkage"].to_numpy()[0] <= 1
    assert abs(out["rate_eb"].to_numpy()[1] - m) < abs(out["rate_eb"].to_numpy()[0] - m)
    assert m < out["rate_eb"].to_numpy()[1] < out["rate"].to_numpy()[1]
    # prior_strength 0 turns shrinkage off: raw rates, full excess.
    raw = eb_excess(y, e, prior_strength=0)
    np.testing.assert_allclose(raw["rate_eb"], y / e)
    np.testing.assert_allclose(raw["excess"], y - raw["expected"])


def test_no_spread_beyond_chance_shrinks_everything_to_the_peer_rate() -> None:
    out = eb_excess([10.0, 10.0, 10.0], [1.0, 1.0, 1.0])
    np.testing.assert_allclose(out["rate_eb"], 10.0)
    np.testing.assert_allclose(out["excess"], 0.0)


# --- the ranking ---------------------------------------------------------------------------------
def test_a_tiny_grid_with_a_high_rate_does_not_outrank_a_big_grid_with_many_excess() -> None:
    grids, counts = frame(
        [*peers(), ("TINY", "basic", 120.0, 15.0), ("BIG", "basic", 2000.0, 150.0)]
    )
    ranked = priority_ranking(grids, counts).basic
    assert at(ranked, "TINY", "rate") > at(ranked, "BIG", "rate")  # per 1,000 households
    assert ranked.index[0] == "BIG"
    assert at(ranked, "BIG", "excess") > 5 * at(ranked, "TINY", "excess")
    assert list(ranked.columns) == [c for c in COLUMNS if c in ranked.columns]
    assert ranked["rank"].tolist() == list(range(1, len(ranked) + 1))


def test_grids_under_the_household_floor_are_ranked_on_their_count() -> None:
    """25 households and 30 incidents: a rate of 1,200 per 1,000 households, but only the
    count beyond what a 100-household grid would have counts."""
    grids, counts = frame(
        [
            *peers(),
            ("SMALL", "basic", 25.0, 30.0),
            ("NONE", "basic", None, 5.0),
            ("BIG", "basic", 1500.0, 90.0),
        ]
    )
    ranked = priority_ranking(grids, counts).basic
    small = ranked.loc["SMALL"]
    assert small["ranked_on"] == "excess_at_households_floor"
    assert at(ranked, "NONE", "ranked_on") == "excess_at_median_households"
    assert at(ranked, "NONE", "expected") == pytest.approx(at(ranked, "P00", "expected"))
    assert bool(small["below_floor"]) and small["exposure"] == pytest.approx(0.025)
    assert small["expected"] == pytest.approx(small["peer_rate"] * 0.1)  # at the floor
    assert small["rate"] == pytest.approx(300.0)  # 30 per 100 households, not per 25
    assert ranked.index[0] == "BIG"
    assert (
        ranked.loc[ranked.index.str.startswith("P"), "ranked_on"] == "excess_per_households"
    ).all()
    # A lower floor ranks it on its rate after all.
    low = priority_ranking(grids, counts, household_floor=10).basic
    assert at(low, "SMALL", "ranked_on") == "excess_per_households"


def test_professional_grids_are_ranked_apart_among_their_own_kind() -> None:
    rows = [*peers()]
    rows += [(f"S{i}", "professional", None, 2.0 + i) for i in range(4)]
    rows += [(f"H{i}", "professional", None, 40.0) for i in range(3)]
    rows += [("X0", "professional", None, 99.0)]
    grids, counts = frame(rows)
    grids.loc[grids[schema.CODE] == "S3", schema.AREA_M2] = 10_000.0
    kinds = pd.Series(
        ["school"] * 4 + ["hospital"] * 3 + ["station"], index=[r[0] for r in rows[12:]]
    )
    result = priority_ranking(grids, counts, kinds=kinds)
    assert (result.basic[schema.GRID_TYPE] == "basic").all()
    assert not result.basic.index.isin(kinds.index).any()
    pro = result.professional
    assert set(pro.index) == set(kinds.index)
    assert (pro["ranked_on"].drop("X0") == "excess_per_area").all()
    assert (pro["exposure_unit"] == "km2").all()
    # The station has no peers of its kind: its count against the professional mean count.
    assert at(pro, "X0", "peer_group") == "station"
    assert at(pro, "X0", "ranked_on") == "count"
    assert at(pro, "X0", "expected") == pytest.approx(counts["weighted"][12:].mean())
    assert pro.index[0] == "X0"  # 99 weighted incidents: the busiest professional grid
    assert at(pro, "S3", "peer_group") == "school"
    # Its own kind's rate: a small school with 5 incidents beats the schools, not hospitals.
    school = pro[pro["peer_group"] == "school"]
    assert school["excess"].idxmax() == "S3"
    hospitals = pro[pro["peer_group"] == "hospital"]
    np.testing.assert_allclose(hospitals["excess"], 0.0, atol=1e-9)  # all alike
    assert pro["rank"].tolist() == list(range(1, len(pro) + 1))


def test_professional_exposure_can_be_a_count_the_layer_carries() -> None:
    rows: list[Row] = [(f"S{i}", "professional", None, 10.0 * (i + 1)) for i in range(4)]
    grids, counts = frame(rows)
    grids["students"] = [100, 200, 300, 400]
    kinds = pd.Series("school", index=grids[schema.CODE])
    pro = priority_ranking(grids, counts, kinds=kinds, professional_exposure="students")
    assert (pro.professional["ranked_on"] == "excess_per_students").all()
    # Incidents exactly proportional to students: no school stands out.
    np.testing.assert_allclose(pro.professional["excess"], 0.0, atol=1e-9)


def test_measure_follows_what_the_grids_carry() -> None:
    grids, counts = frame([*peers(), ("BIG", "basic", 2000.0, 150.0)])
    assert basic_measure(grids) == "households"
    by_pop = grids.assign(**{schema.HOUSEHOLDS: None, schema.POPULATION: 1200.0})
    assert basic_measure(by_pop) == "population"
    ranked = priority_ranking(by_pop, counts).basic
    assert (ranked["ranked_on"] == "excess_per_population").all()
    assert (ranked["exposure_unit"] == "1000 residents").all()
    by_area = grids.assign(**{schema.HOUSEHOLDS: None})
    assert basic_measure(by_area) == "area"
    ranked = priority_ranking(by_area, counts).basic
    assert (ranked["ranked_on"] == "excess_per_area").all()
    assert ranked.index[0] == "BIG"  # same area, most incidents
    nothing = by_area.drop(columns=schema.AREA_M2)
    ranked = priority_ranking(nothing, counts).basic
    assert (ranked["ranked_on"] == "count").all()
    assert ranked.index[0] == "BIG"


def test_bad_arguments_are_named() -> None:
    grids, counts = frame(peers(3))
    with pytest.raises(SchemaError, match=r"measure='beds'; allowed: households"):
        priority_ranking(grids, counts, measure="beds")
    with pytest.raises(SchemaError, match=r"professional_exposure='beds': no such column"):
        priority_ranking(grids, counts, professional_exposure="beds")
    with pytest.raises(SchemaError, match=r"household_floor=-1.*prior_strength=nan"):
        priority_ranking(grids, counts, household_floor=-1, prior_strength=float("nan"))
    with pytest.raises(SchemaError, match=r"missing column 'weighted'"):
        priority_ranking(grids, counts.drop(columns="weighted"))
    with pytest.raises(SchemaError, match=r"min_peers=0"):
        priority_ranking(grids, counts, min_peers=0)


# --- counts from incidents ---------------------------------------------------------------------
def test_counts_reuse_the_risk_weights_and_count_professional_grids_by_location() -> None:
    """Two basic grids G1, G2 side by side; a professional square P over part of G1::

    +-----G1-----+-----G2-----+
    |  +--P--+   |            |
    |  | 3 x |   |   2 x      |    1 x in G1 outside P
    |  +-----+   |            |
    +------------+------------+
    """
    lon_p, lat = 103.800, 36.050
    table = incident_table_of(
        times("2026-01-10", 6),
        category=["public_safety"] * 3 + ["ecology"] * 3,
        grid=["G1", "G1", "G1", "G2", "G2", "G1"],
        lon=[lon_p] * 3 + [103.81, 103.81, 103.797],
        lat=lat,
        grids=("G1", "G2", "P"),
    )
    idx = select(table, IncidentFilter(dt.date(2026, 1, 1), dt.date(2026, 1, 31)))
    square = shapely.box(lon_p - 0.001, lat - 0.001, lon_p + 0.001, lat + 0.001)
    grids = gpd.GeoDataFrame(
        {
            schema.CODE: ["G1", "G2", "P"],
            schema.GRID_TYPE: ["basic", "basic", "professional"],
            schema.HOUSEHOLDS: [300, 300, None],
        },
        geometry=[
            shapely.box(103.79, 36.04, 103.805, 36.06),
            shapely.box(103.805, 36.04, 103.82, 36.06),
            square,
        ],
        crs=4326,
    )
    end = day_start_s(dt.date(2026, 2, 1))
    counts = priority_counts(table, idx, grids, end_s=end)
    risk = grid_risk(table, idx, pd.Series({"G1": 300, "G2": 300}), end_s=end)
    assert counts["incidents"].to_dict() == {"G1": 4, "G2": 2, "P": 3}
    assert at(counts, "G1", "weighted") == pytest.approx(at(risk, "G1", "weighted"))
    assert at(counts, "G2", "weighted") == pytest.approx(at(risk, "G2", "weighted"))
    inside = incidents_in_polygons(
        table, idx, gpd.GeoSeries([square], crs=4326), settings=RiskSettings(), end_s=end
    )
    assert inside["weighted"].to_numpy()[0] == pytest.approx(at(counts, "P", "weighted"))
    # Three public-safety incidents (weight 1.5), decayed over about 3 weeks (half-life 30 d).
    assert 3 * 1.5 * 0.5 < at(counts, "P", "weighted") < 3 * 1.5


def test_professional_kinds_from_key_areas_then_names() -> None:
    a = shapely.box(103.80, 36.05, 103.801, 36.051)
    b = shapely.box(103.81, 36.05, 103.811, 36.051)
    grids = gpd.GeoDataFrame(
        {
            schema.CODE: ["B", "A", "N", "Z"],
            schema.NAME: ["basic grid", "某地专属网格", "西固化工园区专属网格", "某某专属网格"],
            schema.GRID_TYPE: ["basic", "professional", "professional", "professional"],
        },
        geometry=[b, a, b, shapely.box(103.9, 36.0, 103.901, 36.001)],
        crs=4326,
    )
    keyareas = gpd.GeoDataFrame({schema.KIND: ["hospital"]}, geometry=[a], crs=4326)
    kinds = professional_kinds(grids, keyareas)
    assert kinds.to_dict() == {"A": "hospital", "N": "hazardous", "Z": "other"}
    assert professional_kinds(grids)["A"] == "other"


# --- the demo's answer key ----------------------------------------------------------------------
@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    out = tmp_path_factory.mktemp("priority") / "lanzhou.gpkg"
    build_demo(out, scale=SCALE)
    return Workspace(str(out))


def _last_complete_month(last: dt.date) -> tuple[dt.date, dt.date]:
    end = last if (last + dt.timedelta(days=1)).day == 1 else last.replace(day=1) - dt.timedelta(1)
    return end.replace(day=1), end


def _near_planted(ws: Workspace, grids: gpd.GeoDataFrame, codes: pd.Index) -> np.ndarray:
    """Metres from each grid to the nearest planted persistent or emerging hot spot."""
    planted = pd.DataFrame(json.loads(ws.meta()["demo_hotspots"]))
    planted = planted[planted["trend"].isin(["persistent", "emerging"])]
    metric = to_metric(grids.set_index(schema.CODE).loc[codes])
    points = gpd.GeoSeries(gpd.points_from_xy(planted["lon"], planted["lat"]), crs=4326)
    points = points.to_crs(metric.crs).to_numpy()
    return np.array([shapely.distance(g, points).min() for g in metric.geometry])


@pytest.mark.parametrize("window", ["last 90 days", "last complete month"])
def test_demo_top_ten_finds_the_planted_hot_spots(demo: Workspace, window: str) -> None:
    """The issue's target on the cockpit's default window (the last 90 days) and on the
    last complete month: >= 6 of the top 10 within 400 m of a planted persistent or
    emerging hot spot, <= 1 under 100 households ranked on a household rate.

    Measured on the full demo (scale 1, seed 7), 90 days / month: 7/10 and 7/10 near, 0
    small ranked on a rate (3 of the top 10 are 石化园区 grids under 100 households,
    ranked on their count at the floor); the risk score's top 10 (``gridmap risk``): 4/10
    and 5/10 near, 6/10 under 100 households. Here (scale 0.3): 9/10 and 10/10 near
    against 5/10 and 5/10.
    """
    grids = demo.read_grids()
    table = load_incident_table(demo)
    assert table.time_range is not None
    last = table.time_range[1]
    start, end = (
        (last - dt.timedelta(days=89), last)
        if window == "last 90 days"
        else _last_complete_month(last)
    )
    idx = select(table, IncidentFilter(start, end))
    counts = priority_counts(table, idx, grids, end_s=day_start_s(end + dt.timedelta(days=1)))
    result = priority_ranking(
        grids, counts, kinds=professional_kinds(grids, demo.read_layer("keyareas"))
    )
    top = result.basic.head(10)
    near = _near_planted(demo, grids, top.index)
    small_on_rate = (top[schema.HOUSEHOLDS] < 100) & (top["ranked_on"] == "excess_per_households")
    assert (near <= 400).sum() >= 6, top.assign(near_m=near)
    households = grids.set_index(schema.CODE)[schema.HOUSEHOLDS]
    end_s = day_start_s(end + dt.timedelta(days=1))
    today = grid_risk(table, idx, households, end_s=end_s)["risk_score"]
    today_top = today.sort_values(ascending=False, kind="stable").index[:10]
    assert (near <= 400).sum() > (_near_planted(demo, grids, today_top) <= 400).sum()
    assert small_on_rate.sum() <= 1
    assert (top["ranked_on"] == "excess_per_households").sum() >= 5
    assert (result.professional[schema.GRID_TYPE] == "professional").all()
    assert len(result.basic) + len(result.professional) == len(grids)


def _shown_excess(headlines: pd.Series, lang: str) -> list[int]:
    """The "N more than expected" figure each row shows (0 for "about what is expected")."""
    pattern = r"多 ([\d,]+) 件" if lang == "zh" else r"([\d,]+) more incidents than"
    found = headlines.str.extract(pattern)[0].fillna("0").str.replace(",", "")
    return [int(x) for x in found]


@pytest.mark.parametrize("window", ["last 90 days", "last complete month"])
def test_the_figure_a_row_shows_falls_down_the_list(demo: Workspace, window: str) -> None:
    """A leader reads "+N more than expected" down the list: the figure never rises from one
    row to the next (converted per grid it did: +31 above +47 on the demo's month), in both
    languages, for the basic and the professional list, the area shown or the city."""
    from gridmap.analytics.ranking import priority_table

    grids = demo.read_grids()
    table = load_incident_table(demo)
    assert table.time_range is not None
    last = table.time_range[1]
    start, end = (
        (last - dt.timedelta(days=89), last)
        if window == "last 90 days"
        else _last_complete_month(last)
    )
    district = frozenset(grids.loc[grids[schema.CODE].str.startswith("620104"), schema.CODE])
    for scope in (None, district):
        result = priority_table(
            table, IncidentFilter(start, end, grid_codes=scope), grids,
            keyareas=demo.read_layer("keyareas"),
        )  # fmt: skip
        for ranked in (result.basic, result.professional):
            shown = ranked[ranked["incidents"] >= 5].head(10)
            assert len(shown) >= (3 if scope is None else 1)
            for lang in ("zh", "en"):
                figures = _shown_excess(shown[f"headline_{lang}"], lang)
                assert figures == sorted(figures, reverse=True), shown[f"headline_{lang}"].tolist()
            # The order is the weighted excess's; the figure is that excess in incidents (one
            # factor for the list), lowered only where it would pass incidents − expected.
            assert shown["excess"].is_monotonic_decreasing
            above = shown[shown["excess"] > 0]
            factor = float((above["excess_incidents"] / above["excess"]).max())
            assert (above["excess_incidents"] <= factor * above["excess"] + 1e-9).all()
            room = shown["incidents"] - shown["expected_incidents"]
            assert (shown["excess_incidents"] <= room + 1e-9).all()


def test_a_row_never_shows_more_above_expected_than_it_had(demo: Workspace) -> None:
    """A row reading "77 incidents, 78 more than expected" contradicts itself (review of #13: a
    park grid of heavy categories). On the demo's last 90 days the list's one factor would
    put some rows above their incidents minus the expected: those rows show at most that,
    in the sentence too, and the order stays the weighted excess's."""
    from gridmap.analytics.ranking import incidents_per_weight, priority_table

    grids = demo.read_grids()
    table = load_incident_table(demo)
    assert table.time_range is not None
    last = table.time_range[1]
    flt = IncidentFilter(last - dt.timedelta(days=89), last)
    basic = priority_table(table, flt, grids, keyareas=demo.read_layer("keyareas")).basic
    room = basic["incidents"] - basic["expected_incidents"]
    unclipped = basic["excess"] * incidents_per_weight(basic)
    clipped = basic[(unclipped > room + 0.5) & (room >= 0.5)]
    assert len(clipped) >= 1  # the case this test is about occurs on the demo
    assert (basic["excess_incidents"] <= room + 1e-9).all()
    figures = _shown_excess(clipped["headline_en"], "en")
    assert all(f <= round(r) for f, r in zip(figures, room[clipped.index], strict=True))
    assert basic["excess"].is_monotonic_decreasing
