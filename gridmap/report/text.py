"""How a KPI reads on a tile: value, what it is made of, and its change (zh/en).

Shared by the cockpit page and the printed report, so the screen and the paper always say
the same thing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from ..analytics.cockpit import Cockpit, Kpi
from ..i18n import t

__all__ = ["KpiText", "kpi_text", "top_numbers"]


@dataclass(frozen=True)
class KpiText:
    label: str
    value: str
    detail: str
    change: str
    #: "good", "bad" or "neutral": how to colour ``change``.
    tone: str


def _int(x: float | None) -> str:
    return "–" if x is None else f"{x:,.0f}"


def _value(k: Kpi, lang: str) -> str:
    if k.value is None:
        return "–"
    if k.kind == "share":
        return f"{100 * k.value:.1f}%"
    if k.kind == "per_1000":
        return f"{k.value:,.1f}"
    if k.kind == "hours":
        return t("kpi.hours", lang, h=f"{k.value:,.1f}")
    return _int(k.value)


def _change(k: Kpi, lang: str) -> str:
    change = k.change
    if change is None:
        return t("kpi.change.none", lang)
    sign = "+" if change > 0 else ("−" if change < 0 else "±")
    shown = 100 * change if k.kind == "share" else change
    if abs(shown) < 0.05 and (k.kind != "count" or change == 0):
        return t("kpi.change.flat", lang)
    if k.kind == "share":
        return t("kpi.change.pp", lang, sign=sign, pp=f"{abs(100 * change):.1f}")
    if k.kind == "hours":
        return t("kpi.change.hours", lang, sign=sign, h=f"{abs(change):.1f}")
    rel = k.rel_change
    text = (
        t("kpi.change.none", lang)
        if rel is None
        else t("kpi.change.rel", lang, sign=sign, pct=f"{abs(100 * rel):.1f}%")
    )
    yoy = k.rel_change_yoy
    if yoy is not None:
        s = "+" if yoy > 0 else ("−" if yoy < 0 else "±")
        text += " · " + t("kpi.change.yoy", lang, sign=s, pct=f"{abs(100 * yoy):.1f}%")
    return text


def _detail(k: Kpi, cockpit: Cockpit, lang: str) -> str:
    n, d = _int(k.numerator), _int(k.denominator)
    if k.key == "hot_share":
        return t(f"kpi.sub.{k.key}", lang, n=n, d=d, cells=_int(cockpit.notes.get("hot_cells")))
    return t(f"kpi.sub.{k.key}", lang, n=n, d=d)


def kpi_text(k: Kpi, cockpit: Cockpit, lang: str) -> KpiText:
    """The four lines of a KPI tile in ``lang``."""
    if k.missing is not None:
        # Data the workspace does not hold is said in words, never shown as 0 %.
        return KpiText(
            label=t(f"kpi.{k.key}", lang),
            value=t("kpi.nodata", lang),
            detail=t(f"kpi.nodata.{k.missing}", lang),
            change="",
            tone="neutral",
        )
    improved = k.improved
    # Without a previous value there is no news to colour, good or bad.
    no_base = k.previous is None or (k.kind in ("count", "per_1000") and k.rel_change is None)
    tone = "neutral" if improved is None or no_base else ("good" if improved else "bad")
    return KpiText(
        label=t(f"kpi.{k.key}", lang),
        value=_value(k, lang),
        detail=_detail(k, cockpit, lang),
        change=_change(k, lang),
        tone=tone,
    )


def top_numbers(row: Mapping[str, Any] | pd.Series, lang: str) -> str:
    """A top grid's numbers with their denominators: incidents / households · rate."""
    hh = row["households"]
    missing = hh is None or hh != hh  # None or NaN
    return t(
        "cockpit.top.numbers",
        lang,
        n=f"{row['incidents']:,.0f}",
        hh="–" if missing else f"{hh:,.0f}",
        # Without households there is no rate to show (the risk model's fallback is not one).
        rate="–" if missing else f"{row['rate_eb']:,.0f}",
    )
