"""Start the real app on a free port and wait until Streamlit is healthy (tests and scripts)."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("GRIDMAP_CHROMIUM", "/usr/bin/chromium")
#: Flags that keep headless Chromium off the (closed) network; see RECIPES.md.
BROWSER_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
#: Streamlit has finished running the script.
IDLE = "[data-testid=stApp][data-test-script-state=notRunning]"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def running_app(
    workspace: str | Path, port: int | None = None, *, options: Sequence[str] = ()
) -> Iterator[str]:
    """Serve ``app.py`` for ``workspace`` (a file or a PostGIS URL); yields the base URL and
    stops the server after. ``options`` are more ``streamlit run`` flags (``--secrets.files``)."""
    from gridmap.report.fonts import web_fonts
    from gridmap.store import is_url

    web_fonts(ROOT)  # the Chinese theme font, as `gridmap serve` makes it (cached after once)
    port = port or free_port()
    location = str(workspace) if is_url(workspace) else str(Path(workspace).resolve())
    env = dict(os.environ, GRIDMAP_WORKSPACE=location)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(ROOT / "app.py"),
            "--server.headless",
            "true",
            "--server.address",
            "127.0.0.1",
            "--server.port",
            str(port),
            "--browser.gatherUsageStats",
            "false",
            "--server.fileWatcherType",
            "none",
            *options,
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if urllib.request.urlopen(f"{url}/_stcore/health", timeout=1).read() == b"ok":
                    break
            except OSError:
                time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)
