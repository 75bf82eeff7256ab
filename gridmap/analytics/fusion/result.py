"""One call for the whole #18 analysis of a department layer, and its JSON form.

:func:`analyse_department` is what the command line (``gridmap fuse``) and the Fusion page
call; :func:`fusion_json` is what ``gridmap fuse --json`` prints.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from ...errors import SchemaError
from ...i18n import t
from ...strict_json import strict
from .alignment import misalignment
from .columns import (
    DEPARTMENT,
    DEPARTMENT_CODE,
    GRID_CODE,
    HOUSEHOLDS,
    SHARE_OF_DEPARTMENT,
    SHARE_OF_GRID,
)
from .crosswalk import crosswalk_from, grid_view
from .offset import OffsetFinding, detect_offset
from .overlay import build_overlay
from .proposal import FusionProposal, fusion_proposal
from .responsibility import ResponsibilityResult, responsibility
from .slivers import slivers_from

__all__ = ["FUSION_JSON_KEYS", "FusionResult", "analyse_department", "fusion_json"]

#: The top-level keys of :func:`fusion_json`, in order.
FUSION_JSON_KEYS: tuple[str, ...] = (
    "department",
    "version",
    "crosswalk",
    "misaligned",
    "slivers",
    "offset",
    "proposal",
    "responsibility_gaps",
    "responsibility_duplicates",
)


@dataclass(frozen=True)
class FusionResult:
    """Everything :func:`analyse_department` finds for one department layer.

    Attributes
    ----------
    department, version
        The department's name and layer version (``None`` when the frame has no version).
    crosswalk, grid_view, misalignment, slivers, offset, proposal, responsibility
        The results of the functions of the same names.
    tolerance, sliver_m
        The settings used.
    metric_crs
        The PROJ string of the metric CRS every area was measured in.
    """

    department: str
    version: int | None
    crosswalk: pd.DataFrame
    grid_view: pd.DataFrame
    misalignment: pd.DataFrame
    slivers: pd.DataFrame
    offset: OffsetFinding | None
    proposal: FusionProposal
    responsibility: ResponsibilityResult
    tolerance: float
    sliver_m: float
    metric_crs: str

    @property
    def misaligned(self) -> pd.DataFrame:
        """The misaligned units only."""
        return self.misalignment[~self.misalignment["aligned"]].reset_index(drop=True)

    def _grids_changing_unit(self) -> int:
        """Distinct grids of which a unit other than the draft's held at least
        ``tolerance`` (the ``grids_lost`` of the changes, counted once per grid)."""
        cw = self.crosswalk
        draft_owner = self.proposal.assignment.reindex(cw[GRID_CODE]).to_numpy()
        lost = (cw[DEPARTMENT_CODE].to_numpy() != draft_owner) & (
            cw[SHARE_OF_GRID].to_numpy() >= self.tolerance
        )
        return int(cw.loc[lost, GRID_CODE].nunique())

    def sentences(self, lang: str = "zh") -> list[str]:
        """The findings in plain words: summary, offset, proposal, responsibility."""
        mis = self.misaligned
        known = bool(self.crosswalk[HOUSEHOLDS].notna().any())
        unknown = t("fusion.households_unknown", lang)
        changes = self.proposal.changes
        hh = f"{mis[HOUSEHOLDS].sum():.0f}" if known else unknown
        moved_hh = f"{changes['households_lost'].sum():.0f}" if known else unknown
        offset = (
            t("fusion.offset.none", lang) if self.offset is None else self.offset.sentence(lang)
        )
        return [
            t(
                "fusion.summary",
                lang,
                department=self.department,
                units=len(self.misalignment),
                aligned=int(self.misalignment["aligned"].sum()),
                misaligned=len(mis),
                area=km2_text(mis["misaligned_area_m2"].sum()),
                households=hh,
                slivers=len(self.slivers),
                sliver_m=f"{self.sliver_m:g}",
            ),
            offset,
            t(
                "fusion.proposal",
                lang,
                moved=self._grids_changing_unit(),
                pct=f"{self.tolerance:.0%}",
                area=km2_text(changes["area_lost_m2"].sum()),
                households=moved_hh,
                splits=len(self.proposal.splits),
            ),
            t(
                "fusion.responsibility",
                lang,
                gaps=len(self.responsibility.gaps),
                duplicates=len(self.responsibility.duplicates),
                unclaimed=len(self.responsibility.unclaimed_categories),
            ),
        ]


def km2_text(m2: float) -> str:
    """Square kilometres with the digits that matter (12.3, 0.46, 0.004), so a small area
    never prints as 0.00.

    >>> km2_text(4000.0), km2_text(12_345_678.0), km2_text(0.0), km2_text(120.0)
    ('0.004', '12.3', '0', '<0.001')
    """
    km2 = m2 / 1e6
    if km2 == 0:
        return "0"
    if km2 < 0.0005:  # a few slivers' worth: not zero, and not worth three zeros either
        return "<0.001"
    return f"{km2:,.1f}" if km2 >= 10 else f"{km2:.2f}" if km2 >= 0.1 else f"{km2:.3f}"


def _name_and_version(departments: gpd.GeoDataFrame) -> tuple[str, int | None]:
    names = (
        departments[DEPARTMENT].dropna().astype(str).unique() if DEPARTMENT in departments else []
    )
    if len(names) > 1:
        raise SchemaError(
            f"department layer: holds {len(names)} departments ({', '.join(sorted(names)[:3])}"
            "...); pass the units of one department"
        )
    versions = (
        pd.to_numeric(departments.get("version"), errors="coerce")
        if "version" in departments
        else None
    )
    if versions is not None and versions.nunique() > 1:
        raise SchemaError(
            f"department layer: holds versions {sorted(versions.unique())}; pass one version"
        )
    version = None if versions is None or versions.isna().all() else int(versions.max())
    return (str(names[0]) if len(names) else DEPARTMENT), version


def _by_name(
    name: str,
    departments: gpd.GeoDataFrame,
    others: Mapping[str, gpd.GeoDataFrame] | gpd.GeoDataFrame | None,
) -> dict[str, gpd.GeoDataFrame]:
    layers = {name: departments}
    if isinstance(others, gpd.GeoDataFrame):
        for other, units in others.groupby(DEPARTMENT, sort=True):
            layers.setdefault(str(other), units)
    elif others is not None:
        for other, units in others.items():
            layers.setdefault(other, units)
    return layers


def analyse_department(
    departments: gpd.GeoDataFrame,
    grids: gpd.GeoDataFrame,
    *,
    tolerance: float = 0.05,
    sliver_m: float = 20.0,
    table: pd.DataFrame | None = None,
    other_departments: Mapping[str, gpd.GeoDataFrame] | gpd.GeoDataFrame | None = None,
    categories: Mapping[str, Sequence[str]] | None = None,
) -> FusionResult:
    """Crosswalk, misalignment, slivers, offset, proposal and responsibility of one
    department layer against the basic grids.

    Parameters
    ----------
    departments
        One department's units (one version), as :func:`gridmap.loading.read_departments`
        returns them filtered to one department: ``department``, ``department_code``,
        ``department_name``, optional ``version``, geometry in EPSG:4326.
    grids
        The grid layer (basic grids are analysed; professional grids join the
        responsibility matrix).
    tolerance
        Misalignment tolerance (share of a unit's area, default 5 %).
    sliver_m
        Sliver width in metres (default 20 m); also the least offset worth naming.
    table
        The responsibility table; the default table when ``None``.
    other_departments
        The other department layers for the responsibility view: name -> units, or one
        frame with a ``department`` column (all of :func:`read_departments`; this
        department's rows in it are ignored).
    categories
        Department name -> categories it answers for, overriding the table.

    Returns
    -------
    FusionResult

    Raises
    ------
    SchemaError
        When ``departments`` holds more than one department or version, and for the
        errors of :func:`~.crosswalk.crosswalk`.
    """
    name, version = _name_and_version(departments)
    overlay = build_overlay(departments, grids)
    cw = crosswalk_from(overlay)
    slivers = slivers_from(overlay, tolerance_m=sliver_m)
    return FusionResult(
        department=name,
        version=version,
        crosswalk=cw,
        grid_view=grid_view(cw),
        misalignment=misalignment(cw, departments, tolerance=tolerance, slivers=slivers),
        slivers=slivers,
        offset=detect_offset(departments, grids, min_shift_m=sliver_m),
        proposal=fusion_proposal(departments, grids, cw, min_share=tolerance),
        responsibility=responsibility(
            grids, _by_name(name, departments, other_departments), table, categories=categories
        ),
        tolerance=tolerance,
        sliver_m=sliver_m,
        metric_crs=overlay.crs.srs,
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
    mis_cols = [DEPARTMENT_CODE, "area_m2", "misaligned_area_m2", "misaligned_share", HOUSEHOLDS]
    cw_cols = [DEPARTMENT_CODE, GRID_CODE, SHARE_OF_DEPARTMENT, SHARE_OF_GRID, HOUSEHOLDS]
    return {
        "department": result.department,
        "version": result.version,
        "crosswalk": _rows(result.crosswalk, cw_cols),
        "misaligned": _rows(result.misaligned, mis_cols),
        "slivers": _rows(result.slivers, list(result.slivers.columns)),
        "offset": offset,
        "proposal": _rows(result.proposal.changes, list(result.proposal.changes.columns)),
        "responsibility_gaps": _rows(
            result.responsibility.gaps, list(result.responsibility.gaps.columns)
        ),
        "responsibility_duplicates": _rows(
            result.responsibility.duplicates, list(result.responsibility.duplicates.columns)
        ),
    }
