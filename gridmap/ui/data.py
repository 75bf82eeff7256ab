"""Cached loaders. Data is cached by value keyed by the workspace path and its modification
time (an import replaces the file, so the key changes); the incident arrays and the
hierarchy are read-only indexes and are cached as resources."""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import streamlit as st

from ..analytics.incidents import IncidentTable
from ..hierarchy import Hierarchy, build_hierarchy
from ..loading import load_incident_table
from ..store import Workspace, is_url, workspace_stamp
from ..store.info import workspace_info

__all__ = [
    "MISSING",
    "Timer",
    "dashes",
    "load_hierarchy",
    "load_incidents",
    "load_info",
    "load_layer",
    "versions_table",
    "workspace_exists",
    "workspace_label",
    "workspace_name",
    "workspace_path",
]

log = logging.getLogger("gridmap.ui")
DEFAULT_WORKSPACE = "workspace/lanzhou.gpkg"


def workspace_path() -> str:
    """The workspace given by ``gridmap serve`` (GRIDMAP_WORKSPACE), else the default: an
    absolute file path or a ``postgresql://`` URL."""
    location = os.environ.get("GRIDMAP_WORKSPACE", DEFAULT_WORKSPACE)
    return location if is_url(location) else str(Path(location).resolve())


#: Caches key on it: the file's time, or the database workspace's revision (memoised a second).
_stamp = workspace_stamp


def workspace_exists(path: str) -> bool:
    """Asked on every rerun: answered from the memoised stamp (0 until the first write), not
    by another look at the file or the database."""
    return _stamp(path) > 0


def workspace_label(path: str) -> str:
    """How the page names the workspace: the file name, or the URL without password."""
    return Workspace(path).name if is_url(path) else Path(path).name


def workspace_name(path: str) -> str:
    """The workspace's own name (its file, or its database without password), for a
    workspace not made yet."""
    return Workspace(path).name


@st.cache_data(show_spinner=False, max_entries=8)
def _info(path: str, stamp: float) -> dict[str, Any]:
    return workspace_info(path)


# One shared frame per workspace version, not a copy per call: callers only read it (filter,
# index, join into new frames). Copying the city's grids on every rerun of every session was
# a third of the server's time under load.
@st.cache_resource(show_spinner=False, max_entries=16)
def _layer(path: str, stamp: float, layer: str) -> gpd.GeoDataFrame:
    ws = Workspace(path)
    return ws.read_grids() if layer == "grids" else ws.read_layer(layer)


@st.cache_resource(show_spinner=False, max_entries=4)
def _incidents(path: str, stamp: float) -> IncidentTable:
    return load_incident_table(Workspace(path))


@st.cache_resource(show_spinner=False, max_entries=4)
def _hierarchy(path: str, stamp: float) -> Hierarchy:
    ws = Workspace(path)
    return build_hierarchy(ws.read_layer("admin"), ws.read_grids())


def load_info(path: str) -> dict[str, Any]:
    return _info(str(path), _stamp(path))


def load_layer(path: str, layer: str) -> gpd.GeoDataFrame:
    return _layer(str(path), _stamp(path), layer)


def load_incidents(path: str) -> IncidentTable:
    return _incidents(str(path), _stamp(path))


def load_hierarchy(path: str) -> Hierarchy:
    return _hierarchy(str(path), _stamp(path))


#: What a table shows where a value is missing (Streamlit would show "None").
MISSING = "—"


def dashes(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every missing cell shown as "—" instead of "None" or "nan".

    Columns without a missing value keep their type (numbers stay numbers, sortable); a
    column with gaps becomes text, whole numbers written without a trailing ".0".
    """
    out = frame.copy()
    for col in out.columns:
        values = out[col]
        missing = values.isna()
        if not missing.any():
            continue
        numeric = pd.api.types.is_numeric_dtype(values)
        whole = numeric and bool((values.dropna() % 1 == 0).all())

        def text(v: Any, whole: bool = whole) -> str:
            return f"{int(v):,}" if whole else str(v)

        out[col] = values.map(lambda v, f=text: MISSING if pd.isna(v) else f(v)).astype(object)
    return out


def versions_table(versions: list[dict[str, Any]], lang: str) -> pd.DataFrame:
    """Grid versions as a table in ``lang``: headers and statuses translated, "—" for a
    missing date or note (a draft has no effective date yet)."""
    from ..i18n import t

    cols = ["version", "status", "effective_date", "n_grids", "source", "created_at", "note"]
    frame = pd.DataFrame(versions)
    if frame.empty:
        return pd.DataFrame(columns=[t(f"data.col.{c}", lang) for c in cols[:-1]])
    cols = [c for c in cols if c in frame]
    frame = frame[cols].copy()
    frame["status"] = frame["status"].map(lambda s: t(f"data.status.{s}", lang))
    if "note" in frame and frame["note"].replace("", None).isna().all():
        frame = frame.drop(columns="note")  # an empty column says nothing
    frame = dashes(frame.replace({"": None}))
    frame.columns = [t(f"data.col.{c}", lang) for c in frame.columns]
    return frame


class Timer:
    """Logs how long a page step took, so responsiveness can be measured in the server log."""

    def __init__(self, what: str) -> None:
        self.what = what

    def __enter__(self) -> Timer:
        self.t0 = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.ms = (time.perf_counter() - self.t0) * 1000
        log.info("timing %s %.1f ms", self.what, self.ms)
