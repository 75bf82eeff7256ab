"""Five years of archive behind the demo: ``gridmap index --engine dask`` on 30 million
generated incidents, then the served app's answers, beside the demo without the archive.

The archive: one GeoParquet partition per month for the five years before the demo's first
incident (60 x 500,000 rows by default). Points are the demo's own incident locations moved
by up to ~50 m, so they fall in the demo's grids as its incidents do (a few outside);
categories are Chinese labels in the demo's proportions; 90 % of cases carry a closure time
hours to days later and a handling class (A/B/C). Written like a non-Python exporter would
(WKB by hand, ``bench_index_archive._geoparquet``).

Printed, each beside a peer measured in the same run:

- ``archive_index``: ``gridmap index ARCHIVE WS --engine dask`` (a LocalCluster of one
  worker process per core) as a CLI run: wall time and the peak of the summed resident memory
  of the CLI and its workers; peer: ``--engine local`` (one process) on a second copy. Both
  must store identical ``archive_history`` payloads and index every row.
- ``archive_incident_load``: :func:`gridmap.loading.load_incident_table` in a fresh process:
  the demo's 324,000 incidents plus the archive's, against the demo alone.
- ``archive_cold_first_page`` / ``archive_warm_pages`` / ``archive_server_rss``: the served
  app on the workspace with the archive, against the demo without it (every page visited;
  the same targets as ``bench_city_scale``: first page < 15 s, warm answers < 2 s, < 3 GB).

Usage: python bench/bench_archive_scale.py [MONTHS [ROWS_PER_MONTH]]   (default 60 500000)
Files go to GRIDMAP_BENCH_ARCHIVE_DIR (default /tmp/gridmap-bench/archive); the demo
workspace is built first if missing.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import psutil
import pyarrow as pa
from _served import ROOT
from bench_city_scale import _load, _serve, print_served
from bench_index_archive import _geoparquet

from gridmap.store import open_workspace

DEMO = ROOT / "workspace" / "lanzhou.gpkg"
OUT = Path(os.environ.get("GRIDMAP_BENCH_ARCHIVE_DIR", "/tmp/gridmap-bench/archive"))
HANDLING = np.array(["A", "B", "C"], dtype=object)


def _demo_points() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.datetime64]:
    """The demo's incident locations, their category codes and its first day."""
    ws = open_workspace(DEMO)
    incidents = ws.read_layer("incidents", columns=["category"])
    first = np.datetime64(ws.time_range("incidents", "occurred_at")[0], "D")
    codes = incidents["category"].astype(str).to_numpy(dtype=object)
    return incidents.geometry.x.to_numpy(), incidents.geometry.y.to_numpy(), codes, first


def _labels(values: np.ndarray, rows: np.ndarray) -> pa.DictionaryArray:
    """``values[rows]`` as a dictionary-encoded column (as Spark and pandas categoricals write)."""
    distinct, index = np.unique(values, return_inverse=True)
    return pa.DictionaryArray.from_arrays(pa.array(index[rows].astype(np.int32)), distinct.tolist())


def write_archive(folder: Path, months: int, rows: int) -> float:
    """``months`` monthly partitions of ``rows`` incidents ending the day before the demo's
    first; returns seconds taken."""
    start = time.perf_counter()
    folder.mkdir(parents=True, exist_ok=True)
    lon, lat, codes, first = _demo_points()
    rng = np.random.default_rng(20261207)
    end = first.astype("datetime64[M]")
    for k in range(months):
        month = end - months + k
        lo = month.astype("datetime64[s]")
        span = int(((month + 1).astype("datetime64[s]") - lo).astype(np.int64))
        pick = rng.integers(0, len(lon), rows)
        # ~50 m at Lanzhou's latitude: 0.0005 degrees of latitude, 0.0006 of longitude.
        x = lon[pick] + rng.uniform(-0.0006, 0.0006, rows)
        y = lat[pick] + rng.uniform(-0.0005, 0.0005, rows)
        occurred = lo + rng.integers(0, span, rows).astype("timedelta64[s]")
        hours = rng.lognormal(np.log(20), 1.0, rows).astype(np.int64) + 1
        closed = occurred + (hours * 3600).astype("timedelta64[s]")
        columns = {
            "occurred_at": pa.array(occurred),
            "closed_at": pa.array(closed, mask=rng.random(rows) < 0.1),  # 10 % still open
            "category": _labels(codes, pick),
            "handling_class": _labels(HANDLING, rng.integers(0, 3, rows)),
        }
        _geoparquet(folder / f"{month!s}.parquet", x, y, columns, 4326)
    return time.perf_counter() - start


def _tree_rss(proc: psutil.Process) -> int:
    total = 0
    for p in [proc, *proc.children(recursive=True)]:
        with contextlib.suppress(psutil.NoSuchProcess):  # a worker that just ended
            total += p.memory_info().rss
    return total


def _index(archive: Path, ws: Path, engine: str) -> tuple[float, float, dict[str, object]]:
    """``gridmap index`` as a CLI run: seconds, peak summed RSS (GB) and its --json."""
    cmd = [sys.executable, "-m", "gridmap.cli", "index", str(archive), str(ws)]
    cmd += ["--engine", engine, "--json"]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    watched, peak, done = psutil.Process(proc.pid), [0], threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], _tree_rss(watched))
            done.wait(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate()
    done.set()
    sampler.join()
    seconds = time.perf_counter() - start
    if proc.returncode:
        raise SystemExit(f"gridmap index --engine {engine} failed: {err.strip()[-500:]}")
    return seconds, peak[0] / 1024**3, json.loads(out)


def _archive_digest(ws: Path) -> str:
    rows = open_workspace(ws).query("SELECT day, part, n, payload FROM archive_history")
    digest = hashlib.sha1()
    for day, part, n, payload in sorted(rows.itertuples(index=False, name=None)):
        digest.update(f"{day}|{part}|{n}|".encode())
        digest.update(bytes(payload))
    return digest.hexdigest()


def main(months: int = 60, rows: int = 500_000) -> int:
    if not DEMO.exists():
        demo = [sys.executable, "-m", "gridmap.cli", "demo", "--out", str(DEMO)]
        subprocess.run(demo, check=True)
    archive = OUT / f"parts-{months}x{rows}"
    if not archive.exists():
        tmp = archive.with_name(archive.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        wrote = write_archive(tmp, months, rows)
        tmp.rename(archive)
        size = sum(f.stat().st_size for f in archive.iterdir()) / 1e9
        print(f"  archive written: {months * rows:,} rows, {size:.2f} GB in {wrote:.0f} s")
    ws, ws_local = OUT / "demo+archive.gpkg", OUT / "demo+archive.local.gpkg"
    for copy in (ws, ws_local):
        shutil.copyfile(DEMO, copy)

    t_dask, gb_dask, dask = _index(archive, ws, "dask")
    t_local, gb_local, local = _index(archive, ws_local, "local")
    same = _archive_digest(ws) == _archive_digest(ws_local)
    n = months * rows
    ok = same and dask["indexed"] == local["indexed"] and dask["rows_read"] == n
    print(
        f"archive_index_{n // 1_000_000}M  gridmap dask {t_dask:.0f} s (peak {gb_dask:.2f} GB, "
        f"{dask['workers']} workers)  peer local engine {t_local:.0f} s (peak {gb_local:.2f} GB)  "
        f"{t_local / t_dask:.1f}x  indexed={dask['indexed']:,} of {n:,} identical_history={ok}  "
        f"[history {dask['history_days']:,} days, {dask['history_bytes'] / 1e6:,.0f} MB]"
    )

    mine, peer = _load(ws), _load(DEMO)
    print(
        f"archive_incident_load  gridmap {mine['s']:.2f} s (peak {mine['peak_mb']:.0f} MB, "
        f"{mine['n']:,} incidents)  peer demo alone {peer['s']:.2f} s (peak "
        f"{peer['peak_mb']:.0f} MB, {peer['n']:,})  {float(mine['s']) / float(peer['s']):.1f}x "
        f"slower  counted={mine['n'] == peer['n'] + dask['indexed']}"
    )

    app, base = _serve(ws, sessions=0), _serve(DEMO, sessions=0)
    print_served("archive", app, base, "peer demo alone", slower=True)
    for e in [*app.errors, *base.errors][:5]:
        print(f"  error: {e}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(*(int(a) for a in sys.argv[1:3])))
