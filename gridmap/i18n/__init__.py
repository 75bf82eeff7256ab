"""Interface strings in Chinese (default) and English: one catalogue, one function.

Every sentence a user reads goes through :func:`t`. The catalogue is kept in one module per
area of the app (``_data``, ``_cockpit``, ...); a key defined in two of them is an error at
import, so an area cannot silently override another's wording.
"""

from __future__ import annotations

from collections.abc import Sequence

from . import (
    _cockpit,
    _coverage,
    _data,
    _forecast,
    _fusion,
    _general,
    _importing,
    _rebalance,
    _security,
)

__all__ = ["LANGS", "pick", "t"]

LANGS = ("zh", "en")


def _merge(*parts: dict[str, tuple[str, str]]) -> dict[str, tuple[str, str]]:
    merged: dict[str, tuple[str, str]] = {}
    for part in parts:
        clash = merged.keys() & part.keys()
        if clash:
            raise RuntimeError(f"i18n keys defined twice: {sorted(clash)}")
        merged.update(part)
    return merged


_STRINGS = _merge(
    _general.STRINGS,
    _data.STRINGS,
    _coverage.STRINGS,
    _security.STRINGS,
    _rebalance.STRINGS,
    _forecast.STRINGS,
    _cockpit.STRINGS,
    _importing.STRINGS,
    _fusion.STRINGS,
)


def pick(pair: Sequence[str], lang: str) -> str:
    """The ``lang`` text of a ``(zh, en)`` pair made from the catalogue (an analysis keeps
    both sentences, so the app and the command line show either without recomputing).

    >>> pick(("户", "households"), "en")
    'households'
    """
    return pair[0 if lang == "zh" else 1]


def t(key: str, lang: str = "zh", **kwargs: object) -> str:
    """The string for ``key`` in ``lang``; an unknown key shows itself (visible, not silent)."""
    pair = _STRINGS.get(key)
    text = key if pair is None else pick(pair, lang)
    return text.format(**kwargs) if kwargs else text
