"""Coverage share of 20,000 grids and every res-10 cell of a city from 100,000 camera sectors.

gridmap: :func:`gridmap.analytics.coverage.measure_coverage` (5 m raster of the metric plane,
one pass for grids and cells). Peer: the exact vectorised overlay — shapely ``union_all``
of the sector polygons (arcs every 4 degrees), then per grid and per cell the area of its
intersection with the union parts its bounding box meets (STRtree), summed. Prints one
line: times, ratio, and the mean absolute error of the share against the peer, which must
be at most 0.005 for grids and for cells.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _timing import best_of

from gridmap.analytics.coverage import (
    camera_footprints,
    footprint_polygons,
    measure_coverage,
)
from gridmap.crs import metric_crs
from gridmap.indexing import cells_to_polygons, polygons_to_cells

SEED = 11
N_GRIDS = 20_000
N_SECTORS = 100_000
WIDTH_M, HEIGHT_M = 36_000.0, 28_000.0
LON0, LAT0 = 103.80, 36.05
MAX_MAE = 0.005


def city() -> tuple[gpd.GeoSeries, gpd.GeoSeries, gpd.GeoDataFrame]:
    """Grids (Voronoi cells of random seeds), res-10 cells of the city, and the cameras."""
    rng = np.random.default_rng(SEED)
    crs = metric_crs(LON0, LAT0)
    x0, y0 = gpd.GeoSeries([shapely.Point(LON0, LAT0)], crs=4326).to_crs(crs).iloc[0].coords[0]
    extent = shapely.box(x0, y0, x0 + WIDTH_M, y0 + HEIGHT_M)
    seeds = shapely.points(
        rng.uniform(x0, x0 + WIDTH_M, N_GRIDS), rng.uniform(y0, y0 + HEIGHT_M, N_GRIDS)
    )
    cells = shapely.get_parts(
        shapely.voronoi_polygons(shapely.multipoints(seeds), extend_to=extent)
    )
    grids = gpd.GeoSeries(shapely.intersection(cells, extent), crs=crs).to_crs(4326)
    outline = gpd.GeoSeries([extent], crs=crs).to_crs(4326)
    h3cells = polygons_to_cells(outline, 10)["cell"].to_numpy()
    hexes = cells_to_polygons(h3cells)

    kind = rng.choice(["fixed", "ptz", "dome"], N_SECTORS, p=[0.6, 0.15, 0.25])
    cams = gpd.GeoDataFrame(
        {
            "kind": kind,
            "status": "online",
            "range_m": np.where(
                kind == "dome", rng.uniform(15, 40, N_SECTORS), rng.uniform(30, 150, N_SECTORS)
            ),
            "azimuth_deg": rng.uniform(0, 360, N_SECTORS),
            "fov_deg": np.where(kind == "fixed", rng.uniform(40, 120, N_SECTORS), 360.0),
        },
        geometry=gpd.GeoSeries(
            shapely.points(
                rng.uniform(x0, x0 + WIDTH_M, N_SECTORS), rng.uniform(y0, y0 + HEIGHT_M, N_SECTORS)
            ),
            crs=crs,
        ).to_crs(4326),
    )
    return grids, hexes, cams


def exact_shares(union_parts: np.ndarray, zones: np.ndarray) -> np.ndarray:
    tree = shapely.STRtree(union_parts)
    zi, pj = tree.query(zones, predicate="intersects")
    inter = shapely.area(shapely.intersection(zones[zi], union_parts[pj]))
    covered = np.bincount(zi, weights=inter, minlength=zones.size)
    return covered / shapely.area(zones)


def main() -> None:
    grids, hexes, cams = city()
    fp = camera_footprints(cams)
    zone_sets = {"grids": grids, "cells": hexes}

    t_ours, measured = best_of(lambda: measure_coverage(fp, zone_sets), repeat=2)

    crs = fp.attrs["crs"]
    sectors = np.asarray(footprint_polygons(fp, step_deg=4.0, metric=True).to_numpy())
    g_m = np.asarray(grids.to_crs(crs).to_numpy())
    c_m = np.asarray(hexes.to_crs(crs).to_numpy())
    start = time.perf_counter()
    parts = shapely.get_parts(shapely.union_all(sectors))
    exact_g = exact_shares(parts, g_m)
    exact_c = exact_shares(parts, c_m)
    t_peer = time.perf_counter() - start

    mae_g = float(np.mean(np.abs(measured.zones["grids"].share - exact_g)))
    mae_c = float(np.mean(np.abs(measured.zones["cells"].share - exact_c)))
    ok = mae_g <= MAX_MAE and mae_c <= MAX_MAE and t_ours < 10.0 and t_peer / t_ours >= 3.0
    print(
        f"coverage_100k_sectors_{len(grids) // 1000}k_grids_{len(hexes) // 1000}k_cells  "
        f"gridmap {t_ours:.2f} s  peer {t_peer:.2f} s  {t_peer / t_ours:.1f}x  "
        f"mae_grid={mae_g:.4f} mae_cell={mae_c:.4f} (<= {MAX_MAE}) ok={ok}  "
        f"mean_share={pd.Series(exact_g).mean():.3f}"
    )
    if not ok:
        sys.exit(1)


if __name__ == "__main__":
    main()
