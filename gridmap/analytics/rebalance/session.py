"""The edit session: a plan, locks and undo/redo stacks, each step a new value."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pandas as pd

from .measures import Plan, base_plan, grid_table
from .problem import Problem, RebalanceError, _next_codes
from .suggest import Suggestion


class Step(NamedTuple):
    """One state of a session (a value: plans and lock sets are never changed in place)."""

    plan: Plan
    locked: frozenset[str]


@dataclass(frozen=True, eq=False)
class EditSession:
    """What a page keeps between reruns: the plan, locks and the undo/redo stacks.

    Every operation returns a new session; the old one is unchanged (so a page can keep it
    in ``st.session_state`` and compare).
    """

    plan: Plan
    locked: frozenset[str]
    undo_stack: tuple[Step, ...] = ()
    redo_stack: tuple[Step, ...] = ()

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
    stack = (*s.undo_stack, Step(s.plan, s.locked))[-_UNDO_DEPTH:]
    return EditSession(plan=plan, locked=locked, undo_stack=stack, redo_stack=())


def assign_units(s: EditSession, units: Iterable[str], target: str) -> EditSession:
    """Give ``units`` (codes) to grid ``target``; a rule broken raises :class:`RebalanceError`.

    The target and every source grid must be unlocked and in the same community as every
    unit. Contiguity is not enforced while painting (a planner may pass through a split
    state); :meth:`EditSession.affected` shows it, and :func:`~.layer.broken_grids` names
    it before a save.
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
    return EditSession(plan, locked, s.undo_stack[:-1], (*s.redo_stack, Step(s.plan, s.locked)))


def redo(s: EditSession) -> EditSession:
    if not s.redo_stack:
        return s
    plan, locked = s.redo_stack[-1]
    return EditSession(plan, locked, (*s.undo_stack, Step(s.plan, s.locked)), s.redo_stack[:-1])


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
