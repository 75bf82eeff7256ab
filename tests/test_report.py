"""The printed report: a PDF that renders (pages drawn, Chinese font embedded), PNG, CLI."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from gridmap.analytics.incidents import IncidentFilter
from gridmap.analytics.this_week import ThisWeek
from gridmap.cli import main
from gridmap.i18n import _STRINGS
from gridmap.report import ReportError, cjk_family, cockpit_png, fonts, report_pdf
from gridmap.report.from_workspace import report_inputs
from gridmap.store import open_workspace

YEAR_2025 = IncidentFilter(dt.date(2025, 1, 1), dt.date(2025, 12, 31))


def _ink(image: Image.Image) -> float:
    """Share of pixels that are not (near) white."""
    rgb = np.asarray(image.convert("RGB")).astype(int)
    return float((rgb.min(axis=2) < 200).mean())


@pytest.fixture
def inputs(busy_workspace: Path):
    return report_inputs(open_workspace(busy_workspace), YEAR_2025)


def test_pdf_has_five_drawn_pages_with_the_font_embedded(inputs, tmp_path: Path) -> None:
    import pypdfium2 as pdfium

    out = tmp_path / "report.pdf"
    data = report_pdf(inputs.cockpit, inputs.context, inputs.meta, out, grid_names={"B": "乙"})
    assert out.read_bytes() == data and data.startswith(b"%PDF")
    # TrueType embedded (pdf.fonttype 42): the file prints the same without the font.
    assert b"/FontFile2" in data
    # The bundled Noto Sans CJK SC, Regular and Bold (titles), whatever fonts the system has.
    assert b"GridmapNotoSansSC-Regular" in data and b"GridmapNotoSansSC-Bold" in data
    doc = pdfium.PdfDocument(data)
    assert len(doc) == 5
    for i in range(len(doc)):
        page = doc[i].render(scale=0.8).to_pil()
        assert page.width > page.height  # A4 landscape
        assert _ink(page) > 0.01, f"page {i + 1} is blank"
    text = doc[0].get_textpage().get_text_range()
    assert "网格治理驾驶舱" in text and "结案率" in text and "300" in text
    assert "演示" not in text  # the test workspace is not the synthetic demo
    method = doc[4].get_textpage().get_text_range()
    assert "按期结案率" in method and "个人信息" in method


def test_png_is_a_full_hd_screen(inputs) -> None:
    png = cockpit_png(inputs.cockpit, inputs.context, inputs.meta, "en")
    image = Image.open(io.BytesIO(png))
    assert image.size == (1920, 1080)
    assert _ink(image) > 0.02


def test_missing_chinese_font_is_one_clear_error(inputs, tmp_path: Path) -> None:
    cjk_family.cache_clear()
    # The deployment's GRIDMAP_CJK_FONT, read at the edge (the app's settings, the CLI).
    font = str(tmp_path / "nope.ttf")
    try:
        with pytest.raises(ReportError, match=r"GRIDMAP_CJK_FONT=.*nope\.ttf: no such font file"):
            report_pdf(
                inputs.cockpit, inputs.context, inputs.meta, tmp_path / "r.pdf", cjk_font=font
            )
        assert not (tmp_path / "r.pdf").exists()
    finally:
        cjk_family.cache_clear()


@pytest.fixture
def fresh_family():
    """``cjk_family`` looked up anew (it is cached per process), and again after the test."""
    cjk_family.cache_clear()
    yield
    cjk_family.cache_clear()


def _glyph_tiles(fmt: str) -> list[np.ndarray]:
    """Four different Chinese characters drawn in the report style, one tile each, from a
    PNG (Agg) or a PDF (rendered back with pdfium). A font without them draws four
    identical boxes."""
    import pypdfium2 as pdfium
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.backends.backend_pdf import FigureCanvasPdf
    from matplotlib.figure import Figure

    from gridmap.report.document import _style

    with _style():
        fig = Figure(figsize=(4, 1), facecolor="white")
        for i, ch in enumerate("网格治理"):
            fig.text(0.125 + i * 0.25, 0.5, ch, fontsize=40, ha="center", va="center")
        buf = io.BytesIO()
        if fmt == "png":
            FigureCanvasAgg(fig)
            fig.savefig(buf, format="png", dpi=100)
            image = Image.open(buf)
        else:
            FigureCanvasPdf(fig)
            fig.savefig(buf, format="pdf")
            image = pdfium.PdfDocument(buf.getvalue())[0].render(scale=100 / 72).to_pil()
    gray = np.asarray(image.convert("L")) < 128
    width = gray.shape[1] // 4
    return [gray[:, i * width : (i + 1) * width] for i in range(4)]


@pytest.mark.parametrize("fmt", ["png", "pdf"])
def test_chinese_renders_as_glyphs_not_boxes(fmt: str, fresh_family: None) -> None:
    tiles = _glyph_tiles(fmt)
    assert all(tile.mean() > 0.02 for tile in tiles), "a character drew no ink"
    for i in range(4):
        for j in range(i + 1, 4):
            # A missing glyph is the same box every time; real characters differ.
            assert (tiles[i] != tiles[j]).mean() > 0.02, f"characters {i} and {j} look alike"


def test_the_bundled_font_is_found_despite_a_stale_font_cache(
    inputs, fresh_family: None, tmp_path: Path
) -> None:
    """A matplotlib font cache made before the font existed does not list it: the report adds
    the file by path in every process instead of looking the family up."""
    from matplotlib import font_manager

    manager = font_manager.fontManager
    stale = [f for f in manager.ttflist if f.name != fonts.FAMILY]
    before = list(manager.ttflist)
    manager.ttflist[:] = stale
    try:
        assert cjk_family() == fonts.FAMILY
        data = report_pdf(inputs.cockpit, inputs.context, inputs.meta, tmp_path / "r.pdf")
    finally:
        manager.ttflist[:] = before
    assert b"GridmapNotoSansSC-Regular" in data


def test_report_font_is_the_simplified_chinese_face_with_every_catalogue_character() -> None:
    from matplotlib.ft2font import FT2Font

    regular, bold = fonts.report_font(400), fonts.report_font(700)
    font = FT2Font(str(regular))
    assert font.family_name == fonts.FAMILY
    assert FT2Font(str(bold)).style_name == "Bold"
    text = "".join(zh for zh, _en in _STRINGS.values())
    missing = sorted({ch for ch in text if ch.isprintable() and not font.get_char_index(ord(ch))})
    assert missing == [], f"the report font lacks {''.join(missing)}"
    # Simplified Chinese glyph forms (the SC face, not the collection's first, Japanese one):
    # 直海角写 are drawn differently in China and Japan; their inked area tells them apart.
    from fontTools.pens.areaPen import AreaPen
    from fontTools.ttLib import TTCollection, TTFont

    def area(face, ch: str, location: dict | None = None) -> float:
        glyphs = face.getGlyphSet(location=location)
        pen = AreaPen(glyphs)
        glyphs[face.getBestCmap()[ord(ch)]].draw(pen)
        return abs(pen.value)

    with (
        TTCollection(str(fonts.bundled_collection()), lazy=True) as faces,
        TTFont(str(regular)) as ours,
    ):
        jp, sc = faces.fonts[0], faces.fonts[2]
        for ch in "直海角写":
            a, a_sc, a_jp = area(ours, ch), area(sc, ch, {"wght": 400}), area(jp, ch, {"wght": 400})
            assert abs(a - a_sc) < 0.01 * a_sc and abs(a - a_jp) > 0.03 * a_jp, ch


def test_no_font_at_all_is_one_clear_error(
    inputs, monkeypatch: pytest.MonkeyPatch, fresh_family: None, tmp_path: Path
) -> None:
    monkeypatch.setattr(fonts, "bundled_collection", lambda: None)
    monkeypatch.setattr(fonts, "CJK_FAMILIES", ())
    with pytest.raises(ReportError, match=r"manimgx-fonts-cjk is not installed") as err:
        report_pdf(inputs.cockpit, inputs.context, inputs.meta, tmp_path / "r.pdf")
    assert "\n" not in str(err.value)
    assert not (tmp_path / "r.pdf").exists()


def test_unwritable_font_cache_fails_fast_with_the_folder(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    with pytest.raises(ReportError, match=r"not-a-folder/gridmap/fonts: cannot write the report"):
        fonts.report_font(400)


def test_cli_report_writes_pdf_png_and_json(
    busy_workspace: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out, png = tmp_path / "r.pdf", tmp_path / "r.png"
    args = [
        "report", str(busy_workspace), "--out", str(out), "--png", str(png),
        "--since", "2025-01-01", "--until", "2025-12-31", "--json",
    ]  # fmt: skip
    assert main(args) == 0
    doc = json.loads(capsys.readouterr().out)
    assert out.read_bytes().startswith(b"%PDF") and png.stat().st_size > 10_000
    kpis = {k["key"]: k for k in doc["kpis"]}
    assert kpis["incidents"]["value"] == 300
    closure = kpis["closure"]
    assert closure["denominator"] == 300 and closure["numerator"] == 225  # every 4th is open
    assert closure["value"] == pytest.approx(0.75)
    assert {row["code"] for row in doc["top"]} <= {"A", "B", "C", "D"}


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--out", "report.txt"], "the report is a PDF"),
        (["--out", "nowhere/r.pdf"], "does not exist"),
        (["--out", "r.pdf", "--area", "999"], "--area 999: not a city, district"),
        (["--out", "r.pdf", "--since", "2025-13-01"], "--since/--until"),
        (["--out", "r.pdf", "--min-count", "-1"], "min_count=-1"),
    ],
)
def test_cli_report_bad_input_is_one_line(
    busy_workspace: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    extra: list[str],
    message: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["report", str(busy_workspace), *extra]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and "Traceback" not in err
    assert not list(tmp_path.glob("*.pdf"))


def _long_week(n: int, words: int) -> ThisWeek:
    """A list of ``n`` grids whose reasons and departments are ``words`` words long."""
    from gridmap import schema

    long = " ".join(["incidents"] * words)
    grids = pd.DataFrame(
        {
            "rank": range(1, n + 1),
            schema.NAME: [f"Grid number {i} of a long street name" for i in range(n)],
            "reason_en": [f"Incidents this week: {i}; {long}." for i in range(n)],
            "reason_zh": [f"本周 {i} 件，" + "比同类网格预期多" * words for i in range(n)],
            "incidents": range(n),
            "last_week": range(n),
            "change": [0] * n,
            "overdue": [3.0] * n,
            schema.WORKER: ["王"] * n,
            "community_name": ["Community of the long name"] * n,
            "street_name": ["Street of the long name"] * n,
            "department_en": ["Housing and Urban-Rural Development Bureau " * 2] * n,
            "department_zh": ["住房和城乡建设局生态环境分局应急管理局"] * n,
        },
        index=pd.Index([f"62010{i:010d}" for i in range(n)], name="code"),
    )
    week = (dt.date(2026, 10, 25), dt.date(2026, 10, 31))
    return ThisWeek(grids, week, (dt.date(2026, 10, 18), dt.date(2026, 10, 24)))


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_this_week_page_keeps_every_row_inside_the_page_above_the_footnote(lang: str) -> None:
    """Ten rows whose reasons wrap onto two lines and long department names: every text lies
    inside the page and every row above the footnote (before: row 9 over the footnote, row
    10 under the page edge, departments cut at the right edge)."""
    from gridmap.report.document import _style
    from gridmap.report.this_week import this_week_pages

    size = (11.69, 8.27)
    for words, most_pages in ((12, 1), (40, 2)):
        with _style(None):  # the report's fonts (the bundled CJK face)
            pages = this_week_pages(_long_week(10, words), lang, size)
        assert 1 <= len(pages) <= most_pages
        ranks = []
        for fig in pages:
            renderer = fig.canvas.get_renderer()
            inv = fig.transFigure.inverted()
            boxes = {a: a.get_window_extent(renderer).transformed(inv) for a in fig.texts}
            foot = min(boxes.values(), key=lambda b: b.y0)
            for artist, box in boxes.items():
                assert box.x0 >= 0 and box.x1 <= 1 and box.y0 >= 0 and box.y1 <= 1, artist
                if box is not foot:
                    assert box.y0 > foot.y1, artist.get_text()
            ranks += [a.get_text() for a in fig.texts if a.get_text()[:-1].isdigit()]
        assert ranks == [f"{i}." for i in range(1, 11)]  # all ten rows, none twice


def test_report_map_names_the_districts_for_the_city_and_the_streets_for_an_area(
    inputs, busy_workspace: Path
) -> None:
    """A reader must be able to say where a cluster lies: the city's map names its districts,
    an area's map its streets (before: outlines and rank numbers only)."""
    import geopandas as gpd
    from matplotlib.figure import Figure

    from gridmap import schema
    from gridmap.report.document import _style
    from gridmap.report.figures import MapContext, draw_map

    grids = open_workspace(busy_workspace).read_grids()
    west = grids[grids[schema.CODE].isin(["A", "C"])].union_all()
    east = grids[grids[schema.CODE].isin(["B", "D"])].union_all()
    admin = gpd.GeoDataFrame(
        {
            schema.CODE: ["620104", "620104001", "620104002"],
            schema.NAME: ["七里河区", "西街道", "东街道"],
            schema.LEVEL: ["district", "street", "street"],
        },
        geometry=[grids.union_all(), west, east],
        crs=4326,
    )
    for codes, shown, hidden in (
        (None, {"七里河区"}, {"西街道", "东街道"}),
        (frozenset(grids[schema.CODE]), {"西街道", "东街道"}, {"七里河区"}),
    ):
        ctx = MapContext.build(admin, grids, codes)
        fig = Figure(figsize=(8, 6))
        with _style(None):
            draw_map(fig.add_subplot(), inputs.cockpit, ctx, "zh")
        texts = {a.get_text() for a in fig.axes[0].texts}
        assert shown <= texts and not hidden & texts
