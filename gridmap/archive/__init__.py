"""Index and aggregate archives of GeoParquet incident partitions, in-process or on Dask.

An archive is a folder (or glob) of GeoParquet files of incidents, one partition per file:
years of a city's records, or a province's, too many rows (tens of millions) for
``gridmap import``, which stores every incident. Here every partition is read where it is
computed, each point is indexed to its H3 cell at :data:`gridmap.schema.POINT_RES` and
assigned to a basic grid of the workspace's published grid version by the rule of
:mod:`gridmap.joins`, and only counts leave the partition. The counts of all partitions
are summed and written into the workspace in one transaction, so a failed partition, a
lost worker or an interrupted run leaves the workspace as it was.

Engines
-------
``local``
    Partitions one after another in this process (or in ``workers`` threads): small
    archives, and the reference the ``dask`` engine must equal.
``dask``
    The same per-partition function mapped over the partition paths on a Dask
    ``distributed`` cluster: an existing one given by its scheduler address, else a
    ``LocalCluster`` of one single-threaded worker process per core. Paths travel to the
    workers, never data: the files must be readable at the same path on every worker
    (shared storage). The grid lookup is built once here and broadcast to the workers.
    Needs the ``dask`` extra (``pip install 'gridmap[dask]'``); a script that starts the
    ``LocalCluster`` this way needs the usual ``if __name__ == "__main__":`` guard, as
    every cluster of worker processes does.

Both engines run :func:`aggregate_partition` and reduce with :func:`reduce_partitions`,
so their results are identical.

Input
-----
Each file must be GeoParquet (a ``geo`` key in the Parquet metadata) with point
geometries, WKB- or ``point``-encoded, and two columns found by the importer's header
recognition (or ``mapping``, the CLI's ``--map COLUMN=FIELD``): ``occurred_at`` (a
timestamp, a date or text such as ``2024-03-05 14:02``) and ``category`` (any value
:func:`gridmap.io.mapping.map_categories` knows: a 1+6 code, a zh/en label or an alias;
others count as ``unclassified``). Points are reprojected from the CRS in the file's
metadata (no ``crs`` key means OGC:CRS84, as the GeoParquet specification says);
``crs`` overrides it, which GCJ-02 and BD-09 archives need. Timestamps with a time zone
are converted to the workspace's time zone; naive ones are taken as local time.

A row is rejected, and counted per file, when it has no valid point (null, empty or not a
point, NaN, ``(0, 0)``, out of range after reprojection) or, failing that, no valid time
(null, unparseable, a year outside 1990-2100). Every other row is *indexed*:
``rows_read = indexed + no_point + no_time`` per file and in total. Tens of millions of
rows get counts per reason, not a row-by-row rejects file.

Tables written
--------------
Each run replaces these attribute tables (``Workspace.read_table`` reads them):

``archive_cells``
    ``h3_cell`` (int64), ``month`` (text ``YYYY-MM``), ``category`` (text code),
    ``incidents`` (int64): indexed rows per cell of the display resolution ``cell_res``
    (default 9), month of ``occurred_at`` and category, rows outside every grid included.
    The cell is the parent of the point's :data:`~gridmap.schema.POINT_RES` cell, as the
    app aggregates stored incidents, so archive and workspace counts agree cell by cell.
``archive_grids``
    ``grid_code`` (text), ``month``, ``category``, ``incidents``: the same rows per basic
    grid; rows outside every grid are not in it (their number is ``outside_grids``).
``archive_files``
    ``file``, ``rows_read``, ``indexed``, ``no_point``, ``no_time``, ``outside_grids``:
    one row per partition file.

Rows are sorted by cell (or grid code), month and category in :data:`CATEGORY_CODES`
order (the schema's, ``unclassified`` last); files by path.

Cells are stored as int64, as the ``h3_cell`` column of the incident layer and the
``grid_cells`` table store them: SQLite integers are signed 64-bit and every valid H3
index fits (its top bit is reserved and always 0), a number takes 8 bytes where the hex
string takes 15, and joins with ``grid_cells`` compare integers.
:func:`gridmap.indexing.cells_to_str` gives the hex form pydeck draws.

The run is logged in the import log (``kind = 'archive'``; ``imported`` = indexed rows,
``rejected`` = rows without a valid point or time, ``version`` = the grid version used).
"""

from __future__ import annotations

from ._aggregate import aggregate_partition, merge_aggregates, reduce_partitions
from ._partitions import find_partitions, inspect_partitions
from ._run import index_archive
from ._values import (
    ARCHIVE_CELLS,
    ARCHIVE_FILES,
    ARCHIVE_GRIDS,
    CATEGORY_CODES,
    ENGINES,
    INCIDENTS,
    MONTH,
    ArchiveAggregates,
    ArchiveSummary,
    PartitionAggregates,
    PartitionSpec,
)

__all__ = [
    "ARCHIVE_CELLS",
    "ARCHIVE_FILES",
    "ARCHIVE_GRIDS",
    "CATEGORY_CODES",
    "ENGINES",
    "INCIDENTS",
    "MONTH",
    "ArchiveAggregates",
    "ArchiveSummary",
    "PartitionAggregates",
    "PartitionSpec",
    "aggregate_partition",
    "find_partitions",
    "index_archive",
    "inspect_partitions",
    "merge_aggregates",
    "reduce_partitions",
]
