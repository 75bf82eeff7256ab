"""The cockpit computes its backlog card and this week's list beside itself, with the same
numbers as the workspace gives without any cache. Plain function calls on a small demo city,
no app run."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from gridmap.analytics.backlog import cases_in, overdue_backlog
from gridmap.analytics.filters import last_complete_month, period_window
from gridmap.analytics.incidents import IncidentFilter
from gridmap.demo import build_demo
from gridmap.loading import load_incident_table
from gridmap.services.this_week import backlog_since, read_open_cases, workspace_this_week
from gridmap.store import Workspace
from gridmap.ui.backlog import load_backlog, load_owners, open_cases
from gridmap.ui.cockpit import _prefetch, load_cockpit
from gridmap.ui.data import _stamp
from gridmap.ui.responsibility import load_responsibilities
from gridmap.ui.this_week import load_this_week

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> str:
    out = Path(tmp_path_factory.mktemp("prefetch")) / "lanzhou.gpkg"
    build_demo(out, scale=0.1)  # enough for grids of 5 or more incidents in a week
    return str(out)


def test_the_backlog_and_this_weeks_list_are_ready_with_the_cockpit(demo: str) -> None:
    span = load_incident_table(Workspace(demo)).time_range
    assert span is not None
    flt = IncidentFilter(*period_window(last_complete_month(span[1]), span[1], first=span[0]))
    load_cockpit(demo, flt)
    thread = _prefetch(demo, _stamp(demo), flt)  # the one started for this filter
    thread.join(timeout=120)
    assert not thread.is_alive()
    since = backlog_since(flt)
    # The open cases were read by the thread: the page's call gets that very frame.
    assert open_cases(demo, since) is open_cases(demo, since)
    week = load_this_week(demo, flt)
    direct = workspace_this_week(Workspace(demo), flt)
    assert len(week.grids) > 0 and week.week == direct.week
    pd.testing.assert_frame_equal(week.grids, direct.grids)
    # The card's backlog is the one counted from a fresh read of the workspace.
    card = load_backlog(demo, flt, flt.end, since=since)
    fresh = overdue_backlog(
        cases_in(read_open_cases(Workspace(demo), since), flt),
        as_of=flt.end,
        owners=load_owners(demo),
        responsibilities=load_responsibilities(demo),
        closure_known=True,
    )
    assert card.overdue == fresh.overdue and card.overdue
    pd.testing.assert_frame_equal(card.items, fresh.items)
