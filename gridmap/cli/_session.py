"""Who runs a command and what it leaves behind: ``--user`` login and the audit entry."""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence

from ..config import Environment
from ..errors import SchemaError
from ..schema import AuditAction
from ._common import actor

#: Commands that change a workspace or take data out of it: each leaves an audit entry.
AUDITED = (
    "import", "export", "report", "plan", "demo", "users", "copy", "index", "basemap", "fuse",
)  # fmt: skip


def _no_password(arg: str) -> str:
    """A database URL as the audit log keeps it: without its password."""
    from ..store import Workspace, is_url

    return Workspace(arg).name if is_url(arg) else arg


def login(args: argparse.Namespace) -> None:
    """``--user`` (or GRIDMAP_USER): log in and check the command against role and area."""
    env = Environment.from_environ(os.environ)
    name = args.user or env.user
    args.cli_user = None
    if not name:
        return
    from ..security.cli_user import authorize, cli_login

    workspace = getattr(args, "workspace", None) or getattr(args, "src", None)
    if workspace is None:
        raise SchemaError(f"--user {name}: `gridmap {args.command}` has no workspace to log in to")
    who = cli_login(str(workspace), name, password=env.password)
    authorize(
        who,
        args.command,
        publish=getattr(args, "action", None) == "publish",
        saves=getattr(args, "save_draft", None) is not None,
    )
    args.cli_user = who


def _workspace_exists(location: str) -> bool:
    """Whether there is a workspace to record a CLI action in (an unreachable database: no)."""
    from ..errors import WorkspaceError
    from ..store import Workspace

    try:
        return Workspace(location).exists
    except WorkspaceError:
        return False


def audit_command(args: argparse.Namespace, argv: Sequence[str]) -> None:
    """One audit entry for a command that changed a workspace or took data out of it."""
    from ..security import AuditLog

    if args.command == "users" and args.action == "list":
        return  # reading the list changes nothing
    workspace = {"demo": getattr(args, "out", None), "copy": getattr(args, "dst", None)}.get(
        args.command, getattr(args, "workspace", None)
    )
    if not workspace or not _workspace_exists(workspace):
        return
    target = getattr(args, "file", None) or getattr(args, "out", None)
    if args.command == "users":
        target = getattr(args, "name", None)
    action = AuditAction.command(args.command, args.action if args.command == "users" else None)
    who = getattr(args, "cli_user", None)
    AuditLog(workspace).append(
        action,
        user=actor(args),
        role=who.role if who else None,
        target=str(target) if target else None,
        detail={"argv": [_no_password(a) for a in argv if a != "--password-stdin"]},
        via="cli",
    )
