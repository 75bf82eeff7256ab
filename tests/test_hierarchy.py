"""Admin-code parts: cut and made in gridmap.hierarchy only."""

from __future__ import annotations

from gridmap.hierarchy import (
    county_code,
    grid_code,
    grid_name,
    grid_number,
    grid_suffix,
    street_code,
)

#: 兰州市城关区 · a street · a community · its 7th grid.
GRID = "620102003001007"


def test_code_parts_nest_by_prefix() -> None:
    assert county_code(GRID) == "620102"
    assert street_code(GRID) == "620102003"
    assert street_code(GRID[:12]) == "620102003"
    assert grid_suffix(GRID) == "007"
    assert grid_number(GRID) == 7


def test_a_grid_code_without_a_number_has_none() -> None:
    assert grid_suffix("G-12") == "-12"
    assert grid_number("G-12") is None


def test_grid_code_and_name_round_trip() -> None:
    code = grid_code(GRID[:12], 7)
    assert code == GRID
    assert grid_number(code) == 7
    assert grid_name("东岗社区", grid_number(code) or 0) == "东岗社区第7网格"
