"""The numbers on a grid card: who and what the grid is, and its incidents in the window."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from .. import schema
from ..hierarchy import Hierarchy
from .incidents import IncidentTable, grid_profile

__all__ = ["grid_card"]


def _int_or_none(value: Any) -> int | None:
    return None if value is None or pd.isna(value) else int(value)


def _text_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def grid_card(
    grid: Mapping[str, Any],
    hierarchy: Hierarchy,
    table: IncidentTable,
    idx: NDArray[np.int64],
    *,
    today: dt.date,
) -> dict[str, Any]:
    """Everything a grid card shows, as plain values (ratios with numerator and denominator).

    ``household_age_days`` is how old the household count is (from the grid's effective
    date); ``located`` / ``count`` is the share of incidents with a usable location.
    """
    code = str(grid[schema.CODE])
    profile = grid_profile(table, idx, code)
    g = table.grid_codes.index(code)
    mine = idx[table.grid[idx] == g]
    effective = grid.get(schema.EFFECTIVE_DATE)
    age = None
    if effective is not None and not pd.isna(effective):
        age = (today - pd.Timestamp(effective).date()).days
    chain = hierarchy.chain(code)
    return {
        "code": code,
        "name": hierarchy.name(code),
        "breadcrumb": [(c, hierarchy.name(c), hierarchy.levels[c]) for c in chain],
        "grid_type": _text_or_none(grid.get(schema.GRID_TYPE)) or "basic",
        "worker": _text_or_none(grid.get(schema.WORKER)),
        "households": _int_or_none(grid.get(schema.HOUSEHOLDS)),
        "population": _int_or_none(grid.get(schema.POPULATION)),
        "effective_date": None if age is None else str(effective)[:10],
        "household_age_days": age,
        "located": int((table.cell[mine] != 0).sum()),
        **profile,
    }
