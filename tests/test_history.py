"""The stored incident history gives pages exactly the arrays the rows give.

Every test compares :func:`gridmap.store.history.read_history` with the row path
(``incident_table`` over the stored rows, as pages computed it before the history existed),
field by field, on both backends: the demo (built once, copied into each backend), two real
files nobody on the team wrote, a day whose rows change, a stale history, a new grid version
and a copy between backends. One page-level check: the cockpit's KPIs from either table.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from gridmap import schema
from gridmap.analytics.incidents import TABLE_COLUMNS, IncidentTable, incident_table
from gridmap.cli import main
from gridmap.importing import import_file
from gridmap.loading import load_incident_table
from gridmap.store import Workspace
from gridmap.store.copying import copy_workspace
from gridmap.store.history import (
    HISTORY_TABLE,
    history_payloads,
    history_status,
    read_history,
    refresh_history,
    write_payloads,
)

from .builders import POSTGIS_URL, Locations, new_orleans_workspace, shared_file, squares_2x2

FIELDS = ("occurred_s", "closed_s", "category", "handling", "cell", "grid", "stage")


def _codes(ws: Workspace) -> list[str]:
    grids = ws.read_grids()
    return sorted(grids[schema.CODE].astype(str)) if len(grids) else []


def _from_rows(ws: Workspace) -> IncidentTable:
    """The row path: what pages computed before the history existed."""
    frame = pd.DataFrame(ws.read_layer("incidents", columns=list(TABLE_COLUMNS)))
    return incident_table(frame, _codes(ws))


def _from_history(ws: Workspace) -> IncidentTable:
    table = read_history(ws, _codes(ws))
    assert table is not None, f"{ws.name}: no current history: {history_status(ws)}"
    return table


def assert_same(history: IncidentTable, rows: IncidentTable) -> None:
    assert len(history) == len(rows)
    for name in FIELDS:
        a, b = getattr(history, name), getattr(rows, name)
        assert a.dtype == b.dtype, name
        assert np.array_equal(a, b), f"{name}: {np.flatnonzero(a != b)[:5]} differ"
    assert history.grid_codes == rows.grid_codes


# -- the demo ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The demo city at full size with 2 % of its incidents (~6,500 over two years)."""
    from gridmap.demo import build_demo

    out = tmp_path_factory.mktemp("demo") / "lanzhou.gpkg"
    build_demo(out, scale=0.02)
    return str(out)


@pytest.fixture(scope="module")
def demo(demo_file: str, module_locations: Locations) -> Workspace:
    """The demo copied into each backend (``gridmap copy`` rebuilds the history there)."""
    location = module_locations.new("demo")
    copied = copy_workspace(demo_file, location)
    assert HISTORY_TABLE not in copied["rows"]  # rebuilt, not copied as an attribute table
    return Workspace(location)


def test_demo_as_built_reads_the_same_from_history(demo_file: str) -> None:
    ws = Workspace(demo_file)
    assert history_status(ws)["current"]
    assert_same(_from_history(ws), _from_rows(ws))


def test_copied_demo_reads_the_same_from_history_once(demo: Workspace) -> None:
    status = history_status(demo)
    assert status["current"] and status["held"] == status["stored"]
    assert int(status["held"]) > 6000
    # One partition set: every (day, part) once, and pages get it through load_incident_table.
    assert_same(load_incident_table(demo), _from_rows(demo))


def test_cockpit_kpis_are_the_same_from_history_and_rows(demo: Workspace) -> None:
    """The cockpit page's numbers (its default 90-day window over the whole city)."""
    from gridmap.analytics.cockpit import build_cockpit
    from gridmap.analytics.filters import incident_filter
    from gridmap.hierarchy import build_hierarchy

    grids = demo.read_grids()
    h = build_hierarchy(demo.read_layer("admin"), grids)
    households = grids.set_index(schema.CODE)[schema.HOUSEHOLDS]
    keyareas = demo.read_layer("keyareas")
    rows = _from_rows(demo)
    assert rows.time_range is not None
    flt = incident_filter(last=rows.time_range[1], default_days=90)
    pages = [
        build_cockpit(t, flt, households, h.name, grids=grids, keyareas=keyareas)
        for t in (_from_history(demo), rows)
    ]
    assert pages[0].kpis == pages[1].kpis
    assert sum(k.value or 0 for k in pages[0].kpis) > 0
    pd.testing.assert_frame_equal(pages[0].top, pages[1].top)


# -- real files -------------------------------------------------------------------------------


def _nola(ws: str, folder: Path) -> None:
    """New Orleans RTCC requests: closure times, minute-resolution times (many ties), 237
    rows at POINT (0 0) kept by their beat. Beats are cells around each beat's median."""
    new_orleans_workspace(ws, folder)


def _medellin(ws: str, folder: Path) -> None:
    """Medellín homicides: a ``;`` CSV with ``,`` decimals, UTC times, 81 rows without
    coordinates (rejected), no closure or handling columns at all."""
    comunas = shared_file("real", "misc_crimemapping", "medellin_comunas.gpkg")
    import_file(ws, "grids", comunas, mapping={"COMUNA": "code", "NOMBRE": "name"})
    homicides = shared_file("real", "misc_crimemapping", "medellin_homicides.csv")
    import_file(ws, "incidents", homicides, crs="wgs84")


@pytest.mark.slow
@pytest.mark.parametrize("load", [_nola, _medellin], ids=["new_orleans", "medellin"])
def test_real_files_read_the_same_from_history(
    load: Callable[[str, Path], None], locations: Locations, tmp_path: Path
) -> None:
    ws_location = locations.new()
    load(ws_location, tmp_path)
    ws = Workspace(ws_location)
    rows = _from_rows(ws)
    assert len(rows) > 5000
    if load is _nola:
        assert (rows.closed_s >= 0).sum() > 5000  # closure times, which the demo also has
        assert (rows.occurred_s[1:] == rows.occurred_s[:-1]).sum() > 50  # ties: fid order
    # The import kept the history (the importer refreshes the days it wrote).
    assert_same(_from_history(ws), rows)
    with ws.transaction() as tx:
        refresh_history(tx, None)
    assert_same(_from_history(ws), rows)


# -- keeping it current -----------------------------------------------------------------------


def _day_of(table: IncidentTable, i: int) -> dt.date:
    return pd.Timestamp(int(table.occurred_s[i]), unit="s").date()


def test_refreshing_one_day_after_its_rows_change(busy_workspace: str) -> None:
    """A day's rows are replaced (new category, closed, new fids at the end of the layer):
    refreshing that day alone gives the row path's arrays; other days' payloads are kept."""
    ws = Workspace(str(busy_workspace))
    with ws.transaction() as tx:
        refresh_history(tx, None)
    before = _from_rows(ws)
    day = _day_of(before, len(before) // 2)
    after = (day + dt.timedelta(days=1)).isoformat()
    span = f"occurred_at >= '{day.isoformat()}' AND occurred_at < '{after}'"
    others = f"SELECT day, payload FROM {HISTORY_TABLE} WHERE day <> ?"
    kept = ws.query(others, (str(day),))
    with ws.transaction() as tx:
        changed = tx.read_layer("incidents", where=span)
        assert len(changed) >= 1
        tx.execute(f"DELETE FROM incidents WHERE {span}")
        changed[schema.CATEGORY] = "public_safety"
        changed[schema.CLOSED_AT] = pd.Timestamp(day) + pd.Timedelta(hours=23)
        tx.write_layer("incidents", changed, append=True)
        refresh_history(tx, [day])
    rows = _from_rows(ws)
    assert not np.array_equal(rows.category, before.category)
    assert_same(_from_history(ws), rows)
    merged = kept.merge(ws.query(others, (str(day),)), on="day", suffixes=("_old", "_new"))
    assert len(merged) == len(kept) > 100
    assert (merged["payload_old"].map(bytes) == merged["payload_new"].map(bytes)).all()


def test_stale_history_falls_back_to_rows_and_heals(busy_workspace: str) -> None:
    """Rows deleted behind the history's back: its count no longer matches, pages read the
    rows (never wrong numbers), and the next refresh of any day rebuilds it whole."""
    ws = Workspace(str(busy_workspace))
    with ws.transaction() as tx:
        refresh_history(tx, None)
        tx.execute("DELETE FROM incidents WHERE fid IN (SELECT fid FROM incidents LIMIT 7)")
    assert read_history(ws, _codes(ws)) is None
    assert not history_status(ws)["current"]
    assert_same(load_incident_table(ws), _from_rows(ws))
    with ws.transaction() as tx:
        refresh_history(tx, [dt.date(1999, 1, 1)])  # a day without incidents
    assert_same(_from_history(ws), _from_rows(ws))


def test_workspace_without_history_is_rebuilt_on_request(
    busy_workspace: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A workspace from before the history (an empty table after migration): rows until
    ``gridmap history WS --rebuild``."""
    ws = Workspace(str(busy_workspace))
    with ws.transaction() as tx:
        tx.execute(f"DELETE FROM {HISTORY_TABLE}")
    assert read_history(ws, _codes(ws)) is None
    assert main(["history", str(busy_workspace)]) == 0
    assert "not current" in capsys.readouterr().out
    assert main(["history", str(busy_workspace), "--rebuild"]) == 0
    assert "300 of 300 incidents" in capsys.readouterr().out
    assert_same(_from_history(ws), _from_rows(ws))


def test_publishing_a_new_grid_version_keeps_history_and_rows_the_same(
    busy_workspace: str, tmp_path: Path
) -> None:
    """A new version (other codes) re-assigns every incident; the history follows."""
    ws = Workspace(str(busy_workspace))
    old = _from_history(ws)
    grids = squares_2x2(codes=("N1", "N2", "N3", "N4"))
    grids.to_file(tmp_path / "v2.gpkg", driver="GPKG")
    import_file(str(busy_workspace), "grids", tmp_path / "v2.gpkg")
    new = _from_history(ws)
    assert new.grid_codes == ("N1", "N2", "N3", "N4") != old.grid_codes
    assert (new.grid >= 0).sum() == len(new) and np.bincount(new.grid).min() > 0
    assert_same(new, _from_rows(ws))


@pytest.mark.skipif(not POSTGIS_URL, reason="needs PostGIS (GRIDMAP_TEST_POSTGIS_URL)")
def test_copying_between_backends_keeps_history_and_rows_the_same(
    demo: Workspace, tmp_path: Path
) -> None:
    """Whichever backend the demo is on, a copy to the other one and back reads the same."""
    there = Locations("postgis" if demo.location.endswith(".gpkg") else "gpkg", tmp_path)
    target = there.new("copy")
    try:
        copy_workspace(demo.location, target)
        back = str(tmp_path / "back.gpkg")
        copy_workspace(target, back)
        for ws in (Workspace(target), Workspace(back)):
            assert_same(_from_history(ws), _from_rows(demo))
    finally:
        there.drop_all()


def test_bulk_parts_of_one_day_merge_into_the_row_order(busy_workspace: str) -> None:
    """A bulk writer may store a day in several parts whose times interleave (here: odd and
    even fids apart); reading merges them into time order, ties by fid, as rows are read."""
    ws = Workspace(str(busy_workspace))
    stored = ws.query(
        "SELECT fid, occurred_at, reported_at, registered_at, dispatched_at, handled_at, "
        "verified_at, closed_at, category, handling_class, grid_code, h3_cell FROM incidents"
    )
    halves = [stored[stored["fid"] % 2 == k] for k in (0, 1)]
    with ws.transaction() as tx:
        tx.execute(f"DELETE FROM {HISTORY_TABLE}")
        for part, half in enumerate(halves):
            write_payloads(tx, history_payloads(half), first_part=part)
    assert ws.query(f"SELECT MAX(part) AS p FROM {HISTORY_TABLE}")["p"].iloc[0] == 1
    assert_same(_from_history(ws), _from_rows(ws))


def test_payloads_keep_incidents_without_a_time_apart() -> None:
    """Rows without a time go to the day '' partition (the row path puts them first, at -1)."""
    rows = pd.DataFrame(
        {
            "fid": [3, 1, 2, 4],
            schema.OCCURRED_AT: ["2025-03-01T10:00:00", None, "2025-03-01T10:00:00.250", "x"],
            schema.CLOSED_AT: [None, None, "2025-03-02T08:00:00", None],
            schema.CATEGORY: ["public_safety", None, "nonsense", "public_safety"],
            schema.HANDLING_CLASS: [None, "general", "general", None],
            schema.GRID_CODE: ["A", None, "B", "A"],
            schema.H3_CELL: [0, 0, 0, 0],
        }
    )
    out = history_payloads(rows)
    assert out["day"].tolist() == ["", "2025-03-01"]
    assert out["n"].tolist() == [2, 2]  # fid 1 (no time) and fid 4 (no readable time)
