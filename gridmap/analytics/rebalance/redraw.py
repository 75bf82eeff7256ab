"""Whole-community redraws and combining suggestions into one plan."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

import numpy as np

from ..workload import (
    grids_needed,
)
from .measures import Plan, base_plan, grid_table
from .partition import _partition, _Search
from .problem import IntArray, Problem, RebalanceError, _measures, _next_codes


def _best_k(h: float, band: tuple[int, int], now: int) -> int:
    lo, hi = band
    kmin, kmax = grids_needed(h, band)
    if kmin <= kmax:
        return min(max(now, kmin), kmax)

    def miss(k: int) -> float:
        return max(0.0, h - k * hi) + max(0.0, k * lo - h)

    return min(range(max(kmin - 1, 1), kmin + 1), key=lambda k: (miss(k), abs(k - now)))


def redraw(
    p: Problem,
    community: str,
    *,
    k: int | None = None,
    seed: int = 0,
    max_passes: int = 30,
    restarts: int = 8,
    locked: Iterable[str] | None = None,
) -> Plan:
    """A full plan for one community: every grid in the band where the units allow it,
    contiguous, compact, and as close to the current plan as possible.

    The number of grids is the current one clamped to what the band needs (or ``k``).
    Too few grids: the heaviest is split in two (random spanning trees, best of many);
    too many: the lightest merges into its lightest neighbour. Then border units move one
    at a time (first improvement, seeded random order) while a move lowers the measure
    outside the band, squared deviation from the mean, non-compactness and the measure
    moved away from their current grid — never breaking contiguity. Locked grids and
    their units stay as they are.

    The search runs ``restarts`` times with independent random streams of ``seed``; the
    plan with least of the measure outside the band, then fewest households moved, then
    most compact, is returned.
    """
    if restarts < 1:
        raise RebalanceError(f"restarts={restarts}: need at least 1")
    q = p
    if locked is not None:
        # Locks set in an edit session, instead of the problem's own.
        lock_set = set(locked)
        q = replace(p, locked=np.isin(np.asarray(p.grid_codes, dtype=object), list(lock_set)))
    best: tuple[tuple[float, int, float], Plan] | None = None
    for r in range(restarts):
        rng = np.random.default_rng([seed, r])
        plan = _redraw_once(q, community, k=k, rng=rng, max_passes=max_passes)
        table = grid_table(plan)
        mine = table[(table["community"] == community) & (table["n_units"] > 0)]
        key = (
            float(mine["band_gap"].sum()),
            plan.households_moved(),
            -float(mine["compactness"].mean()),
        )
        if best is None or key < best[0]:
            best = (key, plan)
    assert best is not None
    plan = best[1]
    return Plan(p, plan.codes, plan.label, plan.new_community)


def _redraw_once(
    p: Problem,
    community: str,
    *,
    k: int | None,
    rng: np.random.Generator,
    max_passes: int,
) -> Plan:

    comm = np.asarray(p.grid_community, dtype=object)
    gi = np.flatnonzero((comm == community) & ~p.locked)
    if gi.size == 0:
        if (comm == community).any():
            raise RebalanceError(f"community {community!r}: every grid is locked")
        raise RebalanceError(f"community {community!r}: no basic grid of it is in scope")
    band = p.community_band(community)
    plan = base_plan(p)
    free = np.isin(p.base, gi)
    h = float(p.weight[free].sum())
    target_k = k if k is not None else _best_k(h, band, int(gi.size))
    if target_k < 1:
        raise RebalanceError(f"k={k}: need at least one grid")
    codes = list(plan.codes)
    label = plan.label.copy()
    new_comm: dict[str, str] = {}
    live = [int(g) for g in gi]
    while len(live) < target_k:
        hh = {g: float(p.weight[label == g].sum()) for g in live}
        splittable = [g for g in live if int((label == g).sum()) >= 2]
        if not splittable:
            break
        g = max(splittable, key=lambda x: (hh[x], -x))
        nodes = np.flatnonzero(label == g)
        parts = _partition(p, nodes, 2, (band[0], band[1]), rng)
        if parts is None:
            break
        parts.sort(key=lambda x: (-float(p.weight[x].sum()), int(x.min())))
        (code,) = _next_codes(p, community, codes, 1)
        codes.append(code)
        new_comm[code] = community
        label[parts[1]] = len(codes) - 1
        live.append(len(codes) - 1)
    while len(live) > target_k:
        hh = {g: float(p.weight[label == g].sum()) for g in live}
        g = min(live, key=lambda x: (hh[x], x))
        nb = _neighbour_grids(p, label, g, set(live))
        if not nb:
            break
        into = min(nb, key=lambda x: (hh[x], x))
        label[label == g] = into
        live.remove(g)
    n = len(codes)
    grid_ok = np.zeros(n, dtype=bool)
    grid_ok[live] = True
    m = _measures(p, label, n)
    lo_arr = np.full(n, float(band[0]))
    hi_arr = np.full(n, float(band[1]))
    search = _Search(
        p=p,
        label=label,
        free=free,
        grid_ok=grid_ok,
        lo=lo_arr,
        hi=hi_arr,
        target=h / max(len(live), 1),
        hh=m.value.copy(),
        area=m.area_m2.copy(),
        perim=m.perimeter_m.copy(),
        origin=np.asarray(
            [codes.index(c) for c in np.asarray(p.grid_codes, dtype=object)[p.base]],
            dtype=np.int64,
        ),
    )
    search.run(rng, max_passes=max_passes)
    return Plan(p, tuple(codes), search.label, new_comm)


def _neighbour_grids(p: Problem, label: IntArray, g: int, allowed: set[int]) -> list[int]:
    g_units = np.flatnonzero(label == g)
    nb = np.unique(
        np.concatenate([p.graph.neighbours(int(u)) for u in g_units.tolist()])
        if g_units.size
        else np.zeros(0, np.int64)
    )
    grids = set(label[nb].tolist()) - {g}
    return sorted(x for x in grids if x in allowed)


# --- several communities --------------------------------------------------------------------
def redraw_all(p: Problem, communities: Iterable[str] | None = None, *, seed: int = 0) -> Plan:
    """:func:`redraw` of several communities (default: each with a grid out of its band),
    joined into one plan; communities are independent because no grid crosses one."""
    base = base_plan(p)
    table = grid_table(base)
    if communities is None:
        free = table[~table["locked"]]
        communities = sorted(set(free.loc[free["band_gap"] > 0, "community"]))
    codes = list(p.grid_codes)
    label = p.base.copy()
    new_comm: dict[str, str] = {}
    for c in communities:
        plan = redraw(p, c, seed=seed)
        mine = np.asarray(plan.community, dtype=object)[plan.label] == c
        for code in plan.codes[len(p.grid_codes) :]:
            new_comm[code] = c
            codes.append(code)
        pos = {code: i for i, code in enumerate(codes)}
        label[mine] = np.asarray([pos[plan.codes[g]] for g in plan.label[mine].tolist()])
    return Plan(p, tuple(codes), label, new_comm)
