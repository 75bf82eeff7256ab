"""``gridmap serve``: the Streamlit app for a workspace, with its login mode and fonts."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from ..errors import SchemaError
from ._common import Subparsers

#: glibc malloc settings of the server process (defaults; the deployment's own win).
#: Streamlit runs every session and the background warm-up in threads of their own, and
#: glibc's dynamic mmap threshold then keeps freed arrays of up to 32 MB in per-thread
#: arenas. Measured on the scale-30 demo (9.7 M incidents), every page visited: 1.24-1.45 GB
#: resident once the background backtest is done without these, 1.09-1.25 GB with them;
#: 3.65 vs 3.3 GB while it runs; peak 4.85 vs 4.1 GB; no page slower.
MALLOC_ENV = {
    "MALLOC_ARENA_MAX": "2",
    "MALLOC_MMAP_THRESHOLD_": "131072",
    "MALLOC_TRIM_THRESHOLD_": "131072",
}


def _serve_auth(workspace: str, no_auth: bool) -> str:
    """How the app authenticates: ``required`` (users exist), ``demo`` or ``off``."""
    from ..security import UserStore
    from ..store import open_workspace

    if UserStore(workspace).any():
        return "required"
    if open_workspace(workspace).meta().get("synthetic") == "true":
        return "demo"  # the synthetic demo may run without login
    if no_auth:
        print("gridmap: warning: serving without login (--no-auth)", file=sys.stderr)
        return "off"
    raise SchemaError(
        f"{workspace}: not the demo and no users; add one (gridmap users {workspace} add NAME "
        "--role admin) or start with --no-auth to serve without login"
    )


def _absolute(location: str) -> str:
    """A file path made absolute (the app runs in another folder); a URL as it is."""
    from ..store import is_url

    return location if is_url(location) else str(Path(location).resolve())


def _serve_fonts(app_dir: Path, cjk_font: str | None) -> None:
    """The Chinese web fonts the app's theme serves (built once, so a browser without a
    Chinese font shows no boxes), and the report font built in the background so the first
    PNG/PDF export does not wait for it (``cjk_font``: the deployment's own font file)."""
    import contextlib
    import threading

    from ..report.fonts import ReportError, cjk_family, web_fonts

    def say(line: str) -> None:
        print(line, file=sys.stderr)

    try:
        web_fonts(app_dir, announce=say)
    except ReportError as exc:
        say(f"warning: {exc}; browsers without a Chinese font will show boxes")

    def report_font() -> None:
        with contextlib.suppress(ReportError):
            cjk_family(cjk_font)

    threading.Thread(target=report_font, name="report-font", daemon=True).start()


def _cmd_serve(args: argparse.Namespace) -> int:
    from ..config import Environment
    from ..store import open_workspace

    open_workspace(args.workspace)  # fail here, with one line, rather than in the browser
    app = Path(__file__).resolve().parents[2] / "app.py"  # gridmap/cli/serve.py
    if not app.exists():
        raise SchemaError(f"{app}: app.py not found (serve runs from a source checkout)")
    env = dict(
        os.environ,
        GRIDMAP_WORKSPACE=_absolute(args.workspace),
        GRIDMAP_AUTH=_serve_auth(_absolute(args.workspace), args.no_auth),
    )
    # Slow first visits (coverage, rebalance, cockpit) are computed in the background.
    env.setdefault("GRIDMAP_WARM", "1")
    for name, value in MALLOC_ENV.items():
        env.setdefault(name, value)
    # Only what was asked is passed on, so .streamlit/config.toml and STREAMLIT_* apply.
    cmd = [sys.executable, "-m", "streamlit", "run", str(app)]
    if args.port is not None:
        cmd += ["--server.port", str(args.port)]
    if args.address is not None:
        cmd += ["--server.address", args.address]
    # Settings are read here, at the edge, and passed to the library.
    _serve_fonts(app.parent, Environment.from_environ(os.environ).cjk_font)
    return subprocess.call(cmd, env=env, cwd=app.parent)


def _add_serve(sub: Subparsers) -> None:
    p = sub.add_parser("serve", help="serve the app for a workspace")
    p.add_argument("workspace")
    p.add_argument("--port", type=int)
    p.add_argument("--address")
    p.add_argument(
        "--no-auth", action="store_true", help="serve a non-demo workspace without login"
    )
    p.set_defaults(func=_cmd_serve)


#: The parsers this group adds, by command (the main parser keeps the order of the help).
COMMANDS: dict[str, Callable[[Subparsers], None]] = {"serve": _add_serve}
