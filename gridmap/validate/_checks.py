"""The checks, each returning its problems: geometry, duplicate codes, nesting in
communities, overlaps, gaps and households."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pyproj
import shapely
from numpy.typing import NDArray

from ..config import Settings
from ._geometry import (
    GEOMETRY_TYPE_NAMES,
    Geoms,
    _clipped_unions,
    _group_unions,
    _pieces,
    _points,
    _polygonal_parts,
    _project,
)
from ._problems import Msg, Problem, _at, _label, _m2, _msg, _problem

#: Plausible persons per household; outside this a population or household count is wrong.
_PERSONS_PER_HOUSEHOLD = (1.0, 10.0)


def _geometry_problems(
    codes: NDArray[np.object_],
    raw: Geoms,
    fixed: Geoms,
    own_repair: NDArray[np.bool_],
    caller_repair: NDArray[np.bool_],
    area_change: NDArray[np.float64],
    lon: NDArray[np.float64],
    lat: NDArray[np.float64],
) -> list[Problem]:
    problems: list[Problem] = []
    raw_missing = shapely.is_missing(raw) | shapely.is_empty(raw)
    fixed_missing = shapely.is_missing(fixed) | shapely.is_empty(fixed)
    reasons = np.full(len(raw), "", dtype=object)
    if own_repair.any():
        reasons[own_repair] = shapely.is_valid_reason(raw[own_repair])
    type_names = np.full(len(raw), "", dtype=object)
    type_names[~raw_missing] = shapely.get_type_id(raw[~raw_missing])
    for i in np.flatnonzero(raw_missing | own_repair | caller_repair | fixed_missing):
        code, label = codes[i], _label(codes[i], int(i))
        if raw_missing[i]:
            msg = _msg("empty_geometry", label=label)
            problems.append(_problem("empty_geometry", code, np.nan, np.nan, None, msg))
        elif fixed_missing[i]:
            # An invalid shape may have no interior point: use the centre of its extent.
            x0, y0, x1, y1 = shapely.bounds(raw[i])
            x, y = (x0 + x1) / 2.0, (y0 + y1) / 2.0
            msg = (
                _msg("invalid_no_area", label=label, reason=reasons[i], at=_at(x, y))
                if own_repair[i]
                else _msg(
                    "not_polygon_no_area",
                    label=label,
                    type=GEOMETRY_TYPE_NAMES.get(int(type_names[i]), "geometry"),
                    at=_at(x, y),
                )
            )
            problems.append(_problem("invalid_geometry", code, x, y, None, msg))
        elif own_repair[i]:
            change = float(area_change[i])
            sign = "-" if change < 0 else "+"
            msg = _msg(
                "repaired",
                label=label,
                reason=reasons[i],
                change=f"{sign}{_m2(abs(change))}",
                at=_at(lon[i], lat[i]),
            )
            problems.append(_problem("repaired_geometry", code, lon[i], lat[i], abs(change), msg))
        else:  # repaired by the caller (at import): the original shape is gone
            msg = _msg("repaired_at_import", label=label, at=_at(lon[i], lat[i]))
            problems.append(_problem("repaired_geometry", code, lon[i], lat[i], None, msg))
    return problems


def _duplicate_problems(
    codes: NDArray[np.object_], lon: NDArray[np.float64], lat: NDArray[np.float64]
) -> list[Problem]:
    s = pd.Series(codes, dtype=object)
    dup = s.duplicated(keep=False).to_numpy() & s.notna().to_numpy()
    counts = s[dup].value_counts()
    return [
        _problem(
            "duplicate_code",
            codes[i],
            lon[i],
            lat[i],
            None,
            _msg("duplicate_code", code=codes[i], n=counts[codes[i]], at=_at(lon[i], lat[i])),
        )
        for i in np.flatnonzero(dup)
    ]


def _community_pieces(
    grid_m: Geoms,
    grid_area: NDArray[np.float64],
    comm_codes: NDArray[np.object_],
    comm_m: Geoms,
) -> tuple[NDArray[np.intp], NDArray[np.intp], NDArray[np.float64]]:
    """Grid row, community row and area (m², > 0) of every piece of a grid in a community,
    sorted by grid, then largest first, then community code for a stable tie-break."""
    tree = shapely.STRtree(comm_m)
    gi, ci = tree.query(grid_m, predicate="intersects")
    # Most grids sit wholly inside one community: skip the costly intersection for those.
    shapely.prepare(comm_m)
    covered = shapely.covers(comm_m[ci], grid_m[gi])
    area = np.where(covered, grid_area[gi], 0.0)
    rest = np.flatnonzero(~covered)
    if len(rest):
        area[rest] = shapely.area(shapely.intersection(grid_m[gi[rest]], comm_m[ci[rest]]))
    keep = area > 0
    gi, ci, area = gi[keep], ci[keep], area[keep]
    order = np.lexsort((comm_codes[ci].astype(str), -area, gi))
    return gi[order], ci[order], area[order]


def _community_problems(
    codes: NDArray[np.object_],
    parents: NDArray[np.object_],
    grid_m: Geoms,
    grid_area: NDArray[np.float64],
    lon: NDArray[np.float64],
    lat: NDArray[np.float64],
    comm_codes: NDArray[np.object_],
    comm_m: Geoms,
    settings: Settings,
) -> list[Problem]:
    """Grids not inside exactly one community, or inside another than their parent_code."""
    gi, ci, area = _community_pieces(grid_m, grid_area, comm_codes, comm_m)
    n = len(grid_m)
    inside = np.bincount(gi, weights=area, minlength=n)
    first = np.full(n, -1)
    starts = np.flatnonzero(np.r_[True, gi[1:] != gi[:-1]]) if len(gi) else np.array([], int)
    first[gi[starts]] = starts
    if len(gi):
        best = np.where(first >= 0, area[np.maximum(first, 0)], 0.0)
        best_comm = np.where(first >= 0, ci[np.maximum(first, 0)], -1)
    else:  # no grid touches any community (e.g. grids imported far from the admin units)
        best, best_comm = np.zeros(n), np.full(n, -1)
    outside = np.maximum(grid_area - inside, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(grid_area > 0, best / grid_area, 0.0)
    present = grid_area > 0
    # Either share is enough: an absolute sliver below the tolerance is digitising noise
    # even when containment_share is 1.
    contained = present & (
        (share >= settings.containment_share) | (grid_area - best <= settings.overlap_tolerance_m2)
    )
    # A piece smaller than the overlap tolerance is digitising noise, not a second community.
    n_real = np.bincount(gi[area > settings.overlap_tolerance_m2], minlength=n)

    problems: list[Problem] = []
    split_rows = np.flatnonzero(present & ~contained)
    ends = np.r_[starts[1:], len(gi)] if len(gi) else np.array([], int)
    end_of = dict(zip(gi[starts].tolist(), ends.tolist(), strict=True))
    for i in split_rows:
        label = _label(codes[i], int(i))
        lo = first[i]
        pieces = (
            [(comm_codes[ci[k]], area[k]) for k in range(lo, end_of[int(i)])] if lo >= 0 else []
        )
        listed = ", ".join(f"{c} {_m2(a)}" for c, a in pieces if a > settings.overlap_tolerance_m2)
        parent: str | Msg = _msg("parent_code", parent=parents[i]) if parents[i] is not None else ""
        where = _at(lon[i], lat[i])
        if outside[i] >= best[i] or n_real[i] < 2:
            msg = _msg(
                "outside_community",
                label=label,
                outside=_m2(outside[i]),
                area=_m2(grid_area[i]),
                listed=listed or _msg("none"),
                parent=parent,
                at=where,
            )
            problems.append(
                _problem("outside_community", codes[i], lon[i], lat[i], float(outside[i]), msg)
            )
        else:
            extra: str | Msg = _msg("outside_any", area=_m2(outside[i])) if outside[i] > 0.5 else ""
            msg = _msg(
                "multiple_communities",
                label=label,
                n=n_real[i],
                listed=listed,
                extra=extra,
                parent=parent,
                at=where,
            )
            problems.append(
                _problem(
                    "multiple_communities",
                    codes[i],
                    lon[i],
                    lat[i],
                    float(grid_area[i] - best[i]),
                    msg,
                )
            )
    # Contained grids whose declared parent community is another one.
    declared = np.array([p is not None for p in parents], dtype=bool)
    home = np.where(contained, best_comm, -1)
    home_code = np.array([comm_codes[c] if c >= 0 else None for c in home], dtype=object)
    wrong = contained & declared & (home_code != parents)
    if wrong.any():
        in_parent = (
            pd.Series(area, index=pd.MultiIndex.from_arrays([gi, comm_codes[ci].astype(object)]))
            .groupby(level=[0, 1])
            .sum()
        )
        for i in np.flatnonzero(wrong):
            label = _label(codes[i], int(i))
            a_in = float(in_parent.get((int(i), parents[i]), 0.0))
            off = float(grid_area[i] - a_in)
            msg = _msg(
                "wrong_parent",
                label=label,
                home=home_code[i],
                parent=parents[i],
                off=_m2(off),
                at=_at(lon[i], lat[i]),
            )
            problems.append(_problem("outside_community", codes[i], lon[i], lat[i], off, msg))
    return problems


def _overlap_problems(
    codes: NDArray[np.object_],
    rows: NDArray[np.intp],
    basic_m: Geoms,
    to_wgs: pyproj.Transformer,
    settings: Settings,
) -> list[Problem]:
    tree = shapely.STRtree(basic_m)
    a, b = tree.query(basic_m, predicate="intersects")
    pair = a < b
    a, b = a[pair], b[pair]
    # Neighbours in a tiling share an edge: "touches" rules them out without an intersection.
    inner = ~shapely.touches(basic_m[a], basic_m[b])
    a, b = a[inner], b[inner]
    if not len(a):
        return []
    inter = shapely.intersection(basic_m[a], basic_m[b])
    inter = _polygonal_parts(np.asarray(inter, dtype=object))
    area = shapely.area(inter)
    big = area > settings.overlap_tolerance_m2
    a, b, inter, area = a[big], b[big], inter[big], area[big]
    wgs = _project(inter, to_wgs)
    lon, lat = _points(wgs)
    problems = []
    for k in range(len(a)):
        i, j = int(rows[a[k]]), int(rows[b[k]])
        first, second = sorted(
            [_label(codes[i], i), _label(codes[j], j)],
            key=lambda v: v.text("en") if isinstance(v, Msg) else v,
        )
        msg = _msg("overlap", a=first, b=second, area=_m2(area[k]), at=_at(lon[k], lat[k]))
        pair = "|".join(v.text("en") if isinstance(v, Msg) else v for v in (first, second))
        problems.append(_problem("overlap", pair, lon[k], lat[k], float(area[k]), msg, wgs[k]))
    return problems


#: Grid (metres) the gap search snaps to; see :func:`validate_grids`.
GAP_GRID_M = 0.01


def _gap_problems(
    basic_m: Geoms,
    comm_codes: NDArray[np.object_] | None,
    comm_m: Geoms | None,
    to_wgs: pyproj.Transformer,
    settings: Settings,
) -> list[Problem]:
    pieces: list[Geoms] = []
    owners: list[NDArray[np.intp]] = []
    tree = shapely.STRtree(basic_m)
    unions: list[Any] = []
    if comm_m is not None and comm_codes is not None:
        # (a) each community's area that no basic grid covers.
        ci, gi = tree.query(comm_m, predicate="intersects")
        cover = _group_unions(len(comm_m), ci, basic_m[gi])
        unions.extend(cover)
        uncovered = shapely.difference(comm_m, cover)
        p, o = _pieces(np.asarray(uncovered, dtype=object), np.arange(len(comm_m)))
        pieces.append(p)
        owners.append(o)
        stray = np.setdiff1d(np.arange(len(basic_m)), gi)
        unions.extend(basic_m[stray])
        union = shapely.union_all(np.asarray(unions, dtype=object))
    else:
        union = shapely.union_all(basic_m)
    # (b) holes enclosed by basic grids; with communities, only their parts outside every
    # community, since (a) already reported the rest.
    polys = shapely.get_parts(_polygonal_parts(np.array([union], dtype=object)))
    n_rings = shapely.get_num_interior_rings(polys)
    if n_rings.sum():
        owner_poly = np.repeat(np.arange(len(polys)), n_rings)
        ring_no = np.arange(len(owner_poly)) - np.repeat(np.cumsum(n_rings) - n_rings, n_rings)
        rings = shapely.get_interior_ring(polys[owner_poly], ring_no)
        holes = shapely.polygons(rings)
        # An island grid inside a hole covers part of it.
        hi, hg = tree.query(holes, predicate="intersects")
        holes = shapely.difference(holes, _clipped_unions(holes, hi, basic_m[hg]))
        if comm_m is not None:
            hi, hc = shapely.STRtree(comm_m).query(holes, predicate="intersects")
            holes = shapely.difference(holes, _clipped_unions(holes, hi, comm_m[hc]))
        p, o = _pieces(holes, np.full(len(holes), -1))
        pieces.append(p)
        owners.append(o)
    if not pieces:
        return []
    gaps = np.concatenate(pieces)
    owner = np.concatenate(owners)
    area = shapely.area(gaps)
    big = area > settings.gap_tolerance_m2
    gaps, owner, area = gaps[big], owner[big], area[big]
    wgs = _project(gaps, to_wgs)
    lon, lat = _points(wgs)
    problems = []
    for k in range(len(gaps)):
        code = comm_codes[owner[k]] if comm_codes is not None and owner[k] >= 0 else None
        where = (
            _msg("gap_in_community", code=code)
            if code is not None
            else _msg("gap_enclosed_outside" if comm_m is not None else "gap_enclosed")
        )
        msg = _msg("gap", where=where, area=_m2(area[k]), at=_at(lon[k], lat[k]))
        problems.append(_problem("gap", code, lon[k], lat[k], float(area[k]), msg, wgs[k]))
    return problems


def _household_problems(
    codes: NDArray[np.object_],
    basic: NDArray[np.bool_],
    households: NDArray[np.float64],
    population: NDArray[np.float64],
    lon: NDArray[np.float64],
    lat: NDArray[np.float64],
    settings: Settings,
) -> list[Problem]:
    problems: list[Problem] = []
    missing = basic & np.isnan(households)
    for i in np.flatnonzero(missing):
        msg = _msg("missing_households", label=_label(codes[i], int(i)), at=_at(lon[i], lat[i]))
        problems.append(_problem("missing_households", codes[i], lon[i], lat[i], None, msg))
    hh, pop = households, population
    with np.errstate(invalid="ignore", divide="ignore"):
        per = np.where(hh > 0, pop / hh, np.nan)
    low, high = _PERSONS_PER_HOUSEHOLD
    bad_count = (hh <= 0) | (hh > settings.max_households)
    bad_ratio = ~np.isnan(per) & ((per < low) | (per > high))
    for i in np.flatnonzero(bad_count | bad_ratio):
        why: list[Msg] = []
        if hh[i] <= 0:
            why.append(_msg("households_not_positive", hh=f"{hh[i]:,.0f}"))
        elif hh[i] > settings.max_households:
            why.append(
                _msg(
                    "households_above_max",
                    hh=f"{hh[i]:,.0f}",
                    max=f"{settings.max_households:,}",
                )
            )
        if bad_ratio[i]:
            why.append(
                _msg(
                    "persons_per_household",
                    per=f"{per[i]:.1f}",
                    pop=f"{pop[i]:,.0f}",
                    hh=f"{hh[i]:,.0f}",
                    low=f"{low:g}",
                    high=f"{high:g}",
                )
            )
        msg = _msg(
            "implausible_households",
            label=_label(codes[i], int(i)),
            why=tuple(why),
            at=_at(lon[i], lat[i]),
        )
        problems.append(_problem("implausible_households", codes[i], lon[i], lat[i], None, msg))
    return problems
