"""风险 Risk: significant and emerging hot spots, risk-ranked grids with their reasons."""

import streamlit as st

from gridmap.i18n import t
from gridmap.ui import Timer, keys
from gridmap.ui.forecast import forecast_line, risk_sentence
from gridmap.ui.risk import RANK_LEVELS, suppressed_count
from gridmap.ui.risk_panels import (
    RISK_VIEWS,
    backtest_panel,
    cell_layer,
    load_risk_data,
    one_of,
    risk_deck,
    selected_grid,
    show_admin_ranking,
    show_grid_ranking,
    show_risk_card,
    show_risk_exports,
)
from gridmap.ui.sidebar import page_scope

path, scope, L = page_scope()

st.title(t("page.risk", L))
with Timer("risk.total") as total:
    flt = scope.incidents
    res = 9
    view = one_of(
        t("risk.layer", L),
        RISK_VIEWS,
        key=keys.KEY_RISK_LAYER,
        label_of=lambda v: t(f"risk.layer.{v}", L),
    )
    data = load_risk_data(path, flt, res)
    h, overview, layers = data.h, data.overview, data.layers
    if data.table.time_range is None:
        st.info(t("no.incidents", L), icon=":material/info:")
    cells, legend = cell_layer(path, layers, view, res, L)
    deck = risk_deck(path, scope.area, cells, overview, L)
    n_hot = int((layers.spots["hotspot_class"] > 0).sum())
    st.markdown(
        t(
            "risk.summary",
            L,
            n=f"{data.n:,}",
            cells=f"{len(layers.counts):,}",
            hot=f"{n_hot:,}",
            start=flt.start,
            end=flt.end,
        )
    )
    # Which forecasting method the risk map uses: computed in the background, shown when
    # ready, so the page never waits for the backtest.
    forecast_line(path, L, risk_sentence, res=res)
    left, right = st.columns([2.3, 1])
    with left:
        event = st.pydeck_chart(
            deck,
            on_select="rerun",
            selection_mode="single-object",
            key=keys.KEY_RISK_MAP,
            height=560,
        )
        st.markdown(legend, unsafe_allow_html=True)
    # Only the levels the workspace has: grids and incidents alone rank grids only.
    held = set(h.levels.values())
    levels = [lv for lv in RANK_LEVELS if lv == "grid" or lv in held]
    level = (
        st.segmented_control(
            t("risk.level", L),
            levels,
            default="grid",
            key=keys.KEY_RISK_LEVEL,
            format_func=lambda v: t(f"level.{v}", L),
        )
        if len(levels) > 1
        else "grid"
    ) or "grid"
    top = picked_rows = None
    if level == "grid":
        top, picked_rows = show_grid_ranking(data.priority, h, L)
        ranked = data.priority
    else:
        ranked = show_admin_ranking(path, flt, res, level, scope.area, h, L)
    method = "risk.method" if level == "grid" else "risk.method.level"
    st.caption(t(method, L, n=suppressed_count(ranked)))
    show_risk_exports(ranked, overview, data.grids, h, level, L, flt=flt)
    code = selected_grid(event, top, picked_rows)
    with right:
        show_risk_card(code, data, L)

with st.expander(t("forecast.panel.title", L), icon=":material/query_stats:"):
    st.caption(t("forecast.panel.help", L))
    backtest_panel(path, res, L)
st.caption(t("server.time", L, ms=f"{total.ms:.0f}"))
