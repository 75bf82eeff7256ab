"""Workspaces: a GeoPackage file or a PostGIS schema, behind one interface (:mod:`.base`)."""

from .base import (
    SPATIAL_LAYERS,
    GridVersion,
    Reader,
    Transaction,
    Workspace,
    forget_stamp,
    is_url,
    open_workspace,
    workspace_stamp,
)

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
