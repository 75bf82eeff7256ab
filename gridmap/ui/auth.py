"""Login, the current user and role, and audit entries from the app.

The app requires a login whenever the workspace has users (``gridmap users … add``). Without
users it runs open — which ``gridmap serve`` allows only for the synthetic demo or with an
explicit ``--no-auth`` — and everyone acts as a local admin.
"""

from __future__ import annotations

import os
from typing import Any

import streamlit as st

from ..i18n import t
from ..security import AuditLog, User, UserStore, can
from . import state

__all__ = [
    "audit",
    "current_user",
    "login_form",
    "logout_button",
    "may",
    "user_area",
    "user_name",
]

#: Who acts when the workspace has no users (the demo, or serve --no-auth).
LOCAL = User("local", "admin", None)


def auth_required(path: str) -> bool:
    return os.environ.get("GRIDMAP_AUTH") == "required" or UserStore(path).any()


def current_user(path: str) -> User | None:
    """The logged-in user; :data:`LOCAL` when no login is required; None before a login."""
    user = st.session_state.get(state.KEY_USER)
    if isinstance(user, User):
        return user
    return None if auth_required(path) else LOCAL


def may(path: str, action: str) -> bool:
    user = current_user(path)
    return user is not None and can(user.role, action)


def user_area(path: str) -> str | None:
    user = current_user(path)
    return user.area if user else None


def user_name(path: str) -> str:
    """Who is acting, for drafts' author and the import log."""
    user = current_user(path) or LOCAL
    return user.username


def audit(path: str, action: str, **fields: Any) -> None:
    """One audit entry for what the current user just did in the app."""
    user = current_user(path) or LOCAL
    AuditLog(path).append(action, user=user.username, role=user.role, via="app", **fields)


def login_form(path: str, L: str) -> None:
    """The login screen; on success the user is kept in the session and the app reruns."""
    st.title(t("app.title", L))
    with st.form("login"):
        st.subheader(t("auth.title", L))
        name = st.text_input(t("auth.user", L), key="login_user")
        password = st.text_input(t("auth.password", L), type="password", key="login_password")
        submitted = st.form_submit_button(t("auth.login", L), type="primary")
    if not submitted:
        return
    result = UserStore(path).login(name.strip(), password)
    if result.user is None:
        AuditLog(path).append(
            "login failed", user=name.strip() or "?", via="app", detail={"reason": result.reason}
        )
        if result.reason == "locked":
            st.error(t("auth.locked", L, s=result.wait_s))
        else:
            st.error(t("auth.failed", L))  # never say whether the name exists
        return
    st.session_state[state.KEY_USER] = result.user
    AuditLog(path).append("login", user=result.user.username, role=result.user.role, via="app")
    st.rerun()


def logout_button(path: str, L: str) -> None:
    user = current_user(path)
    if user is None or user is LOCAL:
        return
    area = f" · {user.area}" if user.area else ""
    st.caption(t("auth.as", L, user=user.username, role=t(f"role.{user.role}", L)) + area)
    if st.button(t("auth.logout", L), key="logout"):
        audit(path, "logout")
        st.session_state.pop(state.KEY_USER, None)
        st.rerun()
