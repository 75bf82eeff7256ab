"""Rebalance page glue: the cached problem, the edit session in session state, the map.

A planner works on one community at a time (a grid never leaves its community). The
:class:`~gridmap.analytics.rebalance.EditSession` lives in ``st.session_state`` under a key
that names the workspace file, the community and the balanced measure, so switching
community or measure starts a fresh session.

The measure (households, population or workload, :data:`KEY_REBALANCE_MEASURE`) defaults
to households, or to workload when the grids carry no household counts
(:func:`default_measure`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pydeck as pdk
import shapely
import streamlit as st

from .. import schema, versions
from ..analytics import rebalance as rb
from ..crs import to_metric
from ..hierarchy import grid_suffix
from ..store import Workspace
from ..viz import geojson_payload, label_layer, view_for
from . import keys
from .data import _stamp

__all__ = [
    "KEY_REBALANCE_MEASURE",
    "PALETTE",
    "Editing",
    "assignment_csv",
    "clear_session",
    "community_overview",
    "default_measure",
    "get_session",
    "load_problem",
    "mark_saved",
    "put_session",
    "redraw_locked",
    "session_key",
    "session_since",
    "unit_layers",
]

#: Widget key of the page's measure selectbox (households / population / workload).
KEY_REBALANCE_MEASURE = keys.KEY_REBALANCE_MEASURE

#: Distinct fills for the grids of one community (Tableau 10), cycled when there are more.
PALETTE: tuple[tuple[int, int, int], ...] = (
    (31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189),
    (140, 86, 75), (227, 119, 194), (127, 127, 127), (188, 189, 34), (23, 190, 207),
)  # fmt: skip


@dataclass(frozen=True)
class Editing:
    """Which edit session the page shows, and how it speaks.

    Attributes
    ----------
    path
        The workspace.
    community
        The community code being edited (a grid never leaves its community).
    band
        One band for every grid, or None for each community's own.
    measure
        The balanced measure (:data:`~gridmap.analytics.workload.MEASURES`).
    L
        The page's language.
    """

    path: str
    community: str
    band: tuple[int, int] | None
    measure: str
    L: str

    def session(self) -> rb.EditSession:
        return get_session(self.path, self.community, self.band, self.measure)

    def put(self, session: rb.EditSession) -> None:
        put_session(self.path, self.community, self.band, session, self.measure)


@st.cache_resource(show_spinner=False, max_entries=8)
def _problem(
    path: str, stamp: float, community: str, band: tuple[int, int] | None, measure: str
) -> rb.Problem:
    return versions.load_problem(Workspace(path), scope=community, band=band, measure=measure)


def load_problem(
    path: str, community: str, band: tuple[int, int] | None, measure: str = "households"
) -> rb.Problem:
    """The units, grids and loads of one community (cached per workspace version)."""
    return _problem(str(path), _stamp(path), community, band, measure)


@st.cache_data(show_spinner=False, max_entries=8)
def _default_measure(path: str, stamp: float) -> str:
    from ..analytics.workload import default_measure as by_households

    grids = Workspace(path).read_grids()
    return by_households(grids.get(schema.HOUSEHOLDS, []))


def default_measure(path: str) -> str:
    """``households``, or ``workload`` when the grids in force have no household counts."""
    return _default_measure(str(path), _stamp(path))


@st.cache_data(show_spinner=False, max_entries=8)
def _communities(path: str, stamp: float, scope: str | None, measure: str) -> pd.DataFrame:
    problem = versions.load_problem(Workspace(path), scope=scope, measure=measure)
    return rb.community_table(rb.base_plan(problem))


def community_overview(path: str, scope: str | None, measure: str = "households") -> pd.DataFrame:
    """Diagnostics of every community under ``scope`` (a street or district code)."""
    return _communities(str(path), _stamp(path), scope, measure)


def session_key(
    path: str, community: str, band: tuple[int, int] | None, measure: str = "households"
) -> str:
    # Not keyed by the file's modification time: another planner's save must not wipe this
    # planner's unsaved edits; the save is checked for conflicts instead.
    return f"{path}|{community}|{band}|{measure}"


def get_session(
    path: str, community: str, band: tuple[int, int] | None, measure: str = "households"
) -> rb.EditSession:
    """This community's edit session, started on the grids in force if there is none."""
    sessions: dict[str, rb.EditSession] = st.session_state.setdefault(
        keys.KEY_REBALANCE_SESSIONS, {}
    )
    key = session_key(path, community, band, measure)
    if key not in sessions:
        started: dict[str, int] = st.session_state.setdefault(keys.KEY_REBALANCE_SINCE, {})
        # Read the version before the grids: a save racing with this load counts as a conflict.
        started[key] = Workspace(path).latest_version()
        sessions[key] = rb.start_session(load_problem(path, community, band, measure))
    return sessions[key]


def session_since(
    path: str, community: str, band: tuple[int, int] | None, measure: str = "households"
) -> int | None:
    """The newest version when this session started (for the conflict check)."""
    since: dict[str, int] = st.session_state.get(keys.KEY_REBALANCE_SINCE, {})
    return since.get(session_key(path, community, band, measure))


def mark_saved(
    path: str,
    community: str,
    band: tuple[int, int] | None,
    version: int,
    measure: str = "households",
) -> None:
    """After this planner's own save, later saves compare against it, not the start."""
    st.session_state.setdefault(keys.KEY_REBALANCE_SINCE, {})[
        session_key(path, community, band, measure)
    ] = version


def put_session(
    path: str,
    community: str,
    band: tuple[int, int] | None,
    session: rb.EditSession,
    measure: str = "households",
) -> None:
    st.session_state[keys.KEY_REBALANCE_SESSIONS][session_key(path, community, band, measure)] = (
        session
    )


def clear_session(
    path: str, community: str, band: tuple[int, int] | None, measure: str = "households"
) -> None:
    st.session_state.get(keys.KEY_REBALANCE_SESSIONS, {}).pop(
        session_key(path, community, band, measure), None
    )


def assignment_csv(ws: Workspace, version: int) -> bytes:
    """The unit -> grid table of a version (what `gridmap plan export` writes), UTF-8 + BOM."""
    table = rb.assignment_frame(rb.base_plan(versions.load_problem(ws, version=version)))
    return table.to_csv(index=False).encode("utf-8-sig")


def redraw_locked(session: rb.EditSession, community: str) -> rb.Plan:
    """A whole-community redraw that keeps to the locks set on the page, not only the stored
    ones."""
    problem = session.plan.problem
    locks = np.isin(np.asarray(problem.grid_codes, dtype=object), list(session.locked))
    return rb.redraw(dataclasses.replace(problem, locked=locks), community)


def _colour(i: int) -> list[int]:
    return list(PALETTE[i % len(PALETTE)])


def unit_layers(
    plan: rb.Plan, selected: set[str], *, before: bool = False
) -> tuple[list[pdk.Layer], pdk.ViewState]:
    """Units filled by their grid's colour (clickable), selected units outlined, and each
    grid's sequence number at the middle of its units."""
    p = plan.problem
    units = p.graph.units
    label = p.base if before else plan.label
    codes = p.grid_codes if before else plan.codes
    grid_of = np.asarray(codes, dtype=object)[label]
    order = {c: i for i, c in enumerate(codes)}
    frame = units[[schema.CODE, "geometry"]].copy()
    frame["grid"] = grid_of
    frame["households"] = p.graph.households
    frame["rgb"] = [[*_colour(order[g]), 150] for g in grid_of]
    frame["line"] = [
        [20, 20, 20, 255] if c in selected else [255, 255, 255, 200] for c in frame[schema.CODE]
    ]
    frame["width"] = [3.5 if c in selected else 0.8 for c in frame[schema.CODE]]
    data = geojson_payload(
        frame,
        properties=[schema.CODE, "grid", "households", "rgb", "line", "width"],
        tolerance_deg=0.00002,
    )
    fill = pdk.Layer(
        "GeoJsonLayer",
        id="units",
        data=data,
        stroked=True,
        filled=True,
        get_fill_color="properties.rgb",
        get_line_color="properties.line",
        get_line_width="properties.width",
        line_width_units="'pixels'",  # quoted: pydeck turns bare strings into accessors
        pickable=True,
        auto_highlight=True,
    )
    # Grid numbers (the last three digits of the code: 001, 002 ...) at their units' middle.
    metric = to_metric(units)
    pts = shapely.get_coordinates(metric.geometry.representative_point().to_crs(4326))
    labels: list[dict[str, Any]] = []
    for g in dict.fromkeys(grid_of.tolist()):
        mine = grid_of == g
        x, y = pts[mine].mean(axis=0)
        labels.append({"position": [round(x, 6), round(y, 6)], "text": grid_suffix(g)})
    text = label_layer("grid-numbers", labels, size=16, halo=(255, 255, 255))
    return [fill, text], view_for(units, width_px=760, height_px=560)
