"""The Data page speaks the user's language and stops before importing a far-away file
(issue 15, item 5): versions table, a warning with share and distance, a confirmation."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from gridmap.importing import import_file
from gridmap.ui import keys

from ..builders import squares_2x2
from .helpers import data_page, give_file

#: The Data page's version-table headings in Chinese, up to the note column.
ZH_VERSION_COLUMNS = ["版本", "状态", "生效日期", "网格数", "来源文件", "创建时间"]


def far_away_csv(path: Path) -> Path:
    """Thirty incidents in Shanghai, about 1,700 km from the Lanzhou fixture grids."""
    rng = np.random.default_rng(5)
    n = 30
    pd.DataFrame(
        {
            "事件编号": [f"SH{i}" for i in range(n)],
            "经度": 121.47 + rng.normal(0, 0.02, n),
            "纬度": 31.23 + rng.normal(0, 0.02, n),
            "发生时间": "2025-05-01 10:00",
            "事件类型": "占道经营",
        }
    ).to_csv(path, index=False)
    return path


def test_far_away_file_warns_with_share_and_distance_and_asks_to_confirm(
    workspace: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    at = data_page(workspace, monkeypatch)
    give_file(at, far_away_csv(tmp_path / "上海事件.csv"), "incidents", tmp_path)
    [warning] = [w.value for w in at.warning if "工作空间范围" in w.value]
    assert "只有 0% 落在现有边界内" in warning
    km = int(warning.split("中位距离为 ")[1].split(" 公里")[0].replace(",", ""))
    assert 1_500 < km < 2_500  # Shanghai is about 1,700 km from Lanzhou
    assert at.button(key=keys.KEY_DATA_IMPORT).disabled
    assert "导入前请勾选“仍然导入”确认。" in [c.value for c in at.caption]
    at.checkbox(key=keys.KEY_DATA_OUTSIDE_OK).check().run()
    assert not at.button(key=keys.KEY_DATA_IMPORT).disabled
    at.button(key=keys.KEY_DATA_IMPORT).click().run()
    assert not at.exception
    # Imported as asked: the importer still keeps points outside the city out, with a reason.
    m = {m.label: m.value for m in at.metric}
    assert (m["读取行数"], m["拒绝"]) == ("30", "30")


def test_points_inside_need_no_confirmation(
    busy_workspace: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    src = tmp_path / "inside.csv"
    frame = pd.read_csv(tmp_path / "busy.csv").head(20)  # written by the fixture
    frame.assign(id=[f"N{i}" for i in range(20)]).to_csv(src, index=False)
    at = data_page(busy_workspace, monkeypatch)
    give_file(at, src, "incidents", tmp_path)
    assert not [w for w in at.warning if "工作空间范围" in w.value]
    assert not at.get("checkbox") or all(c.key != "data_outside_ok" for c in at.checkbox)
    assert not at.button(key=keys.KEY_DATA_IMPORT).disabled


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_versions_table_is_translated_without_none(
    lang: str, workspace: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    squares_2x2(codes=("A2", "B2", "C2", "D2")).to_file(tmp_path / "g2.gpkg", driver="GPKG")
    import_file(workspace, "grids", tmp_path / "g2.gpkg", draft=True)
    at = data_page(workspace, monkeypatch, section="overview")
    at.sidebar.radio(key=keys.KEY_LANG).set_value(lang).run()
    versions = at.dataframe[0].value
    if lang == "zh":
        assert list(versions.columns) == ZH_VERSION_COLUMNS
        assert versions["状态"].tolist() == ["生效中", "草稿"]
    else:
        assert versions["Status"].tolist() == ["in force", "draft"]
    text = versions.astype(str).to_numpy().ravel().tolist()
    assert not {"None", "nan", "<NA>", "published", "draft" if lang == "zh" else ""} & set(text)
    log = at.dataframe[1].value
    assert "None" not in log.astype(str).to_numpy().ravel().tolist()


def test_versions_table_says_missing_in_words() -> None:
    """A draft saved by the Rebalance page has no effective date and maybe no note."""
    from gridmap.ui.data import versions_table

    rows = [
        {"version": 1, "status": "published", "effective_date": "2025-01-01", "n_grids": 4,
         "source": "grids.gpkg", "created_at": "2025-01-01 09:00", "note": None},
        {"version": 2, "status": "draft", "effective_date": None, "n_grids": None,
         "source": None, "created_at": "2025-02-01 09:00", "note": "调整 A/B"},
    ]  # fmt: skip
    zh = versions_table(rows, "zh")
    assert list(zh.columns) == [*ZH_VERSION_COLUMNS, "备注"]
    assert zh.iloc[1].tolist() == [2, "草稿", "—", "—", "—", "2025-02-01 09:00", "调整 A/B"]
    assert zh["网格数"].tolist() == ["4", "—"]
    en = versions_table(rows[:1], "en")
    assert list(en.columns) == ["Version", "Status", "Effective", "Grids", "Source file", "Created"]
    assert en["Status"].tolist() == ["in force"]


@pytest.mark.parametrize(
    ("reason", "zh"),
    [
        (
            "duplicate code with conflicting attributes (rows 2, 4 differ in name)",
            "编码重复且属性不一致（整组拒绝）：第 2, 4 行的name不同",
        ),
        (
            "merged 3 rows into 1 grid: B3100 (rows 2, 3, 4; same code and attributes)",
            "同一编码的多行已合并为一个要素：B3100（第 2, 3, 4 行，共 3 行）",
        ),
        (
            "no coordinates: kept without a location in grid 5Q02",
            "无坐标，按所属网格保留（无位置）：网格 5Q02",
        ),
        (
            "no coordinates (grid 西区: no grid has this code or unique name)",
            "无坐标（所属网格 西区：没有此编码或唯一名称的网格）",
        ),
    ],
)
def test_new_import_reasons_read_in_chinese(reason: str, zh: str) -> None:
    """The rejects table of the Chinese page says why in Chinese, details kept."""
    from gridmap.ui.upload import reason_text

    assert reason_text(reason, "zh") == zh
    assert reason_text(reason, "en") == reason
