"""A tiny time-limited memo for answers every page rerun asks for again and again.

The app asks "has the workspace changed?" and "does it have users?" several times per rerun,
and twenty sessions rerun at once. A few seconds' staleness is invisible to people; the
process's own changes forget the entry at once (:meth:`TtlMemo.forget`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Generic, TypeVar

__all__ = ["TtlMemo"]

_T = TypeVar("_T")


class TtlMemo(Generic[_T]):
    """key -> value, recomputed when older than ``ttl_s`` seconds."""

    def __init__(self, ttl_s: float) -> None:
        self.ttl_s = ttl_s
        self._seen: dict[str, tuple[float, _T]] = {}

    def get(self, key: str, compute: Callable[[], _T]) -> _T:
        now = time.monotonic()
        seen = self._seen.get(key)
        if seen is not None and now - seen[0] < self.ttl_s:
            return seen[1]
        value = compute()
        self._seen[key] = (now, value)
        return value

    def forget(self, key: str) -> None:
        self._seen.pop(key, None)
