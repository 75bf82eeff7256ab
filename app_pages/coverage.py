"""覆盖 Coverage: coverage vs target, blind spots that matter, where to put the next cameras."""

import streamlit as st

from gridmap.i18n import t
from gridmap.ui import Timer, keys, load_hierarchy, load_info, load_layer
from gridmap.ui.coverage import LAYERS, MAX_SUGGEST, scope_codes
from gridmap.ui.coverage_panels import (
    clicked,
    coverage_deck,
    load_or_explain,
    pct,
    show_coverage_tabs,
    show_kpis,
    show_legend,
    show_selection,
)
from gridmap.ui.sidebar import page_scope

path, scope, L = page_scope()
st.title(t("page.coverage", L))

held = load_info(path)["layers"]
if not held.get("grids") or not held.get("cameras"):
    # Nothing to measure yet: say what to import, in the page's language (not an error).
    st.info(t("coverage.none.grids" if not held.get("grids") else "coverage.none.cameras", L))
    st.stop()

with Timer("coverage.total") as total:
    with Timer("coverage.load"):
        result, siting, s = load_or_explain(path, scope.area)
    h = load_hierarchy(path)
    grids = load_layer(path, "grids")

    show_kpis(s, L)
    c1, c2 = st.columns([3, 1.3])
    shown = (
        c1.pills(
            t("coverage.layers", L),
            list(LAYERS),
            default=["heat", "gaps", "keyareas", "sites"]
            # Sectors read at street scale; a district of thousands is a blue haze.
            + (["footprints"] if scope.area is not None and len(scope.area) > 6 else []),
            selection_mode="multi",
            key=keys.KEY_COV_LAYERS,
            format_func=lambda v: t(f"coverage.layer.{v}", L),
        )
        or []
    )
    n = int(c2.slider(t("coverage.siting.n", L), 0, MAX_SUGGEST, 20, step=5, key=keys.KEY_COV_N))
    chosen = siting[0].head(n)
    reach = float(chosen["cumulative_share"].iloc[-1]) if n and len(chosen) else 0.0
    st.markdown(
        t(
            "coverage.summary",
            L,
            gaps=f"{s['gap_zones']:,}",
            hh=f"{s['gap_households']:,.0f}",
            n=len(chosen),
            pct=pct(reach),
        )
    )
    show_legend(L)
    with Timer("coverage.deck"):
        deck = coverage_deck(path, scope.area, result, shown, n, L)
    left, right = st.columns([2.3, 1])
    with left:
        event = st.pydeck_chart(
            deck,
            on_select="rerun",
            selection_mode="single-object",
            key=keys.KEY_COV_MAP,
            height=560,
        )
    in_scope = scope_codes(path, scope.area)
    with right:
        show_selection(path, result, clicked(event), grids, h, scope.incidents, L)
    show_coverage_tabs(result, s, siting, n, in_scope, h, L)
    st.caption(t("coverage.method", L))
st.caption(t("server.time", L, ms=f"{total.ms:.0f}"))
