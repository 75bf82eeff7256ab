"""The admin hierarchy 市 → 区 → 街道 → 社区 → 网格 as plain lookups, for scoping and breadcrumbs.

Parents come from ``parent_code``. Grids imported without one are placed in the community
that holds their interior point, so that scoping still finds them.

Admin codes nest by prefix (GB/T 2260 and the 统计用区划代码): a district or county is the
first 6 digits, a street or township the first 9, a community 12; a grid's code is its
community's code and a 3-digit number. The parts are cut here only (:func:`county_code`,
:func:`street_code`, :func:`grid_suffix`, :func:`grid_number`), and grid codes and names made
here only (:func:`grid_code`, :func:`grid_name`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from . import schema

__all__ = [
    "COUNTY_DIGITS",
    "GRID_NUMBER_DIGITS",
    "LEVEL_ORDER",
    "STREET_DIGITS",
    "Hierarchy",
    "build_hierarchy",
    "county_code",
    "grid_code",
    "grid_name",
    "grid_number",
    "grid_suffix",
    "street_code",
]

LEVEL_ORDER = ("city", "district", "street", "community", "grid")

#: Digits of a code that name its district or county, its street or township.
COUNTY_DIGITS = 6
STREET_DIGITS = 9
#: Digits a grid's code adds to its community's.
GRID_NUMBER_DIGITS = 3


def county_code(code: object) -> str:
    """The district or county a code lies in: its first 6 digits.

    >>> county_code("620102003001")
    '620102'
    """
    return str(code)[:COUNTY_DIGITS]


def street_code(code: object) -> str:
    """The street or township a code lies in: its first 9 digits.

    >>> street_code("620102003001")
    '620102003'
    """
    return str(code)[:STREET_DIGITS]


def grid_suffix(code: object) -> str:
    """The last 3 characters of a grid's code: its number within the community, as shown on
    the map and in short lists.

    >>> grid_suffix("620102003001007")
    '007'
    """
    return str(code)[-GRID_NUMBER_DIGITS:]


def grid_number(code: object) -> int | None:
    """A grid's number within its community (the code's last 3 digits); None when they are
    not digits.

    >>> grid_number("620102003001007"), grid_number("G-12")
    (7, None)
    """
    suffix = grid_suffix(code)
    return int(suffix) if suffix.isdigit() else None


def grid_code(community: str, number: int) -> str:
    """The code of grid ``number`` of ``community``.

    >>> grid_code("620102003001", 7)
    '620102003001007'
    """
    return f"{community}{number:0{GRID_NUMBER_DIGITS}d}"


def grid_name(community_name: str, number: int) -> str:
    """The conventional name of grid ``number`` of a community: ``…社区第7网格``.

    >>> grid_name("东岗社区", 7)
    '东岗社区第7网格'
    """
    return f"{community_name}第{number}网格"


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
