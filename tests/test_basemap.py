"""Basemap: offline by default, a configured intranet tile server otherwise."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from gridmap.basemap import OFFLINE_STYLE, map_style
from gridmap.config import Environment
from gridmap.errors import GridmapError


def test_offline_by_default(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("GRIDMAP_BASEMAP_URL", raising=False)
    assert map_style(tmp_path) == OFFLINE_STYLE
    assert not (tmp_path / "basemap.json").exists()


def test_configured_tile_server(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The deployment's variable, read at the edge (as gridmap.ui.settings does), draws tiles."""
    monkeypatch.setenv("GRIDMAP_BASEMAP_URL", "http://10.0.0.5/tiles/{z}/{x}/{y}.png")
    env = Environment.from_environ(os.environ)
    assert map_style(tmp_path, url=env.basemap_url) == "/app/static/basemap.json"
    style = json.loads((tmp_path / "basemap.json").read_text(encoding="utf-8"))
    assert style["sources"]["basemap"]["tiles"] == ["http://10.0.0.5/tiles/{z}/{x}/{y}.png"]


def test_the_url_is_passed_in_not_read_deep(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Given a URL (even empty: not configured), map_style ignores the environment."""
    monkeypatch.setenv("GRIDMAP_BASEMAP_URL", "http://elsewhere/{z}/{x}/{y}.png")
    assert map_style(tmp_path, url="") == OFFLINE_STYLE
    url = "http://10.0.0.5/tiles/{z}/{x}/{y}.png"
    assert map_style(tmp_path, url=url, attribution="© 测绘院") == "/app/static/basemap.json"
    style = json.loads((tmp_path / "basemap.json").read_text(encoding="utf-8"))
    assert style["sources"]["basemap"]["tiles"] == [url]
    assert style["sources"]["basemap"]["attribution"] == "© 测绘院"


def test_settings_are_read_at_the_edge(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Environment.from_environ({}) == Environment()
    env = Environment.from_environ(
        {
            "GRIDMAP_BASEMAP_URL": " http://t/{z}/{x}/{y}.png ",
            "GRIDMAP_BASEMAP_ATTRIBUTION": "tiles",
            "GRIDMAP_CJK_FONT": "/fonts/song.ttf",
        }
    )
    assert env == Environment("http://t/{z}/{x}/{y}.png", "tiles", "/fonts/song.ttf")
    from gridmap.ui import settings

    monkeypatch.setenv("GRIDMAP_CJK_FONT", "/fonts/kai.ttf")
    monkeypatch.delenv("GRIDMAP_BASEMAP_URL", raising=False)
    assert settings.cjk_font() == "/fonts/kai.ttf"
    assert settings.map_base().style_url == OFFLINE_STYLE


# --- a workspace's own base map: `gridmap basemap` (#13 item 9) -----------------------------
#: A box around the 2x2 test block (tests/builders.py: ORIGIN, about 36.03 N 102.78 E).
BLOCK_BOUNDS = (102.70, 35.98, 102.86, 36.09)


def block_mbtiles(path: Path) -> Path:
    """A small MBTiles (zoom 10-12, a few tiles) covering the 2x2 test block."""
    from .test_tiles import file_tiles, make_mbtiles

    bounds = ",".join(str(v) for v in BLOCK_BOUNDS)
    return make_mbtiles(path, meta={"bounds": bounds}, tiles=file_tiles(BLOCK_BOUNDS))


def test_extent_is_rounded_outward() -> None:
    import geopandas as gpd
    import shapely

    from gridmap.basemap import extent_bounds

    frame = gpd.GeoSeries([shapely.box(102.7801, 36.0340, 102.7824, 36.0359)])
    assert extent_bounds(frame) == (102.78, 36.03, 102.79, 36.04)
    with pytest.raises(GridmapError, match="nothing to cover"):
        extent_bounds(gpd.GeoSeries([], dtype="geometry"))


def test_extract_options_default_and_stored() -> None:
    from gridmap.basemap import EXTRACT_META_KEY, extract_options

    assert extract_options({}) == (16, 20_000)
    assert extract_options({EXTRACT_META_KEY: '{"max_zoom": 12, "max_tiles": 50}'}) == (12, 50)
    assert extract_options({EXTRACT_META_KEY: "not json"}) == (16, 20_000)


def test_cli_sets_prepares_and_clears_the_base_map(
    workspace: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import gridmap.basemap
    from gridmap import tiles
    from gridmap.cli import main
    from gridmap.security import AuditLog
    from gridmap.store import open_workspace

    static = tmp_path / "static"
    monkeypatch.setattr(gridmap.basemap, "STATIC_DIR", static)
    mbtiles = block_mbtiles(tmp_path / "城区.mbtiles")
    code = main(
        ["basemap", workspace, "--file", str(mbtiles), "--crs", "gcj02", "--max-zoom", "11"]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert "extracted" in out and "tiles" in out
    meta = open_workspace(workspace).meta()
    source = tiles.source_from_meta(meta)
    assert source is not None
    assert (source.kind, source.crs, Path(source.location).name) == (
        "mbtiles",
        "gcj02",
        "城区.mbtiles",
    )
    assert json.loads(meta["basemap_extract"]) == {"max_zoom": 11, "max_tiles": 20_000}
    written = sorted(p.relative_to(static).parts[2] for p in (static / "tiles").rglob("*.png"))
    assert written and set(written) <= {"10", "11"}  # zoom 12 left out by --max-zoom
    assert len(list((static / "basemaps").glob("*.json"))) == 1
    assert AuditLog(workspace).read()["action"].iloc[-1] == "basemap"

    # A file that is not a tile file fails at once and leaves the setting as it was.
    bad = tmp_path / "notes.mbtiles"
    bad.write_text("not tiles", encoding="utf-8")
    assert main(["basemap", workspace, "--file", str(bad)]) == 2
    assert "not a tile file" in capsys.readouterr().err
    assert tiles.source_from_meta(open_workspace(workspace).meta()) == source

    assert main(["basemap", workspace, "--none", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"basemap": None}
    assert tiles.source_from_meta(open_workspace(workspace).meta()) is None


def test_cli_url_source_needs_no_extraction(
    workspace: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import gridmap.basemap
    from gridmap import tiles
    from gridmap.cli import main
    from gridmap.store import open_workspace

    monkeypatch.setattr(gridmap.basemap, "STATIC_DIR", tmp_path / "static")
    url = "http://10.1.2.3/tiles/{z}/{x}/{y}.png"
    assert main(["basemap", workspace, "--url", url, "--attribution", "测绘院", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["tiles"] is None and result["style_url"].startswith("/app/static/basemaps/")
    source = tiles.source_from_meta(open_workspace(workspace).meta())
    assert source is not None and source.location == url and source.attribution == "测绘院"
