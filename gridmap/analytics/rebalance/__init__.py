"""Grid rebalancing: ranked suggestions, whole-community redraws, an edit session, plan files.

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

Modules: :mod:`.problem` (building the problem), :mod:`.measures` (a plan's tables),
:mod:`.partition` (splitting and the local search, its hard rules as predicates),
:mod:`.suggest`, :mod:`.redraw`, :mod:`.session` (undo/redo, each step a value),
:mod:`.layer` (a plan as grid polygons, renumbering) and :mod:`.planio` (plan files).
Frames in, frames out: loading a problem from a workspace, saving a draft, publishing and
comparing versions are :mod:`gridmap.versions`.
"""

from __future__ import annotations

from .layer import apply_renumber, broken_grids, plan_grids, renumber
from .measures import Plan, base_plan, community_table, grid_table
from .planio import assignment_frame, dump_plan, plan_from_assignment, plan_from_json, plan_to_json
from .problem import (
    MAX_CELL_UNITS,
    EditConflict,
    Problem,
    RebalanceError,
    auto_cell_res,
    prepare,
)
from .redraw import redraw, redraw_all
from .session import (
    EditSession,
    apply_plan,
    apply_suggestion,
    assign_units,
    combine,
    redo,
    set_locked,
    start_session,
    undo,
)
from .suggest import Suggestion, infeasibility, suggest, untouched

__all__ = [
    "MAX_CELL_UNITS",
    "EditConflict",
    "EditSession",
    "Plan",
    "Problem",
    "RebalanceError",
    "Suggestion",
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
    "dump_plan",
    "grid_table",
    "infeasibility",
    "plan_from_assignment",
    "plan_from_json",
    "plan_grids",
    "plan_to_json",
    "prepare",
    "redo",
    "redraw",
    "redraw_all",
    "renumber",
    "set_locked",
    "start_session",
    "suggest",
    "undo",
    "untouched",
]
