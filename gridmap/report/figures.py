"""Matplotlib drawings of the cockpit: KPI tiles, risk maps, top grids, trends.

Everything draws onto a given ``Axes`` or ``Figure`` (no pyplot state), so the same pieces
compose the one-page PNG and the pages of the PDF, also inside a Streamlit server thread.
"""

from __future__ import annotations

import math
import re
import textwrap
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import shapely

from .. import schema
from ..analytics.cockpit import Cockpit
from ..analytics.hotspots import HOTSPOT_CLASSES
from ..analytics.trends import trend_label
from ..i18n import t
from ..indexing import cells_to_polygons, str_to_cells
from ..viz import HOTSPOT_RGB, QUIET_RGB, TREND_RGB
from .text import kpi_text, row_numbers, row_reason

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from numpy.typing import NDArray

__all__ = [
    "MapContext",
    "draw_categories",
    "draw_kpis",
    "draw_map",
    "draw_monthly",
    "draw_top",
    "focus_bounds",
    "spread_marks",
    "top_none",
    "top_title",
]


def _hex(rgb: tuple[int, int, int]) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb)


INK = "#1f2933"
MUTED = "#6b7785"
TONE = {"good": "#1a7f37", "bad": "#c62828", "neutral": MUTED}
# The app's colours (gridmap.viz), so paper and screen agree.
HOT = {k: _hex(HOTSPOT_RGB[k]) for k in (3, 2, 1)}
QUIET = _hex(QUIET_RGB)
EMERGING = {k: _hex(TREND_RGB[k]) for k in (1, 2, 3)}
LEVEL_STYLE = {
    "district": (1.6, "#7a3b2e"),
    "street": (0.8, "#6a6aa0"),
    "community": (0.3, "#b0b0b0"),
    # Grid outlines, drawn only for a workspace without admin units (grids and incidents
    # only): without them the map panel would be an empty frame.
    "grid": (0.4, "#8a8f98"),
}


@dataclass(frozen=True)
class MapContext:
    """What the map draws besides cells: admin outlines and where each grid is."""

    outlines: dict[str, gpd.GeoSeries]  # level -> outlines (EPSG:4326)
    grid_points: dict[str, tuple[float, float]]  # grid code -> (lon, lat) inside it
    bounds: tuple[float, float, float, float]
    #: (lon, lat, name) of the places named on the map: districts for the city, streets
    #: for an area (a reader must be able to say where a cluster is).
    places: tuple[tuple[float, float, str], ...] = ()

    @classmethod
    def build(
        cls,
        admin: gpd.GeoDataFrame,
        grids: gpd.GeoDataFrame,
        grid_codes: frozenset[str] | None,
    ) -> MapContext:
        """Outlines of the districts, streets and communities that hold the grids in scope."""
        shown = grids if grid_codes is None else grids[grids[schema.CODE].isin(grid_codes)]
        if shown.empty:
            shown = grids
        minx, miny, maxx, maxy = shown.total_bounds
        pad_x, pad_y = 0.03 * (maxx - minx) + 1e-3, 0.03 * (maxy - miny) + 1e-3
        bounds = (minx - pad_x, miny - pad_y, maxx + pad_x, maxy + pad_y)
        box = shapely.box(*bounds)
        outlines = {}
        for level in ("community", "street", "district"):
            layer = admin[admin[schema.LEVEL] == level]
            layer = layer[layer.intersects(box)]
            tol = {"district": 0.0008, "street": 0.0003, "community": 0.0001}[level]
            outlines[level] = layer.geometry.boundary.simplify(tol)
        if not any(len(g) for g in outlines.values()):
            outlines["grid"] = shown.geometry.boundary.simplify(0.0001)
        points = shown.set_index(schema.CODE).geometry.representative_point()
        grid_points = {str(c): (p.x, p.y) for c, p in points.items()}
        return cls(outlines, grid_points, bounds, _places(admin, grid_codes, box))


def _places(
    admin: gpd.GeoDataFrame, grid_codes: frozenset[str] | None, box: shapely.Polygon
) -> tuple[tuple[float, float, str], ...]:
    """Districts (the whole city) or streets (an area) whose label point lies on the map."""
    level = "district" if grid_codes is None else "street"
    if admin.empty or schema.NAME not in admin.columns:
        return ()
    units = admin[(admin[schema.LEVEL] == level) & admin[schema.NAME].notna()]
    points = units.geometry.representative_point()
    inside = points.within(box).to_numpy()
    names = units[schema.NAME].astype(str).to_numpy()[inside]
    return tuple((p.x, p.y, n) for p, n in zip(points[inside], names, strict=True) if n.strip())


def _place_names(ax: Axes, ctx: MapContext, size: float) -> None:
    """The places' names over the cells and outlines, under the rank marks, with a white
    halo so they read over red cells."""
    from matplotlib import patheffects

    halo = [patheffects.withStroke(linewidth=2.5, foreground="white")]
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    # Only names well inside the frame: one centred near the edge would be cut in half.
    mx, my = 0.08 * (x1 - x0), 0.03 * (y1 - y0)
    for x, y, name in ctx.places:
        if not (x0 + mx <= x <= x1 - mx and y0 + my <= y <= y1 - my):
            continue
        ax.text(
            x, y, name, fontsize=size, color="#2b3340", ha="center", va="center",
            zorder=4, path_effects=halo, clip_on=True,
        )  # fmt: skip


def _hexes(cells: Any) -> gpd.GeoSeries:
    return cells_to_polygons(str_to_cells(np.asarray(cells, dtype=object)))


def spread_marks(xy: NDArray[np.float64], gap: float) -> NDArray[np.float64]:
    """Positions for rank marks that never overlap: each mark, in rank order, stays on its
    point when it is at least ``gap`` from every mark placed before, else moves to the
    nearest free spot on rings of radius ``gap``, ``2 gap`` … around it (a leader line
    then joins it to its point). ``xy`` are screen-like units (equal in x and y).

    Examples
    --------
    >>> spread_marks(np.array([[0.0, 0.0], [0.1, 0.0], [5.0, 5.0]]), 1.0).round(2).tolist()
    [[0.0, 0.0], [0.1, 1.0], [5.0, 5.0]]
    """
    placed: list[NDArray[np.float64]] = []
    angles = np.deg2rad(np.arange(90, 450, 30))
    for p in np.asarray(xy, dtype=np.float64):
        candidates = [p] + [
            p + ring * gap * np.array([np.cos(a), np.sin(a)]) for ring in (1, 2, 3) for a in angles
        ]
        free = next(
            (c for c in candidates if all(np.hypot(*(c - q)) >= gap * 0.999 for q in placed)),
            candidates[-1],
        )
        placed.append(free)
    return np.array(placed).reshape(-1, 2)


def _rank_marks(
    ax: Axes, cockpit: Cockpit, points: dict[str, tuple[float, float]], size: float
) -> None:
    """The top grids' ranks on the map, spread apart so none hides another (a thin leader
    line joins a moved mark to its grid)."""
    top = [str(c) for c in cockpit.top.index[:10]]
    ranked = [(r, points[c]) for r, c in enumerate(top, 1) if c in points]
    if not ranked:
        return
    xy = np.array([p for _r, p in ranked], dtype=np.float64)
    # Marks are about 2.2 type sizes across; in data units from the axes' width in points.
    x0, x1 = ax.get_xlim()
    width_pt = ax.get_window_extent().width * 72 / ax.figure.dpi
    stretch = 1 / math.cos(math.radians(float(np.mean(ax.get_ylim()))))
    gap = 2.3 * size * (x1 - x0) / max(width_pt, 1.0)
    spread = spread_marks(xy * [1.0, stretch], gap) / [1.0, stretch]
    for (rank, p), q in zip(ranked, spread, strict=True):
        if not np.allclose(p, q):
            ax.plot([p[0], q[0]], [p[1], q[1]], color=INK, lw=0.8, zorder=4)
        ax.annotate(
            str(rank),
            (float(q[0]), float(q[1])),
            ha="center",
            va="center",
            fontsize=size,
            fontweight="bold",
            color="white",
            zorder=5,
            bbox={"boxstyle": "circle,pad=0.25", "fc": INK, "ec": "white", "lw": 0.8},
        )


def focus_bounds(
    cockpit: Cockpit,
    grid_points: dict[str, tuple[float, float]],
    fallback: tuple[float, float, float, float],
) -> tuple[float, float, float, float]:
    """Where the incidents are: the cells shown and the top grids, not the empty hills.

    The 1st-99th percentiles of the cell centres drop the odd remote cell; the padding keeps
    the district outlines around the cluster readable. Falls back to the scope's extent.
    """
    xs: list[float] = []
    ys: list[float] = []
    if len(cockpit.cells):
        # Hexagons are a few hundred metres across: a planar centroid in degrees is exact
        # enough here (and geopandas would warn about a geographic CRS).
        c = shapely.centroid(_hexes(cockpit.cells["cell"]).to_numpy())
        lo_x, hi_x = np.percentile(shapely.get_x(c), [1, 99])
        lo_y, hi_y = np.percentile(shapely.get_y(c), [1, 99])
        xs += [lo_x, hi_x]
        ys += [lo_y, hi_y]
    for code in cockpit.top.index:
        xy = grid_points.get(str(code))
        if xy is not None:
            xs.append(xy[0])
            ys.append(xy[1])
    if not xs:
        return fallback
    minx, maxx, miny, maxy = min(xs), max(xs), min(ys), max(ys)
    span = max(maxx - minx, (maxy - miny) * 1.3, 0.02)
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    half_x, half_y = 0.58 * span, 0.58 * span / 1.3
    return (cx - half_x, cy - half_y, cx + half_x, cy + half_y)


def _frame_map(ax: Axes, bounds: tuple[float, float, float, float]) -> None:
    minx, miny, maxx, maxy = bounds
    ax.set_xlim(minx, maxx)
    ax.set_ylim(miny, maxy)
    # Degrees of longitude shrink with latitude: keep shapes true at the map's centre.
    ax.set_aspect(1 / math.cos(math.radians((miny + maxy) / 2)))
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel("")
    ax.set_ylabel("")
    for spine in ax.spines.values():
        spine.set_visible(False)


def _outlines(ax: Axes, ctx: MapContext) -> None:
    for level in ("grid", "community", "street", "district"):
        width, colour = LEVEL_STYLE[level]
        geoms = ctx.outlines.get(level)
        if geoms is not None and len(geoms):
            geoms.plot(ax=ax, linewidth=width, color=colour, zorder=2)


def draw_map(
    ax: Axes,
    cockpit: Cockpit,
    ctx: MapContext,
    lang: str,
    *,
    layer: str = "hotspots",
    rank_labels: bool = True,
    legend_size: float = 9,
) -> None:
    """Hot spots (or emerging hot spots) on cells, admin outlines, place names and the top
    grids' ranks."""
    handles = []
    from matplotlib.patches import Patch

    if layer == "hotspots":
        cells = cockpit.cells
        if len(cells):
            hexes = _hexes(cells["cell"])
            cls = cells["hotspot_class"].to_numpy()
            colours = [HOT.get(int(k), QUIET) for k in cls]
            hexes.plot(ax=ax, color=colours, linewidth=0, zorder=1)
        for k in (3, 2, 1):
            handles.append(Patch(color=HOT[k], label=HOTSPOT_CLASSES[k].label(lang)))
        handles.append(
            Patch(color=QUIET, label=t("cockpit.legend.quiet", lang, m=cockpit.min_count))
        )
    else:
        em = cockpit.emerging
        if len(em):
            hexes = _hexes(em["cell"])
            hexes.plot(
                ax=ax, color=[EMERGING[int(k)] for k in em["trend_code"]], linewidth=0, zorder=1
            )
        for k in (1, 2, 3):
            handles.append(Patch(color=EMERGING[k], label=trend_label(k, lang)))
    _outlines(ax, ctx)
    # After plotting: geopandas resets the limits.
    _frame_map(ax, focus_bounds(cockpit, ctx.grid_points, ctx.bounds))
    _place_names(ax, ctx, legend_size)
    if rank_labels:
        _rank_marks(ax, cockpit, ctx.grid_points, legend_size)
    ax.legend(
        handles=handles,
        loc="lower left",
        fontsize=legend_size,
        frameon=True,
        framealpha=0.9,
        # "Numbers: priority rank" only where the map carries numbers.
        title=t("cockpit.legend.top", lang) if rank_labels and len(cockpit.top) else None,
        title_fontsize=legend_size,
    )


def _tile_chars(fig: Figure, width: float, size: float, lang: str) -> int:
    """Characters of ``size`` points that fit across ``width`` (a figure fraction): a fixed
    count overflowed the tile at another figure size ("No household data: the grids carry
    no" ran past its right edge on the 1920 x 1080 PNG). Chinese characters are about one
    em wide, Latin letters about half an em."""
    width_pt = width * fig.get_figwidth() * 72
    em = 1.0 if lang == "zh" else 0.55
    return max(8, int(width_pt / (size * em)))


def top_title(cockpit: Cockpit, lang: str) -> str:
    """The ranked list's heading: how many grids it ranks; with none, that it ranks none
    (never "top 0")."""
    n = min(10, len(cockpit.top))
    return t("cockpit.top", lang, n=n) if n else t("cockpit.top.zero", lang)


def top_none(cockpit: Cockpit, lang: str) -> str:
    """Why the list is empty, in words: no grid reached the smallest count shown, how
    many incidents the window holds, and what to do (a longer window)."""
    n = next((k.value for k in cockpit.kpis if k.key == "incidents"), None)
    if not n:
        return t("cockpit.top.none.empty", lang)
    # "e.g. the last 90 days" only where that is longer than the window shown.
    days = (cockpit.flt.end - cockpit.flt.start).days + 1
    hint = t("cockpit.top.none.hint" if days < 90 else "cockpit.top.none.hint.long", lang)
    return t(
        "cockpit.top.none.why",
        lang,
        m=cockpit.min_count,
        n=f"{n:,.0f}",
        grids=f"{cockpit.grids_in_scope:,}",
        hint=hint,
    )


def draw_kpis(
    fig: Figure,
    cockpit: Cockpit,
    lang: str,
    rect: tuple[float, float, float, float],
    *,
    scale: float = 1.0,
) -> None:
    """One tile per KPI across ``rect`` (figure fractions: left, bottom, width, height)."""
    from matplotlib.patches import FancyBboxPatch

    left, bottom, width, height = rect
    n = len(cockpit.kpis)
    gap = 0.008
    tile_w = (width - gap * (n - 1)) / n
    for i, kpi in enumerate(cockpit.kpis):
        text = kpi_text(kpi, cockpit, lang)
        x = left + i * (tile_w + gap)
        fig.patches.append(
            FancyBboxPatch(
                (x, bottom), tile_w, height,
                boxstyle="round,pad=0,rounding_size=0.006",
                transform=fig.transFigure, fc="#f4f6f8", ec="#d0d7de", lw=0.8,
            )
        )  # fmt: skip
        cx = x + 0.012
        fig.text(
            cx, bottom + height * 0.80, text.label, fontsize=12 * scale, color=MUTED, va="center"
        )
        fig.text(
            cx,
            bottom + height * 0.52,
            text.value,
            fontsize=26 * scale,
            color=INK,
            fontweight="bold",
            va="center",
        )
        fig.text(
            cx,
            # Two changes (环比 and 同比) take two lines: the detail moves up for them.
            bottom + height * (0.33 if len(text.parts) > 1 else 0.26),
            textwrap.fill(text.detail, _tile_chars(fig, tile_w - 0.02, 8.5 * scale, lang)),
            fontsize=8.5 * scale,
            color=MUTED,
            va="center",
        )
        # 环比 above 同比 (where kept), each on its own line in its own direction's colour.
        for i, (part, tone) in enumerate(text.parts):
            fig.text(
                cx, bottom + height * (0.09 + 0.12 * (len(text.parts) - 1 - i)), part,
                fontsize=10 * scale, color=TONE[tone], va="center",
            )  # fmt: skip


def _wrap(text: str, lang: str, width: int, lines: int = 0) -> str:
    """Wrap at ``width`` CJK characters (English gets about twice as many letters).

    With ``lines``, a text too long ends at its last whole clause that fits (clauses are
    joined by "; " or "，"), so no sentence is cut mid-way with "…"; only a first clause
    longer than ``lines`` lines is cut.

    >>> _wrap("one two; three four; five six", "en", 5, 1)
    'one two'
    """
    per_line = int(width * float(t("report.wrap.factor", lang)))
    if lines:
        # A comma inside a number ("1,416") is no clause end: English ones need a space.
        clauses = re.split(r"(?<=[;；，])\s*|(?<=,)\s+", text)
        for keep in range(len(clauses), 0, -1):
            shorter = "".join(
                c if i == 0 or lang == "zh" else " " + c for i, c in enumerate(clauses[:keep])
            ).rstrip(";；，, ")
            if len(textwrap.wrap(shorter, per_line)) <= lines:
                return textwrap.fill(shorter, per_line)
    return textwrap.fill(text, per_line, max_lines=lines or None, placeholder=" …")


def draw_top(
    ax: Axes,
    cockpit: Cockpit,
    lang: str,
    *,
    size: float = 10,
    wrap: int = 26,
    rows: int = 10,
    lines: int = 0,
) -> None:
    """The top grids as a ranked list: rank, name, incidents / households, rate, reason.

    ``lines`` caps each reason's lines (0: no cap), so a full list fits its box.
    """
    ax.set_axis_off()
    top = cockpit.top.head(rows)
    if top.empty:
        text = _wrap(top_none(cockpit, lang), lang, wrap)
        ax.text(0, 1, text, fontsize=size, color=INK, va="top", transform=ax.transAxes)
        return
    y = 1.0
    step = 1.0 / max(rows, len(top))
    for rank, (_code, row) in enumerate(top.iterrows(), start=1):
        head = f"{rank}. {row['name']}   {row_numbers(row, lang)}"
        ax.text(
            0,
            y,
            head,
            fontsize=size,
            fontweight="bold",
            color=INK,
            va="top",
            transform=ax.transAxes,
        )
        ax.text(
            0.03, y - step * 0.38, _wrap(row_reason(row, lang), lang, wrap, lines),
            fontsize=size * 0.82, color=MUTED, va="top", transform=ax.transAxes,
        )  # fmt: skip
        y -= step


def draw_monthly(ax: Axes, cockpit: Cockpit, lang: str) -> None:
    m = cockpit.monthly
    x = np.arange(len(m))
    ax.plot(x, m["count"], color="#b2182b", lw=2.2, marker="o", label=t("cockpit.current", lang))
    ax.plot(
        x, m["count_last_year"], color=MUTED, lw=1.4, ls="--", label=t("cockpit.last_year", lang)
    )
    ax.set_xticks(x, [d.strftime("%y-%m") for d in m["month"]], fontsize=8, rotation=45)
    ax.set_ylim(bottom=0)
    ax.grid(axis="y", color="#e5e5e5")
    ax.legend(fontsize=9, frameon=False)
    ax.set_title(t("cockpit.trend", lang), fontsize=12, loc="left")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def draw_categories(ax: Axes, cockpit: Cockpit, lang: str) -> None:
    cats = cockpit.categories
    cats = cats[(cats["current"] + cats["previous"]) > 0]
    labels = [schema.CATEGORIES.label(c, lang) for c in cats.index]
    y = np.arange(len(cats))
    ax.barh(
        y - 0.2, cats["previous"], height=0.4, color="#c9ced6", label=t("cockpit.previous", lang)
    )
    ax.barh(y + 0.2, cats["current"], height=0.4, color="#2b6cb0", label=t("cockpit.current", lang))
    ax.set_yticks(y, labels, fontsize=9)
    ax.invert_yaxis()
    ax.legend(fontsize=9, frameon=False, loc="lower right")
    ax.set_title(t("cockpit.categories", lang), fontsize=12, loc="left")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
