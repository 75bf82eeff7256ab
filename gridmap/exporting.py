"""Export workspace layers for QGIS and city platforms (GeoPackage, GeoJSON, Shapefile, CSV, Excel).

Exports are in WGS-84 unless GCJ-02 or BD-09 is asked for (platforms built on Amap or
Baidu expect those). Shapefile field names are limited to 10 characters; long canonical
names get fixed short names so that a round trip through QGIS keeps them recognisable.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely

from . import schema
from .crs import CrsSpec, geometries_from_wgs84, parse_crs
from .errors import SchemaError
from .store import SPATIAL_LAYERS, Workspace

__all__ = ["EXPORT_SUFFIXES", "SHAPEFILE_NAMES", "export_layer", "layer_frame"]

EXPORT_SUFFIXES = (".gpkg", ".geojson", ".shp", ".csv", ".xlsx", ".fgb", ".parquet")

#: Canonical names longer than the 10 characters a .dbf allows, and what they become.
SHAPEFILE_NAMES = {
    schema.OCCURRED_AT: "occurred",
    schema.REPORTED_AT: "reported",
    schema.REGISTERED_AT: "registered",
    schema.DISPATCHED_AT: "dispatched",
    schema.HANDLED_AT: "handled",
    schema.VERIFIED_AT: "verified",
    schema.CLOSED_AT: "closed",
    schema.CATEGORY_SOURCE: "cat_source",
    schema.HANDLING_CLASS: "handling",
    schema.GRID_CODE_SOURCE: "grid_src",
    schema.PARENT_CODE: "parent",
    schema.EFFECTIVE_DATE: "effective",
    schema.TARGET_COVERAGE: "target_cov",
    schema.AZIMUTH_DEG: "azimuth",
    schema.H3_CELL: "h3_cell",
}


def in_codes(gdf: pd.DataFrame, codes: frozenset[str]) -> pd.Series:
    """Rows whose own code or grid code is one of ``codes``."""
    keep = pd.Series(False, index=gdf.index)
    for col in (schema.GRID_CODE, schema.CODE):
        if col in gdf.columns:
            keep |= gdf[col].astype("string").isin(codes).fillna(False)
    return keep


def layer_frame(ws: Workspace, layer: str, *, version: int | None = None) -> gpd.GeoDataFrame:
    """A layer as stored (grids: one version, default the one in force)."""
    if layer not in SPATIAL_LAYERS:
        raise SchemaError(f"layer {layer!r} is not one of {', '.join(SPATIAL_LAYERS)}")
    if layer == "grids":
        return ws.read_grids(version)
    if version is not None:
        raise SchemaError("--version only applies to the grids layer")
    return ws.read_layer(layer)


def export_layer(
    ws: Workspace,
    layer: str,
    out: str | Path,
    *,
    version: int | None = None,
    crs: str | CrsSpec = "wgs84",
    encoding: str = "UTF-8",
    codes: frozenset[str] | None = None,
) -> int:
    """Write a layer to ``out`` (format from the suffix); returns the number of rows.

    ``codes`` limits the rows to those units (an area-limited user's grids and admin units):
    a row is kept when its ``code`` or ``grid_code`` is one of them.
    """
    out = Path(out)
    suffix = out.suffix.lower()
    if suffix not in EXPORT_SUFFIXES:
        raise SchemaError(
            f"{out.name}: unsupported export type {suffix or '(none)'}; "
            f"allowed: {', '.join(EXPORT_SUFFIXES)}"
        )
    spec = crs if isinstance(crs, CrsSpec) else parse_crs(crs)
    if spec.kind == "epsg" and spec.epsg != 4326:
        raise SchemaError(f"export CRS {spec.label}: exports are WGS-84, CGCS2000, GCJ-02 or BD-09")
    enc = encoding.upper().replace("UTF8", "UTF-8")
    if enc not in ("UTF-8", "GBK", "GB18030"):
        raise SchemaError(f"--encoding {encoding}: allowed UTF-8 or GBK")
    gdf = layer_frame(ws, layer, version=version)
    if codes is not None:
        gdf = gdf[in_codes(gdf, codes)]
    if schema.H3_CELL in gdf.columns:
        # Hex strings are what H3 tools and QGIS plugins read; int64 would be unreadable.
        gdf[schema.H3_CELL] = gdf[schema.H3_CELL].map(lambda c: format(int(c), "x") if c else "")
    geoms = geometries_from_wgs84(gdf.geometry, spec) if spec.kind != "wgs84" else gdf.geometry
    gdf = gpd.GeoDataFrame(gdf.drop(columns="geometry"), geometry=geoms.values, crs="EPSG:4326")
    out.parent.mkdir(parents=True, exist_ok=True)
    if suffix in (".csv", ".xlsx"):
        frame = pd.DataFrame(gdf.drop(columns="geometry"))
        geom = gdf.geometry.values
        if len(geom) and (shapely.get_type_id(geom) == 0).all():
            frame[schema.LON] = shapely.get_x(geom).round(7)
            frame[schema.LAT] = shapely.get_y(geom).round(7)
        else:
            frame["wkt"] = shapely.to_wkt(geom, rounding_precision=7)
        if suffix == ".csv":
            frame.to_csv(out, index=False, encoding="utf-8-sig" if enc == "UTF-8" else "gb18030")
        else:
            frame.to_excel(out, index=False, engine="openpyxl")
        return len(frame)
    if suffix == ".parquet":
        gdf.to_parquet(out)
        return len(gdf)
    if out.exists():
        out.unlink()
    kwargs: dict[str, object] = {}
    if suffix == ".shp":
        gdf = gdf.rename(columns=SHAPEFILE_NAMES)
        for col in gdf.columns:
            if pd.api.types.is_datetime64_any_dtype(gdf[col]):
                gdf[col] = gdf[col].dt.strftime("%Y-%m-%d %H:%M:%S").where(gdf[col].notna(), None)
        kwargs["encoding"] = enc
        for ext in (".shx", ".dbf", ".prj", ".cpg"):
            out.with_suffix(ext).unlink(missing_ok=True)
    driver = {
        ".gpkg": "GPKG",
        ".geojson": "GeoJSON",
        ".shp": "ESRI Shapefile",
        ".fgb": "FlatGeobuf",
    }[suffix]
    pyogrio.write_dataframe(
        gdf, out, layer=layer if suffix == ".gpkg" else None, driver=driver, **kwargs
    )
    return len(gdf)
