"""The one reading of an incident filter (gridmap.analytics.filters), shared by CLI and sidebar."""

from __future__ import annotations

import argparse
import datetime as dt
from types import SimpleNamespace

import pytest

from gridmap import schema
from gridmap.analytics.filters import (
    CLI_FIELDS,
    default_window,
    incident_filter,
    parse_day,
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
