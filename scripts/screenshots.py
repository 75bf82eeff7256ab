"""Take screenshots of the app's pages with Playwright + Chromium (for review and the docs).

Usage: python scripts/screenshots.py WORKSPACE OUT_DIR [PORT]
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
IDLE = "[data-testid=stApp][data-test-script-state=notRunning]"


def wait_drawn(page, min_px: int = 2000) -> None:  # type: ignore[no-untyped-def]
    import io

    import numpy as np
    from PIL import Image

    chart = page.get_by_test_id("stDeckGlJsonChart").first
    chart.locator("canvas#deckgl-overlay").wait_for(state="visible", timeout=60_000)
    for _ in range(100):
        rgb = np.asarray(Image.open(io.BytesIO(chart.screenshot())).convert("RGB")).astype(int)
        if int(((rgb[..., 0] > 180) & (rgb[..., 0] > rgb[..., 2] + 60)).sum()) > min_px:
            return
        time.sleep(0.2)


def main(workspace: str, out: str, port: int = 8599, district: str = "城关区") -> int:
    out_dir = Path(out)
    out_dir.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, GRIDMAP_WORKSPACE=str(Path(workspace).resolve()))
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(ROOT / "app.py"),
            "--server.headless",
            "true",
            "--server.address",
            "127.0.0.1",
            "--server.port",
            str(port),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                if urllib.request.urlopen(f"{url}/_stcore/health", timeout=1).read() == b"ok":
                    break
            except OSError:
                time.sleep(0.2)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            page = browser.new_page(viewport={"width": 1600, "height": 1000})
            page.goto(url)
            page.locator(IDLE).wait_for(state="attached", timeout=120_000)
            wait_drawn(page)
            page.screenshot(path=str(out_dir / "map.png"))
            # Narrow to a district first: in software WebGL picking thousands of grids is
            # slow enough that a synthetic click is not recognised as a tap.
            page.get_by_test_id("stSelectbox").first.click()
            page.get_by_role("option", name=district).click()
            page.locator(IDLE).wait_for(state="attached", timeout=60_000)
            wait_drawn(page, 500)
            page.screenshot(path=str(out_dir / "map_district.png"))
            view = page.get_by_test_id("stDeckGlJsonChart").first.locator("#view-default-view")
            box = view.bounding_box()
            assert box is not None
            page.mouse.move(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.5)
            time.sleep(2)
            page.mouse.click(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.5)
            page.locator(".st-key-grid_card").wait_for(state="visible", timeout=30_000)
            page.locator(IDLE).wait_for(state="attached", timeout=60_000)
            wait_drawn(page)
            page.screenshot(path=str(out_dir / "map_card.png"))
            page.get_by_text("English", exact=True).click()
            page.locator(IDLE).wait_for(state="attached", timeout=60_000)
            wait_drawn(page)
            page.screenshot(path=str(out_dir / "map_en.png"))
            page.goto(url + "/workspace")
            page.locator(IDLE).wait_for(state="attached", timeout=60_000)
            time.sleep(2)
            page.screenshot(path=str(out_dir / "workspace.png"), full_page=True)
            browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 8599))
