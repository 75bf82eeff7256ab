"""The command line as an app user: ``gridmap --user NAME …`` (or ``GRIDMAP_USER``).

Without it the CLI acts with the rights of whoever can open the workspace file or database —
an administrator on the server. With it, a command runs with that user's role and area, as
the app would: a viewer cannot import, export or save grids; a user limited to a street gets
only that street's rows from ``risk`` and ``export`` and only its report; commands that can
only work on the whole city are refused for area-limited users. The password comes from
``GRIDMAP_PASSWORD`` or is asked for on the terminal; failures count towards the same
lockout as the app's login.
"""

from __future__ import annotations

import getpass
import os
import sys

from ..errors import SchemaError
from .audit import AuditLog
from .roles import PAGES_BY_ROLE, can, role_rank
from .users import User, UserStore

__all__ = ["authorize", "cli_login"]

#: What each command needs: an action of :data:`roles.ACTIONS`, or a page's least role.
_NEEDS: dict[str, tuple[str, str]] = {
    "import": ("action", "import"),
    "index": ("action", "import"),
    "copy": ("action", "import"),
    "demo": ("action", "import"),
    "users": ("action", "manage_users"),
    "audit": ("action", "read_audit"),
    "export": ("action", "export"),
    "serve": ("action", "manage_users"),
    "info": ("page", "map"),
    "validate": ("page", "map"),
    "risk": ("page", "risk"),
    "backtest": ("page", "risk"),
    "report": ("page", "cockpit"),
    "coverage": ("page", "coverage"),
    "rebalance": ("page", "rebalance"),
    "versions": ("page", "rebalance"),
    "diff": ("page", "rebalance"),
    "plan": ("action", "edit_grids"),
}
#: Commands that can follow a user's area (the others work on the whole city only).
AREA_AWARE = frozenset({"risk", "report", "export", "rebalance"})


def cli_login(workspace: str, username: str) -> User:
    """Check the user's password (``GRIDMAP_PASSWORD`` or the terminal); one-line errors."""
    password = os.environ.get("GRIDMAP_PASSWORD")
    if password is None:
        if not sys.stdin.isatty():
            raise SchemaError(
                f"--user {username}: give the password in GRIDMAP_PASSWORD or on a terminal"
            )
        password = getpass.getpass(f"password for {username}: ")
    result = UserStore(workspace).login(username, password)
    log = AuditLog(workspace)
    if result.user is None:
        log.append("login failed", user=username, detail={"reason": result.reason}, via="cli")
        if result.reason == "locked":
            raise SchemaError(f"--user {username}: locked; try again in {result.wait_s} s")
        raise SchemaError(f"--user {username}: wrong user name or password")
    log.append("login", user=username, role=result.user.role, via="cli")
    return result.user


def authorize(who: User, command: str, *, publish: bool = False, saves: bool = False) -> None:
    """Refuse, in one line, what the user's role or area does not allow."""
    kind, what = _NEEDS.get(command, ("action", "manage_users"))
    if command == "plan" and publish:
        what = "publish"
    if command == "rebalance" and saves:
        kind, what = "action", "edit_grids"
    role = who.role
    allowed = (
        can(role, what) if kind == "action" else role_rank(role) >= role_rank(PAGES_BY_ROLE[what])
    )
    if not allowed:
        raise SchemaError(f"user {who.username} ({role}) may not run `gridmap {command}`")
    if who.area and command not in AREA_AWARE:
        raise SchemaError(
            f"user {who.username} is limited to area {who.area}; `gridmap {command}` works "
            "on the whole city only"
        )
