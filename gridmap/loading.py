"""Reading a workspace into the frames analytics takes: the service layer above analytics.

Analytics is frames in, frames out: it never opens a workspace. The functions here read the
layers a computation needs from a :class:`~gridmap.store.Workspace` and hand them over; the
CLI, the app's cached loaders and the report call them.
"""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import numpy as np
import pandas as pd

from . import schema
from .analytics.coverage import CoverageResult, CoverageSettings, analyse_coverage, risk_weights
from .analytics.filters import default_window
from .analytics.incidents import (
    TABLE_COLUMNS,
    IncidentFilter,
    IncidentTable,
    incident_table,
    select,
)
from .analytics.risk import day_start_s, grid_risk
from .errors import SchemaError
from .indexing import polygons_to_cells
from .store import Workspace
from .store.departments import department_names, department_versions, read_departments
from .store.history_archive import read_incidents, with_archive

__all__ = [
    "department_names",
    "department_versions",
    "load_incident_table",
    "read_departments",
    "workspace_coverage",
]


def load_incident_table(ws: Workspace) -> IncidentTable:
    """The workspace's incidents as sorted arrays over the grids in force (empty if none).

    Read from the stored history (:func:`~gridmap.store.history_archive.read_incidents`)
    when it holds every incident; otherwise, as for a workspace from before the history
    existed, from the rows themselves. Both give the same arrays. An archive indexed by
    ``gridmap index`` adds its incidents of every day on which the incidents layer has none
    (:func:`~gridmap.store.history_archive.with_archive`).
    """
    grids = ws.read_grids()
    codes = sorted(grids[schema.CODE].astype(str)) if len(grids) else []
    table = read_incidents(ws, codes)
    if table is not None:
        return table
    if ws.has_layer("incidents"):
        frame = pd.DataFrame(ws.read_layer("incidents", columns=list(TABLE_COLUMNS)))
    else:
        frame = pd.DataFrame({c: pd.Series(dtype=object) for c in TABLE_COLUMNS})
    return with_archive(ws, incident_table(frame, codes))


def workspace_coverage(
    ws: Workspace,
    *,
    days: int = 90,
    settings: CoverageSettings | None = None,
    table: IncidentTable | None = None,
) -> CoverageResult:
    """:func:`~gridmap.analytics.coverage.analyse_coverage` of a workspace, weighted by the risk
    of the last ``days``.

    Cells weigh their risk score (:func:`~gridmap.analytics.coverage.risk_weights`) over the
    ``days`` ending at the latest incident; grids take their
    :func:`gridmap.analytics.risk.grid_risk` score.
    Without incidents every cell weighs 1 and the gap index uses households alone.

    ``table`` is the workspace's :class:`~gridmap.analytics.incidents.IncidentTable` when
    the caller holds it already (the app caches it); by default it is loaded.

    Raises
    ------
    SchemaError
        If the workspace has no grids or no cameras.
    """
    settings = settings or CoverageSettings()
    grids = ws.read_grids()
    if not len(grids):
        raise SchemaError(f"{ws.name}: the workspace holds no grids")
    if not ws.has_layer("cameras"):
        raise SchemaError(f"{ws.name}: the workspace holds no cameras; import a camera layer")
    cameras = ws.read_layer("cameras")
    keyareas = ws.read_layer("keyareas") if ws.has_layer("keyareas") else None
    units = ws.read_layer("units") if ws.has_layer("units") else None
    table = load_incident_table(ws) if table is None else table
    cell_weights = grid_scores = None
    if table.time_range is not None:
        _first, last = table.time_range
        flt = IncidentFilter(*default_window(last, days))
        idx = select(table, flt)
        end_s = day_start_s(last + dt.timedelta(days=1))
        gtype = (
            grids[schema.GRID_TYPE]
            if schema.GRID_TYPE in grids
            else pd.Series("basic", index=grids.index)
        )
        basic = grids[(gtype != "professional").to_numpy()]
        cells = np.unique(
            polygons_to_cells(gpd.GeoSeries(basic.geometry.to_numpy(), crs=4326), settings.res)[
                "cell"
            ].to_numpy(np.uint64)
        )
        cell_weights = risk_weights(table, idx, cells, res=settings.res, end_s=end_s)
        hh = grids.set_index(schema.CODE)[schema.HOUSEHOLDS]
        grid_scores = grid_risk(table, idx, hh, end_s=end_s)["risk_score"]
    return analyse_coverage(
        grids,
        cameras,
        keyareas=keyareas,
        units=units,
        cell_weights=cell_weights,
        grid_scores=grid_scores,
        settings=settings,
    )
