"""Imports that cost what they bring (#17): points into an existing layer are written in
place, stored rows whose id the file brings again are replaced, and a killed import still
leaves the workspace as it was."""

from __future__ import annotations

import contextlib
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely

from gridmap.errors import WorkspaceError
from gridmap.importing import import_file
from gridmap.store import Workspace, is_url
from gridmap.store.gpkg import GpkgWorkspace

from .builders import busy_incidents, kill_cli_midway, snapshot, squares_2x2, write_under_way


def _write(frame: pd.DataFrame, path: Path) -> Path:
    frame.to_csv(path, index=False)
    return path


def _next_day(n: int = 40, seed: int = 7) -> pd.DataFrame:
    """A day's export: ``n`` new incidents (one without coordinates that names grid A,
    times with milliseconds) plus five already stored (E0..E4) now closed."""
    new = busy_incidents(n, seed=seed)
    new["id"] = [f"N{i}" for i in range(n)]
    new["occurred_at"] = "2026-01-05 08:30:00.250"
    new["closed_at"] = ""
    new["所属网格"] = ""
    new.loc[0, "lon"] = np.nan
    new.loc[0, "lat"] = np.nan
    new.loc[0, "所属网格"] = "A"
    again = busy_incidents().iloc[:5].copy()
    again["closed_at"] = "2025-12-31 23:59:59"
    again["所属网格"] = ""
    return pd.concat([new, again], ignore_index=True)


@pytest.fixture
def in_place_calls(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The GeoPackage transactions opened in place during a test, by file name."""
    calls: list[str] = []
    original = GpkgWorkspace._in_place

    def spy(self: GpkgWorkspace) -> Any:
        calls.append(self.path.name)
        return original(self)

    monkeypatch.setattr(GpkgWorkspace, "_in_place", spy)
    yield calls


def _copy_on_write_only(monkeypatch: pytest.MonkeyPatch) -> None:
    original = GpkgWorkspace.transaction

    def always_copy(self: GpkgWorkspace, *, in_place: bool = False) -> Any:
        return original(self, in_place=False)

    monkeypatch.setattr(GpkgWorkspace, "transaction", always_copy)


@pytest.mark.gpkg_only
def test_in_place_import_reads_back_as_a_copy_on_write_import(
    camera_workspace: str,
    tmp_path: Path,
    in_place_calls: list[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The same day imported in place and copy-on-write: the same rows, reports, rtree,
    extent and feature count, as GDAL reads them."""
    day = _write(_next_day(), tmp_path / "day.csv")
    cow = tmp_path / "cow.gpkg"
    shutil.copyfile(camera_workspace, cow)
    in_place = import_file(camera_workspace, "incidents", day, crs="wgs84")
    assert in_place_calls == ["ws.gpkg"]
    with monkeypatch.context() as m:
        _copy_on_write_only(m)
        copied = import_file(cow, "incidents", day, crs="wgs84")
    assert in_place_calls == ["ws.gpkg"]  # the second import really copied
    for field in ("rows_read", "imported", "rejected", "updated", "unlocated"):
        assert getattr(in_place, field) == getattr(copied, field), field
    assert (in_place.imported, in_place.updated, in_place.unlocated) == (45, 5, 1)

    a, b = Workspace(camera_workspace), Workspace(cow)
    for layer in ("incidents", "cameras", "grids"):
        pd.testing.assert_frame_equal(a.read_layer(layer), b.read_layer(layer))
    stored = a.read_layer("incidents")
    assert len(stored) == 300 + 40 and stored["id"].is_unique
    new = stored[stored["id"].str.startswith("N")]
    assert new["occurred_at"].eq(pd.Timestamp("2026-01-05 08:30:00.250")).all()
    assert (
        new.geometry.isna().sum() == 1 and new.loc[new.geometry.isna(), "grid_code"].eq("A").all()
    )
    # The same bytes GDAL wrote in the other file (geometry blobs, times, NULLs).
    sql = (
        "SELECT hex(geom), id, occurred_at, closed_at, h3_cell, grid_code FROM incidents "
        "ORDER BY id"
    )
    with (
        contextlib.closing(sqlite3.connect(camera_workspace)) as x,
        contextlib.closing(sqlite3.connect(cow)) as y,
    ):
        assert x.execute(sql).fetchall() == y.execute(sql).fetchall()
        # SQLite's own checks of the file and of the rtree against the table.
        assert x.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert x.execute("SELECT rtreecheck('rtree_incidents_geom')").fetchall() == [("ok",)]
        rtree = "SELECT id, minx, maxx, miny, maxy FROM rtree_incidents_geom ORDER BY id"
        assert x.execute(rtree).fetchall() == y.execute(rtree).fetchall()
    _history_matches_rows(a)
    info_a = pyogrio.read_info(camera_workspace, layer="incidents")
    info_b = pyogrio.read_info(cow, layer="incidents")
    assert info_a["features"] == info_b["features"] == 340
    assert info_a["total_bounds"] == pytest.approx(info_b["total_bounds"])
    # The rtree GDAL reads through finds the new points where they are.
    located = new[new.geometry.notna()]
    x0, y0, x1, y1 = located.total_bounds
    found = pyogrio.read_dataframe(camera_workspace, layer="incidents", bbox=(x0, y0, x1, y1))
    assert set(located["id"]) <= set(found["id"])
    one = located.iloc[0].geometry
    near = pyogrio.read_dataframe(
        camera_workspace,
        layer="incidents",
        bbox=(one.x - 1e-7, one.y - 1e-7, one.x + 1e-7, one.y + 1e-7),
    )
    assert located.iloc[0]["id"] in set(near["id"])


def test_reimporting_an_updated_export_replaces_rows(workspace: str, tmp_path: Path) -> None:
    """Same ids, later stages filled in: the rows are replaced, not duplicated or rejected."""
    first = busy_incidents(60)
    first["closed_at"] = ""
    import_file(workspace, "incidents", _write(first, tmp_path / "open.csv"), crs="wgs84")
    later = first.copy()
    later["closed_at"] = (pd.to_datetime(later["occurred_at"]) + pd.Timedelta(hours=5)).astype(str)
    report = import_file(
        workspace, "incidents", _write(later, tmp_path / "closed.csv"), crs="wgs84"
    )
    assert (report.imported, report.rejected, report.updated) == (60, 0, 60)
    stored = Workspace(workspace).read_layer("incidents")
    assert len(stored) == 60 and stored["id"].is_unique
    assert stored["closed_at"].notna().all()
    hours = (stored["closed_at"] - stored["occurred_at"]) / pd.Timedelta(hours=1)
    assert hours.eq(5).all()
    _history_matches_rows(Workspace(workspace))
    # A repeat inside one file is still a reject.
    twice = pd.concat([later.iloc[:2], later.iloc[:1]], ignore_index=True)
    again = import_file(workspace, "incidents", _write(twice, tmp_path / "twice.csv"), crs="wgs84")
    assert (again.imported, again.rejected, again.updated) == (2, 1, 2)
    assert again.rejected_by_reason() == {"duplicate id": 1}
    assert Workspace(workspace).layer_count("incidents") == 60


def _history_matches_rows(ws: Workspace) -> None:
    """The stored history the pages read equals the table built from the rows."""
    from gridmap.analytics.incidents import incident_table
    from gridmap.loading import TABLE_COLUMNS
    from gridmap.store.history import read_history

    codes = sorted(ws.read_grids()["code"].astype(str))
    held = read_history(ws, codes)
    rows = incident_table(
        pd.DataFrame(ws.read_layer("incidents", columns=list(TABLE_COLUMNS))), codes
    )
    assert held is not None and len(held) == len(rows)
    for field in ("occurred_s", "closed_s", "category", "handling", "cell", "grid", "stage"):
        assert np.array_equal(getattr(held, field), getattr(rows, field)), field


def test_camera_register_update_rewrites_only_its_rows(
    camera_workspace: str, tmp_path: Path
) -> None:
    """K3 comes back online and K4 is new: K1 and K2 stay as they were, in their order."""
    before = Workspace(camera_workspace).read_layer("cameras")
    x0, y0, x1, y1 = squares_2x2().total_bounds
    frame = pd.DataFrame(
        {
            "id": ["K3", "K4"],
            "lon": [before.geometry.iloc[2].x, (x0 + x1) / 2],
            "lat": [before.geometry.iloc[2].y, (y0 + y1) / 2],
            "kind": ["dome", "fixed"],
            "status": ["online", "online"],
            "range_m": [80.0, 30.0],
        }
    )
    report = import_file(
        camera_workspace, "cameras", _write(frame, tmp_path / "reg.csv"), crs="wgs84"
    )
    assert (report.imported, report.updated) == (2, 1)
    after = Workspace(camera_workspace).read_layer("cameras")
    assert after["id"].tolist() == ["K1", "K2", "K3", "K4"]
    pd.testing.assert_frame_equal(after.iloc[:2], before.iloc[:2])
    assert after.set_index("id").loc["K3", "status"] == "online"


@pytest.mark.gpkg_only
def test_in_place_transaction_sees_its_writes_and_refuses_gdal_work(
    busy_workspace: str,
) -> None:
    ws = Workspace(busy_workspace)
    before = snapshot(busy_workspace)
    extra = ws.read_layer("incidents").iloc[:3].copy()
    extra["id"] = ["X1", "X2", "X3"]
    with pytest.raises(RuntimeError, match="stop"), ws.transaction(in_place=True) as tx:
        tx.write_layer("incidents", extra, append=True)
        assert tx.layer_count("incidents") == 303
        assert tx.query("SELECT COUNT(*) AS n FROM incidents WHERE id LIKE 'X%'")["n"][0] == 3
        assert set(tx.read_layer("incidents", where="id LIKE 'X%'")["id"]) == {"X1", "X2", "X3"}
        with pytest.raises(WorkspaceError) as err:
            tx.write_layer("grids", tx.read_grids())
        assert "copy-on-write" in str(err.value) and "\n" not in str(err.value)
        grids = tx.read_grids().iloc[:1]
        with pytest.raises(WorkspaceError, match="non-point"):
            tx.write_layer("grids", grids, append=True)
        raise RuntimeError("stop")
    assert snapshot(busy_workspace) == before  # rolled back: nothing of it stays
    assert ws.layer_count("incidents") == 300


def _big_day(n: int) -> pd.DataFrame:
    rng = np.random.default_rng(3)
    x0, y0, x1, y1 = squares_2x2().total_bounds
    return pd.DataFrame(
        {
            "id": [f"B{i}" for i in range(n)],
            "lon": rng.uniform(x0, x1, n),
            "lat": rng.uniform(y0, y1, n),
            "occurred_at": "2026-02-01 10:00",
        }
    )


def _writing_in_place(location: str) -> bool:
    """An in-place writer has begun changing pages (its rollback journal exists), or a
    database session is copying rows in."""
    if is_url(location):
        return write_under_way(location)
    return Path(f"{location}-journal").exists()


def test_killed_in_place_import_leaves_the_workspace_unchanged(
    busy_workspace: str, tmp_path: Path
) -> None:
    """Kill -9 an import appending to an existing layer while it writes: nothing changed,
    and the next import works (a file's hot journal is rolled back by the next reader)."""
    n = 200_000
    path = _write(_big_day(n), tmp_path / "big.csv")
    before = snapshot(busy_workspace)
    kill_cli_midway(
        ["import", busy_workspace, "incidents", str(path), "--crs", "wgs84"],
        lambda: _writing_in_place(busy_workspace),
        pause_s=0.05 if is_url(busy_workspace) else 0.2,
        wait_s=90,
    )
    ws = Workspace(busy_workspace)
    assert ws.layer_count("incidents") == 300  # (reading rolls a hot journal back)
    assert snapshot(busy_workspace) == before
    report = import_file(busy_workspace, "incidents", path, crs="wgs84")
    assert (report.imported, report.updated) == (n, 0)
    assert Workspace(busy_workspace).layer_count("incidents") == 300 + n
    assert is_url(busy_workspace) or not Path(f"{busy_workspace}-journal").exists()


def test_in_place_points_are_geopackage_blobs() -> None:
    """Points as GDAL writes them: 'GP', version 0, flags 0x01 (little-endian, no envelope),
    srs 4326, ISO WKB; an empty point flagged empty; no geometry stays NULL."""
    from gridmap.store.gpkg_rows import blob_geometries, point_blobs

    geoms = np.array([shapely.Point(103.5, 36.25), shapely.Point(), None], dtype=object)
    blobs = point_blobs(geoms)
    assert blobs[0] is not None and blobs[0][:8] == b"GP\x00\x01\xe6\x10\x00\x00"
    assert blobs[0][8:] == shapely.to_wkb(geoms[0], byte_order=1, flavor="iso")
    assert blobs[1] is not None and blobs[1][3] == 0x11 and blobs[2] is None
    back = blob_geometries(blobs)
    assert back[0].equals(geoms[0]) and back[1].is_empty and back[2] is None
    with pytest.raises(WorkspaceError):
        point_blobs(np.array([shapely.box(0, 0, 1, 1)], dtype=object))
    assert isinstance(gpd.GeoSeries(back[:1]).iloc[0], shapely.Point)
