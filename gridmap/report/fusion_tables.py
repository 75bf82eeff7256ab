"""多网合一 tables: one department's fusion findings as tables with headers in the reader's
language, shared by the Fusion page, the PDF and the Excel file so the three say the same.

No drawing here (no matplotlib): the page imports this module for its tables, and
:mod:`gridmap.report.fusion` writes the files.

* :func:`units_table` — every unit, aligned or not, with the misaligned area and households;
* :func:`changes_table` — the fusion proposal: grids, area and households each unit gains
  and loses when redrawn from whole basic grids;
* :func:`splits_table` — basic grids the department's boundary cuts roughly in half;
* :func:`crosswalk_table` / :func:`grid_view_table` — unit × grid overlaps, and per grid its
  units (the reverse view);
* :func:`slivers_table` — boundary differences thinner than the sliver width, to snap;
* :func:`gaps_table`, :func:`duplicates_table` — 权责去重: nobody / several responsible
  (this department's rows: :func:`department_gaps`, :func:`department_duplicates`).

Areas: ``text=True`` (page, PDF) prints km² with the digits that matter
(:func:`~gridmap.analytics.fusion.km2_text`, never "0.0" for a real area); the Excel file
asks for numbers (``text=False``) and gets m² columns, so they sort and add up.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from .. import schema
from ..analytics.fusion import DEPARTMENT_CODE, DEPARTMENT_NAME, FusionResult, km2_text
from ..analytics.fusion.offset import correct_gcj02
from ..i18n import t

__all__ = [
    "ALIGNED_RGB",
    "MISALIGNED_RGB",
    "SLIVER_RGB",
    "SummaryValue",
    "answered_categories",
    "changes_table",
    "corrected_from",
    "corrected_note",
    "crosswalk_table",
    "department_duplicates",
    "department_gaps",
    "duplicates_table",
    "file_names",
    "gaps_table",
    "grid_view_table",
    "grids_changing_unit",
    "report_sentences",
    "responsibility_sentence",
    "slivers_table",
    "splits_table",
    "summary_rows",
    "units_as_analysed",
    "units_table",
]

#: Aligned units, misaligned units and slivers: the page's colours, so paper and screen agree.
ALIGNED_RGB = (26, 150, 65)
MISALIGNED_RGB = (215, 25, 28)
SLIVER_RGB = (200, 0, 200)


# --- what the result says -------------------------------------------------------------------
def corrected_from(result: FusionResult) -> str | None:
    """The coordinate system the department layer was converted from before the analysis
    ("GCJ-02", or "WGS-84" when the grids were the GCJ-02 ones), None when the analysis ran
    on the layer as stored."""
    if not result.corrected:
        return None
    return "WGS-84" if result.corrected.startswith("wgs84") else "GCJ-02"


def units_as_analysed(result: FusionResult, units: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The department's units (as stored) where the analysis measured them: converted from
    GCJ-02 when it found and corrected that offset, so maps show what the figures are of."""
    if result.corrected and result.offset is not None:
        return correct_gcj02(units, result.offset)[1]
    return units


def grids_changing_unit(result: FusionResult) -> int:
    """Distinct basic grids that change unit in the draft: the one count every place shows."""
    return int(result.grids_changing_unit)


def department_gaps(result: FusionResult) -> pd.DataFrame:
    """(grid, category) pairs with nobody responsible among this department's categories."""
    return result.department_gaps


def department_duplicates(result: FusionResult) -> pd.DataFrame:
    """(grid, category) pairs claimed twice where this department is one of the claimants."""
    return result.department_duplicates


def answered_categories(result: FusionResult) -> tuple[str, ...]:
    """The "1+6" categories this department answers for (empty: none)."""
    return tuple(result.categories)


def file_names(department: str, version: int | None = None) -> dict[str, str]:
    """The file names of a department's downloads and of ``gridmap fuse --out``: its name made
    safe for a file name (letters, digits and ``_`` only), the version when known.

    >>> file_names("公安分局（派出所）")["draft"]
    '公安分局_派出所_draft.gpkg'
    >>> file_names("a/b", 2)["pdf"]
    'a_b_v2_fusion.pdf'
    """
    stem = re.sub(r"[^\w]+", "_", department).strip("_") or "department"
    if version is not None:
        stem = f"{stem}_v{version}"
    return {
        "draft": f"{stem}_draft.gpkg",
        "crosswalk": f"{stem}_crosswalk.csv",
        "pdf": f"{stem}_fusion.pdf",
        "xlsx": f"{stem}_fusion.xlsx",
    }


# --- cells ----------------------------------------------------------------------------------
def _area(m2: Any, text: bool) -> pd.Series:
    """Areas as km² text (``text``) or as whole m² numbers."""
    values = pd.to_numeric(pd.Series(m2), errors="coerce").reset_index(drop=True)
    if text:
        return values.map(lambda v: None if pd.isna(v) else km2_text(float(v)))
    return values.round(1)


def _households(values: pd.Series) -> pd.Series:
    """Households as whole numbers; missing stays missing (Int64), never 0."""
    return pd.to_numeric(values, errors="coerce").round(0).astype("Int64").reset_index(drop=True)


def _pct(values: pd.Series) -> pd.Series:
    return (pd.to_numeric(values, errors="coerce") * 100).round(1).reset_index(drop=True)


def _named(frame: pd.DataFrame, lang: str, keys: Mapping[str, str]) -> pd.DataFrame:
    """``frame``'s ``keys`` columns, renamed to their ``fusion.col.*`` headers in ``lang``."""
    out = frame[list(keys)].copy()
    out.columns = [t(f"fusion.col.{keys[c]}", lang) for c in keys]
    return out.reset_index(drop=True)


def _area_key(name: str, text: bool) -> str:
    """The header key of an area column: km² when printed as text, m² when numbers."""
    return name if text else name.replace("km2", "m2")


def _unit_names(result: FusionResult) -> pd.Series:
    m = result.misalignment
    return pd.Series(m[DEPARTMENT_NAME].astype(str).to_numpy(), index=m[DEPARTMENT_CODE])


def _grid_name(codes: pd.Series, grid_names: Mapping[str, str] | None) -> np.ndarray:
    names = grid_names or {}
    return np.array([names.get(str(c), "") for c in codes], dtype=object)


# --- tables ---------------------------------------------------------------------------------
def units_table(
    result: FusionResult, lang: str, *, misaligned_only: bool = False, text: bool = True
) -> pd.DataFrame:
    """Every unit (or the misaligned ones), the most misaligned first: code, name, status,
    area and misaligned area, misaligned share (%), households involved, and the share of
    the unit outside every basic grid (when the analysis measured it)."""
    m = result.misaligned if misaligned_only else result.misalignment
    m = m.sort_values(["misaligned_area_m2", DEPARTMENT_CODE], ascending=[False, True])
    columns: dict[str, Any] = {
        "code": m[DEPARTMENT_CODE].astype(str).to_numpy(),
        "name": m[DEPARTMENT_NAME].astype(str).to_numpy(),
        "status": np.where(
            m["aligned"], t("fusion.status.aligned", lang), t("fusion.status.misaligned", lang)
        ),
        "area_km2": _area(m["area_m2"], text),
        "misaligned_km2": _area(m["misaligned_area_m2"], text),
        "misaligned_pct": _pct(m["misaligned_share"]),
        "households": _households(m[schema.HOUSEHOLDS]),
    }
    if "outside_share" in m:
        columns["outside_pct"] = _pct(m["outside_share"])
    frame = pd.DataFrame(columns)
    keys = {c: _area_key(c, text) for c in frame.columns}
    if misaligned_only:
        keys.pop("status")
    return _named(frame, lang, keys)


def changes_table(
    result: FusionResult, lang: str, *, changed_only: bool = False, text: bool = True
) -> pd.DataFrame:
    """The proposal's gains and losses per unit (grids, area, households), largest first,
    and the area outside every basic grid the draft leaves out (when measured)."""
    c = result.proposal.changes
    if changed_only:
        c = c[(c["grids_gained"] > 0) | (c["grids_lost"] > 0)]
    c = c.assign(_moved=c["area_gained_m2"] + c["area_lost_m2"]).sort_values(
        ["_moved", DEPARTMENT_CODE], ascending=[False, True]
    )
    names = _unit_names(result)
    columns: dict[str, Any] = {
        "code": c[DEPARTMENT_CODE].astype(str).to_numpy(),
        "name": names.reindex(c[DEPARTMENT_CODE]).fillna("").to_numpy(),
        "grids_gained": c["grids_gained"].astype(int).to_numpy(),
        "grids_lost": c["grids_lost"].astype(int).to_numpy(),
        "km2_gained": _area(c["area_gained_m2"], text),
        "km2_lost": _area(c["area_lost_m2"], text),
        "households_gained": _households(c["households_gained"]),
        "households_lost": _households(c["households_lost"]),
    }
    if "area_outside_m2" in c:
        columns["km2_outside"] = _area(c["area_outside_m2"], text)
    frame = pd.DataFrame(columns)
    return _named(frame, lang, {k: _area_key(k, text) for k in frame.columns})


def splits_table(
    result: FusionResult, lang: str, grid_names: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """Basic grids to split where the department's boundary is the better one."""
    s = result.proposal.splits
    frame = pd.DataFrame(
        {
            "grid_code": s[schema.GRID_CODE].astype(str),
            "grid_name": _grid_name(s[schema.GRID_CODE], grid_names),
            "units": s["department_codes"].astype(str),
            "shares": s["shares"].astype(str),
        }
    )
    return _named(frame, lang, {c: c for c in frame.columns})


def crosswalk_table(
    result: FusionResult, lang: str, grid_names: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """The crosswalk with headers in ``lang``: unit, grid, overlap, both shares, households."""
    c = result.crosswalk
    frame = pd.DataFrame(
        {
            "code": c[DEPARTMENT_CODE].astype(str),
            "name": c[DEPARTMENT_NAME].astype(str),
            "grid_code": c[schema.GRID_CODE].astype(str),
            "grid_name": _grid_name(c[schema.GRID_CODE], grid_names),
            "overlap_m2": pd.to_numeric(c["overlap_m2"]).round(0),
            "share_of_department_pct": _pct(c["share_of_department"]),
            "share_of_grid_pct": _pct(c["share_of_grid"]),
            "households": pd.to_numeric(c[schema.HOUSEHOLDS], errors="coerce").round(1),
        }
    )
    return _named(frame, lang, {c: c for c in frame.columns})


def grid_view_table(
    result: FusionResult, lang: str, grid_names: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """The reverse view, per basic grid: how many units it lies in, the main unit and its
    share of the grid, the share of the grid inside any unit; grids split between units
    first."""
    g = result.grid_view.sort_values(
        ["department_units", "main_share", schema.GRID_CODE], ascending=[False, True, True]
    )
    frame = pd.DataFrame(
        {
            "grid_code": g[schema.GRID_CODE].astype(str).to_numpy(),
            "grid_name": _grid_name(g[schema.GRID_CODE], grid_names),
            "unit_count": pd.to_numeric(g["department_units"]).astype(int).to_numpy(),
            "main_code": g["main_department_code"].astype(str).to_numpy(),
            "main_name": g["main_department_name"].astype(str).to_numpy(),
            "main_pct": _pct(g["main_share"]),
            "covered_pct": _pct(g["covered_share"]),
        }
    )
    return _named(frame, lang, {c: c for c in frame.columns})


def slivers_table(
    result: FusionResult,
    lang: str,
    grid_names: Mapping[str, str] | None = None,
    *,
    text: bool = True,
) -> pd.DataFrame:
    """The slivers to snap, the largest first: unit, grid, area and greatest width (m)."""
    s = result.slivers.sort_values(["area_m2", DEPARTMENT_CODE], ascending=[False, True])
    names = _unit_names(result)
    frame = pd.DataFrame(
        {
            "code": s[DEPARTMENT_CODE].astype(str).to_numpy(),
            "name": names.reindex(s[DEPARTMENT_CODE].astype(str)).fillna("").to_numpy(),
            "grid_code": s[schema.GRID_CODE].astype(str).to_numpy(),
            "grid_name": _grid_name(s[schema.GRID_CODE], grid_names),
            "sliver_m2": pd.to_numeric(s["area_m2"]).round(1).to_numpy(),
            "width_m": pd.to_numeric(s["max_width_m"]).round(1).to_numpy(),
        }
    )
    return _named(frame, lang, {c: c for c in frame.columns})


def _category(codes: pd.Series, lang: str) -> list[str]:
    return [schema.CATEGORIES.label(str(c), lang) if c else "" for c in codes]


def gaps_table(
    result: FusionResult,
    lang: str,
    grid_names: Mapping[str, str] | None = None,
    *,
    gaps: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """(grid, category) pairs nobody is responsible for: this department's
    (:func:`department_gaps`) unless ``gaps`` is given."""
    g = department_gaps(result) if gaps is None else gaps
    frame = pd.DataFrame(
        {
            "grid_code": g[schema.GRID_CODE].astype(str),
            "grid_name": _grid_name(g[schema.GRID_CODE], grid_names),
            "category": _category(g[schema.CATEGORY], lang),
        }
    )
    return _named(frame, lang, {c: c for c in frame.columns})


def duplicates_table(
    result: FusionResult,
    lang: str,
    grid_names: Mapping[str, str] | None = None,
    *,
    duplicates: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """(grid, category) pairs two or more units or departments claim, and why: this
    department's (:func:`department_duplicates`) unless ``duplicates`` is given."""
    d = department_duplicates(result) if duplicates is None else duplicates
    frame = pd.DataFrame(
        {
            "grid_code": d[schema.GRID_CODE].astype(str),
            "grid_name": _grid_name(d[schema.GRID_CODE], grid_names),
            "category": _category(d[schema.CATEGORY], lang),
            "departments": d["departments"].astype(str),
            "units": d["department_codes"].astype(str),
            "reason": [t(f"fusion.dup.{r}", lang) for r in d["reason"]],
        }
    )
    return _named(frame, lang, {c: c for c in frame.columns})


SummaryValue = str | int | float | None


def summary_rows(result: FusionResult, lang: str) -> list[tuple[str, SummaryValue]]:
    """The headline numbers as (label, value) pairs, in reading order: counts as ints, the
    misaligned area in m² as a number, None where unknown (households not in the data).
    Responsibility: this department's gaps and duplicates, then the totals over all
    department layers, labelled so."""
    m = result.misalignment
    n_mis = int((~m["aligned"]).sum())
    hh = result.misaligned[schema.HOUSEHOLDS].sum(min_count=1)
    if n_mis == 0 and result.crosswalk[schema.HOUSEHOLDS].notna().any():
        hh = 0.0  # nothing misaligned, households known: none involved (not "unknown")
    offset = result.offset
    corrected = corrected_from(result)
    r = result.responsibility
    rows: list[tuple[str, SummaryValue]] = [
        (t("fusion.kpi.department", lang), result.department),
        (t("fusion.kpi.version", lang), result.version),
    ]
    if corrected:
        rows.append((t("fusion.kpi.corrected", lang), corrected))
    rows += [
        (t("fusion.kpi.units", lang), len(m)),
        (t("fusion.kpi.aligned", lang), len(m) - n_mis),
        (t("fusion.kpi.misaligned", lang), n_mis),
        (
            t("fusion.kpi.misaligned_m2", lang),
            round(float(result.misaligned["misaligned_area_m2"].sum()), 1),
        ),
        (t("fusion.kpi.households", lang), None if pd.isna(hh) else round(float(hh))),
        (t("fusion.kpi.slivers", lang), len(result.slivers)),
        (
            t("fusion.kpi.offset", lang),
            t("fusion.kpi.offset.none", lang)
            if offset is None
            else t("fusion.kpi.offset.m", lang, m=f"{offset.distance_m:,.0f}"),
        ),
        (t("fusion.kpi.moved", lang), grids_changing_unit(result)),
        (t("fusion.kpi.splits", lang), len(result.proposal.splits)),
        (t("fusion.kpi.gaps", lang), len(department_gaps(result))),
        (t("fusion.kpi.duplicates", lang), len(department_duplicates(result))),
        (t("fusion.kpi.gaps_all", lang), len(r.gaps)),
        (t("fusion.kpi.duplicates_all", lang), len(r.duplicates)),
    ]
    return rows


# --- sentences ------------------------------------------------------------------------------
def corrected_note(result: FusionResult, lang: str) -> str | None:
    """ "The figures are after converting the layer from GCJ-02; re-import it with --crs
    gcj02 first", or None when the analysis ran on the layer as stored."""
    corrected = corrected_from(result)
    if corrected is None:
        return None
    key = "fusion.page.corrected" if corrected == "GCJ-02" else "fusion.page.corrected.grids"
    return t(key, lang, department=result.department, crs=corrected)


def responsibility_sentence(result: FusionResult, lang: str) -> str:
    """This department's part in 权责去重: its gaps and duplicates, then the totals over all
    department layers (labelled so); or, when the department answers for no category of the
    responsibility table, that sentence instead of zeros."""
    r = result.responsibility
    every = t(
        "fusion.page.resp.all",
        lang,
        gaps=f"{len(r.gaps):,}",
        dups=f"{len(r.duplicates):,}",
        unclaimed=len(r.unclaimed_categories),
    )
    categories = answered_categories(result)
    if not categories:
        return t("fusion.page.resp.no_categories", lang, department=result.department) + every
    labels = "、" if lang == "zh" else ", "
    return (
        t(
            "fusion.page.resp.mine",
            lang,
            department=result.department,
            categories=labels.join(schema.CATEGORIES.label(c, lang) for c in categories),
            gaps=f"{len(department_gaps(result)):,}",
            dups=f"{len(department_duplicates(result)):,}",
        )
        + every
    )


def report_sentences(result: FusionResult, lang: str) -> list[str]:
    """The findings in plain words as the page, PDF, Excel and the command line print them:
    summary, offset (which, after a GCJ-02 conversion, says the figures are of the converted
    layer), proposal, and this department's responsibility with the all-layers totals."""
    return [*result.sentences(lang)[:3], responsibility_sentence(result, lang)]
