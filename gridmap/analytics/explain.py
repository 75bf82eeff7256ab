"""One-sentence reasons for a grid's or cell's risk, in Chinese or English.

Leaders read the top-risk list in meetings; each row needs one line saying what drives it:
the leading categories with their shares, the change against the previous period (环比),
and whether the place is a statistically significant or emerging hot spot. For example:

- zh: ``城市管理类占 46%、平安建设类占 21%，环比上升 35%，为热点聚集区（99% 置信）``
- en: ``Urban management 46% and public safety 21% of incidents; up 35% on the previous
  period; a 99% hot spot``

Rows flagged ``suppressed`` (too few incidents for a meeting view) get a fixed sentence
that reveals no numbers, since shares of a handful of incidents give the counts away.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, Literal

from .. import schema
from ..errors import SchemaError
from ..i18n import t
from .incidents import CATEGORY_CODES
from .trends import SPOT_KINDS, TREND_CLASSES

__all__ = ["explain_cell", "explain_grid"]

Lang = Literal["zh", "en"]

#: The second category is named only with at least this share; below it, it is noise.
SECOND_SHARE = 0.15
#: Below this many households a per-household rate mostly measures incidents of workplaces
#: and passers-by; the sentence says so, because the grid's rank depends on it.
FEW_HOUSEHOLDS = 100
#: Hot/cold classes of :mod:`gridmap.analytics.hotspots` and their confidence levels.
_CONFIDENCE = {1: 90, 2: 95, 3: 99}


def _pct_lang(fraction: float, lang: Lang) -> str:
    """A share or change as a whole percentage, rounded half up; never a false "0%".
    (Chinese text does not group thousands with commas: the catalogue's format says so.)"""
    value = math.floor(abs(fraction) * 100 + 0.5)
    if value == 0 and fraction != 0:
        return "<1%"
    return t("explain.pct", lang, value=value)


def _category_label(code: str, lang: Lang) -> str:
    if code == schema.UNCLASSIFIED.code:
        return t("explain.category.unclassified", lang, label=schema.UNCLASSIFIED.label(lang))
    return t("explain.category", lang, label=schema.CATEGORIES.label(code, lang))


def _categories(by_category: Mapping[str, int], lang: Lang) -> str:
    unknown = sorted(set(by_category) - set(CATEGORY_CODES))
    if unknown:
        raise SchemaError(
            f"by_category: unknown code(s) {unknown}; allowed: {', '.join(CATEGORY_CODES)}"
        )
    total = sum(int(v) for v in by_category.values())
    if total <= 0:
        return t("explain.no_incidents", lang)
    # Most incidents first; ties in the fixed category order, so the text is stable.
    ranked = sorted(
        ((int(n), c) for c, n in by_category.items() if int(n) > 0),
        key=lambda item: (-item[0], CATEGORY_CODES.index(item[1])),
    )
    lead = ranked[:1]
    if len(ranked) > 1 and ranked[1][0] / total >= SECOND_SHARE:
        lead = ranked[:2]
    parts = [
        t(
            "explain.category.share",
            lang,
            category=_category_label(c, lang),
            pct=_pct_lang(n / total, lang),
        )
        for n, c in lead
    ]
    if len(parts) == 1:
        return t("explain.categories.one", lang, first=parts[0])
    # Mid-sentence, an English label starts in lower case (Chinese has no case).
    second = parts[1][:1].lower() + parts[1][1:]
    return t("explain.categories.two", lang, first=parts[0], second=second)


def _number(value: Any) -> float | None:
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def _change(change: Mapping[Any, Any], lang: Lang) -> str | None:
    """环比 phrase from a :func:`gridmap.analytics.risk.compare_periods` row or dict."""
    rel = _number(change.get("rel_change_prev"))
    if rel is None:
        previous, current = _number(change.get("previous")), _number(change.get("current"))
        if previous == 0 and current is not None and current > 0:
            return t("explain.change.none_before", lang)
        return None
    if math.floor(abs(rel) * 100 + 0.5) == 0:
        return t("explain.change.level", lang)
    key = "explain.change.up" if rel > 0 else "explain.change.down"
    return t(key, lang, amount=_pct_lang(rel, lang))


def _trend(trend_class: str | int | None) -> tuple[str, int] | None:
    """(pattern code, sign) of a trend class; None for no pattern."""
    if trend_class is None:
        return None
    codes = [c.code for c in TREND_CLASSES]
    if isinstance(trend_class, str):
        if trend_class not in codes:
            raise SchemaError(f"trend_class={trend_class!r}; allowed: {', '.join(codes)}")
        code, sign = trend_class, 1
    else:
        number = int(trend_class)
        if not abs(number) < len(codes):
            raise SchemaError(
                f"trend_class={trend_class!r}; allowed: -{len(codes) - 1}..{len(codes) - 1}"
            )
        code, sign = codes[abs(number)], (1 if number >= 0 else -1)
    return None if code == "none" else (code, sign)


def _spot(hotspot_class: int | None, trend_class: str | int | None, lang: Lang) -> str | None:
    if hotspot_class is not None and int(hotspot_class) not in (-3, -2, -1, 0, 1, 2, 3):
        raise SchemaError(f"hotspot_class={hotspot_class!r}; allowed: -3..3 or None")
    level = int(hotspot_class or 0)
    trend = _trend(trend_class)
    kind = {1: SPOT_KINDS["hot"], -1: SPOT_KINDS["cold"]}
    significant = None
    if level:
        sign = 1 if level > 0 else -1
        significant = t(
            "explain.spot.significant",
            lang,
            conf=_CONFIDENCE[abs(level)],
            kind=kind[sign].label(lang),
        )
    if trend is None:
        return significant
    code, sign = trend
    # Mid-sentence, an English pattern name is in lower case (Chinese has no case).
    pattern = next(c for c in TREND_CLASSES if c.code == code).label(lang).lower()
    if significant:
        return t(
            "explain.spot.significant_and",
            lang,
            significant=significant,
            pattern=pattern,
            kind=kind[sign].label(lang),
        )
    return t(
        "explain.spot.emerging",
        lang,
        article="an" if pattern[:1] in "aeiou" else "a",
        pattern=pattern,
        kind=kind[sign].label(lang),
    )


def _check_lang(lang: str) -> Lang:
    if lang not in ("zh", "en"):
        raise SchemaError(f"lang={lang!r}; allowed: 'zh', 'en'")
    return "zh" if lang == "zh" else "en"


def _sentence(parts: list[str | None], lang: Lang) -> str:
    return t("explain.sep", lang).join(p for p in parts if p)


def _suppressed(row: Mapping[Any, Any], lang: Lang) -> str | None:
    if bool(row.get("suppressed", False)):
        return t("explain.suppressed", lang)
    return None


def explain_grid(
    row: Mapping[Any, Any],
    by_category: Mapping[str, int],
    change: Mapping[Any, Any],
    hotspot_class: int | None,
    trend_class: str | int | None,
    lang: Lang = "zh",
) -> str:
    """One sentence on what drives a grid's risk.

    Parameters
    ----------
    row
        The grid's row of :func:`gridmap.analytics.risk.grid_risk` (as a mapping); uses
        ``suppressed`` (then nothing else is said), ``households_missing`` (then the
        sentence says the rate is the city mean) and ``households`` (below
        :data:`FEW_HOUSEHOLDS` the sentence says the rate mostly reflects non-residents).
    by_category
        Incidents per category code (a row of
        :func:`gridmap.analytics.risk.counts_by_grid_category`). The leading category is
        named with its share, and the second too when it holds at least
        :data:`SECOND_SHARE`.
    change
        The grid's row of :func:`gridmap.analytics.risk.compare_periods` (``by="grid"``):
        ``rel_change_prev`` (fraction; missing/NaN/None when the previous count is 0),
        ``previous`` and ``current``. An empty mapping leaves the change out.
    hotspot_class
        Gi* class of :mod:`gridmap.analytics.hotspots`: 3/2/1 hot at 99/95/90 %
        confidence, -1/-2/-3 cold, 0 or None not significant.
    trend_class
        Emerging-hot-spot class of :mod:`gridmap.analytics.trends`: the signed
        ``trend_code`` (negative for cold patterns), or a pattern code such as
        ``"intensifying"`` (read as a hot-spot pattern); ``"none"``, 0 or None for none.
    lang
        ``"zh"`` (parts joined with "，") or ``"en"`` (joined with "; ").

    Raises
    ------
    SchemaError
        For an unknown language, category code, hot-spot or trend class.

    Examples
    --------
    >>> explain_grid(
    ...     {"suppressed": False},
    ...     {"urban_management": 46, "public_safety": 21, "livelihood": 33},
    ...     {"rel_change_prev": 0.35},
    ...     3,
    ...     None,
    ... )
    '城市管理类占 46%、惠民服务类占 33%，环比上升 35%，为热点聚集区（99% 置信）'
    """
    lang = _check_lang(lang)
    quiet = _suppressed(row, lang)
    if quiet:
        return quiet
    exposure = None
    if bool(row.get("households_missing", False)):
        exposure = t("explain.households_missing", lang)
    else:
        hh = _number(row.get("households"))
        if hh is not None and 0 < hh < FEW_HOUSEHOLDS:
            exposure = t("explain.few_households", lang, households=f"{hh:.0f}")
    return _sentence(
        [
            _categories(by_category, lang),
            _change(change, lang),
            _spot(hotspot_class, trend_class, lang),
            exposure,
        ],
        lang,
    )


def explain_cell(
    row: Mapping[Any, Any],
    by_category: Mapping[str, int],
    change: Mapping[Any, Any],
    hotspot_class: int | None,
    trend_class: str | int | None,
    lang: Lang = "zh",
) -> str:
    """One sentence on what drives an H3 cell's risk; see :func:`explain_grid`.

    ``row`` is the cell's row of :func:`gridmap.analytics.risk.cell_risk` or of
    :func:`gridmap.analytics.hotspots.hotspots`; cells have no households, and only a
    ``suppressed`` flag in it is used.

    Examples
    --------
    >>> explain_cell({}, {"public_safety": 8, "ecology": 2}, {}, 0, "new", "en")
    'Public safety 80% and ecological protection 20% of incidents; a new hot spot'
    """
    lang = _check_lang(lang)
    quiet = _suppressed(row, lang)
    if quiet:
        return quiet
    return _sentence(
        [
            _categories(by_category, lang),
            _change(change, lang),
            _spot(hotspot_class, trend_class, lang),
        ],
        lang,
    )
