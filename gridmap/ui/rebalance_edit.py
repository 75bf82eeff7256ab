"""Rebalance page, the editor: a map click, the community's band sentence, the controls
(paint or select, target grid, undo/redo, locks, redraw) and the unit map."""

from __future__ import annotations

import streamlit as st

from .. import schema
from ..analytics import rebalance as rb
from ..hierarchy import grid_suffix
from ..i18n import pick, t
from ..viz import picked
from . import keys
from .auth import audit
from .rebalance import Editing, clear_session, redraw_locked, unit_layers
from .settings import make_deck, map_base

__all__ = ["community_header", "controls", "handle_click", "map_key", "unit_map"]


def map_key() -> str:
    """The map's current key (a counter: each handled click draws a fresh map)."""
    return keys.rebalance_map_key(st.session_state.get(keys.KEY_REBALANCE_MAP_N, 0))


def handle_click(ed: Editing, session: rb.EditSession) -> rb.EditSession:
    """Apply the previous run's click on a unit: paint it onto the target grid, or toggle
    it in the selection. Returns the session (new after a paint)."""
    event = st.session_state.get(map_key())
    unit = picked(event, "units") if event else None
    if not (unit and unit.get("code")):
        return session
    code = str(unit["code"])
    selected: set[str] = set(st.session_state.get(keys.KEY_REBALANCE_SELECTED, []))
    mode = st.session_state.get(keys.KEY_REBALANCE_MODE, "paint")
    target = st.session_state.get(keys.KEY_REBALANCE_TARGET)
    if mode == "paint" and target:
        try:
            session = rb.assign_units(session, [code], str(target))
            ed.put(session)
        except rb.RebalanceError as exc:
            st.warning(str(exc))
    else:
        selected ^= {code}
        st.session_state[keys.KEY_REBALANCE_SELECTED] = sorted(selected)
    # A fresh chart key, so the next click is a new event even on the same unit.
    st.session_state[keys.KEY_REBALANCE_MAP_N] = (
        st.session_state.get(keys.KEY_REBALANCE_MAP_N, 0) + 1
    )
    return session


def community_header(ed: Editing, plan: rb.Plan, name: str) -> None:
    """The community's band sentence, why it cannot fit (if so), and its band."""
    L, problem = ed.L, plan.problem
    row = rb.community_table(plan).loc[ed.community]
    st.markdown(f"**{name}** · {row[f'sentence_{L}']}")
    for reason in rb.infeasibility(problem, ed.community):
        st.warning(pick(reason, L))
    if problem.graph.estimate:
        st.caption(t("reb.estimate", L))
    lo_c, hi_c = problem.community_band(ed.community)
    st.caption(
        t(
            "reb.band.caption",
            L,
            measure=t(f"reb.measure.{ed.measure}", L),
            band=f"{lo_c:,}–{hi_c:,}",
            unit=t(f"reb.measure.unit.{ed.measure}", L),
        )
    )


def _selection(ed: Editing, session: rb.EditSession, selected: list[str], free: list[str]) -> None:
    """Select mode: the selection's size and the buttons that move or clear it."""
    L, graph = ed.L, session.plan.problem.graph
    hh_sel = int(graph.households[[graph.position[c] for c in selected]].sum())
    st.caption(t("reb.select.help", L))
    st.caption(t("reb.selected", L, n=len(selected), hh=f"{hh_sel:,}"))
    c1, c2 = st.columns(2)
    if c1.button(t("reb.assign", L), disabled=not selected or not free, type="primary"):
        try:
            target = str(st.session_state[keys.KEY_REBALANCE_TARGET])
            ed.put(rb.assign_units(session, selected, target))
            st.session_state[keys.KEY_REBALANCE_SELECTED] = []
            st.rerun()
        except rb.RebalanceError as exc:
            st.warning(str(exc))
    if c2.button(t("reb.clear", L), disabled=not selected):
        st.session_state[keys.KEY_REBALANCE_SELECTED] = []
        st.rerun()


def _history(ed: Editing, session: rb.EditSession) -> None:
    """Undo, redo and reset (back to the grids in force)."""
    L = ed.L
    u1, u2, u3 = st.columns(3)
    if u1.button(t("reb.undo", L), disabled=not session.can_undo, icon=":material/undo:"):
        ed.put(rb.undo(session))
        st.rerun()
    if u2.button(t("reb.redo", L), disabled=not session.can_redo, icon=":material/redo:"):
        ed.put(rb.redo(session))
        st.rerun()
    if u3.button(t("reb.reset", L), disabled=not session.can_undo):
        clear_session(ed.path, ed.community, ed.band, ed.measure)
        st.session_state[keys.KEY_REBALANCE_SELECTED] = []
        st.rerun()


def _locks_and_redraw(
    ed: Editing, session: rb.EditSession, codes_here: list[str], names: dict[str, str]
) -> None:
    """The lock picker (each change an undoable step) and the whole-community redraw."""
    L = ed.L
    locked_now = sorted(session.locked & set(codes_here))
    want = st.multiselect(
        t("reb.locked", L),
        codes_here,
        default=locked_now,
        placeholder=t("reb.locked.none", L),
        format_func=lambda c: f"{grid_suffix(c)} · {names.get(c, c)}",
        key=f"{keys.KEY_REBALANCE_LOCKS}_{len(session.undo_stack)}_{ed.community}",
    )
    if sorted(want) != locked_now:
        session = rb.set_locked(session, set(want) - set(locked_now), True)
        ed.put(rb.set_locked(session, set(locked_now) - set(want), False))
        st.rerun()
    if st.button(t("reb.redraw", L), help=t("reb.redraw.help", L)):
        with st.spinner(t("reb.redrawing", L)):
            try:
                redrawn = redraw_locked(session, ed.community)
                audit(
                    ed.path,
                    schema.AuditAction.OPTIMISER_RUN,
                    target=ed.community,
                    detail={"method": "redraw"},
                )
                ed.put(rb.apply_plan(session, redrawn))
                st.rerun()
            except rb.RebalanceError as exc:
                st.warning(str(exc))


def controls(ed: Editing, session: rb.EditSession, codes_here: list[str]) -> list[str]:
    """The right-hand column: mode, target grid, selection, history, locks and redraw.
    Returns the selected units (outlined on the map)."""
    L = ed.L
    table_now = rb.grid_table(session.plan, codes_here)
    names = {str(c): str(n) for c, n in table_now[schema.NAME].items()}
    values = {str(c): round(float(v)) for c, v in table_now["measure"].items()}
    st.segmented_control(
        t("reb.mode", L),
        ["paint", "select"],
        default="paint",
        key=keys.KEY_REBALANCE_MODE,
        format_func=lambda m: t(f"reb.mode.{m}", L),
    )
    free = [c for c in codes_here if c not in session.locked]
    if free:
        if st.session_state.get(keys.KEY_REBALANCE_TARGET) not in free:
            st.session_state[keys.KEY_REBALANCE_TARGET] = free[0]
        st.selectbox(
            t("reb.target", L),
            free,
            key=keys.KEY_REBALANCE_TARGET,
            format_func=lambda c: (
                f"{grid_suffix(c)} · {names[c]} · {values[c]:,}" if c in names else c
            ),
        )
    selected = list(st.session_state.get(keys.KEY_REBALANCE_SELECTED, []))
    if st.session_state.get(keys.KEY_REBALANCE_MODE, "paint") == "select":
        _selection(ed, session, selected, free)
    else:
        st.caption(t("reb.paint.help", L))
    _history(ed, session)
    _locks_and_redraw(ed, session, codes_here, names)
    return selected


def unit_map(ed: Editing, session: rb.EditSession, selected: list[str]) -> None:
    """The units coloured by grid (before or after), clickable."""
    L = ed.L
    when = st.segmented_control(
        t("reb.view", L),
        ["after", "before"],
        default="after",
        key=keys.KEY_REBALANCE_VIEW,
        format_func=lambda v: t(f"reb.view.{v}", L),
    )
    layers, view = unit_layers(session.plan, set(selected), before=(when == "before"))
    st.pydeck_chart(
        make_deck(
            layers,
            view,
            tooltip={
                "html": "{code}<br/>" + t("reb.tooltip", L),
                "style": {"fontSize": "13px"},
            },
            base=map_base(ed.path),  # the workspace's own base map, layers moved onto it
            wgs84=True,
        ),
        on_select="rerun",
        selection_mode="single-object",
        key=map_key(),
        height=540,
    )
