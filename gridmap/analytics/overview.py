"""Grid risk table for pages and the CLI: scores, hot-spot and trend class, and a sentence.

Gi* and emerging-hot-spot classes are computed on H3 cells; a grid takes the class of the
cell that holds most of its incidents in the window (ties: the more significant class), so
that a grid's label describes where its incidents actually are.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from .. import schema
from ..i18n import t
from ..indexing import cell_parents, cells_to_str
from .explain import explain_grid
from .hotspots import hotspots
from .incidents import IncidentFilter, IncidentTable, counts_by_cell, select
from .risk import (
    RiskSettings,
    admin_rollup,
    compare_periods,
    counts_by_grid_category,
    day_start_s,
    grid_risk,
)
from .trends import emerging_hotspots

__all__ = ["CellLayers", "admin_overview", "cell_layers", "cell_owners", "grid_overview"]

#: The unit of grids outside the scope of an admin overview.
UNKNOWN = "(none)"


class CellLayers:
    """Per-cell counts, Gi* classes and emerging-trend classes of one selection."""

    def __init__(self, counts: pd.DataFrame, spots: pd.DataFrame, trends: pd.DataFrame) -> None:
        self.counts = counts
        self.spots = spots
        self.trends = trends


def cell_layers(
    table: IncidentTable, idx: NDArray[np.int64], *, res: int, bin: str = "month"
) -> CellLayers:
    """Counts, hot spots (Gi*, k=1, FDR) and emerging trends on cells at ``res``."""
    counts = counts_by_cell(table, idx, res)
    spots = hotspots(counts) if len(counts) else counts.assign(z=[], p=[], hotspot_class=[])
    trends = (
        emerging_hotspots(table, idx, res=res, bin=bin)  # type: ignore[arg-type]
        if len(counts)
        else pd.DataFrame(columns=["cell", "trend_class", "trend_code"])
    )
    return CellLayers(counts, spots, trends)


def _pairs(
    table: IncidentTable,
    idx: NDArray[np.int64],
    res: int,
    unit_of_pos: NDArray[np.object_] | None = None,
    cells: NDArray[np.uint64] | None = None,
) -> pd.DataFrame:
    """One row per located incident in a grid: its ``unit`` (the grid code, or the unit of
    its grid position) and its res-``res`` ``cell`` (uint64); only ``cells`` if given."""
    grid = table.grid[idx]
    cell = table.cell[idx]
    keep = (grid >= 0) & (cell != 0)
    parents = cell_parents(cell[keep], res) if res != schema.POINT_RES else cell[keep]
    grid = grid[keep]
    if cells is not None:
        # The few cells asked for first (a hash lookup), so only their incidents get a label:
        # labelling all 9.7 M and then np.isin took 2 s for the cockpit's 98 emerging cells.
        asked = pd.Index(np.unique(np.asarray(cells, dtype=np.uint64)))
        mine = asked.get_indexer(pd.Index(parents)) >= 0
        parents, grid = parents[mine], grid[mine]
    units = np.asarray(table.grid_codes, dtype=object) if unit_of_pos is None else unit_of_pos
    return pd.DataFrame({"unit": units[grid], "cell": parents})


def _most_frequent(pairs: pd.DataFrame, by: str, of: str) -> pd.Series:
    """For each value of ``by``, the value of ``of`` on most rows (ties: the smallest)."""
    top = pairs.groupby([by, of]).size().reset_index(name="n")
    top = top.sort_values([by, "n", of], ascending=[True, False, True]).drop_duplicates(by)
    return pd.Series(top[of].to_numpy(), index=top[by].to_numpy())


def _dominant_cell(
    table: IncidentTable,
    idx: NDArray[np.int64],
    res: int,
    unit_of_pos: NDArray[np.object_] | None = None,
) -> pd.Series:
    """For each grid (or each unit, given the unit of every grid position), the hex id of
    the res-``res`` cell holding most of its incidents."""
    top = _most_frequent(_pairs(table, idx, res, unit_of_pos), by="unit", of="cell")
    return pd.Series(cells_to_str(top.to_numpy(dtype=np.uint64)), index=top.index)


def cell_owners(
    table: IncidentTable,
    idx: NDArray[np.int64],
    res: int,
    unit_of_pos: NDArray[np.object_] | None = None,
    cells: NDArray[np.uint64] | None = None,
) -> pd.Series:
    """The grid (or unit) holding most of each res-``res`` cell's incidents, by hex id."""
    top = _most_frequent(_pairs(table, idx, res, unit_of_pos, cells), by="cell", of="unit")
    return pd.Series(top.to_numpy(), index=cells_to_str(top.index.to_numpy(dtype=np.uint64)))


def _sentences(frame: pd.DataFrame, by_cat: pd.DataFrame) -> tuple[list[str], list[str]]:
    """The zh and en sentence of every row (``explain_grid`` on the row's numbers)."""
    # Plain dicts, not per-row .loc: thousands of rows must take milliseconds, not seconds.
    cats_of: dict[Any, dict[Any, Any]] = by_cat.to_dict("index")
    sentences: dict[str, list[str]] = {"zh": [], "en": []}
    for code, row in zip(frame.index, frame.to_dict("records"), strict=True):
        cats = {str(k): v for k, v in cats_of.get(code, {}).items()}
        ch = {
            "rel_change_prev": row["rel_change_prev"],
            "previous": row["previous"],
            "current": row["incidents"],
        }
        for lang in ("zh", "en"):
            sentences[lang].append(
                explain_grid(
                    row, cats, ch, int(row["hotspot_class"]), int(row["trend_class"]), lang
                )
            )
    return sentences["zh"], sentences["en"]


def grid_overview(
    table: IncidentTable,
    flt: IncidentFilter,
    households: pd.Series,
    *,
    res: int = 9,
    settings: RiskSettings | None = None,
    layers: CellLayers | None = None,
) -> pd.DataFrame:
    """One row per grid in scope, ranked by risk score, with a zh and an en sentence.

    Columns: those of :func:`gridmap.analytics.risk.grid_risk`, ``previous`` and
    ``rel_change_prev`` (环比), ``hotspot_class``, ``trend_class``, ``sentence_zh``,
    ``sentence_en``. Grids with fewer incidents than ``settings.min_count`` keep
    ``suppressed=True`` and a sentence that says only that.
    """
    settings = settings or RiskSettings()
    idx = select(table, flt)
    # Decay counts back from the end of the window, not from its newest incident.
    end_s = day_start_s(flt.end + dt.timedelta(days=1))
    risk = grid_risk(table, idx, households, settings=settings, end_s=end_s)
    if flt.grid_codes is not None:
        risk = risk[risk.index.isin(flt.grid_codes)]
    change = compare_periods(table, flt, by="grid")
    assert isinstance(change, pd.DataFrame)
    by_cat = counts_by_grid_category(table, idx)
    layers = layers or cell_layers(table, idx, res=res)
    cell_spot = dict(zip(layers.spots["cell"], layers.spots["hotspot_class"], strict=True))
    cell_trend = (
        dict(zip(layers.trends["cell"], layers.trends["trend_code"], strict=True))
        if "trend_code" in layers.trends
        else {}
    )
    dominant = _dominant_cell(table, idx, res)
    out = risk.copy()
    out["previous"] = change["previous"].reindex(out.index)
    out["rel_change_prev"] = change["rel_change_prev"].reindex(out.index)
    dom = dominant.reindex(out.index)
    out["hotspot_class"] = dom.map(cell_spot).fillna(0).astype(int)
    out["trend_class"] = dom.map(cell_trend).fillna(0).astype(int)
    out["sentence_zh"], out["sentence_en"] = _sentences(out, by_cat)
    return out.sort_values(["risk_score", "incidents"], ascending=False, kind="stable")


def admin_overview(
    table: IncidentTable,
    flt: IncidentFilter,
    grids: pd.DataFrame,
    hierarchy_parents: dict[str, str | None],
    levels: dict[str, str],
    *,
    level: str,
    res: int = 9,
    settings: RiskSettings | None = None,
    layers: CellLayers | None = None,
) -> pd.DataFrame:
    """:func:`grid_overview` one admin level up: one row per community, street or district.

    ``grids`` is :func:`grid_overview`'s output. Numbers are summed and every ratio is
    recomputed (:func:`~gridmap.analytics.risk.admin_rollup`); the hot-spot and trend class
    are those of the cell holding most of the unit's incidents, and the sentence explains
    the unit's own category mix and change, as for a grid.
    """
    settings = settings or RiskSettings()
    rolled = admin_rollup(grids, hierarchy_parents, level=level, levels=levels, settings=settings)  # type: ignore[arg-type]
    unit = pd.Series(rolled.attrs.pop("unit_of_grid")).reindex(grids.index)
    idx = select(table, flt)
    by_cat = counts_by_grid_category(table, idx).reindex(grids.index).groupby(unit).sum()
    previous = grids["previous"].groupby(unit).sum()
    out = rolled.copy()
    out["previous"] = previous.reindex(out.index).fillna(0)
    prev = out["previous"].to_numpy(dtype=np.float64)
    now = out["incidents"].to_numpy(dtype=np.float64)
    out["rel_change_prev"] = np.where(prev > 0, (now - prev) / np.where(prev > 0, prev, 1), np.nan)
    # Every grid position's unit (grids outside the scope have none).
    unit_by_code = unit.to_dict()
    unit_of_pos = np.asarray([unit_by_code.get(c, UNKNOWN) for c in table.grid_codes], dtype=object)
    dom = _dominant_cell(table, idx, res, unit_of_pos).reindex(out.index)
    layers = layers or cell_layers(table, idx, res=res)
    cell_spot = dict(zip(layers.spots["cell"], layers.spots["hotspot_class"], strict=True))
    cell_trend = (
        dict(zip(layers.trends["cell"], layers.trends["trend_code"], strict=True))
        if "trend_code" in layers.trends
        else {}
    )
    out["hotspot_class"] = dom.map(cell_spot).fillna(0).astype(int)
    out["trend_class"] = dom.map(cell_trend).fillna(0).astype(int)
    out["households_missing"] = out["households"] <= 0
    # A district is not "a hot spot"; it holds some. Count them instead of naming a class.
    home = cell_owners(table, idx, res, unit_of_pos)
    hot = home[home.index.map(lambda c: cell_spot.get(c, 0) > 0)]
    new = home[home.index.map(lambda c: cell_trend.get(c, 0) in (1, 2, 3))]
    out["hot_cells"] = hot.value_counts().reindex(out.index).fillna(0).astype(int)
    out["emerging_cells"] = new.value_counts().reindex(out.index).fillna(0).astype(int)
    plain = out.assign(hotspot_class=0, trend_class=0)
    zh, en = _sentences(plain, by_cat)
    out["sentence_zh"] = [
        _with_cells(s, h, n, "zh")
        for s, h, n in zip(zh, out["hot_cells"], out["emerging_cells"], strict=True)
    ]
    out["sentence_en"] = [
        _with_cells(s, h, n, "en")
        for s, h, n in zip(en, out["hot_cells"], out["emerging_cells"], strict=True)
    ]
    return out.sort_values(["risk_score", "incidents"], ascending=False, kind="stable")


def _with_cells(sentence: str, hot: int, new: int, lang: str) -> str:
    """``sentence`` followed by how many significant and emerging hot-spot cells it holds."""
    if not hot and not new:
        return sentence
    parts = [
        t("overview.cells.hot.one" if hot == 1 else "overview.cells.hot", lang, n=hot)
        if hot
        else "",
        t("overview.cells.new", lang, n=new) if new else "",
    ]
    tail = t(
        "overview.cells.tail", lang, parts=t("overview.cells.and", lang).join(p for p in parts if p)
    )
    return f"{sentence}{t('explain.sep', lang)}{tail}" if sentence else tail
