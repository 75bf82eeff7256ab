"""The department fusion report (多网合一, #18): PDF in zh/en, Excel, draft layer, crosswalk.

The department is three police units over the 2x2 block of basic grids (100 m each)::

    +-------+-------+
    |       |  P2   |      P1 = A + C: aligned
    |  P1   |       |      P2 = B and the top 40 m of D: 29 % of it lies in D, which
    |       |-------|           goes wholly to P3 (60 % of D) -> misaligned
    |       |  P3   |      P3 = the bottom 60 m of D: aligned
    +-------+-------+
"""

from __future__ import annotations

import io

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import box

from gridmap.analytics.fusion import CROSSWALK_COLUMNS, FusionResult, analyse_department
from gridmap.report.fusion import (
    crosswalk_csv,
    draft_gpkg,
    fusion_pdf,
    fusion_xlsx,
)

from .builders import ORIGIN, UTM48N, squares_2x2

#: The default responsibility table's police department, so the layer answers for categories.
POLICE = "公安分局（派出所）"


def police_units(department: str = POLICE) -> gpd.GeoDataFrame:
    """The three units of the module docstring, as the department layer stores them."""
    x0, y0 = ORIGIN
    return gpd.GeoDataFrame(
        {
            "department": department,
            "department_code": ["P1", "P2", "P3"],
            "department_name": ["东岗派出所", "西站派出所", "南关派出所"],
            "version": 1,
        },
        geometry=[
            box(x0, y0, x0 + 100, y0 + 200),
            box(x0 + 100, y0 + 60, x0 + 200, y0 + 200),
            box(x0 + 100, y0, x0 + 200, y0 + 60),
        ],
        crs=UTM48N,
    ).to_crs(4326)


@pytest.fixture(scope="module")
def case() -> tuple[FusionResult, gpd.GeoDataFrame, gpd.GeoDataFrame]:
    units, grids = police_units(), squares_2x2()
    return analyse_department(units, grids), units, grids


def _pdf_text(data: bytes) -> list[str]:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(data)
    return [doc[i].get_textpage().get_text_range() for i in range(len(doc))]


def test_pdf_names_the_department_and_its_misaligned_units(case) -> None:
    result, units, grids = case
    data = fusion_pdf(result, units, grids, lang="zh", grid_names={"D": "丁网格"})
    assert b"/FontFile2" in data and b"GridmapNotoSansSC-Regular" in data  # prints anywhere
    pages = _pdf_text(data)
    assert len(pages) == 7
    first = pages[0]
    assert f"部门网格融合报告：{POLICE}" in first
    assert "错位单元 1" in first and "部门单元 3" in first and "错位部分涉及户数 120" in first
    assert "3 个单元中 1 个错位" in pages[1] and "西站派出所" in pages[1]
    assert "丁网格" in pages[3]  # the grid to split, by name
    assert "平安建设" in pages[5] and "P2, P3" in pages[5]  # D is claimed by two units


def test_pdf_in_english(case, tmp_path) -> None:
    result, units, grids = case
    out = tmp_path / "fusion.pdf"
    data = fusion_pdf(result, units, grids, out, lang="en")
    assert out.read_bytes() == data
    pages = _pdf_text(data)
    assert f"Grid fusion report: {POLICE}" in pages[0]
    assert "1 of 3 units are misaligned" in pages[1]
    assert "Public safety" in pages[5]


def _sheets(data: bytes) -> dict[str, pd.DataFrame]:
    return pd.read_excel(io.BytesIO(data), sheet_name=None, header=0)


def test_excel_has_every_table_in_full(case) -> None:
    result = case[0]
    sheets = _sheets(fusion_xlsx(result, "zh", grid_names={"D": "丁网格"}))
    assert list(sheets) == [
        "摘要",
        "错位单元",
        "全部单元",
        "调整方案",
        "建议拆分网格",
        "对照表",
        "无人负责",
        "重复负责",
    ]
    mis = sheets["错位单元"]
    assert len(mis) == len(result.misaligned) == 1
    assert mis.iloc[0]["单元编码"] == "P2" and mis.iloc[0]["涉及户数"] == 120
    assert mis.iloc[0]["错位比例（%）"] == pytest.approx(28.6)
    assert len(sheets["全部单元"]) == len(result.misalignment) == 3
    assert len(sheets["调整方案"]) == len(result.proposal.changes)
    gained = sheets["调整方案"].set_index("单元编码")["新增网格"]
    assert gained["P3"] == 1 and gained["P1"] == 0
    assert len(sheets["对照表"]) == len(result.crosswalk)
    assert sheets["建议拆分网格"]["网格名称"].tolist() == ["丁网格"]
    assert len(sheets["无人负责"]) == len(result.responsibility.gaps)
    assert len(sheets["重复负责"]) == len(result.responsibility.duplicates) == 1
    summary = dict(zip(sheets["摘要"].iloc[:, 0], sheets["摘要"].iloc[:, 1], strict=True))
    assert summary["错位单元"] == 1 and summary["部门单元"] == 3


def test_unknown_households_stay_empty_not_zero() -> None:
    grids = squares_2x2().drop(columns="households")
    result = analyse_department(police_units(), grids)
    sheets = _sheets(fusion_xlsx(result, "en"))
    assert sheets["Misaligned units"]["Households"].isna().all()
    assert sheets["Crosswalk"]["Households"].isna().all()
    summary = sheets["Summary"].set_index("Department").iloc[:, 0]
    assert pd.isna(summary["Households in misaligned parts"])
    assert summary["Misaligned units"] == 1


def test_draft_layer_and_crosswalk_files_read_back(case, tmp_path) -> None:
    result = case[0]
    path = tmp_path / "draft.gpkg"
    path.write_bytes(draft_gpkg(result))
    draft = gpd.read_file(path)
    assert draft.crs.to_epsg() == 4326 and set(draft["department"]) == {POLICE}
    # Redrawn from whole grids: P3 takes all of D (100 m x 100 m), P2 keeps B only.
    area = draft.to_crs(UTM48N).set_index("department_code").area
    assert area["P3"] == pytest.approx(10_000, rel=1e-6)
    assert area["P2"] == pytest.approx(10_000, rel=1e-6)
    csv = crosswalk_csv(result)
    assert csv.startswith(b"\xef\xbb\xbf")  # Excel reads the Chinese names
    table = pd.read_csv(io.BytesIO(csv), encoding="utf-8-sig")
    assert list(table.columns) == list(CROSSWALK_COLUMNS) and len(table) == len(result.crosswalk)
