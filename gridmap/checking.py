"""``gridmap validate`` on a path: a workspace's grids in force, or a grid file before import."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import geopandas as gpd

from . import schema
from .config import Settings
from .crs import geometries_to_wgs84, parse_crs
from .errors import CrsError
from .io.mapping import resolve_mapping
from .io.readers import read_polygons
from .store import Workspace, is_url
from .validate import ValidationReport, validate_grids

__all__ = ["validate_path"]


def _is_workspace(path: str | Path) -> bool:
    if is_url(path):
        Workspace(str(path)).check()  # a URL is always meant as a workspace: say why not
        return True
    path = Path(path)
    if path.suffix.lower() != ".gpkg" or not path.exists():
        return False
    try:
        return Workspace(path).meta().get("format") == "gridmap"
    except sqlite3.DatabaseError:
        return False


def _polygons_in_wgs84(
    path: Path, crs: str | None, kind: str, code_column: str | None = None
) -> gpd.GeoDataFrame:
    gdf = read_polygons(path)
    if crs:
        spec = parse_crs(crs)
    elif gdf.crs is not None and gdf.crs.to_epsg():
        spec = parse_crs(f"EPSG:{gdf.crs.to_epsg()}")
    else:
        raise CrsError(
            f"{path.name}: has no coordinate system; state it with --crs "
            "(wgs84, cgcs2000, gcj02, bd09 or EPSG:XXXX)"
        )
    explicit = {code_column: "code"} if code_column else None
    cols = resolve_mapping(
        [str(c) for c in gdf.columns if c != gdf.geometry.name], kind, explicit, file_name=path.name
    )
    out = gpd.GeoDataFrame(
        {fld: gdf[src].to_numpy() for fld, src in cols.items()},
        geometry=geometries_to_wgs84(gpd.GeoSeries(gdf.geometry.values, crs=gdf.crs), spec).values,
        crs="EPSG:4326",
    )
    if "code" in out:
        out["code"] = out["code"].astype(str)
    for fld in (schema.HOUSEHOLDS, schema.POPULATION):
        if fld in out:
            out[fld] = gpd.pd.to_numeric(out[fld], errors="coerce").astype("Int64")
    if schema.GRID_TYPE in out:
        out[schema.GRID_TYPE] = out[schema.GRID_TYPE].map(
            lambda v: schema.GRID_TYPES.parse(v) or "basic"
        )
    return out


def validate_path(
    path: str | Path,
    *,
    crs: str | None = None,
    communities: str | Path | None = None,
    code_column: str | None = None,
    community_code_column: str | None = None,
    version: int | None = None,
    settings: Settings | None = None,
) -> ValidationReport:
    """Validate the grids of a workspace (default: the version in force) or of a grid file."""
    settings = settings or Settings()
    if _is_workspace(path):
        ws = Workspace(str(path))
        grids = ws.read_grids(version)
        admin = ws.read_layer("admin")
        comm = admin[admin[schema.LEVEL] == "community"] if len(admin) else None
        return validate_grids(
            grids, comm if comm is not None and len(comm) else None, settings=settings
        )
    grids = _polygons_in_wgs84(Path(path), crs, "grids", code_column)
    comm = (
        _polygons_in_wgs84(Path(communities), crs, "admin", community_code_column)
        if communities
        else None
    )
    return validate_grids(grids, comm, settings=settings)
