"""Key areas (重点区域) and professional grids (专属网格) of the demo city, in metres.

Schools, hospitals and markets are placed where people live (markets also on the
commercial streets), stations and squares at hand-placed landmarks, petrol stations along
the valley roads, and the petrochemical zone is the 兰州石化 community itself. Every site is
clipped to the community holding its centre, so a professional grid lies in exactly one
community as the national rules require.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray

from . import _geo, _names
from ._city import City

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
StrArray = NDArray[np.object_]
Geoms = NDArray[np.object_]

#: How many sites of each generated kind (stations and squares are landmarks).
N_SCHOOLS, N_HOSPITALS, N_MARKETS, N_PETROL = 150, 32, 44, 24
#: Kinds that get a professional grid; squares and petrol stations are key areas only.
PROFESSIONAL_KINDS = ("school", "hospital", "market", "station", "hazardous_zone")
_KIND_ORDER = ("hazardous", "station", "hospital", "school", "market", "square")


@dataclass(frozen=True)
class Sites:
    """Key areas, aligned arrays; ``professional`` marks those with a professional grid."""

    code: StrArray
    name: StrArray
    kind: StrArray
    geom: Geoms
    community: IntArray
    professional: NDArray[np.bool_]


def _rectangles(
    x: FloatArray, y: FloatArray, w: FloatArray, h: FloatArray, angle: FloatArray
) -> Geoms:
    """Rotated rectangles (metres), vectorised."""
    ux = np.array([-0.5, 0.5, 0.5, -0.5, -0.5])
    uy = np.array([-0.5, -0.5, 0.5, 0.5, -0.5])
    cos, sin = np.cos(angle)[:, None], np.sin(angle)[:, None]
    dx, dy = ux[None, :] * w[:, None], uy[None, :] * h[:, None]
    coords = np.stack([x[:, None] + dx * cos - dy * sin, y[:, None] + dx * sin + dy * cos], -1)
    return np.asarray(shapely.polygons(coords), dtype=object)


def _stem(names: StrArray, suffixes: tuple[str, ...]) -> StrArray:
    out = []
    for n in names.tolist():
        for s in suffixes:
            if n.endswith(s):
                n = n[: -len(s)]
                break
        out.append(n)
    return np.asarray(out, dtype=object)


def _numbered(names: StrArray) -> StrArray:
    """Repeated names get （二）, （三） … appended, so that every name is unique."""
    seq = pd.Series(names).groupby(names).cumcount().to_numpy() + 1
    tag = np.where(seq > 1, "（" + _names.digits_cn(np.minimum(seq, 99)) + "）", "")
    return np.asarray(names + tag, dtype=object)


def _home_units(
    city: City, n: int, rng: np.random.Generator, *, near_commercial: float = 0.0
) -> tuple[FloatArray, FloatArray]:
    """Site centres near units of urban grids, drawn ∝ households."""
    units = city.units
    klass = city.grid_class[units["grid"].to_numpy()]
    w = units["households"].to_numpy(float) * ~np.isin(klass, ("fringe", "industrial"))
    if near_commercial:
        lines = shapely.multilinestrings(_geo.commercial_lines())
        d = shapely.distance(lines, shapely.points(units["x"].to_numpy(), units["y"].to_numpy()))
        w = w * (1.0 + near_commercial * (d < 250.0))
    pick = rng.choice(len(units), n, p=w / w.sum())
    x = units["x"].to_numpy()[pick] + rng.normal(0, 60, n)
    y = units["y"].to_numpy()[pick] + rng.normal(0, 60, n)
    return x, y


def build_sites(city: City, rng: np.random.Generator) -> Sites:
    """Key areas of every kind, clipped to their communities, overlaps removed."""
    xs, ys, ws, hs, kinds, labels = [], [], [], [], [], []

    def add(
        x: FloatArray, y: FloatArray, w: FloatArray, h: FloatArray, kind: str, label: StrArray
    ) -> None:
        xs.append(x)
        ys.append(y)
        ws.append(w)
        hs.append(h)
        kinds.append(np.full(x.size, kind, dtype=object))
        labels.append(label)

    marks = _geo.LANDMARKS
    lx, ly = _geo.to_xy([m.lon for m in marks], [m.lat for m in marks])
    size = np.array([m.size_m for m in marks])
    for mark_kind in ("station", "square"):
        sel = np.array([m.kind == mark_kind for m in marks])
        mark_names = np.asarray([m.name for m in marks], dtype=object)[sel]
        add(lx[sel], ly[sel], size[sel], size[sel] * 0.65, mark_kind, mark_names)

    # Schools: 30 % middle schools, 55 % primary schools, 15 % kindergartens.
    x, y = _home_units(city, N_SCHOOLS, rng)
    level = rng.choice(3, N_SCHOOLS, p=[0.30, 0.55, 0.15])
    w = np.choose(
        level,
        [
            rng.uniform(180, 260, N_SCHOOLS),
            rng.uniform(120, 180, N_SCHOOLS),
            rng.uniform(60, 90, N_SCHOOLS),
        ],
    )
    add(x, y, w, w * rng.uniform(0.6, 0.8, N_SCHOOLS), "school", level.astype(str).astype(object))

    x, y = _home_units(city, N_HOSPITALS, rng)
    big = np.arange(N_HOSPITALS) < 7
    w = np.where(big, rng.uniform(180, 260, N_HOSPITALS), rng.uniform(50, 90, N_HOSPITALS))
    add(x, y, w, w * 0.7, "hospital", np.where(big, "big", "small").astype(object))

    x, y = _home_units(city, N_MARKETS, rng, near_commercial=6.0)
    w = rng.uniform(70, 140, N_MARKETS)
    add(x, y, w, w * rng.uniform(0.5, 0.8, N_MARKETS), "market", np.full(N_MARKETS, "", object))

    # Petrol stations on the valley roads, a few hundred metres off the river.
    river = _geo.river_line()
    t = rng.uniform(0.30, 0.97, N_PETROL * 4)
    pts = shapely.line_interpolate_point(river, t, normalized=True)
    side = rng.choice([-1.0, 1.0], t.size) * rng.uniform(250, 700, t.size)
    px, py = shapely.get_x(pts), shapely.get_y(pts) + side
    ok = _geo.relative_density(px, py) > 0.15
    px, py = px[ok][:N_PETROL], py[ok][:N_PETROL]
    w = rng.uniform(50, 70, px.size)
    add(px, py, w, w * 0.8, "petrol", np.full(px.size, "", object))

    x, y = np.concatenate(xs), np.concatenate(ys)
    kind = np.concatenate(kinds)
    label = np.concatenate(labels)
    geom = _rectangles(x, y, np.concatenate(ws), np.concatenate(hs), rng.uniform(0, np.pi, x.size))

    # The community holding each centre; sites off the urban districts or in the
    # petrochemical zone are dropped, the rest clipped to their community.
    comms = city.communities
    tree = shapely.STRtree(comms.geom)
    pi, ci = tree.query(shapely.points(x, y), predicate="within")
    community = np.full(x.size, -1, dtype=np.int64)
    community[pi] = ci
    ok = (community >= 0) & (community != city.zone_community)
    clipped = np.full(x.size, None, dtype=object)
    clipped[ok] = shapely.intersection(geom[ok], comms.geom[community[ok]])
    geom = clipped
    ok &= ~shapely.is_empty(geom) & ~shapely.is_missing(geom)
    # A site overlapping an earlier one is dropped (landmarks come first).
    rows = np.flatnonzero(ok)
    stree = shapely.STRtree(geom[rows])
    a, b = stree.query(geom[rows], predicate="intersects")
    clash = np.unique(b[a < b])
    ok[rows[clash]] = False
    rows = np.flatnonzero(ok)
    x, y, kind, label = x[rows], y[rows], kind[rows], label[rows]
    geom, community = geom[rows], community[rows]

    names = _site_names(city, kind, label, community, rng)
    # The petrochemical zone: a community of its own and a professional grid.
    kind = np.append(kind, "hazardous_zone")
    names = np.append(names, "兰州石化生产区")
    geom = np.append(geom, city.zone)
    community = np.append(community, city.zone_community)
    store_kind = np.where(np.isin(kind, ("petrol", "hazardous_zone")), "hazardous", kind)

    kind_rank = np.asarray([_KIND_ORDER.index(k) for k in store_kind], dtype=np.int64)
    order = np.lexsort((x_of(geom), comms.code[community].astype(str), kind_rank))
    code = np.asarray([f"KA{i + 1:04d}" for i in range(order.size)], dtype=object)
    return Sites(
        code=code,
        name=names[order],
        kind=store_kind[order].astype(object),
        geom=geom[order],
        community=community[order],
        professional=np.isin(kind[order], PROFESSIONAL_KINDS),
    )


def x_of(geoms: Geoms) -> FloatArray:
    """Easting of each geometry's representative point (a sort key)."""
    return np.asarray(shapely.get_x(shapely.point_on_surface(geoms)), dtype=np.float64)


def _site_names(
    city: City, kind: StrArray, label: StrArray, community: IntArray, rng: np.random.Generator
) -> StrArray:
    comms = city.communities
    cstem = _stem(comms.name[community], ("社区", "村"))
    street = comms.parent[community]
    sname = city.streets.name[street]
    sstem = _stem(sname, ("街道", "镇", "乡"))
    names = label.copy()
    school = kind == "school"
    middle = school & (label == "0")
    n_mid = int(middle.sum())
    numbers = rng.permutation(np.arange(1, 90))[:n_mid]
    names[middle] = np.asarray(
        [f"兰州市第{_names.digits_cn(np.array([k]))[0]}中学" for k in numbers], dtype=object
    )
    names[school & (label == "1")] = cstem[school & (label == "1")] + "小学"
    names[school & (label == "2")] = cstem[school & (label == "2")] + "幼儿园"
    hosp = kind == "hospital"
    big = hosp & (label == "big")
    n_big = int(big.sum())
    city_no = np.asarray(
        [f"兰州市第{_names.digits_cn(np.array([k]))[0]}人民医院" for k in range(1, 4)]
        + [f"{d}人民医院" for d in city.districts.name]
        + [f"{d}中医医院" for d in city.districts.name],
        dtype=object,
    )
    names[big] = city_no[:n_big] if n_big <= city_no.size else city_no[np.arange(n_big) % 11]
    small = hosp & ~big
    town = np.asarray([s.endswith(("镇", "乡")) for s in sname], dtype=bool)
    names[small] = np.where(town[small], sstem[small] + "卫生院", sstem[small] + "社区卫生服务中心")
    market = kind == "market"
    pref = _names.place_prefixes(int(market.sum()), rng)
    names[market] = np.where(
        rng.random(int(market.sum())) < 0.6, cstem[market] + "农贸市场", pref + "综合市场"
    )
    petrol = kind == "petrol"
    brand = np.where(rng.random(int(petrol.sum())) < 0.5, "中国石化", "中国石油")
    names[petrol] = brand + sstem[petrol] + "加油站"
    return _numbered(names)
