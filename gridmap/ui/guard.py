"""A page that fails says so in one line with a log reference, never with a traceback.

The served app runs with Streamlit's error details off (``.streamlit/config.toml``), so an
uncaught exception would show only Streamlit's generic box. :func:`run_page` catches what a
page raises, logs the traceback on the server under a short reference and shows the user one
line in the chosen language with that reference, so the administrator can find it in the
log. ``GRIDMAP_DEBUG=1`` lets the exception through (Streamlit then shows it, and AppTest
reports it), as it does for the command line.
"""

from __future__ import annotations

import logging
import os
import secrets
from typing import Protocol

import streamlit as st

from ..i18n import t
from .sidebar import lang

__all__ = ["ERROR_KEY", "run_page"]

log = logging.getLogger("gridmap.ui.pages")

#: Key of the container holding the one-line error (tests and the browser find it by it).
ERROR_KEY = "page_error"


class _Page(Protocol):
    @property
    def url_path(self) -> str: ...

    def run(self) -> None: ...


def run_page(page: _Page) -> str | None:
    """Run ``page``; on an exception, log it with a reference and show one line.

    Returns the reference of the logged failure, None when the page ran. Streamlit's own
    control flow (``st.stop``, ``st.rerun``, ``st.switch_page``) derives from
    ``BaseException`` and passes through.
    """
    if os.environ.get("GRIDMAP_DEBUG"):
        page.run()
        return None
    # Created before the page draws, so the message stands at the top of what was drawn.
    slot = st.container(key=ERROR_KEY)
    try:
        page.run()
    except Exception:
        ref = secrets.token_hex(4)
        log.exception("page %r failed; reference %s", page.url_path or "/", ref)
        with slot:
            st.error(t("app.error", lang(), ref=ref), icon=":material/error:")
        return ref
    return None
