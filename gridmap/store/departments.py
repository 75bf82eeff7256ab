"""Department layers (多网合一): every department's own grid units in one workspace layer.

The police's 警格, urban management's 城管网格, market supervision's 片区 … are kept beside
the basic grids in one layer, :data:`gridmap.schema.Layer.DEPARTMENTS`, one row per unit:

=================  ==========================================================================
``department``     the department's name as the user gave it (公安, ``NYPD precincts``)
``department_code``  the unit's own code, unique within one version of its department
``department_name``  the unit's own name (its code when the file has none)
``version``        per department: 1 on its first import, +1 on each re-import
``households``     households of the unit when its file gave them (else empty)
``population``     population likewise
``source_crs``     the coordinate system the file was drawn in (``GCJ-02``, ``EPSG:2263``)
``imported_at``    when this version was stored
``source_file``    the file it came from
=================  ==========================================================================

A re-import adds a new version of that department only; older versions stay readable, as
grid versions do. Geometries are WGS-84 (EPSG:4326) polygons like every layer's.

The functions take a :class:`~gridmap.store.Reader` (a workspace or an open transaction), so
an import reads the versions it is about to extend inside its own transaction.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from .. import schema
from ..errors import SchemaError
from .base import Reader, Transaction, now

__all__ = [
    "DEPARTMENT",
    "DEPARTMENT_CODE",
    "DEPARTMENT_COLUMNS",
    "DEPARTMENT_NAME",
    "IMPORTED_AT",
    "MAX_NAME_CHARS",
    "SOURCE_CRS",
    "SOURCE_FILE",
    "append_department",
    "check_department_name",
    "department_names",
    "department_versions",
    "read_departments",
]

# The names of the #18 contract, shared with gridmap.analytics.fusion.columns (a test checks
# they agree); spelled here so that reading a workspace does not load the fusion analytics.
DEPARTMENT = "department"
DEPARTMENT_CODE = "department_code"
DEPARTMENT_NAME = "department_name"
SOURCE_CRS = "source_crs"
IMPORTED_AT = "imported_at"
SOURCE_FILE = "source_file"
#: The stored columns of the department layer, in order (the geometry follows).
DEPARTMENT_COLUMNS: tuple[str, ...] = (
    DEPARTMENT,
    DEPARTMENT_CODE,
    DEPARTMENT_NAME,
    schema.VERSION,
    schema.HOUSEHOLDS,
    schema.POPULATION,
    SOURCE_CRS,
    IMPORTED_AT,
    SOURCE_FILE,
)
#: The columns of :func:`department_versions`.
VERSION_COLUMNS: tuple[str, ...] = (
    DEPARTMENT,
    schema.VERSION,
    "units",
    SOURCE_CRS,
    IMPORTED_AT,
    SOURCE_FILE,
)
#: Longest department name accepted (a bureau's full name fits; a pasted paragraph does not).
MAX_NAME_CHARS = 60
_LAYER = schema.Layer.DEPARTMENTS


def check_department_name(name: object, where: str) -> str:
    """The department name stripped, or a one-line :class:`SchemaError` naming ``where``.

    Examples
    --------
    >>> check_department_name("  公安 ", "x.shp")
    '公安'
    """
    text = "" if name is None else str(name).strip()
    if not text:
        raise SchemaError(
            f"{where}: --department is required: the name of the department whose units "
            "these are (e.g. 公安, 城市管理执法局, 'NYPD precincts')"
        )
    if len(text) > MAX_NAME_CHARS or not text.isprintable():
        raise SchemaError(
            f"{where}: --department {text[:MAX_NAME_CHARS]!r}…: a department name is at most "
            f"{MAX_NAME_CHARS} printable characters"
        )
    return text


def _literal(text: str) -> str:
    """A SQL string literal (both SQLite and PostgreSQL double the quote)."""
    return "'" + text.replace("'", "''") + "'"


def empty_departments() -> gpd.GeoDataFrame:
    """A department layer without rows, with the stored columns."""
    frame = pd.DataFrame({c: pd.Series(dtype=object) for c in DEPARTMENT_COLUMNS})
    for col in (schema.VERSION, schema.HOUSEHOLDS, schema.POPULATION):
        frame[col] = pd.Series(dtype="Int64")
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries([], crs="EPSG:4326"), crs="EPSG:4326")


def department_versions(ws: Reader) -> pd.DataFrame:
    """Every stored version of every department: ``department``, ``version``, ``units``,
    ``source_crs``, ``imported_at``, ``source_file``; by department name, then version."""
    if not ws.has_layer(_LAYER):
        return pd.DataFrame({c: pd.Series(dtype=object) for c in VERSION_COLUMNS})
    rows = ws.query(
        f'SELECT "{DEPARTMENT}", "{schema.VERSION}", COUNT(*) AS units, '
        f'MIN("{SOURCE_CRS}") AS "{SOURCE_CRS}", MIN("{IMPORTED_AT}") AS "{IMPORTED_AT}", '
        f'MIN("{SOURCE_FILE}") AS "{SOURCE_FILE}" FROM "{_LAYER}" '
        f'GROUP BY "{DEPARTMENT}", "{schema.VERSION}"'
    )
    rows[schema.VERSION] = rows[schema.VERSION].astype("int64")
    rows["units"] = rows["units"].astype("int64")
    rows[DEPARTMENT] = rows[DEPARTMENT].astype(str)
    return rows.sort_values([DEPARTMENT, schema.VERSION], kind="stable").reset_index(drop=True)[
        list(VERSION_COLUMNS)
    ]


def department_names(ws: Reader) -> list[str]:
    """The departments with a layer in the workspace, sorted by name."""
    return sorted(set(department_versions(ws)[DEPARTMENT].astype(str)))


def latest_version(ws: Reader, department: str) -> int:
    """The newest version of ``department`` (0 when it has none)."""
    versions = department_versions(ws)
    mine = versions.loc[versions[DEPARTMENT] == department, schema.VERSION]
    return int(mine.max()) if len(mine) else 0


def _unknown(ws: Reader, department: str, known: list[str]) -> SchemaError:
    if not known:
        return SchemaError(
            f"{ws.name}: no department layer yet (department {department!r}); import one "
            "with: gridmap import WORKSPACE departments FILE --department NAME"
        )
    return SchemaError(f"{ws.name}: no department {department!r}; known: {', '.join(known)}")


def read_departments(
    ws: Reader, department: str | None = None, version: int | None = None
) -> gpd.GeoDataFrame:
    """Department units in EPSG:4326: the newest version of each department by default.

    Parameters
    ----------
    ws
        A workspace or an open transaction.
    department
        Only this department (its name exactly as imported); None: every department.
    version
        This version of ``department`` instead of its newest (needs ``department``).

    Returns
    -------
    geopandas.GeoDataFrame
        :data:`DEPARTMENT_COLUMNS` and the geometry, in stored order; empty (with those
        columns) when the workspace holds no department layer and no department was asked.

    Raises
    ------
    SchemaError
        One line for an unknown department (listing the known ones), a version it does not
        have (listing its versions) or a version without a department.
    """
    versions = department_versions(ws)
    if department is None:
        if version is not None:
            raise SchemaError(f"{ws.name}: a department version needs the department's name")
        if versions.empty:
            return empty_departments()
        newest = versions.groupby(DEPARTMENT, sort=True)[schema.VERSION].max()
        where = " OR ".join(
            f'("{DEPARTMENT}" = {_literal(str(d))} AND "{schema.VERSION}" = {int(v)})'
            for d, v in newest.items()
        )
    else:
        name = str(department).strip()
        mine = versions.loc[versions[DEPARTMENT] == name, schema.VERSION].astype(int).tolist()
        if not mine:
            raise _unknown(ws, name, sorted(set(versions[DEPARTMENT])))
        if version is None:
            version = max(mine)
        elif int(version) not in mine:
            raise SchemaError(
                f"{ws.name}: department {name!r} has no version {version}; "
                f"versions: {', '.join(map(str, mine))}"
            )
        where = f'"{DEPARTMENT}" = {_literal(name)} AND "{schema.VERSION}" = {int(version)}'
    gdf = ws.read_layer(_LAYER, where=where)
    for col in DEPARTMENT_COLUMNS:
        if col not in gdf:
            gdf[col] = None
    out = gdf[[*DEPARTMENT_COLUMNS, gdf.geometry.name]].reset_index(drop=True)
    for col in (DEPARTMENT, DEPARTMENT_CODE, DEPARTMENT_NAME):
        out[col] = out[col].astype(str)
    return out.rename_geometry("geometry") if out.geometry.name != "geometry" else out


def append_department(
    tx: Transaction,
    units: gpd.GeoDataFrame,
    *,
    department: str,
    source_crs: str,
    source_file: str,
) -> int:
    """Store ``units`` as the next version of ``department``; return that version.

    Parameters
    ----------
    tx
        The open transaction the import (or the demo) writes in.
    units
        ``department_code``, ``department_name`` (blank: the code), optional ``households``
        and ``population``, and EPSG:4326 polygons; codes unique and present (the importer
        has checked the file, this checks again because a wrong layer is costly).
    department, source_crs, source_file
        What the rows record about where they came from.
    """
    department = check_department_name(department, source_file)
    if units.crs is None or units.crs.to_epsg() != 4326:
        raise SchemaError(f"{source_file}: department units must be in EPSG:4326")
    codes = units[DEPARTMENT_CODE]
    if codes.isna().any() or codes.astype(str).duplicated().any():
        dup = codes[codes.astype(str).duplicated()].astype(str).head(3).tolist()
        raise SchemaError(
            f"{source_file}: unit codes must be present and unique within a department "
            f"(repeated: {', '.join(dup) or 'a missing code'})"
        )
    version = latest_version(tx, department) + 1
    n = len(units)
    names = (
        units[DEPARTMENT_NAME] if DEPARTMENT_NAME in units else pd.Series(None, index=units.index)
    )
    names = names.where(names.notna() & (names.astype(str).str.strip() != ""), codes)
    frame = pd.DataFrame(
        {
            DEPARTMENT: np.full(n, department, dtype=object),
            DEPARTMENT_CODE: codes.astype(str).to_numpy(dtype=object),
            DEPARTMENT_NAME: names.astype(str).to_numpy(dtype=object),
            schema.VERSION: np.full(n, version, dtype=np.int64),
        }
    )
    for col in (schema.HOUSEHOLDS, schema.POPULATION):
        values = units[col] if col in units else pd.Series(pd.NA, index=units.index)
        frame[col] = pd.array(pd.to_numeric(values, errors="coerce").to_numpy(), dtype="Int64")
    frame[SOURCE_CRS] = np.full(n, str(source_crs), dtype=object)
    frame[IMPORTED_AT] = np.full(n, now(), dtype=object)
    frame[SOURCE_FILE] = np.full(n, str(source_file), dtype=object)
    rows = gpd.GeoDataFrame(frame, geometry=units.geometry.to_numpy(), crs="EPSG:4326")
    tx.write_layer(_LAYER, rows, append=True)
    return version
