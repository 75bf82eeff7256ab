"""Optional single sign-on (OpenID Connect through ``st.login``): configuration, the mapping
from an identity to a gridmap user, and the login screen in AppTest.

AppTest cannot talk to an identity provider: ``st.login`` is replaced by a recorder, and the
signed-in identity is what ``AppTest.user`` hands to ``st.user`` — the claims a provider's ID
token would carry, plus the ``is_logged_in`` and ``provider`` keys Streamlit adds.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import streamlit
from streamlit.testing.v1 import AppTest

from gridmap.security import AuditLog, User, UserStore
from gridmap.security.oidc import SsoMatch, match_identity, sso_settings
from gridmap.ui import keys

from .helpers import app_for

COMMUNITY = "620104001001"  # the community of the conftest workspace
AUTH = {
    "redirect_uri": "http://localhost:8501/oauth2callback",
    "cookie_secret": "0123456789abcdef0123456789abcdef",
    "client_id": "gridmap",
    "client_secret": "not-a-real-secret",
    "server_metadata_url": "https://sso.example.invalid/.well-known/openid-configuration",
}
PROVIDER = {k: AUTH[k] for k in ("client_id", "client_secret", "server_metadata_url")}


def identity(email: str, **claims: Any) -> dict[str, Any]:
    """What st.user holds after a provider's callback: its claims and Streamlit's keys."""
    return {
        "is_logged_in": True,
        "provider": "default",
        "sub": "a1b2c3",
        "email": email,
        "email_verified": True,
        "name": "王芳",
        **claims,
    }


# --- configuration --------------------------------------------------------------------------
def test_no_auth_section_means_no_sso() -> None:
    assert sso_settings({}) is None
    assert sso_settings({"gridmap": {"sso_claim": "email"}}) is None


def test_default_provider_and_claim() -> None:
    settings = sso_settings({"auth": AUTH})
    assert settings is not None
    assert (settings.providers, settings.claim, settings.problem) == ((None,), "email", None)
    settings = sso_settings({"auth": AUTH, "gridmap": {"sso_claim": "preferred_username"}})
    assert settings is not None and settings.claim == "preferred_username"


def test_named_providers_and_a_choice_among_them() -> None:
    auth = {**{k: AUTH[k] for k in ("redirect_uri", "cookie_secret")}}
    auth |= {"corp": PROVIDER, "backup": PROVIDER}
    settings = sso_settings({"auth": auth})
    assert settings is not None
    assert (settings.providers, settings.problem) == (("corp", "backup"), None)
    chosen = sso_settings({"auth": auth, "gridmap": {"sso_providers": ["backup"]}})
    assert chosen is not None and chosen.providers == ("backup",)


@pytest.mark.parametrize(
    ("secrets", "problem"),
    [
        ({"auth": AUTH}, None),
        (
            {"auth": {k: v for k, v in AUTH.items() if k != "cookie_secret"}},
            "[auth] lacks cookie_secret",
        ),
        (
            {"auth": {k: v for k, v in AUTH.items() if k != "client_secret"}},
            "[auth] lacks client_secret",
        ),
        (
            {"auth": {"redirect_uri": "x", "cookie_secret": "y"}},
            "no provider: set client_id, client_secret and server_metadata_url",
        ),
        (
            {"auth": {"redirect_uri": "x", "cookie_secret": "y", "my_idp": PROVIDER}},
            "[auth.my_idp]: Streamlit does not allow '_' in a provider name",
        ),
        (
            {"auth": AUTH, "gridmap": {"sso_providers": ["okta"]}},
            "[gridmap] sso_providers names okta; configured: default",
        ),
        ({"auth": AUTH, "gridmap": {"sso_claim": ""}}, "[gridmap] sso_claim '' is not a claim"),
    ],
)
def test_configuration_problems_are_one_line(secrets: dict[str, Any], problem: str | None) -> None:
    settings = sso_settings(secrets)
    assert settings is not None
    if problem is None:
        assert settings.problem is None
    else:
        assert settings.problem is not None and problem in settings.problem
        assert "\n" not in settings.problem


# --- identity -> user -----------------------------------------------------------------------
USERS = [
    User("wang.fang@example.gov.cn", "operator", COMMUNITY),
    User("boss@example.gov.cn", "admin", None),
    User("lili", "viewer", "620104001"),
]


def test_email_maps_to_the_user_with_its_role_and_area() -> None:
    m = match_identity(identity("wang.fang@example.gov.cn"), USERS)
    assert m == SsoMatch(USERS[0], "wang.fang@example.gov.cn", None)
    # Addresses are compared regardless of case: providers and people write them both ways.
    m = match_identity(identity("Wang.Fang@Example.gov.cn"), USERS)
    assert m.user == USERS[0]


@pytest.mark.parametrize(
    ("claims", "reason"),
    [
        (identity("nobody@example.gov.cn"), "unknown"),
        (identity("boss@example.gov.cn", email_verified=False), "unverified"),
        (identity("boss@example.gov.cn", email_verified="false"), "unverified"),
        ({"is_logged_in": True, "sub": "x"}, "no claim"),
        (identity("   "), "no claim"),
        (identity(""), "no claim"),
    ],
)
def test_identities_without_access(claims: dict[str, Any], reason: str) -> None:
    m = match_identity(claims, USERS)
    assert m.user is None and m.reason == reason


def test_preferred_username_must_match_exactly() -> None:
    claims = identity("someone@else.org", preferred_username="lili")
    assert match_identity(claims, USERS, claim="preferred_username").user == USERS[2]
    claims["preferred_username"] = "LiLi"
    assert match_identity(claims, USERS, claim="preferred_username").reason == "unknown"


def test_two_users_differing_only_in_case_are_not_guessed_between() -> None:
    users = [User("A@x.org", "viewer", None), User("a@X.org", "admin", None)]
    assert match_identity(identity("A@X.ORG"), users).reason == "unknown"
    assert match_identity(identity("a@X.org"), users).user == users[1]


def test_user_names_may_be_email_addresses(workspace: str) -> None:
    user = UserStore(workspace).add("wang.fang+gm@example.gov.cn", "operator-pass-1", "operator")
    assert user.username == "wang.fang+gm@example.gov.cn"


# --- the app --------------------------------------------------------------------------------
@pytest.fixture
def staffed(workspace: str) -> str:
    """The conftest workspace with an operator limited to its community and a password user."""
    users = UserStore(workspace)
    users.add("wang.fang@example.gov.cn", "operator-pass-1", "operator", area=COMMUNITY)
    users.add("planner1", "planner-pass-1", "planner")
    return workspace


@pytest.fixture
def logins(monkeypatch: pytest.MonkeyPatch) -> list[str | None]:
    """st.login cannot reach a provider here: record which provider the app asked for."""
    asked: list[str | None] = []
    monkeypatch.setattr(streamlit, "login", lambda provider=None: asked.append(provider))
    return asked


@pytest.fixture
def logouts(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """st.logout still runs (it clears AppTest's st.user); calls are counted."""
    original = streamlit.logout
    calls: list[bool] = []

    def spy() -> None:
        calls.append(True)
        original()

    monkeypatch.setattr(streamlit, "logout", spy)
    return calls


def sso_app(ws: str, monkeypatch: pytest.MonkeyPatch, **secrets: Any) -> AppTest:
    at = app_for(ws, monkeypatch)
    at.secrets = {"auth": AUTH, **secrets}
    return at


def sso_run(ws: str, monkeypatch: pytest.MonkeyPatch, user: Any, **secrets: Any) -> AppTest:
    """The SSO app run once with the identity ``user`` signed in at the provider."""
    at = sso_app(ws, monkeypatch, **secrets)
    at.user = user
    at.run()
    assert not at.exception
    return at


def actions(ws: str) -> list[tuple[str, str, dict[str, Any]]]:
    log = AuditLog(ws).read().iloc[::-1]  # oldest first
    return [
        (a, u, json.loads(d) if isinstance(d, str) else {})
        for a, u, d in zip(log["action"], log["user"], log["detail"], strict=True)
    ]


def test_login_screen_offers_sso_next_to_the_password_form(
    staffed: str, monkeypatch: pytest.MonkeyPatch, logins: list[str | None]
) -> None:
    at = sso_app(staffed, monkeypatch)
    at.run()
    assert not at.exception
    assert at.text_input(key=keys.KEY_LOGIN_PASSWORD) is not None  # password login still there
    button = at.button(key=keys.KEY_SSO_LOGIN)
    assert button.label == "使用单点登录"
    button.click().run()
    assert logins == [None]  # the provider configured in [auth] itself


def test_each_named_provider_gets_a_button(
    staffed: str, monkeypatch: pytest.MonkeyPatch, logins: list[str | None]
) -> None:
    auth = {"redirect_uri": AUTH["redirect_uri"], "cookie_secret": AUTH["cookie_secret"]}
    at = app_for(staffed, monkeypatch)
    at.secrets = {"auth": {**auth, "corp": PROVIDER, "backup": PROVIDER}}
    at.session_state[keys.KEY_LANG] = "en"
    at.run()
    assert at.button(key=keys.sso_login_key("corp")).label == "Sign in with SSO (corp)"
    at.button(key=keys.sso_login_key("backup")).click().run()
    assert logins == ["backup"]


def test_without_an_auth_section_nothing_changes(
    staffed: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = app_for(staffed, monkeypatch)
    at.secrets = {"other": {"key": "value"}}
    at.user = identity("wang.fang@example.gov.cn")  # even a signed-in identity is ignored
    at.run()
    assert not at.exception
    assert not [b for b in at.button if b.key and b.key.startswith("sso_login")]
    assert at.get("deck_gl_json_chart") == []  # still the login form
    assert actions(staffed) == []


def test_incomplete_configuration_is_said_and_offers_no_button(
    staffed: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = app_for(staffed, monkeypatch)
    at.secrets = {"auth": {k: v for k, v in AUTH.items() if k != "cookie_secret"}}
    at.run()
    assert not at.exception
    assert "[auth] lacks cookie_secret" in at.warning[0].value
    assert not [b for b in at.button if b.key and b.key.startswith("sso_login")]


def test_a_known_identity_gets_its_users_role_and_area(
    staffed: str, monkeypatch: pytest.MonkeyPatch, logouts: list[bool]
) -> None:
    at = sso_run(staffed, monkeypatch, identity("Wang.Fang@example.gov.cn"))
    assert at.session_state[keys.KEY_USER] == User(
        "wang.fang@example.gov.cn", "operator", COMMUNITY
    )
    assert at.get("deck_gl_json_chart")  # the map page, not the login form
    assert "示范社区" in " ".join(c.value for c in at.sidebar.caption)  # the user's area
    # An operator's pages only: the admin's audit page does not exist for it.
    with pytest.raises(Exception, match=r"(?i)not found|could not find|page"):
        at.switch_page("app_pages/audit.py").run()
    at.switch_page("app_pages/map.py").run()
    at.run()  # more reruns: one login in the audit log
    assert actions(staffed) == [
        (
            "login",
            "wang.fang@example.gov.cn",
            {"method": "sso", "provider": "default", "claim": "email"},
        )
    ]
    # Logging out ends the identity cookie too, else the next run would sign in again.
    at.sidebar.button(key=keys.KEY_LOGOUT).click().run()
    assert logouts == [True]
    at.run()
    assert at.get("deck_gl_json_chart") == [] and at.text_input(key=keys.KEY_LOGIN_USER) is not None
    assert [a for a, _, _ in actions(staffed)] == ["login", "logout"]


def test_an_unknown_identity_sees_no_access_and_a_sign_out(
    staffed: str, monkeypatch: pytest.MonkeyPatch, logouts: list[bool]
) -> None:
    at = sso_run(staffed, monkeypatch, identity("stranger@example.org"))
    assert len(at.error) == 1
    message = at.error[0].value
    assert message.startswith("`stranger@example.org` 没有访问权限")
    assert "`gridmap users WORKSPACE add stranger@example.org --role ROLE --area CODE`" in message
    assert "\n" not in message
    # No page, no sidebar, no password form: only the way out.
    assert at.get("deck_gl_json_chart") == [] and not at.sidebar.selectbox
    assert not at.text_input
    at.run()  # refused and logged once per session, not on every rerun
    assert actions(staffed) == [
        (
            "login failed",
            "stranger@example.org",
            {"method": "sso", "provider": "default", "claim": "email", "reason": "unknown"},
        )
    ]
    at.button(key=keys.KEY_SSO_LOGOUT).click().run()
    assert logouts == [True]
    at.run()
    assert at.text_input(key=keys.KEY_LOGIN_USER) is not None  # back at the login screen
    assert at.button(key=keys.KEY_SSO_LOGIN) is not None


def test_an_unverified_address_is_refused(staffed: str, monkeypatch: pytest.MonkeyPatch) -> None:
    at = sso_app(staffed, monkeypatch)
    at.session_state[keys.KEY_LANG] = "en"
    at.user = identity("wang.fang@example.gov.cn", email_verified=False)
    at.run()
    assert at.error[0].value.startswith(
        "No access for `wang.fang@example.gov.cn`: the identity provider has not verified"
    )
    assert keys.KEY_USER not in at.session_state
    assert actions(staffed)[0][2]["reason"] == "unverified"


def test_preferred_username_claim_from_the_gridmap_section(
    staffed: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = sso_run(
        staffed,
        monkeypatch,
        identity("p1@example.org", preferred_username="planner1"),
        gridmap={"sso_claim": "preferred_username"},
    )
    assert at.session_state[keys.KEY_USER] == User("planner1", "planner", None)


def test_password_login_keeps_working_beside_sso(
    staffed: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = sso_app(staffed, monkeypatch)
    at.run()
    at.text_input(key=keys.KEY_LOGIN_USER).input("planner1")
    at.text_input(key=keys.KEY_LOGIN_PASSWORD).input("wrong-password")
    at.get("form_submit_button")[0].click().run()
    assert at.error[0].value == "用户名或密码不正确。"
    at.text_input(key=keys.KEY_LOGIN_PASSWORD).input("planner-pass-1")
    at.get("form_submit_button")[0].click().run()
    assert not at.exception
    assert at.session_state[keys.KEY_USER] == User("planner1", "planner", None)
    assert [a for a, _, _ in actions(staffed)] == ["login failed", "login"]


# --- a real server, a real st.login, a local identity provider, Chromium ---------------------
@pytest.mark.browser
def test_sign_in_through_a_real_provider_round_trip(staffed: str, tmp_path: Path) -> None:
    """The whole redirect dance against a local OpenID Connect provider: sign in as a known
    identity (its user's role and area in the sidebar), log out, be refused as an unknown
    one, sign out. What this cannot show: a real provider's login page, its claims, and its
    end-session endpoint (the fake has none, so logout is local only)."""
    import os

    from playwright.sync_api import expect, sync_playwright

    from ..builders import require
    from .fake_idp import fake_idp
    from .server import BROWSER_ARGS, CHROMIUM, IDLE, free_port, running_app

    if not Path(CHROMIUM).exists():
        if require("GRIDMAP_REQUIRE_BROWSER"):
            pytest.fail(f"Chromium not found at {CHROMIUM} (required in CI)")
        pytest.skip("Chromium not installed")
    app_port = free_port()
    with fake_idp(free_port()) as idp:
        secrets_file = tmp_path / "secrets.toml"
        secrets_file.write_text(
            "[auth]\n"
            f'redirect_uri = "http://127.0.0.1:{app_port}/oauth2callback"\n'
            f'cookie_secret = "{os.urandom(32).hex()}"\n'
            'client_id = "gridmap"\n'
            'client_secret = "not-a-real-secret"\n'
            f'server_metadata_url = "{idp.metadata_url}"\n',
            encoding="utf-8",
        )
        options = ["--secrets.files", str(secrets_file)]
        with (
            running_app(staffed, app_port, options=options) as url,
            sync_playwright() as pw,
        ):
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=BROWSER_ARGS)
            page = browser.new_page()

            def settle() -> None:
                page.locator(IDLE).wait_for(state="attached", timeout=60_000)

            def sign_in(email: str) -> None:
                idp.identity = {"email": email, "email_verified": True, "name": "王芳"}
                page.get_by_role("button", name="使用单点登录").click()
                page.wait_for_url(f"{url}/**", timeout=30_000)  # back from the provider
                settle()

            page.goto(url)
            settle()
            sign_in("Wang.Fang@example.gov.cn")
            sidebar = page.get_by_test_id("stSidebar")
            # The sidebar fills in as the page runs: wait for the user's line and area.
            expect(sidebar).to_contain_text("wang.fang@example.gov.cn（值班人员）", timeout=30_000)
            expect(sidebar).to_contain_text("示范社区", timeout=30_000)
            assert idp.requests.count("/token") == 1
            sidebar.get_by_role("button", name="退出登录").click()
            page.get_by_role("button", name="使用单点登录").wait_for(timeout=30_000)
            page.goto(url)  # a new session: the identity cookie is gone, no silent sign-in
            settle()
            assert page.get_by_test_id("stSidebar").count() == 0

            sign_in("stranger@example.org")
            error = page.get_by_test_id("stAlertContentError").inner_text()
            assert error.startswith("stranger@example.org 没有访问权限")
            assert page.get_by_test_id("stSidebar").count() == 0
            page.get_by_role("button", name="退出单点登录").click()
            page.get_by_role("button", name="使用单点登录").wait_for(timeout=30_000)
            browser.close()
    assert [a for a, _, _ in actions(staffed)] == ["login", "logout", "login failed"]
