"""驾驶舱 Cockpit: one screen for meetings — KPIs with denominators, hot spots, top grids."""

import datetime as dt

import streamlit as st

from gridmap.analytics.trends import trend_label
from gridmap.i18n import t
from gridmap.report.from_workspace import area_name
from gridmap.ui import Timer, load_hierarchy, state
from gridmap.ui.cockpit import (
    MEETING_CSS,
    categories_chart,
    cockpit_map_layers,
    cockpit_view,
    export_pdf,
    export_png,
    grid_points,
    kpi_tiles_html,
    load_cockpit,
    monthly_chart,
    top_list_html,
)
from gridmap.ui.mapdata import context_layers, scope_view
from gridmap.ui.sidebar import page_scope
from gridmap.viz import make_deck

path, scope, L = page_scope()

# Meeting mode survives reloads through the URL (?meeting=1), so the meeting-room PC can
# keep a bookmark that opens straight into it.
if state.KEY_MEETING not in st.session_state:
    st.session_state[state.KEY_MEETING] = st.query_params.get("meeting") == "1"
meeting = bool(st.session_state[state.KEY_MEETING])
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
    head.markdown(
        f"<h2 style='margin:0'>{t('cockpit.title', L, area=area_name(h, scope.area))}{badge}</h2>",
        unsafe_allow_html=True,
    )
    toggle.toggle(t("cockpit.meeting", L), key=state.KEY_MEETING)
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
    st.markdown(kpi_tiles_html(cockpit, L), unsafe_allow_html=True)

    left, right = st.columns([1.45, 1], gap="medium")
    with left:
        layer = (
            st.segmented_control(
                t("risk.layer", L),
                ["hotspots", "emerging"],
                default="hotspots",
                key=state.KEY_COCKPIT_LAYER,
                format_func=lambda v: t(
                    "cockpit.map" if v == "hotspots" else "cockpit.map.emerging", L
                ),
                label_visibility="collapsed",
            )
            or "hotspots"
        )
        cells, legend = cockpit_map_layers(cockpit, layer, L, grid_points(path))
        deck = make_deck(
            [*context_layers(path, scope.area), *cells],
            cockpit_view(cockpit, path, scope_view(path, scope.area)),
            tooltip=False,
        )
        st.pydeck_chart(deck, height=620 if meeting else 540, key=state.KEY_COCKPIT_MAP)
        st.markdown(legend, unsafe_allow_html=True)
    with right:
        st.markdown(f"#### {t('cockpit.top', L, n=len(cockpit.top))}")
        st.markdown(top_list_html(cockpit, L), unsafe_allow_html=True)

    size = 18 if meeting else 13
    c1, c2, c3 = st.columns([1.3, 1, 1.1], gap="medium")
    c1.altair_chart(monthly_chart(cockpit, L, size), width="stretch")
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
    stamp = dt.date.today().isoformat()
    e1, e2, _ = st.columns([1, 1, 3])
    e1.download_button(
        t("cockpit.export.png", L),
        lambda: export_png(path, cockpit, scope.area, L),
        file_name=f"cockpit_{flt.end}_{stamp}.png",
        mime="image/png",
        key="cockpit_png",
        icon=":material/image:",
    )
    e2.download_button(
        t("cockpit.export.pdf", L),
        lambda: export_pdf(path, cockpit, scope.area, L),
        file_name=f"risk_report_{flt.end}_{stamp}.pdf",
        mime="application/pdf",
        key="cockpit_pdf",
        icon=":material/picture_as_pdf:",
    )
if not meeting:
    st.caption(t("server.time", L, ms=f"{total.ms:.0f}"))
