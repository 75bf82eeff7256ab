"""风险 Risk: significant and emerging hot spots, risk-ranked grids with their reasons."""

import functools

import streamlit as st

from gridmap.analytics.hotspots import HOTSPOT_CLASSES
from gridmap.analytics.incidents import select
from gridmap.analytics.trends import trend_label
from gridmap.i18n import t
from gridmap.ui import (
    Timer,
    load_hierarchy,
    load_incidents,
    load_layer,
    state,
)
from gridmap.ui.cards import show_grid_card
from gridmap.ui.forecast import (
    HORIZONS,
    backtest_table,
    forecast_line,
    forecast_status,
    pending,
    risk_sentence,
)
from gridmap.ui.mapdata import context_layers, grid_layers, scope_view
from gridmap.ui.risk import (
    RANK_LEVELS,
    drill_down,
    forecast_map,
    load_admin_overview,
    load_cell_layers,
    load_grid_overview,
    ranked_columns,
    ranked_view,
    risk_csv,
    risk_geojson,
)
from gridmap.ui.sidebar import page_scope
from gridmap.viz import (
    HOTSPOT_RGB,
    TREND_RGB,
    class_breaks,
    class_layer,
    hex_layer,
    legend_html,
    legend_items_html,
    make_deck,
    picked,
)

path, scope, L = page_scope()

st.title(t("page.risk", L))
with Timer("risk.total") as total:
    h = load_hierarchy(path)
    table = load_incidents(path)
    grids = load_layer(path, "grids")
    flt = scope.incidents
    res = 9
    view = (
        st.segmented_control(
            t("risk.layer", L),
            ["hotspots", "trends", "heat", "forecast"],
            default="hotspots",
            key=state.KEY_RISK_LAYER,
            format_func=lambda v: t(f"risk.layer.{v}", L),
        )
        or "hotspots"
    )
    with Timer("risk.cells"):
        layers = load_cell_layers(path, flt, res)
    with Timer("risk.grids"):
        overview = load_grid_overview(path, flt, res)
    idx = select(table, flt)
    if table.time_range is None:
        st.info(t("no.incidents", L), icon=":material/info:")
    if view == "hotspots":
        cell_layer = class_layer(
            layers.spots, layer_id="risk-cells", column="hotspot_class", colours=HOTSPOT_RGB
        )
        present = sorted(
            set(layers.spots["hotspot_class"].astype(int)) & set(HOTSPOT_RGB), reverse=True
        )
        legend = legend_items_html(
            t("risk.legend.hotspots", L),
            [(HOTSPOT_CLASSES[k].label(L), HOTSPOT_RGB[k]) for k in present]
            or [(t("risk.none.significant", L), (255, 255, 255))],
        )
    elif view == "trends":
        trends = layers.trends
        cell_layer = class_layer(
            trends, layer_id="risk-cells", column="trend_code", colours=TREND_RGB
        )
        present = sorted(set(trends["trend_code"].astype(int)) & set(TREND_RGB))
        legend = legend_items_html(
            t("risk.legend.trends", L),
            [(trend_label(k, L), TREND_RGB[k]) for k in present]
            or [(t("risk.none.trend", L), (255, 255, 255))],
        )
    elif view == "forecast":
        cell_layer, legend, forecast_caption = forecast_map(path, res, L)
        legend += f'<div style="font-size:0.8rem;color:#6b7785">{forecast_caption}</div>'
    else:
        breaks = class_breaks(layers.counts["count"])
        cell_layer = hex_layer(layers.counts, layer_id="risk-cells", breaks=breaks)
        legend = legend_html(t("legend.count", L), breaks)
    deck = make_deck(
        [
            *context_layers(path, scope.area),
            cell_layer,
            *grid_layers(path, scope.area, overview["incidents"]),
        ],
        scope_view(path, scope.area),
        tooltip={
            "html": "<b>{name}</b><br/>{code}<br/>" + t("tooltip.incidents", L) + " {count}",
            "style": {"fontSize": "13px"},
        },
    )
    n_hot = int((layers.spots["hotspot_class"] > 0).sum())
    st.markdown(
        t(
            "risk.summary",
            L,
            n=f"{len(idx):,}",
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
            key=state.KEY_RISK_MAP,
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
            key=state.KEY_RISK_LEVEL,
            format_func=lambda v: t(f"level.{v}", L),
        )
        if len(levels) > 1
        else "grid"
    ) or "grid"
    picked_rows = None
    if level == "grid":
        top = overview[~overview["suppressed"]].head(20)
        table_view = ranked_view(
            top.assign(
                name=top.index.map(h.name),
                hotspot=top["hotspot_class"].map(lambda k: HOTSPOT_CLASSES[int(k)].label(L)),
                trend=top["trend_class"].map(lambda k: trend_label(int(k), L)),
                sentence=top[f"sentence_{L}"],
            ),
            ["name", "incidents", "households", "rate_eb", "risk_score", "hotspot", "trend"],
            t("risk.col.code", L),
            L,
        )
        st.subheader(t("risk.top", L))
        picked_rows = st.dataframe(
            table_view,
            key=state.KEY_RISK_TABLE,
            on_select="rerun",
            selection_mode="single-row",
            width="stretch",
            column_config=ranked_columns(L),
        )
        ranked = overview
    else:
        with Timer("risk.admin"):
            ranked = load_admin_overview(path, flt, res, level)
        shown = ranked[~ranked["suppressed"]].head(20)
        admin_view = ranked_view(
            shown.assign(unit_name=shown.index.map(h.name), sentence=shown[f"sentence_{L}"]),
            ["unit_name", "grids", "incidents", "households", "rate_eb", "risk_score",
             "hot_cells", "emerging_cells"],
            t("risk.col.unit_code", L),
            L,
        )  # fmt: skip
        st.subheader(t("risk.top.level", L, level=t(f"level.{level}", L)))
        # One table per level and scope, so a drill-down starts without a stale selection.
        table_key = f"{state.KEY_RISK_ADMIN_TABLE}_{level}_{scope.area}"
        st.dataframe(
            admin_view,
            key=table_key,
            on_select=functools.partial(drill_down, table_key, list(shown.index), h),
            selection_mode="single-row",
            width="stretch",
            column_config=ranked_columns(L),
        )
        st.caption(t("risk.drill", L))
    st.caption(t("risk.method", L, n=ranked["suppressed"].sum()))
    # Exports are built only when clicked (callables): the GeoJSON of every grid is large.
    c1, c2 = st.columns(2)
    c1.download_button(
        t("risk.export.csv", L) if level == "grid" else t("risk.export.csv.level", L),
        lambda: risk_csv(ranked, h),
        file_name=f"risk_{level}.csv",
        mime="text/csv",
        key="risk_csv",
    )
    c2.download_button(
        t("risk.export.geojson", L),
        lambda: risk_geojson(overview, grids, h, L),
        file_name="risk_grids.geojson",
        mime="application/geo+json",
        key="risk_geojson",
    )
    code = None
    rows = picked_rows["selection"]["rows"] if picked_rows else []
    if rows:
        code = str(top.index[rows[0]])
    pick = picked(event, "grids")
    if pick and pick.get("code"):
        code = pick["code"]
    with right:
        sentence = overview.loc[code, f"sentence_{L}"] if code in overview.index else None
        show_grid_card(
            code, grids, h, table, idx, L, empty_hint=t("risk.click", L), sentence=sentence
        )


#: The panel's horizon control (days).
KEY_HORIZON = "forecast_horizon"


def _asked() -> None:
    st.session_state["forecast_asked"] = True


@st.fragment
def backtest_panel() -> None:
    """The rolling-origin backtest of every method at the chosen horizon: the sentence, the
    setup and the table. A horizon the user picks is computed behind a spinner; the default
    one is shown once the page's background run is done."""
    horizon = (
        st.segmented_control(
            t("forecast.panel.horizon", L),
            list(HORIZONS),
            default=HORIZONS[0],
            key=KEY_HORIZON,
            format_func=lambda d: t(f"forecast.horizon.{d}", L),
            on_change=_asked,
        )
        or HORIZONS[0]
    )
    if st.session_state.pop("forecast_asked", False):
        with st.spinner(t("forecast.panel.pending", L)):
            status = forecast_status(path, horizon, res, wait=None)
    else:
        status = forecast_status(path, horizon, res)
    if status is None:
        pending(path, t("forecast.panel.pending", L), horizon=horizon, res=res)
        return
    st.markdown(risk_sentence(status, L))
    if status.choice is None:
        return
    result = status.choice
    st.caption(
        t(
            "forecast.panel.scope",
            L,
            n=len(result.origins),
            first=result.origins[0],
            last=result.origins[-1],
            cells=result.area_cells,
            res=result.res,
            inc=int(result.rows["test_incidents"].iloc[0]),
        )
    )
    table = backtest_table(status, L)
    # Every method in view at once (35 px a row and the header).
    st.dataframe(table, hide_index=True, width="stretch", height=35 * (len(table.data) + 1) + 3)


with st.expander(t("forecast.panel.title", L), icon=":material/query_stats:"):
    st.caption(t("forecast.panel.help", L))
    backtest_panel()
st.caption(t("server.time", L, ms=f"{total.ms:.0f}"))
