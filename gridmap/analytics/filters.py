"""The one reading of an incident filter: raw choices in, a checked :class:`IncidentFilter` out.

The command line (``--since``, ``--until``, ``--category``, ``--stage``) and the app's
sidebar (date range, multiselects) both build their filter here, so the same choices give
the same filter and a bad value gives the same one-line error naming the field and what is
allowed.

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

__all__ = ["CLI_FIELDS", "FilterFields", "default_window", "incident_filter", "parse_day"]


@dataclass(frozen=True)
class FilterFields:
    """How each field is named in an error message (the caller's words for it)."""

    since: str = "since"
    until: str = "until"
    categories: str = "categories"
    handling_classes: str = "handling_classes"
    stages: str = "stages"


#: The field names of the ``gridmap`` command's options.
CLI_FIELDS = FilterFields("--since", "--until", "--category", "--class", "--stage")


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
