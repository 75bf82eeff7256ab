"""The app: AppTest of the workspace page, and the same page in a real Chromium."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from ..conftest import ROOT, require

APP = ROOT / "app.py"


@pytest.fixture
def app(workspace: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("GRIDMAP_WORKSPACE", str(workspace))
    monkeypatch.chdir(ROOT)
    return AppTest.from_file(str(APP), default_timeout=60)


def test_workspace_page_shows_counts_and_map(app: AppTest) -> None:
    app.run()
    assert not app.exception
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["网格"] == "4"
    assert metrics["行政区划"] == "1"
    assert metrics["事件"] == "0"
    spec = json.loads(app.get("deck_gl_json_chart")[0].proto.json)
    ids = [layer["id"] for layer in spec["layers"]]
    assert ids == ["admin-community", "grids"]
    grid_layer = spec["layers"][1]
    assert len(grid_layer["data"]["features"]) == 4
    assert spec["mapStyle"] == "/app/static/style.json"  # offline: no external basemap


def test_language_switch_to_english(app: AppTest) -> None:
    app.run()
    app.sidebar.radio(key="lang").set_value("en").run()
    assert not app.exception
    assert app.title[0].value == "gridmap grid-governance workbench"
    assert {m.label for m in app.metric} >= {"Grids", "Incidents", "Admin units"}


def test_missing_workspace_is_a_clear_message(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("GRIDMAP_WORKSPACE", str(tmp_path / "none.gpkg"))
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    assert not at.exception
    assert "未找到工作空间" in at.error[0].value


# --- real browser ---------------------------------------------------------------------------
CHROMIUM = os.environ.get("GRIDMAP_CHROMIUM", "/usr/bin/chromium")
BROWSER_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def served(workspace: Path) -> Iterator[str]:
    if not Path(CHROMIUM).exists():
        if require("GRIDMAP_REQUIRE_BROWSER"):
            pytest.fail(f"Chromium not found at {CHROMIUM} (required in CI)")
        pytest.skip("Chromium not installed")
    port = _free_port()
    env = dict(os.environ, GRIDMAP_WORKSPACE=str(workspace))
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(APP),
            "--server.headless",
            "true",
            "--server.address",
            "127.0.0.1",
            "--server.port",
            str(port),
            "--browser.gatherUsageStats",
            "false",
            "--server.fileWatcherType",
            "none",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                if urllib.request.urlopen(f"{url}/_stcore/health", timeout=1).read() == b"ok":
                    break
            except OSError:
                time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)


@pytest.mark.browser
def test_workspace_page_in_chromium(served: str, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=BROWSER_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(served)
        page.locator("[data-testid=stApp][data-test-script-state=notRunning]").wait_for(
            state="attached", timeout=60_000
        )
        page.get_by_text("网格", exact=True).first.wait_for(timeout=30_000)
        chart = page.get_by_test_id("stDeckGlJsonChart")
        chart.locator("canvas#deckgl-overlay").wait_for(state="visible", timeout=30_000)
        coloured = 0
        for _ in range(50):  # the canvas is visible before deck.gl has drawn the layers
            png = chart.screenshot()
            coloured = _coloured_pixels(png)
            if coloured > 200:
                break
            time.sleep(0.2)
        shots = Path(os.environ.get("GRIDMAP_SHOTS", tmp_path))
        shots.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(shots / "workspace.png"), full_page=True)
        browser.close()
    assert coloured > 200, "the grid outlines were not drawn"


def _coloured_pixels(png: bytes) -> int:
    """Pixels that are clearly not background grey/white (the blue grid outlines)."""
    import io

    from PIL import Image

    rgb = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)
    r, b = rgb[..., 0], rgb[..., 2]
    return int(((b > r + 40) & (b > 100)).sum())
