"""Streamlit glue: the only package that imports streamlit.

``state`` holds the session-state keys, ``data`` the cached loaders, ``sidebar`` the shared
sidebar and scope, ``cards`` the grid card.
"""

from __future__ import annotations

from .data import (
    Timer,
    load_hierarchy,
    load_incidents,
    load_info,
    load_layer,
    workspace_exists,
    workspace_label,
    workspace_name,
    workspace_path,
)
from .sidebar import Scope, lang, sidebar

__all__ = [
    "Scope",
    "Timer",
    "lang",
    "load_hierarchy",
    "load_incidents",
    "load_info",
    "load_layer",
    "sidebar",
    "workspace_exists",
    "workspace_label",
    "workspace_name",
    "workspace_path",
]
