"""Session-state keys, and the shell's state that follows the user from page to page.

The keys are defined in :mod:`gridmap.ui.keys` (new code imports that); ``state.KEY_...``
names the same constants.

Streamlit forgets a widget's value when another page draws "the same" widget: a widget's
identity includes its page (docs: "Working with widgets in multipage apps"). The shared
sidebar's choices -- language, area, period and dates, categories, classes, stages -- are
therefore handed over explicitly: :func:`carry_over` assigns each value to its key before
the widgets are drawn (Streamlit's documented way), and :func:`remember` keeps a copy for a
run that ends without a sidebar. The same choices are mirrored in the query string
(:data:`URL_NAMES`), so a link reproduces the view; the sidebar reads it once per session.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from .keys import (
    KEY_AUTH_METHOD,
    KEY_BACKTEST_ASKED,
    KEY_BACKTEST_CUTOFF,
    KEY_BACKTEST_HALF_LIVES,
    KEY_BACKTEST_K,
    KEY_CATEGORIES,
    KEY_CLASSES,
    KEY_COCKPIT_LAYER,
    KEY_COCKPIT_MAP,
    KEY_COMMUNITY,
    KEY_DISTRICT,
    KEY_KEPT,
    KEY_LANG,
    KEY_MAP,
    KEY_MEETING,
    KEY_PERIOD,
    KEY_PERIOD_CHOSEN,
    KEY_REBALANCE_COMMUNITY,
    KEY_REBALANCE_MAP,
    KEY_REBALANCE_MODE,
    KEY_REBALANCE_SELECTED,
    KEY_REBALANCE_SESSIONS,
    KEY_REBALANCE_SINCE,
    KEY_REBALANCE_TARGET,
    KEY_REBALANCE_VIEW,
    KEY_RES,
    KEY_RISK_ADMIN_TABLE,
    KEY_RISK_LAYER,
    KEY_RISK_LEVEL,
    KEY_RISK_MAP,
    KEY_RISK_TABLE,
    KEY_SELECTED_GRID,
    KEY_SSO_LOGIN,
    KEY_SSO_LOGOUT,
    KEY_SSO_REFUSED,
    KEY_STAGES,
    KEY_STREET,
    KEY_URL_READ,
    KEY_USER,
    KEY_WINDOW,
    KEY_WORKSPACE_MAP,
)

__all__ = [
    "FOLLOWING",
    "KEY_AUTH_METHOD",
    "KEY_BACKTEST_ASKED",
    "KEY_BACKTEST_CUTOFF",
    "KEY_BACKTEST_HALF_LIVES",
    "KEY_BACKTEST_K",
    "KEY_CATEGORIES",
    "KEY_CLASSES",
    "KEY_COCKPIT_LAYER",
    "KEY_COCKPIT_MAP",
    "KEY_COMMUNITY",
    "KEY_DISTRICT",
    "KEY_KEPT",
    "KEY_LANG",
    "KEY_MAP",
    "KEY_MEETING",
    "KEY_PERIOD",
    "KEY_PERIOD_CHOSEN",
    "KEY_REBALANCE_COMMUNITY",
    "KEY_REBALANCE_MAP",
    "KEY_REBALANCE_MODE",
    "KEY_REBALANCE_SELECTED",
    "KEY_REBALANCE_SESSIONS",
    "KEY_REBALANCE_SINCE",
    "KEY_REBALANCE_TARGET",
    "KEY_REBALANCE_VIEW",
    "KEY_RES",
    "KEY_RISK_ADMIN_TABLE",
    "KEY_RISK_LAYER",
    "KEY_RISK_LEVEL",
    "KEY_RISK_MAP",
    "KEY_RISK_TABLE",
    "KEY_SELECTED_GRID",
    "KEY_SSO_LOGIN",
    "KEY_SSO_LOGOUT",
    "KEY_SSO_REFUSED",
    "KEY_STAGES",
    "KEY_STREET",
    "KEY_URL_READ",
    "KEY_USER",
    "KEY_WINDOW",
    "KEY_WORKSPACE_MAP",
    "URL_NAMES",
    "carry_over",
    "forget",
    "remember",
    "url_once",
    "write_url",
]

#: The widget keys of the shell whose values follow the user from page to page.
FOLLOWING = (
    KEY_LANG,
    KEY_DISTRICT,
    KEY_STREET,
    KEY_COMMUNITY,
    KEY_PERIOD,
    KEY_WINDOW,
    KEY_CATEGORIES,
    KEY_CLASSES,
    KEY_STAGES,
)
#: The query-string names of the shell's choices: ``?lang=en&period=last-month&area=620102``
#: (``since``/``until`` for dates picked by hand; ``cat``, ``class``, ``stage`` comma lists).
URL_NAMES = ("lang", "period", "since", "until", "area", "cat", "class", "stage")


def carry_over() -> None:
    """Hand the shell's values to this page's widgets (call before drawing them).

    Assigning a value to its own key keeps it when the widget is drawn by another page; a
    key gone from the session (a run that ended without a sidebar) comes from the copy
    :func:`remember` kept.
    """
    kept: dict[str, Any] = st.session_state.get(KEY_KEPT, {})
    for key in FOLLOWING:
        if key in st.session_state:
            st.session_state[key] = st.session_state[key]
        elif key in kept:
            st.session_state[key] = kept[key]


def remember() -> None:
    """Keep a copy of the shell's values as drawn (call after drawing the widgets)."""
    st.session_state[KEY_KEPT] = {
        k: st.session_state[k] for k in FOLLOWING if k in st.session_state
    }


def forget(*keys: str) -> None:
    """Drop ``keys`` from the session and from the kept copy (a choice undone on purpose)."""
    kept: dict[str, Any] = st.session_state.get(KEY_KEPT, {})
    for key in keys:
        st.session_state.pop(key, None)
        kept.pop(key, None)


def url_once() -> dict[str, str]:
    """The shell's query-string parameters on the session's first sidebar, else nothing.

    A link opens a view once; after that the user's choices lead (and are written back).
    """
    if st.session_state.get(KEY_URL_READ):
        return {}
    st.session_state[KEY_URL_READ] = True
    return {name: str(st.query_params[name]) for name in URL_NAMES if name in st.query_params}


def write_url(values: dict[str, str | None]) -> None:
    """Mirror the shell's choices in the query string (None removes a parameter).

    Only :data:`URL_NAMES` are touched: a page's own parameters (``meeting``) stay.
    """
    for name, value in values.items():
        if value is None:
            if name in st.query_params:
                del st.query_params[name]
        elif st.query_params.get(name) != value:
            st.query_params[name] = value
