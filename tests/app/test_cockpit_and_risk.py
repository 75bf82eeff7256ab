"""The cockpit page (驾驶舱) and the Risk page's roll-up and backtest: AppTest and Chromium."""

from __future__ import annotations

import io
import json
import os
import time
from pathlib import Path

import numpy as np
import pytest

from gridmap.ui import keys

from .helpers import app_for, cockpit_for, page_html
from .server import BROWSER_ARGS, CHROMIUM, IDLE


def test_cockpit_tiles_map_and_top_grids(
    busy_workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = cockpit_for(busy_workspace, monkeypatch)
    page = page_html(at)
    assert 'data-kpi="incidents"' in page and ">300<" in page  # every incident of 2025
    assert "已结案 225 / 300 件" in page  # numerator and denominator on the tile
    assert '<ol class="gm-top">' in page
    spec = json.loads(at.get("deck_gl_json_chart")[0].proto.json)
    ids = {layer["id"] for layer in spec["layers"]}
    assert {"cockpit-cells", "cockpit-ranks", "cockpit-rank-leaders"} <= ids
    assert "预期" in page  # the priority ranking's reason names the expectation
    assert "priority.how" not in page  # (a missing key would show as itself)
    ranks = next(layer for layer in spec["layers"] if layer["id"] == "cockpit-ranks")
    assert [d["text"] for d in ranks["data"]] == [str(i + 1) for i in range(len(ranks["data"]))]
    assert 1 <= len(ranks["data"]) <= 4
    # Worker names are personal data: none outside this week's list, which shows them to
    # staff allowed to see people and never in meeting mode (tests/app/test_this_week.py).
    assert "网格员" not in page.split('class="gm-week"')[0]
    at.segmented_control(key=keys.KEY_COCKPIT_LAYER).set_value("emerging").run()
    assert not at.exception


def test_meeting_mode_hides_the_chrome_and_sticks_in_the_url(
    busy_workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = cockpit_for(busy_workspace, monkeypatch)
    assert 'data-testid="stSidebar"' not in page_html(at)
    at.toggle(key=keys.KEY_MEETING).set_value(True).run()
    assert not at.exception
    assert 'section[data-testid="stSidebar"]' in page_html(at)
    assert at.query_params.get("meeting") == "1"
    at.toggle(key=keys.KEY_MEETING).set_value(False).run()
    assert "meeting" not in at.query_params


def test_english_cockpit(busy_workspace: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = cockpit_for(busy_workspace, monkeypatch, lang="en")
    page = page_html(at)
    assert "grid-governance cockpit" in page and "225 of 300 closed" in page


@pytest.mark.browser
def test_cockpit_in_chromium_with_pdf_download(served: str, tmp_path: Path) -> None:
    import pypdfium2 as pdfium
    from PIL import Image
    from playwright.sync_api import sync_playwright

    shots = Path(os.environ.get("GRIDMAP_SHOTS", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=BROWSER_ARGS)
        page = browser.new_page(viewport={"width": 1600, "height": 1000}, accept_downloads=True)
        page.goto(served + "/cockpit?meeting=1")
        page.locator(IDLE).wait_for(state="attached", timeout=60_000)
        page.locator(".gm-kpi").first.wait_for(state="visible", timeout=30_000)
        assert page.locator(".gm-kpi").count() == 6
        # Meeting mode from the URL: no sidebar.
        assert not page.get_by_test_id("stSidebar").is_visible()
        chart = page.get_by_test_id("stDeckGlJsonChart")
        chart.locator("canvas#deckgl-overlay").wait_for(state="visible", timeout=30_000)
        drawn = 0
        for _ in range(50):  # the admin outlines (red-brown) and the rank badges (dark)
            rgb = np.asarray(Image.open(io.BytesIO(chart.screenshot())).convert("RGB")).astype(int)
            drawn = int(((rgb[..., 0] > rgb[..., 2] + 80) | (rgb.max(axis=2) < 70)).sum())
            if drawn > 300:
                break
            time.sleep(0.2)
        assert drawn > 300, "the cockpit map was not drawn"
        page.screenshot(path=str(shots / "cockpit_meeting.png"))
        # The report is rendered on the click, then offered as a file (a failure would show
        # its reason instead).
        page.get_by_text("导出 PDF 报告").click()
        save = page.get_by_text("下载 PDF")
        save.wait_for(state="visible", timeout=120_000)
        with page.expect_download(timeout=60_000) as download:
            save.click()
        pdf = Path(download.value.path()).read_bytes()
        browser.close()
    doc = pdfium.PdfDocument(pdf)
    assert len(doc) == 6  # five cockpit pages and this week's list (issue 13, item 7)
    assert "网格治理驾驶舱" in doc[0].get_textpage().get_text_range()


def test_risk_page_ranks_communities_with_their_own_sentence(
    busy_workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = app_for(busy_workspace, monkeypatch, year=2025)
    at.run()
    at.switch_page("app_pages/risk.py").run()
    at.segmented_control(key=keys.KEY_RISK_LEVEL).set_value("community").run()
    assert not at.exception
    table = at.dataframe[0].value
    assert list(table.index) == ["620104001001"]
    row = table.iloc[0]
    assert row["网格数"] == 4 and row["事件"] == 300 and row["户数"] == 1450
    assert "类占" in row["原因"] and "置信）" not in row["原因"]


#: Every visible text of our own (not charts, maps or tables, drawn on canvas) as
#: [font size px, where, text], and every element that hides part of its text.
_TEXT_AUDIT = """() => {
  const root = document.querySelector('[data-testid="stMain"]') || document.body;
  const small = [], clipped = [];
  for (const el of root.querySelectorAll('*')) {
    if (el.closest('svg, canvas, [data-testid="stDataFrame"], [data-testid="stDeckGlJsonChart"]'))
      continue;
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own || !el.getClientRects().length) continue;
    const cs = getComputedStyle(el);
    if (cs.visibility === 'hidden') continue;
    const text = el.textContent.trim().slice(0, 60);
    if (parseFloat(cs.fontSize) < 17.95) small.push([cs.fontSize, el.className, text]);
    const hides = /hidden|clip/.test(cs.overflow + cs.overflowX + cs.overflowY)
      || cs.textOverflow === 'ellipsis' || cs.webkitLineClamp !== 'none';
    if (hides && (el.scrollHeight > el.clientHeight + 2 || el.scrollWidth > el.clientWidth + 2))
      clipped.push([el.className, text]);
  }
  return {small, clipped};
}"""


@pytest.mark.browser
def test_meeting_mode_on_a_1080p_projector(served: str, tmp_path: Path) -> None:
    """Meeting mode at 1920 x 1080: no text under 18 px, none cut off, the last ranked row
    in view once scrolled to, and the incidents' changes coloured by their direction."""
    from playwright.sync_api import sync_playwright

    shots = Path(os.environ.get("GRIDMAP_SHOTS", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=BROWSER_ARGS)
        page = browser.new_page(viewport={"width": 1920, "height": 1080})
        page.goto(served + "/cockpit?meeting=1")
        page.locator(IDLE).wait_for(state="attached", timeout=60_000)
        page.locator(".gm-kpi").first.wait_for(state="visible", timeout=30_000)
        audit = page.evaluate(_TEXT_AUDIT)
        assert not audit["small"], f"text under 18 px: {audit['small'][:5]}"
        assert not audit["clipped"], f"text cut off: {audit['clipped'][:5]}"
        last = page.locator("ol.gm-top").first.locator("li").last
        last.scroll_into_view_if_needed()
        assert last.is_visible()
        box = last.bounding_box()
        assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= 1080
        # 环比 and 同比 of incidents: a rise is red (bad), a fall green (good), each its own.
        parts = page.locator('.gm-kpi[data-kpi="incidents"] .c span')
        for i in range(parts.count()):
            text, tone = parts.nth(i).inner_text(), parts.nth(i).get_attribute("class")
            if "+" in text:
                assert tone == "bad", text
            elif "−" in text:
                assert tone == "good", text
        page.screenshot(path=str(shots / "cockpit_meeting_1080p.png"))
        browser.close()


def test_grid_card_of_a_one_month_window_shows_twelve_months(
    busy_workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A one-month window has a one-point trend, which draws nothing: the card shows the
    twelve months to the window's end instead, the window's month highlighted."""
    import datetime as dt

    from gridmap import schema
    from gridmap.store import Workspace

    grid = str(Workspace(busy_workspace).read_grids()[schema.CODE].iloc[0])
    at = app_for(busy_workspace, monkeypatch)
    at.session_state[keys.KEY_WINDOW] = (dt.date(2025, 10, 1), dt.date(2025, 10, 31))
    at.session_state[keys.KEY_SELECTED_GRID] = grid
    at.run()
    at.switch_page("app_pages/map.py").run()
    assert not at.exception
    assert any("近 12 个月事件数" in m.value for m in at.markdown)
    spec = json.loads(at.get("vega_lite_chart")[-1].proto.spec)
    assert "所选时段" in json.dumps(spec, ensure_ascii=False)
