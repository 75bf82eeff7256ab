"""The cockpit's faster paths at city scale give the numbers of a plain reference computation.

At 9.7 M incidents the cockpit's first visit spent its time in an argsort of every incident
(emerging hot spots), in labelling every incident with its grid to name a few cells' grids,
and in Python calls per overdue case. Those paths are now hashed and filtered first; these
tests compare what the cockpit shows (emerging classes and counts per cell, the grid named
for each cell, the overdue cases with their streets, grids and departments) with a direct
pandas computation, on the demo city and on New Orleans' real requests.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from gridmap import schema
from gridmap.analytics.backlog import overdue_backlog
from gridmap.analytics.cockpit import build_cockpit, trend_window
from gridmap.analytics.filters import last_complete_month, period_window
from gridmap.analytics.hotspots import getis_ord_gi_star, kring_weights
from gridmap.analytics.incidents import IncidentFilter, IncidentTable, select
from gridmap.analytics.overview import cell_owners
from gridmap.analytics.responsibility import grid_owners
from gridmap.analytics.risk import UNKNOWN_PARENT
from gridmap.analytics.trends import emerging_classes, emerging_hotspots
from gridmap.demo import build_demo
from gridmap.indexing import cell_parents, cells_to_str, str_to_cells
from gridmap.loading import load_incident_table
from gridmap.services.this_week import backlog_since, read_open_cases
from gridmap.store import Workspace
from gridmap.store.copying import copy_workspace

from ..builders import Locations, new_orleans_workspace

pytestmark = pytest.mark.slow

RES = 9


def _demo(folder: Path, location: str) -> None:
    """The demo city with 2 % of its incidents, copied to the backend under test."""
    out = folder / "lanzhou.gpkg"
    build_demo(out, scale=0.02)
    copy_workspace(str(out), location)


def _new_orleans(folder: Path, location: str) -> None:
    """New Orleans RTCC requests: closure times, beats as grids, no handling class."""
    new_orleans_workspace(location, folder)


@pytest.fixture(scope="module", params=["demo", "new_orleans"])
def ws(
    request: pytest.FixtureRequest,
    module_locations: Locations,
    tmp_path_factory: pytest.TempPathFactory,
) -> Workspace:
    folder = tmp_path_factory.mktemp(str(request.param))
    location = module_locations.new(str(request.param))
    (_demo if request.param == "demo" else _new_orleans)(folder, location)
    return Workspace(location)


@pytest.fixture(scope="module")
def table(ws: Workspace) -> IncidentTable:
    return load_incident_table(ws)


def _window(table: IncidentTable) -> IncidentFilter:
    """The cockpit's default window: the last complete month."""
    assert table.time_range is not None
    first, last = table.time_range
    return IncidentFilter(*period_window(last_complete_month(last), last, first=first))


def _located(table: IncidentTable, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positions of the incidents of ``idx`` with a cell, and their res-9 parents."""
    keep = idx[table.cell[idx] != 0]
    return keep, cell_parents(table.cell[keep], RES)


def _reference_emerging(table: IncidentTable, idx: np.ndarray) -> pd.DataFrame:
    """Cell x month counts by a pandas cross table (empty months included), then the
    published classification of their Gi* z-scores."""
    keep, parents = _located(table, idx)
    month = pd.to_datetime(table.occurred_s[keep], unit="s").to_period("M")
    counts = pd.crosstab(parents, month)
    counts = counts.reindex(columns=pd.period_range(month.min(), month.max(), freq="M"))
    counts = counts.fillna(0)
    cells = counts.index.to_numpy(np.uint64)
    c = counts.to_numpy(np.float64)
    codes = emerging_classes(c, getis_ord_gi_star(c, kring_weights(cells)))
    return pd.DataFrame(
        {"cell": cells_to_str(cells), "trend_code": codes, "count": c.sum(axis=1).astype(int)}
    )


def _reference_owners(table: IncidentTable, idx: np.ndarray) -> pd.Series:
    """For every res-9 cell, the grid holding most of its incidents (ties: smallest code)."""
    keep, parents = _located(table, idx)
    grid = table.grid[keep]
    pairs = pd.DataFrame(
        {
            "cell": cells_to_str(parents[grid >= 0]),
            "grid": np.asarray(table.grid_codes, dtype=object)[grid[grid >= 0]],
        }
    )
    n = pairs.value_counts().rename("n").reset_index()
    top = n.sort_values(["cell", "n", "grid"], ascending=[True, False, True])
    return top.drop_duplicates("cell").set_index("cell")["grid"]


def test_emerging_classes_per_cell_match_a_cross_table(table: IncidentTable) -> None:
    """Over the cockpit's two-year trend window every cell has the class and count of the
    reference (cells in the same order)."""
    idx = select(table, trend_window(_window(table)))
    got = emerging_hotspots(table, idx, res=RES, bin="month")
    want = _reference_emerging(table, idx)
    assert len(got) > 50
    assert (got["trend_code"] != 0).sum() > 0  # some cells are classed at all
    assert got["cell"].tolist() == want["cell"].tolist()
    assert got["count"].tolist() == want["count"].tolist()
    assert got["trend_code"].tolist() == want["trend_code"].tolist()


def test_a_few_cells_are_named_by_the_grid_holding_most_of_their_incidents(
    table: IncidentTable,
) -> None:
    idx = select(table, trend_window(_window(table)))
    want = _reference_owners(table, idx)
    asked = want.index[::7]  # a few cells, as the cockpit asks for its emerging ones
    got = cell_owners(table, idx, RES, cells=str_to_cells(asked.to_numpy()))
    assert len(asked) > 5
    assert got.sort_index().to_dict() == want.loc[asked].to_dict()
    # Asking for every cell names them all the same way.
    assert cell_owners(table, idx, RES).sort_index().to_dict() == want.to_dict()


def test_the_cockpits_emerging_list_names_each_cells_grid(
    ws: Workspace, table: IncidentTable
) -> None:
    flt = _window(table)
    grids = ws.read_grids()
    households = grids.set_index(schema.CODE)[schema.HOUSEHOLDS]
    cockpit = build_cockpit(table, flt, households, str, res=RES, grids=grids)
    emerging = cockpit.emerging
    reference = _reference_emerging(table, select(table, cockpit.trend_window))
    owners = _reference_owners(table, select(table, cockpit.trend_window))
    alert = reference[reference["trend_code"].isin([1, 2, 3]) & (reference["count"] >= 5)]
    assert sorted(emerging["cell"]) == sorted(alert["cell"])
    assert emerging.set_index("cell")["grid"].to_dict() == owners.loc[emerging["cell"]].to_dict()


def _text_as_objects(frame: pd.DataFrame) -> pd.DataFrame:
    """The open cases with their text columns as Python objects (the general path)."""
    text = [c for c in frame.columns if c != "geometry" and frame[c].dtype == "str"]
    return frame.astype(dict.fromkeys(text, object))


def test_the_overdue_backlog_of_arrow_text_is_that_of_python_text(
    ws: Workspace, table: IncidentTable
) -> None:
    """Open cases as read (Arrow text) give the backlog of the same cases as Python
    objects: the same cases, streets, grid names and departments, in the same order."""
    flt = _window(table)
    cases = read_open_cases(ws, backlog_since(flt))
    assert len(cases) > 50
    if ws.name.endswith(".gpkg"):
        assert cases[schema.ID].dtype == "str"  # read as Arrow text: the path pages take
    grids = ws.read_grids()
    owners = grid_owners(grids, ws.read_layer("admin"))
    for as_of in (flt.end, backlog_since(flt)):
        fast = overdue_backlog(cases, as_of=as_of, owners=owners, closure_known=True)
        slow = overdue_backlog(
            _text_as_objects(cases), as_of=as_of, owners=owners, closure_known=True
        )
        assert (fast.overdue, fast.open, fast.missing) == (slow.overdue, slow.open, slow.missing)
        pd.testing.assert_frame_equal(fast.items, slow.items)
        pd.testing.assert_frame_equal(fast.by_street, slow.by_street)
        pd.testing.assert_frame_equal(fast.by_department, slow.by_department)


def test_overdue_cases_carry_their_grids_owners(ws: Workspace, table: IncidentTable) -> None:
    """Each overdue case's grid name and street are its grid's (a plain dict look-up);
    a case whose grid is unknown gets none. New Orleans has no handling class: no limit,
    so its backlog says so instead of counting."""
    flt = _window(table)
    cases = read_open_cases(ws, backlog_since(flt))
    owners = grid_owners(ws.read_grids(), ws.read_layer("admin"))
    b = overdue_backlog(cases, as_of=flt.end, owners=owners, closure_known=True)
    if not (table.handling >= 0).any():
        assert b.missing == "handling_class" and b.overdue is None
        return
    assert b.overdue is not None and b.overdue > 50
    # The oldest case moved to a grid that does not exist: no name, the unknown street.
    oldest = cases[schema.ID] == b.items[schema.ID].iloc[0]
    cases.loc[oldest.to_numpy(), schema.GRID_CODE] = "no-such-grid"
    b = overdue_backlog(cases, as_of=flt.end, owners=owners, closure_known=True)
    name = dict(zip(owners.index.astype(str), owners["grid_name"].astype(str), strict=True))
    street = dict(zip(owners.index.astype(str), owners["street_name"].astype(str), strict=True))
    items = b.items
    assert items["grid_name"].tolist() == [name.get(g, "") for g in items[schema.GRID_CODE]]
    assert items["street_name"].tolist() == [street.get(g, "") for g in items[schema.GRID_CODE]]
    moved = items[items[schema.GRID_CODE] == "no-such-grid"]
    assert (items.drop(index=moved.index)["grid_name"] != "").all()
    assert len(moved) == 1 and moved["grid_name"].iloc[0] == ""
    assert moved["street_code"].iloc[0] == UNKNOWN_PARENT
