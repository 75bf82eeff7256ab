"""The list of top grids beside the 一张图 map, and their rank numbers on the map.

The map page had an empty panel until a grid was clicked, so finding the busiest grid of a
district meant hovering over hundreds of hexagons. The list is the priority ranking of the
window (:func:`gridmap.analytics.ranking.priority_table`, the cockpit's), so the map, the
list and the cockpit agree; the same ranks are drawn on the map.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pydeck as pdk
import shapely
import streamlit as st

from .. import schema
from ..analytics.incidents import IncidentFilter
from ..analytics.ranking import MIN_COUNT, priority_table, ranked_rows
from ..i18n import t
from ..tiles import TileCrs, mercator_px, shift_lonlat
from ..viz import label_layer
from . import keys
from .data import _stamp, load_incidents, load_layer

__all__ = ["TOP_N", "rank_layer", "show_top_grids", "top_grids"]

#: Grids listed beside the map (and numbered on it).
TOP_N = 10
#: The map's own texts (a base map's attribution, in MapLibre's DOM) in the bundled Chinese
#: font too: its CSS asks for Helvetica/Arial, which hold no Chinese (boxes offline).
MAP_FONT_CSS = (
    "<style>.mapboxgl-map, .mapboxgl-ctrl-attrib, .maplibregl-map, .maplibregl-ctrl-attrib "
    "{font-family: 'Source Sans', 'Gridmap Noto Sans SC', sans-serif !important;}</style>"
)


@st.cache_data(show_spinner=False, max_entries=32)
def _top(path: str, stamp: float, flt: IncidentFilter, n: int) -> pd.DataFrame:
    grids = load_layer(path, "grids")
    keyareas = load_layer(path, "keyareas")
    ranked = priority_table(
        load_incidents(path), flt, grids, keyareas=keyareas if len(keyareas) else None
    ).basic
    # The cockpit's rule and rank: grids of MIN_COUNT incidents or more, renumbered.
    top = ranked_rows(ranked).head(n)
    out = pd.DataFrame(
        {
            "rank": top["rank"].astype(int).to_numpy(),
            schema.CODE: top.index.astype(str),
            "name": top["name"].fillna(pd.Series(top.index, index=top.index)).astype(str),
            "incidents": top["incidents"].astype(int).to_numpy(),
            "excess": top["excess_incidents"].round().astype(int).to_numpy(),
        }
    )
    points = grids.set_index(grids[schema.CODE].astype(str)).geometry.reindex(out[schema.CODE])
    where = shapely.point_on_surface(points.to_numpy())
    out["lon"], out["lat"] = shapely.get_x(where), shapely.get_y(where)
    return out


def top_grids(path: str, flt: IncidentFilter, n: int = TOP_N) -> pd.DataFrame:
    """The ``n`` top basic grids of the window, ranked as the cockpit ranks them
    (:func:`~gridmap.analytics.ranking.ranked_rows`): ``rank``, ``code``, ``name``,
    ``incidents``, ``excess`` (incidents above the expected, rounded), ``lon``, ``lat`` (a
    point inside the grid)."""
    return _top(str(path), _stamp(path), flt, n)


def _pixel_offsets(
    lon: np.ndarray, lat: np.ndarray, zoom: float, step_px: float = 17.0
) -> list[list[float]]:
    """Offsets (px) that keep rank numbers from covering each other at ``zoom``.

    Greedy in rank order: a number overlapping one already placed moves right by ``step_px``
    until it is clear, so "3", "5" and "8" on neighbouring grids read as a row, not a blot.
    """
    x, y = mercator_px(lon, lat, zoom)
    placed: list[tuple[float, float]] = []
    offsets = []
    for xi, yi in zip(x, y, strict=True):
        dx = 0.0
        while any(abs(xi + dx - px) < step_px and abs(yi - py) < 18.0 for px, py in placed):
            dx += step_px
        placed.append((xi + dx, yi))
        offsets.append([dx, 0.0])
    return offsets


def rank_layer(top: pd.DataFrame, *, zoom: float, crs: TileCrs = "wgs84") -> pdk.Layer:
    """The ranks as white-haloed numbers on the grids (moved apart where they would touch at
    the map's opening ``zoom``), as on the cockpit's map."""
    lon, lat = shift_lonlat(top["lon"].to_numpy(), top["lat"].to_numpy(), crs)
    offsets = _pixel_offsets(np.asarray(lon), np.asarray(lat), zoom)
    rows = [
        {"position": [round(float(x), 6), round(float(y), 6)], "text": str(int(r)), "offset": o}
        for x, y, r, o in zip(lon, lat, top["rank"], offsets, strict=True)
    ]
    layer = label_layer("map-ranks", rows, size=18, colour=(20, 20, 20), halo=(255, 255, 255))
    layer.get_pixel_offset = "@@=offset"
    return layer


def _signed(v: int) -> str:
    """``+12``, ``-3`` or ``0`` (never "+0" or "+-1"): incidents above the expected."""
    return f"{v:+,}" if v else "0"


def show_top_grids(top: pd.DataFrame, L: str) -> str | None:
    """The ranked list; returns the code of the row the user selected (None: none)."""
    st.markdown(f"**{t('map.top.title', L)}**" + MAP_FONT_CSS, unsafe_allow_html=True)
    if top.empty:
        st.caption(t("map.top.none.why", L, m=MIN_COUNT))
        return None
    table = pd.DataFrame(
        {
            t("map.top.rank", L): top["rank"],
            t("map.top.grid", L): top["name"],
            t("map.top.incidents", L): top["incidents"],
            t("map.top.excess", L): top["excess"].map(_signed),
        }
    )
    event = st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        on_select="rerun",
        selection_mode="single-row",
        key=keys.KEY_MAP_TOP,
        column_config={
            t("map.top.rank", L): st.column_config.NumberColumn(width=44),
            t("map.top.incidents", L): st.column_config.NumberColumn(width=56),
            t("map.top.excess", L): st.column_config.TextColumn(width=72),
        },
        height=38 + 35 * len(table),
    )
    st.caption(t("map.top.caption", L))
    rows = getattr(getattr(event, "selection", None), "rows", None) or []
    return str(top[schema.CODE].iloc[rows[0]]) if rows else None
