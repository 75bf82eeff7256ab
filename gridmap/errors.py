"""Exceptions raised by gridmap.

Every error also inherits a builtin so callers can catch it without importing gridmap,
and every message names the file, row, field or argument and what is allowed. The CLI
turns any :class:`GridmapError` into one line on stderr and exit status 2.
"""

from __future__ import annotations

__all__ = [
    "CrsError",
    "GridmapError",
    "ImportFileError",
    "SchemaError",
    "WorkspaceError",
    "error_line",
]


class GridmapError(Exception):
    """Base class of every error gridmap raises on purpose."""


class SchemaError(GridmapError, ValueError):
    """Input data does not match what a layer or argument allows."""


class CrsError(GridmapError, ValueError):
    """An unknown coordinate system, or two coordinate systems mixed."""


class ImportFileError(GridmapError, ValueError):
    """An input file cannot be read (missing, unreadable, wrong format or encoding)."""


class WorkspaceError(GridmapError, OSError):
    """The workspace cannot be opened, or is not a gridmap workspace."""


def error_line(exc: BaseException | str, *, lines: int = 1, limit: int = 300) -> str:
    """A foreign exception's message as one line for a one-line error: its first ``lines``
    non-blank lines joined (a database driver's second line is its DETAIL), at most ``limit``
    characters; the exception's type name when it has no message."""
    text = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
    return " ".join(text[:lines])[:limit] if text else type(exc).__name__
