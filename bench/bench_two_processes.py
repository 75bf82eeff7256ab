"""Several app processes on one PostGIS workspace: each one's cold start and memory.

Starts one app process alone, then N at the same moment, all on the same workspace (a
``postgresql://…?schema=…`` URL), and prints for each: the first page from a cold start
(process start to the end of the default page), the cockpit's first answer, and the
process's resident memory (VmRSS) after the cockpit. Processes on one machine share its
cores, so N started together take longer than one alone; each keeps its own caches.

Usage: python bench/bench_two_processes.py [WS] [N] [--serve] [--port P]
  (without WS: GRIDMAP_BENCH_PG_WS; without either it prints that it skipped)
  WS       the workspace, e.g. postgresql://postgres@127.0.0.1:55432/gridmap?schema=demo
           (build one with ``gridmap demo URL``)
  N        processes started together (default 2)
  --serve  start them with ``gridmap serve`` (background warm-up on, as deployed) instead
           of ``streamlit run app.py`` without warm-up (as bench_city_scale.py)
  --port P the processes listen on P, P+1, … (default: free ports)
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import psutil
from _served import ask, free_port, open_session, rss_mb, start_server, stop, wait_healthy


@dataclass
class Answer:
    cold_s: float
    cockpit_s: float
    rss_mb: float
    errors: list[str]


def _start(ws: str, port: int, serve: bool) -> subprocess.Popen[bytes]:
    if not serve:
        return start_server(ws, port)
    gridmap = Path(sys.executable).with_name("gridmap")  # the console script beside python
    cmd = [str(gridmap), "serve", ws, "--port", str(port)]
    cmd += ["--address", "127.0.0.1"]
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _app_pid(proc: subprocess.Popen[bytes]) -> int:
    """The process that serves the app: ``gridmap serve`` runs Streamlit as its child."""
    children = psutil.Process(proc.pid).children(recursive=True)
    return children[-1].pid if children else proc.pid


async def _visit(ws: str, port: int, serve: bool) -> tuple[subprocess.Popen[bytes], Answer]:
    started = time.perf_counter()
    proc = _start(ws, port, serve)
    await asyncio.to_thread(wait_healthy, port, 300.0)
    errors: list[str] = []
    conn = await open_session(port)
    try:
        await ask(conn, "", errors)
        cold = time.perf_counter() - started
        cockpit = await ask(conn, "cockpit", errors)
    finally:
        await conn.close()
    return proc, Answer(cold, cockpit, rss_mb(_app_pid(proc)), errors)


async def _together(ws: str, n: int, serve: bool, port: int | None) -> list[Answer]:
    ports = [port + i if port else free_port() for i in range(n)]
    runs = await asyncio.gather(*(_visit(ws, p, serve) for p in ports))
    for proc, _ in runs:
        # `gridmap serve` waits on its Streamlit child: stop the child first.
        for child in psutil.Process(proc.pid).children(recursive=True):
            child.terminate()
            child.wait(timeout=60)
        stop(proc)
    return [answer for _, answer in runs]


def _line(label: str, a: Answer) -> str:
    bad = f"  ERRORS {a.errors}" if a.errors else ""
    return (
        f"{label:<14} cold first page {a.cold_s:5.1f} s  cockpit {a.cockpit_s:5.2f} s  "
        f"VmRSS after cockpit {a.rss_mb:6.0f} MB{bad}"
    )


def main(argv: list[str]) -> int:
    serve = "--serve" in argv
    args = [a for a in argv if a != "--serve"]
    port = None
    if "--port" in args:
        at = args.index("--port")
        port = int(args[at + 1])
        del args[at : at + 2]
    ws = args[0] if args else os.environ.get("GRIDMAP_BENCH_PG_WS", "")
    n = int(args[1]) if len(args) > 1 else 2
    if not ws:  # `make bench` without a PostGIS workspace: say so, do not fail
        print("two_processes  skipped: no workspace (give WS or set GRIDMAP_BENCH_PG_WS)")
        return 0
    alone = asyncio.run(_together(ws, 1, serve, port))[0]
    together = asyncio.run(_together(ws, n, serve, port))
    worst = max(a.cold_s for a in together)
    errors = sum(len(a.errors) for a in [alone, *together])
    print(
        f"two_processes_{n}  gridmap {n} together: slowest cold first page {worst:.1f} s  "
        f"peer 1 alone {alone.cold_s:.1f} s  {worst / alone.cold_s:.1f}x  errors={errors}  "
        f"({'gridmap serve' if serve else 'streamlit run, no warm-up'})"
    )
    print("  " + _line("alone", alone))
    for i, answer in enumerate(together, 1):
        print("  " + _line(f"{i} of {n}", answer))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
