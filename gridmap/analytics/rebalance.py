"""Grid rebalancing: ranked suggestions, whole-community redraws, an edit session, drafts.

Everything works on a :class:`Problem`: the units of the basic grids in scope with their
adjacency (:mod:`gridmap.analytics.units`), each unit's current grid, and per grid its
community, band, worker and lock. A plan is a label array (grid index per unit), so a
move, a split or a merge is a new array and every measure of a plan is a few
``bincount`` calls over the units:

- households, population, incident load and area per grid are sums over units;
- a grid's perimeter is ``Σ unit perimeters − 2 · Σ borders between its own units``, so
  Polsby-Popper compactness needs no geometric union;
- contiguity is one connected-components call on the graph with cross-grid edges cut.

Hard constraints, kept by every suggestion and the redraw: a grid keeps to its community,
stays contiguous, professional grids (not in the problem at all) and locked grids are never
changed, and units are never cut. Soft goals, in this order: households inside the band
(``band_gap``: households outside it, summed), balance (squared deviation from the
community's mean), compactness, fewest households moved.

Randomness (spanning trees of the splitter, the order of local moves) comes only from
``numpy.random.default_rng(seed)``; the same inputs and seed give the same result.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from .. import schema
from ..crs import area_m2, to_metric
from ..errors import GridmapError
from .units import (
    UnitGraph,
    components,
    dissolve,
    rebalance_units,
    unit_graph,
)
from .workload import (
    MEASURE_UNITS,
    MEASURES,
    WorkloadSettings,
    band_sentence,
    community_diagnostics,
    community_type,
    default_measure,
    grids_needed,
    pp_from_parts,
    relative_band,
    staffing,
)

__all__ = [
    "EditConflict",
    "EditSession",
    "Plan",
    "Problem",
    "RebalanceError",
    "Suggestion",
    "VersionDiff",
    "apply_plan",
    "apply_renumber",
    "apply_suggestion",
    "assign_units",
    "assignment_frame",
    "auto_cell_res",
    "base_plan",
    "broken_grids",
    "combine",
    "community_table",
    "compare_versions",
    "dump_plan",
    "grid_table",
    "infeasibility",
    "load_problem",
    "plan_from_assignment",
    "plan_from_json",
    "plan_grids",
    "plan_to_json",
    "prepare",
    "publish_version",
    "redo",
    "redraw",
    "redraw_all",
    "renumber",
    "save_draft",
    "set_locked",
    "start_session",
    "suggest",
    "undo",
]

log = logging.getLogger(__name__)

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


def _checked_measure(basic: gpd.GeoDataFrame, measure: str | None, *, what: str) -> str:
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
    measure = _checked_measure(basic, measure, what="measure")
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


def load_problem(
    ws: Any,
    *,
    scope: str | None = None,
    version: int | None = None,
    locked: Iterable[str] = (),
    band: tuple[int, int] | None = None,
    settings: WorkloadSettings | None = None,
    cell_res: int | None = None,
    use_units: bool = True,
    measure: str | None = None,
) -> Problem:
    """:func:`prepare` from a workspace: grids of ``version`` (default in force) under
    ``scope`` (a community, street or district code prefix; None for all), the workspace's
    units (else, or with ``use_units=False``, H3 cells at ``cell_res``) and incident load
    from the stored incidents.

    ``cell_res`` None picks the finest H3 resolution (11 down to 7) at which the cell units
    of the **whole workspace** stay under :data:`MAX_CELL_UNITS` (so a city of police sectors
    gets hundreds of thousands of units no more; the choice does not depend on ``scope``,
    so a plan file made for all grids applies with the same units).

    Grids missing the measure's count (households or population) while others have it are
    locked: an unknown count is not an empty grid.

    ``measure`` None: households when the grids have any, else workload. Without ``band``,
    population and workload get :func:`~.workload.relative_band` of their mean per basic
    grid over the whole workspace (not the scope: a community page and the command line
    agree).
    """
    from .incidents import load_incident_table
    from .workload import unit_incident_load

    s = settings or WorkloadSettings()
    grids = ws.read_grids(version)
    if not len(grids):
        raise RebalanceError(f"{ws.name}: the workspace holds no grids")
    used_version = version
    if used_version is None and schema.VERSION in grids and len(grids):
        used_version = int(grids[schema.VERSION].iloc[0])
    admin = ws.read_layer("admin")
    all_basic = schema.basic_grids(grids).reset_index(drop=True)
    measure = _checked_measure(all_basic, measure, what="--balance")
    if cell_res is None:
        cell_res = auto_cell_res(all_basic)
    table = load_incident_table(ws)
    if band is None and measure != "households" and len(all_basic):
        band = relative_band(float(_grid_measure(all_basic, measure, table, s).mean()))
        given: tuple[int, int] | None = None
    else:
        given = band
    missing = _missing_measure(all_basic, measure)
    if scope:
        sc = str(scope)
        parent = grids[schema.PARENT_CODE].astype("string").fillna("")
        keep = parent.str.startswith(sc) | grids[schema.CODE].astype(str).eq(sc)
        if not keep.any():
            known = sorted(set(admin[schema.CODE].astype(str))) if len(admin) else []
            hint = f" (e.g. {', '.join(known[:3])})" if known else ""
            raise RebalanceError(
                f"--scope {sc!r}: no grid lies in a community with that code prefix{hint}"
            )
        grids = grids[keep.to_numpy()]
    basic = schema.basic_grids(grids)
    units = ws.read_layer("units") if use_units and ws.has_layer("units") else None
    if units is not None and len(units) and schema.GRID_CODE in units:
        units = units[units[schema.GRID_CODE].astype("string").isin(basic[schema.CODE])]
    has_units = units is not None and len(units) > 0
    unit_layer = rebalance_units(basic, units if has_units else None, res=cell_res)
    load = unit_incident_load(unit_layer, table, settings=s) if len(table) else None
    p = prepare(
        basic,
        unit_layer,
        admin=admin,
        unit_load=load,
        locked=set(locked) | (missing & set(basic[schema.CODE].astype(str))),
        band=band,
        settings=s,
        base_version=used_version,
        measure=measure,
        cell_res=None if has_units else cell_res,
    )
    return p if given is not None else replace(p, band_override=None)


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


def _missing_measure(grids: gpd.GeoDataFrame, measure: str) -> set[str]:
    """Grids whose households or population are missing while other grids have them: an
    unknown count is not zero, so these grids are locked (never filled up nor split)."""
    col = {"households": schema.HOUSEHOLDS, "population": schema.POPULATION}.get(measure)
    if col is None or col not in grids:
        return set()
    na = pd.to_numeric(grids[col], errors="coerce").isna().to_numpy()
    if na.all():
        return set()
    return set(grids.loc[na, schema.CODE].astype(str))


def _grid_measure(
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
    from .workload import incident_load

    codes = grids[schema.CODE].astype(str)
    inc = (
        incident_load(table, settings=s)["incident_load"].reindex(codes).fillna(0.0).to_numpy()
        if len(table)
        else np.zeros(len(grids))
    )
    area = np.asarray(area_m2(grids.geometry), dtype=np.float64)
    return s.workload(col(schema.HOUSEHOLDS), col(schema.POPULATION), inc, area)


# --- measures of a plan ---------------------------------------------------------------------
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


def _workload(p: Problem, m: _Measures) -> FloatArray:
    return p.settings.workload(m.households, m.population, m.load, m.area_m2)


def _gap(h: FloatArray, lo: FloatArray | float, hi: FloatArray | float) -> FloatArray:
    return np.maximum(lo - h, 0.0) + np.maximum(h - hi, 0.0)


def _n_parts_of(p: Problem, label: IntArray, n: int, grids: Sequence[int]) -> IntArray:
    """Parts of ``grids`` only (others report 0): components of their units alone."""
    out = np.zeros(n, dtype=np.int64)
    units = np.flatnonzero(np.isin(label, np.asarray(grids, dtype=np.int64)))
    if units.size == 0:
        return out
    local = np.full(len(p.graph), -1, dtype=np.int64)
    local[units] = np.arange(units.size)
    i, j, _ = p.graph.edges
    keep = (local[i] >= 0) & (local[j] >= 0) & (label[i] == label[j])
    m = sparse.csr_matrix(
        (np.ones(int(keep.sum())), (local[i[keep]], local[j[keep]])), shape=(units.size,) * 2
    )
    _, comp = connected_components(m, directed=False)
    pairs = np.unique(np.column_stack([label[units], comp]), axis=0)
    np.add.at(out, pairs[:, 0], 1)
    return out


def _n_parts(p: Problem, label: IntArray, n: int) -> IntArray:
    comp = components(p.graph, label)
    pairs = np.unique(np.column_stack([label, comp]), axis=0)
    return np.bincount(pairs[:, 0], minlength=n).astype(np.int64)


@dataclass(frozen=True, eq=False)
class Plan:
    """A plan over a problem: grid codes (existing first, then new ones) and unit labels.

    ``new_community`` gives the community of each new grid (code not in the problem).
    """

    problem: Problem
    codes: tuple[str, ...]
    label: IntArray
    new_community: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        p = self.problem
        n0 = len(p.grid_codes)
        # The current grids keep their positions: label arrays of a plan and of the
        # current plan compare as integers, which keeps every paint and suggestion cheap.
        if self.codes[:n0] != p.grid_codes:
            raise RebalanceError("plan codes must start with the problem's grid codes")
        missing = [c for c in self.codes[n0:] if c not in self.new_community]
        if missing:
            raise RebalanceError(f"new grids {', '.join(missing[:5])}: no community given")
        if self.label.shape != (len(p.graph),):
            raise RebalanceError(f"label: expected {len(p.graph)} values, got {self.label.shape}")

    @cached_property
    def community(self) -> tuple[str, ...]:
        p = self.problem
        extra = tuple(self.new_community[c] for c in self.codes[len(p.grid_codes) :])
        return p.grid_community + extra

    @cached_property
    def community_ids(self) -> IntArray:
        """Small integer id of each grid's community (shared with the problem's ids)."""
        p = self.problem
        extra = [p.community_id_of[c] for c in self.community[len(p.grid_codes) :]]
        return np.concatenate([p.community_ids, np.asarray(extra, dtype=np.int64)])

    @cached_property
    def bands(self) -> tuple[FloatArray, FloatArray]:
        p = self.problem
        extra = [p.first_grid_of[c] for c in self.community[len(p.grid_codes) :]]
        src = np.concatenate([np.arange(len(p.grid_codes)), np.asarray(extra, dtype=np.int64)])
        return p.band_low[src].astype(np.float64), p.band_high[src].astype(np.float64)

    def index_of(self, code: str) -> int | None:
        p = self.problem
        i = p.grid_index.get(code)
        if i is not None:
            return i
        return self._new_index.get(code)

    @cached_property
    def _new_index(self) -> dict[str, int]:
        n0 = len(self.problem.grid_codes)
        return {c: n0 + k for k, c in enumerate(self.codes[n0:])}

    @cached_property
    def measures(self) -> _Measures:
        return _measures(self.problem, self.label, len(self.codes))

    def moved(self) -> NDArray[np.bool_]:
        """Units whose grid differs from the current plan's (same positions, see above)."""
        return np.asarray(self.label != self.problem.base, dtype=bool)

    def changed_communities(self) -> list[str]:
        """Communities with a unit that changed grid."""
        comm = np.asarray(self.problem.grid_community, dtype=object)[self.problem.base]
        return sorted(set(comm[self.moved()].tolist()))

    def households_moved(self) -> int:
        return int(self.problem.graph.households[self.moved()].sum())

    def measure_moved(self) -> float:
        """The balanced measure (households, population or workload) of the moved units."""
        return float(self.problem.weight[self.moved()].sum())

    def table(self) -> pd.DataFrame:
        return grid_table(self)


def base_plan(p: Problem) -> Plan:
    return Plan(p, p.grid_codes, p.base.copy())


def grid_table(plan: Plan, codes: Iterable[str] | None = None) -> pd.DataFrame:
    """The live table of a plan: one row per grid (with units), or for ``codes`` only.

    Columns: ``name, community, households, households_before, measure, measure_before,
    deviation_pct, in_band, band_gap, contiguous, compactness, compactness_before, workload,
    workload_before, n_units, locked, worker``. ``measure`` is the balanced measure
    (``Problem.measure``; equal to households by default): the band, ``band_gap`` and
    ``deviation_pct`` (from the community's mean in the plan) are about it.
    """
    p = plan.problem
    m = plan.measures
    n = len(plan.codes)
    if codes is None:
        sel = np.arange(n)
        parts = _n_parts(p, plan.label, n)
    else:
        found = [plan.index_of(c) for c in dict.fromkeys(codes)]
        sel = np.asarray([i for i in found if i is not None], dtype=np.int64)
        # Contiguity only where asked: the graph restricted to the units of those grids.
        parts = _n_parts_of(p, plan.label, n, sel.tolist())
    lo, hi = plan.bands
    h = m.value
    alive = m.n_units > 0
    # Community means over the grids that hold units (numpy: this runs on every paint).
    comm_id = plan.community_ids
    cnt = np.bincount(comm_id, alive.astype(np.float64))
    tot = np.bincount(comm_id, np.where(alive, h, 0.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = (tot / cnt)[comm_id]
        dev = np.where(mean > 0, 100.0 * (h - mean) / mean, 0.0)
    before = p.base_measures
    codes_sel = [plan.codes[i] for i in sel.tolist()]
    idx_before = np.asarray([p.grid_index.get(c, -1) for c in codes_sel], dtype=np.int64)
    has_before = idx_before >= 0
    safe = np.where(has_before, idx_before, 0)
    pp = pp_from_parts(m.area_m2[sel], m.perimeter_m[sel])
    pp_before = pp_from_parts(before.area_m2, before.perimeter_m)
    wl = _workload(p, m)[sel]
    wl_before = _workload(p, before)
    hs = h[sel]
    out = pd.DataFrame(
        {
            schema.NAME: [
                p.grid_names[p.grid_index[c]] if c in p.grid_index else f"{c}（新）"
                for c in codes_sel
            ],
            "community": [plan.community[i] for i in sel.tolist()],
            schema.HOUSEHOLDS: m.households[sel].astype(np.int64),
            "households_before": np.where(has_before, before.households[safe], 0).astype(np.int64),
            "measure": hs,
            "measure_before": np.where(has_before, before.value[safe], 0.0),
            "deviation_pct": dev[sel],
            "in_band": (hs >= lo[sel]) & (hs <= hi[sel]),
            "band_gap": _gap(hs, lo[sel], hi[sel]),
            "contiguous": parts[sel] == 1,
            "compactness": pp,
            "compactness_before": np.where(has_before, pp_before[safe], np.nan),
            "workload": wl,
            "workload_before": np.where(has_before, wl_before[safe], 0.0),
            "n_units": m.n_units[sel],
            "locked": has_before & p.locked[safe],
            schema.WORKER: [
                p.grid_workers[p.grid_index[c]] if c in p.grid_index else "" for c in codes_sel
            ],
        },
        index=pd.Index(codes_sel, name=schema.CODE),
    )
    return out[alive[sel] | has_before]


def community_table(plan: Plan, *, capacity: float | None = None) -> pd.DataFrame:
    """Per community of a plan: grids, households, cv, out-of-band grids, the grids the band
    needs with its zh/en sentence, and the staffing what-if (workers needed).

    See :func:`gridmap.analytics.workload.community_diagnostics` and
    :func:`~gridmap.analytics.workload.staffing` for the columns.
    """
    p = plan.problem
    t = grid_table(plan)
    t = t[t["n_units"] > 0]
    lo, hi = plan.bands
    pos = {c: i for i, c in enumerate(plan.codes)}
    idx = [pos[c] for c in t.index]
    frame = t.assign(
        community_name=[p.community_name(c) for c in t["community"]],
        community_type=[community_type(p.community_name(c)) for c in t["community"]],
        street=[str(c)[:9] for c in t["community"]],
        band_low=lo[idx].astype(np.int64),
        band_high=hi[idx].astype(np.int64),
    )
    out = community_diagnostics(frame, measure=p.measure)
    if not len(out):
        return out
    staff = staffing(out, settings=p.settings, capacity=capacity)
    return out.join(staff.drop(columns=["community_name"]))


# --- splitting by spanning trees --------------------------------------------------------------
def _random_tree(n: int, ei: IntArray, ej: IntArray, rng: np.random.Generator) -> list[list[int]]:
    """Adjacency lists of a random spanning tree (Kruskal on random edge weights).

    Plain Python: the graphs here are one grid's units (tens to hundreds of nodes), where
    sparse-matrix calls cost more than they save.
    """
    parent = list(range(n))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    adj: list[list[int]] = [[] for _ in range(n)]
    for e in np.argsort(rng.random(ei.size), kind="stable").tolist():
        a, b = int(ei[e]), int(ej[e])
        ra, rb_ = find(a), find(b)
        if ra != rb_:
            parent[ra] = rb_
            adj[a].append(b)
            adj[b].append(a)
    return adj


def _tree_cut(
    adj: list[list[int]], nodes: list[int], weight: FloatArray, k: int, targets: FloatArray
) -> list[list[int]] | None:
    """Cut the spanning tree on ``nodes`` into ``k`` parts near ``targets`` (sum: total).

    Each step roots the tree at ``nodes[0]`` and removes the edge whose subtree weight is
    closest to the sum of some prefix of the targets; both sides stay trees, so every part
    is connected.
    """
    if k == 1:
        return [nodes]
    inside = set(nodes)
    root = nodes[0]
    order = [root]
    pred = {root: -1}
    for v in order:  # BFS; the list grows while we walk it
        for w in adj[v]:
            if w in inside and w not in pred:
                pred[w] = v
                order.append(w)
    if len(order) != len(nodes):
        return None
    sub = {v: float(weight[v]) for v in order}
    for v in reversed(order[1:]):
        sub[pred[v]] += sub[v]
    cum = np.cumsum(targets)[:-1]  # j = 1..k-1 parts below the cut
    child = order[1:]
    err = np.abs(np.asarray([sub[c] for c in child])[:, None] - cum[None, :])
    c_idx, j_idx = divmod(int(np.argmin(err)), cum.size)
    cut, j = child[c_idx], j_idx + 1
    below = {cut}
    for v in order:
        if v != cut and pred[v] in below:
            below.add(v)
    a = [v for v in nodes if v in below]
    b = [v for v in nodes if v not in below]
    if len(a) < j or len(b) < k - j:
        return None
    # Each side's walk stays on its side: the cut edge joins them, and ``inside`` is reset.
    left = _tree_cut(_without(adj, cut, pred[cut]), a, weight, j, targets[:j])
    right = _tree_cut(_without(adj, cut, pred[cut]), b, weight, k - j, targets[j:])
    if left is None or right is None:
        return None
    return left + right


def _without(adj: list[list[int]], a: int, b: int) -> list[list[int]]:
    out = list(adj)
    out[a] = [x for x in adj[a] if x != b]
    out[b] = [x for x in adj[b] if x != a]
    return out


def _partition(
    p: Problem,
    nodes: IntArray,
    k: int,
    band: tuple[float, float],
    rng: np.random.Generator,
    *,
    tries: int = 40,
) -> list[IntArray] | None:
    """Split connected ``nodes`` into ``k`` connected parts: best of ``tries`` random trees.

    Each try draws a random spanning tree and cuts it (:func:`_tree_cut`); parts are
    scored by the measure outside the band, then squared deviation from the mean, then
    compactness (Polsby-Popper from the graph).
    """
    if nodes.size < k:
        return None
    if k == 1:
        return [nodes]
    g = p.graph
    sub = _subgraph_shared(p, nodes)
    upper = sparse.triu(sub, k=1).tocoo()
    ei = upper.row.astype(np.int64)
    ej = upper.col.astype(np.int64)
    esh = np.asarray(upper.data, dtype=np.float64)
    w = p.weight[nodes]
    perim_u = g.perimeter_m[nodes]
    area_u = g.area_m2[nodes]
    total = float(w.sum())
    targets = np.full(k, total / k)
    local = list(range(nodes.size))
    best: tuple[tuple[float, float, float], list[IntArray]] | None = None
    lo, hi = band
    for _ in range(tries):
        adj = _random_tree(nodes.size, ei, ej, rng)
        parts = _tree_cut(adj, local, w, k, targets)
        if parts is None:
            continue
        label = np.empty(nodes.size, dtype=np.int64)
        for q, x in enumerate(parts):
            label[x] = q
        hh = np.bincount(label, w, minlength=k).astype(np.float64)
        inner = label[ei] == label[ej]
        perim = np.bincount(label, perim_u, minlength=k) - 2 * np.bincount(
            label[ei[inner]], esh[inner], minlength=k
        )
        pp = pp_from_parts(np.bincount(label, area_u, minlength=k), perim)
        key = (
            float(_gap(hh, lo, hi).sum()),
            float(((hh - total / k) ** 2).sum()),
            -float(np.nanmean(pp)),
        )
        if best is None or key < best[0]:
            best = (key, [nodes[np.asarray(x, dtype=np.int64)] for x in parts])
    return None if best is None else best[1]


def _subgraph_shared(p: Problem, nodes: IntArray) -> sparse.csr_matrix:
    """Shared border lengths among ``nodes`` (local indices)."""
    return p.graph.shared_matrix[nodes][:, nodes].tocsr()


# --- local moves ----------------------------------------------------------------------------
def _connected_without(p: Problem, label: IntArray, members: IntArray, drop: int) -> bool:
    """Whether ``members`` (one grid's units) minus ``drop`` is non-empty and connected."""
    rest = members[members != drop]
    if rest.size == 0:
        return False
    inside = set(rest.tolist())
    seen = {int(rest[0])}
    queue = deque([int(rest[0])])
    g = p.graph
    while queue:
        u = queue.popleft()
        for v in g.indices[g.indptr[u] : g.indptr[u + 1]].tolist():
            if v in inside and v not in seen:
                seen.add(v)
                queue.append(v)
    return len(seen) == rest.size


@dataclass
class _Search:
    """Mutable state of the local search over one community (internal)."""

    p: Problem
    label: IntArray
    free: NDArray[np.bool_]  # units that may move
    grid_ok: NDArray[np.bool_]  # grids that may gain or lose units
    lo: FloatArray
    hi: FloatArray
    target: float
    hh: FloatArray
    area: FloatArray
    perim: FloatArray
    origin: IntArray  # grid each unit should preferably stay in
    w_balance: float = 1.0
    w_compact: float = 0.3
    w_moved: float = 0.5

    def grid_cost(self, g: int, h: float, a: float, per: float) -> float:
        gap = max(self.lo[g] - h, 0.0) + max(h - self.hi[g], 0.0)
        dev = (h - self.target) / max(self.target, 1.0)
        pp = 4 * math.pi * a / per**2 if per > 0 else 0.0
        return (
            1000.0 * gap / max(self.target, 1.0)
            + self.w_balance * dev * dev
            + (self.w_compact * (1.0 - pp))
        )

    def delta(self, u: int, a: int, b: int) -> float:
        g = self.p.graph
        nb = g.indices[g.indptr[u] : g.indptr[u + 1]]
        sh = g.shared_m[g.indptr[u] : g.indptr[u + 1]]
        to_a = float(sh[self.label[nb] == a].sum())
        to_b = float(sh[self.label[nb] == b].sum())
        h = float(self.p.weight[u])
        ar = float(g.area_m2[u])
        pu = float(g.perimeter_m[u])
        before = self.grid_cost(a, self.hh[a], self.area[a], self.perim[a]) + self.grid_cost(
            b, self.hh[b], self.area[b], self.perim[b]
        )
        after = self.grid_cost(
            a, self.hh[a] - h, self.area[a] - ar, self.perim[a] - pu + 2 * to_a
        ) + self.grid_cost(b, self.hh[b] + h, self.area[b] + ar, self.perim[b] + pu - 2 * to_b)
        scale = max(self.target, 1.0)
        moved = (h if self.origin[u] == a else 0.0) - (h if self.origin[u] == b else 0.0)
        return after - before + self.w_moved * moved / scale

    def apply(self, u: int, a: int, b: int) -> None:
        g = self.p.graph
        nb = g.indices[g.indptr[u] : g.indptr[u + 1]]
        sh = g.shared_m[g.indptr[u] : g.indptr[u + 1]]
        to_a = float(sh[self.label[nb] == a].sum())
        to_b = float(sh[self.label[nb] == b].sum())
        h, ar, pu = float(self.p.weight[u]), float(g.area_m2[u]), float(g.perimeter_m[u])
        self.hh[a] -= h
        self.hh[b] += h
        self.area[a] -= ar
        self.area[b] += ar
        self.perim[a] += -pu + 2 * to_a
        self.perim[b] += pu - 2 * to_b
        self.label[u] = b

    def run(self, rng: np.random.Generator, *, max_passes: int = 30) -> int:
        """First-improvement passes over border units in random order; returns moves made."""
        g = self.p.graph
        moves = 0
        units = np.flatnonzero(self.free)
        for _ in range(max_passes):
            improved = False
            for u in rng.permutation(units).tolist():
                a = int(self.label[u])
                nb = g.indices[g.indptr[u] : g.indptr[u + 1]]
                cands = np.unique(self.label[nb])
                cands = cands[(cands != a) & self.grid_ok[cands]]
                if cands.size == 0:
                    continue
                deltas = [self.delta(u, a, int(b)) for b in cands.tolist()]
                k = int(np.argmin(deltas))
                if deltas[k] >= -1e-9:
                    continue
                members = np.flatnonzero(self.label == a)
                if not _connected_without(self.p, self.label, members, u):
                    continue
                self.apply(u, a, int(cands[k]))
                moves += 1
                improved = True
            if not improved:
                break
        return moves


# --- suggestions ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Suggestion:
    """One ranked change: a split, a merge or a move of border units.

    ``changes`` lists ``(unit code, from grid, to grid)``; ``before`` / ``after`` give the
    balanced measure (``measure``: households unless the problem balances population or
    workload) of every affected grid (a new grid has no "before"); ``delta_households``
    is the change in households per grid whatever the measure. ``gap_before`` /
    ``gap_after`` are the measure outside the band over the affected grids, ``out_before``
    / ``out_after`` how many of them are out of band, and ``score`` the measure the
    suggestion brings into the band (``gap_before - gap_after``), by which suggestions are
    ranked. The deltas of workload and compactness are summed (compactness: mean) over
    the affected grids.
    """

    kind: str  # split | merge | move
    community: str
    grids: tuple[str, ...]
    changes: tuple[tuple[str, str, str], ...]
    new_grids: tuple[str, ...]
    before: tuple[tuple[str, int], ...]
    after: tuple[tuple[str, int], ...]
    delta_households: tuple[tuple[str, int], ...]
    delta_workload: float
    delta_compactness: float
    gap_before: float
    gap_after: float
    households_moved: int
    units_moved: int
    workers: tuple[str, ...]
    score: float
    sentence_zh: str
    sentence_en: str
    measure: str = "households"
    out_before: int = 0
    out_after: int = 0
    measure_moved: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "community": self.community,
            "measure": self.measure,
            "grids": list(self.grids),
            "new_grids": list(self.new_grids),
            "before": dict(self.before),
            "after": dict(self.after),
            "delta_households": dict(self.delta_households),
            "delta_workload": _finite(self.delta_workload, 1),
            "delta_compactness": _finite(self.delta_compactness, 4),
            "gap_before": _finite(self.gap_before, 1),
            "gap_after": _finite(self.gap_after, 1),
            "out_before": self.out_before,
            "out_after": self.out_after,
            "households_moved": self.households_moved,
            "measure_moved": _finite(self.measure_moved, 1),
            "units_moved": self.units_moved,
            "workers": list(self.workers),
            "score": _finite(self.score, 4),
            "changes": [list(c) for c in self.changes],
            "sentence_zh": self.sentence_zh,
            "sentence_en": self.sentence_en,
        }


def _finite(x: float, digits: int) -> float | None:
    """``x`` rounded, or None where it is NaN or infinite (strict JSON has neither)."""
    return round(float(x), digits) if math.isfinite(float(x)) else None


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
        code = f"{community}{nxt:03d}"
        if code not in used:
            out.append(code)
        nxt += 1
    return out


def _suggestion(
    base: Plan, after: Plan, kind: str, grids: Sequence[str], sentence: tuple[str, str]
) -> Suggestion:
    p = base.problem
    moved = after.moved() != base.moved()
    codes_after = np.asarray(after.codes, dtype=object)
    codes_before = np.asarray(base.codes, dtype=object)
    changes = tuple(
        (str(p.graph.codes[u]), str(codes_before[base.label[u]]), str(codes_after[after.label[u]]))
        for u in np.flatnonzero(moved).tolist()
    )
    affected = list(dict.fromkeys([*grids, *[c[1] for c in changes], *[c[2] for c in changes]]))
    # Plain arrays, not grid_table: this runs for every candidate of every pair.
    ib = np.asarray([i for c in affected if (i := base.index_of(c)) is not None], np.int64)
    ia = np.asarray([i for c in affected if (i := after.index_of(c)) is not None], np.int64)
    mb, ma = base.measures, after.measures
    ia = ia[ma.n_units[ia] > 0]  # grids merged away have no "after"
    codes_b = [base.codes[i] for i in ib.tolist()]
    codes_a = [after.codes[i] for i in ia.tolist()]
    gb = _gap(mb.value[ib], base.bands[0][ib], base.bands[1][ib])
    ga = _gap(ma.value[ia], after.bands[0][ia], after.bands[1][ia])
    before = tuple((c, round(float(v))) for c, v in zip(codes_b, mb.value[ib], strict=True))
    after_v = tuple((c, round(float(v))) for c, v in zip(codes_a, ma.value[ia], strict=True))
    hb = dict(zip(codes_b, mb.households[ib].tolist(), strict=True))
    ha = dict(zip(codes_a, ma.households[ia].tolist(), strict=True))
    delta = tuple(
        (c, int(ha.get(c, 0)) - int(hb.get(c, 0))) for c in affected if c in hb or c in ha
    )
    gap_b, gap_a = float(gb.sum()), float(ga.sum())
    out_b, out_a = int((gb > 0).sum()), int((ga > 0).sum())
    zh, en = sentence
    # Say so when a grid stays out of band after this change, and what would bring it in.
    for c, g in zip(codes_a, ga.tolist(), strict=True):
        if g > 0:
            hint = _fix_hint(after, c)
            zh, en = zh + hint[0], en + hint[1]
    pp_b = _mean(pp_from_parts(mb.area_m2[ib], mb.perimeter_m[ib]))
    pp_a = _mean(pp_from_parts(ma.area_m2[ia], ma.perimeter_m[ia]))
    workers = tuple(
        p.grid_workers[p.grid_index[c]] or p.grid_names[p.grid_index[c]]
        for c in affected
        if c in p.grid_index
    )
    new = tuple(c for c in affected if c not in p.grid_index)
    return Suggestion(
        kind=kind,
        community=after.community[after.codes.index(grids[0])],
        grids=tuple(grids),
        changes=changes,
        new_grids=new,
        before=before,
        after=after_v,
        delta_households=delta,
        delta_workload=float(_workload(p, ma)[ia].sum() - _workload(p, mb)[ib].sum()),
        delta_compactness=pp_a - pp_b,
        gap_before=gap_b,
        gap_after=gap_a,
        households_moved=int(p.graph.households[moved].sum()),
        units_moved=int(moved.sum()),
        workers=workers,
        score=gap_b - gap_a,
        sentence_zh=zh,
        sentence_en=en,
        measure=p.measure,
        out_before=out_b,
        out_after=out_a,
        measure_moved=float(p.weight[moved].sum()),
    )


def _mean(x: FloatArray) -> float:
    """Mean without NaN (NaN when nothing is left), without numpy's empty-slice warning."""
    x = x[~np.isnan(x)]
    return float(x.mean()) if x.size else math.nan


def _fix_hint(plan: Plan, code: str) -> tuple[str, str]:
    """What brings grid ``code`` of ``plan`` into its band when this change does not: a
    split into the number of grids the band needs, else a redraw of its community."""
    p = plan.problem
    g = plan.codes.index(code)
    v = float(plan.measures.value[g])
    lo, hi = float(plan.bands[0][g]), float(plan.bands[1][g])
    uz, ue = p.unit_text
    name = p.grid_names[g] if g < len(p.grid_codes) else code
    kmin, kmax = grids_needed(v, (int(lo), int(hi)))
    if v > hi and kmin <= kmax:
        return (
            f"{_gz(name)}仍有{round(v):,}{uz}，单次调整无法使其进入{_band_text(lo, hi)}区间："
            f"可将其拆分为{kmin}个网格。",
            f" Grid {name} still has {round(v):,} {ue}: no single move brings it into "
            f"{_band_text(lo, hi)}; splitting it into {kmin} grids can.",
        )
    return (
        f"{_gz(name)}仍{'超出' if v > hi else '不足'}{_band_text(lo, hi)}{uz}区间"
        f"（{round(v):,}{uz}），单次调整无法使其进入区间：可整体重划本社区。",
        f" Grid {name} is still {'above' if v > hi else 'below'} {_band_text(lo, hi)} "
        f"({round(v):,} {ue}): no single move brings it into the band; redrawing the "
        "community can.",
    )


def _gz(name: str) -> str:
    """The zh name of a grid: 网格X, unless the name X already says 网格."""
    return name if "网格" in name else f"网格{name}"


def _band_text(lo: float, hi: float) -> str:
    return f"{int(lo)}–{int(hi)}"


def _split_suggestion(
    p: Problem, base: Plan, g: int, rng: np.random.Generator
) -> Suggestion | None:
    h = float(base.measures.value[g])
    lo, hi = float(p.band_low[g]), float(p.band_high[g])
    kmin, kmax = grids_needed(h, (int(lo), int(hi)))
    k = kmin if kmin <= kmax else max(kmin, 2)
    if k < 2:
        return None
    nodes = np.flatnonzero(base.label == g)
    parts: list[IntArray] | None = None
    best_miss = math.inf
    # The fewest grids first; one more (when the band allows it) leaves more slack per
    # part where units are too coarse to cut the fewest exactly.
    for kk in range(k, (kmax if kmin <= kmax else k) + 1)[:2]:
        cut = _partition(p, nodes, kk, (lo, hi), rng)
        if cut is None:
            continue
        miss = sum(float(_gap(np.array([p.weight[x].sum()]), lo, hi)[0]) for x in cut)
        if miss < best_miss:
            parts, best_miss, k = cut, miss, kk
        if miss == 0:
            break
    if parts is None:
        return None
    # The part with most of the measure keeps the grid's code and worker: fewest move.
    parts.sort(key=lambda x: (-float(p.weight[x].sum()), int(x.min())))
    community = p.grid_community[g]
    new = _next_codes(p, community, base.codes, k - 1)
    codes = (*base.codes, *new)
    label = base.label.copy()
    for q, x in enumerate(parts[1:]):
        label[x] = len(base.codes) + q
    after = Plan(p, codes, label, {**base.new_community, **{c: community for c in new}})
    hh = [round(float(p.weight[x].sum())) for x in parts]
    name = p.grid_names[g]
    uz, ue = p.unit_text
    shares = "/".join(f"{v:,}" for v in hh)
    ok = all(lo <= v <= hi for v in hh)
    zh = (
        f"将{_gz(name)}（{round(h):,}{uz}）拆分为{k}个网格：{shares}{uz}"
        + (f"，均在{_band_text(lo, hi)}{uz}区间内" if ok else "")
        + "。"
    )
    en = (
        f"Split grid {name} ({round(h):,} {ue}) into {k} grids of {shares} {ue}"
        + (f", all within {_band_text(lo, hi)}" if ok else "")
        + "."
    )
    return _suggestion(base, after, "split", [p.grid_codes[g], *new], (zh, en))


def _merge_suggestion(p: Problem, base: Plan, a: int, b: int) -> Suggestion | None:
    m = base.measures
    keep, drop = (a, b) if (m.value[a], -a) >= (m.value[b], -b) else (b, a)
    label = base.label.copy()
    label[label == drop] = keep
    after = Plan(p, base.codes, label, base.new_community)
    h = round(float(m.value[a] + m.value[b]))
    lo, hi = float(p.band_low[keep]), float(p.band_high[keep])
    na, nb = p.grid_names[keep], p.grid_names[drop]
    ha, hb = round(float(m.value[keep])), round(float(m.value[drop]))
    uz, ue = p.unit_text
    inside = lo <= h <= hi
    zh = (
        f"将{_gz(nb)}（{hb:,}{uz}）并入相邻的{na}（{ha:,}{uz}），合并后{h:,}{uz}"
        + (f"，在{_band_text(lo, hi)}{uz}区间内" if inside else "")
        + "。"
    )
    en = (
        f"Merge grid {nb} ({hb:,} {ue}) into its neighbour {na} ({ha:,}): {h:,} {ue}"
        + (f", within {_band_text(lo, hi)}" if inside else "")
        + "."
    )
    return _suggestion(base, after, "merge", [p.grid_codes[keep], p.grid_codes[drop]], (zh, en))


#: Most units one move suggestion carries (H3-cell units are small; a street needs many).
_MAX_MOVE_UNITS = 64


def _move_suggestion(
    p: Problem, base: Plan, a: int, b: int, members: IntArray
) -> Suggestion | None:
    """Border units to move from grid ``a`` (its units: ``members``) to its neighbour ``b``.

    Grows the moved set one unit at a time, always along the border (a unit touching
    ``b`` or a unit already moved, so ``b`` stays contiguous), taking the unit that cuts
    most of the measure outside the band per unit of measure moved and keeping ``a``
    contiguous; stops when no unit cuts that gap any further. A move never pushes a grid
    out of the band on the other side: ``b`` does not grow past the band's top, nor ``a``
    shrink below its bottom, unless it already was there.
    """
    g = p.graph
    m = base.measures
    w = p.weight
    if members.size < 2:
        return None
    lo_a, hi_a = float(p.band_low[a]), float(p.band_high[a])
    lo_b, hi_b = float(p.band_low[b]), float(p.band_high[b])
    ha, hb = float(m.value[a]), float(m.value[b])
    # Overshooting the other side swaps one grid out of band for another.
    floor_a, ceil_b = min(lo_a, ha), max(hi_b, hb)

    def gap(x: float) -> float:
        return float(
            _gap(np.array([ha - x]), lo_a, hi_a)[0] + _gap(np.array([hb + x]), lo_b, hi_b)[0]
        )

    if gap(0.0) <= 0:
        return None
    label = base.label.copy()
    donor = members.copy()
    moved: list[int] = []
    x = 0.0
    while len(moved) < _MAX_MOVE_UNITS and donor.size > 1:
        # Donor units touching the receiving side (b, including what already moved).
        frontier = [
            u
            for u in donor.tolist()
            if (label[g.indices[g.indptr[u] : g.indptr[u + 1]]] == b).any()
        ]
        now = gap(x)
        ranked = []
        for u in frontier:
            h = float(w[u])
            if ha - x - h < floor_a - 1e-9 or hb + x + h > ceil_b + 1e-9:
                continue
            gain = now - gap(x + h)
            if gain > 0:
                ranked.append((-gain / max(h, 1.0), h, u))
        pick = None
        for _, _, u in sorted(ranked):
            if _connected_without(p, label, donor, u):
                pick = u
                break
        if pick is None:
            break
        label[pick] = b
        donor = donor[donor != pick]
        moved.append(pick)
        x += float(w[pick])
    if not moved:
        return None
    after = Plan(p, base.codes, label, base.new_community)
    h = round(x)
    uz, ue = p.unit_text
    na, nb_ = p.grid_names[a], p.grid_names[b]
    ha2, hb2 = round(ha - x), round(hb + x)
    if len(moved) == 1:
        unit = str(g.codes[moved[0]])
        what_zh, what_en = f"单元{unit}（{h:,}{uz}）", f"unit {unit} ({h:,} {ue})"
    else:
        what_zh = f"{len(moved)}个单元（共{h:,}{uz}）"
        what_en = f"{len(moved)} units ({h:,} {ue})"
    zh = (
        f"把{what_zh}从{_gz(na)}移到相邻的{nb_}：{round(ha):,}→{ha2:,}{uz}，"
        f"{round(hb):,}→{hb2:,}{uz}。"
    )
    en = (
        f"Move {what_en} from grid {na} to its neighbour {nb_}: "
        f"{round(ha):,}→{ha2:,} and {round(hb):,}→{hb2:,} {ue}."
    )
    return _suggestion(base, after, "move", [p.grid_codes[a], p.grid_codes[b]], (zh, en))


def _grid_pairs(p: Problem, label: IntArray) -> list[tuple[int, int]]:
    """Adjacent grid pairs (a < b) of the same community, neither locked."""
    i, j, _ = p.graph.edges
    a, b = label[i], label[j]
    cross = a != b
    pairs = np.unique(np.sort(np.column_stack([a[cross], b[cross]]), axis=1), axis=0)
    comm = np.asarray(p.grid_community, dtype=object)
    out = []
    for x, y in pairs.tolist():
        if comm[x] == comm[y] and not p.locked[x] and not p.locked[y]:
            out.append((int(x), int(y)))
    return out


def suggest(
    p: Problem,
    *,
    community: str | None = None,
    top: int | None = None,
    seed: int = 0,
    kinds: Sequence[str] = ("split", "merge", "move"),
) -> list[Suggestion]:
    """Ranked suggestions for the current plan (or one community of it).

    Splits for grids above their band, merges of adjacent under-loaded grids of one
    community whose sum fits the band, and border-unit moves between neighbours of one
    community that bring the measure into the band. Locked grids are never touched.

    Only changes that lower the measure outside the band **and** leave no more of the
    affected grids out of band than before are offered. They are ranked by the measure
    they bring into the band (``score``), then by grids brought into the band, then by
    the fewest households (units of the measure) moved (ties: kind, codes). A suggestion
    after which a grid is still out of band says so and names the split or redraw that
    would bring it in.

    Examples
    --------
    See ``tests/analytics/test_rebalance.py`` for hand-built cases with known answers.
    """
    bad = sorted(set(kinds) - {"split", "merge", "move"})
    if bad:
        raise RebalanceError(f"kinds {bad}: allowed split, merge, move")
    base = base_plan(p)
    m = base.measures
    rng = np.random.default_rng(seed)
    comm = np.asarray(p.grid_community, dtype=object)
    in_scope = np.ones(len(p.grid_codes), dtype=bool) if community is None else comm == community
    if community is not None and not in_scope.any():
        raise RebalanceError(f"community {community!r}: no basic grid of it is in scope")
    out: list[Suggestion] = []
    if "split" in kinds:
        over = np.flatnonzero(in_scope & ~p.locked & (m.value > p.band_high))
        for g in over.tolist():
            s = _split_suggestion(p, base, g, rng)
            if s is not None:
                out.append(s)
    pairs = [(a, b) for a, b in _grid_pairs(p, p.base) if in_scope[a]]
    if "merge" in kinds:
        # One merge per grid under the band: with the neighbour that brings most into the
        # band (then the smallest sum); four merges of one small grid are one decision.
        best: dict[int, tuple[tuple[float, float, int], int]] = {}
        for a, b in pairs:
            ha, hb = m.value[a], m.value[b]
            lo_a, lo_b = p.band_low[a], p.band_low[b]
            hi = min(p.band_high[a], p.band_high[b])
            if (ha < lo_a or hb < lo_b) and ha + hb <= hi:
                gain = float(
                    _gap(np.array([ha]), lo_a, p.band_high[a])[0]
                    + _gap(np.array([hb]), lo_b, p.band_high[b])[0]
                    - _gap(np.array([ha + hb]), max(lo_a, lo_b), hi)[0]
                )
                for small, other in ((a, b), (b, a)):
                    if m.value[small] < p.band_low[small]:
                        key = (-gain, float(ha + hb), other)
                        if small not in best or key < best[small][0]:
                            best[small] = (key, other)
        chosen = sorted({(min(g, o), max(g, o)) for g, (_, o) in best.items()})
        for a, b in chosen:
            s = _merge_suggestion(p, base, a, b)
            if s is not None:
                out.append(s)
    if "move" in kinds:
        # Units of every grid, grouped once (not one scan of all units per pair).
        by_grid = np.argsort(p.base, kind="stable")
        bounds = np.searchsorted(p.base[by_grid], np.arange(len(p.grid_codes) + 1))
        for a, b in pairs:
            for x, y in ((a, b), (b, a)):
                members = by_grid[bounds[x] : bounds[x + 1]]
                s = _move_suggestion(p, base, x, y, members)
                if s is not None:
                    out.append(s)
    # A change must help: less outside the band, and no more grids out of band.
    out = [s for s in out if s.gap_after < s.gap_before - 1e-9 and s.out_after <= s.out_before]
    rank = {"split": 0, "merge": 1, "move": 2}
    out.sort(
        key=lambda s: (
            -round(s.score, 6),
            s.out_after - s.out_before,
            round(s.measure_moved, 6),
            rank[s.kind],
            s.grids,
        )
    )
    return out[:top] if top is not None else out


def infeasibility(p: Problem, community: str) -> list[tuple[str, str]]:
    """Why a community cannot have every grid in the band, in words (zh, en); [] if it can.

    Checks the community's total of the balanced measure against the band (no whole
    number of grids fits), and units too large for the band (a unit is never cut).
    """
    comm = np.asarray(p.grid_community, dtype=object)
    gi = np.flatnonzero((comm == community) & ~p.locked)
    if gi.size == 0:
        return []
    lo, hi = int(p.band_low[gi[0]]), int(p.band_high[gi[0]])
    units = np.isin(p.base, gi)
    h = float(p.weight[units].sum())
    name = p.community_name(community)
    out: list[tuple[str, str]] = []
    kmin, kmax = grids_needed(h, (lo, hi))
    if kmin > kmax:
        out.append(band_sentence(name, h, (lo, hi), int(gi.size), measure=p.measure))
    uz, ue = p.unit_text
    big = np.flatnonzero(units & (p.weight > hi))
    for u in big[:20].tolist():
        code, hh = str(p.graph.codes[u]), round(float(p.weight[u]))
        out.append(
            (
                f"单元{code}有{hh:,}{uz}，超过{hi:,}{uz}上限，单元不可拆分",
                f"unit {code} has {hh:,} {ue}, above the band's {hi:,}; units are never cut",
            )
        )
    return out


# --- whole-community redraw -----------------------------------------------------------------
def _best_k(h: float, band: tuple[int, int], now: int) -> int:
    lo, hi = band
    kmin, kmax = grids_needed(h, band)
    if kmin <= kmax:
        return min(max(now, kmin), kmax)

    def miss(k: int) -> float:
        return max(0.0, h - k * hi) + max(0.0, k * lo - h)

    return min(range(max(kmin - 1, 1), kmin + 1), key=lambda k: (miss(k), abs(k - now)))


def redraw(
    p: Problem,
    community: str,
    *,
    k: int | None = None,
    seed: int = 0,
    max_passes: int = 30,
    restarts: int = 8,
    locked: Iterable[str] | None = None,
) -> Plan:
    """A full plan for one community: every grid in the band where the units allow it,
    contiguous, compact, and as close to the current plan as possible.

    The number of grids is the current one clamped to what the band needs (or ``k``).
    Too few grids: the heaviest is split in two (random spanning trees, best of many);
    too many: the lightest merges into its lightest neighbour. Then border units move one
    at a time (first improvement, seeded random order) while a move lowers the measure
    outside the band, squared deviation from the mean, non-compactness and the measure
    moved away from their current grid — never breaking contiguity. Locked grids and
    their units stay as they are.

    The search runs ``restarts`` times with independent random streams of ``seed``; the
    plan with least of the measure outside the band, then fewest households moved, then
    most compact, is returned.
    """
    if restarts < 1:
        raise RebalanceError(f"restarts={restarts}: need at least 1")
    q = p
    if locked is not None:
        # Locks set in an edit session, instead of the problem's own.
        lock_set = set(locked)
        q = replace(p, locked=np.isin(np.asarray(p.grid_codes, dtype=object), list(lock_set)))
    best: tuple[tuple[float, int, float], Plan] | None = None
    for r in range(restarts):
        rng = np.random.default_rng([seed, r])
        plan = _redraw_once(q, community, k=k, rng=rng, max_passes=max_passes)
        table = grid_table(plan)
        mine = table[(table["community"] == community) & (table["n_units"] > 0)]
        key = (
            float(mine["band_gap"].sum()),
            plan.households_moved(),
            -float(mine["compactness"].mean()),
        )
        if best is None or key < best[0]:
            best = (key, plan)
    assert best is not None
    plan = best[1]
    return Plan(p, plan.codes, plan.label, plan.new_community)


def _redraw_once(
    p: Problem,
    community: str,
    *,
    k: int | None,
    rng: np.random.Generator,
    max_passes: int,
) -> Plan:

    comm = np.asarray(p.grid_community, dtype=object)
    gi = np.flatnonzero((comm == community) & ~p.locked)
    if gi.size == 0:
        if (comm == community).any():
            raise RebalanceError(f"community {community!r}: every grid is locked")
        raise RebalanceError(f"community {community!r}: no basic grid of it is in scope")
    band = p.community_band(community)
    plan = base_plan(p)
    free = np.isin(p.base, gi)
    h = float(p.weight[free].sum())
    target_k = k if k is not None else _best_k(h, band, int(gi.size))
    if target_k < 1:
        raise RebalanceError(f"k={k}: need at least one grid")
    codes = list(plan.codes)
    label = plan.label.copy()
    new_comm: dict[str, str] = {}
    live = [int(g) for g in gi]
    while len(live) < target_k:
        hh = {g: float(p.weight[label == g].sum()) for g in live}
        splittable = [g for g in live if int((label == g).sum()) >= 2]
        if not splittable:
            break
        g = max(splittable, key=lambda x: (hh[x], -x))
        nodes = np.flatnonzero(label == g)
        parts = _partition(p, nodes, 2, (band[0], band[1]), rng)
        if parts is None:
            break
        parts.sort(key=lambda x: (-float(p.weight[x].sum()), int(x.min())))
        (code,) = _next_codes(p, community, codes, 1)
        codes.append(code)
        new_comm[code] = community
        label[parts[1]] = len(codes) - 1
        live.append(len(codes) - 1)
    while len(live) > target_k:
        hh = {g: float(p.weight[label == g].sum()) for g in live}
        g = min(live, key=lambda x: (hh[x], x))
        nb = _neighbour_grids(p, label, g, set(live))
        if not nb:
            break
        into = min(nb, key=lambda x: (hh[x], x))
        label[label == g] = into
        live.remove(g)
    n = len(codes)
    grid_ok = np.zeros(n, dtype=bool)
    grid_ok[live] = True
    m = _measures(p, label, n)
    lo_arr = np.full(n, float(band[0]))
    hi_arr = np.full(n, float(band[1]))
    search = _Search(
        p=p,
        label=label,
        free=free,
        grid_ok=grid_ok,
        lo=lo_arr,
        hi=hi_arr,
        target=h / max(len(live), 1),
        hh=m.value.copy(),
        area=m.area_m2.copy(),
        perim=m.perimeter_m.copy(),
        origin=np.asarray(
            [codes.index(c) for c in np.asarray(p.grid_codes, dtype=object)[p.base]],
            dtype=np.int64,
        ),
    )
    search.run(rng, max_passes=max_passes)
    return Plan(p, tuple(codes), search.label, new_comm)


def _neighbour_grids(p: Problem, label: IntArray, g: int, allowed: set[int]) -> list[int]:
    g_units = np.flatnonzero(label == g)
    nb = np.unique(
        np.concatenate([p.graph.neighbours(int(u)) for u in g_units.tolist()])
        if g_units.size
        else np.zeros(0, np.int64)
    )
    grids = set(label[nb].tolist()) - {g}
    return sorted(x for x in grids if x in allowed)


# --- edit session ---------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class EditSession:
    """What a page keeps between reruns: the plan, locks and the undo/redo stacks.

    Every operation returns a new session; the old one is unchanged (so a page can keep it
    in ``st.session_state`` and compare).
    """

    plan: Plan
    locked: frozenset[str]
    undo_stack: tuple[tuple[Plan, frozenset[str]], ...] = ()
    redo_stack: tuple[tuple[Plan, frozenset[str]], ...] = ()

    @property
    def can_undo(self) -> bool:
        return bool(self.undo_stack)

    @property
    def can_redo(self) -> bool:
        return bool(self.redo_stack)

    def affected(self) -> pd.DataFrame:
        """The live table of every grid the session changed (see :func:`grid_table`)."""
        base = self.plan.problem.base
        changed = self.plan.moved()
        codes_now = np.asarray(self.plan.codes, dtype=object)[self.plan.label[changed]]
        codes_was = np.asarray(self.plan.problem.grid_codes, dtype=object)[base[changed]]
        touched = sorted(set(codes_now.tolist()) | set(codes_was.tolist()))
        return grid_table(self.plan, touched)


def start_session(p: Problem, *, plan: Plan | None = None) -> EditSession:
    """A session on the current plan (or a given one, e.g. a redraw)."""
    locked = frozenset(c for c, lk in zip(p.grid_codes, p.locked, strict=True) if lk)
    return EditSession(plan=plan if plan is not None else base_plan(p), locked=locked)


_UNDO_DEPTH = 100


def _push(s: EditSession, plan: Plan, locked: frozenset[str]) -> EditSession:
    stack = (*s.undo_stack, (s.plan, s.locked))[-_UNDO_DEPTH:]
    return EditSession(plan=plan, locked=locked, undo_stack=stack, redo_stack=())


def assign_units(s: EditSession, units: Iterable[str], target: str) -> EditSession:
    """Give ``units`` (codes) to grid ``target``; a rule broken raises :class:`RebalanceError`.

    The target and every source grid must be unlocked and in the same community as every
    unit. Contiguity is not enforced while painting (a planner may pass through a split
    state); :meth:`EditSession.affected` shows it, and :func:`save_draft` refuses it.
    """
    plan = s.plan
    p = plan.problem
    codes = list(dict.fromkeys(str(u) for u in units))
    missing = [c for c in codes if c not in p.graph.position]
    if missing:
        raise RebalanceError(f"units {', '.join(missing[:5])}: not units of this workspace scope")
    if target not in plan.codes:
        raise RebalanceError(f"target grid {target!r}: not a basic grid in scope")
    if target in s.locked:
        raise RebalanceError(f"target grid {target}: locked; unlock it first")
    t = plan.codes.index(target)
    idx = np.asarray([p.graph.position[c] for c in codes], dtype=np.int64)
    sources = {plan.codes[g] for g in plan.label[idx].tolist()}
    locked_src = sorted(sources & s.locked)
    if locked_src:
        raise RebalanceError(f"units of locked grid(s) {', '.join(locked_src)} cannot move")
    t_comm = plan.community[t]
    other = sorted({str(c) for c in p.community_of_unit[idx] if c != t_comm})
    if other:
        raise RebalanceError(
            f"grid {target} is in community {t_comm}; units of community "
            f"{', '.join(other)} cannot join it (a grid stays inside its community)"
        )
    label = plan.label.copy()
    label[idx] = t
    return _push(s, Plan(p, plan.codes, label, plan.new_community), s.locked)


def set_locked(s: EditSession, codes: Iterable[str], locked: bool = True) -> EditSession:
    """Lock (or unlock) grids; an undoable step like any other."""
    codes = set(codes)
    unknown = sorted(codes - set(s.plan.codes))
    if unknown:
        raise RebalanceError(f"grids {', '.join(unknown[:5])}: not grids of this plan")
    new = s.locked | codes if locked else s.locked - codes
    return _push(s, s.plan, frozenset(new))


def undo(s: EditSession) -> EditSession:
    if not s.undo_stack:
        return s
    plan, locked = s.undo_stack[-1]
    return EditSession(plan, locked, s.undo_stack[:-1], (*s.redo_stack, (s.plan, s.locked)))


def redo(s: EditSession) -> EditSession:
    if not s.redo_stack:
        return s
    plan, locked = s.redo_stack[-1]
    return EditSession(plan, locked, (*s.undo_stack, (s.plan, s.locked)), s.redo_stack[:-1])


def apply_plan(s: EditSession, plan: Plan) -> EditSession:
    """Make ``plan`` (e.g. a :func:`redraw`) the session's plan, as one undoable step.

    Units of grids locked in the session must stay where they are in the session's plan.
    """
    if plan.problem.graph is not s.plan.problem.graph:
        raise RebalanceError("the plan was made on other units than this session's")
    locked_idx = [i for c in s.locked if (i := s.plan.index_of(c)) is not None]
    now = np.asarray(s.plan.codes, dtype=object)[s.plan.label]
    new = np.asarray(plan.codes, dtype=object)[plan.label]
    touched = np.isin(s.plan.label, locked_idx) & (now != new)
    if touched.any():
        grids = sorted(set(now[touched].tolist()))
        raise RebalanceError(f"the plan changes locked grid(s) {', '.join(grids[:5])}")
    return _push(s, plan, s.locked)


def apply_suggestion(s: EditSession, sug: Suggestion) -> EditSession:
    """Apply a suggestion made on the session's problem (new grids are created)."""
    plan = s.plan
    p = plan.problem
    touched = {c for ch in sug.changes for c in ch[1:]}
    blocked = sorted(touched & s.locked)
    if blocked:
        raise RebalanceError(f"suggestion touches locked grid(s) {', '.join(blocked)}")
    codes = list(plan.codes)
    new_comm = dict(plan.new_community)
    # A new grid code an earlier action already created gets the next free number instead.
    rename: dict[str, str] = {}
    for c in sug.new_grids:
        fresh = c if c not in codes else _next_codes(p, sug.community, codes, 1)[0]
        rename[c] = fresh
        codes.append(fresh)
        new_comm[fresh] = sug.community
    label = plan.label.copy()
    for unit, src, dst in sug.changes:
        u = p.graph.position[unit]
        if codes[label[u]] != src:
            raise RebalanceError(
                f"unit {unit} is no longer in grid {src}; the suggestion is out of date"
            )
        label[u] = codes.index(rename.get(dst, dst))
    return _push(s, Plan(p, tuple(codes), label, new_comm), s.locked)


def combine(p: Problem, suggestions: Iterable[Suggestion]) -> Plan:
    """One plan from ranked suggestions: each applied in order unless it touches a grid an
    earlier one already changed (suggestions are alternatives, computed on the same plan).
    """
    s = start_session(p)
    touched: set[str] = set()
    for sug in suggestions:
        grids = set(sug.grids) | {c for ch in sug.changes for c in ch[1:]}
        if grids & touched or grids & s.locked:
            continue
        s = apply_suggestion(s, sug)
        touched |= grids
    return s.plan


def redraw_all(p: Problem, communities: Iterable[str] | None = None, *, seed: int = 0) -> Plan:
    """:func:`redraw` of several communities (default: each with a grid out of its band),
    joined into one plan; communities are independent because no grid crosses one."""
    base = base_plan(p)
    table = grid_table(base)
    if communities is None:
        free = table[~table["locked"]]
        communities = sorted(set(free.loc[free["band_gap"] > 0, "community"]))
    codes = list(p.grid_codes)
    label = p.base.copy()
    new_comm: dict[str, str] = {}
    for c in communities:
        plan = redraw(p, c, seed=seed)
        mine = np.asarray(plan.community, dtype=object)[plan.label] == c
        for code in plan.codes[len(p.grid_codes) :]:
            new_comm[code] = c
            codes.append(code)
        pos = {code: i for i, code in enumerate(codes)}
        label[mine] = np.asarray([pos[plan.codes[g]] for g in plan.label[mine].tolist()])
    return Plan(p, tuple(codes), label, new_comm)


# --- saving and publishing ------------------------------------------------------------------
def plan_grids(
    plan: Plan,
    grids: gpd.GeoDataFrame,
    *,
    simplify_m: float = 0.0,
    require_contiguous: bool = True,
) -> gpd.GeoDataFrame:
    """The full grid layer of a plan: changed grids dissolved from units, others as they were.

    ``grids`` is the version the plan was made on (all grids, professional included).
    Grids left without units disappear; new grids get a name, the community as parent
    and no worker (to be staffed). Raises :class:`RebalanceError` if a changed grid is
    less contiguous than it was and ``require_contiguous`` (see :func:`broken_grids`).
    """
    p = plan.problem
    moved = plan.moved()
    now = np.asarray(plan.codes, dtype=object)[plan.label]
    was = np.asarray(p.grid_codes, dtype=object)[p.base]
    changed = sorted(set(now[moved].tolist()) | set(was[moved].tolist()))
    if require_contiguous:
        broken = broken_grids(plan, changed)
        if broken:
            raise RebalanceError(
                f"grid(s) {', '.join(broken[:5])} would not be contiguous; fix them first"
            )
    keep = ~grids[schema.CODE].astype(str).isin(changed)
    out = grids[keep].copy()
    sel = np.isin(now, changed)
    if sel.any():
        shapes = dissolve(p.graph.units[sel], now[sel], simplify_m=simplify_m)
        shapes = shapes.set_index(schema.GRID_CODE)
        old = grids.set_index(grids[schema.CODE].astype(str))
        rows = []
        for code in shapes.index:
            row: dict[str, Any]
            if code in old.index:
                found = old.loc[code]
                series = found.iloc[0] if isinstance(found, pd.DataFrame) else found
                row = {str(k): v for k, v in series.items()}
            else:
                comm = plan.community[plan.codes.index(code)]
                row = {
                    schema.CODE: code,
                    schema.NAME: f"{p.community_name(comm)}第{int(code[-3:])}网格"
                    if code[-3:].isdigit()
                    else code,
                    schema.PARENT_CODE: comm,
                    schema.GRID_TYPE: "basic",
                    schema.WORKER: None,
                }
            row[schema.HOUSEHOLDS] = int(shapes.loc[code, schema.HOUSEHOLDS])
            row[schema.POPULATION] = int(shapes.loc[code, schema.POPULATION])
            row["geometry"] = shapes.loc[code, "geometry"]
            rows.append(row)
        add = gpd.GeoDataFrame(pd.DataFrame(rows), geometry="geometry", crs="EPSG:4326")
        out = pd.concat([out, add], ignore_index=True)
    out = gpd.GeoDataFrame(out, geometry="geometry", crs="EPSG:4326")
    if (grids.geometry.geom_type == "MultiPolygon").any():
        # A layer stored as multipolygons takes multipolygons (GeoPackage warns otherwise).
        geoms = np.asarray(out.geometry.to_numpy(), dtype=object)
        single = shapely.get_type_id(geoms) == 3
        geoms[single] = [shapely.MultiPolygon([g]) for g in geoms[single]]
        out = out.set_geometry(gpd.GeoSeries(geoms, index=out.index, crs="EPSG:4326"))
    for col in (schema.HOUSEHOLDS, schema.POPULATION):
        if col in out:
            out[col] = pd.array(pd.to_numeric(out[col], errors="coerce").round(), dtype="Int64")
    return out.sort_values(schema.CODE, kind="stable").reset_index(drop=True)


def broken_grids(plan: Plan, codes: Iterable[str] | None = None) -> list[str]:
    """Grids of ``plan`` (or of ``codes``) that the plan made less contiguous: more parts
    than its units came in.

    A grid may have at most ``1 + Σ (parts − 1)`` parts over the current grids its units
    come from: a contiguous grid must stay contiguous and a merge of contiguous
    neighbours must be contiguous, but a grid that already was in several parts (islands,
    a sector across a river, a multipart polygon) is not refused for that — only for a
    part the plan cut off. Grids without units (merged away) are never broken.
    """
    p = plan.problem
    n = len(plan.codes)
    sel = (
        list(range(n))
        if codes is None
        else [i for c in dict.fromkeys(codes) if (i := plan.index_of(c)) is not None]
    )
    if not sel:
        return []
    parts_after = _n_parts_of(p, plan.label, n, sel)
    n0 = len(p.grid_codes)
    src = np.flatnonzero(np.isin(plan.label, sel))
    origin = np.unique(p.base[src])
    parts_before = _n_parts_of(p, p.base, n0, origin.tolist())
    pairs = np.unique(np.column_stack([plan.label[src], p.base[src]]), axis=0)
    allowed = np.ones(n, dtype=np.int64)
    np.add.at(allowed, pairs[:, 0], parts_before[pairs[:, 1]] - 1)
    alive = np.bincount(plan.label, minlength=n) > 0
    return [plan.codes[i] for i in sel if alive[i] and parts_after[i] > allowed[i]]


def save_draft(
    ws: Any,
    grids: gpd.GeoDataFrame,
    *,
    author: str | None = None,
    note: str | None = None,
    source: str = "gridmap rebalance",
    cell_res: int = 10,
    communities: Sequence[str] = (),
    since: int | None = None,
) -> int:
    """Store a plan's grid layer as a new **draft** version; the published one is untouched.

    Returns the new version number. The grid <-> H3 cell table of the draft is stored too,
    so maps of the draft work like those of any version.

    ``communities`` are those the plan changed; they are recorded with the draft. With
    ``since`` (the newest version number when the planner started from the stored grids),
    the save is refused with :class:`EditConflict` if a newer draft changed any of those
    communities (optimistic versioning: nothing is lost, the second planner reloads and
    redoes the edit on top).
    """
    from ..indexing import polygons_to_cells

    if not len(grids):
        raise RebalanceError("the plan has no grids to save")
    frame = grids.drop(columns=[schema.VERSION], errors="ignore").copy()
    frame[schema.EFFECTIVE_DATE] = None
    with ws.transaction() as tx:
        # Checked inside the transaction: it holds the workspace lock and sees every save.
        if since is not None and communities:
            earlier = tx.saves_since(list(communities), since)
            if len(earlier):
                first = earlier.iloc[0]
                raise EditConflict(
                    f"community {first['community']} was changed by "
                    f"{first['author'] or 'someone'} at {first['created_at']} (draft version "
                    f"{int(first['version'])}) after you started editing; reload "
                    "the community and redo your changes on top (nothing was saved)"
                )
        version = tx.add_grid_version(
            status="draft",
            source=source,
            effective_date=None,
            note=note,
            author=author,
            n_grids=len(frame),
        )
        frame[schema.VERSION] = version
        if communities:
            tx.record_scopes(version, list(communities))
        tx.write_layer("grids", frame, append=True)
        cells = polygons_to_cells(frame.geometry, cell_res)
        tx.replace_grid_cells(
            version,
            pd.DataFrame(
                {
                    "grid_code": frame[schema.CODE]
                    .astype(str)
                    .to_numpy()[cells["geom_index"].to_numpy()],
                    "cell": cells["cell"].to_numpy().astype(np.int64),
                }
            ),
            cell_res,
        )
    return int(version)


def publish_version(ws: Any, version: int, effective_date: str | dt.date) -> None:
    """Put a draft in force from ``effective_date``; the old published version is archived
    (still readable) and stored incidents and units are re-assigned to the new grids."""
    from ..importing.grids import reassign

    try:
        day = (
            effective_date
            if isinstance(effective_date, dt.date)
            else dt.date.fromisoformat(str(effective_date))
        )
    except ValueError:
        raise RebalanceError(f"effective date {effective_date!r}: use YYYY-MM-DD") from None
    versions = {v.version: v for v in ws.grid_versions()}
    if version not in versions:
        raise RebalanceError(
            f"version {version}: not in the workspace (have {', '.join(map(str, versions))})"
        )
    if versions[version].status != "draft":
        raise RebalanceError(
            f"version {version} is {versions[version].status}; only a draft can be published"
        )
    with ws.transaction() as tx:
        tx.publish_version(version, day.isoformat())
        grids = tx.read_layer("grids")
        mine = grids[schema.VERSION].astype("Int64") == version
        grids[schema.EFFECTIVE_DATE] = grids[schema.EFFECTIVE_DATE].astype(object)
        grids.loc[mine.fillna(False).to_numpy(), schema.EFFECTIVE_DATE] = day.isoformat()
        tx.write_layer("grids", grids)
        reassign(tx)


# --- comparing versions ---------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class VersionDiff:
    """What changed between two grid versions.

    Attributes
    ----------
    grids
        One row per basic grid code of either version: ``households_a``,
        ``households_b``, ``delta``, ``status`` (``same``, ``changed``, ``new``,
        ``removed``), indexed by code.
    moves
        Units whose grid differs: ``unit``, ``households``, ``grid_a``, ``grid_b``.
    changes
        The areas that changed hands (EPSG:4326): per code of version ``b``, the part of
        its polygon that was not its in version ``a`` — the change map.
    """

    version_a: int
    version_b: int
    grids: pd.DataFrame
    moves: pd.DataFrame
    changes: gpd.GeoDataFrame

    def summary(self) -> dict[str, int]:
        st = self.grids["status"].value_counts()
        return {
            "grids_a": int(self.grids["households_a"].notna().sum()),
            "grids_b": int(self.grids["households_b"].notna().sum()),
            "changed": int(st.get("changed", 0)),
            "new": int(st.get("new", 0)),
            "removed": int(st.get("removed", 0)),
            "units_moved": len(self.moves),
            "households_moved": int(self.moves["households"].sum()) if len(self.moves) else 0,
        }


def compare_versions(ws: Any, version_a: int, version_b: int) -> VersionDiff:
    """Compare two stored grid versions: per-grid households, unit moves, change areas.

    Units (the workspace's unit layer) are placed in each version's basic grids by their
    interior point; households per grid are those units' sums when units exist, else the
    grids' own ``households``.
    """
    from ..importing.grids import basic_lookup
    from ..joins import assign_codes

    known = {v.version for v in ws.grid_versions()}
    bad = [v for v in (version_a, version_b) if v not in known]
    if bad:
        have = ", ".join(map(str, sorted(known))) or "none"
        raise RebalanceError(f"grid version {bad[0]}: not in the workspace (have {have})")
    ga = schema.basic_grids(ws.read_grids(version_a))
    gb = schema.basic_grids(ws.read_grids(version_b))
    units = ws.read_layer("units") if ws.has_layer("units") else None
    if units is not None and len(units):
        pts = shapely.point_on_surface(units.geometry.to_numpy())
        x, y = shapely.get_x(pts), shapely.get_y(pts)
        la, lb = basic_lookup(ga), basic_lookup(gb)
        in_a = assign_codes(la, x, y) if la is not None else np.full(len(units), None)
        in_b = assign_codes(lb, x, y) if lb is not None else np.full(len(units), None)
        hh = pd.to_numeric(units[schema.HOUSEHOLDS], errors="coerce").fillna(0).astype(int)
        frame = pd.DataFrame(
            {
                "unit": units[schema.CODE].astype(str).to_numpy(),
                schema.HOUSEHOLDS: hh.to_numpy(),
                "grid_a": in_a,
                "grid_b": in_b,
            }
        )
        moves = frame[frame["grid_a"].astype(str) != frame["grid_b"].astype(str)]
        moves = moves.sort_values(["grid_a", "grid_b", "unit"], kind="stable")
        h_a = frame.groupby("grid_a")[schema.HOUSEHOLDS].sum()
        h_b = frame.groupby("grid_b")[schema.HOUSEHOLDS].sum()
    else:
        moves = pd.DataFrame(columns=["unit", schema.HOUSEHOLDS, "grid_a", "grid_b"])
        h_a = ga.set_index(schema.CODE)[schema.HOUSEHOLDS].astype("Float64")
        h_b = gb.set_index(schema.CODE)[schema.HOUSEHOLDS].astype("Float64")
    codes = sorted(set(ga[schema.CODE].astype(str)) | set(gb[schema.CODE].astype(str)))
    grids = pd.DataFrame(index=pd.Index(codes, name=schema.CODE))
    grids["households_a"] = h_a.reindex(codes)
    grids["households_b"] = h_b.reindex(codes)
    in_a_codes = set(ga[schema.CODE].astype(str))
    in_b_codes = set(gb[schema.CODE].astype(str))
    grids.loc[
        [c for c in codes if c in in_a_codes and pd.isna(grids.loc[c, "households_a"])],
        "households_a",
    ] = 0
    grids.loc[
        [c for c in codes if c in in_b_codes and pd.isna(grids.loc[c, "households_b"])],
        "households_b",
    ] = 0
    grids["delta"] = grids["households_b"].fillna(0) - grids["households_a"].fillna(0)
    geo_a = ga.set_index(ga[schema.CODE].astype(str)).geometry
    geo_b = gb.set_index(gb[schema.CODE].astype(str)).geometry
    both = [c for c in codes if c in in_a_codes and c in in_b_codes]
    same_shape = pd.Series(
        shapely.equals_exact(geo_a.loc[both].to_numpy(), geo_b.loc[both].to_numpy(), 1e-9),
        index=both,
    )
    status = []
    for c in codes:
        if c not in in_a_codes:
            status.append("new")
        elif c not in in_b_codes:
            status.append("removed")
        elif bool(same_shape[c]) and grids.loc[c, "delta"] == 0:
            status.append("same")
        else:
            status.append("changed")
    grids["status"] = status
    touched = [c for c, st in zip(codes, status, strict=True) if st in ("changed", "new")]
    gained = []
    for c in touched:
        now = geo_b.loc[c]
        before = geo_a.loc[c] if c in in_a_codes else None
        gained.append(now if before is None else shapely.difference(now, before))
    changes = gpd.GeoDataFrame(
        {schema.GRID_CODE: touched}, geometry=gpd.GeoSeries(gained, crs=4326), crs=4326
    )
    # Slivers under a square metre are rounding noise of the redraw, not land that moved.
    changes = changes[~changes.geometry.is_empty].reset_index(drop=True)
    if len(changes):
        changes = changes[area_m2(changes) >= 1.0].reset_index(drop=True)
    return VersionDiff(version_a, version_b, grids, moves.reset_index(drop=True), changes)


# --- renumbering ----------------------------------------------------------------------------
def renumber(grids: gpd.GeoDataFrame, communities: Iterable[str] | None = None) -> dict[str, str]:
    """New codes for basic grids: community code + 001… west→east, north→south.

    Grids are read in bands (rows) from north to south, each band about one typical grid
    high (√(community area / grids)), and west to east within a band. Professional grids
    and grids without a community keep their codes; with ``communities`` only those are
    renumbered (e.g. the ones a plan changed). Returns ``{old: new}`` for codes that change.
    """
    basic = schema.basic_grids(grids)
    basic = basic[basic[schema.PARENT_CODE].notna()]
    if communities is not None:
        basic = basic[basic[schema.PARENT_CODE].astype(str).isin(set(communities))]
    if not len(basic):
        return {}
    metric = to_metric(basic.geometry)
    rep = metric.representative_point()
    frame = pd.DataFrame(
        {
            "code": basic[schema.CODE].astype(str).to_numpy(),
            "comm": basic[schema.PARENT_CODE].astype(str).to_numpy(),
            "x": rep.x.to_numpy(),
            "y": rep.y.to_numpy(),
            "area": metric.area.to_numpy(),
        }
    )
    out: dict[str, str] = {}
    for comm, part in frame.groupby("comm", sort=True):
        band_h = max(math.sqrt(float(part["area"].sum()) / len(part)), 1.0)
        top = float(part["y"].max()) + band_h / 2
        row = np.floor((top - part["y"]) / band_h)
        order = np.lexsort((part["code"].to_numpy(), part["x"].to_numpy(), row.to_numpy()))
        for seq, i in enumerate(order.tolist(), 1):
            old = str(part["code"].iloc[i])
            new = f"{comm}{seq:03d}"
            if new != old:
                out[old] = new
    return out


def apply_renumber(grids: gpd.GeoDataFrame, mapping: dict[str, str]) -> gpd.GeoDataFrame:
    """Grids with codes replaced by ``mapping`` (as from :func:`renumber`); names that
    carry the old number (``…第N网格``) follow the new one."""
    out = grids.copy()
    old = out[schema.CODE].astype(str)
    out[schema.CODE] = old.map(lambda c: mapping.get(c, c))
    if schema.NAME in out:
        for i, (o, n) in enumerate(zip(old, out[schema.CODE], strict=True)):
            name = out[schema.NAME].iloc[i]
            numbered = o[-3:].isdigit() and n[-3:].isdigit()
            if (
                o != n
                and numbered
                and isinstance(name, str)
                and name.endswith(f"第{int(o[-3:])}网格")
            ):
                head = name[: -len(f"第{int(o[-3:])}网格")]
                out.iloc[i, out.columns.get_loc(schema.NAME)] = f"{head}第{int(n[-3:])}网格"
    return out


# --- plan files -----------------------------------------------------------------------------
def plan_to_json(plan: Plan, *, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """A plan as JSON-ready data: the base version and every unit that changes grid."""
    p = plan.problem
    moved = plan.moved()
    now = np.asarray(plan.codes, dtype=object)[plan.label]
    return {
        "format": "gridmap-plan",
        "format_version": 1,
        "base_version": p.base_version,
        "units_estimated": p.graph.estimate,
        "measure": p.measure,
        "band": list(p.band_override) if p.band_override else None,
        "cell_res": p.cell_res,
        "new_grids": {c: plan.new_community[c] for c in plan.codes if c in plan.new_community},
        "assignments": {str(p.graph.codes[u]): str(now[u]) for u in np.flatnonzero(moved).tolist()},
        **(extra or {}),
    }


def plan_from_json(p: Problem, data: dict[str, Any]) -> Plan:
    """Rebuild a plan saved by :func:`plan_to_json` over the same problem."""
    if data.get("format") != "gridmap-plan":
        raise RebalanceError("plan file: not a gridmap plan (format != 'gridmap-plan')")
    if data.get("base_version") not in (None, p.base_version):
        raise RebalanceError(
            f"plan file: made on grid version {data['base_version']}, "
            f"the workspace has version {p.base_version} in use"
        )
    new = {str(k): str(v) for k, v in (data.get("new_grids") or {}).items()}
    codes = list(p.grid_codes) + [c for c in new if c not in p.grid_index]
    pos = {c: i for i, c in enumerate(codes)}
    label = p.base.copy()
    bad_units = []
    bad_grids = []
    for unit, grid in (data.get("assignments") or {}).items():
        u = p.graph.position.get(str(unit))
        if u is None:
            bad_units.append(str(unit))
            continue
        if str(grid) not in pos:
            bad_grids.append(str(grid))
            continue
        label[u] = pos[str(grid)]
    if bad_units or bad_grids:
        raise RebalanceError(
            "plan file: "
            + "; ".join(
                x
                for x in (
                    f"unknown units {', '.join(bad_units[:5])}" if bad_units else "",
                    f"unknown grids {', '.join(sorted(set(bad_grids))[:5])}" if bad_grids else "",
                )
                if x
            )
        )
    return Plan(p, tuple(codes), label, new)


def assignment_frame(plan: Plan) -> pd.DataFrame:
    """Every unit and its grid in ``plan`` (the unit → grid assignment table planners and
    other tools exchange): ``unit_code``, ``grid_code``, ``community``, ``households``,
    ``estimate`` (households apportioned from H3 cells)."""
    p = plan.problem
    return pd.DataFrame(
        {
            "unit_code": p.graph.codes,
            "grid_code": np.asarray(plan.codes, dtype=object)[plan.label],
            "community": p.community_of_unit,
            schema.HOUSEHOLDS: p.graph.households,
            "estimate": p.graph.estimate,
        }
    )


def plan_from_assignment(p: Problem, frame: pd.DataFrame, *, source: str = "file") -> Plan:
    """A plan from a unit → grid table (:func:`assignment_frame`, maybe edited elsewhere).

    Units left out keep their grid. A grid code the problem does not know becomes a new grid
    of the community its units belong to; units of two communities in one grid are refused.
    """
    missing = [c for c in ("unit_code", "grid_code") if c not in frame.columns]
    if missing:
        raise RebalanceError(f"{source}: needs columns unit_code and grid_code (missing {missing})")
    units = frame["unit_code"].astype(str).to_numpy()
    grids = frame["grid_code"].astype(str).to_numpy()
    unknown = [u for u in units if u not in p.graph.position]
    if unknown:
        raise RebalanceError(f"{source}: unknown units {', '.join(unknown[:5])}")
    comm = p.community_of_unit[[p.graph.position[u] for u in units]]
    new: dict[str, str] = {}
    for g in sorted(set(grids) - set(p.grid_codes)):
        owners = sorted({str(c) for c in comm[grids == g]})
        if len(owners) > 1:
            raise RebalanceError(
                f"{source}: new grid {g} would hold units of communities {', '.join(owners)}"
                " (a grid stays inside its community)"
            )
        new[g] = owners[0]
    data = {
        "format": "gridmap-plan",
        "base_version": None,
        "new_grids": new,
        "assignments": dict(zip(units.tolist(), grids.tolist(), strict=True)),
    }
    plan = plan_from_json(p, data)
    wrong = [
        f"{u}→{g}"
        for u, g in zip(units.tolist(), grids.tolist(), strict=True)
        if g in p.grid_index
        and p.grid_community[p.grid_index[g]] != p.community_of_unit[p.graph.position[u]]
    ]
    if wrong:
        raise RebalanceError(
            f"{source}: units cannot leave their community: {', '.join(wrong[:5])}"
        )
    return plan


def dump_plan(plan: Plan, path: str, *, extra: dict[str, Any] | None = None) -> None:
    from ..strict_json import dumps

    # Strict JSON (null, never NaN): other tools read plan files too.
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(dumps(plan_to_json(plan, extra=extra), indent=2))
