"""Download file names that carry the window shown (issue 13, item 11)."""

from __future__ import annotations

import datetime as dt

__all__ = ["window_file_name"]


def window_file_name(stem: str, start: dt.date, end: dt.date, ext: str) -> str:
    """``stem_START_END.ext``: the name of a download of the window ``start``–``end``, as
    the cockpit's exports are named, so a file read later says which days it holds.

    Examples
    --------
    >>> window_file_name("risk_grid", dt.date(2026, 8, 3), dt.date(2026, 10, 31), "csv")
    'risk_grid_2026-08-03_2026-10-31.csv'
    """
    return f"{stem}_{start.isoformat()}_{end.isoformat()}.{ext}"
