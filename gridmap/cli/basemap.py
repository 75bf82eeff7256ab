"""``gridmap basemap``: a workspace's own offline base map (a tile file or an intranet URL)."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable

from ..basemap import DEFAULT_MAX_TILES, DEFAULT_MAX_ZOOM
from ._common import EXIT_OK, Subparsers, print_json


def _cmd_basemap(args: argparse.Namespace) -> int:
    from .. import tiles
    from ..basemap import EXTRACT_META_KEY, STATIC_DIR, extent_bounds
    from ..store import open_workspace

    ws = open_workspace(args.workspace)
    if args.none:
        with ws.transaction() as tx:
            tx.set_meta({tiles.META_KEY: "", EXTRACT_META_KEY: ""})
        result: dict[str, object] = {"basemap": None}
        line = f"{args.workspace}: no base map; the maps draw the offline background"
    else:
        source = tiles.open_source(
            args.file or args.url, crs=args.crs, attribution=args.attribution
        )
        extent = ws.read_grids()
        if not len(extent):
            extent = ws.read_layer("admin")
        bounds = extent_bounds(extent)
        # Prepared now, so a file that cannot be drawn fails here and not in the app.
        prepared = tiles.prepare_basemap(
            source, STATIC_DIR, bounds, max_zoom=args.max_zoom, max_tiles=args.max_tiles
        )
        options = {"max_zoom": args.max_zoom, "max_tiles": args.max_tiles}
        with ws.transaction() as tx:
            tx.set_meta({tiles.META_KEY: source.to_meta(), EXTRACT_META_KEY: json.dumps(options)})
        ex = prepared.extraction
        result = {
            "basemap": json.loads(source.to_meta()),
            "style_url": prepared.style_url,
            "tiles": ex.tiles_written if ex is not None else None,
            "bounds": list(bounds),
        }
        line = f"{args.workspace}: base map {source.kind} {source.location} ({source.crs}); " + (
            ex.summary() if ex is not None else "tiles loaded by the browsers from the URL"
        )
    if args.json:
        print_json(result)
    else:
        print(line)
    return EXIT_OK


def _zoom(text: str) -> int:
    value = int(text)
    if not 0 <= value <= 24:
        raise argparse.ArgumentTypeError(f"{value}: allowed 0..24")
    return value


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value}: must be at least 1")
    return value


def _add_basemap(sub: Subparsers) -> None:
    p = sub.add_parser(
        "basemap",
        help="set a workspace's own offline base map: an MBTiles/PMTiles file (its tiles are "
        "copied into the app) or an intranet XYZ/WMTS URL; --none removes it",
    )
    p.add_argument("workspace")
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--file", metavar="F", help="an MBTiles or PMTiles file of raster tiles")
    which.add_argument(
        "--url", metavar="U", help="an XYZ template, e.g. http://10.1.2.3/tiles/{z}/{x}/{y}.png"
    )
    which.add_argument("--none", action="store_true", help="no base map (offline background)")
    p.add_argument(
        "--crs",
        choices=("wgs84", "gcj02"),
        default="wgs84",
        help="coordinates of the tiles: wgs84 (天地图, OSM) or gcj02 (高德-style); default wgs84",
    )
    p.add_argument("--attribution", default="", metavar="T", help="shown in the map's corner")
    p.add_argument(
        "--max-zoom",
        type=_zoom,
        default=DEFAULT_MAX_ZOOM,
        help=f"highest zoom copied (default {DEFAULT_MAX_ZOOM})",
    )
    p.add_argument(
        "--max-tiles",
        type=_positive,
        default=DEFAULT_MAX_TILES,
        help=f"most tiles copied (default {DEFAULT_MAX_TILES})",
    )
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_cmd_basemap)


COMMANDS: dict[str, Callable[[Subparsers], None]] = {"basemap": _add_basemap}
