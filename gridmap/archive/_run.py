"""The whole run: check the arguments and the workspace, aggregate, store in one transaction."""

from __future__ import annotations

import time
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from .. import schema
from ..crs import CrsSpec
from ..errors import SchemaError, WorkspaceError
from ..importing.grids import basic_lookup
from ..joins import GridLookup
from ..store import Workspace, open_workspace
from ..store.history import write_payloads
from ..store.history_archive import ARCHIVE_ASSIGNED_KEY, ARCHIVE_TABLE, ARCHIVE_VERSION_KEY
from ._aggregate import reduce_partitions
from ._engines import Histories, run_engine
from ._partitions import find_partitions, inspect_partitions
from ._values import (
    ARCHIVE_CELLS,
    ARCHIVE_FILES,
    ARCHIVE_GRIDS,
    DEFAULT_TZ,
    ENGINES,
    INCIDENTS,
    INDEXED,
    NO_POINT,
    NO_TIME,
    OUTSIDE_GRIDS,
    ROWS_READ,
    ArchiveAggregates,
    ArchiveSummary,
    Progress,
)


def _check_args(
    engine: str, scheduler: str | None, workers: int | None, cell_res: int, timeout_s: float
) -> None:
    problems = []
    if engine not in ENGINES:
        problems.append(f"--engine {engine!r}; allowed: {', '.join(ENGINES)}")
    if scheduler is not None and engine != "dask":
        problems.append("--scheduler needs --engine dask")
    if workers is not None:
        if not (isinstance(workers, int) and workers >= 1):
            problems.append(f"--workers {workers!r}; allowed: an integer >= 1")
        elif scheduler is not None:
            problems.append("--workers sizes a local cluster; not with --scheduler")
    if not (isinstance(cell_res, int) and 0 <= cell_res <= schema.POINT_RES):
        problems.append(f"--res {cell_res!r}; allowed: an H3 resolution 0..{schema.POINT_RES}")
    if not timeout_s > 0:
        problems.append(f"timeout {timeout_s!r}; allowed: seconds > 0")
    if problems:
        raise SchemaError("; ".join(problems))


def _grids_in_force(ws: Workspace) -> tuple[int, GridLookup]:
    """The published grid version of ``ws`` and the lookup of its basic grids."""
    ws.check()
    where = ws.name  # a path, or a database URL without its password
    version = ws.published_version()
    if version is None:
        raise SchemaError(
            f"{where}: no published grid version to assign incidents to; import grids "
            "(gridmap import WORKSPACE grids FILE) or publish a draft (gridmap plan publish)"
        )
    lookup = basic_lookup(ws.read_grids(version))
    if lookup is None:
        raise SchemaError(f"{where}: grid version {version} holds no basic grids")
    return version, lookup


def _history_rows(histories: Histories) -> pd.DataFrame:
    """Every partition's payloads in one frame to store, in path order (so both engines
    store the same rows); a day held by several partitions gets parts 0, 1, 2 ..."""
    frames = [histories[path] for path in sorted(histories) if len(histories[path])]
    if not frames:
        return pd.DataFrame({"day": [], "part": [], "n": [], "payload": []})
    rows = pd.concat(frames, ignore_index=True)
    rows["part"] = rows.groupby("day", sort=False).cumcount().to_numpy(dtype=np.int64)
    return rows.sort_values(["day", "part"], ignore_index=True)


def _store(
    ws: Workspace,
    result: ArchiveAggregates,
    history: pd.DataFrame,
    version: int,
    *,
    archive: str | Path,
    crs_label: str,
    unclassified: int,
    user: str | None,
    note: str,
) -> None:
    """Replace the archive tables and the archived incidents' history and log the run, in
    one transaction, unless another grid version was published meanwhile.

    In place (a GeoPackage is not copied whole): the run writes only its own tables.
    """
    with ws.transaction(in_place=True) as tx:
        # Refuse rather than store counts of grids no longer in force.
        now = tx.published_version()
        if now != version:
            raise WorkspaceError(
                f"{ws.name}: grid version {now} was published while indexing with version "
                f"{version}; run gridmap index again"
            )
        tx.write_table(ARCHIVE_CELLS, result.cells)
        tx.write_table(ARCHIVE_GRIDS, result.grids)
        tx.write_table(ARCHIVE_FILES, result.files)
        tx.execute(f"DELETE FROM {ARCHIVE_TABLE}")
        write_payloads(tx, history, table=ARCHIVE_TABLE)
        tx.set_meta({ARCHIVE_VERSION_KEY: version, ARCHIVE_ASSIGNED_KEY: "points"})
        tx.log_import(
            user=user,
            kind="archive",
            file=str(archive),
            crs=crs_label,
            rows_read=result.total(ROWS_READ),
            imported=result.total(INDEXED),
            rejected=result.total(NO_POINT) + result.total(NO_TIME),
            unclassified=unclassified,
            version=version,
            note=note,
        )


def index_archive(
    archive: str | Path,
    workspace: Workspace | str | Path,
    *,
    engine: str = "local",
    scheduler: str | None = None,
    workers: int | None = None,
    cell_res: int = 9,
    crs: str | CrsSpec | None = None,
    mapping: Mapping[str, str] | None = None,
    user: str | None = None,
    timeout_s: float = 10.0,
    progress: Progress | None = None,
) -> ArchiveSummary:
    """Index and assign an archive of GeoParquet partitions; store the counts.

    Parameters
    ----------
    archive
        A folder of partition files (searched recursively), a glob or one file.
    workspace
        An existing workspace (a GeoPackage path or a ``postgresql://`` URL) with a
        published grid version.
    engine
        ``"local"`` (in this process) or ``"dask"`` (see the module docstring).
    scheduler
        Address of a running Dask scheduler (``tcp://host:8786``); without it the
        ``dask`` engine starts a ``LocalCluster`` and closes it at the end.
    workers
        Threads of the ``local`` engine (default 1) or worker processes of the
        ``LocalCluster`` (default: one per core).
    cell_res
        H3 resolution of ``archive_cells`` (0 to :data:`~gridmap.schema.POINT_RES`).
    crs
        Coordinate system of every partition's points, overriding the files' metadata.
    mapping
        Source COLUMN -> field (``occurred_at``, ``category``), as ``gridmap import --map``.
    user
        Recorded in the import log.
    timeout_s
        How long to wait for a scheduler to answer and for it to have a worker.
    progress
        Called with (fraction done, message) after every partition.

    Returns
    -------
    ArchiveSummary

    Raises
    ------
    WorkspaceError
        For a missing workspace, or one whose grid version changed during the run.
    SchemaError
        For bad arguments, a workspace without basic grids, missing columns, an
        unreachable scheduler or a missing ``dask`` install.
    ImportFileError
        For no partition files, files that are not GeoParquet or cannot be read.
    """
    started = time.perf_counter()
    progress = progress or (lambda _f, _m: None)
    _check_args(engine, scheduler, workers, cell_res, timeout_s)
    ws = workspace if isinstance(workspace, Workspace) else open_workspace(workspace)
    version, lookup = _grids_in_force(ws)
    tz = ws.meta().get("timezone", DEFAULT_TZ)
    specs = inspect_partitions(find_partitions(archive), mapping=mapping, crs=crs, tz=tz)

    total, histories, n_workers = run_engine(
        engine,
        specs,
        lookup,
        cell_res=cell_res,
        scheduler=scheduler,
        workers=workers,
        timeout_s=timeout_s,
        progress=progress,
    )
    result = reduce_partitions([total], lookup)
    unclassified = int(
        result.cells.loc[result.cells[schema.CATEGORY] == schema.UNCLASSIFIED.code, INCIDENTS].sum()
    )
    history = _history_rows(histories)
    del histories
    _store(
        ws,
        result,
        history,
        version,
        archive=archive,
        crs_label=", ".join(sorted({s.crs.label for s in specs})),  # partitions may differ
        unclassified=unclassified,
        user=user,
        note=f"engine {engine} ({n_workers} workers), {len(specs)} partitions, "
        f"{result.total(NO_POINT)} without a valid point, {result.total(NO_TIME)} without a "
        f"valid time, {result.total(OUTSIDE_GRIDS)} outside every grid; cells at H3 "
        f"resolution {cell_res}",
    )
    seconds = time.perf_counter() - started
    return ArchiveSummary(
        archive=str(archive),
        workspace=ws.name,
        engine=engine,
        workers=n_workers,
        scheduler=scheduler,
        partitions=len(specs),
        rows_read=result.total(ROWS_READ),
        indexed=result.total(INDEXED),
        no_point=result.total(NO_POINT),
        no_time=result.total(NO_TIME),
        outside_grids=result.total(OUTSIDE_GRIDS),
        unclassified=unclassified,
        grid_version=version,
        cell_res=cell_res,
        cell_rows=len(result.cells),
        grid_rows=len(result.grids),
        seconds=seconds,
        history_days=int(history["day"].nunique()),
        history_bytes=int(sum(map(len, history["payload"]))),
    )
