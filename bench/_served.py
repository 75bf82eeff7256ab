"""A served app for the benchmarks: start ``streamlit run app.py`` on a workspace and ask it
for pages over Streamlit's websocket protocol, as a browser tab does."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.asyncio.client import ClientConnection, connect

from gridmap.cli.serve import MALLOC_ENV

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(workspace: str, port: int) -> subprocess.Popen[bytes]:
    """The app on ``workspace`` without the background warm-up (pages compute on demand)."""
    env = dict(os.environ, GRIDMAP_WORKSPACE=str(workspace), GRIDMAP_WARM="0")
    env.update({k: v for k, v in MALLOC_ENV.items() if k not in os.environ})  # as `gridmap serve`
    return subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.headless",
         "true", "--server.port", str(port), "--server.fileWatcherType", "none",
         "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip


def wait_healthy(port: int, timeout_s: float = 120.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health").read():
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"the app on port {port} did not answer within {timeout_s:g} s")


def stop(proc: subprocess.Popen[Any]) -> None:
    proc.terminate()
    proc.wait(timeout=60)


def rss_mb(pid: int, field: str = "VmRSS") -> float:
    """Resident memory of a process now (VmRSS), or its peak so far (``field="VmHWM"``), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def open_session(port: int) -> ClientConnection:
    return await connect(
        f"ws://127.0.0.1:{port}/_stcore/stream",
        subprotocols=["streamlit"],  # type: ignore[list-item]
        max_size=None,
    )


async def ask(conn: ClientConnection, page: str, errors: list[str]) -> float:
    """Seconds from asking for ``page`` ("" is the default page) to the script's end; an
    exception element or an unknown page is added to ``errors``."""
    msg = BackMsg()
    msg.rerun_script.query_string = ""
    msg.rerun_script.page_name = page
    start = time.perf_counter()
    await conn.send(msg.SerializeToString())
    while True:
        data = await asyncio.wait_for(conn.recv(), timeout=600)
        fwd = ForwardMsg()
        fwd.ParseFromString(data if isinstance(data, bytes) else data.encode())
        kind = fwd.WhichOneof("type")
        element = fwd.delta.new_element if kind == "delta" else None
        if element is not None and element.WhichOneof("type") == "exception":
            errors.append(f"{page or 'map'}: {element.exception.message}")
        if kind == "page_not_found":
            errors.append(f"{page}: page not found")
        if kind == "script_finished":
            return time.perf_counter() - start
