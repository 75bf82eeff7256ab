"""Check a grid layer: geometry, codes, nesting in communities, overlaps, gaps, households.

Every grid must lie inside exactly one community, basic grids (基础网格) must tile their
community without overlaps or gaps, and each basic grid needs a plausible household count.
:func:`validate_grids` collects *every* problem it finds, each with a location, a size in
square metres and one English line, into a :class:`ValidationReport`; it never raises on
bad data, only on unusable arguments (wrong CRS, missing ``code`` column).

Areas are measured in the WGS 84 / UTM zone of the data centre, never in degrees.

Examples
--------
>>> import geopandas as gpd
>>> from shapely import box
>>> grids = gpd.GeoDataFrame({"code": ["a", "b"], "households": [300, 320]},
...                          geometry=[box(103.80, 36.06, 103.81, 36.07),
...                                    box(103.81, 36.06, 103.82, 36.07)], crs=4326)
>>> validate_grids(grids).ok()
True
"""

from __future__ import annotations

from ._geometry import GEOMETRY_TYPE_NAMES, repair_geometries
from ._grids import validate_grids
from ._problems import BLOCKING_KINDS, PROBLEM_KINDS, Problem, ValidationReport

__all__ = [
    "BLOCKING_KINDS",
    "GEOMETRY_TYPE_NAMES",
    "PROBLEM_KINDS",
    "Problem",
    "ValidationReport",
    "repair_geometries",
    "validate_grids",
]
