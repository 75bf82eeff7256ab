"""The security file beside a workspace: schema, connections, append-only triggers."""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

__all__ = ["SecurityStore", "security_path"]

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS users (username TEXT PRIMARY KEY, password_hash TEXT NOT NULL, "
    "role TEXT NOT NULL, area TEXT, created_at TEXT NOT NULL, failed INTEGER NOT NULL "
    "DEFAULT 0, locked_until REAL NOT NULL DEFAULT 0)",
    "CREATE TABLE IF NOT EXISTS audit_log (id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT "
    "NULL, user TEXT NOT NULL, role TEXT, action TEXT NOT NULL, target TEXT, version INTEGER, "
    "detail TEXT, via TEXT NOT NULL)",
    # Append-only: the database itself refuses to change or delete an entry.
    "CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit_log BEGIN "
    "SELECT RAISE(ABORT, 'the audit log is append-only'); END",
    "CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit_log BEGIN "
    "SELECT RAISE(ABORT, 'the audit log is append-only'); END",
)


def security_path(workspace: str | Path) -> Path:
    """``ws.gpkg`` -> ``ws.gpkg.security.sqlite`` in the same folder."""
    p = Path(workspace)
    return p.with_name(p.name + ".security.sqlite")


#: Files whose tables exist already in this process: the schema is not re-run per connection
#: (the app connects on every rerun to know whether a login is needed).
_READY: set[Path] = set()


class SecurityStore:
    """Connections to the security file, created (mode 0600) on first use."""

    def __init__(self, workspace: str | Path) -> None:
        self.path = security_path(workspace)

    @property
    def exists(self) -> bool:
        return self.path.exists()

    @contextlib.contextmanager
    def connect(self) -> Iterator[sqlite3.Connection]:
        new = not self.path.exists()
        if new:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # Password hashes and the audit trail: readable by the server's user only.
            fd = os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600)
            os.close(fd)
        if new:
            _READY.discard(self.path)
        con = sqlite3.connect(self.path, timeout=10)
        con.row_factory = sqlite3.Row
        try:
            if self.path not in _READY:
                con.execute("PRAGMA journal_mode=WAL")  # readers never block the one writer
                for sql in _SCHEMA:
                    con.execute(sql)
                con.commit()
                _READY.add(self.path)
            yield con
            con.commit()
        finally:
            con.close()
