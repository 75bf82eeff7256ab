"""The one reading of an incident filter (gridmap.analytics.filters), shared by CLI and sidebar."""

from __future__ import annotations

import argparse
import datetime as dt
from types import SimpleNamespace

import pytest

from gridmap import schema
from gridmap.analytics.filters import (
    CLI_FIELDS,
    PERIODS,
    default_window,
    incident_filter,
    last_complete_month,
    parse_day,
    period_window,
    previous_period,
)
from gridmap.analytics.incidents import IncidentFilter
from gridmap.cli import build_parser
from gridmap.cli._common import incident_window
from gridmap.errors import SchemaError

LAST = dt.date(2025, 12, 31)
DAY = dt.date(2025, 3, 1)


def test_defaults_are_the_newest_days() -> None:
    flt = incident_filter(last=LAST, default_days=90)
    assert flt == IncidentFilter(dt.date(2025, 10, 3), LAST)
    assert (flt.end - flt.start).days == 89


def test_default_since_counts_back_from_until() -> None:
    flt = incident_filter(until="2025-03-31", last=LAST, default_days=31)
    assert (flt.start, flt.end) == (DAY, dt.date(2025, 3, 31))


def test_default_window_stops_at_the_first_day() -> None:
    assert default_window(LAST, 400) == (dt.date(2024, 11, 27), LAST)
    assert default_window(LAST, 400, first=DAY) == (DAY, LAST)


def test_text_and_dates_give_the_same_filter() -> None:
    text = incident_filter(since="2025-03-01", until="2025-03-31", last=LAST, default_days=9)
    days = incident_filter(since=DAY, until=dt.date(2025, 3, 31), last=LAST, default_days=9)
    assert text == days
    assert parse_day(dt.datetime(2025, 3, 1, 12, 30)) == DAY
    assert parse_day("") is None and parse_day(None) is None


def test_codes_keep_their_order() -> None:
    flt = incident_filter(
        categories=["work_safety", "unclassified"],
        handling_classes=["dispute"],
        stages=[schema.CLOSED_AT],
        grid_codes=frozenset({"A"}),
        last=LAST,
        default_days=30,
    )
    assert flt.categories == ("work_safety", "unclassified")
    assert flt.handling_classes == ("dispute",)
    assert flt.stages == (schema.CLOSED_AT,)
    assert flt.grid_codes == frozenset({"A"})


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({"since": "2025-13-01"}, r"^--since/--until: .* \(use YYYY-MM-DD\)$"),
        ({"until": "yesterday"}, r"^--since/--until: .*yesterday.* \(use YYYY-MM-DD\)$"),
        (
            {"since": "2025-03-02", "until": "2025-03-01"},
            r"^--since 2025-03-02 is after --until 2025-03-01$",
        ),
        ({"categories": ["work_safety", "nope"]}, r"^--category nope: allowed party_civility \("),
        (
            {"handling_classes": ["urgent"]},
            r"^--class urgent: allowed general, emergency, dispute$",
        ),
        ({"stages": ["done", "gone"]}, r"^--stage done, gone: allowed reported_at, "),
    ],
)
def test_a_bad_value_is_one_line_naming_the_field_and_what_is_allowed(
    given: dict[str, object], message: str
) -> None:
    with pytest.raises(SchemaError, match=message) as info:
        incident_filter(**given, last=LAST, default_days=30, fields=CLI_FIELDS)  # type: ignore[arg-type]
    assert "\n" not in str(info.value)


def test_the_fields_are_named_in_the_callers_words() -> None:
    with pytest.raises(SchemaError, match=r"^categories nope: allowed "):
        incident_filter(categories=["nope"], last=LAST, default_days=30)
    with pytest.raises(SchemaError, match=r"^since 2025-03-02 is after until 2025-03-01$"):
        incident_filter(since="2025-03-02", until="2025-03-01", last=LAST, default_days=30)


def _cli_filter(*argv: str, default_days: int = 90) -> IncidentFilter:
    """The filter ``gridmap risk WS argv...`` analyses, for incidents up to :data:`LAST`."""
    args: argparse.Namespace = build_parser().parse_args(["risk", "ws.gpkg", *argv])
    return incident_window(args, SimpleNamespace(time_range=(DAY, LAST)), default_days)  # type: ignore[arg-type]


def test_the_cli_reads_its_options_through_the_shared_parser() -> None:
    flt = _cli_filter(
        "--since", "2025-03-01", "--until", "2025-03-31", "--category", "work_safety",
        "--stage", schema.HANDLED_AT,
    )  # fmt: skip
    assert flt == incident_filter(
        since=DAY,
        until=dt.date(2025, 3, 31),
        categories=("work_safety",),
        stages=(schema.HANDLED_AT,),
        last=LAST,
        default_days=90,
    )
    assert _cli_filter() == incident_filter(last=LAST, default_days=90)
    with pytest.raises(SchemaError, match=r"^--category nope: allowed "):
        _cli_filter("--category", "nope")


def test_the_cli_says_when_there_are_no_incidents() -> None:
    args = build_parser().parse_args(["risk", "empty.gpkg"])
    with pytest.raises(SchemaError, match=r"^empty.gpkg: the workspace holds no incidents$"):
        incident_window(args, SimpleNamespace(time_range=None), 90)  # type: ignore[arg-type]


# --- period presets ---------------------------------------------------------------------------
def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


@pytest.mark.parametrize(
    ("period", "today", "start", "end"),
    [
        # Weeks start on Monday: 2026-10-26 is a Monday, 2026-11-01 a Sunday.
        ("this-week", "2026-10-26", "2026-10-26", "2026-10-26"),
        ("this-week", "2026-11-01", "2026-10-26", "2026-11-01"),
        ("last-week", "2026-11-01", "2026-10-19", "2026-10-25"),
        ("last-week", "2026-10-26", "2026-10-19", "2026-10-25"),
        # A week across the new year.
        ("this-week", "2027-01-01", "2026-12-28", "2027-01-01"),
        ("last-week", "2027-01-04", "2026-12-28", "2027-01-03"),
        ("last-7-days", "2026-10-31", "2026-10-25", "2026-10-31"),
        # The demo's data end on 2026-10-31: this month runs to that day, the month is whole.
        ("this-month", "2026-10-31", "2026-10-01", "2026-10-31"),
        # Data ending mid-month: this month runs to the data's last day.
        ("this-month", "2026-11-15", "2026-11-01", "2026-11-15"),
        ("last-month", "2026-11-15", "2026-10-01", "2026-10-31"),
        ("last-month", "2026-03-31", "2026-02-01", "2026-02-28"),
        ("last-month", "2024-03-01", "2024-02-01", "2024-02-29"),  # leap year
        ("last-month", "2027-01-10", "2026-12-01", "2026-12-31"),  # year wrap
        # Quarters: Jan, Apr, Jul, Oct.
        ("this-quarter", "2026-10-31", "2026-10-01", "2026-10-31"),
        ("this-quarter", "2026-09-30", "2026-07-01", "2026-09-30"),
        ("this-quarter", "2026-12-31", "2026-10-01", "2026-12-31"),
        ("this-quarter", "2027-01-01", "2027-01-01", "2027-01-01"),
        ("this-quarter", "2026-05-20", "2026-04-01", "2026-05-20"),
        ("last-90-days", "2026-10-31", "2026-08-03", "2026-10-31"),
    ],
)
def test_period_window(period: str, today: str, start: str, end: str) -> None:
    assert period_window(period, d(today)) == (d(start), d(end))


def test_every_period_ends_by_today_and_has_a_window() -> None:
    today = d("2026-10-31")
    for period in PERIODS:
        start, end = period_window(period, today)
        assert start <= end <= today, period


def test_period_window_starts_at_the_data_s_first_day() -> None:
    assert period_window("last-90-days", d("2026-10-31"), first=d("2026-10-01")) == (
        d("2026-10-01"),
        d("2026-10-31"),
    )
    # A period wholly before the data shrinks to the data's first day, never ends before it.
    assert period_window("last-week", d("2026-10-28"), first=d("2026-10-27")) == (
        d("2026-10-27"),
        d("2026-10-27"),
    )
    with pytest.raises(SchemaError, match="period next-year: allowed this-week, last-week"):
        period_window("next-year", d("2026-10-31"))


def test_last_complete_month() -> None:
    assert last_complete_month(d("2026-10-31")) == "this-month"  # the demo: October is whole
    assert last_complete_month(d("2026-11-15")) == "last-month"
    assert last_complete_month(d("2024-02-29")) == "this-month"
    assert last_complete_month(d("2024-02-28")) == "last-month"


def test_incident_filter_reads_a_period() -> None:
    flt = incident_filter(period="last-month", last=d("2026-10-31"), default_days=90)
    assert (flt.start, flt.end) == (d("2026-09-01"), d("2026-09-30"))
    with pytest.raises(SchemaError, match=r"^--period cannot be combined with --since/--until$"):
        incident_filter(
            period="last-month", since="2026-01-01", last=LAST, default_days=9, fields=CLI_FIELDS
        )
    with pytest.raises(SchemaError, match=r"^--period fortnight: allowed this-week, "):
        incident_filter(period="fortnight", last=LAST, default_days=9, fields=CLI_FIELDS)


def test_the_cli_offers_the_presets() -> None:
    table = SimpleNamespace(time_range=(d("2026-01-01"), d("2026-10-31")))
    args = build_parser().parse_args(["risk", "ws.gpkg", "--period", "this-quarter"])
    flt = incident_window(args, table, 90)  # type: ignore[arg-type]
    assert (flt.start, flt.end) == (d("2026-10-01"), d("2026-10-31"))
    report = build_parser().parse_args(
        ["report", "ws.gpkg", "--out", "x.pdf", "--period", "last-week"]
    )
    flt = incident_window(report, table, 30)  # type: ignore[arg-type]
    assert (flt.start, flt.end) == (d("2026-10-19"), d("2026-10-25"))
    with pytest.raises(SystemExit):
        build_parser().parse_args(["risk", "ws.gpkg", "--period", "yesterday"])


@pytest.mark.parametrize(
    ("start", "end", "pstart", "pend"),
    [
        ("2026-10-01", "2026-10-31", "2026-09-01", "2026-09-30"),  # a month: the month before
        ("2026-03-01", "2026-03-31", "2026-02-01", "2026-02-28"),
        ("2024-03-01", "2024-03-31", "2024-02-01", "2024-02-29"),  # leap year
        ("2027-01-01", "2027-01-31", "2026-12-01", "2026-12-31"),  # year wrap
        ("2026-10-01", "2026-12-31", "2026-07-01", "2026-09-30"),  # a quarter
        ("2026-01-01", "2026-12-31", "2025-01-01", "2025-12-31"),  # a year
        ("2026-10-26", "2026-11-01", "2026-10-19", "2026-10-25"),  # a week: 7 days before
        ("2026-10-01", "2026-10-15", "2026-09-16", "2026-09-30"),  # month to date: 15 days
        ("2026-08-03", "2026-10-31", "2026-05-05", "2026-08-02"),  # 90 days
    ],
)
def test_previous_period(start: str, end: str, pstart: str, pend: str) -> None:
    assert previous_period(d(start), d(end)) == (d(pstart), d(pend))
