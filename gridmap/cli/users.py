"""Access commands: ``users`` (add, passwd, remove, list) and ``audit`` (the audit log)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from ..errors import SchemaError
from ._common import EXIT_OK, Subparsers, on_workspace, print_json, runs


def _read_password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    import getpass

    first = getpass.getpass("password: ")
    if getpass.getpass("again: ") != first:
        raise SchemaError("the two passwords differ")
    return first


def _cmd_users(args: argparse.Namespace) -> int:
    from ..security import UserStore
    from ..store import open_workspace

    ws = open_workspace(args.workspace)
    users = UserStore(ws)
    if args.action == "add":
        if not args.name or not args.role:
            raise SchemaError("users add: give NAME and --role (viewer, operator, planner, admin)")
        if args.area:
            from ..hierarchy import build_hierarchy

            h = build_hierarchy(ws.read_layer("admin"), ws.read_grids())
            if args.area not in h.levels or h.levels[args.area] == "grid":
                raise SchemaError(
                    f"--area {args.area}: not a district, street or community of the workspace"
                )
        user = users.add(args.name, _read_password(args), args.role, args.area)
        print(f"user {user.username} added: {user.role}, area {user.area or 'everything'}")
    elif args.action == "passwd":
        if not args.name:
            raise SchemaError("users passwd: give NAME")
        users.passwd(args.name, _read_password(args))
        print(f"password of {args.name} changed")
    elif args.action == "remove":
        if not args.name:
            raise SchemaError("users remove: give NAME")
        users.remove(args.name)
        print(f"user {args.name} removed")
    else:
        listed = [u.__dict__ for u in users.list()]
        if args.json:
            print_json(listed)
        else:
            for u in listed:
                print(f"  {u['username']:<20} {u['role']:<9} {u['area'] or '(everything)'}")
    return EXIT_OK


def _cmd_audit(args: argparse.Namespace) -> int:
    from ..security import AuditLog
    from ..store import open_workspace

    entries = AuditLog(open_workspace(args.workspace)).read(limit=args.limit)
    if args.out:
        entries.to_csv(args.out, index=False, encoding="utf-8-sig")
    if args.json:
        print_json(entries.to_dict("records"))
    else:
        for e in entries.to_dict("records"):
            print(
                f"  {e['at']}  {e['user']:<12} {e['via']:<3} {e['action']:<10} "
                f"{e['target'] if isinstance(e['target'], str) else ''}"
            )
    return EXIT_OK


def _add_users(sub: Subparsers) -> None:
    p = on_workspace(sub, "users", "app users: add, passwd, remove, list")
    p.add_argument("action", choices=("add", "passwd", "remove", "list"))
    p.add_argument("name", nargs="?")
    p.add_argument("--role", choices=("viewer", "operator", "planner", "admin"))
    p.add_argument("--area", help="limit the user to a district, street or community code")
    p.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    runs(p, _cmd_users)


def _add_audit(sub: Subparsers) -> None:
    p = on_workspace(sub, "audit", "the audit log, newest first")
    p.add_argument("--limit", type=int, default=50)
    p.add_argument("--out", metavar="FILE.csv")
    runs(p, _cmd_audit)


#: The parsers this group adds, by command (the main parser keeps the order of the help).
COMMANDS: dict[str, Callable[[Subparsers], None]] = {"users": _add_users, "audit": _add_audit}
