"""一张图 City map: grid boundaries, an H3 incident heat map of the window, and the grid card."""

import streamlit as st

from gridmap.i18n import t
from gridmap.ui import (
    Timer,
    keys,
    load_hierarchy,
    load_incidents,
    load_layer,
)
from gridmap.ui.cards import main_departments, show_grid_card
from gridmap.ui.map_list import rank_layer, show_top_grids, top_grids
from gridmap.ui.mapdata import (
    cell_counts,
    context_layers,
    grid_counts,
    grid_layers,
    grid_outline_layer,
    hex_layer,
    legend_with_counts,
    peak_breaks,
    picked,
    place_labels,
    scope_view,
    select,
)
from gridmap.ui.settings import make_deck, map_base
from gridmap.ui.sidebar import page_scope, scope_breadcrumbs

path, scope, L = page_scope(period="last-7-days")  # where incidents are this week

with Timer("map.total") as total:
    h = load_hierarchy(path)
    table = load_incidents(path)
    grids = load_layer(path, "grids")
    with Timer("map.filter"):
        idx = select(table, scope.incidents)
        per_grid = grid_counts(path, scope.incidents)  # shared by sessions
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
        cells = cell_counts(path, scope.incidents, res)  # shared by sessions
        # Head/tail classes: the darkest is the few busiest cells, so the peak can be found.
        breaks = peak_breaks(cells["count"])
    f = scope.incidents
    scope_breadcrumbs(h, scope.area, L)
    if table.time_range is None:
        st.info(t("no.incidents", L), icon=":material/info:")
    st.markdown(
        f"**{t('map.summary', L, n=f'{len(idx):,}', start=f.start, end=f.end)}**  ·  "
        + (h.name(scope.area) if scope.area else t("scope.city", L))
    )
    base = map_base(path)  # the workspace's own base map, if set; layers in its CRS
    if base.warning:
        st.warning(t("basemap.failed", L, msg=base.warning), icon=":material/map:")
    view = scope_view(path, scope.area, crs=base.crs)
    top = top_grids(path, scope.incidents)
    dept = main_departments(path, scope.incidents, L)  # for the tooltip (the list's)
    layers = [
        *context_layers(path, scope.area, crs=base.crs),
        grid_outline_layer(path, scope.area, crs=base.crs),  # light, under the heat
        hex_layer(
            cells,
            layer_id="incident-cells",
            breaks=breaks,
            model_matrix=base.model_matrix,
            spread=True,
        ),
        *grid_layers(path, scope.area, per_grid, crs=base.crs, outlines=False, departments=dept),
        *place_labels(path, scope.area, crs=base.crs),  # shown by zoom in the browser
        rank_layer(top, zoom=view.zoom, crs=base.crs),
    ]
    deck = make_deck(
        layers,
        view,
        tooltip={
            "html": "<b>{name}</b><br/>{code}<br/>"
            + f"{t('tooltip.incidents', L)} {{count}}<br/>{t('tooltip.department', L)} {{dept}}",
            "style": {"fontSize": "13px"},
        },
        base=base,  # the style map_base(path) found above; the layers are in its CRS
    )
    left, right = st.columns([2.1, 1.2])
    with left:
        event = st.pydeck_chart(
            deck, on_select="rerun", selection_mode="single-object", key=keys.KEY_MAP, height=640
        )
        if breaks:
            legend = legend_with_counts(
                t("legend.count.peak", L), breaks, cells["count"], t("legend.cells.unit", L)
            )
            st.markdown(legend, unsafe_allow_html=True)
        else:
            st.info(t("map.none", L))
    pick = picked(event, "grids")
    code = pick.get("code") if pick else None
    if code != st.session_state.get(keys.KEY_LAST_PICK):  # a new click, not the same event again
        st.session_state[keys.KEY_LAST_PICK] = code
        if code:
            st.session_state[keys.KEY_SELECTED_GRID] = code
    with right:
        listed = show_top_grids(top, L)
        if listed and listed != st.session_state.get(keys.KEY_LAST_LISTED):
            st.session_state[keys.KEY_SELECTED_GRID] = listed
        st.session_state[keys.KEY_LAST_LISTED] = listed
        selected = st.session_state.get(keys.KEY_SELECTED_GRID)
        show_grid_card(
            selected, grids, h, table, idx, L, empty_hint=t("map.click", L), flt=scope.incidents
        )
st.caption(t("server.time", L, ms=f"{total.ms:.0f}"))
