"""一张图 City map: grid boundaries, an H3 incident heat map of the window, and the grid card."""

import streamlit as st

from gridmap.analytics.incidents import counts_by_cell, counts_by_grid, select
from gridmap.i18n import t
from gridmap.ui import (
    Timer,
    keys,
    load_hierarchy,
    load_incidents,
    load_layer,
)
from gridmap.ui.cards import show_grid_card
from gridmap.ui.mapdata import context_layers, grid_layers, scope_view
from gridmap.ui.sidebar import page_scope, scope_breadcrumbs
from gridmap.viz import class_breaks, hex_layer, legend_html, make_deck, picked

path, scope, L = page_scope()

with Timer("map.total") as total:
    h = load_hierarchy(path)
    table = load_incidents(path)
    grids = load_layer(path, "grids")
    with Timer("map.filter"):
        idx = select(table, scope.incidents)
        per_grid = counts_by_grid(table, idx)
    # A sensible hexagon size per scope level; the choice is remembered per level.
    level = h.levels.get(scope.area, "city") if scope.area else "city"
    default_res = {"city": 8, "district": 9}.get(level, 10)
    res = (
        st.segmented_control(
            t("res", L),
            [7, 8, 9, 10, 11],
            default=default_res,
            key=keys.res_key(level),
            help=t("res.help", L),
        )
        or default_res
    )
    with Timer("map.cells"):
        cells = counts_by_cell(table, idx, res)
        breaks = class_breaks(cells["count"])
    f = scope.incidents
    scope_breadcrumbs(h, scope.area, L)
    if table.time_range is None:
        st.info(t("no.incidents", L), icon=":material/info:")
    st.markdown(
        f"**{t('map.summary', L, n=f'{len(idx):,}', start=f.start, end=f.end)}**  ·  "
        + (h.name(scope.area) if scope.area else t("scope.city", L))
    )
    layers = [
        *context_layers(path, scope.area),
        hex_layer(cells, layer_id="incident-cells", breaks=breaks),
        *grid_layers(path, scope.area, per_grid),
    ]
    deck = make_deck(
        layers,
        scope_view(path, scope.area),
        tooltip={
            "html": "<b>{name}</b><br/>{code}<br/>" + t("tooltip.incidents", L) + " {count}",
            "style": {"fontSize": "13px"},
        },
    )
    left, right = st.columns([2.3, 1])
    with left:
        event = st.pydeck_chart(
            deck, on_select="rerun", selection_mode="single-object", key=keys.KEY_MAP, height=640
        )
        if breaks:
            st.markdown(legend_html(t("legend.count", L), breaks), unsafe_allow_html=True)
        else:
            st.info(t("map.none", L))
    pick = picked(event, "grids")
    code = pick.get("code") if pick else None
    if code != st.session_state.get(keys.KEY_LAST_PICK):  # a new click, not the same event again
        st.session_state[keys.KEY_LAST_PICK] = code
        if code:
            st.session_state[keys.KEY_SELECTED_GRID] = code
    selected = st.session_state.get(keys.KEY_SELECTED_GRID)
    with right:
        show_grid_card(selected, grids, h, table, idx, L, empty_hint=t("map.click", L))
st.caption(t("server.time", L, ms=f"{total.ms:.0f}"))
