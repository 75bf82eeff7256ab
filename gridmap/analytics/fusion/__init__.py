"""多网合一 (issue #18): department grid layers against the basic grids.

Frames in, frames out. Every function takes WGS-84 GeoDataFrames — a department's units
(``department_code``, ``department_name``) and the grid layer (``grid_code`` or ``code``,
``households``, ``grid_type``) — and measures exactly (polygon overlay) in metres in one
local transverse Mercator centred on the data (:func:`local_metric_crs`).

* :func:`crosswalk` / :func:`grid_view` — which grids each unit overlaps, both ways;
* :func:`misalignment` — aligned units (at most 5 % of the area goes to another unit when
  every grid goes wholly to its majority unit) and misaligned ones;
* :func:`slivers` — boundary differences thinner than 20 m, to snap, not to fuse;
* :func:`detect_offset` — a GCJ-02 vs WGS-84 offset (or a plain shift), named; with a
  GCJ-02 offset :func:`analyse_department` measures the converted layer
  (:func:`correct_gcj02`) and says so;
* :func:`fusion_proposal` — every unit redrawn from whole grids, contiguity kept;
* :func:`responsibility` — who answers for each "1+6" category on each grid, gaps and
  duplicates;
* :func:`analyse_department` runs all of it; :func:`fusion_json` is its JSON form.
"""

from .alignment import grid_owner, misalignment, misalignment_from
from .columns import (
    CROSSWALK_COLUMNS,
    DEPARTMENT,
    DEPARTMENT_CODE,
    DEPARTMENT_NAME,
    MISALIGNMENT_COLUMNS,
    SLIVER_COLUMNS,
    SOURCE_CRS,
)
from .crosswalk import GRID_VIEW_COLUMNS, crosswalk, grid_view, main_units
from .json_form import FUSION_JSON_KEYS, fusion_json
from .offset import OffsetFinding, correct_gcj02, detect_offset
from .overlay import FusionError, local_metric_crs
from .proposal import CHANGE_COLUMNS, SPLIT_COLUMNS, FusionProposal, fusion_proposal, proposal_from
from .responsibility import (
    ResponsibilityResult,
    department_categories,
    department_rows,
    responsibility,
)
from .result import FusionResult, analyse_department, km2_text
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
    "correct_gcj02",
    "crosswalk",
    "department_categories",
    "department_rows",
    "detect_offset",
    "fusion_json",
    "fusion_proposal",
    "grid_owner",
    "grid_view",
    "km2_text",
    "local_metric_crs",
    "main_units",
    "misalignment",
    "misalignment_from",
    "proposal_from",
    "responsibility",
    "slivers",
]
