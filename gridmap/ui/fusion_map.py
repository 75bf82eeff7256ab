"""The Fusion page's map: basic grids, one department's units coloured by alignment, slivers,
and (the responsibility view) the grids where nobody or several units are responsible.

Two views of one map:

* ``alignment`` — basic grids as light grey outlines; the department's units green when they
  line up with the grids, red when not, the misaligned ones named; slivers (boundary
  differences thinner than the sliver width, to snap) as thick magenta outlines;
* ``responsibility`` — basic grids filled red where a category has nobody responsible,
  amber where two or more units or departments claim it; the units as dark outlines.

In both, an invisible fill over the basic grids takes the clicks and carries the tooltip
(the grid's main unit and what is wrong there), so a click picks a grid for the "who is
responsible" table.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pydeck as pdk
import shapely
import streamlit as st

from .. import schema
from ..analytics.fusion import DEPARTMENT_CODE, DEPARTMENT_NAME, FusionResult
from ..i18n import t
from ..report.fusion_tables import (
    ALIGNED_RGB,
    MISALIGNED_RGB,
    SLIVER_RGB,
    department_duplicates,
    department_gaps,
)
from ..tiles import TileCrs, shift_frame, shift_view
from ..viz import CJK_FONT_FAMILY, geojson_payload, legend_items_html, polygon_layer, view_for
from .data import _stamp, load_layer
from .fusion import analysed_units, load_fusion
from .mapdata import GRID_OUTLINE_RGBA, grid_outline_layer
from .settings import MapBase, make_deck

__all__ = ["FUSION_GRID_LAYER", "MAP_HEIGHT", "VIEWS", "fusion_deck", "fusion_legend"]

#: The map's two views (the segmented control's options).
VIEWS = ("alignment", "responsibility")
#: The id of the clickable grid layer (a click's pick is read from it).
FUSION_GRID_LAYER = "fusion-grids"
GAP_RGB = (215, 25, 28)
#: The grid whose "who is responsible" table is shown.
SELECTED_RGB = (20, 70, 200)
DUPLICATE_RGB = (245, 160, 30)
#: Misaligned units named on the map at most (the largest differences first): more names
#: than this cover a city map.
MAX_LABELS = 10
#: The map's height and (about) its width on a laptop screen, in pixels: the view fits these.
MAP_HEIGHT = 560
MAP_WIDTH = 700


def _grid_status(result: FusionResult) -> pd.Series:
    """Per grid code: "gap" (a category of this department nobody holds), "dup" (claimed
    twice, this department among the claimants) or absent."""
    gaps, dups = department_gaps(result), department_duplicates(result)
    gap = pd.Series("gap", index=pd.Index(gaps[schema.GRID_CODE].astype(str).unique()))
    dup = pd.Series("dup", index=pd.Index(dups[schema.GRID_CODE].astype(str).unique()))
    return pd.concat([gap, dup[~dup.index.isin(gap.index)]])


@st.cache_data(show_spinner=False, max_entries=16)
def _units_payload(
    path: str, stamp: float, department: str, version: int | None, crs: TileCrs
) -> dict[str, Any]:
    units = analysed_units(path, department, version)
    status = load_fusion(path, department, version).misalignment.set_index(DEPARTMENT_CODE)[
        "aligned"
    ]
    ok = units[DEPARTMENT_CODE].astype(str).map(status).fillna(True).astype(bool).to_numpy()
    fill = np.where(ok[:, None], [*ALIGNED_RGB, 45], [*MISALIGNED_RGB, 110]).tolist()
    line = np.where(ok[:, None], [*ALIGNED_RGB, 200], [*MISALIGNED_RGB, 255]).tolist()
    frame = gpd.GeoDataFrame(
        {"code": units[DEPARTMENT_CODE].astype(str).to_numpy(), "rgba": fill, "line": line},
        geometry=units.geometry.to_numpy(),
        crs=4326,
    )
    return geojson_payload(
        shift_frame(frame, crs), properties=["code", "rgba", "line"], tolerance_deg=0.00003
    )


@st.cache_data(show_spinner=False, max_entries=16)
def _slivers_payload(
    path: str, stamp: float, department: str, version: int | None, crs: TileCrs
) -> dict[str, Any]:
    """The sliver pieces themselves (unit ∩ grid of each sliver pair), for drawing only."""
    result = load_fusion(path, department, version)
    s = result.slivers
    units = analysed_units(path, department, version).set_index(DEPARTMENT_CODE).geometry
    grids = load_layer(path, "grids").set_index(schema.CODE).geometry
    pairs = s[s[DEPARTMENT_CODE].isin(units.index) & s[schema.GRID_CODE].isin(grids.index)]
    pieces = shapely.intersection(
        units.reindex(pairs[DEPARTMENT_CODE]).to_numpy(),
        grids.reindex(pairs[schema.GRID_CODE]).to_numpy(),
    )
    frame = gpd.GeoDataFrame(
        {"code": pairs[schema.GRID_CODE].astype(str).to_numpy()}, geometry=pieces, crs=4326
    )
    return geojson_payload(shift_frame(frame, crs), properties=["code"], tolerance_deg=0.0)


@st.cache_data(show_spinner=False, max_entries=16)
def _grids_payload(
    path: str,
    stamp: float,
    department: str,
    version: int | None,
    view: str,
    lang: str,
    crs: TileCrs,
) -> dict[str, Any]:
    """The clickable basic grids: name, the unit holding most of each, what is wrong there."""
    result = load_fusion(path, department, version)
    grids = schema.basic_grids(load_layer(path, "grids"))
    codes = grids[schema.CODE].astype(str)
    main = result.grid_view.set_index(schema.GRID_CODE)
    status = _grid_status(result).reindex(codes).fillna("").to_numpy()
    unit = main["main_department_name"].reindex(codes).fillna("").astype(str).to_numpy()
    share = main["main_share"].reindex(codes).to_numpy(float)
    info = [
        t("fusion.map.tip", lang, unit=u, pct=f"{s * 100:.0f}")
        if u
        else t("fusion.map.tip.none", lang)
        for u, s in zip(unit, share, strict=True)
    ]
    problem = {"gap": t("fusion.map.tip.gap", lang), "dup": t("fusion.map.tip.dup", lang)}
    colour = {"gap": [*GAP_RGB, 120], "dup": [*DUPLICATE_RGB, 130]}
    names = grids[schema.NAME].fillna("").astype(str) if schema.NAME in grids else codes
    frame = gpd.GeoDataFrame(
        {
            "code": codes.to_numpy(),
            "name": [n or c for n, c in zip(names, codes, strict=True)],
            "info": [
                f"{i}<br/>{problem[s]}" if s else i for i, s in zip(info, status, strict=True)
            ],
            "rgba": [
                colour.get(s, [0, 0, 0, 0]) if view == "responsibility" else [0, 0, 0, 0]
                for s in status
            ],
        },
        geometry=grids.geometry.to_numpy(),
        crs=4326,
    )
    return geojson_payload(
        shift_frame(frame, crs), properties=["code", "name", "info", "rgba"], tolerance_deg=0.00005
    )


@st.cache_data(show_spinner=False, max_entries=16)
def _labels(
    path: str, stamp: float, department: str, version: int | None, crs: TileCrs
) -> list[dict[str, Any]]:
    """The misaligned units' names at a point inside each (the largest differences first)."""
    result = load_fusion(path, department, version)
    mis = result.misaligned.sort_values("misaligned_area_m2", ascending=False).head(MAX_LABELS)
    units = analysed_units(path, department, version)
    units = units[units[DEPARTMENT_CODE].isin(mis[DEPARTMENT_CODE])]
    points = shift_frame(
        gpd.GeoDataFrame(
            {"text": units[DEPARTMENT_NAME].astype(str).to_numpy()},
            geometry=units.geometry.representative_point().to_numpy(),
            crs=4326,
        ),
        crs,
    )
    return [
        {"text": text, "position": [round(p.x, 6), round(p.y, 6)]}
        for text, p in zip(points["text"], points.geometry, strict=True)
    ]


def _selected_layer(path: str, grid: str | None, crs: TileCrs) -> list[pdk.Layer]:
    if not grid:
        return []
    grids = load_layer(path, "grids")
    one = grids[grids[schema.CODE].astype(str) == grid][[schema.CODE, "geometry"]]
    if one.empty:
        return []
    data = geojson_payload(shift_frame(one, crs), properties=[schema.CODE], tolerance_deg=0.0)
    return [
        pdk.Layer(
            "GeoJsonLayer", id="fusion-selected", data=data, stroked=True, filled=False,
            get_line_color=[*SELECTED_RGB, 255], get_line_width=0, line_width_min_pixels=3,
        )
    ]  # fmt: skip


def _label_layer(rows: list[dict[str, Any]]) -> pdk.Layer:
    """The misaligned units' names: a plain TextLayer in the bundled Chinese font.

    Not :func:`gridmap.viz.place_label_layer`: over a city's grids its TileLayer keeps a
    click on the map from reaching the chart's selection (the grid is never picked).
    """
    return pdk.Layer(
        "TextLayer", id="fusion-labels", data=rows, get_position="position", get_text="text",
        get_size=12, get_color=[45, 45, 45], get_text_anchor="'middle'",
        get_alignment_baseline="'center'", font_family=CJK_FONT_FAMILY,
        character_set="'auto'", font_weight=700, outline_width=4,
        outline_color=[255, 255, 255], font_settings={"sdf": True, "fontSize": 48, "buffer": 6},
        pickable=False,
    )  # fmt: skip


def _units_layer(data: dict[str, Any], *, coloured: bool) -> pdk.Layer:
    """The department's units: filled green/red with matching outlines, or dark outlines."""
    style: dict[str, Any] = (
        {"filled": True, "get_fill_color": "properties.rgba", "get_line_color": "properties.line"}
        if coloured
        else {"filled": False, "get_line_color": [40, 40, 40, 220]}
    )
    return pdk.Layer(
        "GeoJsonLayer", id="fusion-units", data=data, stroked=True, get_line_width=0,
        line_width_min_pixels=1.6, pickable=False, **style,
    )  # fmt: skip


def fusion_view(path: str, department: str, version: int | None, crs: TileCrs) -> pdk.ViewState:
    """The department's extent (its units, else the grids), centred for tiles in ``crs``."""
    units = analysed_units(path, department, version)
    shown = units if len(units) else load_layer(path, "grids")
    return shift_view(view_for(shown, width_px=MAP_WIDTH, height_px=MAP_HEIGHT), crs)


def fusion_deck(
    path: str,
    department: str,
    version: int | None,
    view: str,
    selected: str | None,
    base: MapBase,
    lang: str,
) -> pdk.Deck:
    """The Fusion page's map in ``view`` (:data:`VIEWS`), ``selected`` grid outlined."""
    p, stamp, crs = str(path), _stamp(path), base.crs
    units = _units_payload(p, stamp, department, version, crs)
    layers: list[pdk.Layer] = [grid_outline_layer(p, None, crs=crs)]
    if view == "alignment":
        layers.append(_units_layer(units, coloured=True))
        layers.append(
            polygon_layer(
                _slivers_payload(p, stamp, department, version, crs), layer_id="fusion-slivers",
                fill=[*SLIVER_RGB, 160], line=[*SLIVER_RGB, 200], line_px=1.3,
            )
        )  # fmt: skip
    # The clickable grids: a fill only. Picking renders every pickable layer, and stroked
    # polygons by the thousand make a click too slow to register on software WebGL.
    layers.append(
        pdk.Layer(
            "GeoJsonLayer", id=FUSION_GRID_LAYER,
            data=_grids_payload(p, stamp, department, version, view, lang, crs), stroked=False,
            filled=True, get_fill_color="properties.rgba", pickable=True, auto_highlight=False,
        )
    )  # fmt: skip
    if view == "responsibility":
        layers.append(_units_layer(units, coloured=False))
    else:
        layers.append(_label_layer(_labels(p, stamp, department, version, crs)))
    layers += _selected_layer(p, selected, crs)
    return make_deck(
        layers,
        fusion_view(p, department, version, crs),
        tooltip={"html": "<b>{name}</b><br/>{info}", "style": {"fontSize": "13px"}},
        base=base,
    )


def fusion_legend(view: str, lang: str) -> str:
    """The map's legend as HTML for ``view``."""
    grey = tuple(GRID_OUTLINE_RGBA[:3])
    if view == "alignment":
        items = [
            (t("fusion.legend.misaligned", lang), MISALIGNED_RGB),
            (t("fusion.legend.aligned", lang), ALIGNED_RGB),
            (t("fusion.legend.sliver", lang), SLIVER_RGB),
            (t("fusion.legend.grid", lang), grey),
            (t("fusion.legend.selected", lang), SELECTED_RGB),
        ]
    else:
        items = [
            (t("fusion.legend.gap", lang), GAP_RGB),
            (t("fusion.legend.dup", lang), DUPLICATE_RGB),
            (t("fusion.legend.units", lang), (40, 40, 40)),
            (t("fusion.legend.selected", lang), SELECTED_RGB),
        ]
    return legend_items_html(t("fusion.legend.title", lang), items)  # type: ignore[arg-type]
