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
from ..indexing import cell_parents, cells_to_str
from .explain import explain_grid
from .hotspots import hotspots
from .incidents import IncidentFilter, IncidentTable, counts_by_cell, select
from .risk import (
    RiskSettings,
    compare_periods,
    counts_by_grid_category,
    day_start_s,
    grid_risk,
)
from .trends import emerging_hotspots

__all__ = ["CellLayers", "cell_layers", "grid_overview"]


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


def _dominant_cell(table: IncidentTable, idx: NDArray[np.int64], res: int) -> pd.Series:
    """For each grid, the hex id of the res-``res`` cell holding most of its incidents."""
    grid = table.grid[idx]
    cells = table.cell[idx]
    keep = (grid >= 0) & (cells != 0)
    if not keep.any():
        return pd.Series(dtype=object)
    parents = cell_parents(cells[keep], res) if res != schema.POINT_RES else cells[keep]
    frame = pd.DataFrame({"grid": grid[keep], "cell": parents})
    top = frame.groupby(["grid", "cell"]).size().reset_index(name="n")
    top = top.sort_values(["grid", "n", "cell"], ascending=[True, False, True])
    top = top.drop_duplicates("grid")
    codes = np.asarray(table.grid_codes, dtype=object)[top["grid"].to_numpy()]
    return pd.Series(cells_to_str(top["cell"].to_numpy()), index=codes)


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
    sentences: dict[str, list[str]] = {"zh": [], "en": []}
    for code, row in out.iterrows():
        cats: dict[str, Any] = (
            {str(k): v for k, v in by_cat.loc[[code]].iloc[0].items()}
            if code in by_cat.index
            else {}
        )
        ch = {
            "rel_change_prev": row["rel_change_prev"],
            "previous": row["previous"],
            "current": row["incidents"],
        }
        for lang in ("zh", "en"):
            sentences[lang].append(
                explain_grid(
                    row.to_dict(),
                    cats,
                    ch,
                    int(row["hotspot_class"]),
                    int(row["trend_class"]),
                    lang,
                )
            )
    out["sentence_zh"] = sentences["zh"]
    out["sentence_en"] = sentences["en"]
    return out.sort_values(["risk_score", "incidents"], ascending=False, kind="stable")
