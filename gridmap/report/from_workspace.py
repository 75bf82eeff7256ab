"""Everything a report needs, read from a workspace (the CLI's path; pages use caches)."""

from __future__ import annotations

from dataclasses import dataclass, replace

import pandas as pd

from .. import schema
from ..analytics.cockpit import Cockpit, build_cockpit
from ..analytics.incidents import IncidentFilter, IncidentTable
from ..analytics.risk import RiskSettings
from ..errors import SchemaError
from ..hierarchy import Hierarchy, build_hierarchy
from ..loading import load_incident_table
from ..store import Workspace
from .document import ReportMeta
from .figures import MapContext

__all__ = ["ReportInputs", "area_name", "report_inputs"]


@dataclass(frozen=True)
class ReportInputs:
    cockpit: Cockpit
    context: MapContext
    meta: ReportMeta
    hierarchy: Hierarchy


def area_name(h: Hierarchy, area: str | None) -> str:
    """The scope's name: the area's, or the city's for the whole workspace."""
    if area is not None:
        return h.name(area)
    cities = h.children(None, "city")
    return h.name(cities[0]) if cities else ""


def report_inputs(
    ws: Workspace,
    flt: IncidentFilter,
    *,
    area: str | None = None,
    settings: RiskSettings | None = None,
    res: int = 9,
    table: IncidentTable | None = None,
) -> ReportInputs:
    """The cockpit of ``flt`` restricted to ``area`` (an admin code; None: the whole city).

    Raises
    ------
    SchemaError
        When ``area`` is not an admin code of the workspace, or holds no grid.
    """
    grids = ws.read_grids()
    admin = ws.read_layer("admin")
    if schema.LEVEL not in admin:
        # No admin layer (grids and incidents only): no outlines to draw, and the map's
        # outline code may still ask for the level of each row.
        admin = admin.assign(**{schema.LEVEL: pd.Series(index=admin.index, dtype="string")})
    h = build_hierarchy(admin, grids)
    if area is not None:
        if area not in h.levels or h.levels[area] == "grid":
            raise SchemaError(
                f"--area {area}: not a city, district, street or community code of the workspace"
            )
        codes = h.grids_under(area)
        if not codes:
            raise SchemaError(f"--area {area} ({h.name(area)}): holds no grid")
        flt = replace(flt, grid_codes=codes)
    table = table if table is not None else load_incident_table(ws)
    households = grids.set_index(schema.CODE)[schema.HOUSEHOLDS]
    cockpit = build_cockpit(
        table,
        flt,
        households,
        h.name,
        res=res,
        settings=settings,
        grids=grids,
        keyareas=ws.read_layer("keyareas"),
    )
    meta = ReportMeta(area_name(h, area), synthetic=ws.meta().get("synthetic") == "true")
    return ReportInputs(cockpit, MapContext.build(admin, grids, flt.grid_codes), meta, h)
