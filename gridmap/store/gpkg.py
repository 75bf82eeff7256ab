"""The default workspace: one GeoPackage file that also opens in QGIS.

Layers hold the city (``admin``, ``grids`` with every version, ``units``, ``incidents``,
``cameras``, ``keyareas``); attribute tables hold metadata, grid versions, the import log
and the grid <-> H3 cell table. Attribute tables are registered in ``gpkg_contents`` so
QGIS lists them too.

Writes are copy-on-write by default: a transaction works on a temporary copy next to the
file and replaces the file atomically (``os.replace``) only when everything succeeded. A
failed or killed import therefore leaves the workspace byte-for-byte as it was.

That costs a copy of the whole file per write, which a five-year workspace cannot afford for
a day's incidents. ``transaction(in_place=True)`` writes into the file itself through ONE
sqlite3 connection inside ``BEGIN IMMEDIATE`` ... ``COMMIT``: SQLite's rollback journal
makes it just as all-or-nothing under ``kill -9`` (the next connection rolls the journal
back), at a cost that follows the rows written. GDAL cannot join that connection, so in
place a transaction reads and appends feature rows itself (:mod:`.gpkg_rows`) and refuses
what needs GDAL (replacing a layer, writing polygons).
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
from .gpkg_rows import append_points, feature_count, read_rows, register_geometry_functions
from .migrations import CORE_TABLES

#: How long an in-place writer waits for readers to let go of the file at its commit.
_BUSY_S = 60.0
#: The in-place writer's page cache (KiB): a day's import commits without spilling early.
_CACHE_KIB = 512 * 1024

__all__ = [
    "FORMAT_VERSION",
    "SPATIAL_LAYERS",
    "GpkgInPlaceTransaction",
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

    @contextlib.contextmanager
    def _reading(self) -> Iterator[sqlite3.Connection]:
        with contextlib.closing(self._connect()) as con:
            yield con

    def layer_names(self) -> list[str]:
        if not self.path.exists():
            return []
        with self._reading() as con:
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
        with self._reading() as con:
            return feature_count(con, name)

    def has_table(self, name: str) -> bool:
        if not self.path.exists():
            return False
        with self._reading() as con:
            row = con.execute(
                "SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", (name,)
            ).fetchone()
        return row is not None

    def table_names(self) -> list[str]:
        if not self.path.exists():
            return []
        with self._reading() as con:
            rows = con.execute(
                "SELECT table_name FROM gpkg_contents WHERE data_type = 'attributes'"
            ).fetchall()
        return sorted(str(r[0]) for r in rows if str(r[0]) not in CORE_TABLES)

    def query(self, sql: str, params: Sequence[Any] = ()) -> pd.DataFrame:
        with self._reading() as con:
            return pd.read_sql_query(sql, con, params=list(params))


class GpkgTransaction(_Files, Transaction):
    """Writes of one transaction, applied to a private copy of the workspace file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.name = str(path)

    def _connect(self) -> sqlite3.Connection:
        con = super()._connect()
        # GDAL's rtree triggers call its ST_ functions (an UPDATE of a layer needs them).
        register_geometry_functions(con)
        return con

    @contextlib.contextmanager
    def _writing(self) -> Iterator[sqlite3.Connection]:
        with contextlib.closing(self._connect()) as con:
            yield con
            con.commit()

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
        with self._writing() as con:
            con.execute(f'DROP TABLE IF EXISTS "{name}"')
            frame.to_sql(name, con, index=False)
            _register_attributes(con, name)

    def append_rows(self, table: str, frame: pd.DataFrame) -> None:
        with self._writing() as con:
            insert_frame(con, table, frame)

    def _drop_layer(self, name: str) -> None:
        with self._writing() as con:
            _drop_spatial_table(con, name)

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        with self._writing() as con:
            con.execute(sql, list(params))

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        with self._writing() as con:
            con.executemany(sql, rows)

    def set_meta(self, values: Mapping[str, object]) -> None:
        self.executemany(
            "INSERT OR REPLACE INTO gridmap_meta(key, value) VALUES (?, ?)",
            [(k, meta_value(v)) for k, v in values.items()],
        )


class _HeldConnection(sqlite3.Connection):
    """The one connection of an in-place transaction. pandas commits after writing a table
    (``to_sql``) and rolls back on its own errors, which would end the transaction midway:
    here only the transaction itself ends it, with ``COMMIT`` or ``ROLLBACK`` statements."""

    def commit(self) -> None:
        pass

    def rollback(self) -> None:
        pass


class GpkgInPlaceTransaction(GpkgTransaction):
    """Writes into the workspace file itself, through the transaction's one connection.

    Every read goes through that connection too, so it sees the transaction's own writes;
    layers are read without GDAL (:func:`.gpkg_rows.read_rows`). Points are appended
    without GDAL; replacing a layer or writing other geometries needs GDAL and is refused.
    """

    def __init__(self, path: Path, con: sqlite3.Connection) -> None:
        super().__init__(path)
        self._con = con

    @contextlib.contextmanager
    def _reading(self) -> Iterator[sqlite3.Connection]:
        yield self._con

    @contextlib.contextmanager
    def _writing(self) -> Iterator[sqlite3.Connection]:
        yield self._con

    def _read_stored(
        self, name: str, columns: Sequence[str] | None, where: str | None
    ) -> gpd.GeoDataFrame:
        return whole_counts(read_rows(self._con, name, columns, where))

    def _needs_gdal(self, what: str) -> WorkspaceError:
        return WorkspaceError(
            f"{self.path}: {what} needs a copy-on-write transaction (in place, only points "
            "are appended and rows updated or deleted)"
        )

    def write_layer(self, name: str, gdf: gpd.GeoDataFrame, *, append: bool = False) -> None:
        check_layer(name, gdf)
        if not (append and self.has_layer(name)):
            raise self._needs_gdal(f"writing the whole layer {name}")
        geoms = gdf.geometry
        if (geoms.notna() & ~geoms.is_empty & (geoms.geom_type != "Point")).any():
            raise self._needs_gdal(f"writing non-point geometries to layer {name}")
        append_points(self._con, name, gdf)

    def _drop_layer(self, name: str) -> None:
        raise self._needs_gdal(f"dropping layer {name}")


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
        _migrate_on(con, str(path))
        con.commit()


def _migrate_on(con: sqlite3.Connection, name: str) -> None:
    """Apply pending migrations through ``con`` (the caller commits)."""
    applied: list[int] = []
    with contextlib.suppress(sqlite3.OperationalError):  # no table before migration 1
        applied = [int(r[0]) for r in con.execute("SELECT version FROM schema_migrations")]

    def execute(sql: str, params: Sequence[Any]) -> None:
        con.execute(sql, list(params))

    migrations.apply(execute, applied, "sqlite", name, now())
    for table in CORE_TABLES:
        _register_attributes(con, table)


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
    def transaction(self, *, in_place: bool = False) -> Iterator[GpkgTransaction]:
        """Copy-on-write transaction; the file is replaced only if the block succeeds.

        ``in_place`` writes into the file under SQLite's rollback journal instead (see the
        module docstring); a workspace not yet created is always made copy-on-write.
        """
        self.path.parent.mkdir(parents=True, exist_ok=True)
        lock_path = self.path.with_name(f".{self.path.name}.lock")
        with open(lock_path, "a+") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            self._cleanup_stale()
            if in_place and self.path.exists():
                self.check()
                with self._in_place() as held:
                    yield held
                return
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

    @contextlib.contextmanager
    def _in_place(self) -> Iterator[GpkgInPlaceTransaction]:
        """One connection, ``BEGIN IMMEDIATE`` (other writers wait, readers go on reading the
        last commit), ``COMMIT`` only if the block succeeds."""
        con = sqlite3.connect(
            self.path, timeout=_BUSY_S, isolation_level=None, factory=_HeldConnection
        )
        try:
            con.row_factory = sqlite3.Row
            # Pages stay in memory until the commit (a spill would lock readers out early).
            con.execute(f"PRAGMA cache_size = -{_CACHE_KIB}")
            register_geometry_functions(con)
            con.execute("BEGIN IMMEDIATE")
            try:
                _migrate_on(con, str(self.path))
                tx = GpkgInPlaceTransaction(self.path, con)
                yield tx
                tx.set_meta({"updated_at": now()})
                con.execute("COMMIT")
            except BaseException:
                if con.in_transaction:
                    con.execute("ROLLBACK")
                raise
            forget_stamp(self.location)
        finally:
            con.close()


def pid_alive(pid: int) -> bool:
    """Whether a process runs (used to tell a live writer's temporary file from a dead one's)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
