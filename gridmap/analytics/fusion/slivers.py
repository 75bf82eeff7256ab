"""Slivers: boundary differences thinner than a tolerance, to snap rather than to fuse.

Two layers digitised separately never share a boundary exactly: where a department unit
and a basic grid meet, thin pieces of each lie in the other. A piece of a (unit, grid) pair
is a *sliver* when it is not the grid's main part (it holds under half of the grid) and its
maximum width — the diameter of its largest inscribed circle — is below
``tolerance_m`` (default 20 m). :func:`~.alignment.misalignment` leaves slivers out of the
misaligned area.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray

from .columns import AREA_M2, DEPARTMENT_CODE, GRID_CODE, MAX_WIDTH_M, SLIVER_COLUMNS
from .overlay import FusionError, Overlay, build_overlay

__all__ = ["slivers", "slivers_from"]

_BISECTIONS = 6


def _max_width(shapes: NDArray[np.object_], upper: float) -> NDArray[np.float64]:
    """Max widths of pieces known to be thinner than ``upper``, by bisection on erosion
    (vectorised; to within ``upper`` / 64, rounded up)."""
    lo = np.zeros(len(shapes))
    hi = np.full(len(shapes), float(upper))
    for _ in range(_BISECTIONS):
        mid = (lo + hi) / 2.0
        gone = shapely.is_empty(shapely.buffer(shapes, -mid / 2.0))
        hi = np.where(gone, mid, hi)
        lo = np.where(gone, lo, mid)
    return hi


def slivers_from(overlay: Overlay, *, tolerance_m: float = 20.0) -> pd.DataFrame:
    """The slivers of an already computed :class:`~.overlay.Overlay` (see :func:`slivers`)."""
    if not np.isfinite(tolerance_m) or tolerance_m < 0:
        raise FusionError(f"sliver tolerance_m={tolerance_m!r}; allowed: 0 or more metres")
    pieces = overlay.pieces
    area = overlay.overlap_m2
    minor = area < 0.5 * overlay.grid_area_m2[overlay.pair_grid]
    # Every point of a polygon lies within its inscribed radius r of the boundary, so
    # area <= perimeter * r and width = 2r >= 2 * area / perimeter: a piece failing this
    # cheap bound cannot be thinner than the tolerance.
    perimeter = shapely.length(pieces)
    candidate = np.flatnonzero(minor & (2.0 * area < tolerance_m * perimeter))
    # Densified straight edges only slow the erosions down; 5 cm changes no width.
    shapes = shapely.simplify(pieces[candidate], 0.05)
    # Max width < w exactly when eroding by w / 2 leaves nothing.
    thin = shapely.is_empty(shapely.buffer(shapes, -tolerance_m / 2.0))
    candidate, shapes = candidate[thin], shapes[thin]
    width = _max_width(shapes, tolerance_m)
    return pd.DataFrame(
        {
            DEPARTMENT_CODE: overlay.departments.codes[overlay.pair_dept[candidate]],
            GRID_CODE: overlay.grids.codes[overlay.pair_grid[candidate]],
            AREA_M2: area[candidate],
            MAX_WIDTH_M: width,
        },
        columns=list(SLIVER_COLUMNS),
    ).reset_index(drop=True)


def slivers(
    departments: gpd.GeoDataFrame, grids: gpd.GeoDataFrame, *, tolerance_m: float = 20.0
) -> pd.DataFrame:
    """The near-coincident boundary pieces between a department layer and the basic grids.

    Parameters
    ----------
    departments, grids
        As for :func:`~.crosswalk.crosswalk`.
    tolerance_m
        Pieces thinner than this many metres are slivers (default 20 m: the accuracy of
        boundaries traced on city base maps).

    Returns
    -------
    pandas.DataFrame
        One row per sliver, columns :data:`~.columns.SLIVER_COLUMNS`: the pair's codes,
        ``area_m2`` and ``max_width_m`` (the widest point of the piece), in crosswalk order.
        Their pairs are also crosswalk rows: the crosswalk reports the layers as drawn.

    Raises
    ------
    FusionError
        For a negative or non-finite ``tolerance_m``.
    """
    return slivers_from(build_overlay(departments, grids), tolerance_m=tolerance_m)
