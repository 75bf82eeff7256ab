"""Login, the current user and role, and audit entries from the app.

The app requires a login whenever the workspace has users (``gridmap users … add``). Without
users it runs open — which ``gridmap serve`` allows only for the synthetic demo or with an
explicit ``--no-auth`` — and everyone acts as a local admin.

When the app's ``.streamlit/secrets.toml`` has an ``[auth]`` section, the login screen also
offers single sign-on through an OpenID Connect provider (``st.login``). A signed-in identity
acts as the gridmap user named by its ``email`` claim (or the claim ``[gridmap] sso_claim``
names), with that user's role and area; an identity without such a user sees a no-access
screen and no page (:mod:`gridmap.security.oidc`). Password login works alongside.
"""

from __future__ import annotations

import dataclasses
import os
from importlib.util import find_spec
from typing import Any

import pandas as pd
import streamlit as st

from ..i18n import t
from ..schema import AuditAction
from ..security import AuditLog, User, UserStore, can
from ..security.oidc import SsoMatch, SsoSettings, match_identity, sso_settings
from . import keys, state

__all__ = [
    "audit",
    "audit_entries",
    "current_user",
    "login_form",
    "logout_button",
    "may",
    "oidc_claims",
    "sso",
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
    if not auth_required(path):
        return LOCAL
    return _sso_user(path)


def sso() -> SsoSettings | None:
    """Single sign-on as configured in the app's secrets; None without an ``[auth]`` section."""
    # A missing or unreadable secrets.toml is "no single sign-on", not an error page.
    if not st.secrets.load_if_toml_exists():
        return None
    settings = sso_settings({k: st.secrets[k] for k in ("auth", "gridmap") if k in st.secrets})
    missing = [m for m in ("authlib", "httpx") if find_spec(m) is None]
    if settings is not None and not settings.problem and missing:
        # st.login would fail on the click or on the way back; say so on the login screen.
        problem = f"{' and '.join(missing)} not installed (pip install 'gridmap[sso]')"
        settings = dataclasses.replace(settings, problem=problem)
    return settings


def oidc_claims() -> dict[str, Any] | None:
    """The claims of the identity signed in with ``st.login`` (``st.user``), else None."""
    info = dict(st.user.to_dict())
    return info if info.get("is_logged_in") is True else None


def _sso_user(path: str) -> User | None:
    """The gridmap user of the signed-in SSO identity, kept in the session and audited once;
    None (and a refusal remembered for the login screen) when the identity has none."""
    settings = sso()
    if settings is None or settings.problem:
        return None
    claims = oidc_claims()
    if claims is None:
        return None
    match = match_identity(claims, UserStore(path).list(), claim=settings.claim)
    detail = {"method": "sso", "provider": claims.get("provider"), "claim": settings.claim}
    if match.user is None:
        # Every rerun asks again; the refusal is logged once per session and identity.
        if st.session_state.get(state.KEY_SSO_REFUSED) != match:
            AuditLog(path).append(
                AuditAction.LOGIN_FAILED,
                user=match.identity or "?",
                via="app",
                detail={**detail, "reason": match.reason},
            )
            st.session_state[state.KEY_SSO_REFUSED] = match
        return None
    st.session_state[state.KEY_USER] = match.user
    st.session_state[state.KEY_AUTH_METHOD] = "sso"
    st.session_state.pop(state.KEY_SSO_REFUSED, None)
    AuditLog(path).append(
        AuditAction.LOGIN, user=match.user.username, role=match.user.role, via="app", detail=detail
    )
    return match.user


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
    """One audit entry for what the current user just did in the app (``action``: one of
    :class:`gridmap.schema.AuditAction`)."""
    user = current_user(path) or LOCAL
    AuditLog(path).append(action, user=user.username, role=user.role, via="app", **fields)


def audit_entries(path: str, *, limit: int | None = None) -> pd.DataFrame:
    """The audit log, newest first (the Audit page reads it through here)."""
    return AuditLog(path).read(limit=limit)


def login_form(path: str, L: str) -> None:
    """The login screen; on success the user is kept in the session and the app reruns.

    With single sign-on configured, a sign-in button per provider follows the password form;
    an SSO identity without a gridmap user gets the no-access screen instead.
    """
    st.title(t("app.title", L))
    refused = st.session_state.get(state.KEY_SSO_REFUSED)
    if isinstance(refused, SsoMatch):
        _no_access(refused, L)
        return
    with st.form("login"):
        st.subheader(t("auth.title", L))
        name = st.text_input(t("auth.user", L), key=keys.KEY_LOGIN_USER)
        password = st.text_input(
            t("auth.password", L), type="password", key=keys.KEY_LOGIN_PASSWORD
        )
        submitted = st.form_submit_button(t("auth.login", L), type="primary")
    message = st.empty()  # a failed password shows under its form, above the SSO button
    settings = sso()
    if settings is not None:
        _sso_buttons(settings, L)
    if not submitted:
        return
    result = UserStore(path).login(name.strip(), password)
    if result.user is None:
        AuditLog(path).append(
            AuditAction.LOGIN_FAILED,
            user=name.strip() or "?",
            via="app",
            detail={"reason": result.reason},
        )
        if result.reason == "locked":
            message.error(t("auth.locked", L, s=result.wait_s))
        else:
            message.error(t("auth.failed", L))  # never say whether the name exists
        return
    st.session_state[state.KEY_USER] = result.user
    st.session_state[state.KEY_AUTH_METHOD] = "password"
    AuditLog(path).append(
        AuditAction.LOGIN, user=result.user.username, role=result.user.role, via="app"
    )
    st.rerun()


def _sso_buttons(settings: SsoSettings, L: str) -> None:
    if settings.problem:
        st.warning(t("auth.sso_broken", L, problem=settings.problem))
        return
    for provider in settings.providers:
        if len(settings.providers) == 1:
            label = t("auth.sso", L)
        else:
            label = t("auth.sso_named", L, provider=provider or "default")
        key = state.KEY_SSO_LOGIN if provider is None else f"{state.KEY_SSO_LOGIN}_{provider}"
        if st.button(label, key=key, icon=":material/key:"):
            st.login(provider)  # redirects the browser to the identity provider
            st.stop()


def _no_access(refused: SsoMatch, L: str) -> None:
    """One line saying why, and a way out; no page, no sidebar."""
    # Shown in code spans: whatever the provider sent stays literal text, never markdown.
    who = (refused.identity or "?").replace("`", "'")
    if refused.reason == "unverified":
        st.error(t("auth.sso_unverified", L, who=who))
    elif refused.reason == "no claim":
        settings = sso()
        st.error(t("auth.sso_no_claim", L, claim=settings.claim if settings else "email"))
    else:
        st.error(t("auth.sso_unknown", L, who=who))
    if st.button(t("auth.sso_logout", L), key=state.KEY_SSO_LOGOUT):
        st.session_state.pop(state.KEY_SSO_REFUSED, None)
        # Ends the identity cookie (and the provider's session where it supports that);
        # st.stop, not st.rerun, so that the redirect reaches the browser.
        st.logout()
        st.stop()


def logout_button(path: str, L: str) -> None:
    user = current_user(path)
    if user is None or user is LOCAL:
        return
    area = f" · {user.area}" if user.area else ""
    st.caption(t("auth.as", L, user=user.username, role=t(f"role.{user.role}", L)) + area)
    if st.button(t("auth.logout", L), key=keys.KEY_LOGOUT):
        audit(path, AuditAction.LOGOUT)
        st.session_state.pop(state.KEY_USER, None)
        method = st.session_state.pop(state.KEY_AUTH_METHOD, None)
        if method == "sso" or (sso() is not None and oidc_claims() is not None):
            # Without ending the identity cookie the next run would sign the user in again.
            st.logout()
            st.stop()
        st.rerun()
