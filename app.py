"""gridmap app: registers the pages with st.navigation.

The page scripts live in ``app_pages/``, not ``pages/``: Streamlit treats a ``pages/`` folder
next to the entrypoint as an old-style multipage app, and a deep link such as ``/risk`` then
runs the page without this script (no navigation, no page config).

Each page draws the shared sidebar itself (``gridmap.ui.sidebar``) so that it always reflects
the current widget state, also under Streamlit's AppTest.
"""

import logging

import streamlit as st

from gridmap.i18n import t
from gridmap.ui import lang

# Page timings ("timing map.filter 0.4 ms") go to the server's log (stderr).
_log = logging.getLogger("gridmap")
if not _log.handlers:
    _handler = logging.StreamHandler()
    _handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(message)s"))
    _log.addHandler(_handler)
    _log.setLevel(logging.INFO)
st.set_page_config(page_title="gridmap 网格治理", page_icon="static/favicon.png", layout="wide")
L = lang()
pages = [
    st.Page("app_pages/map.py", title=t("page.map", L), icon=":material/map:", default=True),
    st.Page("app_pages/cockpit.py", title=t("page.cockpit", L), icon=":material/dashboard:"),
    st.Page("app_pages/risk.py", title=t("page.risk", L), icon=":material/local_fire_department:"),
    st.Page("app_pages/coverage.py", title=t("page.coverage", L), icon=":material/videocam:"),
    st.Page(
        "app_pages/rebalance.py", title=t("page.rebalance", L), icon=":material/edit_location_alt:"
    ),
    st.Page("app_pages/workspace.py", title=t("page.workspace", L), icon=":material/database:"),
]
st.navigation(pages).run()
