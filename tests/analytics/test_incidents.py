"""Filters and counts on the time-sorted incident arrays."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from gridmap.analytics.incidents import (
    IncidentFilter,
    counts_by_cell,
    counts_by_grid,
    grid_profile,
    incident_table,
    select,
)
from gridmap.indexing import cell_parents, points_to_cells


def table_of(rows: list[tuple[str, str, str, str | None, str | None]]):
    """rows: (occurred_at, category, handling_class, grid_code, closed_at)."""
    frame = pd.DataFrame(
        rows, columns=["occurred_at", "category", "handling_class", "grid_code", "closed_at"]
    )
    frame["occurred_at"] = pd.to_datetime(frame["occurred_at"])
    frame["closed_at"] = pd.to_datetime(frame["closed_at"])
    cells = points_to_cells(np.full(len(frame), 103.8), np.full(len(frame), 36.05))
    frame["h3_cell"] = cells.astype(np.int64)
    return incident_table(frame, ["G1", "G2", "G3"])


ROWS = [
    ("2024-03-02 10:00", "public_safety", "general", "G1", "2024-03-03"),
    ("2024-01-05 09:00", "urban_management", "dispute", "G2", None),
    ("2024-02-10 23:59", "work_safety", "emergency", "G1", "2024-02-11"),
    ("2024-02-11 00:00", "public_safety", "general", None, None),
    ("2024-02-29 12:00", "unclassified", "general", "G3", "2024-03-10"),
]


def test_time_window_is_inclusive_by_day() -> None:
    t = table_of(ROWS)
    idx = select(t, IncidentFilter(dt.date(2024, 2, 10), dt.date(2024, 2, 29)))
    assert len(idx) == 3
    assert np.all(np.diff(t.occurred_s[idx]) >= 0)


def test_category_class_and_area_filters() -> None:
    t = table_of(ROWS)
    whole = IncidentFilter(dt.date(2024, 1, 1), dt.date(2024, 12, 31))
    assert len(select(t, whole)) == 5
    f = IncidentFilter(whole.start, whole.end, categories=("public_safety",))
    assert len(select(t, f)) == 2
    f = IncidentFilter(
        whole.start, whole.end, handling_classes=("general",), grid_codes=frozenset({"G1", "G3"})
    )
    assert len(select(t, f)) == 2  # the G1 and G3 general ones; the unassigned one is out


def test_counts_by_grid_and_cell() -> None:
    t = table_of(ROWS)
    idx = select(t, IncidentFilter(dt.date(2024, 1, 1), dt.date(2024, 12, 31)))
    assert counts_by_grid(t, idx).to_dict() == {"G1": 2, "G2": 1, "G3": 1}
    cells = counts_by_cell(t, idx, 8)
    assert cells["count"].tolist() == [5]
    expected = cell_parents(points_to_cells(np.array([103.8]), np.array([36.05])), 8)[0]
    assert cells["cell"].iloc[0] == format(int(expected), "x")


def test_grid_profile() -> None:
    t = table_of(ROWS)
    idx = select(t, IncidentFilter(dt.date(2024, 1, 1), dt.date(2024, 12, 31)))
    p = grid_profile(t, idx, "G1")
    assert p["count"] == 2 and p["closed"] == 2
    assert p["by_category"]["public_safety"] == 1 and p["by_category"]["work_safety"] == 1
    assert p["by_handling_class"] == {"general": 1, "emergency": 1, "dispute": 0}
    assert p["monthly"] == {"2024-02": 1, "2024-03": 1}
    with pytest.raises(KeyError, match="grid 'G9' is not in the grids in force"):
        grid_profile(t, idx, "G9")


def test_bad_filter_is_refused() -> None:
    with pytest.raises(ValueError, match="end 2024-01-01 is before start 2024-02-01"):
        IncidentFilter(dt.date(2024, 2, 1), dt.date(2024, 1, 1))
    with pytest.raises(ValueError, match="unknown codes"):
        IncidentFilter(dt.date(2024, 1, 1), dt.date(2024, 2, 1), categories=("weather",))


def test_workflow_stage_filter_takes_the_furthest_stage_reached() -> None:
    t = table_of(ROWS)
    frame = pd.DataFrame(
        {
            "occurred_at": pd.to_datetime(["2024-03-01", "2024-03-02", "2024-03-03"]),
            "registered_at": pd.to_datetime(["2024-03-01", "2024-03-02", None]),
            "dispatched_at": pd.to_datetime(["2024-03-01", None, None]),
            "closed_at": pd.to_datetime([None, "2024-03-05", None]),
            "category": "ecology",
            "handling_class": "general",
            "grid_code": "G1",
            "h3_cell": 0,
        }
    )
    staged = incident_table(frame, ["G1"])
    whole = IncidentFilter(dt.date(2024, 1, 1), dt.date(2024, 12, 31))

    def n(*stages: str) -> int:
        return len(select(staged, IncidentFilter(whole.start, whole.end, stages=stages)))

    # Dispatched (not closed), closed (skipping stages is fine), and no stage at all.
    assert (n("dispatched_at"), n("closed_at"), n("registered_at"), n()) == (1, 1, 0, 3)
    assert n("dispatched_at", "closed_at") == 2
    # Without stage columns, closure alone decides: closed vs no stage.
    closed = IncidentFilter(whole.start, whole.end, stages=("closed_at",))
    assert len(select(t, closed)) == 3
    with pytest.raises(ValueError, match="unknown codes"):
        IncidentFilter(whole.start, whole.end, stages=("archived",))
