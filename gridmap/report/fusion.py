"""多网合一 on paper: one department's fusion report as a PDF (zh/en), an Excel workbook, the
draft layer (GeoPackage) and the crosswalk (CSV).

The tables come from :mod:`gridmap.report.fusion_tables` (shared with the Fusion page, so
screen, PDF and Excel say the same); this module writes them. :func:`fusion_pdf` draws a
summary page with the map (basic grids in grey, aligned units in green, misaligned in red),
then the misaligned units, the proposal, this department's responsibility gaps and
duplicates and the method; :func:`fusion_xlsx` writes every table in full, one sheet each,
areas as m² numbers. Like the cockpit report, the PDF embeds the bundled Chinese font.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import tempfile
import textwrap
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import pandas as pd

from .. import schema
from ..analytics.fusion import DEPARTMENT_CODE, FusionResult
from ..i18n import t
from .document import A4_LANDSCAPE, _figure, _style, write_report
from .figures import INK, MUTED
from .fusion_tables import (
    ALIGNED_RGB,
    MISALIGNED_RGB,
    SLIVER_RGB,
    SummaryValue,
    changes_table,
    crosswalk_table,
    duplicates_table,
    gaps_table,
    grid_view_table,
    report_sentences,
    responsibility_sentence,
    slivers_table,
    splits_table,
    summary_rows,
    units_as_analysed,
    units_table,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "ALIGNED_RGB",
    "MISALIGNED_RGB",
    "SLIVER_RGB",
    "changes_table",
    "crosswalk_csv",
    "crosswalk_table",
    "draft_gpkg",
    "duplicates_table",
    "fusion_pdf",
    "fusion_xlsx",
    "gaps_table",
    "grid_view_table",
    "slivers_table",
    "splits_table",
    "summary_rows",
    "units_table",
]

#: Rows of a table printed on one PDF page (the Excel file holds them all).
PAGE_ROWS = 24
#: Characters of a table cell printed at most.
CELL_CHARS = 34
_NO_VALUE = "—"


def _hex(rgb: tuple[int, int, int]) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def _clip(text: str, n: int) -> str:
    """``text`` cut to ``n`` characters with an ellipsis.

    >>> _clip("P1, P2, P3", 6)
    'P1, P…'
    """
    return text if len(text) <= n else text[: n - 1] + "…"


def _text(value: SummaryValue) -> str:
    """A summary value as printed: thousands separated, "—" where unknown."""
    if value is None:
        return _NO_VALUE
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):  # an area in m²
        return f"{value:,.0f}"
    return str(value)


# --- Excel ----------------------------------------------------------------------------------
def _sheet_rows(frame: pd.DataFrame) -> list[list[object]]:
    rows = []
    for row in frame.astype(object).itertuples(index=False, name=None):
        rows.append([None if pd.isna(v) else (v.item() if hasattr(v, "item") else v) for v in row])
    return rows


def fusion_xlsx(
    result: FusionResult, lang: str = "zh", *, grid_names: Mapping[str, str] | None = None
) -> bytes:
    """The department's fusion tables as an .xlsx file, one sheet each, headers in row 1:
    summary, misaligned units, all units, proposal changes, grids to split, slivers,
    crosswalk, the reverse view per grid, this department's responsibility gaps and
    duplicates, then those of all department layers (every row; areas in m² as numbers; a
    missing household count stays empty)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    summary = book.active
    assert summary is not None  # a new workbook has one sheet
    summary.title = t("fusion.sheet.summary", lang)[:31]
    for label, value in summary_rows(result, lang):
        summary.append([label, value])
    summary.append([])
    for sentence in report_sentences(result, lang):
        summary.append([sentence])
        summary.cell(row=summary.max_row, column=1).alignment = Alignment(wrap_text=False)
    summary.column_dimensions["A"].width = 28
    summary.column_dimensions["B"].width = 24
    r = result.responsibility
    sheets = {
        "misaligned": units_table(result, lang, misaligned_only=True, text=False),
        "units": units_table(result, lang, text=False),
        "changes": changes_table(result, lang, text=False),
        "splits": splits_table(result, lang, grid_names),
        "slivers": slivers_table(result, lang, grid_names, text=False),
        "crosswalk": crosswalk_table(result, lang, grid_names),
        "grid_view": grid_view_table(result, lang, grid_names),
        "gaps": gaps_table(result, lang, grid_names),
        "duplicates": duplicates_table(result, lang, grid_names),
        "gaps_all": gaps_table(result, lang, grid_names, gaps=r.gaps),
        "duplicates_all": duplicates_table(result, lang, grid_names, duplicates=r.duplicates),
    }
    for name, frame in sheets.items():
        sheet = book.create_sheet(t(f"fusion.sheet.{name}", lang)[:31])
        sheet.append([str(c) for c in frame.columns])
        for row in _sheet_rows(frame):
            sheet.append(row)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for i in range(1, len(frame.columns) + 1):
            sheet.column_dimensions[sheet.cell(row=1, column=i).column_letter].width = 16
        sheet.freeze_panes = "A2"
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


# --- files for GIS --------------------------------------------------------------------------
def draft_gpkg(result: FusionResult) -> bytes:
    """The proposal's draft department layer as a GeoPackage (EPSG:4326), QGIS-readable:
    one polygon per unit, the union of the whole basic grids it would hold."""
    draft = result.proposal.draft.copy()
    draft.insert(0, "department", result.department)
    with tempfile.TemporaryDirectory(prefix="gridmap-fusion-") as tmp:
        out = Path(tmp) / "draft.gpkg"
        gpd.GeoDataFrame(draft, geometry="geometry", crs=4326).to_file(
            out, driver="GPKG", layer="departments_draft"
        )
        return out.read_bytes()


def crosswalk_csv(result: FusionResult) -> bytes:
    """The crosswalk as CSV (UTF-8 with BOM, so Excel opens Chinese names), the columns of
    :data:`gridmap.analytics.fusion.CROSSWALK_COLUMNS` as they are."""
    return result.crosswalk.to_csv(index=False).encode("utf-8-sig")


# --- PDF ------------------------------------------------------------------------------------
def _frame_map(ax: Axes, bounds: tuple[float, float, float, float]) -> None:
    import math

    minx, miny, maxx, maxy = bounds
    ax.set_xlim(minx, maxx)
    ax.set_ylim(miny, maxy)
    ax.set_aspect(1 / math.cos(math.radians((miny + maxy) / 2)))
    ax.set_axis_off()


def draw_fusion_map(
    ax: Axes,
    result: FusionResult,
    units: gpd.GeoDataFrame,
    grids: gpd.GeoDataFrame,
    lang: str,
    *,
    legend_size: float = 8,
) -> None:
    """Basic grids as grey outlines, the department's units green (aligned) or red
    (misaligned), the grids holding slivers outlined in magenta."""
    from matplotlib.patches import Patch

    basic = schema.basic_grids(grids)
    status = result.misalignment.set_index(DEPARTMENT_CODE)["aligned"]
    ok = units[DEPARTMENT_CODE].astype(str).map(status).fillna(True).astype(bool).to_numpy()
    basic.boundary.plot(ax=ax, linewidth=0.25, color="#9a9a9a", zorder=1)
    if ok.any():
        units[ok].plot(ax=ax, color=_hex(ALIGNED_RGB), alpha=0.25, linewidth=0, zorder=2)
    if (~ok).any():
        units[~ok].plot(ax=ax, color=_hex(MISALIGNED_RGB), alpha=0.45, linewidth=0, zorder=2)
    units.boundary.plot(ax=ax, linewidth=0.8, color=INK, zorder=3)
    code = schema.GRID_CODE if schema.GRID_CODE in basic else schema.CODE
    thin = basic[basic[code].astype(str).isin(set(result.slivers[schema.GRID_CODE].astype(str)))]
    if len(thin):
        thin.boundary.plot(ax=ax, linewidth=1.0, color=_hex(SLIVER_RGB), zorder=4)
    both = pd.concat([units.geometry, basic.geometry])
    minx, miny, maxx, maxy = units.total_bounds if len(units) else both.total_bounds
    pad = 0.04 * max(maxx - minx, maxy - miny, 1e-3)
    _frame_map(ax, (minx - pad, miny - pad, maxx + pad, maxy + pad))
    handles = [
        Patch(color=_hex(ALIGNED_RGB), alpha=0.5, label=t("fusion.legend.aligned", lang)),
        Patch(color=_hex(MISALIGNED_RGB), alpha=0.7, label=t("fusion.legend.misaligned", lang)),
        Patch(fill=False, edgecolor=_hex(SLIVER_RGB), label=t("fusion.legend.sliver", lang)),
        Patch(fill=False, edgecolor="#9a9a9a", label=t("fusion.legend.grid", lang)),
    ]
    ax.legend(handles=handles, loc="lower left", fontsize=legend_size, framealpha=0.9)


def _header(fig: Figure, result: FusionResult, lang: str, title: str, generated: str) -> None:
    fig.text(0.02, 0.965, title, fontsize=16, fontweight="bold", color=INK, va="top")
    version = "" if result.version is None else f" · v{result.version}"
    fig.text(
        0.02, 0.915, f"{result.department}{version} · {generated}", fontsize=9, color=MUTED,
        va="top",
    )  # fmt: skip


def _wrap(text: str, lang: str, width_zh: int, width_en: int) -> str:
    """Wrap ``text`` for a page: English at spaces; Chinese at any character (it has no
    spaces to break at; the spaces around numbers would make ragged lines), never inside a
    number or a Latin word.

    >>> print(_wrap("共 12 个单元错位", "zh", 6, 0))
    共 12 个单
    元错位
    """
    if lang != "zh":
        return textwrap.fill(text, width_en)
    lines, line, used = [], "", 0.0
    for token in re.findall(r"[A-Za-z0-9.,%:/+\-]+|.", text):
        size = 0.55 * len(token) if token.isascii() else float(len(token))
        if used + size > width_zh and line.strip():
            lines.append(line.rstrip())
            line, used = "", 0.0
            token = token.lstrip()
        line += token
        used += size
    lines.append(line.rstrip())
    return "\n".join(lines)


def _summary_page(
    result: FusionResult, units: gpd.GeoDataFrame, grids: gpd.GeoDataFrame, lang: str, when: str
) -> Figure:
    fig = _figure(A4_LANDSCAPE)
    _header(fig, result, lang, t("fusion.report.title", lang, department=result.department), when)
    y = 0.86
    for label, value in summary_rows(result, lang)[2:]:
        fig.text(0.03, y, label, fontsize=9.5, color=MUTED, va="top")
        fig.text(0.30, y, _text(value), fontsize=9.5, color=INK, va="top", fontweight="bold")
        y -= 0.029
    y -= 0.015
    for sentence in report_sentences(result, lang):
        text = _wrap(sentence, lang, 32, 68)
        fig.text(0.03, y, text, fontsize=8.5, color=INK, va="top", linespacing=1.3)
        y -= 0.0235 * (text.count("\n") + 1) + 0.008
    ax = fig.add_axes((0.40, 0.05, 0.58, 0.84))
    draw_fusion_map(ax, result, units, grids, lang)
    return fig


def _table_page(
    result: FusionResult, lang: str, when: str, title: str, frame: pd.DataFrame, note: str
) -> Figure:
    """A page with the first :data:`PAGE_ROWS` rows of ``frame`` and a line saying how many
    there are in all (the Excel file holds every row)."""
    fig = _figure(A4_LANDSCAPE)
    _header(fig, result, lang, title, when)
    fig.text(0.02, 0.875, note, fontsize=9, color=INK, va="top")
    if frame.empty:
        fig.text(0.02, 0.82, t("fusion.report.none", lang), fontsize=11, color=MUTED, va="top")
        return fig
    shown = frame.head(PAGE_ROWS).astype(object).where(frame.head(PAGE_ROWS).notna(), _NO_VALUE)
    # A cell holds one line: long lists of codes end in "…" (the Excel file has them whole).
    cells = [
        [_clip(str(v), CELL_CHARS) for v in row] for row in shown.itertuples(index=False, name=None)
    ]
    ax = fig.add_axes((0.02, 0.06, 0.96, 0.78))
    ax.set_axis_off()
    # The table fills the width; each row takes 1/(PAGE_ROWS+1) of the height at most.
    from matplotlib.transforms import Bbox

    height = (len(cells) + 1) / (PAGE_ROWS + 1)
    table = ax.table(
        cellText=cells,
        colLabels=[str(c) for c in frame.columns],
        bbox=Bbox.from_bounds(0.0, 1.0 - height, 1.0, height),
        cellLoc="left",
        colLoc="left",
    )
    table.auto_set_font_size(False)
    table.set_fontsize(8)
    for (row, _col), cell in table.get_celld().items():
        cell.set_edgecolor("#d0d7de")
        if row == 0:
            cell.set_text_props(fontweight="bold", color=INK)
            cell.set_facecolor("#f1f4f8")
    if len(frame) > PAGE_ROWS:
        more = t("fusion.report.more", lang, n=PAGE_ROWS, total=f"{len(frame):,}")
        fig.text(0.02, 0.03, more, fontsize=8.5, color=MUTED)
    return fig


def _method_page(result: FusionResult, lang: str, when: str) -> Figure:
    fig = _figure(A4_LANDSCAPE)
    _header(fig, result, lang, t("fusion.report.method", lang), when)
    text = t(
        "fusion.report.method.text",
        lang,
        pct=f"{result.tolerance * 100:g}",
        m=f"{result.sliver_m:g}",
        crs=result.metric_crs,
    )
    lines = [_wrap(line, lang, 60, 120) for line in text.split("\n")]
    fig.text(0.04, 0.84, "\n\n".join(lines), fontsize=9.5, color=INK, va="top", linespacing=1.4)
    return fig


def fusion_pdf(
    result: FusionResult,
    units: gpd.GeoDataFrame,
    grids: gpd.GeoDataFrame,
    out: str | Path | None = None,
    *,
    lang: str = "zh",
    grid_names: Mapping[str, str] | None = None,
    generated: dt.datetime | None = None,
    cjk_font: str | None = None,
) -> bytes:
    """The department's fusion report as a PDF (A4 landscape, Chinese font embedded).

    Pages: the summary with the map; the misaligned units; the proposal's gains and losses
    and the grids to split; responsibility gaps and duplicates; the method. Written to
    ``out`` when given, always returned as bytes.

    Parameters
    ----------
    result
        :func:`gridmap.analytics.fusion.analyse_department`'s result.
    units, grids
        The department's units (the version analysed, as stored) and the grid layer,
        EPSG:4326, for the map (the units drawn where the analysis measured them: converted
        from GCJ-02 when it corrected that offset).
    grid_names
        Grid code -> name, for the tables.
    cjk_font
        The deployment's font file for Chinese; None: the bundled font.

    Raises
    ------
    ReportError
        When no Chinese font can be found, or ``out`` cannot be written.
    """
    from matplotlib.backends.backend_pdf import PdfPages

    stamp = generated or dt.datetime.now().replace(microsecond=0)
    when = t("report.generated", lang, at=stamp.isoformat(sep=" "))
    n_mis = len(result.misaligned)
    units = units_as_analysed(result, units)
    buf = io.BytesIO()
    with _style(cjk_font):
        pages = [
            _summary_page(result, units, grids, lang, when),
            _table_page(
                result, lang, when, t("fusion.report.misaligned", lang),
                units_table(result, lang, misaligned_only=True),
                t("fusion.report.misaligned.note", lang, n=n_mis, units=len(result.misalignment),
                  pct=f"{result.tolerance * 100:g}"),
            ),
            _table_page(
                result, lang, when, t("fusion.report.changes", lang),
                changes_table(result, lang, changed_only=True), result.sentences(lang)[2],
            ),
            _table_page(
                result, lang, when, t("fusion.report.splits", lang),
                splits_table(result, lang, grid_names), t("fusion.report.splits.note", lang),
            ),
            _table_page(
                result, lang, when, t("fusion.report.slivers", lang),
                slivers_table(result, lang, grid_names),
                t("fusion.report.slivers.note", lang, n=f"{len(result.slivers):,}",
                  m=f"{result.sliver_m:g}"),
            ),
            _table_page(
                result, lang, when, t("fusion.report.gaps", lang),
                gaps_table(result, lang, grid_names), responsibility_sentence(result, lang),
            ),
            _table_page(
                result, lang, when, t("fusion.report.duplicates", lang),
                duplicates_table(result, lang, grid_names),
                t("fusion.report.duplicates.note", lang),
            ),
            _method_page(result, lang, when),
        ]  # fmt: skip
        info = {
            "Title": t("fusion.report.title", lang, department=result.department),
            "Creator": "gridmap",
            "CreationDate": stamp,
        }
        with PdfPages(buf, metadata=info) as pdf:
            for i, fig in enumerate(pages, start=1):
                fig.text(
                    0.98, 0.015, t("report.page", lang, n=i, total=len(pages)), fontsize=8,
                    color=MUTED, ha="right",
                )  # fmt: skip
                pdf.savefig(fig)
    data = buf.getvalue()
    if out is not None:
        write_report(out, data)
    return data
