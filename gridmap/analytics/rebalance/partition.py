"""Splitting connected units into parts (random spanning trees) and the local search.

Hard rules of a move are predicates (:data:`MoveRule`): a unit moves only when each holds."""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import sparse

from ..workload import (
    pp_from_parts,
)
from .measures import _gap
from .problem import FloatArray, IntArray, Problem


# --- splitting by spanning trees --------------------------------------------------------------
def _random_tree(n: int, ei: IntArray, ej: IntArray, rng: np.random.Generator) -> list[list[int]]:
    """Adjacency lists of a random spanning tree (Kruskal on random edge weights).

    Plain Python: the graphs here are one grid's units (tens to hundreds of nodes), where
    sparse-matrix calls cost more than they save.
    """
    parent = list(range(n))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    adj: list[list[int]] = [[] for _ in range(n)]
    for e in np.argsort(rng.random(ei.size), kind="stable").tolist():
        a, b = int(ei[e]), int(ej[e])
        ra, rb_ = find(a), find(b)
        if ra != rb_:
            parent[ra] = rb_
            adj[a].append(b)
            adj[b].append(a)
    return adj


def _tree_cut(
    adj: list[list[int]], nodes: list[int], weight: FloatArray, k: int, targets: FloatArray
) -> list[list[int]] | None:
    """Cut the spanning tree on ``nodes`` into ``k`` parts near ``targets`` (sum: total).

    Each step roots the tree at ``nodes[0]`` and removes the edge whose subtree weight is
    closest to the sum of some prefix of the targets; both sides stay trees, so every part
    is connected.
    """
    if k == 1:
        return [nodes]
    inside = set(nodes)
    root = nodes[0]
    order = [root]
    pred = {root: -1}
    for v in order:  # BFS; the list grows while we walk it
        for w in adj[v]:
            if w in inside and w not in pred:
                pred[w] = v
                order.append(w)
    if len(order) != len(nodes):
        return None
    sub = {v: float(weight[v]) for v in order}
    for v in reversed(order[1:]):
        sub[pred[v]] += sub[v]
    cum = np.cumsum(targets)[:-1]  # j = 1..k-1 parts below the cut
    child = order[1:]
    err = np.abs(np.asarray([sub[c] for c in child])[:, None] - cum[None, :])
    c_idx, j_idx = divmod(int(np.argmin(err)), cum.size)
    cut, j = child[c_idx], j_idx + 1
    below = {cut}
    for v in order:
        if v != cut and pred[v] in below:
            below.add(v)
    a = [v for v in nodes if v in below]
    b = [v for v in nodes if v not in below]
    if len(a) < j or len(b) < k - j:
        return None
    # Each side's walk stays on its side: the cut edge joins them, and ``inside`` is reset.
    left = _tree_cut(_without(adj, cut, pred[cut]), a, weight, j, targets[:j])
    right = _tree_cut(_without(adj, cut, pred[cut]), b, weight, k - j, targets[j:])
    if left is None or right is None:
        return None
    return left + right


def _without(adj: list[list[int]], a: int, b: int) -> list[list[int]]:
    out = list(adj)
    out[a] = [x for x in adj[a] if x != b]
    out[b] = [x for x in adj[b] if x != a]
    return out


def _partition(
    p: Problem,
    nodes: IntArray,
    k: int,
    band: tuple[float, float],
    rng: np.random.Generator,
    *,
    tries: int = 40,
) -> list[IntArray] | None:
    """Split connected ``nodes`` into ``k`` connected parts: best of ``tries`` random trees.

    Each try draws a random spanning tree and cuts it (:func:`_tree_cut`); parts are
    scored by the measure outside the band, then squared deviation from the mean, then
    compactness (Polsby-Popper from the graph).
    """
    if nodes.size < k:
        return None
    if k == 1:
        return [nodes]
    g = p.graph
    sub = _subgraph_shared(p, nodes)
    upper = sparse.triu(sub, k=1).tocoo()
    ei = upper.row.astype(np.int64)
    ej = upper.col.astype(np.int64)
    esh = np.asarray(upper.data, dtype=np.float64)
    w = p.weight[nodes]
    perim_u = g.perimeter_m[nodes]
    area_u = g.area_m2[nodes]
    total = float(w.sum())
    targets = np.full(k, total / k)
    local = list(range(nodes.size))
    best: tuple[tuple[float, float, float], list[IntArray]] | None = None
    lo, hi = band
    for _ in range(tries):
        adj = _random_tree(nodes.size, ei, ej, rng)
        parts = _tree_cut(adj, local, w, k, targets)
        if parts is None:
            continue
        label = np.empty(nodes.size, dtype=np.int64)
        for q, x in enumerate(parts):
            label[x] = q
        hh = np.bincount(label, w, minlength=k).astype(np.float64)
        inner = label[ei] == label[ej]
        perim = np.bincount(label, perim_u, minlength=k) - 2 * np.bincount(
            label[ei[inner]], esh[inner], minlength=k
        )
        pp = pp_from_parts(np.bincount(label, area_u, minlength=k), perim)
        key = (
            float(_gap(hh, lo, hi).sum()),
            float(((hh - total / k) ** 2).sum()),
            -float(np.nanmean(pp)),
        )
        if best is None or key < best[0]:
            best = (key, [nodes[np.asarray(x, dtype=np.int64)] for x in parts])
    return None if best is None else best[1]


def _subgraph_shared(p: Problem, nodes: IntArray) -> sparse.csr_matrix:
    """Shared border lengths among ``nodes`` (local indices)."""
    return p.graph.shared_matrix[nodes][:, nodes].tocsr()


# --- local moves ----------------------------------------------------------------------------
def _connected_without(p: Problem, label: IntArray, members: IntArray, drop: int) -> bool:
    """Whether ``members`` (one grid's units) minus ``drop`` is non-empty and connected."""
    rest = members[members != drop]
    if rest.size == 0:
        return False
    inside = set(rest.tolist())
    seen = {int(rest[0])}
    queue = deque([int(rest[0])])
    g = p.graph
    while queue:
        u = queue.popleft()
        for v in g.indices[g.indptr[u] : g.indptr[u + 1]].tolist():
            if v in inside and v not in seen:
                seen.add(v)
                queue.append(v)
    return len(seen) == rest.size


#: A hard rule on one move of the local search: ``rule(search, unit, from_grid, to_grid)``
#: is True when the move keeps it (GerryChain-style constraint predicates). Grids closed to
#: moves (locked, professional, other communities) are left out of the candidates before
#: any rule is asked, so the rules only see moves between open grids.
MoveRule = Callable[["_Search", int, int, int], bool]


def keeps_source_contiguous(search: _Search, u: int, a: int, b: int) -> bool:
    """The grid ``a`` that ``u`` leaves stays non-empty and connected."""
    members = np.flatnonzero(search.label == a)
    return _connected_without(search.p, search.label, members, u)


#: The rules of every local move (a unit is never cut: units move whole by construction).
MOVE_RULES: tuple[MoveRule, ...] = (keeps_source_contiguous,)


@dataclass
class _Search:
    """Mutable state of the local search over one community (internal)."""

    p: Problem
    label: IntArray
    free: NDArray[np.bool_]  # units that may move
    grid_ok: NDArray[np.bool_]  # grids that may gain or lose units
    lo: FloatArray
    hi: FloatArray
    target: float
    hh: FloatArray
    area: FloatArray
    perim: FloatArray
    origin: IntArray  # grid each unit should preferably stay in
    w_balance: float = 1.0
    w_compact: float = 0.3
    w_moved: float = 0.5
    rules: tuple[MoveRule, ...] = MOVE_RULES

    def grid_cost(self, g: int, h: float, a: float, per: float) -> float:
        gap = max(self.lo[g] - h, 0.0) + max(h - self.hi[g], 0.0)
        dev = (h - self.target) / max(self.target, 1.0)
        pp = 4 * math.pi * a / per**2 if per > 0 else 0.0
        return (
            1000.0 * gap / max(self.target, 1.0)
            + self.w_balance * dev * dev
            + (self.w_compact * (1.0 - pp))
        )

    def delta(self, u: int, a: int, b: int) -> float:
        g = self.p.graph
        nb = g.indices[g.indptr[u] : g.indptr[u + 1]]
        sh = g.shared_m[g.indptr[u] : g.indptr[u + 1]]
        to_a = float(sh[self.label[nb] == a].sum())
        to_b = float(sh[self.label[nb] == b].sum())
        h = float(self.p.weight[u])
        ar = float(g.area_m2[u])
        pu = float(g.perimeter_m[u])
        before = self.grid_cost(a, self.hh[a], self.area[a], self.perim[a]) + self.grid_cost(
            b, self.hh[b], self.area[b], self.perim[b]
        )
        after = self.grid_cost(
            a, self.hh[a] - h, self.area[a] - ar, self.perim[a] - pu + 2 * to_a
        ) + self.grid_cost(b, self.hh[b] + h, self.area[b] + ar, self.perim[b] + pu - 2 * to_b)
        scale = max(self.target, 1.0)
        moved = (h if self.origin[u] == a else 0.0) - (h if self.origin[u] == b else 0.0)
        return after - before + self.w_moved * moved / scale

    def apply(self, u: int, a: int, b: int) -> None:
        g = self.p.graph
        nb = g.indices[g.indptr[u] : g.indptr[u + 1]]
        sh = g.shared_m[g.indptr[u] : g.indptr[u + 1]]
        to_a = float(sh[self.label[nb] == a].sum())
        to_b = float(sh[self.label[nb] == b].sum())
        h, ar, pu = float(self.p.weight[u]), float(g.area_m2[u]), float(g.perimeter_m[u])
        self.hh[a] -= h
        self.hh[b] += h
        self.area[a] -= ar
        self.area[b] += ar
        self.perim[a] += -pu + 2 * to_a
        self.perim[b] += pu - 2 * to_b
        self.label[u] = b

    def run(self, rng: np.random.Generator, *, max_passes: int = 30) -> int:
        """First-improvement passes over border units in random order; returns moves made."""
        g = self.p.graph
        moves = 0
        units = np.flatnonzero(self.free)
        for _ in range(max_passes):
            improved = False
            for u in rng.permutation(units).tolist():
                a = int(self.label[u])
                nb = g.indices[g.indptr[u] : g.indptr[u + 1]]
                cands = np.unique(self.label[nb])
                cands = cands[(cands != a) & self.grid_ok[cands]]
                if cands.size == 0:
                    continue
                deltas = [self.delta(u, a, int(b)) for b in cands.tolist()]
                k = int(np.argmin(deltas))
                if deltas[k] >= -1e-9:
                    continue
                if not all(rule(self, u, a, int(cands[k])) for rule in self.rules):
                    continue
                self.apply(u, a, int(cands[k]))
                moves += 1
                improved = True
            if not improved:
                break
        return moves
