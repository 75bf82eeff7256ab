"""Measures of a plan: the live grid and community tables (``bincount`` over units)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from ... import schema
from ...hierarchy import street_code
from ...i18n import t
from ..balance import band_columns, band_gap
from ..units import (
    components,
)
from ..workload import (
    community_diagnostics,
    community_type,
    pp_from_parts,
    staffing,
)
from .problem import FloatArray, IntArray, Problem, RebalanceError, _Measures, _measures


def _workload(p: Problem, m: _Measures) -> FloatArray:
    return p.settings.workload(m.households, m.population, m.load, m.area_m2)


def _gap(h: FloatArray, lo: FloatArray | float, hi: FloatArray | float) -> FloatArray:
    return band_gap(h, lo, hi)


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
    bands = band_columns(h, lo, hi, plan.community_ids, alive=alive)
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
                p.grid_names[p.grid_index[c]]
                if c in p.grid_index
                # Names are data, stored in Chinese like every grid's (a plan file keeps them).
                else t("reb.grid.new", "zh", code=c)
                for c in codes_sel
            ],
            "community": [plan.community[i] for i in sel.tolist()],
            schema.HOUSEHOLDS: m.households[sel].astype(np.int64),
            "households_before": np.where(has_before, before.households[safe], 0).astype(np.int64),
            "measure": hs,
            "measure_before": np.where(has_before, before.value[safe], 0.0),
            "deviation_pct": bands["deviation_pct"][sel],
            "in_band": bands["in_band"][sel],
            "band_gap": bands["band_gap"][sel],
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
        street=[street_code(c) for c in t["community"]],
        band_low=lo[idx].astype(np.int64),
        band_high=hi[idx].astype(np.int64),
    )
    out = community_diagnostics(frame, measure=p.measure)
    if not len(out):
        return out
    staff = staffing(out, settings=p.settings, capacity=capacity)
    return out.join(staff.drop(columns=["community_name"]))
