"""The Fusion page's data (融合, 多网合一, issue 18): the department layers and their analysis,
cached per workspace version.

:func:`load_fusion` runs :func:`gridmap.analytics.fusion.analyse_department` once per
workspace version and department (the workspace's stamp changes on every import, so a
re-imported department is analysed afresh); the department layers themselves are one shared
read-only frame per version, as the other layers are (:func:`gridmap.ui.data.load_layer`).
The tables the page shows are the report's (:mod:`gridmap.report.fusion_tables`), so screen,
PDF and Excel agree. A department with several versions can be analysed at any of them
(``version``; None: the newest).
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import pandas as pd
import streamlit as st

from .. import schema
from ..analytics.fusion import DEPARTMENT, DEPARTMENT_CODE, DEPARTMENT_NAME, FusionResult
from ..analytics.fusion import analyse_department as _analyse
from ..i18n import t
from ..loading import department_versions, read_departments
from ..report.fusion import crosswalk_csv, draft_gpkg, fusion_pdf, fusion_xlsx
from ..report.fusion_tables import (
    changes_table,
    duplicates_table,
    gaps_table,
    grid_view_table,
    slivers_table,
    splits_table,
    units_as_analysed,
    units_table,
)
from ..store import Workspace
from .data import _stamp, load_layer
from .responsibility import load_responsibilities

__all__ = [
    "analysed_units",
    "department_choices",
    "department_units",
    "department_version_choices",
    "fusion_files",
    "fusion_pdf_bytes",
    "grid_names",
    "load_fusion",
    "named",
    "responsibility_rows",
    "version_line",
]


@st.cache_resource(show_spinner=False, max_entries=8)
def _departments(path: str, stamp: float) -> gpd.GeoDataFrame:
    """The newest version of every department (one shared frame: callers only read it)."""
    return read_departments(Workspace(path))


@st.cache_data(show_spinner=False, max_entries=8)
def _versions(path: str, stamp: float) -> pd.DataFrame:
    return department_versions(Workspace(path))


def department_choices(path: str) -> list[str]:
    """The departments with a layer in the workspace, sorted by name (empty: none yet)."""
    versions = _versions(str(path), _stamp(path))
    return sorted(set(versions[DEPARTMENT].astype(str)))


def department_version_choices(path: str, department: str) -> list[int]:
    """``department``'s layer versions, the newest first."""
    v = _versions(str(path), _stamp(path))
    mine = v[v[DEPARTMENT].astype(str) == department]
    return sorted({int(x) for x in mine[schema.VERSION]}, reverse=True)


@st.cache_resource(show_spinner=False, max_entries=8)
def _old_version(path: str, stamp: float, department: str, version: int) -> gpd.GeoDataFrame:
    """An older version of one department (one shared read-only frame)."""
    return read_departments(Workspace(path), department, version)


def _units(path: str, stamp: float, department: str, version: int | None) -> gpd.GeoDataFrame:
    every = _departments(path, stamp)
    units = every[every[DEPARTMENT].astype(str) == department]
    if version is None or (len(units) and int(units[schema.VERSION].max()) == version):
        return units
    return _old_version(path, stamp, department, version)


def department_units(path: str, department: str, version: int | None = None) -> gpd.GeoDataFrame:
    """``department``'s units at ``version`` (None: the newest), EPSG:4326."""
    return _units(str(path), _stamp(path), department, version)


@st.cache_resource(show_spinner=False, max_entries=8)
def _analysed_units(
    path: str, stamp: float, department: str, version: int | None
) -> gpd.GeoDataFrame:
    return units_as_analysed(
        _analysis(path, stamp, department, version), _units(path, stamp, department, version)
    )


def analysed_units(path: str, department: str, version: int | None = None) -> gpd.GeoDataFrame:
    """The units as the analysis measured them: converted from GCJ-02 when the analysis
    found and corrected that offset (so the map and the PDF show where they belong),
    otherwise as stored."""
    return _analysed_units(str(path), _stamp(path), department, version)


def version_line(path: str, department: str, lang: str, version: int | None = None) -> str:
    """ "第 2 版 · 48 个单元 · 原坐标系 GCJ-02 · 导入于 …": what the analysis is of."""
    v = _versions(str(path), _stamp(path))
    mine = v[v[DEPARTMENT].astype(str) == department]
    if version is not None:
        mine = mine[mine[schema.VERSION].astype(int) == version]
    if mine.empty:
        return ""
    last = mine.iloc[-1]
    when = str(last.get("imported_at") or "")[:16].replace("T", " ")
    return t(
        "fusion.page.version",
        lang,
        version=int(last[schema.VERSION]),
        units=f"{int(last['units']):,}",
        crs=str(last.get("source_crs") or "EPSG:4326"),
        when=when or "—",
    )


@st.cache_data(show_spinner=False, max_entries=8)
def _analysis(path: str, stamp: float, department: str, version: int | None) -> FusionResult:
    every = _departments(path, stamp)
    return _analyse(
        _units(path, stamp, department, version),
        load_layer(path, "grids"),
        table=load_responsibilities(path),
        other_departments=every,
    )


def load_fusion(path: str, department: str, version: int | None = None) -> FusionResult:
    """The department's crosswalk, misalignment, slivers, offset, proposal and
    responsibility against the basic grids, at ``version`` (None: the newest; computed once
    per workspace version)."""
    return _analysis(str(path), _stamp(path), department, version)


@st.cache_data(show_spinner=False, max_entries=4)
def _grid_names(path: str, stamp: float) -> dict[str, str]:
    grids = load_layer(path, "grids")
    if schema.NAME not in grids:
        return {}
    names = grids[schema.NAME].fillna("").astype(str)
    return dict(zip(grids[schema.CODE].astype(str), names, strict=True))


def grid_names(path: str) -> dict[str, str]:
    """Grid code -> its name ("" when the layer has none)."""
    return _grid_names(str(path), _stamp(path))


def named(name: str, code: str, lang: str) -> str:
    """A unit or grid as "name（code）" ("name (code)" in English); the code alone when it
    has no name of its own.

    >>> named("西站派出所", "P2", "zh"), named("", "D", "en")
    ('西站派出所（P2）', 'D')
    """
    if not name or name == code:
        return code
    return f"{name}（{code}）" if lang == "zh" else f"{name} ({code})"


def page_tables(path: str, result: FusionResult, lang: str) -> dict[str, pd.DataFrame]:
    """The page's tables with headers in ``lang`` (the report's tables): this department's
    gaps and duplicates, and (``gaps_all``/``duplicates_all``) those of every layer."""
    names = grid_names(path)
    r = result.responsibility
    return {
        "misaligned": units_table(result, lang, misaligned_only=True),
        "changes": changes_table(result, lang, changed_only=True),
        "splits": splits_table(result, lang, names),
        "slivers": slivers_table(result, lang, names),
        "grid_view": grid_view_table(result, lang, names),
        "gaps": gaps_table(result, lang, names),
        "duplicates": duplicates_table(result, lang, names),
        "gaps_all": gaps_table(result, lang, names, gaps=r.gaps),
        "duplicates_all": duplicates_table(result, lang, names, duplicates=r.duplicates),
    }


def _unit_name_lookup(path: str) -> dict[tuple[str, str], str]:
    every = _departments(str(path), _stamp(path))
    keys = zip(every[DEPARTMENT].astype(str), every[DEPARTMENT_CODE].astype(str), strict=True)
    return dict(zip(keys, every[DEPARTMENT_NAME].astype(str), strict=True))


def _holders(result: FusionResult, grid: str) -> dict[str, list[tuple[str, str, float | None]]]:
    """Per category, the (department, unit code, share of the grid) answering on ``grid``:
    the unit holding most of it for each department, and every unit of a duplicate."""
    r = result.responsibility
    m = r.matrix[r.matrix[schema.GRID_CODE].astype(str) == grid]
    cw = result.crosswalk[result.crosswalk[schema.GRID_CODE].astype(str) == grid]
    own = dict(zip(cw[DEPARTMENT_CODE].astype(str), cw["share_of_grid"], strict=True))
    held: dict[str, list[tuple[str, str, float | None]]] = {}
    for cat, dept, code, share in m[
        [schema.CATEGORY, DEPARTMENT, DEPARTMENT_CODE, "share"]
    ].itertuples(index=False, name=None):
        if cat:  # professional grids have no category: listed apart
            held.setdefault(str(cat), []).append((str(dept), str(code), float(share)))
    dups = r.duplicates[
        (r.duplicates[schema.GRID_CODE].astype(str) == grid) & (r.duplicates["reason"] == "units")
    ]
    for cat, dept, codes in dups[[schema.CATEGORY, "departments", "department_codes"]].itertuples(
        index=False, name=None
    ):
        rows = held.setdefault(str(cat), [])
        for code in str(codes).split(", "):
            if all((d, c) != (str(dept), code) for d, c, _s in rows):
                share = own.get(code) if dept == result.department else None
                rows.append((str(dept), code, share))
    return held


def responsibility_rows(path: str, result: FusionResult, grid: str, lang: str) -> pd.DataFrame:
    """Who answers for what on basic grid ``grid``: one row per "1+6" category and unit
    answering for it (category, department, unit, share of the grid, status), then the
    professional grids lying on it. A category nobody holds here says so in its row."""
    r = result.responsibility
    on_grid = r.gaps[schema.GRID_CODE].astype(str) == grid
    gaps = set(r.gaps.loc[on_grid, schema.CATEGORY].astype(str))
    # (category, department) claimed twice here: only the claimants' rows say "duplicate".
    here = r.duplicates[r.duplicates[schema.GRID_CODE].astype(str) == grid]
    dups = {
        (str(cat), dept)
        for cat, depts in here[[schema.CATEGORY, "departments"]].itertuples(index=False)
        for dept in str(depts).split(", ")
    }
    held = _holders(result, grid)
    names = _unit_name_lookup(path)
    rows: list[dict[str, Any]] = []
    for cat in [c for c in schema.CATEGORIES.codes if c in held or c in gaps]:
        for dept, code, share in held.get(cat) or [("", "", None)]:
            key = "gap" if cat in gaps else "dup" if (cat, dept) in dups else "ok"
            rows.append(
                {
                    "category": schema.CATEGORIES.label(cat, lang),
                    "department": dept or None,
                    "unit": named(names.get((dept, code), ""), code, lang) if code else None,
                    "share_pct": None if share is None else round(share * 100, 1),
                    "status": t(f"fusion.resp.{key}", lang),
                }
            )
    m = r.matrix[r.matrix[schema.GRID_CODE].astype(str) == grid]
    gnames = grid_names(path)
    for _, row in m[m[schema.CATEGORY].fillna("") == ""].iterrows():
        code = str(row[DEPARTMENT_CODE])
        rows.append(
            {
                "category": schema.GRID_TYPES.label(str(row[DEPARTMENT]), lang),
                "department": None,
                "unit": named(gnames.get(code, ""), code, lang),
                "share_pct": round(float(row["share"]) * 100, 1),
                "status": t("fusion.resp.ok", lang),
            }
        )
    # The unit and the status first: the column beside the map is narrow.
    frame = pd.DataFrame(rows, columns=["category", "unit", "status", "share_pct", "department"])
    frame.columns = [t(f"fusion.col.resp.{c}", lang) for c in frame.columns]
    return frame


# --- files ----------------------------------------------------------------------------------
@st.cache_data(show_spinner=False, max_entries=8)
def _files(
    path: str, stamp: float, department: str, version: int | None, lang: str
) -> dict[str, bytes]:
    result = _analysis(path, stamp, department, version)
    return {
        "gpkg": draft_gpkg(result),
        "csv": crosswalk_csv(result),
        "xlsx": fusion_xlsx(result, lang, grid_names=_grid_names(path, stamp)),
    }


def fusion_files(
    path: str, department: str, lang: str, version: int | None = None
) -> dict[str, bytes]:
    """The draft layer (GeoPackage), the crosswalk (CSV) and the Excel workbook, by format."""
    return _files(str(path), _stamp(path), department, version, lang)


def fusion_pdf_bytes(
    path: str, department: str, lang: str, cjk_font: str | None, version: int | None = None
) -> bytes:
    """The department's PDF report (rendered on request: about a second a page)."""
    result = load_fusion(path, department, version)
    return fusion_pdf(
        result,
        department_units(path, department, version),
        load_layer(path, "grids"),
        lang=lang,
        grid_names=grid_names(path),
        cjk_font=cjk_font,
    )
