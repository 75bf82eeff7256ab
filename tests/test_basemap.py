"""Basemap: offline by default, a configured intranet tile server otherwise."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gridmap.basemap import OFFLINE_STYLE, map_style
from gridmap.config import Environment


def test_offline_by_default(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("GRIDMAP_BASEMAP_URL", raising=False)
    assert map_style(tmp_path) == OFFLINE_STYLE
    assert not (tmp_path / "basemap.json").exists()


def test_configured_tile_server(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("GRIDMAP_BASEMAP_URL", "http://10.0.0.5/tiles/{z}/{x}/{y}.png")
    assert map_style(tmp_path) == "/app/static/basemap.json"
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
    assert settings.style_url() == OFFLINE_STYLE
