"""Comparing grid versions: added, removed, redrawn, households only, unchanged."""

from __future__ import annotations

import shapely

from gridmap.analytics.versions import compare_versions

from ..conftest import squares_2x2


def test_each_kind_of_change_is_named() -> None:
    old = squares_2x2()
    new = squares_2x2()
    new = new[new["code"] != "D"].copy()  # D removed
    new.loc[new["code"] == "C", "households"] = 999  # C: count only
    # B redrawn: take half of A.
    a, b = old.geometry.iloc[0], old.geometry.iloc[1]
    half = shapely.box(*((a.bounds[0] + a.bounds[2]) / 2, a.bounds[1], *a.bounds[2:]))
    new.loc[new["code"] == "B", "geometry"] = shapely.union(b, half)
    new.loc[new["code"] == "A", "geometry"] = shapely.difference(a, half)
    extra = new.iloc[[0]].copy()
    extra["code"] = "E"
    new = __import__("pandas").concat([new, extra])
    out = compare_versions(old, new)
    assert out["change"].to_dict() == {
        "E": "added", "D": "removed", "A": "redrawn", "B": "redrawn", "C": "households",
    }  # fmt: skip
    assert out.loc["C", "households_new"] == 999 and out.loc["C", "households_old"] == 380
    # Half of a 100 m square moved between A and B: 5,000 m² each way.
    assert abs(out.loc["A", "area_changed_m2"] - 5000) < 20
    assert out.loc["C", "area_changed_m2"] == 0
    same = compare_versions(old, squares_2x2())
    assert set(same["change"]) == {"same"}
