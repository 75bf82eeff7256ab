"""Department layers (多网合一, #18): import, versions per department, readers, refusals.

Every test runs on both backends (the ``workspace`` fixture: one community and its 2x2
basic grids, 100 m squares, near Lanzhou). The department files are drawn in metres
(UTM 48N), or in GCJ-02 degrees, as departments send them::

    +---+---+      公安 v1: two halves        城管: one unit over all four
    | A | B |      W = A + C, E = B + D
    +---+---+
    | C | D |
    +---+---+
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import Point, box

from gridmap.cli import main
from gridmap.crs import CrsSpec, geometries_from_wgs84
from gridmap.errors import CrsError, SchemaError
from gridmap.importing import import_file
from gridmap.loading import department_names, department_versions, read_departments
from gridmap.store import Workspace, is_url

from .builders import ORIGIN, UTM48N, kill_cli_midway, snapshot, strict_loads, write_under_way

X0, Y0 = ORIGIN


def halves(folder: Path, name: str = "police.gpkg") -> Path:
    """West (A + C) and east (B + D) halves of the 2x2 block, in UTM 48N, Chinese headers."""
    gdf = gpd.GeoDataFrame(
        {
            "警务区编码": ["JW01", "JW02"],
            "警务区名称": ["西片警务区", "东片警务区"],
            "户数": [730, 720],
        },
        geometry=[box(X0, Y0, X0 + 100, Y0 + 200), box(X0 + 100, Y0, X0 + 200, Y0 + 200)],
        crs=UTM48N,
    )
    path = folder / name
    gdf.to_file(path, driver="GPKG")
    return path


def whole_block(folder: Path, name: str = "urban.geojson", code: str = "CG1") -> Path:
    """One unit over the whole block, WGS-84 GeoJSON with English headers and no names."""
    gdf = gpd.GeoDataFrame(
        {"code": [code]}, geometry=[box(X0, Y0, X0 + 200, Y0 + 200)], crs=UTM48N
    ).to_crs(4326)
    path = folder / name
    gdf.to_file(path, driver="GeoJSON")
    return path


def metric_area(gdf: gpd.GeoDataFrame) -> np.ndarray:
    return gdf.to_crs(UTM48N).area.to_numpy()


def test_first_import_is_version_1_with_codes_names_and_source_crs(
    workspace: str, tmp_path: Path
) -> None:
    report = import_file(workspace, "departments", halves(tmp_path), department="公安")
    assert (report.rows_read, report.imported, report.rejected) == (2, 2, 0)
    assert report.version == 1 and report.department == "公安"
    units = read_departments(Workspace(workspace))
    assert units["department"].tolist() == ["公安", "公安"]
    assert units["department_code"].tolist() == ["JW01", "JW02"]
    assert units["department_name"].tolist() == ["西片警务区", "东片警务区"]
    assert units["households"].tolist() == [730, 720]
    assert units["source_crs"].tolist() == ["EPSG:32648"] * 2
    assert units.crs.to_epsg() == 4326
    # 100 m x 200 m each, back in metres to within a square metre.
    np.testing.assert_allclose(metric_area(units), 20_000.0, atol=1.0)
    log = Workspace(workspace).import_log()
    last = log.iloc[-1]
    assert (last["kind"], int(last["version"])) == ("departments", 1)
    assert "公安" in str(last["note"])


def test_reimport_is_a_new_version_of_that_department_only(workspace: str, tmp_path: Path) -> None:
    ws = Workspace(workspace)
    import_file(workspace, "departments", halves(tmp_path), department="公安")
    import_file(workspace, "department", whole_block(tmp_path), department="城管")
    again = import_file(
        workspace, "departments", whole_block(tmp_path, "police2.geojson", "JW9"), department="公安"
    )
    assert again.version == 2
    assert department_names(ws) == ["公安", "城管"]
    versions = department_versions(ws)
    assert versions[["department", "version", "units"]].values.tolist() == [
        ["公安", 1, 2],
        ["公安", 2, 1],
        ["城管", 1, 1],
    ]
    latest = read_departments(ws)
    assert sorted(zip(latest["department"], latest["department_code"], strict=True)) == [
        ("公安", "JW9"),
        ("城管", "CG1"),
    ]
    # The older version stays readable; a name without one is the code.
    old = read_departments(ws, "公安", 1)
    assert old["department_code"].tolist() == ["JW01", "JW02"]
    assert read_departments(ws, "城管")["department_name"].tolist() == ["CG1"]
    assert read_departments(ws, "城管")["version"].tolist() == [1]


def test_gcj02_file_is_converted_back_onto_the_grids(workspace: str, tmp_path: Path) -> None:
    """A department drawn on an Amap base map (GCJ-02: about 170–230 m off around Lanzhou,
    up to 700 m elsewhere in China) and declared so lands on the grids again, within a metre."""
    truth = gpd.GeoDataFrame(
        {"code": ["W", "E"]},
        geometry=[box(X0, Y0, X0 + 100, Y0 + 200), box(X0 + 100, Y0, X0 + 200, Y0 + 200)],
        crs=UTM48N,
    ).to_crs(4326)
    shifted = geometries_from_wgs84(truth.geometry, CrsSpec("gcj02"))
    drawn = gpd.GeoDataFrame({"code": ["W", "E"]}, geometry=shifted.values, crs=4326)
    path = tmp_path / "amap.geojson"
    drawn.to_file(path, driver="GeoJSON")
    offset = truth.to_crs(UTM48N).centroid.distance(drawn.to_crs(UTM48N).centroid)
    assert (offset > 150).all()  # the file really is off
    import_file(workspace, "departments", path, crs="gcj02", department="环保")
    units = read_departments(Workspace(workspace), "环保")
    assert units["source_crs"].tolist() == ["GCJ-02", "GCJ-02"]
    back = units.to_crs(UTM48N).centroid.distance(truth.to_crs(UTM48N).centroid)
    assert (back < 1.0).all()


def test_multipart_rows_of_one_unit_are_merged(workspace: str, tmp_path: Path) -> None:
    gdf = gpd.GeoDataFrame(
        {"code": ["U1", "U1", "U2"], "name": ["北片", "北片", "南片"]},
        geometry=[
            box(X0, Y0 + 100, X0 + 100, Y0 + 200),
            box(X0 + 100, Y0 + 100, X0 + 200, Y0 + 200),
            box(X0, Y0, X0 + 200, Y0 + 100),
        ],
        crs=UTM48N,
    )
    path = tmp_path / "parts.gpkg"
    gdf.to_file(path, driver="GPKG")
    report = import_file(workspace, "departments", path, department="应急")
    assert (report.imported, report.merged) == (3, 1)
    units = read_departments(Workspace(workspace), "应急")
    assert units["department_code"].tolist() == ["U1", "U2"]
    np.testing.assert_allclose(metric_area(units), [20_000.0, 20_000.0], atol=1.0)


@pytest.mark.parametrize(
    ("case", "error", "message"),
    [
        ("no department", SchemaError, r"^police\.gpkg: --department is required"),
        (
            "duplicate codes",
            SchemaError,
            r"^dup\.gpkg: field 警务区编码: unit code 'JW01' is given to rows 2, 4, which differ"
            r" in name; a department's unit codes must be unique",
        ),
        ("no polygons", SchemaError, r"^points\.gpkg: no usable polygon in 2 row\(s\)"),
        ("unknown crs", CrsError, r"^police\.gpkg: --crs: unknown coordinate system 'mars-2'"),
        ("no crs", CrsError, r"^bare\.shp: has no coordinate system; state it with --crs"),
    ],
)
def test_refusals_are_one_line_and_leave_the_workspace_unchanged(
    workspace: str, tmp_path: Path, case: str, error: type[Exception], message: str
) -> None:
    import_file(workspace, "departments", whole_block(tmp_path), department="城管")
    before = snapshot(workspace)
    kwargs: dict[str, object] = {"department": "公安"}
    if case == "no department":
        path, kwargs = halves(tmp_path), {}
    elif case == "duplicate codes":
        gdf = gpd.read_file(halves(tmp_path))
        gdf = pd.concat([gdf, gdf.iloc[[0]]], ignore_index=True)
        gdf.loc[2, "警务区名称"] = "另一个警务区"
        path = tmp_path / "dup.gpkg"
        gpd.GeoDataFrame(gdf, crs=gdf.crs).to_file(path, driver="GPKG")
    elif case == "no polygons":
        pts = gpd.GeoDataFrame(
            {"code": ["P1", "P2"]}, geometry=[Point(X0, Y0), Point(X0 + 9, Y0)], crs=UTM48N
        )
        path = tmp_path / "points.gpkg"
        pts.to_file(path, driver="GPKG")
    elif case == "unknown crs":
        path, kwargs = halves(tmp_path), {"department": "公安", "crs": "mars-2"}
    else:
        # A Shapefile sent without its .prj: nobody can tell what its numbers mean.
        path = tmp_path / "bare.shp"
        units = gpd.read_file(halves(tmp_path))[["警务区编码", "geometry"]]
        units.rename(columns={"警务区编码": "code"}).to_file(path)
        path.with_suffix(".prj").unlink()
    with pytest.raises(error, match=message) as caught:
        import_file(workspace, "departments", path, **kwargs)  # type: ignore[arg-type]
    assert "\n" not in str(caught.value)
    assert snapshot(workspace) == before
    assert department_names(Workspace(workspace)) == ["城管"]


def test_unknown_department_lists_the_known_ones(workspace: str, tmp_path: Path) -> None:
    ws = Workspace(workspace)
    with pytest.raises(SchemaError, match=r"no department layer yet .*gridmap import"):
        read_departments(ws, "公安")
    assert read_departments(ws).empty
    import_file(workspace, "departments", halves(tmp_path), department="公安")
    import_file(workspace, "departments", whole_block(tmp_path), department="城管")
    with pytest.raises(SchemaError, match=r"no department '环保'; known: 公安, 城管$"):
        read_departments(ws, "环保")
    with pytest.raises(SchemaError, match=r"'公安' has no version 3; versions: 1$"):
        read_departments(ws, "公安", 3)


def test_a_failure_while_storing_leaves_the_workspace_unchanged(
    workspace: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import_file(workspace, "departments", halves(tmp_path), department="公安")
    before = snapshot(workspace)
    from gridmap.store import base

    def boom(self: base.Transaction, *args: object, **kwargs: object) -> None:
        raise OSError("disk full (simulated)")

    # The units are written, then the log entry fails: nothing of the import may remain.
    monkeypatch.setattr(base.Transaction, "log_import", boom)
    with pytest.raises(OSError, match="disk full"):
        import_file(workspace, "departments", whole_block(tmp_path), department="公安")
    assert snapshot(workspace) == before
    assert department_versions(Workspace(workspace))["version"].tolist() == [1]


def test_killed_department_import_leaves_the_workspace_unchanged(
    workspace: str, tmp_path: Path
) -> None:
    """Kill -9 the command while it writes a large department layer: nothing changed."""

    # 40,000 cells of 1 m over the block: a layer that takes a while to write.
    side = 200
    xs, ys = np.meshgrid(np.arange(side) + X0, np.arange(side) + Y0)
    cells = shapely.box(xs.ravel(), ys.ravel(), xs.ravel() + 1, ys.ravel() + 1)
    big = gpd.GeoDataFrame(
        {"code": [f"C{i}" for i in range(cells.size)]}, geometry=cells, crs=UTM48N
    )
    path = tmp_path / "big.gpkg"
    big.to_file(path, driver="GPKG")
    before = snapshot(workspace)
    kill_cli_midway(
        ["import", str(workspace), "departments", str(path), "--department", "公安"],
        lambda: write_under_way(workspace),
        pause_s=0.05 if is_url(workspace) else 0.3,
    )
    assert snapshot(workspace) == before
    assert department_names(Workspace(workspace)) == []


def test_cli_import_with_code_and_name_fields(
    workspace: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    gdf = gpd.read_file(halves(tmp_path)).rename(columns={"警务区编码": "JWQ", "警务区名称": "MC"})
    path = tmp_path / "renamed.gpkg"
    gdf.to_file(path, driver="GPKG")
    argv = ["import", workspace, "department", str(path), "--department", "公安"]
    status = main([*argv, "--code-field", "JWQ", "--name-field", "MC", "--json"])
    out = strict_loads(capsys.readouterr().out)
    assert status == 0
    assert (out["kind"], out["department"], out["version"]) == ("departments", "公安", 1)
    assert out["mapping"]["code"] == "JWQ" and out["mapping"]["name"] == "MC"
    units = read_departments(Workspace(workspace), "公安")
    assert units["department_name"].tolist() == ["西片警务区", "东片警务区"]
    # Without --department: one line, exit 2.
    status = main(["import", workspace, "departments", str(path), "--code-field", "JWQ"])
    err = capsys.readouterr().err
    assert status == 2 and err.count("\n") == 1
    assert "renamed.gpkg: --department is required" in err


def test_stored_column_names_are_the_ones_the_fusion_analytics_read() -> None:
    from gridmap.analytics.fusion import columns
    from gridmap.store import departments

    for name in ("DEPARTMENT", "DEPARTMENT_CODE", "DEPARTMENT_NAME", "SOURCE_CRS"):
        assert getattr(departments, name) == getattr(columns, name)
