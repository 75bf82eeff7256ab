"""One-line explanations in Chinese and English."""

from __future__ import annotations

import pytest

from gridmap.analytics.explain import explain_cell, explain_grid
from gridmap.errors import SchemaError

ROW = {"suppressed": False, "households_missing": False}
MIX = {"urban_management": 46, "public_safety": 21, "livelihood": 18, "ecology": 15}


def test_the_design_examples() -> None:
    assert (
        explain_grid(ROW, MIX, {"rel_change_prev": 0.35}, 3, None, "zh")
        == "城市管理类占 46%、平安建设类占 21%，环比上升 35%，为热点聚集区（99% 置信）"
    )
    assert (
        explain_grid(ROW, MIX, {"rel_change_prev": 0.35}, 3, None, "en")
        == "Urban management 46% and public safety 21% of incidents; "
        "up 35% on the previous period; a 99% hot spot"
    )


def test_second_category_only_when_it_matters() -> None:
    counts = {"work_safety": 90, "ecology": 10}
    assert explain_grid(ROW, counts, {}, None, None, "zh") == "安全生产类占 90%"
    assert explain_grid(ROW, counts, {}, None, None, "en") == "Work safety 90% of incidents"
    tie = {"ecology": 1, "public_safety": 1}  # ties in the fixed category order
    assert explain_grid(ROW, tie, {}, 0, None, "zh") == "平安建设类占 50%、生态保护类占 50%"
    assert explain_grid(ROW, {"unclassified": 3}, {}, 0, None, "zh") == "未分类事件占 100%"


@pytest.mark.parametrize(
    ("change", "zh", "en"),
    [
        ({"rel_change_prev": -0.125}, "环比下降 13%", "down 13% on the previous period"),
        ({"rel_change_prev": 0.004}, "环比持平", "level with the previous period"),
        ({"rel_change_prev": 12.5}, "环比上升 1250%", "up 1,250% on the previous period"),
        (
            {"rel_change_prev": float("nan"), "previous": 0, "current": 4},
            "上期无事件",
            "none in the previous period",
        ),
    ],
)
def test_change_phrases(change: dict[str, float], zh: str, en: str) -> None:
    counts = {"ecology": 4}
    assert explain_grid(ROW, counts, change, None, None, "zh") == f"生态保护类占 100%，{zh}"
    expected = f"Ecological protection 100% of incidents; {en}"
    assert explain_grid(ROW, counts, change, None, None, "en") == expected


@pytest.mark.parametrize(
    ("hotspot", "trend", "zh", "en"),
    [
        (2, None, "为热点聚集区（95% 置信）", "a 95% hot spot"),
        (-1, None, "为冷点聚集区（90% 置信）", "a 90% cold spot"),
        (0, "intensifying", "为加剧热点", "an intensifying hot spot"),
        (None, -1, "为新出现冷点", "a new cold spot"),
        (3, 3, "为热点聚集区（99% 置信），且为加剧热点", "a 99% hot spot, intensifying"),
        (1, "none", "为热点聚集区（90% 置信）", "a 90% hot spot"),
    ],
)
def test_hot_spot_phrases(hotspot: int | None, trend: str | int | None, zh: str, en: str) -> None:
    counts = {"livelihood": 2}
    assert explain_cell({}, counts, {}, hotspot, trend, "zh") == f"惠民服务类占 100%，{zh}"
    expected = f"Livelihood services 100% of incidents; {en}"
    assert explain_cell({}, counts, {}, hotspot, trend, "en") == expected


def test_no_incidents_suppressed_and_missing_households() -> None:
    assert explain_grid(ROW, {}, {}, None, None, "zh") == "时间范围内无事件"
    assert explain_cell({}, {"ecology": 0}, {}, 2, None, "en") == (
        "No incidents in the window; a 95% hot spot"
    )
    quiet = {"suppressed": True}
    assert explain_grid(quiet, {"ecology": 2}, {}, 3, None, "zh") == "事件较少，不作解释"
    assert explain_cell(quiet, {"ecology": 2}, {}, 3, None, "en") == "Too few incidents to explain"
    missing = {"suppressed": False, "households_missing": True}
    assert explain_grid(missing, {"ecology": 5}, {}, None, None, "zh") == (
        "生态保护类占 100%，户数缺失，风险按全市平均估计"
    )


def test_tiny_shares_are_not_shown_as_zero() -> None:
    counts = {"ecology": 70, "public_safety": 29, "livelihood": 1}
    assert explain_grid(ROW, counts, {}, None, None, "en") == (
        "Ecological protection 70% and public safety 29% of incidents"
    )
    assert explain_grid(ROW, {"ecology": 999, "livelihood": 1}, {}, None, None, "zh") == (
        "生态保护类占 100%"
    )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"lang": "fr"}, "lang='fr'; allowed: 'zh', 'en'"),
        ({"by_category": {"crime": 3}}, r"by_category: unknown code\(s\) \['crime'\]"),
        ({"hotspot_class": 4}, "hotspot_class=4; allowed: -3..3 or None"),
        ({"trend_class": "booming"}, "trend_class='booming'; allowed: none, new"),
        ({"trend_class": 9}, "trend_class=9; allowed: -8..8"),
    ],
)
def test_bad_arguments_raise(kwargs: dict[str, object], message: str) -> None:
    args: dict[str, object] = {
        "row": ROW,
        "by_category": {"ecology": 1},
        "change": {},
        "hotspot_class": None,
        "trend_class": None,
        "lang": "zh",
    }
    args.update(kwargs)
    with pytest.raises(SchemaError, match=message):
        explain_grid(**args)  # type: ignore[arg-type]


def test_a_grid_with_few_households_says_its_rate_is_not_residential() -> None:
    tiny = {**ROW, "households": 31}
    assert explain_grid(tiny, {"work_safety": 6}, {}, None, None, "zh") == (
        "安全生产类占 100%，仅 31 户，千户率多反映非居民事件"
    )
    assert explain_grid(tiny, {"work_safety": 6}, {}, None, None, "en").endswith(
        "only 31 households, so the rate mostly reflects non-resident incidents"
    )
    assert "户" not in explain_grid({**ROW, "households": 300}, {"ecology": 6}, {}, None, None)
