"""A summary of a workspace: layers, counts, time range, grid versions, last imports."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from ..schema import OCCURRED_AT, Layer
from .base import open_workspace
from .history import history_status
from .history_archive import archive_status

__all__ = ["workspace_info"]


def workspace_info(path: str | Path, *, last_imports: int = 10) -> dict[str, Any]:
    """What ``gridmap info`` prints, as a JSON-able dict."""
    ws = open_workspace(path)
    meta = ws.meta()
    counts = ws.counts()
    t_from, t_to = ws.time_range(Layer.INCIDENTS, OCCURRED_AT)
    log = ws.import_log().tail(last_imports)
    return {
        "path": ws.name,
        "synthetic": meta.get("synthetic", "false").lower() == "true",
        "meta": meta,
        "layers": counts,
        "incidents_from": t_from,
        "incidents_to": t_to,
        "history": history_status(ws),
        "archive": archive_status(ws),
        "published_version": ws.published_version(),
        "grid_versions": [dataclasses.asdict(v) for v in ws.grid_versions()],
        "last_imports": log.to_dict(orient="records"),
    }
