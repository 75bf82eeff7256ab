"""The one reading of an incident filter: raw choices in, a checked :class:`IncidentFilter` out.

The command line (``--since``, ``--until``, ``--period``, ``--category``, ``--stage``) and the
app's sidebar (period presets, date range, multiselects) both build their filter here, so the
same choices give the same filter and a bad value gives the same one-line error naming the
field and what is allowed.

>>> import datetime as dt
>>> flt = incident_filter(since="2024-03-01", until="2024-03-31", categories=["work_safety"],
...                       last=dt.date(2024, 6, 30), default_days=90)
>>> flt.start, flt.end, flt.categories
(datetime.date(2024, 3, 1), datetime.date(2024, 3, 31), ('work_safety',))
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from .. import schema
from ..errors import SchemaError
from .incidents import CATEGORY_CODES, HANDLING_CODES, STAGE_CODES, IncidentFilter

__all__ = [
    "CLI_FIELDS",
    "CUSTOM",
    "PERIODS",
    "FilterFields",
    "default_window",
    "incident_filter",
    "last_complete_month",
    "parse_day",
    "period_window",
    "previous_period",
]


@dataclass(frozen=True)
class FilterFields:
    """How each field is named in an error message (the caller's words for it)."""

    since: str = "since"
    until: str = "until"
    categories: str = "categories"
    handling_classes: str = "handling_classes"
    stages: str = "stages"
    period: str = "period"


#: The field names of the ``gridmap`` command's options.
CLI_FIELDS = FilterFields("--since", "--until", "--category", "--class", "--stage", "--period")

#: The period presets, in the order they are offered (sidebar, ``--period``). "Today" is the
#: data's last day (the newest incident), not the calendar's: a workspace whose incidents
#: end in the past (the demo's end on 2026-10-31) shows its last weeks, not empty ones, and
#: "this month" runs to that day. Weeks start on Monday (Chinese practice).
PERIODS = (
    "this-week",
    "last-week",
    "last-7-days",
    "this-month",
    "last-month",
    "this-quarter",
    "last-90-days",
)
#: The sidebar's choice for dates picked by hand (no preset).
CUSTOM = "custom"


def _month_start(day: dt.date, months_back: int = 0) -> dt.date:
    """The first day of the month ``months_back`` months before ``day``'s month."""
    index = day.year * 12 + day.month - 1 - months_back
    return dt.date(index // 12, index % 12 + 1, 1)


def period_window(
    period: str, today: dt.date, *, first: dt.date | None = None
) -> tuple[dt.date, dt.date]:
    """First and last day of the preset ``period`` (one of :data:`PERIODS`) as of ``today``.

    ``today`` is the data's last day; a "this ..." period runs to it. The start is not
    before ``first`` (the data's first day) when given, and the end not before the start.

    >>> sunday = dt.date(2026, 11, 1)
    >>> period_window("this-week", sunday)  # Monday to today
    (datetime.date(2026, 10, 26), datetime.date(2026, 11, 1))
    >>> period_window("last-month", dt.date(2026, 1, 15))  # across the new year
    (datetime.date(2025, 12, 1), datetime.date(2025, 12, 31))
    >>> period_window("this-quarter", dt.date(2026, 10, 31))
    (datetime.date(2026, 10, 1), datetime.date(2026, 10, 31))
    """
    monday = today - dt.timedelta(days=today.weekday())
    windows = {
        "this-week": (monday, today),
        "last-week": (monday - dt.timedelta(days=7), monday - dt.timedelta(days=1)),
        "last-7-days": (today - dt.timedelta(days=6), today),
        "this-month": (_month_start(today), today),
        "last-month": (_month_start(today, 1), _month_start(today) - dt.timedelta(days=1)),
        "this-quarter": (_month_start(today, (today.month - 1) % 3), today),
        "last-90-days": (today - dt.timedelta(days=89), today),
    }
    if period not in windows:
        raise SchemaError(f"period {period}: allowed {', '.join(PERIODS)}")
    start, end = windows[period]
    if first is not None:
        start = max(start, first)
        end = max(end, start)
    return start, end


def last_complete_month(today: dt.date) -> str:
    """The preset of the last complete month as of ``today`` (the data's last day).

    A month is complete when the data reach its last day: data ending on 31 October make
    October complete ("this-month"); data ending on 15 November make it October
    ("last-month").

    >>> last_complete_month(dt.date(2026, 10, 31)), last_complete_month(dt.date(2026, 11, 15))
    ('this-month', 'last-month')
    """
    return "this-month" if (today + dt.timedelta(days=1)).day == 1 else "last-month"


def default_window(
    last: dt.date, days: int, *, until: dt.date | None = None, first: dt.date | None = None
) -> tuple[dt.date, dt.date]:
    """The ``days`` days ending at ``until`` (default ``last``), not before ``first`` if given.

    >>> default_window(dt.date(2024, 3, 31), 7)
    (datetime.date(2024, 3, 25), datetime.date(2024, 3, 31))
    >>> default_window(dt.date(2024, 3, 31), 90, first=dt.date(2024, 3, 1))
    (datetime.date(2024, 3, 1), datetime.date(2024, 3, 31))
    """
    end = last if until is None else until
    start = end - dt.timedelta(days=days - 1)
    return (start if first is None else max(first, start)), end


def previous_period(start: dt.date, end: dt.date) -> tuple[dt.date, dt.date]:
    """The period a window is compared with (环比): the one just before it.

    A window of whole calendar months (first to last day) is compared with as many whole
    months before it -- October with September, a quarter with the quarter before --
    whatever the months' lengths; any other window with the days of equal length just
    before it.

    >>> previous_period(dt.date(2026, 10, 1), dt.date(2026, 10, 31))
    (datetime.date(2026, 9, 1), datetime.date(2026, 9, 30))
    >>> previous_period(dt.date(2026, 10, 26), dt.date(2026, 11, 1))  # a week
    (datetime.date(2026, 10, 19), datetime.date(2026, 10, 25))
    """
    if start.day == 1 and (end + dt.timedelta(days=1)).day == 1:
        months = (end.year - start.year) * 12 + end.month - start.month + 1
        return _month_start(start, months), start - dt.timedelta(days=1)
    length = end - start + dt.timedelta(days=1)
    return start - length, end - length


def parse_day(value: str | dt.date | None) -> dt.date | None:
    """A day from ``YYYY-MM-DD`` text or a date (None and "" stay None); ValueError otherwise."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(value)


def _codes(
    values: Iterable[str] | None, allowed: tuple[str, ...], field: str, what: str
) -> tuple[str, ...]:
    """``values`` as a tuple (order kept); one error listing every value not in ``allowed``."""
    codes = tuple(values or ())
    bad = [c for c in codes if c not in allowed]
    if bad:
        raise SchemaError(f"{field} {', '.join(bad)}: allowed {what}")
    return codes


def incident_filter(
    *,
    since: str | dt.date | None = None,
    until: str | dt.date | None = None,
    period: str | None = None,
    categories: Iterable[str] | None = (),
    handling_classes: Iterable[str] | None = (),
    stages: Iterable[str] | None = (),
    grid_codes: frozenset[str] | None = None,
    last: dt.date,
    default_days: int,
    first: dt.date | None = None,
    fields: FilterFields = FilterFields(),
) -> IncidentFilter:
    """The :class:`IncidentFilter` of raw choices, checked once.

    Parameters
    ----------
    since, until
        First and last day, as ``YYYY-MM-DD`` text or dates; ``until`` defaults to ``last``
        (the newest incident) and ``since`` to ``default_days`` days ending at ``until``
        (not before ``first`` when given).
    period
        One of :data:`PERIODS` as of ``last`` (not before ``first``), instead of ``since``
        and ``until``.
    categories, handling_classes, stages
        Codes of :data:`gridmap.schema.CATEGORIES` (or ``unclassified``),
        :data:`~gridmap.schema.HANDLING_CLASSES` and :data:`~gridmap.schema.WORKFLOW_STAGES`;
        empty means all.
    grid_codes
        Only incidents of these grids (None: the whole city).
    fields
        The caller's names of the fields, used in error messages (:data:`CLI_FIELDS`).

    Raises
    ------
    SchemaError
        One line naming the field, the bad value and what is allowed.
    """
    if period:
        if since or until:
            raise SchemaError(
                f"{fields.period} cannot be combined with {fields.since}/{fields.until}"
            )
        if period not in PERIODS:
            raise SchemaError(f"{fields.period} {period}: allowed {', '.join(PERIODS)}")
        since, until = period_window(period, last, first=first)
    try:
        end = parse_day(until) or last
        start = parse_day(since) or default_window(last, default_days, until=end, first=first)[0]
    except ValueError as exc:
        raise SchemaError(f"{fields.since}/{fields.until}: {exc} (use YYYY-MM-DD)") from None
    if end < start:
        raise SchemaError(f"{fields.since} {start} is after {fields.until} {end}")
    return IncidentFilter(
        start,
        end,
        _codes(categories, CATEGORY_CODES, fields.categories, schema.CATEGORIES.describe()),
        _codes(
            handling_classes, HANDLING_CODES, fields.handling_classes, ", ".join(HANDLING_CODES)
        ),
        grid_codes,
        _codes(stages, STAGE_CODES, fields.stages, ", ".join(STAGE_CODES)),
    )
