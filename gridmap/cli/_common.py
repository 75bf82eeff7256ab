"""What every command shares: exit codes, JSON printing, the acting user and their area,
the grids in force and the incident window of ``--since``/``--until``/``--period``/``--category``/
``--stage``."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeAlias

from .. import strict_json
from ..analytics.filters import CLI_FIELDS, PERIODS, incident_filter
from ..errors import SchemaError
from ..security.audit import os_user

if TYPE_CHECKING:
    from ..analytics.incidents import IncidentFilter, IncidentTable

#: What ``add_subparsers`` returns; each command group adds its parsers to it. (A string:
#: argparse's class is generic only to type checkers.)
Subparsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"

EXIT_OK, EXIT_PROBLEMS, EXIT_BAD_INPUT, EXIT_INTERNAL = 0, 1, 2, 3

#: The help of ``--period``, shared by the commands that take a window.
PERIOD_HELP = (
    "a preset window counted back from the newest incident (weeks start on Monday), "
    "instead of --since/--until: " + ", ".join(PERIODS)
)


def on_workspace(sub: Subparsers, name: str, help: str) -> argparse.ArgumentParser:
    """The parser of command ``name``, its first argument the workspace."""
    p = sub.add_parser(name, help=help)
    p.add_argument("workspace")
    return p


def runs(p: argparse.ArgumentParser, func: Callable[[argparse.Namespace], int]) -> None:
    """Close a command's parser: its ``--json`` flag (last in its help) and its function."""
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=func)


def print_json(data: Any) -> None:
    """Print ``data`` as strict JSON: ``null`` where a number is missing, never NaN/Infinity."""
    print(strict_json.dumps(data, indent=2))


def actor(args: argparse.Namespace) -> str:
    """Who a CLI change is recorded for: the ``--user``, else the operating-system account."""
    who = getattr(args, "cli_user", None)
    return str(who.username) if who is not None else os_user()


def user_area(args: argparse.Namespace) -> str | None:
    """The area a ``--user`` is limited to (None: the whole city, or no ``--user``)."""
    who = getattr(args, "cli_user", None)
    return who.area if who is not None else None


def area_codes(args: argparse.Namespace, ws: Any, h: Any = None) -> frozenset[str] | None:
    """The codes an area-limited ``--user`` may see (None: no limit)."""
    area = user_area(args)
    if area is None:
        return None
    if h is None:
        from ..hierarchy import build_hierarchy

        h = build_hierarchy(ws.read_layer("admin"), ws.read_grids())
    return frozenset(h.codes_under(area))


def within_user_area(args: argparse.Namespace, ws: Any, code: str | None, flag: str) -> Any:
    """``code`` if the ``--user`` may see it; the user's own area when none is given."""
    area = user_area(args)
    if area is None:
        return code
    if code is None:
        return area
    if str(code) not in (area_codes(args, ws) or frozenset()):
        raise SchemaError(f"{flag} {code}: outside area {area} of user {args.cli_user.username}")
    return code


def grids_in_force(ws: Any) -> Any:
    """The grids in force of ``ws``; one line when there are none (nothing to analyse)."""
    grids = ws.read_grids()
    if grids.empty:
        raise SchemaError(f"{ws.name}: the workspace holds no grids; import a grid layer first")
    return grids


def incident_window(
    args: argparse.Namespace, table: IncidentTable, default_days: int
) -> IncidentFilter:
    """The filter of --since/--until/--period/--category/--stage (default: the newest days).

    ``--period`` (:data:`PERIOD_HELP`) is counted back from the newest incident, as the
    app's presets are.

    Read by :func:`gridmap.analytics.filters.incident_filter`, as the app's sidebar is, so a
    bad value gets the same one-line error naming the option and what it allows.
    """
    if table.time_range is None:
        raise SchemaError(f"{args.workspace}: the workspace holds no incidents")
    period = getattr(args, "period", None)
    return incident_filter(
        since=args.since,
        until=args.until,
        period=period,
        first=table.time_range[0] if period else None,
        categories=args.category,
        stages=getattr(args, "stage", None),
        last=table.time_range[1],
        default_days=default_days,
        fields=CLI_FIELDS,
    )


def archive_line(archive: Mapping[str, Any]) -> str:
    """The archived incidents in one line (``gridmap info`` and ``gridmap history``)."""
    line = (
        f"{archive['held']:,} incidents from {archive['first']} to {archive['last']} "
        f"(gridmap index), counted on the days the incidents layer has none; grids of "
        f"version {archive['grid_version']}"
    )
    if archive.get("assigned_by") == "cells":
        line += (
            " (re-assigned where grids changed, by each incident's H3 cell, within ~25 m of "
            "the point; gridmap index again assigns the points themselves)"
        )
    return line
