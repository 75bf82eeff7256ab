"""The sidebar builds its incident filter as ``gridmap risk --since/--until/--category/--stage``
does: the same choices give the same filter (gridmap.analytics.filters is the one reading)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from gridmap import schema
from gridmap.cli import build_parser
from gridmap.cli._common import incident_window
from gridmap.loading import load_incident_table
from gridmap.store import open_workspace
from gridmap.ui import keys

from ..builders import ROOT

SCOPE = "test_sidebar_scope"


def _sidebar_only() -> None:
    """A page of nothing but the shared sidebar; its scope is kept for the test."""
    import os

    import streamlit as st

    from gridmap.ui.sidebar import sidebar

    st.session_state["test_sidebar_scope"] = sidebar(os.environ["GRIDMAP_WORKSPACE"])


def test_the_sidebar_and_the_cli_make_the_same_filter(
    busy_workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GRIDMAP_WORKSPACE", str(busy_workspace))
    monkeypatch.chdir(ROOT)
    at = AppTest.from_function(_sidebar_only, default_timeout=60)
    at.session_state[keys.KEY_WINDOW] = (dt.date(2025, 3, 1), dt.date(2025, 6, 30))
    at.run()
    at.sidebar.multiselect(key=keys.KEY_CATEGORIES).set_value(["work_safety"]).run()
    at.sidebar.multiselect(key=keys.KEY_STAGES).set_value([schema.CLOSED_AT]).run()
    assert not at.exception
    from_sidebar = at.session_state[SCOPE].incidents

    argv = ["risk", str(busy_workspace), "--since", "2025-03-01", "--until", "2025-06-30"]
    argv += ["--category", "work_safety", "--stage", schema.CLOSED_AT]
    table = load_incident_table(open_workspace(str(busy_workspace)))
    from_cli = incident_window(build_parser().parse_args(argv), table, 90)
    assert from_sidebar == from_cli
    assert from_cli.categories == ("work_safety",) and from_cli.stages == (schema.CLOSED_AT,)
