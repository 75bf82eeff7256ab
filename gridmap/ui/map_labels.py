"""Place names on the maps: district, street and community names as text, by zoom.

A map without a base map (the offline default) showed outlines nobody could name. The names
come from the workspace's admin layer and are drawn in the app's bundled Chinese font
(:func:`gridmap.viz.place_label_layer`), so they need nothing from outside the machine.

Which names show follows the map's zoom, as the user zooms with the mouse: the districts'
names on the city, the streets' closer in, the communities' closer still. Each level has a
zoom band, from the zoom at which its typical unit is :data:`UNIT_PX` pixels across up to
where the next level's band starts (the bands never overlap, so names of two levels never
pile up). Inside a band a name shows from the zoom at which it no longer covers a name of a
larger unit (:func:`label_min_zooms`); names are grouped by that zoom in steps of
:data:`ZOOM_STEP` into one layer each, which the browser shows or hides as the user zooms.
"""

from __future__ import annotations

import math

import numpy as np
import pydeck as pdk
import shapely
import streamlit as st

from .. import schema
from ..tiles import TileCrs, mercator_px, shift_lonlat
from ..viz import place_label_layer
from .data import _stamp, load_hierarchy, load_layer

__all__ = [
    "LABEL_STYLE",
    "UNIT_PX",
    "ZOOM_STEP",
    "label_bands",
    "label_min_zooms",
    "place_labels",
]

#: ``level -> (text size in px, colour)``, top level first: larger and darker for larger units.
LABEL_STYLE: dict[str, tuple[int, tuple[int, int, int]]] = {
    "district": (18, (110, 35, 25)),
    "street": (15, (30, 60, 130)),
    "community": (13, (75, 75, 75)),
}
#: A level's names show from the zoom at which its median unit is this many pixels across
#: (about two names' width: room for its name and its neighbours').
UNIT_PX = 120.0
#: Names appear in steps of this many zoom levels (one layer per step and level).
ZOOM_STEP = 0.5
#: deck.gl's world at zoom 0: 512 px for the equator's length in Web Mercator metres.
_PX_PER_M = 512.0 / 40_075_016.686


def label_bands(median_side_m: dict[str, float]) -> dict[str, tuple[float, float | None]]:
    """``level -> (from zoom, to zoom)`` of each level's names, given the median side (Web
    Mercator metres) of its units; the top level shows from zoom 0, the last to any zoom.

    >>> label_bands({"district": 26_600.0, "street": 3_500.0, "community": 1_100.0})
    {'district': (0.0, 11.39), 'street': (11.39, 13.06), 'community': (13.06, None)}
    """
    levels = [lv for lv in LABEL_STYLE if lv in median_side_m]
    if not levels:  # no admin layer (grids and incidents only): no names to show
        return {}
    starts = [0.0]
    for level in levels[1:]:
        zoom = math.log2(UNIT_PX / (max(median_side_m[level], 1.0) * _PX_PER_M))
        starts.append(round(max(zoom, starts[-1] + ZOOM_STEP), 2))  # bands never collapse
    ends: list[float | None] = [*starts[1:], None]
    return {lv: (lo, hi) for lv, lo, hi in zip(levels, starts, ends, strict=True)}


def label_min_zooms(
    lon: np.ndarray,
    lat: np.ndarray,
    texts: list[str],
    size: int,
    *,
    from_zoom: float = 0.0,
    gap_px: float = 4.0,
) -> np.ndarray:
    """The zoom from which each name (in priority order) covers no name shown before it.

    Each name is a box of its characters (``size`` px each) around its point. Boxes keep their
    size in pixels while the points move apart as the map zooms in, so two names stop touching
    at a zoom computed from their distance; a name shows once it is clear of every name of
    higher priority already shown at that zoom (and never before ``from_zoom``). A name, once
    shown, stays shown as the user zooms further in.

    >>> z = label_min_zooms(np.array([103.80, 103.81, 104.10]), np.full(3, 36.05),
    ...                     ["城关区", "七里河区", "安宁区"], 18, from_zoom=8.0)
    >>> z.round(2).tolist()
    [8.0, 12.29, 8.0]
    """
    x, y = mercator_px(lon, lat, 0)
    half_w = np.array([len(t) for t in texts], dtype=float) * size / 2 + gap_px
    half_h = size / 2 + gap_px
    out = np.full(len(texts), float(from_zoom))
    for i in range(1, len(texts)):
        with np.errstate(divide="ignore"):
            # Apart along x or along y is enough: the first zoom either distance is wide.
            clear_x = np.log2((half_w[i] + half_w[:i]) / np.abs(x[:i] - x[i]))
            clear_y = np.log2(2 * half_h / np.abs(y[:i] - y[i]))
        clear = np.minimum(clear_x, clear_y)
        blocking = out[:i] < clear  # shown before it is clear of this one
        if blocking.any():
            out[i] = max(out[i], float(clear[blocking].max()))
    return out


@st.cache_resource(show_spinner=False, max_entries=16)  # read-only: no copy
def _median_sides(path: str, stamp: float) -> dict[str, float]:
    """``level -> median side`` (Web Mercator metres) of the admin units that have names."""
    admin = load_layer(path, "admin")
    if schema.LEVEL not in admin or not len(admin):
        return {}
    admin = admin[admin.geometry.notna() & ~admin.geometry.is_empty]
    sides = np.sqrt(admin.geometry.to_crs(3857).area)
    by_level = sides.groupby(admin[schema.LEVEL].to_numpy()).median()
    return {str(lv): float(v) for lv, v in by_level.items() if lv in LABEL_STYLE}


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
    elif level == "district":  # the city view: the districts that hold grids (the urban
        # core), as the outlines do; streets and communities all, as outlined
        with_grids = {c for g, lv in h.levels.items() if lv == "grid" for c in h.chain(g)}
        holding = rows[schema.CODE].isin(with_grids)
        if holding.any():  # none: the grids are not placed in the admin tree; all named
            rows = rows[holding]
    rows = rows[rows.geometry.notna() & ~rows.geometry.is_empty]
    if not len(rows):
        return []
    # Largest first: where names would collide, the larger unit's shows first.
    rows = rows.iloc[np.argsort(-rows.geometry.to_crs(3857).area.to_numpy(), kind="stable")]
    points = shapely.point_on_surface(rows.geometry.to_numpy())
    lon, lat = shift_lonlat(shapely.get_x(points), shapely.get_y(points), crs)
    names = rows[schema.NAME] if schema.NAME in rows else rows[schema.CODE]
    names = names.fillna(rows[schema.CODE]).astype(str)
    return [
        {"position": [round(float(x), 6), round(float(y), 6)], "text": text}
        for x, y, text in zip(np.asarray(lon), np.asarray(lat), names, strict=True)
    ]


def place_labels(path: str, area: str | None, *, crs: TileCrs = "wgs84") -> list[pdk.Layer]:
    """Text layers of the place names of ``area`` (None: the city's units with grids), each
    shown by the browser at the zooms where its names fit (ids ``names-<level>-<n>``)."""
    stamp = _stamp(path)
    layers = []
    for level, (lo, hi) in label_bands(_median_sides(str(path), stamp)).items():
        rows = _label_rows(str(path), stamp, level, area, crs)
        if not rows:
            continue
        size, colour = LABEL_STYLE[level]
        lon = np.array([r["position"][0] for r in rows])  # type: ignore[index]
        lat = np.array([r["position"][1] for r in rows])  # type: ignore[index]
        zooms = label_min_zooms(lon, lat, [str(r["text"]) for r in rows], size, from_zoom=lo)
        steps = lo + np.ceil(np.round((zooms - lo) / ZOOM_STEP, 6)) * ZOOM_STEP
        for n, step in enumerate(np.unique(steps[np.isfinite(steps)])):
            if hi is not None and step >= hi:
                break  # not clear of its neighbours before the next level takes over
            shown = [r for r, s in zip(rows, steps, strict=True) if s == step]
            layers.append(
                place_label_layer(
                    f"names-{level}-{n}",
                    shown,
                    size=size,
                    colour=colour,
                    min_zoom=step if step > 0 else None,
                    max_zoom=hi,
                )
            )
    return layers
