"""gridmap app: registers pages with st.navigation and draws the shared sidebar."""

import streamlit as st

from gridmap.i18n import t
from gridmap.ui import lang, sidebar

st.set_page_config(page_title="gridmap", page_icon="🗺️", layout="wide")
sidebar()
pages = [
    st.Page("pages/workspace.py", title=t("page.workspace", lang()), icon="🗂️", default=True),
]
st.navigation(pages).run()
