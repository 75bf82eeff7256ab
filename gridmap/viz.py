"""Pure pydeck layer builders: small payloads (rounded, simplified geometry), explicit ids."""

from __future__ import annotations

import json
import math
from typing import Any

import geopandas as gpd
import pydeck as pdk
import shapely

__all__ = ["MAP_STYLE", "boundary_layer", "geojson_payload", "make_deck", "view_for"]

#: Offline background-only MapLibre style served by Streamlit's static serving.
MAP_STYLE = "/app/static/style.json"

LEVEL_COLOURS: dict[str, list[int]] = {
    "city": [60, 60, 60],
    "district": [200, 60, 40],
    "street": [90, 90, 160],
    "community": [120, 120, 120],
    "grid": [40, 120, 180],
}


def geojson_payload(
    gdf: gpd.GeoDataFrame,
    *,
    properties: list[str],
    tolerance_deg: float = 0.0002,
    precision: int = 5,
) -> dict[str, Any]:
    """A GeoJSON FeatureCollection with simplified, rounded geometry and chosen properties."""
    geoms = shapely.simplify(gdf.geometry.values, tolerance_deg, preserve_topology=True)
    geoms = shapely.set_precision(geoms, 10.0**-precision)
    features = []
    for geom, props in zip(geoms, gdf[properties].to_dict(orient="records"), strict=True):
        if geom is None or geom.is_empty:
            continue
        features.append(
            {
                "type": "Feature",
                "geometry": json.loads(shapely.to_geojson(geom)),
                "properties": {k: (None if v != v else v) for k, v in props.items()},
            }
        )
    return {"type": "FeatureCollection", "features": features}


def boundary_layer(
    gdf: gpd.GeoDataFrame,
    *,
    layer_id: str,
    properties: list[str],
    line_rgb: list[int],
    fill_rgba: list[int] | None = None,
    line_width_px: float = 1.5,
    pickable: bool = True,
) -> pdk.Layer:
    """Polygons drawn as outlines (optionally filled) — admin units, grids, key areas."""
    return pdk.Layer(
        "GeoJsonLayer",
        id=layer_id,
        data=geojson_payload(gdf, properties=properties),
        stroked=True,
        filled=fill_rgba is not None,
        get_fill_color=fill_rgba or [0, 0, 0, 0],
        get_line_color=line_rgb,
        # pydeck turns bare strings into JS expressions, so "pixels" cannot be passed as
        # lineWidthUnits; a zero width in metres with a pixel minimum gives the same result.
        get_line_width=0,
        line_width_min_pixels=line_width_px,
        pickable=pickable,
        auto_highlight=pickable,
    )


def view_for(gdf: gpd.GeoDataFrame) -> pdk.ViewState:
    """A view that fits the frame's bounds (the whole of China when it is empty)."""
    if len(gdf) == 0:
        return pdk.ViewState(longitude=104.0, latitude=35.0, zoom=3.5)
    x0, y0, x1, y1 = gdf.total_bounds
    span = max(x1 - x0, (y1 - y0) * 1.3, 1e-4)
    zoom = max(1.0, min(16.0, 8.6 - math.log2(span)))
    return pdk.ViewState(longitude=(x0 + x1) / 2, latitude=(y0 + y1) / 2, zoom=zoom)


def make_deck(
    layers: list[pdk.Layer], view: pdk.ViewState, *, tooltip: dict[str, Any] | None = None
) -> pdk.Deck:
    return pdk.Deck(
        layers=layers,
        initial_view_state=view,
        map_provider=None,
        map_style=MAP_STYLE,
        tooltip=tooltip or True,
    )
