"""Cockpit (驾驶舱) glue: the cached cockpit, big-type HTML tiles, the map and exports."""

from __future__ import annotations

import datetime as dt
import html
import logging
import threading
from collections.abc import Callable, Sequence
from typing import Any

import altair as alt
import numpy as np
import pandas as pd
import pydeck as pdk
import streamlit as st
from streamlit.runtime.scriptrunner import add_script_run_ctx

from .. import schema
from ..analytics.backlog import closure_known
from ..analytics.cockpit import Cockpit, build_cockpit
from ..analytics.hotspots import HOTSPOT_CLASSES
from ..analytics.incidents import IncidentFilter
from ..analytics.ranking import cluster_note
from ..analytics.trends import trend_label
from ..errors import GridmapError
from ..i18n import t
from ..report.figures import spread_marks, top_none, top_title
from ..report.from_workspace import area_name
from ..report.text import closure_note, kpi_text, row_numbers, row_reason, titled
from ..services.this_week import backlog_since
from ..tiles import mercator_lonlat, mercator_px
from ..viz import (
    HOTSPOT_RGB,
    QUIET_RGB,
    TREND_RGB,
    class_layer,
    label_layer,
    legend_items_html,
    view_for,
)
from . import keys
from .auth import audit
from .backlog import open_cases
from .data import _stamp, load_hierarchy, load_incidents, load_info, load_layer
from .filenames import window_file_name
from .risk import load_cell_layers, load_grid_overview
from .settings import cjk_font
from .this_week import load_this_week

__all__ = [
    "MEETING_CSS",
    "MEETING_MAP_PX",
    "area_name",
    "categories_chart",
    "closure_note_html",
    "cluster_notes_html",
    "cockpit_map_layers",
    "cockpit_view",
    "export_controls",
    "export_pdf",
    "export_png",
    "kpi_tiles_html",
    "load_cockpit",
    "monthly_chart",
    "professional_list_html",
    "titled",
    "top_list_html",
    "top_title",
    "trend_label",
]

_log = logging.getLogger(__name__)

# Meeting mode: no sidebar or Streamlit chrome, every font larger, for a projector; the
# page above the fold (title, KPI tiles, the map and the ten ranked rows) fits 1920 x 1080
# without scrolling (issue 13 item 10): tighter gaps and padding, a shorter title.
MEETING_CSS = """
<style>
section[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"],
header[data-testid="stHeader"], [data-testid="stToolbar"], footer {display: none !important;}
.block-container {padding: 0.5rem 2rem 2rem !important; max-width: 100% !important;}
html, body, [data-testid="stAppViewContainer"] {font-size: 20px;}
[data-testid="stMain"] [data-testid="stVerticalBlock"] {gap: 0.45rem;}
[data-testid="stMain"] h2 {font-size: 2.0rem !important; padding: 0 0 0.3rem !important;}
[data-testid="stMain"] h4 {font-size: 1.35rem !important; padding: 0 0 0.2rem !important;}
/* Streamlit pulls a markdown block's last child up by 1rem: room for that under the row. */
.gm-kpis {margin: 0.1rem 0 1.2rem !important;}
.gm-order {margin: 0 0 0.3rem !important;}
.gm-kpi {padding: 0.35rem 0.7rem !important;}
.gm-kpi .v {font-size: 2.3rem !important;}
.gm-kpi .v.nodata {font-size: 1.5rem !important;}
.gm-kpi .d {min-height: 0 !important;}
.gm-top li {font-size: 1.05rem !important; margin-bottom: 0.2rem !important;
  line-height: 1.25 !important;}
/* Nothing under 18 px on a 1080p projector (issue 13 item 10). */
.gm-badge, .gm-kpi .d, .gm-kpi .c, .gm-note, .gm-notes, .gm-notes li, .gm-top .num, .gm-top .why,
.gm-order, [data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] p,
[data-testid="stWidgetLabel"] p, [data-testid="stCheckbox"] p,
[data-testid="stExpander"] summary p, [data-testid="stButtonGroup"] p,
[data-testid="stMain"] button p {font-size: 18px !important;}
</style>
"""
#: The map's height in meeting mode: what is left of 1080 px under the title, the KPI row
#: and the layer switch, with its legend (measured in Chromium at 1920 x 1080).
MEETING_MAP_PX = 660
_TILE_CSS = """
<style>
.gm-kpis {display: grid; grid-template-columns: repeat(6, 1fr); gap: 0.6rem;
  margin: 0.3rem 0 0.8rem;}
.gm-kpi {background: #f4f6f8; border: 1px solid #d0d7de; border-radius: 8px;
  padding: 0.6rem 0.8rem; min-width: 0;}
.gm-kpi .l {color: #4b5563; font-size: 1.0rem;}
.gm-kpi .v {color: #1f2933; font-size: 2.3rem; font-weight: 700; line-height: 1.15;
  white-space: nowrap;}
/* "No data" is words, not a number: smaller, and free to wrap inside a narrow tile. */
.gm-kpi .v.nodata {font-size: 1.4rem; white-space: normal; color: #6b7785; line-height: 1.6;}
.gm-kpi .d {color: #6b7785; font-size: 0.8rem; min-height: 2.1em;}
.gm-kpi .c {font-size: 0.95rem; font-weight: 600;}
.gm-kpi .good {color: #1a7f37;} .gm-kpi .bad {color: #c62828;} .gm-kpi .neutral {color: #6b7785;}
.gm-note {color: #5b6573; font-size: 0.85rem; margin: -0.4rem 0 0.6rem;}
.gm-order {color: #5b6573; font-size: 0.85rem; margin: -0.3rem 0 0.3rem;}
.gm-top {margin: 0; padding-left: 1.6rem;}
.gm-top li {font-size: 1.0rem; margin-bottom: 0.3rem; color: #1f2933; line-height: 1.3;}
.gm-top .why {color: #5b6573; font-size: 0.82em; display: block;}
.gm-top .num {color: #6b7785; font-size: 0.85em; white-space: nowrap;}
.gm-badge {background: #fff4d6; border: 1px solid #e0b050; color: #8a5a00; border-radius: 6px;
  padding: 0.15rem 0.5rem; font-size: 0.85rem; margin-left: 0.6rem; vertical-align: middle;}
</style>
"""


@st.cache_data(show_spinner=False, max_entries=16)
def _cockpit(path: str, stamp: float, flt: IncidentFilter, res: int) -> Cockpit:
    table = load_incidents(path)
    grids = load_layer(path, "grids")
    h = load_hierarchy(path)
    households = grids.set_index(schema.CODE)[schema.HOUSEHOLDS]
    return build_cockpit(
        table,
        flt,
        households,
        h.name,
        res=res,
        overview=load_grid_overview(path, flt, res),
        layers=load_cell_layers(path, flt, res),
        grids=grids,
        keyareas=load_layer(path, "keyareas"),
    )


def _companions(path: str, flt: IncidentFilter) -> None:
    """Fill the caches of the cockpit's backlog card and this week's list (best effort)."""
    try:
        if closure_known(load_incidents(path)):
            open_cases(path, backlog_since(flt))
        load_this_week(path, flt)
    except Exception as exc:  # the page computes them itself and shows any error
        _log.warning("cockpit prefetch of %s failed: %s", path, exc)


@st.cache_resource(show_spinner=False, max_entries=16)
def _prefetch(path: str, stamp: float, flt: IncidentFilter) -> threading.Thread:
    thread = threading.Thread(
        target=_companions, args=(path, flt), name="gridmap-cockpit-prefetch", daemon=True
    )
    add_script_run_ctx(thread)
    thread.start()
    return thread


def load_cockpit(path: str, flt: IncidentFilter, res: int = 9) -> Cockpit:
    """The cockpit of ``flt``, sharing the Risk page's cached overview and cell layers.

    The first call per workspace version and filter also starts a thread computing the
    rest of the page, the backlog's open cases and this week's list, while the cockpit is
    computed: reading 650,000 open cases at 9.7 M incidents is seconds spent mostly in
    SQLite and GDAL, which run beside the cockpit's numpy on a second core (a cold first
    visit at scale 30 went from 25-29 s to 10-11 s with the faster paths below it). The
    page's own calls then find them cached, or wait for the thread's computation
    (Streamlit computes a cached value once, under a lock per key)."""
    stamp = _stamp(path)
    _prefetch(str(path), stamp, flt)
    return _cockpit(str(path), stamp, flt, res)


def kpi_tiles_html(
    cockpit: Cockpit, lang: str, *, extra: Sequence[str] = (), note: bool = True
) -> str:
    """The KPI tiles in one row, then (with ``note``) the sentence on the two closure rates.

    ``extra`` are more tiles of the same markup for the row (meeting mode puts the overdue
    backlog there, :func:`gridmap.ui.backlog.backlog_tile`)."""
    tiles = []
    for k in cockpit.kpis:
        text = kpi_text(k, cockpit, lang)
        value_class = "v nodata" if k.missing is not None else "v"
        tiles.append(
            f'<div class="gm-kpi" data-kpi="{k.key}"><div class="l">{html.escape(text.label)}</div>'
            f'<div class="{value_class}">{html.escape(text.value)}</div>'
            f'<div class="d">{html.escape(text.detail)}</div>'
            # 环比 and 同比 each coloured by its own direction; the tooltip says which is good.
            f'<div class="c" title="{html.escape(text.hint)}">'
            + " · ".join(
                f'<span class="{tone}">{html.escape(part)}</span>' for part, tone in text.parts
            )
            + "</div></div>"
        )
    tiles.extend(extra)
    sentence = closure_note(cockpit, lang) if note else ""
    note_html = f'<div class="gm-note">{html.escape(sentence)}</div>' if sentence else ""
    columns = f"grid-template-columns: repeat({len(tiles)}, minmax(0, 1fr))"
    return _TILE_CSS + f'<div class="gm-kpis" style="{columns}">{"".join(tiles)}</div>{note_html}'


def closure_note_html(cockpit: Cockpit, lang: str) -> str:
    """The sentence on the two closure rates alone ("" without closure times)."""
    text = closure_note(cockpit, lang)
    # The map legend above pulls up by 1rem (Streamlit's markdown): room for that.
    style = "margin:1.2rem 0 0"
    return f'<div class="gm-note" style="{style}">{html.escape(text)}</div>' if text else ""


def _ranked_items(frame: pd.DataFrame, lang: str) -> str:
    items = []
    for _code, row in frame.iterrows():
        numbers = row_numbers(row, lang)
        full = html.escape(row_reason(row, lang))
        # On screen the headline (never cut); the whole reason on hover and in the PDF.
        short = html.escape(str(row.get(f"headline_{lang}", row_reason(row, lang))))
        items.append(
            f"<li><b>{html.escape(str(row['name']))}</b> "
            f'<span class="num">{html.escape(numbers)}</span>'
            f'<span class="why" title="{full}">{short}</span></li>'
        )
    return "".join(items)


def top_list_html(cockpit: Cockpit, lang: str) -> str:
    """The ranked basic grids: the numbers on the map are these positions.

    A line above the rows names the figure they are ordered by ("N more than expected",
    weighted), which falls down the list; with no grid to rank, why in words."""
    top = cockpit.top
    if top.empty:
        return f'<p class="gm-none">{html.escape(top_none(cockpit, lang))}</p>'
    order = ""
    if "excess_incidents" in top:
        order = (
            f'<div class="gm-order" title="{html.escape(t("cockpit.top.order.help", lang))}">'
            f"{html.escape(t('cockpit.top.order', lang))} ⓘ</div>"
        )
    return f'{order}<ol class="gm-top">{_ranked_items(top, lang)}</ol>'


def professional_list_html(cockpit: Cockpit, lang: str) -> str:
    """Professional grids (parks, schools, markets …), ranked among their own kind; empty
    when the workspace has none with enough incidents."""
    pro = cockpit.professional
    if pro.empty:
        return ""
    title = html.escape(t("priority.professional", lang))
    return f'<h5>{title}</h5><ol class="gm-top">{_ranked_items(pro, lang)}</ol>'


def cluster_notes_html(cockpit: Cockpit, lang: str, name_of: Callable[[str], str]) -> str:
    """Why each significant hot-spot cluster on the map holds no ranked grid."""
    if cockpit.clusters.empty:
        return ""
    n = len(cockpit.top)
    lines = [
        f"<li>{html.escape(cluster_note(row, lang, name_of, n))}</li>"
        for row in cockpit.clusters.to_dict("records")
    ]
    return f'<ul class="gm-notes" style="color:#5b6573;font-size:0.85em">{"".join(lines)}</ul>'


def _mark_positions(points: list[tuple[float, float]], zoom: float) -> list[tuple[float, float]]:
    """Rank marks spread so none covers another at ``zoom`` (Web-Mercator pixels)."""
    if not points:
        return []
    # Measured in a 256-px world, as the spacing below was chosen.
    x, y = mercator_px([p[0] for p in points], [p[1] for p in points], zoom, world_px=256.0)
    # Badges are 26 px across: 30 px between centres keeps a hair of space.
    out = spread_marks(np.column_stack([x, y]), 30.0)
    lon2, lat2 = mercator_lonlat(out[:, 0], out[:, 1], zoom, world_px=256.0)
    return list(zip(lon2.tolist(), lat2.tolist(), strict=True))


def cockpit_map_layers(
    cockpit: Cockpit,
    layer: str,
    lang: str,
    grid_points: dict[str, tuple[float, float]],
    zoom: float = 12.0,
) -> tuple[list[pdk.Layer], str]:
    """The cell layer (hot spots or emerging), the top grids' rank badges, and a legend.

    Badges that would overlap at ``zoom`` (the view's) are moved apart, each joined to its
    grid by a leader line.
    """
    if layer == "emerging":
        cells = class_layer(
            cockpit.emerging, layer_id="cockpit-cells", column="trend_code", colours=TREND_RGB
        )
        present = sorted(set(cockpit.emerging["trend_code"].astype(int)))
        legend = legend_items_html(
            t("cockpit.map.emerging", lang),
            [(trend_label(k, lang), TREND_RGB[k]) for k in present]
            or [(t("cockpit.emerging.none", lang), (255, 255, 255))],
        )
    else:
        colours = {**{k: HOTSPOT_RGB[k] for k in (1, 2, 3)}, 0: QUIET_RGB}
        shown = cockpit.cells[cockpit.cells["hotspot_class"] >= 0]
        cells = class_layer(
            shown, layer_id="cockpit-cells", column="hotspot_class", colours=colours
        )
        # Plain words on the screen; the method's name for experts in one tooltip (ⓘ).
        tech = html.escape(t("tech.clusters", lang))
        legend = legend_items_html(
            f'{t("cockpit.map", lang)} <span title="{tech}" style="cursor:help">ⓘ</span>',
            [(HOTSPOT_CLASSES[k].label(lang), HOTSPOT_RGB[k]) for k in (3, 2, 1)]
            + [(t("cockpit.legend.quiet", lang, m=cockpit.min_count), QUIET_RGB)],
        )
    found = [
        (rank, grid_points[str(code)])
        for rank, code in enumerate(cockpit.top.index, start=1)
        if str(code) in grid_points
    ]
    moved = _mark_positions([xy for _r, xy in found], zoom)
    ranks: list[dict[str, Any]] = []
    leaders: list[dict[str, Any]] = []
    for (rank, xy), to in zip(found, moved, strict=True):
        ranks.append({"position": [round(to[0], 6), round(to[1], 6)], "text": str(rank)})
        if abs(to[0] - xy[0]) + abs(to[1] - xy[1]) > 1e-9:
            leaders.append({"from": [xy[0], xy[1]], "to": [to[0], to[1]]})
    lines = pdk.Layer(
        "LineLayer",
        id="cockpit-rank-leaders",
        data=leaders,
        get_source_position="from",
        get_target_position="to",
        get_color=[31, 41, 51, 220],
        get_width=2,
        width_min_pixels=2,
        pickable=False,
    )
    badges = pdk.Layer(
        "ScatterplotLayer",
        id="cockpit-rank-dots",
        data=ranks,
        get_position="position",
        get_radius=0,
        radius_min_pixels=13,
        get_fill_color=[31, 41, 51, 230],
        get_line_color=[255, 255, 255],
        stroked=True,
        line_width_min_pixels=1.5,
        pickable=False,
    )
    labels = label_layer("cockpit-ranks", ranks, colour=(255, 255, 255))
    # "Numbers: priority rank" only where the map carries numbers.
    top_legend = (
        f'<span style="margin-left:10px">● {html.escape(t("cockpit.legend.top", lang))}</span>'
        if ranks
        else ""
    )
    return [cells, lines, badges, labels], legend.replace("</div>", top_legend + "</div>", 1)


# One shared read-only dict (thousands of grids), not a copy unpickled on every rerun.
@st.cache_resource(show_spinner=False, max_entries=16)
def _grid_points(path: str, stamp: float) -> dict[str, tuple[float, float]]:
    grids = load_layer(path, "grids")
    pts = grids.set_index(schema.CODE).geometry.representative_point()
    return {str(c): (p.x, p.y) for c, p in pts.items()}


def grid_points(path: str) -> dict[str, tuple[float, float]]:
    return _grid_points(str(path), _stamp(path))


@st.cache_resource(show_spinner=False, max_entries=64)
def _focus(
    path: str, stamp: float, flt: IncidentFilter, _cockpit: Cockpit
) -> tuple[float, float, float, float]:
    # The frame depends on the workspace version and the filter only; ``_cockpit`` (not
    # hashed, Streamlit skips leading-underscore arguments) is the cockpit of that filter.
    from ..report.figures import focus_bounds

    return focus_bounds(_cockpit, grid_points(path), (0.0, 0.0, 0.0, 0.0))


def cockpit_view(cockpit: Cockpit, path: str, fallback: pdk.ViewState) -> pdk.ViewState:
    """Zoom to where the incidents are (the printed report frames the same area)."""
    import geopandas as gpd
    import shapely

    box = _focus(path, _stamp(path), cockpit.flt, cockpit)
    if box == (0.0, 0.0, 0.0, 0.0):
        return fallback
    return view_for(gpd.GeoDataFrame(geometry=[shapely.box(*box)], crs=4326))


def _report_inputs(path: str, cockpit: Cockpit, area: str | None) -> tuple[Any, Any, Any]:
    from ..report import MapContext, ReportMeta

    h = load_hierarchy(path)
    ctx = MapContext.build(
        load_layer(path, "admin"), load_layer(path, "grids"), cockpit.flt.grid_codes
    )
    meta = ReportMeta(area_name(h, area), synthetic=bool(load_info(path)["synthetic"]))
    return ctx, meta, h


def export_png(path: str, cockpit: Cockpit, area: str | None, lang: str) -> bytes:
    """The screen's content as a 1920 x 1080 PNG (drawn server-side, so it needs no GPU);
    audited once the bytes exist, so a failed export leaves no audit entry."""
    from ..report import cockpit_png

    ctx, meta, _h = _report_inputs(path, cockpit, area)
    data = cockpit_png(cockpit, ctx, meta, lang, cjk_font=cjk_font())
    audit(path, schema.AuditAction.EXPORT, target="cockpit.png", detail={"area": area})
    return data


def export_pdf(path: str, cockpit: Cockpit, area: str | None, lang: str) -> bytes:
    """The multi-page PDF report; audited once the bytes exist."""
    from ..report import report_pdf

    ctx, meta, h = _report_inputs(path, cockpit, area)
    week = load_this_week(path, cockpit.flt)
    data = report_pdf(
        cockpit,
        ctx,
        meta,
        lang=lang,
        grid_names=dict(h.names),
        this_week=week,
        cjk_font=cjk_font(),
    )
    audit(path, schema.AuditAction.EXPORT, target="report.pdf", detail={"area": area})
    return data


#: The two exports: renderer, file name stem, MIME type, button icon.
_EXPORTS: dict[str, tuple[Callable[[str, Cockpit, str | None, str], bytes], str, str, str]] = {
    "png": (export_png, "cockpit", "image/png", ":material/image:"),
    "pdf": (export_pdf, "risk_report", "application/pdf", ":material/picture_as_pdf:"),
}


def _one_line(exc: Exception) -> str:
    """An error as one line: gridmap's own messages as they are, anything else with its type
    (the traceback goes to the server log)."""
    text = str(exc) if isinstance(exc, GridmapError) else f"{type(exc).__name__}: {exc}"
    line = text.strip().splitlines()[0] if text.strip() else type(exc).__name__
    return line if len(line) <= 300 else line[:299] + "…"


def export_controls(path: str, cockpit: Cockpit, area: str | None, lang: str) -> None:
    """The "export this screen" PNG and PDF buttons of the cockpit.

    A click renders the file in the script run (a Streamlit download with a callable would
    render it in a thread whose failure never reaches the page); then a download button with
    the file's size appears. A failure shows its one-line reason on the page and is not
    audited. The result is kept per filter, area and language, so a stale file is never
    offered after the window changes.
    """
    signature = (str(path), repr(cockpit.flt), area, lang)
    columns = st.columns([1, 1, 3])
    errors: list[str] = []
    for col, (kind, (render, stem, mime, icon)) in zip(columns, _EXPORTS.items(), strict=False):
        key = keys.cockpit_export_key(kind)
        with col:
            if st.button(t(f"cockpit.export.{kind}", lang), key=key, icon=icon):
                with st.spinner(t("cockpit.export.working", lang)):
                    try:
                        result: bytes | str = render(path, cockpit, area, lang)
                    except Exception as exc:
                        _log.exception("cockpit %s export failed", kind)
                        result = _one_line(exc)
                st.session_state[f"{key}_result"] = (signature, result)
            kept = st.session_state.get(f"{key}_result")
            if kept is None or kept[0] != signature:
                continue
            if isinstance(kept[1], str):
                errors.append(t("cockpit.export.failed", lang, what=kind.upper(), reason=kept[1]))
                continue
            st.download_button(
                t("cockpit.export.save", lang, what=kind.upper(), kb=len(kept[1]) // 1024),
                kept[1],
                # The window shown, not the day of the export: the file says what it holds.
                file_name=window_file_name(stem, cockpit.flt.start, cockpit.flt.end, kind),
                mime=mime,
                key=f"{key}_file",
                on_click="ignore",
                type="primary",
                icon=":material/download:",
            )
    for message in errors:
        st.error(message, icon=":material/error:")


def _styled(chart: alt.Chart, title: str, size: int, height: int = 240) -> alt.Chart:
    """Meeting-room type sizes and a left-aligned title on a cockpit chart."""
    return (
        chart.properties(height=height, title=title)
        .configure_axis(labelFontSize=size, titleFontSize=size)
        .configure_legend(labelFontSize=size)
        .configure_title(fontSize=size + 2, anchor="start")
    )


def monthly_chart(
    cockpit: Cockpit, lang: str, size: int, *, first: dt.date | None = None
) -> alt.Chart:
    """Incidents per month, this year (red) against a year earlier (grey, dashed).

    Months before ``first`` (the first incident of the workspace) hold no data, not zero
    incidents: they are left out of the lines instead of being drawn at 0.
    """
    frame = cockpit.monthly.copy()
    month = pd.to_datetime(frame["month"])
    if first is not None:
        start = pd.Timestamp(first).to_period("M").start_time
        frame["count"] = frame["count"].where(month >= start)
        frame["count_last_year"] = frame["count_last_year"].where(
            month - pd.DateOffset(years=1) >= start
        )
    current, last_year = t("cockpit.current", lang), t("cockpit.last_year", lang)
    monthly = frame.melt(
        id_vars="month", value_vars=["count", "count_last_year"], var_name="series"
    ).dropna(subset=["value"])
    monthly["series"] = monthly["series"].map({"count": current, "count_last_year": last_year})
    monthly["month"] = pd.to_datetime(monthly["month"])
    # An explicit domain: sorted by name, "上年同期" would come first and take the red.
    series = alt.Scale(domain=[current, last_year], range=["#b2182b", "#9aa5b1"])
    legend = alt.Legend(orient="top", symbolType="stroke", symbolStrokeWidth=3, symbolSize=400)
    line = (
        alt.Chart(monthly)
        .mark_line(strokeWidth=3)
        .encode(
            x=alt.X(
                "yearmonth(month):T", title=None, axis=alt.Axis(format="%y-%m", tickCount="month")
            ),
            y=alt.Y("value:Q", title=None),
            # Colour and dash share one legend of line symbols, so the legend shows which
            # line is dashed (上年同期) exactly as the title says.
            color=alt.Color("series:N", title=None, scale=series, legend=legend),
            strokeDash=alt.StrokeDash(
                "series:N",
                scale=alt.Scale(domain=[current, last_year], range=[[1, 0], [6, 4]]),
                legend=legend,
            ),
        )
    )
    return _styled(line, t("cockpit.trend", lang), size)


def categories_chart(cockpit: Cockpit, lang: str, size: int) -> alt.Chart:
    """Incidents per category, this period against the previous one."""
    cats = cockpit.categories
    cats = cats[(cats["current"] + cats["previous"]) > 0].reset_index()
    cats["label"] = cats[schema.CATEGORY].map(lambda c: schema.CATEGORIES.label(c, lang))
    # A previous period before the data began holds no data, not zero incidents: no bars.
    covered = bool(cockpit.notes.get("previous_covered", 1.0))
    periods = ["previous", "current"] if covered else ["current"]
    long = cats.melt(id_vars="label", value_vars=periods, var_name="period")
    before, now = t("cockpit.previous", lang), t("cockpit.current", lang)
    long["period"] = long["period"].map({"previous": before, "current": now})
    bars = (
        alt.Chart(long)
        .mark_bar()
        .encode(
            # No label hidden for overlap: the chart is tall enough for every category.
            y=alt.Y(
                "label:N",
                title=None,
                sort=list(cats["label"]),
                axis=alt.Axis(labelOverlap=False, labelLimit=0),
            ),
            yOffset=alt.YOffset("period:N", sort=[before]),
            x=alt.X("value:Q", title=None),
            color=alt.Color(
                "period:N",
                title=None,
                scale=alt.Scale(range=["#c9ced6", "#2b6cb0"]),
                sort=[before],
                legend=alt.Legend(orient="top"),
            ),
        )
    )
    # Each category gets room for its label and its bars (2.6 lines of type), plus the
    # title, legend and axis (about 6 lines): at 240 px, 3 of 6 labels were hidden.
    height = max(240, int((6 + 2.6 * len(cats)) * size))
    return _styled(bars, t("cockpit.categories", lang), size, height)
