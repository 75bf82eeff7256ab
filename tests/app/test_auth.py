"""Login, roles and area scoping in the app; the CLI's users, audit and serve checks."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from gridmap.cli import _serve_auth, main
from gridmap.security import AuditLog
from gridmap.ui import keys

from .helpers import app_for


def _login(at, name: str, password: str) -> None:
    at.text_input(key=keys.KEY_LOGIN_USER).input(name)
    at.text_input(key=keys.KEY_LOGIN_PASSWORD).input(password)
    at.get("form_submit_button")[0].click().run()


def _signed_in(ws: Path, monkeypatch: pytest.MonkeyPatch, name: str, password: str) -> AppTest:
    """The app on ``ws`` after ``name`` signed in with ``password``."""
    at = app_for(ws, monkeypatch)
    at.run()
    _login(at, name, password)
    return at


def test_nothing_but_the_login_form_before_a_login(
    two_communities: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = app_for(two_communities, monkeypatch)
    at.run()
    assert not at.exception
    assert at.get("deck_gl_json_chart") == [] and not at.sidebar.selectbox
    _login(at, "east_viewer", "wrong-password")
    assert at.error[0].value == "用户名或密码不正确。"
    _login(at, "nobody", "viewer-pass-1")
    assert at.error[0].value == "用户名或密码不正确。"  # the same words: names stay secret
    log = AuditLog(two_communities).read()
    assert list(log["action"]) == ["login failed", "login failed"]


def test_a_viewer_sees_its_community_and_no_names(
    two_communities: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = _signed_in(two_communities, monkeypatch, "east_viewer", "viewer-pass-1")
    assert not at.exception
    # The whole time range of the fixture's incidents (June to October 2025).
    at.sidebar.date_input(key=keys.KEY_WINDOW).set_value(
        (dt.date(2025, 6, 1), dt.date(2025, 10, 27))
    ).run()
    assert "东社区" in " ".join(c.value for c in at.sidebar.caption)
    # The map page counts only the east community's 40 incidents.
    assert "40" in at.markdown[0].value and "80" not in at.markdown[0].value
    # Planner and admin pages are not registered for a viewer.
    for page in ("app_pages/rebalance.py", "app_pages/workspace.py", "app_pages/audit.py"):
        with pytest.raises(Exception, match=r"(?i)not found|could not find|page"):
            at.switch_page(page).run()
    # The grid card hides the worker's name.
    at.session_state[keys.KEY_MAP] = {
        "selection": {
            "indices": {"grids": [0]},
            "objects": {"grids": [{"properties": {"code": "E1"}}]},
        }
    }
    at.switch_page("app_pages/map.py").run()
    metrics = {m.label: m.value for m in at.metric}
    assert metrics.get("网格员") == "（不对查看角色显示）"
    assert "王五" not in json.dumps([m.value for m in at.metric], ensure_ascii=False)
    assert AuditLog(two_communities).read()["action"].iloc[0] == "login"


def test_a_planner_reaches_the_rebalance_page(
    two_communities: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = _signed_in(two_communities, monkeypatch, "planner1", "planner-pass-1")
    at.switch_page("app_pages/rebalance.py").run()
    assert not at.exception
    with pytest.raises(Exception, match=r"(?i)not found|could not find|page"):
        at.switch_page("app_pages/workspace.py").run()


def test_cli_users_audit_and_serve_rules(
    workspace: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(Exception, match="not the demo and no users"):
        _serve_auth(workspace, no_auth=False)
    assert main(["serve", str(workspace)]) == 2
    assert "--no-auth" in capsys.readouterr().err
    assert _serve_auth(workspace, no_auth=True) == "off"
    monkeypatch.setattr("sys.stdin", io.StringIO("admin-pass-12\n"))
    assert (
        main(["users", str(workspace), "add", "boss", "--role", "admin", "--password-stdin"]) == 0
    )
    assert _serve_auth(workspace, no_auth=False) == "required"
    capsys.readouterr()
    assert main(["users", str(workspace), "list", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == [
        {"username": "boss", "role": "admin", "area": None}
    ]
    monkeypatch.setattr("sys.stdin", io.StringIO("x\n"))
    assert main(["users", str(workspace), "add", "b2", "--role", "viewer", "--password-stdin"]) == 2
    assert main(["users", str(workspace), "add", "b3", "--role", "viewer", "--area", "999"]) == 2
    assert main(["audit", str(workspace), "--json"]) == 0
    entries = json.loads(capsys.readouterr().out)
    assert [e["action"] for e in entries] == ["users add"]
    assert entries[0]["via"] == "cli" and "admin-pass-12" not in json.dumps(entries)
