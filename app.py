"""gridmap app: registers pages with st.navigation and draws the shared sidebar."""

import logging

import streamlit as st

from gridmap.i18n import t
from gridmap.ui import lang, sidebar, workspace_path
from gridmap.ui.sidebar import remember

logging.getLogger("gridmap").setLevel(logging.INFO)
st.set_page_config(page_title="gridmap 网格治理", page_icon="🗺️", layout="wide")
L = lang()
pages = [
    st.Page("pages/map.py", title=t("page.map", L), icon="🗺️", default=True),
    st.Page("pages/workspace.py", title=t("page.workspace", L), icon="🗂️"),
]
nav = st.navigation(pages)
remember(sidebar(workspace_path()))
nav.run()
