"""Helpers of the app tests: the app under AppTest, its deck.gl layers, the Data page.

Widgets are addressed through the key constants of :mod:`gridmap.ui.keys`, as the app
creates them; fixtures (``served``) live in ``tests/app/conftest.py``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from gridmap.store import Workspace
from gridmap.ui import keys
from gridmap.ui.upload import stash_bytes

from ..builders import ROOT, whole_year

APP = ROOT / "app.py"


def app_for(ws: Path, monkeypatch: pytest.MonkeyPatch, *, year: int | None = None) -> AppTest:
    """The app on ``ws``; with ``year``, the time window is that whole year."""
    monkeypatch.setenv("GRIDMAP_WORKSPACE", str(ws))
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(APP), default_timeout=60)
    if year is not None:
        at.session_state[keys.KEY_WINDOW] = whole_year(year)
    return at


def deck_layers(at: AppTest, index: int = 0) -> dict[str, dict]:
    """The layers of the page's ``index``-th deck.gl chart, by layer id."""
    spec = json.loads(at.get("deck_gl_json_chart")[index].proto.json)
    return {layer["id"]: layer for layer in spec["layers"]}


def data_page(ws: Path, monkeypatch: pytest.MonkeyPatch, section: str = "import") -> AppTest:
    """The Data page on ``ws``, open at ``section`` (when the workspace exists)."""
    at = app_for(ws, monkeypatch).run()
    at.switch_page("app_pages/workspace.py").run()
    assert not at.exception
    if Workspace(str(ws)).exists:
        at.radio(key=keys.KEY_DATA_SECTION).set_value(section).run()
    return at


def give_file(at: AppTest, path: Path, kind: str, tmp: Path, name: str | None = None) -> None:
    """Hand the Data page's import the file at ``path`` as a ``kind`` layer (as an upload)."""
    at.selectbox(key=keys.KEY_DATA_KIND).set_value(kind).run()
    at.session_state[keys.KEY_DATA_FILE] = stash_bytes(
        name or path.name, path.read_bytes(), kind, root=tmp / "uploads"
    )
    at.run()
    assert not at.exception
