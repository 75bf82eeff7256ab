"""Minimal workspaces the importers accept, built from small files through the importers.

Many governance centres hold only a grid layer and an incident export: no admin-boundary
layer, no household counts, no closure times, no cameras, sometimes a single day or a single
grid. Every page must open on each of these (issue 15, item 9).

::

    grids_only     grids (2x2 block)                       nothing else
    no_admin       grids + incidents                       no admin layer, no closure times
    no_closure     admin + grids + incidents               no closure or stage times
    one_day        admin + grids + incidents of one day
    no_households  admin + grids without households + incidents
    single_grid    one grid + incidents + one camera       no admin layer
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from gridmap.importing import import_file

from ..builders import ORIGIN, UTM48N, community_block, squares_2x2

#: Workspace name -> (kind, file) imports, in order.
MATRIX: dict[str, tuple[tuple[str, str], ...]] = {
    "grids_only": (("grids", "grids.gpkg"),),
    "no_admin": (("grids", "grids.gpkg"), ("incidents", "incidents_open.csv")),
    "no_closure": (
        ("admin", "community.geojson"),
        ("grids", "grids.gpkg"),
        ("incidents", "incidents_open.csv"),
    ),
    "one_day": (
        ("admin", "community.geojson"),
        ("grids", "grids.gpkg"),
        ("incidents", "incidents_one_day.csv"),
    ),
    "no_households": (
        ("admin", "community.geojson"),
        ("grids", "grids_no_households.gpkg"),
        ("incidents", "incidents.csv"),
    ),
    "single_grid": (
        ("grids", "grid_a.gpkg"),
        ("incidents", "incidents_grid_a.csv"),
        ("cameras", "cameras.csv"),
    ),
}


def hotline_export(
    n: int, days: int, *, closed: bool = True, size_m: float = 200.0, seed: int = 1
) -> pd.DataFrame:
    """An incident export as a hotline platform writes it (Chinese headers, WGS-84):
    ``n`` incidents over ``days`` days from 2025-03-01, inside the ``size_m`` square at the
    fixture origin; with ``closed``, each closed two days later (结案时间)."""
    rng = np.random.default_rng(seed)
    pts = gpd.GeoSeries(
        gpd.points_from_xy(
            ORIGIN[0] + rng.uniform(1, size_m - 1, n), ORIGIN[1] + rng.uniform(1, size_m - 1, n)
        ),
        crs=UTM48N,
    ).to_crs(4326)
    occurred = pd.Timestamp("2025-03-01") + pd.to_timedelta(rng.integers(0, days * 24, n), "h")
    frame = pd.DataFrame(
        {
            "事件编号": [f"RX{i:04d}" for i in range(n)],
            "经度": pts.x.round(7).to_numpy(),
            "纬度": pts.y.round(7).to_numpy(),
            "发生时间": occurred.strftime("%Y-%m-%d %H:%M"),
            "事件类型": rng.choice(["治安隐患", "占道经营", "噪音扰民"], n),
        }
    )
    if closed:
        frame["结案时间"] = (occurred + pd.Timedelta(days=2)).strftime("%Y-%m-%d %H:%M")
    return frame


def write_files(folder: Path) -> None:
    """The small files the matrix imports."""
    grids = squares_2x2()
    grids.to_file(folder / "grids.gpkg", driver="GPKG")
    grids.drop(columns="households").to_file(folder / "grids_no_households.gpkg", driver="GPKG")
    grids.iloc[[0]].to_file(folder / "grid_a.gpkg", driver="GPKG")
    community_block().to_file(folder / "community.geojson", driver="GeoJSON")
    hotline_export(200, 120).to_csv(folder / "incidents.csv", index=False)
    hotline_export(200, 120, closed=False).to_csv(folder / "incidents_open.csv", index=False)
    hotline_export(40, 1).to_csv(folder / "incidents_one_day.csv", index=False)
    # Grid A is the upper-left 100 m square of the block.
    a = hotline_export(60, 120, size_m=100.0, seed=2)
    a["纬度"] = a["纬度"] + 100.0 / 111_000  # shift the 100 m square up into A
    a.to_csv(folder / "incidents_grid_a.csv", index=False)
    centre = grids.iloc[[0]].to_crs(UTM48N).geometry.centroid.to_crs(4326)
    pd.DataFrame(
        {
            "设备编号": ["CAM1"],
            "经度": centre.x.round(7).to_numpy(),
            "纬度": centre.y.round(7).to_numpy(),
            "可视距离": [40.0],
            "方位角": [90.0],
            "视场角": [360.0],
        }
    ).to_csv(folder / "cameras.csv", index=False)


def build_matrix(folder: Path) -> dict[str, Path]:
    """Every workspace of :data:`MATRIX` as a GeoPackage in ``folder``."""
    files = folder / "files"
    files.mkdir(parents=True, exist_ok=True)
    write_files(files)
    out = {}
    for name, steps in MATRIX.items():
        ws = folder / f"{name}.gpkg"
        for kind, file in steps:
            import_file(ws, kind, files / file, crs="wgs84")
        out[name] = ws
    return out
