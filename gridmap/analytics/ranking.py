"""The priority ranking as screens show it: one table for the cockpit, the report and the CLI.

:func:`gridmap.analytics.priority.priority_ranking` ranks grids on empirical-Bayes excess
incidents; this module runs it on a window (:func:`priority_table`), joins the risk
overview's sentence and classes, words the reason (:func:`reason`), and finds the
significant hot-spot clusters that hold no ranked grid so that a screen can say why
(:func:`unranked_clusters`, :func:`cluster_note`): the map and the list must agree.

Peer rates are fitted on every grid of the city, whatever the area shown: a district is
compared with the city, not with itself. Ranks are then renumbered within the area.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Collection
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from ..i18n import t
from ..indexing import grid_disk_pairs, str_to_cells
from .incidents import IncidentFilter, IncidentTable, select
from .overview import cell_owners
from .priority import Priority, priority_counts, priority_ranking, professional_kinds
from .risk import RiskSettings, day_start_s

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = [
    "CLUSTER_CLASS",
    "MIN_COUNT",
    "PRIORITY_COLUMNS",
    "cluster_note",
    "headline",
    "incidents_per_weight",
    "priority_table",
    "ranked_rows",
    "reason",
    "unranked_clusters",
]

#: Hot-spot class a cluster's cells must reach to need an explanation (3: 99 % confidence).
CLUSTER_CLASS = 3
#: Clusters smaller than this many cells are specks, not "the red area on the map".
CLUSTER_MIN_CELLS = 3
#: The fewest incidents a grid needs to be ranked in any list (the cockpit's, the map's, this
#: week's): the risk settings' small-number rule. Below it any order would be chance.
MIN_COUNT = RiskSettings().min_count
#: Overview columns joined onto the basic ranking (the ranking's own names win otherwise).
_OVERVIEW = (
    "rate_per_1000",
    "rate_eb",
    "risk_score",
    "hotspot_class",
    "trend_class",
    "previous",
    "rel_change_prev",
    "closure_rate",
    "on_time_rate",
    "suppressed",
    "sentence_zh",
    "sentence_en",
)
#: Columns every row of :func:`priority_table` carries, besides the ranking's.
PRIORITY_COLUMNS = (
    "excess_incidents",
    "expected_incidents",
    "headline_zh",
    "headline_en",
    "reason_zh",
    "reason_en",
)


def incidents_per_weight(frame: pd.DataFrame) -> float:
    """Incidents per weighted incident over a whole list (1 when it has no weight).

    The ranking's excess is in weighted incidents (category and handling-class weights,
    decay); a leader reads incidents. One factor for the whole list turns the excess into
    incidents without changing its order, so the figures shown fall down the list as the
    ranks do (a factor per grid would show +31 above +47). The list's own total of weighted
    incidents then equals its total of incidents.
    """
    w = float(frame["weighted"].sum())
    n = float(frame["incidents"].sum())
    return n / w if w > 0 and n > 0 else 1.0


def headline(row: Any, lang: str) -> str:
    """Why a row is ranked where it is, in one short clause: how far above what its peers'
    rate expects of a grid its size (and, under the floor, that its rate was not used)."""
    excess = float(row["excess_incidents"])
    expected = float(row["expected_incidents"])
    on = str(row["ranked_on"])
    if on == "count":
        head = t("priority.reason.count", lang, x=f"{max(excess, 0):,.0f}")
    elif excess >= 0.5:
        head = t("priority.reason.excess", lang, x=f"{excess:,.0f}", e=f"{expected:,.0f}")
    else:
        head = t("priority.reason.within", lang, e=f"{expected:,.0f}")
    if on.endswith("_floor"):
        head += t("explain.sep", lang) + t("priority.reason.floor", lang)
    return head


def reason(row: Any, lang: str) -> str:
    """The reason of a ranked row in one sentence: :func:`headline`, then the overview's
    sentence (what kind of incidents, where, how it changed)."""
    head = headline(row, lang)
    tail = str(row.get(f"sentence_{lang}", "") or "")
    return head + (t("explain.sep", lang) + tail if tail else "")


def _shown_excess(frame: pd.DataFrame, per_weight: float, min_count: int) -> np.ndarray:
    """The excess a row shows, in incidents: never more than its incidents minus the expected
    (a grid of 77 incidents is never "78 more than expected"), and, over the rows a list can
    rank (``min_count`` incidents or more, in rank order), never above the row before, so the
    figure falls down every list as the ranks do (the order stays the weighted excess's)."""
    excess = frame["excess"].to_numpy(dtype=np.float64) * per_weight
    expected = frame["expected"].to_numpy(dtype=np.float64) * per_weight
    shown = np.minimum(excess, frame["incidents"].to_numpy(dtype=np.float64) - expected)
    rankable = frame["incidents"].to_numpy() >= min_count
    shown[rankable] = np.minimum.accumulate(shown[rankable]) if rankable.any() else shown[rankable]
    return shown


def _finish(frame: pd.DataFrame, scope: Collection[str] | None, min_count: int) -> pd.DataFrame:
    # The factor of the whole city's list: an area shows the same figures as the city.
    per_weight = incidents_per_weight(frame)
    frame = frame.copy()
    frame["excess_incidents"] = _shown_excess(frame, per_weight, min_count)
    frame["expected_incidents"] = frame["expected"].to_numpy(dtype=np.float64) * per_weight
    frame = frame[frame.index.isin(list(scope))].copy() if scope is not None else frame
    frame["rank"] = np.arange(1, len(frame) + 1, dtype=np.int64)
    records = frame.to_dict("records")
    for lang in ("zh", "en"):
        frame[f"headline_{lang}"] = [headline(r, lang) for r in records]
        frame[f"reason_{lang}"] = [reason(r, lang) for r in records]
    return frame


def ranked_rows(frame: pd.DataFrame, min_count: int = MIN_COUNT) -> pd.DataFrame:
    """The rows every list ranks, with their one rank: the cockpit's list, the map's list
    and this week's list all call this on :func:`priority_table`'s lists.

    A row is ranked when its grid had at least ``min_count`` incidents (fewer: any order
    would be chance; a grid of 3 incidents must not be #3 beside the map and missing from
    the cockpit). ``rank`` is renumbered 1, 2, 3 … in the list's order, so no list skips a
    number and all three number a grid alike.
    """
    out = frame[(frame["incidents"] >= min_count).to_numpy()].copy()
    out["rank"] = np.arange(1, len(out) + 1, dtype=np.int64)
    return out


def priority_table(
    table: IncidentTable,
    flt: IncidentFilter,
    grids: gpd.GeoDataFrame,
    *,
    keyareas: gpd.GeoDataFrame | None = None,
    overview: pd.DataFrame | None = None,
    settings: RiskSettings | None = None,
) -> Priority:
    """The priority ranking of the window ``flt``, ready for a screen.

    Parameters
    ----------
    table, flt
        Incidents and the window; ``flt.grid_codes`` (the area shown) only selects the rows,
        the peer rates are the whole city's.
    grids
        Grids in force (basic and professional), with geometry, households, population.
    keyareas
        The key-area layer, whose ``kind`` names each professional grid's peer group
        (:func:`~gridmap.analytics.priority.professional_kinds`).
    overview
        :func:`~gridmap.analytics.overview.grid_overview` of ``flt``: its sentences, classes
        and risk columns are joined onto the basic rows (``rate_eb``, ``risk_score`` are
        the overview's).
    settings
        Weights and decay of the counts (as the risk score's).

    Returns
    -------
    Priority
        ``basic`` and ``professional``, indexed by grid code and sorted by ``rank``
        (1 first, renumbered within the area), with the columns of
        :func:`~gridmap.analytics.priority.priority_ranking`, the overview's (basic
        only) and ``excess_incidents``, ``expected_incidents`` (in incidents: the weighted
        figures times the list's :func:`incidents_per_weight`; ``excess_incidents`` is
        never above ``incidents`` minus ``expected_incidents`` and falls down the rows of
        ``settings.min_count`` incidents or more as the ranks do),
        ``headline_zh``/``headline_en`` (:func:`headline`) and
        ``reason_zh``/``reason_en`` (:func:`reason`).
    """
    settings = settings or RiskSettings()
    city = dataclasses.replace(flt, grid_codes=None)
    # Decay counts back from the end of the window, as grid_overview does.
    end_s = day_start_s(flt.end + dt.timedelta(days=1))
    counts = priority_counts(table, select(table, city), grids, settings=settings, end_s=end_s)
    ranked = priority_ranking(grids, counts, kinds=professional_kinds(grids, keyareas))
    basic = ranked.basic
    if overview is not None:
        joined = overview[[c for c in _OVERVIEW if c in overview]].reindex(basic.index)
        basic = pd.concat([basic.drop(columns=[c for c in joined if c in basic]), joined], axis=1)
    scope = flt.grid_codes
    m = settings.min_count
    return Priority(
        basic=_finish(basic, scope, m), professional=_finish(ranked.professional, scope, m)
    )


def unranked_clusters(
    table: IncidentTable,
    flt: IncidentFilter,
    spots: pd.DataFrame,
    ranking: pd.DataFrame,
    *,
    res: int,
    top_n: int = 10,
    limit: int = 3,
) -> pd.DataFrame:
    """Significant hot-spot clusters on the map that hold none of the top ``top_n`` grids.

    A cluster is a connected set (H3 neighbours) of at least :data:`CLUSTER_MIN_CELLS`
    cells of class :data:`CLUSTER_CLASS`. A cell belongs to the grid holding most of its
    incidents (:func:`~gridmap.analytics.overview.cell_owners`).

    Returns
    -------
    pandas.DataFrame
        Biggest first, at most ``limit``: ``grid`` (the grid holding most of the cluster's
        incidents), ``incidents``, ``cells``, ``grids`` (how many grids it spans),
        ``rank`` of ``grid`` in ``ranking`` (NaN when not ranked), ``households`` and
        ``excess_incidents`` of ``grid``, and ``why``: ``spread`` (over three or more grids,
        none far above its expectation), ``large`` (a grid of many households: the count
        is about what its size predicts), ``within`` (not above the expectation) or
        ``below`` (above it, but less than the ranked grids).
    """
    cols = ["grid", "incidents", "cells", "grids", "rank", "households", "excess_incidents", "why"]
    hot = spots[spots["hotspot_class"] >= CLUSTER_CLASS].reset_index(drop=True)
    if len(hot) < CLUSTER_MIN_CELLS or ranking.empty:
        return pd.DataFrame(columns=cols)
    cells = str_to_cells(hot["cell"].to_numpy())
    i, j = grid_disk_pairs(cells, 1)
    graph = coo_matrix((np.ones(len(i)), (i, j)), shape=(len(cells), len(cells)))
    _n, label = connected_components(graph, directed=False)
    owner = cell_owners(table, select(table, flt), res, cells=cells)
    hot = hot.assign(label=label, grid=hot["cell"].map(owner))
    top = set(ranking.index[:top_n].astype(str))
    hh_known = ranking["households"].dropna()
    median_hh = float(hh_known.median()) if len(hh_known) else np.nan
    rows = []
    for _lab, part in hot.groupby("label"):
        owned = part.dropna(subset=["grid"])
        if len(part) < CLUSTER_MIN_CELLS or owned.empty or top & set(owned["grid"].astype(str)):
            continue
        by_grid = owned.groupby("grid")["count"].sum().sort_values(ascending=False)
        main = str(by_grid.index[0])
        known = main in ranking.index
        numbers: dict[Any, float] = (
            ranking.loc[main, ["excess_incidents", "households", "rank"]].astype(float).to_dict()
            if known
            else {}
        )
        excess = numbers.get("excess_incidents", np.nan)
        hh = numbers.get("households", np.nan)
        if len(by_grid) >= 3:
            why = "spread"
        elif not excess > 0.5:
            why = "within"
        elif np.isfinite(median_hh) and hh >= 2 * median_hh:
            why = "large"
        else:
            why = "below"
        rows.append(
            {
                "grid": main,
                "incidents": int(part["count"].sum()),
                "cells": len(part),
                "grids": len(by_grid),
                "rank": numbers.get("rank", np.nan),
                "households": hh,
                "excess_incidents": excess,
                "why": why,
            }
        )
    out = pd.DataFrame(rows, columns=cols)
    return out.sort_values("incidents", ascending=False).head(limit).reset_index(drop=True)


def cluster_note(row: Any, lang: str, name_of: Callable[[str], str], top_n: int = 10) -> str:
    """One line on why a significant cluster holds no ranked grid (see
    :func:`unranked_clusters`)."""
    rank = row["rank"]
    hh = row["households"]
    why = t(
        f"priority.cluster.{row['why']}",
        lang,
        grids=int(row["grids"]),
        hh="–" if hh != hh else f"{hh:,.0f}",
        x=f"{max(float(row['excess_incidents'] or 0), 0):,.0f}"
        if row["excess_incidents"] == row["excess_incidents"]
        else "0",
        rank="–" if rank != rank else f"{int(rank)}",
    )
    return t(
        "priority.cluster",
        lang,
        place=name_of(str(row["grid"])),
        n=f"{int(row['incidents']):,}",
        why=why,
        top=top_n,
    )
