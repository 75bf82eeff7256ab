"""Item 6 of issue 13: per category, the department that answers for it (card and tooltip).

Plain functions, no app run: the card's lines (:func:`category_departments`); the map
tooltip's main department agrees with the card and this week's list in
``test_one_ranking.py``; the AppTest of the card on the map page is
``test_grid_card_of_a_one_month_window_shows_twelve_months``.
"""

from __future__ import annotations

import pandas as pd

from gridmap.analytics.responsibility import default_responsibilities, validate_responsibilities
from gridmap.ui.cards import category_departments


def test_the_card_names_the_department_of_each_main_category() -> None:
    rows = category_departments(
        {
            "urban_management": 30,
            "public_safety": 12,
            "ecology": 0,
            "work_safety": 3,
            "livelihood": 1,
        },
        default_responsibilities(),
        "zh",
    )
    # The three busiest categories, busiest first; a category with no incident is not listed.
    assert rows == [
        ("城市管理", 30, "城市管理执法局"),
        ("平安建设", 12, "公安分局（派出所）"),
        ("安全生产", 3, "应急管理局"),
    ]
    english = category_departments({"public_safety": 2}, default_responsibilities(), "en")
    assert english == [("Public safety", 2, "Public Security Sub-bureau (police station)")]
    assert category_departments({"public_safety": 0}, default_responsibilities(), "zh") == []


def test_the_workspace_table_decides_and_unnamed_categories_are_unassigned() -> None:
    table = validate_responsibilities(
        pd.DataFrame(
            {
                "category": ["public_safety"],
                "subcategory": [""],
                "department_zh": ["综治中心"],
                "department_en": ["Governance centre"],
            }
        )
    )
    rows = category_departments({"public_safety": 5, "ecology": 4}, table, "zh")
    assert rows == [("平安建设", 5, "综治中心"), ("生态保护", 4, "未指定")]


def test_a_sub_category_row_decides_the_cards_department() -> None:
    table = validate_responsibilities(
        pd.DataFrame(
            {
                "category": ["urban_management", "urban_management"],
                "subcategory": ["", "违章建筑"],
                "department_zh": ["城市管理执法局", "住房和城乡建设局"],
                "department_en": ["Urban management", "Housing and construction"],
            }
        )
    )
    # 3 of the grid's 4 urban-management cases are illegal buildings: housing answers.
    mine = pd.DataFrame(
        {"category": ["urban_management"] * 4, "category_source": ["违章建筑"] * 3 + ["占道"]}
    )
    rows = category_departments({"urban_management": 4}, table, "zh", incidents=mine)
    assert rows == [("城市管理", 4, "住房和城乡建设局")]
    assert category_departments({"urban_management": 4}, table, "zh") == [
        ("城市管理", 4, "城市管理执法局")
    ]
