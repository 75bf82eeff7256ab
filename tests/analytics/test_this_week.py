"""本周重点网格: the list (3 to 10 grids, reasons, change, owner, department) and its Excel."""

from __future__ import annotations

import datetime as dt
import io

import numpy as np
import pandas as pd
import pytest

from gridmap.analytics.this_week import THIS_WEEK_COLUMNS, ThisWeek, this_week_list, week_windows
from gridmap.errors import SchemaError
from gridmap.report.this_week import this_week_table, this_week_xlsx


def _ranking(excess: list[float], incidents: list[int] | None = None) -> pd.DataFrame:
    """Grids g01, g02, ... with the given excess; incidents 10 each unless given; every
    incident weighs 1 (weighted == incidents)."""
    n = len(excess)
    counts = incidents if incidents is not None else [10] * n
    codes = [f"g{i:02d}" for i in range(1, n + 1)]
    return pd.DataFrame(
        {
            "rank": np.arange(1, n + 1),
            "name": [f"网格{i}" for i in range(1, n + 1)],
            "incidents": counts,
            "weighted": np.asarray(counts, dtype=float),
            "excess": excess,
            "ranked_on": "excess_per_households",
        },
        index=pd.Index(codes, name="code"),
    )


def _owners(codes: list[str]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "grid_name": codes,
            "worker": [f"员{c}" for c in codes],
            "community_code": "c1",
            "community_name": "东岗社区",
            "street_code": "s1",
            "street_name": "东岗街道",
        },
        index=pd.Index(codes, name="code"),
    )


def _departments(codes: list[str]) -> pd.DataFrame:
    return pd.DataFrame(
        {"department_zh": "城市管理执法局", "department_en": "Urban Management Bureau"},
        index=pd.Index(codes, name="code"),
    ).assign(cases=1, share=1.0)


def _full(excess: list[float], **kwargs: object) -> pd.DataFrame:
    ranking = _ranking(excess)
    codes = list(ranking.index)
    last = pd.Series(8, index=codes)
    return this_week_list(
        ranking,
        last,
        overdue=pd.Series(2, index=codes),
        owners=_owners(codes),
        departments=_departments(codes),
        **kwargs,  # type: ignore[arg-type]
    )


def test_at_most_ten_grids_highest_excess_first() -> None:
    excess = [float(x) for x in (3, 12, 7, 1, 9, 4, 15, 2, 8, 6, 11, 5)]
    out = _full(excess)
    assert list(out.columns) == list(THIS_WEEK_COLUMNS)
    assert len(out) == 10
    assert out["rank"].tolist() == list(range(1, 11))
    assert out["excess"].is_monotonic_decreasing
    assert out.index[0] == "g07"  # excess 15
    assert "g04" not in out.index and "g08" not in out.index  # the two smallest


def test_every_row_says_why_what_changed_who_and_which_department() -> None:
    out = _full([5.0, 4.0, 3.0, 2.0])
    assert len(out) == 4
    for _code, row in out.iterrows():
        assert row["reason_zh"].startswith("本周 10 件") and row["reason_zh"].endswith("。")
        assert row["reason_en"].startswith("Incidents this week: 10")
        assert row["change"] == 2 and row["last_week"] == 8
        assert row["worker"].startswith("员") and row["community_name"] == "东岗社区"
        assert row["street_name"] == "东岗街道"
        assert row["department_zh"] == "城市管理执法局"
        assert row["overdue"] == 2


def test_the_reason_in_one_sentence() -> None:
    ranking = _ranking([6.0], incidents=[10])
    out = this_week_list(ranking, pd.Series({"g01": 12}), overdue=pd.Series({"g01": 3}), n_min=1)
    assert out.loc["g01", "reason_zh"] == (
        "本周 10 件，同类网格同等规模预期约 4 件，比上周少 2 件，另有 3 件超期未结。"
    )
    assert out.loc["g01", "reason_en"] == (
        "Incidents this week: 10; similar grids of its size would expect about 4; "
        "2 fewer than last week; 3 cases overdue."
    )
    assert out.loc["g01", "change"] == -2


def test_the_expected_count_is_in_incidents_not_weighted_ones() -> None:
    # 10 incidents weighing 2 each: an excess of 12 weighted incidents is 6 incidents.
    ranking = _ranking([12.0], incidents=[10]).assign(weighted=20.0)
    out = this_week_list(ranking, pd.Series(dtype="int64"), n_min=1)
    assert out.loc["g01", "expected"] == pytest.approx(4.0)
    assert "预期约 4 件" in out.loc["g01", "reason_zh"]
    assert "上周无事件" in out.loc["g01", "reason_zh"]


def test_a_grid_without_peers_is_compared_with_the_mean() -> None:
    ranking = _ranking([8.0], incidents=[10]).assign(ranked_on="count")
    out = this_week_list(ranking, pd.Series({"g01": 10}), n_min=1)
    assert out.loc["g01", "reason_zh"] == "本周 10 件，专属网格平均约 2 件，与上周持平。"


def test_at_least_three_grids_when_few_have_an_excess() -> None:
    out = _full([4.0, -1.0, -2.0, -3.0, -0.5])
    assert len(out) == 3
    assert out.index.tolist() == ["g01", "g05", "g02"]  # excess 4, -0.5, -1
    # No "expected" clause for a grid at or below what is expected.
    assert "预期" not in out.loc["g02", "reason_zh"]


def test_grids_without_incidents_are_never_listed() -> None:
    ranking = _ranking([3.0, 2.0, 1.0], incidents=[5, 0, 0])
    out = this_week_list(ranking, pd.Series(dtype="int64"))
    assert out.index.tolist() == ["g01"]
    empty = this_week_list(_ranking([0.0, 0.0], incidents=[0, 0]), pd.Series(dtype="int64"))
    assert empty.empty and list(empty.columns) == list(THIS_WEEK_COLUMNS)


def test_overdue_unknown_is_left_out_not_zero() -> None:
    out = this_week_list(_ranking([3.0, 2.0, 1.0]), pd.Series(dtype="int64"), overdue=None)
    assert out["overdue"].isna().all()
    assert not out["reason_zh"].str.contains("超期").any()
    assert (out["worker"] == "").all() and (out["department_zh"] == "").all()


def test_bad_arguments_raise_one_line() -> None:
    with pytest.raises(SchemaError, match=r"ranking: missing column\(s\) \['excess'\]"):
        this_week_list(pd.DataFrame({"incidents": [1]}), pd.Series(dtype="int64"))
    with pytest.raises(SchemaError, match="allowed: 1 <= n_min <= n_max"):
        this_week_list(_ranking([1.0]), pd.Series(dtype="int64"), n_min=5, n_max=3)


def test_week_windows_are_seven_days_each() -> None:
    (s, e), (ps, pe) = week_windows(dt.date(2026, 10, 31))
    assert (s, e) == (dt.date(2026, 10, 25), dt.date(2026, 10, 31))
    assert (ps, pe) == (dt.date(2026, 10, 18), dt.date(2026, 10, 24))


def _week() -> ThisWeek:
    return ThisWeek(
        _full([5.0, 4.0, 3.0]),
        (dt.date(2026, 10, 25), dt.date(2026, 10, 31)),
        (dt.date(2026, 10, 18), dt.date(2026, 10, 24)),
    )


def test_excel_holds_the_list_with_chinese_headers() -> None:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(this_week_xlsx(_week(), "zh")))
    sheet = book.worksheets[0]
    assert sheet.title == "本周重点网格"
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == (
        "序号", "网格", "网格编码", "原因", "本周事件", "上周事件", "较上周", "超期未结",
        "网格员", "社区", "街道", "责任部门",
    )  # fmt: skip
    assert len(rows) == 4
    assert rows[1][:3] == (1, "网格1", "g01")
    assert rows[1][3].startswith("本周 10 件")
    assert rows[1][4:8] == (10, 8, "+2", "2")
    assert rows[1][8:] == ("员g01", "东岗社区", "东岗街道", "城市管理执法局")
    about = [r[0] for r in book.worksheets[1].iter_rows(values_only=True)]
    assert "2026-10-25 至 2026-10-31" in about[1]


def test_the_printed_table_names_no_grid_worker() -> None:
    table = this_week_table(_week(), "zh", worker=False)
    assert "网格员" not in table.columns
    assert not table.astype(str).apply(lambda c: c.str.startswith("员")).any().any()
    english = this_week_table(_week(), "en")
    assert english.columns[3] == "Reason"
    assert english.iloc[0]["Department"] == "Urban Management Bureau"


def test_less_than_one_expected_is_said_so() -> None:
    ranking = _ranking([9.0], incidents=[10]).assign(expected_incidents=0.3)
    out = this_week_list(ranking, pd.Series({"g01": 10}), n_min=1)
    assert out.loc["g01", "expected"] == pytest.approx(0.3)
    assert out.loc["g01", "reason_zh"] == "本周 10 件，同类网格同等规模预期不到 1 件，与上周持平。"
    assert "expect less than 1" in out.loc["g01", "reason_en"]
