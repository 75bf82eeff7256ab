"""Rolling-origin forecast backtests (issue 14): PAI/PEI over the whole study area,
baselines always present, fair ties, an honest selection, and the SEPP fit.

The synthetic city: the res-9 cells within 12 steps of a Lanzhou cell (469 cells); two
years of incidents at random res-11 children, most of them in a few persistent hot cells.
"""

from __future__ import annotations

import datetime as dt
import json
import math

import h3
import numpy as np
import pandas as pd
import pytest

from gridmap.analytics import forecast as fc
from gridmap.analytics.backtest import _fair_hits, rolling_backtest
from gridmap.analytics.incidents import IncidentTable, incident_table
from gridmap.cli import main
from gridmap.errors import SchemaError

CENTRE = h3.latlng_to_cell(36.06, 103.83, 9)
AREA_STR = sorted(h3.grid_disk(CENTRE, 12))
AREA = np.array(sorted(h3.str_to_int(c) for c in AREA_STR), dtype=np.uint64)


def city(seed: int = 5, n: int = 6000) -> tuple[IncidentTable, pd.DataFrame]:
    """Incidents of 2023-2024 in AREA: 60 % in 15 hot cells, the rest anywhere; plus a few
    outside the area (they must be ignored)."""
    rng = np.random.default_rng(seed)
    hot = rng.choice(len(AREA_STR), 15, replace=False)
    parent = np.where(rng.random(n) < 0.6, rng.choice(hot, n), rng.integers(0, len(AREA_STR), n))
    kids = [sorted(h3.cell_to_children(c, 11)) for c in AREA_STR]
    cells = [kids[p][rng.integers(0, 7)] for p in parent]
    cells += [h3.latlng_to_cell(36.5, 104.5, 11)] * 20  # far outside the city
    times = pd.Timestamp("2023-01-01") + pd.to_timedelta(
        rng.integers(0, 731 * 24 * 60, len(cells)), unit="min"
    )
    frame = pd.DataFrame(
        {
            "occurred_at": times,
            "category": "ecology",
            "handling_class": "general",
            "grid_code": None,
            "h3_cell": [h3.str_to_int(c) for c in cells],
        }
    )
    frame["h3_cell"] = frame["h3_cell"].astype(np.uint64).astype(np.int64)
    return incident_table(frame, []), frame.assign(cell=cells)


TABLE, FRAME = city()


@pytest.fixture(scope="module")
def weekly() -> object:
    return rolling_backtest(
        TABLE, AREA, res=9, horizon=7, methods=["decay_30d", "kde_300m", "blend_25", "sepp"]
    )


def test_all_history_pai_equals_a_plain_pandas_computation(weekly) -> None:
    # Independent: h3-py parents, pandas groupby counts, the documented tie rule.
    df = FRAME.assign(parent=[h3.cell_to_parent(c, 9) for c in FRAME["cell"]])
    df = df[df["parent"].isin(AREA_STR)]
    n = len(AREA_STR)
    k = math.ceil(0.05 * n)
    hits = total = 0.0
    for origin in weekly.origins:
        o = pd.Timestamp(origin)
        train = df[df["occurred_at"] < o].groupby("parent").size()
        score = train.reindex(AREA_STR, fill_value=0)
        in_test = (df["occurred_at"] >= o) & (df["occurred_at"] < o + pd.Timedelta(days=7))
        test = df[in_test].groupby("parent").size().reindex(AREA_STR, fill_value=0)
        cut = score.sort_values(ascending=False).iloc[k - 1]
        above, tied = score > cut, score == cut
        hits += test[above].sum() + (k - above.sum()) / tied.sum() * test[tied].sum()
        total += test.sum()
    expected = hits / total / (k / n)
    row = weekly.rows.set_index("method").loc["all_history"]
    assert row["pai_5"] == pytest.approx(expected, rel=1e-12)
    assert weekly.area_cells == n and weekly.incidents_outside == 20


def test_every_result_has_the_baselines_and_the_selection_never_loses_to_them(weekly) -> None:
    monthly = rolling_backtest(TABLE, AREA, res=9, horizon=30, methods=["decay_7d"])
    for result in (weekly, monthly):
        rows = result.rows.set_index("method")
        assert set(fc.BASELINES) <= set(rows.index)
        assert rows.loc[list(fc.BASELINES), "baseline"].all()
        assert rows.loc[result.selected, "pai_5"] >= rows.loc[list(fc.BASELINES), "pai_5"].max()
        assert result.gain >= 0
    assert len(weekly.origins) == 52 and len(monthly.origins) == 12
    # Intervals bracket the pooled values; PEI never exceeds 1.
    r = weekly.rows
    assert ((r["pai_5_lo"] <= r["pai_5"]) & (r["pai_5"] <= r["pai_5_hi"])).all()
    assert (r[["pei_1", "pei_5", "pei_10"]] <= 1 + 1e-12).all().all()


def test_the_bootstrap_is_deterministic_for_a_seed() -> None:
    a = rolling_backtest(TABLE, AREA, res=9, horizon=14, methods=["decay_30d"], seed=3)
    b = rolling_backtest(TABLE, AREA, res=9, horizon=14, methods=["decay_30d"], seed=3)
    c = rolling_backtest(TABLE, AREA, res=9, horizon=14, methods=["decay_30d"], seed=4)
    pd.testing.assert_frame_equal(a.rows, b.rows)
    assert not a.rows["pai_5_lo"].equals(c.rows["pai_5_lo"])


def test_ties_are_shared_so_cell_order_cannot_win() -> None:
    rng = np.random.default_rng(0)
    test = rng.poisson(1.0, 200).astype(float)
    flat = np.zeros(200)  # a map that knows nothing: every cell tied
    assert _fair_hits(flat, test, [10])[0] == pytest.approx(10 / 200 * test.sum())
    # The same scores in another cell order give the same hits.
    scores = rng.integers(0, 3, 200).astype(float)
    perm = rng.permutation(200)
    assert _fair_hits(scores, test, [7, 20]) == pytest.approx(
        _fair_hits(scores[perm], test[perm], [7, 20])
    )


def test_sepp_recovers_the_triggering_of_a_simulated_hawkes_process() -> None:
    rng = np.random.default_rng(1)
    lat0 = 36.06
    lon_c, lat_c = (
        np.array(v) for v in zip(*(h3.cell_to_latlng(c)[::-1] for c in AREA_STR), strict=True)
    )
    xy_c = fc.to_metres(lon_c, lat_c, lat0)
    space = fc.CellSpace(cells=AREA, xy=xy_c, res=9)
    theta, omega, sigma = 0.4, 1 / 5, 60.0
    n_bg = 4000
    t = rng.uniform(0, 730, n_bg)
    xy = xy_c[rng.integers(0, len(AREA), n_bg)] + rng.normal(0, 150, (n_bg, 2))
    times, places = [t], [xy]
    while len(t):  # generations of offspring
        kids = rng.poisson(theta, len(t))
        t = np.repeat(t, kids) + rng.exponential(1 / omega, kids.sum())
        xy = np.repeat(xy, kids, axis=0) + rng.normal(0, sigma, (kids.sum(), 2))
        times.append(t)
        places.append(xy)
    day = np.concatenate(times)
    pts = np.concatenate(places)
    keep = day < 730
    order = np.argsort(day[keep])
    day, pts = day[keep][order], pts[keep][order]
    from scipy.spatial import cKDTree

    pos = cKDTree(xy_c).query(pts)[1]
    events = fc.Events(day=day, pos=pos.astype(np.int64), xy=pts)
    fit = fc.fit_sepp(events, space, start=0.0, stop=730.0)
    assert fit.theta == pytest.approx(theta, abs=0.1)
    assert 1 / fit.omega == pytest.approx(1 / omega, rel=0.35)
    assert fit.sigma_m == pytest.approx(sigma, rel=0.3)


def test_bad_arguments_fail_in_one_line() -> None:
    with pytest.raises(SchemaError, match=r"--horizon 5x: allowed a number of days"):
        rolling_backtest(TABLE, AREA, horizon="5x")
    with pytest.raises(SchemaError, match=r"unknown forecast method\(s\) kde_wide"):
        rolling_backtest(TABLE, AREA, methods=["kde_wide"])
    with pytest.raises(SchemaError, match=r"the test windows must lie between 2023-01-29"):
        rolling_backtest(TABLE, AREA, start=dt.date(2022, 6, 1))
    with pytest.raises(SchemaError, match=r"origins=0 \(allowed: an integer >= 1\)"):
        rolling_backtest(TABLE, AREA, origins=0)
    with pytest.raises(SchemaError, match=r"study area has no cells"):
        rolling_backtest(TABLE, np.zeros(0, dtype=np.uint64))


def _strict(text: str) -> object:
    def refuse(token: str) -> object:
        raise AssertionError(f"not strict JSON: {token}")

    return json.loads(text, parse_constant=refuse)


def test_cli_backtest_json_is_strict_and_risk_cells_cover_the_study_area(
    busy_workspace, tmp_path, capsys
) -> None:
    ws = str(busy_workspace)
    assert main(["backtest", ws, "--horizon", "14", "--res", "11", "--json"]) == 0
    out = _strict(capsys.readouterr().out)
    assert isinstance(out, dict)
    methods = [r["method"] for r in out["rows"]]
    assert methods[:3] == list(fc.BASELINES) and out["selected"] in methods
    assert {"pai_5", "pei_5", "pai_5_lo", "pai_5_hi", "baseline"} <= set(out["rows"][0])
    cells = tmp_path / "cells.csv"
    assert main(["risk", ws, "--level", "cell", "--res", "11", "--out", str(cells)]) == 0
    frame = pd.read_csv(cells)
    assert list(frame.columns) == ["cell", "score", "method"]
    assert len(frame) == out["area_cells"] and frame["cell"].is_unique
    assert main(["backtest", ws, "--horizon", "2w"]) == 2
    err = capsys.readouterr().err
    assert "--horizon 2w: allowed" in err and "Traceback" not in err


def test_the_old_single_cutoff_form_still_works(busy_workspace, capsys) -> None:
    ws = str(busy_workspace)
    assert main(["backtest", ws, "--cutoff", "2025-10-01", "--k-ring", "0", "--json"]) == 0
    out = _strict(capsys.readouterr().out)
    assert isinstance(out, dict) and out["cutoff"] == "2025-10-01" and len(out["rows"]) == 4


def test_month_horizons_step_by_calendar_months() -> None:
    result = rolling_backtest(TABLE, AREA, res=9, horizon="1m", methods=["decay_30d"])
    assert [d.day for d in result.origins] == [1] * 12
    assert result.origins[-1] == dt.date(2024, 12, 1) and result.horizon == "1m"
    assert result.rows["horizon_days"].iloc[0] == 30


def test_the_method_choice_says_it_in_both_languages(
    busy_workspace,
) -> None:
    from gridmap.analytics.backtest import select_method
    from gridmap.loading import load_incident_table
    from gridmap.store import open_workspace

    ws = open_workspace(str(busy_workspace))
    first = select_method(load_incident_table(ws), ws.read_grids(), horizon=14, res=11)
    assert first.selected in first.rows["method"].tolist()
    # The sentence the pages show for this choice (worded in gridmap.ui.forecast).
    from gridmap.ui.forecast import ForecastStatus, risk_sentence

    status = ForecastStatus(first, "", 365, 14)

    def sentence(lang: str) -> str:
        return risk_sentence(status, lang)

    if first.selected in fc.BASELINES:
        assert "简单计数" in sentence("zh") and "plain counting" in sentence("en")
    else:
        assert "多覆盖" in sentence("zh") and "more incidents" in sentence("en")


def test_a_block_denser_than_the_pair_cap_keeps_its_newest_incidents() -> None:
    """A big city's newest block alone can hold tens of millions of pairs: the fit keeps the
    newest incidents whose pairs fit the cap, and every pair among them."""
    from gridmap.analytics.forecast import _trigger_pairs

    rng = np.random.default_rng(0)
    day = np.sort(rng.uniform(0, 5, 1500))  # one block: everything within max_days
    xy = rng.uniform(0, 50, (1500, 2))  # and within max_metres
    parent, child, _dt, _d2, cut = _trigger_pairs(day, xy, 30.0, 200.0, 10_000)
    assert cut > 0
    assert 0 < parent.size <= 10_000
    every, every_child, *_rest, no_cut = _trigger_pairs(day, xy, 30.0, 200.0, 10**9)
    assert no_cut == 0 and every.size > 100_000
    newest = every >= cut
    assert set(zip(every[newest] - cut, every_child[newest] - cut, strict=True)) == set(
        zip(parent, child, strict=True)
    )
