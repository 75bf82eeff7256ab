"""The cockpit page (驾驶舱) and the Risk page's roll-up and backtest: AppTest and Chromium."""

from __future__ import annotations

import io
import json
import os
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from gridmap.ui import keys

from .helpers import app_for, cockpit_for, page_html, serve_or_skip
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
        # Six KPIs and, in meeting mode, the overdue backlog in the same row.
        assert page.locator(".gm-kpi").count() == 7
        assert page.locator('.gm-kpis .gm-kpi[data-kpi="backlog"]').count() == 1
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


def city_of_sixteen(location: str, folder: Path) -> str:
    """Sixteen basic grids with long names in one community, a 4 x 4 block of 100 m squares
    (60 to 1,400 households, two under the 100-household floor), each with more incidents
    in December 2025 than the one before it (4 to 49), some still open: more than ten
    grids to rank, so meeting mode must fit ten rows.

    ::

        +-----+-----+-----+-----+
        | 001 | 002 | 003 | 004 |
        +-----+-----+-----+-----+
        | ... |     |     | 008 |
        +-----+-----+-----+-----+
        | ... |     |     | 016 |    (4 rows)
    """
    import geopandas as gpd
    import pandas as pd
    from shapely.geometry import box

    from gridmap.importing import import_file

    from ..builders import ORIGIN, UTM48N, community_block

    x0, y0 = ORIGIN
    code = "620104001001"
    households = [1400, 60, 900, 1200, 80, 700, 1100, 500, 1300, 650, 400, 1000, 350, 800, 300, 950]
    grids = gpd.GeoDataFrame(
        {
            "code": [f"{code}{i + 1:03d}" for i in range(16)],
            "name": [f"小西湖东示范社区第{i + 1}网格" for i in range(16)],
            "households": households,
            "grid_type": "basic",
        },
        geometry=[
            box(
                x0 + 100 * (i % 4),
                y0 + 100 * (i // 4),
                x0 + 100 * (i % 4 + 1),
                y0 + 100 * (i // 4 + 1),
            )
            for i in range(16)
        ],
        crs=UTM48N,
    ).to_crs(4326)
    grids.to_file(folder / "grids16.gpkg", driver="GPKG")
    community_block(400.0, code).to_file(folder / "community16.geojson", driver="GeoJSON")
    rng = np.random.default_rng(5)
    rows = []
    for i in range(16):
        # December 2025 (the last complete month) and a quieter November before it.
        for month, n in (("2025-12", 4 + 3 * i), ("2025-11", 2 + i)):
            days = rng.integers(1, 29, n)
            if month == "2025-12":
                days[0] = 31  # the data reach the month's end: the cockpit opens on December
            pts = gpd.GeoSeries(
                gpd.points_from_xy(
                    x0 + 100 * (i % 4) + rng.uniform(5, 95, n),
                    y0 + 100 * (i // 4) + rng.uniform(5, 95, n),
                ),
                crs=UTM48N,
            ).to_crs(4326)
            for j in range(n):
                at = f"{month}-{days[j]:02d} 10:00:00"
                rows.append(
                    {
                        "id": f"E{month}-{i}-{j}",
                        "lon": pts.x.iloc[j],
                        "lat": pts.y.iloc[j],
                        "occurred_at": at,
                        "category": ["平安建设", "城市管理", "安全生产"][j % 3],
                        "handling_class": "一般事项",
                        # Every third case still open: a backlog to show.
                        "closed_at": ""
                        if j % 3 == 0
                        else str(pd.Timestamp(at) + pd.Timedelta(days=2)),
                    }
                )
    pd.DataFrame(rows).to_csv(folder / "incidents16.csv", index=False)
    import_file(location, "admin", folder / "community16.geojson", crs="wgs84")
    import_file(location, "grids", folder / "grids16.gpkg")
    import_file(location, "incidents", folder / "incidents16.csv", crs="wgs84")
    return location


@pytest.fixture
def served_city(ws_location: str, tmp_path: Path) -> Iterator[str]:
    """:func:`city_of_sixteen` served on a free port (Chromium tests)."""
    yield from serve_or_skip(city_of_sixteen(ws_location, tmp_path))


@pytest.mark.browser
def test_meeting_mode_on_a_1080p_projector(served_city: str, tmp_path: Path) -> None:
    """Meeting mode at 1920 x 1080: the KPIs, the map and all ten ranked rows on one screen
    without scrolling; no text under 18 px, none cut off; the incidents' changes coloured
    by their direction."""
    from playwright.sync_api import sync_playwright

    shots = Path(os.environ.get("GRIDMAP_SHOTS", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=BROWSER_ARGS)
        page = browser.new_page(viewport={"width": 1920, "height": 1080})
        page.goto(served_city + "/cockpit?meeting=1")
        page.locator(IDLE).wait_for(state="attached", timeout=60_000)
        page.locator(".gm-kpi").first.wait_for(state="visible", timeout=30_000)
        audit = page.evaluate(_TEXT_AUDIT)
        assert not audit["small"], f"text under 18 px: {audit['small'][:5]}"
        assert not audit["clipped"], f"text cut off: {audit['clipped'][:5]}"
        # One screen, as the page opens (nothing scrolled): every KPI tile (the backlog's
        # among them), the whole map and the tenth ranked row lie inside 1920 x 1080.
        rows = page.locator("ol.gm-top").first.locator("li")
        assert rows.count() == 10
        inside = [
            ("KPI", page.locator(".gm-kpis")),
            ("backlog tile", page.locator('.gm-kpi[data-kpi="backlog"]')),
            ("map", page.get_by_test_id("stDeckGlJsonChart")),
            ("10th row", rows.nth(9)),
        ]
        for what, loc in inside:
            box = loc.bounding_box()
            assert box is not None, what
            assert box["y"] >= 0 and box["y"] + box["height"] <= 1080, (what, box)
            assert box["x"] >= 0 and box["x"] + box["width"] <= 1920, (what, box)
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
    # Item 6: per category, the department that answers for it, on the card ...
    page = page_html(at)
    assert "责任部门（按本期事件类别）" in page
    assert "→ 公安分局（派出所）" in page and "→ 城市管理执法局" in page
    # ... and the main one in the map's tooltip.
    chart = at.get("deck_gl_json_chart")[0].proto
    fill = next(layer for layer in json.loads(chart.json)["layers"] if layer["id"] == "grids")
    props = {f["properties"]["code"]: f["properties"] for f in fill["data"]["features"]}
    assert props[grid]["dept"] in {"公安分局（派出所）", "城市管理执法局", "应急管理局"}
    assert "主要责任部门 {dept}" in json.loads(chart.tooltip)["html"]
