"""The numbers on a grid card: who and what the grid is, and its incidents in the window."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from .. import schema
from ..hierarchy import Hierarchy
from .incidents import IncidentFilter, IncidentTable, grid_profile, select

__all__ = ["card_trend", "grid_card"]


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


def card_trend(
    table: IncidentTable, flt: IncidentFilter, grid_code: str, *, months: int = 12
) -> pd.DataFrame:
    """The grid's incidents per month over the ``months`` calendar months ending with the
    month of ``flt.end``, with the filter's categories and classes; ``in_window`` marks the
    months the window touches.

    A one-month window has a one-point trend, which draws as nothing: the card shows these
    twelve months instead, the window's months highlighted.

    Returns
    -------
    pandas.DataFrame
        ``month`` ("YYYY-MM"), ``n`` (int64), ``in_window`` (bool), oldest month first.
    """
    last = pd.Timestamp(flt.end).to_period("M")
    span = pd.period_range(last - (months - 1), last, freq="M")
    idx = select(table, replace(flt, start=min(flt.start, span[0].start_time.date())))
    g = table.grid_codes.index(grid_code) if grid_code in table.grid_codes else -1
    mine = idx[table.grid[idx] == g]
    month = pd.to_datetime(table.occurred_s[mine], unit="s").to_period("M")
    counts = pd.Series(1, index=month).groupby(level=0).sum().reindex(span, fill_value=0)
    first = pd.Timestamp(flt.start).to_period("M")
    return pd.DataFrame(
        {
            "month": [str(p) for p in span],
            "n": counts.to_numpy(dtype=np.int64),
            "in_window": np.asarray(span >= first, dtype=bool),
        }
    )
