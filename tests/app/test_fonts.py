"""Chinese on a bare machine (the app serves its own font) and exports that never fail silently.

Chromium here has no Chinese system font, so without the theme's font faces every Chinese
character is a missing-glyph box; the browser test measures rendered glyphs, not DOM text,
and runs the same measurement with the font requests blocked as a control.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from gridmap.report import cjk_family, fonts
from gridmap.security import AuditLog
from gridmap.ui import keys

from ..builders import ROOT
from .helpers import app_for
from .server import BROWSER_ARGS, CHROMIUM, IDLE

#: Measures Chinese text the way the user sees it. ``ratios``: rendered width of each text
#: node made only of hanzi over (characters x font size) — 1.0 for real CJK glyphs, which are
#: one em wide. ``distinct``: four hanzi drawn on a canvas in the app's font family give four
#: different bitmaps (a missing glyph is the same box each time).
MEASURE = """
async () => {
  await document.fonts.ready;
  const app = document.querySelector('[data-testid=stApp]');
  const walker = document.createTreeWalker(app, NodeFilter.SHOW_TEXT);
  const ratios = [];
  while (walker.nextNode() && ratios.length < 12) {
    const node = walker.currentNode;
    const text = node.textContent.trim();
    if (!/^[\\u4e00-\\u9fff]{2,}$/.test(text) || !node.parentElement.offsetParent) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    const size = parseFloat(getComputedStyle(node.parentElement).fontSize);
    ratios.push({text, ratio: range.getBoundingClientRect().width / (text.length * size)});
  }
  const family = getComputedStyle(app).fontFamily;
  const canvas = document.createElement('canvas');
  canvas.width = 64; canvas.height = 64;
  const ctx = canvas.getContext('2d', {willReadFrequently: true});
  const bitmaps = [];
  for (const ch of '网格治理') {
    ctx.fillStyle = '#fff'; ctx.fillRect(0, 0, 64, 64);
    ctx.fillStyle = '#000'; ctx.font = `48px ${family}`; ctx.textBaseline = 'middle';
    ctx.fillText(ch, 8, 32);
    bitmaps.push(Array.from(ctx.getImageData(0, 0, 64, 64).data.filter((_, i) => i % 4 == 0)));
  }
  let distinct = true;
  for (let i = 0; i < 4; i++) for (let j = i + 1; j < 4; j++) {
    const diff = bitmaps[i].filter((v, k) => Math.abs(v - bitmaps[j][k]) > 64).length;
    if (diff < 40) distinct = false;
  }
  const loaded = [...document.fonts].filter(f => f.family.includes('Gridmap Noto Sans SC')
    && f.status === 'loaded').length;
  return {ratios, distinct, family, loaded};
}
"""


def _measure(url: str, shot: Path | None, *, block_fonts: bool = False) -> dict:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=BROWSER_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        if block_fonts:
            page.route("**/app/static/fonts/**", lambda route: route.abort())
        page.goto(url)
        page.locator(IDLE).wait_for(state="attached", timeout=60_000)
        page.locator(".gm-kpi").first.wait_for(state="visible", timeout=30_000)
        result = page.evaluate(MEASURE)
        if shot is not None:
            page.screenshot(path=str(shot), full_page=True)
        browser.close()
    return result


@pytest.mark.browser
def test_chinese_renders_in_a_browser_without_chinese_fonts(served: str, tmp_path: Path) -> None:
    shots = Path(os.environ.get("GRIDMAP_SHOTS", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    got = _measure(served + "/cockpit", shots / "fonts_cockpit.png")
    assert "Gridmap Noto Sans SC" in got["family"]
    assert got["loaded"] >= 1, "the theme font face did not load"
    assert len(got["ratios"]) >= 3, f"too few Chinese text nodes measured: {got['ratios']}"
    off = [r for r in got["ratios"] if abs(r["ratio"] - 1) > 0.03]
    assert off == [], f"Chinese text not set one em per character: {off}"
    assert got["distinct"], "four different hanzi drew the same bitmap (missing-glyph boxes)"
    # The control: the same page with the font requests blocked shows boxes, so the checks
    # above measure the served font, not something the machine happens to have.
    blocked = _measure(served + "/cockpit", None, block_fonts=True)
    assert blocked["loaded"] == 0
    assert not blocked["distinct"]
    assert all(abs(r["ratio"] - 1) > 0.2 for r in blocked["ratios"])


def test_web_fonts_cover_every_character_of_the_app(tmp_path: Path) -> None:
    from fontTools.ttLib import TTFont

    files = fonts.web_fonts(ROOT)
    assert [f.name for f in files] == ["gridmap-sc-400.woff2", "gridmap-sc-700.woff2"]
    for file in files:
        assert file.stat().st_size < 1_500_000  # a subset, not the 16 MB face
        with TTFont(str(file)) as font:
            cmap = set(font.getBestCmap())
        sources = [ROOT / "app.py", *sorted((ROOT / "app_pages").glob("*.py"))]
        text = "".join(p.read_text(encoding="utf-8") for p in sources)
        # The catalogue is a package, one module per area of the app.
        catalogue = sorted((ROOT / "gridmap" / "i18n").glob("*.py"))
        assert catalogue, "the i18n catalogue was not found"
        text += "".join(p.read_text(encoding="utf-8") for p in catalogue)
        hanzi = {ord(ch) for ch in text if "\u4e00" <= ch <= "\u9fff"}
        assert hanzi - cmap == set()
        assert {ord(c) for c in "的一是了我不在人们有兰州城关区网格"} <= cmap  # GB2312 basics
    # Up to date: a second call builds nothing and returns at once.
    stamp = (ROOT / "static" / "fonts" / "stamp.json").stat().st_mtime_ns
    fonts.web_fonts(ROOT)
    assert (ROOT / "static" / "fonts" / "stamp.json").stat().st_mtime_ns == stamp


# --- exports never fail silently ------------------------------------------------------------
def _exports(ws: Path) -> list[str]:
    log = AuditLog(ws).read()
    return [] if log.empty else list(log.loc[log["action"] == "export", "target"])


@pytest.fixture
def cockpit_app(busy_workspace: Path, monkeypatch: pytest.MonkeyPatch):
    cjk_family.cache_clear()
    at = app_for(busy_workspace, monkeypatch, year=2025)
    at.run()
    at.switch_page("app_pages/cockpit.py").run()
    assert not at.exception
    yield at
    cjk_family.cache_clear()


def _export_buttons(at: Any) -> list[Any]:
    """The cockpit's export downloads (PNG/PDF), not this week's Excel beside them."""
    return [
        b
        for b in at.get("download_button")
        if b.proto.label.startswith(("下载 PNG", "下载 PDF", "Download PNG", "Download PDF"))
    ]


def test_export_without_a_font_shows_why_and_is_not_audited(
    cockpit_app, busy_workspace: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("GRIDMAP_CJK_FONT", str(tmp_path / "gone.ttf"))
    at = cockpit_app
    at.button(key=keys.cockpit_export_key("pdf")).click().run()
    assert not at.exception
    errors = [e.value for e in at.error]
    assert errors == [f"PDF 导出失败：GRIDMAP_CJK_FONT={tmp_path / 'gone.ttf'}: no such font file"]
    assert _export_buttons(at) == []
    assert _exports(busy_workspace) == []


def test_a_renderer_crash_is_one_line_on_the_page(
    cockpit_app, busy_workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import gridmap.report

    def boom(*args: object, **kwargs: object) -> bytes:
        raise ValueError("cannot draw\nsecond line")

    monkeypatch.setattr(gridmap.report, "cockpit_png", boom)
    at = cockpit_app
    at.button(key=keys.cockpit_export_key("png")).click().run()
    assert [e.value for e in at.error] == ["PNG 导出失败：ValueError: cannot draw"]
    assert _exports(busy_workspace) == []


def test_successful_export_offers_the_file_and_is_audited_once(
    cockpit_app, busy_workspace: Path
) -> None:
    at = cockpit_app
    at.button(key=keys.cockpit_export_key("png")).click().run()
    assert not at.exception and not at.error
    (button,) = _export_buttons(at)
    assert button.proto.label.startswith("下载 PNG（") and button.proto.label.endswith(" KB）")
    assert _exports(busy_workspace) == ["cockpit.png"]
    # Another rerun (any widget) neither renders nor audits again.
    at.run()
    assert len(_export_buttons(at)) == 1
    assert _exports(busy_workspace) == ["cockpit.png"]
