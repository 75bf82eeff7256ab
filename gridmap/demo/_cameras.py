"""Surveillance cameras (雪亮工程) of the demo city: dense downtown, thin at the fringe.

Cameras stand at compound gates (more where households are, but some communities were
left behind, so coverage gaps are real), along the commercial streets and the river roads,
around key areas (not all of them fully), at busy junctions downtown and, sparsely, in
villages. Kind, range, field of view, owner and on/offline status follow the placement.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray

from .. import schema
from . import _geo
from ._city import City
from ._partition import sample_in
from ._sites import Sites

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

#: Cameras at scale 1.
N_CAMERAS = 11_000

OWNERS = ("公安", "城管", "社区", "企业")
# Placement components: (name, share, owner mix over OWNERS).
_COMPONENTS: tuple[tuple[str, float, tuple[float, float, float, float]], ...] = (
    ("gate", 0.47, (0.30, 0.05, 0.55, 0.10)),
    ("commercial", 0.06, (0.40, 0.40, 0.00, 0.20)),
    ("keyarea", 0.14, (0.55, 0.05, 0.10, 0.30)),
    ("river", 0.06, (0.80, 0.20, 0.00, 0.00)),
    ("junction", 0.22, (0.85, 0.15, 0.00, 0.00)),
    ("village", 0.05, (0.60, 0.00, 0.40, 0.00)),
)
_KIND_MIX = {  # fixed, ptz, dome
    "gate": (0.55, 0.05, 0.40),
    "commercial": (0.55, 0.25, 0.20),
    "keyarea": (0.55, 0.20, 0.25),
    "river": (0.60, 0.40, 0.00),
    "junction": (0.50, 0.50, 0.00),
    "village": (0.70, 0.20, 0.10),
}
_DIRECTIONS = np.asarray(["北", "东北", "东", "东南", "南", "西南", "西", "西北"], dtype=object)


def _on_lines(
    lines: NDArray[np.object_], n: int, offset_m: float, rng: np.random.Generator
) -> tuple[FloatArray, FloatArray, FloatArray, IntArray]:
    """Points along lines (∝ length), pushed sideways; returns x, y, bearing, line index."""
    length = shapely.length(lines)
    which = rng.choice(lines.size, n, p=length / length.sum())
    t = rng.random(n)
    a = shapely.line_interpolate_point(lines[which], np.clip(t - 0.002, 0, 1), normalized=True)
    b = shapely.line_interpolate_point(lines[which], np.clip(t + 0.002, 0, 1), normalized=True)
    ax, ay, bx, by = shapely.get_x(a), shapely.get_y(a), shapely.get_x(b), shapely.get_y(b)
    bearing = np.degrees(np.arctan2(bx - ax, by - ay)) % 360
    nx, ny = -(by - ay), bx - ax
    norm = np.hypot(nx, ny) + 1e-9
    side = rng.choice([-1.0, 1.0], n) * (offset_m + rng.normal(0, offset_m / 3, n))
    return (ax + bx) / 2 + nx / norm * side, (ay + by) / 2 + ny / norm * side, bearing, which


def _attributes(
    x: FloatArray,
    y: FloatArray,
    comp_id: NDArray[np.int64],
    bearing: FloatArray,
    label: NDArray[np.object_],
    city: City,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """Kind, range, azimuth, field of view, status and owner of the placed cameras, drawn
    per placement component (gates, streets, key areas, river, junctions, villages)."""
    n = x.size
    kind_p = np.asarray([_KIND_MIX[c[0]] for c in _COMPONENTS])[comp_id]
    kind = np.minimum((np.cumsum(kind_p, 1) < rng.random(n)[:, None]).sum(1), 2)
    kinds = np.asarray(schema.CAMERA_KINDS.codes, dtype=object)  # fixed, ptz, dome
    range_m = np.choose(
        kind, [rng.uniform(40, 90, n), rng.uniform(100, 200, n), rng.uniform(20, 35, n)]
    )
    fov = np.choose(kind, [rng.uniform(50, 90, n), rng.uniform(90, 120, n), np.full(n, 360.0)])
    azimuth = np.where(kind == 2, 0.0, bearing % 360)
    owner_p = np.asarray([c[2] for c in _COMPONENTS])[comp_id]
    owner = np.minimum((np.cumsum(owner_p, 1) < rng.random(n)[:, None]).sum(1), 3)
    # Near the plant the enterprise runs most cameras.
    near_plant = shapely.distance(city.zone, shapely.points(x, y)) < 300
    owner = np.where(near_plant & (rng.random(n) < 0.7), 3, owner)
    # Offline: about 6.5 % overall, worse in villages and on community-owned kit.
    p_off = 0.052 + 0.08 * (comp_id == 5) + 0.03 * (owner == 2)
    status = np.where(rng.random(n) < p_off, "offline", "online").astype(object)
    return pd.DataFrame(
        {
            schema.KIND: kinds[kind],
            schema.RANGE_M: np.round(range_m, 0),
            schema.AZIMUTH_DEG: np.round(azimuth, 0) % 360,
            schema.FOV_DEG: np.round(fov, 0),
            schema.STATUS: status,
            schema.OWNER: np.asarray(OWNERS, dtype=object)[owner],
            "component": comp_id,
            "label": label,
            "direction": _DIRECTIONS[np.rint(bearing / 45).astype(int) % 8],
        }
    )


def build_cameras(
    city: City, sites: Sites, n_total: int, rng: np.random.Generator
) -> tuple[FloatArray, FloatArray, pd.DataFrame, dict[str, list[str]]]:
    """Camera positions (metres), attributes (without ids and names), and the answer key:
    the communities left under-equipped (lowest fifth of investment) and the key areas
    given too few cameras to reach their target."""
    shares = np.array([c[1] for c in _COMPONENTS])
    counts = np.floor(shares * n_total).astype(np.int64)
    counts[0] += n_total - counts.sum()
    units = city.units
    ux, uy = units["x"].to_numpy(), units["y"].to_numpy()
    klass = city.grid_class[units["grid"].to_numpy()]
    xs, ys, bearing, comp, label = [], [], [], [], []

    def add(x: FloatArray, y: FloatArray, b: FloatArray, c: int, lab: NDArray[np.object_]) -> None:
        xs.append(x)
        ys.append(y)
        bearing.append(b)
        comp.append(np.full(x.size, c, dtype=np.int64))
        label.append(lab)

    # Gates: ∝ households^0.7, downtown more, and a per-community investment factor so
    # that some communities are visibly under-equipped.
    invest = rng.lognormal(0.0, 0.9, len(city.communities))
    w = (
        units["households"].to_numpy(float) ** 0.7
        * (0.3 + _geo.relative_density(ux, uy))
        * invest[units["community"].to_numpy()]
        * ~np.isin(klass, ("fringe",))
    )
    pick = rng.choice(len(units), counts[0], p=w / w.sum())
    ang = rng.uniform(0, 2 * np.pi, counts[0])
    dist = rng.uniform(15, 45, counts[0])
    add(
        ux[pick] + dist * np.sin(ang),
        uy[pick] + dist * np.cos(ang),
        rng.uniform(0, 360, counts[0]),
        0,
        units["name"].to_numpy()[pick],
    )

    lines = _geo.commercial_lines()
    x, y, b, which = _on_lines(lines, int(counts[1]), 12.0, rng)
    names = np.asarray([n for n, _ in _geo.COMMERCIAL_STREETS], dtype=object)
    add(x, y, b + rng.choice([0.0, 180.0], x.size), 1, names[which])

    # Key areas: cameras on the perimeter; a third of the sites get few, so their
    # coverage stays short of the 100 % target.
    short = rng.random(sites.geom.size) < 0.33
    ring = shapely.boundary(sites.geom)
    x, y, b, which = _on_lines(ring, int(counts[2]), 8.0, rng)
    keep = ~short[which] | (rng.random(x.size) < 0.25)
    x, y, b, which = x[keep], y[keep], b[keep], which[keep]
    add(x, y, (b + 90) % 360, 2, sites.name[which])
    counts[4] += int(counts[2] - x.size)  # the cameras not placed go to junctions

    # River roads: both banks, only along the built-up stretch.
    river = _geo.river_line()
    seg = np.asarray([river], dtype=object)
    x, y, b, _which = _on_lines(seg, int(counts[3]) * 3, 90.0, rng)
    urban = _geo.relative_density(x, y) > 0.25
    x, y, b = x[urban][: counts[3]], y[urban][: counts[3]], b[urban][: counts[3]]
    counts[4] += int(counts[3] - x.size)
    add(x, y, b + rng.choice([0.0, 180.0], x.size), 3, np.full(x.size, "滨河路", dtype=object))

    # Junctions: random points in the built-up area, ∝ density².
    grids = city.grids.geom
    shapely.prepare(grids)
    urban_grid = np.flatnonzero(~np.isin(city.grid_class, ("fringe", "industrial")))
    drawn = rng.choice(urban_grid, int(counts[4]) * 3)
    gx, gy = sample_in(grids, drawn, rng)
    d = _geo.relative_density(gx, gy)
    # Junction cameras follow the same community budgets as gate cameras, so an
    # under-equipped community is thin on both (its gaps are real, not just fewer gates).
    w_j = d**2 * invest[city.grids.parent[drawn]]
    p = w_j / w_j.sum()
    sel = rng.choice(gx.size, int(counts[4]), replace=False, p=p)
    add(gx[sel], gy[sel], rng.uniform(0, 360, sel.size), 4, np.full(sel.size, "路口", dtype=object))

    # Villages: a few at village gates.
    vill = np.flatnonzero(units["unit_type"].to_numpy() == "村组")
    pick = rng.choice(vill, int(counts[5]))
    add(
        ux[pick] + rng.normal(0, 30, pick.size),
        uy[pick] + rng.normal(0, 30, pick.size),
        rng.uniform(0, 360, pick.size),
        5,
        units["name"].to_numpy()[pick],
    )

    x, y = np.concatenate(xs), np.concatenate(ys)
    frame = _attributes(
        x, y, np.concatenate(comp), np.concatenate(bearing), np.concatenate(label), city, rng
    )
    # The answer key: where the generator left coverage thin on purpose.
    poor = invest <= np.quantile(invest, 0.2)
    gaps = {
        "under_equipped_communities": city.communities.code[poor].tolist(),
        "short_keyareas": sites.code[short].tolist(),
    }
    return x, y, frame, gaps
