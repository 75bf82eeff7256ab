"""Risk weights, decay, empirical-Bayes shrinkage, service rates, periods and roll-ups."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from gridmap.analytics.incidents import (
    CATEGORY_CODES,
    IncidentFilter,
    IncidentTable,
    counts_by_cell,
    select,
)
from gridmap.analytics.risk import (
    UNKNOWN_PARENT,
    RiskSettings,
    admin_rollup,
    cell_codes,
    cell_risk,
    compare_periods,
    counts_by_cell_code,
    counts_by_grid_category,
    day_start_s,
    eb_rates,
    grid_risk,
    percentile_scores,
    weighted_counts,
)
from gridmap.errors import SchemaError
from gridmap.indexing import cell_parents, cells_to_str, points_to_cells

from ..builders import incident_table_of as build
from ..builders import times

GRIDS = ("G1", "G2", "G3")
FLAT = RiskSettings(half_life_days=math.inf)  # no decay: ecology/general incidents weigh 1
DAY = dt.timedelta(days=1)


def is_nan(value: object) -> bool:
    """A float NaN (pandas-stubs types ``.loc`` scalars too broadly for ``math.isnan``)."""
    return isinstance(value, float) and math.isnan(value)


def everything(table: IncidentTable) -> np.ndarray:
    return select(table, IncidentFilter(dt.date(2000, 1, 1), dt.date(2100, 1, 1)))


# --- settings -------------------------------------------------------------------------------
def test_settings_defaults_are_complete_and_hashable() -> None:
    s = RiskSettings()
    assert s.category_weights["public_safety"] == 1.5
    assert s.category_weights["party_civility"] == 0.5
    assert set(s.category_weights) == set(CATEGORY_CODES)
    assert s.class_weights == {"general": 1.0, "emergency": 3.0, "dispute": 1.5, "unknown": 1.0}
    assert s.sla_days == {"general": 7.0, "emergency": 1.0, "dispute": 15.0}
    assert (s.half_life_days, s.prior_strength, s.k_ring, s.min_count) == (30.0, 1.0, 0, 5)
    assert hash(s) == hash(RiskSettings()) and s == RiskSettings()


def test_settings_merge_overrides_and_copy_them() -> None:
    mine = {"ecology": 2.0}
    s = RiskSettings(category_weights=mine)
    mine["ecology"] = 9.0  # the caller's dict changing later must not change the settings
    assert s.category_weights["ecology"] == 2.0
    assert s.category_weights["public_safety"] == 1.5
    assert s != RiskSettings()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"half_life_days": 0}, r"half_life_days=0 \(allowed: > 0, or math.inf"),
        ({"half_life_days": float("nan")}, r"half_life_days=nan"),
        ({"category_weights": {"crime": 1.0}}, r"category_weights: unknown code\(s\) \['crime'\]"),
        ({"class_weights": {"emergency": -1}}, r"class_weights\['emergency'\]=-1 \(allowed: a"),
        ({"sla_days": {"general": 0}}, r"sla_days\['general'\]=0 \(allowed: a finite number > 0"),
        ({"prior_strength": -0.5}, r"prior_strength=-0.5 \(allowed: a finite number >= 0\)"),
        ({"k_ring": 9}, r"k_ring=9 \(allowed: an integer 0..5\)"),
        ({"k_ring": 1.5}, r"k_ring=1.5"),
        ({"min_count": -1}, r"min_count=-1 \(allowed: an integer 0..1000\)"),
    ],
)
def test_bad_settings_raise(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(SchemaError, match=message):
        RiskSettings(**kwargs)


def test_bad_settings_are_reported_together() -> None:
    with pytest.raises(SchemaError, match=r"half_life_days=-1 .*; k_ring=-1") as err:
        RiskSettings(half_life_days=-1, k_ring=-1)
    assert isinstance(err.value, ValueError)


# --- weights --------------------------------------------------------------------------------
def test_decay_halves_the_weight_at_one_half_life() -> None:
    t = build(["2024-01-01", "2024-01-31", "2024-03-01", "2024-03-02"])
    end = day_start_s(dt.date(2024, 3, 1))
    w = weighted_counts(t, everything(t), settings=RiskSettings(half_life_days=30), end_s=end)
    # 60 days, 30 days (one half-life), 0 days, and after the end (counts as fresh)
    np.testing.assert_allclose(w, [0.25, 0.5, 1.0, 1.0])


def test_weight_is_category_times_class() -> None:
    t = build(
        ["2024-03-01"] * 3,
        category=["public_safety", "livelihood", "unclassified"],
        handling=["emergency", "dispute", None],
    )
    w = weighted_counts(t, everything(t), end_s=day_start_s(dt.date(2024, 3, 1)))
    np.testing.assert_allclose(sorted(w), sorted([1.5 * 3.0, 0.6 * 1.5, 0.8 * 1.0]))


# --- shrinkage ------------------------------------------------------------------------------
def test_eb_rates_follow_marshall() -> None:
    res = eb_rates([3, 300, 10, 20], [0.02, 2.0, 1.0, 1.0])
    m = 333 / 4.02
    assert res.mean == pytest.approx(m)
    r = np.array([150.0, 150.0, 10.0, 20.0])
    e = np.array([0.02, 2.0, 1.0, 1.0])
    s2 = (e * (r - m) ** 2).sum() / e.sum() - m / e.mean()
    assert res.variance == pytest.approx(s2)
    np.testing.assert_allclose(res.rates, m + s2 / (s2 + m / e) * (r - m))
    assert eb_rates([3, 300], [0.02, 2.0], prior_strength=0).rates.tolist() == [150.0, 150.0]
    assert eb_rates([0, 0], [1.0, 2.0]).rates.tolist() == [0.0, 0.0]


def test_shrinkage_pulls_a_small_grid_more_than_a_large_one() -> None:
    """G1: 3 incidents / 20 households; G2: 300 / 2,000 (same raw rate); G3, G4 low."""
    counts = {"G1": 3, "G2": 300, "G3": 10, "G4": 20}
    occurred = [s for g, n in counts.items() for s in times("2024-03-01", n)]
    grid = [g for g, n in counts.items() for _ in range(n)]
    t = build(occurred, grid=grid, grids=list(counts))
    households = pd.Series({"G1": 20, "G2": 2000, "G3": 1000, "G4": 1000})
    f = grid_risk(t, everything(t), households, settings=FLAT)
    assert f["incidents"].tolist() == [3, 300, 10, 20]
    assert f.loc["G1", "rate_per_1000"] == pytest.approx(150.0)
    assert f.loc["G2", "rate_per_1000"] == pytest.approx(150.0)
    mean = f.attrs["eb_mean"]
    assert mean == pytest.approx(333 / 4.02)
    pulled = (150.0 - f["rate_eb"]) / (150.0 - mean)
    assert 0 < pulled["G2"] < pulled["G1"] < 1
    assert pulled["G1"] > 0.3 and pulled["G2"] < 0.01
    # The raw rate ranks G1 and G2 equal; after shrinkage the large grid ranks higher.
    assert f.loc["G2", "risk_score"] == 100.0
    assert f["risk_score"].to_numpy()[0] < 100.0


def test_grids_without_households_get_the_mean_and_a_flag() -> None:
    occurred = times("2024-03-01", 12)
    grid = ["G1"] * 4 + ["G2"] * 6 + ["G3"] * 2
    t = build(occurred, grid=grid)
    f = grid_risk(t, everything(t), pd.Series({"G1": 400, "G2": 0}), settings=FLAT)
    assert f["households_missing"].tolist() == [False, True, True]
    assert f.loc["G2", "rate_eb"] == f.attrs["eb_mean"] == f.loc["G3", "rate_eb"]
    assert is_nan(f.loc["G2", "rate_per_1000"]) and is_nan(f.loc["G3", "households"])
    assert f.loc["G1", "rate_per_1000"] == pytest.approx(10.0)


def test_bad_households_raise() -> None:
    t = build(times("2024-03-01", 1))
    with pytest.raises(SchemaError, match="households: negative values"):
        grid_risk(t, everything(t), pd.Series({"G1": -3}))
    with pytest.raises(SchemaError, match=r"households: duplicate grid codes \['G1'\]"):
        grid_risk(t, everything(t), pd.Series([1, 2], index=["G1", "G1"]))


# --- service indicators ---------------------------------------------------------------------
def test_closure_and_on_time_numerators_and_denominators() -> None:
    """Six incidents in G1, window ending 2024-03-31 (end_s = start of 1 April).

    a emergency closed after 12 h      -> closed, due, on time (SLA 1 day)
    b emergency closed after 2 days    -> closed, due, late
    c general   closed after 7 days    -> closed, due, on time (exactly at the limit)
    d general   open since 1 March     -> due (deadline 8 March passed), not on time
    e dispute   open since 30 March    -> not due yet (deadline 14 April)
    f unknown   closed after 1 h       -> closed, no SLA: neither due nor on time
    """
    t = build(
        [
            "2024-03-01 08:00",
            "2024-03-02 08:00",
            "2024-03-03 08:00",
            "2024-03-01 09:00",
            "2024-03-30 08:00",
            "2024-03-04 08:00",
        ],
        handling=["emergency", "emergency", "general", "general", "dispute", None],
        closed=[
            "2024-03-01 20:00",
            "2024-03-04 08:00",
            "2024-03-10 08:00",
            None,
            None,
            "2024-03-04 09:00",
        ],
    )
    end = day_start_s(dt.date(2024, 4, 1))
    f = grid_risk(t, everything(t), pd.Series({"G1": 300}), end_s=end).loc["G1"]
    assert (f["incidents"], f["closed"], f["on_time"], f["sla_due"]) == (6, 4, 2, 4)
    assert f["closure_rate"] == pytest.approx(4 / 6)
    assert f["on_time_rate"] == pytest.approx(2 / 4)
    assert f["median_handling_hours"] == pytest.approx((12 + 48) / 2)  # of 1, 12, 48, 168


def test_empty_grids_have_nan_ratios_not_zero() -> None:
    t = build(times("2024-03-01", 2))
    f = grid_risk(t, everything(t), pd.Series({"G1": 10, "G2": 10, "G3": 10}))
    assert f.loc["G2", "incidents"] == 0
    assert is_nan(f.loc["G2", "closure_rate"]) and is_nan(f.loc["G2", "on_time_rate"])
    assert is_nan(f.loc["G2", "median_handling_hours"])
    assert f["risk_score"].between(0, 100).all()


def test_suppression_flags_grids_under_min_count() -> None:
    t = build(times("2024-03-01", 9), grid=["G1"] * 5 + ["G2"] * 4)
    hh = pd.Series({"G1": 100, "G2": 100, "G3": 100})
    f = grid_risk(t, everything(t), hh)
    assert f["suppressed"].tolist() == [False, True, True]
    f = grid_risk(t, everything(t), hh, settings=RiskSettings(min_count=0))
    assert not f["suppressed"].any()


def test_counts_by_grid_category() -> None:
    t = build(
        times("2024-03-01", 4),
        category=["ecology", "ecology", "livelihood", "ecology"],
        grid=["G1", "G1", "G1", None],
    )
    f = counts_by_grid_category(t, everything(t))
    assert list(f.columns) == list(CATEGORY_CODES)
    assert f.loc["G1", "ecology"] == 2 and f.loc["G1", "livelihood"] == 1
    assert f.to_numpy().sum() == 3  # the incident outside every grid is not counted


def test_percentile_scores() -> None:
    assert percentile_scores([3.0, 1.0, 2.0, 2.0]).tolist() == [100.0, 0.0, 50.0, 50.0]
    assert percentile_scores([5.0, 5.0]).tolist() == [0.0, 0.0]  # nothing stands out
    assert np.isnan(percentile_scores([np.nan, 1.0, 2.0])[0])


# --- cells ----------------------------------------------------------------------------------
A, B, C = (103.80, 36.05), (103.85, 36.05), (103.90, 36.05)  # ~4.5 km apart: distinct cells


def two_cell_table() -> IncidentTable:
    return build(times("2024-03-01", 4), lon=[A[0]] * 3 + [B[0]], lat=A[1])


def cell_of(point: tuple[float, float], res: int = 9) -> int:
    return int(points_to_cells(np.array([point[0]]), np.array([point[1]]), res)[0])


def test_cell_risk_without_smoothing() -> None:
    t = two_cell_table()
    f = cell_risk(t, everything(t), res=9, settings=FLAT)
    expected = sorted([cell_of(A), cell_of(B)])
    assert f["cell"].tolist() == cells_to_str(expected).tolist()
    by_cell = f.set_index("cell")
    assert by_cell.loc[format(cell_of(A), "x"), "incidents"] == 3
    assert by_cell.loc[format(cell_of(A), "x"), "risk_score"] == 100.0
    assert (f["smoothed"] == f["weighted"]).all()


def test_cell_risk_k_ring_smoothing_averages_over_the_disc() -> None:
    t = two_cell_table()
    settings = RiskSettings(half_life_days=math.inf, k_ring=1)
    adjacent = sp.csr_matrix(np.array([[0.0, 1.0], [1.0, 0.0]]))
    f = cell_risk(t, everything(t), res=9, settings=settings, neighbours=adjacent)
    np.testing.assert_allclose(f["smoothed"], [4 / 7, 4 / 7])  # (3 + 1) over 7 disc cells
    assert f["risk_score"].tolist() == [0.0, 0.0]
    # A Gi*-style matrix with the cell itself on the diagonal gives the same result.
    star = sp.csr_matrix(np.ones((2, 2)))
    g = cell_risk(t, everything(t), res=9, settings=settings, neighbours=star)
    np.testing.assert_allclose(g["smoothed"], f["smoothed"])


def test_cell_risk_over_given_cells_and_errors() -> None:
    t = two_cell_table()
    area = np.array(sorted([cell_of(A), cell_of(C)]), dtype=np.uint64)  # B left out
    f = cell_risk(t, everything(t), res=9, settings=FLAT, cells=area).set_index("cell")
    assert f.loc[format(cell_of(C), "x"), "incidents"] == 0
    assert f["incidents"].sum() == 3  # the incident in B is outside the given cells
    smooth = RiskSettings(k_ring=1)
    with pytest.raises(SchemaError, match="k_ring=1 needs a neighbours matrix"):
        cell_risk(t, everything(t), res=9, settings=smooth)
    with pytest.raises(SchemaError, match=r"neighbours has shape \(3, 3\); allowed: \(2, 2\)"):
        cell_risk(t, everything(t), res=9, settings=smooth, neighbours=sp.csr_matrix((3, 3)))
    with pytest.raises(SchemaError, match="cells: must be strictly increasing"):
        cell_risk(t, everything(t), res=9, cells=area[::-1])
    with pytest.raises(SchemaError, match=r"res=12; allowed: an integer 0\.\.11"):
        cell_risk(t, everything(t), res=12)


@pytest.mark.parametrize("res", [7, 9, 11])
def test_counts_by_cell_code_equals_counts_by_cell(res: int) -> None:
    rng = np.random.default_rng(7)
    n = 500
    lon = rng.uniform(103.75, 103.90, n)
    lon[::50] = np.nan  # some incidents without a location
    t = build(times("2024-03-01", n), lon=lon.tolist(), lat=rng.uniform(36.0, 36.1, n).tolist())
    idx = select(t, IncidentFilter(dt.date(2024, 3, 1), dt.date(2024, 3, 1)))[::3]
    codes = cell_codes(t, res)
    fast = counts_by_cell_code(codes, idx)
    pd.testing.assert_frame_equal(fast, counts_by_cell(t, idx, res))
    assert codes.cells.tolist() == sorted(set(cell_parents(t.cell[t.cell != 0], res).tolist()))


# --- periods --------------------------------------------------------------------------------
def period_table() -> IncidentTable:
    """March 2024 against February 2024 (the month before) and March 2023."""
    rows = [
        ("2024-03-01 00:00", "G1"),  # current
        ("2024-03-15 12:00", "G1"),
        ("2024-03-31 23:59", "G1"),
        ("2024-03-20 10:00", "G2"),
        ("2024-02-29 12:00", "G1"),  # previous (leap day)
        ("2024-02-01 00:00", "G1"),  # previous, first day
        ("2024-01-31 23:59", "G1"),  # one minute before the previous period: not counted
        ("2023-03-02 10:00", "G2"),  # same period last year (the data begin here)
        ("2024-04-01 00:00", "G2"),  # after the window
    ]
    return build([r[0] for r in rows], grid=[r[1] for r in rows])


MARCH = IncidentFilter(dt.date(2024, 3, 1), dt.date(2024, 3, 31))


def test_compare_periods_for_the_city() -> None:
    c = compare_periods(period_table(), MARCH, by="city")
    assert isinstance(c, dict)
    assert (c["current"], c["previous"], c["last_year"]) == (4, 2, 1)
    assert (c["change_prev"], c["rel_change_prev"]) == (2, 1.0)
    assert (c["change_yoy"], c["rel_change_yoy"]) == (3, 3.0)
    assert c["periods"]["previous"] == (dt.date(2024, 2, 1), dt.date(2024, 2, 29))
    assert c["periods"]["last_year"] == (dt.date(2023, 3, 1), dt.date(2023, 3, 31))
    empty = compare_periods(
        period_table(), IncidentFilter(dt.date(2022, 1, 1), dt.date(2022, 1, 2))
    )
    assert isinstance(empty, dict)
    assert empty["rel_change_prev"] is None and empty["rel_change_yoy"] is None


def test_compare_periods_by_grid() -> None:
    f = compare_periods(period_table(), MARCH, by="grid")
    assert isinstance(f, pd.DataFrame)
    assert f["current"].tolist() == [3, 1, 0]
    assert f["previous"].tolist() == [2, 0, 0]
    assert f["last_year"].tolist() == [0, 1, 0]
    assert f.loc["G1", "change_prev"] == 1 and f.loc["G1", "rel_change_prev"] == 0.5
    assert is_nan(f.loc["G1", "rel_change_yoy"])  # base 0: no relative change
    assert is_nan(f.loc["G2", "rel_change_prev"]) and f.loc["G2", "rel_change_yoy"] == 0.0
    only = IncidentFilter(MARCH.start, MARCH.end, grid_codes=frozenset({"G2"}))
    g = compare_periods(period_table(), only, by="grid")
    assert isinstance(g, pd.DataFrame) and g.index.tolist() == ["G2"]


def test_a_period_before_the_data_is_not_compared_with() -> None:
    """Data that begin mid-way through last March say nothing about last March: no count,
    no change (a red "+300 %" would compare with days that were never imported)."""
    late = build(["2023-03-20 10:00", "2024-03-05 10:00"], grid=["G1", "G1"])
    c = compare_periods(late, MARCH, by="city")
    assert isinstance(c, dict)
    assert c["last_year"] is None and c["rel_change_yoy"] is None
    assert c["previous"] == 0 and c["rel_change_prev"] is None  # covered, empty: base 0
    f = compare_periods(late, MARCH, by="grid")
    assert isinstance(f, pd.DataFrame)
    assert is_nan(f.loc["G1", "last_year"]) and is_nan(f.loc["G1", "change_yoy"])
    assert f.loc["G1", "previous"] == 0


def test_compare_periods_leap_day_and_bad_by() -> None:
    flt = IncidentFilter(dt.date(2024, 2, 1), dt.date(2024, 2, 29))
    c = compare_periods(period_table(), flt)
    assert isinstance(c, dict)
    assert c["periods"]["last_year"] == (dt.date(2023, 2, 1), dt.date(2023, 2, 28))
    assert c["periods"]["previous"] == (dt.date(2024, 1, 1), dt.date(2024, 1, 31))
    with pytest.raises(SchemaError, match="by='street'; allowed: 'grid' or 'city'"):
        compare_periods(period_table(), flt, by="street")  # type: ignore[arg-type]


# --- roll-up --------------------------------------------------------------------------------
def test_admin_rollup_recomputes_ratios_from_sums() -> None:
    """G1 closes 1 of 1, G2 1 of 3 (community C1); G3 alone in C2; both in street S1."""
    t = build(
        times("2024-03-01", 6),
        grid=["G1", "G2", "G2", "G2", "G3", "G3"],
        closed=["2024-03-01 12:00", "2024-03-01 12:00", None, None, None, None],
    )
    grids = grid_risk(t, everything(t), pd.Series({"G1": 100, "G2": 300}), settings=FLAT)
    parents = {"G1": "C1", "G2": "C1", "G3": "C2", "C1": "S1", "C2": "S1", "S1": "D1"}
    c = admin_rollup(grids, parents, settings=FLAT)
    assert c.index.tolist() == ["C1", "C2"]
    assert (c.loc["C1", "closed"], c.loc["C1", "incidents"]) == (2, 4)
    assert c.loc["C1", "closure_rate"] == 0.5  # not the mean of 1.0 and 0.333
    assert c.loc["C1", "households"] == 400 and c.loc["C1", "rate_per_1000"] == 10.0
    assert c.loc["C2", "households_missing"] == 1 and is_nan(c.loc["C2", "rate_per_1000"])
    assert c["suppressed"].tolist() == [True, True]
    levels = {"C1": "community", "C2": "community", "S1": "street", "D1": "district"}
    s = admin_rollup(grids, parents, level="street", levels=levels, settings=FLAT)
    assert s.index.tolist() == ["S1"]
    assert (s.loc["S1", "grids"], s.loc["S1", "incidents"], s.loc["S1", "closed"]) == (3, 6, 2)
    d = admin_rollup(grids, parents, level="district")
    assert d.index.tolist() == ["D1"]


def test_admin_rollup_unknown_parent_and_errors() -> None:
    t = build(times("2024-03-01", 2), grid=["G1", "G3"])
    grids = grid_risk(t, everything(t), pd.Series({"G1": 100}))
    c = admin_rollup(grids, {"G1": "C1", "G2": "C1"})
    assert c.index.tolist() == ["C1", UNKNOWN_PARENT]
    assert c.loc[UNKNOWN_PARENT, "incidents"] == 1 and c.index.name == "code"
    lost = admin_rollup(grids, {"G1": "C1"}, level="street", levels={"C1": "community"})
    assert lost.index.tolist() == [UNKNOWN_PARENT] and lost.loc[UNKNOWN_PARENT, "grids"] == 3
    with pytest.raises(SchemaError, match=r"grid_frame lacks columns \['sla_due'\]"):
        admin_rollup(grids.drop(columns="sla_due"), {})
    with pytest.raises(SchemaError, match="level='grid'; allowed: community, street"):
        admin_rollup(grids, {}, level="grid")  # type: ignore[arg-type]
