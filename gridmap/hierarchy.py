"""The admin hierarchy 市 → 区 → 街道 → 社区 → 网格 as plain lookups, for scoping and breadcrumbs.

Parents come from ``parent_code``. Grids imported without one are placed in the community
that holds their interior point, so that scoping still finds them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from . import schema

__all__ = ["LEVEL_ORDER", "Hierarchy", "build_hierarchy"]

LEVEL_ORDER = ("city", "district", "street", "community", "grid")


@dataclass(frozen=True)
class Hierarchy:
    """Admin units and grids: names, levels and parents by code."""

    names: dict[str, str]
    levels: dict[str, str]
    parents: dict[str, str | None]

    def children(self, code: str | None, level: str) -> list[str]:
        """Codes of ``level`` directly under ``code`` (None: every unit of that level)."""
        found = [
            c
            for c, lv in self.levels.items()
            if lv == level and (code is None or self.parents.get(c) == code)
        ]
        return sorted(found)

    def chain(self, code: str) -> list[str]:
        """``code`` and its ancestors, from the top down."""
        out: list[str] = []
        seen: set[str] = set()
        current: str | None = code
        while current is not None and current in self.levels and current not in seen:
            out.append(current)
            seen.add(current)
            current = self.parents.get(current)
        return out[::-1]

    @cached_property
    def _grids_by_ancestor(self) -> dict[str, frozenset[str]]:
        # Built once per hierarchy: every page rerun asks for the grids of its scope.
        found: dict[str, set[str]] = {}
        for g, lv in self.levels.items():
            if lv == "grid":
                for ancestor in self.chain(g):
                    found.setdefault(ancestor, set()).add(g)
        return {code: frozenset(gs) for code, gs in found.items()}

    def grids_under(self, code: str | None) -> frozenset[str] | None:
        """Grid codes inside an admin unit; None (no restriction) for the whole city."""
        if code is None or self.levels.get(code) == "city":
            return None
        return self._grids_by_ancestor.get(code, frozenset())

    def codes_under(self, code: str) -> frozenset[str]:
        """``code`` and every admin unit and grid inside it (any level)."""
        return frozenset(c for c in self.levels if code in self.chain(c))

    def name(self, code: str) -> str:
        return self.names.get(code) or code


def build_hierarchy(admin: gpd.GeoDataFrame, grids: gpd.GeoDataFrame) -> Hierarchy:
    """Lookups from the ``admin`` layer and the grids in force."""
    names: dict[str, str] = {}
    levels: dict[str, str] = {}
    parents: dict[str, str | None] = {}
    # reindex: a workspace that holds grids but no admin layer yet has none of these columns.
    cols = [schema.CODE, schema.NAME, schema.LEVEL, schema.PARENT_CODE]
    for row in pd.DataFrame(admin).reindex(columns=cols).itertuples(index=False):
        code = str(row[0])
        names[code] = str(row[1]) if pd.notna(row[1]) else code
        levels[code] = str(row[2]) if pd.notna(row[2]) else "community"
        parents[code] = str(row[3]) if pd.notna(row[3]) and row[3] else None
    grid_parents = grids.get(schema.PARENT_CODE)
    missing = (
        grid_parents.isna() | ~grid_parents.astype(str).isin(levels)
        if grid_parents is not None
        else pd.Series(True, index=grids.index)
    )
    placed: dict[int, str] = {}
    communities = admin[admin[schema.LEVEL] == "community"] if schema.LEVEL in admin else admin
    if missing.any() and len(communities):
        pts = shapely.point_on_surface(grids.geometry.values[missing.to_numpy()])
        tree = shapely.STRtree(communities.geometry.values)
        hit_pt, hit_comm = tree.query(pts, predicate="intersects")
        where = np.flatnonzero(missing.to_numpy())
        for p, c in zip(hit_pt, hit_comm, strict=True):
            placed.setdefault(int(where[p]), str(communities[schema.CODE].iloc[c]))
    for i, row in enumerate(
        pd.DataFrame(grids).reindex(columns=[schema.CODE, schema.NAME]).itertuples(index=False)
    ):
        code = str(row[0])
        names[code] = str(row[1]) if pd.notna(row[1]) and row[1] else code
        levels[code] = "grid"
        if not missing.iloc[i] and grid_parents is not None:
            parents[code] = str(grid_parents.iloc[i])
        else:
            parents[code] = placed.get(i)
    return Hierarchy(names, levels, parents)
