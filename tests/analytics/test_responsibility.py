"""The responsibility table (谁主管、谁负责) and the owners of each grid."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from gridmap import schema
from gridmap.analytics.responsibility import (
    OWNER_COLUMNS,
    RESPONSIBILITY_COLUMNS,
    UNASSIGNED,
    assign_departments,
    default_responsibilities,
    from_records,
    grid_departments,
    grid_owners,
    read_responsibilities_csv,
    to_records,
    validate_responsibilities,
    write_responsibilities_csv,
)
from gridmap.errors import SchemaError


# --- the table --------------------------------------------------------------------------------
def test_defaults_cover_every_category_once_with_both_languages() -> None:
    table = default_responsibilities()
    assert tuple(table.columns) == RESPONSIBILITY_COLUMNS
    defaults = table[table["subcategory"] == ""]
    assert sorted(defaults["category"]) == sorted(
        (*schema.CATEGORIES.codes, schema.UNCLASSIFIED.code)
    )
    assert (table["department_zh"] != "").all() and (table["department_en"] != "").all()
    assert validate_responsibilities(table).equals(table)  # the defaults pass their own check
    by = dict(zip(defaults["category"], defaults["department_zh"], strict=True))
    assert by["public_safety"] == "公安分局（派出所）"
    assert by["work_safety"] == "应急管理局"


def test_a_subcategory_row_wins_over_the_category_default() -> None:
    table = default_responsibilities()
    got = assign_departments(
        ["public_safety", "public_safety", "work_safety", "unclassified", "ecology"],
        ["邻里纠纷", "治安隐患", "火情", None, "河道垃圾"],
        table,
    )
    assert got["department_zh"].tolist() == [
        "司法所（综治中心）",
        "公安分局（派出所）",
        "消防救援大队",
        "综治中心",
        "水务局",
    ]
    assert got["department_en"].iloc[2] == "Fire and Rescue Brigade"


def test_a_category_without_a_row_is_unassigned() -> None:
    table = default_responsibilities()
    table = table[table["category"] != "livelihood"]
    got = assign_departments(["livelihood", "ecology"], None, table)
    assert tuple(got.iloc[0]) == UNASSIGNED
    assert got["department_zh"].iloc[1] == "生态环境分局"


def test_edits_are_cleaned_labels_become_codes_and_one_language_fills_the_other() -> None:
    edited = pd.DataFrame(
        {
            "category": ["安全生产", " Urban management ", "未分类"],
            "subcategory": [" 燃气泄漏 ", None, ""],
            "department_zh": ["燃气公司", "城管局", ""],
            "department_en": ["", "Urban Management", "Governance centre"],
        }
    )
    clean = validate_responsibilities(edited)
    assert clean.values.tolist() == [
        ["work_safety", "燃气泄漏", "燃气公司", "燃气公司"],
        ["urban_management", "", "城管局", "Urban Management"],
        ["unclassified", "", "Governance centre", "Governance centre"],
    ]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"category": "交通"},
            r"row 3: category '交通' is unknown; allowed: party_civility \(党建与文明创建\),.*"
            r"unclassified \(未分类\)",
        ),
        (
            {"department_zh": " ", "department_en": None},
            r"row 3: department_zh is empty; allowed: a department name",
        ),
        (
            {"category": "public_safety", "subcategory": "邻里纠纷"},
            r"row 5: category 'public_safety', subcategory '邻里纠纷' repeats row 3",
        ),
    ],
)
def test_a_bad_edit_is_refused_naming_the_row_and_field(
    change: dict[str, str | None], message: str
) -> None:
    table = default_responsibilities().astype(object)
    for column, value in change.items():
        table.loc[2, column] = value
    with pytest.raises(SchemaError, match=message):
        validate_responsibilities(table)


def test_missing_or_unknown_columns_are_refused() -> None:
    table = default_responsibilities()
    with pytest.raises(SchemaError, match=r"missing column\(s\) \['department_en'\]"):
        validate_responsibilities(table.drop(columns="department_en"))
    with pytest.raises(SchemaError, match=r"unknown column\(s\) \['note'\]; allowed columns"):
        validate_responsibilities(table.assign(note=""))


def test_records_round_trip_through_json() -> None:
    table = default_responsibilities()
    records = json.loads(json.dumps(to_records(table), ensure_ascii=False))
    assert from_records(records).equals(table)
    assert from_records([]).empty
    with pytest.raises(SchemaError, match="row 2 is not an object"):
        from_records([records[0], "x"])  # type: ignore[list-item]
    with pytest.raises(SchemaError, match="records must be a list of objects"):
        from_records({"category": "ecology"})  # type: ignore[dict-item]


def test_csv_round_trip(tmp_path: Path) -> None:
    table = default_responsibilities()
    path = write_responsibilities_csv(table, tmp_path / "departments.csv")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")  # Excel needs the BOM for Chinese
    assert read_responsibilities_csv(path).equals(table)
    # An edit in a spreadsheet that breaks a row is refused on the way back in.
    text = path.read_text(encoding="utf-8-sig").replace("ecology,,", "ecologie,,", 1)
    path.write_text(text, encoding="utf-8-sig")
    with pytest.raises(SchemaError, match=r"row \d+: category 'ecologie' is unknown"):
        read_responsibilities_csv(path)


def test_the_department_of_a_grid_is_the_one_with_most_of_its_incidents() -> None:
    incidents = pd.DataFrame(
        {
            "grid_code": ["A", "A", "A", "B", "B", None],
            "category": ["public_safety"] * 3 + ["ecology", "work_safety", "ecology"],
            "category_source": ["邻里纠纷", "家庭纠纷", "治安隐患", "", "", ""],
        }
    )
    got = grid_departments(incidents)
    assert got.index.tolist() == ["A", "B"]
    assert got.loc["A", "department_zh"] == "司法所（综治中心）"  # two disputes, one theft risk
    assert got.loc["A", "cases"] == 2 and got.loc["A", "share"] == pytest.approx(2 / 3)
    assert got.loc["B", "department_zh"] == "应急管理局"  # a tie: the first name in zh order
    assert grid_departments(incidents.assign(grid_code=None)).empty


# --- grid owners ------------------------------------------------------------------------------
def _admin() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "code": ["620102", "620102003", "620102003001", "620102003002", "620102004"],
            "name": ["城关区", "张掖路街道", "东岗社区", "西岗社区", "雁南街道"],
            "level": ["district", "street", "community", "community", "street"],
            "parent_code": [None, "620102", "620102003", "620102003", "620102"],
        }
    )


def test_grid_owners_from_parent_code_and_from_the_code_itself() -> None:
    grids = pd.DataFrame(
        {
            "code": ["620102003001001", "620102003002007", "620102004009001", "G-12"],
            "name": ["东岗社区第1网格", None, "某网格", "专属网格"],
            # The second grid has no parent: its code names 西岗社区. The third's community
            # is not in the admin layer: its street still follows from its code.
            "parent_code": ["620102003001", None, "620102004009", "620102003001"],
            "worker": ["王芳", None, "李强", "赵敏"],
        }
    )
    owners = grid_owners(grids, _admin())
    assert tuple(owners.columns) == OWNER_COLUMNS
    assert owners.index.name == "code"
    assert list(owners.loc["620102003001001"]) == [
        "东岗社区第1网格", "王芳", "620102003001", "东岗社区", "620102003", "张掖路街道",
    ]  # fmt: skip
    assert list(owners.loc["620102003002007"]) == [
        "620102003002007", "", "620102003002", "西岗社区", "620102003", "张掖路街道",
    ]  # fmt: skip
    assert list(owners.loc["620102004009001", ["community_code", "street_name"]]) == [
        "",
        "雁南街道",
    ]
    assert list(owners.loc["G-12", ["community_name", "street_name"]]) == [
        "东岗社区",
        "张掖路街道",
    ]


def test_grid_owners_without_a_worker_column_or_an_admin_layer() -> None:
    grids = pd.DataFrame({"code": ["620102003001001"], "name": ["一号"]})
    owners = grid_owners(grids, _admin())
    assert owners.loc["620102003001001", "worker"] == ""
    assert owners.loc["620102003001001", "street_name"] == "张掖路街道"
    bare = grid_owners(grids, pd.DataFrame(columns=["code", "name", "level", "parent_code"]))
    assert list(bare.loc["620102003001001"]) == ["一号", "", "", "", "", ""]
