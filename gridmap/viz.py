"""Pure pydeck layer builders: small payloads (rounded, simplified geometry), explicit ids."""

from __future__ import annotations

import base64
import collections
import functools
import hashlib
import json
import math
import threading
import uuid
from collections.abc import Callable
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pydeck as pdk
import pydeck.bindings.deck
import shapely
from pydeck.bindings.json_tools import default_serialize

from .basemap import OFFLINE_STYLE
from .tiles import mercator_px

__all__ = [
    "HEAT_RGB",
    "HOTSPOT_RGB",
    "QUIET_RGB",
    "TREND_RGB",
    "boundary_layer",
    "class_breaks",
    "class_layer",
    "class_of",
    "geojson_payload",
    "heat_colours",
    "hex_layer",
    "label_layer",
    "legend_html",
    "legend_items_html",
    "legend_rows",
    "legend_with_counts",
    "make_deck",
    "peak_breaks",
    "picked",
    "place_label_layer",
    "place_label_rows",
    "view_for",
]


LEVEL_COLOURS: dict[str, list[int]] = {
    "city": [60, 60, 60],
    "district": [200, 60, 40],
    "street": [90, 90, 160],
    "community": [120, 120, 120],
    "grid": [40, 120, 180],
}


def geojson_payload(
    gdf: gpd.GeoDataFrame,
    *,
    properties: list[str],
    tolerance_deg: float = 0.0002,
    precision: int = 5,
) -> dict[str, Any]:
    """A GeoJSON FeatureCollection with simplified, rounded geometry and chosen properties."""
    geoms = shapely.simplify(gdf.geometry.values, tolerance_deg, preserve_topology=True)
    geoms = shapely.set_precision(geoms, 10.0**-precision)
    features = []
    for geom, props in zip(geoms, gdf[properties].to_dict(orient="records"), strict=True):
        if geom is None or geom.is_empty:
            continue
        features.append(
            {
                "type": "Feature",
                "geometry": json.loads(shapely.to_geojson(geom)),
                "properties": {k: (None if v != v else v) for k, v in props.items()},
            }
        )
    return {"type": "FeatureCollection", "features": features}


def boundary_layer(
    gdf: gpd.GeoDataFrame | dict[str, Any],
    *,
    layer_id: str,
    properties: list[str],
    line_rgb: list[int],
    fill_rgba: list[int] | None = None,
    line_width_px: float = 1.5,
    pickable: bool = True,
    pick_fill: bool = False,
) -> pdk.Layer:
    """Polygons drawn as outlines (optionally filled) — admin units, grids, key areas.

    ``gdf`` may also be a GeoJSON payload already built (``properties`` is then unused).
    """
    return pdk.Layer(
        "GeoJsonLayer",
        id=layer_id,
        data=gdf if isinstance(gdf, dict) else geojson_payload(gdf, properties=properties),
        stroked=True,
        # A transparent fill still takes clicks, so a grid is picked anywhere inside it.
        filled=fill_rgba is not None or pick_fill,
        get_fill_color=fill_rgba or [0, 0, 0, 0],
        get_line_color=line_rgb,
        # pydeck turns bare strings into JS expressions, so "pixels" cannot be passed as
        # lineWidthUnits; a zero width in metres with a pixel minimum gives the same result.
        get_line_width=0,
        line_width_min_pixels=line_width_px,
        pickable=pickable,
        auto_highlight=pickable,
    )


def view_for(gdf: gpd.GeoDataFrame, *, width_px: int = 780, height_px: int = 640) -> pdk.ViewState:
    """A view that fits the frame's bounds into a map of about ``width_px`` x ``height_px``."""
    if len(gdf) == 0:
        return pdk.ViewState(longitude=104.0, latitude=35.0, zoom=3.5)
    x0, y0, x1, y1 = gdf.total_bounds
    # The box's size in deck.gl's pixels at zoom 0; each zoom level doubles it.
    x, y = mercator_px([x0, x1], [y0, y1], 0)
    zoom_x = math.log2(width_px / max(float(x[1] - x[0]), 1e-9))
    zoom_y = math.log2(height_px / max(float(y[0] - y[1]), 1e-9))
    zoom = max(1.0, min(17.0, min(zoom_x, zoom_y) - 0.15))
    return pdk.ViewState(longitude=(x0 + x1) / 2, latitude=(y0 + y1) / 2, zoom=round(zoom, 2))


class RawJson(str):
    """Layer data serialised once, spliced into the deck's JSON as it is.

    A map's big layers (a city's grid polygons, thousands of H3 cells) are the same for every
    session looking at the same workspace version and filter. Encoding them again on every
    rerun of twenty sessions was most of the server's time, so they are encoded once (see
    :func:`memo_json`) and a placeholder travels through pydeck instead: the string value of a
    RawJson is a unique token, replaced by the JSON text in :meth:`CompactDeck.to_json`.
    """

    text: str

    def __new__(cls, text: str) -> RawJson:
        obj = super().__new__(cls, f"@@gridmap-json-{uuid.uuid4().hex}@@")
        obj.text = text
        return obj


# pydeck looks for its Jupyter widget (a failing import) on every Deck it makes; the answer
# cannot change while the server runs, and the failed import was 6 % of a page's time.
pydeck.bindings.deck.has_jupyter_extra = functools.cache(pydeck.bindings.deck.has_jupyter_extra)


def dumps(data: Any) -> str:
    return json.dumps(data, separators=(",", ":"), allow_nan=False)


_MEMO: collections.OrderedDict[str, RawJson] = collections.OrderedDict()
_MEMO_MAX = 256
_MEMO_LOCK = threading.Lock()


def memo_json(key: str, build: Callable[[], Any]) -> RawJson:
    """``build()``'s JSON, encoded once per ``key`` (the caller makes the key from the data's
    content: workspace version, filter, a hash of the values)."""
    with _MEMO_LOCK:
        found = _MEMO.get(key)
        if found is not None:
            _MEMO.move_to_end(key)
            return found
    made = RawJson(dumps(build()))
    with _MEMO_LOCK:
        _MEMO[key] = made
        while len(_MEMO) > _MEMO_MAX:
            _MEMO.popitem(last=False)
    return made


def content_key(*parts: Any) -> str:
    """A digest of frames, series, arrays and plain values (for :func:`memo_json` keys)."""
    h = hashlib.blake2b(digest_size=16)
    for part in parts:
        if isinstance(part, pd.Series):
            part = part.to_frame()
        if isinstance(part, pd.DataFrame):
            h.update(repr([*part.columns, len(part)]).encode())
            for col in [part.index, *(part[c] for c in part.columns)]:
                _hash_values(h, col)
        elif isinstance(part, np.ndarray):
            h.update(part.tobytes())
        else:
            h.update(repr(part).encode())
        h.update(b"|")
    return h.hexdigest()


def _hash_values(h: Any, values: Any) -> None:
    """Feed a column's raw buffers to ``h``: Arrow strings by their buffers, numbers by bytes
    (far cheaper than hashing value by value; same content in the same layout, same key)."""
    arr = np.asarray(values) if not hasattr(values, "array") else None
    if arr is not None and arr.dtype != object:
        h.update(arr.tobytes())
        return
    try:
        chunked = pa.chunked_array([pa.array(values, from_pandas=True)])
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        h.update(repr(list(values)).encode())
        return
    for chunk in chunked.chunks:
        # A slice shares its parent's buffers: its offset and length say which part is its own.
        h.update(repr((chunk.offset, len(chunk))).encode())
        for buf in chunk.buffers():
            if buf is not None:
                h.update(memoryview(buf))


class CompactDeck(pdk.Deck):
    """A Deck whose JSON is compact, with pre-encoded layer data spliced in.

    pydeck serialises with ``indent=2``, which forces Python's slow pure-Python encoder and
    adds ~70 % whitespace; for a city of grids that is most of a page's server time.
    """

    def to_json(self) -> str:
        text = json.dumps(self, sort_keys=True, default=default_serialize, separators=(",", ":"))
        for layer in self.layers:
            data = getattr(layer, "data", None)
            if isinstance(data, RawJson):
                text = text.replace(json.dumps(str(data)), data.text, 1)
        return text


def make_deck(
    layers: list[pdk.Layer],
    view: pdk.ViewState,
    *,
    tooltip: dict[str, Any] | bool | None = None,
    style: str = OFFLINE_STYLE,
) -> pdk.Deck:
    """A deck of ``layers``; ``style``: the map style URL (:func:`gridmap.basemap.map_style`;
    the app passes its settings' through :func:`gridmap.ui.settings.make_deck`)."""
    return CompactDeck(
        layers=layers,
        initial_view_state=view,
        map_provider=None,
        map_style=style,
        tooltip=tooltip or True,
    )


# --- incident heat (H3) ---------------------------------------------------------------------
#: Sequential yellow-orange-red, light to dark: readable on a light background and in print.
HEAT_RGB: tuple[tuple[int, int, int], ...] = (
    (255, 237, 160),
    (254, 204, 92),
    (253, 141, 60),
    (240, 59, 32),
    (189, 0, 38),
)


def class_breaks(values: Any, k: int = len(HEAT_RGB)) -> list[int]:
    """Upper bounds of up to ``k`` quantile classes of positive counts (strictly increasing)."""
    arr = np.asarray(values, dtype=float)
    arr = arr[arr > 0]
    if not len(arr):
        return []
    qs = np.quantile(arr, np.linspace(0, 1, k + 1)[1:], method="higher")
    return sorted({int(q) for q in qs})


def peak_breaks(
    values: Any, k: int = len(HEAT_RGB), *, head_share: float = 0.4, peak_cells: int = 10
) -> list[int]:
    """Upper bounds of up to ``k`` classes of positive counts that keep the peak on its own.

    Head/tail breaks (Jiang 2013) for the heavy-tailed counts of incidents: split at the mean,
    keep the values above it (the head) while they are a minority (at most ``head_share``),
    and split the head again; the last head, the few busiest cells, is the darkest class.
    Quantile classes (:func:`class_breaks`) put a fifth of the cells in the top class, so one
    dark class swallowed the whole city centre and the peak could not be found. When the
    heads give fewer than ``k`` classes, the last head is split again at its mean while it
    holds more than ``peak_cells`` values, then the lowest (largest) class is cut at its
    quantiles.

    Examples
    --------
    >>> peak_breaks([1] * 50 + [2] * 30 + [5] * 12 + [20] * 6 + [90, 300])
    [1, 2, 6, 63, 300]
    """
    arr = np.sort(np.asarray(values, dtype=float))
    arr = arr[arr > 0]
    if not len(arr):
        return []
    means: list[int] = []
    part = arr
    while len(means) < k - 1 and len(part) > 1:
        mean = float(part.mean())
        head = part[part > mean]
        if not len(head) or len(head) / len(part) > head_share:
            break
        means.append(math.floor(mean))
        part = head
    # Classes to spare split the head again while it is more than a handful of cells: the
    # darkest class is the peak, not a tenth of the city.
    while len(means) < k - 1 and len(part) > peak_cells:
        mean = float(part.mean())
        head = part[part > mean]
        if not len(head):
            break
        means.append(math.floor(mean))
        part = head
    uppers = sorted({*means, int(arr[-1])})
    spare = k - len(uppers)
    low = arr[arr <= uppers[0]]
    if spare > 0 and len(low):
        qs = np.quantile(low, np.linspace(0, 1, spare + 2)[1:-1], method="higher")
        uppers = sorted({*uppers, *(int(q) for q in qs)})
    return uppers[-k:] if len(uppers) > k else uppers


def heat_colours(n: int, *, spread: bool = False) -> list[tuple[int, int, int]]:
    """The colours of ``n`` heat classes: the first ``n`` of :data:`HEAT_RGB`, or (``spread``)
    spread over it so the top class is always the darkest (a peak of three classes must not
    stop at orange).

    >>> heat_colours(3, spread=True) == [HEAT_RGB[0], HEAT_RGB[2], HEAT_RGB[4]]
    True
    """
    if not spread or n <= 1:
        return [HEAT_RGB[min(i, len(HEAT_RGB) - 1)] for i in range(n)]
    idx = np.round(np.linspace(0, len(HEAT_RGB) - 1, min(n, len(HEAT_RGB)))).astype(int)
    return [HEAT_RGB[int(i)] for i in idx]


def class_of(values: Any, breaks: list[int]) -> Any:
    """Index of each value's class given :func:`class_breaks` upper bounds."""
    return np.searchsorted(np.asarray(breaks), np.asarray(values), side="left")


def legend_rows(
    breaks: list[int], *, spread: bool = False
) -> list[tuple[str, tuple[int, int, int]]]:
    """(range label, colour) per class, e.g. ("1–3", …), ("4–9", …) — real numbers.
    ``spread``: colours as :func:`heat_colours` spreads them."""
    rows = []
    low = 1
    for high, rgb in zip(breaks, heat_colours(len(breaks), spread=spread), strict=True):
        label = f"{low:,}" if low == high else f"{low:,}–{high:,}"
        rows.append((label, rgb))
        low = high + 1
    return rows


def legend_with_counts(title: str, breaks: list[int], values: Any, unit: str = "") -> str:
    """:func:`legend_html` with how many cells fall in each class after each range
    (``unit``: e.g. " 格"), so a reader sees the top class is a handful of cells; colours
    spread (:func:`heat_colours`), as :func:`hex_layer` draws them with ``spread=True``."""
    arr = np.asarray(values, dtype=float)
    per_class = np.bincount(class_of(arr[arr > 0], breaks), minlength=len(breaks))
    items = [
        (f"{label} <span style='color:#666'>({int(n):,}{unit})</span>", rgb)
        for (label, rgb), n in zip(legend_rows(breaks, spread=True), per_class, strict=False)
    ]
    return legend_items_html(title, items)


def legend_html(title: str, breaks: list[int]) -> str:
    """A compact HTML legend (colour swatch + count range per class)."""
    return legend_items_html(title, legend_rows(breaks))


def hex_layer(
    cells: Any,
    *,
    layer_id: str,
    breaks: list[int],
    opacity: float = 0.75,
    model_matrix: list[float] | None = None,
    spread: bool = False,
) -> pdk.Layer:
    """Flat H3 cells coloured by count class; data rows carry ``cell`` (hex id) and ``count``.

    ``spread``: class colours as :func:`heat_colours` spreads them (the top class darkest).
    ``model_matrix``: a deck.gl ``modelMatrix`` moving the cells (over GCJ-02 tiles, from
    :func:`gridmap.tiles.gcj02_model_matrix`: the cells are drawn from their ids, so their
    coordinates cannot be shifted one by one).
    """

    palette = heat_colours(len(breaks), spread=spread)

    def rows() -> list[dict[str, Any]]:
        classes = class_of(cells["count"], breaks)
        colours = [list(palette[min(int(i), len(palette) - 1)]) for i in classes]
        return [
            {"cell": c, "count": int(n), "rgb": rgb}
            for c, n, rgb in zip(cells["cell"], cells["count"], colours, strict=True)
        ]

    frame = pd.DataFrame({"c": cells["cell"], "n": cells["count"]})
    key = content_key("hex", frame, breaks, spread)
    layer = _h3_layer(layer_id, memo_json(key, rows), opacity)
    if model_matrix is not None:
        layer.model_matrix = model_matrix
    return layer


def _h3_layer(layer_id: str, data: Any, opacity: float) -> pdk.Layer:
    """Flat, unpickable H3 cells; rows carry ``cell`` (hex id) and ``rgb``."""
    return pdk.Layer(
        "H3HexagonLayer",
        id=layer_id,
        data=data,
        get_hexagon="cell",
        get_fill_color="rgb",
        extruded=False,
        stroked=False,
        filled=True,
        opacity=opacity,
        pickable=False,
    )


def picked(event: Any, layer_id: str) -> dict[str, Any] | None:
    """The object picked on ``layer_id`` in a ``st.pydeck_chart`` selection event, if any.

    Works on the event Streamlit returns and on plain dicts (as AppTest injects them).
    """
    if not event:
        return None
    try:
        objects = event["selection"]["objects"]
    except (KeyError, TypeError):
        return None
    found = objects.get(layer_id) if isinstance(objects, dict) else None
    if not found:
        return None
    obj = found[0]
    # GeoJsonLayer objects are features; their attributes sit under "properties".
    if isinstance(obj, dict) and "properties" in obj and isinstance(obj["properties"], dict):
        return dict(obj["properties"])
    return dict(obj) if isinstance(obj, dict) else None


# --- categorical cell layers (hot spots, trends) --------------------------------------------
#: Gi* classes: reds for hot (99/95/90 %), blues for cold, nothing drawn for not significant.
HOTSPOT_RGB: dict[int, tuple[int, int, int]] = {
    3: (178, 24, 43),
    2: (239, 138, 98),
    1: (253, 219, 199),
    -1: (209, 229, 240),
    -2: (103, 169, 207),
    -3: (33, 102, 172),
}
#: Cells with incidents but no significant pattern, where a map shows them at all.
QUIET_RGB = (222, 228, 236)
#: Emerging-hot-spot patterns (codes of gridmap.analytics.trends.TREND_CLASSES, hot side).
TREND_RGB: dict[int, tuple[int, int, int]] = {
    1: (230, 85, 13),  # new
    2: (253, 141, 60),  # consecutive
    3: (165, 15, 21),  # intensifying
    4: (203, 24, 29),  # persistent
    5: (252, 187, 161),  # diminishing
    6: (158, 154, 200),  # sporadic
    7: (117, 107, 177),  # oscillating
    8: (189, 189, 189),  # historical
}


def class_layer(
    cells: Any,
    *,
    layer_id: str,
    column: str,
    colours: dict[int, tuple[int, int, int]],
    opacity: float = 0.8,
) -> pdk.Layer:
    """Flat H3 cells coloured by an integer class; classes without a colour are not drawn."""

    def rows() -> list[dict[str, Any]]:
        return [
            {"cell": c, "rgb": list(colours[int(k)])}
            for c, k in zip(cells["cell"], cells[column], strict=True)
            if int(k) in colours
        ]

    frame = pd.DataFrame({"c": cells["cell"], "k": cells[column]})
    key = content_key("class", frame, sorted(colours.items()))
    return _h3_layer(layer_id, memo_json(key, rows), opacity)


def legend_items_html(title: str, items: list[tuple[str, tuple[int, int, int]]]) -> str:
    """A legend of labelled colour swatches."""
    spans = "".join(
        f'<span style="display:inline-flex;align-items:center;margin-right:14px">'
        f'<span style="width:18px;height:12px;background:rgb{rgb};display:inline-block;'
        f'margin-right:5px;border:1px solid #9994"></span>{label}</span>'
        for label, rgb in items
    )
    return f'<div style="font-size:0.9rem"><b>{title}</b>&nbsp;&nbsp;{spans}</div>'


# --- camera coverage ------------------------------------------------------------------------
#: Coverage share classes (0-25-50-75-100 %): pale to deep teal, so gaps read as "empty".
COVERAGE_RGB: tuple[tuple[int, int, int], ...] = (
    (240, 240, 236),
    (204, 236, 230),
    (153, 216, 201),
    (65, 174, 118),
    (0, 109, 44),
)
#: Blind-spot zones, key areas below / at target, camera footprints, proposed sites.
GAP_RGB = (215, 25, 28)
KEYAREA_BAD_RGB = (253, 141, 60)
KEYAREA_OK_RGB = (44, 123, 182)
FOOTPRINT_RGB = (90, 90, 90)
SITE_RGB = (122, 1, 119)


def coverage_class(share: Any) -> Any:
    """Class 0..4 of coverage shares: 0 (< 1 %), then 1-25, 25-50, 50-75, >= 75 %."""
    s = np.nan_to_num(np.asarray(share, dtype=float))
    return np.where(s < 0.01, 0, np.minimum(1 + (s * 4).astype(int), 4))


def coverage_cell_layer(cells: Any, *, layer_id: str, opacity: float = 0.7) -> pdk.Layer:
    """Flat H3 cells coloured by coverage share; rows carry ``h3`` and ``coverage_share``."""

    def rows() -> list[dict[str, Any]]:
        k = coverage_class(cells["coverage_share"])
        return [
            {"cell": c, "rgb": list(COVERAGE_RGB[int(i)])}
            for c, i in zip(cells["h3"], k, strict=True)
        ]

    frame = pd.DataFrame({"c": cells["h3"], "s": cells["coverage_share"]})
    return _h3_layer(layer_id, memo_json(content_key("coverage", frame), rows), opacity)


def polygon_layer(
    data: dict[str, Any],
    *,
    layer_id: str,
    fill: list[int],
    line: list[int],
    line_px: float = 1.0,
    pickable: bool = False,
    colour_property: str | None = None,
) -> pdk.Layer:
    """A flat GeoJSON polygon layer; ``colour_property`` names a per-feature ``[r,g,b,a]``."""
    return pdk.Layer(
        "GeoJsonLayer",
        id=layer_id,
        data=data,
        stroked=True,
        filled=True,
        get_fill_color=f"properties.{colour_property}" if colour_property else fill,
        get_line_color=line,
        get_line_width=0,
        line_width_min_pixels=line_px,
        pickable=pickable,
        auto_highlight=pickable,
    )


def point_layer(
    rows: list[dict[str, Any]],
    *,
    layer_id: str,
    rgb: tuple[int, int, int],
    radius_px: float,
    pickable: bool = False,
) -> pdk.Layer:
    """Dots of constant screen size; rows carry ``lon`` and ``lat``."""
    return pdk.Layer(
        "ScatterplotLayer",
        id=layer_id,
        data=rows,
        get_position="[lon, lat]",
        get_fill_color=[*rgb, 230],
        get_line_color=[255, 255, 255],
        stroked=True,
        line_width_min_pixels=1,
        # A string prop would become a pydeck expression ("@@=pixels"), so the screen size
        # is pinned with min = max pixels instead of radius_units.
        get_radius=1,
        radius_min_pixels=radius_px,
        radius_max_pixels=radius_px,
        pickable=pickable,
    )


#: The app's bundled Chinese web font (static/fonts, declared in .streamlit/config.toml), so
#: place names draw on a browser without a Chinese font. Wrapped in double quotes: pydeck
#: takes a bare string for an accessor and strips the quote character.
CJK_FONT_FAMILY = '"Gridmap Noto Sans SC, Source Sans, sans-serif"'


def _text_layer(
    layer_id: str,
    data: list[dict[str, Any]],
    size: int,
    colour: tuple[int, int, int],
    **style: Any,
) -> pdk.Layer:
    """A TextLayer of ``text`` at ``position``, centred on its point, styled by ``style``."""
    return pdk.Layer(
        "TextLayer",
        id=layer_id,
        data=data,
        get_position="position",
        get_text="text",
        get_size=size,
        get_color=list(colour),
        get_text_anchor="'middle'",  # quoted: pydeck turns bare strings into accessors
        get_alignment_baseline="'center'",
        **style,
    )


def place_label_layer(
    layer_id: str,
    data: list[dict[str, Any]],
    *,
    size: int = 14,
    colour: tuple[int, int, int] = (45, 45, 45),
    halo: tuple[int, int, int] = (255, 255, 255),
    min_zoom: float | None = None,
    max_zoom: float | None = None,
) -> pdk.Layer:
    """Place names (``text`` at ``position``) in the bundled Chinese font, with a halo, drawn
    only while the map's zoom is within ``[min_zoom, max_zoom]`` (None: no bound).

    deck.gl draws a layer at every zoom, and the chart reports no zooming back to the server,
    so the zoom range is the browser's to apply: the names travel as one tile of a
    ``TileLayer`` (its ``visibleMinZoom``/``visibleMaxZoom`` hide it outside the range; one
    tile of zoom 0 covers the world, so the names are loaded once and never twice) whose data
    is a ``data:`` URL (nothing is fetched from a server; :func:`place_label_rows` reads it
    back). Each name becomes a point feature drawn as text by the tile's ``GeoJsonLayer``;
    ``textCharacterSet="auto"`` builds deck.gl's font atlas from the names' own characters (its
    default atlas is ASCII only).
    """
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": row["position"]},
            "properties": {"name": row["text"]},
        }
        for row in data
    ]
    payload = dumps({"type": "FeatureCollection", "features": features})
    layer = pdk.Layer(
        "TileLayer",
        id=layer_id,
        data=_DATA_URL + base64.b64encode(payload.encode("utf-8")).decode("ascii"),
        min_zoom=0,
        max_zoom=0,
        point_type="'text'",  # quoted: pydeck turns bare strings into accessors
        get_text="properties.name",
        get_text_size=size,
        get_text_color=list(colour),
        get_text_anchor="'middle'",
        get_text_alignment_baseline="'center'",
        text_font_family=CJK_FONT_FAMILY,
        text_character_set="'auto'",
        text_font_weight=700,
        text_outline_width=4,
        text_outline_color=list(halo),
        text_font_settings={"sdf": True, "fontSize": 48, "buffer": 6},
        pickable=False,
    )
    if min_zoom is not None:
        layer.visible_min_zoom = round(float(min_zoom), 2)
    if max_zoom is not None:
        layer.visible_max_zoom = round(float(max_zoom), 2)
    return layer


_DATA_URL = "data:application/json;base64,"


def place_label_rows(layer: dict[str, Any] | pdk.Layer) -> list[dict[str, Any]]:
    """The ``text``/``position`` rows of a :func:`place_label_layer` (or its JSON spec).

    >>> place_label_rows(place_label_layer("n", [{"position": [103.8, 36.0], "text": "城关区"}]))
    [{'position': [103.8, 36.0], 'text': '城关区'}]
    """
    url = layer["data"] if isinstance(layer, dict) else layer.data
    collection = json.loads(base64.b64decode(str(url).removeprefix(_DATA_URL)))
    return [
        {"position": f["geometry"]["coordinates"], "text": f["properties"]["name"]}
        for f in collection["features"]
    ]


def label_layer(
    layer_id: str,
    data: list[dict[str, Any]],
    *,
    size: int = 15,
    colour: tuple[int, int, int] = (15, 15, 15),
    halo: tuple[int, int, int] | None = None,
) -> pdk.Layer:
    """Bold text (``text`` at ``position``) centred on its point: ranks and grid numbers.

    Digits and Latin only: deck.gl's default font atlas holds no CJK glyphs. ``halo`` draws
    an outline in that colour so the text reads on any fill.
    """
    extra: dict[str, Any] = (
        {"outline_width": 3, "outline_color": list(halo), "font_settings": {"sdf": True}}
        if halo is not None
        else {}
    )
    return _text_layer(layer_id, data, size, colour, font_weight=700, pickable=False, **extra)
