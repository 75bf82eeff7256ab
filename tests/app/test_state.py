"""The shell's state follows the user: language, area, period and filters survive a page
change (Streamlit forgets a widget's value when another page draws it), and the query
string reproduces a view (#13 item 11)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from streamlit.testing.v1 import AppTest

if TYPE_CHECKING:
    from playwright.sync_api import Locator

from gridmap.analytics.filters import last_complete_month, period_window
from gridmap.loading import load_incident_table
from gridmap.store import open_workspace
from gridmap.ui import keys

from .helpers import app_for, page_for

COCKPIT, MAP = "app_pages/cockpit.py", "app_pages/map.py"


def _span(ws: Path) -> tuple:
    span = load_incident_table(open_workspace(str(ws))).time_range
    assert span is not None
    return span


def _period(at: AppTest) -> object:
    return at.sidebar.button_group(key=keys.KEY_PERIOD).value


def test_language_and_period_survive_a_page_change(
    busy_workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, last = _span(busy_workspace)
    at = page_for(busy_workspace, monkeypatch, COCKPIT)
    # The cockpit opens on the last complete month; the map on the last 7 days.
    assert _period(at) == last_complete_month(last)
    at.sidebar.radio(key=keys.KEY_LANG).set_value("en").run()
    at.sidebar.button_group(key=keys.KEY_PERIOD).set_value("last-week").run()
    at.sidebar.multiselect(key=keys.KEY_CATEGORIES).set_value(["work_safety"]).run()
    assert not at.exception
    at.switch_page(MAP).run()
    assert not at.exception
    assert at.sidebar.radio(key=keys.KEY_LANG).value == "en"
    assert at.sidebar.multiselect(key=keys.KEY_CATEGORIES).label == "Categories"
    assert at.sidebar.multiselect(key=keys.KEY_CATEGORIES).value == ["work_safety"]
    assert _period(at) == "last-week"
    window = period_window("last-week", last, first=first)
    assert at.sidebar.date_input(key=keys.KEY_WINDOW).value == window
    # ... and mirrored in the URL, so a link reproduces the view.
    assert at.query_params["lang"] == ["en"] or at.query_params["lang"] == "en"
    assert "last-week" in str(at.query_params["period"])


def test_each_page_opens_on_its_own_default_until_the_user_picks(
    busy_workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, last = _span(busy_workspace)
    at = page_for(busy_workspace, monkeypatch, MAP)
    assert _period(at) == "last-7-days"
    assert at.sidebar.date_input(key=keys.KEY_WINDOW).value == period_window(
        "last-7-days", last, first=first
    )
    caption = [c.value for c in at.sidebar.caption]
    assert f"数据截至 {last}" in caption


def test_dates_picked_by_hand_are_custom_and_follow(
    busy_workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, _ = _span(busy_workspace)
    at = page_for(busy_workspace, monkeypatch, MAP)
    picked = (first, first.replace(day=min(first.day + 2, 28)))
    at.sidebar.date_input(key=keys.KEY_WINDOW).set_value(picked).run()
    assert _period(at) == "custom"
    at.switch_page(COCKPIT).run()
    assert not at.exception
    assert _period(at) == "custom"
    assert at.sidebar.date_input(key=keys.KEY_WINDOW).value == picked


def test_a_link_opens_its_view(busy_workspace: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first, last = _span(busy_workspace)
    at = app_for(busy_workspace, monkeypatch)
    at.query_params["lang"] = "en"
    at.query_params["period"] = "last-month"
    at.query_params["stage"] = "closed_at"
    at.run()
    assert not at.exception
    assert at.sidebar.radio(key=keys.KEY_LANG).value == "en"
    assert _period(at) == "last-month"
    assert at.sidebar.date_input(key=keys.KEY_WINDOW).value == period_window(
        "last-month", last, first=first
    )
    assert at.sidebar.multiselect(key=keys.KEY_STAGES).value == ["closed_at"]
    assert not at.sidebar.warning or all("Link" not in w.value for w in at.sidebar.warning)


def test_a_bad_link_falls_back_with_one_line(
    busy_workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = app_for(busy_workspace, monkeypatch)
    for name, value in {
        "lang": "fr",
        "period": "fortnight",
        "since": "2026-13-01",
        "area": "nowhere",
        "cat": "work_safety,nonsense",
    }.items():
        at.query_params[name] = value
    at.run()
    assert not at.exception
    assert at.sidebar.radio(key=keys.KEY_LANG).value == "zh"
    warnings = [w.value for w in at.sidebar.warning if "链接" in w.value]
    assert warnings == ["链接中的参数无法使用，已改用默认值：lang, period, since, area, cat"]
    assert at.sidebar.multiselect(key=keys.KEY_CATEGORIES).value == []
    at.run()  # shown once
    assert not [w for w in at.sidebar.warning if "链接" in w.value]


def _dates_shown(side: Locator) -> str:
    """The sidebar date range's first and last day as the browser holds them."""
    inputs = side.get_by_test_id("stDateInput").locator("input")
    return str(inputs.evaluate_all("els => els.map(e => e.value).join(' ')"))


def test_english_and_last_month_follow_to_the_map_in_chromium(served: str) -> None:
    """The issue's complaint, in a real browser: choose English and 上月 on the cockpit,
    open the map from the navigation: still English and the same window, and in the URL."""
    from playwright.sync_api import expect, sync_playwright

    from .server import BROWSER_ARGS, CHROMIUM, IDLE

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=BROWSER_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.goto(served + "/cockpit")
        side = page.get_by_test_id("stSidebar")
        side.get_by_text("数据截至").wait_for(timeout=60_000)
        side.get_by_text("English", exact=True).click()
        side.get_by_text("Data up to").wait_for(timeout=30_000)
        side.get_by_text("Last month", exact=True).click()
        expect(page).to_have_url(re.compile(r"period=last-month"), timeout=30_000)
        page.locator(IDLE).wait_for(state="attached", timeout=30_000)
        dates = _dates_shown(side)
        assert dates
        page.get_by_test_id("stSidebarNav").get_by_text("City map").click()
        expect(page).to_have_url(re.compile(r"/(\?|map).*lang=en"), timeout=30_000)
        page.locator(IDLE).wait_for(state="attached", timeout=30_000)
        side.get_by_text("Data up to").wait_for(timeout=30_000)
        assert _dates_shown(side) == dates
        assert "period=last-month" in page.url
        browser.close()
