"""Issue 15: duplicate codes (parts merged, conflicts rejected), versions analyses cannot use,
polygons outside the city, rejects with the file's own values, unlocated incidents."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import box

from gridmap.analytics.cards import grid_card
from gridmap.analytics.incidents import (
    counts_by_cell,
    counts_by_grid,
    select,
)
from gridmap.cli import main
from gridmap.config import Settings
from gridmap.crs import wgs84_to_gcj02
from gridmap.hierarchy import build_hierarchy
from gridmap.importing import import_file
from gridmap.importing.grids import _store_grids
from gridmap.importing.preview import city_fit, reference_for
from gridmap.importing.report import ImportReport
from gridmap.loading import load_incident_table
from gridmap.store import Workspace

from .builders import (
    ORIGIN,
    UTM48N,
    Locations,
    community_block,
    new_orleans_files,
    shared_file,
    squares_2x2,
)

SECTORS = ("nyc", "nypdsector_raw.shp")


def _sectors(prefixes: tuple[str, ...] | None = None) -> gpd.GeoDataFrame:
    g = gpd.read_file(shared_file("real", *SECTORS))
    if prefixes:
        g = g[g["SECTOR"].str.match(rf"^({'|'.join(prefixes)})[A-Z]")]
    return g.reset_index(drop=True)


def _cli(*args: str) -> int:
    return main(list(args))


# --- parts of one feature ----------------------------------------------------------------
def test_nyc_sector_split_over_three_rows_is_merged_into_one_grid(
    locations: Locations, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The real case: sector 111D, a three-part polygon, exported as three rows coded 111D.
    They become one grid; risk and rebalance then run instead of refusing duplicate codes."""
    sectors = _sectors(("111", "109", "107"))
    whole = sectors.loc[sectors["SECTOR"] == "111D", "geometry"].iloc[0]
    assert len(whole.geoms) == 3
    parts = sectors[sectors["SECTOR"] == "111D"].explode(index_parts=False)
    split = pd.concat([sectors[sectors["SECTOR"] != "111D"], parts], ignore_index=True)
    path = tmp_path / "split.shp"
    gpd.GeoDataFrame(split, crs=sectors.crs).to_file(path)
    ws = locations.new()

    status = _cli("import", ws, "grids", str(path))
    out = capsys.readouterr().out
    # Validation lists problems (no household counts): exit 1, yet the version is published.
    assert status == 1
    assert "merged rows 2" in out and "111D" in out
    assert "missing_households 12" in out
    w = Workspace(ws)
    assert [v.status for v in w.grid_versions()] == ["published"]
    grids = w.read_grids()
    assert len(grids) == 12 and grids["code"].is_unique
    merged = grids.loc[grids["code"] == "111D", "geometry"].iloc[0]
    assert merged.geom_type == "MultiPolygon" and len(merged.geoms) == 3
    original = gpd.GeoSeries([whole], crs=sectors.crs).to_crs(4326).iloc[0]
    assert shapely.symmetric_difference(merged, original).area < 1e-6 * original.area

    report = import_file(locations.new("again"), "grids", path)
    assert (report.rows_read, report.imported, report.rejected, report.merged) == (14, 14, 0, 2)
    assert report.notes_text("zh")[0].startswith("3 行合并为 1 个网格")
    assert report.notes_text("en")[0].startswith("merged 3 rows into 1 grid(s): 111D")
    kept = report.issues[report.issues["action"] == "kept, merged"]
    assert kept["row"].tolist() == [13, 14, 15] and set(kept["value"]) == {"111D"}

    inside = sectors.to_crs(4326).geometry.representative_point()
    events = pd.DataFrame(
        {
            "id": [f"S{i}" for i in range(len(inside))],
            "lon": inside.x,
            "lat": inside.y,
            "occurred_at": "2019-06-01",
        }
    )
    events.to_csv(tmp_path / "events.csv", index=False)
    assert _cli("import", ws, "incidents", str(tmp_path / "events.csv"), "--crs", "wgs84") == 0
    capsys.readouterr()
    assert _cli("risk", ws, "--json") == 0
    assert "111D" in capsys.readouterr().out
    status = _cli("rebalance", ws, "--json")
    err = capsys.readouterr().err
    assert status == 0 and "duplicate" not in err


def test_rows_sharing_a_code_with_other_attributes_are_rejected(
    locations: Locations, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A mistyped code: sector 100C's row says 100A, with its own name. Both rows of 100A
    are rejected with the field that differs; the other 301 sectors are published."""
    sectors = _sectors()
    sectors["name"] = "Sector " + sectors["SECTOR"]
    sectors.loc[sectors["SECTOR"] == "100C", "SECTOR"] = "100A"
    rows = (np.flatnonzero(sectors["SECTOR"] == "100A") + 2).tolist()
    path = tmp_path / "conflict.shp"
    sectors.to_file(path)
    ws = locations.new()
    report = import_file(ws, "grids", path)
    assert (report.rows_read, report.imported, report.rejected, report.merged) == (303, 301, 2, 0)
    rejected = report.issues[report.issues["action"] == "rejected"]
    listed = ", ".join(map(str, rows))
    assert rejected["row"].tolist() == rows
    assert set(rejected["reason"]) == {
        f"duplicate code with conflicting attributes (rows {listed} differ in name)"
    }
    assert not report.blocked and Workspace(ws).published_version() == 1
    assert "100A" not in set(Workspace(ws).read_grids()["code"])
    shootings = shared_file("real", "nyc", "nyc_shootings.csv")
    assert _cli("import", ws, "incidents", str(shootings), "--crs", "wgs84") == 0
    assert _cli("risk", ws, "--json") == 0


def test_a_version_with_blocking_problems_is_kept_as_a_draft(workspace: str) -> None:
    """The safety net behind the merge: a grid frame with a duplicate code reaching the
    store is saved as a draft, never published over the version in force."""
    grids = Workspace(workspace).read_grids().drop(columns=["version"])
    grids.loc[grids["code"] == "C", "code"] = "A"
    report = ImportReport("grids", "dups.gpkg", "WGS-84", 4, 4, 0)
    with Workspace(workspace).transaction() as tx:
        _store_grids(
            tx,
            grids,
            report,
            draft=False,
            effective_date=None,
            settings=Settings(),
            repaired=np.zeros(4, dtype=bool),
        )
    assert report.blocked and report.version == 2
    assert report.to_dict()["validation_blocking"] == {"duplicate_code": 2}
    w = Workspace(workspace)
    assert [(v.version, v.status) for v in w.grid_versions()] == [
        (1, "published"),
        (2, "draft"),
    ]
    assert w.published_version() == 1
    assert "kept as a draft" in report.notes[-1]
    assert "仅保存为草稿" in report.notes_text("zh")[-1]


# --- outside the city ----------------------------------------------------------------------
def test_polygons_wholly_outside_the_city_are_rejected(workspace: str, tmp_path: Path) -> None:
    """Key areas of a workspace near Lanzhou: one inside, one 1 km beyond the edge (kept,
    within the 2 km margin), one in New York (rejected)."""
    x0, y0 = ORIGIN
    near = gpd.GeoSeries(
        [box(x0 + 10, y0 + 10, x0 + 60, y0 + 60), box(x0 + 1200, y0, x0 + 1250, y0 + 50)],
        crs=UTM48N,
    ).to_crs(4326)
    far = box(-74.0, 40.7, -73.99, 40.71)
    areas = gpd.GeoDataFrame(
        {"code": ["K1", "K2", "K3"], "name": ["学校", "医院", "远处"], "kind": "school"},
        geometry=[*near, far],
        crs=4326,
    )
    path = tmp_path / "keyareas.geojson"
    areas.to_file(path)
    report = import_file(workspace, "keyareas", path)
    assert (report.imported, report.rejected) == (2, 1)
    assert report.rejected_by_reason() == {"outside the city": 1}
    assert sorted(Workspace(workspace).read_layer("keyareas")["code"]) == ["K1", "K2"]

    fit = city_fit(reference_for(Workspace(workspace), "keyareas"), areas.geometry)
    assert fit.n == 3 and fit.inside == pytest.approx(2 / 3)
    assert 11_000 < fit.outside_km < 12_500  # Lanzhou to New York
    assert not fit.mostly_outside


def test_nothing_in_the_workspace_means_no_outside_check(
    locations: Locations, tmp_path: Path
) -> None:
    path = tmp_path / "grids.gpkg"
    squares_2x2().to_file(path)
    ws = locations.new()
    report = import_file(ws, "grids", path)
    assert report.rejected == 0
    fit = city_fit(reference_for(Workspace(ws), "grids"), squares_2x2().geometry)
    assert fit.n == 4 and fit.inside == 1.0 and np.isnan(fit.outside_km)
    empty = city_fit(
        reference_for(Workspace(locations.new("empty")), "incidents"),
        pd.DataFrame({"lon": [-74.0], "lat": [40.7]}),
    )
    assert np.isnan(empty.inside)


def test_points_mostly_outside_the_city_before_import(workspace: str) -> None:
    """The Data page's warning: a file whose points lie in New York, for a Lanzhou workspace."""
    ref = reference_for(Workspace(workspace), "incidents")
    here = squares_2x2().geometry.iloc[0].representative_point()
    fit = city_fit(ref, pd.DataFrame({"lon": [-74.0, -73.9, here.x], "lat": [40.7, 40.8, here.y]}))
    assert fit.inside == pytest.approx(1 / 3) and fit.mostly_outside
    assert fit.outside_km > 11_000


def test_rejects_show_the_files_own_coordinates(workspace: str, tmp_path: Path) -> None:
    """An incident outside the city, in GCJ-02: its rejects row shows the file's text."""
    frame = pd.DataFrame(
        {"id": ["a"], "lon": ["104.50000"], "lat": ["36.50000"], "occurred_at": ["2024-01-01"]}
    )
    frame.to_csv(tmp_path / "far.csv", index=False)
    report = import_file(workspace, "incidents", tmp_path / "far.csv", crs="gcj02")
    assert report.issues["value"].tolist() == ["104.50000,36.50000"]
    assert report.issues["reason"].str.startswith("outside the city").all()


# --- unlocated incidents ---------------------------------------------------------------------
def _named_workspace(location: str, folder: Path) -> str:
    """The 2x2 block with names: A 东一, B 东二, C and D both 西区 (a name two grids share)."""
    grids = squares_2x2()
    grids["name"] = ["东一", "东二", "西区", "西区"]
    grids.to_file(folder / "grids.gpkg")
    community_block().to_file(folder / "community.geojson")
    import_file(location, "admin", folder / "community.geojson", crs="wgs84")
    import_file(location, "grids", folder / "grids.gpkg")
    return location


def test_incidents_with_a_grid_but_no_coordinates_are_kept_unlocated(
    locations: Locations, tmp_path: Path
) -> None:
    """Four located incidents in A; rows without coordinates naming B (by code), 东二 (B,
    by its unique name), 东一 at 0,0 (A); 西区 (two grids) and Z (no grid) are rejected."""
    ws = _named_workspace(locations.new(), tmp_path)
    a = squares_2x2().geometry.iloc[0].representative_point()
    glon, glat = wgs84_to_gcj02(np.array([a.x] * 4), np.array([a.y] * 4))
    lon = [f"{v:.7f}" for v in glon] + ["", "", "0", "", ""]
    lat = [f"{v:.7f}" for v in glat] + ["", "", "0", "", ""]
    frame = pd.DataFrame(
        {
            "事件编号": [f"E{i}" for i in range(9)],
            "发生时间": "2024-03-01 08:00",
            "结案时间": "2024-03-02 08:00",
            "经度": lon,
            "纬度": lat,
            "所属网格": ["A", "A", "A", "A", "B", "东二", "东一", "西区", "Z"],
        }
    )
    frame.to_csv(tmp_path / "events.csv", index=False)
    report = import_file(ws, "incidents", tmp_path / "events.csv", crs="gcj02")
    assert (report.rows_read, report.imported, report.rejected, report.unlocated) == (9, 7, 2, 3)
    issues = report.issues.set_index("row")
    assert issues.loc[6, "action"] == "kept, no location"
    assert issues.loc[6, "reason"] == "no coordinates: kept without a location in grid B"
    assert issues.loc[9, "reason"] == (
        "no coordinates (grid 西区: no grid has this code or unique name)"
    )
    assert issues.loc[10, "reason"].startswith("no coordinates (grid Z: ")
    assert issues.loc[8, "value"] == "0,0"  # the file's own text, not converted numbers

    stored = Workspace(ws).read_layer("incidents")
    unloc = stored[stored.geometry.isna()]
    assert sorted(unloc["grid_code"]) == ["A", "B", "B"]
    assert (unloc["h3_cell"] == 0).all()

    table = load_incident_table(Workspace(ws))
    idx = select(table, _window())
    counts = counts_by_grid(table, idx)
    assert counts.to_dict() == {"A": 5, "B": 2, "C": 0, "D": 0}
    assert counts_by_cell(table, idx, 9)["count"].sum() == 4  # unlocated rows have no cell
    grids = Workspace(ws).read_grids()
    h = build_hierarchy(Workspace(ws).read_layer("admin"), grids)
    row = grids[grids["code"] == "A"].iloc[0]
    card = grid_card(row, h, table, idx, today=pd.Timestamp("2024-06-01").date())
    assert (card["located"], card["count"]) == (4, 5)

    # A new version re-assigns by location and, for unlocated rows, by their grid label.
    squares = squares_2x2()
    squares["name"] = ["东一", "东二", "西区", "西区"]
    squares.to_file(tmp_path / "v2.gpkg")
    import_file(ws, "grids", tmp_path / "v2.gpkg")
    again = Workspace(ws).read_layer("incidents")
    assert sorted(again.loc[again.geometry.isna(), "grid_code"]) == ["A", "B", "B"]


def _window():  # type: ignore[no-untyped-def]
    import datetime as dt

    from gridmap.analytics.incidents import IncidentFilter

    return IncidentFilter(dt.date(2024, 1, 1), dt.date(2024, 12, 31))


def test_new_orleans_requests_at_point_zero_keep_their_beat(
    locations: Locations, tmp_path: Path
) -> None:
    """Real file: 237 RTCC requests at POINT (0 0) with a Beat column. The beat layer is made
    here from the file's own located requests (Voronoi cells around each beat's median)."""
    beats_file, rtcc = new_orleans_files(tmp_path)
    d = pd.read_csv(rtcc, dtype={"Beat": str, "item_number": str})
    beats = gpd.read_file(beats_file)
    ws = locations.new()
    import_file(ws, "grids", beats_file)
    report = import_file(
        ws,
        "incidents",
        rtcc,
        crs="wgs84",
        mapping={
            "Beat": "grid_code_source",
            "item_number": "id",
            "TimeCreate": "occurred_at",
            "TimeClosed": "closed_at",
        },
    )
    zero = d["lon"] == 0
    first = ~d["item_number"].duplicated()
    assert zero.sum() == 237
    assert report.rows_read == 7476 == report.imported + report.rejected
    # Every first occurrence at 0,0 whose beat is a grid is kept; the rest are rejected.
    expected = int((zero & first & d["Beat"].isin(set(beats["code"]))).sum())
    assert report.unlocated == expected == 186
    stored = Workspace(ws).read_layer("incidents")
    assert stored.geometry.isna().sum() == 186
    assert stored.loc[stored.geometry.isna(), "grid_code"].notna().all()
