"""Contiguity of the fusion draft: a unit drawn in one piece should stay in one piece.

The majority rule (:func:`~.crosswalk.main_units`) can leave a group of a unit's grids cut
off from the rest. :func:`keep_contiguous` mends that, round by round: a detached piece is
first joined back by giving its unit the grid between the piece and the unit's main piece
(when that costs less than the piece is worth and the giver stays whole); failing that, the
piece's grids the unit holds less than half of go to the neighbouring unit they share most
boundary with. Grids a unit holds half or more of are never given away to keep it whole.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from .crosswalk import main_units

__all__ = ["Graph", "IntArray", "keep_contiguous", "majority", "neighbours"]

IntArray = NDArray[np.intp]
# Grids closer than this (metres) are neighbours: separately digitised edges rarely meet.
_NEIGHBOUR_GAP_M = 2.0
# A shared boundary shorter than this (metres) is a corner touch, not a neighbour.
_MIN_SHARED_M = 10.0
_MAX_ROUNDS = 20


def neighbours(grid_metric: NDArray[np.object_]) -> tuple[IntArray, IntArray, NDArray[np.float64]]:
    """Pairs (i, j), both directions, of grids sharing a boundary, with its length."""
    # Densified edges only slow the buffers down; 5 cm of simplifying changes no length.
    grid_metric = shapely.simplify(grid_metric, 0.05)
    tree = shapely.STRtree(grid_metric)
    i, j = tree.query(grid_metric, predicate="dwithin", distance=_NEIGHBOUR_GAP_M)
    keep = i < j
    i, j = i[keep], j[keep]
    near = shapely.buffer(grid_metric[i], _NEIGHBOUR_GAP_M)
    length = shapely.length(shapely.intersection(shapely.boundary(grid_metric[j]), near))
    ok = length >= _MIN_SHARED_M
    i, j, length = i[ok], j[ok], length[ok]
    return np.concatenate([i, j]), np.concatenate([j, i]), np.concatenate([length, length])


def majority(pairs: pd.DataFrame, n_grids: int) -> IntArray:
    """Unit index holding most of each grid (:func:`~.crosswalk.main_units`), -1 for none."""
    owner = np.full(n_grids, -1, dtype=np.intp)
    if len(pairs):
        best = main_units(pairs)
        owner[best["g"].to_numpy()] = best["d"].to_numpy()
    return owner


@dataclass(frozen=True)
class Graph:
    """The grids' adjacency and what each unit holds of each grid (the repair's inputs)."""

    ei: IntArray
    ej: IntArray
    length: NDArray[np.float64]
    held: Any  # scipy sparse (unit x grid) overlap areas, CSR
    grid_area: NDArray[np.float64]
    multipart: NDArray[np.bool_]

    def holds(self, d: IntArray | int, g: IntArray | int) -> NDArray[np.float64]:
        """The area unit(s) ``d`` hold of grid(s) ``g``, element by element."""
        rows, cols = np.broadcast_arrays(np.atleast_1d(d), np.atleast_1d(g))
        return np.asarray(self.held[rows, cols], dtype=float).ravel()


def _components(owner: IntArray, graph: Graph) -> tuple[IntArray, pd.DataFrame]:
    """Connected pieces of each unit's grids: labels per grid and per piece its owner,
    the area its owner holds in it, and whether it is the unit's main piece (most held
    area; ties to the larger piece, so the smaller one is the one that may move)."""
    same = (owner[graph.ei] == owner[graph.ej]) & (owner[graph.ei] >= 0)
    n = len(owner)
    adj = coo_matrix((np.ones(int(same.sum())), (graph.ei[same], graph.ej[same])), shape=(n, n))
    _, label = connected_components(adj, directed=False)
    mine = np.flatnonzero(owner >= 0)
    held = np.zeros(n)
    held[mine] = graph.holds(owner[mine], mine)
    frame = pd.DataFrame(
        {
            "comp": label[mine],
            "owner": owner[mine],
            "held": held[mine],
            "area": graph.grid_area[mine],
        }
    )
    comps = frame.groupby("comp").agg(
        owner=("owner", "first"), held=("held", "sum"), area=("area", "sum")
    )
    comps = comps.sort_values(["owner", "held", "area"], ascending=[True, False, False])
    comps["main"] = ~comps["owner"].duplicated()
    return label, comps


def _bridge(owner: IntArray, label: IntArray, comp: int, comps: pd.DataFrame, graph: Graph) -> int:
    """A grid of another unit touching both ``comp`` and its unit's main piece, whose
    giving to the unit reconnects it at the least cost and keeps the giver in one piece;
    -1 when there is none or it costs more than the detached piece is worth."""
    units = comps["owner"].to_numpy(dtype=np.intp)
    unit = int(units[comps.index.get_loc(comp)])
    main = comps.index[(units == unit) & comps["main"].to_numpy(dtype=bool)][0]
    touches = label[graph.ei]
    other = (owner[graph.ej] != unit) & (owner[graph.ej] >= 0)
    near_piece = set(graph.ej[(touches == comp) & other])
    near_main = set(graph.ej[(touches == main) & other])
    candidates = np.array(sorted(near_piece & near_main), dtype=np.intp)
    if candidates.size == 0:
        return -1
    # Cost of the move: what the giver holds of the grid less what the unit holds.
    cost = graph.holds(owner[candidates], candidates) - graph.holds(unit, candidates)
    worth = float(comps["held"].to_numpy(dtype=float)[comps.index.get_loc(comp)])
    for k in np.argsort(cost, kind="stable"):
        g = int(candidates[k])
        if cost[k] >= worth:
            break
        if _stays_whole(owner, g, graph):
            return g
    return -1


def _stays_whole(owner: IntArray, g: int, graph: Graph) -> bool:
    """Whether the unit holding grid ``g`` stays in one piece without it."""
    giver = owner[g]
    if graph.multipart[giver]:
        return True
    keep = owner == giver
    keep[g] = False
    rest = np.flatnonzero(keep)
    if rest.size == 0:
        return False
    pick = keep[graph.ei] & keep[graph.ej]
    n = len(owner)
    adj = coo_matrix((np.ones(int(pick.sum())), (graph.ei[pick], graph.ej[pick])), shape=(n, n))
    _, label = connected_components(adj, directed=False)
    return bool(np.unique(label[rest]).size == 1)


def _reassign_detached(owner: IntArray, graph: Graph) -> IntArray:
    """One round of contiguity repair; returns the new owners (a copy).

    A detached piece of a one-piece unit is first reconnected by giving it a grid that
    joins it to the unit's main piece (:func:`_bridge`); failing that, its grids the unit
    holds less than half of go to the neighbouring unit they share most boundary with.
    Grids the unit holds half or more of stay: giving away what a unit wholly holds to
    keep it in one piece costs more than it mends.
    """
    label, comps = _components(owner, graph)
    detached = comps.index[~comps["main"].to_numpy()]
    detached = detached[~graph.multipart[comps.loc[detached, "owner"].to_numpy()]]
    moved = owner.copy()
    unbridged = []
    for comp in detached:
        g = _bridge(owner, label, int(comp), comps, graph)
        if g >= 0 and moved[g] == owner[g]:
            moved[g] = comps["owner"].to_numpy(dtype=np.intp)[comps.index.get_loc(comp)]
        else:
            unbridged.append(comp)
    if not np.array_equal(moved, owner) or not unbridged:
        return moved
    grids = np.flatnonzero(np.isin(label, unbridged) & (owner >= 0))
    weak = graph.holds(owner[grids], grids) < 0.5 * graph.grid_area[grids]
    return _move_to_neighbours(owner, grids[weak], graph)


def _move_to_neighbours(owner: IntArray, grids: IntArray, graph: Graph) -> IntArray:
    """``grids`` given to the other unit each shares most boundary with (a copy)."""
    ei, ej, length = graph.ei, graph.ej, graph.length
    border = np.isin(ei, grids) & (owner[ej] != owner[ei]) & (owner[ej] >= 0)
    shared = pd.DataFrame({"g": ei[border], "to": owner[ej[border]], "len": length[border]})
    summed: pd.DataFrame = shared.groupby(["g", "to"], as_index=False).agg(len=("len", "sum"))
    target = summed.sort_values(["g", "len"], ascending=[True, False]).drop_duplicates("g")
    moved = owner.copy()
    moved[target["g"].to_numpy()] = target["to"].to_numpy()
    return moved


def keep_contiguous(owner: IntArray, graph: Graph) -> IntArray:
    """``owner`` (unit index per grid, -1 for none) mended round by round until nothing
    moves (at most 20 rounds); a copy."""
    for _ in range(_MAX_ROUNDS):
        moved = _reassign_detached(owner, graph)
        if np.array_equal(moved, owner):
            break
        owner = moved
    return owner
