"""本周重点网格: the few grids to send people to this week, each with its reason.

A leader asks "where do we send people this week". The answer is a short list (3 to 10
grids) drawn from the priority ranking of this week's incidents
(:mod:`gridmap.analytics.priority`: empirical-Bayes *excess* incidents, the incidents a
grid had beyond what its size and peers explain). Every grid with a positive excess is a
candidate, highest excess first, at most ``n_max``; when fewer than ``n_min`` have one, the
next grids of the ranking that had incidents fill the list up to ``n_min``.

Each row says in one sentence why (this week's incidents, the excess, the change against
last week, the cases in the grid still open past their time limit), what changed (this
week's incidents against last week's), who owns the grid (网格员, 社区, 街道;
:func:`~gridmap.analytics.responsibility.grid_owners`) and which department answers for
most of its incidents this week
(:func:`~gridmap.analytics.responsibility.grid_departments`).

Weeks are the 7 days ending on a day (inclusive) and the 7 days before them
(:func:`week_windows`). Data whose times carry only the month (every incident on the 1st
at midnight, as police.uk's monthly files) cannot tell one week from the next: the list
then compares the last calendar month with the month before (:func:`time_resolution`,
:func:`month_windows`) and says so (:func:`period_key`). Dates without a time of day are
fine for weeks: a week is made of whole days.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from .. import schema
from ..errors import SchemaError
from ..i18n import t
from .responsibility import DEPARTMENT_EN, DEPARTMENT_ZH

__all__ = [
    "LAST_COMPLETE_MONTH",
    "THIS_WEEK_COLUMNS",
    "Period",
    "ThisWeek",
    "list_period",
    "list_windows",
    "month_windows",
    "opening_period",
    "period_key",
    "this_week_list",
    "time_resolution",
    "week_windows",
]

#: What the list compares: two weeks, or two calendar months (month-dated data).
Period = Literal["week", "month"]
#: Two windows, each ``(first day, last day)``: the one looked at and the one before.
Windows = tuple[tuple[dt.date, dt.date], tuple[dt.date, dt.date]]

#: The columns of :func:`this_week_list`'s frame, in order (indexed by grid ``code``).
THIS_WEEK_COLUMNS: tuple[str, ...] = (
    "rank",
    schema.NAME,
    "reason_zh",
    "reason_en",
    "incidents",
    "last_week",
    "change",
    "expected",
    "excess",
    "ranked_on",
    "overdue",
    schema.WORKER,
    "community_name",
    "street_name",
    DEPARTMENT_ZH,
    DEPARTMENT_EN,
    "priority_rank",
)


@dataclass(frozen=True)
class ThisWeek:
    """This week's list with the two weeks it compares (each ``(first day, last day)``).

    ``period`` "month": the data carry months only, and ``week``/``last_week`` are the
    last calendar month and the month before (:func:`list_windows`).
    """

    grids: pd.DataFrame
    week: tuple[dt.date, dt.date]
    last_week: tuple[dt.date, dt.date]
    period: Period = "week"
    #: Incidents of this week in the area (an empty list with incidents: none was ranked).
    incidents: int = 0


def period_key(key: str, period: Period) -> str:
    """The i18n key of ``key`` for ``period``: a ``.month`` twin says 本月/上月.

    Examples
    --------
    >>> period_key("week.title", "month"), period_key("week.title", "week")
    ('week.title.month', 'week.title')
    """
    return f"{key}.month" if period == "month" else key


def time_resolution(occurred_s: NDArray[np.int64]) -> Literal["month", "day", "time"]:
    """How finely the incident times are given: "month" when every one falls on the 1st
    of a month at midnight, "day" when every one is at midnight, else "time" (also for
    no incidents).

    ``occurred_s`` is seconds since 1970 in local time
    (:class:`~gridmap.analytics.incidents.IncidentTable`).

    Examples
    --------
    >>> s = np.array([0, 31 * 86400], dtype=np.int64)  # 1970-01-01, 1970-02-01
    >>> time_resolution(s), time_resolution(s + 86400), time_resolution(s + 3600)
    ('month', 'day', 'time')
    """
    s = np.asarray(occurred_s, dtype=np.int64)
    if s.size == 0 or (s % 86400 != 0).any():
        return "time"
    days = (s // 86400).astype("datetime64[D]")
    firsts = days.astype("datetime64[M]").astype("datetime64[D]")
    return "month" if bool((days == firsts).all()) else "day"


#: Share of the compared windows' incidents that must fall on the 1st of a month at midnight
#: for the list to compare months: one timed record among 60,000 monthly ones keeps months.
MONTH_SHARE = 0.99
#: Distinct months the month-dated incidents must cover: 300 date-only records all on
#: 1 December are a day's records, not monthly data.
MONTH_MIN_MONTHS = 2


def list_period(occurred_s: NDArray[np.int64], end: dt.date) -> Period:
    """ "month" when the data carry the month only, else "week": at least
    :data:`MONTH_SHARE` of the incidents of the windows the list compares (the month of
    ``end`` and the month before, which hold both weeks) fall on the 1st of a month at
    midnight, and the data's month-dated incidents cover :data:`MONTH_MIN_MONTHS` months.

    Decided on the compared windows, not the whole table, so old timed records do not hide
    monthly data (nor old monthly ones mislabel timed data).

    Examples
    --------
    >>> day = 86400
    >>> months = np.array([0, 31 * day] * 50, dtype=np.int64)  # 1970-01-01, 1970-02-01
    >>> feb = dt.date(1970, 2, 1)
    >>> list_period(months, feb), list_period(months[:2] + 3600, feb)
    ('month', 'week')
    >>> list_period(np.zeros(300, dtype=np.int64), dt.date(1970, 1, 1))  # one day only
    'week'
    """
    s = np.asarray(occurred_s, dtype=np.int64)
    if s.size == 0:
        return "week"
    (_, last), (first, _) = month_windows(end)
    lo, hi = _day_s(first), _day_s(last + dt.timedelta(days=1))
    if bool((s[1:] >= s[:-1]).all()):
        # Time-sorted (an IncidentTable): only the compared windows are looked at, not a
        # big city's ten million times (3 s a page opening before).
        window = s[np.searchsorted(s, lo) : np.searchsorted(s, hi)]
    else:
        window = s[(s >= lo) & (s < hi)]
    if not window.size:
        window = s
    if float(_month_dated(window).mean()) < MONTH_SHARE:
        return "week"
    months = (s[_month_dated(s)] // 86400).astype("datetime64[D]").astype("datetime64[M]")
    return "month" if np.unique(months).size >= MONTH_MIN_MONTHS else "week"


def _day_s(day: dt.date) -> int:
    return int((np.datetime64(day, "D") - np.datetime64(0, "D")) / np.timedelta64(1, "s"))


def _month_dated(s: NDArray[np.int64]) -> NDArray[np.bool_]:
    """Times at midnight on the 1st of a month."""
    days = (s // 86400).astype("datetime64[D]")
    return (s % 86400 == 0) & (days == days.astype("datetime64[M]").astype("datetime64[D]"))


#: The cockpit's opening window: the last complete month (:func:`opening_period`).
LAST_COMPLETE_MONTH = "last-complete-month"
#: Presets shorter than a month: on month-dated data each holds a whole month dated the 1st.
_SHORT_PRESETS = ("this-week", "last-week", "last-7-days")


def opening_period(default: str, occurred_s: NDArray[np.int64], last: dt.date) -> str:
    """The preset (a code of :data:`gridmap.analytics.filters.PERIODS`) a page opens on.

    ``default`` is the page's: a preset, or :data:`LAST_COMPLETE_MONTH` (resolved by
    :func:`~gridmap.analytics.filters.last_complete_month` against ``last``, the data's
    last day). On month-dated data (:func:`list_period`) a preset shorter than a month
    opens on "this-month" instead: the newest month (all its records carry its 1st), never
    "the last 7 days" that hold a whole month. The last complete month stays: its window
    is a whole month, compared with the whole month before.

    Examples
    --------
    >>> day, feb = 86400, dt.date(1970, 2, 1)
    >>> monthly = np.array([0, 31 * day] * 50, dtype=np.int64)
    >>> week = "last-7-days"
    >>> opening_period(week, monthly, feb), opening_period(week, monthly + 60, feb)
    ('this-month', 'last-7-days')
    """
    from .filters import last_complete_month

    if default in _SHORT_PRESETS and list_period(occurred_s, last) == "month":
        return "this-month"
    return last_complete_month(last) if default == LAST_COMPLETE_MONTH else default


def month_windows(end: dt.date) -> Windows:
    """The calendar month holding ``end`` (all of it) and the month before.

    Examples
    --------
    >>> month_windows(dt.date(2026, 3, 1))
    ((datetime.date(2026, 3, 1), datetime.date(2026, 3, 31)), \
(datetime.date(2026, 2, 1), datetime.date(2026, 2, 28)))
    """
    first = end.replace(day=1)
    last = (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    before_last = first - dt.timedelta(days=1)
    return (first, last), (before_last.replace(day=1), before_last)


def list_windows(end: dt.date, period: Period) -> Windows:
    """The two windows the list compares: :func:`week_windows` or :func:`month_windows`."""
    return month_windows(end) if period == "month" else week_windows(end)


def week_windows(end: dt.date) -> Windows:
    """This week (the 7 days ending on ``end``, inclusive) and the week before it.

    Examples
    --------
    >>> this, last = week_windows(dt.date(2026, 10, 31))
    >>> this, last
    ((datetime.date(2026, 10, 25), datetime.date(2026, 10, 31)), \
(datetime.date(2026, 10, 18), datetime.date(2026, 10, 24)))
    """
    week = dt.timedelta(days=7)
    start = end - dt.timedelta(days=6)
    return (start, end), (start - week, end - week)


def _change_text(now: int, before: int, lang: str, period: Period) -> str:
    if before == 0:
        return t(period_key("week.change.none_before", period), lang)
    if now == before:
        return t(period_key("week.change.level", period), lang)
    key = "week.change.up" if now > before else "week.change.down"
    return t(period_key(key, period), lang, n=abs(now - before))


def _reason(row: pd.Series, lang: str, period: Period) -> str:
    """One sentence: this week's incidents, the excess, the change, the overdue cases."""
    parts = [t(period_key("week.reason.count", period), lang, n=int(row["incidents"]))]
    expected = round(float(row["expected"]))
    if float(row["excess"]) > 0 and expected < int(row["incidents"]):
        # A grid with no peers of its kind is ranked on its count over the mean of the
        # professional grids (priority's ``ranked_on`` "count"): say so, not "its size".
        key = "week.reason.mean" if row["ranked_on"] == "count" else "week.reason.expected"
        # "expects about 0" reads as a slip: a small grid expects less than one a week.
        parts.append(t(key + (".lt1" if expected < 1 else ""), lang, n=expected))
    parts.append(_change_text(int(row["incidents"]), int(row["last_week"]), lang, period))
    overdue = row["overdue"]
    if pd.notna(overdue) and int(overdue) > 0:
        parts.append(t("week.reason.overdue", lang, n=int(overdue)))
    return t("week.sep", lang).join(parts) + t("week.stop", lang)


def _expected(ranking: pd.DataFrame) -> np.ndarray:
    """The incidents expected of each grid, in incidents (not weighted ones): the
    ranking's ``expected_incidents`` when it has them
    (:func:`gridmap.analytics.ranking.priority_table`), else as follows.

    The excess is in weighted incidents (category and handling-class weights, decay); a
    sentence saying "63 incidents, 99 more than expected" would contradict itself. The
    grid's own mean weight (``weighted / incidents``) turns the excess back into
    incidents: expected = incidents - excess / mean weight, never below 0.
    """
    if "expected_incidents" in ranking:  # priority_table's, converted the same way
        return ranking["expected_incidents"].to_numpy(dtype=np.float64)
    n = ranking["incidents"].to_numpy(dtype=np.float64)
    excess = ranking["excess"].to_numpy(dtype=np.float64)
    if "weighted" in ranking:
        w = ranking["weighted"].to_numpy(dtype=np.float64)
        per = np.divide(n, w, out=np.ones_like(n), where=w > 0)
    else:
        per = np.ones_like(n)
    return np.clip(n - excess * per, 0.0, None)


def _select(ranking: pd.DataFrame, n_min: int, n_max: int) -> pd.DataFrame:
    order = ranking.assign(_code=ranking.index.astype(str)).sort_values(
        ["excess", "incidents", "_code"], ascending=[False, False, True], kind="mergesort"
    )
    order = order[order["incidents"] > 0].drop(columns="_code")
    positive = order[order["excess"] > 0].head(n_max)
    return positive if len(positive) >= n_min else order.head(n_min)


def this_week_list(
    ranking: pd.DataFrame,
    last_week: pd.Series,
    *,
    overdue: pd.Series | None = None,
    owners: pd.DataFrame | None = None,
    departments: pd.DataFrame | None = None,
    n_min: int = 3,
    n_max: int = 10,
    period: Period = "week",
) -> pd.DataFrame:
    """The grids to send people to this week, highest priority first.

    Parameters
    ----------
    ranking
        This week's priority ranking, indexed by grid code: ``incidents``, ``excess`` and,
        where present, ``weighted``, ``ranked_on``, ``name`` and ``rank``
        (:func:`~gridmap.analytics.ranking.priority_table`'s lists, basic and
        professional together, limited to the area shown), and ``expected_incidents``.
    last_week
        Incidents per grid code the week before (missing grids: 0).
    overdue
        Cases open past their time limit per grid code at the end of this week; None when
        the data cannot tell (no closure times), and the reasons then leave it out.
    owners
        :func:`~gridmap.analytics.responsibility.grid_owners` of the grids; None: empty.
    departments
        :func:`~gridmap.analytics.responsibility.grid_departments` of this week's
        incidents; None: empty.
    n_min, n_max
        The list's length: every grid with a positive excess up to ``n_max``, at least
        ``n_min`` grids when that many had incidents this week.
    period
        "month": the ranking and ``last_week`` are of a month and the month before
        (month-dated data); the reasons say 本月/上月.

    Returns
    -------
    pandas.DataFrame
        Indexed by grid ``code``, columns :data:`THIS_WEEK_COLUMNS`: ``rank`` (1 first),
        ``name``, ``reason_zh``/``reason_en`` (one sentence), ``incidents`` this week,
        ``last_week``, ``change`` (this week minus last week), ``expected`` (the
        incidents expected of the grid, :func:`_expected`), ``excess`` (weighted
        incidents beyond the expected, from the ranking; the order), ``ranked_on`` (the
        ranking's measure, "" when not given), ``overdue`` (float, NaN when not
        known), ``worker``, ``community_name``, ``street_name``, ``department_zh``,
        ``department_en`` and ``priority_rank`` (the grid's rank in its own list).
        Empty when no grid had an incident this week.

    Raises
    ------
    SchemaError
        When ``ranking`` lacks ``incidents`` or ``excess``, or the lengths are not
        ``1 <= n_min <= n_max``.
    """
    absent = [c for c in ("incidents", "excess") if c not in ranking.columns]
    if absent:
        raise SchemaError(f"ranking: missing column(s) {absent}; allowed: a priority ranking")
    if not 1 <= n_min <= n_max:
        raise SchemaError(f"n_min={n_min!r}, n_max={n_max!r}; allowed: 1 <= n_min <= n_max")
    chosen = _select(ranking, n_min, n_max)
    codes = chosen.index.astype(str)
    out = pd.DataFrame(index=pd.Index(codes, name=schema.CODE))
    out["rank"] = np.arange(1, len(out) + 1, dtype=np.int64)
    names = chosen[schema.NAME] if schema.NAME in chosen else pd.Series(None, index=chosen.index)
    out[schema.NAME] = [
        str(n) if pd.notna(n) and str(n) else c for n, c in zip(names, codes, strict=True)
    ]
    out["incidents"] = chosen["incidents"].to_numpy(dtype=np.int64)
    before = pd.Series(last_week, dtype="float64").reindex(codes).fillna(0.0)
    out["last_week"] = before.to_numpy(dtype=np.int64)
    out["change"] = out["incidents"] - out["last_week"]
    out["excess"] = chosen["excess"].to_numpy(dtype=np.float64)
    out["expected"] = _expected(chosen)
    ranked_on = chosen["ranked_on"] if "ranked_on" in chosen else pd.Series("", chosen.index)
    out["ranked_on"] = ranked_on.fillna("").astype(str).to_numpy()
    if overdue is None:
        out["overdue"] = np.nan
    else:
        late = pd.Series(overdue, dtype="float64").groupby(level=0).sum().reindex(codes)
        out["overdue"] = late.fillna(0.0).to_numpy()
    who = (owners if owners is not None else pd.DataFrame()).reindex(codes)
    for col in (schema.WORKER, "community_name", "street_name"):
        values = who[col] if col in who else pd.Series(index=codes, dtype=object)
        out[col] = values.fillna("").astype(str).to_numpy()
    dept = (departments if departments is not None else pd.DataFrame()).reindex(codes)
    for col in (DEPARTMENT_ZH, DEPARTMENT_EN):
        values = dept[col] if col in dept else pd.Series(index=codes, dtype=object)
        out[col] = values.fillna("").astype(str).to_numpy()
    ranks = chosen["rank"] if "rank" in chosen else pd.Series(out["rank"].to_numpy(), codes)
    out["priority_rank"] = ranks.to_numpy(dtype=np.int64)
    out["reason_zh"] = [_reason(row, "zh", period) for _, row in out.iterrows()]
    out["reason_en"] = [_reason(row, "en", period) for _, row in out.iterrows()]
    return out[list(THIS_WEEK_COLUMNS)]
