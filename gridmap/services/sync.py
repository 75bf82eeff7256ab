"""Keep a workspace current from a watched folder or a database table: ``gridmap sync``.

A centre's event system drops an export into a folder every hour, or exposes a view of its
events; nobody should have to upload them by hand. :func:`poll` looks once:

- a **folder** (:class:`FolderSource`): every table file (CSV, Excel, Parquet) that is new or
  changed since it was last imported -- told by name, size, modification time and SHA-256 --
  is imported, oldest first. Files whose names start with ``.`` or ``~`` or end in ``.part``
  or ``.tmp`` are being written and are left alone: an exporter writes under such a name and
  renames when done.
- a **database table or view** (:class:`TableSource`, ``sqlite:///events.db`` or
  ``postgresql://…``): the rows whose ``since_column`` is greater than the largest value
  imported so far (the watermark), in batches. The column is typically ``updated_at``, so a
  row updated later comes again and replaces the stored incident. Rows whose column is
  empty are never picked up.

Every file and batch goes through :func:`gridmap.importing.import_file`, so rejects, the
import log, all-or-nothing and the upsert of known ids are the importer's. The batch of rows
is handed over as a Parquet file written to a temporary folder.

What was imported is remembered in two attribute tables of the workspace
(:data:`FILES_TABLE`, :data:`SOURCES_TABLE`), so a restarted sync does not import anything
twice. A poll that has something to import first takes the source's lease in a workspace
transaction (transactions serialise writers), so two syncs of one source on one workspace
never both import a file; a lease whose holder died (same host, process gone) or that is
older than :data:`LEASE_S` is taken over. A poll that finds nothing new writes nothing, so
the workspace stamp the app's caches key on only changes when data does; open pages pick
the new data up on their next rerun.

A file that fails to import is reported (:attr:`Poll.failures`), not marked done and tried
again on the next poll; the other files are imported. A failed batch stops the table's
poll (later rows must not overtake it) and is tried again next time.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import hashlib
import os
import re
import secrets
import socket
import sqlite3
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import GridmapError, error_line
from ..importing import ImportReport, import_file
from ..io.readers import GZIP_TEXT_SUFFIXES, TABLE_SUFFIXES
from ..store import Workspace
from ..store.base import Reader, Transaction, now
from ..store.gpkg import pid_alive

__all__ = [
    "FILES_TABLE",
    "LEASE_S",
    "SOURCES_TABLE",
    "FolderSource",
    "ImportSettings",
    "Outcome",
    "Poll",
    "SyncError",
    "TableSource",
    "open_source",
    "parse_every",
    "poll",
]

#: One row per imported file: source, name, size, mtime_ns, sha256, imported_at, counts.
FILES_TABLE = "sync_files"
#: One row per source: its watermark and who holds its lease since when.
SOURCES_TABLE = "sync_sources"
#: A lease older than this (seconds) is abandoned: its holder is gone or stuck.
LEASE_S = 3600.0
#: Rows of a database source imported per batch (one import, one rejects file each).
BATCH_ROWS = 100_000

_FILE_COLUMNS = (
    "source",
    "name",
    "size",
    "mtime_ns",
    "sha256",
    "imported_at",
    "new",
    "updated",
    "rejected",
)
_SOURCE_COLUMNS = ("source", "watermark", "watermark_type", "owner", "owner_since")
_EVERY = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smh])\s*$")
_UNITS = {"s": 1.0, "m": 60.0, "h": 3600.0}


class SyncError(GridmapError, ValueError):
    """A source that cannot be read, or a schedule that is not one."""


def parse_every(text: str) -> float:
    """Seconds of a schedule such as ``30s``, ``10m`` or ``1h``.

    >>> parse_every("10m")
    600.0
    """
    match = _EVERY.match(str(text))
    seconds = float(match.group(1)) * _UNITS[match.group(2)] if match else 0.0
    if seconds <= 0:
        raise SyncError(f"--every {text}: give a number followed by s, m or h (e.g. 10m)")
    return seconds


@dataclasses.dataclass(frozen=True)
class ImportSettings:
    """The options of ``gridmap import`` every file or batch is imported with."""

    kind: str = "incidents"
    crs: str | None = None
    mapping: Mapping[str, str] = dataclasses.field(default_factory=dict)
    categories: str | None = None
    set_values: Mapping[str, str] = dataclasses.field(default_factory=dict)
    sheet: str | None = None
    encoding: str | None = None
    sep: str | None = None
    user: str | None = None


@dataclasses.dataclass(frozen=True)
class FolderSource:
    """A folder of exports (its absolute path)."""

    folder: Path

    @property
    def key(self) -> str:
        """How the workspace's sync tables name this source."""
        return f"folder:{self.folder}"


@dataclasses.dataclass(frozen=True)
class TableSource:
    """A table or view of a database, read by rows newer than the watermark."""

    url: str
    table: str
    since_column: str
    batch_rows: int = BATCH_ROWS

    @property
    def shown(self) -> str:
        """The URL without its password."""
        return re.sub(r"(://[^:/@]+):[^@]*@", r"\1@", self.url)

    @property
    def key(self) -> str:
        return f"table:{self.shown}#{self.table}.{self.since_column}"


Source = FolderSource | TableSource


@dataclasses.dataclass(frozen=True)
class Outcome:
    """One file or batch of a poll: its report, or why it failed."""

    name: str
    report: ImportReport | None = None
    error: str | None = None

    def text(self) -> str:
        if self.report is None:
            return f"{self.name} failed: {self.error}"
        r = self.report
        new = r.imported - r.updated
        return f"{self.name} {new:,} new, {r.updated:,} updated, {r.rejected:,} rejected"


@dataclasses.dataclass(frozen=True)
class Poll:
    """What one look at the source did."""

    at: dt.datetime
    outcomes: tuple[Outcome, ...] = ()
    #: Another sync holds the source's lease (who): this poll imported nothing.
    busy: str | None = None

    @property
    def failures(self) -> tuple[Outcome, ...]:
        return tuple(o for o in self.outcomes if o.report is None)

    @property
    def imported(self) -> tuple[Outcome, ...]:
        return tuple(o for o in self.outcomes if o.report is not None)

    def ok(self) -> bool:
        """Whether everything new was imported (a busy source is not a failure)."""
        return not self.failures

    def line(self) -> str:
        """The poll's one line: its time and what it imported, or ``nothing new``."""
        when = self.at.strftime("%Y-%m-%d %H:%M:%S")
        if self.busy is not None:
            return f"{when}  another sync is importing from this source ({self.busy}); skipped"
        done = "; ".join(o.text() for o in self.imported)
        if not self.outcomes:
            return f"{when}  nothing new"
        failed = len(self.failures)
        tail = f" ({failed} failed)" if failed else ""
        return f"{when}  {done or 'nothing imported'}{tail}"


# -- sources -----------------------------------------------------------------------------------
def open_source(
    text: str,
    *,
    table: str | None = None,
    since_column: str | None = None,
    batch_rows: int = BATCH_ROWS,
) -> Source:
    """The source ``text`` names, checked now: a folder, ``sqlite:///file.db`` or
    ``postgresql://…`` (``table`` and ``since_column`` required); one line if unreadable."""
    if text.startswith(("sqlite:", "postgresql:", "postgres:")):
        missing = [f for f, v in (("--table", table), ("--since-column", since_column)) if not v]
        if missing:
            raise SyncError(f"{text}: a database source needs {' and '.join(missing)}")
        assert table is not None and since_column is not None
        if batch_rows < 1:
            raise SyncError(f"--batch {batch_rows}: give 1 or more rows")
        source = TableSource(text, table, since_column, batch_rows)
        with _reader(source) as read:
            names = read(None, 0, False)[0]  # the table exists and can be read
        if since_column not in names:
            raise SyncError(
                f"{source.shown}: {table} has no column {since_column} (it has: {', '.join(names)})"
            )
        return source
    if table or since_column:
        raise SyncError(f"{text}: --table and --since-column are for a database source")
    folder = Path(text).expanduser()
    if not folder.is_dir():
        raise SyncError(
            f"{text}: not a folder (give a folder, sqlite:///file.db or postgresql://…)"
        )
    if not os.access(folder, os.R_OK | os.X_OK):
        raise SyncError(f"{text}: the folder cannot be read")
    return FolderSource(folder.resolve())


def _table_file(name: str) -> bool:
    """A finished table export (not one being written, not an editor's lock file)."""
    lower = name.lower()
    if lower.startswith((".", "~")) or lower.endswith((".part", ".tmp", ".crdownload")):
        return False
    if lower.endswith(".gz"):
        return Path(lower[:-3]).suffix in GZIP_TEXT_SUFFIXES
    return Path(lower).suffix in TABLE_SUFFIXES


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclasses.dataclass(frozen=True)
class _File:
    path: Path
    size: int
    mtime_ns: int
    sha256: str


def _new_files(source: FolderSource, done: pd.DataFrame) -> list[_File]:
    """Files of the folder not imported as they are now, oldest first.

    A file whose name, size and modification time match what was imported is not read
    again; one whose time changed but whose content did not (touched, copied back) is not
    imported again either.
    """
    same_stat = set(zip(done["name"], done["size"], done["mtime_ns"], strict=True))
    same_content = set(zip(done["name"], done["sha256"], strict=True))
    found = []
    for entry in os.scandir(source.folder):
        if entry.is_file() and _table_file(entry.name):
            stat = entry.stat()
            found.append((stat.st_mtime_ns, entry.name, stat.st_size))
    new = []
    for mtime_ns, name, size in sorted(found):
        if (name, size, mtime_ns) in same_stat:
            continue
        path = source.folder / name
        sha = _sha256(path)
        if (name, sha) not in same_content:
            new.append(_File(path, size, mtime_ns, sha))
    return new


# -- database tables ---------------------------------------------------------------------------
#: ``read(after, limit, equal)``: the column names and rows of the table whose watermark
#: column is greater than ``after`` (all rows when None; equal to it when ``equal``), in
#: the column's order, at most ``limit`` rows (0: none, to check the query).
_Read = Callable[[Any, "int | None", bool], tuple[list[str], list[tuple[Any, ...]]]]


def _quoted(name: str, what: str, source: TableSource) -> str:
    parts = name.split(".")
    if len(parts) > 2 or not all(p.isidentifier() for p in parts):
        raise SyncError(f"{source.shown}: {what} {name!r}: give a name of letters, digits and _")
    return ".".join(f'"{p}"' for p in parts)


@contextlib.contextmanager
def _reader(source: TableSource) -> Iterator[_Read]:
    """A reader of ``source`` for one poll (one connection, closed afterwards)."""
    table = _quoted(source.table, "--table", source)
    column = _quoted(source.since_column, "--since-column", source)
    where = f"SELECT * FROM {table} WHERE {column} {{op}} {{mark}} ORDER BY {column}"
    every = f"SELECT * FROM {table} WHERE {column} IS NOT NULL ORDER BY {column}"
    errors: tuple[type[Exception], ...]
    con: Any
    if source.url.startswith("sqlite:"):
        # sqlite:///events.db is relative, sqlite:////data/events.db absolute (SQLAlchemy's).
        path = Path(source.url.removeprefix("sqlite:///"))
        if not source.url.startswith("sqlite:///") or not path.is_file():
            raise SyncError(f"{source.url}: no such database file {path}")
        mark, errors, con = "?", (sqlite3.Error,), _sqlite(path, source)
    else:
        import psycopg

        mark, errors = "%s", (psycopg.Error,)
        try:
            con = psycopg.connect(source.url, connect_timeout=10, autocommit=True)
        except psycopg.Error as exc:
            raise SyncError(f"{source.shown}: cannot connect: {error_line(exc)}") from None

    def read(after: Any, limit: int | None, equal: bool) -> tuple[list[str], list[Any]]:
        sql = every if after is None else where.format(op="=" if equal else ">", mark=mark)
        sql += f" LIMIT {int(limit)}" if limit is not None else ""
        try:
            cur = con.cursor()
            cur.execute(sql, () if after is None else (after,))
            rows = cur.fetchall()
        except errors as exc:
            what = f"{source.table}.{source.since_column}"
            raise SyncError(f"{source.shown}: cannot read {what}: {error_line(exc)}") from None
        return [str(d[0]) for d in cur.description or ()], list(rows)

    try:
        yield read
    finally:
        con.close()


def _sqlite(path: Path, source: TableSource) -> sqlite3.Connection:
    try:
        return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise SyncError(f"{source.url}: cannot open: {error_line(exc)}") from None


def _mark_text(value: Any) -> tuple[str, str]:
    """A watermark as the workspace keeps it: text and what it was."""
    if isinstance(value, bool) or not isinstance(value, int | float | dt.date | Decimal):
        return str(value), "text"
    if isinstance(value, dt.datetime):
        return value.isoformat(), "datetime"
    if isinstance(value, dt.date):
        return value.isoformat(), "date"
    return str(value), type(value).__name__.lower()


def _mark_value(text: Any, kind: Any) -> Any:
    """The watermark back as the database compares it (an integer column is not text)."""
    if text is None or pd.isna(text) or kind in (None, ""):
        return None
    parse: dict[str, Callable[[str], Any]] = {
        "int": int,
        "float": float,
        "decimal": Decimal,
        "datetime": dt.datetime.fromisoformat,
        "date": dt.date.fromisoformat,
    }
    return parse.get(str(kind), str)(str(text))


def _batch(read: _Read, after: Any, limit: int, column: str) -> tuple[pd.DataFrame | None, Any]:
    """The next rows after ``after`` and their watermark; rows sharing the last value are
    never split across batches (the next batch starts after it)."""
    names, rows = read(after, limit, False)
    if not rows:
        return None, after
    at = names.index(column) if column in names else -1
    if at < 0:
        raise SyncError(f"--since-column {column}: the query returned no such column")
    last = rows[-1][at]
    if len(rows) == limit:
        kept = [r for r in rows if r[at] != last]
        # Every row shares one value: take all rows of that value, however many.
        rows = kept or read(last, None, True)[1]
        last = rows[-1][at]
    frame = pd.DataFrame.from_records(rows, columns=names, coerce_float=False)
    return frame, last


def _as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Every value as the importer reads text: empty for NULL, ISO for times."""
    return frame.astype(str).where(frame.notna(), "")


# -- the workspace's memory --------------------------------------------------------------------
def _state(reader: Reader, table: str, columns: Sequence[str]) -> pd.DataFrame:
    """Every row of the sync table ``table`` with ``columns`` (an absent table is empty)."""
    frame = reader.read_table(table)
    for col in columns:
        if col not in frame.columns:
            frame[col] = pd.Series(dtype=object)
    return frame[list(columns)].reset_index(drop=True)


def _writing(ws: Workspace) -> contextlib.AbstractContextManager[Transaction]:
    """A transaction for the sync tables: in place, as an import of a few rows is."""
    return ws.transaction(in_place=True)


def _owner() -> str:
    """Who takes a lease: host, process and one token per poll (two syncs in one process
    are two owners)."""
    return f"{socket.gethostname()} pid {os.getpid()} #{secrets.token_hex(3)}"


def _abandoned(owner: str, since: Any) -> bool:
    """Whether a lease may be taken over: its process is gone, or it is too old."""
    match = re.fullmatch(r"(.*) pid (\d+) #\w+", owner)
    if match and match.group(1) == socket.gethostname() and not pid_alive(int(match.group(2))):
        return True
    taken = pd.to_datetime(since, errors="coerce")
    return bool(pd.isna(taken)) or (pd.Timestamp(now()) - taken).total_seconds() > LEASE_S


def _take_lease(ws: Workspace, key: str, owner: str) -> str | None:
    """Take ``key``'s lease for ``owner``; the live holder who has it instead, if any."""
    with _writing(ws) as tx:
        sources = _state(tx, SOURCES_TABLE, _SOURCE_COLUMNS)
        mine = sources["source"] == key
        if mine.any():
            row = sources[mine].iloc[0]
            holder = "" if pd.isna(row["owner"]) else str(row["owner"])
            if holder and holder != owner and not _abandoned(holder, row["owner_since"]):
                return holder
        else:
            row = pd.Series({"source": key, "watermark": None, "watermark_type": ""})
        row = row.copy()
        row["owner"], row["owner_since"] = owner, now()
        _put_source(tx, sources[~mine], row)
        return None


def _put_source(tx: Transaction, others: pd.DataFrame, row: pd.Series) -> None:
    frame = pd.concat([others, row.to_frame().T], ignore_index=True)[list(_SOURCE_COLUMNS)]
    tx.write_table(SOURCES_TABLE, frame.astype(object).where(frame.notna(), None))


def _update_source(ws: Workspace, key: str, **values: Any) -> None:
    """Set ``values`` on ``key``'s row (the watermark, the lease's time or its release)."""
    with _writing(ws) as tx:
        sources = _state(tx, SOURCES_TABLE, _SOURCE_COLUMNS)
        mine = sources["source"] == key
        row = sources[mine].iloc[0].copy() if mine.any() else pd.Series({"source": key})
        for name, value in values.items():
            row[name] = value
        _put_source(tx, sources[~mine], row)


def _mark_file(ws: Workspace, key: str, owner: str, f: _File, report: ImportReport) -> None:
    """Remember ``f`` as imported (replacing what was remembered of an older version)."""
    with _writing(ws) as tx:
        files = _state(tx, FILES_TABLE, _FILE_COLUMNS)
        older = (files["source"] == key) & (files["name"] == f.path.name)
        row = {
            "source": key,
            "name": f.path.name,
            "size": f.size,
            "mtime_ns": f.mtime_ns,
            "sha256": f.sha256,
            "imported_at": now(),
            "new": report.imported - report.updated,
            "updated": report.updated,
            "rejected": report.rejected,
        }
        frame = pd.concat([files[~older], pd.DataFrame([row])], ignore_index=True)
        for col in ("size", "mtime_ns", "new", "updated", "rejected"):
            frame[col] = frame[col].astype("int64")
        tx.write_table(FILES_TABLE, frame)
        # The lease is renewed with every file: a long first sync keeps it.
        sources = _state(tx, SOURCES_TABLE, _SOURCE_COLUMNS)
        mine = (sources["source"] == key) & (sources["owner"] == owner)
        if mine.any():
            row_s = sources[mine].iloc[0].copy()
            row_s["owner_since"] = now()
            _put_source(tx, sources[~mine], row_s)


# -- polls -------------------------------------------------------------------------------------
def _import(ws: Workspace, path: Path, settings: ImportSettings, name: str) -> Outcome:
    """Import one file; any failure is the outcome's one line, never the sync's end."""
    try:
        report = import_file(
            ws,
            settings.kind,
            path,
            crs=settings.crs,
            mapping=dict(settings.mapping),
            category_mapping=settings.categories,
            set_values=dict(settings.set_values),
            sheet=settings.sheet,
            encoding=settings.encoding,
            sep=settings.sep,
            user=settings.user,
        )
    except Exception as exc:  # a bad file must not stop the watch: say why, go on
        # The importer's messages start with the file's name; the outcome names it once.
        reason = error_line(exc).removeprefix(f"{path.name}: ")
        if not isinstance(exc, GridmapError):
            reason = f"{type(exc).__name__}: {reason}"
        return Outcome(name, error=reason)
    return Outcome(name, report=report)


def poll(workspace: Workspace | str | Path, source: Source, settings: ImportSettings) -> Poll:
    """Look at ``source`` once and import what is new into ``workspace`` (see the module).

    Raises :class:`SyncError` when a database source cannot be read; a file or batch that
    fails to import is an outcome of the poll instead.
    """
    ws = workspace if isinstance(workspace, Workspace) else Workspace(str(workspace))
    ws.check()
    at = dt.datetime.now().replace(microsecond=0)
    if isinstance(source, FolderSource):
        return _poll_folder(ws, source, settings, at)
    return _poll_table(ws, source, settings, at)


def _poll_folder(
    ws: Workspace, source: FolderSource, settings: ImportSettings, at: dt.datetime
) -> Poll:
    files = _state(ws, FILES_TABLE, _FILE_COLUMNS)
    new = _new_files(source, files[files["source"] == source.key])
    if not new:
        return Poll(at)  # nothing written: the workspace stamp stays, caches stay warm
    owner = _owner()
    holder = _take_lease(ws, source.key, owner)
    if holder is not None:
        return Poll(at, busy=holder)
    outcomes = []
    try:
        # Another sync may have imported some of them while this one waited for the lease.
        files = _state(ws, FILES_TABLE, _FILE_COLUMNS)
        done = set(zip(files["source"], files["name"], files["sha256"], strict=True))
        for f in new:
            if (source.key, f.path.name, f.sha256) in done:
                continue
            outcome = _import(ws, f.path, settings, f.path.name)
            if outcome.report is not None:
                _mark_file(ws, source.key, owner, f, outcome.report)
            outcomes.append(outcome)
    finally:
        _update_source(ws, source.key, owner="", owner_since=None)
    return Poll(at, tuple(outcomes))


def _poll_table(
    ws: Workspace, source: TableSource, settings: ImportSettings, at: dt.datetime
) -> Poll:
    def watermark() -> Any:
        sources = _state(ws, SOURCES_TABLE, _SOURCE_COLUMNS)
        row = sources[sources["source"] == source.key]
        return None if row.empty else _mark_value(*row.iloc[0][["watermark", "watermark_type"]])

    outcomes = []
    with _reader(source) as read:
        if not read(watermark(), 1, False)[1]:
            return Poll(at)
        owner = _owner()
        holder = _take_lease(ws, source.key, owner)
        if holder is not None:
            return Poll(at, busy=holder)
        try:
            after = watermark()  # as stored now: another sync may have moved it
            batch = 0
            with tempfile.TemporaryDirectory(prefix="gridmap-sync-") as tmp:
                while True:
                    frame, last = _batch(read, after, source.batch_rows, source.since_column)
                    if frame is None:
                        break
                    # A file name of its own per batch: rows without an id column get
                    # ids from it (stem:row), and two batches must not share them.
                    batch += 1
                    path = Path(tmp) / f"{source.table}-{at:%Y%m%d-%H%M%S}-{batch}.parquet"
                    _as_text(frame).to_parquet(path, index=False)
                    outcome = _import(ws, path, settings, source.table)
                    outcomes.append(outcome)
                    if outcome.report is None:
                        break  # later rows must not overtake the failed ones
                    text, kind = _mark_text(last)
                    _update_source(
                        ws, source.key, watermark=text, watermark_type=kind, owner_since=now()
                    )
                    after = last
        finally:
            _update_source(ws, source.key, owner="", owner_since=None)
    return Poll(at, tuple(outcomes))
