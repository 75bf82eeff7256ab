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
import sys

from ..errors import SchemaError
from ..schema import AuditAction
from .audit import AuditLog
from .roles import can
from .users import User, UserStore

__all__ = ["authorize", "cli_login"]

#: What each command needs: an action of :data:`roles.ACTIONS` (the same as the app's page
#: for that work needs; see :mod:`gridmap.ui.navigation`).
_NEEDS: dict[str, str] = {
    "import": "import",
    "index": "import",
    "copy": "import",
    "demo": "import",
    "users": "manage_users",
    "audit": "read_audit",
    "export": "export",
    "serve": "manage_users",
    "info": "view",
    "validate": "view",
    "risk": "view",
    "backtest": "view",
    "report": "view",
    "coverage": "see_cameras",
    "rebalance": "edit_grids",
    "versions": "edit_grids",
    "diff": "edit_grids",
    "plan": "edit_grids",
    "fuse": "edit_grids",  # 多网合一 is the planners' work (#18)
}
#: Commands that can follow a user's area (the others work on the whole city only).
AREA_AWARE = frozenset({"risk", "report", "export", "rebalance"})


def cli_login(workspace: str, username: str, *, password: str | None = None) -> User:
    """Check the user's password; one-line errors.

    ``password``: the command line's ``GRIDMAP_PASSWORD``, read there
    (:class:`gridmap.config.Environment`); None: not given, asked for on the terminal.
    """
    if password is None:
        if not sys.stdin.isatty():
            raise SchemaError(
                f"--user {username}: give the password in GRIDMAP_PASSWORD or on a terminal"
            )
        password = getpass.getpass(f"password for {username}: ")
    result = UserStore(workspace).login(username, password)
    log = AuditLog(workspace)
    if result.user is None:
        log.append(
            AuditAction.LOGIN_FAILED, user=username, detail={"reason": result.reason}, via="cli"
        )
        if result.reason == "locked":
            raise SchemaError(f"--user {username}: locked; try again in {result.wait_s} s")
        raise SchemaError(f"--user {username}: wrong user name or password")
    log.append(AuditAction.LOGIN, user=username, role=result.user.role, via="cli")
    return result.user


def authorize(who: User, command: str, *, publish: bool = False, saves: bool = False) -> None:
    """Refuse, in one line, what the user's role or area does not allow.

    ``publish``: ``plan`` publishes (needs "publish"). ``saves``: ``rebalance`` saves a draft
    (needs "edit_grids", which every ``rebalance`` needs already).
    """
    what = _NEEDS.get(command, "manage_users")
    if command == "plan" and publish:
        what = "publish"
    if command == "rebalance" and saves:
        what = "edit_grids"
    role = who.role
    if not can(role, what):
        raise SchemaError(f"user {who.username} ({role}) may not run `gridmap {command}`")
    if who.area and command not in AREA_AWARE:
        raise SchemaError(
            f"user {who.username} is limited to area {who.area}; `gridmap {command}` works "
            "on the whole city only"
        )
