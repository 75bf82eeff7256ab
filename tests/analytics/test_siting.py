"""Siting (MCLP): lazy greedy vs the exact MILP vs spopt, and sites for a coverage result."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy.sparse import csr_matrix

from gridmap.analytics.coverage import CoverageSettings, analyse_coverage
from gridmap.analytics.siting import (
    coverage_matrix,
    exact_mclp,
    gain_curve,
    greedy_mclp,
    suggest_sites,
)
from gridmap.errors import SchemaError

from ..builders import camera_layers, squares_2x2


def instance(seed: int, n_sites: int = 25, n_demand: int = 120, radius: float = 18.0):
    rng = np.random.default_rng(seed)
    sites = rng.uniform(0, 100, (n_sites, 2))
    demand = rng.uniform(0, 100, (n_demand, 2))
    w = rng.gamma(0.8, 10.0, n_demand)
    return coverage_matrix(sites, demand, radius), w, sites, demand


def naive_greedy(a: np.ndarray, w: np.ndarray, n: int) -> list[int]:
    covered = np.zeros(a.shape[1], bool)
    out: list[int] = []
    for _ in range(n):
        gains = (a * (w * ~covered)).sum(axis=1)
        gains[out] = -1
        j = int(np.argmax(gains))  # first maximum: the lower position wins ties
        if gains[j] <= 0:
            break
        out.append(j)
        covered |= a[j] > 0
    return out


def test_coverage_matrix_is_the_distance_test() -> None:
    _, _, sites, demand = instance(1)
    a = coverage_matrix(sites, demand, 18.0).toarray()
    d = np.linalg.norm(sites[:, None, :] - demand[None, :, :], axis=2)
    np.testing.assert_array_equal(a, (d <= 18.0).astype(a.dtype))
    # A demand point on a site is covered (distance 0).
    assert coverage_matrix([[5.0, 5.0]], [[5.0, 5.0]], 1.0).toarray().tolist() == [[1]]


@pytest.mark.parametrize("seed", range(6))
def test_lazy_greedy_equals_plain_greedy(seed: int) -> None:
    a, w, _, _ = instance(seed)
    for n in (1, 3, 8):
        assert greedy_mclp(a, w, n).chosen.tolist() == naive_greedy(a.toarray(), w, n)


@pytest.mark.parametrize("seed", range(8))
def test_greedy_within_1_minus_1_over_e_of_the_optimum(seed: int) -> None:
    a, w, _, _ = instance(seed)
    for n in (2, 4, 6):
        g = greedy_mclp(a, w, n)
        x = exact_mclp(a, w, n)
        assert x.optimal
        assert x.objective >= g.objective - 1e-9
        assert g.objective >= (1 - 1 / np.e) * x.objective
        # The exact answer's gains add up to its objective, like the greedy's.
        assert x.gains.sum() == pytest.approx(x.objective)


def test_a_case_where_greedy_is_not_optimal() -> None:
    """Greedy takes the middle site (gain 3) and then can add only 1; the optimum pairs the
    two outer sites (2 + 2).

    ::

        demand: a  b  c  d
        site 0: x  x
        site 1:    x  x   + e (weight 0 elsewhere)
        site 2:       x  x
    """
    a = csr_matrix(np.array([[1, 1, 0, 0], [0, 1, 1, 0], [0, 0, 1, 1]]))
    w = np.array([1.0, 1.0, 1.0, 1.0])
    a2 = csr_matrix(np.array([[1, 1, 0, 0, 0], [0, 1, 1, 0, 1], [0, 0, 1, 1, 0]]))
    w2 = np.array([1.0, 1.0, 1.0, 1.0, 0.5])
    g = greedy_mclp(a2, w2, 2)
    x = exact_mclp(a2, w2, 2)
    assert g.chosen.tolist()[0] == 1 and g.objective == 3.5
    assert sorted(x.chosen.tolist()) == [0, 2] and x.objective == 4.0
    assert greedy_mclp(a, w, 2).objective == 4.0  # without e the tie goes to site 0 first


@pytest.mark.parametrize("seed", range(3))
def test_exact_optimum_equals_spopt_mclp(seed: int) -> None:
    import pulp
    from spopt.locate import MCLP

    a, w, _, _ = instance(seed, n_sites=15, n_demand=60)
    n = 4
    ours = exact_mclp(a, w, n)
    # spopt takes a demand x facility cost matrix and a service radius: 0 where a site
    # covers the point, 2 elsewhere, radius 1 - the same coverage relation.
    cost = np.where(a.toarray().T > 0, 0.0, 2.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = MCLP.from_cost_matrix(cost, w, service_radius=1.0, p_facilities=n)
        model = model.solve(pulp.PULP_CBC_CMD(msg=False))
    theirs = float(pulp.value(model.problem.objective))
    assert ours.objective == pytest.approx(theirs, rel=1e-9)


def test_bad_siting_input() -> None:
    a, w, _, _ = instance(0)
    with pytest.raises(SchemaError, match="n=-1"):
        greedy_mclp(a, w, -1)
    with pytest.raises(SchemaError, match="weights has 3 values for 120 demand points"):
        greedy_mclp(a, w[:3], 2)
    with pytest.raises(SchemaError, match="radius_m=0"):
        coverage_matrix([[0, 0]], [[0, 0]], 0)


def test_sites_for_the_block_go_where_nobody_looks() -> None:
    c, ka = camera_layers()
    r = analyse_coverage(squares_2x2(), c, keyareas=ka, settings=CoverageSettings(res=11))
    sites, sol, _cand = suggest_sites(r, 3, range_m=40.0)
    assert len(sites) == 3 and (np.diff(sites["cumulative_share"]) > 0).all()
    assert 0 < sites["cumulative_share"].iloc[-1] <= 1
    # Grid B is fully covered by K1 (fixed): no proposed site lands there.
    assert "B" not in set(sites["grid_code"])
    assert sol.gains[0] >= sol.gains[1] >= sol.gains[2] > 0
    curve = gain_curve(sol)
    assert curve["k"].tolist() == [1, 2, 3]
    _sites, exact_sol, _ = suggest_sites(r, 3, range_m=40.0, exact=True)
    assert exact_sol.objective >= sol.objective - 1e-9
    with pytest.raises(SchemaError, match="allowed up to 100"):
        suggest_sites(r, 101, exact=True)


def test_read_candidates_from_csv_and_geojson(tmp_path) -> None:
    import geopandas as gpd
    import pandas as pd
    import shapely

    from gridmap.analytics.siting import read_candidates

    csv = tmp_path / "poles.csv"
    pd.DataFrame(
        {"编号": ["P1", "P2", "P3"], "经度": [103.8, 103.81, "x"], "纬度": [36.0, 36.01, 36.0]}
    ).to_csv(csv, index=False, encoding="utf-8-sig")
    got = read_candidates(csv)
    assert len(got) == 2 and got.crs.to_epsg() == 4326  # the unparseable row is dropped
    assert got.geometry.x.tolist() == [103.8, 103.81]
    gj = tmp_path / "gates.geojson"
    gpd.GeoDataFrame(
        {"name": ["东门"]}, geometry=[shapely.box(103.8, 36.0, 103.801, 36.001)], crs=4326
    ).to_file(gj, driver="GeoJSON")
    gates = read_candidates(gj.read_bytes(), name="gates.geojson")
    assert gates.geom_type.tolist() == ["Point"] and gates["name"].tolist() == ["东门"]
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(SchemaError, match=r"bad\.csv: no coordinate columns"):
        read_candidates(bad)
    with pytest.raises(SchemaError, match="cannot read candidate sites"):
        read_candidates(b"not a vector file", name="x.geojson")


def test_imported_candidates_are_the_only_sites() -> None:
    import geopandas as gpd
    from shapely.geometry import Point

    from ..builders import metric

    c, ka = camera_layers()
    r = analyse_coverage(squares_2x2(), c, keyareas=ka, settings=CoverageSettings(res=11))
    # Two poles: one in uncovered grid A, one in fully covered grid B.
    poles = gpd.GeoDataFrame(
        {"id": ["PA", "PB"]},
        geometry=metric([Point(50, 150), Point(150, 150)]).to_numpy(),
        crs=4326,
    )
    sites, _sol, cand = suggest_sites(r, 2, candidates=poles, range_m=40.0)
    assert sites["id"].tolist() == ["PA"]  # PB adds nothing: B is covered already
    assert set(cand["id"]) == {"PA", "PB"} and (sites["source"] == "imported").all()
