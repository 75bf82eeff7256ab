"""The fusion proposal: every department unit redrawn as a union of whole basic grids.

Majority rule: each basic grid goes wholly to the department unit holding most of its area
(:func:`~.crosswalk.main_units`). Contiguity kept: a unit drawn in one piece should stay in
one piece, so a group of grids cut off from the rest of its unit is first joined back by
giving the unit the grid between them (when that costs less than the piece is worth and the
giver stays whole); failing that, the piece's grids the unit holds less than half of go to
the neighbouring unit they share most boundary with (repeated until nothing moves). Grids
the unit holds half or more of stay with it. Grids no unit overlaps stay unassigned.
Gains and losses leave slivers out (as misalignment does); the area of a unit outside every
basic grid is counted apart (``area_outside_m2``), so per unit ``area_m2 + area_gained_m2 -
area_lost_m2 - area_outside_m2`` is the draft's area up to the slivers.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray
from scipy.sparse import csr_matrix

from .alignment import sliver_mask
from .columns import (
    AREA_M2,
    DEPARTMENT_CODE,
    DEPARTMENT_NAME,
    GRID_CODE,
    HOUSEHOLDS,
    OVERLAP_M2,
    SHARE_OF_GRID,
)
from .contiguity import Graph, IntArray, keep_contiguous, majority, neighbours
from .overlay import MIN_OVERLAP_M2, Layer, Overlay, build_overlay

__all__ = ["CHANGE_COLUMNS", "SPLIT_COLUMNS", "FusionProposal", "fusion_proposal", "proposal_from"]

#: The columns of :attr:`FusionProposal.changes`, in order.
CHANGE_COLUMNS: tuple[str, ...] = (
    DEPARTMENT_CODE,
    "grids_gained",
    "grids_lost",
    "area_gained_m2",
    "area_lost_m2",
    "households_gained",
    "households_lost",
    "area_outside_m2",
)
#: The columns of :attr:`FusionProposal.splits`, in order.
SPLIT_COLUMNS: tuple[str, ...] = (GRID_CODE, "department_codes", "shares")
# Uncovered part of a grid (share of it) below which it is the rounding of dropped pieces.
_FREE_NOISE = 1e-4


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
        gained (from other units, and the parts of its new grids inside no unit) and lost
        to other units, slivers left out; ``area_outside_m2``, the unit's area outside
        every basic grid, which the draft drops.
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


def _pairs(crosswalk: pd.DataFrame, dept: Layer, grid: Layer) -> pd.DataFrame:
    d_index = pd.Series(np.arange(len(dept.codes)), index=dept.codes)
    g_index = pd.Series(np.arange(len(grid.codes)), index=grid.codes)
    pairs = crosswalk[[DEPARTMENT_CODE, GRID_CODE, OVERLAP_M2, SHARE_OF_GRID, HOUSEHOLDS]].copy()
    pairs["d"] = d_index.reindex(pairs[DEPARTMENT_CODE]).to_numpy()
    pairs["g"] = g_index.reindex(pairs[GRID_CODE]).to_numpy()
    return pairs.dropna(subset=["d", "g"]).astype({"d": np.intp, "g": np.intp})


def _changes(
    pairs: pd.DataFrame, owner: IntArray, overlay: Overlay, min_share: float
) -> pd.DataFrame:
    """Per unit: grids, area and households gained and lost (slivers already left out of
    ``pairs``), the part of assigned grids no unit covered counted as gained, and the
    unit's area outside every basic grid."""
    dept, grid = overlay.departments, overlay.grids
    n = len(dept.codes)
    to = owner[pairs["g"].to_numpy()]
    lost = pairs["d"].to_numpy() != to
    moved = pairs[lost].assign(to=to[lost])
    # Parts of assigned grids inside no unit join the unit too: a gain from nobody.
    covered = np.bincount(overlay.pair_grid, weights=overlay.overlap_m2, minlength=len(owner))
    free = np.clip(overlay.grid_area_m2 - covered, 0.0, None)
    noise = np.maximum(MIN_OVERLAP_M2, _FREE_NOISE * overlay.grid_area_m2)
    free[(owner < 0) | (free <= noise)] = 0.0
    free_hh = grid.households * free / overlay.grid_area_m2
    gained_free = np.bincount(owner[owner >= 0], weights=free[owner >= 0], minlength=n)
    free_hh_n = np.bincount(
        owner[owner >= 0], weights=np.nan_to_num(free_hh)[owner >= 0], minlength=n
    )

    def per_unit(column: str, by: str) -> NDArray[np.float64]:
        return np.nan_to_num(moved.groupby(by)[column].sum().reindex(np.arange(n)).to_numpy(float))

    big = moved[moved[SHARE_OF_GRID] >= min_share]
    has_hh = bool(np.isfinite(grid.households).any())
    unknown = np.full(n, np.nan)
    all_pairs = overlay.pair_dept
    inside = np.bincount(all_pairs, weights=overlay.overlap_m2, minlength=n)
    return pd.DataFrame(
        {
            DEPARTMENT_CODE: dept.codes,
            "grids_gained": big.groupby("to")["g"].nunique().reindex(np.arange(n), fill_value=0),
            "grids_lost": big.groupby("d")["g"].nunique().reindex(np.arange(n), fill_value=0),
            "area_gained_m2": per_unit(OVERLAP_M2, "to") + gained_free,
            "area_lost_m2": per_unit(OVERLAP_M2, "d"),
            "households_gained": per_unit(HOUSEHOLDS, "to") + free_hh_n if has_hh else unknown,
            "households_lost": per_unit(HOUSEHOLDS, "d") if has_hh else unknown,
            "area_outside_m2": np.clip(overlay.dept_area_m2 - inside, 0.0, None),
        },
        columns=list(CHANGE_COLUMNS),
    ).astype({"grids_gained": int, "grids_lost": int})


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
    slivers: pd.DataFrame | None = None,
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
        least this share of it (default 5 %); area and households count every piece but
        the slivers.
    split_share
        A grid is a split candidate when its second-largest unit holds at least this share.
    slivers
        :func:`~.slivers.slivers` of the same layers: snapping noise, left out of the
        gains and losses (as misalignment leaves them out). ``None`` counts every piece.

    Returns
    -------
    FusionProposal
        Per unit, ``area_m2 + area_gained_m2 - area_lost_m2 - area_outside_m2`` is the
        draft's area, up to the slivers left out.
    """
    return proposal_from(
        build_overlay(departments, grids),
        crosswalk,
        min_share=min_share,
        split_share=split_share,
        slivers=slivers,
    )


def proposal_from(
    overlay: Overlay,
    crosswalk: pd.DataFrame,
    *,
    min_share: float = 0.05,
    split_share: float = 0.3,
    slivers: pd.DataFrame | None = None,
) -> FusionProposal:
    """:func:`fusion_proposal` on an already computed :class:`~.overlay.Overlay`."""
    dept, grid = overlay.departments, overlay.grids
    pairs = _pairs(crosswalk, dept, grid)
    n_dept, n_grid = len(dept.codes), len(grid.codes)
    held = csr_matrix(
        (pairs[OVERLAP_M2].to_numpy(), (pairs["d"].to_numpy(), pairs["g"].to_numpy())),
        shape=(n_dept, n_grid),
    )
    ei, ej, length = neighbours(overlay.grid_metric)
    graph = Graph(
        ei,
        ej,
        length,
        held,
        overlay.grid_area_m2,
        shapely.get_num_geometries(dept.geometry.to_numpy()) > 1,
    )
    owner = keep_contiguous(majority(pairs, n_grid), graph)
    assigned = owner >= 0
    assignment = pd.Series(
        dept.codes[owner[assigned]], index=grid.codes[assigned], name=DEPARTMENT_CODE
    )
    real = pairs[~sliver_mask(pairs, slivers)]
    return FusionProposal(
        draft=_draft(owner, dept, grid, overlay.grid_area_m2),
        changes=_changes(real, owner, overlay, min_share),
        splits=_splits(crosswalk, split_share, min_share),
        assignment=assignment.rename_axis(GRID_CODE),
    )
