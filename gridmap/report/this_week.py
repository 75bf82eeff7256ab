"""本周重点网格 on paper and in a spreadsheet: a PDF page and an Excel file.

Privacy (issue 13, item 6): the cockpit's printed output never names grid workers (a
report is handed round a meeting and filed), so the PDF page shows each grid's community,
street and department but not its 网格员. The Excel file is the working list signed-in
staff download to dispatch people: it carries the worker's name when the user's role may
see people (as the screen does outside meeting mode); the download is audited.
"""

from __future__ import annotations

import io
import textwrap
from typing import TYPE_CHECKING

import pandas as pd

from .. import schema
from ..analytics.this_week import ThisWeek, period_key
from ..i18n import t

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["this_week_figure", "this_week_pages", "this_week_table", "this_week_xlsx"]

INK = "#1f2933"
MUTED = "#6b7785"


def _wrap_reason(reason: str, lang: str) -> str:
    """The reason in lines that fit the column at 9 pt: Chinese by display width (a hanzi
    is twice a digit's width, so counting characters wraps too early), English by words.

    >>> _wrap_reason("本周 29 件，比上周多 13 件。", "zh")
    '本周 29 件，比上周多 13 件。'
    """
    if lang != "zh":
        return textwrap.fill(reason, 80)
    lines, line, width = [], "", 0.0
    for char in reason:
        step = 1.0 if ord(char) > 0x2E80 else 0.55
        if width + step > _ZH_LINE_WIDTH:
            lines.append(line)
            line, width = "", 0.0
        line, width = line + char, width + step
    return "\n".join([*lines, line])


#: How many hanzi of 9 pt fit the reason column (0.54 of an A4 landscape page, ~450 pt).
_ZH_LINE_WIDTH = 48.0


def _signed(n: int) -> str:
    return f"+{n:,}" if n > 0 else f"{n:,}"


def this_week_table(week: ThisWeek, lang: str, *, worker: bool = True) -> pd.DataFrame:
    """The list as a table with headers in ``lang``: what the Excel file and the PDF show.

    ``worker`` False leaves out the grid worker's name (the printed report).
    """
    g = week.grids
    per = week.period
    dept = "department_zh" if lang == "zh" else "department_en"
    overdue = g["overdue"].map(lambda v: "—" if pd.isna(v) else f"{int(v):,}")
    columns: dict[str, object] = {
        t("week.col.rank", lang): g["rank"].to_numpy(),
        t("owner.grid", lang): g[schema.NAME].to_numpy(),
        t("week.col.code", lang): g.index.astype(str).to_numpy(),
        t("week.col.reason", lang): g[f"reason_{lang}"].to_numpy(),
        t(period_key("week.col.incidents", per), lang): g["incidents"].to_numpy(),
        t(period_key("week.col.last_week", per), lang): g["last_week"].to_numpy(),
        t(period_key("week.col.change", per), lang): g["change"].map(_signed).to_numpy(),
        t("week.col.overdue", lang): overdue.to_numpy(),
        t("owner.worker", lang): g[schema.WORKER].to_numpy(),
        t("owner.community", lang): g["community_name"].to_numpy(),
        t("owner.street", lang): g["street_name"].to_numpy(),
        t("owner.department", lang): g[dept].to_numpy(),
    }
    if not worker:
        columns.pop(t("owner.worker", lang))
    return pd.DataFrame(columns)


def _titles(week: ThisWeek, lang: str) -> list[str]:
    """Title, the windows compared, on month-dated data the sentence saying why months,
    and how the grids were chosen."""
    (s, e), (ps, pe) = week.week, week.last_week
    per = week.period
    lines = [
        t(period_key("week.title", per), lang),
        t(period_key("week.window", per), lang, start=s, end=e, pstart=ps, pend=pe),
    ]
    if per == "month":
        lines.append(t("week.month_note", lang))
    return [*lines, t(period_key("week.help", per), lang)]


def this_week_xlsx(week: ThisWeek, lang: str = "zh", *, worker: bool = True) -> bytes:
    """The list as an .xlsx file: the table on the first sheet (headers in row 1), the
    weeks compared and how the grids were chosen on the second. ``worker`` False leaves
    out the grid workers' names (a user whose role may not see people)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    table = this_week_table(week, lang, worker=worker)
    book = Workbook()
    sheet = book.active
    assert sheet is not None  # a new workbook has one sheet
    sheet.title = t(period_key("week.title", week.period), lang)[:31]
    sheet.append(list(table.columns))
    for row in table.itertuples(index=False, name=None):
        sheet.append([v.item() if hasattr(v, "item") else v for v in row])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    widths = {t("week.col.reason", lang): 60, t("owner.grid", lang): 22}
    for i, name in enumerate(table.columns, start=1):
        letter = sheet.cell(row=1, column=i).column_letter
        sheet.column_dimensions[letter].width = widths.get(str(name), 14)
    reason_col = list(table.columns).index(t("week.col.reason", lang)) + 1
    for row in sheet.iter_rows(min_row=2, min_col=reason_col, max_col=reason_col):
        row[0].alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "A2"
    about = book.create_sheet(t("week.sheet.about", lang)[:31])
    for line in [*_titles(week, lang), t("week.privacy", lang)]:
        about.append([line])
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def this_week_figure(week: ThisWeek, lang: str, *, size: tuple[float, float]) -> Figure:
    """An A4 page of the list for the printed report (no grid workers' names)."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=size, facecolor="white")
    title, window, *notes = _titles(week, lang)
    fig.text(0.02, 0.965, title, fontsize=16, fontweight="bold", color=INK, va="top")
    fig.text(0.02, 0.92, window, fontsize=9, color=MUTED, va="top")
    if week.period == "month":  # the sentence saying why months, under the windows
        fig.text(0.02, 0.895, notes[0], fontsize=9, color=INK, va="top")
    if week.grids.empty:
        none = t(period_key("week.none", week.period), lang)
        fig.text(0.04, 0.84, none, fontsize=11, color=INK, va="top")
        return fig
    table = this_week_table(week, lang, worker=False)
    y = 0.86
    step = 0.078
    for _, row in table.iterrows():
        cells = list(row.to_numpy())
        rank, name, code, reason = cells[0], cells[1], cells[2], cells[3]
        numbers = " · ".join(
            f"{h} {v}" for h, v in zip(table.columns[4:8], cells[4:8], strict=True)
        )
        owner = " · ".join(str(v) for v in cells[8:] if str(v))
        reason_text = _wrap_reason(str(reason), lang)
        fig.text(0.03, y, f"{rank}.", fontsize=11, fontweight="bold", color=INK, va="top")
        label = t("week.grid_code", lang, name=name, code=code)
        fig.text(0.06, y, label, fontsize=11, fontweight="bold", color=INK, va="top")
        fig.text(
            0.06,
            y - 0.027,
            reason_text,
            fontsize=9,
            color=INK,
            va="top",
            linespacing=1.35,
        )
        fig.text(0.60, y, numbers, fontsize=9, color=INK, va="top")
        fig.text(0.60, y - 0.027, owner, fontsize=9, color=MUTED, va="top")
        # A reason on two lines pushes the next row down instead of running into it.
        y -= step + 0.024 * reason_text.count("\n")
    fig.text(0.02, 0.04, notes[-1], fontsize=7, color=MUTED, wrap=True)
    return fig


def this_week_pages(week: ThisWeek | None, lang: str, size: tuple[float, float]) -> list[Figure]:
    """The report's page of this week's list: one page, or none when ``week`` is None."""
    return [] if week is None else [this_week_figure(week, lang, size=size)]
