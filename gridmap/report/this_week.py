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
    from matplotlib.text import Text
    from matplotlib.transforms import Bbox

__all__ = ["this_week_figure", "this_week_pages", "this_week_table", "this_week_xlsx"]

INK = "#1f2933"
MUTED = "#6b7785"


def _wrap(text: str, lang: str, width: float) -> str:
    """``text`` in lines of at most ``width`` hanzi (Chinese, by display width: a hanzi is
    about twice a digit's width, so counting characters wraps too early) or ``width``
    characters (English, by words).

    >>> _wrap("本周 29 件，比上周多 13 件。", "zh", 48)
    '本周 29 件，比上周多 13 件。'
    >>> _wrap("Civil Affairs Bureau", "en", 10)
    'Civil\nAffairs\nBureau'
    """
    if lang != "zh":
        return textwrap.fill(text, max(int(width), 8))
    lines, line, used = [], "", 0.0
    for char in text:
        step = 1.0 if ord(char) > 0x2E80 else 0.55
        if used + step > width and line:
            lines.append(line)
            line, used = "", 0.0
        line, used = line + char, used + step
    return "\n".join([*lines, line])


#: Line widths at 9 pt (hanzi for zh, characters for en) of the reason column (0.06-0.58
#: of an A4 landscape page, ~440 pt) and of the numbers/owner column (0.60-0.98, ~320 pt);
#: a text still wider than its column is wrapped narrower once drawn (:func:`_fit`).
_WIDTHS = {"zh": (46.0, 34.0), "en": (95.0, 70.0)}
#: Font scales tried so that every row fits one page; at the smallest the rows that do
#: not fit continue on a next page.
_SCALES = (1.0, 0.9, 0.8)
#: Where the rows start (under the title and windows) and the gap between two rows.
_TOP, _GAP = 0.86, 0.022


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


def _extent(fig: Figure, artist: Text) -> Bbox:
    """``artist``'s box in figure fractions (0-1), as drawn."""
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    return artist.get_window_extent(renderer).transformed(fig.transFigure.inverted())


def _fit(fig: Figure, artist: Text, text: str, lang: str, width: float, right: float) -> Text:
    """Wrap ``artist``'s ``text`` narrower until it ends left of ``right`` (a font wider
    than the widths assume, a long department name)."""
    for _ in range(6):
        if _extent(fig, artist).x1 <= right:
            break
        width *= 0.85
        artist.set_text(_wrap(text, lang, width))
    return artist


def _page(week: ThisWeek, lang: str, size: tuple[float, float]) -> tuple[Figure, float]:
    """A page with the title, the windows and the footnote; returns the figure and the
    lowest height rows may reach (just above the footnote)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=size, facecolor="white")
    FigureCanvasAgg(fig)  # a renderer to measure the texts with
    title, window, *notes = _titles(week, lang)
    fig.text(0.02, 0.965, title, fontsize=16, fontweight="bold", color=INK, va="top")
    fig.text(0.02, 0.92, window, fontsize=9, color=MUTED, va="top")
    if week.period == "month":  # the sentence saying why months, under the windows
        fig.text(0.02, 0.895, notes[0], fontsize=9, color=INK, va="top")
    # Above the report's footer line (generated at, page n of m; y 0.015-0.03).
    foot = fig.text(0.02, 0.045, notes[-1], fontsize=7, color=MUTED, va="bottom")
    _fit(fig, foot, notes[-1], lang, 200.0 if lang == "en" else 110.0, 0.98)
    return fig, _extent(fig, foot).y1 + 0.015


def _row(
    fig: Figure, table: pd.DataFrame, cells: list[object], lang: str, y: float, scale: float
) -> list[Text]:
    """One grid's row with its top at ``y``: rank, name and reason on the left, the numbers
    and the owner on the right, each wrapped inside its column."""
    wide, narrow = (w / scale for w in _WIDTHS["zh" if lang == "zh" else "en"])
    rank, name, code, reason = cells[0], cells[1], cells[2], cells[3]
    numbers = " · ".join(f"{h} {v}" for h, v in zip(table.columns[4:8], cells[4:8], strict=True))
    owner = " · ".join(str(v) for v in cells[8:] if str(v))
    label = t("week.grid_code", lang, name=name, code=code)
    big, small = 11 * scale, 9 * scale
    out = [fig.text(0.03, y, f"{rank}.", fontsize=big, fontweight="bold", color=INK, va="top")]
    head = fig.text(
        0.06, y, _wrap(label, lang, wide * 9 / 11),
        fontsize=big, fontweight="bold", color=INK, va="top",
    )  # fmt: skip
    out.append(_fit(fig, head, label, lang, wide * 9 / 11, 0.58))
    why = fig.text(
        0.06, _extent(fig, head).y0 - 0.006, _wrap(str(reason), lang, wide),
        fontsize=small, color=INK, va="top", linespacing=1.3,
    )  # fmt: skip
    out.append(_fit(fig, why, str(reason), lang, wide, 0.58))
    nums = fig.text(0.60, y, _wrap(numbers, lang, narrow), fontsize=small, color=INK, va="top")
    out.append(_fit(fig, nums, numbers, lang, narrow, 0.98))
    who = fig.text(
        0.60, _extent(fig, nums).y0 - 0.008, _wrap(owner, lang, narrow),
        fontsize=small, color=MUTED, va="top", linespacing=1.3,
    )  # fmt: skip
    out.append(_fit(fig, who, owner, lang, narrow, 0.98))
    return out


def _rows(
    fig: Figure, table: pd.DataFrame, rows: list[list[object]], lang: str, scale: float,
    bottom: float,
) -> int:  # fmt: skip
    """Draw ``rows`` down the page while they end above ``bottom``; how many were drawn
    (at least one, so a list always moves on)."""
    y = _TOP
    for i, cells in enumerate(rows):
        artists = _row(fig, table, cells, lang, y, scale)
        low = min(_extent(fig, a).y0 for a in artists)
        if low < bottom and i > 0:
            for artist in artists:
                artist.remove()
            return i
        y = low - _GAP * scale
    return len(rows)


def this_week_pages(week: ThisWeek | None, lang: str, size: tuple[float, float]) -> list[Figure]:
    """The report's pages of this week's list (none when ``week`` is None).

    Every row's height is measured as drawn; the font shrinks (:data:`_SCALES`) until all
    rows fit above the footnote, and at the smallest size the rest continue on a next page,
    so no row runs into the footnote or off the page whatever the wrapping. No grid
    workers' names (the printed report).
    """
    if week is None:
        return []
    if week.grids.empty:
        fig, _ = _page(week, lang, size)
        none = t(period_key("week.none", week.period), lang)
        fig.text(0.04, 0.84, none, fontsize=11, color=INK, va="top")
        return [fig]
    table = this_week_table(week, lang, worker=False)
    rows = [list(r) for r in table.itertuples(index=False, name=None)]
    pages: list[Figure] = []
    for scale in _SCALES:
        pages, start = [], 0
        while start < len(rows):
            fig, bottom = _page(week, lang, size)
            start += _rows(fig, table, rows[start:], lang, scale, bottom)
            pages.append(fig)
        if len(pages) == 1:
            break
    return pages


def this_week_figure(week: ThisWeek, lang: str, *, size: tuple[float, float]) -> Figure:
    """The first page of :func:`this_week_pages` (the whole list unless it is very long)."""
    return this_week_pages(week, lang, size)[0]
