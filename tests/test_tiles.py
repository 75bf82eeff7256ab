"""Tests for gridmap.tiles: a workspace's own base map from MBTiles, PMTiles or a tile URL.

The tile files are made here: PNG tiles whose top-left pixel encodes (z, x, y), so a tile
written under the wrong row (the MBTiles TMS flip) is caught by reading the pixel back.
"""

from __future__ import annotations

import io
import json
import os
import sqlite3
from pathlib import Path

import geopandas as gpd
import numpy as np
import pydeck as pdk
import pyproj
import pytest
import shapely
from PIL import Image
from pmtiles.reader import MmapSource
from pmtiles.reader import Reader as PmtilesReader
from pmtiles.tile import Compression, TileType, zxy_to_tileid
from pmtiles.writer import Writer

from gridmap.crs import wgs84_to_gcj02
from gridmap.errors import GridmapError
from gridmap.tiles import (
    META_KEY,
    BaseMapSource,
    EmptyTileSourceError,
    NotATileFileError,
    TileBudgetError,
    TileSourceError,
    TileUrlError,
    VectorTilesError,
    ZoomRangeError,
    extract_tiles,
    fingerprint,
    gcj02_model_matrix,
    open_mbtiles,
    open_pmtiles,
    open_source,
    open_tile_url,
    prepare_basemap,
    shift_frame,
    shift_lonlat,
    shift_view,
    source_from_meta,
    style_for,
    tile_range,
    write_style,
)

GEOD = pyproj.Geod(ellps="WGS84")
#: Lanzhou's centre and a box around its core districts (WGS-84).
LANZHOU = (103.834, 36.061)
EXTENT = (103.70, 36.00, 103.95, 36.12)
#: What the test files hold: a wider box, zoom 10-12.
FILE_BOUNDS = (103.5, 35.9, 104.2, 36.3)
ZOOMS = (10, 11, 12)


def png_tile(z: int, x: int, y: int) -> bytes:
    """A 256 px PNG whose pixel (0, 0) is (z, x % 256, y % 256)."""
    arr = np.full((256, 256, 3), 230, dtype=np.uint8)
    arr[0, 0] = (z, x % 256, y % 256)
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, format="PNG")
    return buf.getvalue()


def pixel(path: Path) -> tuple[int, int, int]:
    with Image.open(path) as img:
        r, g, b = img.convert("RGB").getpixel((0, 0))  # type: ignore[misc]
    return int(r), int(g), int(b)


def file_tiles(
    bounds: tuple[float, float, float, float] = FILE_BOUNDS,
) -> list[tuple[int, int, int]]:
    out = []
    for z in ZOOMS:
        x0, x1, y0, y1 = tile_range(bounds, z)
        out += [(z, x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]
    return out


def make_mbtiles(
    path: Path,
    *,
    meta: dict[str, str] | None = None,
    tiles: list[tuple[int, int, int]] | None = None,
) -> Path:
    """An MBTiles file (TMS rows, as the spec says) of the Lanzhou test tiles."""
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE metadata (name TEXT, value TEXT)")
    con.execute(
        "CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, "
        "tile_data BLOB)"
    )
    base = {
        "name": "lanzhou test",
        "format": "png",
        "bounds": ",".join(str(v) for v in FILE_BOUNDS),
        "minzoom": str(ZOOMS[0]),
        "maxzoom": str(ZOOMS[-1]),
        "attribution": "test tiles",
    }
    base.update(meta or {})
    con.executemany("INSERT INTO metadata VALUES (?, ?)", [(k, v) for k, v in base.items() if v])
    rows = [
        (z, x, 2**z - 1 - y, png_tile(z, x, y))
        for z, x, y in (file_tiles() if tiles is None else tiles)
    ]
    con.executemany("INSERT INTO tiles VALUES (?, ?, ?, ?)", rows)
    con.commit()
    con.close()
    return path


def make_pmtiles(
    path: Path,
    *,
    tile_type: TileType = TileType.PNG,
    compression: Compression = Compression.NONE,
) -> Path:
    """A PMTiles v3 file of the same tiles, written with the pmtiles package's writer."""
    entries = sorted((zxy_to_tileid(z, x, y), png_tile(z, x, y)) for z, x, y in file_tiles())
    with path.open("wb") as f:
        writer = Writer(f)
        for tile_id, data in entries:
            writer.write_tile(tile_id, data)
        e7 = 10_000_000
        header = {
            "tile_type": tile_type,
            "tile_compression": compression,
            "min_lon_e7": int(FILE_BOUNDS[0] * e7),
            "min_lat_e7": int(FILE_BOUNDS[1] * e7),
            "max_lon_e7": int(FILE_BOUNDS[2] * e7),
            "max_lat_e7": int(FILE_BOUNDS[3] * e7),
            "center_zoom": 11,
            "center_lon_e7": int(LANZHOU[0] * e7),
            "center_lat_e7": int(LANZHOU[1] * e7),
        }
        writer.finalize(header, {"attribution": "pm test tiles"})
    return path


@pytest.fixture
def mbtiles(tmp_path: Path) -> Path:
    return make_mbtiles(tmp_path / "lanzhou.mbtiles")


@pytest.fixture
def pmtiles(tmp_path: Path) -> Path:
    return make_pmtiles(tmp_path / "lanzhou.pmtiles")


def written_tiles(directory: Path) -> set[tuple[int, int, int]]:
    return {
        (int(p.parts[-3]), int(p.parts[-2]), int(p.stem))
        for p in directory.rglob("*.png")
        if p.is_file()
    }


def expected_tiles(bounds: tuple[float, float, float, float], zooms: tuple[int, ...]) -> set:
    out = set()
    for z in zooms:
        x0, x1, y0, y1 = tile_range(bounds, z)
        out |= {(z, x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)}
    return out


# --- opening ------------------------------------------------------------------------------------
def test_open_mbtiles_reads_metadata(mbtiles: Path) -> None:
    src = open_source(mbtiles)
    assert (src.kind, src.format, src.crs) == ("mbtiles", "png", "wgs84")
    assert (src.min_zoom, src.max_zoom) == (10, 12)
    assert src.bounds == FILE_BOUNDS
    assert src.attribution == "test tiles"
    assert src.location == str(mbtiles.resolve())


def test_open_mbtiles_without_format_or_zooms_looks_at_the_tiles(tmp_path: Path) -> None:
    path = make_mbtiles(
        tmp_path / "bare.mbtiles", meta={"format": "", "minzoom": "", "maxzoom": ""}
    )
    src = open_mbtiles(path)
    assert (src.format, src.min_zoom, src.max_zoom) == ("png", 10, 12)


def test_open_pmtiles_reads_the_header(pmtiles: Path) -> None:
    src = open_source(pmtiles, crs="gcj02")
    assert (src.kind, src.format, src.crs) == ("pmtiles", "png", "gcj02")
    assert (src.min_zoom, src.max_zoom) == (10, 12)
    assert src.bounds is not None
    assert np.allclose(src.bounds, FILE_BOUNDS, atol=1e-6)
    assert src.attribution == "pm test tiles"


# --- extraction ---------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["mbtiles", "pmtiles"])
def test_extract_writes_the_covering_tiles_in_xyz_order(
    kind: str, mbtiles: Path, pmtiles: Path, tmp_path: Path
) -> None:
    src = open_source(mbtiles if kind == "mbtiles" else pmtiles)
    static = tmp_path / "static"
    ex = extract_tiles(src, static, EXTENT, margin_deg=0.0)
    assert not ex.reused
    assert ex.directory == static / "tiles" / ex.fingerprint
    assert ex.url_template == f"/app/static/tiles/{ex.fingerprint}/{{z}}/{{x}}/{{y}}.png"
    assert (ex.min_zoom, ex.max_zoom, ex.zooms_dropped) == (10, 12, [])
    want = expected_tiles(EXTENT, ZOOMS)
    assert written_tiles(ex.directory) == want
    assert ex.tiles_written == ex.tiles_planned == len(want)
    assert ex.bytes_written == sum(p.stat().st_size for p in ex.directory.rglob("*.png"))
    # each file holds the tile of its own z/x/y: the MBTiles TMS rows were flipped
    for z, x, y in want:
        assert pixel(ex.directory / str(z) / str(x) / f"{y}.png") == (z, x % 256, y % 256)
    # a north-of-centre tile has a smaller XYZ row than a south one (not the TMS order)
    _, _, y_north, y_south = tile_range(EXTENT, 12)
    assert y_north < y_south
    assert json.loads((ex.directory / "extraction.json").read_text())["written"] == len(want)
    assert not [p for p in (static / "tiles").iterdir() if p.name.startswith(".")]


def test_extraction_is_reused_until_the_file_changes(mbtiles: Path, tmp_path: Path) -> None:
    static = tmp_path / "static"
    first = extract_tiles(open_source(mbtiles), static, EXTENT)
    again = extract_tiles(open_source(mbtiles), static, EXTENT)
    assert again.reused and again.directory == first.directory
    assert again.tiles_written == first.tiles_written
    assert fingerprint(mbtiles) == fingerprint(mbtiles)
    st = mbtiles.stat()
    os.utime(mbtiles, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    crashed = static / "tiles" / ".0123-left-by-a-crash"
    crashed.mkdir()
    os.utime(crashed, (0, 0))
    changed = extract_tiles(open_source(mbtiles), static, EXTENT)
    assert not changed.reused and changed.fingerprint != first.fingerprint
    # the superseded version and the crash's leftovers are gone: static/ must stay small
    assert not first.directory.exists() and not crashed.exists()
    other_extent = extract_tiles(open_source(mbtiles), static, (103.8, 36.0, 103.9, 36.1))
    assert other_extent.fingerprint != changed.fingerprint
    assert changed.directory.exists()  # another extent of the same file is kept


def test_tile_count_cap_drops_the_highest_zooms(mbtiles: Path, tmp_path: Path) -> None:
    src = open_source(mbtiles)
    low = expected_tiles(EXTENT, (10, 11))
    ex = extract_tiles(src, tmp_path / "s", EXTENT, margin_deg=0.0, max_tiles=len(low))
    assert (ex.max_zoom, ex.zooms_dropped, ex.tiles_written) == (11, [12], len(low))
    assert "zooms [12] left out" in ex.summary()
    capped = extract_tiles(src, tmp_path / "s2", EXTENT, margin_deg=0.0, max_zoom=10)
    assert (capped.max_zoom, capped.zooms_dropped) == (10, [])
    with pytest.raises(TileBudgetError, match=r"lanzhou\.mbtiles: zoom 10 alone needs"):
        extract_tiles(src, tmp_path / "s3", EXTENT, max_tiles=1)


def test_gcj02_source_extracts_the_shifted_extent(mbtiles: Path, tmp_path: Path) -> None:
    ex = extract_tiles(open_source(mbtiles, crs="gcj02"), tmp_path / "s", EXTENT, margin_deg=0.0)
    lon, lat = wgs84_to_gcj02([EXTENT[0], EXTENT[2]], [EXTENT[1], EXTENT[3]])
    assert ex.bounds == pytest.approx((lon[0], lat[0], lon[1], lat[1]))
    assert ex.bounds[0] - EXTENT[0] > 0.002  # a couple of hundred metres east


def test_extent_outside_the_file_is_empty(mbtiles: Path, tmp_path: Path) -> None:
    with pytest.raises(EmptyTileSourceError, match=r"lanzhou\.mbtiles: covers"):
        extract_tiles(open_source(mbtiles), tmp_path / "s", (116.3, 39.8, 116.5, 40.0))


def test_a_configured_file_that_went_away(mbtiles: Path, tmp_path: Path) -> None:
    src = open_source(mbtiles)
    mbtiles.unlink()
    with pytest.raises(NotATileFileError, match=r"lanzhou\.mbtiles: cannot be read"):
        prepare_basemap(src, tmp_path / "s", EXTENT)


def test_a_url_is_not_extracted(tmp_path: Path) -> None:
    src = open_tile_url("http://10.0.0.5/{z}/{x}/{y}.png")
    with pytest.raises(TileSourceError, match="not extracted"):
        extract_tiles(src, tmp_path, EXTENT)


# --- the style ----------------------------------------------------------------------------------
def test_prepare_basemap_writes_a_style_over_the_extracted_tiles(
    pmtiles: Path, tmp_path: Path
) -> None:
    static = tmp_path / "static"
    prepared = prepare_basemap(open_source(pmtiles), static, EXTENT, max_zoom=11)
    assert prepared.crs == "wgs84" and prepared.extraction is not None
    assert prepared.style_url.startswith("/app/static/basemaps/")
    style = json.loads((static / prepared.style_url.removeprefix("/app/static/")).read_text())
    raster = style["sources"]["basemap"]
    assert raster["type"] == "raster"
    assert raster["tiles"] == [prepared.extraction.url_template]
    assert (raster["minzoom"], raster["maxzoom"]) == (10, 11)
    assert raster["attribution"] == "pm test tiles"
    assert [layer["id"] for layer in style["layers"]] == ["background", "basemap"]
    # the same base map again: the same style file, nothing re-extracted
    again = prepare_basemap(open_source(pmtiles), static, EXTENT, max_zoom=11)
    assert again.style_url == prepared.style_url and again.extraction is not None
    assert again.extraction.reused


def test_style_of_a_tms_url_and_one_file_per_style(tmp_path: Path) -> None:
    src = open_tile_url("http://tiles.intranet/{z}/{x}/{-y}.png", attribution="内网底图")
    style = style_for(src)
    assert style["sources"]["basemap"]["scheme"] == "tms"
    assert style["sources"]["basemap"]["tiles"] == ["http://tiles.intranet/{z}/{x}/{y}.png"]
    a = write_style(style, tmp_path)
    b = write_style(style_for(open_tile_url("http://tiles.intranet/{z}/{x}/{y}.png")), tmp_path)
    assert a != b and a == write_style(style, tmp_path, url_prefix="/app/static/")
    assert len(list((tmp_path / "basemaps").glob("*.json"))) == 2
    with pytest.raises(TileSourceError, match="drawn from its extraction"):
        style_for(BaseMapSource("mbtiles", "/x.mbtiles"))


# --- errors -------------------------------------------------------------------------------------
def test_not_a_tile_file(tmp_path: Path) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("hello", encoding="utf-8")
    with pytest.raises(NotATileFileError, match=r"notes\.txt: not a tile file; allowed: MBTiles"):
        open_source(text)
    with pytest.raises(NotATileFileError, match=r"missing\.mbtiles: no such file"):
        open_source(tmp_path / "missing.mbtiles")
    other = tmp_path / "other.sqlite"
    sqlite3.connect(other).execute("CREATE TABLE t (a)").connection.close()
    with pytest.raises(NotATileFileError, match=r"other\.sqlite: not an MBTiles file"):
        open_source(other)
    with pytest.raises(NotATileFileError, match=r"other\.sqlite: not a PMTiles file"):
        open_pmtiles(other)


def test_vector_tiles_are_refused(tmp_path: Path) -> None:
    vec = make_mbtiles(tmp_path / "roads.mbtiles", meta={"format": "pbf"}, tiles=[(10, 1, 1)])
    with pytest.raises(
        VectorTilesError, match=r"roads\.mbtiles: holds vector tiles \(pbf\); raster"
    ):
        open_source(vec)
    pm = make_pmtiles(tmp_path / "roads.pmtiles", tile_type=TileType.MVT)
    with pytest.raises(VectorTilesError, match=r"roads\.pmtiles: holds vector tiles"):
        open_source(pm)
    with pytest.raises(VectorTilesError, match="vector tiles"):
        open_tile_url("http://10.0.0.5/roads/{z}/{x}/{y}.pbf")


def test_pmtiles_compression_must_be_none_or_gzip(tmp_path: Path) -> None:
    path = make_pmtiles(tmp_path / "br.pmtiles", compression=Compression.BROTLI)
    with pytest.raises(NotATileFileError, match=r"br\.pmtiles: tile compression BROTLI"):
        open_source(path)


def test_pmtiles_extraction_matches_the_package_reader(pmtiles: Path, tmp_path: Path) -> None:
    ex = extract_tiles(open_source(pmtiles), tmp_path / "s", EXTENT, margin_deg=0.0)
    with pmtiles.open("rb") as f:
        reader = PmtilesReader(MmapSource(f))
        for z, x, y in written_tiles(ex.directory):
            assert (ex.directory / str(z) / str(x) / f"{y}.png").read_bytes() == reader.get(z, x, y)


def test_empty_and_bad_zoom_files(tmp_path: Path) -> None:
    empty = make_mbtiles(tmp_path / "empty.mbtiles", tiles=[])
    with pytest.raises(EmptyTileSourceError, match=r"empty\.mbtiles: the MBTiles file holds no"):
        open_source(empty)
    bad = make_mbtiles(tmp_path / "zooms.mbtiles", meta={"minzoom": "14", "maxzoom": "3"})
    with pytest.raises(ZoomRangeError, match=r"zooms\.mbtiles: zoom range 14\.\.3; allowed"):
        open_source(bad)
    with pytest.raises(ZoomRangeError):
        open_tile_url("http://10.0.0.5/{z}/{x}/{y}.png", max_zoom=30)


def test_errors_are_gridmap_errors_with_one_line() -> None:
    with pytest.raises(GridmapError) as info:
        open_tile_url("http://10.0.0.5/tiles/{z}/{x}.png")
    assert isinstance(info.value, ValueError)
    assert "\n" not in str(info.value)


# --- URLs ---------------------------------------------------------------------------------------
def test_tianditu_style_url_is_accepted() -> None:
    url = "http://10.1.2.3/DataServer?T=vec_w&x={x}&y={y}&l={z}"
    src = open_tile_url(url, attribution="天地图")
    assert (src.location, src.scheme, src.format) == (url, "xyz", "png")


def test_wmts_templates_become_xyz() -> None:
    kvp = open_tile_url(
        "http://10.1.2.3/img_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=img"
        "&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles"
        "&TILEMATRIX={TileMatrix}&TILEROW={TileRow}&TILECOL={TileCol}"
    )
    assert kvp.location.endswith("TILEMATRIX={z}&TILEROW={y}&TILECOL={x}")
    rest = open_tile_url(
        "https://gis.intranet/wmts/vec/default/GoogleMapsCompatible/{TileMatrix}/{TileRow}/"
        "{TileCol}.jpg"
    )
    assert rest.location.endswith("/{z}/{y}/{x}.jpg") and rest.format == "jpg"
    fmt = open_tile_url("http://10.1.2.3/wmts?FORMAT=image/jpeg&z={z}&x={x}&y={y}")
    assert fmt.format == "jpg"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://10.0.0.5/tiles/{z}/{x}.png", r"missing \{y\}"),
        ("http://10.0.0.5/tiles/a.png", r"missing \{x\}, \{y\}, \{z\}"),
        ("ftp://10.0.0.5/{z}/{x}/{y}.png", "scheme 'ftp'; allowed: http, https"),
        ("http://127.0.0.1:8080/{z}/{x}/{y}.png", "loopback host"),
        ("http://localhost/{z}/{x}/{y}.png", "loopback host"),
        ("http://{s}.tiles.lan/{z}/{x}/{y}.png", "sub-domains"),
        (
            "http://10.0.0.5/vec_c/wmts?TILEMATRIXSET=c&TILEMATRIX={TileMatrix}"
            "&TILEROW={TileRow}&TILECOL={TileCol}",
            "tile matrix set 'c' is geographic",
        ),
    ],
)
def test_bad_urls_are_refused(url: str, message: str) -> None:
    with pytest.raises(TileUrlError, match=message):
        open_tile_url(url)


def test_open_source_dispatches_urls() -> None:
    src = open_source("  http://10.0.0.5/{z}/{x}/{y}.webp ", crs="gcj02")
    assert (src.kind, src.format, src.crs) == ("url", "webp", "gcj02")


# --- workspace setting --------------------------------------------------------------------------
def test_source_round_trips_through_workspace_meta(mbtiles: Path) -> None:
    src = open_source(mbtiles, crs="gcj02", attribution="高德内网")
    back = source_from_meta({META_KEY: src.to_meta()})
    assert back == src
    assert source_from_meta({}) is None and source_from_meta({META_KEY: ""}) is None
    with pytest.raises(TileSourceError, match="workspace setting 'basemap'"):
        source_from_meta({META_KEY: '{"kind": "mbtiles"}'})
    with pytest.raises(TileSourceError, match="allowed: wgs84, gcj02"):
        source_from_meta({META_KEY: json.dumps({"kind": "url", "location": "u", "crs": "bd09"})})


# --- GCJ-02 -------------------------------------------------------------------------------------
def test_shift_moves_lanzhou_by_a_few_hundred_metres() -> None:
    lon, lat = shift_lonlat([LANZHOU[0]], [LANZHOU[1]], "gcj02")
    _, _, dist = GEOD.inv(LANZHOU[0], LANZHOU[1], lon[0], lat[0])
    assert 150 < dist < 400  # ~220 m, mostly east, in Lanzhou
    assert lon[0] > LANZHOU[0]
    same_lon, same_lat = shift_lonlat([LANZHOU[0]], [LANZHOU[1]], "wgs84")
    assert (same_lon[0], same_lat[0]) == LANZHOU


def test_shift_frame_moves_every_vertex() -> None:
    poly = shapely.box(103.82, 36.05, 103.85, 36.07)
    gdf = gpd.GeoDataFrame({"name": ["a"]}, geometry=[poly], crs="EPSG:4326")
    assert shift_frame(gdf, "wgs84") is gdf
    moved = shift_frame(gdf, "gcj02")
    assert moved.crs is None and list(moved["name"]) == ["a"]
    xy = shapely.get_coordinates(moved.geometry.to_numpy())
    src = shapely.get_coordinates(gdf.geometry.to_numpy())
    lon, lat = wgs84_to_gcj02(src[:, 0], src[:, 1])
    assert np.allclose(xy, np.column_stack([lon, lat]))


def test_shift_view_and_model_matrix() -> None:
    view = pdk.ViewState(longitude=LANZHOU[0], latitude=LANZHOU[1], zoom=12)
    moved = shift_view(view, "gcj02")
    assert moved.longitude > view.longitude and moved.zoom == 12
    assert shift_view(view, "wgs84") is view
    matrix, error_m = gcj02_model_matrix(EXTENT)
    assert len(matrix) == 16 and matrix[0] == matrix[5] == matrix[10] == matrix[15] == 1.0
    assert 0.002 < matrix[12] < 0.003  # ~220 m east at 36° N
    assert 0 < error_m < 50
