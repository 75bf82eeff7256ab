"""What every workspace backend offers, and the logic they share.

A workspace is either a GeoPackage file (:mod:`.gpkg`) or a schema in a PostGIS database
(:mod:`.postgis`). ``Workspace(location)`` picks the backend from the location: a
``postgresql://`` URL or a file path. Everything above the store — importers, analytics, the
app, the CLI — talks only to the methods here, so the two backends behave the same.

SQL passed to :meth:`Reader.query` and :meth:`Transaction.execute` uses ``?`` placeholders
and the dialect both SQLite and PostgreSQL accept; values always travel as bound parameters.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from ..errors import WorkspaceError
from ..memo import TtlMemo
from ..schema import SPATIAL_LAYERS, Layer
from .migrations import CORE_TABLES, SECURITY_TABLES

__all__ = [
    "FORMAT_VERSION",
    "INT_COLUMNS",
    "SPATIAL_LAYERS",
    "GridVersion",
    "Reader",
    "Transaction",
    "Workspace",
    "forget_stamp",
    "is_missing",
    "is_url",
    "now",
    "open_workspace",
    "workspace_stamp",
]

FORMAT_VERSION = "1"
INT_COLUMNS = frozenset({"households", "population", "version"})
URL_SCHEMES = ("postgresql://", "postgres://")


def is_url(location: object) -> bool:
    """Whether a workspace location is a database URL rather than a file."""
    return str(location).startswith(URL_SCHEMES)


def now() -> str:
    return dt.datetime.now().replace(microsecond=0).isoformat(sep=" ")


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


def check_table_name(name: str) -> None:
    """Attribute-table names are plain identifiers and never a layer or a gridmap table."""
    if (
        not name.isidentifier()
        or not name.isascii()
        or name.lower() in {*SPATIAL_LAYERS, *CORE_TABLES, *SECURITY_TABLES}
    ):
        raise WorkspaceError(
            f"table name {name!r}: use letters, digits and _ (not a layer or a gridmap table)"
        )


def check_layer(name: str, gdf: gpd.GeoDataFrame) -> None:
    if name not in SPATIAL_LAYERS:
        raise WorkspaceError(f"unknown layer {name!r}; allowed: {', '.join(SPATIAL_LAYERS)}")
    if gdf.crs is None or gdf.crs.to_epsg() != 4326:
        raise WorkspaceError(f"layer {name}: workspace layers are stored in EPSG:4326")


def whole_counts(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Counts stay whole numbers: integer columns with nulls come back as float otherwise."""
    for col in INT_COLUMNS.intersection(gdf.columns):
        if not pd.api.types.is_integer_dtype(gdf[col]):
            gdf[col] = gdf[col].round().astype("Int64")
    return gdf


def empty_layer() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"geometry": []}, geometry="geometry", crs="EPSG:4326")


class Reader:
    """Read access shared by a workspace and its transactions."""

    #: How the workspace is shown to people: a path, or a URL without its password.
    name: str

    # -- backend primitives -------------------------------------------------------------
    def query(self, sql: str, params: Sequence[Any] = ()) -> pd.DataFrame:
        """Rows of a ``?``-parameterised SELECT."""
        raise NotImplementedError

    def layer_names(self) -> list[str]:
        """The spatial layers present (a subset of :data:`SPATIAL_LAYERS`)."""
        raise NotImplementedError

    def read_layer(
        self,
        name: str,
        *,
        columns: Sequence[str] | None = None,
        where: str | None = None,
    ) -> gpd.GeoDataFrame:
        """A spatial layer in EPSG:4326, in stored order; an absent layer is empty."""
        if not self.has_layer(name):
            return empty_layer()
        return self._read_stored(name, columns, where)

    def _read_stored(
        self, name: str, columns: Sequence[str] | None, where: str | None
    ) -> gpd.GeoDataFrame:
        """The present layer ``name``: only ``columns`` if given, only rows matching ``where``."""
        raise NotImplementedError

    def layer_count(self, name: str) -> int:
        raise NotImplementedError

    def has_table(self, name: str) -> bool:
        """Whether an attribute table (not a layer) exists."""
        raise NotImplementedError

    def table_names(self) -> list[str]:
        """Attribute tables written with :meth:`Transaction.write_table` (not gridmap's own)."""
        raise NotImplementedError

    # -- shared ------------------------------------------------------------------------
    def has_layer(self, name: str) -> bool:
        return name in self.layer_names()

    def read_table(self, name: str) -> pd.DataFrame:
        """An attribute table written by :meth:`Transaction.write_table` (empty if absent)."""
        check_table_name(name)
        if not self.has_table(name):
            return pd.DataFrame()
        return self.query(f'SELECT * FROM "{name}"')

    def meta(self) -> dict[str, str]:
        if not self.has_table("gridmap_meta"):
            return {}
        rows = self.query("SELECT key, value FROM gridmap_meta")
        return dict(zip(rows["key"].astype(str), rows["value"], strict=True))

    def grid_versions(self) -> list[GridVersion]:
        if not self.has_table("grid_versions"):
            return []
        rows = self.query("SELECT * FROM grid_versions ORDER BY version")
        out = []
        for r in rows.to_dict(orient="records"):
            clean: dict[str, Any] = {str(k): (None if is_missing(v) else v) for k, v in r.items()}
            clean["version"] = int(clean["version"])
            if clean["n_grids"] is not None:
                clean["n_grids"] = int(clean["n_grids"])
            out.append(GridVersion(**clean))
        return out

    def published_version(self) -> int | None:
        """The version in force: the newest published one."""
        published = [v.version for v in self.grid_versions() if v.status == "published"]
        return max(published) if published else None

    def latest_version(self) -> int:
        """The newest grid version number (0 without any); versions only ever grow."""
        return max((v.version for v in self.grid_versions()), default=0)

    def read_grids(self, version: int | None = None) -> gpd.GeoDataFrame:
        """Grids of one version (default: the published one; else the newest draft)."""
        if version is None:
            version = self.published_version()
        if version is None:
            versions = self.grid_versions()
            version = versions[-1].version if versions else None
        if version is None:
            return self.read_layer(Layer.GRIDS)
        return self.read_layer(Layer.GRIDS, where=f"version = {int(version)}")

    def import_log(self) -> pd.DataFrame:
        return self.query("SELECT * FROM import_log ORDER BY id")

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

    def time_range(self, layer: str, column: str) -> tuple[str | None, str | None]:
        """The first and last value of a time column, as ISO text (``None`` when empty)."""
        if not self.layer_count(layer):
            return None, None
        row = self.query(f'SELECT MIN("{column}") AS a, MAX("{column}") AS b FROM "{layer}"')
        a, b = row["a"].iloc[0], row["b"].iloc[0]
        return (_iso(a), _iso(b))


def is_missing(v: object) -> bool:
    """None, NaN, NaT or pd.NA (a scalar; anything unhashable by pandas is a value)."""
    if v is None:
        return True
    try:
        return bool(pd.isna(v))  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return False


def _iso(v: object) -> str | None:
    if is_missing(v):
        return None
    return pd.Timestamp(v).isoformat()  # type: ignore[arg-type]


class Transaction(Reader):
    """Writes of one transaction: all of them become visible together, or none does."""

    # -- backend primitives -------------------------------------------------------------
    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        raise NotImplementedError

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        raise NotImplementedError

    def write_layer(self, name: str, gdf: gpd.GeoDataFrame, *, append: bool = False) -> None:
        """Replace (or append to) a spatial layer; EPSG:4326 only."""
        raise NotImplementedError

    def write_table(self, name: str, frame: pd.DataFrame) -> None:
        """Replace an attribute table (aggregates, lookups) with ``frame``."""
        raise NotImplementedError

    def append_rows(self, table: str, frame: pd.DataFrame) -> None:
        """Append many rows to a gridmap table whose columns are ``frame``'s."""
        raise NotImplementedError

    def set_meta(self, values: Mapping[str, object]) -> None:
        raise NotImplementedError

    # -- shared ------------------------------------------------------------------------
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
        version = self.latest_version() + 1
        if status == "published":
            self.execute("UPDATE grid_versions SET status='archived' WHERE status='published'")
        self.execute(
            "INSERT INTO grid_versions(version, status, created_at, effective_date, source, "
            "note, author, n_grids) VALUES (?,?,?,?,?,?,?,?)",
            (version, status, now(), effective_date, source, note, author, n_grids),
        )
        return version

    def publish_version(self, version: int, effective_date: str) -> None:
        """Put a stored version in force from ``effective_date`` (YYYY-MM-DD).

        The previously published version becomes ``archived`` and stays readable. Only
        the ``grid_versions`` table changes here; the grid rows' own ``effective_date``
        column is rewritten by the caller.
        """
        if int(version) not in {v.version for v in self.grid_versions()}:
            raise WorkspaceError(f"grid version {version}: not in the workspace")
        self.execute("UPDATE grid_versions SET status='archived' WHERE status='published'")
        self.execute(
            "UPDATE grid_versions SET status='published', effective_date=? WHERE version=?",
            (effective_date, int(version)),
        )

    def log_import(self, **fields: object) -> None:
        fields = {"at": now(), **fields}
        cols = ", ".join(f'"{c}"' for c in fields)
        marks = ", ".join("?" for _ in fields)
        self.execute(f"INSERT INTO import_log({cols}) VALUES ({marks})", list(fields.values()))

    def record_scopes(self, version: int, communities: Sequence[str]) -> None:
        """Remember which communities a draft changed (see :meth:`Reader.saves_since`)."""
        self.executemany(
            "INSERT INTO draft_scopes(version, community) VALUES (?, ?)",
            [(int(version), str(c)) for c in communities],
        )

    def replace_grid_cells(self, version: int, rows: pd.DataFrame, res: int) -> None:
        """Store the grid <-> cell table of one version (columns grid_code, cell)."""
        self.execute("DELETE FROM grid_cells WHERE version = ?", (int(version),))
        frame = pd.DataFrame(
            {
                "version": pd.Series([int(version)] * len(rows), dtype="int64"),
                "grid_code": rows["grid_code"].astype(str).to_numpy(),
                "cell": rows["cell"].astype("int64").to_numpy(),
                "res": pd.Series([int(res)] * len(rows), dtype="int64"),
            }
        )
        self.append_rows("grid_cells", frame)


def new_workspace_meta() -> dict[str, str]:
    """What a new workspace records about itself, on either backend."""
    return {
        "format": "gridmap",
        "format_version": FORMAT_VERSION,
        "created_at": now(),
        "crs": "EPSG:4326",
        "timezone": "Asia/Shanghai",
    }


def meta_value(v: object) -> str:
    return v if isinstance(v, str) else json.dumps(v)


class Workspace(Reader):
    """A workspace; ``Workspace(location)`` opens the backend the location names.

    Reads go straight to the store; writes go through :meth:`transaction`.
    """

    def __new__(cls, location: object = "", *args: Any, **kwargs: Any) -> Workspace:
        if cls is Workspace:
            if is_url(location):
                from .postgis import PostgisWorkspace

                return super().__new__(PostgisWorkspace)
            from .gpkg import GpkgWorkspace

            return super().__new__(GpkgWorkspace)
        return super().__new__(cls)

    #: The location as given: a file path or a database URL (password included).
    location: str

    @property
    def exists(self) -> bool:
        """Whether a gridmap workspace is stored there (it is created on first write)."""
        raise NotImplementedError

    def check(self) -> None:
        """Raise :class:`WorkspaceError` unless the location holds a gridmap workspace."""
        raise NotImplementedError

    def stamp(self) -> float:
        """Changes whenever a transaction commits; caches key on it."""
        raise NotImplementedError

    @contextlib.contextmanager
    def transaction(self, *, in_place: bool = False) -> Iterator[Transaction]:
        """All writes of the block, committed together only if the block succeeds.

        ``in_place`` asks for a transaction whose cost follows what it writes, not the size
        of the workspace: a GeoPackage then writes into the file itself under SQLite's
        rollback journal (point appends, row updates and deletes only; replacing a layer
        needs the default copy-on-write). A database transaction is always in place.
        """
        raise NotImplementedError

    def counts(self) -> dict[str, int]:
        return {name: self.layer_count(name) for name in SPATIAL_LAYERS}


def open_workspace(location: str | Path, *, must_exist: bool = True) -> Workspace:
    """Open a workspace (a GeoPackage path or a ``postgresql://`` URL); ``must_exist``
    checks it is a gridmap workspace."""
    ws = Workspace(str(location))
    if must_exist:
        ws.check()
    return ws


#: The workspace's stamp, looked at once a second at most (see :mod:`gridmap.memo`).
_STAMPS: TtlMemo[float] = TtlMemo(ttl_s=1.0)


def workspace_stamp(location: str) -> float:
    """Changes whenever the workspace changes (file time, or the database's revision)."""
    return _STAMPS.get(str(location), lambda: Workspace(str(location)).stamp())


def forget_stamp(location: str) -> None:
    """This process just committed a change: the next stamp is read afresh."""
    _STAMPS.forget(str(location))
