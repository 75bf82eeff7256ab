"""Which forecasting method a workspace's risk map uses: the method choice as a value, computed
from frames or from the workspace itself, and the job that computes it in a child process.

:func:`gridmap.analytics.backtest.select_method` runs the rolling-origin backtest of every
method: seconds on the demo, about a minute and gigabytes on a city of ten million incidents.
The app runs it in a low-priority child process (:func:`start_child`, :func:`child_status`),
so that the server's sessions keep their core and the backtest's memory is not the server's.
The child is a fresh interpreter (``python -c``), not a fork of the threaded server nor a
``multiprocessing`` spawn (which would re-run the server's ``__main__``: under Streamlit, the
app script); it never imports streamlit.
"""

from __future__ import annotations

import logging
import os
import pickle
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd

from ..analytics import backtest as bt
from ..analytics.incidents import IncidentTable
from ..errors import SchemaError, error_line
from ..loading import load_incident_table
from ..store import Workspace

__all__ = [
    "CHILD_NICE",
    "MIN_ORIGINS",
    "ForecastStatus",
    "child_status",
    "error_status",
    "main",
    "method_status",
    "start_child",
    "workspace_method_status",
]

log = logging.getLogger(__name__)

#: Fewer test periods than this cannot tell methods apart: the line says history is too short.
MIN_ORIGINS = 4
#: How much lower the child's scheduling priority is than the server's (nice value, every
#: thread): under load the sessions' answers come first, the backtest takes what is left.
CHILD_NICE = 10


@dataclass(frozen=True)
class ForecastStatus:
    """The outcome of the method choice for one workspace version, horizon and resolution.

    ``reason`` is ``""`` when ``choice`` holds a test over at least :data:`MIN_ORIGINS`
    periods; otherwise ``"none"`` (no incidents), ``"area"`` (no study-area cell at this
    resolution), ``"short"`` (too little history: ``choice`` may still hold a test over
    fewer periods) or ``"error"`` (``detail`` has the one-line reason). Plain values all
    through, so it pickles (the child process sends it back).
    """

    choice: bt.ForecastBacktest | None
    reason: str
    days: int
    horizon_days: int
    detail: str = ""

    @property
    def usable(self) -> bool:
        return self.choice is not None and not self.reason


def error_status(exc: BaseException | str, horizon: int) -> ForecastStatus:
    """The ``"error"`` status whose detail is the first line of ``exc`` (at most 300 chars)."""
    return ForecastStatus(None, "error", 0, horizon, detail=error_line(exc))


def method_status(
    table: IncidentTable, grids: gpd.GeoDataFrame, *, horizon: int = 7, res: int = 9
) -> ForecastStatus:
    """The method choice for incidents ``table`` over the study area of ``grids``, as a status.

    Never raises: a failure becomes the ``"error"`` status (the page shows one line; the
    traceback goes to the log).
    """
    try:
        span = table.time_range
        if span is None:
            return ForecastStatus(None, "none", 0, horizon)
        days = (span[1] - span[0]).days + 1
        if not bt.study_area(grids, res).size:
            return ForecastStatus(None, "area", days, horizon)
        try:
            choice = bt.select_method(table, grids, horizon=horizon, res=res)
        except SchemaError:
            # The only SchemaError left is "the test windows must lie between ...": the data
            # do not hold one horizon of test after 28 days of history.
            return ForecastStatus(None, "short", days, horizon)
        short = len(choice.origins) < MIN_ORIGINS
        return ForecastStatus(choice, "short" if short else "", days, horizon)
    except Exception as exc:  # the page shows one line; the traceback goes to the log
        log.exception("forecast method choice failed")
        return error_status(exc, horizon)


def workspace_method_status(location: str, *, horizon: int = 7, res: int = 9) -> ForecastStatus:
    """:func:`method_status` of the workspace at ``location`` (a file or a PostGIS URL), read
    here: its incidents over the grids in force, as the app's loaders read them."""
    try:
        ws = Workspace(location)
        table = load_incident_table(ws)
        grids = ws.read_grids()
    except Exception as exc:  # e.g. the file went away: one line, as for a failed backtest
        log.exception("forecast method choice: reading %s failed", location)
        return error_status(exc, horizon)
    return method_status(table, grids, horizon=horizon, res=res)


#: The child's command, given the parent's pid: the request comes on stdin (a PostGIS URL's
#: password stays out of the process list), the pickled status goes back on stdout.
_CHILD = (
    "import sys; from gridmap.services.forecast_job import main; sys.exit(main(int(sys.argv[1])))"
)


def start_child(location: str, *, horizon: int = 7, res: int = 9) -> subprocess.Popen[bytes]:
    """Start the method choice of ``location`` in a child process; its answer is read by
    :func:`child_status`. Raises OSError when no process can be started."""
    proc = subprocess.Popen(
        [sys.executable, "-c", _CHILD, str(os.getpid())],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        close_fds=True,
    )
    assert proc.stdin is not None
    try:  # a few hundred bytes: the pipe takes them at once, whatever the child is doing
        proc.stdin.write(pickle.dumps((str(location), int(horizon), int(res))))
        proc.stdin.close()
    except OSError:  # the child died at once; child_status words it
        pass
    return proc


def child_status(proc: subprocess.Popen[bytes], *, horizon: int = 7) -> ForecastStatus:
    """The status the child ``proc`` of :func:`start_child` answers, once it is done (this
    waits). A child that ends without an answer (killed, out of memory, an import error)
    gives the ``"error"`` status saying so."""
    assert proc.stdout is not None
    with proc.stdout:
        out = proc.stdout.read()
    code = proc.wait()
    if code == 0:
        try:
            status = pickle.loads(out)  # our own child's answer: trusted
        except Exception as exc:  # a truncated answer
            return error_status(f"the forecast process answered garbage ({exc})", horizon)
        if isinstance(status, ForecastStatus):
            return status
    log.error("forecast child process ended without an answer (exit code %s)", code)
    return error_status(f"the forecast process ended without an answer (exit code {code})", horizon)


def _orphaned(parent: int) -> None:
    """Exit once the parent is gone (a server stopped or killed mid-backtest: nobody waits
    for the answer), checked every second."""
    while os.getppid() == parent:
        time.sleep(1.0)
    os._exit(3)


def _lower_priority() -> None:
    """Lower every thread of this process by :data:`CHILD_NICE`. On Linux the nice value is
    per thread (``os.nice`` lowers only the caller's), and numpy's BLAS pool and the
    allocator's threads were started by the imports, before :func:`main` ran; threads started
    later inherit the lowered value."""
    target = min(19, os.getpriority(os.PRIO_PROCESS, 0) + CHILD_NICE)
    tasks = Path("/proc/self/task")
    for tid in sorted(int(t.name) for t in tasks.iterdir()) if tasks.is_dir() else [0]:
        try:
            os.setpriority(os.PRIO_PROCESS, tid, target)
        except OSError:  # a thread that has just ended, or not allowed here
            log.warning("forecast job: could not lower the priority of thread %d", tid)


def main(parent: int) -> int:
    """The child's work (see :func:`start_child`; ``parent`` is the pid of the process that
    started it, gone already if the child's own parent differs): lower its own priority, read
    the request from stdin, compute the status and write it, pickled, to stdout."""
    answer = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # anything a library prints goes to the log, not into the answer
    threading.Thread(target=_orphaned, args=(parent,), daemon=True).start()
    _lower_priority()
    location, horizon, res = pickle.loads(sys.stdin.buffer.read())
    status = workspace_method_status(location, horizon=horizon, res=res)
    answer.write(pickle.dumps(status, protocol=pickle.HIGHEST_PROTOCOL))
    answer.close()
    return 0
