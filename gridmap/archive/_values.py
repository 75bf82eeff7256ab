"""Names and values of an archive run: table and column names, the stored category codes,
and the frozen values passed between the client, the workers and the caller."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import pandas as pd

from .. import schema
from ..crs import CrsSpec

ENGINES: tuple[str, ...] = ("local", "dask")
Progress = Callable[[float, str], None]

#: Table names (see the module docstring).
ARCHIVE_CELLS = "archive_cells"
ARCHIVE_GRIDS = "archive_grids"
ARCHIVE_FILES = "archive_files"
#: Column names the archive tables add to those of :mod:`gridmap.schema`.
MONTH = "month"
INCIDENTS = "incidents"
FILE = "file"
ROWS_READ = "rows_read"
INDEXED = "indexed"
NO_POINT = "no_point"
NO_TIME = "no_time"
OUTSIDE_GRIDS = "outside_grids"
COUNTS = (ROWS_READ, INDEXED, NO_POINT, NO_TIME, OUTSIDE_GRIDS)

#: Stored category codes; a partition carries positions into this tuple (one byte a row).
CATEGORY_CODES: tuple[str, ...] = (*schema.CATEGORIES.codes, schema.UNCLASSIFIED.code)
DEFAULT_TZ = "Asia/Shanghai"


@dataclass(frozen=True)
class PartitionSpec:
    """What a worker needs to aggregate one partition: the path and how to read it.

    Built on the client by :func:`inspect_partitions`; small, so it travels to the
    workers instead of the data.
    """

    path: str
    geometry: str
    encoding: str  # "WKB" or "point"
    occurred_at: str
    category: str
    crs: CrsSpec
    tz: str = DEFAULT_TZ
    #: Optional columns the stored history keeps when the archive has them.
    closed_at: str | None = None
    handling_class: str | None = None


@dataclass(frozen=True)
class PartitionAggregates:
    """Counts of one partition, or of several merged, in compact form.

    ``files`` has one row per partition file (``file``, ``rows_read``, ``indexed``,
    ``no_point``, ``no_time``, ``outside_grids``). ``cells`` has columns ``h3_cell``
    (int64), ``month`` (months since 1970-01), ``category`` (position in
    :data:`CATEGORY_CODES`) and ``incidents``; ``grids`` has ``grid`` (position in the
    lookup's codes) in place of ``h3_cell``. Rows are in no particular order.

    ``history`` holds one partition's indexed incidents as history payloads (``day``,
    ``part``, ``n``, ``payload``: :func:`gridmap.store.history.table_payloads`). The engines
    collect it partition by partition; :func:`~gridmap.archive.merge_aggregates` sums the
    counts only and leaves it empty.
    """

    files: pd.DataFrame
    cells: pd.DataFrame
    grids: pd.DataFrame
    history: pd.DataFrame = field(default_factory=pd.DataFrame)


@dataclass(frozen=True)
class ArchiveAggregates:
    """The summed counts of an archive, as the tables stored (see the module docstring)."""

    cells: pd.DataFrame
    grids: pd.DataFrame
    files: pd.DataFrame

    def total(self, column: str) -> int:
        """Sum of one of ``rows_read``, ``indexed``, ``no_point``, ``no_time``,
        ``outside_grids`` over the files."""
        return int(self.files[column].sum())


@dataclass(frozen=True)
class ArchiveSummary:
    """What :func:`index_archive` did (printed by ``gridmap index``)."""

    archive: str
    workspace: str
    engine: str
    workers: int
    scheduler: str | None
    partitions: int
    rows_read: int
    indexed: int
    no_point: int
    no_time: int
    outside_grids: int
    unclassified: int
    grid_version: int
    cell_res: int
    cell_rows: int
    grid_rows: int
    seconds: float
    #: Days and bytes of the stored history of the archived incidents.
    history_days: int = 0
    history_bytes: int = 0

    @property
    def rows_per_s(self) -> float:
        return self.rows_read / self.seconds if self.seconds > 0 else math.inf

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "rows_per_s": round(self.rows_per_s)}
