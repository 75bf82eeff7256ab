"""Take screenshots of the app's pages with Playwright + Chromium (for review and the docs).

Usage: python scripts/screenshots.py WORKSPACE OUT_DIR [PORT]
"""

from __future__ import annotations

import io
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image
from playwright.sync_api import Page, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeout

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.app.helpers import click_chart  # noqa: E402
from tests.app.server import BROWSER_ARGS, CHROMIUM, IDLE, running_app  # noqa: E402


def wait_drawn(page: Page, min_px: int = 2000) -> None:
    """Wait until the first map shows heat colours (the canvas is visible before it is drawn)."""
    chart = page.get_by_test_id("stDeckGlJsonChart").first
    chart.locator("canvas#deckgl-overlay").wait_for(state="visible", timeout=60_000)
    for _ in range(100):
        rgb = np.asarray(Image.open(io.BytesIO(chart.screenshot())).convert("RGB")).astype(int)
        if int(((rgb[..., 0] > 180) & (rgb[..., 0] > rgb[..., 2] + 60)).sum()) > min_px:
            return
        time.sleep(0.2)


def _click_map_centre(page: Page) -> None:
    """Hover over, then click, the centre of the page's first deck.gl map."""
    chart = page.get_by_test_id("stDeckGlJsonChart").first
    chart.locator("#view-default-view").wait_for(state="visible", timeout=60_000)
    click_chart(page, chart, 0.5, 0.5, pause_ms=1000)


#: Where to click for a grid card, as fractions of the map view: the centre first, then a
#: ring around it (the centre may fall on a river, a place label or a rank number).
_CARD_TRIES = ((0.5, 0.5), (0.45, 0.45), (0.55, 0.55), (0.45, 0.55), (0.55, 0.45), (0.4, 0.5),
               (0.6, 0.5), (0.5, 0.4), (0.5, 0.6), (0.35, 0.35), (0.65, 0.65))  # fmt: skip


def open_grid_card(page: Page) -> None:
    """Click the map until a grid card opens, as the browser test does: deck.gl may not pick
    the first click on a loaded machine, and a point may hold no grid. Each try waits for
    the app to be idle and the card to show (10 s); all failing raises the last timeout."""
    card = page.locator(".st-key-grid_card")
    for i, (fx, fy) in enumerate(_CARD_TRIES):
        page.locator(IDLE).wait_for(state="attached", timeout=60_000)
        chart = page.get_by_test_id("stDeckGlJsonChart").first
        chart.locator("#view-default-view").wait_for(state="visible", timeout=60_000)
        click_chart(page, chart, fx, fy, pause_ms=600)
        try:
            card.wait_for(state="visible", timeout=10_000)
            return
        except PlaywrightTimeout:
            if i == len(_CARD_TRIES) - 1:
                raise


def _rebalance(page: Page, url: str, out_dir: Path) -> None:
    """The Rebalance page: the list of communities, then one community after a paint click."""
    page.goto(url + "/rebalance")
    page.locator(IDLE).wait_for(state="attached", timeout=300_000)
    time.sleep(1)
    page.screenshot(path=str(out_dir / "rebalance_list.png"))
    boxes = page.get_by_test_id("stSelectbox")
    for i, name in enumerate(("城关区", "白银路街道", "祁连社区")):
        boxes.nth(i).click()
        page.get_by_role("option", name=name).click()
        page.locator(IDLE).wait_for(state="attached", timeout=120_000)
        time.sleep(0.5)
    _click_map_centre(page)
    page.locator(IDLE).wait_for(state="attached", timeout=60_000)
    time.sleep(1.5)
    page.screenshot(path=str(out_dir / "rebalance.png"), full_page=True)


def _pdf_pages(pdf: Path, out_dir: Path) -> None:
    """The downloaded report's pages as PNGs (report_p1.png ...), as a reader would see them."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(pdf))
    for i in range(len(doc)):
        doc[i].render(scale=1.4).to_pil().save(out_dir / f"report_p{i + 1}.png")


def main(workspace: str, out: str, port: int | None = None, district: str = "城关区") -> int:
    out_dir = Path(out)
    out_dir.mkdir(parents=True, exist_ok=True)
    with running_app(workspace, port) as url, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        page = browser.new_page(viewport={"width": 1600, "height": 1000})
        page.goto(url)
        page.locator(IDLE).wait_for(state="attached", timeout=120_000)
        wait_drawn(page)
        page.screenshot(path=str(out_dir / "map.png"))
        page.get_by_test_id("stSelectbox").first.click()
        page.get_by_role("option", name=district).click()
        page.locator(IDLE).wait_for(state="attached", timeout=60_000)
        wait_drawn(page, 500)
        page.screenshot(path=str(out_dir / "map_district.png"))
        open_grid_card(page)
        page.locator(IDLE).wait_for(state="attached", timeout=60_000)
        time.sleep(1.5)  # let the card's charts render
        page.screenshot(path=str(out_dir / "map_card.png"))
        page.get_by_text("English", exact=True).click()
        page.locator(IDLE).wait_for(state="attached", timeout=60_000)
        wait_drawn(page, 500)
        time.sleep(1.5)
        page.screenshot(path=str(out_dir / "map_en.png"))
        page.goto(url + "/risk")
        page.locator(IDLE).wait_for(state="attached", timeout=120_000)
        wait_drawn(page, 300)
        time.sleep(1.5)
        page.screenshot(path=str(out_dir / "risk.png"), full_page=True)
        page.get_by_text("街道", exact=True).last.click()
        page.locator(IDLE).wait_for(state="attached", timeout=60_000)
        time.sleep(1.5)
        page.screenshot(path=str(out_dir / "risk_streets.png"), full_page=True)
        page.goto(url + "/cockpit")
        page.locator(IDLE).wait_for(state="attached", timeout=120_000)
        wait_drawn(page, 300)
        time.sleep(2)
        page.screenshot(path=str(out_dir / "cockpit.png"))
        page.set_viewport_size({"width": 1920, "height": 1080})
        page.goto(url + "/cockpit?meeting=1")
        page.locator(IDLE).wait_for(state="attached", timeout=120_000)
        wait_drawn(page, 300)
        time.sleep(2)
        page.screenshot(path=str(out_dir / "cockpit_meeting.png"))
        page.get_by_text("导出 PDF 报告").click()  # rendered on the click, then offered
        save = page.get_by_text("下载 PDF")
        save.wait_for(state="visible", timeout=120_000)
        with page.expect_download(timeout=60_000) as download:
            save.click()
        _pdf_pages(Path(download.value.path()), out_dir)
        page.set_viewport_size({"width": 1600, "height": 1000})
        _rebalance(page, url, out_dir)
        page.goto(url + "/workspace")
        page.locator(IDLE).wait_for(state="attached", timeout=60_000)
        time.sleep(3)
        page.screenshot(path=str(out_dir / "workspace.png"), full_page=True)
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else None))
