"""Backtest of the risk ranking: hit rate, PAI and PEI on hand-built cells.

Ten res-9 cells in a row, about 900 m apart (lon 103.80 + 0.01 i, lat 36.05)::

    c0  c1  c2  c3  c4  c5  c6  c7  c8  c9
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest

from gridmap.analytics.backtest import backtest
from gridmap.analytics.incidents import IncidentTable, incident_table
from gridmap.analytics.risk import RiskSettings
from gridmap.errors import SchemaError
from gridmap.indexing import points_to_cells

LONS = [103.80 + 0.01 * i for i in range(10)]
AREA = np.sort(points_to_cells(np.array(LONS), np.full(10, 36.05), 9))
CUTOFF = dt.date(2024, 3, 1)


def table_of(events: list[tuple[str, int]]) -> IncidentTable:
    """events: (occurred_at, cell number 0..9)."""
    frame = pd.DataFrame(
        {
            "occurred_at": pd.to_datetime([e[0] for e in events]),
            "category": "ecology",
            "handling_class": "general",
            "grid_code": None,
        }
    )
    lon = np.array([LONS[e[1]] for e in events])
    frame["h3_cell"] = points_to_cells(lon, np.full(len(events), 36.05)).astype(np.int64)
    return incident_table(frame, [])


def repeat(day: str, cell: int, n: int) -> list[tuple[str, int]]:
    start = pd.Timestamp(day)
    return [(str(start + pd.Timedelta(minutes=i)), cell) for i in range(n)]


HOT = table_of(
    repeat("2024-02-10", 0, 5)  # training: c0 hottest, then c1, c2
    + repeat("2024-02-11", 1, 3)
    + repeat("2024-02-12", 2, 1)
    + repeat("2024-03-05", 0, 4)  # test: only the hot cell again
)


def test_a_repeating_hot_cell_gives_hit_rate_one_and_pai_one_over_share() -> None:
    f = backtest(HOT, cutoff=CUTOFF, area_cells=AREA, fractions=(0.1, 0.2, 0.5))
    assert f["cells_flagged"].tolist() == [1, 2, 5]
    assert f["area_cells"].tolist() == [10, 10, 10]
    assert f["hit_rate"].tolist() == [1.0, 1.0, 1.0]
    np.testing.assert_allclose(f["area_share"], [0.1, 0.2, 0.5])
    np.testing.assert_allclose(f["pai"], 1 / f["area_share"])
    assert f["hits"].tolist() == [4, 4, 4] and f["test_incidents"].tolist() == [4, 4, 4]
    assert f["pei"].tolist() == [1.0, 1.0, 1.0]
    assert f.attrs["train_incidents"] == 9


def test_default_area_is_cells_with_incidents_in_train_or_test() -> None:
    f = backtest(HOT, cutoff=CUTOFF, fractions=(0.1,))
    row = f.iloc[0]
    assert (row["area_cells"], row["cells_flagged"]) == (3, 1)  # ceil(0.3) = 1 of c0, c1, c2
    assert row["hit_rate"] == 1.0 and row["pai"] == pytest.approx(3.0)


def test_a_miss_has_hit_rate_zero_and_pei_against_the_best_choice() -> None:
    t = table_of(repeat("2024-02-10", 0, 5) + repeat("2024-03-05", 5, 2))
    row = backtest(t, cutoff=CUTOFF, area_cells=AREA, fractions=(0.1,)).iloc[0]
    assert (row["hits"], row["best_hits"], row["hit_rate"], row["pai"], row["pei"]) == (
        0,
        2,
        0.0,
        0.0,
        0.0,
    )


def test_decay_decides_between_old_and_recent_hot_cells() -> None:
    """c1 had 4 incidents 120 days before the cutoff, c0 2 incidents a day before."""
    t = table_of(
        repeat("2023-11-02", 1, 4) + repeat("2024-02-29", 0, 2) + repeat("2024-03-02", 0, 1)
    )
    recent = backtest(t, cutoff=CUTOFF, settings=RiskSettings(half_life_days=30), fractions=[0.5])
    flat = backtest(
        t, cutoff=CUTOFF, settings=RiskSettings(half_life_days=math.inf), fractions=[0.5]
    )
    assert recent.loc[0, "hit_rate"] == 1.0  # c0 ranked first: 2 > 4 * 2**-4
    assert flat.loc[0, "hit_rate"] == 0.0  # without decay c1's 4 win


def test_windows_are_half_open_at_the_cutoff() -> None:
    t = table_of(
        [
            ("2023-09-02 23:59", 3),  # one minute before the 180-day training window
            ("2023-09-03 00:00", 0),  # first minute of training
            ("2024-02-29 23:59", 0),  # last minute of training
            ("2024-03-01 00:00", 0),  # cutoff day: test
            ("2024-03-30 23:59", 0),  # last test day
            ("2024-03-31 00:00", 4),  # after the 30 test days
        ]
    )
    f = backtest(t, cutoff=CUTOFF, fractions=(1.0,))
    assert f.attrs["train_incidents"] == 2
    assert f.loc[0, "test_incidents"] == 2 and f.loc[0, "area_cells"] == 1


def test_no_test_incidents_gives_nan_ratios() -> None:
    t = table_of(repeat("2024-02-10", 0, 5))
    row = backtest(t, cutoff=CUTOFF, area_cells=AREA, fractions=(0.1,)).iloc[0]
    assert row["test_incidents"] == 0 and math.isnan(row["hit_rate"]) and math.isnan(row["pai"])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"fractions": (0.0,)}, r"fractions=\(0.0,\) \(allowed: one or more numbers in \(0, 1\]\)"),
        ({"fractions": ()}, r"fractions=\(\)"),
        ({"train_days": 0}, r"train_days=0 \(allowed: an integer > 0\)"),
        ({"test_days": -3}, r"test_days=-3"),
        ({"res": 12}, r"res=12 \(allowed: an integer 0..11\)"),
    ],
)
def test_bad_arguments_raise(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(SchemaError, match=message):
        backtest(HOT, cutoff=CUTOFF, **kwargs)  # type: ignore[arg-type]


def test_smoothing_ranks_the_neighbours_of_a_busy_cell() -> None:
    """A busy cell's neighbour, quiet in training, is flagged only with k-ring smoothing."""
    import h3

    from gridmap.analytics.backtest import compare_settings

    centre = h3.latlng_to_cell(36.05, 103.80, 9)
    neighbour = sorted(h3.grid_ring(centre, 1))[0]
    far = h3.latlng_to_cell(36.10, 103.90, 9)

    def at(cell: str, day: str, n: int) -> pd.DataFrame:
        lat, lon = h3.cell_to_latlng(cell)
        when = pd.Timestamp(day) + pd.to_timedelta(range(n), unit="min")
        return pd.DataFrame({"occurred_at": when, "lat": lat, "lon": lon})

    # Training: 5 in the centre, 2 far away; test: 4 next to the centre.
    events = pd.concat(
        [at(centre, "2024-02-10", 5), at(far, "2024-02-11", 2), at(neighbour, "2024-03-05", 4)]
    )
    frame = events.assign(category="ecology", handling_class="general", grid_code=None)
    frame["h3_cell"] = points_to_cells(frame["lon"], frame["lat"]).astype(np.int64)
    table = incident_table(frame.drop(columns=["lat", "lon"]), [])
    # Area: the 3 cells with incidents; flagging 2 of them (67 %).
    flat = backtest(table, cutoff=CUTOFF, fractions=(0.6,))
    smooth = backtest(table, cutoff=CUTOFF, fractions=(0.6,), settings=RiskSettings(k_ring=1))
    assert flat["cells_flagged"].iloc[0] == 2
    assert flat["hits"].iloc[0] == 0  # centre and far cell flagged; the test is next door
    assert smooth["hits"].iloc[0] == 4  # the neighbour inherits the centre's risk
    grid = compare_settings(
        table, cutoff=CUTOFF, half_lives=(30.0,), k_rings=(0, 1), fractions=(0.6,)
    )
    assert list(grid["k_ring"]) == [1, 0]
    assert grid["pai_60"].iloc[0] == pytest.approx(1 / (2 / 3)) and grid["pai_60"].iloc[1] == 0
