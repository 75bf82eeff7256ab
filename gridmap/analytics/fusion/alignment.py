"""Misalignment: does a department unit survive being redrawn from whole basic grids?

Rule (issue #18): give each basic grid wholly to the department unit holding most of its
area; a unit is *aligned* when at most ``tolerance`` (5 %) of its area ends up with another
unit, else *misaligned*. Slivers (pieces thinner than the sliver tolerance, see
:mod:`.slivers`) are boundary noise to snap, so their area never counts as misaligned.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray

from .columns import (
    AREA_M2,
    DEPARTMENT_CODE,
    DEPARTMENT_NAME,
    GRID_CODE,
    HOUSEHOLDS,
    MISALIGNMENT_COLUMNS,
    OVERLAP_M2,
    SHARE_OF_DEPARTMENT,
)
from .crosswalk import main_units
from .overlay import (
    FusionError,
    Layer,
    Overlay,
    local_metric_crs,
    prepare_departments,
    to_local,
)

__all__ = ["grid_owner", "misalignment", "misalignment_from", "sliver_mask"]


def grid_owner(crosswalk: pd.DataFrame) -> pd.Series:
    """The department unit holding most of each grid (:func:`~.crosswalk.main_units`), as a
    Series ``grid_code -> department_code`` sorted by grid code."""
    if crosswalk.empty:
        return pd.Series(dtype=object, name=DEPARTMENT_CODE).rename_axis(GRID_CODE)
    return main_units(crosswalk)[DEPARTMENT_CODE]


def _unit_areas(crosswalk: pd.DataFrame, layer: Layer) -> pd.Series:
    """Each unit's area in m²: from the crosswalk (overlap / share, the overlay's own
    measure) where it has rows, else measured in the local metric CRS."""
    crs = local_metric_crs(layer.geometry)
    measured = pd.Series(shapely.area(to_local(layer.geometry, crs)), index=layer.codes)
    from_cw = (
        (crosswalk[OVERLAP_M2] / crosswalk[SHARE_OF_DEPARTMENT])
        .groupby(crosswalk[DEPARTMENT_CODE])
        .first()
    )
    return from_cw.reindex(measured.index).fillna(measured)


def sliver_mask(crosswalk: pd.DataFrame, slivers: pd.DataFrame | None) -> NDArray[np.bool_]:
    """Which crosswalk rows are slivers (boundary noise to snap, never a change)."""
    if slivers is None or slivers.empty:
        return np.zeros(len(crosswalk), dtype=bool)
    keys = pd.MultiIndex.from_frame(slivers[[DEPARTMENT_CODE, GRID_CODE]])
    pairs = pd.MultiIndex.from_frame(crosswalk[[DEPARTMENT_CODE, GRID_CODE]])
    return np.asarray(pairs.isin(keys), dtype=bool)


def misalignment(
    crosswalk: pd.DataFrame,
    departments: gpd.GeoDataFrame,
    *,
    tolerance: float = 0.05,
    slivers: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Which department units are aligned with the basic grids, and what the others lose.

    Parameters
    ----------
    crosswalk
        :func:`~.crosswalk.crosswalk` of ``departments`` over the basic grids.
    departments
        The department's units (for the names and the areas of units no grid touches).
    tolerance
        Largest share of a unit's area that may go to other units for it to count as
        aligned (default 0.05 = 5 %).
    slivers
        :func:`~.slivers.slivers` of the same layers: these (department_code, grid_code)
        pieces are snapping noise and do not count as misaligned. ``None`` counts every
        piece (use it for layers known to share exact boundaries).

    Returns
    -------
    pandas.DataFrame
        One row per unit in input order, columns :data:`~.columns.MISALIGNMENT_COLUMNS`:
        ``area_m2``, ``aligned``, ``misaligned_area_m2`` (area of the unit lying in grids
        another unit holds most of), ``misaligned_share`` (of ``area_m2``) and
        ``households`` (households of that area, grid households spread evenly; NaN when
        the grids carry none), then ``outside_share`` and ``outside_m2``: the part of the
        unit outside every basic grid. That area is not misaligned (no other unit
        receives it), so a unit far from the grids is "aligned" with ``outside_share`` 1:
        show both.

    Raises
    ------
    FusionError
        When ``tolerance`` is outside [0, 1].
    """
    layer = prepare_departments(departments)
    area = _unit_areas(crosswalk, layer).reindex(pd.Index(layer.codes))
    return _table(
        layer.codes, layer.names, area.to_numpy(dtype=float), crosswalk, tolerance, slivers
    )


def misalignment_from(
    overlay: Overlay,
    crosswalk: pd.DataFrame,
    *,
    tolerance: float = 0.05,
    slivers: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """:func:`misalignment` on an already computed :class:`~.overlay.Overlay` (its areas)."""
    dept = overlay.departments
    return _table(dept.codes, dept.names, overlay.dept_area_m2, crosswalk, tolerance, slivers)


def _table(
    codes: NDArray[np.object_],
    names: NDArray[np.object_],
    unit_area: NDArray[np.float64],
    crosswalk: pd.DataFrame,
    tolerance: float,
    slivers: pd.DataFrame | None,
) -> pd.DataFrame:
    if not 0.0 <= tolerance <= 1.0:
        raise FusionError(f"misalignment tolerance={tolerance!r}; allowed: 0 to 1 (e.g. 0.05)")
    owner = grid_owner(crosswalk)
    lost = crosswalk[DEPARTMENT_CODE].to_numpy() != owner.reindex(crosswalk[GRID_CODE]).to_numpy()
    lost &= ~sliver_mask(crosswalk, slivers)
    part = crosswalk.loc[lost, [DEPARTMENT_CODE, OVERLAP_M2, HOUSEHOLDS]]
    sums = part.groupby(DEPARTMENT_CODE).agg(
        misaligned_area_m2=(OVERLAP_M2, "sum"),
        households=(HOUSEHOLDS, lambda s: s.sum(min_count=1)),
    )
    index = pd.Index(codes)
    mis_area = sums["misaligned_area_m2"].reindex(index).fillna(0.0).to_numpy()
    # Grids with households: a unit losing nothing loses 0 households, not an unknown.
    households = sums["households"].reindex(index).to_numpy(dtype=float)
    if bool(crosswalk[HOUSEHOLDS].notna().any()):
        households = np.nan_to_num(households, nan=0.0)
    covered = crosswalk.groupby(DEPARTMENT_CODE)[OVERLAP_M2].sum().reindex(index).fillna(0.0)
    outside = np.clip(unit_area - covered.to_numpy(dtype=float), 0.0, None)
    positive = unit_area > 0
    share = np.divide(mis_area, unit_area, out=np.zeros_like(mis_area), where=positive)
    return pd.DataFrame(
        {
            DEPARTMENT_CODE: codes,
            DEPARTMENT_NAME: names,
            AREA_M2: unit_area,
            "aligned": share <= tolerance,
            "misaligned_area_m2": mis_area,
            "misaligned_share": share,
            HOUSEHOLDS: households,
            "outside_share": np.divide(
                outside, unit_area, out=np.zeros_like(outside), where=positive
            ),
            "outside_m2": outside,
        },
        columns=list(MISALIGNMENT_COLUMNS),
    )
