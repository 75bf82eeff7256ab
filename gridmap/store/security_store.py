"""The users and audit-log tables (defined in :mod:`.security_tables`): connections and
every statement on them.

For a GeoPackage workspace, a SQLite file beside it (mode 0600). For a PostGIS workspace, two
tables in the workspace's schema; the database refuses to change or delete an audit entry
there too. :mod:`gridmap.security` (password rules, throttling, roles) reads and writes the
rows through the methods here and holds no SQL.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .base import is_url
from .security_tables import READY, SQLITE_DDL, create_pg_tables, security_path

__all__ = ["AUDIT_COLUMNS", "Credentials", "SecurityStore", "UserRow"]

#: The audit log's columns, in the order :meth:`SecurityStore.audit_rows` gives them.
AUDIT_COLUMNS = ("id", "at", "user", "role", "action", "target", "version", "detail", "via")


@dataclass(frozen=True)
class UserRow:
    username: str
    role: str
    area: str | None


@dataclass(frozen=True)
class Credentials:
    """What a login checks, read and updated in one transaction (:meth:`SecurityStore.login`)."""

    password_hash: str
    role: str
    area: str | None
    failed: int
    locked_until: float


class LoginRecord:
    """A user's credentials inside an open transaction; :meth:`set_failures` writes back."""

    def __init__(self, con: Any, username: str, found: Credentials | None) -> None:
        self._con = con
        self.username = username
        self.credentials = found

    def set_failures(self, failed: int, locked_until: float) -> None:
        self._con.execute(
            "UPDATE users SET failed=?, locked_until=? WHERE username=?",
            (failed, locked_until, self.username),
        )


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

    # --- users ------------------------------------------------------------------------------
    def count_users(self) -> int:
        if not self.exists:
            return 0
        with self.connect() as con:
            return int(con.execute("SELECT COUNT(*) FROM users").fetchone()[0])

    def user_rows(self) -> list[UserRow]:
        """Every user, by name."""
        if not self.exists:
            return []
        with self.connect() as con:
            rows = con.execute("SELECT username, role, area FROM users ORDER BY username")
            return [UserRow(r["username"], r["role"], r["area"]) for r in rows.fetchall()]

    def insert_user(
        self, username: str, password_hash: str, role: str, area: str | None, created_at: str
    ) -> bool:
        """Add a user; False (and nothing written) when the name is taken."""
        with self.connect() as con:
            if con.execute("SELECT 1 FROM users WHERE username=?", (username,)).fetchone():
                return False
            con.execute(
                "INSERT INTO users(username, password_hash, role, area, created_at) "
                "VALUES (?,?,?,?,?)",
                (username, password_hash, role, area, created_at),
            )
        return True

    def set_password(self, username: str, password_hash: str) -> bool:
        """A new password hash, and the failed-login count cleared; False: no such user."""
        with self.connect() as con:
            cur = con.execute(
                "UPDATE users SET password_hash=?, failed=0, locked_until=0 WHERE username=?",
                (password_hash, username),
            )
            return bool(cur.rowcount)

    def delete_user(self, username: str) -> bool:
        """False: no such user."""
        with self.connect() as con:
            return bool(con.execute("DELETE FROM users WHERE username=?", (username,)).rowcount)

    @contextlib.contextmanager
    def login(self, username: str) -> Iterator[LoginRecord]:
        """A user's credentials (None: no such user) and a way to record the attempt, in one
        transaction: two wrong passwords at once both count."""
        with self.connect() as con:
            row = con.execute(
                "SELECT password_hash, role, area, failed, locked_until FROM users "
                "WHERE username=?",
                (username,),
            ).fetchone()
            found = (
                None
                if row is None
                else Credentials(
                    row["password_hash"],
                    row["role"],
                    row["area"],
                    int(row["failed"]),
                    float(row["locked_until"]),
                )
            )
            yield LoginRecord(con, username, found)

    # --- the audit log ----------------------------------------------------------------------
    def append_audit(self, entry: Mapping[str, object]) -> None:
        """One entry: values for the columns of :data:`AUDIT_COLUMNS` but ``id``."""
        columns = AUDIT_COLUMNS[1:]
        names = ", ".join(f'"{c}"' for c in columns)
        with self.connect() as con:
            con.execute(
                f"INSERT INTO audit_log({names}) VALUES ({','.join('?' * len(columns))})",
                tuple(entry.get(c) for c in columns),
            )

    def audit_rows(self, *, limit: int | None = None) -> list[dict[str, Any]]:
        """Entries newest first, each a dict of :data:`AUDIT_COLUMNS`."""
        if not self.exists:
            return []
        select = ", ".join(f'"{c}"' for c in AUDIT_COLUMNS)
        sql = f"SELECT {select} FROM audit_log ORDER BY id DESC"
        params: Sequence[Any] = ()
        if limit is not None:
            sql += " LIMIT ?"
            params = (int(limit),)
        with self.connect() as con:
            return [dict(r) for r in con.execute(sql, params).fetchall()]
