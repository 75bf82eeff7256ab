"""A workspace's own base map: local MBTiles/PMTiles files or an intranet XYZ/WMTS tile server.

The app must not reach the internet, and a browser on another intranet machine must be able to
load the tiles, so a local tile file is never served by a side server on 127.0.0.1: the tiles
covering the workspace's extent are extracted once into the app's ``static/`` folder
(``static/tiles/<fingerprint>/{z}/{x}/{y}.<ext>``), which Streamlit serves at
``/app/static/...`` to every browser that can reach the app. A tile server URL is drawn as it
is (the browsers fetch from it directly, so it must be reachable from them, not a loopback
address). Either way the map style is a MapLibre style JSON file in ``static/basemaps/`` (an
inline style dict crashes Streamlit's frontend; see :mod:`gridmap.basemap`).

Only raster tiles (PNG, JPEG, WebP) are drawn: vector tiles need a full style of their own.

GCJ-02 tile sources (Amap/高德-style mirrors) are offset by a few hundred metres from
gridmap's WGS-84 data; when the source says ``crs="gcj02"`` the map layers are drawn in GCJ-02
instead (:func:`shift_frame`, :func:`shift_lonlat`, :func:`shift_view`).

Examples
--------
>>> src = open_tile_url("http://10.1.2.3/DataServer?T=vec_w&x={x}&y={y}&l={z}")
>>> src.kind, src.format, src.crs
('url', 'png', 'wgs84')
"""

from __future__ import annotations

from ._extract import (
    Extraction,
    PreparedBaseMap,
    extract_tiles,
    fingerprint,
    mercator_lonlat,
    mercator_px,
    prepare_basemap,
    style_for,
    tile_range,
    write_style,
)
from ._gcj02 import gcj02_model_matrix, shift_frame, shift_lonlat, shift_view
from ._source import (
    META_KEY,
    STATIC_FOLDER_LIMIT_BYTES,
    STATIC_URL,
    BaseMapSource,
    Bounds,
    EmptyTileSourceError,
    NotATileFileError,
    TileBudgetError,
    TileCrs,
    TileFormat,
    TileSourceError,
    TileUrlError,
    VectorTilesError,
    ZoomRangeError,
    open_mbtiles,
    open_pmtiles,
    open_source,
    open_tile_url,
    source_from_meta,
)

__all__ = [
    "META_KEY",
    "STATIC_FOLDER_LIMIT_BYTES",
    "STATIC_URL",
    "BaseMapSource",
    "Bounds",
    "EmptyTileSourceError",
    "Extraction",
    "NotATileFileError",
    "PreparedBaseMap",
    "TileBudgetError",
    "TileCrs",
    "TileFormat",
    "TileSourceError",
    "TileUrlError",
    "VectorTilesError",
    "ZoomRangeError",
    "extract_tiles",
    "fingerprint",
    "gcj02_model_matrix",
    "mercator_lonlat",
    "mercator_px",
    "open_mbtiles",
    "open_pmtiles",
    "open_source",
    "open_tile_url",
    "prepare_basemap",
    "shift_frame",
    "shift_lonlat",
    "shift_view",
    "source_from_meta",
    "style_for",
    "tile_range",
    "write_style",
]
