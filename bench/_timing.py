"""Timing helper shared by the benchmarks (run as scripts: ``python bench/bench_x.py``)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

REPEAT = 3


def best_of(func: Callable[[], Any], repeat: int = REPEAT) -> tuple[float, Any]:
    """Best wall time of ``repeat`` calls and the last result."""
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = func()
        best = min(best, time.perf_counter() - start)
    return best, result
