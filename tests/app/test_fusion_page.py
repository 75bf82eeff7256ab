"""The Fusion page (融合, 多网合一, #18): AppTest on the 2x2 block with a police layer, and one
Chromium test that picks the department, sees the KPI row and the map, downloads the Excel.

The police layer is :func:`tests.test_report_fusion.police_units` (P2 misaligned: 29 % of
it lies in grid D, which P3 holds most of), imported as a user would.
"""

from __future__ import annotations

import io
import os
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from gridmap.importing import import_file
from gridmap.ui import keys

from ..test_report_fusion import POLICE, police_units
from .helpers import deck_layers, page_for, page_html, serve_or_skip
from .server import BROWSER_ARGS, CHROMIUM, IDLE

PAGE = "app_pages/fusion.py"


def with_police(ws: Path, folder: Path, department: str = POLICE) -> Path:
    """``ws`` with the police layer imported (code and name columns, as a file has them)
    as ``department``."""
    path = folder / "police.geojson"
    units = police_units().drop(columns=["department", "version"])
    units.rename(columns={"department_code": "code", "department_name": "name"}).to_file(
        path, driver="GeoJSON"
    )
    import_file(ws, "departments", path, department=department)
    return ws


def who_table(at: AppTest) -> pd.DataFrame:
    """The "who is responsible" table of the grid shown."""
    return next(df.value for df in at.dataframe if "负责单元" in df.value.columns)


@pytest.fixture
def police_workspace(busy_workspace: Path, tmp_path: Path) -> Path:
    return with_police(busy_workspace, tmp_path)


def test_fusion_page_names_the_misaligned_unit_and_who_answers_where(
    police_workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = page_for(police_workspace, monkeypatch, PAGE)
    assert at.selectbox(key=keys.KEY_FUSION_DEPT).value == POLICE
    kpis = {m.label: m.value for m in at.metric}
    assert kpis == {
        "部门单元": "3",
        "与基础网格对齐": "2",
        "错位单元": "1",
        "待吸附细缝": "0",
        "坐标偏移": "未发现",
    }
    page = page_html(at)
    assert f"{POLICE}：3 个单元中 1 个与基础网格对不上（涉及 120 户）" in page
    assert "按融合草案把 1 个错位单元改为由整块基础网格组成" in page  # what to do
    tables = {tuple(df.value.columns): df.value for df in at.dataframe}
    misaligned = next(v for c, v in tables.items() if "错位比例（%）" in c)
    assert misaligned["单元名称"].tolist() == ["西站派出所"]
    assert misaligned["错位比例（%）"].tolist() == [28.6]
    layers = deck_layers(at)
    assert {"grid-outlines", "fusion-units", "fusion-slivers", "fusion-grids"} <= set(layers)
    red = [
        f["properties"]["code"]
        for f in layers["fusion-units"]["data"]["features"]
        if f["properties"]["rgba"][0] > 200
    ]
    assert red == ["P2"]
    assert [r["text"] for r in layers["fusion-labels"]["data"]] == ["西站派出所"]
    # Grids with a responsibility problem come first: D, which P2 and P3 both claim.
    assert at.selectbox(key=keys.KEY_FUSION_GRID).value == "D"
    who = who_table(at)
    assert set(who["负责单元"]) == {"南关派出所（P3）", "西站派出所（P2）"}
    assert set(who["情况"]) == {"重复负责"}
    # A click on grid A picks it: the police hold it once, through P1.
    pick = {"indices": {"fusion-grids": [0]}, "objects": {"fusion-grids": [{"code": "A"}]}}
    at.session_state[keys.KEY_FUSION_MAP] = {"selection": pick}
    at.run()
    assert not at.exception
    assert at.selectbox(key=keys.KEY_FUSION_GRID).value == "A"
    who = who_table(at)
    assert who["负责单元"].tolist() == ["东岗派出所（P1）"] and who["情况"].tolist() == ["明确"]
    assert "fusion-selected" in deck_layers(at)
    # The responsibility view colours D (claimed twice) and leaves A clear.
    at.segmented_control(key=keys.KEY_FUSION_VIEW).set_value("responsibility").run()
    fills = {
        f["properties"]["code"]: f["properties"]["rgba"]
        for f in deck_layers(at)["fusion-grids"]["data"]["features"]
    }
    assert fills["D"][3] > 0 and fills["A"][3] == 0
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels == ["草案图层（GeoPackage）", "对照表（CSV）", "Excel 清单"]
    # The PDF is drawn on a click, then offered with its size.
    at.button(key=keys.KEY_FUSION_PDF).click().run()
    assert not at.exception and not at.error
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels[-1].startswith("下载 PDF（") and labels[-1].endswith(" KB）")
    # The tabs: slivers and the reverse view per grid, this department's duplicates, and the
    # totals of all department layers, labelled so.
    tabs = [tab.label for tab in at.tabs]
    assert tabs == [
        "调整方案（2）",
        "建议拆分（1）",
        "边界细缝（0）",
        "按网格看（4）",
        "无人负责（0）",
        "重复负责（1）",
        "全部部门图层合计",
    ]
    per_grid = next(df.value for df in at.dataframe if "所在单元数" in df.value.columns)
    assert per_grid["网格编码"].tolist()[0] == "D" and len(per_grid) == 4


def test_versions_and_a_department_answering_for_nothing(
    police_workspace: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with_police(police_workspace, tmp_path)  # the police again: version 2
    with_police(police_workspace, tmp_path, department="园区管委会")
    at = page_for(police_workspace, monkeypatch, PAGE)
    at.selectbox(key=keys.KEY_FUSION_DEPT).set_value(POLICE).run()
    picker = at.selectbox(key=keys.KEY_FUSION_VERSION)
    assert picker.options == ["第 2 版", "第 1 版"] and picker.value == 2
    picker.set_value(1).run()
    assert not at.exception
    assert any(c.value.startswith("第 1 版") for c in at.caption)
    # A department the responsibility table never names answers for no category: one
    # sentence says so, naming the table; no version picker for a single version.
    at.selectbox(key=keys.KEY_FUSION_DEPT).set_value("园区管委会").run()
    assert not at.exception
    assert not [s for s in at.selectbox if s.key == keys.KEY_FUSION_VERSION]
    said = " ".join(c.value for c in at.caption)
    assert "园区管委会在责任表中不负责任何类别（数据页的“责任表”）" in said


def test_without_department_layers_the_page_says_where_to_import(
    busy_workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = page_for(busy_workspace, monkeypatch, PAGE, lang="en")
    assert [i.value for i in at.info] == [
        'No department layer yet. Import one on the Data page (layer "Department layer", with '
        "the department's name), or on the command line: gridmap import WORKSPACE "
        "departments FILE --department NAME"
    ]
    assert not at.metric and not at.get("deck_gl_json_chart")


@pytest.fixture
def served_fusion(busy_workspace: Path, tmp_path: Path) -> Iterator[str]:
    """The 2x2 workspace with the police layer, served (skipped without Chromium)."""
    yield from serve_or_skip(with_police(busy_workspace, tmp_path))


@pytest.mark.browser
def test_fusion_page_in_chromium_with_excel_download(served_fusion: str, tmp_path: Path) -> None:
    from PIL import Image
    from playwright.sync_api import sync_playwright

    shots = Path(os.environ.get("GRIDMAP_SHOTS", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=BROWSER_ARGS)
        page = browser.new_page(viewport={"width": 1600, "height": 1100}, accept_downloads=True)
        page.goto(served_fusion + "/fusion")
        page.locator(IDLE).wait_for(state="attached", timeout=60_000)
        # Pick the department (the only one) from the list.
        choice = page.locator(f".st-key-{keys.KEY_FUSION_DEPT}").get_by_test_id("stSelectbox")
        choice.wait_for(state="visible", timeout=60_000)
        choice.click()
        page.get_by_role("option", name=POLICE).click()
        page.locator(IDLE).wait_for(state="attached", timeout=60_000)
        metrics = page.get_by_test_id("stMetric")
        metrics.first.wait_for(state="visible", timeout=30_000)
        assert metrics.count() == 5
        assert "错位单元" in metrics.nth(2).inner_text() and "1" in metrics.nth(2).inner_text()
        chart = page.get_by_test_id("stDeckGlJsonChart")
        chart.locator("canvas#deckgl-overlay").wait_for(state="visible", timeout=30_000)
        red = 0
        for _ in range(50):  # the misaligned unit's red fill
            rgb = np.asarray(Image.open(io.BytesIO(chart.screenshot())).convert("RGB")).astype(int)
            red = int(((rgb[..., 0] > rgb[..., 1] + 60) & (rgb[..., 0] > rgb[..., 2] + 60)).sum())
            if red > 2000:
                break
            time.sleep(0.2)
        assert red > 2000, "the misaligned unit is not drawn in red"
        page.screenshot(path=str(shots / "fusion.png"), full_page=True)
        with page.expect_download(timeout=60_000) as download:
            page.get_by_text("Excel 清单").click()
        data = Path(download.value.path()).read_bytes()
        browser.close()
    sheets = pd.read_excel(io.BytesIO(data), sheet_name=None)
    assert sheets["错位单元"]["单元名称"].tolist() == ["西站派出所"]
    assert len(sheets["对照表"]) == 5  # A, B, C, D in their units; D in two
