"""Cockpit numbers: KPIs with numerators and denominators, 环比, suppression, no personal data."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from gridmap.analytics.cockpit import KPI_KEYS, Kpi, build_cockpit, trend_window
from gridmap.analytics.incidents import IncidentFilter
from gridmap.analytics.risk import RiskSettings
from gridmap.report.text import kpi_text

from ..builders import incident_table_of, times

HOUSEHOLDS = pd.Series({"G1": 400, "G2": 50, "G3": None}, dtype="Float64")
WINDOW = IncidentFilter(dt.date(2025, 3, 1), dt.date(2025, 3, 10))


def _table():
    # Window (1-10 March): G1 12 incidents, 8 closed the next hour; G2 3 incidents (below
    # the suppression threshold of 5). Previous 10 days (19-28 Feb): G1 6 incidents.
    now_g1 = times("2025-03-02", 12)
    now_g2 = times("2025-03-05", 3)
    before = times("2025-02-20", 6)
    occurred = [*before, *now_g1, *now_g2]
    closed = [None] * 6 + [str(pd.Timestamp(x) + pd.Timedelta(hours=1)) for x in now_g1[:8]]
    closed += [None] * 4 + [None] * 3
    grid = ["G1"] * 18 + ["G2"] * 3
    lon = [103.80] * 18 + [103.83] * 3
    return incident_table_of(occurred, grid=grid, closed=closed, lon=lon, lat=36.05)


def _names(code: str) -> str:
    return {"G1": "一号网格", "G2": "二号网格"}.get(code, code)


def test_kpis_carry_numerator_denominator_and_previous_period() -> None:
    c = build_cockpit(_table(), WINDOW, HOUSEHOLDS, _names)
    assert [k.key for k in c.kpis] == list(KPI_KEYS)
    assert (c.previous.start, c.previous.end) == (dt.date(2025, 2, 19), dt.date(2025, 2, 28))
    inc = c.kpi("incidents")
    assert (inc.value, inc.previous, inc.rel_change) == (15, 6, 1.5)
    assert inc.improved is False  # more incidents is bad news
    rate = c.kpi("rate")
    assert (rate.numerator, rate.denominator) == (15, 450)
    assert rate.value == pytest.approx(15 / 450 * 1000)
    closure = c.kpi("closure")
    assert (closure.numerator, closure.denominator) == (8, 15)
    assert closure.previous == 0 and closure.change == pytest.approx(8 / 15)
    assert closure.improved is True
    handling = c.kpi("handling")
    assert handling.value == pytest.approx(1.0) and handling.denominator == 8
    assert handling.previous is None and handling.change is None


def test_small_counts_and_personal_data_stay_off_the_screen() -> None:
    c = build_cockpit(_table(), WINDOW, HOUSEHOLDS, _names, settings=RiskSettings(min_count=5))
    assert list(c.top.index) == ["G1"]  # G2's 3 incidents are suppressed
    assert c.top.loc["G1", "name"] == "一号网格"
    assert c.suppressed_grids == 2  # G2 (3 incidents) and G3 (none)
    assert (c.cells["count"] >= 5).all() and c.suppressed_cells == 1
    assert not {"worker", "phone", "reporter"} & set(c.top.columns)
    loose = build_cockpit(_table(), WINDOW, HOUSEHOLDS, _names, settings=RiskSettings(min_count=1))
    assert set(loose.top.index) == {"G1", "G2"} and loose.suppressed_cells == 0


def test_monthly_series_compares_with_a_year_earlier() -> None:
    # The data begin with the window a year earlier: that period is covered, so compared.
    occurred = [*times("2024-03-01", 4), *times("2025-03-03", 7), *times("2025-01-15", 2)]
    table = incident_table_of(occurred, grid="G1")
    c = build_cockpit(table, WINDOW, HOUSEHOLDS, _names)
    m = c.monthly.set_index("month")
    assert len(m) == 12 and m.index[-1] == dt.date(2025, 3, 1)
    assert m.loc[dt.date(2025, 3, 1), "count"] == 7
    assert m.loc[dt.date(2025, 3, 1), "count_last_year"] == 4
    assert m.loc[dt.date(2025, 1, 1), "count"] == 2
    assert c.categories.loc["ecology", "current"] == 7
    assert trend_window(WINDOW).start == dt.date(2023, 4, 1)  # 24 months to March 2025
    # 同比: the same ten days of March 2024 held 4 incidents.
    inc = c.kpi("incidents")
    assert inc.last_year == 4 and inc.rel_change_yoy == pytest.approx(0.75)
    assert kpi_text(inc, c, "zh").change.endswith("同比 +75.0%")


def test_kpi_text_says_what_the_number_is_made_of() -> None:
    c = build_cockpit(_table(), WINDOW, HOUSEHOLDS, _names)
    zh = kpi_text(c.kpi("closure"), c, "zh")
    assert (zh.label, zh.value, zh.detail) == ("结案率", "53.3%", "已结案 8 / 15 件")
    assert zh.change == "环比 +53.3 个百分点" and zh.tone == "good"
    en = kpi_text(c.kpi("incidents"), c, "en")
    assert (en.value, en.change, en.tone) == ("15", "+150.0% on previous", "bad")
    flat = Kpi("hot_share", "share", 0.30, 0.3001, 3, 10, better="neither")
    assert kpi_text(flat, c, "zh").change == "环比持平"
    assert kpi_text(flat, c, "zh").tone == "neutral"


# --- the priority ranking on the cockpit (issue 13 items 1-2) ----------------------------------
def _grids():
    import geopandas as gpd
    import shapely

    from gridmap import schema

    return gpd.GeoDataFrame(
        {
            schema.CODE: ["G1", "G2", "G3"],
            schema.NAME: ["一号网格", "二号网格", "三号网格"],
            schema.GRID_TYPE: ["basic", "basic", "basic"],
            schema.HOUSEHOLDS: [400, 50, None],
        },
        geometry=[
            shapely.box(103.79, 36.04, 103.81, 36.06),
            shapely.box(103.82, 36.04, 103.84, 36.06),
            shapely.box(103.85, 36.04, 103.87, 36.06),
        ],
        crs=4326,
    )


def test_cockpit_top_list_is_the_priority_ranking() -> None:
    c = build_cockpit(
        _table(), WINDOW, HOUSEHOLDS, _names, settings=RiskSettings(min_count=1), grids=_grids()
    )
    assert list(c.top["rank"]) == list(range(1, len(c.top) + 1))
    assert list(c.top["excess"]) == sorted(c.top["excess"], reverse=True)
    assert c.top.index[0] == "G1"  # 12 incidents beat 3 in a grid of 50 households
    # Under the household floor: never ranked on its rate.
    assert c.top.loc["G2", "ranked_on"] == "excess_at_households_floor"
    assert "预期" in c.top.loc["G1", "reason_zh"] and "expected" in c.top.loc["G1", "reason_en"]
    assert "100" in c.top.loc["G2", "reason_zh"]
    assert c.professional.empty


def test_cockpit_without_grids_keeps_the_risk_order() -> None:
    c = build_cockpit(_table(), WINDOW, HOUSEHOLDS, _names, settings=RiskSettings(min_count=1))
    assert "rank" not in c.top and c.clusters.empty


def test_rank_marks_never_overlap() -> None:
    import numpy as np

    from gridmap.report.figures import spread_marks

    rng = np.random.default_rng(3)
    points = rng.normal(0, 10, size=(10, 2))  # ten marks crowded within a few gaps
    out = spread_marks(points, 30.0)
    gaps = np.hypot(*(out[:, None, :] - out[None, :, :]).transpose(2, 0, 1))
    assert gaps[~np.eye(10, dtype=bool)].min() >= 30.0 * 0.999
    far = np.array([[0.0, 0.0], [100.0, 0.0]])
    assert np.array_equal(spread_marks(far, 30.0), far)  # apart already: not moved
