"""Cached risk computations for the Risk page (keyed by workspace stamp and filter)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import geopandas as gpd
import pandas as pd
import pydeck as pdk
import streamlit as st

from ..analytics.incidents import IncidentFilter, select
from ..analytics.overview import CellLayers, admin_overview, cell_layers, grid_overview
from ..analytics.ranking import MIN_COUNT, priority_table
from ..hierarchy import Hierarchy
from ..i18n import t
from ..schema import AuditAction
from ..viz import HEAT_RGB, class_layer, legend_items_html
from . import state
from .auth import audit
from .data import _stamp, load_hierarchy, load_incidents, load_layer, workspace_path
from .forecast import forecast_cells, forecast_status
from .sidebar import scope_to

__all__ = [
    "RANK_LEVELS",
    "drill_down",
    "forecast_map",
    "load_admin_overview",
    "load_cell_layers",
    "load_grid_overview",
    "load_grid_priority",
    "ranked_columns",
    "ranked_view",
    "risk_csv",
    "risk_geojson",
    "suppressed_count",
]


@st.cache_data(show_spinner=False, max_entries=32)
def _cells(path: str, stamp: float, flt: IncidentFilter, res: int) -> CellLayers:
    table = load_incidents(path)
    return cell_layers(table, select(table, flt), res=res)


@st.cache_data(show_spinner=False, max_entries=32)
def _overview(path: str, stamp: float, flt: IncidentFilter, res: int) -> pd.DataFrame:
    table = load_incidents(path)
    grids = load_layer(path, "grids")
    households = grids.set_index("code")["households"]
    layers = _cells(path, stamp, flt, res)
    return grid_overview(table, flt, households, res=res, layers=layers)


@st.cache_data(show_spinner=False, max_entries=32)
def _priority(path: str, stamp: float, flt: IncidentFilter, res: int) -> pd.DataFrame:
    overview = _overview(path, stamp, flt, res)
    keyareas = load_layer(path, "keyareas")
    ranked = priority_table(
        load_incidents(path),
        flt,
        load_layer(path, "grids"),
        keyareas=keyareas if len(keyareas) else None,
        overview=overview,
    )
    out = pd.concat([ranked.basic, ranked.professional])
    # The overview's small-number rule: a grid under min_count incidents is not listed. A
    # professional grid by its own count of the incidents inside it (the overview counts
    # only incidents assigned to it: none, as incidents are assigned to basic grids).
    few = pd.Series(out["incidents"].to_numpy() < MIN_COUNT, index=out.index)
    flagged = overview["suppressed"].reindex(out.index).fillna(few).astype(bool)
    professional = out.index.isin(ranked.professional.index)
    out["suppressed"] = flagged.where(~professional, few)
    return out


def suppressed_count(ranked: pd.DataFrame) -> int:
    """How many grids of the table the small-number rule leaves out: basic grids only (the
    caption says professional grids are not in the table), every row for an admin level."""
    kind = ranked.get("grid_type")
    # Counted on the two columns: taking the rows first copied every text column (the
    # reasons in both languages) of thousands of grids on each rerun.
    flagged = ranked["suppressed"].to_numpy(dtype=bool)
    if kind is not None:
        flagged = flagged & (kind != "professional").to_numpy(dtype=bool)
    return int(flagged.sum())


def load_grid_priority(path: str, flt: IncidentFilter, res: int) -> pd.DataFrame:
    """The grids in the priority order of the window (the cockpit's and the map's list:
    :func:`gridmap.analytics.ranking.priority_table`), basic grids first, then the
    professional ones (ranked among their own kind), with the overview's columns and its
    ``suppressed`` flag."""
    return _priority(str(path), _stamp(path), flt, res)


#: Forecast classes by city rank (the backtest's shares): top 1 %, 1-5 %, 5-10 %. The rest
#: (class 0) is not drawn: nearly every cell has some score, which would flood the map.
_FORECAST_RGB = {3: HEAT_RGB[4], 2: HEAT_RGB[3], 1: HEAT_RGB[1]}


def forecast_map(path: str, res: int, lang: str) -> tuple[pdk.Layer, str, str]:
    """The "forecast risk" heat-map mode: every city cell with a positive score by the
    selected method (the numbers of ``gridmap risk --level cell``), coloured by its rank
    among all the city's cells; with its legend and a caption saying what it forecasts.
    Waits behind a spinner for the method choice (seconds, once per data version)."""
    with st.spinner(t("risk.forecast.wait", lang)):
        status = forecast_status(path, 7, res, wait=None)
    cells = forecast_cells(path, status, res)
    layer = class_layer(
        cells, layer_id="risk-cells", column="forecast_class", colours=_FORECAST_RGB
    )
    h = t("forecast.h.7", lang)
    legend = legend_items_html(
        t("risk.legend.forecast", lang, h=h),
        [(t(f"risk.forecast.{k}", lang), _FORECAST_RGB[c])
         for k, c in (("top1", 3), ("top5", 2), ("top10", 1))],
    )  # fmt: skip
    span = load_incidents(path).time_range
    method = str(cells["method"].iloc[0]) if len(cells) else "all_history"
    caption = (
        t(
            "risk.forecast.caption",
            lang,
            start=span[1] + dt.timedelta(days=1),
            h=h,
            method=method,
        )
        if span is not None
        else ""
    )
    return layer, legend, caption


#: Levels the Risk page ranks (grid first; each row of a coarser level drills down).
RANK_LEVELS = ("grid", "community", "street", "district")
_NEXT_LEVEL = {"district": "street", "street": "community", "community": "grid"}


@st.cache_data(show_spinner=False, max_entries=32)
def _admin(path: str, stamp: float, flt: IncidentFilter, res: int, level: str) -> pd.DataFrame:
    h = load_hierarchy(path)
    grids = _overview(path, stamp, flt, res)
    return admin_overview(
        load_incidents(path),
        flt,
        grids,
        dict(h.parents),
        dict(h.levels),
        level=level,
        res=res,
        layers=_cells(path, stamp, flt, res),
    )


def load_admin_overview(path: str, flt: IncidentFilter, res: int, level: str) -> pd.DataFrame:
    """The grid overview summed to communities, streets or districts, with sentences."""
    return _admin(str(path), _stamp(path), flt, res, level)


def drill_down(key: str, codes: list[str], h: Hierarchy) -> None:
    """Table callback: a clicked unit becomes the scope, and the ranking goes one level down."""
    picked = st.session_state.get(key)
    rows = picked["selection"]["rows"] if picked else []
    if not rows or rows[0] >= len(codes):
        return
    code = codes[rows[0]]
    scope_to(h, code)
    level = h.levels.get(code, "")
    st.session_state[state.KEY_RISK_LEVEL] = _NEXT_LEVEL.get(level, "grid")


def load_cell_layers(path: str, flt: IncidentFilter, res: int) -> CellLayers:
    return _cells(str(path), _stamp(path), flt, res)


def load_grid_overview(path: str, flt: IncidentFilter, res: int) -> pd.DataFrame:
    return _overview(str(path), _stamp(path), flt, res)


#: How the ranked table's numbers read; a missing value (no households) shows as "—".
_FORMATS = {
    "incidents": "{:,.0f}",
    "households": "{:,.0f}",
    "rate_eb": "{:,.1f}",
    "excess_incidents": "{:+,.0f}",
    "risk_score": "{:.0f}",
    "grids": "{:,.0f}",
    "hot_cells": "{:,.0f}",
    "emerging_cells": "{:,.0f}",
}


def ranked_view(frame: pd.DataFrame, columns: list[str], index_label: str, lang: str) -> Any:
    """The ranked table as shown: ``columns`` then the sentence, headed in ``lang``.

    A grid without households has no rate of its own (the model falls back to the city's):
    its households and rate are blank ("—"), not 0 or "None". Returned as a pandas Styler,
    whose display strings Streamlit shows; ``.data`` is the frame.
    """
    view = frame[[*columns, "sentence"]].copy()
    if "households" in view and "rate_eb" in view:
        no_hh = ~(view["households"].astype("Float64").fillna(0) > 0)
        view["households"] = view["households"].astype("Float64").mask(no_hh)
        view["rate_eb"] = view["rate_eb"].astype("Float64").mask(no_hh)
    names = {c: t(f"risk.col.{c}", lang) for c in view.columns}
    view = view.rename(columns=names)
    view.index.name = index_label
    formats: dict[Any, str | Callable[[object], str] | None] = {
        names[c]: f for c, f in _FORMATS.items() if c in names
    }
    return view.style.format(formats, na_rep="—")


def ranked_columns(lang: str) -> dict[str, Any]:
    """The area levels' rate percentile as a 0-100 bar (numbers are formatted by
    :func:`ranked_view`); the grid list's excess with its method in a tooltip."""
    return {
        t("risk.col.risk_score", lang): st.column_config.ProgressColumn(
            min_value=0, max_value=100, format="%.0f", help=t("risk.col.risk_score.help", lang)
        ),
        t("risk.col.excess_incidents", lang): st.column_config.Column(
            help=t("risk.col.excess_incidents.help", lang)
        ),
    }


def risk_csv(overview: pd.DataFrame, h: Hierarchy) -> bytes:
    """Every grid's row of the overview, with its name; UTF-8 with BOM for Excel."""
    audit(workspace_path(), AuditAction.EXPORT, target="risk.csv", detail={"rows": len(overview)})
    out = overview.assign(name=overview.index.map(h.name))
    return out.to_csv().encode("utf-8-sig")


def risk_geojson(overview: pd.DataFrame, grids: gpd.GeoDataFrame, h: Hierarchy, lang: str) -> str:
    """The overview's grids as GeoJSON (WGS-84) with the rate percentile (``risk_score``),
    classes and the sentence."""
    audit(
        workspace_path(), AuditAction.EXPORT, target="risk.geojson", detail={"rows": len(overview)}
    )
    cols = [
        "incidents",
        "households",
        "rate_eb",
        "risk_score",
        "hotspot_class",
        "trend_class",
        f"sentence_{lang}",
    ]
    shown = grids[["code", "geometry"]].merge(
        overview[cols], left_on="code", right_index=True, how="inner"
    )
    shown.insert(1, "name", shown["code"].map(h.name))
    return str(shown.to_json())
