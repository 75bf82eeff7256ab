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
import os
from pathlib import Path

from .config import Environment

__all__ = ["OFFLINE_STYLE", "map_style", "tile_style"]

OFFLINE_STYLE = "/app/static/style.json"
_STATIC = Path(__file__).resolve().parent.parent / "static"


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


def map_style(static_dir: Path = _STATIC, *, url: str | None = None, attribution: str = "") -> str:
    """URL of the style to use: the tile server ``url``'s, else (empty) the offline background.

    ``url`` None: not passed (#16, transitional until every caller passes it: read from the
    environment as before).
    """
    if url is None:
        env = Environment.from_environ(os.environ)
        url, attribution = env.basemap_url, env.basemap_attribution
    url = url.strip()
    if not url:
        return OFFLINE_STYLE
    target = static_dir / "basemap.json"
    style = tile_style(url, attribution)
    text = json.dumps(style, ensure_ascii=False)
    if not target.exists() or target.read_text(encoding="utf-8") != text:
        target.write_text(text, encoding="utf-8")
    return "/app/static/basemap.json"
