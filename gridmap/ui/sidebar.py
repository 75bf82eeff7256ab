"""The shared sidebar: language, synthetic badge, area scope, time window, categories, classes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import streamlit as st

from .. import schema
from ..analytics.filters import default_window, incident_filter
from ..analytics.incidents import IncidentFilter
from ..hierarchy import Hierarchy
from ..i18n import LANGS, t
from ..store import Workspace
from . import state
from .auth import logout_button, user_area
from .data import load_hierarchy, load_incidents, load_info, workspace_exists

__all__ = ["Scope", "lang", "sidebar"]

DEFAULT_WINDOW_DAYS = 90


@dataclass(frozen=True)
class Scope:
    """What every page shows: the area (an admin code, None for the whole city) and filter."""

    area: str | None
    incidents: IncidentFilter
    synthetic: bool


def lang() -> str:
    value = st.session_state.get(state.KEY_LANG, "zh")
    return value if value in LANGS else "zh"


def _reset(*keys: str) -> None:
    for key in keys:
        st.session_state.pop(key, None)


_LEVELS = (
    ("district", state.KEY_DISTRICT),
    ("street", state.KEY_STREET),
    ("community", state.KEY_COMMUNITY),
)


def _area_select(h: Hierarchy, L: str, root: str | None = None) -> str | None:
    """District → street → community below ``root`` (None: the whole city).

    A level without units under the current choice is skipped, so a workspace without
    streets (or districts) still offers its communities; a user limited to ``root`` picks
    only below it.
    """
    if root is not None and root not in h.levels:
        root = None
    if root is not None:
        st.caption(t("auth.scope", L, area=h.name(root)))
    everything = t("scope.all", L)

    def fmt(code: str | None) -> str:
        return everything if code is None else h.name(code)

    below = [lv for lv, _ in _LEVELS]
    start = below.index(h.levels[root]) + 1 if root is not None and h.levels[root] in below else 0
    if root is not None and h.levels[root] not in below:
        return root  # a city-wide or grid-level area: nothing to choose below it
    current = root
    for i in range(start, len(_LEVELS)):
        level, key = _LEVELS[i]
        options = h.children(current, level)
        # The district box stays (empty) in a city-wide view, so the area is always offered.
        if not options and not (current is None and i == 0):
            continue
        choices: list[str | None] = [None, *options]
        picked = st.selectbox(
            t(f"scope.{level}", L),
            choices,
            format_func=fmt,
            placeholder=everything,
            key=key,
            on_change=_reset,
            args=tuple(k for _, k in _LEVELS[i + 1 :]),
        )
        if picked is None:
            if options:
                break
            continue
        current = picked
    return current


def _window(first: dt.date, last: dt.date, L: str) -> tuple[dt.date, dt.date]:
    default = default_window(last, DEFAULT_WINDOW_DAYS, first=first)
    value = st.date_input(
        t("window", L),
        value=default,
        min_value=first,
        max_value=last,
        key=state.KEY_WINDOW,
        format="YYYY-MM-DD",
    )
    # While the user is picking, the widget holds only the start date.
    if isinstance(value, tuple) and len(value) == 2:
        return value[0], value[1]
    start = value[0] if isinstance(value, tuple) and value else default[0]
    return start, last


def sidebar(path: str) -> Scope | None:
    """Draw the sidebar; returns the scope, or None when the workspace is missing."""
    with st.sidebar:
        st.radio(
            "语言 / Language",
            LANGS,
            key=state.KEY_LANG,
            horizontal=True,
            format_func=lambda v: "中文" if v == "zh" else "English",
        )
        L = lang()
        if not workspace_exists(path):
            return None
        logout_button(path, L)
        info = load_info(path)
        synthetic = bool(info["synthetic"])
        if synthetic:
            st.warning(t("synthetic.badge", L), icon=":material/science:")
        h = load_hierarchy(path)
        area = _area_select(h, L, user_area(path))
        table = load_incidents(path)
        today = dt.date.today()
        first, last = table.time_range or (today - dt.timedelta(days=365), today)
        start, end = _window(first, last, L)
        categories = st.multiselect(
            t("categories", L),
            [*schema.CATEGORIES.codes, schema.UNCLASSIFIED.code],
            key=state.KEY_CATEGORIES,
            placeholder=t("all", L),
            format_func=lambda c: schema.CATEGORIES.label(c, L),
        )
        classes = st.multiselect(
            t("handling_classes", L),
            list(schema.HANDLING_CLASSES.codes),
            key=state.KEY_CLASSES,
            placeholder=t("all", L),
            format_func=lambda c: schema.HANDLING_CLASSES.label(c, L),
        )
        stages = st.multiselect(
            t("stages", L),
            list(schema.WORKFLOW_STAGES.codes),
            key=state.KEY_STAGES,
            placeholder=t("all", L),
            format_func=lambda c: schema.WORKFLOW_STAGES.label(c, L),
            help=t("stages.help", L),
        )
        st.caption(t("no.basemap", L))
    # The same reading of the choices as the command line's --since/--until/--category/--stage.
    flt = incident_filter(
        since=start,
        until=end,
        categories=categories,
        handling_classes=classes,
        stages=stages,
        grid_codes=h.grids_under(area),
        last=last,
        default_days=DEFAULT_WINDOW_DAYS,
    )
    return Scope(area, flt, synthetic)


def set_area(district: str | None, street: str | None, community: str | None) -> None:
    st.session_state[state.KEY_DISTRICT] = district
    st.session_state[state.KEY_STREET] = street
    st.session_state[state.KEY_COMMUNITY] = community
    st.session_state.pop(state.KEY_SELECTED_GRID, None)


def scope_to(h: Hierarchy, code: str) -> None:
    """Make the admin unit ``code`` the sidebar's area (its district and street too)."""
    by_level = {h.levels.get(c): c for c in h.chain(code)}
    set_area(by_level.get("district"), by_level.get("street"), by_level.get("community"))


def scope_breadcrumbs(h: Hierarchy, area: str | None, L: str) -> None:
    """全市 › 区 › 街道 › 社区 as buttons: one click goes back up the hierarchy."""
    chain = [c for c in (h.chain(area) if area else []) if h.levels.get(c) != "city"]
    crumbs: list[tuple[str, tuple[str | None, str | None, str | None]]] = [
        (t("scope.city", L), (None, None, None))
    ]
    levels: list[str | None] = [None, None, None]
    for code in chain:
        level = h.levels.get(code)
        if level in ("district", "street", "community"):
            levels[("district", "street", "community").index(level)] = code
            crumbs.append((h.name(code), (levels[0], levels[1], levels[2])))
    cols = st.columns(len(crumbs) + 2, gap="small")
    for i, (col, (label, target)) in enumerate(zip(cols, crumbs, strict=False)):
        last = i == len(crumbs) - 1
        col.button(
            label,
            key=f"crumb_scope_{i}",
            disabled=last,
            on_click=set_area,
            args=target,
            width="stretch",
        )


def page_scope() -> tuple[str, Scope, str]:
    """Start a page: draw the shared sidebar; stop with a clear message without a workspace."""
    from .data import workspace_path

    path = workspace_path()
    scope = sidebar(path)
    L = lang()
    if scope is None:
        st.error(t("no.workspace", L, path=Workspace(path).name))
        st.stop()
    assert scope is not None
    return path, scope, L
