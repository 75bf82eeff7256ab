"""Benchmark: Getis-Ord Gi* on 100,000 H3 cells, gridmap against libpysal + esda.

The field: 100,000 resolution-10 cells around Lanzhou (rings 0..182 of a centre cell,
then part of ring 183), counts Poisson(2) with a few Poisson(10) clusters.

* gridmap: ``kring_weights`` (k=1, from h3ronpy k-disks) + ``getis_ord_gi_star``.
* peer: ``libpysal.weights.W`` built from the same neighbour dict (prepared beforehand, not
  timed) + ``esda.G_Local(star=True, transform="B", permutations=0)``.

Times are the best of 3 runs (``time.perf_counter``). The z-scores must agree to 1e-9.
Target: >= 20x.

Run: .venv/bin/python bench/bench_hotspots.py
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import h3
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _timing import best_of  # bench/ is on sys.path when run as a script

from gridmap.analytics.hotspots import getis_ord_gi_star, kring_weights
from gridmap.indexing import grid_disk_pairs

SEED = 20240601
N_CELLS = 100_000
RES = 10
REPEAT = 3


def field() -> np.ndarray:
    """N_CELLS cells in rings around a Lanzhou cell, in random order."""
    centre = h3.latlng_to_cell(36.06, 103.83, RES)
    cells: list[str] = []
    ring = 0
    while len(cells) < N_CELLS:
        cells.extend(sorted(h3.grid_ring(centre, ring)))
        ring += 1
    ints = np.array([h3.str_to_int(c) for c in cells[:N_CELLS]], dtype=np.uint64)
    return np.random.default_rng(SEED).permutation(ints)


def counts(cells: np.ndarray) -> np.ndarray:
    rng = np.random.default_rng(SEED)
    values = rng.poisson(2.0, cells.size).astype(np.float64)
    hot = rng.choice(cells.size, 40, replace=False)
    i, j = grid_disk_pairs(cells, 3)
    in_cluster = np.isin(i, hot)
    values[j[in_cluster]] = rng.poisson(10.0, int(in_cluster.sum()))
    return values


def main() -> None:
    import esda
    import libpysal

    cells = field()
    values = counts(cells)

    t_ours, z_ours = best_of(lambda: getis_ord_gi_star(values, kring_weights(cells, 1)))

    i, j = grid_disk_pairs(cells, 1)
    off = i != j  # esda adds the self-weight itself for star=True
    bounds = np.searchsorted(i[off], np.arange(cells.size + 1))
    jj = j[off].tolist()
    neighbours = {a: jj[bounds[a] : bounds[a + 1]] for a in range(cells.size)}

    def peer() -> np.ndarray:
        w = libpysal.weights.W(neighbours, silence_warnings=True)
        return esda.G_Local(values, w, star=True, transform="B", permutations=0).Zs

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t_peer, z_peer = best_of(peer)

    dz = float(np.max(np.abs(z_ours - z_peer)))
    same = dz < 1e-9
    print(
        f"gistar_100k_cells  gridmap {t_ours:.3f} s  peer {t_peer:.3f} s  "
        f"{t_peer / t_ours:.1f}x  same={same} (max|dz|={dz:.0e})"
    )
    if not same:
        sys.exit(1)


if __name__ == "__main__":
    main()
