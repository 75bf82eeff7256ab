"""Streamlit glue: the only package that imports streamlit.

Session-state keys are constants here so tests address widgets by key; loaders cache data
by value, keyed by the workspace path and its modification time (a new import invalidates).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import geopandas as gpd
import streamlit as st

from ..i18n import LANGS, t
from ..store.gpkg import Workspace
from ..store.info import workspace_info

__all__ = ["KEY_LANG", "KEY_MAP", "lang", "load_info", "load_layer", "sidebar", "workspace_path"]

KEY_LANG = "lang"
KEY_MAP = "workspace_map"
DEFAULT_WORKSPACE = "workspace/lanzhou.gpkg"


def workspace_path() -> Path:
    """The workspace given by ``gridmap serve`` (GRIDMAP_WORKSPACE), else the default."""
    return Path(os.environ.get("GRIDMAP_WORKSPACE", DEFAULT_WORKSPACE)).resolve()


def _stamp(path: Path) -> float:
    return path.stat().st_mtime if path.exists() else 0.0


@st.cache_data(show_spinner=False, max_entries=8)
def _info(path: str, stamp: float) -> dict[str, Any]:
    return workspace_info(path)


@st.cache_data(show_spinner=False, max_entries=16)
def _layer(path: str, stamp: float, layer: str) -> gpd.GeoDataFrame:
    ws = Workspace(path)
    return ws.read_grids() if layer == "grids" else ws.read_layer(layer)


def load_info(path: Path) -> dict[str, Any]:
    return _info(str(path), _stamp(path))


def load_layer(path: Path, layer: str) -> gpd.GeoDataFrame:
    return _layer(str(path), _stamp(path), layer)


def lang() -> str:
    value = st.session_state.get(KEY_LANG, "zh")
    return value if value in LANGS else "zh"


def sidebar() -> None:
    """The shared sidebar: language (中文 default, English)."""
    with st.sidebar:
        st.radio(
            "语言 / Language",
            LANGS,
            key=KEY_LANG,
            horizontal=True,
            format_func=lambda v: "中文" if v == "zh" else "English",
        )
        st.caption(t("no.basemap", lang()))
