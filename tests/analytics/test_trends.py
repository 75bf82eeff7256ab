"""Mann-Kendall and emerging hot spot classes (ArcGIS definitions), by hand and end to end."""

from __future__ import annotations

import h3
import numpy as np
import pandas as pd
import pytest

from gridmap.analytics.incidents import IncidentTable
from gridmap.analytics.trends import (
    TREND_CLASSES,
    emerging_classes,
    emerging_hotspots,
    mann_kendall,
    trend_label,
)
from gridmap.errors import SchemaError

CODE = {c.code: i for i, c in enumerate(TREND_CLASSES)}


def names(codes: np.ndarray) -> list[str]:
    """Signed codes as 'hot:new', 'cold:persistent', 'none'."""
    out = []
    for c in codes.tolist():
        kind = "hot:" if c > 0 else "cold:" if c < 0 else ""
        out.append(kind + TREND_CLASSES[abs(c)].code)
    return out


# --- Mann-Kendall -------------------------------------------------------------------------


def brute_force_mk(x: np.ndarray) -> tuple[int, float]:
    """S and tie-corrected, continuity-corrected z straight from the textbook formulas."""
    n = len(x)
    s = sum(np.sign(x[j] - x[i]) for i in range(n) for j in range(i + 1, n))
    _, t = np.unique(x, return_counts=True)
    var = (n * (n - 1) * (2 * n + 5) - (t * (t - 1) * (2 * t + 5)).sum()) / 18
    z = 0.0 if var == 0 else (s - np.sign(s)) / np.sqrt(var)
    return int(s), float(z)


def test_mann_kendall_on_a_strictly_rising_series_is_significant() -> None:
    r = mann_kendall(np.arange(12.0)[None] ** 1.5)
    assert r.s.tolist() == [66]
    assert r.z[0] > 3 and r.p[0] < 0.001
    falling = mann_kendall(-np.arange(12.0))
    assert int(falling.s) == -66 and float(falling.z) == -float(r.z[0])


def test_mann_kendall_matches_brute_force_with_ties() -> None:
    rng = np.random.default_rng(3)
    series = rng.integers(0, 4, size=(40, 9)).astype(float)  # many ties
    series[0] = 2.0  # constant: no trend, z = 0, p = 1
    r = mann_kendall(series)
    for row, s, z in zip(series, r.s, r.z, strict=True):
        assert (s, pytest.approx(z, abs=1e-12)) == brute_force_mk(row)
    assert r.z[0] == 0 and r.p[0] == 1
    assert r.s.dtype == np.int64 and r.z.shape == (40,)


def test_mann_kendall_rejects_nan() -> None:
    with pytest.raises(SchemaError, match="NaN or infinite"):
        mann_kendall([1.0, np.nan, 2.0])


# --- classes from hand-built Gi* z-scores (10 bins, fdr off so each z speaks alone) ------

HOT, COLD, OFF = 5.0, -5.0, 0.0


def classify(*rows: list[float]) -> list[str]:
    z = np.array(rows, dtype=float)
    return names(emerging_classes(np.ones_like(z), z, fdr=False))


def test_hot_in_every_bin_with_rising_z_is_intensifying() -> None:
    assert classify(list(np.linspace(3, 8, 10))) == ["hot:intensifying"]


def test_hot_in_every_bin_flat_or_falling() -> None:
    assert classify([HOT] * 10, list(np.linspace(8, 3, 10))) == [
        "hot:persistent",
        "hot:diminishing",
    ]


def test_hot_only_in_the_final_bin_is_new() -> None:
    assert classify([OFF] * 9 + [HOT]) == ["hot:new"]


def test_hot_in_early_bins_only_is_historical_when_mostly_hot() -> None:
    """ArcGIS: historical needs >= 90 % hot bins and a final bin that is not hot."""
    assert classify([HOT] * 9 + [OFF], [HOT] * 4 + [OFF] * 6) == ["hot:historical", "none"]


def test_final_runs_and_on_off_histories() -> None:
    assert classify(
        [OFF] * 7 + [HOT] * 3,  # one final run, nothing before: consecutive
        [HOT] + [OFF] * 6 + [HOT] * 3,  # hot before the run, never cold: sporadic
        [COLD] + [OFF] * 7 + [HOT] * 2,  # cold before: oscillating
        [COLD] + [OFF] * 8 + [HOT],  # only hot in the final bin, but cold once: oscillating
    ) == ["hot:consecutive", "hot:sporadic", "hot:oscillating", "hot:oscillating"]


def test_cold_and_quiet_cells_get_no_hot_class() -> None:
    """Never significant: none. Cold cells get ArcGIS's mirrored cold classes, never hot."""
    got = classify([OFF] * 10, [COLD] * 10, [OFF] * 9 + [COLD], [HOT] * 9 + [COLD])
    assert got == ["none", "cold:persistent", "cold:new", "cold:oscillating"]


def test_cells_without_incidents_are_none() -> None:
    z = np.array([[HOT] * 10, [HOT] * 10])
    counts = np.array([[1.0] * 10, [0.0] * 10])
    assert names(emerging_classes(counts, z, fdr=False)) == ["hot:persistent", "none"]


def test_ninety_percent_is_inclusive() -> None:
    assert classify([OFF] + [HOT] * 9) == ["hot:persistent"]  # 9 of 10
    assert classify([OFF] * 2 + [HOT] * 8) == ["hot:consecutive"]  # 8 of 10


def test_emerging_classes_rejects_mismatched_shapes_and_alpha() -> None:
    with pytest.raises(SchemaError, match=r"counts \(2, 3\) and gi_z_per_bin \(2, 4\)"):
        emerging_classes(np.ones((2, 3)), np.ones((2, 4)))
    with pytest.raises(SchemaError, match=r"alpha=1\.5"):
        emerging_classes(np.ones((2, 3)), np.ones((2, 3)), alpha=1.5)


def test_labels() -> None:
    assert [c.zh for c in TREND_CLASSES[1:]] == [
        "新出现",
        "连续",
        "加剧",
        "持续",
        "减弱",
        "零星",
        "振荡",
        "历史",
    ]
    assert trend_label(CODE["intensifying"], "zh") == "加剧热点"
    assert trend_label(-CODE["new"], "en") == "New cold spot"
    assert trend_label(0, "en") == "No pattern"


# --- end to end on an incident table --------------------------------------------------------

CENTRE = h3.latlng_to_cell(36.06, 103.83, 9)
FIELD = sorted(h3.grid_disk(CENTRE, 8))
RING = h3.grid_ring(CENTRE, 5)
RISING, FRESH, FADED = CENTRE, RING[0], RING[15]  # three places 5+ steps apart
MONTHS = pd.date_range("2024-01-01", periods=13, freq="MS")


def city_table(seed: int) -> IncidentTable:
    """12 months of incidents on 217 res-9 cells (stored as res-11 centre children).

    Background Poisson(2) per cell and month; around RISING (k=1) Poisson(8 + 2 m); around
    FRESH Poisson(20) in the last month only; around FADED Poisson(15) in months 0..10.
    """
    rng = np.random.default_rng(seed)
    near = {x: set(h3.grid_disk(x, 1)) for x in (RISING, FRESH, FADED)}
    child = {x: h3.str_to_int(h3.cell_to_center_child(x, 11)) for x in FIELD}
    cells: list[int] = []
    times: list[int] = []
    for m in range(12):
        lo, hi = MONTHS[m].value // 10**9, MONTHS[m + 1].value // 10**9
        for x in FIELD:
            lam = 2.0
            if x in near[RISING]:
                lam = 8.0 + 2.0 * m
            elif x in near[FRESH] and m == 11:
                lam = 20.0
            elif x in near[FADED] and m < 11:
                lam = 15.0
            n = int(rng.poisson(lam))
            cells += [child[x]] * n
            times += rng.integers(lo, hi, n).tolist()
    t = np.array(times, dtype=np.int64)
    order = np.argsort(t, kind="stable")
    n = t.size
    return IncidentTable(
        occurred_s=t[order],
        closed_s=np.full(n, -1, np.int64),
        category=np.zeros(n, np.int8),
        handling=np.zeros(n, np.int8),
        cell=np.array(cells, dtype=np.uint64)[order],
        grid=np.zeros(n, np.int32),
        grid_codes=("620102001001",),
    )


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_emerging_hotspots_finds_rising_new_and_faded_places(seed: int) -> None:
    table = city_table(seed)
    out = emerging_hotspots(table, np.arange(len(table)), res=9, bin="month").set_index("cell")
    assert len(out) == len(FIELD) and out.index.is_monotonic_increasing
    assert out.loc[RISING, ["trend_class", "spot"]].tolist() == ["intensifying", "hot"]
    assert out.loc[RISING, "mk_z"] > 0 and out.loc[RISING, "mk_p"] < 0.05
    assert out.loc[RISING, "hot_bins"] == 12
    assert out.loc[FRESH, ["trend_class", "spot", "hot_bins"]].tolist() == ["new", "hot", 1]
    assert out.loc[FADED, ["trend_class", "spot"]].tolist() == ["historical", "hot"]
    assert out.loc[FADED, "mk_z"] < 0
    far = [c for c in FIELD if h3.grid_distance(c, CENTRE) == 8]
    assert (out.loc[far, "trend_class"] == "none").mean() > 0.9
    assert out["count"].sum() == len(table)
    assert set(out["spot"]) <= {"hot", "cold", "none"}


def test_emerging_hotspots_by_week_and_on_a_subset() -> None:
    table = city_table(0)
    # 2024-01-01 is a Monday, so weeks run Monday..Sunday from the first incident.
    weekly = emerging_hotspots(table, np.arange(len(table)), res=9, bin="week")
    assert len(weekly) == len(FIELD)
    assert weekly.loc[weekly["cell"] == FRESH, "trend_class"].item() != "none"
    # Coarser cells are parents of the stored res-11 cells.
    coarse = emerging_hotspots(table, np.arange(len(table)), res=7, bin="month")
    assert coarse["count"].sum() == len(table) and len(coarse) < 10
    empty = emerging_hotspots(table, np.zeros(0, dtype=np.int64), res=9)
    assert empty.empty and "trend_class" in empty.columns


def test_emerging_hotspots_rejects_bad_arguments() -> None:
    table = city_table(0)
    idx = np.arange(10)
    with pytest.raises(SchemaError, match="bin='day'; allowed: 'week', 'month'"):
        emerging_hotspots(table, idx, res=9, bin="day")  # type: ignore[arg-type]
    with pytest.raises(SchemaError, match="finer than cells of resolution 11"):
        emerging_hotspots(table, idx, res=12)
    coarse = h3.str_to_int(h3.cell_to_parent(FIELD[0], 8))
    with pytest.raises(SchemaError, match=r"cells of several resolutions \[8, 9\]"):
        emerging_hotspots(table, idx, res=9, cells=[coarse])
