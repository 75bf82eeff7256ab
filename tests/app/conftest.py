"""App tests see a page's exception as the exception it is.

The served app turns a failing page into one line with a log reference
(``gridmap.ui.guard``); under AppTest that would hide a traceback from ``at.exception``, so
the app tests run with ``GRIDMAP_DEBUG=1``, which lets the exception through. The test of the
one-line message itself removes the variable.
"""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _page_errors_raise(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRIDMAP_DEBUG", "1")
