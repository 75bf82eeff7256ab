"""Warm the slow caches in the background when the server opens a workspace.

The first visit of the Coverage page (the coverage analysis of ten thousand cameras), the
Rebalance page (every community's load), the cockpit and its forecast line otherwise each
wait several seconds;
computed once per workspace version in a background thread (the forecast's backtest in a
child process) they are ready by the time a user clicks there. ``gridmap serve`` turns this
on (``GRIDMAP_WARM=1``); tests do not.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from functools import partial

import streamlit as st
from streamlit.runtime.scriptrunner import add_script_run_ctx

from ..analytics.incidents import IncidentFilter
from ..store import Workspace
from .data import _stamp, load_hierarchy, load_incidents

__all__ = ["start_warmup"]

log = logging.getLogger("gridmap.ui")


def _warm(path: str) -> None:
    from ..analytics.filters import last_complete_month, period_window
    from .cockpit import load_cockpit
    from .coverage import load_coverage, load_siting
    from .forecast import forecast_status
    from .fusion import department_choices, load_fusion
    from .rebalance import community_overview

    t0 = time.perf_counter()
    # The cockpit's forecast line: the backtest takes seconds to a minute, ready before the
    # meeting. Started first and not waited for: it runs in a child process of its own (see
    # gridmap.ui.forecast), beside the steps below.
    try:
        forecast_status(path, wait=0.0)
    except Exception as exc:  # a page will show its own error; warming is best effort
        log.warning("warm-up forecast failed: %s", exc)
    table = load_incidents(path)
    load_hierarchy(path)
    steps: list[tuple[str, Callable[[], object]]] = []
    if table.time_range is not None:
        first, last = table.time_range
        # The cockpit's default window (gridmap.ui.sidebar.COCKPIT_PERIOD).
        flt = IncidentFilter(*period_window(last_complete_month(last), last, first=first))
        steps.append(("cockpit", lambda: load_cockpit(path, flt)))
    steps += [
        ("coverage", lambda: load_coverage(path)),
        ("siting", lambda: load_siting(path, None)),
        ("rebalance", lambda: community_overview(path, None)),
    ]
    # The Fusion page: each department layer's analysis takes seconds to half a minute.
    steps += [(f"fusion {d}", partial(load_fusion, path, d)) for d in department_choices(path)]
    for name, step in steps:
        try:
            step()
        except Exception as exc:  # a page will show its own error; warming is best effort
            log.warning("warm-up %s failed: %s", name, exc)
    log.info("warm-up done in %.1f s", time.perf_counter() - t0)


@st.cache_resource(show_spinner=False, max_entries=2)
def _start(path: str, stamp: float) -> threading.Thread:
    thread = threading.Thread(target=_warm, args=(path,), name="gridmap-warm", daemon=True)
    add_script_run_ctx(thread)
    thread.start()
    return thread


def start_warmup(path: str) -> None:
    """Start warming once per workspace version (later calls return at once)."""
    if Workspace(path).exists:
        _start(str(path), _stamp(path))
