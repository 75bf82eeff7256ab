"""The cockpit's 超期未结 card and 本周重点网格 list, and the Data page's responsibility table."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from gridmap.analytics.responsibility import default_responsibilities
from gridmap.errors import SchemaError
from gridmap.i18n import t
from gridmap.security import AuditLog
from gridmap.store import Workspace
from gridmap.ui import keys
from gridmap.ui.responsibility import META_KEY, load_responsibilities, save_responsibilities

from ..builders import busy_with_last_week
from .helpers import cockpit_for, data_page, page_html, serve_or_skip
from .server import BROWSER_ARGS, IDLE


@pytest.fixture
def busy_week(workspace: Path, tmp_path: Path) -> Path:
    """The busy 2x2 workspace with 24 more incidents in its last week (from 2025-12-26): a
    week of 1 incident ranks no grid (fewer than 5 incidents: any order would be chance)."""
    from gridmap.importing import import_file

    path = tmp_path / "busy_week.csv"
    busy_with_last_week().to_csv(path, index=False)
    import_file(workspace, "incidents", path, crs="wgs84")
    return workspace


def test_cockpit_shows_the_backlog_and_this_weeks_list(
    busy_week: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = cockpit_for(busy_week, monkeypatch)
    page = page_html(at)
    # Every 4th incident of 2025 is still open; by 31 December most are past their limit.
    assert 'data-kpi="backlog"' in page and "超期未结 · 截至 2025-12-31" in page
    assert 'data-band="gt90"' in page
    # The breakdowns by street and department are built only while their expander is open.
    by_street = f"**{t('backlog.by_street', 'zh')}**"
    assert by_street not in page
    at.session_state[keys.KEY_BACKLOG_DETAILS] = True
    at.run()
    assert not at.exception and by_street in page_html(at)
    streets = at.dataframe[0].value
    assert len(streets) >= 1 and streets.iloc[:, 1:].to_numpy().sum() > 0
    assert "比上期末" not in page  # 2024 holds no data: no comparison, not "73 more"
    assert '<table class="gm-week">' in page
    window = "2025-12-25 至 2025-12-31，对比上周 2025-12-18 至 2025-12-24"
    assert any(c.value == window for c in at.caption)
    rows = page.count("<tr data-grid=")
    assert 1 <= rows <= 4  # the 2x2 block has four grids
    assert "本周" in page.split('class="gm-week"')[1]
    button = next(b for b in at.get("download_button") if b.proto.id.endswith(keys.KEY_WEEK_EXCEL))
    assert button.proto.label == "下载 Excel"
    # The projector is as public as paper: no grid workers' names in meeting mode.
    at.toggle(key=keys.KEY_MEETING).set_value(True).run()
    assert not at.exception
    assert "网格员" not in page_html(at)


def test_the_cli_pdf_has_the_cockpits_this_week_page(
    busy_week: Path,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """``gridmap report`` prints the list the cockpit shows for the same window, in order."""
    import re

    import pypdfium2 as pdfium

    from gridmap.cli import main

    shown = re.findall(r'<tr data-grid="([^"]+)"', page_html(cockpit_for(busy_week, monkeypatch)))
    assert shown
    out = tmp_path / "r.pdf"
    args = ["report", str(busy_week), "--out", str(out), "--json"]
    assert main([*args, "--since", "2025-01-01", "--until", "2025-12-31"]) == 0
    listed = json.loads(capsys.readouterr().out)["this_week"]
    assert listed["grids"] == shown
    assert (listed["period"], listed["from"], listed["to"]) == ("week", "2025-12-25", "2025-12-31")
    doc = pdfium.PdfDocument(out.read_bytes())
    pages = [doc[i].get_textpage().get_text_range() for i in range(len(doc))]
    week = next(p for p in pages if "本周重点网格" in p and "对比上周" in p)
    assert "2025-12-25 至 2025-12-31" in week
    # Each grid of the cockpit's list as "name（code）", in the cockpit's order.
    at = [week.index(f"（{code}）") for code in shown]
    assert at == sorted(at)


def test_the_responsibility_table_is_saved_audited_and_read_back(
    busy_workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = data_page(busy_workspace, monkeypatch, "responsibility")
    assert not at.exception
    assert any("默认分工" in i.value for i in at.info)  # nothing saved yet: the defaults
    at.button(key=keys.KEY_RESP_SAVE).click().run()
    assert not at.exception
    assert any("责任表已保存" in s.value for s in at.success)
    stored = json.loads(Workspace(str(busy_workspace)).meta()[META_KEY])
    assert len(stored) == len(default_responsibilities())
    log = AuditLog(busy_workspace).read()
    assert "save responsibilities" in set(log["action"])


def test_an_edit_is_validated_before_it_is_written(
    busy_workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GRIDMAP_WORKSPACE", str(busy_workspace))
    path = str(busy_workspace)
    table = default_responsibilities()
    table.loc[0, "department_zh"] = "街道办事处"
    save_responsibilities(path, table)
    assert load_responsibilities(path).loc[0, "department_zh"] == "街道办事处"
    bad = pd.concat([table, table.head(1)], ignore_index=True)
    with pytest.raises(SchemaError, match=r"row 32: .* repeats row 1"):
        save_responsibilities(path, bad)
    assert load_responsibilities(path).equals(table)  # nothing was written


@pytest.fixture
def served_week(busy_week: Path) -> Iterator[str]:
    """:func:`busy_week` served for Chromium (skipped without it, failed when CI needs it)."""
    yield from serve_or_skip(busy_week)


@pytest.mark.browser
def test_this_weeks_list_and_its_excel_in_chromium(served_week: str, tmp_path: Path) -> None:
    from openpyxl import load_workbook
    from playwright.sync_api import sync_playwright

    from .server import CHROMIUM

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=BROWSER_ARGS)
        page = browser.new_page(viewport={"width": 1600, "height": 1000}, accept_downloads=True)
        page.goto(served_week + "/cockpit")
        page.locator(IDLE).wait_for(state="attached", timeout=60_000)
        table = page.locator("table.gm-week")
        table.wait_for(state="visible", timeout=60_000)
        shown = table.locator("tr[data-grid]").count()
        assert shown >= 1
        assert page.locator('[data-kpi="backlog"]').is_visible()
        with page.expect_download(timeout=60_000) as download:
            page.get_by_text("下载 Excel").click()
        name = download.value.suggested_filename
        data = Path(download.value.path()).read_bytes()
        browser.close()
    assert name.startswith("本周重点网格_") and name.endswith(".xlsx")
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("序号", "网格", "网格编码", "原因")
    assert len(rows) - 1 == shown
