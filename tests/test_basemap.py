"""Basemap: offline by default, a configured intranet tile server otherwise."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gridmap.basemap import OFFLINE_STYLE, map_style


def test_offline_by_default(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("GRIDMAP_BASEMAP_URL", raising=False)
    assert map_style(tmp_path) == OFFLINE_STYLE
    assert not (tmp_path / "basemap.json").exists()


def test_configured_tile_server(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("GRIDMAP_BASEMAP_URL", "http://10.0.0.5/tiles/{z}/{x}/{y}.png")
    assert map_style(tmp_path) == "/app/static/basemap.json"
    style = json.loads((tmp_path / "basemap.json").read_text(encoding="utf-8"))
    assert style["sources"]["basemap"]["tiles"] == ["http://10.0.0.5/tiles/{z}/{x}/{y}.png"]
