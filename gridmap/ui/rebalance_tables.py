"""Rebalance page, below the map: the live balance of the grids the session touched, and
the ranked suggestions that are still valid."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from .. import schema
from ..analytics import rebalance as rb
from ..i18n import t
from . import keys
from .rebalance import Editing

__all__ = ["live_table", "suggestions_section"]


def _measure_name(ed: Editing) -> str:
    return t(f"reb.measure.{ed.measure}", ed.L)


def _live_frame(ed: Editing, live: pd.DataFrame) -> pd.DataFrame:
    """The live table with the page's column names and marks."""
    L, name = ed.L, _measure_name(ed)
    gone = live["n_units"] == 0  # merged away: no band or contiguity to judge

    def _mark(ok: pd.Series) -> pd.Series:
        return ok.map({True: "✓", False: "✗"}).where(~gone, "—")

    return pd.DataFrame(
        {
            t("reb.col.grid", L): live[schema.NAME].where(
                ~gone, live[schema.NAME] + t("reb.gone", L)
            ),
            t("reb.col.households", L): live[schema.HOUSEHOLDS],
            t("reb.col.before", L): live["households_before"],
            **(
                {
                    t("reb.col.measure", L, measure=name): live["measure"],
                    t("reb.col.measure_before", L, measure=name): live["measure_before"],
                }
                if ed.measure != "households"
                else {}
            ),
            t("reb.col.deviation", L): live["deviation_pct"],
            t("reb.col.in_band", L): _mark(live["in_band"]),
            t("reb.col.contiguous", L): _mark(live["contiguous"]),
            t("reb.col.compactness", L): live["compactness"],
            t("reb.col.compactness_before", L): live["compactness_before"],
            t("reb.col.workload", L): live["workload"],
            t("reb.col.worker", L): live[schema.WORKER],
            t("reb.col.locked", L): live["locked"].map({True: "🔒", False: ""}),
        },
        index=pd.Index(live.index, name=t("risk.col.unit_code", L)),
    )


def live_table(ed: Editing, session: rb.EditSession, codes_here: list[str]) -> pd.DataFrame:
    """The grids the session changed (else all of the community), live; returns the
    changed grids' table (empty when nothing changed)."""
    L, name = ed.L, _measure_name(ed)
    plan = session.plan
    changed = session.affected()
    live = changed if len(changed) else rb.grid_table(plan, codes_here)
    st.subheader(t("reb.live" if len(changed) else "reb.grids", L))
    number = st.column_config.NumberColumn
    st.dataframe(
        _live_frame(ed, live),
        width="stretch",
        column_config={
            t("reb.col.deviation", L): number(format="%+.0f%%"),
            t("reb.col.compactness", L): number(format="%.2f"),
            t("reb.col.compactness_before", L): number(format="%.2f"),
            t("reb.col.workload", L): number(format="%.0f"),
            t("reb.col.measure", L, measure=name): number(format="%.0f"),
            t("reb.col.measure_before", L, measure=name): number(format="%.0f"),
        },
    )
    st.caption(t("reb.moved", L, units=int(plan.moved().sum()), hh=f"{plan.households_moved():,}"))
    return changed


def _numbers(ed: Editing, sug: rb.Suggestion) -> str:
    return t(
        "reb.sug.numbers" if ed.measure == "households" else "reb.sug.numbers.measure",
        ed.L,
        hh=f"{sug.households_moved:,}",
        units=sug.units_moved,
        gap=f"{sug.gap_before:,.0f}",
        gap_after=f"{sug.gap_after:,.0f}",
        pp=f"{sug.delta_compactness:+.2f}",
        measure=_measure_name(ed),
        unit=t(f"reb.measure.unit.{ed.measure}", ed.L),
    )


def suggestions_section(ed: Editing, session: rb.EditSession, changed: pd.DataFrame) -> None:
    """Up to eight ranked suggestions for the community, each with its apply button;
    those touching a grid the session already changed are left out."""
    L = ed.L
    st.subheader(t("reb.suggestions", L))
    touched = set(changed.index)
    problem = session.plan.problem
    suggestions = rb.untouched(rb.suggest(problem, community=ed.community, top=12), touched)[:8]
    if touched:
        st.caption(t("reb.suggestions.touched", L))
    if not suggestions:
        st.caption(t("reb.suggestions.none", L))
    for i, sug in enumerate(suggestions):
        c1, c2 = st.columns([6, 1], vertical_alignment="center")
        sentence = sug.sentence(L)
        c1.markdown(f"**{t(f'reb.kind.{sug.kind}', L)}** · {sentence}  \n{_numbers(ed, sug)}")
        if c2.button(t("reb.apply", L), key=keys.rebalance_apply_key(i)):
            try:
                ed.put(rb.apply_suggestion(session, sug))
                st.rerun()
            except rb.RebalanceError as exc:
                st.warning(str(exc))
