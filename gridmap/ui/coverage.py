"""Cached coverage computations and map layers for the Coverage page.

The analysis (about 5 s on the demo) and the greedy siting for up to :data:`MAX_SUGGEST`
cameras run once per workspace version; the greedy order is prefix-consistent (the first k
of an N-camera greedy run are the k-camera answer), so moving the N slider only slices a
cached table and the page stays well under a second warm.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pydeck as pdk
import shapely
import streamlit as st

from .. import schema
from ..analytics.coverage import (
    CoverageResult,
    footprint_polygons,
    scope_summary,
)
from ..analytics.siting import (
    SitingProblem,
    gain_curve,
    read_candidates,
    siting_problem,
    solve_siting,
)
from ..loading import workspace_coverage
from ..store import Workspace
from ..viz import (
    FOOTPRINT_RGB,
    GAP_RGB,
    KEYAREA_BAD_RGB,
    KEYAREA_OK_RGB,
    SITE_RGB,
    coverage_cell_layer,
    geojson_payload,
    point_layer,
    polygon_layer,
)
from .data import _stamp, load_hierarchy, load_incidents
from .keys import KEY_COV_CANDIDATES, KEY_COV_GAPS, KEY_COV_LAYERS, KEY_COV_MAP, KEY_COV_N

__all__ = [
    "KEY_COV_CANDIDATES",
    "KEY_COV_GAPS",
    "KEY_COV_LAYERS",
    "KEY_COV_MAP",
    "KEY_COV_N",
    "LAYERS",
    "MAX_SUGGEST",
    "coverage_map_layers",
    "load_coverage",
    "load_siting",
    "load_summary",
    "pick_of",
    "scope_codes",
    "sites_csv",
    "sites_geojson",
]

#: Most cameras the siting slider offers (one cached greedy run of this size).
MAX_SUGGEST = 200
#: Candidate dots drawn (those of highest potential); all are used by the optimiser.
MAX_CANDIDATES_DRAWN = 1500
LAYERS = ("heat", "gaps", "keyareas", "footprints", "sites")


# A resource, not data: every caller only reads it, and cache_data would keep its pickle
# (~70 MB at 330,000 cameras) and unpickle a full copy on every call of every rerun.
@st.cache_resource(show_spinner=False, max_entries=4)
def _result(path: str, stamp: float) -> CoverageResult:
    return workspace_coverage(Workspace(path), table=load_incidents(path))


@st.cache_data(show_spinner=False, max_entries=4)
def _problem(path: str, stamp: float, upload: tuple[str, bytes] | None) -> SitingProblem:
    candidates = read_candidates(upload[1], name=upload[0]) if upload else None
    return siting_problem(_result(path, stamp), candidates=candidates)


@st.cache_data(show_spinner=False, max_entries=16)
def _siting(
    path: str, stamp: float, area: str | None, upload: tuple[str, bytes] | None
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, str]:
    problem = _problem(path, stamp, upload)
    scope = scope_codes(path, area)
    sites, sol = solve_siting(problem, MAX_SUGGEST, grid_codes=scope)
    cand = problem.candidates()
    if scope is not None:
        cand = cand[cand[schema.GRID_CODE].astype(str).isin(list(scope))]
    top = cand.sort_values("potential", ascending=False, kind="stable")
    top = top.head(MAX_CANDIDATES_DRAWN)[[schema.ID, schema.LON, schema.LAT, "potential"]]
    return (
        pd.DataFrame(sites.drop(columns="geometry")),
        gain_curve(sol),
        pd.DataFrame(top),
        sol.method,
    )


@st.cache_data(show_spinner=False, max_entries=16)
def _summary(path: str, stamp: float, area: str | None) -> dict[str, Any]:
    return scope_summary(_result(path, stamp), scope_codes(path, area))


def load_coverage(path: str) -> CoverageResult:
    return _result(str(path), _stamp(path))


def load_summary(path: str, area: str | None) -> dict[str, Any]:
    """Headline numbers of the area (numerators and denominators)."""
    return _summary(str(path), _stamp(path), area)


def uploaded_candidates() -> tuple[str, bytes] | None:
    """The candidate file the siting tool was given (name, bytes), if any."""
    f = st.session_state.get(KEY_COV_CANDIDATES)
    return (str(f.name), bytes(f.getvalue())) if f is not None else None


def load_siting(
    path: str, area: str | None
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, str]:
    """Greedy sites in the area (first :data:`MAX_SUGGEST`), the gain curve, drawn
    candidates, and the method; from the uploaded candidates when there are any."""
    return _siting(str(path), _stamp(path), area, uploaded_candidates())


def scope_codes(path: str, area: str | None) -> frozenset[str] | None:
    return load_hierarchy(path).grids_under(area)


def _in_scope(codes: Any, scope: frozenset[str] | None) -> Any:
    if scope is None:
        return np.ones(len(codes), dtype=bool)
    return np.asarray(pd.Series(codes).astype(str).isin(scope))


@st.cache_data(show_spinner=False, max_entries=16)
def _cells_payload(path: str, stamp: float, area: str | None) -> pd.DataFrame:
    r = _result(path, stamp)
    scope = scope_codes(path, area)
    c = r.cells
    # Populated, risky or watched cells only: empty hillside adds payload, not information.
    keep = _in_scope(c["grid_code"], scope) & (
        (c["households"] > 0) | (c["risk"] > 0) | (c["coverage_share"] > 0)
    )
    return c.loc[keep, ["h3", "coverage_share"]].reset_index(drop=True)


@st.cache_data(show_spinner=False, max_entries=16)
def _footprints_payload(path: str, stamp: float, area: str | None) -> dict[str, Any]:
    r = _result(path, stamp)
    fp = r.footprints[r.footprints["online"]]
    if area is not None and schema.GRID_CODE in fp:
        fp = fp[_in_scope(fp[schema.GRID_CODE], scope_codes(path, area))]
    polys = footprint_polygons(fp, step_deg=15.0).to_numpy()
    # Sectors are simple rings: build the GeoJSON straight from rounded coordinates
    # (geojson_payload's per-feature simplify costs ~10x more for thousands of sectors).
    xy, which = shapely.get_coordinates(polys, return_index=True)
    xy = np.round(xy, 5)
    cuts = np.flatnonzero(np.diff(which)) + 1
    rings = np.split(xy, cuts)
    ids = fp[schema.ID].astype(str).tolist()
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Polygon", "coordinates": [ring.tolist()]},
            "properties": {"id": i},
        }
        for i, ring in zip(ids, rings, strict=True)
    ]
    return {"type": "FeatureCollection", "features": features}


@st.cache_data(show_spinner=False, max_entries=16)
def _gaps_payload(path: str, stamp: float, area: str | None) -> dict[str, Any]:
    r = _result(path, stamp)
    g = r.gaps
    scope = scope_codes(path, area)
    if scope is not None and len(g):
        g = g[[bool(set(s.split(",")) & scope) for s in g["grid_codes"]]]
    zone_share = r.cells[r.cells["gap_zone"] > 0].groupby("gap_zone")["coverage_share"].mean()
    shown = g.assign(
        name=[f"#{k}" for k in g["rank"]],
        code=[f"gap-{k}" for k in g["rank"]],
        count=np.round(zone_share.reindex(g["rank"]).fillna(0).to_numpy() * 100, 0),
        risk=np.round(g["uncovered_risk"].to_numpy(float), 0),
        hh=g["households"].round(0).astype(int) if len(g) else [],
    )
    return geojson_payload(
        gpd.GeoDataFrame(shown, geometry=g.geometry.to_numpy(), crs=4326),
        properties=["code", "name", "count", "rank", "risk", "hh", "cells"],
        tolerance_deg=0.00005,
    )


@st.cache_data(show_spinner=False, max_entries=16)
def _keyareas_payload(path: str, stamp: float, area: str | None, lang: str) -> dict[str, Any]:
    r = _result(path, stamp)
    ws = Workspace(path)
    if not len(r.keyareas) or not ws.has_layer("keyareas"):
        return {"type": "FeatureCollection", "features": []}
    ka_layer = ws.read_layer("keyareas")
    ka = r.keyareas
    keep = _in_scope(ka[schema.GRID_CODE], scope_codes(path, area))
    alpha = 200
    colour = [
        [*(KEYAREA_OK_RGB if ok else KEYAREA_BAD_RGB), alpha] for ok in ka["compliant"].to_numpy()
    ]
    shown = gpd.GeoDataFrame(
        {
            "code": ka[schema.CODE].to_numpy(),
            "name": ka[schema.NAME].astype(str).to_numpy(),
            "count": np.round(ka["coverage_share"].to_numpy(float) * 100, 0),
            "rgba": colour,
        },
        geometry=ka_layer.geometry.to_numpy(),
        crs=4326,
    )[keep]
    return geojson_payload(shown, properties=["code", "name", "count", "rgba"], tolerance_deg=0.0)


def coverage_map_layers(
    path: str, area: str | None, shown: list[str], n: int, lang: str
) -> list[pdk.Layer]:
    """The coverage map's own layers (under the grid outlines), in drawing order."""
    p, stamp = str(path), _stamp(path)
    layers: list[pdk.Layer] = []
    if "heat" in shown:
        layers.append(coverage_cell_layer(_cells_payload(p, stamp, area), layer_id="cov-cells"))
    # Each polygon layer: its payload and its style. Footprints are outlines with a faint
    # fill, so the coverage colours stay readable underneath.
    polygons: dict[str, tuple[Callable[[], dict[str, Any]], dict[str, Any]]] = {
        "footprints": (
            lambda: _footprints_payload(p, stamp, area),
            {"fill": [*FOOTPRINT_RGB, 12], "line": [*FOOTPRINT_RGB, 150], "line_px": 0.6},
        ),
        "gaps": (
            lambda: _gaps_payload(p, stamp, area),
            {"fill": [*GAP_RGB, 90], "line": [*GAP_RGB, 255], "line_px": 2.0, "pickable": True},
        ),
        "keyareas": (
            lambda: _keyareas_payload(p, stamp, area, lang),
            {"fill": [0, 0, 0, 0], "line": [40, 40, 40, 200], "line_px": 1.0, "pickable": True,
             "colour_property": "rgba"},
        ),
    }  # fmt: skip
    for name, (payload, style) in polygons.items():
        if name in shown:
            layers.append(polygon_layer(payload(), layer_id=f"cov-{name}", **style))
    if "sites" in shown and n > 0:
        sites, _curve, cand, _m = load_siting(path, area)
        layers.append(
            point_layer(
                [
                    {str(k): v for k, v in r.items()}
                    for r in cand[[schema.LON, schema.LAT]].to_dict(orient="records")
                ],
                layer_id="cov-candidates",
                rgb=(150, 150, 150),
                radius_px=2,
            )
        )
        rows = sites.head(n)[["rank", schema.LON, schema.LAT, "gain"]]
        layers.append(
            point_layer(
                _records(rows.assign(gain=rows["gain"].round(1))),
                layer_id="cov-sites",
                rgb=SITE_RGB,
                radius_px=7,
            )
        )
    return layers


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): v for k, v in r.items()} for r in frame.to_dict(orient="records")]


def pick_of(obj: dict[str, Any] | None) -> tuple[str, str] | None:
    """What a clicked map object is: ("gap", rank), ("keyarea", code) or ("grid", code)."""
    if not obj:
        return None
    code = str(obj.get("code", ""))
    if code.startswith("gap-"):
        return ("gap", code[4:])
    if "rgba" in obj:
        return ("keyarea", code)
    if code:
        return ("grid", code)
    return None


def sites_csv(sites: pd.DataFrame) -> bytes:
    """Proposed sites as CSV (UTF-8 with BOM for Excel), WGS-84 lon/lat."""
    cols = ["rank", schema.LON, schema.LAT, "gain", "cumulative_share", schema.GRID_CODE]
    return sites[cols].to_csv(index=False).encode("utf-8-sig")


def sites_geojson(sites: pd.DataFrame) -> str:
    """Proposed sites as GeoJSON points (EPSG:4326), readable by QGIS."""
    import shapely

    cols = ["rank", "gain", "cumulative_share", schema.GRID_CODE, schema.RANGE_M]
    gdf = gpd.GeoDataFrame(
        sites[cols].reset_index(drop=True),
        geometry=shapely.points(sites[schema.LON].to_numpy(), sites[schema.LAT].to_numpy()),
        crs=4326,
    )
    return str(gdf.to_json(drop_id=True))
