"""Benchmark: import of a 1M-row incident CSV (Chinese headers, GCJ-02) into a workspace.

gridmap's whole import (parse, convert, validate rows, H3 index, assign to grids, store) is
timed against a plain geopandas pipeline doing less (read_csv, GCJ-02 conversion,
points_from_xy, sjoin, to_file) in the same run; the grid of every stored incident is
compared. Target: under 30 s on a 2-core machine.

Run: .venv/bin/python bench/bench_import.py [N_ROWS]
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import box

from gridmap.crs import gcj02_to_wgs84, wgs84_to_gcj02
from gridmap.importing import import_file
from gridmap.store.gpkg import Workspace

UTM48N = "EPSG:32648"


def city_grids(n_side: int = 140, size_m: float = 200.0) -> gpd.GeoDataFrame:
    """n_side x n_side square grids (19,600 for 140) around Lanzhou, in WGS-84."""
    x0, y0 = 280_000.0, 3_980_000.0
    i, j = np.meshgrid(np.arange(n_side), np.arange(n_side))
    i, j = i.ravel(), j.ravel()
    geoms = [
        box(x0 + a * size_m, y0 + b * size_m, x0 + (a + 1) * size_m, y0 + (b + 1) * size_m)
        for a, b in zip(i, j, strict=True)
    ]
    codes = [f"620104{b:03d}{a:03d}001" for a, b in zip(i, j, strict=True)]
    return gpd.GeoDataFrame(
        {"code": codes, "households": 400, "grid_type": "basic"}, geometry=geoms, crs=UTM48N
    ).to_crs(4326)


def incident_csv(path: Path, grids: gpd.GeoDataFrame, n: int, rng: np.random.Generator) -> None:
    x0, y0, x1, y1 = grids.total_bounds
    lon = rng.uniform(x0, x1, n)
    lat = rng.uniform(y0, y1, n)
    glon, glat = wgs84_to_gcj02(lon, lat)
    start = np.datetime64("2024-01-01T00:00:00")
    occurred = start + rng.integers(0, 730 * 86400, n).astype("timedelta64[s]")
    closed = occurred + rng.integers(3600, 20 * 86400, n).astype("timedelta64[s]")
    frame = pd.DataFrame(
        {
            "事件编号": np.char.add("SJ", np.arange(n).astype(str)),
            "事件类型": rng.choice(["平安建设", "城市管理", "安全生产", "惠民服务", "生态保护"], n),
            "处置类别": rng.choice(["一般事项", "应急事项", "矛盾调解"], n, p=[0.8, 0.05, 0.15]),
            "发生时间": pd.to_datetime(occurred).strftime("%Y-%m-%d %H:%M:%S"),
            "结案时间": pd.to_datetime(closed).strftime("%Y-%m-%d %H:%M:%S"),
            "经度": np.round(glon, 7),
            "纬度": np.round(glat, 7),
        }
    )
    frame.to_csv(path, index=False, encoding="utf-8")


def peer_import(csv: Path, grids: gpd.GeoDataFrame, out: Path) -> gpd.GeoDataFrame:
    frame = pd.read_csv(csv, dtype={"事件编号": str})
    lon, lat = gcj02_to_wgs84(frame["经度"].to_numpy(), frame["纬度"].to_numpy())
    frame["发生时间"] = pd.to_datetime(frame["发生时间"])
    frame["结案时间"] = pd.to_datetime(frame["结案时间"])
    pts = gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(lon, lat), crs=4326)
    joined = gpd.sjoin(pts, grids[["code", "geometry"]], predicate="intersects", how="left")
    joined = joined.sort_values("code").loc[~joined.index.duplicated(keep="first")].sort_index()
    joined.drop(columns="index_right").to_file(out, driver="GPKG", layer="incidents")
    return joined


def main(n: int = 1_000_000) -> int:
    rng = np.random.default_rng(20261126)
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        grids = city_grids()
        gfile = tmpdir / "grids.gpkg"
        grids.to_file(gfile, driver="GPKG")
        csv = tmpdir / "events.csv"
        incident_csv(csv, grids, n, rng)
        ws = tmpdir / "ws.gpkg"
        t = time.perf_counter()
        import_file(ws, "grids", gfile)
        t_grids = time.perf_counter() - t

        t = time.perf_counter()
        report = import_file(ws, "incidents", csv, crs="gcj02")
        t_ours = time.perf_counter() - t

        t = time.perf_counter()
        peer = peer_import(csv, grids, tmpdir / "peer.gpkg")
        t_peer = time.perf_counter() - t

        ours = Workspace(ws).read_layer("incidents", columns=["id", "grid_code"])
        mine = ours.set_index("id")["grid_code"]
        theirs = peer.set_index("事件编号")["code"].reindex(mine.index)
        same = int((mine.fillna("") == theirs.fillna("")).sum())
    ok = report.imported == n and same == n
    print(
        f"import_csv_{n // 1000}k_rows_{len(grids) // 1000}k_grids  gridmap {t_ours:.2f} s  "
        f"peer {t_peer:.2f} s  {t_peer / t_ours:.1f}x  same={ok} ({same}/{n}) "
        f"[target < 30 s; grid import {t_grids:.1f} s; "
        "peer = read_csv+points_from_xy+sjoin+to_file]"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000))
