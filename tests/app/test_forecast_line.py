"""Which forecasting method the risk map uses: the cockpit's plain line, the Risk page's line,
its rolling-backtest table and the "forecast risk" heat map (issue 14, item 4). AppTest only.

The 2x2 test block holds two res-9 cells, where nothing can beat counting (ties go to the
baselines): that is the real "counting is used" case. The "beats counting" case takes the
same real backtest and declares a method the winner, as a city whose data favour it would.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import re
import time
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from streamlit.testing.v1 import AppTest

from gridmap.analytics import backtest as bt
from gridmap.importing import import_file
from gridmap.store import open_workspace
from gridmap.ui import keys

from .helpers import app_for, deck_layers
from .minimal import hotline_export

PENDING = ("正在用历史数据检验预测方法", "Testing forecasting methods")


def _texts(at: AppTest) -> str:
    parts = [str(m.value) for m in [*at.markdown, *at.caption]]
    return re.sub(r"<[^>]+>", " ", "\n".join(parts))


def _open(ws: Path | str, page: str, monkeypatch: pytest.MonkeyPatch, lang: str) -> AppTest:
    """The page once its background backtest is done (the page itself never waits)."""
    at = app_for(ws, monkeypatch)  # type: ignore[arg-type]  # a path or a PostGIS URL
    at.session_state[keys.KEY_LANG] = lang
    at.run()
    at.switch_page(f"app_pages/{page}.py").run()
    deadline = time.monotonic() + 60
    while any(p in _texts(at) for p in PENDING) and time.monotonic() < deadline:
        time.sleep(0.1)
        at.run()
    assert not at.exception, at.exception[0].message if at.exception else ""
    return at


def _line(at: AppTest, start: str) -> str:
    """The line under the page title (the Risk page's panel repeats it over its table)."""
    lines = [m.value for m in at.markdown if start in m.value]
    assert lines and lines[0].startswith(":material/"), _texts(at)
    return str(lines[0])


def _shown(at: AppTest) -> dict[str, list[str]]:
    """The backtest table's text as drawn (the Styler's display strings)."""
    styler = at.dataframe[-1].proto.arrow_data.styler
    frame = pa.ipc.open_stream(styler.display_values).read_all().to_pandas()
    return {c: [str(v) for v in frame[c]] for c in frame.columns}


def test_counting_is_used_on_a_block_where_nothing_beats_it(
    busy_workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = _open(busy_workspace, "cockpit", monkeypatch, "zh")
    line = _line(at, "风险预测：")
    assert "简单计数" in line and "没有别的方法比它覆盖更多事件" in line
    # Leaders read it: no jargon on the cockpit.
    assert not re.search(r"PAI|PEI|SEPP|sepp|H3|回测|_\d", line)

    at = _open(busy_workspace, "cockpit", monkeypatch, "en")
    line = _line(at, "Risk forecast:")
    assert "plain counting" in line and "no other method caught more incidents" in line
    assert not re.search(r"PAI|PEI|SEPP|sepp|H3|backtest|_\d", line)

    at = _open(busy_workspace, "risk", monkeypatch, "zh")
    line = _line(at, "风险图采用简单计数")
    assert "没有方法比它覆盖更多事件" in line
    table = _shown(at)
    assert len(table["方法"]) == 13  # 3 baselines + 10 methods, one row each
    assert table["基线"].count("是") == 3
    starred = [m for m, s in zip(table["方法"], table["选用"], strict=True) if s.startswith("★")]
    assert len(starred) == 1 and starred[0] in line
    assert {"PAI 前1%", "PAI 前5%", "PAI 前10%", "PEI 前1%", "PEI 前5%", "PEI 前10%"} <= set(table)
    # Each score with its 95 % interval, e.g. "1.0 [1.0–1.0]".
    assert all(re.fullmatch(r"\d+\.\d [\[]\d+\.\d–\d+\.\d[\]]", v) for v in table["PAI 前5%"])

    at = _open(busy_workspace, "risk", monkeypatch, "en")
    assert "no method caught more incidents" in _line(at, "The risk map uses plain counting")
    assert {"Method", "Baseline", "Selected", "PAI top 5%", "PEI top 10%"} <= set(_shown(at))


def test_a_method_that_beats_counting_is_named_with_its_gain(
    busy_workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = bt.select_method

    def decay_wins(table: Any, grids: Any, *, horizon: int | str = 7, res: int = 9) -> Any:
        choice = real(table, grids, horizon=horizon, res=res)
        return dataclasses.replace(
            choice, selected="decay_60d", gain=0.12, gain_interval=(0.05, 0.2)
        )

    monkeypatch.setattr(bt, "select_method", decay_wins)
    at = _open(busy_workspace, "cockpit", monkeypatch, "zh")
    line = _line(at, "风险预测：")
    assert "越近的事件分量越重（每 60 天减半）" in line
    assert "比简单计数多覆盖 12% 的事件" in line
    assert not re.search(r"PAI|decay|H3", line)
    at = _open(busy_workspace, "cockpit", monkeypatch, "en")
    assert "it caught 12% more incidents than plain counting" in _line(at, "Risk forecast:")

    at = _open(busy_workspace, "risk", monkeypatch, "zh")
    line = _line(at, "风险图采用时间衰减计数（decay_60d）")
    assert "多覆盖 12.0% 的事件（95% 区间 5.0% 至 20.0%）" in line and "误差范围" not in line
    table = _shown(at)
    starred = [m for m, s in zip(table["方法"], table["选用"], strict=True) if s.startswith("★")]
    assert starred == ["时间衰减计数（decay_60d）"]
    at = _open(busy_workspace, "risk", monkeypatch, "en")
    assert "caught 12.0% more incidents than the best plain count" in _line(
        at, "The risk map uses time-decayed counts (decay_60d)"
    )


@pytest.mark.parametrize(("days", "lang"), [(1, "zh"), (40, "en")])
def test_too_little_history_is_said_in_words(
    workspace: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, days: int, lang: str
) -> None:
    """One day cannot hold a test week; 40 days hold one, too few to tell methods apart."""
    csv = tmp_path / "incidents.csv"
    hotline_export(60, days).to_csv(csv, index=False)
    import_file(workspace, "incidents", csv, crs="wgs84")
    want = {
        "zh": r"历史数据太短（\d+ 天），还无法检验哪种预测方法更准",
        "en": r"Too little history \(\d+ days\) to test which forecasting method works best",
    }[lang]
    for page in ("cockpit", "risk"):
        at = _open(workspace, page, monkeypatch, lang)
        assert re.search(want, _texts(at)), _texts(at)
        assert not at.error
    # The Risk page's panel says the same, and "forecast risk" falls back to plain counts.
    assert sum(bool(re.search(want, m.value)) for m in at.markdown) == 2
    at.segmented_control(key=keys.KEY_RISK_LAYER).set_value("forecast").run()
    assert not at.exception
    assert "all_history" in _texts(at)


def test_forecast_heat_map_shows_the_cells_gridmap_risk_writes(
    busy_workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = _open(busy_workspace, "risk", monkeypatch, "zh")
    at.segmented_control(key=keys.KEY_RISK_LAYER).set_value("forecast").run()
    assert not at.exception
    drawn = {row["cell"] for row in deck_layers(at)["risk-cells"]["data"]}
    # What `gridmap risk --level cell` computes: the selected method from the last incident.
    ws = open_workspace(busy_workspace)
    from gridmap.loading import load_incident_table

    table = load_incident_table(ws)
    assert table.time_range is not None
    first, last = table.time_range
    choice = bt.select_method(table, ws.read_grids())
    cells = bt.forecast_scores(
        table,
        bt.study_area(ws.read_grids(), 9),
        choice.selected,
        res=9,
        origin=last + dt.timedelta(days=1),
        horizon=7,
        since=first,
    )
    # The city's top 10 % of cells (ranked as the backtest ranks them) that have a score.
    top = cells.head(max(1, math.ceil(0.10 * len(cells) - 1e-9)))
    assert drawn == set(top.loc[top["score"] > 0, "cell"])
    assert drawn
    assert "下周预测风险" in _texts(at) and choice.selected in _texts(at)
