"""Place names on the maps: district, street and community names as text, by zoom.

A map without a base map (the offline default) showed outlines nobody could name. The names
come from the workspace's admin layer and are drawn in the app's bundled Chinese font
(:func:`gridmap.viz.place_label_layer`), so they need nothing from outside the machine.

Which names a map shows follows what it opens on, and so its zoom: the districts' names on
the city (zoom 9-10 in Lanzhou), the streets' on a district (10-11), the communities' on a
street (12-14). Opening zooms of the levels overlap (a rural street is larger than an urban
district), so the level of the area shown decides, not a zoom threshold; the chart does not
report the user's zooming back to the page.
"""

from __future__ import annotations

import math

import numpy as np
import pydeck as pdk
import shapely
import streamlit as st

from .. import schema
from ..tiles import TileCrs, shift_lonlat
from ..viz import place_label_layer
from .data import _stamp, load_hierarchy, load_layer

__all__ = ["LABEL_LEVELS", "label_levels", "place_labels", "thin_labels"]

#: ``area level -> (level of the names shown, text size in px)``: the units one level down.
LABEL_LEVELS: dict[str, tuple[str, int]] = {
    "city": ("district", 18),
    "district": ("street", 15),
    "street": ("community", 13),
    "community": ("community", 13),
}


def label_levels(area_level: str) -> list[tuple[str, int]]:
    """``(level, size)`` of the names a map of an ``area_level`` unit shows.

    >>> label_levels("city")
    [('district', 18)]
    >>> label_levels("street")
    [('community', 13)]
    """
    return [LABEL_LEVELS[area_level]] if area_level in LABEL_LEVELS else []


@st.cache_resource(show_spinner=False, max_entries=64)  # read-only rows: no copy
def _label_rows(
    path: str, stamp: float, level: str, area: str | None, crs: TileCrs
) -> list[dict[str, object]]:
    admin = load_layer(path, "admin")
    if schema.LEVEL not in admin or not len(admin):
        return []
    rows = admin[admin[schema.LEVEL] == level]
    h = load_hierarchy(path)
    if area is not None:
        rows = rows[rows[schema.CODE].isin(h.codes_under(area))]
    else:  # the city view: the units that hold grids (the urban core), as the outlines do
        with_grids = {c for g, lv in h.levels.items() if lv == "grid" for c in h.chain(g)}
        if with_grids:
            rows = rows[rows[schema.CODE].isin(with_grids)]
    rows = rows[rows.geometry.notna() & ~rows.geometry.is_empty]
    if not len(rows):
        return []
    # Largest first: where names would collide, the larger unit's is kept (see _thin).
    rows = rows.iloc[np.argsort(-rows.geometry.to_crs(3857).area.to_numpy(), kind="stable")]
    points = shapely.point_on_surface(rows.geometry.to_numpy())
    lon, lat = shift_lonlat(shapely.get_x(points), shapely.get_y(points), crs)
    names = rows[schema.NAME] if schema.NAME in rows else rows[schema.CODE]
    names = names.fillna(rows[schema.CODE]).astype(str)
    return [
        {"position": [round(float(x), 6), round(float(y), 6)], "text": text}
        for x, y, text in zip(np.asarray(lon), np.asarray(lat), names, strict=True)
    ]


def thin_labels(
    rows: list[dict[str, object]], zoom: float, size: int, *, gap_px: float = 4.0
) -> list[dict[str, object]]:
    """The labels that do not overlap an earlier one at ``zoom`` (rows in priority order).

    A city centre's streets are small: their names, all drawn, pile into a black blot. Each
    name is a box of its characters (``size`` px each) around its point; a box touching a kept
    one is left out (the user opens the district or street to read the rest).

    >>> rows = [{"position": [103.80, 36.05], "text": "城关区"},
    ...         {"position": [103.801, 36.05], "text": "七里河区"}]
    >>> [r["text"] for r in thin_labels(rows, 10.0, 16)]
    ['城关区']
    """
    scale = 512.0 * 2.0**zoom / 360.0  # deck.gl's Web Mercator: px per degree of longitude
    kept: list[tuple[float, float, float, float]] = []
    out = []
    for row in rows:
        position: list[float] = row["position"]  # type: ignore[assignment]
        lon, lat = float(position[0]), float(position[1])
        x = lon * scale
        y = -math.degrees(math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))) * scale
        half_w = len(str(row["text"])) * size / 2 + gap_px
        half_h = size / 2 + gap_px
        if any(abs(x - kx) < half_w + kw and abs(y - ky) < half_h + kh for kx, ky, kw, kh in kept):
            continue
        kept.append((x, y, half_w, half_h))
        out.append(row)
    return out


def place_labels(
    path: str, area: str | None, *, zoom: float, crs: TileCrs = "wgs84"
) -> list[pdk.Layer]:
    """Text layers of the place names a map of ``area`` (None: the city) opening at ``zoom``
    shows, thinned so that none covers another."""
    area_level = "city" if area is None else load_hierarchy(path).levels.get(area, "city")
    layers = []
    for level, size in label_levels(area_level):
        rows = thin_labels(_label_rows(str(path), _stamp(path), level, area, crs), zoom, size)
        if rows:
            layers.append(place_label_layer(f"names-{level}", rows, size=size))
    return layers
