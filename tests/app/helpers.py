"""Helpers of the app tests: the app under AppTest, its deck.gl layers, the Data page.

Widgets are addressed through the key constants of :mod:`gridmap.ui.keys`, as the app
creates them; fixtures (``served``) live in ``tests/app/conftest.py``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from gridmap.store import Workspace
from gridmap.ui import keys
from gridmap.ui.upload import stash_bytes

from ..builders import ROOT, require, whole_year
from .server import CHROMIUM, running_app

APP = ROOT / "app.py"


def app_for(ws: Path, monkeypatch: pytest.MonkeyPatch, *, year: int | None = None) -> AppTest:
    """The app on ``ws``; with ``year``, the time window is that whole year."""
    monkeypatch.setenv("GRIDMAP_WORKSPACE", str(ws))
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(APP), default_timeout=60)
    if year is not None:
        at.session_state[keys.KEY_WINDOW] = whole_year(year)
    return at


def serve_or_skip(ws: Path) -> Iterator[str]:
    """``ws`` served on a free port, for a Chromium fixture to ``yield from`` (skipped
    without Chromium, failed when CI requires it)."""
    if not Path(CHROMIUM).exists():
        if require("GRIDMAP_REQUIRE_BROWSER"):
            pytest.fail(f"Chromium not found at {CHROMIUM} (required in CI)")
        pytest.skip("Chromium not installed")
    with running_app(ws) as url:
        yield url


def click_chart(page: Any, chart: Any, fx: float, fy: float, pause_ms: int = 800) -> None:
    """In a real browser, hover over and then click the point at fractions ``fx``, ``fy``
    (from the top left) of a deck.gl ``chart``'s map view."""
    box = chart.locator("#view-default-view").bounding_box()
    assert box is not None
    x, y = box["x"] + box["width"] * fx, box["y"] + box["height"] * fy
    page.mouse.move(x, y)
    page.wait_for_timeout(pause_ms)
    page.mouse.click(x, y)


def page_html(at: AppTest) -> str:
    """Every markdown block of the page, one per line (the HTML the page writes)."""
    return "\n".join(m.value for m in at.markdown)


def opened(
    ws: Path, monkeypatch: pytest.MonkeyPatch, *, year: int | None = None, lang: str | None = None
) -> AppTest:
    """The app on ``ws`` (see :func:`app_for`, in ``lang`` when given) run once, without an
    exception: its first page, the map."""
    at = app_for(ws, monkeypatch, year=year)
    if lang is not None:
        at.session_state[keys.KEY_LANG] = lang
    at.run()
    assert not at.exception
    return at


def page_for(
    ws: Path,
    monkeypatch: pytest.MonkeyPatch,
    page: str,
    *,
    year: int | None = None,
    lang: str | None = None,
) -> AppTest:
    """The app on ``ws`` run, then switched to ``page`` (a script under app_pages/) and run
    without an exception; ``year`` and ``lang`` as set before the first run."""
    at = opened(ws, monkeypatch, year=year, lang=lang)
    at.switch_page(page).run()
    assert not at.exception
    return at


def cockpit_for(
    ws: Path, monkeypatch: pytest.MonkeyPatch, *, year: int = 2025, lang: str | None = None
) -> AppTest:
    """The cockpit page on ``ws`` over the whole ``year`` (in ``lang`` when given), run."""
    return page_for(ws, monkeypatch, "app_pages/cockpit.py", year=year, lang=lang)


def deck_layers(at: AppTest, index: int = 0) -> dict[str, dict]:
    """The layers of the page's ``index``-th deck.gl chart, by layer id."""
    spec = json.loads(at.get("deck_gl_json_chart")[index].proto.json)
    return {layer["id"]: layer for layer in spec["layers"]}


def data_page(ws: Path, monkeypatch: pytest.MonkeyPatch, section: str = "import") -> AppTest:
    """The Data page on ``ws``, open at ``section`` (when the workspace exists)."""
    at = page_for(ws, monkeypatch, "app_pages/workspace.py")
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
