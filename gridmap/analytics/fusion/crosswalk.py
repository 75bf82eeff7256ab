"""The crosswalk between a department layer and the basic grids, both ways.

For every department unit, the basic grids it overlaps with the share of the unit in each
and the share of each grid in the unit; the reverse view per basic grid names the unit
holding most of it.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from .columns import (
    CROSSWALK_COLUMNS,
    DEPARTMENT_CODE,
    DEPARTMENT_NAME,
    GRID_CODE,
    HOUSEHOLDS,
    OVERLAP_M2,
    SHARE_OF_DEPARTMENT,
    SHARE_OF_GRID,
)
from .overlay import Overlay, build_overlay

__all__ = ["GRID_VIEW_COLUMNS", "crosswalk", "crosswalk_from", "grid_view", "main_units"]

#: The columns of :func:`grid_view`, in order.
GRID_VIEW_COLUMNS: tuple[str, ...] = (
    GRID_CODE,
    "department_units",
    "main_department_code",
    "main_department_name",
    "main_share",
    "covered_share",
)


def crosswalk_from(overlay: Overlay) -> pd.DataFrame:
    """The crosswalk of an already computed :class:`~.overlay.Overlay` (see :func:`crosswalk`)."""
    di, gi = overlay.pair_dept, overlay.pair_grid
    share_of_grid = overlay.overlap_m2 / overlay.grid_area_m2[gi]
    return pd.DataFrame(
        {
            DEPARTMENT_CODE: overlay.departments.codes[di],
            DEPARTMENT_NAME: overlay.departments.names[di],
            GRID_CODE: overlay.grids.codes[gi],
            OVERLAP_M2: overlay.overlap_m2,
            SHARE_OF_DEPARTMENT: overlay.overlap_m2 / overlay.dept_area_m2[di],
            SHARE_OF_GRID: share_of_grid,
            HOUSEHOLDS: overlay.grids.households[gi] * share_of_grid,
        },
        columns=list(CROSSWALK_COLUMNS),
    )


def crosswalk(departments: gpd.GeoDataFrame, grids: gpd.GeoDataFrame) -> pd.DataFrame:
    """Which basic grids each department unit overlaps, and by how much.

    Measured exactly (polygon intersection) in metres in :func:`~.overlay.local_metric_crs`.

    Parameters
    ----------
    departments
        One department's units: ``department_code`` (unique), optional ``department_name``
        (the code when missing), geometry; any labelled CRS (normally EPSG:4326).
    grids
        The grid layer: ``grid_code`` (or the store's ``code``), optional ``households`` and
        ``grid_type`` (professional grids are left out), geometry.

    Returns
    -------
    pandas.DataFrame
        One row per overlapping pair with more than 1 m² in common, sorted by unit then grid
        (in input order), columns :data:`~.columns.CROSSWALK_COLUMNS`: ``overlap_m2``,
        ``share_of_department`` (overlap / unit area), ``share_of_grid`` (overlap / grid
        area) and ``households`` = the grid's households × ``share_of_grid`` (households
        spread evenly over the grid; NaN when the grid layer has no households).

    Raises
    ------
    SchemaError
        A missing code column, a missing or duplicated code, a unit without geometry.
        Invalid geometries are repaired (``make_valid``), not refused.
    CrsError
        A layer without a CRS label.

    Examples
    --------
    >>> import shapely
    >>> d = gpd.GeoDataFrame({"department_code": ["P1"]},
    ...     geometry=[shapely.box(103.80, 36.00, 103.82, 36.01)], crs=4326)
    >>> g = gpd.GeoDataFrame({"grid_code": ["G1", "G2"]}, crs=4326,
    ...     geometry=[shapely.box(103.80, 36.00, 103.81, 36.01),
    ...               shapely.box(103.81, 36.00, 103.83, 36.01)])
    >>> cw = crosswalk(d, g)
    >>> cw["grid_code"].tolist(), cw["share_of_grid"].round(3).tolist()
    (['G1', 'G2'], [1.0, 0.5])
    """
    return crosswalk_from(build_overlay(departments, grids))


def main_units(crosswalk: pd.DataFrame) -> pd.DataFrame:
    """The department unit holding most of each grid: THE majority rule of #18.

    Alignment, the proposal, the reverse view and responsibility all use this one
    function, so they never disagree on who holds a grid.

    Parameters
    ----------
    crosswalk
        The output of :func:`crosswalk` (or any frame with its columns).

    Returns
    -------
    pandas.DataFrame
        The crosswalk rows of the main unit, one per grid, sorted by ``grid_code`` and
        indexed by it. Ties go to the smaller code.
    """
    ordered = crosswalk.sort_values(
        [GRID_CODE, OVERLAP_M2, DEPARTMENT_CODE], ascending=[True, False, True]
    )
    return ordered.drop_duplicates(GRID_CODE).set_index(GRID_CODE)


def grid_view(crosswalk: pd.DataFrame) -> pd.DataFrame:
    """The reverse view: per basic grid, how many department units share it and which one
    holds most of it.

    Parameters
    ----------
    crosswalk
        The output of :func:`crosswalk`.

    Returns
    -------
    pandas.DataFrame
        One row per grid in the crosswalk (grids no unit overlaps are absent), sorted by
        ``grid_code``, columns :data:`GRID_VIEW_COLUMNS`: ``department_units`` (count),
        the main unit's code and name, ``main_share`` (its share of the grid) and
        ``covered_share`` (share of the grid inside any unit). Ties go to the smaller code.
    """
    if crosswalk.empty:
        return pd.DataFrame(columns=list(GRID_VIEW_COLUMNS))
    by_grid = crosswalk.groupby(GRID_CODE, sort=True)
    main = main_units(crosswalk)
    out = pd.DataFrame(
        {
            "department_units": by_grid[DEPARTMENT_CODE].size(),
            "main_department_code": main[DEPARTMENT_CODE],
            "main_department_name": main[DEPARTMENT_NAME],
            "main_share": main[SHARE_OF_GRID],
            "covered_share": np.minimum(by_grid[SHARE_OF_GRID].sum(), 1.0),
        }
    )
    return out.rename_axis(GRID_CODE).reset_index()[list(GRID_VIEW_COLUMNS)]
