"""The Rebalance page (调整): pick a community, paint, apply a suggestion, undo/redo, save a
draft, publish; and painting a unit in Chromium."""

from __future__ import annotations

import os
from pathlib import Path

import geopandas as gpd
import pytest
from streamlit.testing.v1 import AppTest

from gridmap import versions
from gridmap.security import AuditLog
from gridmap.store import Workspace
from gridmap.ui import keys

from ..builders import Locations, require, squares_2x2
from .helpers import app_for, click_chart
from .server import BROWSER_ARGS, CHROMIUM, IDLE, running_app

COMMUNITY = "620104001001"  # the fixture's community


@pytest.fixture
def unbalanced(locations: Locations, tmp_path: Path, community_file: Path) -> Path:
    """The 2x2 block with grids A 100, B 250, C 380, D 300 households: A and B want merging."""
    grids = squares_2x2()
    grids["households"] = [100, 250, 380, 300]
    return _workspace_of(grids, locations, tmp_path, community_file)


def _workspace_of(
    grids: gpd.GeoDataFrame, locations: Locations, tmp_path: Path, community_file: Path
) -> Path:
    """A new workspace holding the community and ``grids`` (put in that community)."""
    from gridmap.importing import import_file

    grids["parent_code"] = COMMUNITY
    path = tmp_path / "grids.gpkg"
    grids.to_file(path, driver="GPKG")
    ws = locations.new()
    import_file(ws, "admin", community_file, crs="wgs84")
    import_file(ws, "grids", path)
    return ws


def _button(at: AppTest, label: str):
    return next(b for b in at.button if b.label == label)


def _moved(at: AppTest) -> str:
    return next(c.value for c in at.caption if c.value.startswith("本方案移动"))


def _editor(ws: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    at = app_for(ws, monkeypatch)
    at.run()
    at.switch_page("app_pages/rebalance.py").run()
    assert not at.exception
    overview = at.dataframe[0].value
    assert list(overview.index) == [COMMUNITY]
    assert overview.iloc[0]["超出区间"] == 2  # A and B are below 300
    at.session_state[keys.KEY_COMMUNITY] = COMMUNITY
    at.run()
    assert not at.exception
    return at


def test_apply_undo_redo_save_and_publish(
    unbalanced: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = _editor(unbalanced, monkeypatch)
    assert any("1,030户" in m.value for m in at.markdown)  # the community's band sentence
    assert set(at.dataframe[0].value.index) == {"A", "B", "C", "D"}
    assert _moved(at).startswith("本方案移动 0 个单元")
    merges = [m.value for m in at.markdown if m.value.startswith("**合并**")]
    assert merges and "并入" in merges[0]
    _button(at, "应用").click().run()
    assert not at.exception
    assert not _moved(at).startswith("本方案移动 0 ")
    live = at.dataframe[0].value
    assert any("已并入其他网格" in name for name in live["网格"])
    assert (live["户数"].sum()) == 350  # A and B, now one grid
    _button(at, "撤销").click().run()
    assert _moved(at).startswith("本方案移动 0 个单元")
    _button(at, "重做").click().run()
    assert not _moved(at).startswith("本方案移动 0 ")

    ws = Workspace(unbalanced)
    assert [(v.version, v.status) for v in ws.grid_versions()] == [(1, "published")]
    _button(at, "保存为草稿版本").click().run()
    assert not at.exception
    assert any("草稿版本 2" in s.value for s in at.success)
    assert [(v.version, v.status) for v in ws.grid_versions()] == [(1, "published"), (2, "draft")]
    assert len(ws.read_grids(2)) == 3 and len(ws.read_grids()) == 4  # nothing in force changed
    assert any("新增 0 个网格，撤销 1 个，调整 1 个" in m.value for m in at.markdown)
    from gridmap.ui.rebalance import assignment_csv

    draft = assignment_csv(ws, 2).decode("utf-8-sig").splitlines()
    assert draft[0] == "unit_code,grid_code,community,households,estimate"
    assert {line.split(",")[1] for line in draft[1:]} == {"B", "C", "D"}  # A merged into B
    _button(at, "发布").click().run()
    assert not at.exception
    assert [(v.version, v.status) for v in ws.grid_versions()] == [
        (1, "archived"),
        (2, "published"),
    ]
    assert len(ws.read_grids()) == 3


def test_a_map_click_paints_the_unit_onto_the_target_grid(
    unbalanced: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = _editor(unbalanced, monkeypatch)
    problem = versions.load_problem(Workspace(unbalanced), scope=COMMUNITY)
    d_units = [
        c for c, g in zip(problem.graph.codes, problem.base, strict=True)
        if problem.grid_codes[g] == "D"
    ]  # fmt: skip
    at.selectbox(key=keys.KEY_REBALANCE_TARGET).set_value("C").run()
    # What st.pydeck_chart stores after a click on a unit of grid D.
    at.session_state[keys.rebalance_map_key(0)] = {
        "selection": {
            "indices": {"units": [0]},
            "objects": {"units": [{"properties": {"code": d_units[0]}}]},
        }
    }
    at.run()
    assert not at.exception
    assert _moved(at).startswith("本方案移动 1 个单元")
    live = at.dataframe[0].value
    assert set(live.index) == {"C", "D"}


@pytest.mark.browser
def test_painting_in_chromium(unbalanced: Path, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        if require("GRIDMAP_REQUIRE_BROWSER"):
            pytest.fail(f"Chromium not found at {CHROMIUM} (required in CI)")
        pytest.skip("Chromium not installed")
    shots = Path(os.environ.get("GRIDMAP_SHOTS", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    with running_app(unbalanced) as url, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=BROWSER_ARGS)
        page = browser.new_page(viewport={"width": 1500, "height": 1000})
        page.goto(url + "/rebalance")
        page.locator(IDLE).wait_for(state="attached", timeout=60_000)
        # Pick the community from the list: click its row.
        grid = page.get_by_test_id("stDataFrame").first
        grid.wait_for(state="visible", timeout=30_000)
        box = grid.bounding_box()
        assert box is not None
        page.mouse.click(box["x"] + 12, box["y"] + 35 + 17)
        page.get_by_text("本方案移动 0 个单元").wait_for(timeout=60_000)
        page.locator(IDLE).wait_for(state="attached", timeout=60_000)
        chart = page.get_by_test_id("stDeckGlJsonChart").first
        chart.locator("canvas#deckgl-overlay").wait_for(state="visible", timeout=30_000)
        # The target is grid A (top left); paint inside grid D (bottom right).
        click_chart(page, chart, 0.68, 0.68)
        page.get_by_text("本方案移动 1 个单元").wait_for(timeout=60_000)
        page.locator(IDLE).wait_for(state="attached", timeout=60_000)
        page.get_by_text("受影响的网格（实时）").wait_for(timeout=30_000)
        page.screenshot(path=str(shots / "rebalance_paint.png"))
        # Multi-select: pick a unit of grid C (bottom left), then move the selection.
        page.get_by_text("多选", exact=True).click()
        page.get_by_text("已选 0 个单元").wait_for(timeout=30_000)
        page.locator(IDLE).wait_for(state="attached", timeout=60_000)
        click_chart(page, chart, 0.32, 0.68)
        page.get_by_text("已选 1 个单元").wait_for(timeout=60_000)
        page.locator(IDLE).wait_for(state="attached", timeout=60_000)
        page.get_by_role("button", name="划入目标网格").click()
        page.get_by_text("本方案移动 2 个单元").wait_for(timeout=60_000)
        page.locator(IDLE).wait_for(state="attached", timeout=60_000)
        page.screenshot(path=str(shots / "rebalance_select.png"))
        browser.close()


def test_second_planner_saving_the_same_community_is_refused(
    unbalanced: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Optimistic versioning: both open the community, the first saves, the second's save is
    refused naming the first; nothing is lost and after a reload the second can save."""
    first = _editor(unbalanced, monkeypatch)
    second = _editor(unbalanced, monkeypatch)
    for at in (first, second):
        _button(at, "应用").click().run()
        assert not _moved(at).startswith("本方案移动 0 ")
    _button(first, "保存为草稿版本").click().run()
    assert any("草稿版本 2" in s.value for s in first.success)
    _button(second, "保存为草稿版本").click().run()
    assert not second.exception
    refused = " ".join(e.value for e in second.error)
    assert "未保存" in refused and "draft version 2" in refused and "local" in refused
    ws = Workspace(unbalanced)
    assert [v.version for v in ws.grid_versions()] == [1, 2]  # the second save wrote nothing
    assert not _moved(second).startswith("本方案移动 0 ")  # and its edit is still on screen
    # The first planner saving again does not conflict with its own draft.
    _button(first, "保存为草稿版本").click().run()
    assert any("草稿版本 3" in s.value for s in first.success)
    # Reload, redo, save: accepted.
    _button(second, "全部还原").click().run()
    _button(second, "应用").click().run()
    _button(second, "保存为草稿版本").click().run()
    assert any("草稿版本 4" in s.value for s in second.success)
    assert "save refused" in set(AuditLog(unbalanced).read()["action"])


def test_without_households_the_page_balances_workload_and_says_so(
    locations: Locations, tmp_path: Path, community_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from gridmap.ui.rebalance import KEY_REBALANCE_MEASURE

    ws = _workspace_of(
        squares_2x2().drop(columns=["households"]), locations, tmp_path, community_file
    )
    at = app_for(ws, monkeypatch)
    at.run()
    at.switch_page("app_pages/rebalance.py").run()
    assert not at.exception
    assert at.selectbox(key=KEY_REBALANCE_MEASURE).value == "workload"
    assert any("没有户数数据" in c.value for c in at.caption)
    overview = at.dataframe[0].value
    assert "工作量" in overview.columns  # the balanced measure is shown beside households
    at.selectbox(key=KEY_REBALANCE_MEASURE).set_value("households").run()
    assert not at.exception
    assert at.dataframe[0].value.iloc[0]["超出区间"] == 4  # no households: all under 300
