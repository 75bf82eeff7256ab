"""多网合一 (issue #18): department grid layers against the basic grids.

Frames in, frames out. Every function takes WGS-84 GeoDataFrames — a department's units
(``department_code``, ``department_name``) and the grid layer (``grid_code`` or ``code``,
``households``, ``grid_type``) — and measures exactly (polygon overlay) in metres in one
local transverse Mercator centred on the data (:func:`local_metric_crs`).

* :func:`crosswalk` / :func:`grid_view` — which grids each unit overlaps, both ways;
* :func:`misalignment` — aligned units (at most 5 % of the area goes to another unit when
  every grid goes wholly to its majority unit) and misaligned ones;
* :func:`slivers` — boundary differences thinner than 20 m, to snap, not to fuse;
* :func:`detect_offset` — a GCJ-02 vs WGS-84 offset (or a plain shift), named;
* :func:`fusion_proposal` — every unit redrawn from whole grids, contiguity kept;
* :func:`responsibility` — who answers for each "1+6" category on each grid, gaps and
  duplicates;
* :func:`analyse_department` runs all of it; :func:`fusion_json` is its JSON form.
"""

from .alignment import grid_owner, misalignment
from .columns import (
    CROSSWALK_COLUMNS,
    DEPARTMENT,
    DEPARTMENT_CODE,
    DEPARTMENT_NAME,
    MISALIGNMENT_COLUMNS,
    SLIVER_COLUMNS,
    SOURCE_CRS,
)
from .crosswalk import GRID_VIEW_COLUMNS, crosswalk, grid_view
from .offset import OffsetFinding, detect_offset
from .overlay import FusionError, local_metric_crs
from .proposal import CHANGE_COLUMNS, SPLIT_COLUMNS, FusionProposal, fusion_proposal
from .responsibility import ResponsibilityResult, department_categories, responsibility
from .result import FUSION_JSON_KEYS, FusionResult, analyse_department, fusion_json, km2_text
from .slivers import slivers

__all__ = [
    "CHANGE_COLUMNS",
    "CROSSWALK_COLUMNS",
    "DEPARTMENT",
    "DEPARTMENT_CODE",
    "DEPARTMENT_NAME",
    "FUSION_JSON_KEYS",
    "GRID_VIEW_COLUMNS",
    "MISALIGNMENT_COLUMNS",
    "SLIVER_COLUMNS",
    "SOURCE_CRS",
    "SPLIT_COLUMNS",
    "FusionError",
    "FusionProposal",
    "FusionResult",
    "OffsetFinding",
    "ResponsibilityResult",
    "analyse_department",
    "crosswalk",
    "department_categories",
    "detect_offset",
    "fusion_json",
    "fusion_proposal",
    "grid_owner",
    "grid_view",
    "km2_text",
    "local_metric_crs",
    "misalignment",
    "responsibility",
    "slivers",
]
