"""Camera siting (MCLP): lazy greedy against the exact MILP (PuLP/CBC), peer in the same run.

Large: 200 cameras among 20,000 candidates over 100,000 demand points (clustered risk,
100 m camera range) — the greedy must finish under 10 s. Small (where CBC finishes):
50 cameras among 2,000 candidates over 20,000 points — the greedy objective must be at
least 97 % of the proven optimum. One line: times, speed-up on the small case, objective.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _timing import best_of

from gridmap.analytics.siting import coverage_matrix, exact_mclp, greedy_mclp

SEED = 5
RANGE_M = 100.0
MIN_RATIO = 0.97


def instance(n_demand: int, n_sites: int, side_m: float, rng: np.random.Generator):
    """Demand around 60 risk clusters plus a uniform background; candidates near demand."""
    centres = rng.uniform(0, side_m, (60, 2))
    k = rng.integers(0, 60, n_demand)
    clustered = centres[k] + rng.normal(0, side_m / 40, (n_demand, 2))
    background = rng.uniform(0, side_m, (n_demand, 2))
    demand = np.where(rng.random(n_demand)[:, None] < 0.7, clustered, background)
    weights = rng.gamma(0.7, 20.0, n_demand)
    sites = demand[rng.choice(n_demand, n_sites, replace=False)] + rng.normal(0, 20, (n_sites, 2))
    return sites, demand, weights


def main() -> None:
    rng = np.random.default_rng(SEED)
    sites, demand, w = instance(100_000, 20_000, 20_000.0, rng)
    t_build = time.perf_counter()
    a = coverage_matrix(sites, demand, RANGE_M)
    t_build = time.perf_counter() - t_build
    t_big, big = best_of(lambda: greedy_mclp(a, w, 200))

    s_sites, s_demand, s_w = instance(20_000, 2_000, 6_000.0, rng)
    a_small = coverage_matrix(s_sites, s_demand, RANGE_M)
    t_greedy, g = best_of(lambda: greedy_mclp(a_small, s_w, 50))
    t0 = time.perf_counter()
    x = exact_mclp(a_small, s_w, 50, time_limit_s=300)
    t_cbc = time.perf_counter() - t0
    ratio = g.objective / x.objective
    ok = t_big + t_build < 10.0 and big.chosen.size == 200 and ratio >= MIN_RATIO and x.optimal
    print(
        f"siting_greedy_200_of_20k_sites_100k_demand  gridmap {t_big + t_build:.2f} s "
        f"(matrix {t_build:.2f} s + greedy {t_big:.3f} s)  small case: greedy {t_greedy:.4f} s  "
        f"peer CBC {t_cbc:.1f} s  {t_cbc / t_greedy:.0f}x  objective {ratio:.2%} of optimum "
        f"(proven={x.optimal}) ok={ok}"
    )
    if not ok:
        sys.exit(1)


if __name__ == "__main__":
    main()
