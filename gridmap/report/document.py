"""The cockpit as a one-page PNG and as a multi-page PDF report for meetings.

The PDF is A4 landscape with the Chinese font embedded (TrueType subset, see
:mod:`gridmap.report.fonts`), so it prints the same on any meeting-room PC:

1. the cockpit: KPI tiles, the hot-spot map with the top grids' ranks, the top grids;
2. maps: significant hot spots and new/intensifying hot spots side by side;
3. the priority grids with their reasons, in full;
4. trends: incidents per month against a year earlier, categories against the previous
   period, emerging hot spots and the grid each lies in;
5. how every number is made, and what was suppressed.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from ..analytics.cockpit import Cockpit
from ..analytics.trends import trend_label
from ..i18n import t
from .figures import (
    INK,
    MUTED,
    MapContext,
    draw_categories,
    draw_kpis,
    draw_map,
    draw_monthly,
    draw_top,
    top_title,
)
from .fonts import ReportError, cjk_family
from .text import priority_notes, titled
from .this_week import ThisWeek, this_week_pages

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["ReportMeta", "cockpit_png", "report_pdf"]

A4_LANDSCAPE = (11.69, 8.27)
SCREEN = (16.0, 9.0)


class ReportMeta:
    """Title facts: the area's name, whether the data is synthetic, when it was made."""

    def __init__(self, area_name: str, *, synthetic: bool, generated: dt.datetime | None = None):
        self.area_name = area_name
        self.synthetic = synthetic
        self.generated = generated or dt.datetime.now().replace(microsecond=0)


def write_report(out: str | Path, data: bytes) -> None:
    """Write a finished report file whole: through a temporary file renamed into place, so a
    reader (a browser download, a mail merge) never sees half a report."""
    path = Path(out)
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        tmp.write_bytes(data)
        tmp.replace(path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise ReportError(f"{path}: cannot write the report ({exc.strerror})") from exc


@contextmanager
def _style(cjk_font: str | None = None) -> Iterator[None]:
    import matplotlib

    family = cjk_family(cjk_font)
    # CJK families rarely ship a bold face; matplotlib then logs a warning per text.
    logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)
    with matplotlib.rc_context(
        {
            "font.family": [family, "DejaVu Sans"],
            "axes.unicode_minus": False,  # CJK fonts often lack U+2212
            "pdf.fonttype": 42,  # embed TrueType, so the file needs no installed font
        }
    ):
        yield


def _figure(size: tuple[float, float]) -> Figure:
    from matplotlib.figure import Figure

    return Figure(figsize=size, facecolor="white")


def _header(
    fig: Figure, cockpit: Cockpit, meta: ReportMeta, lang: str, title: str, *, size: float = 20
) -> None:
    f, p = cockpit.flt, cockpit.previous
    fig.text(0.02, 0.965, title, fontsize=size, fontweight="bold", color=INK, va="top")
    period = t(
        "cockpit.period", lang,
        start=f.start, end=f.end, days=(f.end - f.start).days + 1, pstart=p.start, pend=p.end,
    )  # fmt: skip
    fig.text(0.02, 0.965 - size / 380, period, fontsize=size * 0.55, color=MUTED, va="top")
    if meta.synthetic:
        fig.text(
            0.98, 0.965, t("cockpit.synthetic", lang), fontsize=size * 0.55, color="#8a5a00",
            ha="right", va="top",
            bbox={"boxstyle": "round,pad=0.3", "fc": "#fff4d6", "ec": "#e0b050"},
        )  # fmt: skip


def _footer(
    fig: Figure, meta: ReportMeta, lang: str, page: int | None = None, total: int | None = None
) -> None:
    fig.text(
        0.02,
        0.015,
        t("report.generated", lang, at=meta.generated.isoformat(sep=" ")),
        fontsize=8,
        color=MUTED,
    )
    if page is not None:
        fig.text(
            0.98,
            0.015,
            t("report.page", lang, n=page, total=total),
            fontsize=8,
            color=MUTED,
            ha="right",
        )


def _cockpit_figure(
    cockpit: Cockpit, ctx: MapContext, meta: ReportMeta, lang: str, size: tuple[float, float]
) -> Figure:
    fig = _figure(size)
    scale = size[0] / A4_LANDSCAPE[0]
    _header(
        fig, cockpit, meta, lang, titled("cockpit.title", meta.area_name, lang), size=18 * scale
    )
    draw_kpis(fig, cockpit, lang, (0.02, 0.70, 0.96, 0.15), scale=0.8 * scale)
    ax_map = fig.add_axes((0.01, 0.05, 0.55, 0.62))
    draw_map(ax_map, cockpit, ctx, lang, legend_size=8 * scale)
    ax_map.set_title(t("cockpit.map", lang), fontsize=12 * scale, loc="left")
    ax_top = fig.add_axes((0.58, 0.05, 0.40, 0.59))
    fig.text(
        0.58,
        0.66,
        top_title(cockpit, lang),
        fontsize=12 * scale,
        fontweight="bold",
    )
    draw_top(ax_top, cockpit, lang, size=8.5 * scale, wrap=40, lines=2)
    fig.text(
        0.02,
        0.035,
        t(
            "cockpit.suppressed",
            lang,
            m=cockpit.min_count,
            cells=cockpit.suppressed_cells,
            grids=cockpit.suppressed_grids,
        ),
        fontsize=7 * scale,
        color=MUTED,
    )
    return fig


def cockpit_png(
    cockpit: Cockpit,
    ctx: MapContext,
    meta: ReportMeta,
    lang: str = "zh",
    *,
    dpi: int = 120,
    cjk_font: str | None = None,
) -> bytes:
    """The cockpit screen as a 16:9 PNG (1920 x 1080 at the default dpi).

    ``cjk_font``: the deployment's font file for Chinese (``GRIDMAP_CJK_FONT``, read at the
    edge); None: the bundled font.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    with _style(cjk_font):
        fig = _cockpit_figure(cockpit, ctx, meta, lang, SCREEN)
        _footer(fig, meta, lang)
        buf = io.BytesIO()
        FigureCanvasAgg(fig)
        fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


def _maps_page(cockpit: Cockpit, ctx: MapContext, meta: ReportMeta, lang: str) -> Figure:
    fig = _figure(A4_LANDSCAPE)
    _header(fig, cockpit, meta, lang, t("report.maps", lang), size=16)
    left = fig.add_axes((0.01, 0.06, 0.48, 0.80))
    draw_map(left, cockpit, ctx, lang, legend_size=7)
    left.set_title(t("cockpit.map", lang), fontsize=11, loc="left")
    right = fig.add_axes((0.51, 0.06, 0.48, 0.80))
    draw_map(right, cockpit, ctx, lang, layer="emerging", rank_labels=False, legend_size=7)
    right.set_title(t("cockpit.map.emerging", lang), fontsize=11, loc="left")
    return fig


def _top_page(
    cockpit: Cockpit, meta: ReportMeta, lang: str, name_of: Callable[[str], str]
) -> Figure:
    fig = _figure(A4_LANDSCAPE)
    _header(fig, cockpit, meta, lang, t("report.top", lang), size=16)
    notes = priority_notes(cockpit, lang, name_of)
    low = 0.04 + 0.03 * len(notes)
    ax = fig.add_axes((0.03, low, 0.94, 0.86 - low))
    draw_top(ax, cockpit, lang, size=11, wrap=70)
    for i, line in enumerate(notes):
        fig.text(0.03, low - 0.03 * (i + 1), line, fontsize=9.5, color=MUTED)
    return fig


def _trends_page(cockpit: Cockpit, meta: ReportMeta, name_of: dict[str, str], lang: str) -> Figure:
    fig = _figure(A4_LANDSCAPE)
    _header(fig, cockpit, meta, lang, t("report.trends", lang), size=16)
    draw_monthly(fig.add_axes((0.06, 0.50, 0.55, 0.33)), cockpit, lang)
    draw_categories(fig.add_axes((0.72, 0.50, 0.26, 0.33)), cockpit, lang)
    fig.text(0.03, 0.41, t("cockpit.emerging", lang), fontsize=12, fontweight="bold", color=INK)
    em = cockpit.emerging.head(10)
    if em.empty:
        fig.text(0.03, 0.37, t("cockpit.emerging.none", lang), fontsize=10, color=MUTED)
    y = 0.37
    for _, row in em.iterrows():
        where = name_of.get(str(row["grid"]), str(row["grid"]))
        fig.text(
            0.03, y,
            f"{trend_label(int(row['trend_code']), lang)} · {where} · "
            f"{int(row['count']):,} {t('count.unit', lang)} · H3 {row['cell']}",
            fontsize=9.5, color=INK,
        )  # fmt: skip
        y -= 0.032
    return fig


def _method_page(cockpit: Cockpit, meta: ReportMeta, lang: str) -> Figure:
    fig = _figure(A4_LANDSCAPE)
    _header(fig, cockpit, meta, lang, t("report.method", lang), size=16)
    text = t(
        "report.method.text", lang,
        m=cockpit.min_count, cells=cockpit.suppressed_cells, grids=cockpit.suppressed_grids,
    )  # fmt: skip
    import textwrap

    width = int(t("report.wrap.method", lang))
    lines = [textwrap.fill(line, width) for line in text.split("\n")]
    fig.text(0.04, 0.84, "\n\n".join(lines), fontsize=9, color=INK, va="top", linespacing=1.4)
    # How grids are ranked (issue 13): the top list's method, below the indicators'.
    how = [textwrap.fill(line, width) for line in t("priority.how", lang).split("\n")]
    fig.text(0.04, 0.30, t("priority.how.title", lang), fontsize=10, fontweight="bold", color=INK)
    fig.text(0.04, 0.27, "\n".join(how), fontsize=8.5, color=INK, va="top", linespacing=1.35)
    return fig


def report_pdf(
    cockpit: Cockpit,
    ctx: MapContext,
    meta: ReportMeta,
    out: str | Path | None = None,
    *,
    lang: str = "zh",
    grid_names: dict[str, str] | None = None,
    this_week: ThisWeek | None = None,
    cjk_font: str | None = None,
) -> bytes:
    """The multi-page PDF report; written to ``out`` when given, always returned as bytes.

    ``this_week`` adds a page with this week's priority grids after the priority list.
    ``cjk_font``: the font file for Chinese, as for :func:`cockpit_png`.

    Raises
    ------
    ReportError
        When no Chinese font is installed, or ``out`` cannot be written.
    """
    from matplotlib.backends.backend_pdf import PdfPages

    names = grid_names or {}
    buf = io.BytesIO()
    with _style(cjk_font):
        pages = [
            _cockpit_figure(cockpit, ctx, meta, lang, A4_LANDSCAPE),
            _maps_page(cockpit, ctx, meta, lang),
            _top_page(cockpit, meta, lang, lambda c: names.get(c, c)),
            *this_week_pages(this_week, lang, A4_LANDSCAPE),
            _trends_page(cockpit, meta, names, lang),
            _method_page(cockpit, meta, lang),
        ]
        info = {
            "Title": titled("report.title", meta.area_name, lang),
            "Creator": "gridmap",
            "CreationDate": meta.generated,
        }
        with PdfPages(buf, metadata=info) as pdf:
            for i, fig in enumerate(pages, start=1):
                _footer(fig, meta, lang, i, len(pages))
                pdf.savefig(fig)
    data = buf.getvalue()
    if out is not None:
        write_report(out, data)
    return data
