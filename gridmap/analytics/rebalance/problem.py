"""The rebalancing problem: units, their current grids, bands, locks; the sums per grid."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from numpy.typing import NDArray

from ... import schema
from ...crs import area_m2
from ...errors import GridmapError
from ...hierarchy import grid_code
from ..units import (
    UnitGraph,
    rebalance_units,
    unit_graph,
)
from ..workload import (
    MEASURE_UNITS,
    MEASURES,
    WorkloadSettings,
    community_type,
    default_measure,
    relative_band,
)

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]


class RebalanceError(GridmapError, ValueError):
    """A rebalancing request breaks a hard rule (locked grid, other community, bad code)."""


class EditConflict(RebalanceError):
    """Someone saved a change to the same community after this edit started."""


# --- the problem ----------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class Problem:
    """Units, their current grids, and what is known about each grid.

    Attributes
    ----------
    graph
        The units and their adjacency.
    base
        Grid index (into ``grid_codes``) of every unit in the current plan.
    grid_codes, grid_names, grid_workers, grid_community
        Per basic grid in scope.
    band_low, band_high
        The household band of each grid (its community's type, or one band given).
    locked
        Per grid: the planner locked it; suggestions and redraws never touch it.
    community_names
        Community code → name.
    settings
        The workload model.
    base_version
        Grid version the current plan comes from (None if unknown).
    band_override
        The one band given for every grid, if any.
    measure
        What is balanced (:data:`~.workload.MEASURES`): the bands, the band gap, the
        deviation and every suggestion are in its units. Households stay reported as such.
    cell_res
        H3 resolution of the cell units when no unit layer was used (None otherwise).
    """

    graph: UnitGraph
    base: IntArray
    grid_codes: tuple[str, ...]
    grid_names: tuple[str, ...]
    grid_workers: tuple[str, ...]
    grid_community: tuple[str, ...]
    band_low: IntArray
    band_high: IntArray
    locked: NDArray[np.bool_]
    community_names: dict[str, str]
    settings: WorkloadSettings
    base_version: int | None = None
    band_override: tuple[int, int] | None = None
    measure: str = "households"
    cell_res: int | None = None

    @cached_property
    def weight(self) -> FloatArray:
        """The balanced measure of every unit (workload: the model's household equivalents,
        which add up over units like households do)."""
        g = self.graph
        if self.measure == "population":
            return g.population.astype(np.float64)
        if self.measure == "workload":
            return self.settings.workload(g.households, g.population, g.load, g.area_m2)
        return g.households.astype(np.float64)

    @cached_property
    def unit_text(self) -> tuple[str, str]:
        """The measure's unit after a number, zh and en ("户", "households")."""
        return MEASURE_UNITS[self.measure]

    @cached_property
    def grid_index(self) -> dict[str, int]:
        return {c: i for i, c in enumerate(self.grid_codes)}

    @cached_property
    def community_of_unit(self) -> NDArray[np.object_]:
        return np.asarray(self.grid_community, dtype=object)[self.base]

    @cached_property
    def community_ids(self) -> IntArray:
        ids = [self.community_id_of[c] for c in self.grid_community]
        return np.asarray(ids, dtype=np.int64)

    @cached_property
    def community_id_of(self) -> dict[str, int]:
        return {c: i for i, c in enumerate(sorted(set(self.grid_community)))}

    @cached_property
    def first_grid_of(self) -> dict[str, int]:
        """Index of a community's first grid (where a new grid takes its band from)."""
        first: dict[str, int] = {}
        for i, c in enumerate(self.grid_community):
            first.setdefault(c, i)
        return first

    @cached_property
    def base_measures(self) -> _Measures:
        """Sums per grid of the current plan (computed once; every table compares to it)."""
        return _measures(self, self.base, len(self.grid_codes))

    def community_band(self, community: str) -> tuple[int, int]:
        idx = [i for i, c in enumerate(self.grid_community) if c == community]
        if not idx:
            raise RebalanceError(f"community {community!r}: not in scope")
        return int(self.band_low[idx[0]]), int(self.band_high[idx[0]])

    def community_name(self, code: str) -> str:
        return self.community_names.get(code, code)


def checked_measure(basic: gpd.GeoDataFrame, measure: str | None, *, what: str) -> str:
    """``measure``, or the default for what the grids hold (households when they have
    them, else workload); one line naming ``what`` when it is not a measure."""
    if measure is None:
        households = basic[schema.HOUSEHOLDS] if schema.HOUSEHOLDS in basic else np.zeros(0)
        measure = default_measure(households)
    if measure not in MEASURES:
        raise RebalanceError(f"{what} {measure}: allowed {', '.join(MEASURES)}")
    return measure


def prepare(
    grids: gpd.GeoDataFrame,
    units: gpd.GeoDataFrame | None = None,
    *,
    admin: gpd.GeoDataFrame | None = None,
    unit_load: Sequence[float] | NDArray[np.float64] | None = None,
    locked: Iterable[str] = (),
    band: tuple[int, int] | None = None,
    settings: WorkloadSettings | None = None,
    base_version: int | None = None,
    measure: str | None = None,
    cell_res: int | None = None,
) -> Problem:
    """Build the problem from grids (one version), a unit layer and the admin layer.

    Parameters
    ----------
    grids
        Grids in EPSG:4326; professional grids are dropped (never rebalanced).
    units
        Unit layer as built by :func:`gridmap.analytics.units.rebalance_units`; None builds
        it from ``grids`` alone (H3 cells, estimated households).
    unit_load
        Weighted incidents a year per unit (:func:`~.workload.unit_incident_load`).
    locked
        Grid codes to leave untouched.
    band
        One band for every grid, in the units of ``measure``, instead of the default:
        households use the per-type bands of ``settings`` (300–500 urban, 100–300
        village); population and workload, which have no rule, use
        :func:`~.workload.relative_band` of their mean per grid here (0.8–1.2 × mean).
    measure
        ``households``, ``population`` or ``workload``; None: households when any grid has
        households, else workload (:func:`~.workload.default_measure`).
    cell_res
        Recorded with the problem: the H3 resolution of cell units, if those are used.
    """
    s = settings or WorkloadSettings()
    if band is not None:
        lo, hi = band
        if not 0 < lo < hi:
            raise RebalanceError(f"band={band!r}: need 0 < low < high, e.g. (300, 500)")
    basic = schema.basic_grids(grids).reset_index(drop=True)
    measure = checked_measure(basic, measure, what="measure")
    if units is None:
        units = rebalance_units(basic)
    codes = basic[schema.CODE].astype(str).tolist()
    pos = {c: i for i, c in enumerate(codes)}
    in_scope = units[schema.GRID_CODE].astype(str).isin(pos).to_numpy()
    units = units[in_scope].reset_index(drop=True)
    load = None if unit_load is None else np.asarray(unit_load, dtype=np.float64)[in_scope]
    graph = unit_graph(units, load=load)
    base = units[schema.GRID_CODE].astype(str).map(pos).to_numpy(np.int64)
    lock_set = set(locked)
    unknown = sorted(lock_set - set(codes))
    if unknown:
        raise RebalanceError(
            f"locked grids {', '.join(unknown[:5])}: not basic grids of this version"
        )
    community = (
        basic[schema.PARENT_CODE].astype("string").fillna("").astype(str).tolist()
        if schema.PARENT_CODE in basic
        else [""] * len(basic)
    )
    cnames: dict[str, str] = {}
    if admin is not None and len(admin):
        cnames = dict(
            zip(admin[schema.CODE].astype(str), admin[schema.NAME].astype(str), strict=True)
        )
    if band is None and measure != "households":
        # No rule for residents or workload per grid: a band around the mean grid.
        band = _mean_band(graph, base, len(codes), measure, s)
        given = None
    else:
        given = band
    bands = np.asarray(
        [band if band is not None else s.band(community_type(cnames.get(c))) for c in community],
        dtype=np.int64,
    ).reshape(-1, 2)
    names = (
        basic[schema.NAME].astype("string").fillna("").astype(str).tolist()
        if schema.NAME in basic
        else codes
    )
    workers = (
        basic[schema.WORKER].astype("string").fillna("").astype(str).tolist()
        if schema.WORKER in basic
        else [""] * len(basic)
    )
    return Problem(
        graph=graph,
        base=base,
        grid_codes=tuple(codes),
        grid_names=tuple(n or c for n, c in zip(names, codes, strict=True)),
        grid_workers=tuple(workers),
        grid_community=tuple(community),
        band_low=bands[:, 0].copy(),
        band_high=bands[:, 1].copy(),
        locked=np.isin(np.asarray(codes, dtype=object), list(lock_set)),
        community_names=cnames,
        settings=s,
        base_version=base_version,
        band_override=given,
        measure=measure,
        cell_res=cell_res,
    )


def _mean_band(
    graph: UnitGraph, base: IntArray, n: int, measure: str, s: WorkloadSettings
) -> tuple[int, int]:
    """:func:`~.workload.relative_band` of the mean ``measure`` per grid of ``base``."""
    tmp = Problem(
        graph=graph,
        base=base,
        grid_codes=("",) * n,
        grid_names=("",) * n,
        grid_workers=("",) * n,
        grid_community=("",) * n,
        band_low=np.zeros(n, np.int64),
        band_high=np.zeros(n, np.int64),
        locked=np.zeros(n, bool),
        community_names={},
        settings=s,
        measure=measure,
    )
    total = float(tmp.weight.sum())
    return relative_band(total / max(n, 1))


#: Most H3 cell units :func:`auto_cell_res` allows for a whole workspace (about 10 s to
#: build and link on one core; the local search stays interactive).
MAX_CELL_UNITS = 20_000


def auto_cell_res(grids: gpd.GeoDataFrame) -> int:
    """The finest H3 resolution (11 down to 7) whose cell units for ``grids`` stay under
    :data:`MAX_CELL_UNITS`: 1.5 × the area over the mean cell area, since clipping at grid
    edges adds pieces (measured: 16,226 units at res 9 for the 303 NYC police sectors)."""
    if not len(grids):
        return 11
    area = float(area_m2(grids.geometry).sum())
    for res in range(11, 6, -1):
        if 1.5 * area / _HEX_AREA_M2[res] <= MAX_CELL_UNITS:
            return res
    return 7


#: Mean H3 cell area (m²) per resolution (``h3.average_hexagon_area``; only
#: :mod:`gridmap.indexing` imports h3).
_HEX_AREA_M2 = {7: 5_161_293.4, 8: 737_327.6, 9: 105_332.5, 10: 15_047.5, 11: 2_149.6}


def missing_measure(grids: gpd.GeoDataFrame, measure: str) -> set[str]:
    """Grids whose households or population are missing while other grids have them: an
    unknown count is not zero, so these grids are locked (never filled up nor split)."""
    col = {"households": schema.HOUSEHOLDS, "population": schema.POPULATION}.get(measure)
    if col is None or col not in grids:
        return set()
    na = pd.to_numeric(grids[col], errors="coerce").isna().to_numpy()
    if na.all():
        return set()
    return set(grids.loc[na, schema.CODE].astype(str))


def grid_measure(
    grids: gpd.GeoDataFrame, measure: str, table: Any, s: WorkloadSettings
) -> FloatArray:
    """``measure`` of every basic grid of ``grids`` (from its columns and the incidents)."""

    def col(name: str) -> FloatArray:
        if name not in grids:
            return np.zeros(len(grids))
        return np.asarray(pd.to_numeric(grids[name], errors="coerce").fillna(0.0), np.float64)

    if measure == "households":
        return col(schema.HOUSEHOLDS)
    if measure == "population":
        return col(schema.POPULATION)
    from ..workload import incident_load

    codes = grids[schema.CODE].astype(str)
    inc = (
        incident_load(table, settings=s)["incident_load"].reindex(codes).fillna(0.0).to_numpy()
        if len(table)
        else np.zeros(len(grids))
    )
    area = np.asarray(area_m2(grids.geometry), dtype=np.float64)
    return s.workload(col(schema.HOUSEHOLDS), col(schema.POPULATION), inc, area)


# --- sums per grid (the kernel every measure of a plan starts from) ----------------------------
@dataclass(frozen=True)
class _Measures:
    value: FloatArray  # the balanced measure (Problem.measure)
    households: FloatArray
    population: FloatArray
    load: FloatArray
    area_m2: FloatArray
    perimeter_m: FloatArray
    n_units: IntArray


def _measures(p: Problem, label: IntArray, n: int) -> _Measures:
    g = p.graph
    i, j, sh = g.edges
    inner = label[i] == label[j]
    perim = np.bincount(label, g.perimeter_m, minlength=n) - 2.0 * np.bincount(
        label[i[inner]], sh[inner], minlength=n
    )
    return _Measures(
        value=np.bincount(label, p.weight, minlength=n).astype(np.float64),
        households=np.bincount(label, g.households, minlength=n).astype(np.float64),
        population=np.bincount(label, g.population, minlength=n).astype(np.float64),
        load=np.bincount(label, g.load, minlength=n).astype(np.float64),
        area_m2=np.bincount(label, g.area_m2, minlength=n).astype(np.float64),
        perimeter_m=np.maximum(perim, 0.0),
        n_units=np.bincount(label, minlength=n).astype(np.int64),
    )


# --- codes of new grids ---------------------------------------------------------------------
def _next_codes(p: Problem, community: str, taken: Iterable[str], n: int) -> list[str]:
    """``n`` unused codes of the community: its code + the next free 3-digit numbers."""
    used = set(p.grid_codes) | set(taken)
    seqs = [
        int(c[len(community) :])
        for c in used
        if c.startswith(community) and c[len(community) :].isdigit()
    ]
    # Professional grids are numbered from 901; basic ones stay below.
    nxt = max([s for s in seqs if s < 900], default=0) + 1
    out: list[str] = []
    while len(out) < n:
        code = grid_code(community, nxt)
        if code not in used:
            out.append(code)
        nxt += 1
    return out
