"""A workspace in a PostGIS database: one schema per workspace, for a centre's shared server.

The location is a libpq URL, ``postgresql://user:password@host:port/database``, with an
optional ``?schema=name`` (default ``gridmap``) so that one database can hold several
workspaces (a city's, a training copy). Layers are tables with a ``geom`` column
(``geometry(Geometry, 4326)``, GiST-indexed) and an identity ``fid`` that keeps rows in the
order they were written, as a GeoPackage does. Attribute tables are the same as the
GeoPackage's (see :mod:`.migrations`).

A transaction is one database transaction holding an advisory lock on the workspace, so
writers queue while readers go on seeing the last committed state. A killed writer leaves
nothing: the server rolls its transaction back when the connection drops.

Bulk data moves as CSV through ``COPY``, parsed and written by Arrow: geometries travel as
hex WKB, which keeps every coordinate bit-exact, and floats use PostgreSQL's round-trip
output, so a layer reads back exactly as it was written.
"""

from __future__ import annotations

import contextlib
import io
import re
import threading
import urllib.parse
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import shapely

from ..errors import WorkspaceError, error_line
from . import migrations
from .base import (
    SPATIAL_LAYERS,
    Reader,
    Transaction,
    Workspace,
    check_layer,
    check_table_name,
    forget_stamp,
    is_missing,
    meta_value,
    new_workspace_meta,
    now,
    whole_counts,
)
from .migrations import CORE_TABLES, SECURITY_TABLES
from .security_tables import forget_schema

__all__ = ["PgConnection", "PostgisTransaction", "PostgisWorkspace", "parse_url"]

DEFAULT_SCHEMA = "gridmap"
_SCHEMA_RE = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
#: Rows per COPY chunk written: bounded memory for a million-row import.
_CHUNK_ROWS = 200_000


def _psycopg() -> Any:
    try:
        import psycopg
    except ImportError:  # pragma: no cover - depends on the install
        raise WorkspaceError(
            "PostGIS workspaces need psycopg: pip install 'gridmap[postgis]'"
        ) from None
    return psycopg


def parse_url(url: str) -> tuple[str, str, str]:
    """``(conninfo for libpq, schema, name shown to people)`` of a workspace URL."""
    parts = urllib.parse.urlsplit(url)
    query = urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
    schemas = [v for k, v in query if k == "schema"]
    schema = schemas[-1] if schemas else DEFAULT_SCHEMA
    if not _SCHEMA_RE.match(schema):
        raise WorkspaceError(
            f"{_masked(parts)}: schema {schema!r} must be lower-case letters, digits and _"
        )
    rest = urllib.parse.urlencode([(k, v) for k, v in query if k != "schema"])
    conninfo = urllib.parse.urlunsplit(parts._replace(query=rest))
    return conninfo, schema, _masked(parts) + (f"?schema={schema}" if schemas else "")


def _masked(parts: urllib.parse.SplitResult) -> str:
    """The URL without its password (never shown or logged)."""
    netloc = parts.hostname or ""
    if parts.port:
        netloc += f":{parts.port}"
    if parts.username:
        netloc = f"{parts.username}@{netloc}"
    return f"{parts.scheme}://{netloc}{parts.path}"


def qmark_to_pyformat(sql: str) -> str:
    """``?`` placeholders (the SQLite style gridmap writes) to psycopg's ``%s``.

    ``%`` is doubled first so a literal percent sign survives; ``?`` inside quotes stays.
    """
    out = []
    quote = ""
    for ch in sql:
        if quote:
            out.append("%%" if ch == "%" else ch)
            if ch == quote:
                quote = ""
        elif ch in ("'", '"'):
            quote = ch
            out.append(ch)
        elif ch == "?":
            out.append("%s")
        elif ch == "%":
            out.append("%%")
        else:
            out.append(ch)
    return "".join(out)


class _Row(tuple):
    """A row readable by position and by column name, like :class:`sqlite3.Row`."""

    _names: dict[str, int]

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            return tuple.__getitem__(self, self._names[key])
        return tuple.__getitem__(self, key)

    def keys(self) -> list[str]:
        return list(self._names)


def _row_factory(cursor: Any) -> Any:
    names = {d.name: i for i, d in enumerate(cursor.description or ())}

    def make(values: Sequence[Any]) -> _Row:
        row = _Row(values)
        row._names = names
        return row

    return make


class PgConnection:
    """A psycopg connection that speaks ``?`` placeholders (shared SQL with SQLite)."""

    def __init__(self, con: Any, schema: str) -> None:
        self.con = con
        self.schema = schema

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        cur = self.con.cursor(row_factory=_row_factory)
        if params:
            cur.execute(qmark_to_pyformat(sql), list(params))
        else:
            cur.execute(sql)
        return cur

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            with self.con.cursor() as cur:
                cur.executemany(qmark_to_pyformat(sql), [list(r) for r in rows])

    def commit(self) -> None:
        self.con.commit()

    def rollback(self) -> None:
        self.con.rollback()

    def close(self) -> None:
        self.con.close()

    def __del__(self) -> None:
        # Per-thread read connections are dropped when their thread ends: close them then,
        # rather than leave it to psycopg (which warns about an unclosed connection).
        with contextlib.suppress(Exception):
            self.con.close()


def connect(conninfo: str, schema: str, name: str, *, autocommit: bool) -> PgConnection:
    """A connection whose search path is the workspace schema (then ``public`` for PostGIS)."""
    psycopg = _psycopg()
    try:
        # The application name tells a DBA (and pg_stat_activity) which workspace a session is.
        con = psycopg.connect(
            conninfo,
            autocommit=autocommit,
            connect_timeout=10,
            application_name=f"gridmap {schema}"[:63],
        )
    except psycopg.Error as exc:
        reason = error_line(exc, lines=2)
        raise WorkspaceError(f"{name}: cannot connect to the database: {reason}") from None
    con.execute(f"SET search_path TO {schema}, public")
    con.execute("SET TimeZone TO 'UTC'")
    if not autocommit:
        con.commit()
    return PgConnection(con, schema)


# -- column types -------------------------------------------------------------------------


def _pg_type(series: pd.Series) -> str:
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return "BOOLEAN"
    if pd.api.types.is_integer_dtype(dtype):
        return "BIGINT"
    if pd.api.types.is_float_dtype(dtype):
        return "DOUBLE PRECISION"
    if isinstance(dtype, pd.DatetimeTZDtype):
        return "TIMESTAMPTZ"
    if pd.api.types.is_datetime64_dtype(dtype):
        return "TIMESTAMP"
    return "TEXT"


def _arrow_type(pg_type: str) -> pa.DataType:
    t = pg_type.lower()
    if t in ("bigint", "integer", "smallint"):
        return pa.int64()
    if t in ("double precision", "real", "numeric"):
        return pa.float64()
    if t == "boolean":
        return pa.bool_()
    if t.startswith("timestamp without time zone"):
        return pa.timestamp("ms")
    if t.startswith("timestamp with time zone"):
        return pa.timestamp("ms", tz="UTC")
    return pa.string()


def _arrow_column(series: pd.Series) -> pa.Array:
    kind = _pg_type(series)
    if kind == "TEXT":
        if pd.api.types.is_string_dtype(series.dtype) and series.dtype != object:
            return pa.array(series, type=pa.string(), from_pandas=True)
        values = [None if is_missing(v) else str(v) for v in series.tolist()]
        return pa.array(values, type=pa.string())
    if kind == "BIGINT":
        return pa.array(series.astype("Int64"), type=pa.int64(), from_pandas=True)
    return pa.array(series, from_pandas=True)


def _csv_bytes(frame: pd.DataFrame, geometry: gpd.GeoSeries | None) -> Iterator[bytes]:
    """The rows as CSV chunks for ``COPY ... FROM STDIN (FORMAT csv)``."""
    for start in range(0, max(len(frame), 1), _CHUNK_ROWS):
        part = frame.iloc[start : start + _CHUNK_ROWS]
        if len(part) == 0:
            return
        arrays = [_arrow_column(part[c]) for c in part.columns]
        names = [str(c) for c in part.columns]
        if geometry is not None:
            geoms = shapely.set_srid(np.asarray(geometry.values[start : start + _CHUNK_ROWS]), 4326)
            wkb = shapely.to_wkb(geoms, hex=True, include_srid=True)
            arrays.append(pa.array(wkb, type=pa.string()))
            names.append("geom")
        buf = io.BytesIO()
        # Quoting every string tells an empty text from NULL (an unquoted empty field).
        pacsv.write_csv(
            pa.table(arrays, names=names),
            buf,
            pacsv.WriteOptions(include_header=False, quoting_style="needed"),
        )
        yield buf.getvalue()


def _read_csv(data: bytes, names: list[str], types: list[pa.DataType]) -> pa.Table:
    schema = pa.schema(list(zip(names, types, strict=True)))
    if not data:
        return schema.empty_table()
    return pacsv.read_csv(
        io.BytesIO(data),
        read_options=pacsv.ReadOptions(column_names=names, block_size=1 << 24),
        parse_options=pacsv.ParseOptions(newlines_in_values=True),
        convert_options=pacsv.ConvertOptions(
            column_types=schema,
            null_values=[""],
            strings_can_be_null=True,
            quoted_strings_can_be_null=False,
            true_values=["t"],
            false_values=["f"],
        ),
    )


def _unhex(column: pa.ChunkedArray) -> np.ndarray:
    """Hex WKB text to WKB bytes for the whole column at once.

    shapely parses hex one string at a time (0.7 s for the demo's incidents); decoding the
    column's one text buffer with ``bytes.fromhex`` and halving the offsets takes 0.03 s.
    """
    arr = column.combine_chunks()
    if arr.type != pa.string() or arr.offset != 0 or len(arr) == 0:
        return np.asarray(arr.to_numpy(zero_copy_only=False))
    validity, offsets, data = arr.buffers()
    offs = np.frombuffer(offsets, dtype=np.int32, count=len(arr) + 1)
    text = memoryview(data)[offs[0] : offs[-1]] if data is not None else memoryview(b"")
    raw = bytes.fromhex(str(text, "ascii"))
    halved = ((offs - offs[0]) // 2).astype(np.int32)
    binary = pa.Array.from_buffers(
        pa.binary(),
        len(arr),
        [validity, pa.py_buffer(halved.tobytes()), pa.py_buffer(raw)],
        null_count=arr.null_count,
    )
    return np.asarray(binary.to_numpy(zero_copy_only=False))


# -- reading ------------------------------------------------------------------------------


class _Db(Reader):
    """Reads shared by a workspace and a transaction; each goes through :meth:`_con`."""

    schema: str

    def _con(self) -> PgConnection:
        raise NotImplementedError

    def query(self, sql: str, params: Sequence[Any] = ()) -> pd.DataFrame:
        cur = self._con().execute(sql, params)
        names = [d.name for d in cur.description or ()]
        rows = cur.fetchall()
        frame = pd.DataFrame([tuple(r) for r in rows], columns=names)
        # Whole-number columns: ints with NULLs come back as object rows from the driver.
        return frame.infer_objects()

    def _tables(self) -> dict[str, bool]:
        """Table name -> whether it is a layer (has a ``geom`` column)."""
        rows = self._con().execute(
            "SELECT c.relname, EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid "
            "AND a.attname = 'geom' AND NOT a.attisdropped) FROM pg_class c JOIN pg_namespace n "
            "ON n.oid = c.relnamespace WHERE n.nspname = ? AND c.relkind IN ('r', 'p')",
            (self.schema,),
        )
        return {str(r[0]): bool(r[1]) for r in rows.fetchall()}

    def layer_names(self) -> list[str]:
        tables = self._tables()
        return [n for n in SPATIAL_LAYERS if tables.get(n)]

    def has_table(self, name: str) -> bool:
        return self._tables().get(name) is False

    def table_names(self) -> list[str]:
        own = {*CORE_TABLES, *SECURITY_TABLES}
        return sorted(n for n, spatial in self._tables().items() if not spatial and n not in own)

    def layer_count(self, name: str) -> int:
        if not self.has_layer(name):
            return 0
        return int(self._con().execute(f'SELECT COUNT(*) FROM "{name}"').fetchone()[0])

    def _columns(self, table: str) -> list[tuple[str, str]]:
        rows = self._con().execute(
            "SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a "
            "JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = ? AND c.relname = ? AND a.attnum > 0 AND NOT a.attisdropped "
            "ORDER BY a.attnum",
            (self.schema, table),
        )
        return [(str(r[0]), str(r[1])) for r in rows.fetchall()]

    def _copy_out(self, select: str) -> bytes:
        buf = io.BytesIO()
        with (
            self._con().con.cursor() as cur,
            cur.copy(f"COPY ({select}) TO STDOUT (FORMAT csv)") as copy,
        ):
            for chunk in copy:
                buf.write(chunk)
        return buf.getvalue()

    def _read_stored(
        self, name: str, columns: Sequence[str] | None, where: str | None
    ) -> gpd.GeoDataFrame:
        stored = [(c, t) for c, t in self._columns(name) if c not in ("fid", "geom")]
        if columns is not None:
            wanted = set(columns)
            stored = [(c, t) for c, t in stored if c in wanted]
        cols = [c for c, _ in stored]
        select = ", ".join([*(f'"{c}"' for c in cols), "encode(ST_AsBinary(geom), 'hex')"])
        sql = f'SELECT {select} FROM "{name}"'
        if where:
            sql += f" WHERE {where}"
        sql += " ORDER BY fid"
        table = _read_csv(
            self._copy_out(sql),
            [*cols, "__geom"],
            [*(_arrow_type(t) for _, t in stored), pa.string()],
        )
        frame = table.drop_columns(["__geom"]).to_pandas()
        geometry = shapely.from_wkb(_unhex(table.column("__geom")))
        gdf = gpd.GeoDataFrame(frame, geometry=geometry, crs="EPSG:4326")
        return whole_counts(gdf)


class PostgisTransaction(_Db, Transaction):
    """Writes inside one open database transaction (see :meth:`PostgisWorkspace.transaction`)."""

    def __init__(self, con: PgConnection, schema: str, name: str) -> None:
        self._connection = con
        self.schema = schema
        self.name = name

    def _con(self) -> PgConnection:
        return self._connection

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        self._connection.execute(sql, params)

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        self._connection.executemany(sql, rows)

    def set_meta(self, values: Mapping[str, object]) -> None:
        self.executemany(
            "INSERT INTO gridmap_meta(key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
            [(k, meta_value(v)) for k, v in values.items()],
        )

    def _copy_in(self, table: str, columns: Sequence[str], chunks: Iterator[bytes]) -> None:
        cols = ", ".join(f'"{c}"' for c in columns)
        with (
            self._connection.con.cursor() as cur,
            cur.copy(f'COPY "{table}" ({cols}) FROM STDIN (FORMAT csv)') as copy,
        ):
            for chunk in chunks:
                copy.write(chunk)

    def _create(self, table: str, frame: pd.DataFrame, *, spatial: bool) -> None:
        cols = [f'"{c}" {_pg_type(frame[c])}' for c in frame.columns]
        if spatial:
            cols = [
                "fid BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY",
                "geom geometry(Geometry, 4326)",
                *cols,
            ]
        self.execute(f'DROP TABLE IF EXISTS "{table}"')
        self.execute(f'CREATE TABLE "{table}" ({", ".join(cols)})')
        if spatial:
            self.execute(f'CREATE INDEX "{table}_geom_idx" ON "{table}" USING GIST (geom)')

    def write_layer(self, name: str, gdf: gpd.GeoDataFrame, *, append: bool = False) -> None:
        check_layer(name, gdf)
        attrs = pd.DataFrame(gdf.drop(columns=gdf.geometry.name))
        exists = self.has_layer(name)
        if append and exists:
            # As GDAL appends to a GeoPackage: columns the layer lacks are added to it.
            have = {c for c, _ in self._columns(name)}
            for col in attrs.columns:
                if col not in have:
                    self.execute(f'ALTER TABLE "{name}" ADD COLUMN "{col}" {_pg_type(attrs[col])}')
        else:
            self._create(name, attrs, spatial=True)
        if len(gdf):
            chunks = _csv_bytes(attrs, gdf.geometry)
            self._copy_in(name, [*map(str, attrs.columns), "geom"], chunks)
        self.execute(f'ANALYZE "{name}"')

    def write_table(self, name: str, frame: pd.DataFrame) -> None:
        check_table_name(name)
        self._create(name, frame, spatial=False)
        self.append_rows(name, frame)

    def append_rows(self, table: str, frame: pd.DataFrame) -> None:
        if not len(frame):
            return
        # Values take the table's column types (a count read back from SQLite as 3.0 is 3).
        types = dict(self._columns(table))
        frame = frame.copy()
        for col in frame.columns:
            kind = types.get(str(col), "text")
            if kind in ("bigint", "integer", "smallint"):
                frame[col] = pd.to_numeric(frame[col]).astype("Int64")
            elif kind == "double precision":
                frame[col] = pd.to_numeric(frame[col]).astype("float64")
            elif kind == "text":
                frame[col] = frame[col].astype(object).where(frame[col].notna(), None)
        self._copy_in(table, list(map(str, frame.columns)), _csv_bytes(frame, None))
        if "id" in types and "id" in frame.columns:
            # Rows that bring their own ids (a copied import log or audit log): the identity
            # must continue after the highest one, or the next insert collides.
            self.execute(
                "SELECT setval(seq::regclass, "
                f'COALESCE((SELECT MAX(id) FROM "{table}"), 0) + 1, false) '
                "FROM (SELECT pg_get_serial_sequence(?, 'id') AS seq) s WHERE seq IS NOT NULL",
                (f'"{table}"',),
            )


# -- the workspace ------------------------------------------------------------------------

_local = threading.local()


class PostgisWorkspace(_Db, Workspace):
    """A workspace in a PostGIS schema. Reads use one autocommit connection per thread."""

    def __init__(self, url: str) -> None:
        self.location = str(url)
        self.conninfo, self.schema, self.name = parse_url(self.location)

    def _con(self) -> PgConnection:
        # One reading connection per thread and server, whatever the number of workspaces
        # (schemas) it reads: switching schema is a SET, not another connection.
        cache: dict[str, PgConnection] = _local.__dict__.setdefault("cons", {})
        con = cache.get(self.conninfo)
        if con is None or con.con.closed or con.con.broken:
            con = connect(self.conninfo, self.schema, self.name, autocommit=True)
            cache[self.conninfo] = con
        elif con.schema != self.schema:
            con.con.execute(f"SET search_path TO {self.schema}, public")
            con.schema = self.schema
        return con

    @property
    def exists(self) -> bool:
        return bool(self.meta())  # no gridmap_meta table: no metadata

    def check(self) -> None:
        if not self._tables():
            raise WorkspaceError(
                f"{self.name}: workspace not found (import something or `gridmap copy` a "
                "GeoPackage into it to create it)"
            )
        if self.meta().get("format") != "gridmap":
            raise WorkspaceError(f"{self.name}: not a gridmap workspace (no gridmap_meta table)")

    def stamp(self) -> float:
        if not self.has_table("gridmap_meta"):
            return 0.0
        row = (
            self._con().execute("SELECT value FROM gridmap_meta WHERE key = 'revision'").fetchone()
        )
        return float(row[0]) if row else 0.0

    @contextlib.contextmanager
    def transaction(
        self, *, fresh: bool = False, in_place: bool = False
    ) -> Iterator[PostgisTransaction]:
        """One database transaction; ``fresh`` starts from an empty workspace (replacing
        everything in the schema when the block succeeds). ``in_place`` is accepted and
        ignored: a database transaction always writes in place."""
        del in_place
        con = connect(self.conninfo, self.schema, self.name, autocommit=False)
        psycopg = _psycopg()
        try:
            # Writers queue on the workspace; readers are never blocked (MVCC).
            con.execute("SELECT pg_advisory_xact_lock(hashtext(?))", (self.schema,))
            if fresh:
                # Transactional DDL: readers see the old workspace until the commit.
                con.execute(f"DROP SCHEMA IF EXISTS {self.schema} CASCADE")
            con.execute(f"CREATE SCHEMA IF NOT EXISTS {self.schema}")
            new = not self._has(con, "gridmap_meta")
            if not new:
                meta = dict(con.execute("SELECT key, value FROM gridmap_meta").fetchall())
                if meta.get("format") != "gridmap":
                    raise WorkspaceError(f"{self.name}: not a gridmap workspace")
            self._migrate(con)
            tx = PostgisTransaction(con, self.schema, self.name)
            if new:
                tx.set_meta(new_workspace_meta())
            yield tx
            revision = con.execute(
                "SELECT value FROM gridmap_meta WHERE key = 'revision'"
            ).fetchone()
            tx.set_meta(
                {
                    "updated_at": now(),
                    "revision": str(int(revision[0]) + 1 if revision else 1),
                }
            )
            con.commit()
            forget_stamp(self.location)
            if fresh:
                forget_schema(self.location)
        except psycopg.Error as exc:
            con.rollback()
            reason = error_line(exc, lines=2)
            raise WorkspaceError(f"{self.name}: database error: {reason}") from None
        except BaseException:
            con.rollback()
            raise
        finally:
            con.close()

    def _has(self, con: PgConnection, table: str) -> bool:
        """Whether the schema has ``table`` (seen inside the open transaction)."""
        row = con.execute(
            "SELECT 1 FROM pg_tables WHERE schemaname = ? AND tablename = ?", (self.schema, table)
        ).fetchone()
        return row is not None

    def _migrate(self, con: PgConnection) -> None:
        applied = (
            [int(r[0]) for r in con.execute("SELECT version FROM schema_migrations").fetchall()]
            if self._has(con, "schema_migrations")
            else []
        )
        migrations.apply(con.execute, applied, "postgres", self.name, now())

    def drop(self) -> None:
        """Remove the workspace schema and everything in it (tests, ``gridmap copy --replace``)."""
        con = connect(self.conninfo, self.schema, self.name, autocommit=True)
        try:
            con.execute(f"DROP SCHEMA IF EXISTS {self.schema} CASCADE")
        finally:
            con.close()
        forget_schema(self.location)
