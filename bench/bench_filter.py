"""Benchmark: a new time window + two categories, counted per res-9 cell, against pandas.

5,000,000 synthetic incidents over two years (2023-2024), 7 categories, at random points
around Lanzhou (lon 103.6-104.0, lat 35.95-36.15), indexed once to res-11 cells with
:func:`gridmap.indexing.points_to_cells`.

* ``gridmap``: :func:`gridmap.analytics.incidents.select` (two binary searches on the
  time-sorted table and a category lookup) + :func:`gridmap.analytics.risk.
  counts_by_cell_code` (one ``bincount`` over the res-9 parent ids precomputed once per
  table by :func:`gridmap.analytics.risk.cell_codes`).
* ``peer``: the raw frame with a precomputed res-9 cell column (same footing: neither side
  pays for H3 work per query), a pandas boolean mask on time and ``category.isin`` and
  ``groupby(cell).size()``.

One-off setup (table build, ``cell_codes``) is printed to stderr, not timed as a query.
Times are the best of 5 runs (``time.perf_counter``). Target: gridmap < 0.1 s and >= 10x
the peer, with identical counts.

Run: .venv/bin/python bench/bench_filter.py
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _timing import best_of  # bench/ is on sys.path when run as a script

from gridmap.analytics.incidents import (
    CATEGORY_CODES,
    HANDLING_CODES,
    IncidentFilter,
    incident_table,
    select,
)
from gridmap.analytics.risk import cell_codes, counts_by_cell_code
from gridmap.indexing import cell_parents, cells_to_str, points_to_cells

SEED = 20240901
N = 5_000_000
RES = 9
REPEAT = 5
WINDOW = (dt.date(2024, 5, 1), dt.date(2024, 10, 31))
CATEGORIES = ("public_safety", "urban_management")


def raw_frame(rng: np.random.Generator) -> pd.DataFrame:
    """N incidents as an importer would store them (one row each, unsorted)."""
    lon = rng.uniform(103.6, 104.0, N)
    lat = rng.uniform(35.95, 36.15, N)
    start = np.datetime64("2023-01-01T00:00:00", "s").astype(np.int64)
    seconds = rng.integers(0, 731 * 86_400, N) + start
    cells = points_to_cells(lon, lat)
    return pd.DataFrame(
        {
            "occurred_at": seconds.astype("datetime64[s]"),
            "closed_at": pd.NaT,
            "category": np.asarray(CATEGORY_CODES, dtype=object)[rng.integers(0, 7, N)],
            "handling_class": np.asarray(HANDLING_CODES, dtype=object)[rng.integers(0, 3, N)],
            "grid_code": None,
            "h3_cell": cells.astype(np.int64),
        }
    )


def main() -> None:
    rng = np.random.default_rng(SEED)
    t0 = time.perf_counter()
    frame = raw_frame(rng)
    t1 = time.perf_counter()
    table = incident_table(frame, [])
    t2 = time.perf_counter()
    codes = cell_codes(table, RES)
    t3 = time.perf_counter()
    # The peer gets its res-9 column precomputed too, so both sides answer from memory.
    frame["cell_9"] = cell_parents(frame["h3_cell"].to_numpy().view(np.uint64), RES)
    print(
        f"setup: frame {t1 - t0:.1f} s, incident_table {t2 - t1:.1f} s, cell_codes {t3 - t2:.2f} s",
        file=sys.stderr,
    )

    flt = IncidentFilter(WINDOW[0], WINDOW[1], categories=CATEGORIES)

    def gridmap_query() -> pd.DataFrame:
        return counts_by_cell_code(codes, select(table, flt))

    lo = pd.Timestamp(WINDOW[0])
    hi = pd.Timestamp(WINDOW[1] + dt.timedelta(days=1))

    def peer_query() -> pd.Series:
        occurred = frame["occurred_at"]
        mask = (occurred >= lo) & (occurred < hi) & frame["category"].isin(CATEGORIES)
        return frame.loc[mask].groupby("cell_9").size()

    t_gm, ours = best_of(gridmap_query)
    t_peer, theirs = best_of(peer_query)
    theirs = theirs.sort_index()
    same = ours["cell"].tolist() == cells_to_str(
        theirs.index.to_numpy(dtype=np.uint64)
    ).tolist() and np.array_equal(ours["count"].to_numpy(), theirs.to_numpy())
    print(
        f"filter_5M_to_res{RES}  gridmap {t_gm:.3f} s  peer {t_peer:.3f} s  "
        f"{t_peer / t_gm:.1f}x  same={same}"
    )


if __name__ == "__main__":
    main()
