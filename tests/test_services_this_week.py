"""本周重点网格 assembled from a workspace (gridmap.services.this_week), and on data whose
times carry only the month: the last month against the month before, said in words."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from gridmap.analytics.incidents import IncidentFilter
from gridmap.analytics.this_week import (
    LAST_COMPLETE_MONTH,
    list_period,
    month_windows,
    opening_period,
    time_resolution,
)
from gridmap.importing import import_file
from gridmap.report.this_week import this_week_figure, this_week_xlsx
from gridmap.services.this_week import workspace_this_week
from gridmap.store import Workspace

from .builders import busy_incidents, busy_with_last_week

YEAR_2025 = IncidentFilter(dt.date(2025, 1, 1), dt.date(2025, 12, 31))


def _seconds(*stamps: str) -> np.ndarray:
    return (
        pd.to_datetime(list(stamps), format="ISO8601")
        .to_numpy()
        .astype("datetime64[s]")
        .astype(np.int64)
    )


@pytest.mark.parametrize(
    ("stamps", "resolution"),
    [
        (["2025-11-01", "2025-12-01T00:00:00"], "month"),
        (["2025-12-01", "2025-12-02"], "day"),  # dates without a time: weeks still work
        (["2025-12-01", "2025-12-01T08:30"], "time"),
        ([], "time"),
    ],
)
def test_time_resolution(stamps: list[str], resolution: str) -> None:
    assert time_resolution(_seconds(*stamps)) == resolution


def test_one_timed_record_among_monthly_ones_keeps_months() -> None:
    """Reviewer's case: 60,000 month-dated incidents and one at 14:00 (before: "time", so
    the list compared two weeks of a month-dated file, all of it on the 1st)."""
    monthly = np.repeat(_seconds("2025-10-01", "2025-11-01", "2025-12-01"), 20_000)
    timed = np.concatenate([monthly, _seconds("2025-12-01T14:00")])
    assert list_period(timed, dt.date(2025, 12, 1)) == "month"


def test_date_only_records_of_a_single_day_are_not_monthly() -> None:
    """Reviewer's case: 300 date-only records all on 2026-12-01 (before: "month", one day's
    records compared as a month against the month before)."""
    one_day = np.repeat(_seconds("2026-12-01"), 300)
    assert list_period(one_day, dt.date(2026, 12, 1)) == "week"


def test_the_compared_windows_decide_not_old_records() -> None:
    """Monthly records of 2024 and timed ones of December 2025: the windows compared decide
    (before: the whole table said "time", so 2024's monthly data were compared by weeks)."""
    old = np.repeat(_seconds(*(f"2024-{m:02d}-01" for m in range(1, 13))), 1_000)
    recent = _seconds(*(f"2025-12-{d:02d}T09:30" for d in range(1, 32)))
    both = np.concatenate([old, recent])
    assert list_period(both, dt.date(2025, 12, 31)) == "week"
    assert list_period(both, dt.date(2024, 12, 31)) == "month"


def test_pages_open_on_the_newest_month_of_month_dated_data() -> None:
    """Lancashire-style files (every record on the 1st): the map page's 近7天 would hold all
    of December under the name "7 days"; it opens on 本月. Timed data keep the week, and the
    cockpit keeps the last complete month (a whole month against the month before)."""
    monthly = np.repeat(_seconds("2022-10-01", "2022-11-01", "2022-12-01"), 100)
    timed = monthly + 9 * 3600
    dec = dt.date(2022, 12, 1)
    assert opening_period("last-7-days", monthly, dec) == "this-month"
    assert opening_period("this-week", monthly, dec) == "this-month"
    assert opening_period("last-7-days", timed, dec) == "last-7-days"
    assert opening_period(LAST_COMPLETE_MONTH, monthly, dec) == "last-month"
    assert opening_period("last-90-days", monthly, dec) == "last-90-days"


def test_month_windows_take_whole_calendar_months() -> None:
    assert month_windows(dt.date(2024, 3, 1)) == (
        (dt.date(2024, 3, 1), dt.date(2024, 3, 31)),
        (dt.date(2024, 2, 1), dt.date(2024, 2, 29)),
    )
    assert month_windows(dt.date(2025, 1, 15))[1] == (dt.date(2024, 12, 1), dt.date(2024, 12, 31))


def _import(workspace: str, frame: pd.DataFrame, tmp_path: Path) -> Workspace:
    path = tmp_path / "incidents.csv"
    frame.to_csv(path, index=False)
    import_file(workspace, "incidents", path, crs="wgs84")
    return Workspace(workspace)


def test_month_dated_incidents_compare_the_last_month_with_the_one_before(
    workspace: str, tmp_path: Path
) -> None:
    """Every incident dated the 1st of its month (police.uk style): the list counts December
    against November, and every text says month, not week."""
    frame = busy_incidents()
    frame["occurred_at"] = pd.to_datetime(frame["occurred_at"]).dt.strftime("%Y-%m-01")
    frame["closed_at"] = ""  # monthly police files carry no closure
    ws = _import(workspace, frame, tmp_path)
    week = workspace_this_week(ws, YEAR_2025)
    assert week.period == "month"
    assert week.week == (dt.date(2025, 12, 1), dt.date(2025, 12, 31))
    assert week.last_week == (dt.date(2025, 11, 1), dt.date(2025, 11, 30))
    g = week.grids
    assert 1 <= len(g) <= 4
    stored = pd.DataFrame(ws.read_layer("incidents", columns=["grid_code", "occurred_at"]))
    day = pd.to_datetime(stored["occurred_at"]).dt.strftime("%Y-%m-%d")
    per_month = pd.crosstab(stored["grid_code"], day)
    assert g["incidents"].tolist() == per_month["2025-12-01"].reindex(g.index).tolist()
    assert g["last_week"].tolist() == per_month["2025-11-01"].reindex(g.index).tolist()
    assert (g["last_week"] > 0).all()  # every grid had November incidents: no "none before"
    assert g["reason_zh"].str.startswith("本月").all()
    assert not g["reason_zh"].str.contains("周").any()
    assert not g["reason_en"].str.contains("week").any()
    assert g["overdue"].isna().all()  # no closure times: not known, never 0
    book = pytest.importorskip("openpyxl").load_workbook(io.BytesIO(this_week_xlsx(week, "en")))
    header = [c.value for c in book.worksheets[0][1]]
    assert "This month" in header and "Month before" in header
    about = " ".join(str(r[0].value) for r in book.worksheets[1].iter_rows())
    assert "only the month" in about
    from gridmap.report.document import _style

    with _style(None):  # the report's fonts: the page measures its texts as it lays them out
        page = this_week_figure(week, "zh", size=(11.69, 8.27))
    texts = " ".join(t.get_text() for t in page.texts)
    assert "本月重点网格" in texts and "只精确到月" in texts


def test_timed_incidents_keep_the_week(workspace: str, tmp_path: Path) -> None:
    week = workspace_this_week(_import(workspace, busy_with_last_week(), tmp_path), YEAR_2025)
    assert week.period == "week"
    assert len(week.grids) >= 1
    assert week.week == (dt.date(2025, 12, 25), dt.date(2025, 12, 31))
    assert week.grids["reason_zh"].str.startswith("本周").all()
