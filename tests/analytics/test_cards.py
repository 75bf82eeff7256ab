"""What the KPI tiles and grid cards say: each KPI's colour (good, bad, grey) for 环比 and
同比 alike, the closure note, and the card's monthly trend."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from gridmap.analytics.cards import card_trend
from gridmap.analytics.cockpit import Kpi, build_cockpit
from gridmap.analytics.incidents import IncidentFilter
from gridmap.report.text import change_tone, closure_note, kpi_text

from ..builders import incident_table_of, times

WINDOW = IncidentFilter(dt.date(2025, 3, 1), dt.date(2025, 3, 10))
HOUSEHOLDS = pd.Series({"G1": 400}, dtype="Float64")


@pytest.fixture(scope="module")
def cockpit():
    occurred = [*times("2025-02-20", 6), *times("2025-03-02", 12)]
    closed = [str(pd.Timestamp(x) + pd.Timedelta(hours=2)) for x in occurred[:10]]
    table = incident_table_of(occurred, grid="G1", closed=closed + [None] * 8)
    return build_cockpit(table, WINDOW, HOUSEHOLDS, lambda code: code)


def _tones(k: Kpi, cockpit, lang: str = "zh") -> list[str]:
    return [tone for _text, tone in kpi_text(k, cockpit, lang).parts]


# (key, kind, good direction, value now, previous): every KPI the cockpit shows.
RISING = [
    ("incidents", "count", "down", 120.0, 100.0),
    ("rate", "per_1000", "down", 12.0, 10.0),
    ("closure", "share", "up", 0.95, 0.90),
    ("on_time", "share", "up", 0.95, 0.90),
    ("hot_share", "share", "neither", 0.40, 0.35),
    ("handling", "hours", "down", 50.0, 40.0),
    ("overdue", "count", "down", 30.0, 20.0),  # the overdue backlog (超期未结)
]


@pytest.mark.parametrize(("key", "kind", "better", "now", "before"), RISING)
def test_each_kpi_colours_a_rise_and_a_fall_by_its_good_direction(
    cockpit, key: str, kind: str, better: str, now: float, before: float
) -> None:
    up = Kpi(key, kind, now, before, better=better)  # type: ignore[arg-type]
    down = Kpi(key, kind, before, now, better=better)  # type: ignore[arg-type]
    expected_up = {"down": "bad", "up": "good", "neither": "neutral"}[better]
    expected_down = {"down": "good", "up": "bad", "neither": "neutral"}[better]
    assert _tones(up, cockpit) == [expected_up]
    assert _tones(down, cockpit) == [expected_down]
    assert kpi_text(up, cockpit, "zh").tone == expected_up


def test_the_analytics_give_each_kpi_its_good_direction(cockpit) -> None:
    better = {k.key: k.better for k in cockpit.kpis}
    assert better["incidents"] == "down" and better["rate"] == "down"
    assert better["closure"] == "up" and better["on_time"] == "up"
    assert better["hot_share"] == "neither" and better["handling"] == "down"
    assert better.get("overdue", "down") == "down"


def test_incidents_up_on_a_year_ago_are_red_even_when_down_on_the_month(cockpit) -> None:
    # The demo's case: 环比 −2.6 % (good, green) but 同比 +20.3 % (bad: red, not green).
    k = Kpi("incidents", "count", 44_056, 45_232, 44_056, last_year=36_620)
    text = kpi_text(k, cockpit, "zh")
    assert text.parts == (("环比 −2.6%", "good"), ("同比 +20.3%", "bad"))
    assert text.change == "环比 −2.6% · 同比 +20.3%"
    fewer = Kpi("incidents", "count", 90, 80, 90, last_year=100)
    assert _tones(fewer, cockpit, "en") == ["bad", "good"]


def test_no_previous_or_flat_is_grey_and_the_tooltip_says_why(cockpit) -> None:
    assert _tones(Kpi("incidents", "count", 10, None), cockpit) == ["neutral"]
    assert _tones(Kpi("incidents", "count", 10, 0), cockpit) == ["neutral"]
    assert _tones(Kpi("closure", "share", 0.5, 0.50001, better="up"), cockpit) == ["neutral"]
    hot = kpi_text(Kpi("hot_share", "share", 0.4, 0.3, better="neither"), cockpit, "zh")
    assert hot.tone == "neutral" and "无好坏" in hot.hint
    assert (
        "Neither is good news"
        in kpi_text(Kpi("hot_share", "share", 0.4, 0.3, better="neither"), cockpit, "en").hint
    )
    assert "上升为变差（红色）" in kpi_text(Kpi("incidents", "count", 3, 2), cockpit, "zh").hint


def test_change_tone() -> None:
    assert change_tone(0.1, "down") == "bad" and change_tone(-0.1, "down") == "good"
    assert change_tone(0.1, "up") == "good" and change_tone(-0.1, "up") == "bad"
    assert change_tone(0.0, "up") == change_tone(None, "up") == "neutral"
    assert change_tone(0.1, "neither") == "neutral"


def test_closure_note_explains_the_two_denominators(cockpit) -> None:
    assert "分母不同" in closure_note(cockpit, "zh")
    assert "denominators differ" in closure_note(cockpit, "en")
    table = incident_table_of(times("2025-03-02", 6), grid="G1")
    assert table.closed_s.max() < 0  # no closure times at all: nothing to explain
    bare = build_cockpit(table, WINDOW, HOUSEHOLDS, lambda code: code)
    assert closure_note(bare, "zh") == ""


def test_grid_card_monthly_trend_covers_twelve_months_for_a_short_window() -> None:
    occurred = [*times("2024-03-20", 1), *times("2024-06-10", 3), *times("2025-03-02", 4)]
    table = incident_table_of(occurred, grid="G1")
    march = IncidentFilter(dt.date(2025, 3, 1), dt.date(2025, 3, 31))
    trend = card_trend(table, march, "G1")
    assert len(trend) == 12 and trend["month"].iloc[-1] == "2025-03"
    assert trend["month"].iloc[0] == "2024-04"  # March 2024 is 13 months back: left out
    assert trend.set_index("month")["n"].to_dict()["2024-06"] == 3
    assert trend["n"].sum() == 7 and trend["n"].iloc[-1] == 4
    assert trend["in_window"].tolist() == [False] * 11 + [True]
    assert np.issubdtype(trend["n"].dtype, np.integer)
    # The filter's categories hold over the whole trend.
    other = replace(march, categories=("work_safety",))
    assert card_trend(table, other, "G1")["n"].sum() == 0
