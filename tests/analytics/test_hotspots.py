"""Getis-Ord Gi* on H3 cells: weights, z-scores against esda, FDR classes, planted clusters."""

from __future__ import annotations

import h3
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from gridmap.analytics.hotspots import (
    HOTSPOT_CLASSES,
    fdr_classes,
    getis_ord_gi_star,
    hotspots,
    kring_weights,
    two_sided_p,
)
from gridmap.errors import SchemaError
from gridmap.indexing import cells_to_str, grid_disk_pairs

CENTRE = h3.latlng_to_cell(36.06, 103.83, 9)  # Lanzhou, Chengguan district


def disk(centre: str, k: int) -> np.ndarray:
    """Sorted uint64 cells within ``k`` steps of ``centre``."""
    return np.array(sorted(h3.str_to_int(c) for c in h3.grid_disk(centre, k)), dtype=np.uint64)


FIELD = disk(CENTRE, 8)  # 217 res-9 cells
CLUSTER = np.isin(FIELD, disk(CENTRE, 2))  # the 19 cells within 2 steps of the centre


def planted(seed: int) -> np.ndarray:
    """Background Poisson(1), a k=2 disk of Poisson(8) around the centre."""
    rng = np.random.default_rng(seed)
    counts = rng.poisson(1.0, FIELD.size)
    counts[CLUSTER] = rng.poisson(8.0, int(CLUSTER.sum()))
    return counts


# --- weights ----------------------------------------------------------------------------


def test_kring_weights_match_h3_grid_disk_within_the_set() -> None:
    """Every pair (i, j) with cells[j] in h3.grid_disk(cells[i], k), self included."""
    rng = np.random.default_rng(7)
    cells = rng.permutation(FIELD)[:150]  # holes and an irregular edge, unsorted
    for k in (1, 2):
        w = kring_weights(cells, k)
        present = {int(c): i for i, c in enumerate(cells)}
        expected = np.zeros((cells.size, cells.size))
        for i, c in enumerate(cells):
            for other in h3.grid_disk(h3.int_to_str(int(c)), k):
                j = present.get(h3.str_to_int(other))
                if j is not None:
                    expected[i, j] = 1.0
        assert w.shape == (150, 150) and w.has_sorted_indices
        np.testing.assert_array_equal(w.toarray(), expected)
        assert (w.diagonal() == 1).all() and (w != w.T).nnz == 0


def test_kring_weights_interior_cell_has_seven_neighbours_with_itself() -> None:
    w = kring_weights(FIELD, 1)
    centre = int(np.searchsorted(FIELD, h3.str_to_int(CENTRE)))
    assert w[centre].nnz == 7
    assert kring_weights(FIELD, 0).nnz == FIELD.size  # k = 0: only the diagonal


def test_grid_disk_pairs_rejects_repeated_and_empty_cells() -> None:
    with pytest.raises(SchemaError, match="repeated cell"):
        grid_disk_pairs(np.array([FIELD[0], FIELD[0]]), 1)
    with pytest.raises(SchemaError, match=r"0 \(no cell\)"):
        grid_disk_pairs(np.array([0, FIELD[0]], dtype=np.uint64), 1)
    mixed = np.array([FIELD[0], h3.str_to_int(h3.cell_to_parent(CENTRE, 8))], dtype=np.uint64)
    with pytest.raises(SchemaError, match=r"several resolutions \[8, 9\]"):
        grid_disk_pairs(mixed, 1)
    with pytest.raises(SchemaError, match="grid distance k=-1"):
        grid_disk_pairs(FIELD, -1)
    i, j = grid_disk_pairs(np.zeros(0, dtype=np.uint64), 1)
    assert i.size == j.size == 0


# --- Gi* against esda ---------------------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("k", [1, 2])
def test_gi_star_equals_esda_g_local(seed: int, k: int) -> None:
    """Same z-scores as esda.G_Local(star=True, transform='B') on a W from the same lists."""
    esda = pytest.importorskip("esda")
    libpysal = pytest.importorskip("libpysal")
    counts = planted(seed).astype(float)
    i, j = grid_disk_pairs(FIELD, k)
    off = i != j  # esda puts the self-weight of 1 on the diagonal itself (star=True)
    neighbours: dict[int, list[int]] = {a: [] for a in range(FIELD.size)}
    for a, b in zip(i[off].tolist(), j[off].tolist(), strict=True):
        neighbours[a].append(b)
    w = libpysal.weights.W(neighbours, silence_warnings=True)
    expected = esda.G_Local(counts, w, star=True, transform="B", permutations=0).Zs
    z = getis_ord_gi_star(counts, kring_weights(FIELD, k))
    np.testing.assert_allclose(z, expected, rtol=0, atol=1e-9)


def test_gi_star_columns_are_independent_variables() -> None:
    w = kring_weights(FIELD, 1)
    a, b = planted(3).astype(float), planted(4).astype(float)
    both = getis_ord_gi_star(np.column_stack([a, b]), w)
    np.testing.assert_allclose(both[:, 0], getis_ord_gi_star(a, w), atol=1e-12)
    np.testing.assert_allclose(both[:, 1], getis_ord_gi_star(b, w), atol=1e-12)


def test_gi_star_of_a_constant_field_is_zero_not_nan() -> None:
    w = kring_weights(FIELD, 1)
    assert (getis_ord_gi_star(np.zeros(FIELD.size), w) == 0).all()
    assert (getis_ord_gi_star(np.full(FIELD.size, 4.0), w) == 0).all()


def test_gi_star_rejects_bad_input() -> None:
    w = kring_weights(FIELD, 1)
    with pytest.raises(SchemaError, match=r"values of shape \(3,\) need n x n weights"):
        getis_ord_gi_star([1.0, 2.0, 3.0], w)
    with pytest.raises(SchemaError, match="NaN or infinite"):
        getis_ord_gi_star(np.full(FIELD.size, np.nan), w)


# --- FDR classes --------------------------------------------------------------------------


def test_fdr_classes_levels_and_signs() -> None:
    z = np.array([4.0, 2.2, 0.3, -3.5, -1.0])
    assert fdr_classes(z).tolist() == [3, 2, 0, -3, 0]
    assert fdr_classes(np.array([np.nan, 5.0])).tolist() == [0, 3]
    assert fdr_classes(np.zeros(0)).tolist() == []


def test_fdr_classes_follow_benjamini_hochberg() -> None:
    """Brute-force BH (step-up) at each level on random z-scores."""
    rng = np.random.default_rng(11)
    z = np.concatenate([rng.normal(0, 1, 300), rng.normal(3, 1, 30), rng.normal(-3, 1, 10)])
    p = two_sided_p(z)
    m = p.size
    level = np.zeros(m, dtype=int)
    for alpha in (0.10, 0.05, 0.01):
        ranked = np.sort(p)
        passing = [r for r in range(1, m + 1) if ranked[r - 1] <= r / m * alpha]
        if passing:
            level += p <= ranked[max(passing) - 1]
    assert fdr_classes(z).tolist() == (np.sign(z).astype(int) * level).tolist()


def test_fdr_classes_rejects_bad_alphas() -> None:
    with pytest.raises(SchemaError, match=r"alphas \(0\.1, 1\.5\)"):
        fdr_classes([1.0], alphas=(0.1, 1.5))


def test_class_labels_are_bilingual() -> None:
    assert HOTSPOT_CLASSES[3].label("zh") == "热点 99%"
    assert HOTSPOT_CLASSES[3].label("en") == "Hot spot 99%"
    assert HOTSPOT_CLASSES[0].label("zh") == "不显著"
    assert HOTSPOT_CLASSES[-3].label("en") == "Cold spot 99%"
    assert sorted(HOTSPOT_CLASSES) == [-3, -2, -1, 0, 1, 2, 3]


# --- planted cluster and pure noise ------------------------------------------------------


@pytest.mark.parametrize("seed", range(5))
def test_planted_cluster_is_hot_at_99_percent(seed: int) -> None:
    counts = planted(seed)
    out = hotspots(pd.DataFrame({"cell": cells_to_str(FIELD), "count": counts}))
    assert out["cell"].tolist() == cells_to_str(FIELD).tolist()
    cls = out["hotspot_class"].to_numpy()
    inner = np.isin(FIELD, disk(CENTRE, 1))
    assert (cls[inner] == 3).all()  # the centre and its ring: hot at 99 %
    assert (cls[CLUSTER] == 3).sum() >= 16  # edge cells of the disk have fewer hot neighbours
    assert (cls[~CLUSTER] <= 0).sum() >= 190 and (cls < 0).sum() == 0


def test_uniform_noise_has_no_significant_cell_after_fdr() -> None:
    """Poisson(1) everywhere: at most a stray chance clump at 90-95 %, never 99 %.

    Seed 0 has none; over 20 seeds the 90 % level flags a few cells in a few seeds, as a
    false discovery rate of 10 % with positively correlated tests allows.
    """
    rng = np.random.default_rng(0)
    out = hotspots(pd.DataFrame({"cell": FIELD, "count": rng.poisson(1.0, FIELD.size)}))
    assert (out["hotspot_class"] == 0).all()
    flagged = []
    for seed in range(20):
        counts = np.random.default_rng(seed).poisson(1.0, FIELD.size)
        cls = hotspots(pd.DataFrame({"cell": FIELD, "count": counts}))["hotspot_class"]
        assert (cls.abs() == 3).sum() == 0
        flagged.append(int((cls != 0).sum()))
    assert max(flagged) <= 4 and sum(flagged) <= 10


# --- the DataFrame adapter ---------------------------------------------------------------


def test_hotspots_accepts_int64_and_hex_cells_and_a_study_area() -> None:
    counts = planted(5)
    keep = counts > 0
    by_int = hotspots(pd.DataFrame({"cell": FIELD[keep].view(np.int64), "count": counts[keep]}))
    by_hex = hotspots(pd.DataFrame({"cell": cells_to_str(FIELD[keep]), "count": counts[keep]}))
    pd.testing.assert_frame_equal(by_int, by_hex)
    assert len(by_int) == keep.sum()
    with_area = hotspots(
        pd.DataFrame({"cell": cells_to_str(FIELD[keep]), "count": counts[keep]}), cells=FIELD
    )
    assert len(with_area) == FIELD.size
    assert with_area["count"].tolist() == counts.tolist()
    w = kring_weights(FIELD, 1)
    np.testing.assert_allclose(with_area["z"], getis_ord_gi_star(counts, w), atol=1e-12)
    np.testing.assert_allclose(with_area["p"], two_sided_p(with_area["z"]), atol=0)
    assert list(with_area.columns) == ["cell", "count", "z", "p", "hotspot_class"]


def test_hotspots_reports_every_input_problem() -> None:
    bad = pd.DataFrame({"cell": [FIELD[0], FIELD[0], 0], "count": [1, -2, 3]})
    with pytest.raises(SchemaError, match=r"'count' must be .*empty cells .*repeats 1 cell"):
        hotspots(bad)
    with pytest.raises(SchemaError, match=r"lacks column\(s\) \['count'\]"):
        hotspots(pd.DataFrame({"cell": FIELD}))
    with pytest.raises(SchemaError, match="not H3 cells"):
        hotspots(pd.DataFrame({"cell": ["zzz"], "count": [1]}))


def test_hotspots_of_nothing_is_an_empty_frame() -> None:
    out = hotspots(pd.DataFrame({"cell": np.zeros(0, dtype=np.uint64), "count": []}))
    assert out.empty and list(out.columns) == ["cell", "count", "z", "p", "hotspot_class"]


def test_weights_are_sparse_csr() -> None:
    assert isinstance(kring_weights(FIELD, 1), sp.csr_matrix)
