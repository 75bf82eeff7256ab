"""The two engines: partitions in this process (threads), or mapped over a Dask cluster."""

from __future__ import annotations

import contextlib
import logging
import socket
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pandas as pd

from ..errors import SchemaError
from ..indexing import available_cores
from ..joins import GridLookup
from ._aggregate import aggregate_partition, merge_aggregates
from ._values import PartitionAggregates, PartitionSpec, Progress

# Partition counts merged at a time: bounds memory without many small merge tasks.
_FAN_IN = 8


#: Each partition's history payloads by path, as the engines collect them.
Histories = dict[str, pd.DataFrame]


def run_local(
    specs: Sequence[PartitionSpec],
    lookup: GridLookup,
    *,
    cell_res: int,
    workers: int,
    progress: Progress,
) -> tuple[PartitionAggregates, Histories]:
    def one(spec: PartitionSpec) -> PartitionAggregates:
        return aggregate_partition(spec, lookup, cell_res=cell_res)

    held: list[PartitionAggregates] = []
    histories: Histories = {}
    # Threads share the lookup; pyarrow, h3ronpy and numpy release the GIL for most of it.
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for done, (spec, part) in enumerate(zip(specs, pool.map(one, specs), strict=True), start=1):
            histories[spec.path] = part.history
            held.append(part)
            if len(held) > _FAN_IN:
                held = [merge_aggregates(*held)]
            progress(done / len(specs), f"{done}/{len(specs)} partitions")
    return merge_aggregates(*held), histories


def _history_of(part: PartitionAggregates) -> pd.DataFrame:
    return part.history


def _probe(address: str, timeout_s: float) -> None:
    """Fail fast, with one line, when nothing listens at a scheduler address.

    ``distributed.Client`` raises after its timeout too, but the half-built client then
    prints a traceback from its finaliser when the process exits.
    """
    from distributed.comm import parse_address, parse_host_port

    allowed = "give a running scheduler's address, e.g. tcp://10.0.0.5:8786"
    try:
        scheme, location = parse_address(address)
        if scheme not in ("tcp", "tls"):
            return  # inproc:// (same process) and other transports: Client reports
        host, port = parse_host_port(location)
    except ValueError as exc:
        raise SchemaError(f"--scheduler {address}: {exc}; {allowed}") from None
    try:
        with socket.create_connection((host, port), timeout=timeout_s):
            pass
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise SchemaError(f"--scheduler {address}: cannot connect ({reason}); {allowed}") from None


@contextlib.contextmanager
def _client(scheduler: str | None, workers: int | None, timeout_s: float) -> Iterator[Any]:
    """A client of the given scheduler, else of a LocalCluster closed on exit."""
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise SchemaError(
            "--engine dask needs the dask extra: pip install 'gridmap[dask]' "
            "(or use --engine local)"
        ) from None
    if scheduler is not None:
        _probe(scheduler, timeout_s)
        try:
            client = Client(scheduler, timeout=timeout_s, set_as_default=False)
        except (OSError, ValueError) as exc:
            raise SchemaError(f"--scheduler {scheduler}: not a Dask scheduler ({exc})") from None
        try:
            try:
                client.wait_for_workers(1, timeout=timeout_s)
            except TimeoutError:
                raise SchemaError(
                    f"--scheduler {scheduler}: the cluster has no workers (waited "
                    f"{timeout_s:g} s); start some with dask worker {scheduler}"
                ) from None
            yield client
        finally:
            client.close()  # only the client: an existing cluster keeps running
        return
    # One single-threaded process per core: the work holds the GIL part of the time, and
    # processes keep a partition's peak memory apart from the others'.
    cluster = LocalCluster(
        n_workers=workers or available_cores(),
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        silence_logs=logging.CRITICAL,
    )
    try:
        with Client(cluster, set_as_default=False) as client:
            yield client
    finally:
        cluster.close()


def run_dask(
    client: Any,
    specs: Sequence[PartitionSpec],
    lookup: GridLookup,
    *,
    cell_res: int,
    progress: Progress,
) -> tuple[PartitionAggregates, Histories, int]:
    """The merged counts of every partition mapped over ``client``'s cluster, each
    partition's history, and the cluster's number of worker threads."""
    from distributed import as_completed

    n_workers = len(client.nthreads())
    # Built once here and sent once to every worker; tasks reference it by key.
    shared = client.scatter(lookup, broadcast=True, hash=False)
    # pure=False: a rerun after the files changed must read them again.
    parts = client.map(
        aggregate_partition, list(specs), lookup=shared, cell_res=cell_res, pure=False
    )
    # Each partition's history comes back on its own as it finishes; the merge tree carries
    # counts only (merge_aggregates drops histories), so no worker holds them all.
    history_futures = client.map(_history_of, parts, pure=False)
    path_of = {f.key: s.path for f, s in zip(history_futures, specs, strict=True)}
    # A tree of merges on the workers: only the archive's total comes back here.
    level = list(parts)
    while len(level) > 1:
        level = [
            client.submit(merge_aggregates, *level[i : i + _FAN_IN], pure=False)
            for i in range(0, len(level), _FAN_IN)
        ]
    total = level[0]
    finished = as_completed(history_futures, loop=client.loop)
    del parts, level, history_futures  # the cluster frees a partition once it is merged
    histories: Histories = {}
    # No explicit cancel on the way out: closing the client releases everything it
    # holds, and cancelling scattered data trips an assertion in the scheduler.
    for done, future in enumerate(finished, start=1):
        # .result() raises a partition's error now, not after the rest.
        histories[path_of[future.key]] = future.result()
        future.release()
        progress(done / len(specs), f"{done}/{len(specs)} partitions")
    result: PartitionAggregates = total.result()
    return result, histories, n_workers


def run_engine(
    engine: str,
    specs: Sequence[PartitionSpec],
    lookup: GridLookup,
    *,
    cell_res: int,
    scheduler: str | None,
    workers: int | None,
    timeout_s: float,
    progress: Progress,
) -> tuple[PartitionAggregates, Histories, int]:
    """The merged counts of every partition on ``engine``, each partition's history by path,
    and the number of workers used."""
    if engine == "dask":
        with _client(scheduler, workers, timeout_s) as client:
            return run_dask(client, specs, lookup, cell_res=cell_res, progress=progress)
    n_workers = workers or 1
    total, histories = run_local(
        specs, lookup, cell_res=cell_res, workers=n_workers, progress=progress
    )
    return total, histories, n_workers
