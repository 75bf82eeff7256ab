"""Map style: offline background by default, an intranet XYZ tile server when configured.

Streamlit's frontend crashes on an inline style dict and fetches a Carto style when none is
given, so the style is always a JSON file served from ``static/`` (static serving is on in
``.streamlit/config.toml``). Set ``GRIDMAP_BASEMAP_URL`` to an XYZ template such as
``http://tiles.intranet/{z}/{x}/{y}.png`` to draw raster tiles under the layers (read at the
app's start into :class:`gridmap.config.Environment` and passed to :func:`map_style`). Tiles must
be in WGS-84 / Web Mercator; Chinese GCJ-02 tile sources (Amap, Tencent) will appear offset
by a few hundred metres against gridmap's WGS-84 layers.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .errors import SchemaError

__all__ = [
    "EXTRACT_META_KEY",
    "OFFLINE_STYLE",
    "STATIC_DIR",
    "extent_bounds",
    "extract_options",
    "map_style",
    "tile_style",
]

#: Workspace metadata key of how a tile file is extracted (``{"max_zoom": 16, "max_tiles":
#: 20000}``), beside :data:`gridmap.tiles.META_KEY`: the command line and the app extract the
#: same tiles, so the app reuses what ``gridmap basemap`` prepared.
EXTRACT_META_KEY = "basemap_extract"
DEFAULT_MAX_ZOOM = 16
DEFAULT_MAX_TILES = 20_000

OFFLINE_STYLE = "/app/static/style.json"
#: The app's static folder (served at ``/app/static``), where tiles and styles are written.
STATIC_DIR = Path(__file__).resolve().parent.parent / "static"


def extent_bounds(gdf: Any) -> tuple[float, float, float, float]:
    """``(west, south, east, north)`` of a frame, rounded outward to 0.01° (about 1 km).

    Rounded so that the command line and the app, reading the same workspace, ask for the same
    extent (and so find the same extraction) even when a grid edit moves an edge by metres.

    >>> import geopandas as gpd, shapely
    >>> extent_bounds(gpd.GeoSeries([shapely.box(103.812, 36.031, 103.905, 36.088)]))
    (103.81, 36.03, 103.91, 36.09)
    """
    west, south, east, north = (float(v) for v in gdf.total_bounds)
    if not all(math.isfinite(v) for v in (west, south, east, north)):
        raise SchemaError("the workspace has no grids and no admin areas: nothing to cover")
    return (
        math.floor(west * 100) / 100,
        math.floor(south * 100) / 100,
        math.ceil(east * 100) / 100,
        math.ceil(north * 100) / 100,
    )


def extract_options(meta: Mapping[str, str]) -> tuple[int, int]:
    """``(max_zoom, max_tiles)`` stored under :data:`EXTRACT_META_KEY` (defaults if absent)."""
    try:
        raw = json.loads(meta.get(EXTRACT_META_KEY) or "{}")
        return int(raw.get("max_zoom", DEFAULT_MAX_ZOOM)), int(
            raw.get("max_tiles", DEFAULT_MAX_TILES)
        )
    except (ValueError, TypeError, AttributeError):
        return DEFAULT_MAX_ZOOM, DEFAULT_MAX_TILES


def tile_style(url: str, attribution: str = "") -> dict[str, object]:
    """A MapLibre style with one raster source of XYZ tiles."""
    return {
        "version": 8,
        "sources": {
            "basemap": {
                "type": "raster",
                "tiles": [url],
                "tileSize": 256,
                "attribution": attribution,
            }
        },
        "layers": [
            {"id": "background", "type": "background", "paint": {"background-color": "#f4f3ef"}},
            {"id": "basemap", "type": "raster", "source": "basemap"},
        ],
    }


def map_style(static_dir: Path = STATIC_DIR, *, url: str = "", attribution: str = "") -> str:
    """URL of the style to use: the tile server ``url``'s (the deployment's setting, read at
    the app's edge: :mod:`gridmap.ui.settings`), else (empty) the offline background."""
    url = url.strip()
    if not url:
        return OFFLINE_STYLE
    target = static_dir / "basemap.json"
    style = tile_style(url, attribution)
    text = json.dumps(style, ensure_ascii=False)
    if not target.exists() or target.read_text(encoding="utf-8") != text:
        target.write_text(text, encoding="utf-8")
    return "/app/static/basemap.json"
