"""Rebalance page, before a community is picked: the measure to balance and the table of
communities that need work (a click on a row picks one)."""

from __future__ import annotations

import functools

import pandas as pd
import streamlit as st

from ..analytics.workload import MEASURES
from ..hierarchy import Hierarchy
from ..i18n import t
from . import keys
from .data import Timer
from .rebalance import community_overview, default_measure
from .sidebar import scope_to

__all__ = ["community_list", "measure_picker"]


def measure_picker(path: str, L: str) -> str:
    """The measure selectbox: households by default, workload when the grids have no
    household counts (said in a caption)."""
    fallback = default_measure(path)
    if st.session_state.get(keys.KEY_REBALANCE_MEASURE) not in MEASURES:
        st.session_state[keys.KEY_REBALANCE_MEASURE] = fallback
    measure = str(
        st.selectbox(
            t("reb.measure", L),
            list(MEASURES),
            key=keys.KEY_REBALANCE_MEASURE,
            format_func=lambda m: t(f"reb.measure.{m}", L),
            help=t("reb.measure.help", L),
        )
    )
    if fallback != "households":
        st.caption(t("reb.no_households", L))
    return measure


def _pick_community(h: Hierarchy, codes: list[str]) -> None:
    """Table callback: the clicked community becomes the scope (its street and district too)."""
    sel = st.session_state.get(keys.KEY_REBALANCE_COMMUNITY)
    rows = sel["selection"]["rows"] if sel else []
    if rows and rows[0] < len(codes):
        scope_to(h, codes[rows[0]])


def _ranked_view(ranked: pd.DataFrame, measure: str, L: str) -> pd.DataFrame:
    name = t(f"reb.measure.{measure}", L)
    return pd.DataFrame(
        {
            t("reb.col.community", L): ranked["community_name"],
            t("reb.col.grids", L): ranked["n_grids"],
            t("reb.col.households", L): ranked["households"],
            **(
                {t("reb.col.measure", L, measure=name): ranked["measure"].round(0)}
                if measure != "households"
                else {}
            ),
            t("reb.col.out_of_band", L): ranked["out_of_band"],
            t("reb.col.cv", L): ranked["cv"],
            t("reb.col.needed", L): ranked["needed"],
            t("reb.col.why", L): ranked[f"sentence_{L}"],
        },
        index=pd.Index(ranked.index, name=t("risk.col.unit_code", L)),
    )


def community_list(path: str, area: str | None, h: Hierarchy, measure: str, L: str) -> None:
    """Every community under ``area``, worst first; clicking a row picks it."""
    st.info(t("reb.pick", L))
    with Timer("rebalance.overview"), st.spinner(t("reb.loading", L)):
        overview = community_overview(path, area, measure)
    ranked = overview.sort_values(["band_gap", "cv"], ascending=False)
    n_out = int((ranked["out_of_band"] > 0).sum())
    st.markdown(
        t("reb.summary", L, n=len(ranked), out=n_out)
        if measure == "households"
        else t(
            "reb.summary.measure",
            L,
            n=len(ranked),
            out=n_out,
            measure=t(f"reb.measure.{measure}", L),
        )
    )
    st.dataframe(
        _ranked_view(ranked, measure, L).head(50),
        key=keys.KEY_REBALANCE_COMMUNITY,
        on_select=functools.partial(_pick_community, h, list(ranked.index[:50])),
        selection_mode="single-row",
        width="stretch",
        column_config={t("reb.col.cv", L): st.column_config.NumberColumn(format="%.2f")},
    )
