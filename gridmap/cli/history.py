"""``gridmap history WS [--rebuild]``: the stored incident history pages read.

A workspace written before the history existed (or by a writer that did not keep it) has
none; pages then read every incident row, with the same numbers but slowly. Its next import
rebuilds it, and ``--rebuild`` does so now.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

from ._common import EXIT_OK, Subparsers, archive_line, on_workspace, print_json, runs


def _cmd_history(args: argparse.Namespace) -> int:
    from ..store import open_workspace
    from ..store.history import history_status, refresh_history
    from ..store.history_archive import archive_status

    ws = open_workspace(args.workspace)
    seconds = None
    if args.rebuild:
        t0 = time.perf_counter()
        with ws.transaction() as tx:
            refresh_history(tx, None)
        seconds = round(time.perf_counter() - t0, 2)
    archive = archive_status(ws)
    status = {**history_status(ws), "rebuilt_seconds": seconds, "archive": archive}
    if args.json:
        print_json(status)
        return EXIT_OK
    held, stored = status["held"], status["stored"]
    if status["current"]:
        state = "current: pages read it"
    else:
        state = "not current: pages read the rows; run `gridmap history WS --rebuild`"
    print(
        f"{ws.name}: history of {held:,} of {stored:,} incidents in {status['partitions']:,} "
        f"partitions over {status['days']:,} days ({state})"
        + (f"; rebuilt in {seconds} s" if seconds is not None else "")
    )
    if archive["held"]:
        print(f"  archive: {archive_line(archive)}")
    return EXIT_OK


def _add_history(sub: Subparsers) -> None:
    p = on_workspace(
        sub,
        "history",
        "the stored incident history pages read (built on import); --rebuild rebuilds it",
    )
    p.add_argument(
        "--rebuild",
        action="store_true",
        help="rebuild it from the incidents (a workspace from an older gridmap has none)",
    )
    runs(p, _cmd_history)


COMMANDS: dict[str, Callable[[Subparsers], None]] = {"history": _add_history}
