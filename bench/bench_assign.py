"""Benchmark: point -> grid assignment and point -> H3 indexing, against their peers.

A synthetic city: 20,000 irregular grids (Voronoi cells of random seeds clipped to a box of
about 40 km x 25 km around Lanzhou) and 1,000,000 incidents (clustered around hotspots,
uniform, a few outside the city, 5 % exactly on grid vertices or on grid edges).

* ``assign``: gridmap ``assign_points`` (lookup built once, timed separately) against
  ``geopandas.points_from_xy`` + ``geopandas.sjoin(predicate="intersects")`` + the
  smallest-code rule for points on shared borders. Every point must get the same grid.
* ``h3_index``: gridmap ``points_to_cells`` against a loop over h3-py's integer API.

Times are the best of 3 runs (``time.perf_counter``). Target: assignment >= 4x faster than
the peer with identical answers.

Run: .venv/bin/python bench/bench_assign.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import geopandas as gpd
import h3.api.basic_int as h3_int
import numpy as np
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _timing import best_of  # bench/ is on sys.path when run as a script

from gridmap.indexing import points_to_cells
from gridmap.joins import assign_points, build_grid_lookup

SEED = 20240601
CENTRE = (103.8, 36.05)
SIZE_M = (40_000.0, 25_000.0)
N_GRIDS = 20_000
N_POINTS = 1_000_000
REPEAT = 3


def city(rng: np.random.Generator) -> gpd.GeoDataFrame:
    """N_GRIDS Voronoi grids clipped to the city box, codes in random order."""
    lon0, lat0 = CENTRE
    half_w = SIZE_M[0] / 2 / (111_320.0 * np.cos(np.radians(lat0)))
    half_h = SIZE_M[1] / 2 / 111_320.0
    frame = shapely.box(lon0 - half_w, lat0 - half_h, lon0 + half_w, lat0 + half_h)
    seeds = shapely.points(
        rng.uniform(lon0 - half_w, lon0 + half_w, N_GRIDS),
        rng.uniform(lat0 - half_h, lat0 + half_h, N_GRIDS),
    )
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(seeds), extend_to=frame))
    cells = shapely.intersection(cells, frame)
    codes = [f"620102{i:06d}" for i in rng.permutation(N_GRIDS)]
    return gpd.GeoDataFrame({"code": codes}, geometry=cells, crs=4326)


def incidents(grids: gpd.GeoDataFrame, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Clustered + uniform points, some outside the city, 5 % on vertices or edges."""
    x0, y0, x1, y1 = grids.total_bounds
    n_cluster, n_uniform = int(N_POINTS * 0.55), int(N_POINTS * 0.40)
    n_on = N_POINTS - n_cluster - n_uniform
    hot_x, hot_y = rng.uniform(x0, x1, 40), rng.uniform(y0, y1, 40)
    which = rng.integers(0, 40, n_cluster)
    cl_x = hot_x[which] + rng.normal(0.0, 0.01, n_cluster)
    cl_y = hot_y[which] + rng.normal(0.0, 0.007, n_cluster)
    pad_x, pad_y = 0.03 * (x1 - x0), 0.03 * (y1 - y0)
    un_x = rng.uniform(x0 - pad_x, x1 + pad_x, n_uniform)
    un_y = rng.uniform(y0 - pad_y, y1 + pad_y, n_uniform)
    # Vertices exactly, and points interpolated along edges (on them up to rounding).
    coords, ring = shapely.get_coordinates(
        shapely.get_exterior_ring(grids.geometry.to_numpy()), return_index=True
    )
    seg = np.flatnonzero(ring[1:] == ring[:-1])
    pick = rng.choice(seg, n_on)
    t = rng.uniform(0.0, 1.0, n_on)
    t[: n_on // 2] = 0.0
    on = coords[pick] + t[:, None] * (coords[pick + 1] - coords[pick])
    lon = np.concatenate([cl_x, un_x, on[:, 0]])
    lat = np.concatenate([cl_y, un_y, on[:, 1]])
    order = rng.permutation(N_POINTS)
    return lon[order], lat[order]


def peer_assign(grids: gpd.GeoDataFrame, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """points_from_xy + sjoin(intersects) + smallest code per point (vectorised)."""
    points = gpd.GeoDataFrame(geometry=gpd.points_from_xy(lon, lat), crs=4326)
    joined = gpd.sjoin(points, grids[["code", "geometry"]], predicate="intersects")
    rank = np.empty(len(grids), dtype=np.int64)
    rank[np.argsort(grids["code"].to_numpy().astype(str))] = np.arange(len(grids))
    best = np.full(len(lon), len(grids), dtype=np.int64)
    np.minimum.at(best, joined.index.to_numpy(), rank[joined["index_right"].to_numpy()])
    by_rank = np.argsort(rank)
    out = np.full(len(lon), -1, dtype=np.int64)
    found = best < len(grids)
    out[found] = by_rank[best[found]]
    return out


def peer_h3(lon: np.ndarray, lat: np.ndarray, res: int) -> np.ndarray:
    cells = [
        h3_int.latlng_to_cell(y, x, res) for x, y in zip(lon.tolist(), lat.tolist(), strict=True)
    ]
    return np.array(cells, dtype=np.uint64)


def main() -> None:
    rng = np.random.default_rng(SEED)
    grids = city(rng)
    lon, lat = incidents(grids, rng)

    start = time.perf_counter()
    lookup = build_grid_lookup(grids)
    t_build = time.perf_counter() - start
    rows, cols = lookup.shape
    border = float((lookup.raster == -2).mean()) * 100
    print(
        f"build_grid_lookup_20k_grids  gridmap {t_build:.3f} s  "
        f"raster {rows}x{cols}  border {border:.1f} % of pixels"
    )

    t_ours, ours = best_of(lambda: assign_points(lookup, lon, lat))
    t_peer, peer = best_of(lambda: peer_assign(grids, lon, lat))
    same = int((ours == peer).sum())
    print(
        f"assign_1M_points_20k_grids  gridmap {t_ours:.3f} s  peer {t_peer:.3f} s  "
        f"{t_peer / t_ours:.1f}x  same={same == N_POINTS} ({same}/{N_POINTS})"
    )

    t_ours, cells = best_of(lambda: points_to_cells(lon, lat, 11))
    t_peer, peer_cells = best_of(lambda: peer_h3(lon, lat, 11))
    print(
        f"h3_index_1M_points  gridmap {t_ours:.2f} s  peer {t_peer:.2f} s  "
        f"{t_peer / t_ours:.1f}x  same={bool((cells == peer_cells).all())}"
    )


if __name__ == "__main__":
    main()
