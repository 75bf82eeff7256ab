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

import dataclasses
import io

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import box

from gridmap.analytics.fusion import CROSSWALK_COLUMNS, FusionResult, analyse_department
from gridmap.cli.fusion import output_names
from gridmap.report.fusion import (
    crosswalk_csv,
    draft_gpkg,
    fusion_pdf,
    fusion_xlsx,
)
from gridmap.report.fusion_tables import (
    changes_table,
    corrected_note,
    duplicates_table,
    file_names,
    report_sentences,
    responsibility_sentence,
    summary_rows,
    units_table,
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
    assert len(pages) == 8
    first = " ".join(pages[0].split())  # a label and its value, however the text runs
    assert f"部门网格融合报告：{POLICE}" in first
    assert "错位单元 1" in first and "部门单元 3" in first and "错位部分涉及户数 120" in first
    assert "3 个单元中 1 个错位" in pages[1] and "西站派出所" in pages[1]
    assert "丁网格" in pages[3]  # the grid to split, by name
    assert "平安建设" in pages[6] and "P2, P3" in pages[6]  # D is claimed by two units
    # Responsibility is this department's, with the all-layers totals labelled so.
    assert f"{POLICE}负责 平安建设" in pages[5] and "全部部门图层合计" in pages[5]


def test_pdf_in_english(case, tmp_path) -> None:
    result, units, grids = case
    out = tmp_path / "fusion.pdf"
    data = fusion_pdf(result, units, grids, out, lang="en")
    assert out.read_bytes() == data
    pages = _pdf_text(data)
    assert f"Grid fusion report: {POLICE}" in pages[0]
    assert "1 of 3 units are misaligned" in pages[1]
    assert "Public safety" in pages[6]


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
        "边界细缝",
        "对照表",
        "按网格看",
        "无人负责",
        "重复负责",
        "无人负责（全部部门）",
        "重复负责（全部部门）",
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
    assert len(sheets["无人负责"]) == len(result.department_gaps)
    assert len(sheets["重复负责"]) == len(result.department_duplicates) == 1
    # The reverse view: one row per basic grid, D (split between P2 and P3) first.
    per_grid = sheets["按网格看"]
    assert len(per_grid) == len(result.grid_view) == 4
    assert per_grid.iloc[0]["网格编码"] == "D" and per_grid.iloc[0]["所在单元数"] == 2
    # Areas are numbers in m² (they sort and add up), not rounded km² text.
    assert mis.iloc[0]["错位面积（m²）"] == pytest.approx(4_000, rel=1e-3)
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


# --- after the review: areas, this department vs all, no categories, GCJ-02, file names ----
def test_small_areas_print_with_their_digits_not_as_zero(case) -> None:
    result = case[0]
    table = units_table(result, "zh", misaligned_only=True)
    # P2's misaligned part is 40 m x 100 m = 4,000 m²: "0.004" km², not "0.0".
    assert table["错位面积（km²）"].tolist() == ["0.004"]
    changes = changes_table(result, "en", changed_only=True).set_index("Unit code")
    assert changes.loc["P2", "Area lost (km²)"] == "0.004"
    assert changes.loc["P3", "Area gained (km²)"] == "0.004"


def _urban_units() -> gpd.GeoDataFrame:
    """Two urban-management units splitting A and C in half (both claim them)."""
    x0, y0 = ORIGIN
    return gpd.GeoDataFrame(
        {"department": URBAN, "department_code": ["U1", "U2"], "department_name": ["甲", "乙"]},
        geometry=[box(x0, y0, x0 + 50, y0 + 200), box(x0 + 50, y0, x0 + 200, y0 + 200)],
        crs=UTM48N,
    ).to_crs(4326)


URBAN = "城市管理执法局"


def test_responsibility_is_this_departments_with_all_layers_labelled(case) -> None:
    result = analyse_department(
        police_units(), squares_2x2(), other_departments={URBAN: _urban_units()}
    )
    r = result.responsibility
    # D (the police units), and A and C for each category the urban units answer for.
    assert len(r.duplicates) == 1 + 2 * len(r.categories[URBAN])
    mine = duplicates_table(result, "en")
    assert mine["Grid code"].tolist() == ["D"]  # the urban ones are not the police's
    sentence = responsibility_sentence(result, "en")
    assert "1 claimed twice" in sentence and "All department layers together" in sentence
    assert f"{len(r.duplicates)} claimed twice" in sentence
    sheets = _sheets(fusion_xlsx(result, "en"))
    assert len(sheets["Responsibility duplicates"]) == 1
    every = sheets["Duplicates (all departments)"]
    assert len(every) == len(r.duplicates) and set(every["Grid code"]) == {"A", "C", "D"}


def test_a_department_answering_for_no_category_is_told_so() -> None:
    result = analyse_department(
        police_units("无名部门"), squares_2x2(), other_departments={URBAN: _urban_units()}
    )
    zh = responsibility_sentence(result, "zh")
    assert "不负责任何类别" in zh and "责任表" in zh
    assert "answers for no category" in responsibility_sentence(result, "en")
    assert report_sentences(result, "zh")[-1] == zh


def test_figures_after_a_gcj02_conversion_say_so(case) -> None:
    result = dataclasses.replace(case[0], corrected="gcj02_to_wgs84")
    first = corrected_note(result, "en")
    assert first is not None
    assert "after converting" in first and "GCJ-02" in first and "--crs gcj02" in first
    rows = dict(summary_rows(result, "zh"))
    assert rows["分析前已换算自"] == "GCJ-02"
    assert corrected_note(case[0], "zh") is None  # not converted: no note


def test_downloads_and_fuse_out_share_one_safe_file_name() -> None:
    names = file_names("公安分局（派出所）/a b", 3)
    assert names == output_names("公安分局（派出所）/a b", 3)
    assert names["draft"] == "公安分局_派出所_a_b_v3_draft.gpkg"
