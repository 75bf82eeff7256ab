"""Benchmark: redraw of a 30-grid community, gridmap against spopt max-p regionalisation.

The field: the synthetic demo city (``gridmap demo``, seed 7, built in a temporary
directory unless ``GRIDMAP_BENCH_WS`` names an existing demo workspace). Street 620104007
has 30 urban basic grids (11,444 households, ~130 residential units); its communities are
merged into one 30-grid community so that the whole street is one redraw problem, with the
urban band 300–500 households. Both methods work on the same units and the same adjacency
(shared borders, metres):

* gridmap: :func:`gridmap.analytics.rebalance.redraw` (seed 0, default 8 restarts).
* peer: ``spopt.region.MaxPHeuristic`` (max-p regions: as many contiguous regions as
  possible with at least 300 households each; attributes are the unit centroids in metres,
  so regions are compact; ``np.random.seed(0)``). Its regions are matched to the current
  grids by the largest household overlap (Hungarian) to count households moved.
  GerryChain ReCom would be the other natural peer; it is not installed.

Reported: time (best of 3), grids in band, households outside the band, households moved
away from their current grid, mean Polsby-Popper compactness, contiguity. The check
(``better``) is the issue's target: at least as good balance (households outside the band
no more than the peer's), fewer households moved, all grids contiguous, less time.

A second line times :func:`~gridmap.analytics.rebalance.suggest` on ~200 urban grids with
H3 res-11 cells as units (about 20,000 units) against the issue's 10 s target (no peer
offers split/merge/move suggestions).

Run: .venv/bin/python bench/bench_rebalance.py
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
from scipy.optimize import linear_sum_assignment

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _timing import best_of  # bench/ is on sys.path when run as a script

from gridmap.analytics import rebalance as rb
from gridmap.analytics.units import rebalance_units
from gridmap.crs import to_metric
from gridmap.hierarchy import grid_code, street_code
from gridmap.store.gpkg import Workspace, open_workspace

STREET = "620104007"
BAND = (300, 500)
SUGGEST_STREETS = (
    "620102022",
    "620102018",
    "620102015",
    "620102020",
    "620104007",
    "620105005",
    "620105007",
)


def workspace(tmp: Path) -> Workspace:
    given = os.environ.get("GRIDMAP_BENCH_WS")
    if given and Path(given).exists():
        return open_workspace(given)
    from gridmap.demo import build_demo

    path = tmp / "demo.gpkg"
    build_demo(path, seed=7)
    return open_workspace(path)


def street_problem(ws: Workspace) -> rb.Problem:
    grids = ws.read_grids()
    grids = grids[(grids["grid_type"] == "basic") & grids["parent_code"].str.startswith(STREET)]
    grids = grids.assign(parent_code=STREET)  # the whole street as one community
    units = ws.read_layer("units")
    units = units[units["grid_code"].isin(grids["code"])]
    return rb.prepare(grids, rebalance_units(grids, units), band=BAND)


def peer_plan(p: rb.Problem) -> rb.Plan:
    import libpysal
    from spopt.region import MaxPHeuristic

    g = p.graph
    neighbours = {i: g.neighbours(i).tolist() for i in range(len(g))}
    w = libpysal.weights.W(neighbours, silence_warnings=True)
    cent = to_metric(g.units.geometry).centroid
    gdf = g.units.assign(x=cent.x.to_numpy(), y=cent.y.to_numpy(), hh=g.households)
    np.random.seed(0)  # spopt draws from numpy's global generator
    model = MaxPHeuristic(gdf, w, ["x", "y"], "hh", BAND[0], top_n=2)
    model.solve()
    regions = np.asarray(model.labels_, dtype=np.int64)
    return match(p, regions)


def match(p: rb.Problem, regions: np.ndarray) -> rb.Plan:
    """Name peer regions after the current grid they share most households with."""
    r_ids, r = np.unique(regions, return_inverse=True)
    n_g = len(p.grid_codes)
    overlap = np.zeros((r_ids.size, n_g))
    np.add.at(overlap, (r, p.base), p.graph.households)
    rows, cols = linear_sum_assignment(-overlap)
    code_of = {int(a): p.grid_codes[int(b)] for a, b in zip(rows, cols, strict=True)}
    codes = list(p.grid_codes)
    new: dict[str, str] = {}
    for a in range(r_ids.size):
        if a not in code_of:
            code = grid_code(STREET, 900 - a)
            code_of[a] = code
            codes.append(code)
            new[code] = STREET
    pos = {c: i for i, c in enumerate(codes)}
    label = np.asarray([pos[code_of[int(a)]] for a in r], dtype=np.int64)
    return rb.Plan(p, tuple(codes), label, new)


def quality(plan: rb.Plan) -> dict[str, float]:
    t = rb.grid_table(plan)
    t = t[t["n_units"] > 0]
    return {
        "grids": len(t),
        "in_band": int(t["in_band"].sum()),
        "gap": float(t["band_gap"].sum()),
        "moved": plan.households_moved(),
        "pp": float(t["compactness"].mean()),
        "contiguous": bool(t["contiguous"].all()),
    }


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        ws = workspace(Path(tmp))
        p = street_problem(ws)
        before = quality(rb.base_plan(p))
        t_ours, ours = best_of(lambda: rb.redraw(p, STREET, seed=0))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t_peer, peer = best_of(lambda: peer_plan(p))
        q, r = quality(ours), quality(peer)
        better = (
            q["gap"] <= r["gap"] and q["moved"] < r["moved"] and q["contiguous"] and t_ours < t_peer
        )
        print(
            f"redraw_30_grids ({len(p.graph)} units, {int(p.graph.households.sum()):,} hh)  "
            f"gridmap {t_ours:.3f} s  peer {t_peer:.3f} s  {t_peer / t_ours:.1f}x  "
            f"in band {q['in_band']}/{q['grids']} vs {r['in_band']}/{r['grids']} "
            f"(before {before['in_band']}/{before['grids']})  "
            f"outside band {q['gap']:,.0f} vs {r['gap']:,.0f} hh  "
            f"moved {q['moved']:,} vs {r['moved']:,} hh  "
            f"pp {q['pp']:.3f} vs {r['pp']:.3f} (before {before['pp']:.3f})  "
            f"contiguous {q['contiguous']}/{r['contiguous']}  better={better}"
        )

        grids = ws.read_grids()
        basic = grids[grids["grid_type"] == "basic"]
        scope = basic[basic["parent_code"].map(street_code).isin(SUGGEST_STREETS)]
        start = time.perf_counter()
        units = rebalance_units(scope, None, res=11)
        sp = rb.prepare(scope, units, admin=ws.read_layer("admin"))
        t_prep = time.perf_counter() - start
        t_sug, sugs = best_of(lambda: rb.suggest(sp, seed=0), repeat=1)
        ok = t_prep + t_sug < 10.0
        print(
            f"suggest_{len(scope)}_grids ({len(sp.graph):,} H3 res-11 units)  "
            f"gridmap {t_prep + t_sug:.2f} s (units+graph {t_prep:.2f} s, suggest {t_sug:.2f} s)"
            f"  peer n/a  {len(sugs)} suggestions  target<10s={ok}"
        )
        if not better:
            sys.exit(1)


if __name__ == "__main__":
    main()
