"""JSON that every parser accepts: no ``NaN``, no ``Infinity``, only plain types.

Python's :mod:`json` writes ``NaN`` and ``Infinity`` for non-finite floats by default, which
jq, browsers and most other languages reject. Every ``--json`` output and plan file goes
through :func:`dumps`, which turns a missing value into ``null`` and unwraps numpy and pandas
scalars, so governance centres can script gridmap with any tool.

>>> dumps({"rate": float("nan"), "n": 3})
'{"rate": null, "n": 3}'
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["dumps", "strict"]


def _scalar(value: Any) -> Any:
    """A plain JSON scalar for ``value``, or ``value`` itself when it is a container."""
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        number = float(value)
        return number if math.isfinite(number) else None
    if value is None or value is pd.NaT or value is pd.NA:
        return None
    return value  # dates, paths and the like: the encoder's ``default=str``


def strict(value: Any) -> Any:
    """``value`` with every non-finite number replaced by ``None`` and numpy/pandas unwrapped.

    Mappings become dicts with string keys, sequences (lists, tuples, sets, arrays, Series)
    become lists; anything else unknown is left for the encoder's ``default``.
    """
    if isinstance(value, Mapping):
        return {str(_scalar(k)): strict(v) for k, v in value.items()}
    if isinstance(value, pd.Series):
        return [strict(v) for v in value.tolist()]
    if isinstance(value, np.ndarray):
        return [strict(v) for v in value.tolist()]
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(value, key=str) if isinstance(value, set | frozenset) else value
        return [strict(v) for v in items]
    return _scalar(value)


def dumps(value: Any, *, indent: int | None = None) -> str:
    """Strict JSON text for ``value`` (UTF-8 characters kept, never ``NaN``/``Infinity``).

    Raises
    ------
    ValueError
        Never for floats (they are cleaned first); only if an encoder ``default`` produced
        a non-finite float, which would be a bug.
    """
    clean = strict(value)
    return json.dumps(clean, ensure_ascii=False, indent=indent, default=str, allow_nan=False)
