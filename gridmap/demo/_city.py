"""The synthetic city inside the real districts: streets, communities, grids, units, sites.

Everything here is in UTM 48N metres. The four urban districts are covered by a lattice of
mass points carrying the expected households of the density field; each admin level is a
clipped Voronoi partition of the level above whose seeds are spread by weighted Lloyd
iterations over that lattice (see :mod:`._partition`). Grids then get household totals
from a controlled mixture (most within the 300–500 band, new high-rise estates far above,
old and fringe grids far below), and units are drawn inside each grid so that a grid's
households are exactly the sum of its units.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray

from . import _geo, _names
from ._partition import (
    Lattice,
    clean_coverage,
    initial_seeds,
    lloyd,
    merge_fragments,
    reading_rank,
    relabel,
    sample_in,
    union_groups,
    voronoi_cells,
)

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
StrArray = NDArray[np.object_]
Geoms = NDArray[np.object_]

#: Lattice spacing (m): about a dozen mass points per downtown grid.
LATTICE_M = 70.0
#: Expected households per urban district (roughly the 2020 census population / 2.6).
DISTRICT_HOUSEHOLDS = {"620102": 560_000, "620103": 235_000, "620104": 145_000, "620105": 160_000}
#: Households a community and a grid are sized for; area adds mass so mountains split too.
COMMUNITY_HH, COMMUNITY_HH_PER_KM2 = 3_000.0, 250.0
GRID_HH, GRID_HH_PER_KM2 = 420.0, 120.0
STREET_HH_PER_KM2 = 60.0
#: Below this expected household count a grid is a fringe (mountain / village) grid.
FRINGE_HH = 230.0
#: Coverage simplification tolerance (m) that removes needle-thin spikes.
SPIKE_TOLERANCE_M = 12.0
#: Below this household density (per km²) a community is a village (村).
VILLAGE_DENSITY = 600.0

# Household mixture of urban grids: (class, share, low, high). Band grids are drawn from a
# normal distribution, the others uniformly between low and high.
URBAN_MIX: tuple[tuple[str, float, int, int], ...] = (
    ("band", 0.765, 300, 500),
    ("over", 0.060, 505, 790),
    ("estate", 0.065, 820, 1480),
    ("under", 0.045, 205, 295),
    ("old", 0.065, 60, 195),
)

UNIT_TYPES = ("小区", "楼栋", "村组")
_MAX_UNITS = 64


@dataclass(frozen=True)
class Level:
    """One admin level: codes, names, index of the parent in the level above, polygons (m)."""

    code: StrArray
    name: StrArray
    parent: IntArray
    geom: Geoms

    def __len__(self) -> int:
        return int(self.code.size)


@dataclass(frozen=True)
class City:
    """The synthetic layers in metres, aligned arrays per level."""

    districts: Level  # the four urban districts
    streets: Level
    communities: Level
    is_village: NDArray[np.bool_]
    grids: Level
    grid_class: StrArray  # band, over, estate, under, old, fringe or industrial
    grid_households: IntArray
    grid_population: IntArray
    grid_expected: FloatArray
    units: pd.DataFrame  # x, y, code, name, unit_type, households, population, grid
    zone: shapely.Geometry  # the petrochemical zone, clipped to its community
    zone_community: int


def _lattice(districts: Geoms, rng: np.random.Generator) -> tuple[Lattice, IntArray]:
    """Mass points over the urban districts and the district of each."""
    xs, ys, ds = [], [], []
    for d, geom in enumerate(districts):
        x0, y0, x1, y1 = shapely.bounds(geom)
        # Aligned to one global lattice so that neighbouring districts do not interleave.
        gx = np.arange(np.floor(x0 / LATTICE_M), np.ceil(x1 / LATTICE_M)) * LATTICE_M
        gy = np.arange(np.floor(y0 / LATTICE_M), np.ceil(y1 / LATTICE_M)) * LATTICE_M
        grid_x, grid_y = np.meshgrid(gx + LATTICE_M / 2, gy + LATTICE_M / 2)
        mx, my = grid_x.ravel(), grid_y.ravel()
        shapely.prepare(geom)
        inside = shapely.contains_xy(geom, mx, my)
        xs.append(mx[inside])
        ys.append(my[inside])
        ds.append(np.full(int(inside.sum()), d, dtype=np.int64))
    x, y, district = np.concatenate(xs), np.concatenate(ys), np.concatenate(ds)
    # A small jitter keeps the Voronoi seeds (weighted means of points) off lattice lines.
    x = x + rng.uniform(-0.5, 0.5, x.size)
    y = y + rng.uniform(-0.5, 0.5, y.size)
    dens = _geo.relative_density(x, y)
    targets = np.array([DISTRICT_HOUSEHOLDS[c] for c in _geo.URBAN_DISTRICTS], dtype=float)
    mass = dens * (targets / np.bincount(district, dens, minlength=len(districts)))[district]
    return Lattice(x, y, mass, (LATTICE_M / 1000.0) ** 2), district


def _pad(values: NDArray[np.integer[Any]], width: int = 3) -> StrArray:
    """Zero-padded numbers as text: 7 -> "007"."""
    return pd.Series(values).astype(str).str.zfill(width).to_numpy(dtype=object)


def _split(
    parents: Geoms,
    lat: Lattice,
    pgroup: IntArray,
    seeds: tuple[FloatArray, FloatArray, IntArray],
    *,
    iterations: int,
    min_area_m2: float,
) -> tuple[Geoms, IntArray, IntArray, IntArray]:
    """Partition every parent among its seeds.

    Weighted Lloyd steps over the lattice (weights: the points' masses plus an area term
    chosen by the caller through ``lat.mass``), clipped Voronoi cells, fragments and
    slivers merged into neighbours.

    Returns
    -------
    cells, group
        The surviving cells and the parent of each.
    label
        Each lattice point's cell (index into ``cells``).
    kept
        Index of each surviving cell among the input seeds.
    """
    sx, sy, sgroup = seeds
    # A parent no lattice point fell into still needs one cell: its representative point.
    missing = np.setdiff1d(np.arange(parents.size), sgroup)
    missing = missing[~shapely.is_empty(parents[missing])]
    if missing.size:
        rep = shapely.point_on_surface(parents[missing])
        sx = np.append(sx, shapely.get_x(rep))
        sy = np.append(sy, shapely.get_y(rep))
        sgroup = np.append(sgroup, missing)
    x, y, label = lloyd(
        lat.x, lat.y, lat.mass, pgroup, sx, sy, sgroup, parents.size, iterations=iterations
    )
    cells = voronoi_cells(x, y, sgroup, parents)
    cells, alive, moves = merge_fragments(cells, sgroup, x, y, min_area_m2=min_area_m2)
    label = relabel(lat.x, lat.y, label, moves)
    kept = np.flatnonzero(alive)
    remap = np.full(x.size, -1, dtype=np.int64)
    remap[kept] = np.arange(kept.size)
    return cells[kept], sgroup[kept], remap[label], kept


def _weighted(lat: Lattice, hh_per_km2: float) -> Lattice:
    """The lattice with an area term added to its masses (so that mountains split too)."""
    return Lattice(lat.x, lat.y, lat.mass + hh_per_km2 * lat.area_km2, lat.area_km2)


def _streets(districts: Level, lat: Lattice, pdist: IntArray) -> tuple[Level, IntArray]:
    """Streets seeded at the anchors of the real 街道/乡镇, nudged by two Lloyd steps."""
    rows = [
        (name, lon, lat_, d)
        for d, code in enumerate(districts.code)
        for name, lon, lat_ in _names.STREET_ANCHORS[str(code)]
    ]
    x, y = _geo.to_xy([r[1] for r in rows], [r[2] for r in rows])
    group = np.asarray([r[3] for r in rows], dtype=np.int64)
    cells, group, label, kept = _split(
        districts.geom,
        _weighted(lat, STREET_HH_PER_KM2),
        pdist,
        (x, y, group),
        iterations=2,
        min_area_m2=300_000.0,
    )
    names = np.asarray([r[0] for r in rows], dtype=object)[kept]
    code = districts.code[group] + _pad(reading_rank(cells, group, districts.geom))
    return Level(code, names, group, cells), label


def _communities(
    streets: Level, lat: Lattice, slabel: IntArray, rng: np.random.Generator
) -> tuple[Level, IntArray, NDArray[np.bool_], int]:
    """Communities in each street; the petrochemical zone is a community of its own."""
    zone = _geo.petrochem_zone()
    cx, cy = shapely.get_x(zone.centroid), shapely.get_y(zone.centroid)
    zone_street = int(np.flatnonzero(shapely.contains_xy(streets.geom, cx, cy))[0])
    zone = shapely.intersection(zone, streets.geom[zone_street])
    # The zone is cut out of its street and partitioned as a parent of its own.
    parents = streets.geom.copy()
    parents[zone_street] = shapely.difference(parents[zone_street], zone)
    parents = np.append(parents, zone)
    street_of_group = np.append(np.arange(len(streets)), zone_street)
    zone_group = len(streets)
    shapely.prepare(zone)
    group = np.where(shapely.contains_xy(zone, lat.x, lat.y), zone_group, slabel)

    wlat = _weighted(lat, COMMUNITY_HH_PER_KM2)
    k = np.maximum(np.rint(np.bincount(group, wlat.mass, parents.size) / COMMUNITY_HH), 1)
    k = np.minimum(k, np.bincount(group, minlength=parents.size)).astype(np.int64)
    k[zone_group] = 1
    seeds = initial_seeds(wlat.mass, group, k, rng)
    cells, sgroup, label, _ = _split(
        parents,
        wlat,
        group,
        (lat.x[seeds], lat.y[seeds], group[seeds]),
        iterations=6,
        min_area_m2=40_000.0,
    )
    street = street_of_group[sgroup]
    code = streets.code[street] + _pad(reading_rank(cells, street, streets.geom))
    hh = np.bincount(label, lat.mass, minlength=cells.size)
    density = hh / (shapely.area(cells) / 1e6)
    is_zone = sgroup == zone_group
    village = (density < VILLAGE_DENSITY) & ~is_zone
    names = _names.community_names(village, rng)
    names[is_zone] = "石化园区社区"
    zone_community = int(np.flatnonzero(is_zone)[0])
    return Level(code, names, street, cells), label, village, zone_community


def _grids(
    communities: Level,
    lat: Lattice,
    clabel: IntArray,
    zone_community: int,
    rng: np.random.Generator,
) -> tuple[Level, IntArray]:
    """Basic grids in each community."""
    n = len(communities)
    wlat = _weighted(lat, GRID_HH_PER_KM2)
    k = np.maximum(np.rint(np.bincount(clabel, wlat.mass, n) / GRID_HH), 1)
    # The petrochemical community is split into a few production-area grids.
    k[zone_community] = max(k[zone_community], 3)
    k = np.minimum(k, np.bincount(clabel, minlength=n)).astype(np.int64)
    seeds = initial_seeds(wlat.mass, clabel, k, rng)
    cells, sgroup, label, _ = _split(
        communities.geom,
        wlat,
        clabel,
        (lat.x[seeds], lat.y[seeds], clabel[seeds]),
        iterations=8,
        min_area_m2=8_000.0,
    )
    rank = reading_rank(cells, sgroup, communities.geom)
    code = communities.code[sgroup] + _pad(rank)
    name = communities.name[sgroup] + "第" + rank.astype(str).astype(object) + "网格"
    return Level(code, name, sgroup, cells), label


def _grid_households(
    grids: Level, expected: FloatArray, zone_community: int, rng: np.random.Generator
) -> tuple[StrArray, IntArray]:
    """Class and household total of every grid (the controlled mixture)."""
    n = len(grids)
    klass = np.full(n, "band", dtype=object)
    hh = np.zeros(n, dtype=np.int64)
    industrial = grids.parent == zone_community
    fringe = (expected < FRINGE_HH) & ~industrial
    urban = np.flatnonzero(~industrial & ~fringe)
    klass[industrial] = "industrial"
    hh[industrial] = rng.integers(20, 121, int(industrial.sum()))
    klass[fringe] = "fringe"
    noise = rng.lognormal(0.0, 0.35, int(fringe.sum()))
    hh[fringe] = np.clip(np.rint(expected[fringe] * noise), 30, 260).astype(np.int64)

    # New estates where the city grows, old (half-emptied) compounds in the old cores.
    rep = shapely.point_on_surface(grids.geom[urban])
    rx, ry = shapely.get_x(rep), shapely.get_y(rep)
    shares = {name: share for name, share, _, _ in URBAN_MIX}
    n_estate = round(shares["estate"] * urban.size)
    n_old = round(shares["old"] * urban.size)
    # Gumbel top-k: a weighted draw without replacement, sharpened so that most estates
    # fall in the development zones and a few elsewhere.
    new_w = 0.04 + _geo.zone_score(rx, ry, _geo.NEW_ZONES)
    score = 1.4 * np.log(new_w) + rng.gumbel(size=urban.size)
    estate = urban[np.argsort(-score, kind="stable")[:n_estate]]
    klass[estate] = "estate"
    rest = urban[klass[urban] == "band"]
    rest_pos = np.searchsorted(urban, rest)
    old_w = 1.4 * np.log(0.06 + _geo.old_core_score(rx[rest_pos], ry[rest_pos]))
    old = rest[np.argsort(-(old_w + rng.gumbel(size=rest.size)), kind="stable")[:n_old]]
    klass[old] = "old"
    rest = urban[klass[urban] == "band"]
    p_over = shares["over"] / shares["band"]
    p_under = shares["under"] / shares["band"]
    u = rng.random(rest.size)
    klass[rest[u < p_over]] = "over"
    klass[rest[(u >= p_over) & (u < p_over + p_under)]] = "under"
    for name, _, low, high in URBAN_MIX:
        rows = np.flatnonzero(klass == name)
        if name == "band":
            draw = np.clip(np.rint(rng.normal(400.0, 52.0, rows.size)), low, high)
        else:
            draw = rng.integers(low, high + 1, rows.size)
        hh[rows] = draw.astype(np.int64)
    return klass, hh


def _unit_sizes(
    klass: StrArray, hh: IntArray, rng: np.random.Generator
) -> tuple[IntArray, IntArray, IntArray]:
    """Split each grid's households into units; returns (grid, households, type) per unit.

    Sizes are drawn per class into a (grids, 64) matrix; a grid takes units until their
    cumulative sum reaches its total, the last unit takes the remainder (a tiny remainder
    joins the unit before it).
    """
    n = klass.size
    shape = (n, _MAX_UNITS)
    compound = rng.random(shape) < 0.55
    regular = np.where(
        compound,
        np.clip(rng.lognormal(np.log(130.0), 0.45, shape), 40, 400),
        rng.uniform(24, 100, shape),
    )
    by_class = {
        "estate": rng.uniform(90, 210, shape),
        "old": rng.uniform(16, 64, shape),
        "fringe": rng.uniform(15, 70, shape),
        "industrial": rng.uniform(20, 70, shape),
    }
    sizes = regular.copy()
    utype = np.where(compound, 0, 1)
    for name, draw in by_class.items():
        rows = klass == name
        sizes[rows] = draw[rows]
        utype[rows] = 2 if name == "fringe" else 1
    sizes = np.rint(sizes).astype(np.int64)
    cum = np.cumsum(sizes, axis=1)
    if (cum[:, -1] < hh).any():
        raise AssertionError("unit size matrix too narrow for the largest grid")
    count = (cum < hh[:, None]).sum(axis=1) + 1
    prev = np.where(count > 1, cum[np.arange(n), np.maximum(count - 2, 0)], 0)
    last = hh - prev
    tiny = (last < 10) & (count > 1)
    count = np.where(tiny, count - 1, count)
    col = np.arange(_MAX_UNITS)[None, :]
    take = col < count[:, None]
    last_col = count - 1
    # The last unit of each grid holds whatever the others leave.
    before = np.where(last_col > 0, cum[np.arange(n), np.maximum(last_col - 1, 0)], 0)
    sizes[np.arange(n), last_col] = hh - before
    grid = np.broadcast_to(np.arange(n)[:, None], shape)[take]
    return grid.astype(np.int64), sizes[take], utype[take].astype(np.int64)


def _units(
    city_grids: Level,
    communities: Level,
    is_village: NDArray[np.bool_],
    klass: StrArray,
    hh: IntArray,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """Units with households and population, placed inside their grids."""
    grid, size, utype = _unit_sizes(klass, hh, rng)
    n = grid.size
    geoms = city_grids.geom.copy()
    shapely.prepare(geoms)
    # Candidates: units prefer the denser part of their grid (valley floors, away from the
    # river), villages strongly, old compounds not at all.
    n_cand = 6
    owner = np.repeat(grid, n_cand)
    cx, cy = sample_in(geoms, owner, rng)
    dens = _geo.relative_density(cx, cy)
    gamma = np.select([klass[grid] == "fringe", klass[grid] == "old"], [1.5, 0.0], default=0.5)
    key = np.repeat(gamma, n_cand) * np.log(dens) + rng.gumbel(size=owner.size)
    best = np.argmax(key.reshape(n, n_cand), axis=1) + np.arange(n) * n_cand
    x, y = cx[best], cy[best]
    # New high-rise estates: the towers of a grid stand together around one centre.
    estate = klass[grid] == "estate"
    if estate.any():
        first = np.r_[True, grid[1:] != grid[:-1]]
        centre = np.maximum.accumulate(np.where(first, np.arange(n), 0))
        ex = x[centre] + rng.normal(0, 70, n)
        ey = y[centre] + rng.normal(0, 70, n)
        inside = estate & shapely.contains_xy(geoms[grid], ex, ey)
        x, y = np.where(inside, ex, x), np.where(inside, ey, y)

    frame = pd.DataFrame({"grid": grid, "x": x, "y": y, "households": size, "utype": utype})
    frame["community"] = city_grids.parent[grid]
    # Names: compounds have their own; the buildings of a grid share its compound's name
    # (an estate's towers, an old works' 家属院); village groups are the 社 of their 村.
    regular_name = _names.compound_names(len(city_grids), "regular", rng)
    estate_name = _names.compound_names(len(city_grids), "estate", rng)
    old_name = _names.compound_names(len(city_grids), "old", rng)
    base = np.where(
        klass == "estate", estate_name, np.where(klass == "old", old_name, regular_name)
    )
    seq = frame.groupby(["grid", "utype"], sort=False).cumcount().to_numpy() + 1
    comm = communities.name[frame["community"].to_numpy()]
    stem = pd.Series(comm).str.removesuffix("社区").to_numpy(dtype=object)
    own = _names.compound_names(n, "regular", rng)
    name = np.where(
        utype == 0,
        own,
        np.where(
            utype == 1,
            base[grid] + seq.astype(str).astype(object) + "号楼",
            np.where(
                is_village[frame["community"].to_numpy()],
                comm + _names.digits_cn(np.minimum(seq, 99)) + "社",
                stem + seq.astype(str).astype(object) + "号院",
            ),
        ),
    )
    frame["name"] = name
    frame["unit_type"] = np.asarray(UNIT_TYPES, dtype=object)[utype]
    pph = np.select(
        [klass[grid] == "fringe", klass[grid] == "old", klass[grid] == "estate"],
        [rng.normal(3.2, 0.35, n), rng.normal(2.2, 0.25, n), rng.normal(2.8, 0.3, n)],
        default=rng.normal(2.55, 0.3, n),
    )
    frame["population"] = np.maximum(np.rint(size * np.clip(pph, 1.5, 4.8)), size).astype(np.int64)
    # Codes: community code + 4-digit number, north→south then west→east in the community.
    frame = frame.sort_values(["community", "y", "x"], ascending=[True, False, True])
    frame = frame.reset_index(drop=True)
    number = frame.groupby("community", sort=False).cumcount().to_numpy() + 1
    frame["code"] = communities.code[frame["community"].to_numpy()] + _pad(number, 4)
    return frame


def build_city(boundaries: _geo.Boundaries, rng: np.random.Generator) -> City:
    """Streets, communities, grids and units of the four urban districts (metres)."""
    pos = [boundaries.codes.index(c) for c in _geo.URBAN_DISTRICTS]
    districts = Level(
        np.asarray(_geo.URBAN_DISTRICTS, dtype=object),
        np.asarray([boundaries.names[i] for i in pos], dtype=object),
        np.zeros(len(pos), dtype=np.int64),
        boundaries.metric[pos],
    )
    lat, pdist = _lattice(districts.geom, rng)
    streets, slabel = _streets(districts, lat, pdist)
    communities, clabel, village, zone_comm = _communities(streets, lat, slabel, rng)
    grids, glabel = _grids(communities, lat, clabel, zone_comm, rng)
    # One exact coverage for all levels: grids cleaned per district, communities and
    # streets rebuilt as unions of their grids, so that every level nests exactly.
    district_of_grid = streets.parent[communities.parent[grids.parent]]
    grid_geom = clean_coverage(grids.geom, district_of_grid, tolerance=SPIKE_TOLERANCE_M)
    grids = Level(grids.code, grids.name, grids.parent, grid_geom)
    comm_geom = union_groups(grid_geom, grids.parent, len(communities))
    communities = Level(communities.code, communities.name, communities.parent, comm_geom)
    street_geom = union_groups(comm_geom, communities.parent, len(streets))
    streets = Level(streets.code, streets.name, streets.parent, street_geom)
    zone = comm_geom[zone_comm]
    expected = np.asarray(np.bincount(glabel, lat.mass, minlength=len(grids)), dtype=np.float64)
    klass, hh = _grid_households(grids, expected, zone_comm, rng)
    units = _units(grids, communities, village, klass, hh, rng)
    population = np.bincount(units["grid"], units["population"], minlength=len(grids))
    return City(
        districts=districts,
        streets=streets,
        communities=communities,
        is_village=village,
        grids=grids,
        grid_class=klass,
        grid_households=np.bincount(units["grid"], units["households"], len(grids)).astype(
            np.int64
        ),
        grid_population=population.astype(np.int64),
        grid_expected=expected,
        units=units,
        zone=zone,
        zone_community=zone_comm,
    )
