"""The entry point: :func:`validate_grids` runs every check and sorts what they found."""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely
from numpy.typing import NDArray

from .. import schema
from ..config import Settings
from ..errors import SchemaError
from ._checks import (
    GAP_GRID_M,
    _community_problems,
    _duplicate_problems,
    _gap_problems,
    _geometry_problems,
    _household_problems,
    _overlap_problems,
)
from ._geometry import Geoms, _check_wgs84, _points, _project, _utm_crs, repair_geometries
from ._problems import _KIND_ORDER, Problem, ValidationReport

# The logger the module had before it became a package.
log = logging.getLogger("gridmap.validate")

#: Settings is frozen, so one shared default instance is safe.
_DEFAULT_SETTINGS = Settings()


# --- helpers --------------------------------------------------------------------------------
def _as_codes(values: Iterable[Any]) -> NDArray[np.object_]:
    """Codes as text (None when missing); 620104001.0 from a float column reads 620104001."""
    out: list[str | None] = []
    for v in values:
        if v is None or (not isinstance(v, str) and pd.isna(v)):
            out.append(None)
        elif isinstance(v, float) and v.is_integer():
            out.append(str(int(v)))
        else:
            out.append(str(v).strip())
    return np.asarray(out, dtype=object)


def _numeric(frame: pd.DataFrame, column: str) -> NDArray[np.float64]:
    if column not in frame.columns:
        return np.full(len(frame), np.nan)
    num = pd.to_numeric(frame[column], errors="coerce")
    return np.asarray(num.astype("Float64").to_numpy(dtype=float, na_value=np.nan), dtype=float)


# --- entry point ----------------------------------------------------------------------------
def _sort_key(p: Problem) -> tuple[int, str, float, float, str]:
    lon = math.inf if math.isnan(p.lon) else p.lon
    lat = math.inf if math.isnan(p.lat) else p.lat
    return (_KIND_ORDER[p.kind], "" if p.code is None else p.code, lon, lat, p.message)


def _check_inputs(
    grids: gpd.GeoDataFrame,
    communities: gpd.GeoDataFrame | None,
    repaired: NDArray[np.bool_] | None,
) -> NDArray[np.bool_]:
    """Raise on unusable arguments; the caller's repair mask, all False without one."""
    _check_wgs84(grids, "grids")
    if schema.CODE not in grids.columns:
        raise SchemaError(f"grids: no {schema.CODE!r} column (columns: {list(grids.columns)})")
    if communities is not None:
        _check_wgs84(communities, "communities")
        if schema.CODE not in communities.columns:
            raise SchemaError(
                f"communities: no {schema.CODE!r} column (columns: {list(communities.columns)})"
            )
    n = len(grids)
    if repaired is None:
        return np.zeros(n, dtype=bool)
    caller_repair = np.asarray(repaired, dtype=bool)
    if caller_repair.shape != (n,):
        raise SchemaError(f"repaired: mask of shape {caller_repair.shape}, need ({n},)")
    return caller_repair


def _grid_attributes(
    grids: gpd.GeoDataFrame,
) -> tuple[NDArray[np.object_], NDArray[np.object_], NDArray[np.bool_]]:
    """Codes and parent codes as text (None when missing), and which grids are basic (a
    missing or unknown ``grid_type`` counts as basic)."""
    n = len(grids)
    codes = _as_codes(grids[schema.CODE])
    parents = (
        _as_codes(grids[schema.PARENT_CODE])
        if schema.PARENT_CODE in grids.columns
        else np.full(n, None, dtype=object)
    )
    if schema.GRID_TYPE in grids.columns:
        types = grids[schema.GRID_TYPE].map(
            lambda v: None if v is None or pd.isna(v) else schema.GRID_TYPES.parse(v)
        )
        basic = (types != "professional").to_numpy(dtype=bool)
    else:
        basic = np.ones(n, dtype=bool)
    return codes, parents, basic


def _communities_in_metres(
    communities: gpd.GeoDataFrame, to_m: pyproj.Transformer
) -> tuple[NDArray[np.object_], Geoms]:
    """Codes and repaired metric polygons of the communities that have a polygon."""
    comm_fixed, comm_bad = repair_geometries(communities.geometry)
    if comm_bad.any():
        log.info("repaired %d invalid community geometries", int(comm_bad.sum()))
    cvals = np.asarray(comm_fixed.to_numpy(), dtype=object)
    cok = ~(shapely.is_missing(cvals) | shapely.is_empty(cvals))
    return _as_codes(communities[schema.CODE])[cok], _project(cvals[cok], to_m)


def validate_grids(
    grids: gpd.GeoDataFrame,
    communities: gpd.GeoDataFrame | None = None,
    *,
    settings: Settings = _DEFAULT_SETTINGS,
    repaired: NDArray[np.bool_] | None = None,
) -> ValidationReport:
    """Check a grid layer and report every problem with its location and size.

    Parameters
    ----------
    grids
        Grids in EPSG:4326 with a ``code`` column and optionally ``grid_type``
        ("basic"/"professional"; missing means basic), ``households``, ``population`` and
        ``parent_code``.
    communities
        Community polygons in EPSG:4326 with a ``code`` column; enables the nesting checks
        and per-community gaps.
    settings
        Tolerances: ``overlap_tolerance_m2``, ``gap_tolerance_m2``, ``containment_share``,
        ``max_households``.
    repaired
        Boolean mask aligned with ``grids`` of rows a caller already repaired (at import);
        they are reported as ``repaired_geometry``.

    Returns
    -------
    ValidationReport
        Problems sorted by kind (:data:`PROBLEM_KINDS` order) then code. Invalid input
        geometries are repaired (and reported) before the other checks; grids without a
        polygon are left out of the geometric checks.

    Raises
    ------
    CrsError
        If ``grids`` or ``communities`` is not in EPSG:4326.
    SchemaError
        If a ``code`` column is missing or ``repaired`` has the wrong length.
    """
    caller_repair = _check_inputs(grids, communities, repaired)
    n = len(grids)
    codes, parents, basic = _grid_attributes(grids)

    raw = np.asarray(grids.geometry.to_numpy(), dtype=object)
    fixed_series, own_repair = repair_geometries(gpd.GeoSeries(raw, crs=grids.crs))
    fixed = np.asarray(fixed_series.to_numpy(), dtype=object)
    usable = ~(shapely.is_missing(fixed) | shapely.is_empty(fixed))
    lon, lat = _points(fixed)

    problems: list[Problem] = []
    area_change = np.zeros(n)
    if usable.any():
        utm = _utm_crs(gpd.GeoSeries(fixed[usable], crs=grids.crs))
        to_m = pyproj.Transformer.from_crs(4326, utm, always_xy=True)
        to_wgs = pyproj.Transformer.from_crs(utm, 4326, always_xy=True)
        grid_m = np.full(n, None, dtype=object)
        grid_m[usable] = _project(fixed[usable], to_m)
        grid_area = np.zeros(n)
        grid_area[usable] = shapely.area(grid_m[usable])
        fixed_rows = usable & own_repair
        if fixed_rows.any():
            area_change[fixed_rows] = grid_area[fixed_rows] - shapely.area(
                _project(raw[fixed_rows], to_m)
            )

        comm_codes: NDArray[np.object_] | None = None
        comm_m: Geoms | None = None
        if communities is not None and len(communities):
            comm_codes, comm_m = _communities_in_metres(communities, to_m)
            nested = _community_problems(
                codes, parents, grid_m, grid_area, lon, lat, comm_codes, comm_m, settings
            )
            problems.extend(nested)

        rows = np.flatnonzero(usable & basic)
        if len(rows):
            basic_m = grid_m[rows]
            problems.extend(_overlap_problems(codes, rows, basic_m, to_wgs, settings))
            # Gaps come from unions and differences of many polygons, where GEOS's floating
            # overlay can fail on sub-millimetre slivers and return a whole community as
            # uncovered. Snap-rounded overlay on a 1 cm grid is robust and far below the
            # 1 m² tolerance.
            snap = GAP_GRID_M
            problems.extend(
                _gap_problems(
                    shapely.set_precision(basic_m, snap),
                    comm_codes,
                    None if comm_m is None else shapely.set_precision(comm_m, snap),
                    to_wgs,
                    settings,
                )
            )

    problems.extend(
        _geometry_problems(codes, raw, fixed, own_repair, caller_repair, area_change, lon, lat)
    )
    problems.extend(_duplicate_problems(codes, lon, lat))
    problems.extend(
        _household_problems(
            codes,
            basic,
            _numeric(grids, schema.HOUSEHOLDS),
            _numeric(grids, schema.POPULATION),
            lon,
            lat,
            settings,
        )
    )
    problems.sort(key=_sort_key)
    return ValidationReport(tuple(problems), n)
