"""Compare two grid versions: which grids were added, removed or redrawn, and by how much."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .. import schema
from ..crs import to_metric

__all__ = ["CHANGE_KINDS", "compare_versions"]

#: Order in which changes are listed.
CHANGE_KINDS = ("added", "removed", "redrawn", "households", "same")
#: Boundaries differing by less than this many m² (symmetric difference) count as the same:
#: rounding in a round trip through a file is not a redraw.
AREA_TOLERANCE_M2 = 1.0


def compare_versions(old: gpd.GeoDataFrame, new: gpd.GeoDataFrame) -> pd.DataFrame:
    """One row per grid code in either version, in :data:`CHANGE_KINDS` order.

    Columns: ``change`` (added, removed, redrawn: the boundary moved, households: only the
    count changed, same), ``name``, ``households_old``, ``households_new``,
    ``area_changed_m2`` (symmetric difference of the two boundaries).
    """
    a = old.set_index(old[schema.CODE].astype(str))
    b = new.set_index(new[schema.CODE].astype(str))
    codes = sorted(set(a.index) | set(b.index))
    both = [c for c in codes if c in a.index and c in b.index]
    area = pd.Series(0.0, index=pd.Index(codes, name=schema.CODE))
    if both:
        ga = to_metric(gpd.GeoSeries(a.loc[both].geometry.values, crs=old.crs))
        gb = to_metric(gpd.GeoSeries(b.loc[both].geometry.values, crs=new.crs))
        diff = shapely.area(shapely.symmetric_difference(ga.values, gb.to_crs(ga.crs).values))
        area.loc[both] = np.asarray(diff, dtype=np.float64)

    def households(frame: pd.DataFrame) -> pd.Series:
        col = (
            frame[schema.HOUSEHOLDS] if schema.HOUSEHOLDS in frame else pd.Series(index=frame.index)
        )
        return pd.to_numeric(col, errors="coerce").reindex(codes)

    h_old, h_new = households(a), households(b)
    in_a = pd.Series(codes, index=codes).isin(a.index).to_numpy()
    in_b = pd.Series(codes, index=codes).isin(b.index).to_numpy()
    moved = area.to_numpy() > AREA_TOLERANCE_M2
    counted = ~(h_old.fillna(-1).to_numpy() == h_new.fillna(-1).to_numpy())
    change = np.select(
        [~in_a, ~in_b, moved, counted],
        ["added", "removed", "redrawn", "households"],
        default="same",
    )
    names = b[schema.NAME].reindex(codes) if schema.NAME in b else pd.Series(index=codes)
    if schema.NAME in a:
        names = names.fillna(a[schema.NAME].reindex(codes))
    out = pd.DataFrame(
        {
            "change": change,
            "name": names.to_numpy(),
            "households_old": h_old.to_numpy(),
            "households_new": h_new.to_numpy(),
            "area_changed_m2": area.to_numpy().round(0),
        },
        index=pd.Index(codes, name=schema.CODE),
    )
    order = {k: i for i, k in enumerate(CHANGE_KINDS)}
    return out.sort_values("change", key=lambda s: s.map(order), kind="stable")
