"""Column names of the department (部门网格) tables and of the fusion results.

The store (``schema.Layer.DEPARTMENTS``) keeps every department's units in one table with
these columns; the analytics read them by these names only.
"""

from __future__ import annotations

from ... import schema

__all__ = [
    "AREA_M2",
    "CROSSWALK_COLUMNS",
    "DEPARTMENT",
    "DEPARTMENT_CODE",
    "DEPARTMENT_NAME",
    "GRID_CODE",
    "HOUSEHOLDS",
    "MAX_WIDTH_M",
    "MISALIGNMENT_COLUMNS",
    "OVERLAP_M2",
    "SHARE_OF_DEPARTMENT",
    "SHARE_OF_GRID",
    "SLIVER_COLUMNS",
    "SOURCE_CRS",
]

DEPARTMENT = "department"
DEPARTMENT_CODE = "department_code"
DEPARTMENT_NAME = "department_name"
SOURCE_CRS = "source_crs"
GRID_CODE = schema.GRID_CODE
HOUSEHOLDS = schema.HOUSEHOLDS
OVERLAP_M2 = "overlap_m2"
SHARE_OF_DEPARTMENT = "share_of_department"
SHARE_OF_GRID = "share_of_grid"
AREA_M2 = "area_m2"
MAX_WIDTH_M = "max_width_m"

#: The columns of :func:`gridmap.analytics.fusion.crosswalk`, in order.
CROSSWALK_COLUMNS: tuple[str, ...] = (
    DEPARTMENT_CODE,
    DEPARTMENT_NAME,
    GRID_CODE,
    OVERLAP_M2,
    SHARE_OF_DEPARTMENT,
    SHARE_OF_GRID,
    HOUSEHOLDS,
)
#: The columns of :func:`gridmap.analytics.fusion.misalignment`, in order.
MISALIGNMENT_COLUMNS: tuple[str, ...] = (
    DEPARTMENT_CODE,
    DEPARTMENT_NAME,
    AREA_M2,
    "aligned",
    "misaligned_area_m2",
    "misaligned_share",
    HOUSEHOLDS,
    "outside_share",
    "outside_m2",
)
#: The columns of :func:`gridmap.analytics.fusion.slivers`, in order.
SLIVER_COLUMNS: tuple[str, ...] = (DEPARTMENT_CODE, GRID_CODE, AREA_M2, MAX_WIDTH_M)
