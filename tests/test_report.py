"""The printed report: a PDF that renders (pages drawn, Chinese font embedded), PNG, CLI."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from gridmap.analytics.incidents import IncidentFilter
from gridmap.cli import main
from gridmap.report import ReportError, cjk_family, cockpit_png, report_pdf
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


def test_missing_chinese_font_is_one_clear_error(
    inputs, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    cjk_family.cache_clear()
    monkeypatch.setenv("GRIDMAP_CJK_FONT", str(tmp_path / "nope.ttf"))
    try:
        with pytest.raises(ReportError, match=r"GRIDMAP_CJK_FONT=.*nope\.ttf: no such font file"):
            report_pdf(inputs.cockpit, inputs.context, inputs.meta, tmp_path / "r.pdf")
        assert not (tmp_path / "r.pdf").exists()
    finally:
        cjk_family.cache_clear()


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
