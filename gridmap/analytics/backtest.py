"""Does yesterday's risk map find tomorrow's incidents? Hit rate and PAI on H3 cells.

The risk ranking is built from the incidents of a training window before a cutoff date
(weighted and decayed exactly as :func:`gridmap.analytics.risk.weighted_counts` does, with
the cutoff as the end of the window) and judged on the incidents of the test window that
follows. For the top ``x`` share of the study area's cells:

- **hit rate** = test incidents in the flagged cells / test incidents in the area;
- **area share** = flagged cells / cells in the area (H3 cells at one resolution are
  close to equal in area, so a cell share is an area share);
- **PAI** (Predictive Accuracy Index, Chainey, Tompson & Uhlig 2008) = hit rate / area
  share: how many times better than flagging cells at random (PAI 1);
- **PEI** (Predictive Efficiency Index, Hunt 2016) = hits / the most hits any choice of
  the same number of cells could have made (1 is the best possible).

References
----------
Chainey, S., Tompson, L., & Uhlig, S. (2008). The utility of hotspot mapping for predicting
spatial patterns of crime. *Security Journal* 21, 4-28.

Hunt, J. M. (2016). Do crime hot spots move? Exploring the effects of the modifiable
areal unit problem and modifiable temporal unit problem on crime hot spot stability.
PhD thesis, American University.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import replace

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from .. import schema
from ..errors import SchemaError
from ..indexing import cell_parents
from .hotspots import kring_weights
from .incidents import IncidentFilter, IncidentTable, select
from .risk import RiskSettings, day_start_s, weighted_counts

__all__ = ["backtest", "compare_settings"]

_DEFAULT_SETTINGS = RiskSettings()


def _cells_of(table: IncidentTable, idx: NDArray[np.int64], res: int) -> NDArray[np.uint64]:
    cells = table.cell[idx]
    return cells if res == schema.POINT_RES else cell_parents(cells, res)


def backtest(
    table: IncidentTable,
    *,
    cutoff: dt.date,
    train_days: int = 180,
    test_days: int = 30,
    res: int = 9,
    settings: RiskSettings = _DEFAULT_SETTINGS,
    fractions: Sequence[float] = (0.01, 0.05, 0.10),
    area_cells: ArrayLike | None = None,
) -> pd.DataFrame:
    """Hit rate and PAI of the risk ranking at each share of the area flagged.

    Parameters
    ----------
    table
        All incidents.
    cutoff
        First day of the test window. Training uses the ``train_days`` days before it
        (``cutoff - train_days`` .. ``cutoff - 1``), testing the ``test_days`` days from it.
    res
        H3 resolution of the cells ranked (parents of the stored res-11 cells), 0..11.
    settings
        Weights and half-life of the training risk (the cutoff is the end of the window),
        and ``k_ring``: rank cells by the sum over their k-disc within the area (the
        ranking of :func:`gridmap.analytics.risk.cell_risk`'s disc mean).
    fractions
        Shares of the area's cells to flag, each in (0, 1].
    area_cells
        The study area's cells at ``res`` (e.g. every cell covering the city). Test
        incidents outside them are not counted. Default: every cell with at least one
        located incident in the training or the test window — which overstates the share
        of a wider area a flagged cell stands for, so PAI is lower than against the city.

    Returns
    -------
    pandas.DataFrame
        One row per fraction: ``fraction``, ``cells_flagged`` (``ceil(fraction * area)``,
        at least 1), ``area_cells``, ``area_share = cells_flagged / area_cells``,
        ``hits`` (test incidents in flagged cells), ``test_incidents`` (located test
        incidents in the area), ``hit_rate = hits / test_incidents``,
        ``pai = hit_rate / area_share``, ``best_hits`` and ``pei = hits / best_hits``.
        Ratios are NaN when their denominator is 0. ``train_incidents`` is in ``attrs``.

    Notes
    -----
    Cells are ranked by training risk, highest first, ties (including all cells without
    training incidents) broken by ascending cell id, so the result is deterministic.

    Examples
    --------
    If the test month repeats the training month's single hot cell in an area of 10
    cells, flagging 10 % (that cell) catches every test incident: hit rate 1, PAI 10.
    """
    problems = []
    if not (isinstance(train_days, int) and train_days > 0):
        problems.append(f"train_days={train_days!r} (allowed: an integer > 0)")
    if not (isinstance(test_days, int) and test_days > 0):
        problems.append(f"test_days={test_days!r} (allowed: an integer > 0)")
    if not (isinstance(res, int) and 0 <= res <= schema.POINT_RES):
        problems.append(f"res={res!r} (allowed: an integer 0..{schema.POINT_RES})")
    bad = [f for f in fractions if not (isinstance(f, int | float) and 0 < f <= 1)]
    if bad or not len(fractions):
        problems.append(f"fractions={tuple(fractions)!r} (allowed: one or more numbers in (0, 1])")
    if problems:
        raise SchemaError("invalid backtest arguments: " + "; ".join(problems))

    day = dt.timedelta(days=1)
    train = select(table, IncidentFilter(cutoff - train_days * day, cutoff - day))
    test = select(table, IncidentFilter(cutoff, cutoff + (test_days - 1) * day))
    train = train[table.cell[train] != 0]
    test = test[table.cell[test] != 0]
    train_cells = _cells_of(table, train, res)
    test_cells = _cells_of(table, test, res)

    if area_cells is None:
        area = np.union1d(train_cells, test_cells)
    else:
        area = np.unique(np.asarray(area_cells, dtype=np.uint64).ravel())
        area = area[area != 0]
    n_area = area.size

    def positions(cells: NDArray[np.uint64]) -> tuple[NDArray[np.intp], NDArray[np.bool_]]:
        pos = np.minimum(np.searchsorted(area, cells), max(n_area - 1, 0))
        inside = area[pos] == cells if n_area else np.zeros(cells.size, dtype=bool)
        return pos, inside

    w = weighted_counts(table, train, settings=settings, end_s=day_start_s(cutoff))
    pos, inside = positions(train_cells)
    risk = np.bincount(pos[inside], weights=w[inside], minlength=n_area)
    if settings.k_ring > 0 and n_area:
        # The same disc mean as cell_risk: each cell's k-disc over the area, itself once.
        ring = kring_weights(area, settings.k_ring)
        risk = np.asarray(ring @ risk).ravel() - ring.diagonal() * risk + risk
    pos, inside = positions(test_cells)
    test_counts = np.bincount(pos[inside], minlength=n_area)
    n_test = int(test_counts.sum())

    # Highest risk first; lexsort's last key is primary, and area is sorted by cell id.
    ranking = np.lexsort((np.arange(n_area), -risk))
    hits_cum = np.concatenate([[0], np.cumsum(test_counts[ranking])])
    best_cum = np.concatenate([[0], np.cumsum(np.sort(test_counts)[::-1])])

    rows = []
    for f in fractions:  # a handful of fractions, not incidents
        k = min(max(1, math.ceil(f * n_area - 1e-9)), n_area)
        share = k / n_area if n_area else math.nan
        hits = int(hits_cum[k]) if n_area else 0
        best = int(best_cum[k]) if n_area else 0
        hit_rate = hits / n_test if n_test else math.nan
        rows.append(
            {
                "fraction": float(f),
                "cells_flagged": k,
                "area_cells": n_area,
                "area_share": share,
                "hits": hits,
                "test_incidents": n_test,
                "hit_rate": hit_rate,
                "pai": hit_rate / share if n_area and n_test else math.nan,
                "best_hits": best,
                "pei": hits / best if best else math.nan,
            }
        )
    out = pd.DataFrame(rows)
    out.attrs["train_incidents"] = len(train)
    return out


def compare_settings(
    table: IncidentTable,
    *,
    cutoff: dt.date,
    half_lives: Sequence[float] = (7.0, 30.0, 90.0, math.inf),
    k_rings: Sequence[int] = (0, 1),
    train_days: int = 180,
    test_days: int = 30,
    res: int = 9,
    fractions: Sequence[float] = (0.01, 0.05, 0.10),
    base: RiskSettings = _DEFAULT_SETTINGS,
) -> pd.DataFrame:
    """:func:`backtest` for every half-life x k-ring, so decay and smoothing are chosen on
    evidence: one row per setting with ``hit_rate_<pct>`` and ``pai_<pct>`` per fraction
    (e.g. ``pai_5`` for the top 5 %), best PAI at the middle fraction first.

    Every setting is judged on the same area (cells with an incident in the training or the
    test window) so the numbers compare.
    """
    rows = []
    for h in half_lives:
        for k in k_rings:
            settings = replace(base, half_life_days=h, k_ring=k)  # validated again
            result = backtest(
                table,
                cutoff=cutoff,
                train_days=train_days,
                test_days=test_days,
                res=res,
                settings=settings,
                fractions=fractions,
            )
            row: dict[str, float | int] = {"half_life_days": float(h), "k_ring": int(k)}
            for f, hit, pai in zip(
                result["fraction"], result["hit_rate"], result["pai"], strict=True
            ):
                pct = f"{100 * float(f):g}"
                row[f"hit_rate_{pct}"] = float(hit)
                row[f"pai_{pct}"] = float(pai)
            row["test_incidents"] = int(result["test_incidents"].iloc[0])
            rows.append(row)
    out = pd.DataFrame(rows)
    middle = f"pai_{100 * sorted(fractions)[len(fractions) // 2]:g}"
    return out.sort_values(middle, ascending=False, kind="stable").reset_index(drop=True)
