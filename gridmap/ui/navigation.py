"""The app's pages: their scripts, titles, icons and the capability each needs.

Page names belong to the UI; :mod:`gridmap.security` speaks only of capabilities
(:data:`gridmap.security.roles.ACTIONS`). ``app.py`` registers what :func:`allowed_pages`
returns, so a page the user's role may not see has no URL for that user.
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from ..i18n import t
from ..security import User, can

__all__ = ["PAGES", "PageSpec", "allowed_pages", "visible_names"]


@dataclass(frozen=True)
class PageSpec:
    """One page of the app."""

    #: The page's name: its script's stem, and its URL path.
    name: str
    #: The capability a role needs to see the page (an action of ``roles.ACTIONS``).
    needs: str
    icon: str
    default: bool = False

    @property
    def script(self) -> str:
        return f"app_pages/{self.name}.py"

    @property
    def title_key(self) -> str:
        return f"page.{self.name}"


#: In the order of the navigation menu.
PAGES: tuple[PageSpec, ...] = (
    PageSpec("map", "view", ":material/map:", default=True),
    PageSpec("cockpit", "view", ":material/dashboard:"),
    PageSpec("risk", "view", ":material/local_fire_department:"),
    PageSpec("coverage", "see_cameras", ":material/videocam:"),
    PageSpec("rebalance", "edit_grids", ":material/edit_location_alt:"),
    PageSpec("fusion", "edit_grids", ":material/join:"),
    PageSpec("workspace", "import", ":material/database:"),
    PageSpec("audit", "read_audit", ":material/history:"),
)


def visible_names(user: User | None) -> list[str]:
    """Names of the pages ``user`` sees; every page when there is no user (no workspace)."""
    return [p.name for p in PAGES if user is None or can(user.role, p.needs)]


def allowed_pages(user: User | None, lang: str) -> list[st.Page]:
    """The pages to register for ``user``, titled in ``lang``."""
    shown = set(visible_names(user))
    return [
        st.Page(p.script, title=t(p.title_key, lang), icon=p.icon, default=p.default)
        for p in PAGES
        if p.name in shown
    ]
