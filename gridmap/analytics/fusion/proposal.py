"""The fusion proposal: every department unit redrawn as a union of whole basic grids.

Majority rule: each basic grid goes wholly to the department unit holding most of its area.
Contiguity kept: a unit drawn in one piece must stay in one piece, so a group of grids cut
off from the rest of its unit goes to the neighbouring unit it shares most boundary with
(repeated until nothing moves). Grids no unit overlaps stay unassigned. The gains and losses
are counted between units, so over the layer they sum to zero.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from .columns import (
    AREA_M2,
    DEPARTMENT_CODE,
    DEPARTMENT_NAME,
    GRID_CODE,
    HOUSEHOLDS,
    OVERLAP_M2,
    SHARE_OF_GRID,
)
from .overlay import Layer, local_metric_crs, prepare_departments, prepare_grids

__all__ = ["CHANGE_COLUMNS", "SPLIT_COLUMNS", "FusionProposal", "fusion_proposal"]

IntArray = NDArray[np.intp]
#: The columns of :attr:`FusionProposal.changes`, in order.
CHANGE_COLUMNS: tuple[str, ...] = (
    DEPARTMENT_CODE,
    "grids_gained",
    "grids_lost",
    "area_gained_m2",
    "area_lost_m2",
    "households_gained",
    "households_lost",
)
#: The columns of :attr:`FusionProposal.splits`, in order.
SPLIT_COLUMNS: tuple[str, ...] = (GRID_CODE, "department_codes", "shares")
# Grids closer than this (metres) are neighbours: separately digitised edges rarely meet.
_NEIGHBOUR_GAP_M = 2.0
# A shared boundary shorter than this (metres) is a corner touch, not a neighbour.
_MIN_SHARED_M = 10.0
_MAX_ROUNDS = 20


@dataclass(frozen=True)
class FusionProposal:
    """A draft department layer made of whole basic grids.

    Attributes
    ----------
    draft
        One row per unit that keeps at least one grid, EPSG:4326: ``department_code``,
        ``department_name``, ``grid_count``, ``area_m2``, ``households``, geometry.
    changes
        One row per unit (:data:`CHANGE_COLUMNS`): grids that change hands (counted when
        the other side held at least ``min_share`` of the grid), the area and households
        gained from and lost to other units.
    splits
        Basic grids the department's boundary cuts roughly in half (:data:`SPLIT_COLUMNS`,
        codes and shares joined by ", ", largest first): split these where the
        department's boundary is the better one.
    assignment
        ``grid_code -> department_code`` for every assigned grid.
    """

    draft: gpd.GeoDataFrame
    changes: pd.DataFrame
    splits: pd.DataFrame
    assignment: pd.Series


def _neighbours(grid_metric: NDArray[np.object_]) -> tuple[IntArray, IntArray, NDArray[np.float64]]:
    """Pairs (i, j), both directions, of grids sharing a boundary, with its length."""
    tree = shapely.STRtree(grid_metric)
    i, j = tree.query(grid_metric, predicate="dwithin", distance=_NEIGHBOUR_GAP_M)
    keep = i < j
    i, j = i[keep], j[keep]
    near = shapely.buffer(grid_metric[i], _NEIGHBOUR_GAP_M)
    length = shapely.length(shapely.intersection(shapely.boundary(grid_metric[j]), near))
    ok = length >= _MIN_SHARED_M
    i, j, length = i[ok], j[ok], length[ok]
    return np.concatenate([i, j]), np.concatenate([j, i]), np.concatenate([length, length])


def _majority(pairs: pd.DataFrame, n_grids: int) -> IntArray:
    """Unit index holding most of each grid (ties to the smaller code), -1 for none."""
    owner = np.full(n_grids, -1, dtype=np.intp)
    best = pairs.sort_values(["g", OVERLAP_M2, "code"], ascending=[True, False, True])
    best = best.drop_duplicates("g")
    owner[best["g"].to_numpy()] = best["d"].to_numpy()
    return owner


def _reassign_detached(
    owner: IntArray,
    edges: tuple[IntArray, IntArray, NDArray[np.float64]],
    held: NDArray[np.float64],
    multipart: NDArray[np.bool_],
) -> IntArray:
    """One round of contiguity repair; returns the new owners (a copy)."""
    ei, ej, length = edges
    same = (owner[ei] == owner[ej]) & (owner[ei] >= 0)
    n = len(owner)
    graph = coo_matrix((np.ones(int(same.sum())), (ei[same], ej[same])), shape=(n, n))
    _, label = connected_components(graph, directed=False)
    comps = pd.DataFrame({"comp": label, "owner": owner, "held": held})
    comps = (
        comps[comps["owner"] >= 0]
        .groupby("comp")
        .agg(owner=("owner", "first"), held=("held", "sum"))
    )
    comps = comps.sort_values(["owner", "held"], ascending=[True, False])
    main = comps.groupby("owner").head(1).index
    detached = comps.index.difference(main)
    detached = detached[~multipart[comps.loc[detached, "owner"].to_numpy()]]
    if len(detached) == 0:
        return owner
    # Boundary each detached component shares with grids of other units, by unit.
    border = np.isin(label[ei], detached) & (owner[ej] != owner[ei]) & (owner[ej] >= 0)
    shared = pd.DataFrame(
        {"comp": label[ei[border]], "to": owner[ej[border]], "len": length[border]}
    )
    summed: pd.DataFrame = shared.groupby(["comp", "to"], as_index=False).agg(len=("len", "sum"))
    target = summed.sort_values(["comp", "len"], ascending=[True, False]).drop_duplicates("comp")
    new_owner = pd.Series(target["to"].to_numpy(), index=target["comp"].to_numpy())
    moved = owner.copy()
    mask = np.isin(label, new_owner.index) & (owner >= 0)
    moved[mask] = new_owner.reindex(label[mask]).to_numpy()
    return moved


def _pairs(crosswalk: pd.DataFrame, dept: Layer, grid: Layer) -> pd.DataFrame:
    d_index = pd.Series(np.arange(len(dept.codes)), index=dept.codes)
    g_index = pd.Series(np.arange(len(grid.codes)), index=grid.codes)
    pairs = crosswalk[[DEPARTMENT_CODE, GRID_CODE, OVERLAP_M2, SHARE_OF_GRID, HOUSEHOLDS]].copy()
    pairs["d"] = d_index.reindex(pairs[DEPARTMENT_CODE]).to_numpy()
    pairs["g"] = g_index.reindex(pairs[GRID_CODE]).to_numpy()
    pairs["code"] = pairs[DEPARTMENT_CODE]
    return pairs.dropna(subset=["d", "g"]).astype({"d": np.intp, "g": np.intp})


def _changes(pairs: pd.DataFrame, owner: IntArray, dept: Layer, min_share: float) -> pd.DataFrame:
    to = owner[pairs["g"].to_numpy()]
    lost = pairs["d"].to_numpy() != to
    moved = pairs[lost].assign(to=to[lost])
    n = len(dept.codes)

    def per_unit(column: str, by: str, how: str = "sum") -> NDArray[np.float64]:
        values = moved.groupby(by)[column].agg(how)
        return values.reindex(np.arange(n)).to_numpy(dtype=float)

    big = moved[moved[SHARE_OF_GRID] >= min_share]
    grids_lost = big.groupby("d")["g"].nunique().reindex(np.arange(n), fill_value=0)
    grids_gained = big.groupby("to")["g"].nunique().reindex(np.arange(n), fill_value=0)
    has_hh = bool(pairs[HOUSEHOLDS].notna().any())
    unknown = np.full(n, np.nan)
    hh_gain = per_unit(HOUSEHOLDS, "to") if has_hh else unknown
    hh_lost = per_unit(HOUSEHOLDS, "d") if has_hh else unknown
    return pd.DataFrame(
        {
            DEPARTMENT_CODE: dept.codes,
            "grids_gained": grids_gained.to_numpy(dtype=int),
            "grids_lost": grids_lost.to_numpy(dtype=int),
            "area_gained_m2": np.nan_to_num(per_unit(OVERLAP_M2, "to")),
            "area_lost_m2": np.nan_to_num(per_unit(OVERLAP_M2, "d")),
            "households_gained": np.nan_to_num(hh_gain) if has_hh else unknown,
            "households_lost": np.nan_to_num(hh_lost) if has_hh else unknown,
        },
        columns=list(CHANGE_COLUMNS),
    )


def _splits(crosswalk: pd.DataFrame, split_share: float, min_share: float) -> pd.DataFrame:
    ranked = crosswalk[crosswalk[SHARE_OF_GRID] >= min_share].sort_values(
        [GRID_CODE, SHARE_OF_GRID, DEPARTMENT_CODE], ascending=[True, False, True]
    )
    second = ranked[(ranked.groupby(GRID_CODE).cumcount() == 1).to_numpy()]
    cut = ranked[GRID_CODE].isin(second.loc[second[SHARE_OF_GRID] >= split_share, GRID_CODE])
    grouped = ranked[cut].groupby(GRID_CODE, sort=True)
    return (
        pd.DataFrame(
            {
                "department_codes": grouped[DEPARTMENT_CODE].agg(", ".join),
                "shares": grouped[SHARE_OF_GRID].agg(lambda s: ", ".join(f"{v:.2f}" for v in s)),
            }
        )
        .rename_axis(GRID_CODE)
        .reset_index()[list(SPLIT_COLUMNS)]
    )


def _draft(
    owner: IntArray, dept: Layer, grid: Layer, grid_area: NDArray[np.float64]
) -> gpd.GeoDataFrame:
    assigned = np.flatnonzero(owner >= 0)
    frame = gpd.GeoDataFrame(
        {
            "d": owner[assigned],
            "grid_count": 1,
            AREA_M2: grid_area[assigned],
            HOUSEHOLDS: grid.households[assigned],
        },
        geometry=grid.geometry.to_crs(4326).to_numpy()[assigned],
        crs=4326,
    )
    draft = frame.dissolve(
        by="d",
        aggfunc={"grid_count": "sum", AREA_M2: "sum", HOUSEHOLDS: lambda s: s.sum(min_count=1)},
    )
    draft.insert(0, DEPARTMENT_CODE, dept.codes[draft.index.to_numpy()])
    draft.insert(1, DEPARTMENT_NAME, dept.names[draft.index.to_numpy()])
    return draft.sort_index().reset_index(drop=True)


def fusion_proposal(
    departments: gpd.GeoDataFrame,
    grids: gpd.GeoDataFrame,
    crosswalk: pd.DataFrame,
    *,
    min_share: float = 0.05,
    split_share: float = 0.3,
) -> FusionProposal:
    """Redraw every department unit as a union of whole basic grids.

    Parameters
    ----------
    departments, grids
        As for :func:`~.crosswalk.crosswalk`.
    crosswalk
        :func:`~.crosswalk.crosswalk` of these two layers.
    min_share
        A grid counts as gained or lost by a unit when the unit (or the others) held at
        least this share of it (default 5 %); area and households count every piece.
    split_share
        A grid is a split candidate when its second-largest unit holds at least this share.

    Returns
    -------
    FusionProposal
    """
    dept = prepare_departments(departments)
    grid = prepare_grids(grids)
    crs = local_metric_crs(dept.geometry, grid.geometry)
    grid_metric = grid.geometry.to_crs(crs).to_numpy()
    multipart = shapely.get_num_geometries(dept.geometry.to_numpy()) > 1
    pairs = _pairs(crosswalk, dept, grid)
    owner = _majority(pairs, len(grid.codes))
    edges = _neighbours(grid_metric)
    pd_, pg, pa = (pairs[c].to_numpy() for c in ("d", "g", OVERLAP_M2))
    for _ in range(_MAX_ROUNDS):
        # Area of each grid its current unit held originally ((unit, grid) pairs are unique).
        mine = pd_ == owner[pg]
        held = np.zeros(len(owner))
        held[pg[mine]] = pa[mine]
        moved = _reassign_detached(owner, edges, held, multipart)
        if np.array_equal(moved, owner):
            break
        owner = moved
    assigned = owner >= 0
    assignment = pd.Series(
        dept.codes[owner[assigned]], index=grid.codes[assigned], name=DEPARTMENT_CODE
    )
    return FusionProposal(
        draft=_draft(owner, dept, grid, shapely.area(grid_metric)),
        changes=_changes(pairs, owner, dept, min_share),
        splits=_splits(crosswalk, split_share, min_share),
        assignment=assignment.rename_axis(GRID_CODE),
    )
