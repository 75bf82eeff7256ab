"""gridmap app: registers the pages with st.navigation.

The page scripts live in ``app_pages/``, not ``pages/``: Streamlit treats a ``pages/`` folder
next to the entrypoint as an old-style multipage app, and a deep link such as ``/risk`` then
runs the page without this script (no navigation, no page config).

Each page draws the shared sidebar itself (``gridmap.ui.sidebar``) so that it always reflects
the current widget state, also under Streamlit's AppTest.
"""

import logging
import os

import streamlit as st

from gridmap.i18n import t
from gridmap.ui import lang, workspace_exists, workspace_path
from gridmap.ui.auth import current_user, login_form
from gridmap.ui.guard import run_page
from gridmap.ui.navigation import allowed_pages
from gridmap.ui.warm import start_warmup

# Page timings ("timing map.filter 0.4 ms") go to the server's log (stderr).
_log = logging.getLogger("gridmap")
if not _log.handlers:
    _handler = logging.StreamHandler()
    _handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(message)s"))
    _log.addHandler(_handler)
    _log.setLevel(logging.INFO)
st.set_page_config(page_title="gridmap 网格治理", page_icon="static/favicon.png", layout="wide")
L = lang()
path = workspace_path()
exists = workspace_exists(path)
user = current_user(path) if exists else None
if exists and user is None:
    # Nothing but the login form until a user has logged in: no page, no deep link.
    st.navigation([st.Page(lambda: login_form(path, L), title=t("auth.title", L))]).run()
    st.stop()
if os.environ.get("GRIDMAP_WARM") == "1":  # set by `gridmap serve`
    start_warmup(path)
# Only the pages the role may see are registered: another page's URL does not exist for it.
# A failing page shows one line and a log reference, never a traceback (see gridmap.ui.guard).
run_page(st.navigation(allowed_pages(user, L)))
