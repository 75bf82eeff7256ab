"""The Coverage page: AppTest (KPIs, layers, siting slider, click-through) and Chromium."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from gridmap.ui import keys

from ..builders import ROOT
from .helpers import deck_layers, serve_or_skip
from .server import BROWSER_ARGS, CHROMIUM, IDLE

APP = ROOT / "app.py"
PAGE = "app_pages/coverage.py"


def coverage_page(ws: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("GRIDMAP_WORKSPACE", str(ws))
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(APP), default_timeout=120)
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    return at


def test_kpis_show_numerator_and_denominator(
    camera_workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = coverage_page(camera_workspace, monkeypatch)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["重点区域覆盖率达标"] == "1/2"
    assert metrics["在线摄像机"] == "2"
    captions = [c.value for c in at.caption]
    assert "1 / 2 处" in captions and "2 / 3 台，离线 1" in captions
    area = float(metrics["视频覆盖率（面积）"].rstrip("%"))
    assert 25 < area < 60  # B (a quarter) plus bits of A, C and D


def test_layers_sites_and_grid_card(
    camera_workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = coverage_page(camera_workspace, monkeypatch)
    layers = deck_layers(at)
    for layer_id in ("cov-cells", "cov-gaps", "cov-keyareas", "cov-sites", "grids"):
        assert layer_id in layers, layer_id
    keyareas = {
        f["properties"]["code"]: f["properties"]["count"]
        for f in layers["cov-keyareas"]["data"]["features"]
    }
    # KA2 lies under the offline camera; only the rim of K1's disc (y < 80 m) reaches it.
    assert keyareas["KA1"] == 100.0 and 5 < keyareas["KA2"] < 30
    grid_pct = {
        f["properties"]["code"]: f["properties"]["count"]
        for f in layers["grids"]["data"]["features"]
    }
    assert grid_pct["B"] == 100 and grid_pct["D"] < 30
    n_sites = len(layers["cov-sites"]["data"])
    assert n_sites >= 1
    # Fewer cameras on the slider: fewer dots and a shorter result table.
    at.slider(key=keys.KEY_COV_N).set_value(0).run()
    assert not at.exception
    assert "cov-sites" not in deck_layers(at)
    # Footprints drawn as sectors on request.
    at.pills(key=keys.KEY_COV_LAYERS).set_value(["footprints"]).run()
    footprints = deck_layers(at)["cov-footprints"]["data"]["features"]
    assert len(footprints) == 2  # the offline camera is not drawn
    # Click-through: a key area opens its card (coverage vs target, m² short, cameras) and
    # the card of the grid it lies in.
    at.session_state[keys.KEY_COV_MAP] = {
        "selection": {
            "indices": {"cov-keyareas": [1]},
            "objects": {
                "cov-keyareas": [{"properties": {"code": "KA2", "name": "医院", "rgba": [1]}}]
            },
        }
    }
    at.run()
    assert not at.exception
    assert any(s.value == "医院" for s in at.subheader)
    assert any(e.value.startswith("未达标：还差") for e in at.error)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["目标"] == "100.0%" and metrics["户数"] == "300"  # and grid D's card
    assert any("离线 1 台" in c.value for c in at.caption)


def test_workspace_without_cameras_is_one_message(
    busy_workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = coverage_page(busy_workspace, monkeypatch)
    assert not at.exception
    # Not an error and not English: what is missing and where to import it.
    assert not at.error
    assert at.info[0].value.startswith("没有摄像机数据。在“数据”页导入摄像机点位")


def test_english(camera_workspace: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = coverage_page(camera_workspace, monkeypatch)
    at.sidebar.radio(key=keys.KEY_LANG).set_value("en").run()
    assert not at.exception
    assert "Key areas at target" in {m.label for m in at.metric}


# --- real browser ---------------------------------------------------------------------------
@pytest.fixture
def served(camera_workspace: Path) -> Iterator[str]:
    yield from serve_or_skip(camera_workspace)


def _teal_or_red_pixels(png: bytes) -> int:
    """Pixels of the coverage teal or blind-spot red: clearly coloured, not grey."""
    import io

    from PIL import Image

    rgb = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    teal = (g > r + 40) & (g > b)
    red = (r > 180) & (r > g + 80)
    return int((teal | red).sum())


@pytest.mark.browser
def test_coverage_page_in_chromium(served: str, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    shots = Path(os.environ.get("GRIDMAP_SHOTS", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=BROWSER_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(served + "/coverage")
        page.locator(IDLE).wait_for(state="attached", timeout=120_000)
        page.get_by_text("重点区域覆盖率达标").wait_for(timeout=60_000)
        chart = page.get_by_test_id("stDeckGlJsonChart")
        chart.locator("canvas#deckgl-overlay").wait_for(state="visible", timeout=30_000)
        coloured = 0
        for _ in range(50):
            coloured = _teal_or_red_pixels(chart.screenshot())
            if coloured > 500:
                break
            time.sleep(0.2)
        page.screenshot(path=str(shots / "coverage.png"), full_page=True)
        assert coloured > 500, "the coverage map was not drawn"
        assert page.get_by_text("1/2", exact=True).count() >= 1
        browser.close()


def test_site_exports_open_as_gis_points(tmp_path: Path) -> None:
    import geopandas as gpd
    import pandas as pd

    from gridmap.ui.coverage import sites_csv, sites_geojson

    sites = pd.DataFrame(
        {
            "rank": [1, 2],
            "lon": [103.8, 103.81],
            "lat": [36.05, 36.06],
            "gain": [10.0, 4.0],
            "cumulative_share": [0.5, 0.7],
            "grid_code": ["A", "C"],
            "range_m": 100.0,
        }
    )
    path = tmp_path / "sites.geojson"
    path.write_text(sites_geojson(sites), encoding="utf-8")
    back = gpd.read_file(path)
    assert back.crs.to_epsg() == 4326 and back["rank"].tolist() == [1, 2]
    assert back.geometry.x.round(6).tolist() == [103.8, 103.81]
    csv = sites_csv(sites).decode("utf-8-sig").splitlines()
    assert csv[0] == "rank,lon,lat,gain,cumulative_share,grid_code" and len(csv) == 3
