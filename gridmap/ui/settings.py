"""The app's deployment settings, read from the environment here, at the app's edge, and the
workspace's own base map (``gridmap basemap``).

The library takes these values as arguments (:class:`gridmap.config.Environment` names the
variables); only this module and the command line read ``os.environ`` for them. Read on every
run of the app script: reading a few variables is cheap, and a changed deployment (or a test
setting a variable) is seen at once, as before.
"""

from __future__ import annotations

import copy
import logging
import os
from dataclasses import dataclass
from typing import Any

import pydeck as pdk
import streamlit as st

from .. import tiles, viz
from ..basemap import EXTRACT_META_KEY, STATIC_DIR, extent_bounds, extract_options, map_style
from ..config import Environment
from ..store import Workspace
from .data import _stamp, load_layer

__all__ = [
    "MapBase",
    "cjk_font",
    "environment",
    "make_deck",
    "map_base",
    "over_tiles",
]

log = logging.getLogger(__name__)


def environment() -> Environment:
    """The deployment's settings (``GRIDMAP_BASEMAP_URL``, ``GRIDMAP_CJK_FONT``, ...)."""
    return Environment.from_environ(os.environ)


@dataclass(frozen=True)
class MapBase:
    """What a map draws on: the style URL, the CRS to draw the layers in, and the warning to
    show when the workspace's own base map could not be prepared (then the fallback style).

    ``model_matrix``: over GCJ-02 tiles, the translation for layers drawn from H3 ids
    (:func:`gridmap.tiles.gcj02_model_matrix`); None otherwise.
    """

    style_url: str
    crs: tiles.TileCrs = "wgs84"
    own: bool = False
    warning: str | None = None
    model_matrix: list[float] | None = None


@st.cache_resource(show_spinner=False, max_entries=8)
def _prepared(
    setting: str, extract: str, bounds: tuple[float, float, float, float]
) -> tiles.PreparedBaseMap:
    """Extract (or find the extraction of) a workspace's tile file once per process."""
    source = tiles.source_from_meta({tiles.META_KEY: setting})
    if source is None:  # the caller checked; a cleared setting is no base map
        raise tiles.TileSourceError("no base map is set")
    max_zoom, max_tiles = extract_options({EXTRACT_META_KEY: extract})
    return tiles.prepare_basemap(source, STATIC_DIR, bounds, max_zoom=max_zoom, max_tiles=max_tiles)


def _fallback() -> str:
    env = environment()
    return map_style(url=env.basemap_url, attribution=env.basemap_attribution)


@st.cache_resource(show_spinner=False, max_entries=16)
def _own_base(path: str, stamp: float) -> MapBase | None:
    """The workspace's own base map (None: none set), worked out once per workspace version
    rather than on every run of every page. A failure raises, and Streamlit does not cache
    it, so a mended tile file is picked up on the next run."""
    meta = Workspace(path).meta()
    source = tiles.source_from_meta(meta)
    if source is None:
        return None
    grids = load_layer(path, "grids")
    bounds = extent_bounds(grids if len(grids) else load_layer(path, "admin"))
    prepared = _prepared(meta[tiles.META_KEY], meta.get(EXTRACT_META_KEY, ""), bounds)
    matrix = tiles.gcj02_model_matrix(bounds)[0] if prepared.crs == "gcj02" else None
    return MapBase(prepared.style_url, crs=prepared.crs, own=True, model_matrix=matrix)


def map_base(path: str | None = None) -> MapBase:
    """The workspace's own base map when one is set (``gridmap basemap``), else the
    deployment's tile server or the offline background."""
    if path is None:
        return MapBase(_fallback())
    try:
        own = _own_base(str(path), _stamp(path))
    except tiles.TileSourceError as exc:
        log.warning("base map of %s: %s", path, exc)
        return MapBase(_fallback(), warning=str(exc))
    return own if own is not None else MapBase(_fallback())


def cjk_font() -> str | None:
    """The report font the deployment names (``GRIDMAP_CJK_FONT``); None: the bundled one."""
    return environment().cjk_font


def over_tiles(layers: list[pdk.Layer], base: MapBase) -> list[pdk.Layer]:
    """``layers`` built in WGS-84, moved onto the base map's tiles: over GCJ-02 tiles each is
    translated by ``base.model_matrix`` (the offset at the extent's centre, within
    :func:`gridmap.tiles.gcj02_model_matrix`'s error, tens of metres); others as they are.

    For layers with no exact shift of their own (H3 cells drawn from their ids, marks and
    sectors); outlines are shifted vertex by vertex with ``crs=base.crs`` instead.
    """
    if base.model_matrix is None:
        return layers
    moved = []
    for layer in layers:
        layer = copy.copy(layer)  # the caller's layer (perhaps cached) keeps its coordinates
        layer.model_matrix = base.model_matrix
        moved.append(layer)
    return moved


def make_deck(
    layers: list[pdk.Layer],
    view: pdk.ViewState,
    *,
    tooltip: dict[str, Any] | bool | None = None,
    base: MapBase | None = None,
    wgs84: bool = False,
) -> pdk.Deck:
    """:func:`gridmap.viz.make_deck` with the app's map style: what pages call. ``base``:
    the workspace's :func:`map_base`, which the page already has (its layers are drawn in
    its CRS); None: the deployment's style. ``wgs84``: the layers and the view were built in
    WGS-84 instead, and are moved onto the base map's tiles here (:func:`over_tiles`)."""
    style = base.style_url if base is not None else _fallback()
    if base is not None and wgs84:
        layers = over_tiles(layers, base)
        view = tiles.shift_view(view, base.crs)
    return viz.make_deck(layers, view, tooltip=tooltip, style=style)
