"""Maps of the Data page's import: the sample over the workspace's boundaries, the stored
outlines, and a draft's validation problems. Payloads cached by workspace file time."""

from __future__ import annotations

from typing import Any

import streamlit as st

from ..errors import GridmapError
from ..importing.preview import FilePreview, raw_xy
from ..store import Workspace
from .data import _stamp

__all__ = ["load_version", "outline_layer", "preview_deck", "problem_deck"]


@st.cache_data(show_spinner=False, max_entries=4)
def _version(path: str, stamp: float, version: int) -> Any:
    return Workspace(path).read_grids(version)


def load_version(ws_path: str, version: int) -> Any:
    """The grids of one version (cached by file time)."""
    return _version(str(ws_path), _stamp(ws_path), version)


SAMPLE_RGB = (220, 30, 30)
PROBLEM_RGB = (215, 25, 28)


@st.cache_data(show_spinner=False, max_entries=16)
def _payload(path: str, stamp: float, layer: str, level: str | None, props: tuple[str, ...]) -> Any:
    from ..viz import geojson_payload
    from .data import load_layer

    gdf = load_layer(path, layer)
    if level is not None and len(gdf):
        gdf = gdf[gdf["level"] == level]
    return geojson_payload(gdf, properties=list(props)) if len(gdf) else None


def outline_layer(
    ws_path: str,
    layer: str,
    level: str | None,
    *,
    layer_id: str,
    properties: tuple[str, ...],
    line_rgb: list[int],
    line_width_px: float,
    fill_rgba: list[int] | None = None,
    pickable: bool = False,
) -> Any:
    """An outline layer of a stored layer (admin level or grids in force), payload cached.

    The same drawing as :func:`gridmap.viz.boundary_layer`; the simplified GeoJSON is
    cached by the workspace file time, so reruns of the page do not rebuild it.
    """
    from ..viz import boundary_layer

    data = _payload(str(ws_path), _stamp(ws_path), layer, level, properties)
    if data is None:
        return None
    return boundary_layer(
        data,
        layer_id=layer_id,
        properties=list(properties),
        line_rgb=line_rgb,
        fill_rgba=fill_rgba,
        line_width_px=line_width_px,
        pickable=pickable,
    )


def _context_layers(ws_path: str) -> tuple[list[Any], Any]:
    """Outlines of the workspace's districts (else communities, else grids) and their frame."""
    from ..viz import LEVEL_COLOURS
    from .data import load_layer

    layers: list[Any] = []
    frame = None
    if not Workspace(ws_path).exists:
        return layers, frame
    admin = load_layer(ws_path, "admin")
    if len(admin):
        for level in ("district", "community"):
            part = admin[admin["level"] == level]
            if len(part):
                layers.append(
                    outline_layer(
                        ws_path,
                        "admin",
                        level,
                        layer_id=f"ctx-{level}",
                        properties=("code", "name"),
                        line_rgb=LEVEL_COLOURS[level],
                        line_width_px=2.0 if level == "district" else 0.6,
                    )
                )
                frame = part if frame is None else frame
    if frame is None:
        grids = load_layer(ws_path, "grids")
        if len(grids):
            layers.append(
                outline_layer(
                    ws_path,
                    "grids",
                    None,
                    layer_id="ctx-grids",
                    properties=("code",),
                    line_rgb=LEVEL_COLOURS["grid"],
                    line_width_px=0.8,
                )
            )
            frame = grids
    return layers, frame


def preview_deck(
    ws_path: str, preview: FilePreview, *, crs: str | None, mapping: dict[str, str], swapped: bool
) -> tuple[Any, int]:
    """A deck of the sample under ``crs`` over the workspace boundaries; and how many drawn."""
    import geopandas as gpd
    import shapely

    from ..importing.preview import sample_points, sample_polygons
    from ..viz import boundary_layer, point_layer, view_for
    from .settings import make_deck, map_base

    layers, frame = _context_layers(ws_path)
    if preview.geometry is not None:
        polys = sample_polygons(preview, crs)
        gdf = gpd.GeoDataFrame({"n": range(len(polys))}, geometry=polys.values, crs=4326)
        layers.append(
            boundary_layer(
                gdf,
                layer_id="sample",
                properties=["n"],
                line_rgb=list(SAMPLE_RGB),
                fill_rgba=[*SAMPLE_RGB, 40],
                line_width_px=1.5,
                pickable=False,
            )
        )
        shown = gdf
    else:
        pts = sample_points(preview, mapping, crs or "wgs84", swapped=swapped)
        layers.append(
            point_layer(
                [{"lon": a, "lat": b} for a, b in zip(pts["lon"], pts["lat"], strict=True)],
                layer_id="sample",
                rgb=SAMPLE_RGB,
                radius_px=3,
            )
        )
        shown = gpd.GeoDataFrame(geometry=gpd.points_from_xy(pts["lon"], pts["lat"]), crs=4326)
    # Fit the view to the sample as given, padded by more than any GCJ-02/BD-09 offset, so
    # that switching between WGS-84, GCJ-02 and BD-09 moves the points against the
    # boundaries on a still map; projected files fit the converted sample.
    focus = shown if len(shown) else (frame if frame is not None else shown)
    raw = _raw_bounds(preview, mapping, swapped)
    if raw is not None:
        x0, y0, x1, y1 = raw
        pad = 0.006
        box = shapely.box(x0 - pad, y0 - pad, x1 + pad, y1 + pad)
        if len(shown):
            box = shapely.union(box, shapely.box(*shown.total_bounds))
        focus = gpd.GeoDataFrame(geometry=[box], crs=4326)
    view = view_for(focus, width_px=700, height_px=460)
    # On the workspace's own base map when it has one (sample and boundaries move together).
    deck = make_deck(layers, view, tooltip=False, base=map_base(ws_path), wgs84=True)
    return deck, len(shown)


def _raw_bounds(
    preview: FilePreview, mapping: dict[str, str], swapped: bool
) -> tuple[float, float, float, float] | None:
    """Bounds of the sample's coordinates as written in the file, when they are degrees."""
    import numpy as np

    try:
        if preview.geometry is not None:
            x0, y0, x1, y1 = (float(v) for v in preview.geometry.total_bounds)
        else:
            x, y = raw_xy(preview, mapping)
            if swapped:
                x, y = y, x
            ok = (np.abs(x) <= 180) & (np.abs(y) <= 90)
            if not ok.any():
                return None
            x0, x1 = float(np.nanmin(x[ok])), float(np.nanmax(x[ok]))
            y0, y1 = float(np.nanmin(y[ok])), float(np.nanmax(y[ok]))
    except GridmapError:
        return None
    if not all(np.isfinite([x0, y0, x1, y1])) or max(abs(x0), abs(x1)) > 180:
        return None
    if max(abs(y0), abs(y1)) > 90:
        return None
    return x0, y0, x1, y1


def problem_deck(ws_path: str, version: int, problems: Any, selected: int | None) -> Any:
    """The draft's grids with the validation problems drawn; zoomed to ``selected`` if any."""
    import geopandas as gpd
    import pydeck as pdk
    import shapely

    from ..viz import LEVEL_COLOURS, boundary_layer, point_layer, view_for
    from .settings import make_deck, map_base

    grids = load_version(ws_path, version)
    layers: list[Any] = []
    if len(grids):
        layers.append(
            boundary_layer(
                grids,
                layer_id="draft-grids",
                properties=["code"],
                line_rgb=LEVEL_COLOURS["grid"],
                line_width_px=0.8,
                pickable=False,
            )
        )
    probs = problems.reset_index(drop=True)
    probs["i"] = range(len(probs))
    areal = probs[~probs.geometry.isna() & (probs.geometry.geom_type != "Point")]
    if len(areal):
        layers.append(
            boundary_layer(
                gpd.GeoDataFrame(areal[["i", "kind", "code"]], geometry=areal.geometry, crs=4326),
                layer_id="problems",
                properties=["i", "kind", "code"],
                line_rgb=list(PROBLEM_RGB),
                fill_rgba=[*PROBLEM_RGB, 90],
                line_width_px=1.5,
                pickable=True,
            )
        )
    dots = [
        {
            "lon": round(float(r.lon), 6),
            "lat": round(float(r.lat), 6),
            "i": int(r.i),
            "kind": r.kind,
        }
        for r in probs.itertuples()
        if r.lon == r.lon
    ]
    if dots:
        layers.append(
            point_layer(
                dots, layer_id="problem-points", rgb=PROBLEM_RGB, radius_px=4, pickable=True
            )
        )
    if selected is not None and 0 <= selected < len(probs):
        row = probs.iloc[selected]
        geom = row.geometry if row.geometry is not None else shapely.Point(row.lon, row.lat)
        box = gpd.GeoDataFrame(geometry=[shapely.buffer(geom.envelope, 0.008)], crs=4326)
        layers.append(
            point_layer(
                [{"lon": round(float(row.lon), 6), "lat": round(float(row.lat), 6)}],
                layer_id="problem-selected",
                rgb=(255, 200, 0),
                radius_px=9,
            )
        )
        view = view_for(box, width_px=700, height_px=460)
    else:
        view = view_for(grids if len(grids) else probs, width_px=700, height_px=460)
    deck: pdk.Deck = make_deck(
        layers, view, tooltip={"text": "{kind} {code}"}, base=map_base(ws_path), wgs84=True
    )
    return deck
