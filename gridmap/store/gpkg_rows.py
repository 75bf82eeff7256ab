"""GeoPackage feature rows through sqlite3 alone, for writes that must not call GDAL.

An in-place transaction (:meth:`.gpkg.GpkgWorkspace.transaction`) holds ONE sqlite3
connection, and everything it reads must see what it has written, which a second (GDAL)
connection would not. So this module reads and appends feature rows itself:

- geometry blobs as GeoPackage 1.2 defines them (§2.1.3): ``'GP'``, version 0, a flags byte
  (bit 0 little-endian, bits 1-3 the envelope kind, bit 4 empty), the srs_id, the envelope,
  then ISO WKB. Points are written as GDAL writes them (flags 0x01, no envelope: a point is
  its own envelope), empty points as flags 0x11 with NaN coordinates, a missing geometry as
  NULL, so GDAL, QGIS and pyogrio read back the same bytes GDAL itself would have stored.
- the rtree triggers GDAL created call ``ST_IsEmpty`` and ``ST_MinX``... (they live in
  GDAL's SQLite extension): :func:`register_geometry_functions` provides them.
- attribute values as GDAL stores them: DATETIME as ISO text with milliseconds when there
  are any (``2024-05-01T10:00:00``, ``2024-05-01T10:00:00.250``), missing values as NULL.
"""

from __future__ import annotations

import contextlib
import sqlite3
import struct
from collections.abc import Callable, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..errors import WorkspaceError

__all__ = [
    "append_points",
    "blob_geometries",
    "feature_count",
    "point_blobs",
    "read_rows",
    "register_geometry_functions",
]

#: Envelope bytes by the envelope-kind bits of the flags byte (none, xy, xyz, xym, xyzm).
_ENVELOPE_BYTES = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}
_POINT_FLAGS = 0x01  # little-endian, no envelope
_EMPTY_FLAGS = 0x11  # little-endian, no envelope, empty
_INTEGER_TYPES = ("INTEGER", "INT", "MEDIUMINT", "SMALLINT", "TINYINT")
_REAL_TYPES = ("REAL", "FLOAT", "DOUBLE")


def _header(flags: int, srs_id: int) -> bytes:
    return b"GP\x00" + bytes([flags]) + struct.pack("<i", srs_id)


def point_blobs(geoms: np.ndarray, srs_id: int = 4326) -> list[bytes | None]:
    """GeoPackage blobs of points (``None`` stays NULL); anything but points is refused."""
    geoms = np.asarray(geoms, dtype=object)
    missing = shapely.is_missing(geoms)
    kinds = shapely.get_type_id(geoms)
    if ((kinds != 0) & ~missing).any():
        raise WorkspaceError("only points are written in place; other geometries need GDAL")
    empty = shapely.is_empty(geoms) & ~missing
    wkb = shapely.to_wkb(geoms, byte_order=1, flavor="iso", output_dimension=2)
    full, hollow = _header(_POINT_FLAGS, srs_id), _header(_EMPTY_FLAGS, srs_id)
    return [
        None if w is None else (hollow if e else full) + w
        for w, e in zip(wkb.tolist(), empty.tolist(), strict=True)
    ]


def _wkb_start(blob: bytes) -> int:
    return 8 + _ENVELOPE_BYTES.get((blob[3] >> 1) & 0x07, 0)


def blob_geometries(blobs: Sequence[bytes | None]) -> np.ndarray:
    """Shapely geometries of GeoPackage blobs (NULL -> None)."""
    wkb = [None if b is None else b[_wkb_start(b) :] for b in blobs]
    return np.asarray(shapely.from_wkb(np.asarray(wkb, dtype=object)), dtype=object)


def _bounds(blob: bytes | None) -> tuple[float, float, float, float] | None:
    """minx, maxx, miny, maxy of a blob (``None`` for NULL or empty)."""
    if blob is None or blob[3] & 0x10:
        return None
    kind = (blob[3] >> 1) & 0x07
    order = "<" if blob[3] & 0x01 else ">"
    if kind:
        minx, maxx, miny, maxy = struct.unpack_from(order + "4d", blob, 8)
        return minx, maxx, miny, maxy
    start = _wkb_start(blob)
    wkb_order = "<" if blob[start] == 1 else ">"
    if struct.unpack_from(wkb_order + "I", blob, start + 1)[0] == 1:  # a 2-D point
        x, y = struct.unpack_from(wkb_order + "2d", blob, start + 5)
        return None if np.isnan(x) else (x, x, y, y)
    geom = shapely.from_wkb(bytes(blob[start:]))
    if geom.is_empty:
        return None
    x0, y0, x1, y1 = geom.bounds
    return x0, x1, y0, y1


def register_geometry_functions(con: sqlite3.Connection) -> None:
    """The SQL functions GDAL's rtree triggers call, on a plain sqlite3 connection."""

    def is_empty(blob: bytes | None) -> int | None:
        return None if blob is None else int(_bounds(blob) is None)

    def bound(i: int) -> Callable[[bytes | None], float | None]:
        def get(blob: bytes | None) -> float | None:
            b = _bounds(blob)
            return None if b is None else b[i]

        return get

    con.create_function("ST_IsEmpty", 1, is_empty, deterministic=True)
    for i, name in enumerate(("ST_MinX", "ST_MaxX", "ST_MinY", "ST_MaxY")):
        con.create_function(name, 1, bound(i), deterministic=True)


def _columns(con: sqlite3.Connection, table: str) -> list[tuple[str, str, bool]]:
    """(name, declared type, is the primary key) of each column, in table order."""
    rows = con.execute(f'PRAGMA table_info("{table}")').fetchall()
    return [(str(r[1]), str(r[2]).upper(), bool(r[5])) for r in rows]


def _geometry_column(con: sqlite3.Connection, table: str) -> str:
    row = con.execute(
        "SELECT column_name FROM gpkg_geometry_columns WHERE table_name = ?", (table,)
    ).fetchone()
    if row is None:
        raise WorkspaceError(f"layer {table}: not a GeoPackage feature table")
    return str(row[0])


def _typed(values: pd.Series, declared: str) -> pd.Series:
    """A column as pyogrio returns it for the declared GeoPackage type."""
    base = declared.split("(")[0].strip()
    if base in ("DATETIME", "DATE"):
        return pd.to_datetime(values, format="ISO8601").astype("datetime64[ms]")
    if base in _INTEGER_TYPES:
        numbers = pd.to_numeric(values)
        return numbers.astype("int64") if numbers.notna().all() else numbers.astype("float64")
    if base == "BOOLEAN":
        return values.astype(bool) if values.notna().all() else values.astype(object)
    if base in _REAL_TYPES:
        return pd.to_numeric(values).astype("float64")
    return values.astype("str")


def read_rows(
    con: sqlite3.Connection, table: str, columns: Sequence[str] | None, where: str | None
) -> gpd.GeoDataFrame:
    """A feature table's rows in stored order, typed as pyogrio reads them."""
    geom = _geometry_column(con, table)
    stored = [(c, t) for c, t, pk in _columns(con, table) if not pk and c != geom]
    if columns is not None:
        wanted = set(columns)
        stored = [(c, t) for c, t in stored if c in wanted]
    select = ", ".join([*(f'"{c}"' for c, _ in stored), f'"{geom}"'])
    sql = f'SELECT {select} FROM "{table}"' + (f" WHERE {where}" if where else "")
    rows = con.execute(sql + " ORDER BY rowid").fetchall()
    data = {c: pd.Series([r[i] for r in rows], dtype=object) for i, (c, _) in enumerate(stored)}
    frame = pd.DataFrame({c: _typed(data[c], t) for c, t in stored}, index=range(len(rows)))
    geometry = blob_geometries([r[len(stored)] for r in rows])
    return gpd.GeoDataFrame(frame, geometry=geometry, crs="EPSG:4326")


def _gpkg_type(series: pd.Series) -> str:
    """The column type GDAL declares for a new field of this dtype."""
    if pd.api.types.is_bool_dtype(series.dtype):
        return "BOOLEAN"
    if pd.api.types.is_integer_dtype(series.dtype):
        return "INTEGER"
    if pd.api.types.is_float_dtype(series.dtype):
        return "REAL"
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        return "DATETIME"
    return "TEXT"


def _values(series: pd.Series) -> list[object]:
    """A column's values as sqlite3 binds them the way GDAL stores them."""
    if isinstance(series.dtype, pd.DatetimeTZDtype):
        raise WorkspaceError(f"column {series.name}: times with a zone are not written in place")
    if pd.api.types.is_datetime64_dtype(series.dtype):
        ts = series.dt.round("ms")
        text = ts.dt.strftime("%Y-%m-%dT%H:%M:%S").to_numpy(dtype=object)
        ms = (ts.dt.microsecond // 1000).fillna(0).astype("int64").to_numpy()
        frac = np.char.zfill(ms.astype("U3"), 3)
        text = np.where(ms > 0, text.astype(str) + "." + frac, text)
        return [None if m else v for v, m in zip(text.tolist(), ts.isna().tolist(), strict=True)]
    values = series.astype(object).where(series.notna(), None)
    return values.tolist()


def append_points(con: sqlite3.Connection, table: str, gdf: gpd.GeoDataFrame) -> None:
    """Append point rows to a GeoPackage feature table (columns it lacks are added, as GDAL
    adds them on append); the rtree follows through GDAL's triggers, the layer's extent and
    feature count in the GeoPackage registry follow here."""
    if not len(gdf):
        return
    geom = _geometry_column(con, table)
    have = {c for c, _, _ in _columns(con, table)}
    attrs = pd.DataFrame(gdf.drop(columns=gdf.geometry.name))
    for col in attrs.columns:
        if col not in have:
            con.execute(f'ALTER TABLE "{table}" ADD COLUMN "{col}" {_gpkg_type(attrs[col])}')
    blobs = point_blobs(gdf.geometry.values)
    names = [*map(str, attrs.columns), geom]
    cols = ", ".join(f'"{c}"' for c in names)
    marks = ", ".join("?" for _ in names)
    values = [_values(attrs[c]) for c in attrs.columns]
    con.executemany(
        f'INSERT INTO "{table}"({cols}) VALUES ({marks})', zip(*values, blobs, strict=True)
    )
    located = gdf.geometry[~(gdf.geometry.isna() | gdf.geometry.is_empty)]
    if len(located):
        x0, y0, x1, y1 = (float(v) for v in located.total_bounds)
        con.execute(
            "UPDATE gpkg_contents SET min_x = MIN(COALESCE(min_x, ?), ?), "
            "min_y = MIN(COALESCE(min_y, ?), ?), max_x = MAX(COALESCE(max_x, ?), ?), "
            "max_y = MAX(COALESCE(max_y, ?), ?) WHERE table_name = ?",
            (x0, x0, y0, y0, x1, x1, y1, y1, table),
        )
    touch_layer(con, table)


def touch_layer(con: sqlite3.Connection, table: str) -> None:
    """Record a change of a feature table as GDAL does: ``last_change``, and the feature
    count where no trigger keeps it (GDAL drops those triggers in some versions)."""
    con.execute(
        "UPDATE gpkg_contents SET last_change = strftime('%Y-%m-%dT%H:%M:%fZ','now') "
        "WHERE table_name = ?",
        (table,),
    )
    counted = con.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'trigger' AND name = ?",
        (f"trigger_insert_feature_count_{table}",),
    ).fetchone()
    if counted is None:
        # A GeoPackage without GDAL's own table has no count to keep.
        with contextlib.suppress(sqlite3.OperationalError):
            con.execute(
                f'UPDATE gpkg_ogr_contents SET feature_count = (SELECT COUNT(*) FROM "{table}") '
                "WHERE lower(table_name) = lower(?)",
                (table,),
            )


def feature_count(con: sqlite3.Connection, table: str) -> int:
    """Rows of a feature table: GDAL's kept count when its triggers keep it (a count of a
    ten-million-row layer takes a second), else counted."""
    triggers = (f"trigger_insert_feature_count_{table}", f"trigger_delete_feature_count_{table}")
    kept = None
    if _has_table(con, "gpkg_ogr_contents"):
        kept = con.execute(
            "SELECT feature_count FROM gpkg_ogr_contents WHERE lower(table_name) = lower(?) "
            "AND (SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger' "
            "AND name IN (?, ?)) = 2",
            (table, *triggers),
        ).fetchone()
    if kept is not None and kept[0] is not None:
        return int(kept[0])
    return int(con.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0])


def _has_table(con: sqlite3.Connection, name: str) -> bool:
    row = con.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,))
    return row.fetchone() is not None
