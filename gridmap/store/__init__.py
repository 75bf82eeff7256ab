"""Workspaces: a GeoPackage file or a PostGIS schema, behind one interface (:mod:`.base`)."""

import time

from .base import (
    SPATIAL_LAYERS,
    GridVersion,
    Reader,
    Transaction,
    Workspace,
    is_url,
)
from .gpkg import open_workspace

__all__ = [
    "SPATIAL_LAYERS",
    "GridVersion",
    "Reader",
    "Transaction",
    "Workspace",
    "forget_stamp",
    "is_url",
    "open_workspace",
    "workspace_stamp",
]


#: location -> (when looked at, stamp). Every page asks for the stamp several times per rerun
#: and twenty sessions rerun at once; a second's staleness is invisible to people, and this
#: process's own writes forget the entry at once (see :func:`forget_stamp`).
_STAMPS: dict[str, tuple[float, float]] = {}
STAMP_TTL_S = 1.0


def workspace_stamp(location: str) -> float:
    """Changes whenever the workspace changes (file time, or the database's revision)."""
    now = time.monotonic()
    seen = _STAMPS.get(location)
    if seen is not None and now - seen[0] < STAMP_TTL_S:
        return seen[1]
    stamp = Workspace(location).stamp()
    _STAMPS[location] = (now, stamp)
    return stamp


def forget_stamp(location: str) -> None:
    _STAMPS.pop(location, None)
