"""How a KPI reads on a tile: value, what it is made of, and its change (zh/en).

Shared by the cockpit page and the printed report, so the screen and the paper always say
the same thing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import pandas as pd

from ..analytics.cockpit import Cockpit, Kpi, improved
from ..i18n import t

__all__ = [
    "KpiText",
    "change_tone",
    "closure_note",
    "kpi_text",
    "priority_notes",
    "priority_numbers",
    "row_numbers",
    "row_reason",
    "titled",
    "top_numbers",
]

Tone = Literal["good", "bad", "neutral"]


@dataclass(frozen=True)
class KpiText:
    label: str
    value: str
    detail: str
    change: str
    #: "good", "bad" or "neutral": how to colour the change on the previous period (环比).
    tone: str
    #: ``change`` in parts, each with its own tone: the change on the previous period and,
    #: where kept, the change on a year earlier (同比), so a rise a year on is red even when
    #: the month before was worse.
    parts: tuple[tuple[str, str], ...] = ()
    #: A tooltip saying which way is good news, or why the change is not coloured.
    hint: str = ""


def change_tone(change: float | None, better: str) -> Tone:
    """How to colour a change: ``better`` is the KPI's good direction (up, down, neither).

    No change, an unknown change and a KPI without a good direction are neutral (grey).

    >>> change_tone(+0.2, "down"), change_tone(-0.2, "down"), change_tone(0.2, "neither")
    ('bad', 'good', 'neutral')
    """
    good = improved(change, better)  # the one rule, gridmap.analytics.cockpit.improved
    return "neutral" if good is None else "good" if good else "bad"


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


def _flat(k: Kpi) -> bool:
    """Whether the change on the previous period is none as shown: under what one decimal
    shows (a count only when it is 0)."""
    if k.change is None:
        return False
    shown = 100 * k.change if k.kind == "share" else k.change
    return abs(shown) < 0.05 and (k.kind != "count" or k.change == 0)


def _change(k: Kpi, lang: str) -> str:
    """The change on the previous period (环比), in words."""
    change = k.change
    if change is None:
        return t("kpi.change.none", lang)
    sign = "+" if change > 0 else ("−" if change < 0 else "±")
    if _flat(k):
        return t("kpi.change.flat", lang)
    if k.kind == "share":
        return t("kpi.change.pp", lang, sign=sign, pp=f"{abs(100 * change):.1f}")
    if k.kind == "hours":
        return t("kpi.change.hours", lang, sign=sign, h=f"{abs(change):.1f}")
    rel = k.rel_change
    if rel is None:
        return t("kpi.change.none", lang)
    return t("kpi.change.rel", lang, sign=sign, pct=f"{abs(100 * rel):.1f}%")


def _yoy(k: Kpi, lang: str) -> str:
    """The change on the same dates a year earlier (同比), or "" where it is not kept."""
    yoy = k.rel_change_yoy
    if yoy is None:
        return ""
    s = "+" if yoy > 0 else ("−" if yoy < 0 else "±")
    return t("kpi.change.yoy", lang, sign=s, pct=f"{abs(100 * yoy):.1f}%")


def _hint(k: Kpi, lang: str) -> str:
    if k.better in ("up", "down"):
        return t(f"kpi.better.{k.better}", lang)
    # A KPI without a good direction says why (hot_share has its own reason).
    return t("kpi.better.neither.hot_share" if k.key == "hot_share" else "kpi.better.neither", lang)


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
    # Without a previous value there is no news to colour, good or bad.
    no_base = k.previous is None or (k.kind in ("count", "per_1000") and k.rel_change is None)
    change = _change(k, lang)
    tone = "neutral" if no_base or _flat(k) else change_tone(k.change, k.better)
    parts = [(change, tone)]
    yoy = _yoy(k, lang)
    if yoy:
        parts.append((yoy, change_tone(k.rel_change_yoy, k.better)))
    return KpiText(
        label=t(f"kpi.{k.key}", lang),
        value=_value(k, lang),
        detail=_detail(k, cockpit, lang),
        change=" · ".join(text for text, _tone in parts),
        tone=tone,
        parts=tuple(parts),
        hint=_hint(k, lang),
    )


def _has_cjk(text: str) -> bool:
    return any("\u3400" <= ch <= "\u9fff" for ch in text)


def titled(key: str, area: str, lang: str) -> str:
    """The title ``key`` ("cockpit.title", "report.title") for ``area`` in ``lang``.

    A place name is data: an English title never carries a Chinese name, and gridmap never
    invents a translation or a pinyin the workspace does not hold. A Chinese name on an
    English screen gives the title without a name (``<key>.noname``); the name then shows
    where the data are shown (the caption, the lists).

    >>> titled("cockpit.title", "兰州市", "en"), titled("cockpit.title", "兰州市", "zh")
    ('Grid-governance cockpit', '兰州市 网格治理驾驶舱')
    >>> titled("cockpit.title", "Lanzhou", "en")
    'Lanzhou grid-governance cockpit'
    """
    if lang != "zh" and (not area or _has_cjk(area)):
        return t(f"{key}.noname", lang)
    return t(key, lang, area=area)


def closure_note(cockpit: Cockpit, lang: str) -> str:
    """One sentence on why 结案率 and 按期结案率 can move apart (their denominators differ);
    "" when the workspace has no closure times."""
    keys = {k.key for k in cockpit.kpis if k.missing is None}
    return t("kpi.note.closure", lang) if {"closure", "on_time"} <= keys else ""


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


def priority_numbers(row: Mapping[str, Any] | pd.Series, lang: str) -> str:
    """A ranked grid's count and rate, both (the ranking weighs both): incidents ·
    households · incidents per 1,000 households; a professional grid: incidents · km²."""
    n = f"{row['incidents']:,.0f}"
    if str(row.get("grid_type", "basic")) == "professional":
        area = row.get("area_km2")
        return t("priority.numbers.pro", lang, n=n, area="–" if area != area else f"{area:,.2f}")
    hh = row["households"]
    if hh is None or hh != hh or hh <= 0:  # None, NaN or none recorded: no rate to show
        # Ranked on residents or area (real layers without households): that measure's rate.
        on = str(row.get("ranked_on", ""))
        for measure, size, unit in (
            ("population", "population", 1000.0),
            ("area", "area_km2", 1.0),
        ):
            value = row.get(size)
            if measure in on and value is not None and value == value and value > 0:
                rate = float(row["incidents"]) / float(value) * unit
                return t(
                    f"priority.numbers.{measure}",
                    lang,
                    n=n,
                    size=f"{value:,.0f}" if measure == "population" else f"{value:,.2f}",
                    rate=f"{rate:,.0f}",
                )
        return t("priority.numbers", lang, n=n, hh="–", rate="–")
    rate = float(row["incidents"]) / float(hh) * 1000.0
    return t("priority.numbers", lang, n=n, hh=f"{hh:,.0f}", rate=f"{rate:,.0f}")


def row_reason(row: Mapping[str, Any] | pd.Series, lang: str) -> str:
    """The sentence of a top-list row: the priority reason where the list is the priority
    ranking, else the risk overview's sentence."""
    key = f"reason_{lang}" if f"reason_{lang}" in row else f"sentence_{lang}"
    return str(row[key])


def row_numbers(row: Mapping[str, Any] | pd.Series, lang: str) -> str:
    """:func:`priority_numbers` for a priority row, :func:`top_numbers` otherwise."""
    return priority_numbers(row, lang) if "excess" in row else top_numbers(row, lang)


def priority_notes(cockpit: Cockpit, lang: str, name_of: Callable[[str], str]) -> list[str]:
    """Lines printed under the top list: why each significant cluster holds no ranked grid,
    then the professional grids (ranked among their own kind) on one line."""
    from ..analytics.ranking import cluster_note

    lines = [
        cluster_note(row, lang, name_of, len(cockpit.top))
        for row in cockpit.clusters.to_dict("records")
    ]
    if not cockpit.professional.empty:
        items = [
            f"{i}. {row['name']}（{priority_numbers(row, lang)}）"
            if lang == "zh"
            else f"{i}. {row['name']} ({priority_numbers(row, lang)})"
            for i, (_code, row) in enumerate(cockpit.professional.head(3).iterrows(), start=1)
        ]
        colon = "：" if lang == "zh" else ": "
        lines.append(t("priority.professional", lang) + colon + "  ".join(items))
    return lines
