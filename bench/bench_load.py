"""20 concurrent sessions on the demo: page answers over Streamlit's websocket protocol.

Each simulated session opens its own websocket (as a browser tab does), asks for the 一张图,
驾驶舱 and 风险 pages in turn and times each answer from the request to Streamlit's
``script_finished`` message; an exception element in any answer counts as an error. The peer
is the same three pages asked by one session alone on the same warm server, so the ratio is
how much 20 users at once slow each answer down.

Usage: python bench/bench_load.py [SESSIONS]   (builds the demo workspace if missing)
"""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from _served import ROOT, ask, free_port, open_session, start_server, stop, wait_healthy

from gridmap.store import is_url

#: The demo GeoPackage, or any workspace (a PostGIS URL too) named by GRIDMAP_BENCH_WS.
WS = os.environ.get("GRIDMAP_BENCH_WS", str(ROOT / "workspace" / "lanzhou.gpkg"))
PAGES = ("", "cockpit", "risk")  # "" is the default page, 一张图
TARGET_MEDIAN_S = 2.0


async def _session(port: int, times: list[float], errors: list[str]) -> None:
    conn = await open_session(port)
    try:
        for page in PAGES:
            times.append(await ask(conn, page, errors))
    finally:
        await conn.close()


async def _run(port: int, sessions: int) -> tuple[list[float], list[str], float]:
    times: list[float] = []
    errors: list[str] = []
    start = time.perf_counter()
    await asyncio.gather(*(_session(port, times, errors) for _ in range(sessions)))
    return times, errors, time.perf_counter() - start


def main(sessions: int = 20) -> int:
    if not is_url(WS) and not Path(WS).exists():
        subprocess.run([sys.executable, "-m", "gridmap.cli", "demo", "--out", WS], check=True)
    port = free_port()
    proc = start_server(WS, port)
    try:
        wait_healthy(port, 60)
        asyncio.run(_run(port, 1))  # warm the caches: the target is "after warm-up"
        alone, alone_errors, _ = asyncio.run(_run(port, 1))
        times, errors, wall = asyncio.run(_run(port, sessions))
    finally:
        stop(proc)
    errors += alone_errors
    med, med_alone = statistics.median(times), statistics.median(alone)
    p95 = sorted(times)[max(0, round(0.95 * len(times)) - 1)]
    ok = not errors and len(times) == sessions * len(PAGES) and med < TARGET_MEDIAN_S
    print(
        f"load_{sessions}_sessions_{len(PAGES)}_pages  gridmap median {med:.2f} s (p95 "
        f"{p95:.2f} s, {len(times)} answers in {wall:.1f} s)  peer 1 session {med_alone:.2f} s  "
        f"{med / med_alone:.1f}x  errors={len(errors)} median<{TARGET_MEDIAN_S:g}s ok={ok}"
    )
    for e in errors[:5]:
        print(f"  error: {e}")
    return 0  # a report: the line says ok=False when a target is missed


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 20))
