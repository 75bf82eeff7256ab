"""Users, roles, throttling and the append-only audit log."""

from __future__ import annotations

import sqlite3

import pytest

from gridmap.errors import SchemaError
from gridmap.security import ROLES, AuditLog, SecurityStore, UserStore, can, security_path
from gridmap.security.users import LOCK_SECONDS, MAX_FAILURES
from gridmap.store import is_url

from .builders import Locations


def _stored_security(ws: str) -> bytes:
    """Everything the security store holds, as bytes: the file, or the tables' rows."""
    if not is_url(ws):
        assert (security_path(ws).stat().st_mode & 0o777) == 0o600
        return security_path(ws).read_bytes()
    with SecurityStore(ws).connect() as con:
        rows = con.execute("SELECT * FROM users").fetchall()
    return repr([tuple(r) for r in rows]).encode()


def test_passwords_are_hashed_and_checked(locations: Locations) -> None:
    ws = locations.new()
    users = UserStore(ws)
    assert not users.any()
    users.add("leader", "meeting-2026", "viewer", area="620104")
    assert users.any() and users.get("leader").area == "620104"
    raw = _stored_security(ws)
    assert b"meeting-2026" not in raw and b"$argon2" in raw
    assert users.login("leader", "meeting-2026").user.role == "viewer"
    assert users.login("leader", "wrong-password").reason == "password"
    assert users.login("nobody", "meeting-2026").reason == "unknown"
    users.passwd("leader", "new-password-1")
    assert users.login("leader", "meeting-2026").user is None
    assert users.login("leader", "new-password-1").user is not None
    users.remove("leader")
    assert not users.any()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("x", "long-enough", "viewer"), "user name 'x'"),
        (("ok_name", "short", "viewer"), "at least 8"),
        (("ok_name", "long-enough", "boss"), "role 'boss': allowed viewer, operator"),
    ],
)
def test_bad_users_are_refused(
    locations: Locations, args: tuple[str, str, str], message: str
) -> None:
    with pytest.raises(SchemaError, match=message):
        UserStore(locations.new()).add(*args)


def test_repeated_failures_lock_the_account(locations: Locations) -> None:
    users = UserStore(locations.new())
    users.add("operator1", "correct-horse", "operator")
    t0 = 1_000_000.0
    for _ in range(MAX_FAILURES - 1):
        assert users.login("operator1", "guess", now=t0).reason == "password"
    locked = users.login("operator1", "guess", now=t0)
    assert locked.reason == "locked" and locked.wait_s == LOCK_SECONDS
    # Even the right password waits until the lock expires.
    assert users.login("operator1", "correct-horse", now=t0 + 10).reason == "locked"
    assert users.login("operator1", "correct-horse", now=t0 + LOCK_SECONDS + 1).user is not None


def test_roles_include_the_ones_below() -> None:
    assert can("admin", "import") and not can("planner", "import")
    assert can("planner", "edit_grids") and not can("operator", "edit_grids")
    assert can("operator", "see_people") and not can("viewer", "see_people")
    with pytest.raises(SchemaError):
        can("viewer", "fly")


def test_each_role_sees_the_pages_it_saw_before() -> None:
    """Pages map to capabilities in the UI's navigation; who sees which page is unchanged."""
    from gridmap.security import User
    from gridmap.ui.navigation import PAGES, visible_names

    seen = {role: visible_names(User("u", role, None)) for role in ROLES}
    assert seen == {
        "viewer": ["map", "cockpit", "risk"],
        "operator": ["map", "cockpit", "risk", "coverage"],
        "planner": ["map", "cockpit", "risk", "coverage", "rebalance", "fusion"],
        "admin": [
            "map",
            "cockpit",
            "risk",
            "coverage",
            "rebalance",
            "fusion",
            "workspace",
            "audit",
        ],
    }
    assert visible_names(None) == [p.name for p in PAGES]


def test_audit_log_is_append_only(locations: Locations) -> None:
    ws = locations.new()
    log = AuditLog(ws)
    log.append("login", user="leader", role="viewer")
    log.append("import", user="root", target="事件.csv", detail={"rows": 3}, via="cli")
    entries = log.read()
    assert list(entries["action"]) == ["import", "login"]  # newest first
    assert entries.iloc[0]["detail"] == '{"rows": 3}'
    if is_url(ws):
        import psycopg

        for sql in ("UPDATE audit_log SET role='x'", "DELETE FROM audit_log", "TRUNCATE audit_log"):
            with (
                pytest.raises(psycopg.Error, match="append-only"),
                SecurityStore(ws).connect() as c,
            ):
                c.execute(sql)
    else:
        con = sqlite3.connect(security_path(ws))
        for sql in ("UPDATE audit_log SET user='x'", "DELETE FROM audit_log"):
            with pytest.raises(sqlite3.IntegrityError, match="append-only"):
                con.execute(sql)
        con.close()
    assert len(AuditLog(ws).read()) == 2
    assert len(log.read()) == 2


def test_cli_login_takes_the_password_it_is_given(
    locations: Locations, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The command line reads GRIDMAP_PASSWORD at its edge and passes it in."""
    from gridmap.security.cli_user import cli_login

    ws = locations.new()
    UserStore(ws).add("leader", "correct-horse", "viewer")
    monkeypatch.setenv("GRIDMAP_PASSWORD", "not-this-one")
    assert cli_login(ws, "leader", password="correct-horse").role == "viewer"
    with pytest.raises(SchemaError, match="wrong user name or password"):
        cli_login(ws, "leader", password="guess-again")
    assert list(AuditLog(ws).read()["action"]) == ["login failed", "login"]
