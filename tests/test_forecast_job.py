"""The forecast method choice in a child process (gridmap.services.forecast_job): the served
app's cockpit and Risk lines come from it, so it must answer exactly what the server would
have computed itself, run at a lower priority than the server, and turn every failure into
the page's one-line "error" status."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from gridmap.loading import load_incident_table
from gridmap.services import forecast_job as job
from gridmap.store import Workspace


def _same(a: job.ForecastStatus, b: job.ForecastStatus) -> None:
    assert (a.reason, a.days, a.horizon_days, a.detail) == (
        b.reason,
        b.days,
        b.horizon_days,
        b.detail,
    )
    assert (a.choice is None) == (b.choice is None)
    if a.choice is not None and b.choice is not None:
        pd.testing.assert_frame_equal(a.choice.rows, b.choice.rows)
        # Everything else of the backtest, NaN included (json writes it as NaN both sides).
        dump = {"default": str, "sort_keys": True}
        assert json.dumps(a.choice.to_dict(), **dump) == json.dumps(b.choice.to_dict(), **dump)  # type: ignore[arg-type]


def test_the_child_answers_what_the_server_computes(busy_workspace: str) -> None:
    ws = Workspace(busy_workspace)
    for horizon in (7, 14):
        here = job.method_status(load_incident_table(ws), ws.read_grids(), horizon=horizon)
        assert here.usable  # a real test over enough periods, not a "short" or "error" line
        there = job.child_status(job.start_child(busy_workspace, horizon=horizon), horizon=horizon)
        _same(there, here)
        assert there.choice is not None and len(there.choice.rows) == 13  # 3 baselines + 10


def test_too_little_history_is_said_by_the_child_too(workspace: str) -> None:
    """No incidents at all: the "none" line, as in the server."""
    ws = Workspace(workspace)
    here = job.method_status(load_incident_table(ws), ws.read_grids())
    there = job.child_status(job.start_child(workspace))
    assert here.reason == there.reason == "none"


def test_a_failure_in_the_child_is_one_error_line(tmp_path: Path) -> None:
    broken = tmp_path / "broken.gpkg"
    broken.write_text("not a GeoPackage")
    status = job.child_status(job.start_child(str(broken), horizon=14), horizon=14)
    assert status.reason == "error" and status.choice is None and status.horizon_days == 14
    assert status.detail == "file is not a database"

    killed = job.start_child(str(broken))
    killed.kill()
    status = job.child_status(killed)
    assert status.reason == "error"
    assert status.detail.startswith("the forecast process ended without an answer (exit code")


def _thread_nices(pid: int) -> list[int]:
    """The nice value of every thread of process ``pid`` (Linux: it is per thread)."""
    tasks = Path(f"/proc/{pid}/task")
    return [os.getpriority(os.PRIO_PROCESS, int(t.name)) for t in tasks.iterdir()]


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="threads listed in /proc")
def test_the_child_runs_below_the_servers_priority() -> None:
    """While it waits for its request, the child has already lowered its priority, in every
    thread (numpy's BLAS workers too, started by its imports)."""
    child = subprocess.Popen(
        [sys.executable, "-c", job._CHILD, str(os.getpid())],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    assert child.stdin is not None and child.stdout is not None
    want = min(19, os.getpriority(os.PRIO_PROCESS, 0) + job.CHILD_NICE)
    try:
        deadline = time.monotonic() + 60
        while set(nices := _thread_nices(child.pid)) != {want}:
            assert time.monotonic() < deadline and child.poll() is None, nices
            time.sleep(0.05)
        assert len(nices) > 1  # the main thread and at least the watchdog
    finally:
        child.stdin.close()  # no request: the child ends without an answer
        with child.stdout:
            child.stdout.read()
        child.wait(timeout=60)
    assert child.returncode != 0


def test_a_child_whose_server_is_gone_stops_by_itself() -> None:
    """A server killed mid-backtest leaves no child computing for nobody: the child sees its
    parent is not the server that started it and ends, though its stdin is still open."""
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    child = subprocess.Popen(
        [sys.executable, "-c", job._CHILD, gone.stdout.strip()],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    assert child.stdin is not None and child.stdout is not None
    try:
        code = child.wait(timeout=60)
    finally:
        child.kill()
        child.stdin.close()
        with child.stdout:
            assert child.stdout.read() == b""
    assert code == 3
