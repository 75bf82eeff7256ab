"""超期未结: open past the handling class's time limit, by street and by department."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from gridmap.analytics.backlog import (
    BACKLOG_COLUMNS,
    age_bands,
    age_breakdown,
    overdue_backlog,
)
from gridmap.analytics.responsibility import default_responsibilities, grid_owners
from gridmap.analytics.risk import UNKNOWN_PARENT, RiskSettings
from gridmap.demo import build_demo
from gridmap.errors import SchemaError
from gridmap.store import Workspace

AS_OF = dt.date(2025, 3, 10)  # the end of that day: 2025-03-11 00:00


def _incidents() -> pd.DataFrame:
    """Seven cases looked at on 10 March (time limits: general 7 days, emergency 1, dispute 15).

    ======  =========  ================  ================  =================================
    id      class      occurred          closed            at the end of 10 March
    ======  =========  ================  ================  =================================
    late    general    03-01 08:00       03-09 (late)      closed: not backlog
    inside  general    03-08 00:00       open              due 03-15: not yet
    over    general    03-01 00:00       open              due 03-08: 3 days overdue
    urgent  emergency  03-09 00:00       open              due 03-10: 1 day overdue
    feud    dispute    02-01 00:00       03-12 (after)     due 02-16: 23 days overdue
    nocls   (none)     01-01 00:00       open              no limit: open, never overdue
    future  general    03-12 00:00       open              after as_of: ignored
    ======  =========  ================  ================  =================================
    """
    return pd.DataFrame(
        {
            "id": ["late", "inside", "over", "urgent", "feud", "nocls", "future"],
            "occurred_at": pd.to_datetime(pd.Series(_OCCURRED)),
            "closed_at": pd.to_datetime(pd.Series(_CLOSED)),
            "category": _CATEGORY,
            "category_source": ["", "", "违规停车", "火情", "邻里纠纷", "", ""],
            "handling_class": _CLASS,
            "grid_code": [_G1, _G1, _G1, None, _G2, _G1, _G1],
        }
    )


_G1, _G2 = "620102003001001", "620102004001001"
_OCCURRED = [
    "2025-03-01 08:00", "2025-03-08 00:00", "2025-03-01 00:00", "2025-03-09 00:00",
    "2025-02-01 00:00", "2025-01-01 00:00", "2025-03-12 00:00",
]  # fmt: skip
_CLOSED = ["2025-03-09", None, None, None, "2025-03-12", None, None]
_CATEGORY = [
    "ecology", "ecology", "urban_management", "work_safety", "public_safety", "livelihood",
    "ecology",
]  # fmt: skip
_CLASS = ["general", "general", "general", "emergency", "dispute", None, "general"]


def _owners() -> pd.DataFrame:
    admin = pd.DataFrame(
        {
            "code": ["620102003", "620102003001", "620102004", "620102004001"],
            "name": ["张掖路街道", "东岗社区", "雁南街道", "南河社区"],
            "level": ["street", "community", "street", "community"],
            "parent_code": [None, "620102003", None, "620102004"],
        }
    )
    grids = pd.DataFrame(
        {"code": ["620102003001001", "620102004001001"], "name": ["东岗第1网格", "南河第1网格"]}
    )
    return grid_owners(grids, admin)


def test_only_open_cases_past_their_limit_are_backlog() -> None:
    b = overdue_backlog(_incidents(), as_of=AS_OF, owners=_owners())
    assert b.missing is None
    assert b.as_of == pd.Timestamp("2025-03-11")
    assert (b.overdue, b.open, b.open_without_limit) == (3, 5, 1)
    assert tuple(b.items.columns) == BACKLOG_COLUMNS
    assert b.items["id"].tolist() == ["feud", "over", "urgent"]  # most overdue first
    assert b.items["days_overdue"].to_numpy() == pytest.approx([23.0, 3.0, 1.0])
    oldest = b.oldest
    assert oldest is not None
    assert (oldest["id"], oldest["grid_code"], oldest["category"]) == (
        "feud",
        "620102004001001",
        "public_safety",
    )
    assert oldest["street_name"] == "雁南街道" and oldest["grid_name"] == "南河第1网格"
    assert oldest["department_zh"] == "司法所（综治中心）"  # 邻里纠纷: mediation, not police
    assert b.items.set_index("id").loc["over", "department_zh"] == "交警大队"  # 违规停车


def test_breakdowns_sum_to_the_total() -> None:
    b = overdue_backlog(_incidents(), as_of=AS_OF, owners=_owners())
    assert b.by_street["overdue"].sum() == b.overdue
    assert b.by_department["overdue"].sum() == b.overdue
    streets = b.by_street.set_index("street_code")
    # The emergency case lies in no grid: it is counted under the unknown street.
    assert streets["overdue"].to_dict() == {"620102003": 1, "620102004": 1, UNKNOWN_PARENT: 1}
    assert streets.loc["620102004", "max_days_overdue"] == pytest.approx(23.0)
    assert set(b.by_department["department_zh"]) == {
        "司法所（综治中心）",
        "交警大队",
        "消防救援大队",
    }


def test_the_time_limits_are_the_cockpits_settings() -> None:
    b = overdue_backlog(_incidents(), as_of=AS_OF, settings=RiskSettings(sla_days={"general": 2.0}))
    # "inside" (08 March) is now due on the 10th: 1 day overdue; "over" 8 days.
    assert b.sla_days["general"] == 2.0
    assert b.items.set_index("id")["days_overdue"].to_dict() == pytest.approx(
        {"feud": 23.0, "over": 8.0, "urgent": 1.0, "inside": 1.0}
    )
    # Without owners every case is under the unknown street; the default mapping is used.
    assert b.by_street["street_code"].tolist() == [UNKNOWN_PARENT]


def test_as_of_a_moment_and_earlier_dates() -> None:
    frame = _incidents()
    noon = overdue_backlog(frame, as_of=dt.datetime(2025, 3, 10, 12, 0))
    assert noon.items.set_index("id")["days_overdue"].to_dict() == pytest.approx(
        {"feud": 22.5, "over": 2.5, "urgent": 0.5}
    )
    # On 5 March "late" was still open but not yet due; "feud" already overdue.
    early = overdue_backlog(frame, as_of=dt.date(2025, 3, 5))
    assert early.items["id"].tolist() == ["feud"]
    assert early.open == 4  # late, over, feud, nocls
    with pytest.raises(SchemaError, match="as_of='2025-03-10'; allowed: a date"):
        overdue_backlog(frame, as_of="2025-03-10")  # type: ignore[arg-type]


def test_no_closure_data_is_missing_not_zero() -> None:
    frame = _incidents()
    for without in (
        frame.drop(columns="closed_at"),
        frame.assign(closed_at=pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")),
    ):
        b = overdue_backlog(without, as_of=AS_OF)
        assert b.missing == "closure"
        assert b.overdue is None and b.open is None and b.oldest is None
        assert b.items.empty and b.by_street.empty and b.by_department.empty


def test_an_open_only_read_keeps_the_closure_known() -> None:
    # The app reads only the cases still open (closed_at empty here): the layer has closure
    # times all the same, so the backlog is counted, not "missing".
    open_only = _incidents().query("id in ['inside', 'over', 'urgent', 'nocls']")
    open_only = open_only.assign(closed_at=pd.NaT)
    assert overdue_backlog(open_only, as_of=AS_OF).missing == "closure"
    b = overdue_backlog(open_only, as_of=AS_OF, closure_known=True)
    assert b.missing is None and b.overdue == 2
    none = overdue_backlog(_incidents(), as_of=AS_OF, closure_known=False)
    assert none.missing == "closure" and none.overdue is None


def test_age_bands_show_what_is_recent() -> None:
    b = overdue_backlog(_incidents(), as_of=AS_OF, owners=_owners())
    # over 3 days and urgent 1 day are recent, feud 23 days is in "8-30".
    assert age_bands(b).to_dict() == {"le7": 2, "8_30": 1, "31_90": 0, "gt90": 0}
    streets = age_breakdown(b, "street").set_index("street_code")
    assert streets.loc["620102004", ["overdue", "le7", "8_30"]].tolist() == [1, 0, 1]
    assert streets[["le7", "8_30", "31_90", "gt90"]].sum(axis=1).eq(streets["overdue"]).all()
    depts = age_breakdown(b, "department")
    assert depts["overdue"].sum() == 3
    assert depts.columns.tolist() == [
        "department_zh", "department_en", "overdue", "le7", "8_30", "31_90", "gt90",
    ]  # fmt: skip
    late = overdue_backlog(_incidents(), as_of=dt.date(2025, 6, 1))
    # On 1 June "over" (due 8 March) is 85 days overdue, "feud" closed on 12 March.
    assert age_bands(late)["31_90"] >= 1 and age_bands(late)["gt90"] == 0


def test_a_missing_backlog_has_no_bands() -> None:
    b = overdue_backlog(_incidents().drop(columns="closed_at"), as_of=AS_OF)
    assert age_bands(b).sum() == 0
    assert age_breakdown(b, "street").empty


def test_no_handling_class_is_missing_not_zero() -> None:
    b = overdue_backlog(_incidents().drop(columns="handling_class"), as_of=AS_OF)
    assert b.missing == "handling_class"
    assert b.overdue is None
    assert b.open == b.open_without_limit == 5  # the open cases are known, their limit not


def test_missing_columns_are_refused() -> None:
    with pytest.raises(SchemaError, match=r"incidents: missing column\(s\) \['id'\]"):
        overdue_backlog(_incidents().drop(columns="id"), as_of=AS_OF)


def test_an_empty_layer_has_no_backlog() -> None:
    frame = _incidents().iloc[:0]
    b = overdue_backlog(frame, as_of=AS_OF)
    assert b.missing == "closure" and b.overdue is None


# --- the demo -------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    out = Path(tmp_path_factory.mktemp("backlog")) / "lanzhou.gpkg"
    build_demo(out, scale=0.02)
    return Workspace(str(out))


def test_the_demo_has_an_overdue_backlog_that_adds_up(demo: Workspace) -> None:
    incidents = pd.DataFrame(demo.read_layer("incidents").drop(columns="geometry"))
    owners = grid_owners(demo.read_grids(), demo.read_layer("admin"))
    assert (owners["street_name"] != "").all() and (owners["worker"] != "").all()
    end = pd.to_datetime(incidents["occurred_at"]).max().date()
    b = overdue_backlog(
        incidents, as_of=end, owners=owners, responsibilities=default_responsibilities()
    )
    assert b.missing is None and b.overdue is not None
    assert b.open is not None and 0 < b.overdue <= b.open
    assert b.by_street["overdue"].sum() == b.by_department["overdue"].sum() == b.overdue
    # Every backlog case is really open and past its limit; the first is the oldest.
    rows = incidents.set_index("id").loc[b.items["id"]]
    assert rows["closed_at"].isna().all()
    limit = rows["handling_class"].map(RiskSettings().sla_days).to_numpy()
    occurred = pd.to_datetime(rows["occurred_at"]).to_numpy()
    due = occurred + (limit * 86_400).astype("timedelta64[s]")
    assert (due <= np.datetime64(b.as_of)).all()
    assert b.items["days_overdue"].iloc[0] == b.items["days_overdue"].max()
    # Every category the demo draws has a department: nothing is unassigned.
    assert "未指定" not in set(b.by_department["department_zh"])
