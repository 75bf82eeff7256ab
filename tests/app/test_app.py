"""The app: AppTest of the shell, the map page and the data page, and the same in Chromium."""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np
import pytest

from gridmap.ui import keys

from .helpers import app_for, deck_layers, opened, page_for
from .server import BROWSER_ARGS, CHROMIUM, IDLE


def test_map_page_draws_grids_and_heat(
    busy_workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = opened(busy_workspace, monkeypatch, year=2025)
    layers = deck_layers(at)
    # Place names are one layer per zoom band (#13), drawn above the grids, under the ranks.
    names = [name for name in layers if name.startswith("names-")]
    assert names and all(name.startswith("names-community") for name in names)
    assert [name for name in layers if name not in names] == [
        "admin-community",
        "grid-outlines",  # light, under the heat (#13)
        "incident-cells",
        "professional-grids",
        "grids",
        "map-ranks",  # the list's ranks on the map (#13)
    ]
    assert list(layers).index(names[0]) > list(layers).index("grids")
    grid_counts = {
        f["properties"]["code"]: f["properties"]["count"]
        for f in layers["grids"]["data"]["features"]
    }
    assert sum(grid_counts.values()) == 300
    assert sum(c["count"] for c in layers["incident-cells"]["data"]) == 300
    assert layers["incident-cells"]["extruded"] is False
    assert "300 件事件" in at.markdown[0].value


def test_filters_change_the_counts(busy_workspace: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = app_for(busy_workspace, monkeypatch, year=2025)
    at.run()
    at.sidebar.multiselect(key=keys.KEY_CATEGORIES).set_value(["work_safety"]).run()
    layers = deck_layers(at)
    only = sum(f["properties"]["count"] for f in layers["grids"]["data"]["features"])
    assert 0 < only < 300
    at.sidebar.multiselect(key=keys.KEY_CATEGORIES).set_value([]).run()
    at.sidebar.multiselect(key=keys.KEY_CLASSES).set_value(["dispute"]).run()
    disputes = sum(f["properties"]["count"] for f in deck_layers(at)["grids"]["data"]["features"])
    assert 0 < disputes < 300


def test_injected_selection_opens_grid_card(
    busy_workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = app_for(busy_workspace, monkeypatch, year=2025)
    at.run()
    at.session_state[keys.KEY_MAP] = {
        "selection": {
            "indices": {"grids": [1]},
            "objects": {"grids": [{"properties": {"code": "B"}}]},
        }
    }
    at.run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["户数"] == "420"
    n = int(metrics["事件数（时间范围内）"])
    assert 40 < n < 140
    closure = next(c.value for c in at.caption if c.value.startswith("结案率"))
    closed, total = (int(x.replace(",", "")) for x in closure.split(": ")[1].split(" / "))
    assert total == n and 0 < closed < n  # every 4th incident is still open


def test_language_switch_to_english(busy_workspace: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = app_for(busy_workspace, monkeypatch).run()
    at.sidebar.radio(key=keys.KEY_LANG).set_value("en").run()
    assert not at.exception
    assert "incidents ·" in at.markdown[0].value
    assert at.sidebar.multiselect(key=keys.KEY_CATEGORIES).label == "Categories"
    assert at.sidebar.selectbox(key=keys.KEY_DISTRICT).label == "District"


def test_workspace_page_shows_counts(busy_workspace: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = app_for(busy_workspace, monkeypatch).run()
    at.switch_page("app_pages/workspace.py").run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["网格"] == "4" and metrics["事件"] == "300"
    assert deck_layers(at)["grids"]["data"]["features"]


def test_missing_workspace_is_a_clear_message(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    at = app_for(tmp_path / "none.gpkg", monkeypatch).run()
    assert not at.exception
    assert "未找到工作空间" in at.error[0].value


# --- real browser ---------------------------------------------------------------------------
def _coloured_pixels(png: bytes) -> int:
    """Pixels of the heat colours (yellow to red): clearly red-dominant, not grey or blue."""
    import io

    from PIL import Image

    rgb = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)
    r, b = rgb[..., 0], rgb[..., 2]
    return int(((r > 180) & (r > b + 60)).sum())


@pytest.mark.browser
def test_map_click_opens_card_and_language_switch(served: str, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    shots = Path(os.environ.get("GRIDMAP_SHOTS", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    requests: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=BROWSER_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.on("request", lambda r: requests.append(r.url))
        page.goto(served)
        idle = IDLE
        page.locator(idle).wait_for(state="attached", timeout=60_000)
        chart = page.get_by_test_id("stDeckGlJsonChart")
        chart.locator("canvas#deckgl-overlay").wait_for(state="visible", timeout=30_000)
        coloured = 0
        for _ in range(50):  # the canvas is visible before deck.gl has drawn the layers
            coloured = _coloured_pixels(chart.screenshot())
            if coloured > 500:
                break
            time.sleep(0.2)
        assert coloured > 500, "the incident heat map was not drawn"
        page.screenshot(path=str(shots / "map.png"), full_page=True)
        box = chart.locator("#view-default-view").bounding_box()
        assert box is not None
        # The four grids sit in the middle of the view; click inside the upper-right one (B).
        card = page.locator(".st-key-grid_card")
        # On a loaded machine deck.gl may not pick the first click yet: click again.
        for attempt in range(3):
            chart.locator("#view-default-view").click(
                position={"x": box["width"] / 2 + 20, "y": box["height"] / 2 - 20}
            )
            try:
                card.wait_for(state="visible", timeout=15_000)
                break
            except Exception:
                if attempt == 2:
                    raise
        assert "`B`" in card.inner_text() or "B ·" in card.inner_text()
        page.locator(idle).wait_for(state="attached", timeout=60_000)
        page.screenshot(path=str(shots / "map_card.png"), full_page=True)
        page.get_by_text("English", exact=True).click()
        page.get_by_text("Grid card", exact=False).or_(
            page.get_by_text("Households")
        ).first.wait_for(timeout=30_000)
        page.locator(idle).wait_for(state="attached", timeout=60_000)
        page.screenshot(path=str(shots / "map_en.png"), full_page=True)
        browser.close()
    outside = [
        u
        for u in requests
        if not u.startswith(served) and not u.startswith("data:") and not u.startswith("blob:")
    ]
    assert outside == [], f"requests left the machine: {outside[:5]}"


def test_risk_page_layers_table_and_card(
    busy_workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = page_for(busy_workspace, monkeypatch, "app_pages/risk.py", year=2025)
    assert "300" in at.markdown[0].value  # every incident of the window is counted
    ids = list(deck_layers(at))
    assert "risk-cells" in ids and "grids" in ids
    table = at.dataframe[0].value
    # The priority order of the cockpit and the map: most incidents above expectation first.
    excess = table["比预期多（件）"]
    assert len(table) == 4 and excess.is_monotonic_decreasing and "风险分" not in table
    assert table["原因"].str.len().gt(0).all()
    for layer in ("trends", "heat"):
        at.segmented_control(key=keys.KEY_RISK_LAYER).set_value(layer).run()
        assert not at.exception
    at.session_state[keys.KEY_RISK_MAP] = {
        "selection": {
            "indices": {"grids": [0]},
            "objects": {"grids": [{"properties": {"code": "C"}}]},
        }
    }
    at.run()
    assert {m.label: m.value for m in at.metric}["户数"] == "380"


@pytest.mark.browser
def test_risk_page_in_chromium(served: str, tmp_path: Path) -> None:
    """The risk page draws its cell layer and the ranked table in a real browser."""
    from playwright.sync_api import sync_playwright

    shots = Path(os.environ.get("GRIDMAP_SHOTS", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=BROWSER_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(served + "/risk")
        page.locator(IDLE).wait_for(state="attached", timeout=60_000)
        page.get_by_text("重点网格：比预期多出的事件最多").wait_for(timeout=30_000)
        page.get_by_test_id("stDataFrame").first.wait_for(state="visible", timeout=30_000)
        # Switch to the plain heat layer: the 2x2 fixture has no significant hot spot.
        page.get_by_text("事件热力", exact=True).click()
        page.locator(IDLE).wait_for(state="attached", timeout=60_000)
        chart = page.get_by_test_id("stDeckGlJsonChart")
        chart.locator("canvas#deckgl-overlay").wait_for(state="visible", timeout=30_000)
        coloured = 0
        for _ in range(50):
            coloured = _coloured_pixels(chart.screenshot())
            if coloured > 500:
                break
            time.sleep(0.2)
        page.screenshot(path=str(shots / "risk.png"), full_page=True)
        browser.close()
    assert coloured > 500, "the risk map was not drawn"
