"""Streamlit glue of the Data page's export: a layer or grid version as a downloadable file."""

from __future__ import annotations

import io
import tempfile
import zipfile
from pathlib import Path

import streamlit as st

from ..exporting import export_layer
from ..store import Workspace
from .data import _stamp

__all__ = ["EXPORT_CRS", "EXPORT_ENCODINGS", "EXPORT_FORMATS", "export_bytes"]

#: Format code -> file suffix written by :func:`gridmap.exporting.export_layer`.
EXPORT_FORMATS: dict[str, str] = {
    "gpkg": ".gpkg",
    "geojson": ".geojson",
    "shp": ".shp",
    "csv": ".csv",
    "xlsx": ".xlsx",
}
EXPORT_CRS = ("wgs84", "gcj02", "bd09")
EXPORT_ENCODINGS = ("UTF-8", "GBK")
_MIME = {
    "gpkg": "application/geopackage+sqlite3",
    "geojson": "application/geo+json",
    "shp": "application/zip",
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def mime(fmt: str) -> str:
    return _MIME[fmt]


def export_name(layer: str, version: int | None, fmt: str, crs: str, encoding: str) -> str:
    """File name of an export, e.g. ``grids-v3-gcj02-gbk.zip``."""
    parts = [layer]
    if version is not None:
        parts.append(f"v{version}")
    parts.append(crs)
    if fmt in ("shp", "csv") and encoding.upper() != "UTF-8":
        parts.append(encoding.lower())
    suffix = ".zip" if fmt == "shp" else EXPORT_FORMATS[fmt]
    return "-".join(parts) + suffix


@st.cache_data(show_spinner=False, max_entries=6)
def _export(
    path: str, stamp: float, layer: str, version: int | None, fmt: str, crs: str, encoding: str
) -> tuple[str, bytes, int]:
    name = export_name(layer, version, fmt, crs, encoding)
    with tempfile.TemporaryDirectory(prefix="gridmap-export-") as tmp:
        out = Path(tmp) / f"{layer}{EXPORT_FORMATS[fmt]}"
        n = export_layer(Workspace(path), layer, out, version=version, crs=crs, encoding=encoding)
        if fmt != "shp":
            return name, out.read_bytes(), n
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            for part in sorted(Path(tmp).iterdir()):
                zf.write(part, arcname=part.name)
        return name, buf.getvalue(), n


def export_bytes(
    ws_path: str, layer: str, *, version: int | None, fmt: str, crs: str, encoding: str
) -> tuple[str, bytes, int]:
    """(file name, bytes, rows) of an export; a Shapefile comes as one zip of its parts."""
    return _export(str(ws_path), _stamp(ws_path), layer, version, fmt, crs, encoding)
