"""驾驶舱 Cockpit: one screen for meetings — KPIs with denominators, hot spots, top grids."""

import pandas as pd
import streamlit as st

from gridmap.i18n import t
from gridmap.ui import Timer, keys, load_hierarchy, load_incidents
from gridmap.ui.backlog import backlog_card, backlog_details, backlog_tile
from gridmap.ui.cockpit import (
    MEETING_CSS,
    MEETING_MAP_PX,
    area_name,
    categories_chart,
    closure_note_html,
    cluster_notes_html,
    cockpit_map_layers,
    cockpit_view,
    export_controls,
    grid_points,
    kpi_tiles_html,
    load_cockpit,
    monthly_chart,
    professional_list_html,
    titled,
    top_list_html,
    top_title,
    trend_label,
)
from gridmap.ui.forecast import cockpit_sentence, forecast_line
from gridmap.ui.mapdata import context_layers, grid_layers, place_labels, scope_view
from gridmap.ui.settings import make_deck, map_base
from gridmap.ui.sidebar import COCKPIT_PERIOD, page_scope
from gridmap.ui.this_week import this_week_section

path, scope, L = page_scope(period=COCKPIT_PERIOD)  # the last complete month

# Meeting mode survives reloads through the URL (?meeting=1), so the meeting-room PC can
# keep a bookmark that opens straight into it.
if keys.KEY_MEETING not in st.session_state:
    st.session_state[keys.KEY_MEETING] = st.query_params.get("meeting") == "1"
meeting = bool(st.session_state[keys.KEY_MEETING])
if meeting:
    st.query_params["meeting"] = "1"
    st.markdown(MEETING_CSS, unsafe_allow_html=True)
else:
    st.query_params.pop("meeting", None)

with Timer("cockpit.total") as total:
    h = load_hierarchy(path)
    flt = scope.incidents
    cockpit = load_cockpit(path, flt)
    head, toggle = st.columns([5, 1.3], vertical_alignment="center")
    badge = f'<span class="gm-badge">{t("cockpit.synthetic", L)}</span>' if scope.synthetic else ""
    # A workspace without a city-level admin unit (grids only) has no city name to show.
    area = area_name(h, scope.area) or t("scope.city", L)
    head.markdown(
        f"<h2 style='margin:0'>{titled('cockpit.title', area, L)}{badge}</h2>",
        unsafe_allow_html=True,
    )
    toggle.toggle(t("cockpit.meeting", L), key=keys.KEY_MEETING)
    p = cockpit.previous
    st.caption(
        t(
            "cockpit.period",
            L,
            start=flt.start,
            end=flt.end,
            days=(flt.end - flt.start).days + 1,
            pstart=p.start,
            pend=p.end,
        )
    )
    span = load_incidents(path).time_range
    if span is None:
        st.info(t("no.incidents", L), icon=":material/info:")
    elif not cockpit.notes.get("previous_covered", 1.0):
        st.caption(t("cockpit.previous.none", L, first=span[0], pstart=p.start, pend=p.end))
    if meeting:
        # One screen on a 1080p projector (KPIs, map, all ten ranked rows): the backlog joins
        # the KPI row; its breakdowns, the closure note and the forecast go below the fold.
        tile = backlog_tile(path, flt, p.end, L)
        st.markdown(kpi_tiles_html(cockpit, L, extra=[tile], note=False), unsafe_allow_html=True)
    else:
        st.markdown(kpi_tiles_html(cockpit, L), unsafe_allow_html=True)
        backlog_card(path, flt, p.end, L)
        # One plain line on how the risk forecast was chosen; its backtest runs in the
        # background and the line appears when it is done, so no screen waits for it.
        forecast_line(path, L, cockpit_sentence)

    left, right = st.columns([1.25, 1] if meeting else [1.45, 1], gap="medium")
    with left:
        layer = (
            st.segmented_control(
                t("risk.layer", L),
                ["hotspots", "emerging"],
                default="hotspots",
                key=keys.KEY_COCKPIT_LAYER,
                format_func=lambda v: t(
                    "cockpit.map" if v == "hotspots" else "cockpit.map.emerging", L
                ),
                label_visibility="collapsed",
            )
            or "hotspots"
        )
        view = cockpit_view(cockpit, path, scope_view(path, scope.area))
        # Rank badges are spread apart at the view's zoom, so none hides another.
        cells, legend = cockpit_map_layers(cockpit, layer, L, grid_points(path), view.zoom)
        context = context_layers(path, scope.area)
        if not context:
            # No admin layer (grids and incidents only): the grid outlines place the cells.
            context = grid_layers(path, scope.area, pd.Series(dtype="int64"))[:2]
        # Place names over the cells, under the rank badges (as on 一张图), shown by zoom.
        heat, *ranks = cells
        layers = [*context, heat, *place_labels(path, scope.area), *ranks]
        deck = make_deck(layers, view, tooltip=False, base=map_base(path), wgs84=True)
        st.pydeck_chart(deck, height=MEETING_MAP_PX if meeting else 540, key=keys.KEY_COCKPIT_MAP)
        st.markdown(legend, unsafe_allow_html=True)
    with right:
        st.markdown(f"#### {top_title(cockpit, L)}")
        st.markdown(top_list_html(cockpit, L), unsafe_allow_html=True)
        st.markdown(cluster_notes_html(cockpit, L, h.name), unsafe_allow_html=True)
        st.markdown(professional_list_html(cockpit, L), unsafe_allow_html=True)
        with st.expander(t("priority.how.title", L)):
            st.markdown(t("priority.how", L).replace("\n", "  \n"))

    if meeting:
        st.markdown(closure_note_html(cockpit, L), unsafe_allow_html=True)
        backlog_details(path, flt, p.end, L)
        forecast_line(path, L, cockpit_sentence)
    this_week_section(path, flt, L)
    size = 18 if meeting else 13
    c1, c2, c3 = st.columns([1.3, 1, 1.1], gap="medium")
    first = span[0] if span else None
    c1.altair_chart(monthly_chart(cockpit, L, size, first=first), width="stretch")
    c2.altair_chart(categories_chart(cockpit, L, size), width="stretch")
    with c3:
        st.markdown(f"**{t('cockpit.emerging', L)}**")
        em = cockpit.emerging.head(6)
        if em.empty:
            st.caption(t("cockpit.emerging.none", L))
        for _, row in em.iterrows():
            st.markdown(
                f"- {trend_label(int(row['trend_code']), L)} · {h.name(str(row['grid']))} · "
                f"{int(row['count']):,} {t('count.unit', L)}"
            )
    st.caption(
        t(
            "cockpit.suppressed",
            L,
            m=cockpit.min_count,
            cells=cockpit.suppressed_cells,
            grids=cockpit.suppressed_grids,
        )
    )
    export_controls(path, cockpit, scope.area, L)
if not meeting:
    st.caption(t("server.time", L, ms=f"{total.ms:.0f}"))
