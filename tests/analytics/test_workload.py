"""Workload model, household bands and balance diagnostics on hand-built grids."""

from __future__ import annotations

import datetime as dt
import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import MultiPolygon, box

from gridmap.analytics.incidents import incident_table
from gridmap.analytics.workload import (
    WorkloadSettings,
    band_sentence,
    community_diagnostics,
    community_type,
    default_measure,
    grid_diagnostics,
    grids_needed,
    incident_load,
    parse_band,
    polsby_popper,
    relative_band,
    staffing,
    street_diagnostics,
    walking_radius_m,
)
from gridmap.errors import SchemaError

from ..builders import ORIGIN, UTM48N


def grids_row() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Three grids of community C (urban) and one of village V.

    ::

        +-----+-----+-----+  +-----+ +-+
        | A   | B   | C   |  | V1  | |V1   (V1 in two pieces: not contiguous)
        | 600 | 400 | 200 |  | 150 | +-+
        +-----+-----+-----+  +-----+
    """
    x0, y0 = ORIGIN
    sq = [box(x0 + i * 100, y0, x0 + (i + 1) * 100, y0 + 100) for i in range(3)]
    v1 = MultiPolygon([box(x0 + 400, y0, x0 + 500, y0 + 100), box(x0 + 600, y0, x0 + 620, y0 + 20)])
    grids = gpd.GeoDataFrame(
        {
            "code": ["C001", "C002", "C003", "V001"],
            "name": ["A", "B", "C", "V1"],
            "parent_code": ["C", "C", "C", "V"],
            "grid_type": ["basic"] * 4,
            "households": [600, 400, 200, 150],
            "population": [1500, 1000, 500, 450],
            "worker": ["甲", "乙", "丙", "丁"],
        },
        geometry=[*sq, v1],
        crs=UTM48N,
    ).to_crs(4326)
    admin = gpd.GeoDataFrame(
        {
            "code": ["C", "V"],
            "name": ["西湖社区", "刘家川村"],
            "level": ["community", "community"],
            "parent_code": ["S", "S"],
        },
        geometry=[box(x0, y0, x0 + 300, y0 + 100), box(x0 + 400, y0, x0 + 620, y0 + 100)],
        crs=UTM48N,
    ).to_crs(4326)
    return grids, admin


def test_settings_validate_and_name_every_problem() -> None:
    with pytest.raises(SchemaError, match=r"urban_band=\(500, 300\).*w_dispute=-1"):
        WorkloadSettings(urban_band=(500, 300), w_dispute=-1)
    with pytest.raises(SchemaError, match="incident_window_days=0"):
        WorkloadSettings(incident_window_days=0)
    s = WorkloadSettings()
    assert s.band("urban") == (300, 500) and s.band("village") == (100, 300)
    with pytest.raises(SchemaError, match="allowed: urban, village"):
        s.band("suburb")


def test_parse_band() -> None:
    assert parse_band("300-500") == (300, 500)
    assert parse_band("300–500") == (300, 500)
    with pytest.raises(SchemaError, match=r"--band '500-300': need 0 < LOW < HIGH"):
        parse_band("500-300")
    with pytest.raises(SchemaError, match="expected LOW-HIGH"):
        parse_band("many")


def test_grids_needed_and_sentences() -> None:
    assert grids_needed(1430, (300, 500)) == (3, 4)
    assert grids_needed(520, (300, 500)) == (2, 1)
    zh, en = band_sentence("X", 1430, (300, 500))
    assert zh == "社区X有1,430户：按300–500户需3–4个网格"
    assert en == "community X has 1,430 households: the band 300–500 needs 3–4 grids"
    zh, en = band_sentence("刘家川村", 520, (300, 500))
    assert zh.startswith("刘家川村有520户") and "no number of grids fits" in en
    assert "(1 grids are over 500 each, 2 are under 300)" in en
    zh, en = band_sentence("石化园区社区", 121, (300, 500))
    assert zh == "石化园区社区有121户：即使只设一个网格也不足300–500户区间的下限300户"


def test_community_type() -> None:
    assert community_type("刘家川村") == "village"
    assert community_type("西湖社区") == "urban"
    assert community_type(None) == "urban"


def test_geometry_measures() -> None:
    x0, y0 = ORIGIN
    sq = gpd.GeoSeries([box(x0, y0, x0 + 100, y0 + 100)], crs=UTM48N)
    assert polsby_popper(sq)[0] == pytest.approx(math.pi / 4)
    assert polsby_popper(sq.to_crs(4326))[0] == pytest.approx(math.pi / 4, rel=1e-4)
    thin = gpd.GeoSeries([box(x0, y0, x0 + 1000, y0 + 10)], crs=UTM48N)
    assert polsby_popper(thin)[0] < 0.05
    assert walking_radius_m(sq)[0] == pytest.approx(50 * math.sqrt(2), rel=1e-6)


def test_grid_diagnostics() -> None:
    grids, admin = grids_row()
    d = grid_diagnostics(grids, admin=admin, locked=frozenset({"C002"}))
    assert list(d.index) == ["C001", "C002", "C003", "V001"]
    assert list(d["community_type"]) == ["urban", "urban", "urban", "village"]
    assert list(d["in_band"]) == [False, True, False, True]
    assert list(d["band_gap"]) == [100, 0, 100, 0]
    np.testing.assert_allclose(d["deviation_pct"], [50.0, 0.0, -50.0, 0.0])
    assert list(d["contiguous"]) == [True, True, True, False]
    assert list(d["locked"]) == [False, True, False, False]
    assert d.loc["C001", "compactness"] == pytest.approx(math.pi / 4, rel=1e-4)
    # Workload: households + 20 per km² (0.01 km² each) with no incidents.
    assert d.loc["C001", "workload"] == pytest.approx(600 + 20 * 0.01, rel=1e-3)
    c = community_diagnostics(d)
    assert c.loc["C", "n_grids"] == 3 and c.loc["C", "out_of_band"] == 2
    assert c.loc["C", "cv"] == pytest.approx(np.std([600, 400, 200]) / 400)
    assert (c.loc["C", "grids_min"], c.loc["C", "grids_max"]) == (3, 4)
    assert c.loc["C", "sentence_en"].endswith("needs 3–4 grids, it has 3")
    assert c.loc["V", "cv"] == 0.0
    s = street_diagnostics(d)
    assert s.loc["S", "n_grids"] == 4 and s.loc["S", "out_of_band"] == 2
    staff = staffing(c, capacity=350)
    assert staff.loc["C", "by_band"] == 3 and staff.loc["C", "by_workload"] == 4
    assert staff.loc["C", "needed"] == 4 and staff.loc["C", "change"] == 1
    one = grid_diagnostics(grids, admin=admin, band=(100, 200))
    assert list(one["band_high"]) == [200] * 4


def test_grid_diagnostics_by_population_use_a_band_around_the_mean() -> None:
    grids, admin = grids_row()
    d = grid_diagnostics(grids, admin=admin, measure="population")
    # Mean 862.5 residents per grid: 0.8–1.2 × mean, two significant figures.
    assert list(d["band_low"]) == [690] * 4 and list(d["band_high"]) == [1000] * 4
    assert list(d["in_band"]) == [False, True, False, False]
    assert list(d["band_gap"]) == [500, 0, 190, 240]
    c = community_diagnostics(d, measure="population")
    assert c.loc["C", "measure"] == 3000
    assert c.loc["C", "sentence_zh"].startswith("西湖社区有3,000人：按690–1000人需3–4个网格")
    staff = staffing(c)
    assert staff.loc["C", "by_band"] == 3  # ceil(3000 residents / 1000)
    with pytest.raises(SchemaError, match="measure='beds'"):
        grid_diagnostics(grids, measure="beds")


def test_default_measure_and_relative_band() -> None:
    assert default_measure([None, 0, float("nan")]) == "workload"
    assert default_measure([None, 12]) == "households"
    assert relative_band(82.0) == (66, 98)
    assert relative_band(0.3) == (1, 2)


def test_incident_load_weights_classes_and_scales_to_a_year() -> None:
    day = dt.datetime(2025, 1, 1)
    frame = pd.DataFrame(
        {
            "occurred_at": [day + dt.timedelta(days=i) for i in range(4)] + [day],
            "closed_at": [None] * 5,
            "category": ["public_safety"] * 5,
            "handling_class": ["general", "emergency", "dispute", None, "general"],
            "grid_code": ["C001", "C001", "C001", "C001", "C002"],
            "h3_cell": [0] * 5,
        }
    )
    table = incident_table(frame, ["C001", "C002", "C003"])
    load = incident_load(table, settings=WorkloadSettings(incident_window_days=365))
    # Four days of data scaled to a year: ×365/3 (first to last incident is 3 days).
    scale = 365 / 3
    assert load.loc["C001", "incident_load"] == pytest.approx((1 + 3 + 2 + 1) * scale)
    assert load.loc["C002", "general"] == pytest.approx(scale)
    assert load.loc["C003", "incident_load"] == 0


@settings(max_examples=40, deadline=None)
@given(h=st.integers(1, 20_000), lo=st.integers(50, 400), width=st.integers(1, 400))
def test_grids_needed_is_exact(h: int, lo: int, width: int) -> None:
    hi = lo + width
    kmin, kmax = grids_needed(h, (lo, hi))
    # k grids fit the band iff k*lo <= h <= k*hi.
    fits = [k for k in range(1, h // lo + 2) if k * lo <= h <= k * hi]
    if fits:
        assert (kmin, kmax) == (min(fits), max(fits))
    else:
        assert kmin > kmax
