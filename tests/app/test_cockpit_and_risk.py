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

from .helpers import app_for
from .server import BROWSER_ARGS, CHROMIUM, IDLE


def _html(at) -> str:
    return "\n".join(m.value for m in at.markdown)


def test_cockpit_tiles_map_and_top_grids(
    busy_workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = app_for(busy_workspace, monkeypatch, year=2025)
    at.run()
    at.switch_page("app_pages/cockpit.py").run()
    assert not at.exception
    page = _html(at)
    assert 'data-kpi="incidents"' in page and ">300<" in page  # every incident of 2025
    assert "已结案 225 / 300 件" in page  # numerator and denominator on the tile
    assert '<ol class="gm-top">' in page
    spec = json.loads(at.get("deck_gl_json_chart")[0].proto.json)
    ids = {layer["id"] for layer in spec["layers"]}
    assert {"cockpit-cells", "cockpit-ranks"} <= ids
    ranks = next(layer for layer in spec["layers"] if layer["id"] == "cockpit-ranks")
    assert [d["text"] for d in ranks["data"]] == [str(i + 1) for i in range(len(ranks["data"]))]
    assert 1 <= len(ranks["data"]) <= 4
    # Worker names are personal data: they must not reach the meeting screen.
    assert "网格员" not in page
    at.segmented_control(key=keys.KEY_COCKPIT_LAYER).set_value("emerging").run()
    assert not at.exception


def test_meeting_mode_hides_the_chrome_and_sticks_in_the_url(
    busy_workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = app_for(busy_workspace, monkeypatch, year=2025)
    at.run()
    at.switch_page("app_pages/cockpit.py").run()
    assert 'data-testid="stSidebar"' not in _html(at)
    at.toggle(key=keys.KEY_MEETING).set_value(True).run()
    assert not at.exception
    assert 'section[data-testid="stSidebar"]' in _html(at)
    assert at.query_params.get("meeting") == "1"
    at.toggle(key=keys.KEY_MEETING).set_value(False).run()
    assert "meeting" not in at.query_params


def test_english_cockpit(busy_workspace: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = app_for(busy_workspace, monkeypatch, year=2025)
    at.session_state[keys.KEY_LANG] = "en"
    at.run()
    at.switch_page("app_pages/cockpit.py").run()
    assert not at.exception
    page = _html(at)
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
    assert len(doc) == 5
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
    assert "类占" in row["原因"] and "置信度热点" not in row["原因"]
