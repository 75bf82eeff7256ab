"""Importers: every row accounted for, exact reasons, atomic writes, real files."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyproj import Geod

from gridmap.errors import CrsError, ImportFileError, SchemaError
from gridmap.importing import import_file
from gridmap.store import Workspace, is_url

from .builders import (
    SHARED,
    Locations,
    chinese_incidents,
    kill_cli_midway,
    snapshot,
    squares_2x2,
    write_under_way,
)
from .zoo import geometry_zoo

GEOD = Geod(ellps="WGS84")


def digest(location: str | Path) -> str:
    return snapshot(location)


def test_gbk_csv_with_chinese_headers_in_gcj02(workspace: Path, tmp_path: Path) -> None:
    frame, lon, lat = chinese_incidents()
    # Seed the bad rows a real export has.
    frame.loc[3, "经度"] = ""  # no coordinates
    frame.loc[5, "纬度"] = "三十六"  # unparseable coordinate
    frame.loc[7, "发生时间"] = "昨天下午"  # unparseable time
    frame.loc[9, "事件编号"] = frame.loc[8, "事件编号"]  # duplicate id
    frame.loc[11, "经度"], frame.loc[11, "纬度"] = "104.5", "36.5"  # ~60 km away: outside the city
    path = tmp_path / "事件导出.csv"
    frame.to_csv(path, index=False, encoding="gbk")

    report = import_file(workspace, "incidents", path, crs="gcj02")

    assert report.rows_read == 40
    assert report.rejected == 5
    assert report.imported == 35
    assert report.rows_read == report.imported + report.rejected
    issues = pd.read_csv(report.rejects_file, encoding="utf-8-sig")
    rejected = issues[issues["action"] == "rejected"].set_index("row")
    # Spreadsheet rows: header is row 1, so data row i is row i + 2.
    # The row names its grid (所属网格), but no grid has that code or name: still rejected.
    assert rejected.loc[5, "reason"] == (
        "no coordinates (grid 示范社区第一网格: no grid has this code or unique name)"
    )
    assert rejected.loc[7, "reason"] == "unparseable coordinates"
    assert rejected.loc[9, "reason"] == "unparseable time"
    assert rejected.loc[11, "reason"] == "duplicate id (first at row 10)"
    assert rejected.loc[13, "reason"].startswith("outside the city")
    assert report.mapping["lon"] == "经度" and report.mapping["occurred_at"] == "发生时间"
    assert report.unclassified == int(
        (frame.drop(index=[3, 5, 7, 9, 11])["事件类型"] == "矛盾纠纷排查").sum()
    )

    stored = Workspace(workspace).read_layer("incidents")
    assert len(stored) == 35
    assert set(stored.columns) >= {
        "id",
        "occurred_at",
        "closed_at",
        "category",
        "handling_class",
        "grid_code",
        "h3_cell",
    }
    truth = pd.DataFrame({"lon": lon, "lat": lat}, index=frame["事件编号"])
    truth = truth[~truth.index.duplicated(keep="first")]
    kept = stored.set_index("id")
    t = truth.loc[kept.index]
    _, _, dist = GEOD.inv(
        kept.geometry.x.to_numpy(),
        kept.geometry.y.to_numpy(),
        t["lon"].to_numpy(),
        t["lat"].to_numpy(),
    )
    assert np.max(dist) < 0.5  # GCJ-02 -> WGS-84 back within half a metre
    assert kept["grid_code"].notna().all()
    assert set(kept["category"]) <= {
        "public_safety",
        "urban_management",
        "work_safety",
        "unclassified",
    }
    assert kept["occurred_at"].dt.year.eq(2024).all()


def test_reimport_replaces_every_row_instead_of_duplicating(
    workspace: Path, tmp_path: Path
) -> None:
    frame, _, _ = chinese_incidents(10)
    path = tmp_path / "events.csv"
    frame.to_csv(path, index=False, encoding="utf-8-sig")
    first = import_file(workspace, "incidents", path, crs="gcj02")
    again = import_file(workspace, "incidents", path, crs="gcj02")
    assert (first.imported, again.imported, again.rejected, again.updated) == (10, 10, 0, 10)
    assert Workspace(workspace).layer_count("incidents") == 10


def test_xlsx_and_utf8_bom(workspace: Path, tmp_path: Path) -> None:
    frame, _, _ = chinese_incidents(12)
    xlsx = tmp_path / "events.xlsx"
    frame.to_excel(xlsx, index=False)
    r1 = import_file(workspace, "incidents", xlsx, crs="gcj02")
    frame["事件编号"] = frame["事件编号"] + "-b"
    csv = tmp_path / "events_bom.csv"
    frame.to_csv(csv, index=False, encoding="utf-8-sig")
    r2 = import_file(workspace, "incidents", csv, crs="gcj02")
    assert (r1.imported, r2.imported) == (12, 12)
    assert r1.mapping == r2.mapping


def test_missing_required_column_names_file_and_field(workspace: Path, tmp_path: Path) -> None:
    frame, _, _ = chinese_incidents(3)
    path = tmp_path / "no_lat.csv"
    frame.drop(columns=["纬度"]).to_csv(path, index=False)
    before = digest(workspace)
    with pytest.raises(SchemaError, match=r"no_lat\.csv: no column for field\(s\) lat"):
        import_file(workspace, "incidents", path, crs="gcj02")
    assert digest(workspace) == before


def test_table_without_crs_is_refused(workspace: Path, tmp_path: Path) -> None:
    frame, _, _ = chinese_incidents(3)
    path = tmp_path / "e.csv"
    frame.to_csv(path, index=False)
    with pytest.raises(CrsError, match=r"e\.csv: has no coordinate system; state it with --crs"):
        import_file(workspace, "incidents", path)


def test_explicit_mapping_overrides_headers(workspace: Path, tmp_path: Path) -> None:
    frame, _, _ = chinese_incidents(5)
    frame = frame.rename(columns={"经度": "X坐标值", "纬度": "Y坐标值", "事件编号": "单号"})
    path = tmp_path / "odd.csv"
    frame.to_csv(path, index=False)
    report = import_file(
        workspace,
        "incidents",
        path,
        crs="gcj02",
        mapping={"X坐标值": "lon", "Y坐标值": "lat", "单号": "id"},
    )
    assert report.imported == 5
    with pytest.raises(SchemaError, match="field 'longitude' is not a incidents field"):
        import_file(workspace, "incidents", path, crs="gcj02", mapping={"X坐标值": "longitude"})


def test_category_mapping_file_and_unclassified_count(workspace: Path, tmp_path: Path) -> None:
    frame, _, _ = chinese_incidents(20)
    path = tmp_path / "e.csv"
    frame.to_csv(path, index=False)
    mapping = tmp_path / "cats.csv"
    pd.DataFrame({"source": ["矛盾纠纷排查"], "category": ["平安建设"]}).to_csv(
        mapping, index=False
    )
    report = import_file(workspace, "incidents", path, crs="gcj02", category_mapping=mapping)
    assert report.unclassified == 0
    stored = Workspace(workspace).read_layer("incidents")
    assert (
        stored.loc[stored["category_source"] == "矛盾纠纷排查", "category"] == "public_safety"
    ).all()
    bad = tmp_path / "bad.csv"
    pd.DataFrame({"source": ["x"], "category": ["天气"]}).to_csv(bad, index=False)
    with pytest.raises(SchemaError, match=r"bad\.csv: row 2: category '天气' is not one of"):
        import_file(workspace, "incidents", path, crs="gcj02", category_mapping=bad)


def test_failed_import_leaves_workspace_unchanged(
    workspace: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    frame, _, _ = chinese_incidents(10)
    path = tmp_path / "e.csv"
    frame.to_csv(path, index=False)
    before = digest(workspace)
    from gridmap.store import base

    def boom(self: base.Transaction, *args: object, **kwargs: object) -> None:
        raise OSError("disk full (simulated)")

    monkeypatch.setattr(base.Transaction, "log_import", boom)
    with pytest.raises(OSError, match="disk full"):
        import_file(workspace, "incidents", path, crs="gcj02")
    assert digest(workspace) == before
    assert not list(tmp_path.glob(".ws.gpkg.*.tmp.gpkg"))


# --- polygons -------------------------------------------------------------------------------
def test_geometry_zoo(locations: Locations, tmp_path: Path) -> None:
    path = tmp_path / "zoo.geojson"
    geometry_zoo().to_file(path, driver="GeoJSON")
    ws = locations.new()
    report = import_file(ws, "grids", path)
    assert report.rows_read == 8
    assert report.imported == 4  # bow-tie (repaired), multipolygon, tiny, good
    assert report.rejected == 4
    assert report.repaired == 1
    reasons = report.issues.set_index("row")["reason"].to_dict()
    assert reasons[2] == "no geometry" and reasons[3] == "no geometry"
    assert reasons[7] == "not a polygon" and reasons[8] == "not a polygon"
    assert reasons[4] == "invalid geometry repaired" or "invalid geometry repaired" in set(
        report.issues.loc[report.issues["row"] == 4, "reason"]
    )
    grids = Workspace(ws).read_grids()
    assert sorted(grids["code"]) == ["G2", "G3", "G4", "G7"]
    assert grids.set_index("code").loc["G2", "households"] is pd.NA  # "abc" cleared, row kept
    assert all(shapely.is_valid(grids.geometry.values))
    assert report.version == 1


def test_gbk_shapefile_without_cpg(locations: Locations, tmp_path: Path) -> None:
    gdf = squares_2x2()
    gdf["网格名称"] = ["东岗第一网格", "东岗第二网格", "西固第三网格", "安宁第四网格"]
    gdf["网格员"] = ["张伟", "李娜", "王芳", "刘洋"]
    shp = tmp_path / "grids.shp"
    gdf.to_file(shp, encoding="GBK")
    shp.with_suffix(".cpg").unlink(missing_ok=True)
    assert b"\xb6\xab\xb8\xda" in shp.with_suffix(".dbf").read_bytes()  # 东岗 in GBK
    ws = locations.new()
    report = import_file(ws, "grids", shp)
    assert report.imported == 4
    grids = Workspace(ws).read_grids().set_index("code")
    assert grids.loc["A", "name"] == "东岗第一网格"
    assert grids.loc["D", "worker"] == "刘洋"


def test_admin_units_with_set_values_and_bad_level(locations: Locations, tmp_path: Path) -> None:
    src = SHARED / "lanzhou" / "620104.geojson"
    if not src.exists():
        pytest.skip("shared Lanzhou data not present")
    ws = locations.new()
    report = import_file(
        ws,
        "admin",
        src,
        crs="gcj02",
        set_values={"code": "620104", "name": "西固区", "level": "district"},
    )
    assert (report.rows_read, report.imported) == (1, 1)
    admin = Workspace(ws).read_layer("admin")
    # GCJ-02 -> WGS-84 moves Lanzhou by a few hundred metres, west and south.
    raw = gpd.read_file(src)
    dx = (admin.geometry.iloc[0].centroid.x - raw.geometry.iloc[0].centroid.x) * 90_000
    dy = (admin.geometry.iloc[0].centroid.y - raw.geometry.iloc[0].centroid.y) * 111_000
    assert 100 < np.hypot(dx, dy) < 700
    report = import_file(ws, "admin", src, crs="gcj02", set_values={"code": "620104"})
    assert report.rejected == 1
    assert report.issues["reason"].iloc[0].startswith("missing level (allowed: city (市)")
    with pytest.raises(SchemaError, match="--set colour: not a admin field"):
        import_file(ws, "admin", src, crs="gcj02", set_values={"colour": "red"})


def test_new_grid_version_reassigns_incidents(workspace: Path, tmp_path: Path) -> None:
    frame, _, _ = chinese_incidents(30)
    path = tmp_path / "e.csv"
    frame.to_csv(path, index=False)
    import_file(workspace, "incidents", path, crs="gcj02")
    merged = squares_2x2().dissolve().assign(code="AB", households=1450, grid_type="basic")
    gfile = tmp_path / "v2.geojson"
    merged[["code", "households", "grid_type", "geometry"]].to_file(gfile, driver="GeoJSON")
    report = import_file(workspace, "grids", gfile)
    assert report.version == 2
    ws = Workspace(workspace)
    assert ws.published_version() == 2
    assert [v.status for v in ws.grid_versions()] == ["archived", "published"]
    assert set(ws.read_layer("incidents")["grid_code"]) == {"AB"}
    assert len(ws.read_grids(1)) == 4  # history kept


def test_draft_version_does_not_replace_published(workspace: Path, tmp_path: Path) -> None:
    gfile = tmp_path / "draft.geojson"
    squares_2x2(codes=("W", "X", "Y", "Z")).to_file(gfile, driver="GeoJSON")
    report = import_file(workspace, "grids", gfile, draft=True)
    ws = Workspace(workspace)
    assert report.version == 2 and ws.published_version() == 1
    assert sorted(ws.read_grids()["code"]) == ["A", "B", "C", "D"]


def test_unreadable_files_get_one_clear_error(locations: Locations, tmp_path: Path) -> None:
    ws = locations.new()
    bad = tmp_path / "broken.gpkg"
    bad.write_bytes(b"this is not a geopackage")
    with pytest.raises(ImportFileError, match=r"broken\.gpkg: not a readable vector file"):
        import_file(ws, "grids", bad)
    with pytest.raises(ImportFileError, match=r"missing\.csv: file not found"):
        import_file(ws, "incidents", tmp_path / "missing.csv", crs="wgs84")
    odd = tmp_path / "grids.kml"
    odd.write_text("<kml/>")
    with pytest.raises(ImportFileError, match=r"grids\.kml: unsupported file type \.kml"):
        import_file(ws, "grids", odd)
    assert not Workspace(ws).exists


# --- property: malformed rows never crash and always get a reason -----------------------------
cell = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["", " ", "NaN", "103.8", "36.05", "1e999", "2024-13-45", "0", "-", "null"]),
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=st.lists(st.tuples(cell, cell, cell, cell), min_size=1, max_size=15))
def test_malformed_rows_never_crash(
    tmp_path_factory: pytest.TempPathFactory, rows: list[tuple[str, str, str, str]]
) -> None:
    tmp = tmp_path_factory.mktemp("prop")
    frame = pd.DataFrame(rows, columns=["id", "lon", "lat", "occurred_at"])
    path = tmp / "rows.csv"
    frame.to_csv(path, index=False)
    try:
        report = import_file(tmp / "ws.gpkg", "incidents", path, crs="wgs84")
    except ImportFileError:
        return  # e.g. a header the CSV reader cannot use: refused as a whole, nothing written
    assert report.rows_read == report.imported + report.rejected
    rejected_rows = set(report.issues.loc[report.issues["action"] == "rejected", "row"])
    assert len(rejected_rows) == report.rejected
    assert report.issues["reason"].str.len().gt(0).all()


# --- real third-party files ------------------------------------------------------------------
def test_medellin_semicolons_and_comma_decimals(locations: Locations, tmp_path: Path) -> None:
    src = SHARED / "real" / "misc_crimemapping" / "medellin_homicides.csv"
    comunas = SHARED / "real" / "misc_crimemapping" / "medellin_comunas.gpkg"
    if not src.exists():
        pytest.skip("shared real data not present")
    ws = locations.new()
    import_file(
        ws,
        "admin",
        comunas,
        mapping={"COMUNA": "code", "NOMBRE": "name"},
        set_values={"level": "district"},
    )
    report = import_file(ws, "incidents", src, crs="wgs84")
    assert report.rows_read == 9360
    assert report.rows_read == report.imported + report.rejected
    reasons = report.rejected_by_reason()
    assert reasons.get("no coordinates", 0) == 81
    assert report.mapping["lon"] == "longitud" and report.mapping["occurred_at"] == "fecha_hecho"
    stored = Workspace(ws).read_layer("incidents")
    assert stored.geometry.x.between(-76, -75).all()  # comma decimals parsed, not lost


def test_nyc_sectors_in_us_feet_and_shootings(locations: Locations, tmp_path: Path) -> None:
    sectors = SHARED / "real" / "nyc" / "nypdsector_raw.shp"
    shootings = SHARED / "real" / "nyc" / "nyc_shootings.csv"
    if not sectors.exists():
        pytest.skip("shared real data not present")
    ws = locations.new()
    rg = import_file(ws, "grids", sectors)
    assert rg.crs == "EPSG:2263" and rg.imported == 303
    assert rg.mapping["code"] == "SECTOR"
    ri = import_file(ws, "incidents", shootings, crs="wgs84")
    assert ri.rows_read == 967 and ri.rows_read == ri.imported + ri.rejected
    stored = Workspace(ws).read_layer("incidents")
    assert stored["grid_code"].notna().mean() > 0.99


def test_killed_import_leaves_workspace_unchanged(workspace: Path, tmp_path: Path) -> None:
    """Kill -9 an import while it writes: the workspace is unchanged (the file byte for byte;
    every row of every table in PostGIS)."""

    n = 200_000
    rng = np.random.default_rng(3)
    x0, y0, x1, y1 = squares_2x2().total_bounds
    frame = pd.DataFrame(
        {
            "id": np.arange(n).astype(str),
            "lon": rng.uniform(x0, x1, n),
            "lat": rng.uniform(y0, y1, n),
            "occurred_at": "2024-05-01 10:00",
        }
    )
    path = tmp_path / "big.csv"
    frame.to_csv(path, index=False)
    before = digest(workspace)
    kill_cli_midway(
        ["import", str(workspace), "incidents", str(path), "--crs", "wgs84"],
        lambda: write_under_way(workspace),  # private copy exists / rows are copied in
        # A COPY into PostGIS is over in well under a second: kill it while it runs.
        pause_s=0.05 if is_url(workspace) else 0.3,
    )
    assert digest(workspace) == before
    assert Workspace(workspace).layer_count("incidents") == 0
    # The next transaction removes the dead process's leftover copy.
    import_file(workspace, "incidents", path, crs="wgs84")
    assert not list(tmp_path.glob(".ws.gpkg.*.tmp.gpkg"))
    assert Workspace(workspace).layer_count("incidents") == n


@pytest.mark.parametrize("fmt", ["gpkg", "geojson", "shp", "zip", "fgb", "parquet"])
def test_every_polygon_format(tmp_path: Path, fmt: str) -> None:
    import zipfile

    gdf = squares_2x2()
    gdf["名称"] = ["甲", "乙", "丙", "丁"]
    if fmt == "parquet":
        path = tmp_path / "grids.parquet"
        gdf.to_parquet(path)
    elif fmt == "zip":
        shp = tmp_path / "set" / "grids.shp"
        shp.parent.mkdir()
        gdf.to_file(shp, encoding="UTF-8")
        path = tmp_path / "grids.zip"
        with zipfile.ZipFile(path, "w") as zf:
            for part in shp.parent.iterdir():
                zf.write(part, part.name)
    else:
        path = tmp_path / f"grids.{fmt}"
        gdf.to_file(
            path,
            driver={
                "gpkg": "GPKG",
                "geojson": "GeoJSON",
                "shp": "ESRI Shapefile",
                "fgb": "FlatGeobuf",
            }[fmt],
        )
    report = import_file(tmp_path / "ws.gpkg", "grids", path)
    assert (report.rows_read, report.imported) == (4, 4)
    grids = Workspace(tmp_path / "ws.gpkg").read_grids().set_index("code")
    assert grids.loc["C", "name"] == "丙" and grids.loc["B", "households"] == 420


def test_geoparquet_points(workspace: Path, tmp_path: Path) -> None:
    rng = np.random.default_rng(5)
    x0, y0, x1, y1 = squares_2x2().total_bounds
    pts = gpd.GeoDataFrame(
        {"id": ["p1", "p2", "p3"], "occurred_at": ["2024-01-02"] * 3},
        geometry=gpd.points_from_xy(rng.uniform(x0, x1, 3), rng.uniform(y0, y1, 3)),
        crs=4326,
    )
    path = tmp_path / "pts.parquet"
    pts.to_parquet(path)
    report = import_file(workspace, "incidents", path)  # the CRS comes from the file
    assert (report.imported, report.crs) == (3, "WGS-84")
    assert "coordinates taken from the file's point geometry" in report.notes


def test_wrong_encodings_are_refused_clearly(workspace: Path, tmp_path: Path) -> None:
    frame, _, _ = chinese_incidents(3)
    utf16 = tmp_path / "utf16.csv"
    frame.to_csv(utf16, index=False, encoding="utf-16")
    with pytest.raises(
        ImportFileError, match=r"utf16\.csv: cannot decode text at byte 0: not UTF-8"
    ):
        import_file(workspace, "incidents", utf16, crs="gcj02")
    gbk = tmp_path / "gbk.csv"
    frame.to_csv(gbk, index=False, encoding="gbk")
    with pytest.raises(ImportFileError, match=r"gbk\.csv: cannot decode as ascii"):
        import_file(workspace, "incidents", gbk, crs="gcj02", encoding="ascii")


def test_ragged_csv_lines_are_counted_as_rejects(workspace: Path, tmp_path: Path) -> None:
    x0, y0, _, _ = squares_2x2().total_bounds
    lines = ["id,lon,lat,occurred_at"]
    lines += [f"r{i},{x0 + 1e-4},{y0 + 1e-4},2024-01-0{i + 1}" for i in range(5)]
    lines.insert(3, f"bad,{x0},{y0},2024-01-01,extra,fields")
    path = tmp_path / "ragged.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = import_file(workspace, "incidents", path, crs="wgs84")
    assert (report.rows_read, report.imported, report.rejected) == (6, 5, 1)
    row = report.issues[report.issues["action"] == "rejected"].iloc[0]
    assert row["row"] == 4 and row["reason"].startswith("cannot split into columns: 6 fields")


def test_shapefile_without_shx_is_rebuilt(tmp_path: Path) -> None:
    shp = tmp_path / "grids.shp"
    squares_2x2().to_file(shp)
    shp.with_suffix(".shx").unlink()
    report = import_file(tmp_path / "ws.gpkg", "grids", shp)
    assert report.imported == 4


def test_duplicate_grid_codes_with_other_households_are_rejected(
    locations: Locations, tmp_path: Path
) -> None:
    """Two rows coded A with 350 and 380 households: nobody can tell which is right, so
    both are rejected with the differing field named; the other grids are published."""
    grids = squares_2x2(codes=("A", "B", "A", "D"))
    path = tmp_path / "dups.geojson"
    grids.to_file(path, driver="GeoJSON")
    ws = locations.new()
    report = import_file(ws, "grids", path)
    assert (report.rows_read, report.imported, report.rejected, report.merged) == (4, 2, 2, 0)
    assert report.rejected_by_reason() == {"duplicate code with conflicting attributes": 2}
    issues = pd.read_csv(report.rejects_file, encoding="utf-8-sig")
    assert (
        issues["reason"].tolist()
        == ["duplicate code with conflicting attributes (rows 2, 4 differ in households)"] * 2
    )
    assert report.validation is not None and "duplicate_code" not in report.validation.counts()
    assert not report.blocked and sorted(Workspace(ws).read_grids()["code"]) == ["B", "D"]
    frame, _, _ = chinese_incidents(30)
    events = tmp_path / "e.csv"
    frame.to_csv(events, index=False)
    import_file(ws, "incidents", events, crs="gcj02")
    assert set(Workspace(ws).read_layer("incidents")["grid_code"].dropna()) <= {"B", "D"}


def test_separator_comes_from_the_header_not_free_text(workspace: Path, tmp_path: Path) -> None:
    x0, y0, _, _ = squares_2x2().total_bounds
    frame = pd.DataFrame(
        {
            "id": ["a", "b", "c"],
            "lon": x0 + 1e-4,
            "lat": y0 + 1e-4,
            "occurred_at": "2024-01-01",
            "地址": ["东岗|西路;3号", "南关;北|1", "|;|;|;"],
        }
    )
    path = tmp_path / "text.csv"
    frame.to_csv(path, index=False)
    report = import_file(workspace, "incidents", path, crs="wgs84")
    assert (report.rows_read, report.imported) == (3, 3)
    assert Workspace(workspace).read_layer("incidents")["address"].tolist() == list(frame["地址"])
