"""Ranked suggestions: split, merge and move border units; why a community cannot fit."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ...i18n import pick
from ..workload import (
    band_sentence,
    grids_needed,
    pp_from_parts,
    sentence_pair,
)
from .measures import Plan, _gap, _workload, base_plan
from .partition import _connected_without, _partition
from .problem import FloatArray, IntArray, Problem, RebalanceError, _next_codes


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

    def sentence(self, lang: str) -> str:
        """The suggestion said in ``lang`` (both are kept: a plan file carries both)."""
        return pick((self.sentence_zh, self.sentence_en), lang)

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
    name = p.grid_names[g] if g < len(p.grid_codes) else code
    kmin, kmax = grids_needed(v, (int(lo), int(hi)))
    said = {"grid": (_gz(name), name), "v": round(v), "band": _band_text(lo, hi), "u": p.unit_text}
    if v > hi and kmin <= kmax:
        return sentence_pair("reb.s.hint.split", k=kmin, **said)
    side = sentence_pair("reb.s.above" if v > hi else "reb.s.below")
    return sentence_pair("reb.s.hint.redraw", side=side, **said)


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
    shares = "/".join(f"{v:,}" for v in hh)
    ok = all(lo <= v <= hi for v in hh)
    within = sentence_pair("reb.s.split.ok", band=_band_text(lo, hi), u=p.unit_text)
    sentence = sentence_pair(
        "reb.s.split",
        grid=(_gz(name), name),
        h=round(h),
        u=p.unit_text,
        k=k,
        shares=shares,
        ok=within if ok else "",
    )
    return _suggestion(base, after, "split", [p.grid_codes[g], *new], sentence)


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
    inside = lo <= h <= hi
    within = sentence_pair("reb.s.merge.ok", band=_band_text(lo, hi), u=p.unit_text)
    sentence = sentence_pair(
        "reb.s.merge",
        drop=(_gz(nb), nb),
        keep=na,
        h_drop=hb,
        h_keep=ha,
        h=h,
        u=p.unit_text,
        ok=within if inside else "",
    )
    grids = [p.grid_codes[keep], p.grid_codes[drop]]
    return _suggestion(base, after, "merge", grids, sentence)


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
    na, nb_ = p.grid_names[a], p.grid_names[b]
    if len(moved) == 1:
        what = sentence_pair("reb.s.move.unit", unit=str(g.codes[moved[0]]), h=h, u=p.unit_text)
    else:
        what = sentence_pair("reb.s.move.units", n=len(moved), h=h, u=p.unit_text)
    sentence = sentence_pair(
        "reb.s.move",
        what=what,
        src=(_gz(na), na),
        dst=nb_,
        a=round(ha),
        a2=round(ha - x),
        b=round(hb),
        b2=round(hb + x),
        u=p.unit_text,
    )
    return _suggestion(base, after, "move", [p.grid_codes[a], p.grid_codes[b]], sentence)


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
    big = np.flatnonzero(units & (p.weight > hi))
    for u in big[:20].tolist():
        code, hh = str(p.graph.codes[u]), round(float(p.weight[u]))
        out.append(sentence_pair("reb.s.unit_too_big", code=code, h=hh, hi=hi, u=p.unit_text))
    return out


def untouched(suggestions: Iterable[Suggestion], grids: Iterable[str]) -> list[Suggestion]:
    """The suggestions that change none of ``grids``.

    Suggestions are made on the grids in force; once an edit session changed a grid, those
    touching it (as a grid of the suggestion or as a source or target of a unit) are out
    of date.
    """
    done = set(grids)
    return [
        sug
        for sug in suggestions
        if not (set(sug.grids) | {c for ch in sug.changes for c in ch[1:]}) & done
    ]
