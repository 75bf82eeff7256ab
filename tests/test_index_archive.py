"""gridmap index: archives of GeoParquet partitions, local and on a Dask cluster.

The archive (four partitions, three CRSs, three encodings of time) lies over the 2x2
grids of ``conftest.workspace``; a plain geopandas ``sjoin`` + h3-py + pandas
``groupby`` of the same points is the reference both engines must equal::

    archive/
      2024/part-0.parquet   EPSG:4326, WKB; null, empty, (0, 0), Z points, bad times,
                            a point on the corner the four grids share
      2024/part-1.parquet   UTM 48N; UTC timestamps (one is February in Beijing)
      2025/part-2.parquet   EPSG:3857; Chinese headers and times, dictionary category
      2025/part-3.parquet   GeoArrow point encoding, dates; every point outside the grids
      _tmp.parquet          skipped (underscore names are writers' bookkeeping)
"""

from __future__ import annotations

import hashlib
import re
import sys
from pathlib import Path

import geopandas as gpd
import h3
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
import shapely

from gridmap.archive import (
    ARCHIVE_CELLS,
    ARCHIVE_FILES,
    ARCHIVE_GRIDS,
    find_partitions,
    index_archive,
)
from gridmap.archive import _engines as archive_engines
from gridmap.archive._aggregate import _wkb_xy
from gridmap.cli import main
from gridmap.errors import ImportFileError
from gridmap.importing import import_file
from gridmap.io.mapping import map_categories
from gridmap.store import open_workspace

from .builders import squares_2x2, strict_loads

TZ = "Asia/Shanghai"
LABELS = ["平安建设", "urban_management", "Public safety", "消防隐患", "不知道", None]


def snapshot(location: str) -> tuple[object, ...]:
    """What a failed run must not change: the import log and the archive tables, and for a
    GeoPackage every byte of the file (the workspace runs on either backend)."""
    ws = open_workspace(location)
    tables = tuple(ws.read_table(t).to_json() for t in (ARCHIVE_CELLS, ARCHIVE_GRIDS))
    file = Path(location)
    raw = hashlib.sha256(file.read_bytes()).hexdigest() if file.is_file() else None
    return (len(ws.import_log()), tables, raw)


def _around(n: int, rng: np.random.Generator, pad: float = 0.0008) -> list[shapely.Point]:
    """Points over the 2x2 block and a margin around it (about a third fall outside)."""
    x0, y0, x1, y1 = squares_2x2().total_bounds
    xs = rng.uniform(x0 - pad, x1 + pad, n)
    ys = rng.uniform(y0 - pad, y1 + pad, n)
    return list(shapely.points(xs, ys))


def write_archive(folder: Path) -> dict[str, tuple[str, str]]:
    """Write the archive of the module docstring; returns file -> (time, category) column."""
    rng = np.random.default_rng(7)
    (folder / "2024").mkdir(parents=True)
    (folder / "2025").mkdir()
    times = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 200 * 86400, 150), "s")

    # 0: WGS-84 with the awkward rows.
    corner = shapely.get_coordinates(squares_2x2().geometry.iloc[0])  # A's corners
    centre = shapely.Point(corner[:, 0].max(), corner[:, 1].min())  # shared by A, B, C, D
    geoms = _around(150, rng)
    geoms[:6] = [None, shapely.Point(), shapely.Point(0, 0), centre, centre, centre]
    x7, y7 = geoms[7].x, geoms[7].y
    geoms[7] = shapely.Point(x7, y7, 1520.0)  # Z: not the 21-byte fast path
    occurred = pd.Series(times)
    occurred[4] = pd.NaT  # a point without a time
    occurred[5] = pd.Timestamp("1900-01-01")  # a year the importer calls a typing error
    occurred[0] = pd.NaT  # no point and no time: counted once, as no point
    gpd.GeoDataFrame(
        {"occurred_at": occurred, "category": rng.choice(np.array(LABELS, dtype=object), 150)},
        geometry=geoms,
        crs=4326,
    ).to_parquet(folder / "2024" / "part-0.parquet")

    # 1: UTM, UTC timestamps; 2024-01-31 20:00 UTC is 2024-02-01 04:00 in Beijing.
    utc = pd.Series(times.tz_localize("UTC"))
    utc[:10] = pd.Timestamp("2024-01-31 20:00", tz="UTC")
    gpd.GeoDataFrame(
        {"occurred_at": utc, "category": rng.choice(["平安建设", "城市管理"], 150)},
        geometry=_around(150, rng),
        crs=4326,
    ).to_crs("EPSG:32648").to_parquet(folder / "2024" / "part-1.parquet")

    # 2: Web Mercator, Chinese headers, text times, a dictionary-encoded category.
    text = [
        f"2025年{m}月{d}日 08:30"
        for m, d in zip(rng.integers(1, 13, 150), rng.integers(1, 28, 150), strict=True)
    ]
    text[3] = "昨天"
    gpd.GeoDataFrame(
        {
            "发生时间": text,
            "事件类型": pd.Categorical(rng.choice(["安全生产", "生态环保", "其他"], 150)),
        },
        geometry=_around(150, rng),
        crs=4326,
    ).to_crs("EPSG:3857").to_parquet(folder / "2025" / "part-2.parquet")

    # 3: GeoArrow points, dates, all far from the grids.
    gpd.GeoDataFrame(
        {
            "occurred_at": pd.Series(pd.date_range("2025-06-01", periods=40, freq="D").date),
            "category": "惠民服务",
        },
        geometry=gpd.points_from_xy(rng.uniform(103.5, 103.6, 40), rng.uniform(36.2, 36.3, 40)),
        crs=4326,
    ).to_parquet(folder / "2025" / "part-3.parquet", geometry_encoding="geoarrow")

    (folder / "_tmp.parquet").write_bytes(b"half-written by another job")
    return {
        "part-0.parquet": ("occurred_at", "category"),
        "part-1.parquet": ("occurred_at", "category"),
        "part-2.parquet": ("发生时间", "事件类型"),
        "part-3.parquet": ("occurred_at", "category"),
    }


def reference(folder: Path, columns: dict[str, tuple[str, str]]) -> dict[str, pd.DataFrame]:
    """The counts by geopandas sjoin (smallest code on shared borders), h3-py and pandas."""
    grids = squares_2x2()[["code", "geometry"]]
    frames, files = [], []
    for path in sorted(folder.rglob("part-*.parquet")):
        time_col, cat_col = columns[path.name]
        gdf = gpd.read_parquet(path)
        geom = gdf.geometry
        point = ~geom.isna() & ~geom.is_empty & (geom.geom_type == "Point")
        at_zero = (shapely.get_x(geom[point].values) == 0) & (
            shapely.get_y(geom[point].values) == 0
        )
        point[point] = ~at_zero
        when = gdf[time_col]
        if pd.api.types.is_string_dtype(when):
            when = pd.to_datetime(when, format="%Y年%m月%d日 %H:%M", errors="coerce")
        when = pd.to_datetime(when)
        if isinstance(when.dtype, pd.DatetimeTZDtype):
            when = when.dt.tz_convert(TZ).dt.tz_localize(None)
        timed = when.notna() & when.dt.year.between(1990, 2100)
        keep = point & timed
        pts = gdf[keep].to_crs(4326)
        out = pd.DataFrame(
            {
                "month": when[keep].dt.strftime("%Y-%m").to_numpy(),
                "category": map_categories(gdf.loc[keep, cat_col].astype(object)).to_numpy(),
                "h3_cell": [
                    h3.str_to_int(h3.cell_to_parent(h3.latlng_to_cell(y, x, 11), 9))
                    for x, y in zip(pts.geometry.x, pts.geometry.y, strict=True)
                ],
            },
            index=pts.index,
        )
        joined = gpd.sjoin(pts[["geometry"]], grids, predicate="intersects", how="left")
        joined = joined.sort_values("code").loc[lambda f: ~f.index.duplicated()]
        out["grid_code"] = joined["code"].reindex(out.index)
        frames.append(out)
        files.append(
            {
                "file": str(path),
                "rows_read": len(gdf),
                "indexed": int(keep.sum()),
                "no_point": int((~point).sum()),
                "no_time": int((point & ~timed).sum()),
                "outside_grids": int(out["grid_code"].isna().sum()),
            }
        )
    rows = pd.concat(frames)
    keys = ["month", "category"]
    cells = rows.groupby(["h3_cell", *keys]).size().rename("incidents").reset_index()
    in_grid = rows.dropna(subset=["grid_code"])
    by_grid = in_grid.groupby(["grid_code", *keys]).size().rename("incidents").reset_index()
    return {
        ARCHIVE_CELLS: cells,
        ARCHIVE_GRIDS: by_grid,
        ARCHIVE_FILES: pd.DataFrame(files),
    }


def stored(ws: str, table: str) -> pd.DataFrame:
    frame = open_workspace(ws).read_table(table)
    for col in frame.columns:
        if frame[col].dtype.kind in "iu":
            frame[col] = frame[col].astype(np.int64)
        else:
            frame[col] = frame[col].astype(object)
    return frame


def assert_same(ours: pd.DataFrame, ref: pd.DataFrame) -> None:
    a = ours[list(ref.columns)].sort_values(list(ref.columns)).reset_index(drop=True)
    b = ref.sort_values(list(ref.columns)).reset_index(drop=True)
    for col in b.columns:
        b[col] = b[col].astype(np.int64) if b[col].dtype.kind in "iu" else b[col].astype(object)
    pd.testing.assert_frame_equal(a, b, check_dtype=True)


@pytest.fixture
def archive(tmp_path: Path) -> tuple[Path, dict[str, tuple[str, str]]]:
    folder = tmp_path / "archive"
    return folder, write_archive(folder)


# --- results ----------------------------------------------------------------------------------
def test_local_and_dask_equal_the_sjoin_reference(
    workspace: str,
    archive: tuple[Path, dict[str, tuple[str, str]]],
    cluster: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    folder, columns = archive
    expected = reference(folder, columns)
    # Merge two at a time: four partitions then take two levels of merges in both engines.
    monkeypatch.setattr(archive_engines, "_FAN_IN", 2)
    # The reference exercises every rule at least once.
    files = expected[ARCHIVE_FILES].set_index("file")
    assert files["no_point"].sum() == 3 and files["no_time"].sum() == 3
    assert files["outside_grids"].iloc[3] == 40 and files["outside_grids"].iloc[:3].min() > 0
    assert expected[ARCHIVE_CELLS]["month"].str.startswith("2024-02").any()

    local = index_archive(folder, workspace, engine="local")
    assert (local.partitions, local.rows_read) == (4, 490)
    assert local.indexed == 490 - 6 and local.outside_grids == files["outside_grids"].sum()
    tables = {t: stored(workspace, t) for t in (ARCHIVE_CELLS, ARCHIVE_GRIDS, ARCHIVE_FILES)}
    for name, ref in expected.items():
        assert_same(tables[name], ref)
    # The corner the four grids share goes to the smallest code, like every border point.
    assert tables[ARCHIVE_GRIDS]["grid_code"].isin(["A", "B", "C", "D"]).all()

    capsys.readouterr()
    status = main(
        ["index", str(folder), workspace, "--engine", "dask", "--scheduler", cluster, "--json"]
    )
    out = capsys.readouterr()
    assert status == 0, out.err
    summary = strict_loads(out.out)  # strict JSON, as every --json
    assert summary["engine"] == "dask" and summary["workers"] == 2
    assert summary["rows_read"] == 490 and summary["scheduler"] == cluster
    for name, table in tables.items():
        pd.testing.assert_frame_equal(stored(workspace, name), table)

    log = open_workspace(workspace).import_log()
    runs = log[log["kind"] == "archive"]
    assert len(runs) == 2
    last = runs.iloc[-1]
    assert (last["rows_read"], last["imported"], last["rejected"]) == (490, 484, 6)
    assert last["version"] == 1 and "outside every grid" in last["note"]


def test_cli_summary_paragraph(
    workspace: str,
    archive: tuple[Path, dict[str, tuple[str, str]]],
    capsys: pytest.CaptureFixture[str],
) -> None:
    folder, _ = archive
    assert main(["index", str(folder), workspace, "--workers", "2", "--res", "8"]) == 0
    out = capsys.readouterr().out.strip()
    assert len(out.splitlines()) == 1
    assert out.startswith("indexed 4 partitions of ") and "490 rows in " in out
    assert "rows/s" in out and "outside every grid of version 1" in out
    cells = stored(workspace, ARCHIVE_CELLS)["h3_cell"].to_numpy(dtype=np.uint64)
    assert {h3.get_resolution(h3.int_to_str(int(c))) for c in cells} == {8}


def test_find_partitions_folder_glob_file(tmp_path: Path) -> None:
    folder = tmp_path / "archive"
    write_archive(folder)
    names = [p.name for p in find_partitions(folder)]
    assert names == ["part-0.parquet", "part-1.parquet", "part-2.parquet", "part-3.parquet"]
    assert [p.name for p in find_partitions(f"{folder}/2025/*.parquet")] == names[2:]
    assert find_partitions(folder / "2024" / "part-1.parquet") == [
        folder / "2024" / "part-1.parquet"
    ]


def test_wkb_points_fast_and_slow_paths_agree_with_shapely() -> None:
    geoms = np.array(
        [
            shapely.Point(103.8, 36.05),
            None,
            shapely.Point(),
            shapely.Point(103.81, 36.06, 1500.0),
            shapely.box(0, 0, 1, 1),
            shapely.Point(-0.5, 51.5),
        ],
        dtype=object,
    )
    little = shapely.to_wkb(geoms)
    big = shapely.to_wkb(geoms, byte_order=0)  # big-endian: the slow path
    arr = pa.array(list(little) + list(big), type=pa.binary())[1:]  # sliced: offsets shift
    x, y = _wkb_xy(arr)
    want = np.concatenate([geoms, geoms])[1:]
    # NaN for None, the empty point and the polygon; shapely's x and y otherwise.
    point = np.array([g is not None and g.geom_type == "Point" and not g.is_empty for g in want])
    np.testing.assert_array_equal(x[point], shapely.get_x(want[point]))
    np.testing.assert_array_equal(y[point], shapely.get_y(want[point]))
    assert np.isnan(x[~point]).all() and np.isnan(y[~point]).all()
    assert point.sum() == 5
    xl, _ = _wkb_xy(pa.array(list(little), type=pa.large_binary()))
    np.testing.assert_array_equal(xl[[0, 3, 5]], [103.8, 103.81, -0.5])


# --- failures leave the workspace as it was -----------------------------------------------
def _corrupt_body(path: Path) -> None:
    """Overwrite compressed data pages but keep the footer: only reading the data fails."""
    raw = bytearray(path.read_bytes())
    raw[200:2000] = b"\xab" * 1800
    path.write_bytes(bytes(raw))


@pytest.mark.parametrize("engine", ["local", "dask"])
def test_failing_partition_leaves_the_workspace_unchanged(
    workspace: str, tmp_path: Path, cluster: str, engine: str
) -> None:
    folder = tmp_path / "archive"
    write_archive(folder)
    index_archive(folder, workspace)
    before = snapshot(workspace)

    bad = folder / "2025" / "part-9.parquet"
    gpd.read_parquet(folder / "2024" / "part-0.parquet").to_parquet(bad, compression="zstd")
    _corrupt_body(bad)
    scheduler = cluster if engine == "dask" else None
    with pytest.raises(ImportFileError, match=r"part-9\.parquet: cannot read the partition"):
        index_archive(folder, workspace, engine=engine, scheduler=scheduler)
    assert snapshot(workspace) == before

    bad.write_bytes(b"PAR1 garbage")  # not even a footer: refused before any work
    with pytest.raises(ImportFileError, match=r"part-9\.parquet: not a readable Parquet file"):
        index_archive(folder, workspace, engine=engine, scheduler=scheduler)
    assert snapshot(workspace) == before


# --- bad input: one line, exit 2 ------------------------------------------------------------
def _points(n: int = 5) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"occurred_at": [pd.Timestamp("2024-05-01")] * n, "category": ["平安建设"] * n},
        geometry=_around(n, np.random.default_rng(0)),
        crs=4326,
    )


def _bad_inputs(tmp: Path, workspace: str) -> dict[str, tuple[list[str], str]]:
    empty = tmp / "empty"
    empty.mkdir()
    plain = tmp / "plain"
    plain.mkdir()
    pd.DataFrame({"occurred_at": ["2024-01-01"], "category": ["x"]}).to_parquet(plain / "p.parquet")
    no_time = tmp / "no_time"
    no_time.mkdir()
    _points().drop(columns="occurred_at").to_parquet(no_time / "p.parquet")
    polygons = tmp / "polygons"
    polygons.mkdir()
    squares_2x2().assign(occurred_at="2024-01-01", category="x").to_parquet(polygons / "p.parquet")
    int_time = tmp / "int_time"
    int_time.mkdir()
    _points().assign(occurred_at=20240501).to_parquet(int_time / "p.parquet")
    good = tmp / "good"
    good.mkdir()
    _points().to_parquet(good / "p.parquet")
    no_grids = tmp / "no_grids.gpkg"
    import_file(no_grids, "admin", tmp / "community.geojson", crs="wgs84")
    ws = workspace
    return {
        "no files": ([str(empty), ws], "no .parquet or .geoparquet files"),
        "not there": ([str(tmp / "nowhere"), ws], "nowhere: not found"),
        "not geoparquet": ([str(plain), ws], "p.parquet: not GeoParquet"),
        "missing column": ([str(no_time), ws], "no column for field occurred_at"),
        "polygons": ([str(polygons), ws], "geometry types Polygon; allowed: Point"),
        "integer time": ([str(int_time), ws], r"\(occurred_at\) is int64; allowed: a timestamp"),
        "no grids": ([str(good), str(no_grids)], "no published grid version"),
        "no workspace": ([str(good), str(tmp / "none.gpkg")], "workspace not found"),
        "unreachable": (
            [str(good), ws, "--engine", "dask", "--scheduler", "tcp://127.0.0.1:1"],
            "--scheduler tcp://127.0.0.1:1: cannot connect",
        ),
        "bad address": (
            [str(good), ws, "--engine", "dask", "--scheduler", "tcp://nowhere"],
            "--scheduler tcp://nowhere: ",
        ),
        "scheduler without dask": (
            [str(good), ws, "--scheduler", "tcp://127.0.0.1:8786"],
            "--scheduler needs --engine dask",
        ),
        "workers with scheduler": (
            [str(good), ws, "--engine", "dask", "--scheduler", "tcp://a:1", "--workers", "2"],
            "--workers sizes a local cluster; not with --scheduler",
        ),
        "bad res": ([str(good), ws, "--res", "12"], "--res 12; allowed: an H3 resolution 0..11"),
        "bad map": ([str(good), ws, "--map", "when=occurred_at"], "column 'when' is not in"),
    }


def test_bad_input_is_one_line_exit_2(
    workspace: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = snapshot(workspace)
    for case, (args, message) in _bad_inputs(tmp_path, workspace).items():
        capsys.readouterr()
        status = main(["index", *args])
        err = capsys.readouterr().err.strip()
        assert status == 2, (case, err)
        assert len(err.splitlines()) == 1 and "Traceback" not in err, (case, err)
        assert re.search(message, err), (case, err)
    assert snapshot(workspace) == before


def test_missing_dask_install_gives_a_hint(
    workspace: str,
    archive: tuple[Path, dict[str, tuple[str, str]]],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    folder, _ = archive
    monkeypatch.setitem(sys.modules, "distributed", None)  # import fails as if not installed
    assert main(["index", str(folder), workspace, "--engine", "dask"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == (
        "gridmap: error: --engine dask needs the dask extra: pip install 'gridmap[dask]' "
        "(or use --engine local)"
    )
