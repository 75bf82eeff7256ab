"""The append-only audit log: who did what, when, on which version, from CLI or app."""

from __future__ import annotations

import datetime as dt
import getpass
import json
from typing import Any

import pandas as pd

from ..store.security_store import SecurityStore

__all__ = ["AuditLog", "os_user"]


def os_user() -> str:
    """Who runs a CLI command (the operating-system account)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (containers)
        return "unknown"


class AuditLog:
    """Entries are only ever appended; the database refuses updates and deletes."""

    def __init__(self, workspace: object) -> None:
        self.store = SecurityStore(workspace)

    def append(
        self,
        action: str,
        *,
        user: str,
        role: str | None = None,
        target: str | None = None,
        version: int | None = None,
        detail: dict[str, Any] | None = None,
        via: str = "app",
    ) -> None:
        with self.store.connect() as con:
            con.execute(
                'INSERT INTO audit_log(at, "user", role, action, target, version, detail, via) '
                "VALUES (?,?,?,?,?,?,?,?)",
                (
                    dt.datetime.now().isoformat(sep=" ", timespec="seconds"),
                    user,
                    role,
                    action,
                    target,
                    version,
                    json.dumps(detail, ensure_ascii=False, default=str) if detail else None,
                    via,
                ),
            )

    def read(self, *, limit: int | None = None) -> pd.DataFrame:
        """Newest first."""
        cols = ["id", "at", "user", "role", "action", "target", "version", "detail", "via"]
        if not self.store.exists:
            return pd.DataFrame(columns=cols)
        with self.store.connect() as con:
            select = ", ".join(f'"{c}"' for c in cols)
            sql = f"SELECT {select} FROM audit_log ORDER BY id DESC"
            params: tuple[Any, ...] = ()
            if limit is not None:
                sql += " LIMIT ?"
                params = (int(limit),)
            rows = con.execute(sql, params).fetchall()
        return pd.DataFrame([dict(r) for r in rows], columns=cols)
