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
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.asyncio.client import connect

from gridmap.store import is_url

ROOT = Path(__file__).resolve().parent.parent
#: The demo GeoPackage, or any workspace (a PostGIS URL too) named by GRIDMAP_BENCH_WS.
WS = os.environ.get("GRIDMAP_BENCH_WS", str(ROOT / "workspace" / "lanzhou.gpkg"))
PAGES = ("", "cockpit", "risk")  # "" is the default page, 一张图
TARGET_MEDIAN_S = 2.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _session(port: int, times: list[float], errors: list[str]) -> None:
    conn = await connect(
        f"ws://127.0.0.1:{port}/_stcore/stream",
        subprotocols=["streamlit"],  # type: ignore[list-item]
        max_size=None,
    )
    try:
        for page in PAGES:
            msg = BackMsg()
            msg.rerun_script.query_string = ""
            msg.rerun_script.page_name = page
            start = time.perf_counter()
            await conn.send(msg.SerializeToString())
            while True:
                data = await asyncio.wait_for(conn.recv(), timeout=300)
                fwd = ForwardMsg()
                fwd.ParseFromString(data if isinstance(data, bytes) else data.encode())
                kind = fwd.WhichOneof("type")
                element = fwd.delta.new_element if kind == "delta" else None
                if element is not None and element.WhichOneof("type") == "exception":
                    errors.append(f"{page}: {element.exception.message}")
                if kind == "page_not_found":
                    errors.append(f"{page}: page not found")
                if kind == "script_finished":
                    times.append(time.perf_counter() - start)
                    break
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
    port = _free_port()
    env = dict(os.environ, GRIDMAP_WORKSPACE=str(WS), GRIDMAP_WARM="0")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.headless",
         "true", "--server.port", str(port), "--server.fileWatcherType", "none",
         "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        for _ in range(300):
            try:
                if urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health").read():
                    break
            except OSError:
                time.sleep(0.2)
        asyncio.run(_run(port, 1))  # warm the caches: the target is "after warm-up"
        alone, alone_errors, _ = asyncio.run(_run(port, 1))
        times, errors, wall = asyncio.run(_run(port, sessions))
    finally:
        proc.terminate()
        proc.wait(timeout=30)
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
