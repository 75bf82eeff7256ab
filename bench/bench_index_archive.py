"""Benchmark: ``gridmap index`` of a GeoParquet archive, local and on Dask, against its peer.

A synthetic archive: N_PARTITIONS GeoParquet files of ROWS incidents each (default
20 x 500,000 = 10M) over 10,000 square grids of 200 m around Lanzhou (20 km x 20 km), 5 %
of the points outside the grids, every fourth partition in UTM 48N so that both sides
reproject. Categories are Chinese labels, times two years of naive timestamps.

* gridmap ``local``: :func:`gridmap.archive.index_archive` in this process.
* gridmap ``dask``: the same on a ``distributed.LocalCluster`` of one single-threaded
  worker process per core, reached by address (``--scheduler``), as an existing cluster
  would be. Both include checking the files, building the grid lookup and writing the
  tables into the workspace; they also index every point to H3 and count per cell.
* peer: dask-geopandas on the same cluster: ``read_parquet`` (+ ``to_crs``) ``sjoin``
  with the grids, then a dask ``groupby(grid, month, category).size()``. It does less:
  no H3 cells, no rejected-row accounting, no workspace write.

The cluster is started (and its workers have imported both libraries) before timing.
One run each (the archive is 10M rows). ``same`` compares gridmap's ``archive_grids``
with the peer's counts, row by row.

Run: .venv/bin/python bench/bench_index_archive.py [N_PARTITIONS [ROWS]]
"""

from __future__ import annotations

import json
import logging
import os
import sys
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pyproj
from shapely.geometry import box

from gridmap.archive import ARCHIVE_GRIDS, index_archive
from gridmap.importing import import_file
from gridmap.io.mapping import map_categories
from gridmap.store import open_workspace

UTM48N = "EPSG:32648"
LABELS = np.array(["平安建设", "城市管理", "安全生产", "惠民服务", "生态保护", "噪音扰民"])


def city_grids(n_side: int = 100, size_m: float = 200.0) -> gpd.GeoDataFrame:
    """n_side x n_side square basic grids around Lanzhou, in WGS-84."""
    x0, y0 = 280_000.0, 3_980_000.0
    i, j = (a.ravel() for a in np.meshgrid(np.arange(n_side), np.arange(n_side)))
    geoms = [
        box(x0 + a * size_m, y0 + b * size_m, x0 + (a + 1) * size_m, y0 + (b + 1) * size_m)
        for a, b in zip(i, j, strict=True)
    ]
    codes = [f"620104{b:03d}{a:03d}" for a, b in zip(i, j, strict=True)]
    return gpd.GeoDataFrame(
        {"code": codes, "households": 400, "grid_type": "basic"}, geometry=geoms, crs=UTM48N
    ).to_crs(4326)


def _geoparquet(path: Path, x: np.ndarray, y: np.ndarray, columns: dict, epsg: int) -> None:
    """Write points as GeoParquet the way a non-Python exporter would: WKB built with numpy
    (2-D little-endian points), the ``geo`` metadata written by hand."""
    n = x.size
    wkb = np.empty((n, 21), dtype=np.uint8)
    wkb[:, :5] = (1, 1, 0, 0, 0)
    wkb[:, 5:13] = x.astype("<f8").view(np.uint8).reshape(n, 8)
    wkb[:, 13:] = y.astype("<f8").view(np.uint8).reshape(n, 8)
    offsets = np.arange(0, 21 * (n + 1), 21, dtype=np.int32)
    geometry = pa.Array.from_buffers(
        pa.binary(), n, [None, pa.py_buffer(offsets), pa.py_buffer(wkb)]
    )
    geo = {
        "version": "1.1.0",
        "primary_column": "geometry",
        "columns": {
            "geometry": {
                "encoding": "WKB",
                "geometry_types": ["Point"],
                "crs": pyproj.CRS.from_epsg(epsg).to_json_dict(),
                "bbox": [float(x.min()), float(y.min()), float(x.max()), float(y.max())],
            }
        },
    }
    table = pa.table({**columns, "geometry": geometry})
    table = table.replace_schema_metadata({"geo": json.dumps(geo)})
    pq.write_table(table, path)


def write_archive(
    folder: Path, grids: gpd.GeoDataFrame, n_parts: int, rows: int, rng: np.random.Generator
) -> tuple[list[str], list[str]]:
    """Partitions in WGS-84 and (every fourth) in UTM 48N; returns the two lists of paths."""
    x0, y0, x1, y1 = grids.total_bounds
    pad_x, pad_y = 0.026 * (x1 - x0), 0.026 * (y1 - y0)  # about 5 % of the area outside
    to_utm = pyproj.Transformer.from_crs(4326, UTM48N, always_xy=True)
    wgs, utm = [], []
    start = np.datetime64("2024-01-01T00:00:00")
    for k in range(n_parts):
        lon = rng.uniform(x0 - pad_x, x1 + pad_x, rows)
        lat = rng.uniform(y0 - pad_y, y1 + pad_y, rows)
        columns = {
            "occurred_at": start + rng.integers(0, 730 * 86400, rows).astype("timedelta64[s]"),
            "category": LABELS[rng.integers(0, len(LABELS), rows)],
        }
        path = folder / f"part-{k:03d}.parquet"
        if k % 4 == 3:
            _geoparquet(path, *to_utm.transform(lon, lat), columns, 32648)
            utm.append(str(path))
        else:
            _geoparquet(path, lon, lat, columns, 4326)
            wgs.append(str(path))
    return wgs, utm


def peer(wgs: list[str], utm: list[str], grids: gpd.GeoDataFrame) -> pd.DataFrame:
    """dask-geopandas: read, reproject, sjoin, groupby (runs on the current dask client)."""
    import dask
    import dask_geopandas

    codes = dict(zip(LABELS, map_categories(pd.Series(LABELS)), strict=True))
    # dask-geopandas keeps one CRS per collection (and cannot concat collections whose
    # metadata differ): the UTM files are a second collection, reprojected, counted apart.
    sources = [dask_geopandas.read_parquet(wgs)]
    if utm:
        sources.append(dask_geopandas.read_parquet(utm).to_crs(4326))
    counts = []
    for points in sources:
        joined = dask_geopandas.sjoin(points, grids[["code", "geometry"]], predicate="intersects")
        when = joined["occurred_at"].dt
        keyed = joined.assign(
            month=when.year * 100 + when.month,
            category=joined["category"].map(codes, meta=("category", object)),
        )
        counts.append(keyed.groupby(["code", "month", "category"]).size())
    summed = pd.concat(dask.compute(*counts)).groupby(level=[0, 1, 2]).sum()
    out = summed.rename("incidents").reset_index()
    out["month"] = out["month"].map(lambda m: f"{m // 100:04d}-{m % 100:02d}")
    return out.rename(columns={"code": "grid_code"})


def main(n_parts: int = 20, rows: int = 500_000) -> int:
    from distributed import Client, LocalCluster

    rng = np.random.default_rng(20261127)
    n_workers = max(1, len(os.sched_getaffinity(0)))
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        grids = city_grids()
        gfile = tmpdir / "grids.gpkg"
        grids.to_file(gfile, driver="GPKG")
        ws = tmpdir / "ws.gpkg"
        import_file(ws, "grids", gfile)
        folder = tmpdir / "archive"
        folder.mkdir()
        t = time.perf_counter()
        wgs, utm = write_archive(folder, grids, n_parts, rows, rng)
        t_write = time.perf_counter() - t

        t = time.perf_counter()
        local = index_archive(folder, ws, engine="local")
        t_local = time.perf_counter() - t

        with (
            LocalCluster(
                n_workers=n_workers,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                silence_logs=logging.CRITICAL,
            ) as cluster,
            Client(cluster) as client,
        ):
            client.run(lambda: [__import__(m) for m in ("gridmap.archive", "dask_geopandas")])
            t = time.perf_counter()
            dask = index_archive(folder, ws, engine="dask", scheduler=cluster.scheduler_address)
            t_dask = time.perf_counter() - t
            t = time.perf_counter()
            theirs = peer(wgs, utm, grids)
            t_peer = time.perf_counter() - t

        ours = open_workspace(ws).read_table(ARCHIVE_GRIDS)
    keys = ["grid_code", "month", "category"]
    merged = ours.merge(theirs, on=keys, how="outer", suffixes=("", "_peer"))
    same_rows = int((merged["incidents"] == merged["incidents_peer"]).sum())
    ok = (
        same_rows == len(merged)
        and local.indexed == dask.indexed == n_parts * rows
        and int(ours["incidents"].sum()) == dask.indexed - dask.outside_grids
    )
    n = n_parts * rows
    print(
        f"index_archive_{n_parts}x{rows // 1000}k_rows_{len(grids) // 1000}k_grids  "
        f"gridmap dask {t_dask:.1f} s  peer {t_peer:.1f} s  {t_peer / t_dask:.1f}x  "
        f"same={ok} ({same_rows}/{len(merged)} grid-month-category counts) "
        f"[gridmap local {t_local:.1f} s = {n / t_local / 1e6:.2f}M rows/s; dask "
        f"{n / t_dask / 1e6:.2f}M rows/s on {n_workers} worker processes; archive written in "
        f"{t_write:.0f} s; peer = dask-geopandas read_parquet+to_crs+sjoin+groupby, no H3]"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:3]]
    sys.exit(main(*args))
