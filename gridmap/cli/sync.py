"""``gridmap sync``: keep a workspace current from a watched folder or a database table.

Polls :func:`gridmap.services.sync.poll` every ``--every`` (or once, ``--once``, for cron),
printing one line per poll. Files and rows are imported with the options of ``gridmap
import`` (the same argument definitions, taken from its parser). Ctrl-C ends the loop after
the poll under way (a second Ctrl-C stops at once; the import under way is then rolled back).
"""

from __future__ import annotations

import argparse
import datetime as dt
import signal
import sys
import time
from collections.abc import Callable
from types import FrameType

from .. import schema
from ..errors import GridmapError
from . import workspace
from ._common import EXIT_OK, EXIT_PROBLEMS, Subparsers, actor

__all__ = ["COMMANDS"]

#: The options of ``gridmap import`` a sync passes on to every file or batch.
SHARED_IMPORT_OPTIONS = ("crs", "map", "set", "categories", "sheet", "encoding", "sep")


class _Stop:
    """SIGINT handler: the first Ctrl-C asks the loop to end after the current poll."""

    def __init__(self) -> None:
        self.asked = False

    def __call__(self, signum: int, frame: FrameType | None) -> None:
        if self.asked:
            raise KeyboardInterrupt
        self.asked = True
        print("sync: stopping after this poll (Ctrl-C again to stop now)", file=sys.stderr)


def _cmd_sync(args: argparse.Namespace) -> int:
    from ..io.mapping import parse_assignments
    from ..services.sync import ImportSettings, open_source, parse_every, poll
    from ..store import open_workspace

    every = parse_every(args.every)
    open_workspace(args.workspace)  # one line now if it is not a workspace
    source = open_source(
        args.source, table=args.table, since_column=args.since_column, batch_rows=args.batch
    )
    settings = ImportSettings(
        kind=args.kind,
        crs=args.crs,
        mapping=parse_assignments(args.map or [], what="--map"),
        categories=args.categories,
        set_values=parse_assignments(args.set or [], what="--set"),
        sheet=args.sheet,
        encoding=args.encoding,
        sep=args.sep,
        user=actor(args),
    )
    stop = _Stop()
    previous = signal.signal(signal.SIGINT, stop)
    try:
        while True:
            ok = _poll_once(args, lambda: poll(args.workspace, source, settings))
            if args.once:
                return EXIT_OK if ok else EXIT_PROBLEMS
            wake = time.monotonic() + every
            while not stop.asked and time.monotonic() < wake:
                time.sleep(min(1.0, wake - time.monotonic()))
            if stop.asked:
                print("sync: stopped", file=sys.stderr)
                return EXIT_OK
    finally:
        signal.signal(signal.SIGINT, previous)


def _poll_once(args: argparse.Namespace, run: Callable[[], object]) -> bool:
    """One poll and its line (and one line per failed file); whether it went well."""
    from ..services.sync import Poll

    try:
        result = run()
    except GridmapError as exc:
        if args.once:
            raise  # the usual one line and exit status 2
        # A database that is down for a while must not end the watch.
        when = dt.datetime.now().strftime("%Y-%m-%d %H:%M:%S")
        print(f"{when}  {exc}", file=sys.stderr, flush=True)
        return False
    assert isinstance(result, Poll)
    print(result.line(), flush=True)
    for failure in result.failures:
        print(f"  {failure.text()}", file=sys.stderr, flush=True)
    return result.ok()


def _import_options(p: argparse.ArgumentParser) -> None:
    """Add ``gridmap import``'s own definitions of :data:`SHARED_IMPORT_OPTIONS` to ``p``."""
    probe = argparse.ArgumentParser(add_help=False)
    subs = probe.add_subparsers()
    workspace.COMMANDS["import"](subs)
    for action in subs.choices["import"]._actions:
        if action.dest in SHARED_IMPORT_OPTIONS:
            p._add_action(action)


def _add_sync(sub: Subparsers) -> None:
    p = sub.add_parser(
        "sync",
        help="import what is new in a folder of exports or a database table, once or every "
        "few minutes",
    )
    p.add_argument("workspace", help="workspace .gpkg or postgresql://… URL (must exist)")
    p.add_argument(
        "source",
        help="a folder (files new or changed since the last poll are imported, oldest first), "
        "sqlite:///file.db or postgresql://… (with --table and --since-column)",
    )
    p.add_argument("--table", metavar="NAME", help="database: the table or view to read")
    p.add_argument(
        "--since-column",
        metavar="COL",
        help="database: rows with COL greater than the last imported value are new "
        "(typically updated_at, so updated rows come again and replace the stored ones)",
    )
    p.add_argument("--every", default="10m", help="time between polls: 30s, 10m, 1h (default 10m)")
    p.add_argument(
        "--once", action="store_true", help="poll once and exit (status 1 if an import failed)"
    )
    p.add_argument(
        "--kind",
        default=schema.Layer.INCIDENTS,
        choices=schema.POINT_KINDS,
        help="what the files or rows hold (default incidents)",
    )
    p.add_argument(
        "--batch",
        type=int,
        default=100_000,
        metavar="ROWS",
        help="database: rows per import (default 100000)",
    )
    _import_options(p)
    p.set_defaults(func=_cmd_sync)


#: The parsers this group adds, by command (the main parser keeps the order of the help).
COMMANDS: dict[str, Callable[[Subparsers], None]] = {"sync": _add_sync}
