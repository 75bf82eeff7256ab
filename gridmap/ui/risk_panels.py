"""The panels of the 风险 Risk page: the cell layer and its legend, the ranked tables, the
exports and the forecast backtest panel.

The page (``app_pages/risk.py``) keeps the widgets that steer the whole page (layer, map,
level) and composes these functions in the order they appear.
"""

from __future__ import annotations

import functools
import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pydeck as pdk
import streamlit as st
from numpy.typing import NDArray

from ..analytics.hotspots import HOTSPOT_CLASSES
from ..analytics.incidents import IncidentFilter, IncidentTable, select
from ..analytics.overview import CellLayers
from ..analytics.trends import trend_label
from ..hierarchy import Hierarchy
from ..i18n import t
from ..viz import (
    HOTSPOT_RGB,
    TREND_RGB,
    class_breaks,
    class_layer,
    hex_layer,
    legend_html,
    legend_items_html,
    picked,
)
from . import keys
from .cards import show_grid_card
from .data import Timer, load_hierarchy, load_incidents, load_layer
from .filenames import window_file_name
from .forecast import HORIZONS, backtest_table, forecast_status, pending, risk_sentence
from .mapdata import context_layers, grid_layers, place_labels, scope_view, selected_count
from .risk import (
    drill_down,
    forecast_map,
    load_admin_overview,
    load_cell_layers,
    load_grid_overview,
    load_grid_priority,
    ranked_columns,
    ranked_view,
    risk_csv,
    risk_geojson,
)
from .settings import make_deck, map_base, over_tiles

__all__ = [
    "RISK_VIEWS",
    "RiskData",
    "backtest_panel",
    "cell_layer",
    "load_risk_data",
    "one_of",
    "risk_deck",
    "selected_grid",
    "show_admin_ranking",
    "show_grid_ranking",
    "show_risk_card",
    "show_risk_exports",
]

#: The cell layers the map offers, the first by default.
RISK_VIEWS = ("hotspots", "trends", "heat", "forecast")
#: Rows of a ranked table.
_TOP = 20


@dataclass(frozen=True)
class RiskData:
    """What the Risk page shows, for the scope's incident filter."""

    h: Hierarchy
    table: IncidentTable
    grids: gpd.GeoDataFrame
    layers: CellLayers
    overview: pd.DataFrame
    #: The grids in priority order (:func:`~gridmap.ui.risk.load_grid_priority`).
    priority: pd.DataFrame
    #: The filter itself (the grid card's trend reaches back twelve months from its end).
    flt: IncidentFilter
    #: How many incidents the filter selects (cached per workspace version and filter).
    n: int

    @functools.cached_property
    def idx(self) -> NDArray[Any]:
        """Rows of ``table`` the filter selects: only a grid's card needs them, so they are
        found when a card is shown (a 90-day window of a big city is millions of rows, and
        every session selecting them on every rerun was a fifth of the server's time)."""
        return select(self.table, self.flt)


def load_risk_data(path: str, flt: IncidentFilter, res: int) -> RiskData:
    """The hierarchy, incidents, grids, cell layers and grid overview (cached loaders)."""
    h = load_hierarchy(path)
    table = load_incidents(path)
    grids = load_layer(path, "grids")
    with Timer("risk.cells"):
        layers = load_cell_layers(path, flt, res)
    with Timer("risk.grids"):
        overview = load_grid_overview(path, flt, res)
        priority = load_grid_priority(path, flt, res)
    return RiskData(h, table, grids, layers, overview, priority, flt, selected_count(path, flt))


def cell_layer(
    path: str, layers: CellLayers, view: str, res: int, lang: str
) -> tuple[pdk.Layer, str]:
    """The map's cell layer for ``view`` and the HTML of its legend."""
    if view == "hotspots":
        layer = class_layer(
            layers.spots, layer_id="risk-cells", column="hotspot_class", colours=HOTSPOT_RGB
        )
        present = sorted(
            set(layers.spots["hotspot_class"].astype(int)) & set(HOTSPOT_RGB), reverse=True
        )
        # Plain words on the screen; the method's name for experts in one tooltip (ⓘ).
        tech = html.escape(t("tech.clusters", lang))
        legend = legend_items_html(
            f'{t("risk.legend.hotspots", lang)} <span title="{tech}" style="cursor:help">ⓘ</span>',
            [(HOTSPOT_CLASSES[k].label(lang), HOTSPOT_RGB[k]) for k in present]
            or [(t("risk.none.significant", lang), (255, 255, 255))],
        )
    elif view == "trends":
        trends = layers.trends
        layer = class_layer(trends, layer_id="risk-cells", column="trend_code", colours=TREND_RGB)
        present = sorted(set(trends["trend_code"].astype(int)) & set(TREND_RGB))
        legend = legend_items_html(
            t("risk.legend.trends", lang),
            [(trend_label(k, lang), TREND_RGB[k]) for k in present]
            or [(t("risk.none.trend", lang), (255, 255, 255))],
        )
    elif view == "forecast":
        layer, legend, forecast_caption = forecast_map(path, res, lang)
        legend += f'<div style="font-size:0.8rem;color:#6b7785">{forecast_caption}</div>'
    else:
        breaks = class_breaks(layers.counts["count"])
        layer = hex_layer(layers.counts, layer_id="risk-cells", breaks=breaks)
        legend = legend_html(t("legend.count", lang), breaks)
    return layer, legend


def show_grid_ranking(priority: pd.DataFrame, h: Hierarchy, lang: str) -> tuple[pd.DataFrame, Any]:
    """The top basic grids in priority order (incidents above what similar grids of their
    size have: the cockpit's and the map's list) with their reasons; returns the rows
    shown and the table's selection event (a click on a row opens that grid's card)."""
    kind = priority["grid_type"] if "grid_type" in priority else pd.Series("basic", priority.index)
    # The first _TOP rows that qualify, found on three columns before any row is taken
    # (taking all basic grids first copied their text columns on every rerun).
    keep = (
        (kind != "professional").to_numpy(dtype=bool)
        & ~priority["suppressed"].to_numpy(dtype=bool)
        & (priority["incidents"] > 0).to_numpy(dtype=bool)
    )
    top = priority.iloc[np.flatnonzero(keep)[:_TOP]]
    table_view = ranked_view(
        top.assign(
            name=top.index.map(h.name),
            hotspot=top["hotspot_class"].map(lambda k: HOTSPOT_CLASSES[int(k)].label(lang)),
            trend=top["trend_class"].map(lambda k: trend_label(int(k), lang)),
            sentence=top[f"reason_{lang}"],
        ),
        ["name", "incidents", "households", "rate_eb", "excess_incidents", "hotspot", "trend"],
        t("risk.col.code", lang),
        lang,
    )
    st.subheader(t("risk.top", lang))
    event = st.dataframe(
        table_view,
        key=keys.KEY_RISK_TABLE,
        on_select="rerun",
        selection_mode="single-row",
        width="stretch",
        column_config=ranked_columns(lang),
    )
    return top, event


def show_admin_ranking(
    path: str,
    flt: IncidentFilter,
    res: int,
    level: str,
    area: str | None,
    h: Hierarchy,
    lang: str,
) -> pd.DataFrame:
    """The top communities, streets or districts; a click drills down into the unit.
    Returns every unit's row (for the export)."""
    with Timer("risk.admin"):
        ranked = load_admin_overview(path, flt, res, level)
    shown = ranked[~ranked["suppressed"]].head(_TOP)
    admin_view = ranked_view(
        shown.assign(unit_name=shown.index.map(h.name), sentence=shown[f"sentence_{lang}"]),
        ["unit_name", "grids", "incidents", "households", "rate_eb", "risk_score",
         "hot_cells", "emerging_cells"],
        t("risk.col.unit_code", lang),
        lang,
    )  # fmt: skip
    st.subheader(t("risk.top.level", lang, level=t(f"level.{level}", lang)))
    # One table per level and scope, so a drill-down starts without a stale selection.
    table_key = f"{keys.KEY_RISK_ADMIN_TABLE}_{level}_{area}"
    st.dataframe(
        admin_view,
        key=table_key,
        on_select=functools.partial(drill_down, table_key, list(shown.index), h),
        selection_mode="single-row",
        width="stretch",
        column_config=ranked_columns(lang),
    )
    st.caption(t("risk.drill", lang))
    return ranked


def show_risk_exports(
    ranked: pd.DataFrame,
    overview: pd.DataFrame,
    grids: gpd.GeoDataFrame,
    h: Hierarchy,
    level: str,
    lang: str,
    *,
    flt: IncidentFilter,
) -> None:
    """CSV of the ranked level and GeoJSON of every grid, built only when clicked
    (callables): the GeoJSON of every grid is large. The names carry the window ``flt``
    shown, as the cockpit's exports."""
    c1, c2 = st.columns(2)
    c1.download_button(
        t("risk.export.csv", lang) if level == "grid" else t("risk.export.csv.level", lang),
        lambda: risk_csv(ranked, h),
        file_name=window_file_name(f"risk_{level}", flt.start, flt.end, "csv"),
        mime="text/csv",
        key=keys.KEY_RISK_CSV,
    )
    c2.download_button(
        t("risk.export.geojson", lang),
        lambda: risk_geojson(overview, grids, h, lang),
        file_name=window_file_name("risk_grids", flt.start, flt.end, "geojson"),
        mime="application/geo+json",
        key=keys.KEY_RISK_GEOJSON,
    )


def _asked() -> None:
    st.session_state[keys.KEY_FORECAST_ASKED] = True


def one_of(
    label: str,
    options: Sequence[Any],
    *,
    key: str,
    label_of: Callable[[Any], str],
    on_change: Callable[[], None] | None = None,
) -> Any:
    """A segmented control opening on the first option; the first again when unselected."""
    return (
        st.segmented_control(
            label,
            list(options),
            default=options[0],
            key=key,
            format_func=label_of,
            on_change=on_change,
        )
        or options[0]
    )


@st.fragment
def backtest_panel(path: str, res: int, lang: str) -> None:
    """The rolling-origin backtest of every method at the chosen horizon: the sentence, the
    setup and the table. A horizon the user picks is computed behind a spinner; the default
    one is shown once the page's background run is done."""
    horizon = one_of(
        t("forecast.panel.horizon", lang),
        HORIZONS,
        key=keys.KEY_FORECAST_HORIZON,
        label_of=lambda d: t(f"forecast.horizon.{d}", lang),
        on_change=_asked,
    )
    if st.session_state.pop(keys.KEY_FORECAST_ASKED, False):
        with st.spinner(t("forecast.panel.pending", lang)):
            status = forecast_status(path, horizon, res, wait=None)
    else:
        status = forecast_status(path, horizon, res)
    if status is None:
        pending(path, t("forecast.panel.pending", lang), horizon=horizon, res=res)
        return
    st.markdown(risk_sentence(status, lang))
    if status.choice is None:
        return
    result = status.choice
    st.caption(
        t(
            "forecast.panel.scope",
            lang,
            n=len(result.origins),
            first=result.origins[0],
            last=result.origins[-1],
            cells=result.area_cells,
            res=result.res,
            inc=int(result.rows["test_incidents"].iloc[0]),
        )
    )
    table = backtest_table(status, lang)
    # Every method in view at once (35 px a row and the header).
    st.dataframe(table, hide_index=True, width="stretch", height=35 * (len(table.data) + 1) + 3)


def risk_deck(
    path: str, area: str | None, cells: pdk.Layer, overview: pd.DataFrame, lang: str
) -> pdk.Deck:
    """The risk map: context, the cell layer, grids labelled with their incidents, place
    names; on the workspace's own base map (layers drawn in its CRS) when it has one."""
    base = map_base(path)
    return make_deck(
        [
            *context_layers(path, area, crs=base.crs),
            *over_tiles([cells], base),
            *grid_layers(path, area, overview["incidents"], crs=base.crs),
            *place_labels(path, area, crs=base.crs),
        ],
        scope_view(path, area, crs=base.crs),
        base=base,
        tooltip={
            "html": "<b>{name}</b><br/>{code}<br/>" + t("tooltip.incidents", lang) + " {count}",
            "style": {"fontSize": "13px"},
        },
    )


def selected_grid(map_event: Any, top: pd.DataFrame | None, table_event: Any) -> str | None:
    """The grid whose card to show: a grid clicked on the map, else a row picked in the
    ranked table (``top`` holds its rows), else none."""
    code = None
    rows = table_event["selection"]["rows"] if table_event else []
    if rows and top is not None:
        code = str(top.index[rows[0]])
    pick = picked(map_event, "grids")
    if pick and pick.get("code"):
        code = pick["code"]
    return code


def show_risk_card(code: str | None, data: RiskData, lang: str) -> None:
    """The card of grid ``code`` with the sentence on what drives its risk; a hint when no
    grid is selected."""
    sentence = None
    if code is not None and code in data.overview.index:
        sentence = str(data.overview.at[code, f"sentence_{lang}"])
    show_grid_card(
        code,
        data.grids,
        data.h,
        data.table,
        data.idx if code is not None else np.empty(0, dtype=np.int64),  # no card: no rows
        lang,
        empty_hint=t("risk.click", lang),
        sentence=sentence,
        flt=data.flt,
    )
