"""Every page opens on every minimal workspace the importers accept (issue 15, item 9).

AppTest runs each page on each workspace of :mod:`tests.app.minimal` and checks the words a
user reads where data is missing; a Chromium test serves each workspace once and visits every
page, looking for a traceback, Streamlit's exception box or a link out of the intranet.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pytest
from streamlit.testing.v1 import AppTest

from gridmap.analytics.incidents import IncidentFilter
from gridmap.report.from_workspace import report_inputs
from gridmap.store import Workspace
from gridmap.ui import keys

from ..builders import require
from .helpers import app_for, deck_layers
from .minimal import MATRIX, build_matrix
from .server import BROWSER_ARGS, CHROMIUM, IDLE, running_app

#: Page script -> its URL path in the served app (the map is the default page).
PAGES = {
    "map": "",
    "cockpit": "cockpit",
    "risk": "risk",
    "coverage": "coverage",
    "rebalance": "rebalance",
    "fusion": "fusion",
    "workspace": "workspace",
    "audit": "audit",
}


@pytest.fixture(scope="module")
def matrix(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return build_matrix(tmp_path_factory.mktemp("minimal"))


def open_page(ws: Path, page: str, monkeypatch: pytest.MonkeyPatch, lang: str = "zh") -> AppTest:
    at = app_for(ws, monkeypatch)
    at.session_state[keys.KEY_LANG] = lang
    at.run()
    if page != "map":
        at.switch_page(f"app_pages/{page}.py").run()
    return at


def texts(at: AppTest) -> str:
    """Everything the page wrote, tags stripped (tiles are HTML)."""
    parts: list[str] = []
    for kind in ("title", "subheader", "markdown", "caption", "info", "warning", "error"):
        parts += [str(e.value) for e in at.get(kind)]
    parts += [f"{m.label}: {m.value}" for m in at.metric]
    return re.sub(r"<[^>]+>", " ", "\n".join(parts))


@pytest.mark.parametrize("page", list(PAGES))
@pytest.mark.parametrize("name", list(MATRIX))
def test_page_opens(
    name: str, page: str, matrix: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    at = open_page(matrix[name], page, monkeypatch)
    assert not at.exception, at.exception[0].message if at.exception else ""
    words = texts(at)
    assert "None" not in words and "nan" not in words.replace("nanometre", "")
    # No i18n key shows through (keys are dotted lower-case words).
    assert not re.search(r"\b(kpi|data|cockpit|risk|coverage|backtest)\.[a-z_.]+\b", words)
    for df in at.dataframe:  # a table shows "—" or a Styler's text, never "None"
        if not df.proto.arrow_data.styler.display_values:
            assert not df.value.isna().any().any(), list(df.value.columns)


def test_without_incidents_pages_say_so(
    matrix: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    for page in ("map", "cockpit", "risk"):
        at = open_page(matrix["grids_only"], page, monkeypatch)
        assert any(i.value.startswith("工作空间中还没有事件") for i in at.info), page
    at = open_page(matrix["grids_only"], "coverage", monkeypatch, lang="en")
    assert [i.value for i in at.info] == [
        "No camera data. Import the camera register on the Data page to see coverage, blind "
        "spots and suggested sites."
    ]
    assert not at.error


def test_no_closure_times_is_said_in_words(
    matrix: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    at = open_page(matrix["no_closure"], "cockpit", monkeypatch)
    tiles = next(m.value for m in at.markdown if 'data-kpi="closure"' in m.value)
    closure = tiles.split('data-kpi="closure"')[1].split('data-kpi="on_time"')[0]
    assert "无结案数据" in closure and "%" not in closure and "已结案 0" not in closure
    handling = tiles.split('data-kpi="handling"')[1]
    assert "无结案数据" in handling and "小时" not in handling
    # The grid card says the same.
    at = open_page(matrix["no_closure"], "map", monkeypatch)
    pick = {"indices": {"grids": [0]}, "objects": {"grids": [{"properties": {"code": "A"}}]}}
    at.session_state[keys.KEY_MAP] = {"selection": pick}
    at.run()
    assert {m.label: m.value for m in at.metric}["结案率"] == "无数据"
    assert "结案率: 无结案数据" in [c.value for c in at.caption]


def test_no_previous_period_is_neutral_and_explained(
    matrix: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    at = open_page(matrix["one_day"], "cockpit", monkeypatch)
    tiles = next(m.value for m in at.markdown if 'data-kpi="incidents"' in m.value)
    assert tiles.count('<span class="neutral">上期无数据</span>') >= 4
    assert '<span class="bad">' not in tiles and '<span class="good">' not in tiles
    assert any(c.value.startswith("事件数据始于 2025-03-01：上期") for c in at.caption)


def test_a_grids_and_incidents_workspace_has_a_title_and_no_admin_outlines(
    matrix: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    at = open_page(matrix["no_admin"], "cockpit", monkeypatch)
    assert "全市 网格治理驾驶舱" in texts(at)
    at = open_page(matrix["no_admin"], "map", monkeypatch)
    ids = list(deck_layers(at))
    assert not [i for i in ids if i.startswith("admin-")] and "grids" in ids


def test_no_households_shows_no_rate(
    matrix: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    at = open_page(matrix["no_households"], "cockpit", monkeypatch)
    tiles = next(m.value for m in at.markdown if 'data-kpi="rate"' in m.value)
    rate = tiles.split('data-kpi="rate"')[1].split('data-kpi="closure"')[0]
    assert "无户数数据" in rate
    top = next(m.value for m in at.markdown if 'class="gm-top"' in m.value)
    # No household count: ranked on area, so the rate shown is per km² (never "0" per 1,000).
    assert "平方公里 · 每平方公里" in top and "千户" not in top
    at = open_page(matrix["no_households"], "risk", monkeypatch)
    # The table's text as drawn (the Styler's display values, not the numbers behind them).
    styler = at.dataframe[0].proto.arrow_data.styler
    shown = pa.ipc.open_stream(styler.display_values).read_all().to_pandas()
    assert (shown["户数"] == "—").all() and (shown["每千户（平滑）"] == "—").all()
    # Every grid is listed once, in priority order (most incidents above expectation first).
    assert sorted(shown["事件"].tolist()) == ["32", "39", "41", "45"]
    excess = pd.to_numeric(shown["比预期多（件）"].str.replace(",", ""), errors="coerce")
    assert excess.is_monotonic_decreasing, shown["比预期多（件）"].tolist()


def test_one_day_backtest_is_one_line(
    matrix: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    at = open_page(matrix["one_day"], "risk", monkeypatch)
    for _ in range(100):  # the method choice runs in the background (0.1 s here)
        if not any("正在用历史数据检验预测方法" in c.value for c in at.caption):
            break
        time.sleep(0.1)
        at.run()
    # The line under the title and the backtest panel say it in words, with no table.
    short = [m.value for m in at.markdown if "历史数据太短（1 天）" in m.value]
    assert len(short) == 2
    assert not at.dataframe or all("方法" not in df.value.columns for df in at.dataframe)


def test_report_inputs_without_admin_layer(matrix: dict[str, Path]) -> None:
    """`gridmap report` on grids + incidents only: no KeyError, a map of the grids' outlines
    (no admin outlines to draw)."""
    flt = IncidentFilter(dt.date(2025, 3, 1), dt.date(2025, 6, 28))
    inputs = report_inputs(Workspace(str(matrix["no_admin"])), flt)
    assert inputs.cockpit.kpi("incidents").value == 200
    outlines = inputs.context.outlines
    assert all(len(o) == 0 for level, o in outlines.items() if level != "grid")
    assert len(outlines["grid"]) == 4
    assert set(inputs.context.grid_points) == {"A", "B", "C", "D"}


def test_a_failing_page_is_one_line_with_a_logged_reference(
    matrix: dict[str, Path], monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The served app's behaviour (GRIDMAP_DEBUG unset): one line, the traceback in the log."""
    import gridmap.ui.mapdata

    def broken(*_a: object, **_k: object) -> list[object]:
        raise KeyError("level")

    monkeypatch.delenv("GRIDMAP_DEBUG")
    monkeypatch.setattr(gridmap.ui.mapdata, "context_layers", broken)
    with caplog.at_level(logging.ERROR, logger="gridmap.ui.pages"):
        at = open_page(matrix["no_admin"], "map", monkeypatch)
    assert not at.exception
    [error] = at.error
    ref = re.search(r"编号 ([0-9a-f]{8})", error.value)
    assert ref and error.value.startswith("本页出现错误")
    assert "KeyError" not in error.value and "Traceback" not in error.value
    [record] = [r for r in caplog.records if ref.group(1) in r.getMessage()]
    assert record.exc_info is not None and "KeyError" in repr(record.exc_info[1])


# --- real browser ---------------------------------------------------------------------------
@pytest.fixture
def chromium() -> Iterator[None]:
    if not Path(CHROMIUM).exists():
        if require("GRIDMAP_REQUIRE_BROWSER"):
            pytest.fail(f"Chromium not found at {CHROMIUM} (required in CI)")
        pytest.skip("Chromium not installed")
    yield


@pytest.mark.browser
def test_every_page_in_chromium_on_every_minimal_workspace(
    chromium: None, matrix: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """One server per workspace, one visit per page: no traceback, no exception box, no
    one-line page error and no "Ask Google" / "Ask ChatGPT" link anywhere."""
    from playwright.sync_api import sync_playwright

    monkeypatch.delenv("GRIDMAP_DEBUG")  # served as in production: error details off
    shots = os.environ.get("GRIDMAP_SHOTS")
    problems: list[str] = []
    timings: dict[str, float] = {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=BROWSER_ARGS)
        for name, ws in matrix.items():
            t0 = time.perf_counter()
            with running_app(ws) as url:
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                for script, route in PAGES.items():
                    page.goto(f"{url}/{route}")
                    # The shared sidebar is drawn by every page; then wait for the run to end.
                    page.get_by_text("语言 / Language").wait_for(timeout=60_000)
                    page.locator(IDLE).wait_for(state="attached", timeout=60_000)
                    problems += page_problems(page, f"{name}/{script}")
                    if shots and name == "no_admin":
                        page.screenshot(path=str(Path(shots) / f"minimal_{script}.png"))
                page.close()
            timings[name] = round(time.perf_counter() - t0, 1)
        browser.close()
    print("browser matrix seconds per workspace:", timings)
    assert problems == []


def page_problems(page: Any, where: str) -> list[str]:
    """What a user must never see on a page (a playwright Page) of the served app."""
    found = []
    if page.locator("[data-testid=stException]").count():
        found.append(f"{where}: exception box")
    if page.locator(".st-key-page_error [data-testid=stAlert]").count():
        found.append(f"{where}: page error")
    body = page.locator("body").inner_text()
    for word in ("Traceback", "Ask Google", "Ask ChatGPT", "None\n"):
        if word in body:
            found.append(f"{where}: {word!r} on the page")
    links = page.locator("a[href*='google.'], a[href*='chatgpt.']").count()
    if links:
        found.append(f"{where}: {links} link(s) out")
    return found
