"""Extracting a tile file's tiles into the static folder, and the MapLibre style."""

from __future__ import annotations

import functools
import gzip
import hashlib
import json
import logging
import mmap
import os
import shutil
import tempfile
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import ArrayLike
from pmtiles.tile import (
    Compression,
    Entry,
    deserialize_directory,
    deserialize_header,
    find_tile,
    zxy_to_tileid,
)

from ..basemap import DEFAULT_MAX_TILES, DEFAULT_MAX_ZOOM
from ..crs import wgs84_to_gcj02
from ._source import (
    STATIC_FOLDER_LIMIT_BYTES,
    STATIC_URL,
    BaseMapSource,
    Bounds,
    EmptyTileSourceError,
    FloatArray,
    NotATileFileError,
    TileBudgetError,
    TileCrs,
    TileFormat,
    TileSourceError,
    _connect_readonly,
)

log = logging.getLogger(__name__)
_MAX_LAT = 85.0511287798  # Web Mercator's limit
#: A temporary extraction folder older than this was left by a crash (extracting the largest
#: allowed set takes minutes, not hours).
_STALE_TMP_S = 3600.0


# --- tile arithmetic ------------------------------------------------------------------------
def mercator_px(
    lon: ArrayLike, lat: ArrayLike, zoom: float, *, world_px: float = 512.0
) -> tuple[FloatArray, FloatArray]:
    """Web Mercator pixel coordinates of ``(lon, lat)`` at ``zoom``: x east and y south from the
    world's top-left corner, in a world ``world_px`` wide at zoom 0.

    deck.gl's world is 512 px wide at zoom 0 (the default); ``world_px=1`` counts XYZ tiles.
    The one place the projection is written: label placement, rank marks and tile ranges all
    measure with it. Latitudes are clipped to Web Mercator's +-85.05 degrees.

    Examples
    --------
    >>> x, y = mercator_px([0.0, 90.0], [0.0, 0.0], 1)
    >>> x.tolist(), y.tolist()
    ([512.0, 768.0], [512.0, 512.0])
    """
    size = world_px * 2.0**zoom
    rad = np.radians(np.clip(np.asarray(lat, dtype=np.float64), -_MAX_LAT, _MAX_LAT))
    x = (np.asarray(lon, dtype=np.float64) + 180.0) / 360.0 * size
    y = (1.0 - np.arcsinh(np.tan(rad)) / np.pi) / 2.0 * size
    return x, y


def mercator_lonlat(
    x: ArrayLike, y: ArrayLike, zoom: float, *, world_px: float = 512.0
) -> tuple[FloatArray, FloatArray]:
    """The inverse of :func:`mercator_px`: longitude and latitude of pixel ``(x, y)``.

    Examples
    --------
    >>> lon, lat = mercator_lonlat(*mercator_px([103.8], [36.05], 12), 12)
    >>> round(float(lon[0]), 9), round(float(lat[0]), 9)
    (103.8, 36.05)
    """
    size = world_px * 2.0**zoom
    lon = np.asarray(x, dtype=np.float64) / size * 360.0 - 180.0
    lat = np.degrees(
        np.arctan(np.sinh(np.pi * (1.0 - 2.0 * np.asarray(y, dtype=np.float64) / size)))
    )
    return lon, lat


def tile_range(bounds: Bounds, zoom: int) -> tuple[int, int, int, int]:
    """XYZ tiles ``(x_min, x_max, y_min, y_max)`` (inclusive) covering ``bounds`` at ``zoom``.

    Examples
    --------
    >>> tile_range((103.8, 36.0, 103.9, 36.1), 10)
    (807, 807, 401, 402)
    """
    west, south, east, north = bounds
    n = 2**zoom
    x, y = mercator_px([west, east], [north, south], zoom, world_px=1.0)
    cols = np.clip(np.floor(x), 0, n - 1).astype(int).tolist()
    rows = np.clip(np.floor(y), 0, n - 1).astype(int).tolist()
    return cols[0], cols[1], rows[0], rows[1]


def _count(bounds: Bounds, zoom: int) -> int:
    x0, x1, y0, y1 = tile_range(bounds, zoom)
    return (x1 - x0 + 1) * (y1 - y0 + 1)


def _padded(bounds: Bounds, crs: TileCrs, margin_deg: float) -> Bounds:
    """The extent to cover, in the tiles' own coordinates, with a margin around it."""
    west, south, east, north = bounds
    if crs == "gcj02":
        lon, lat = wgs84_to_gcj02([west, east], [south, north])
        west, east = float(lon.min()), float(lon.max())
        south, north = float(lat.min()), float(lat.max())
    return (west - margin_deg, south - margin_deg, east + margin_deg, north + margin_deg)


def _intersect(a: Bounds, b: Bounds | None) -> Bounds | None:
    if b is None:
        return a
    out = (max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3]))
    return out if out[0] < out[2] and out[1] < out[3] else None


def _zooms_within(
    source: BaseMapSource, bounds: Bounds, max_zoom: int, max_tiles: int
) -> tuple[list[int], int]:
    """Zoom levels to extract (the highest dropped while the count exceeds ``max_tiles``)."""
    zooms = list(range(source.min_zoom, min(source.max_zoom, max_zoom) + 1))
    counts = {z: _count(bounds, z) for z in zooms}
    while zooms and sum(counts[z] for z in zooms) > max_tiles:
        zooms.pop()
    return zooms, sum(counts[z] for z in zooms)


# --- fingerprint and extraction -------------------------------------------------------------
def fingerprint(path: str | Path, *, extra: str = "") -> str:
    """16 hex digits identifying a tile file's version: size, mtime and its first 64 KiB.

    ``extra`` (the extent and zooms of an extraction) makes different extractions of one
    file different folders.
    """
    p = Path(path)
    try:
        st = p.stat()
        h = hashlib.sha256(f"{st.st_size}:{st.st_mtime_ns}:{extra}".encode())
        with p.open("rb") as f:
            h.update(f.read(65536))
    except OSError as exc:  # moved or deleted since it was configured
        raise NotATileFileError(
            f"{p}: cannot be read ({exc.strerror}); set the base map again"
        ) from None
    return h.hexdigest()[:16]


@dataclass(frozen=True)
class Extraction:
    """What :func:`extract_tiles` produced (also written as ``extraction.json`` beside it).

    ``url_template`` is the path-absolute URL browsers load the tiles from; ``reused``: an
    earlier extraction with the same fingerprint was found and nothing was read.
    """

    fingerprint: str
    directory: Path
    url_template: str
    format: TileFormat
    bounds: Bounds
    min_zoom: int
    max_zoom: int
    tiles_written: int
    tiles_planned: int
    bytes_written: int
    zooms_dropped: list[int] = field(default_factory=list)
    reused: bool = False

    def summary(self) -> str:
        """One line for the log or the CLI."""
        dropped = f"; zooms {self.zooms_dropped} left out (too many tiles)" * bool(
            self.zooms_dropped
        )
        verb = "reused" if self.reused else "extracted"
        return (
            f"{verb} {self.tiles_written:,} tiles ({self.bytes_written / 1e6:.1f} MB), zoom "
            f"{self.min_zoom}-{self.max_zoom}, into {self.directory}{dropped}"
        )


def _mbtiles_tiles(
    path: Path, bounds: Bounds, zooms: list[int]
) -> Iterator[tuple[int, int, int, bytes]]:
    """(z, x, y, data) in XYZ order; MBTiles rows count from the bottom (TMS), so flip them."""
    con = _connect_readonly(path)
    try:
        for z in zooms:
            x0, x1, y0, y1 = tile_range(bounds, z)
            flip = 2**z - 1
            rows = con.execute(
                "SELECT tile_column, tile_row, tile_data FROM tiles WHERE zoom_level = ? "
                "AND tile_column BETWEEN ? AND ? AND tile_row BETWEEN ? AND ?",
                (z, x0, x1, flip - y1, flip - y0),
            )
            for x, tms_row, data in rows:
                yield z, int(x), flip - int(tms_row), bytes(data)
    finally:
        con.close()


def _pmtiles_tiles(
    path: Path, bounds: Bounds, zooms: list[int]
) -> Iterator[tuple[int, int, int, bytes]]:
    """(z, x, y, data) of the tiles present; each directory is decoded once.

    pmtiles' own ``Reader.get`` decodes the header and the root directory again for every
    tile: 8 ms a tile, minutes for a city.
    """
    with path.open("rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as data:
        header = deserialize_header(data[0:127])
        gzipped = header["tile_compression"] == Compression.GZIP
        plain_dirs = header["internal_compression"] == Compression.NONE

        @functools.cache
        def directory(offset: int, length: int) -> list[Entry]:
            raw = data[offset : offset + length]
            # the decoder always gunzips; an uncompressed directory is wrapped to suit it
            return deserialize_directory(gzip.compress(raw) if plain_dirs else raw)

        def lookup(tile_id: int) -> bytes | None:
            offset, length = header["root_offset"], header["root_length"]
            for _ in range(4):  # the spec allows at most three levels of leaves
                entry = find_tile(directory(offset, length), tile_id)
                if entry is None:
                    return None
                if entry.run_length > 0:
                    start = header["tile_data_offset"] + entry.offset
                    return data[start : start + entry.length]
                offset = header["leaf_directory_offset"] + entry.offset
                length = entry.length
            return None

        for z in zooms:
            x0, x1, y0, y1 = tile_range(bounds, z)
            for x in range(x0, x1 + 1):
                for y in range(y0, y1 + 1):
                    tile = lookup(zxy_to_tileid(z, x, y))
                    if tile:
                        yield z, x, y, gzip.decompress(tile) if gzipped else bytes(tile)


def _folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) if folder.exists() else 0


def extract_tiles(
    source: BaseMapSource,
    static_dir: str | Path,
    bounds: Bounds,
    *,
    max_zoom: int = DEFAULT_MAX_ZOOM,
    max_tiles: int = DEFAULT_MAX_TILES,
    margin_deg: float = 0.02,
    url_prefix: str = STATIC_URL,
) -> Extraction:
    """Copy the tiles of a local tile file that cover ``bounds`` into ``static_dir/tiles/``.

    The folder is named by a fingerprint of the file (size, mtime, header) and of the request,
    written under a temporary name and renamed when complete, so a browser never sees half an
    extraction and a second app start reuses it without reading the file.

    Parameters
    ----------
    source
        An ``mbtiles`` or ``pmtiles`` source from :func:`open_source`.
    static_dir
        The app's ``static/`` folder (served at ``url_prefix``).
    bounds
        The workspace's extent ``(west, south, east, north)`` in WGS-84; shifted to GCJ-02 for a
        GCJ-02 source and widened by ``margin_deg``.
    max_zoom
        Highest zoom to extract; MapLibre draws deeper zooms by enlarging the last level.
    max_tiles
        Cap on the number of tiles: the highest zoom levels are left out (and reported in
        :attr:`Extraction.zooms_dropped`) until the count fits.

    Raises
    ------
    EmptyTileSourceError
        If the source holds no tile inside the extent.
    TileBudgetError
        If even the lowest zoom exceeds ``max_tiles``, or the static folder would pass
        :data:`STATIC_FOLDER_LIMIT_BYTES` (Streamlit then stops serving it).
    """
    if source.kind == "url":
        raise TileSourceError(f"{source.location}: a tile URL is drawn as it is, not extracted")
    path = Path(source.location)
    where = _intersect(_padded(bounds, source.crs, margin_deg), source.bounds)
    if where is None:
        raise EmptyTileSourceError(
            f"{path}: covers {source.bounds}, outside the workspace extent {bounds}"
        )
    zooms, planned = _zooms_within(source, where, max_zoom, max_tiles)
    if not zooms:
        raise TileBudgetError(
            f"{path}: zoom {source.min_zoom} alone needs {_count(where, source.min_zoom):,} tiles "
            f"for the extent; allowed: at most max_tiles={max_tiles:,}"
        )
    wanted = range(source.min_zoom, min(source.max_zoom, max_zoom) + 1)
    dropped = [z for z in wanted if z not in zooms]
    request = json.dumps([[round(v, 5) for v in where], zooms, source.format])
    fp = fingerprint(path, extra=request)
    root = Path(static_dir) / "tiles"
    target = root / fp
    url = f"{url_prefix.rstrip('/')}/tiles/{fp}/{{z}}/{{x}}/{{y}}.{source.format}"
    manifest = target / "extraction.json"
    if manifest.exists():
        done = json.loads(manifest.read_text(encoding="utf-8"))
        return _extraction(done, target, url, reused=True)
    root.mkdir(parents=True, exist_ok=True)
    # The same file and request at another version: replaced by this extraction (the folder
    # name only says which version; the manifest is served, so it holds no server path).
    lineage = hashlib.sha256(f"{path.resolve()}:{request}".encode()).hexdigest()[:16]
    plan = {"planned": planned, "dropped": dropped, "lineage": lineage}
    record = _write_tiles(source, path, where, zooms, target, plan)
    _remove_stale(root, lineage, keep=target.name)
    return _extraction(record, target, url, reused=False)


def _remove_stale(root: Path, lineage: str, *, keep: str) -> None:
    """Delete older extractions of the same lineage, and temporary folders a crash left.

    Streamlit stops serving ``static/`` altogether once it passes 1 GiB, so nothing unused
    may pile up there.
    """
    for folder in root.iterdir():
        if not folder.is_dir() or folder.name == keep:
            continue
        if folder.name.startswith("."):
            if time.time() - folder.stat().st_mtime > _STALE_TMP_S:
                shutil.rmtree(folder, ignore_errors=True)
            continue
        try:
            found = json.loads((folder / "extraction.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if found.get("lineage") == lineage:
            log.info("base map: removing the superseded extraction %s", folder)
            shutil.rmtree(folder, ignore_errors=True)


def _write_tiles(
    source: BaseMapSource,
    path: Path,
    where: Bounds,
    zooms: list[int],
    target: Path,
    plan: Mapping[str, Any],
) -> dict[str, Any]:
    """Write the tiles into a temporary folder beside ``target``, then rename it.

    The manifest ``extraction.json`` is written last, before the rename: a folder under its
    final name is always complete.
    """
    root = target.parent
    budget = STATIC_FOLDER_LIMIT_BYTES - _folder_bytes(root.parent)
    reader = _mbtiles_tiles if source.kind == "mbtiles" else _pmtiles_tiles
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=root))
    try:
        written = nbytes = 0
        made: set[tuple[int, int]] = set()
        for z, x, y, data in reader(path, where, zooms):
            nbytes += len(data)
            if nbytes > budget:
                raise TileBudgetError(
                    f"{path}: the tiles would pass the static folder's limit of "
                    f"{STATIC_FOLDER_LIMIT_BYTES // 2**20} MiB; lower max_zoom or max_tiles"
                )
            folder = tmp / str(z) / str(x)
            if (z, x) not in made:
                folder.mkdir(parents=True, exist_ok=True)
                made.add((z, x))
            (folder / f"{y}.{source.format}").write_bytes(data)
            written += 1
        if written == 0:
            raise EmptyTileSourceError(
                f"{path}: no tiles inside the workspace extent {where} at zoom {zooms[0]}-"
                f"{zooms[-1]}"
            )
        record: dict[str, Any] = {
            "format": source.format,
            "bounds": list(where),
            "min_zoom": zooms[0],
            "max_zoom": zooms[-1],
            "written": written,
            "bytes": nbytes,
            "file": path.name,
            **plan,
        }
        (tmp / "extraction.json").write_text(json.dumps(record), encoding="utf-8")
        tmp.chmod(0o755)  # mkdtemp makes it 0700; the server may run as another user
        try:
            os.rename(tmp, target)
        except OSError:
            if not (target / "extraction.json").exists():
                raise
            shutil.rmtree(tmp, ignore_errors=True)  # another process finished it first
        log.info("base map: %s tiles (%s bytes) from %s into %s", written, nbytes, path, target)
        return record
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _extraction(record: Mapping[str, Any], target: Path, url: str, *, reused: bool) -> Extraction:
    return Extraction(
        fingerprint=target.name,
        directory=target,
        url_template=url,
        format=record["format"],
        bounds=tuple(record["bounds"]),
        min_zoom=int(record["min_zoom"]),
        max_zoom=int(record["max_zoom"]),
        tiles_written=int(record["written"]),
        tiles_planned=int(record.get("planned", record["written"])),
        bytes_written=int(record["bytes"]),
        zooms_dropped=list(record.get("dropped", [])),
        reused=reused,
    )


# --- the map style --------------------------------------------------------------------------
def style_for(source: BaseMapSource, extraction: Extraction | None = None) -> dict[str, Any]:
    """A MapLibre style with one raster source: the extracted tiles, or the tile URL.

    ``minzoom``/``maxzoom``/``bounds`` keep MapLibre from asking for tiles that do not exist;
    past ``maxzoom`` it enlarges the last level.
    """
    raster: dict[str, Any] = {"type": "raster", "tileSize": 256, "attribution": source.attribution}
    if extraction is not None:
        raster.update(
            tiles=[extraction.url_template],
            minzoom=extraction.min_zoom,
            maxzoom=extraction.max_zoom,
            bounds=[round(v, 6) for v in extraction.bounds],
        )
    else:
        if source.kind != "url":
            raise TileSourceError(f"{source.location}: a tile file is drawn from its extraction")
        raster.update(tiles=[source.location], minzoom=source.min_zoom, maxzoom=source.max_zoom)
        if source.scheme == "tms":
            raster["scheme"] = "tms"
    return {
        "version": 8,
        "sources": {"basemap": raster},
        "layers": [
            {"id": "background", "type": "background", "paint": {"background-color": "#f4f3ef"}},
            {"id": "basemap", "type": "raster", "source": "basemap"},
        ],
    }


def write_style(
    style: Mapping[str, Any], static_dir: str | Path, *, url_prefix: str = STATIC_URL
) -> str:
    """Write ``style`` to ``static_dir/basemaps/<hash>.json`` (once) and return its URL.

    One file per distinct style, so workspaces with different base maps in one app never
    overwrite each other's.
    """
    text = json.dumps(style, ensure_ascii=False, sort_keys=True)
    name = hashlib.sha256(text.encode()).hexdigest()[:16] + ".json"
    folder = Path(static_dir) / "basemaps"
    target = folder / name
    if not target.exists():
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".style-", dir=folder)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    return f"{url_prefix.rstrip('/')}/basemaps/{name}"


@dataclass(frozen=True)
class PreparedBaseMap:
    """What the maps need: the style URL, the CRS to draw layers in, the extraction if any."""

    style_url: str
    crs: TileCrs
    extraction: Extraction | None = None


def prepare_basemap(
    source: BaseMapSource,
    static_dir: str | Path,
    bounds: Bounds,
    *,
    max_zoom: int = DEFAULT_MAX_ZOOM,
    max_tiles: int = DEFAULT_MAX_TILES,
    url_prefix: str = STATIC_URL,
) -> PreparedBaseMap:
    """Make ``source`` drawable: extract a tile file (or reuse its extraction), write the style.

    Call once per workspace at the app's start (cache it); pass :attr:`PreparedBaseMap.style_url`
    as the decks' ``map_style`` and draw the layers in :attr:`PreparedBaseMap.crs`.
    """
    extraction = None
    if source.kind != "url":
        extraction = extract_tiles(
            source,
            static_dir,
            bounds,
            max_zoom=max_zoom,
            max_tiles=max_tiles,
            url_prefix=url_prefix,
        )
    style_url = write_style(style_for(source, extraction), static_dir, url_prefix=url_prefix)
    return PreparedBaseMap(style_url=style_url, crs=source.crs, extraction=extraction)
