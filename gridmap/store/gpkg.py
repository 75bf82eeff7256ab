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
import datetime as dt
import fcntl
import json
import logging
import os
import shutil
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyogrio

from ..errors import WorkspaceError

__all__ = ["FORMAT_VERSION", "GridVersion", "Workspace", "open_workspace"]

log = logging.getLogger(__name__)

FORMAT_VERSION = "1"
INT_COLUMNS = frozenset({"households", "population", "version"})
SPATIAL_LAYERS = ("admin", "grids", "units", "incidents", "cameras", "keyareas")

_TABLES_SQL = {
    "gridmap_meta": "CREATE TABLE IF NOT EXISTS gridmap_meta (key TEXT PRIMARY KEY, value TEXT)",
    "grid_versions": (
        "CREATE TABLE IF NOT EXISTS grid_versions (version INTEGER PRIMARY KEY, status TEXT NOT "
        "NULL, created_at TEXT NOT NULL, effective_date TEXT, source TEXT, note TEXT, "
        "author TEXT, n_grids INTEGER)"
    ),
    "import_log": (
        "CREATE TABLE IF NOT EXISTS import_log (id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT "
        "NOT NULL, user TEXT, kind TEXT NOT NULL, file TEXT NOT NULL, crs TEXT, rows_read "
        "INTEGER, imported INTEGER, rejected INTEGER, unclassified INTEGER, repaired INTEGER, "
        "rejects_file TEXT, version INTEGER, note TEXT)"
    ),
    # Which communities each saved draft changed: the base of the edit-conflict check.
    "draft_scopes": (
        "CREATE TABLE IF NOT EXISTS draft_scopes (version INTEGER NOT NULL, community TEXT NOT "
        "NULL)"
    ),
    "grid_cells": (
        "CREATE TABLE IF NOT EXISTS grid_cells (version INTEGER NOT NULL, grid_code TEXT NOT "
        "NULL, cell INTEGER NOT NULL, res INTEGER NOT NULL)"
    ),
}
_INDEX_SQL = ("CREATE INDEX IF NOT EXISTS grid_cells_version ON grid_cells(version, grid_code)",)


@dataclass(frozen=True)
class GridVersion:
    version: int
    status: str  # draft | published | archived
    created_at: str
    effective_date: str | None
    source: str | None
    note: str | None
    author: str | None
    n_grids: int | None


def _now() -> str:
    return dt.datetime.now().replace(microsecond=0).isoformat(sep=" ")


class _Files:
    """Read access shared by a workspace and a transaction: everything reads ``self.path``."""

    path: Path

    def _connect(self) -> sqlite3.Connection:
        con = sqlite3.connect(self.path)
        con.row_factory = sqlite3.Row
        return con

    def layer_names(self) -> list[str]:
        if not self.path.exists():
            return []
        return [str(n) for n, _ in pyogrio.list_layers(self.path)]

    def has_layer(self, name: str) -> bool:
        return name in self.layer_names()

    def read_layer(
        self,
        name: str,
        *,
        columns: Sequence[str] | None = None,
        where: str | None = None,
    ) -> gpd.GeoDataFrame:
        """Read a spatial layer (EPSG:4326); an absent layer gives an empty frame."""
        if not self.has_layer(name):
            return gpd.GeoDataFrame({"geometry": []}, geometry="geometry", crs="EPSG:4326")
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
        # GeoPackage integers with nulls come back as float; counts stay whole numbers.
        for col in INT_COLUMNS.intersection(gdf.columns):
            if not pd.api.types.is_integer_dtype(gdf[col]):
                gdf[col] = gdf[col].round().astype("Int64")
        return gdf

    def layer_count(self, name: str) -> int:
        if not self.has_layer(name):
            return 0
        with contextlib.closing(self._connect()) as con:
            return int(con.execute(f'SELECT COUNT(*) FROM "{name}"').fetchone()[0])

    def query(self, sql: str, params: Sequence[Any] = ()) -> pd.DataFrame:
        with contextlib.closing(self._connect()) as con:
            return pd.read_sql_query(sql, con, params=list(params))

    def meta(self) -> dict[str, str]:
        with contextlib.closing(self._connect()) as con:
            try:
                rows = con.execute("SELECT key, value FROM gridmap_meta").fetchall()
            except sqlite3.OperationalError:
                return {}
        return {r["key"]: r["value"] for r in rows}

    def grid_versions(self) -> list[GridVersion]:
        with contextlib.closing(self._connect()) as con:
            rows = con.execute("SELECT * FROM grid_versions ORDER BY version").fetchall()
        return [GridVersion(**dict(r)) for r in rows]

    def published_version(self) -> int | None:
        """The version in force: the newest published one."""
        published = [v.version for v in self.grid_versions() if v.status == "published"]
        return max(published) if published else None

    def read_grids(self, version: int | None = None) -> gpd.GeoDataFrame:
        """Grids of one version (default: the published one; else the newest draft)."""
        if version is None:
            version = self.published_version()
        if version is None:
            versions = self.grid_versions()
            version = versions[-1].version if versions else None
        if version is None:
            return self.read_layer("grids")
        return self.read_layer("grids", where=f"version = {int(version)}")

    def has_table(self, name: str) -> bool:
        """Whether an attribute table (not a layer) exists."""
        if not self.path.exists():
            return False
        with contextlib.closing(self._connect()) as con:
            row = con.execute(
                "SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", (name,)
            ).fetchone()
        return row is not None

    def read_table(self, name: str) -> pd.DataFrame:
        """An attribute table written by :meth:`Transaction.write_table` (empty if absent)."""
        _check_table_name(name)
        if not self.has_table(name):
            return pd.DataFrame()
        return self.query(f'SELECT * FROM "{name}"')

    def import_log(self) -> pd.DataFrame:
        return self.query("SELECT * FROM import_log ORDER BY id")

    def latest_version(self) -> int:
        """The newest grid version number (0 without any); versions only ever grow."""
        versions = self.grid_versions()
        return max((v.version for v in versions), default=0)


class Transaction(_Files):
    """Writes of one transaction, applied to a private copy of the workspace file."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def write_layer(self, name: str, gdf: gpd.GeoDataFrame, *, append: bool = False) -> None:
        if name not in SPATIAL_LAYERS:
            raise WorkspaceError(f"unknown layer {name!r}; allowed: {', '.join(SPATIAL_LAYERS)}")
        if gdf.crs is None or gdf.crs.to_epsg() != 4326:
            raise WorkspaceError(f"layer {name}: workspace layers are stored in EPSG:4326")
        exists = self.has_layer(name)
        if not append and exists:
            self._drop_layer(name)
        if len(gdf) == 0 and (append and exists):
            return
        pyogrio.write_dataframe(
            gdf,
            self.path,
            layer=name,
            driver="GPKG",
            append=append and exists,
            use_arrow=True,
            promote_to_multi=False,
            SPATIAL_INDEX="YES",
        )

    def write_table(self, name: str, frame: pd.DataFrame) -> None:
        """Replace an attribute table (aggregates, lookups) with ``frame``.

        Columns keep their kind: integers, floats, booleans (as 0/1), text; datetimes are
        stored as ISO text, as GeoPackage does.
        """
        _check_table_name(name)
        with contextlib.closing(self._connect()) as con:
            con.execute(f'DROP TABLE IF EXISTS "{name}"')
            frame.to_sql(name, con, index=False)
            con.execute(
                "INSERT OR IGNORE INTO gpkg_contents(table_name, data_type, identifier, "
                "last_change) VALUES (?, 'attributes', ?, "
                "strftime('%Y-%m-%dT%H:%M:%fZ','now'))",
                (name, name),
            )
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
            [(k, v if isinstance(v, str) else json.dumps(v)) for k, v in values.items()],
        )

    def add_grid_version(
        self,
        *,
        status: str,
        source: str | None,
        effective_date: str | None,
        note: str | None = None,
        author: str | None = None,
        n_grids: int | None = None,
    ) -> int:
        with contextlib.closing(self._connect()) as con:
            row = con.execute("SELECT COALESCE(MAX(version), 0) + 1 FROM grid_versions").fetchone()
            version = int(row[0])
            if status == "published":
                con.execute("UPDATE grid_versions SET status='archived' WHERE status='published'")
            con.execute(
                "INSERT INTO grid_versions(version, status, created_at, effective_date, source, "
                "note, author, n_grids) VALUES (?,?,?,?,?,?,?,?)",
                (version, status, _now(), effective_date, source, note, author, n_grids),
            )
            con.commit()
        return version

    def publish_version(self, version: int, effective_date: str) -> None:
        """Put a stored version in force from ``effective_date`` (YYYY-MM-DD).

        The previously published version becomes ``archived`` and stays readable. Only
        the ``grid_versions`` table changes here (the grid rows' own ``effective_date``
        column is a feature-table column, rewritten by the caller through GDAL: the
        GeoPackage R-tree triggers need GDAL's SQL functions).
        """
        with contextlib.closing(self._connect()) as con:
            row = con.execute(
                "SELECT status FROM grid_versions WHERE version = ?", (int(version),)
            ).fetchone()
            if row is None:
                raise WorkspaceError(f"grid version {version}: not in the workspace")
            con.execute("UPDATE grid_versions SET status='archived' WHERE status='published'")
            con.execute(
                "UPDATE grid_versions SET status='published', effective_date=? WHERE version=?",
                (effective_date, int(version)),
            )
            con.commit()

    def log_import(self, **fields: object) -> None:
        fields = {"at": _now(), **fields}
        cols = ", ".join(fields)
        marks = ", ".join("?" for _ in fields)
        self.execute(f"INSERT INTO import_log({cols}) VALUES ({marks})", list(fields.values()))

    def saves_since(self, communities: Sequence[str], since: int) -> pd.DataFrame:
        """Drafts newer than version ``since`` that changed any of ``communities``:
        ``version``, ``author``, ``created_at``, ``community``."""
        if not communities:
            return pd.DataFrame(columns=["version", "author", "created_at", "community"])
        marks = ", ".join("?" for _ in communities)
        return self.query(
            "SELECT v.version, v.author, v.created_at, s.community FROM grid_versions v "
            f"JOIN draft_scopes s ON s.version = v.version WHERE s.community IN ({marks}) "
            "AND v.version > ? ORDER BY v.version",
            [*map(str, communities), int(since)],
        )

    def record_scopes(self, version: int, communities: Sequence[str]) -> None:
        """Remember which communities a draft changed (see :meth:`saves_since`)."""
        self.executemany(
            "INSERT INTO draft_scopes(version, community) VALUES (?, ?)",
            [(int(version), str(c)) for c in communities],
        )

    def replace_grid_cells(self, version: int, rows: pd.DataFrame, res: int) -> None:
        """Store the grid <-> cell table of one version (columns grid_code, cell)."""
        with contextlib.closing(self._connect()) as con:
            con.execute("DELETE FROM grid_cells WHERE version = ?", (version,))
            con.executemany(
                "INSERT INTO grid_cells(version, grid_code, cell, res) VALUES (?,?,?,?)",
                zip(
                    [version] * len(rows),
                    rows["grid_code"].astype(str),
                    rows["cell"].astype("int64").tolist(),
                    [res] * len(rows),
                    strict=True,
                ),
            )
            con.commit()


def _check_table_name(name: str) -> None:
    """Attribute-table names are plain identifiers and never a layer or a gridmap table."""
    if not name.isidentifier() or not name.isascii() or name.lower() in {
        *SPATIAL_LAYERS,
        *_TABLES_SQL,
    }:
        raise WorkspaceError(
            f"table name {name!r}: use letters, digits and _ (not a layer or a gridmap table)"
        )


def _init_tables(path: Path) -> None:
    with contextlib.closing(sqlite3.connect(path)) as con:
        for sql in _TABLES_SQL.values():
            con.execute(sql)
        for sql in _INDEX_SQL:
            con.execute(sql)
        # Register attribute tables so QGIS lists them (GeoPackage "attributes" contents).
        for table in _TABLES_SQL:
            con.execute(
                "INSERT OR IGNORE INTO gpkg_contents(table_name, data_type, identifier, "
                "last_change) VALUES (?, 'attributes', ?, strftime('%Y-%m-%dT%H:%M:%fZ','now'))",
                (table, table),
            )
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


class Workspace(_Files):
    """A GeoPackage workspace. Reads go to the file; writes go through :meth:`transaction`."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

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
    def transaction(self) -> Iterator[Transaction]:
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
                _init_tables(tmp)
                tx = Transaction(tmp)
                if not self.path.exists():
                    tx.set_meta(
                        {
                            "format": "gridmap",
                            "format_version": FORMAT_VERSION,
                            "created_at": _now(),
                            "crs": "EPSG:4326",
                            "timezone": "Asia/Shanghai",
                        }
                    )
                yield tx
                tx.set_meta({"updated_at": _now()})
                with open(tmp, "rb+") as fh:
                    os.fsync(fh.fileno())
                os.replace(tmp, self.path)
            finally:
                with contextlib.suppress(FileNotFoundError):
                    tmp.unlink()

    def counts(self) -> dict[str, int]:
        return {name: self.layer_count(name) for name in SPATIAL_LAYERS}


def pid_alive(pid: int) -> bool:
    """Whether a process runs (used to tell a live writer's temporary file from a dead one's)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def open_workspace(path: str | Path, *, must_exist: bool = True) -> Workspace:
    """Open a GeoPackage workspace; ``must_exist`` checks it is a gridmap workspace."""
    ws = Workspace(path)
    if must_exist:
        ws.check()
    return ws
