"""Tile sources: errors, :class:`BaseMapSource`, opening MBTiles/PMTiles files and tile URLs."""

from __future__ import annotations

import contextlib
import ipaddress
import json
import re
import sqlite3
import urllib.parse
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray
from pmtiles.reader import MmapSource
from pmtiles.reader import Reader as PmtilesReader
from pmtiles.tile import (
    Compression,
    MagicNumberNotFound,
    SpecVersionUnsupported,
    TileType,
    deserialize_header,
)

from ..errors import GridmapError

SourceKind = Literal["mbtiles", "pmtiles", "url"]
TileFormat = Literal["png", "jpg", "webp"]
TileCrs = Literal["wgs84", "gcj02"]
Bounds = tuple[float, float, float, float]  # west, south, east, north in degrees
FloatArray = NDArray[np.float64]

#: Workspace metadata key holding the base map setting (JSON of :class:`BaseMapSource`).
META_KEY = "basemap"
#: URL path under which Streamlit serves the app's ``static/`` folder.
STATIC_URL = "/app/static"
#: Streamlit disables all static serving at start when ``static/`` exceeds 1 GiB
#: (streamlit.web.bootstrap.MAX_APP_STATIC_FOLDER_SIZE); stay well below it.
STATIC_FOLDER_LIMIT_BYTES = 900 * 1024 * 1024
_RASTER_ALLOWED = "raster PNG, JPEG or WebP tiles are needed"
_FORMATS: dict[str, TileFormat] = {"png": "png", "jpg": "jpg", "jpeg": "jpg", "webp": "webp"}
_VECTOR_FORMATS = {"pbf", "mvt", "mlt", "application/vnd.mapbox-vector-tile"}
_PM_TYPES: dict[TileType, TileFormat] = {
    TileType.PNG: "png",
    TileType.JPEG: "jpg",
    TileType.WEBP: "webp",
}
_SQLITE_MAGIC = b"SQLite format 3\x00"
_PMTILES_MAGIC = b"PMTiles"


# --- errors ---------------------------------------------------------------------------------
class TileSourceError(GridmapError, ValueError):
    """A base map source cannot be used; the message names it and what is allowed."""


class NotATileFileError(TileSourceError):
    """The file is missing or is neither an MBTiles nor a PMTiles (v3) file."""


class VectorTilesError(TileSourceError):
    """The tiles are vector tiles (pbf/MVT); the maps draw raster tiles only."""


class EmptyTileSourceError(TileSourceError):
    """The tile file holds no tiles (or none covering the workspace)."""


class ZoomRangeError(TileSourceError):
    """A zoom range outside 0..24, or a minimum above the maximum."""


class TileUrlError(TileSourceError):
    """A tile URL without {x}/{y}/{z} (or WMTS TileCol/TileRow/TileMatrix), or unusable."""


class TileBudgetError(TileSourceError):
    """Extracting the tiles would exceed the tile count or the static folder's size limit."""


# --- the source -----------------------------------------------------------------------------
@dataclass(frozen=True)
class BaseMapSource:
    """Where a workspace's base map tiles come from.

    Parameters
    ----------
    kind
        ``"mbtiles"``, ``"pmtiles"`` (a local file) or ``"url"`` (an XYZ template).
    location
        Absolute file path, or the XYZ template with ``{x}``, ``{y}``, ``{z}`` (WMTS
        placeholders already rewritten by :func:`open_tile_url`).
    format
        Tile image format: ``"png"``, ``"jpg"`` or ``"webp"``.
    crs
        ``"wgs84"`` (Web Mercator tiles of WGS-84 / CGCS2000 data, e.g. 天地图) or ``"gcj02"``
        (Amap/高德-style): then the layers are drawn in GCJ-02 to line up.
    attribution
        Shown in the map's corner.
    min_zoom, max_zoom
        Zoom levels the source holds.
    bounds
        ``(west, south, east, north)`` the source covers, if known.
    scheme
        ``"xyz"`` (row 0 at the top) or ``"tms"`` (a URL with ``{-y}``).
    """

    kind: SourceKind
    location: str
    format: TileFormat = "png"
    crs: TileCrs = "wgs84"
    attribution: str = ""
    min_zoom: int = 0
    max_zoom: int = 18
    bounds: Bounds | None = None
    scheme: Literal["xyz", "tms"] = "xyz"

    def __post_init__(self) -> None:
        if self.kind not in ("mbtiles", "pmtiles", "url"):
            raise TileSourceError(f"base map kind {self.kind!r}; allowed: mbtiles, pmtiles, url")
        if self.crs not in ("wgs84", "gcj02"):
            raise TileSourceError(f"base map crs {self.crs!r}; allowed: wgs84, gcj02")
        if self.format not in ("png", "jpg", "webp"):
            raise TileSourceError(
                f"{self.location}: tile format {self.format!r}; {_RASTER_ALLOWED}"
            )
        _check_zooms(self.location, self.min_zoom, self.max_zoom)

    def to_meta(self) -> str:
        """JSON for the workspace metadata (:data:`META_KEY`); read back by
        :func:`source_from_meta`."""
        return json.dumps(asdict(self), ensure_ascii=False, sort_keys=True)


def source_from_meta(meta: Mapping[str, str]) -> BaseMapSource | None:
    """The base map configured in a workspace's metadata, or None (the offline background).

    Raises
    ------
    TileSourceError
        If the stored value is not a base map setting.
    """
    text = meta.get(META_KEY, "")
    if not text or text == "null":
        return None
    try:
        raw = json.loads(text)
        if raw.get("bounds") is not None:
            raw["bounds"] = tuple(float(v) for v in raw["bounds"])
        return BaseMapSource(**raw)
    except (ValueError, TypeError, AttributeError) as exc:
        raise TileSourceError(
            f"workspace setting {META_KEY!r} is not a base map setting ({exc}); "
            "set it again with `gridmap basemap`"
        ) from None


def _check_zooms(where: str, lo: int, hi: int) -> None:
    if not (0 <= lo <= hi <= 24):
        raise ZoomRangeError(
            f"{where}: zoom range {lo}..{hi}; allowed: 0 <= min zoom <= max zoom <= 24"
        )


# --- opening files --------------------------------------------------------------------------
def open_source(
    location: str | Path,
    *,
    crs: TileCrs = "wgs84",
    attribution: str = "",
) -> BaseMapSource:
    """Open and validate a tile file (MBTiles or PMTiles, by content) or a tile URL.

    Raises
    ------
    TileSourceError
        One of its subclasses, naming the file and what is allowed.
    """
    text = str(location).strip()
    if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", text):
        return open_tile_url(text, crs=crs, attribution=attribution)
    path = Path(text).expanduser()
    magic = _read_magic(path)
    if magic.startswith(_SQLITE_MAGIC):
        return open_mbtiles(path, crs=crs, attribution=attribution)
    if magic.startswith(_PMTILES_MAGIC):
        return open_pmtiles(path, crs=crs, attribution=attribution)
    raise NotATileFileError(f"{path}: not a tile file; allowed: MBTiles (SQLite) or PMTiles v3")


def _read_magic(path: Path) -> bytes:
    try:
        with path.open("rb") as f:
            return f.read(16)
    except FileNotFoundError:
        raise NotATileFileError(
            f"{path}: no such file; expected an MBTiles or PMTiles file"
        ) from None
    except OSError as exc:
        raise NotATileFileError(f"{path}: cannot be read ({exc.strerror})") from None


def _format_of(path: Path, name: str) -> TileFormat:
    key = name.strip().lower().removeprefix("image/")
    if key in _VECTOR_FORMATS:
        raise VectorTilesError(f"{path}: holds vector tiles ({name}); {_RASTER_ALLOWED}")
    fmt = _FORMATS.get(key)
    if fmt is None:
        raise NotATileFileError(f"{path}: tile format {name!r}; {_RASTER_ALLOWED}")
    return fmt


def _sniff_format(path: Path, data: bytes) -> TileFormat:
    """The format of one tile's bytes, for MBTiles files without a ``format`` entry."""
    if data.startswith(b"\x89PNG"):
        return "png"
    if data.startswith(b"\xff\xd8"):
        return "jpg"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data.startswith(b"\x1f\x8b") or data[:1] == b"\x1a":
        # gzip-compressed or raw protobuf: what vector MBTiles hold
        raise VectorTilesError(f"{path}: holds vector tiles (pbf); {_RASTER_ALLOWED}")
    raise NotATileFileError(f"{path}: tiles are not PNG, JPEG or WebP images; {_RASTER_ALLOWED}")


def _connect_readonly(path: Path) -> sqlite3.Connection:
    uri = f"file:{urllib.parse.quote(str(path.resolve()))}?mode=ro"
    return sqlite3.connect(uri, uri=True)


def _parse_bounds(text: str | None) -> Bounds | None:
    if not text:
        return None
    try:
        w, s, e, n = (float(v) for v in text.split(","))
    except ValueError:
        return None
    return (w, s, e, n) if w < e and s < n else None


def open_mbtiles(
    path: str | Path, *, crs: TileCrs = "wgs84", attribution: str = ""
) -> BaseMapSource:
    """Open an MBTiles file: the ``metadata`` table (format, bounds, zooms) and ``tiles``.

    Zoom levels come from the tiles themselves when the metadata does not give them.

    Raises
    ------
    NotATileFileError, VectorTilesError, EmptyTileSourceError, ZoomRangeError
    """
    p = Path(path).expanduser().resolve()
    _read_magic(p)
    try:
        con = _connect_readonly(p)
        try:
            meta = dict(con.execute("SELECT name, value FROM metadata").fetchall())
            lo, hi = con.execute("SELECT min(zoom_level), max(zoom_level) FROM tiles").fetchone()
            first = con.execute("SELECT tile_data FROM tiles LIMIT 1").fetchone()
        finally:
            con.close()
    except sqlite3.Error as exc:
        raise NotATileFileError(
            f"{p}: not an MBTiles file ({exc}); expected SQLite tables 'metadata' and 'tiles'"
        ) from None
    if first is None:
        raise EmptyTileSourceError(f"{p}: the MBTiles file holds no tiles")
    fmt = _format_of(p, meta["format"]) if meta.get("format") else _sniff_format(p, first[0])
    min_zoom = int(meta.get("minzoom", lo))
    max_zoom = int(meta.get("maxzoom", hi))
    _check_zooms(str(p), min_zoom, max_zoom)
    return BaseMapSource(
        kind="mbtiles",
        location=str(p),
        format=fmt,
        crs=crs,
        attribution=attribution or str(meta.get("attribution", "")),
        min_zoom=min_zoom,
        max_zoom=max_zoom,
        bounds=_parse_bounds(meta.get("bounds")),
    )


def _pmtiles_header(path: Path) -> dict[str, Any]:
    with path.open("rb") as f:
        head = f.read(127)
    try:
        return dict(deserialize_header(head))
    except (MagicNumberNotFound, UnicodeDecodeError, IndexError):
        raise NotATileFileError(
            f"{path}: not a PMTiles file; allowed: MBTiles or PMTiles v3"
        ) from None
    except SpecVersionUnsupported:
        raise NotATileFileError(
            f"{path}: PMTiles version {head[7]} is not supported; allowed: PMTiles v3 "
            "(convert with `pmtiles convert`)"
        ) from None
    except ValueError as exc:  # an unknown enum value in the header
        raise NotATileFileError(f"{path}: damaged PMTiles header ({exc})") from None


def open_pmtiles(
    path: str | Path, *, crs: TileCrs = "wgs84", attribution: str = ""
) -> BaseMapSource:
    """Open a PMTiles v3 file from its 127-byte header (and metadata for the attribution).

    Raises
    ------
    NotATileFileError, VectorTilesError, EmptyTileSourceError, ZoomRangeError
    """
    p = Path(path).expanduser().resolve()
    _read_magic(p)
    header = _pmtiles_header(p)
    tile_type = header["tile_type"]
    if tile_type in (TileType.MVT, TileType.MLT):
        raise VectorTilesError(f"{p}: holds vector tiles ({tile_type.name}); {_RASTER_ALLOWED}")
    fmt = _PM_TYPES.get(tile_type)
    if fmt is None:
        raise NotATileFileError(f"{p}: tile type {tile_type.name}; {_RASTER_ALLOWED}")
    if header["addressed_tiles_count"] == 0 and header["tile_data_length"] == 0:
        raise EmptyTileSourceError(f"{p}: the PMTiles file holds no tiles")
    for what in ("internal_compression", "tile_compression"):
        if header[what] not in (Compression.NONE, Compression.GZIP):
            raise NotATileFileError(
                f"{p}: {what.replace('_', ' ')} {header[what].name} is not supported; "
                "allowed: none or gzip (convert with `pmtiles convert`)"
            )
    _check_zooms(str(p), header["min_zoom"], header["max_zoom"])
    if not attribution:
        try:
            with p.open("rb") as f:
                attribution = str(PmtilesReader(MmapSource(f)).metadata().get("attribution", ""))
        except (ValueError, OSError, EOFError):
            attribution = ""  # the metadata is optional; a damaged one costs the credit only
    e7 = 1e-7
    bounds = (
        header["min_lon_e7"] * e7,
        header["min_lat_e7"] * e7,
        header["max_lon_e7"] * e7,
        header["max_lat_e7"] * e7,
    )
    return BaseMapSource(
        kind="pmtiles",
        location=str(p),
        format=fmt,
        crs=crs,
        attribution=attribution,
        min_zoom=header["min_zoom"],
        max_zoom=header["max_zoom"],
        bounds=bounds if bounds[0] < bounds[2] and bounds[1] < bounds[3] else None,
    )


# --- tile URLs ------------------------------------------------------------------------------
# WMTS GetTile placeholders (KVP and RESTful templates) -> XYZ; TileMatrix is the zoom level of
# a Web Mercator ("w", GoogleMapsCompatible, EPSG:3857) tile matrix set.
_WMTS_PLACEHOLDERS = {
    "{tilematrix}": "{z}",
    "{tilerow}": "{y}",
    "{tilecol}": "{x}",
    "{zoom}": "{z}",
    "{level}": "{z}",
}
_GEOGRAPHIC_MATRIX_SETS = {"c", "epsg:4326", "epsg:4490", "cgcs2000", "wgs84"}


def _normalise_placeholders(url: str) -> str:
    def repl(match: re.Match[str]) -> str:
        key = match.group(0).lower()
        return _WMTS_PLACEHOLDERS.get(key, match.group(0))

    return re.sub(r"\{[A-Za-z]+\}", repl, url)


def _matrix_set(url: str) -> str | None:
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
    for key, values in query.items():
        if key.lower() == "tilematrixset" and values:
            return values[0].lower()
    return None


def _check_host(url: str, parts: urllib.parse.SplitResult) -> None:
    host = (parts.hostname or "").lower()
    if not host:
        raise TileUrlError(f"{url}: no host; expected http(s)://HOST/...{{z}}/{{x}}/{{y}}")
    loopback = host == "localhost" or host.endswith(".localhost")
    with contextlib.suppress(ValueError):  # a host name, not an address
        loopback = loopback or ipaddress.ip_address(host).is_loopback
    if loopback:
        raise TileUrlError(
            f"{url}: a loopback host is the viewer's own machine for every other browser; "
            "use the tile server's intranet address, or a local MBTiles/PMTiles file"
        )


def open_tile_url(
    url: str,
    *,
    crs: TileCrs = "wgs84",
    attribution: str = "",
    format: TileFormat | None = None,
    min_zoom: int = 0,
    max_zoom: int = 18,
) -> BaseMapSource:
    """Validate an intranet XYZ or WMTS tile URL template.

    Accepted placeholders: ``{x}``, ``{y}``, ``{z}`` (``{-y}`` for TMS row order), and the
    WMTS ``{TileCol}``, ``{TileRow}``, ``{TileMatrix}`` (KVP GetTile or RESTful templates of a
    Web Mercator tile matrix set, e.g. 天地图 ``TILEMATRIXSET=w``).

    Parameters
    ----------
    url
        e.g. ``http://10.0.0.5/DataServer?T=vec_w&x={x}&y={y}&l={z}``.
    format
        Tile format; guessed from the URL (``.jpg``, ``FORMAT=image/jpeg``), else PNG.

    Raises
    ------
    TileUrlError
        For a non-http(s) URL, a missing placeholder, a loopback host, ``{s}`` sub-domains,
        or a geographic (EPSG:4326, 天地图 ``_c``) tile matrix set.
    VectorTilesError
        For a ``.pbf``/``.mvt`` template.

    Examples
    --------
    >>> open_tile_url(
    ...     "http://10.0.0.5/wmts?SERVICE=WMTS&REQUEST=GetTile&LAYER=vec&TILEMATRIXSET=w"
    ...     "&TILEMATRIX={TileMatrix}&TILEROW={TileRow}&TILECOL={TileCol}"
    ... ).location.endswith("TILEMATRIX={z}&TILEROW={y}&TILECOL={x}")
    True
    """
    raw = url.strip()
    parts = urllib.parse.urlsplit(raw)
    if parts.scheme.lower() not in ("http", "https"):
        raise TileUrlError(f"{raw}: scheme {parts.scheme!r}; allowed: http, https")
    _check_host(raw, parts)
    template = _normalise_placeholders(raw)
    scheme: Literal["xyz", "tms"] = "xyz"
    if "{-y}" in template:
        template, scheme = template.replace("{-y}", "{y}"), "tms"
    if "{s}" in template:
        raise TileUrlError(
            f"{raw}: '{{s}}' sub-domains are not expanded; write one host in place of {{s}}"
        )
    missing = [p for p in ("{x}", "{y}", "{z}") if p not in template]
    if missing:
        raise TileUrlError(
            f"{raw}: missing {', '.join(missing)}; a tile URL needs {{x}}, {{y}} and {{z}} "
            "(or WMTS {TileCol}, {TileRow}, {TileMatrix})"
        )
    matrix_set = _matrix_set(raw)
    if matrix_set in _GEOGRAPHIC_MATRIX_SETS:
        raise TileUrlError(
            f"{raw}: tile matrix set {matrix_set!r} is geographic (lat/lon); "
            "allowed: a Web Mercator set (天地图 'w', GoogleMapsCompatible, EPSG:3857)"
        )
    lowered = template.lower()
    if re.search(r"\.(pbf|mvt)(\?|$)", lowered) or "vnd.mapbox-vector-tile" in lowered:
        raise VectorTilesError(f"{raw}: vector tiles; {_RASTER_ALLOWED}")
    return BaseMapSource(
        kind="url",
        location=template,
        format=format or _guess_url_format(lowered),
        crs=crs,
        attribution=attribution,
        min_zoom=min_zoom,
        max_zoom=max_zoom,
        scheme=scheme,
    )


def _guess_url_format(lowered_url: str) -> TileFormat:
    if re.search(r"(\.jpe?g(\?|$))|image/jpe?g|image%2fjpe?g", lowered_url):
        return "jpg"
    if re.search(r"(\.webp(\?|$))|image/webp|image%2fwebp", lowered_url):
        return "webp"
    return "png"
