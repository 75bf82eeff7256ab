"""一张图 (#13 items 8 and 9): the ranked list beside the map, place names, the light grid
outlines under the heat, and the workspace's own offline base map (set with
``gridmap basemap``), in AppTest and once in Chromium.
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pytest

from gridmap import tiles
from gridmap.basemap import OFFLINE_STYLE
from gridmap.cli import main
from gridmap.ui import keys

from ..test_basemap import block_mbtiles
from .helpers import app_for, deck_layers, opened
from .server import BROWSER_ARGS, CHROMIUM, IDLE

COMMUNITY = "620104001001"  # the fixture's community, 示范社区


def deck_spec(at: object) -> dict:
    return json.loads(at.get("deck_gl_json_chart")[0].proto.json)  # type: ignore[attr-defined]


def set_basemap(ws: Path, mbtiles: Path, *extra: str) -> None:
    assert main(["basemap", str(ws), "--file", str(mbtiles), *extra]) == 0


@pytest.fixture
def static_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Tiles and styles of the AppTests go to a temporary folder, not the app's static/."""
    import gridmap.basemap
    import gridmap.ui.settings

    static = tmp_path / "static"
    monkeypatch.setattr(gridmap.basemap, "STATIC_DIR", static)
    monkeypatch.setattr(gridmap.ui.settings, "STATIC_DIR", static)
    return static


def test_the_list_beside_the_map_ranks_grids_and_opens_a_card(
    busy_workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = opened(busy_workspace, monkeypatch, year=2025)
    listed = at.dataframe(key=keys.KEY_MAP_TOP).value
    assert list(listed.columns) == ["名次", "网格", "事件", "比预期多"]
    assert list(listed["名次"]) == list(range(1, len(listed) + 1))
    assert set(listed["网格"]) == {"A", "B", "C", "D"}
    assert listed["事件"].sum() == 300
    ranks = deck_layers(at)["map-ranks"]["data"]
    assert [r["text"] for r in ranks] == [str(r) for r in listed["名次"]]  # map and list agree
    at.session_state[keys.KEY_MAP_TOP] = {"selection": {"rows": [0], "columns": []}}
    at.run()
    assert not at.exception
    households = {"A": "350", "B": "420", "C": "380", "D": "300"}[listed["网格"].iloc[0]]
    assert {m.label: m.value for m in at.metric}["户数"] == households  # the first row's card


def test_names_follow_the_area_shown_and_outlines_lie_under_the_heat(
    busy_workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = app_for(busy_workspace, monkeypatch, year=2025)
    at.run()
    layers = list(deck_layers(at))
    assert layers.index("grid-outlines") < layers.index("incident-cells")
    assert not [n for n in layers if n.startswith("names-")]  # city: districts; it has none
    at.session_state[keys.KEY_COMMUNITY] = COMMUNITY
    at.run()
    assert not at.exception
    names = deck_layers(at)["names-community"]
    assert [r["text"] for r in names["data"]] == ["示范社区"]
    assert names["characterSet"] == "auto"
    outline = deck_layers(at)["grid-outlines"]["getLineColor"]
    assert outline[0] == outline[1] == outline[2]  # grey, not blue over red


def test_own_base_map_is_the_map_style(
    busy_workspace: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, static_dir: Path
) -> None:
    at = app_for(busy_workspace, monkeypatch, year=2025)
    at.run()
    assert deck_spec(at)["mapStyle"] == OFFLINE_STYLE
    plain = deck_layers(at)["grids"]["data"]["features"][0]["geometry"]["coordinates"]
    set_basemap(busy_workspace, block_mbtiles(tmp_path / "m.mbtiles"), "--crs", "gcj02")
    at.run()
    assert not at.exception
    style = deck_spec(at)["mapStyle"]
    assert style.startswith("/app/static/basemaps/")
    tile_url = json.loads((static_dir / style.removeprefix("/app/static/")).read_text())["sources"][
        "basemap"
    ]["tiles"][0]
    assert tile_url.startswith("/app/static/tiles/")
    layers = deck_layers(at)
    # GCJ-02 tiles: polygons shifted one by one, the H3 cells by a model matrix
    shifted = layers["grids"]["data"]["features"][0]["geometry"]["coordinates"]
    assert shifted != plain and abs(shifted[0][0][0] - plain[0][0][0]) < 0.01
    assert layers["incident-cells"]["modelMatrix"][12] > 0  # moved east, as GCJ-02 is here
    assert not any("无底图" in c.value for c in at.sidebar.caption)


def test_a_broken_base_map_warns_and_falls_back(
    busy_workspace: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, static_dir: Path
) -> None:
    mbtiles = block_mbtiles(tmp_path / "gone.mbtiles")
    set_basemap(busy_workspace, mbtiles)
    mbtiles.unlink()  # moved away after it was set
    shutil.rmtree(static_dir)  # and the extraction is gone too (a new install)
    at = opened(busy_workspace, monkeypatch, year=2025)
    assert deck_spec(at)["mapStyle"] == OFFLINE_STYLE
    assert any("离线底图无法使用" in w.value for w in at.warning)


@pytest.mark.browser
def test_tiles_of_the_own_base_map_load_from_the_app(
    served: str, busy_workspace: Path, tmp_path: Path
) -> None:
    """Set with the CLI while the app runs; the browser loads the tiles from /app/static."""
    from playwright.sync_api import sync_playwright

    from gridmap.store import open_workspace

    set_basemap(busy_workspace, block_mbtiles(tmp_path / "b.mbtiles"))
    source = tiles.source_from_meta(open_workspace(str(busy_workspace)).meta())
    assert source is not None
    loaded: list[tuple[str, int]] = []
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.on("response", lambda r: loaded.append((r.url, r.status)))
            page.goto(served)
            page.locator(IDLE).wait_for(state="attached", timeout=60_000)
            for _ in range(100):
                if any("/app/static/tiles/" in u for u, _ in loaded):
                    break
                time.sleep(0.2)
            browser.close()
    finally:
        _remove_extraction(busy_workspace)
    got = [(u, s) for u, s in loaded if "/app/static/tiles/" in u]
    assert got, "no tile was requested"
    assert all(s == 200 for _, s in got), got[:3]
    assert all(u.startswith(served) for u, _ in loaded if not u.startswith(("data:", "blob:")))


def _remove_extraction(ws: Path) -> None:
    """The browser test writes into the app's static/ (it is served): remove what it wrote."""
    from gridmap.basemap import STATIC_DIR, extent_bounds
    from gridmap.store import open_workspace

    w = open_workspace(str(ws))
    source = tiles.source_from_meta(w.meta())
    if source is None:
        return
    prepared = tiles.prepare_basemap(source, STATIC_DIR, extent_bounds(w.read_grids()))
    if prepared.extraction is not None:
        shutil.rmtree(prepared.extraction.directory, ignore_errors=True)
    (STATIC_DIR / prepared.style_url.removeprefix("/app/static/")).unlink(missing_ok=True)


def test_names_that_would_cover_each_other_are_thinned() -> None:
    from gridmap.ui.map_labels import label_levels, thin_labels

    assert label_levels("city") == [("district", 18)]
    assert label_levels("district") == [("street", 15)]
    assert label_levels("street") == [("community", 13)]
    rows = [
        {"position": [103.800, 36.05], "text": "城关区"},  # largest first: kept
        {"position": [103.801, 36.05], "text": "七里河区"},  # 90 m away: covers it
        {"position": [103.900, 36.05], "text": "安宁区"},  # 9 km away: kept
    ]
    assert [r["text"] for r in thin_labels(rows, 10.0, 18)] == ["城关区", "安宁区"]
    # Closer in, the same two names no longer touch.
    assert len(thin_labels(rows[:2], 19.0, 18)) == 2


def test_rank_numbers_on_neighbouring_grids_are_moved_apart() -> None:
    import numpy as np

    from gridmap.ui.map_list import _pixel_offsets

    lon = np.array([103.800, 103.8001, 103.8002, 103.900])
    lat = np.full(4, 36.05)
    offsets = _pixel_offsets(lon, lat, 11.0)
    assert offsets[0] == [0.0, 0.0] and offsets[3] == [0.0, 0.0]  # far apart: unmoved
    assert 0 < offsets[1][0] < offsets[2][0]  # a row: 1, 2, 3
