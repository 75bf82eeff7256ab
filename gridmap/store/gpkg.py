"""The default workspace: one GeoPackage file that also opens in QGIS.

Layers hold the city (``admin``, ``grids`` with every version, ``units``, ``incidents``,
``cameras``, ``keyareas``); attribute tables hold metadata, grid versions, the import log
and the grid <-> H3 cell table. Attribute tables are registered in ``gpkg_contents`` so
QGIS lists them too.

Writes are copy-on-write: a transaction works on a temporary copy next to the file and
replaces the file atomically (``os.replace``) only when everything succeeded. A failed or
killed import therefore leaves the workspace byte-for-byte as it was.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyogrio

from ..errors import WorkspaceError
from . import migrations
from .base import (
    FORMAT_VERSION,
    SPATIAL_LAYERS,
    GridVersion,
    Reader,
    Transaction,
    Workspace,
    check_layer,
    check_table_name,
    forget_stamp,
    meta_value,
    new_workspace_meta,
    now,
    open_workspace,
    whole_counts,
)
from .migrations import CORE_TABLES

__all__ = [
    "FORMAT_VERSION",
    "SPATIAL_LAYERS",
    "GpkgTransaction",
    "GpkgWorkspace",
    "GridVersion",
    "Workspace",
    "open_workspace",
    "pid_alive",
]


class _Files(Reader):
    """Read access shared by a workspace and a transaction: everything reads ``self.path``."""

    path: Path

    def _connect(self) -> sqlite3.Connection:
        con = sqlite3.connect(self.path)
        con.row_factory = sqlite3.Row
        return con

    def layer_names(self) -> list[str]:
        if not self.path.exists():
            return []
        with contextlib.closing(self._connect()) as con:
            rows = con.execute(
                "SELECT table_name FROM gpkg_contents WHERE data_type = 'features'"
            ).fetchall()
        return [str(r[0]) for r in rows if r[0] in SPATIAL_LAYERS]

    def _read_stored(
        self, name: str, columns: Sequence[str] | None, where: str | None
    ) -> gpd.GeoDataFrame:
        gdf = pyogrio.read_dataframe(
            self.path,
            layer=name,
            columns=list(columns) if columns is not None else None,
            where=where,
            use_arrow=True,
            fid_as_index=False,
        )
        if gdf.crs is None:
            gdf = gdf.set_crs("EPSG:4326")
        return whole_counts(gdf)

    def layer_count(self, name: str) -> int:
        if not self.has_layer(name):
            return 0
        with contextlib.closing(self._connect()) as con:
            return int(con.execute(f'SELECT COUNT(*) FROM "{name}"').fetchone()[0])

    def has_table(self, name: str) -> bool:
        if not self.path.exists():
            return False
        with contextlib.closing(self._connect()) as con:
            row = con.execute(
                "SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", (name,)
            ).fetchone()
        return row is not None

    def table_names(self) -> list[str]:
        if not self.path.exists():
            return []
        with contextlib.closing(self._connect()) as con:
            rows = con.execute(
                "SELECT table_name FROM gpkg_contents WHERE data_type = 'attributes'"
            ).fetchall()
        return sorted(str(r[0]) for r in rows if str(r[0]) not in CORE_TABLES)

    def query(self, sql: str, params: Sequence[Any] = ()) -> pd.DataFrame:
        with contextlib.closing(self._connect()) as con:
            return pd.read_sql_query(sql, con, params=list(params))


class GpkgTransaction(_Files, Transaction):
    """Writes of one transaction, applied to a private copy of the workspace file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.name = str(path)

    def write_layer(self, name: str, gdf: gpd.GeoDataFrame, *, append: bool = False) -> None:
        check_layer(name, gdf)
        exists = self.has_layer(name)
        if not append and exists:
            self._drop_layer(name)
        if len(gdf) == 0 and (append and exists):
            return
        # A new polygon layer is declared as any geometry: a later version may bring a
        # MultiPolygon (merged parts, a redraw) into a layer whose first rows were Polygons,
        # which GeoPackage's declared type would otherwise forbid.
        polygonal = gdf.geom_type.isin(("Polygon", "MultiPolygon")).any()
        declared = {"geometry_type": "Unknown"} if polygonal and not (append and exists) else {}
        pyogrio.write_dataframe(
            gdf,
            self.path,
            layer=name,
            driver="GPKG",
            append=append and exists,
            use_arrow=True,
            promote_to_multi=False,
            SPATIAL_INDEX="YES",
            **declared,
        )

    def write_table(self, name: str, frame: pd.DataFrame) -> None:
        """Columns keep their kind: integers, floats, booleans (as 0/1), text; datetimes are
        stored as ISO text, as GeoPackage does."""
        check_table_name(name)
        with contextlib.closing(self._connect()) as con:
            con.execute(f'DROP TABLE IF EXISTS "{name}"')
            frame.to_sql(name, con, index=False)
            _register_attributes(con, name)
            con.commit()

    def append_rows(self, table: str, frame: pd.DataFrame) -> None:
        with contextlib.closing(self._connect()) as con:
            insert_frame(con, table, frame)
            con.commit()

    def _drop_layer(self, name: str) -> None:
        with contextlib.closing(self._connect()) as con:
            _drop_spatial_table(con, name)
            con.commit()

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        with contextlib.closing(self._connect()) as con:
            con.execute(sql, list(params))
            con.commit()

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        with contextlib.closing(self._connect()) as con:
            con.executemany(sql, rows)
            con.commit()

    def set_meta(self, values: Mapping[str, object]) -> None:
        self.executemany(
            "INSERT OR REPLACE INTO gridmap_meta(key, value) VALUES (?, ?)",
            [(k, meta_value(v)) for k, v in values.items()],
        )


def insert_frame(con: sqlite3.Connection, table: str, frame: pd.DataFrame) -> None:
    """Insert a frame's rows into a SQLite table with the same column names (missing values
    as NULL, numpy scalars as Python ones)."""
    if not len(frame):
        return
    cols = ", ".join(f'"{c}"' for c in frame.columns)
    marks = ", ".join("?" for _ in frame.columns)
    values = frame.astype(object).where(frame.notna(), None)
    rows = zip(*(values[c].tolist() for c in values.columns), strict=True)
    con.executemany(f'INSERT INTO "{table}"({cols}) VALUES ({marks})', rows)


def _register_attributes(con: sqlite3.Connection, table: str) -> None:
    """List an attribute table in ``gpkg_contents`` so QGIS shows it."""
    con.execute(
        "INSERT OR IGNORE INTO gpkg_contents(table_name, data_type, identifier, last_change) "
        "VALUES (?, 'attributes', ?, strftime('%Y-%m-%dT%H:%M:%fZ','now'))",
        (table, table),
    )


def _migrate(path: Path) -> None:
    with contextlib.closing(sqlite3.connect(path)) as con:
        applied: list[int] = []
        with contextlib.suppress(sqlite3.OperationalError):  # no table before migration 1
            applied = [int(r[0]) for r in con.execute("SELECT version FROM schema_migrations")]

        def execute(sql: str, params: Sequence[Any]) -> None:
            con.execute(sql, list(params))

        migrations.apply(execute, applied, "sqlite", str(path), now())
        for table in CORE_TABLES:
            _register_attributes(con, table)
        con.commit()


def _drop_spatial_table(con: sqlite3.Connection, name: str) -> None:
    """Drop a GeoPackage feature table with its rtree, triggers and registry rows."""
    con.execute("PRAGMA foreign_keys=OFF")
    con.execute(f'DROP TABLE IF EXISTS "rtree_{name}_geom"')
    con.execute(f'DROP TABLE IF EXISTS "{name}"')
    for registry in ("gpkg_geometry_columns", "gpkg_contents", "gpkg_extensions"):
        with contextlib.suppress(sqlite3.OperationalError):  # gpkg_extensions may not exist
            con.execute(f"DELETE FROM {registry} WHERE table_name = ?", (name,))
    triggers = con.execute(
        "SELECT name FROM sqlite_master WHERE type='trigger' AND tbl_name=?", (name,)
    ).fetchall()
    for (trig,) in triggers:
        con.execute(f'DROP TRIGGER IF EXISTS "{trig}"')


def _create_empty_gpkg(path: Path) -> None:
    # Let GDAL write a valid, empty GeoPackage (application id, gpkg_* tables).
    empty = gpd.GeoDataFrame({"code": pd.Series([], dtype=str)}, geometry=[], crs="EPSG:4326")
    pyogrio.write_dataframe(empty, path, layer="_init", driver="GPKG")
    with contextlib.closing(sqlite3.connect(path)) as con:
        _drop_spatial_table(con, "_init")
        con.commit()


class GpkgWorkspace(_Files, Workspace):
    """A GeoPackage workspace. Reads go to the file; writes go through :meth:`transaction`."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.location = str(path)
        self.name = str(path)

    def stamp(self) -> float:
        return self.path.stat().st_mtime if self.path.exists() else 0.0

    @property
    def exists(self) -> bool:
        return self.path.exists()

    def check(self) -> None:
        """Raise :class:`WorkspaceError` unless the file is a gridmap workspace."""
        if not self.path.exists():
            raise WorkspaceError(
                f"{self.path}: workspace not found (import something to create it)"
            )
        try:
            meta = self.meta()
        except sqlite3.DatabaseError:
            raise WorkspaceError(f"{self.path}: not a GeoPackage / SQLite file") from None
        if meta.get("format") != "gridmap":
            raise WorkspaceError(f"{self.path}: not a gridmap workspace (no gridmap_meta table)")

    def _cleanup_stale(self) -> None:
        for tmp in self.path.parent.glob(f".{self.path.name}.*.tmp.gpkg"):
            pid = tmp.name.rsplit(".", 3)[-3]
            alive = pid.isdigit() and pid_alive(int(pid))
            if not alive:
                with contextlib.suppress(OSError):
                    tmp.unlink()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[GpkgTransaction]:
        """Copy-on-write transaction; the file is replaced only if the block succeeds."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        lock_path = self.path.with_name(f".{self.path.name}.lock")
        with open(lock_path, "a+") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            self._cleanup_stale()
            # The temporary copy keeps the .gpkg extension GDAL expects of a GeoPackage.
            tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp.gpkg")
            try:
                if self.path.exists():
                    self.check()
                    shutil.copyfile(self.path, tmp)
                else:
                    _create_empty_gpkg(tmp)
                _migrate(tmp)
                tx = GpkgTransaction(tmp)
                if not self.path.exists():
                    tx.set_meta(new_workspace_meta())
                yield tx
                tx.set_meta({"updated_at": now()})
                with open(tmp, "rb+") as fh:
                    os.fsync(fh.fileno())
                os.replace(tmp, self.path)
                forget_stamp(self.location)
            finally:
                with contextlib.suppress(FileNotFoundError):
                    tmp.unlink()


def pid_alive(pid: int) -> bool:
    """Whether a process runs (used to tell a live writer's temporary file from a dead one's)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
