"""The map layers as the browser receives them: class breaks, legends, colours, layer JSON.

What a user would notice: every count on the map falls in a legend class, the legend's
ranges are contiguous and end at the largest count, darker means more, and each layer's
JSON carries the fields deck.gl needs (type, id, data, accessors), with the data spliced
in rather than a placeholder.
"""

from __future__ import annotations

import itertools
import json
import math
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pydeck as pdk
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import Polygon, box

from gridmap import viz
from gridmap.indexing import cells_to_str, points_to_cells

from .builders import squares_2x2


def luminance(rgb: tuple[int, int, int]) -> float:
    """Relative luminance (sRGB, WCAG): 1 is white, 0 is black."""

    def channel(c: int) -> float:
        v = c / 255
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def deck_json(*layers: pdk.Layer, view: pdk.ViewState | None = None) -> dict[str, Any]:
    """The deck's JSON as ``st.pydeck_chart`` sends it, parsed; layers by id."""
    deck = viz.make_deck(list(layers), view or pdk.ViewState(longitude=103.8, latitude=36.0))
    text = deck.to_json()
    assert "@@gridmap-json-" not in text  # every pre-encoded payload was spliced in
    return json.loads(text)


def layer_of(*layers: pdk.Layer) -> dict[str, dict[str, Any]]:
    return {layer["id"]: layer for layer in deck_json(*layers)["layers"]}


def some_cells(counts: list[int]) -> pd.DataFrame:
    """H3 cells (hex ids) along a line near Lanzhou with the given counts."""
    lon = 103.80 + 0.01 * np.arange(len(counts))
    cells = points_to_cells(lon, np.full(len(counts), 36.05), res=9)
    return pd.DataFrame({"cell": cells_to_str(cells), "count": counts})


# --- colour scales --------------------------------------------------------------------------
@pytest.mark.parametrize("scale", ["HEAT_RGB", "COVERAGE_RGB"])
def test_sequential_scales_run_light_to_dark(scale: str) -> None:
    lum = [luminance(rgb) for rgb in getattr(viz, scale)]
    assert lum == sorted(lum, reverse=True)
    assert len(set(lum)) == len(lum)  # no two classes look alike


def test_hot_spot_colours_are_reds_for_hot_and_blues_for_cold() -> None:
    for k, (r, _, b) in viz.HOTSPOT_RGB.items():
        assert (r > b) if k > 0 else (b > r)
    # More confidence, stronger colour: darker at 99 % than at 90 %, on both sides.
    assert (
        luminance(viz.HOTSPOT_RGB[3])
        < luminance(viz.HOTSPOT_RGB[2])
        < luminance(viz.HOTSPOT_RGB[1])
    )
    assert (
        luminance(viz.HOTSPOT_RGB[-3])
        < luminance(viz.HOTSPOT_RGB[-2])
        < luminance(viz.HOTSPOT_RGB[-1])
    )


# --- class breaks and legends ---------------------------------------------------------------
def test_breaks_of_known_counts() -> None:
    counts = [0, 0, 1, 1, 2, 3, 5, 8, 13, 21, 34, 55]
    breaks = viz.class_breaks(counts)
    assert breaks == sorted(set(breaks)) and len(breaks) <= len(viz.HEAT_RGB)
    assert breaks[-1] == 55
    rows = viz.legend_rows(breaks)
    assert rows[0][0].startswith("1") and rows[-1][0].endswith("55")
    assert [rgb for _, rgb in rows] == list(viz.HEAT_RGB[: len(rows)])


def test_no_positive_count_means_no_legend() -> None:
    assert viz.class_breaks([]) == []
    assert viz.class_breaks([0, 0, -3]) == []
    assert viz.legend_rows([]) == []


def test_one_value_is_one_class() -> None:
    assert viz.class_breaks([7, 7, 7]) == [7]
    assert viz.legend_rows([7]) == [("1–7", viz.HEAT_RGB[0])]
    assert viz.legend_rows([1]) == [("1", viz.HEAT_RGB[0])]


def test_legend_labels_use_thousands_separators() -> None:
    labels = [label for label, _ in viz.legend_rows([999, 12_345])]
    assert labels == ["1–999", "1,000–12,345"]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.integers(min_value=0, max_value=100_000), min_size=1, max_size=200),
    st.integers(min_value=1, max_value=9),
)
def test_legend_classes_cover_every_count(counts: list[int], k: int) -> None:
    breaks = viz.class_breaks(counts, k)
    positive = [c for c in counts if c > 0]
    if not positive:
        assert breaks == []
        return
    assert 1 <= len(breaks) <= k
    assert all(a < b for a, b in itertools.pairwise(breaks))  # strictly monotone
    assert breaks[0] >= min(positive) and breaks[-1] == max(positive)
    classes = viz.class_of(positive, breaks)
    for value, cls in zip(positive, classes, strict=True):
        # Every count lands in a class whose range holds it.
        assert 0 <= cls < len(breaks)
        assert value <= breaks[cls] and (cls == 0 or value > breaks[cls - 1])
    # The legend's ranges are contiguous from 1 to the largest count.
    bounds = [label.replace(",", "").split("–") for label, _ in viz.legend_rows(breaks)]
    lows = [int(b[0]) for b in bounds]
    highs = [int(b[-1]) for b in bounds]
    assert lows[0] == 1 and highs[-1] == max(positive)
    assert all(lo == hi + 1 for lo, hi in zip(lows[1:], highs[:-1], strict=True))


def test_legend_html_shows_title_every_range_and_colour() -> None:
    html = viz.legend_html("事件数", [2, 9, 40])
    assert "事件数" in html
    for label, rgb in viz.legend_rows([2, 9, 40]):
        assert label in html and f"rgb{rgb}" in html


# --- H3 cell layers -------------------------------------------------------------------------
def test_hex_layer_json_has_what_deck_gl_needs_and_darker_means_more() -> None:
    counts = [1, 2, 4, 8, 16, 32, 64]
    cells = some_cells(counts)
    breaks = viz.class_breaks(cells["count"])
    layer = layer_of(viz.hex_layer(cells, layer_id="incident-cells", breaks=breaks))[
        "incident-cells"
    ]
    assert layer["@@type"] == "H3HexagonLayer"
    assert layer["getHexagon"] == "@@=cell" and layer["getFillColor"] == "@@=rgb"
    assert layer["extruded"] is False and layer["pickable"] is False
    rows = layer["data"]
    assert [r["cell"] for r in rows] == list(cells["cell"])
    assert [r["count"] for r in rows] == counts
    assert all(len(r["rgb"]) == 3 and all(0 <= c <= 255 for c in r["rgb"]) for r in rows)
    by_count = sorted(rows, key=lambda r: r["count"])
    lum = [luminance(tuple(r["rgb"])) for r in by_count]
    assert lum == sorted(lum, reverse=True)
    assert tuple(by_count[0]["rgb"]) == viz.HEAT_RGB[0]
    assert tuple(by_count[-1]["rgb"]) == viz.HEAT_RGB[len(breaks) - 1]


def test_class_layer_draws_only_classes_with_a_colour() -> None:
    cells = some_cells([0, 0, 0, 0]).assign(gi=[3, 0, -2, 2])
    layer = layer_of(
        viz.class_layer(cells, layer_id="hotspots", column="gi", colours=viz.HOTSPOT_RGB)
    )["hotspots"]
    drawn = {r["cell"]: tuple(r["rgb"]) for r in layer["data"]}
    assert list(drawn) == [cells["cell"][0], cells["cell"][2], cells["cell"][3]]
    assert drawn[cells["cell"][0]] == viz.HOTSPOT_RGB[3]


def test_coverage_classes_and_their_colours() -> None:
    shares = [np.nan, 0.0, 0.009, 0.01, 0.24, 0.25, 0.5, 0.74, 0.75, 1.0]
    assert list(viz.coverage_class(shares)) == [0, 0, 0, 1, 1, 2, 3, 3, 4, 4]
    cells = pd.DataFrame({"h3": some_cells([0, 0, 0])["cell"], "coverage_share": [0, 0.3, 1]})
    layer = layer_of(viz.coverage_cell_layer(cells, layer_id="cov"))["cov"]
    lum = [luminance(tuple(r["rgb"])) for r in layer["data"]]
    assert lum == sorted(lum, reverse=True) and len(set(lum)) == 3  # more covered, darker


# --- polygons, points, labels ---------------------------------------------------------------
def test_boundary_layer_is_geojson_with_chosen_properties() -> None:
    grids = squares_2x2()
    layer = layer_of(
        viz.boundary_layer(
            grids, layer_id="grids", properties=["code", "households"], line_rgb=[40, 120, 180]
        )
    )["grids"]
    assert layer["@@type"] == "GeoJsonLayer"
    assert layer["pickable"] is True and layer["stroked"] is True
    assert layer["filled"] is False  # outlines only unless a fill or picking inside is asked
    assert layer["getLineColor"] == [40, 120, 180]
    features = layer["data"]["features"]
    assert [f["properties"] for f in features] == [
        {"code": c, "households": h}
        for c, h in zip(grids["code"], grids["households"], strict=True)
    ]
    # The drawn square is the grid within the payload's rounding (5 decimals, ~1 m).
    shape = Polygon(features[0]["geometry"]["coordinates"][0])
    assert shape.symmetric_difference(grids.geometry.iloc[0]).area < 0.02 * shape.area
    filled = layer_of(
        viz.boundary_layer(
            grids, layer_id="g", properties=["code"], line_rgb=[0, 0, 0], pick_fill=True
        )
    )["g"]
    assert filled["filled"] is True and filled["getFillColor"] == [0, 0, 0, 0]


def test_payload_skips_missing_shapes_and_has_no_nan() -> None:
    grids = squares_2x2()
    grids.loc[1, "geometry"] = None
    grids.loc[2, "geometry"] = Polygon()
    grids["households"] = grids["households"].astype(float)
    grids.loc[3, "households"] = math.nan
    payload = viz.geojson_payload(grids, properties=["code", "households"])
    assert [f["properties"]["code"] for f in payload["features"]] == ["A", "D"]
    assert payload["features"][1]["properties"]["households"] is None
    json.dumps(payload, allow_nan=False)  # strict JSON: a browser rejects NaN


def test_point_and_label_layers_fields() -> None:
    layers = layer_of(
        viz.point_layer([{"lon": 103.8, "lat": 36.0}], layer_id="cams", rgb=(1, 2, 3), radius_px=5),
        viz.label_layer("ranks", [{"position": [103.8, 36.0], "text": "1"}], halo=(255, 255, 255)),
    )
    cams = layers["cams"]
    assert cams["@@type"] == "ScatterplotLayer" and cams["getPosition"] == "@@=[lon, lat]"
    assert cams["getFillColor"] == [1, 2, 3, 230]
    assert cams["radiusMinPixels"] == cams["radiusMaxPixels"] == 5
    ranks = layers["ranks"]
    assert ranks["@@type"] == "TextLayer"
    assert ranks["getText"] == "@@=text" and ranks["getPosition"] == "@@=position"
    # Plain strings, not accessors: the text is centred on its point.
    assert ranks["getTextAnchor"] == "middle" and ranks["getAlignmentBaseline"] == "center"
    assert ranks["outlineColor"] == [255, 255, 255]


def test_polygon_layer_colours_by_a_feature_property() -> None:
    data = {"type": "FeatureCollection", "features": []}
    layer = layer_of(
        viz.polygon_layer(
            data, layer_id="gaps", fill=[1, 1, 1], line=[0, 0, 0], colour_property="c"
        )
    )["gaps"]
    assert layer["getFillColor"] == "@@=properties.c"


# --- the view -------------------------------------------------------------------------------
def test_view_fits_the_layer_and_zooms_out_for_a_bigger_one() -> None:
    small = squares_2x2()
    big = gpd.GeoDataFrame(geometry=[box(103.5, 35.9, 104.1, 36.3)], crs=4326)
    v_small, v_big = viz.view_for(small), viz.view_for(big)
    x0, y0, x1, y1 = small.total_bounds
    assert v_small.longitude == pytest.approx((x0 + x1) / 2)
    assert v_small.latitude == pytest.approx((y0 + y1) / 2)
    assert 1 <= v_big.zoom < v_small.zoom <= 17
    # The whole box fits: at the chosen zoom the map's 780 px span at least its width.
    span_deg = 780 * 360 / (512 * 2**v_big.zoom)
    assert span_deg >= 104.1 - 103.5
    empty = viz.view_for(small.iloc[:0])
    assert (empty.longitude, empty.latitude) == (104.0, 35.0)  # all of China


def test_deck_has_no_map_provider_and_is_compact() -> None:
    spec = deck_json(viz.hex_layer(some_cells([3]), layer_id="h", breaks=[3]))
    assert spec.get("mapProvider") in (None, "")  # the app's own basemap style, no token
    text = viz.make_deck([], pdk.ViewState(longitude=0, latitude=0)).to_json()
    assert "\n" not in text and ": " not in text


# --- picking --------------------------------------------------------------------------------
def test_picked_reads_streamlit_selection_events() -> None:
    event = {"selection": {"objects": {"grids": [{"properties": {"code": "B"}}]}}}
    assert viz.picked(event, "grids") == {"code": "B"}
    assert viz.picked(event, "cells") is None
    assert viz.picked({"selection": {"objects": {"cells": [{"cell": "x"}]}}}, "cells") == {
        "cell": "x"
    }
    assert viz.picked(None, "grids") is None
    assert viz.picked({"selection": {}}, "grids") is None


# --- the map page's readable map (#13 item 8) -----------------------------------------------
def heavy_tail(n: int = 3000, seed: int = 3) -> np.ndarray:
    """Counts per cell as a city has them: most cells a few incidents, a handful hundreds."""
    rng = np.random.default_rng(seed)
    return (rng.pareto(1.2, n) * 3 + 1).astype(int)


def test_peak_breaks_give_the_peak_a_class_of_its_own() -> None:
    counts = heavy_tail()
    quantile, peak = viz.class_breaks(counts), viz.peak_breaks(counts)
    top_q = int((viz.class_of(counts, quantile) == len(quantile) - 1).sum())
    top_p = int((viz.class_of(counts, peak) == len(peak) - 1).sum())
    # Quantile classes put a fifth of the cells in the darkest class; head/tail a handful.
    assert top_q >= len(counts) // 10
    assert 0 < top_p <= 10
    assert peak == sorted(set(peak)) and len(peak) <= len(viz.HEAT_RGB)
    assert peak[-1] == counts.max()
    assert (viz.class_of(counts, peak) < len(peak)).all()  # every count falls in a class


@pytest.mark.parametrize(
    ("counts", "expected"),
    [([], []), ([0, -1], []), ([4, 4, 4], [4]), ([1, 2, 6, 63, 300], None)],
)
def test_peak_breaks_edges(counts: list[int], expected: list[int] | None) -> None:
    breaks = viz.peak_breaks(counts)
    if expected is not None:
        assert breaks == expected
    else:
        assert breaks[-1] == 300 and breaks == sorted(set(breaks))


def test_few_classes_still_end_in_the_darkest_colour() -> None:
    assert viz.heat_colours(3) == list(viz.HEAT_RGB[:3])  # the risk page's, unchanged
    spread = viz.heat_colours(3, spread=True)
    assert spread[0] == viz.HEAT_RGB[0] and spread[-1] == viz.HEAT_RGB[-1]
    assert viz.heat_colours(5, spread=True) == list(viz.HEAT_RGB)
    cells = pd.DataFrame({"cell": ["a", "b", "c"], "count": [1, 2, 9]})
    layer = layer_of(viz.hex_layer(cells, layer_id="h", breaks=[1, 2, 9], spread=True))["h"]
    assert [row["rgb"] for row in layer["data"]][-1] == list(viz.HEAT_RGB[-1])


def test_legend_with_counts_says_how_many_cells_each_class_holds() -> None:
    html = viz.legend_with_counts("每格事件数", [2, 9, 40], [1, 1, 2, 5, 40, 0], " 格")
    assert "1–2 <span style='color:#666'>(3 格)</span>" in html
    assert "3–9 <span style='color:#666'>(1 格)</span>" in html
    assert "10–40 <span style='color:#666'>(1 格)</span>" in html
    assert f"rgb{viz.HEAT_RGB[-1]}" in html  # spread: the top class is the darkest


def test_place_names_use_the_bundled_chinese_font_within_their_zooms() -> None:
    rows = [{"position": [103.8, 36.0], "text": "城关区"}]
    spec = viz.place_label_layer("names", rows, size=18, min_zoom=11.5, max_zoom=13)
    names = layer_of(spec)["names"]
    assert viz.place_label_rows(names) == rows  # carried in the layer, fetched from nowhere
    assert names["data"].startswith("data:application/json;base64,")
    # deck.gl's default atlas is ASCII: "auto" builds it from the names' own characters.
    assert names["textCharacterSet"] == "auto" and names["pointType"] == "text"
    assert names["textFontFamily"].startswith("Gridmap Noto Sans SC")  # static/fonts
    assert names["getTextSize"] == 18 and names["textOutlineWidth"] > 0
    # Drawn by the browser only at zoom 11.5-13, from one world tile loaded once.
    assert (names["visibleMinZoom"], names["visibleMaxZoom"]) == (11.5, 13)
    assert names["minZoom"] == names["maxZoom"] == 0
    unbounded = layer_of(viz.place_label_layer("all", rows))["all"]
    assert "visibleMinZoom" not in unbounded and "visibleMaxZoom" not in unbounded


def test_hex_layer_carries_a_model_matrix_for_gcj02_tiles() -> None:
    cells = pd.DataFrame({"cell": ["a"], "count": [1]})
    matrix = [1.0, 0, 0, 0, 0, 1.0, 0, 0, 0, 0, 1.0, 0, 0.005, -0.002, 0, 1.0]
    layer = layer_of(viz.hex_layer(cells, layer_id="h", breaks=[1], model_matrix=matrix))["h"]
    assert layer["modelMatrix"] == matrix
    assert "modelMatrix" not in layer_of(viz.hex_layer(cells, layer_id="g", breaks=[1]))["g"]
