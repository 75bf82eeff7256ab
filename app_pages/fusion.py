"""融合 Fusion (多网合一): a department's grid layer against the basic grids — which units do
not line up, what to do about it, and who is responsible for what on each grid."""

import streamlit as st

from gridmap.i18n import t
from gridmap.ui import Timer, keys
from gridmap.ui.fusion import (
    department_choices,
    department_version_choices,
    load_fusion,
    version_line,
)
from gridmap.ui.fusion_map import MAP_HEIGHT, VIEWS, fusion_deck, fusion_legend
from gridmap.ui.fusion_panels import (
    pick_from_map,
    show_downloads,
    show_headline,
    show_kpis,
    show_misaligned,
    show_steps,
    show_tables,
    show_who,
)
from gridmap.ui.settings import map_base
from gridmap.ui.sidebar import page_scope

path, scope, L = page_scope()
st.title(t("page.fusion", L))
st.caption(t("fusion.page.intro", L))

names = department_choices(path)
if not names:
    # Nothing to compare yet: say where department layers come from (not an error).
    st.info(t("fusion.page.none", L), icon=":material/info:")
    st.stop()

with Timer("fusion.total") as total:
    top = st.columns([1.2, 0.6, 2.2])
    department = top[0].selectbox(t("fusion.page.department", L), names, key=keys.KEY_FUSION_DEPT)
    versions = department_version_choices(path, department)
    if st.session_state.get(keys.KEY_FUSION_VERSION) not in versions:
        st.session_state.pop(keys.KEY_FUSION_VERSION, None)  # another department's version
    # A picker only when there is a choice: older versions stay kept after a re-import.
    version = (
        top[1].selectbox(
            t("fusion.page.version.pick", L),
            versions,
            key=keys.KEY_FUSION_VERSION,
            format_func=lambda v: t("fusion.page.version.option", L, v=v),
        )
        if len(versions) > 1
        else None
    )
    top[2].caption(version_line(path, department, L, version))
    with st.spinner(t("fusion.page.working", L)), Timer("fusion.analysis"):
        result = load_fusion(path, department, version)
    show_headline(result, L)
    show_kpis(result, L)
    base = map_base(path)
    if base.warning:
        st.warning(t("basemap.failed", L, msg=base.warning), icon=":material/map:")
    # The map and, beside it, what to do and the misaligned units; "who is responsible" for
    # the grid picked on the map right under it.
    left, right = st.columns([2.1, 1.2])
    with left:
        view = (
            st.segmented_control(
                t("fusion.page.view", L),
                list(VIEWS),
                default=VIEWS[0],
                key=keys.KEY_FUSION_VIEW,
                format_func=lambda v: t(f"fusion.view.{v}", L),
                label_visibility="collapsed",
            )
            or VIEWS[0]
        )
        with Timer("fusion.deck"):
            deck = fusion_deck(
                path, department, version, view, st.session_state.get(keys.KEY_FUSION_GRID),
                base, L,
            )  # fmt: skip
        event = st.pydeck_chart(
            deck,
            on_select="rerun",
            selection_mode="single-object",
            key=keys.KEY_FUSION_MAP,
            height=MAP_HEIGHT,
        )
        st.markdown(fusion_legend(view, L), unsafe_allow_html=True)
        if pick_from_map(event):
            st.rerun()  # a grid clicked: draw the map again with it outlined
        show_who(path, result, L)
    with right:
        show_steps(result, L)
        show_misaligned(path, result, L)
    show_tables(path, result, L)
    show_downloads(path, result, L)
st.caption(t("server.time", L, ms=f"{total.ms:.0f}"))
