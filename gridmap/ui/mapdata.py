"""Map layers for a scope, with the heavy part (simplified GeoJSON) cached per workspace."""

from __future__ import annotations

import copy
from typing import Any

import pandas as pd
import pydeck as pdk
import streamlit as st

from .. import schema
from ..analytics.incidents import IncidentFilter, counts_by_cell, counts_by_grid, select
from ..tiles import TileCrs, shift_frame, shift_view
from ..viz import (
    LEVEL_COLOURS,
    RawJson,
    content_key,
    geojson_payload,
    hex_layer,
    legend_with_counts,
    memo_json,
    peak_breaks,
    picked,
    view_for,
)
from . import map_labels
from .data import _stamp, load_hierarchy, load_incidents, load_layer

# Pages compose gridmap.ui only: the counting and drawing steps a map page chains are offered
# here with the layers they feed (counts_by_cell … picked are re-exported for that).
__all__ = [
    "GRID_OUTLINE_RGBA",
    "PROFESSIONAL_RGBA",
    "cell_counts",
    "context_layers",
    "counts_by_cell",
    "counts_by_grid",
    "grid_counts",
    "grid_layers",
    "grid_outline_layer",
    "hex_layer",
    "legend_with_counts",
    "peak_breaks",
    "picked",
    "place_labels",
    "scope_view",
    "select",
    "selected_count",
]

#: Professional grids (schools, hospitals, markets, plants): a violet tint under the basic grids.
PROFESSIONAL_RGBA = [120, 60, 170, 40]
#: Grid outlines: a light neutral grey. The former blue over the red heat read as purple.
GRID_OUTLINE_RGBA = [120, 120, 120, 110]

# How much to simplify outlines (degrees, ~ metres / 100,000): finer for smaller units.
TOLERANCE = {
    "city": 0.002,
    "district": 0.0008,
    "street": 0.0003,
    "community": 0.0001,
    "grid": 0.00005,
    "professional": 0.00005,
}


def _codes_in(path: str, area: str | None, level: str) -> list[str] | None:
    """Codes of ``level`` inside ``area`` (None = no restriction)."""
    if area is None:
        return None
    h = load_hierarchy(path)
    return [c for c in h.codes_under(area) if h.levels[c] == level]


@st.cache_resource(show_spinner=False, max_entries=64)  # read-only payloads: no copy
def _features(
    path: str, stamp: float, layer: str, level: str, area: str | None, crs: TileCrs = "wgs84"
) -> dict[str, Any]:
    gdf = load_layer(path, layer)
    if layer == "admin":
        # A workspace of grids and incidents only (no admin layer: common in centres) has
        # no outlines to add; the admin frame then has no level column at all.
        gdf = gdf[gdf[schema.LEVEL] == level] if schema.LEVEL in gdf else gdf.iloc[:0]
        if level == "district" and area is None:
            # The whole-city view shows the districts that have grids (the urban core).
            h = load_hierarchy(path)
            with_grids = {
                h.chain(g)[1] for g, lv in h.levels.items() if lv == "grid" and len(h.chain(g)) > 1
            }
            if with_grids:
                gdf = gdf[gdf[schema.CODE].isin(with_grids)]
    if layer == "grids" and schema.GRID_TYPE in gdf:
        is_prof = gdf[schema.GRID_TYPE] == "professional"
        gdf = gdf[is_prof] if level == "professional" else gdf[~is_prof]
    codes = _codes_in(path, area, "grid" if level == "professional" else level)
    if codes is not None:
        gdf = gdf[gdf[schema.CODE].isin(codes) | (gdf[schema.CODE] == area)]
    props = [c for c in (schema.CODE, schema.NAME) if c in gdf]
    # Over GCJ-02 tiles the outlines are drawn shifted (then simplified and rounded as usual).
    return geojson_payload(shift_frame(gdf, crs), properties=props, tolerance_deg=TOLERANCE[level])


def _features_json(
    path: str, layer: str, level: str, area: str | None, crs: TileCrs = "wgs84"
) -> RawJson:
    """:func:`_features`, JSON-encoded once per workspace version (see :class:`RawJson`)."""
    stamp = _stamp(path)
    return memo_json(
        content_key("features", path, stamp, layer, level, area, crs),
        lambda: _features(str(path), stamp, layer, level, area, crs),
    )


def context_layers(path: str, area: str | None, *, crs: TileCrs = "wgs84") -> list[pdk.Layer]:
    """District, street and community outlines, so the map reads without a basemap."""
    layers = []
    widths = {"district": 2.5, "street": 1.6, "community": 1.0}
    for level in ("community", "street", "district"):
        data = _features(str(path), _stamp(path), "admin", level, area)
        if not data["features"]:
            continue
        layers.append(
            pdk.Layer(
                "GeoJsonLayer",
                id=f"admin-{level}",
                data=_features_json(path, "admin", level, area, crs),
                stroked=True,
                filled=False,
                get_line_color=LEVEL_COLOURS[level],
                get_line_width=0,
                line_width_min_pixels=widths[level],
                pickable=False,
            )
        )
    return layers


def grid_outline_layer(path: str, area: str | None, *, crs: TileCrs = "wgs84") -> pdk.Layer:
    """Thin light-grey grid outlines; the map page draws them under the heat."""
    return pdk.Layer(
        "GeoJsonLayer",
        id="grid-outlines",
        data=_features_json(path, "grids", "grid", area, crs),
        stroked=True,
        filled=False,
        get_line_color=GRID_OUTLINE_RGBA,
        get_line_width=0,
        line_width_min_pixels=0.6,
        pickable=False,
    )


def grid_layers(
    path: str,
    area: str | None,
    per_grid: pd.Series,
    *,
    crs: TileCrs = "wgs84",
    outlines: bool = True,
    departments: pd.Series | None = None,
) -> list[pdk.Layer]:
    """Grid outlines plus an invisible, clickable fill carrying counts for the tooltip.

    ``departments`` (grid code -> the main responsible department) adds ``dept`` to each
    grid's tooltip properties ("–" for a grid without incidents).

    ``outlines`` False: the fill and the professional grids only (the caller draws
    :func:`grid_outline_layer` lower down).

    The outlines are not pickable: picking only renders the fill, which keeps a click cheap
    on machines without a GPU (software WebGL), where picking thousands of stroked polygons
    makes the browser too slow to recognise a click.
    """
    stamp = _stamp(path)

    def with_counts() -> dict[str, Any]:
        data = copy.copy(_features(str(path), stamp, "grids", "grid", area, crs))
        counts = per_grid.to_dict()
        dept = {} if departments is None else departments.to_dict()
        data["features"] = [
            {
                **f,
                "properties": {
                    **f["properties"],
                    "name": f["properties"].get("name") or f["properties"]["code"],
                    "count": int(counts.get(f["properties"]["code"], 0)),
                    "dept": str(dept.get(f["properties"]["code"], "–")),
                },
            }
            for f in data["features"]
        ]
        return data

    key = content_key("grid-fill", path, stamp, area, per_grid, crs, departments)
    data = memo_json(key, with_counts)
    fill = pdk.Layer(
        "GeoJsonLayer",
        id="grids",
        data=data,
        stroked=False,
        filled=True,
        get_fill_color=[0, 0, 0, 0],
        pickable=True,
        auto_highlight=False,
    )
    special = pdk.Layer(
        "GeoJsonLayer",
        id="professional-grids",
        data=_features_json(path, "grids", "professional", area, crs),
        stroked=True,
        filled=True,
        get_fill_color=PROFESSIONAL_RGBA,
        get_line_color=[*PROFESSIONAL_RGBA[:3], 220],
        get_line_width=0,
        line_width_min_pixels=1.2,
        pickable=False,
    )
    if not outlines:
        return [special, fill]
    return [special, grid_outline_layer(path, area, crs=crs), fill]


# Place names depend on the workspace version and the area only, yet placing them (the
# zoom at which each name is clear of its neighbours) cost every rerun of every map page
# 60-150 ms on the scale-30 city: built once and shared (callers only read the layers;
# make_deck copies a layer before moving it onto GCJ-02 tiles).
@st.cache_resource(show_spinner=False, max_entries=64)
def _place_labels(path: str, stamp: float, area: str | None, crs: TileCrs) -> list[pdk.Layer]:
    return map_labels.place_labels(path, area, crs=crs)


def place_labels(path: str, area: str | None, *, crs: TileCrs = "wgs84") -> list[pdk.Layer]:
    """:func:`gridmap.ui.map_labels.place_labels`, once per workspace version and area."""
    return list(_place_labels(str(path), _stamp(path), area, crs))


# Per workspace version and filter, shared by every session: the counts a map page shows
# (per grid, per cell: small frames, read-only), never the selected rows themselves.
@st.cache_resource(show_spinner=False, max_entries=64)
def _selected_count(path: str, stamp: float, flt: IncidentFilter) -> int:
    return len(select(load_incidents(path), flt))


def selected_count(path: str, flt: IncidentFilter) -> int:
    """How many incidents ``flt`` selects (``len(select(...))``, cached)."""
    return _selected_count(str(path), _stamp(path), flt)


@st.cache_resource(show_spinner=False, max_entries=64)
def _grid_counts(path: str, stamp: float, flt: IncidentFilter) -> pd.Series:
    table = load_incidents(path)
    return counts_by_grid(table, select(table, flt))


def grid_counts(path: str, flt: IncidentFilter) -> pd.Series:
    """:func:`counts_by_grid` of the incidents ``flt`` selects; shared, do not modify."""
    return _grid_counts(str(path), _stamp(path), flt)


@st.cache_resource(show_spinner=False, max_entries=16)  # a long window at res 11: ~1 M cells
def _cell_counts(path: str, stamp: float, flt: IncidentFilter, res: int) -> pd.DataFrame:
    table = load_incidents(path)
    return counts_by_cell(table, select(table, flt), res)


def cell_counts(path: str, flt: IncidentFilter, res: int) -> pd.DataFrame:
    """:func:`counts_by_cell` at ``res`` of the incidents ``flt`` selects; shared, do not
    modify."""
    return _cell_counts(str(path), _stamp(path), flt, res)


def scope_view(path: str, area: str | None, *, crs: TileCrs = "wgs84") -> pdk.ViewState:
    """The view of an area (None: the city's grids), centred for tiles in ``crs``."""
    return shift_view(copy.copy(_scope_view(path, _stamp(path), area)), crs)


@st.cache_resource(show_spinner=False, max_entries=64)
def _scope_view(path: str, stamp: float, area: str | None) -> pdk.ViewState:
    admin = load_layer(path, "admin")
    if area is not None:
        return view_for(admin[admin[schema.CODE] == area])
    grids = load_layer(path, "grids")
    return view_for(grids if len(grids) else admin)
