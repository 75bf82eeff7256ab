"""Item 6 of issue 13: per category, the department that answers for it (card and tooltip).

Plain functions, no app run: the card's lines (:func:`category_departments`) and the map
tooltip's main department (:func:`main_departments`); the AppTest of the card on the map page
is ``test_grid_card_of_a_one_month_window_shows_twelve_months``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from gridmap.analytics.responsibility import default_responsibilities, validate_responsibilities
from gridmap.ui.cards import category_departments, main_departments

from ..builders import incident_table_of, times


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


def test_the_tooltip_names_the_department_of_most_of_a_grids_incidents() -> None:
    # G1: 3 public safety, 2 urban management; G2: 1 public safety, 4 work safety; G3: none.
    cats = (
        ["public_safety"] * 3 + ["urban_management"] * 2 + ["public_safety"] + ["work_safety"] * 4
    )
    grid = ["G1"] * 5 + ["G2"] * 5
    table = incident_table_of(times("2025-03-01", 10), category=cats, grid=grid)
    idx = np.arange(len(table), dtype=np.int64)
    main = main_departments(table, idx, default_responsibilities(), "zh")
    assert main.to_dict() == {"G1": "公安分局（派出所）", "G2": "应急管理局"}
    # Only the incidents selected count: without G2's work-safety cases its police case wins.
    only_first = main_departments(table, idx[:6], default_responsibilities(), "en")
    assert only_first["G2"] == "Public Security Sub-bureau (police station)"
    assert main_departments(table, idx[:0], default_responsibilities(), "zh").empty
