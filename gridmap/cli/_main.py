"""The ``gridmap`` parser and ``main``: login, dispatch, audit, and one line for every error."""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from collections.abc import Callable, Sequence

from .. import __version__
from ..errors import GridmapError
from . import analyses, basemap, fusion, outputs, rebalance, serve, sync, users, workspace
from . import history as history_cli
from ._common import EXIT_BAD_INPUT, EXIT_INTERNAL, EXIT_OK, EXIT_PROBLEMS, Subparsers
from ._session import AUDITED, audit_command, login

#: The commands in the order ``gridmap --help`` lists them.
ORDER = (
    "import",
    "sync",
    "validate",
    "info",
    "export",
    "copy",
    "demo",
    "index",
    "history",
    "risk",
    "report",
    "rebalance",
    "plan",
    "versions",
    "diff",
    "coverage",
    "fuse",
    "backtest",
    "users",
    "audit",
    "serve",
    "basemap",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gridmap",
        description="Grid-governance workbench: import, validate, index and export city grids, "
        "incidents and cameras.",
    )
    parser.add_argument("--version", action="version", version=f"gridmap {__version__}")
    parser.add_argument(
        "--user",
        help="act as this app user, with its role and area (password from GRIDMAP_PASSWORD or "
        "the terminal); default GRIDMAP_USER, else the rights of whoever opens the workspace",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    # Each group adds its own parsers; they are added in the order the help has always had.
    adders: dict[str, Callable[[Subparsers], None]] = {}
    for group in (workspace, outputs, analyses, rebalance, users, serve, basemap, fusion, sync):
        adders.update(group.COMMANDS)
    adders.update(history_cli.COMMANDS)
    for command in ORDER:
        adders[command](sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        login(args)
        status = int(args.func(args))
        # An import that exits 1 (validation problems) did import: audit it too.
        done = status == EXIT_OK or (status == EXIT_PROBLEMS and args.command == "import")
        if done and args.command in AUDITED:
            audit_command(args, list(argv) if argv is not None else sys.argv[1:])
        return status
    except GridmapError as exc:
        print(f"gridmap: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as exc:  # a path that is a folder, unreadable, on a full disk ...
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"gridmap: error: {where}{exc.strerror or exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("gridmap: interrupted; the workspace is unchanged", file=sys.stderr)
        return 130
    except Exception as exc:  # never a traceback for the user; GRIDMAP_DEBUG shows it
        if os.environ.get("GRIDMAP_DEBUG"):
            traceback.print_exc()
        print(
            f"gridmap: internal error: {type(exc).__name__}: {exc} "
            "(set GRIDMAP_DEBUG=1 for details)",
            file=sys.stderr,
        )
        return EXIT_INTERNAL
