"""The JSON form of a :class:`~.result.FusionResult`: what ``gridmap fuse --json`` prints."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ...strict_json import strict
from .columns import DEPARTMENT_CODE, GRID_CODE, HOUSEHOLDS, SHARE_OF_DEPARTMENT, SHARE_OF_GRID
from .result import FusionResult

__all__ = ["FUSION_JSON_KEYS", "fusion_json"]

#: The top-level keys of :func:`fusion_json`, in order.
FUSION_JSON_KEYS: tuple[str, ...] = (
    "department",
    "version",
    "corrected",
    "crosswalk",
    "grid_view",
    "misaligned",
    "slivers",
    "offset",
    "proposal",
    "categories",
    "responsibility_gaps",
    "responsibility_duplicates",
    "responsibility_gaps_all",
    "responsibility_duplicates_all",
    "unclaimed_categories",
)


def _rows(frame: pd.DataFrame, columns: Sequence[str]) -> list[dict[str, Any]]:
    records = frame[list(columns)].replace({np.nan: None}).to_dict("records")
    return [strict(r) for r in records]


def fusion_json(result: FusionResult) -> dict[str, Any]:
    """The JSON object ``gridmap fuse --json`` prints (keys :data:`FUSION_JSON_KEYS`).

    Rows carry codes and numbers only (areas in m², shares 0..1, households possibly
    ``null``); ``offset`` is ``null`` or an object with ``kind``, ``dx_m``, ``dy_m``,
    ``improvement``, ``mismatch_m``, ``direction`` and the English ``sentence``.
    """
    offset = None
    if result.offset is not None:
        f = result.offset
        offset = strict(
            {
                "kind": f.kind,
                "dx_m": f.dx_m,
                "dy_m": f.dy_m,
                "improvement": f.improvement,
                "mismatch_m": f.mismatch_m,
                "direction": f.direction,
                "sentence": f.sentence("en"),
            }
        )
    mis_cols = [
        DEPARTMENT_CODE,
        "area_m2",
        "misaligned_area_m2",
        "misaligned_share",
        HOUSEHOLDS,
        "outside_share",
        "outside_m2",
    ]
    cw_cols = [DEPARTMENT_CODE, GRID_CODE, SHARE_OF_DEPARTMENT, SHARE_OF_GRID, HOUSEHOLDS]
    rr = result.responsibility
    return {
        "department": result.department,
        "version": result.version,
        "corrected": result.corrected,
        "crosswalk": _rows(result.crosswalk, cw_cols),
        "grid_view": _rows(result.grid_view, list(result.grid_view.columns)),
        "misaligned": _rows(result.misaligned, mis_cols),
        "slivers": _rows(result.slivers, list(result.slivers.columns)),
        "offset": offset,
        "proposal": _rows(result.proposal.changes, list(result.proposal.changes.columns)),
        "categories": list(result.categories),
        "responsibility_gaps": _rows(result.department_gaps, list(result.department_gaps.columns)),
        "responsibility_duplicates": _rows(
            result.department_duplicates, list(result.department_duplicates.columns)
        ),
        "responsibility_gaps_all": len(rr.gaps),
        "responsibility_duplicates_all": len(rr.duplicates),
        "unclaimed_categories": list(rr.unclaimed_categories),
    }
