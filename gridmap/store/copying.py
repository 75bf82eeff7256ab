"""``gridmap copy SRC DST``: move a whole workspace between GeoPackage and PostGIS.

Everything travels: every layer (all grid versions), the version history, the import log,
the grid <-> cell table, draft scopes, saved mappings, aggregate tables, the metadata, and the
users and audit log. The destination is written in one transaction (a temporary file swapped
in, or one database transaction), so a failed copy leaves it as it was.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import WorkspaceError
from .base import Transaction, Workspace, forget_stamp, is_url, open_workspace
from .gpkg import GpkgWorkspace, insert_frame
from .history import refresh_history
from .history_archive import ARCHIVE_TABLE, copy_archive
from .migrations import SECURITY_TABLES
from .security_store import SecurityStore
from .security_tables import create_pg_tables

__all__ = ["copy_workspace"]

#: Tables copied row by row into the destination's own (migrated) tables, in this order.
#: (``incident_history`` is not among them: it is rebuilt from the copied incidents; nor is
#: ``archive_history``, whose bytes go through :func:`~.history.copy_archive`.)
_HISTORY_TABLES = ("grid_versions", "import_log", "grid_cells", "draft_scopes", "saved_mappings")
#: Kept by each workspace for itself: migrations applied and the change counter.
_OWN_META = ("revision",)

Progress = Callable[[str], None]


def copy_workspace(
    src: str, dst: str, *, replace: bool = False, progress: Progress | None = None
) -> dict[str, Any]:
    """Copy ``src`` to ``dst``; return what was copied (rows per layer and table)."""
    say = progress or (lambda _m: None)
    source = open_workspace(src)
    target = Workspace(dst)
    if _same(source, target):
        raise WorkspaceError(f"{target.name}: source and destination are the same workspace")
    if target.exists and not replace:
        raise WorkspaceError(
            f"{target.name}: a workspace is already there; add --replace to overwrite it"
        )
    if not is_url(dst) and not str(dst).lower().endswith(".gpkg"):
        raise WorkspaceError(f"{dst}: a workspace file must end in .gpkg")
    t0 = time.perf_counter()
    copied: dict[str, int] = {}
    with _fresh_transaction(target) as (tx, security_at):
        for layer in source.layer_names():
            gdf = source.read_layer(layer)
            tx.write_layer(layer, gdf)
            copied[layer] = len(gdf)
            say(f"{layer}: {len(gdf):,} rows")
        meta = {k: v for k, v in source.meta().items() if k not in _OWN_META}
        tx.set_meta(meta)
        for table in _HISTORY_TABLES:
            if source.has_table(table):
                frame = source.query(f"SELECT * FROM {table}")
                tx.execute(f"DELETE FROM {table}")
                tx.append_rows(table, frame)
                copied[table] = len(frame)
        for table in source.table_names():
            frame = source.read_table(table)
            tx.write_table(table, frame)
            copied[table] = len(frame)
            say(f"{table}: {len(frame):,} rows")
        # The history's fids are the source's; the copied layer numbers its rows afresh.
        refresh_history(tx, None)
        copied[ARCHIVE_TABLE] = copy_archive(source, tx)
        copied.update(_copy_security(source, security_at, tx))
    return {
        "source": source.name,
        "destination": target.name,
        "rows": copied,
        "seconds": round(time.perf_counter() - t0, 2),
    }


def _same(a: Workspace, b: Workspace) -> bool:
    if is_url(a.location) or is_url(b.location):
        return a.name == b.name
    return Path(a.location).resolve() == Path(b.location).resolve()


@contextlib.contextmanager
def _fresh_transaction(target: Workspace) -> Iterator[tuple[Transaction, str]]:
    """A transaction on an empty destination that replaces what is there on success, and
    where the destination's users and audit log go."""
    if is_url(target.location):
        from .postgis import PostgisWorkspace

        assert isinstance(target, PostgisWorkspace)
        with target.transaction(fresh=True) as tx:
            yield tx, target.location
        return
    final = Path(target.location)
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = final.with_name(f".{final.name}.copy-{os.getpid()}.gpkg")
    tmp_security = Path(str(tmp) + ".security.sqlite")
    for stale in (tmp, tmp_security):
        stale.unlink(missing_ok=True)
    try:
        staging = GpkgWorkspace(tmp)
        with staging.transaction() as tx:
            yield tx, str(tmp)
        # The security file first: a workspace never appears without its users.
        if tmp_security.exists():
            os.replace(tmp_security, Path(str(final) + ".security.sqlite"))
        os.replace(tmp, final)
        forget_stamp(str(final))
    finally:
        for leftover in (tmp, tmp_security, tmp.with_name(f".{tmp.name}.lock")):
            leftover.unlink(missing_ok=True)


def _copy_security(source: Workspace, security_at: str, tx: Transaction) -> dict[str, int]:
    """Users (with their password hashes) and the audit log, entries and ids unchanged."""
    store = SecurityStore(source)
    if not store.exists:
        return {}
    frames: dict[str, pd.DataFrame] = {}
    with store.connect() as con:
        for table in SECURITY_TABLES:
            cur = con.execute(f"SELECT * FROM {table} ORDER BY 1")
            rows = [tuple(r) for r in cur.fetchall()]
            names = [d[0] for d in cur.description]
            frames[table] = pd.DataFrame(rows, columns=names)
    if is_url(security_at):
        # Same database transaction as the data: users appear with the workspace or not at all.
        create_pg_tables(tx.execute)
        for table, frame in frames.items():
            tx.append_rows(table, frame)
    else:
        with SecurityStore(security_at).connect() as con:
            for table, frame in frames.items():
                insert_frame(con, table, frame)
    return {f"security.{t}": len(f) for t, f in frames.items()}
