"""App tests see a page's exception as the exception it is.

The served app turns a failing page into one line with a log reference
(``gridmap.ui.guard``); under AppTest that would hide a traceback from ``at.exception``, so
the app tests run with ``GRIDMAP_DEBUG=1``, which lets the exception through. The test of the
one-line message itself removes the variable.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ..builders import require
from .server import CHROMIUM, running_app


@pytest.fixture(autouse=True)
def _page_errors_raise(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRIDMAP_DEBUG", "1")


@pytest.fixture
def served(busy_workspace: Path) -> Iterator[str]:
    """The busy 2x2 workspace served on a free port, for the Chromium tests (skipped
    without Chromium, failed when CI requires it)."""
    if not Path(CHROMIUM).exists():
        if require("GRIDMAP_REQUIRE_BROWSER"):
            pytest.fail(f"Chromium not found at {CHROMIUM} (required in CI)")
        pytest.skip("Chromium not installed")
    with running_app(busy_workspace) as url:
        yield url
