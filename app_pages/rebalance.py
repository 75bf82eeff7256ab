"""调整 Rebalance: pick a community, paint units onto grids with live balance, apply ranked
suggestions, save a draft version and publish it with an effective date."""

import streamlit as st

from gridmap.i18n import t
from gridmap.ui import Timer, load_hierarchy
from gridmap.ui.rebalance import Editing
from gridmap.ui.rebalance_edit import community_header, controls, handle_click, unit_map
from gridmap.ui.rebalance_overview import community_list, measure_picker
from gridmap.ui.rebalance_tables import live_table, suggestions_section
from gridmap.ui.rebalance_versions import versions_section
from gridmap.ui.sidebar import page_scope

path, scope, L = page_scope()
st.title(t("page.rebalance", L))
h = load_hierarchy(path)
# What to balance: households by default, workload when the grids have no household counts.
measure = measure_picker(path, L)

if h.levels.get(scope.area or "", "city") != "community":
    # Which communities need work; a click on a row picks one.
    community_list(path, scope.area, h, measure, L)
    st.stop()

# Each community's own band (urban 300-500 by default; see WorkloadSettings).
ed = Editing(path, str(scope.area), None, measure, L)
with Timer("rebalance.total") as total:
    session = handle_click(ed, ed.session())
    community_header(ed, session.plan, h.name(ed.community))
    codes_here = [
        c
        for c, comm in zip(session.plan.codes, session.plan.community, strict=True)
        if comm == ed.community
    ]
    left, right = st.columns([1.6, 1], gap="medium")
    with right:
        selected = controls(ed, session, codes_here)
    with left:
        unit_map(ed, session, selected)
    changed = live_table(ed, session, codes_here)
    suggestions_section(ed, session, changed)
    versions_section(ed, session.plan, h.name(ed.community))
st.caption(t("server.time", L, ms=f"{total.ms:.0f}"))
