"""一张图 (#13 items 8 and 9): the ranked list beside the map, place names, the light grid
outlines under the heat, and the workspace's own offline base map (set with
``gridmap basemap``), in AppTest and once in Chromium.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from gridmap import tiles
from gridmap.basemap import OFFLINE_STYLE
from gridmap.cli import main
from gridmap.ui import keys
from gridmap.viz import place_label_rows

from ..test_basemap import block_mbtiles
from .helpers import app_for, deck_layers, opened, serve_or_skip
from .server import BROWSER_ARGS, CHROMIUM, IDLE

COMMUNITY = "620104001001"  # the fixture's community, 示范社区
STREETS = ["陈坪街道", "四季青街道", "先锋路街道", "福利路街道"]


@pytest.fixture
def named_workspace(busy_workspace: Path, tmp_path: Path) -> Path:
    """The busy 2x2 block inside a district of four 2 km streets, the first holding 示范社区
    (the block) and four 400 m communities; names for three zooms.

    ::

        +--------+--------+
        | 先锋路  | 陈坪    |      one district, 4 km: 西固区
        |        | ▪ □ □  |      ▪ the block (示范社区), □ 400 m communities
        +--------+--------+
        | 福利路  | 四季青  |
        +--------+--------+
    """
    import geopandas as gpd
    from shapely import box

    from gridmap.importing import import_file

    from ..builders import ORIGIN, UTM48N

    cx, cy = ORIGIN[0] + 100, ORIGIN[1] + 100  # the block's centre

    def square(x: float, y: float, half: float) -> object:
        return box(x - half, y - half, x + half, y + half)

    rows = [("620104", "西固区", "district", None, square(cx - 200, cy - 200, 2000))]
    for i, (dx, dy) in enumerate([(800, 800), (800, -1200), (-1200, 800), (-1200, -1200)]):
        street = square(cx + dx, cy + dy, 1000)
        rows.append((f"620104{i + 1:03d}", STREETS[i], "street", "620104", street))
    rows.append((COMMUNITY, "示范社区", "community", "620104001", square(cx, cy, 100)))
    for i, (dx, dy) in enumerate([(600, 100), (1300, 100), (100, 600), (100, 1300)]):
        code, name = f"620104001{i + 2:03d}", ["临洮街", "玉门街", "合水路", "西柳沟"][i] + "社区"
        rows.append((code, name, "community", "620104001", square(cx + dx, cy + dy, 200)))
    admin = gpd.GeoDataFrame(
        rows, columns=["code", "name", "level", "parent_code", "geometry"], crs=UTM48N
    ).to_crs(4326)
    admin.to_file(tmp_path / "admin.geojson", driver="GeoJSON")
    import_file(busy_workspace, "admin", tmp_path / "admin.geojson", crs="wgs84")
    return busy_workspace


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


def test_names_follow_the_zoom_and_outlines_lie_under_the_heat(
    named_workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = opened(named_workspace, monkeypatch, year=2025)
    layers = deck_layers(at)
    ids = list(layers)
    assert ids.index("grid-outlines") < ids.index("incident-cells")
    outline = layers["grid-outlines"]["getLineColor"]
    assert outline[0] == outline[1] == outline[2]  # grey, not blue over red
    bands = {}  # level -> (zooms from which its names show, names)
    for layer_id, spec in layers.items():
        if layer_id.startswith("names-"):
            level = layer_id.split("-")[1]
            zooms, names = bands.setdefault(level, ([], []))
            zooms.append(spec.get("visibleMinZoom", 0))
            names += [r["text"] for r in place_label_rows(spec)]
            assert spec["textCharacterSet"] == "auto"
    assert bands["district"][1] == ["西固区"]
    assert sorted(bands["street"][1]) == sorted(STREETS)  # 2 km apart: none thinned out
    assert "示范社区" in bands["community"][1]
    # District names when zoomed out, street names closer, community names closer still;
    # each level's names end where the next level's begin.
    assert max(bands["district"][0]) < min(bands["street"][0]) < min(bands["community"][0])
    street_until = {s.get("visibleMaxZoom") for i, s in layers.items() if "names-street" in i}
    assert street_until == {min(bands["community"][0])}


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


def test_cockpit_risk_and_coverage_draw_on_the_own_base_map(
    camera_workspace: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, static_dir: Path
) -> None:
    """Every map of the app, not only 一张图, draws on the workspace's GCJ-02 tiles."""
    at = opened(camera_workspace, monkeypatch, year=2025)
    plain = deck_layers(at)["grids"]["data"]["features"][0]["geometry"]["coordinates"]
    set_basemap(camera_workspace, block_mbtiles(tmp_path / "m.mbtiles"), "--crs", "gcj02")
    at.run()
    own = deck_spec(at)["mapStyle"]
    assert own.startswith("/app/static/basemaps/")
    pages = {
        "app_pages/cockpit.py": "cockpit-cells",
        "app_pages/risk.py": "risk-cells",
        "app_pages/coverage.py": "cov-cells",
    }
    for page, cells in pages.items():
        at.switch_page(page).run()
        assert not at.exception, page
        assert deck_spec(at)["mapStyle"] == own, page
        layers = deck_layers(at)
        assert layers[cells]["modelMatrix"][12] > 0, page  # moved east, as GCJ-02 is here
        grids = layers.get("grids") or layers["admin-community"]
        if "modelMatrix" not in grids:  # outlines shifted vertex by vertex
            shifted = grids["data"]["features"][0]["geometry"]["coordinates"]
            assert shifted[0][0][0] > plain[0][0][0] + 0.001, page


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


@pytest.fixture
def served_named(named_workspace: Path) -> Iterator[str]:
    yield from serve_or_skip(named_workspace)


@pytest.mark.browser
def test_names_change_as_the_user_zooms_out(served_named: str) -> None:
    """In Chromium, the mouse wheel alone (no rerun) changes the names drawn: community names
    on the block, street names further out, district names further still, never two levels
    at once. Each level's names have their own colour, counted on the chart's screenshots."""
    import io

    import numpy as np
    from PIL import Image
    from playwright.sync_api import sync_playwright

    from gridmap.ui.map_labels import LABEL_STYLE

    def levels_drawn(png: bytes) -> dict[str, int]:
        rgb = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)
        return {
            level: int((np.abs(rgb - np.array(colour)).max(axis=-1) <= 6).sum())
            for level, (_, colour) in LABEL_STYLE.items()
        }

    seen: list[dict[str, int]] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(served_named)
        page.locator(IDLE).wait_for(state="attached", timeout=60_000)
        chart = page.get_by_test_id("stDeckGlJsonChart")
        chart.locator("canvas#deckgl-overlay").wait_for(state="visible", timeout=30_000)
        box = chart.locator("#view-default-view").bounding_box()
        assert box is not None
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        for _step in range(8):  # about one zoom level a step, out from the block (zoom ~17)
            for _ in range(15):  # until the names of this zoom are drawn (fonts, atlas)
                drawn = levels_drawn(chart.screenshot())
                if max(drawn.values()) > 40:
                    break
                page.wait_for_timeout(200)
            seen.append(drawn)
            if drawn["district"] > 40:
                break
            page.mouse.wheel(0, 400)
            page.wait_for_timeout(300)
        browser.close()
    shown = [[lv for lv, n in d.items() if n > 40] for d in seen]
    assert all(len(levels) == 1 for levels in shown), shown  # never two levels at once
    order = [levels[0] for levels in shown]
    assert order[0] == "community" and order[-1] == "district", shown
    assert "street" in order, shown
    # Street names only between the two: closer than the districts', farther than communities'.
    first, last = order.index("street"), len(order) - 1 - order[::-1].index("street")
    assert set(order[first : last + 1]) == {"street"}
    assert set(order[:first]) == {"community"} and set(order[last + 1 :]) == {"district"}


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


def test_names_that_would_cover_each_other_wait_for_a_closer_zoom() -> None:
    import numpy as np

    from gridmap.ui.map_labels import label_bands, label_min_zooms

    # Largest first: 城关区 shows from zoom 8; 七里河区, 900 m away, only once the two names
    # are apart on the screen; 安宁区, 27 km away, at once.
    lon = np.array([103.800, 103.810, 104.100])
    zooms = label_min_zooms(
        lon, np.full(3, 36.05), ["城关区", "七里河区", "安宁区"], 18, from_zoom=8
    )
    assert zooms[0] == zooms[2] == 8 and zooms[1] > 12
    # At the zoom it shows from, its box and 城关区's no longer overlap (in deck.gl pixels).
    px = 900 * 512 * 2 ** zooms[1] / 40_075_016 / np.cos(np.radians(36.05))
    assert px >= (3 + 4) * 18 / 2 + 8 - 0.5
    # A name on top of another never shows.
    same = label_min_zooms(lon[[0, 0]], np.full(2, 36.05), ["甲", "乙"], 18)
    assert np.isinf(same[1])
    # Bands follow the units' sizes: smaller units' names from closer zooms, never overlapping.
    bands = label_bands({"district": 20_000.0, "street": 3_000.0, "community": 3_000.0})
    assert bands["district"][0] == 0 and bands["community"][1] is None
    assert bands["district"][1] == bands["street"][0] < bands["street"][1] == bands["community"][0]
    assert label_bands({"street": 3_000.0}) == {"street": (0.0, None)}  # the top level present
    assert label_bands({}) == {}  # no admin layer: no names (and no error)


def test_rank_numbers_on_neighbouring_grids_are_moved_apart() -> None:
    import numpy as np

    from gridmap.ui.map_list import _pixel_offsets

    lon = np.array([103.800, 103.8001, 103.8002, 103.900])
    lat = np.full(4, 36.05)
    offsets = _pixel_offsets(lon, lat, 11.0)
    assert offsets[0] == [0.0, 0.0] and offsets[3] == [0.0, 0.0]  # far apart: unmoved
    assert 0 < offsets[1][0] < offsets[2][0]  # a row: 1, 2, 3


def test_districts_are_named_when_no_community_places_the_grids(tmp_path: Path) -> None:
    """Police sectors as grids with their precincts as districts (New York's files): the
    grids sit in no community, so none 'holds' a district; every district is still named."""
    import geopandas as gpd
    from shapely import box

    from gridmap.importing import import_file
    from gridmap.ui.map_labels import place_labels

    from ..builders import ORIGIN, UTM48N, squares_2x2

    squares_2x2().to_file(tmp_path / "grids.gpkg", driver="GPKG")
    x, y = ORIGIN
    precincts = gpd.GeoDataFrame(
        {"code": ["13", "14"], "name": ["13 分局", "14 分局"], "level": "district"},
        geometry=[
            box(x - 1000, y - 500, x + 100, y + 700),
            box(x + 100, y - 500, x + 1200, y + 700),
        ],
        crs=UTM48N,
    ).to_crs(4326)
    precincts.to_file(tmp_path / "precincts.geojson", driver="GeoJSON")
    ws = str(tmp_path / "ws.gpkg")
    import_file(ws, "grids", tmp_path / "grids.gpkg")
    import_file(ws, "admin", tmp_path / "precincts.geojson", crs="wgs84")
    names = sorted(r["text"] for layer in place_labels(ws, None) for r in place_label_rows(layer))
    assert names == ["13 分局", "14 分局"]
