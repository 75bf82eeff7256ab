"""Exports round-trip: what is written is what a GIS or a spreadsheet reads back.

Each format of ``EXPORT_SUFFIXES`` is written from a small workspace (the 2x2 grids, one
community and 300 incidents: ``builders.block_workspace`` plus ``builders.busy_incidents``)
and read back with pyogrio / geopandas / pandas: the same rows, the same attributes, the
same geometry within the rounding of the format, labelled EPSG:4326. GCJ-02 and BD-09
exports move every vertex by the published offset and back again.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import h3
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely

from gridmap import schema
from gridmap.crs import bd09_to_wgs84, gcj02_to_wgs84, wgs84_to_bd09, wgs84_to_gcj02
from gridmap.errors import SchemaError
from gridmap.exporting import EXPORT_SUFFIXES, SHAPEFILE_NAMES, export_layer, layer_frame
from gridmap.importing import import_file
from gridmap.store import Workspace

from .builders import Locations, block_workspace, busy_incidents

#: Degrees: the CSV/Excel text keeps 7 decimals (~1 cm); binary formats are exact.
TOL_DEG = 2e-7
SPATIAL = (".gpkg", ".geojson", ".shp", ".fgb", ".parquet")


@pytest.fixture(scope="module")
def ws(
    module_locations: Locations, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Workspace]:
    """The 2x2 block with its community and 300 incidents, built once per backend."""
    folder = tmp_path_factory.mktemp("export_src")
    location = block_workspace(module_locations.new("export"), folder)
    busy_incidents().to_csv(folder / "busy.csv", index=False)
    import_file(location, "incidents", folder / "busy.csv", crs="wgs84")
    yield Workspace(location)


def read_back(path: Path, *, encoding: str | None = None) -> tuple[pd.DataFrame, gpd.GeoSeries]:
    """Attributes and geometry as a user's tool would read them (geometry in degrees)."""
    suffix = path.suffix
    if suffix in (".csv", ".xlsx"):
        if suffix == ".csv":
            frame = pd.read_csv(path, encoding=encoding or "utf-8-sig", dtype=str)
        else:
            frame = pd.read_excel(path, dtype=str)
        if "wkt" in frame.columns:
            geoms = shapely.from_wkt(frame.pop("wkt").to_numpy())
        else:
            geoms = shapely.points(frame[schema.LON].astype(float), frame[schema.LAT].astype(float))
        return frame, gpd.GeoSeries(geoms)
    if suffix == ".parquet":
        gdf = gpd.read_parquet(path)
    else:
        gdf = pyogrio.read_dataframe(path, encoding=encoding)
    assert gdf.crs is not None and gdf.crs.to_epsg() == 4326, f"{path.name}: CRS {gdf.crs}"
    return pd.DataFrame(gdf.drop(columns="geometry")), gdf.geometry


def col(name: str, suffix: str) -> str:
    """A column's name in the file: shapefiles shorten long names (``SHAPEFILE_NAMES``)."""
    return SHAPEFILE_NAMES.get(name, name) if suffix == ".shp" else name


def keyed(
    frame: pd.DataFrame, geoms: gpd.GeoSeries, key: str
) -> tuple[pd.DataFrame, gpd.GeoSeries]:
    """Rows in the order of ``key`` (FlatGeobuf writes features in its spatial index's order)."""
    order = np.argsort(frame[key].to_numpy(), kind="stable")
    return frame.iloc[order].reset_index(drop=True), geoms.iloc[order].reset_index(drop=True)


def same_shapes(got: gpd.GeoSeries, want: gpd.GeoSeries, tol: float = TOL_DEG) -> None:
    dist = shapely.hausdorff_distance(np.asarray(got.values), np.asarray(want.values))
    assert (dist <= tol).all(), f"largest vertex shift {dist.max():.2e} deg"


@pytest.mark.parametrize("suffix", EXPORT_SUFFIXES)
def test_grids_round_trip(ws: Workspace, tmp_path: Path, suffix: str) -> None:
    grids = ws.read_grids()
    out = tmp_path / f"grids{suffix}"
    assert export_layer(ws, "grids", out) == len(grids) == 4
    frame, geoms = keyed(*read_back(out), schema.CODE)
    assert list(frame[schema.CODE]) == list(grids[schema.CODE])
    assert [int(h) for h in frame[schema.HOUSEHOLDS]] == list(grids[schema.HOUSEHOLDS])
    assert list(frame[schema.GRID_TYPE]) == list(grids[schema.GRID_TYPE])
    assert col(schema.PARENT_CODE, suffix) in frame.columns
    same_shapes(geoms, grids.geometry)


@pytest.mark.parametrize("suffix", EXPORT_SUFFIXES)
def test_incidents_round_trip(ws: Workspace, tmp_path: Path, suffix: str) -> None:
    incidents = ws.read_layer("incidents")
    out = tmp_path / f"incidents{suffix}"
    assert export_layer(ws, "incidents", out) == len(incidents) == 300
    frame, geoms = keyed(*read_back(out), schema.ID)
    incidents = incidents.iloc[np.argsort(incidents[schema.ID].to_numpy(), kind="stable")]
    assert list(frame[schema.ID]) == list(incidents[schema.ID])
    assert list(frame[schema.CATEGORY]) == list(incidents[schema.CATEGORY])
    source = list(frame[col(schema.CATEGORY_SOURCE, suffix)])
    assert source == list(incidents[schema.CATEGORY_SOURCE])
    when = col(schema.OCCURRED_AT, suffix)
    assert (
        pd.to_datetime(frame[when]).to_numpy() == incidents[schema.OCCURRED_AT].to_numpy()
    ).all()
    # H3 cells as hex strings (what H3 tools and QGIS plugins read), the incident's own cell.
    cells = frame[schema.H3_CELL].astype(str)
    assert all(h3.is_valid_cell(c) for c in cells)
    assert list(cells) == [format(int(c), "x") for c in incidents[schema.H3_CELL]]
    if suffix in (".csv", ".xlsx"):
        assert {schema.LON, schema.LAT} <= set(frame.columns)  # points as columns, not WKT
    same_shapes(geoms, incidents.geometry)


def test_admin_names_survive_every_format(ws: Workspace, tmp_path: Path) -> None:
    for suffix in EXPORT_SUFFIXES:
        out = tmp_path / f"admin{suffix}"
        export_layer(ws, "admin", out)
        frame, _ = read_back(out)
        assert list(frame[schema.NAME]) == ["示范社区"], suffix


@pytest.mark.parametrize("suffix", [".csv", ".shp"])
def test_gbk_exports_are_gbk(ws: Workspace, tmp_path: Path, suffix: str) -> None:
    out = tmp_path / f"incidents{suffix}"
    export_layer(ws, "incidents", out, encoding="gbk")
    raw = (out if suffix == ".csv" else out.with_suffix(".dbf")).read_bytes()
    assert "安全生产".encode("gbk") in raw and "安全生产".encode() not in raw
    frame, _ = read_back(out, encoding="gb18030" if suffix == ".csv" else "GBK")
    assert set(frame[col(schema.CATEGORY_SOURCE, suffix)]) == set(
        ws.read_layer("incidents")[schema.CATEGORY_SOURCE]
    )


def test_utf8_csv_opens_in_excel(ws: Workspace, tmp_path: Path) -> None:
    out = tmp_path / "grids.csv"
    export_layer(ws, "grids", out)
    assert out.read_bytes().startswith("\ufeff".encode())  # the BOM Excel needs for UTF-8


def test_shapefile_names_fit_the_dbf(ws: Workspace, tmp_path: Path) -> None:
    out = tmp_path / "incidents.shp"
    export_layer(ws, "incidents", out)
    names = pyogrio.read_info(out)["fields"]
    assert all(len(n) <= 10 for n in names)
    assert {"occurred", "closed", "handling", "cat_source"} <= set(names)
    assert out.with_suffix(".prj").exists()


def test_exporting_again_replaces_the_file(ws: Workspace, tmp_path: Path) -> None:
    for suffix in (".gpkg", ".shp", ".geojson"):
        out = tmp_path / f"grids{suffix}"
        export_layer(ws, "grids", out)
        export_layer(ws, "grids", out, codes=frozenset({"A"}))
        assert list(read_back(out)[0][schema.CODE]) == ["A"], suffix


# --- coordinate systems ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("crs", "forward", "back"),
    [("gcj02", wgs84_to_gcj02, gcj02_to_wgs84), ("bd09", wgs84_to_bd09, bd09_to_wgs84)],
)
@pytest.mark.parametrize("suffix", [".geojson", ".csv", ".gpkg"])
def test_chinese_datums_move_every_vertex_and_back(
    ws: Workspace, tmp_path: Path, crs: str, forward, back, suffix: str
) -> None:
    for layer in ("grids", "incidents"):
        stored = layer_frame(ws, layer)
        out = tmp_path / f"{layer}_{crs}{suffix}"
        export_layer(ws, layer, out, crs=crs)
        _, geoms = read_back(out)
        want = shapely.transform(
            np.asarray(stored.geometry.values),
            lambda xy: np.column_stack(forward(xy[:, 0], xy[:, 1])),
        )
        same_shapes(geoms, gpd.GeoSeries(want))
        # A platform on Amap/Baidu sees the data where its basemap draws the streets: the
        # published offset in Lanzhou is hundreds of metres, not a rounding.
        shift_deg = shapely.hausdorff_distance(
            np.asarray(geoms.values), np.asarray(stored.geometry.values)
        )
        assert (shift_deg > 0.001).all()
        home = shapely.transform(
            np.asarray(geoms.values), lambda xy: np.column_stack(back(xy[:, 0], xy[:, 1]))
        )
        same_shapes(gpd.GeoSeries(home), stored.geometry, tol=1e-5)  # ~1 m: the inverse


@pytest.mark.parametrize("crs", ["wgs84", "cgcs2000", "EPSG:4326", "4326"])
def test_wgs84_and_cgcs2000_exports_keep_the_coordinates(
    ws: Workspace, tmp_path: Path, crs: str
) -> None:
    out = tmp_path / "grids.geojson"
    export_layer(ws, "grids", out, crs=crs)
    same_shapes(read_back(out)[1], ws.read_grids().geometry)


# --- choices ----------------------------------------------------------------------------------
def test_codes_limit_the_rows(ws: Workspace, tmp_path: Path) -> None:
    out = tmp_path / "grids.gpkg"
    assert export_layer(ws, "grids", out, codes=frozenset({"A", "C"})) == 2
    assert sorted(read_back(out)[0][schema.CODE]) == ["A", "C"]
    incidents = ws.read_layer("incidents")
    n_c = int((incidents[schema.GRID_CODE] == "C").sum())
    assert export_layer(ws, "incidents", tmp_path / "i.csv", codes=frozenset({"C"})) == n_c > 0


def test_grid_version_is_chosen(ws: Workspace, tmp_path: Path) -> None:
    out = tmp_path / "grids_v1.geojson"
    assert export_layer(ws, "grids", out, version=1) == 4
    assert set(read_back(out)[0][schema.VERSION].astype(int)) == {1}


@pytest.mark.parametrize(
    ("layer", "name", "kwargs", "match"),
    [
        ("grids", "grids.kml", {}, r"grids\.kml: unsupported export type \.kml; allowed: \.gpkg"),
        ("grids", "grids", {}, r"unsupported export type \(none\)"),
        ("grids", "g.gpkg", {"crs": "EPSG:3857"}, r"export CRS EPSG:3857: exports are WGS-84"),
        ("grids", "g.csv", {"encoding": "latin-1"}, r"--encoding latin-1: allowed UTF-8 or GBK"),
        ("roads", "r.gpkg", {}, r"layer 'roads' is not one of admin, grids"),
        ("admin", "a.gpkg", {"version": 1}, r"--version only applies to the grids layer"),
    ],
)
def test_bad_choices_are_one_clear_error(
    ws: Workspace, tmp_path: Path, layer: str, name: str, kwargs: dict, match: str
) -> None:
    with pytest.raises(SchemaError, match=match):
        export_layer(ws, layer, tmp_path / name, **kwargs)
    assert not (tmp_path / name).exists()
