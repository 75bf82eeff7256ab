"""One call for the whole #18 analysis of a department layer.

:func:`analyse_department` is what the command line (``gridmap fuse``) and the Fusion page
call; :func:`~.json_form.fusion_json` is what ``gridmap fuse --json`` prints.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import geopandas as gpd
import pandas as pd

from ... import schema
from ...errors import SchemaError
from ...i18n import t
from .alignment import misalignment_from, sliver_mask
from .columns import (
    DEPARTMENT,
    DEPARTMENT_CODE,
    GRID_CODE,
    HOUSEHOLDS,
    SHARE_OF_GRID,
)
from .crosswalk import crosswalk_from, grid_view
from .offset import GridLines, OffsetFinding, correct_gcj02, detect_offset_from, gcj02_only
from .overlay import build_overlay
from .proposal import FusionProposal, proposal_from
from .responsibility import ResponsibilityResult, department_rows, responsibility
from .slivers import slivers_from

__all__ = ["FusionResult", "analyse_department", "km2_text"]


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
    corrected
        ``"gcj02_to_wgs84"`` or ``"wgs84_to_gcj02"`` when :func:`detect_offset` found a
        GCJ-02 offset and every figure was computed on the department layer converted to
        the grids' coordinate system that way; ``None`` when the layer was used as drawn.
    categories
        The "1+6" categories this department answers for (``()``: none in the table).
    department_gaps, department_duplicates
        The rows of ``responsibility.gaps`` / ``.duplicates`` that concern this
        department (its categories, its units); ``responsibility`` holds the city-wide
        result of every department layer.
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
    corrected: str | None
    categories: tuple[str, ...]
    department_gaps: pd.DataFrame
    department_duplicates: pd.DataFrame

    @property
    def misaligned(self) -> pd.DataFrame:
        """The misaligned units only."""
        return self.misalignment[~self.misalignment["aligned"]].reset_index(drop=True)

    @property
    def grids_changing_unit(self) -> int:
        """Distinct grids of which a unit other than the draft's held at least
        ``tolerance``, slivers left out: the one "grids change unit" count."""
        cw = self.crosswalk[~sliver_mask(self.crosswalk, self.slivers)]
        draft_owner = self.proposal.assignment.reindex(cw[GRID_CODE]).to_numpy()
        lost = (cw[DEPARTMENT_CODE].to_numpy() != draft_owner) & (
            cw[SHARE_OF_GRID].to_numpy() >= self.tolerance
        )
        return int(cw.loc[lost, GRID_CODE].nunique())

    def _grids_changing_unit(self) -> int:
        return self.grids_changing_unit

    def sentences(self, lang: str = "zh") -> list[str]:
        """The findings in plain words: summary (with the area outside the grids),
        offset (or the conversion the figures were computed after), proposal, and
        this department's responsibility (with the city-wide counts)."""
        return [
            self._summary(lang),
            self._offset_sentence(lang),
            self._proposal_sentence(lang),
            self._responsibility_sentence(lang),
        ]

    def _households(self, value: float, lang: str) -> str:
        known = bool(self.crosswalk[HOUSEHOLDS].notna().any())
        return f"{value:.0f}" if known else t("fusion.households_unknown", lang)

    def _summary(self, lang: str) -> str:
        mis, table = self.misaligned, self.misalignment
        text = t(
            "fusion.summary",
            lang,
            department=self.department,
            units=len(table),
            aligned=int(table["aligned"].sum()),
            misaligned=len(mis),
            area=km2_text(mis["misaligned_area_m2"].sum()),
            households=self._households(mis[HOUSEHOLDS].sum(), lang),
            slivers=len(self.slivers),
            sliver_m=f"{self.sliver_m:g}",
        )
        far = int((table["outside_share"] > self.tolerance).sum())
        if far == 0:
            return text
        outside = km2_text(table["outside_m2"].sum())
        pct = f"{self.tolerance:.0%}"
        extra = t("fusion.outside", lang, area=outside, units=far, pct=pct)
        return text + ("" if lang == "zh" else " ") + extra

    def _offset_sentence(self, lang: str) -> str:
        if self.offset is None:
            return t("fusion.offset.none", lang)
        if self.corrected is None:
            return self.offset.sentence(lang)
        f = self.offset
        return t(
            f"fusion.offset.corrected.{self.corrected}",
            lang,
            m=f"{f.distance_m:.0f}",
            dx=f"{f.dx_m:+.0f}",
            dy=f"{f.dy_m:+.0f}",
            pct=f"{f.improvement:.0%}",
        )

    def _proposal_sentence(self, lang: str) -> str:
        changes = self.proposal.changes
        return t(
            "fusion.proposal",
            lang,
            moved=self.grids_changing_unit,
            pct=f"{self.tolerance:.0%}",
            area=km2_text(changes["area_lost_m2"].sum()),
            households=self._households(changes["households_lost"].sum(), lang),
            splits=len(self.proposal.splits),
        )

    def _responsibility_sentence(self, lang: str) -> str:
        rr = self.responsibility
        every = {"gaps_all": len(rr.gaps), "duplicates_all": len(rr.duplicates)}
        sep = "、" if lang == "zh" else ", "
        if self.categories:
            labels = sep.join(schema.CATEGORIES.label(c, lang) for c in self.categories)
            text = t(
                "fusion.responsibility.department",
                lang,
                categories=labels,
                gaps=len(self.department_gaps),
                duplicates=len(self.department_duplicates),
                **every,
            )
        else:
            text = t(
                "fusion.responsibility.no_categories", lang, department=self.department, **every
            )
        if not rr.unclaimed_categories:
            return text
        names = sep.join(schema.CATEGORIES.label(c, lang) for c in rr.unclaimed_categories)
        extra = t(
            "fusion.responsibility.unclaimed",
            lang,
            n=len(rr.unclaimed_categories),
            categories=names,
        )
        return text + ("" if lang == "zh" else " ") + extra


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


def _converted(
    layers: dict[str, gpd.GeoDataFrame], name: str, grid: GridLines, sliver_m: float
) -> dict[str, gpd.GeoDataFrame]:
    """The other departments' layers, each drawn in GCJ-02 converted like this one: the
    city-wide responsibility counts are then the same whichever department is analysed."""
    out = {}
    for other, units in layers.items():
        found = None if other == name else gcj02_only(units.geometry, grid, min_shift_m=sliver_m)
        out[other] = units if found is None else correct_gcj02(units, found)[1]
    return out


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

    Both layers are validated and projected once (one :class:`~.overlay.Overlay`, passed
    to every step). When :func:`~.offset.detect_offset` finds a GCJ-02 offset, every
    figure is computed on the department layer converted to the grids' coordinate system
    (:func:`~.offset.correct_gcj02`) and ``corrected`` names the conversion; a plain shift
    is only named.

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
        department's rows in it are ignored). A layer found drawn in GCJ-02 is converted
        (as this one is), so the city-wide counts agree from every department.
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
    lines = GridLines.of(overlay.grid_metric, overlay.crs)
    offset = detect_offset_from(overlay, min_shift_m=sliver_m, grid=lines)
    corrected = None
    if offset is not None and offset.kind == "gcj02_vs_wgs84":
        # Measuring the layer as drawn would report the offset itself as misalignment:
        # measure it where it belongs and say so (the finding stays named).
        corrected, departments = correct_gcj02(departments, offset)
        overlay = build_overlay(departments, grids)
    cw = crosswalk_from(overlay)
    slivers = slivers_from(overlay, tolerance_m=sliver_m)
    layers = _converted(_by_name(name, departments, other_departments), name, lines, sliver_m)
    rr = responsibility(grids, layers, table, categories=categories, crosswalks={name: cw})
    gaps, dups = department_rows(rr, name)
    return FusionResult(
        department=name,
        version=version,
        crosswalk=cw,
        grid_view=grid_view(cw),
        misalignment=misalignment_from(overlay, cw, tolerance=tolerance, slivers=slivers),
        slivers=slivers,
        offset=offset,
        proposal=proposal_from(overlay, cw, min_share=tolerance, slivers=slivers),
        responsibility=rr,
        tolerance=tolerance,
        sliver_m=sliver_m,
        metric_crs=overlay.crs.srs,
        corrected=corrected,
        categories=rr.categories.get(name, ()),
        department_gaps=gaps,
        department_duplicates=dups,
    )
