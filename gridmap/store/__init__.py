"""Workspaces: a GeoPackage file or a PostGIS schema, behind one interface (:mod:`.base`)."""

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
    "is_url",
    "open_workspace",
    "workspace_stamp",
]


def workspace_stamp(location: str) -> float:
    """Changes whenever the workspace changes (file time, or the database's revision)."""
    return Workspace(location).stamp()
