"""Four departments' own grid layers (多网合一, #18), each wrong in its own realistic way.

Every department of a district keeps its own grid, drawn by its own people on its own base
map at its own time. The demo gives the synthetic city four of them, named as the
responsibility table names their departments (so that each answers for its categories):

- 公安分局（派出所） — police beats (警务区), one or two neighbouring communities each, traced
  on an Amap base map: the coordinates are GCJ-02 but the file says WGS-84, so the whole
  layer lies some 200 m east-north-east of the grids (the offset detector's case).
- 城市管理执法局 — urban-management areas from an older boundary vintage: in about two
  streets of five the community boundaries were redrawn since (the old ones cut today's
  grids), elsewhere some of today's communities were still one.
- 市场监督管理局 — market-supervision areas, one per station, each about two streets, cut
  with straight lines across streets and communities (coarse; many units misaligned).
- 应急管理局 — emergency-management grids copied from the communities by hand: the same
  units, boundaries a few metres off (slivers to snap, not real differences).

Everything is built in the city's metres (UTM 48N) from the admin levels of
:class:`~._city.City` and converted to WGS-84 at the end; it costs a few tenths of a second.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray

from .. import schema
from ..analytics.responsibility import DEPARTMENT_ZH, SUBCATEGORY, default_responsibilities
from ..crs import CrsSpec, geometries_from_wgs84
from ..store.departments import DEPARTMENT_CODE, DEPARTMENT_NAME
from . import _geo
from ._city import City
from ._partition import merge_fragments, voronoi_cells

IntArray = NDArray[np.int64]
Geoms = NDArray[np.object_]
StrArray = NDArray[np.object_]

#: Share of streets whose community boundaries the urban-management layer has in an older
#: form, and share of community pairs it still holds as one.
OLD_STREET_SHARE = 0.4
OLD_MERGE_SHARE = 0.25
#: Neighbouring communities share at least this much border (m) to be drawn as one unit.
MIN_SHARED_M = 30.0
#: Hand-copied emergency grids: simplification tolerance and digitising shift (m).
COPY_TOLERANCE_M = 6.0
COPY_SHIFT_M = 3.0


@dataclass(frozen=True)
class DepartmentLayer:
    """One department's layer as the demo stores it."""

    department: str
    #: What the file said it was drawn in (the police layer says WGS-84 and is GCJ-02).
    source_crs: str
    #: ``department_code``, ``department_name`` and WGS-84 polygons.
    units: gpd.GeoDataFrame
    #: What is different about it (the answer key in the workspace metadata).
    story: str

    def key(self) -> dict[str, Any]:
        return {"department": self.department, "units": len(self.units), "story": self.story}


def department_name(category: str, subcategory: str = "") -> str:
    """The responsibility table's department (Chinese) for a category or sub-category."""
    table = default_responsibilities()
    row = table[(table[schema.CATEGORY] == category) & (table[SUBCATEGORY] == subcategory)]
    return str(row[DEPARTMENT_ZH].iloc[0])


def _stems(names: StrArray) -> StrArray:
    """Street names without 街道/镇/乡: 东岗西路街道 -> 东岗西路."""
    out = [str(n).removesuffix("街道").removesuffix("镇").removesuffix("乡") for n in names]
    return np.asarray(out, dtype=object)


def _pairs(geoms: Geoms, group: IntArray, take: NDArray[np.bool_]) -> IntArray:
    """Unit label of each polygon: neighbours in reading order within a group paired up.

    Polygons ``2k`` and ``2k + 1`` of a group (in input order) become one unit when both are
    in ``take`` and they share at least :data:`MIN_SHARED_M` of border; the rest stay alone.
    """
    n = geoms.size
    order = np.lexsort((np.arange(n), group))
    rank = pd.Series(group[order]).groupby(group[order]).cumcount().to_numpy()
    first, second = order[:-1], order[1:]
    candidate = (group[first] == group[second]) & (rank[:-1] % 2 == 0) & take[first] & take[second]
    a, b = first[candidate], second[candidate]
    shared = shapely.length(shapely.intersection(shapely.boundary(geoms[a]), geoms[b]))
    joined = shared >= MIN_SHARED_M
    label = np.arange(n, dtype=np.int64)
    label[b[joined]] = a[joined]
    return label


def _union_labels(geoms: Geoms, label: IntArray) -> tuple[IntArray, Geoms]:
    """The distinct labels (in first-seen order) and the union of each label's polygons."""
    keys, first = np.unique(label, return_index=True)
    keys = keys[np.argsort(first)]
    out = np.empty(keys.size, dtype=object)
    for i, k in enumerate(keys.tolist()):
        members = geoms[label == k]
        out[i] = members[0] if members.size == 1 else shapely.union_all(members)
    return keys, out


def _frame(codes: Any, names: Any, geoms_m: Geoms) -> gpd.GeoDataFrame:
    frame = pd.DataFrame(
        {DEPARTMENT_CODE: np.asarray(codes, dtype=object), DEPARTMENT_NAME: np.asarray(names)}
    )
    return gpd.GeoDataFrame(frame, geometry=_geo.wgs84_geoms(geoms_m).to_numpy(), crs=4326)


def _police(city: City) -> DepartmentLayer:
    """Beats of one or two neighbouring communities, traced in GCJ-02, labelled WGS-84."""
    comm, streets = city.communities, city.streets
    label = _pairs(comm.geom, comm.parent, np.ones(len(comm), dtype=bool))
    keys, geoms = _union_labels(comm.geom, label)
    street = comm.parent[keys]
    seq = pd.Series(street).groupby(street).cumcount().to_numpy() + 1
    codes = streets.code[street] + "JW" + pd.Series(seq).astype(str).str.zfill(2).to_numpy()
    names = _stems(streets.name)[street] + "派出所第" + seq.astype(str).astype(object) + "警务区"
    true = _frame(codes, names, geoms)
    drawn = geometries_from_wgs84(true.geometry, CrsSpec("gcj02"))
    units = true.set_geometry(gpd.GeoSeries(drawn.to_numpy(), crs=4326))
    return DepartmentLayer(
        department_name("public_safety"),
        "WGS-84",
        units,
        "traced on a GCJ-02 (Amap) base map and sent labelled WGS-84",
    )


def _urban(city: City, rng: np.random.Generator) -> DepartmentLayer:
    """Communities as an older vintage had them: redrawn streets, unsplit pairs."""
    comm = city.communities
    old_street = rng.random(len(city.streets)) < OLD_STREET_SHARE
    redrawn = old_street[comm.parent]
    geoms = comm.geom.copy()
    rows = np.flatnonzero(redrawn)
    if rows.size:
        # The old boundaries: Voronoi cells of today's community centres, inside the street.
        rep = shapely.point_on_surface(comm.geom[rows])
        sx, sy = shapely.get_x(rep), shapely.get_y(rep)
        cells = voronoi_cells(sx, sy, comm.parent[rows], city.streets.geom)
        cells, _alive, _moves = merge_fragments(
            cells, comm.parent[rows], sx, sy, min_area_m2=20_000.0
        )
        geoms[rows] = cells
    keep = ~redrawn & (rng.random(len(comm)) < 2 * OLD_MERGE_SHARE)
    label = _pairs(geoms, comm.parent, keep)
    keys, unions = _union_labels(geoms, label)
    alive = ~shapely.is_empty(unions)
    keys, unions = keys[alive], unions[alive]
    units = _frame("CG" + comm.code[keys], comm.name[keys] + "城管责任区", unions)
    return DepartmentLayer(
        department_name("urban_management"),
        "WGS-84",
        units,
        f"older boundary vintage: {int(old_street.sum())} streets redrawn since, "
        f"{int(len(comm) - len(keys))} community pairs still one",
    )


def _market(city: City) -> DepartmentLayer:
    """One area per market-supervision station (about two streets), straight-line cuts."""
    streets, districts = city.streets, city.districts
    order = np.lexsort((streets.code, streets.parent))
    rank = pd.Series(streets.parent[order]).groupby(streets.parent[order]).cumcount().to_numpy()
    seeds = order[rank % 2 == 0]
    rep = shapely.point_on_surface(streets.geom[seeds])
    sx, sy = shapely.get_x(rep), shapely.get_y(rep)
    group = streets.parent[seeds]
    cells = voronoi_cells(sx, sy, group, districts.geom)
    cells, alive, _moves = merge_fragments(cells, group, sx, sy, min_area_m2=200_000.0)
    seeds, group, cells = seeds[alive], group[alive], cells[alive]
    seq = pd.Series(group).groupby(group).cumcount().to_numpy() + 1
    codes = "SJ" + districts.code[group] + pd.Series(seq).astype(str).str.zfill(2).to_numpy()
    names = _stems(streets.name)[seeds] + "市场监督管理所"
    return DepartmentLayer(
        department_name("work_safety", "特种设备"),
        "WGS-84",
        _frame(codes, names, cells),
        "coarse: one area per station, straight lines across streets and communities",
    )


def _emergency(city: City, rng: np.random.Generator) -> DepartmentLayer:
    """The communities copied by hand: simplified a few metres, each shifted a little."""
    comm = city.communities
    copied = shapely.simplify(comm.geom, COPY_TOLERANCE_M, preserve_topology=True)
    shift = rng.uniform(-COPY_SHIFT_M, COPY_SHIFT_M, (len(comm), 2))
    coords, owner = shapely.get_coordinates(copied, return_index=True)
    moved = shapely.set_coordinates(np.array(copied, copy=True), coords + shift[owner])
    return DepartmentLayer(
        department_name("work_safety"),
        "WGS-84",
        _frame("YJ" + comm.code, comm.name + "应急网格", moved),
        f"the communities copied by hand: boundaries within {COPY_TOLERANCE_M + COPY_SHIFT_M:g} m",
    )


def build_departments(city: City, rng: np.random.Generator) -> list[DepartmentLayer]:
    """The four department layers of the demo (see the module's docstring)."""
    r_urban, r_emergency = rng.spawn(2)
    return [_police(city), _urban(city, r_urban), _market(city), _emergency(city, r_emergency)]
