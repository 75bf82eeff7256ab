"""The append-only audit log: who did what, when, on which version, from CLI or app."""

from __future__ import annotations

import datetime as dt
import getpass
import json
from typing import Any

import pandas as pd

from ..store.security_store import AUDIT_COLUMNS, SecurityStore

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
        """One entry; ``action`` is one of :class:`gridmap.schema.AuditAction`."""
        self.store.append_audit(
            {
                "at": dt.datetime.now().isoformat(sep=" ", timespec="seconds"),
                "user": user,
                "role": role,
                "action": action,
                "target": target,
                "version": version,
                "detail": json.dumps(detail, ensure_ascii=False, default=str) if detail else None,
                "via": via,
            }
        )

    def read(self, *, limit: int | None = None) -> pd.DataFrame:
        """Newest first."""
        return pd.DataFrame(self.store.audit_rows(limit=limit), columns=list(AUDIT_COLUMNS))
