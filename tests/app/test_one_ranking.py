"""One rule, one rank, one department, one backlog filter (the review of issue 13: 3-5, 10).

The cockpit's list, the list beside the map and this week's list once ranked different
grids for the same week (the cockpit among grids of 5 or more incidents, the others any grid
with one), the map printed "+-1" under skipped ranks, and the map's tooltip, the grid card
and this week's list named different departments for one grid. Plain function calls on the
demo city (incidents at 30 %), no app run.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import pandas as pd
import pytest

from gridmap import schema
from gridmap.analytics.incidents import IncidentFilter
from gridmap.analytics.ranking import MIN_COUNT, priority_table
from gridmap.analytics.responsibility import DEPARTMENT_ZH, assign_departments
from gridmap.demo import build_demo
from gridmap.loading import load_incident_table
from gridmap.store import Workspace
from gridmap.ui.backlog import load_backlog
from gridmap.ui.cards import category_departments, main_departments
from gridmap.ui.cockpit import load_cockpit, top_list_html
from gridmap.ui.map_list import _signed, top_grids
from gridmap.ui.responsibility import load_responsibilities, load_window_incidents
from gridmap.ui.this_week import load_this_week, week_html


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> str:
    out = tmp_path_factory.mktemp("one_ranking") / "lanzhou.gpkg"
    build_demo(out, scale=0.3)
    return str(out)


def _last_week(path: str) -> IncidentFilter:
    span = load_incident_table(Workspace(path)).time_range
    assert span is not None
    return IncidentFilter(span[1] - dt.timedelta(days=6), span[1])


def _city_week(path: str) -> tuple[IncidentFilter, pd.DataFrame]:
    """The last week and its city-wide basic ranking, with each grid's street."""
    ws = Workspace(path)
    flt = _last_week(path)
    basic = priority_table(load_incident_table(ws), flt, ws.read_grids()).basic
    return flt, basic.assign(street=basic.index.astype(str).str[:9])


def _street(codes: pd.Index) -> frozenset[str]:
    return frozenset(codes.astype(str))


def test_the_three_lists_rank_the_same_grids_with_the_same_numbers(demo: str) -> None:
    flt, basic = _city_week(demo)
    # A street where a grid of 1-4 incidents stands above one of 5 or more in the ranking's
    # order: the lists disagreed there (cockpit #3 was the map's and this week's #4).
    few = basic["incidents"].between(1, MIN_COUNT - 1)
    enough = basic["incidents"] >= MIN_COUNT
    mixed = [
        s
        for s, part in basic.groupby("street", sort=True)
        if enough[part.index].sum() >= 3 and few[part.index[: enough[part.index].sum()]].any()
    ]
    assert mixed, "the demo week has no street where the old rules disagree"
    area = IncidentFilter(
        flt.start, flt.end, grid_codes=_street(basic.index[basic.street == mixed[0]])
    )

    cockpit = load_cockpit(demo, area).top
    beside_map = top_grids(demo, area)
    week = load_this_week(demo, area).grids
    assert len(cockpit) >= 3
    assert list(cockpit.index.astype(str)) == list(beside_map[schema.CODE])
    assert list(cockpit["rank"]) == list(range(1, len(cockpit) + 1)) == list(beside_map["rank"])
    grids = Workspace(demo).read_grids()
    pro = set(grids.loc[grids[schema.GRID_TYPE] == "professional", schema.CODE].astype(str))
    basic_rows = week[~week.index.isin(list(pro))]
    # This week's basic grids are the cockpit's, in its order and with its numbers.
    assert list(basic_rows.index) == list(cockpit.index.astype(str))[: len(basic_rows)]
    ranked = basic_rows
    assert len(ranked) >= 1
    assert (ranked["priority_rank"] == cockpit.loc[ranked.index, "rank"]).all()
    # Every listed grid had MIN_COUNT incidents; the figure is signed once ("-1", not "+-1").
    assert (beside_map["incidents"] >= MIN_COUNT).all() and (week["incidents"] >= MIN_COUNT).all()
    assert [_signed(v) for v in (12, 0, -1)] == ["+12", "0", "-1"]


def test_a_street_of_few_incidents_ranks_nothing_and_says_why(demo: str) -> None:
    flt, basic = _city_week(demo)
    by_street = basic.groupby("street")["incidents"].agg(["max", "sum"])
    sparse = by_street[(by_street["max"] < MIN_COUNT) & (by_street["sum"] >= 3)].index
    assert len(sparse), "the demo week has no street of few incidents"
    area = IncidentFilter(
        flt.start, flt.end, grid_codes=_street(basic.index[basic.street == sparse[0]])
    )

    cockpit = load_cockpit(demo, area)
    week = load_this_week(demo, area)
    assert cockpit.top.empty and top_grids(demo, area).empty and week.grids.empty
    assert "any order would be chance" in top_list_html(cockpit, "en")
    assert "any order would be chance" in week_html(week, "en")
    assert "排名只是偶然" in week_html(week, "zh")


def test_tooltip_card_and_this_weeks_list_name_one_department(demo: str) -> None:
    flt = _last_week(demo)
    week = load_this_week(demo, flt).grids
    tooltip = main_departments(demo, flt, "zh")
    window = load_window_incidents(demo, flt)
    table = load_responsibilities(demo)
    by_category_only, card_by_sub = {}, False
    for code in week.index.astype(str):
        row = week.loc[code]
        assert tooltip[code] == row[DEPARTMENT_ZH], code
        mine = window[window[schema.GRID_CODE].astype(str) == str(code)]
        counts = {str(k): int(v) for k, v in mine[schema.CATEGORY].value_counts().items()}
        card = category_departments(counts, table, "zh", incidents=mine)
        plain = category_departments(counts, table, "zh")
        card_by_sub |= card != plain  # the card counts sub-categories as the list does
        found = assign_departments(mine[schema.CATEGORY], None, table)[DEPARTMENT_ZH]
        by_category_only[code] = found.value_counts().index[0]
    # Sub-categories decide somewhere in the list (a category-only rule disagreed there).
    assert any(by_category_only[c] != week.loc[c, DEPARTMENT_ZH] for c in week.index)
    assert card_by_sub
    # A professional grid holding incidents has its department in the tooltip too.
    grids = Workspace(demo).read_grids()
    pro = set(grids.loc[grids[schema.GRID_TYPE] == "professional", schema.CODE].astype(str))
    assert pro & set(tooltip.index)


def test_the_overdue_backlog_counts_only_the_categories_and_classes_shown(demo: str) -> None:
    flt = _last_week(demo)
    everything = load_backlog(demo, flt, flt.end)
    assert everything.missing is None and len(everything.items)
    main = str(everything.items[schema.CATEGORY].value_counts().index[-1])  # a rarer one
    cls = str(everything.items[schema.HANDLING_CLASS].value_counts().index[0])
    narrowed = dataclasses.replace(flt, categories=(main,), handling_classes=(cls,))
    backlog = load_backlog(demo, narrowed, flt.end)
    items = backlog.items
    assert 0 < len(items) < len(everything.items)
    assert set(items[schema.CATEGORY]) == {main} and set(items[schema.HANDLING_CLASS]) == {cls}
    assert backlog.oldest is not None and backlog.oldest[schema.CATEGORY] == main
    # This week's overdue column counts from the same narrowed backlog.
    week = load_this_week(demo, narrowed).grids
    assert week["overdue"].sum() <= len(items)
