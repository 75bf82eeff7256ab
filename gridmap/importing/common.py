"""Helpers shared by the point and polygon importers: options, CRS, city outline, columns."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import shapely

from ..config import Settings
from ..crs import CrsSpec, parse_crs
from ..errors import CrsError
from ..store import Transaction
from .report import Progress

__all__ = ["ImportOptions"]


def _quiet(_fraction: float, _message: str) -> None:
    """A progress callback that says nothing."""


@dataclass(frozen=True)
class ImportOptions:
    """What :func:`gridmap.importing.import_file` was asked, for the importers of each kind.

    ``crs``: the file's coordinate system (None: the file's own); ``mapping``: source
    COLUMN -> FIELD; ``categories``: source value -> category (incidents); ``set_values``:
    FIELD -> one value for every row; ``layer``: the layer of a multi-layer polygon file;
    ``draft`` and ``effective_date``: how a grid version is stored.
    """

    crs: str | CrsSpec | None = None
    mapping: Mapping[str, str] | None = None
    categories: Mapping[str, str] | None = None
    set_values: Mapping[str, str] = field(default_factory=dict)
    layer: str | None = None
    draft: bool = False
    effective_date: str | None = None
    settings: Settings = field(default_factory=Settings)
    progress: Progress = _quiet


def _today() -> str:
    return dt.date.today().isoformat()


def _city_outline(ws: Transaction) -> shapely.Geometry | None:
    """Union of the workspace's admin units (else grids), for the 'outside the city' test."""
    for layer in ("admin", "grids"):
        if ws.has_layer(layer) and ws.layer_count(layer):
            gdf = ws.read_layer(layer, columns=["code"])
            geoms = gdf.geometry.values
            geoms = geoms[~(shapely.is_empty(geoms) | shapely.is_missing(geoms))]
            if len(geoms):
                return shapely.union_all(shapely.make_valid(geoms))
    return None


def _outside(
    outline: shapely.Geometry, lon: np.ndarray, lat: np.ndarray, margin_m: float
) -> np.ndarray:
    # A degree-based buffer is fine for a tolerance of a few km: the margin only has to be
    # generous, not exact. Simplify first so that the containment test is cheap.
    mid_lat = float(np.nanmean(lat)) if len(lat) else 36.0
    deg = margin_m / (111_320.0 * max(np.cos(np.radians(mid_lat)), 0.2))
    area = shapely.buffer(shapely.simplify(outline, deg / 4), deg)
    shapely.prepare(area)
    return ~shapely.contains_xy(area, lon, lat)


def _outside_polygons(outline: shapely.Geometry, geoms: np.ndarray, margin_m: float) -> np.ndarray:
    """Polygons lying wholly outside the city outline grown by ``margin_m`` (True = outside)."""
    if not len(geoms):
        return np.zeros(0, dtype=bool)
    lat = shapely.get_y(shapely.centroid(geoms))
    mid_lat = float(np.nanmean(lat))
    deg = margin_m / (111_320.0 * max(np.cos(np.radians(mid_lat)), 0.2))
    area = shapely.buffer(shapely.simplify(outline, deg / 4), deg)
    shapely.prepare(area)
    return ~shapely.intersects(area, geoms)


def _mapped(frame: pd.DataFrame, mapping: Mapping[str, str], name: str) -> pd.Series | None:
    col = mapping.get(name)
    return frame[col] if col is not None else None


def _require_crs(crs: str | CrsSpec | None, file_name: str, file_crs: Any = None) -> CrsSpec:
    if isinstance(crs, CrsSpec):
        return crs
    if crs:
        try:
            return parse_crs(crs)
        except CrsError as exc:  # name the file, as every other import error does
            raise CrsError(f"{file_name}: --crs: {exc}") from None
    if file_crs is not None:
        epsg = file_crs.to_epsg() if hasattr(file_crs, "to_epsg") else None
        if epsg:
            return parse_crs(f"EPSG:{epsg}")
        raise CrsError(
            f"{file_name}: the file's coordinate system has no EPSG code; state it "
            "with --crs (wgs84, cgcs2000, gcj02, bd09 or EPSG:XXXX)"
        )
    raise CrsError(
        f"{file_name}: has no coordinate system; state it with --crs "
        "(wgs84, cgcs2000, gcj02, bd09 or EPSG:XXXX)"
    )
