"""Connections to the users and audit-log tables (defined in :mod:`.security_tables`).

For a GeoPackage workspace, a SQLite file beside it (mode 0600). For a PostGIS workspace, two
tables in the workspace's schema; the database refuses to change or delete an audit entry
there too. :mod:`gridmap.security` (users, the audit log) connects through here and never
touches a database itself.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Iterator
from typing import Any

from .base import is_url
from .security_tables import READY, SQLITE_DDL, create_pg_tables, security_path

__all__ = ["SecurityStore"]


class SecurityStore:
    """Connections to the security file, created (mode 0600) on first use."""

    def __init__(self, workspace: object) -> None:
        location = str(getattr(workspace, "location", workspace))
        self.url = location if is_url(location) else None
        self.path = security_path(location)
        #: Names this store in process-wide memos: the URL, or the security file's path.
        self.key = self.url or str(self.path)

    @property
    def exists(self) -> bool:
        if self.url is not None:
            # Imported here: a GeoPackage user never imports the PostGIS backend.
            from .postgis import PostgisWorkspace

            return PostgisWorkspace(self.url).has_table("users")
        return self.path.exists()

    @contextlib.contextmanager
    def connect(self) -> Iterator[Any]:
        """A connection (``?`` placeholders, rows by name), committed when the block ends."""
        if self.url is not None:
            with self._connect_pg() as con:
                yield con
            return
        with self._connect_file() as con:
            yield con

    @contextlib.contextmanager
    def _connect_pg(self) -> Iterator[Any]:
        from .postgis import connect, parse_url

        conninfo, schema, name = parse_url(self.url or "")
        con = connect(conninfo, schema, name, autocommit=False)
        try:
            if self.key not in READY:
                con.execute("SELECT pg_advisory_xact_lock(hashtext(?))", (schema + ".security",))
                con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
                create_pg_tables(con.execute)
                con.commit()
                READY.add(self.key)
            yield con
            con.commit()
        except BaseException:
            con.rollback()
            raise
        finally:
            con.close()

    @contextlib.contextmanager
    def _connect_file(self) -> Iterator[sqlite3.Connection]:
        new = not self.path.exists()
        if new:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # Password hashes and the audit trail: readable by the server's user only.
            fd = os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600)
            os.close(fd)
            READY.discard(self.key)
        con = sqlite3.connect(self.path, timeout=10)
        con.row_factory = sqlite3.Row
        try:
            if self.key not in READY:
                con.execute("PRAGMA journal_mode=WAL")  # readers never block the one writer
                for sql in SQLITE_DDL:
                    con.execute(sql)
                con.commit()
                READY.add(self.key)
            yield con
            con.commit()
        finally:
            con.close()
