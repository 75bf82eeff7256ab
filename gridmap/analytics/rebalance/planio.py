"""Plan files: JSON (changed units only) and the unit -> grid CSV table."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ... import schema
from .measures import Plan
from .problem import Problem, RebalanceError


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
    from ...strict_json import dumps

    # Strict JSON (null, never NaN): other tools read plan files too.
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(dumps(plan_to_json(plan, extra=extra), indent=2))
