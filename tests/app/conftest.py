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

from .helpers import serve_or_skip


@pytest.fixture(autouse=True)
def _page_errors_raise(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRIDMAP_DEBUG", "1")


@pytest.fixture
def served(busy_workspace: Path) -> Iterator[str]:
    """The busy 2x2 workspace served on a free port, for the Chromium tests (skipped
    without Chromium, failed when CI requires it)."""
    yield from serve_or_skip(busy_workspace)
