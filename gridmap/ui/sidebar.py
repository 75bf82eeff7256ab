"""The shared sidebar: language, synthetic badge, area scope, period and window, filters.

Its choices follow the user from page to page and are mirrored in the query string
(:mod:`gridmap.ui.state`). The period presets count back from the data's last day (the
newest incident) as "today", so a workspace whose incidents end in the past still opens on
its last weeks; the caption under the dates says so ("数据截至 2026-10-31").
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import streamlit as st

from .. import schema
from ..analytics.filters import (
    CUSTOM,
    PERIODS,
    incident_filter,
    parse_day,
    period_window,
)
from ..analytics.incidents import (
    CATEGORY_CODES,
    HANDLING_CODES,
    STAGE_CODES,
    IncidentFilter,
)
from ..analytics.this_week import LAST_COMPLETE_MONTH, opening_period
from ..hierarchy import Hierarchy
from ..i18n import LANGS, t
from ..store import Workspace
from . import state
from .auth import logout_button, user_area
from .data import _stamp, load_hierarchy, load_incidents, load_info, workspace_exists

__all__ = ["COCKPIT_PERIOD", "DEFAULT_PERIOD", "Scope", "lang", "sidebar"]

DEFAULT_WINDOW_DAYS = 90
#: The window a page opens on until the user picks one: a code of ``PERIODS``.
DEFAULT_PERIOD = "last-90-days"
#: The cockpit's default: the last complete month (meetings are monthly), resolved against
#: the data's last day by :func:`gridmap.analytics.filters.last_complete_month`.
COCKPIT_PERIOD = LAST_COMPLETE_MONTH


@dataclass(frozen=True)
class Scope:
    """What every page shows: the area (an admin code, None for the whole city) and filter."""

    area: str | None
    incidents: IncidentFilter
    synthetic: bool


def lang() -> str:
    """The session's language; before the sidebar has been drawn, a link's ``?lang=``."""
    if state.KEY_LANG in st.session_state:
        value = st.session_state[state.KEY_LANG]
    else:
        value = st.query_params.get("lang", "zh")
    return value if value in LANGS else "zh"


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
            on_change=state.forget,
            args=tuple(k for _, k in _LEVELS[i + 1 :]),
        )
        if picked is None:
            if options:
                break
            continue
        current = picked
    return current


def _period_picked() -> None:
    st.session_state[state.KEY_PERIOD_CHOSEN] = True


def _dates_picked() -> None:
    # Dates picked by hand are no preset any more.
    st.session_state[state.KEY_PERIOD_CHOSEN] = True
    st.session_state[state.KEY_PERIOD] = CUSTOM


# Asked on every rerun of a page until the user picks a period, by every session: on the
# 一张图 it scans every incident's time (list_period: 2.9 s at 9.7 M incidents), so it is
# decided once per workspace version and shared (a short string, cheap to copy).
@st.cache_data(show_spinner=False, max_entries=16)
def _opening_period(path: str, stamp: float, default: str, last: dt.date) -> str:
    return opening_period(default, load_incidents(path).occurred_s, last)


def _window(
    path: str, first: dt.date, last: dt.date, L: str, default: str
) -> tuple[dt.date, dt.date]:
    """The period presets over the date range; the page's ``default`` until the user picks
    (on month-dated data the newest month rather than a week: :func:`opening_period`)."""
    session = st.session_state
    if not session.get(state.KEY_PERIOD_CHOSEN):
        if state.KEY_PERIOD not in session and state.KEY_WINDOW in session:
            # Dates set before the first run (a test, a page's own code) are a choice.
            session[state.KEY_PERIOD] = CUSTOM
            session[state.KEY_PERIOD_CHOSEN] = True
        else:
            session[state.KEY_PERIOD] = _opening_period(str(path), _stamp(path), default, last)
    if session.get(state.KEY_PERIOD) not in (*PERIODS, CUSTOM):
        session[state.KEY_PERIOD] = CUSTOM
    period = st.pills(
        t("period", L),
        [*PERIODS, CUSTOM],
        key=state.KEY_PERIOD,
        format_func=lambda p: t(f"period.{p}", L),
        on_change=_period_picked,
        help=t("period.help", L),
    )
    if period is None:  # a click on the chosen pill unselects it: keep the dates
        period = CUSTOM
    window = session.get(state.KEY_WINDOW)
    if period != CUSTOM:
        window = period_window(period, last, first=first)
    elif not isinstance(window, tuple) or not window:
        window = period_window(DEFAULT_PERIOD, last, first=first)
    # Dates outside the data (another workspace, an old link) would break the date input.
    session[state.KEY_WINDOW] = tuple(min(max(d, first), last) for d in window)
    value = st.date_input(
        t("window", L),
        min_value=first,
        max_value=last,
        key=state.KEY_WINDOW,
        format="YYYY-MM-DD",
        on_change=_dates_picked,
    )
    st.caption(t("period.asof", L, last=last))
    # While the user is picking, the widget holds only the start date.
    if isinstance(value, tuple) and len(value) == 2:
        return value[0], value[1]
    start = value[0] if isinstance(value, tuple) and value else first
    return start, last


def _codes_from_url(text: str, allowed: tuple[str, ...]) -> list[str] | None:
    """The comma list ``text`` if every code in it is allowed, else None."""
    codes = [c for c in text.split(",") if c]
    return codes if all(c in allowed for c in codes) else None


def _adopt_url(
    url: dict[str, str], h: Hierarchy, first: dt.date, last: dt.date, root: str | None
) -> list[str]:
    """Put a link's choices into the session; the names of those that cannot be used.

    A bad value leaves its choice at the default (the caller warns in one line).
    """
    session, bad = st.session_state, [n for n in ("lang",) if n in url and url[n] not in LANGS]
    if url.get("period") in (*PERIODS, CUSTOM):
        session[state.KEY_PERIOD] = url["period"]
        session[state.KEY_PERIOD_CHOSEN] = True
    elif "period" in url:
        bad.append("period")
    if "since" in url or "until" in url:
        try:
            since: dt.date | None = parse_day(url.get("since")) or first
            until: dt.date | None = parse_day(url.get("until")) or last
        except ValueError:
            since = until = None
        if since is None or until is None or not first <= since <= until <= last:
            bad += [n for n in ("since", "until") if n in url]
        elif session.get(state.KEY_PERIOD, CUSTOM) == CUSTOM:
            session[state.KEY_PERIOD] = CUSTOM
            session[state.KEY_PERIOD_CHOSEN] = True
            session[state.KEY_WINDOW] = (since, until)
    if "area" in url:
        code = url["area"]
        allowed = root is None or code in h.codes_under(root)
        if h.levels.get(code) in ("district", "street", "community") and allowed:
            scope_to(h, code)
        else:
            bad.append("area")
    for name, key, allowed_codes in (
        ("cat", state.KEY_CATEGORIES, CATEGORY_CODES),
        ("class", state.KEY_CLASSES, HANDLING_CODES),
        ("stage", state.KEY_STAGES, STAGE_CODES),
    ):
        if name in url:
            codes = _codes_from_url(url[name], allowed_codes)
            if codes is None:
                bad.append(name)
            else:
                session[key] = codes
    return bad


def _url_of(area: str | None, start: dt.date, end: dt.date, L: str) -> dict[str, str | None]:
    """The query string of the shell's choices (None: the parameter is left out)."""
    session = st.session_state
    period = session.get(state.KEY_PERIOD) or CUSTOM
    custom = period == CUSTOM

    def joined(key: str) -> str | None:
        return ",".join(session.get(key) or []) or None

    return {
        "lang": None if L == "zh" else L,
        "period": period,
        "since": str(start) if custom else None,
        "until": str(end) if custom else None,
        "area": area,
        "cat": joined(state.KEY_CATEGORIES),
        "class": joined(state.KEY_CLASSES),
        "stage": joined(state.KEY_STAGES),
    }


def sidebar(path: str, *, period: str = DEFAULT_PERIOD) -> Scope | None:
    """Draw the sidebar; returns the scope, or None when the workspace is missing.

    ``period`` is the window the page opens on until the user picks one (a code of
    :data:`gridmap.analytics.filters.PERIODS`, or :data:`COCKPIT_PERIOD`).
    """
    url = state.url_once()
    if url.get("lang") in LANGS:
        st.session_state[state.KEY_LANG] = url["lang"]
    state.carry_over()
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
        table = load_incidents(path)
        today = dt.date.today()
        first, last = table.time_range or (today - dt.timedelta(days=365), today)
        root = user_area(path)
        bad = _adopt_url(url, h, first, last, root) if url else []
        if bad:
            st.warning(t("url.bad", L, names=", ".join(bad)), icon=":material/link_off:")
        area = _area_select(h, L, root)
        start, end = _window(path, first, last, L, period)
        categories = st.multiselect(
            t("categories", L),
            list(CATEGORY_CODES),
            key=state.KEY_CATEGORIES,
            placeholder=t("all", L),
            format_func=lambda c: schema.CATEGORIES.label(c, L),
        )
        classes = st.multiselect(
            t("handling_classes", L),
            list(HANDLING_CODES),
            key=state.KEY_CLASSES,
            placeholder=t("all", L),
            format_func=lambda c: schema.HANDLING_CLASSES.label(c, L),
        )
        stages = st.multiselect(
            t("stages", L),
            list(STAGE_CODES),
            key=state.KEY_STAGES,
            placeholder=t("all", L),
            format_func=lambda c: schema.WORKFLOW_STAGES.label(c, L),
            help=t("stages.help", L),
        )
        from .settings import map_base  # the note only while the workspace has no base map

        if not map_base(path).own:
            st.caption(t("no.basemap", L))
    state.remember()
    state.write_url(_url_of(area if area != root else None, start, end, L))
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


def page_scope(*, period: str = DEFAULT_PERIOD) -> tuple[str, Scope, str]:
    """Start a page: draw the shared sidebar; stop with a clear message without a workspace.

    ``period`` is the window the page opens on until the user picks one (see :func:`sidebar`).
    """
    from .data import workspace_path

    path = workspace_path()
    scope = sidebar(path, period=period)
    L = lang()
    if scope is None:
        st.error(t("no.workspace", L, path=Workspace(path).name))
        st.stop()
    assert scope is not None
    return path, scope, L
