"""本周重点网格 put together from a workspace: the one assembly the cockpit, the PDF report
(app and CLI) and the Excel download share.

The list (:func:`gridmap.analytics.this_week.this_week_list`) needs this week's priority
ranking over the whole city (peer rates need every grid), last week's incidents, the
overdue cases, each grid's owners and the department answering for most of its incidents.
:func:`workspace_this_week` reads what it is not handed; the app hands over its cached
frames (one read per workspace version), the CLI lets it read.

"This week" is the 7 days ending at the window's end, or at the last incident when the
window runs past the data, against the 7 days before. Data whose times carry the month
only (:func:`~gridmap.analytics.this_week.list_period`) compare the last month with
the month before instead. The overdue cases are counted at the window's end, the moment
the cockpit's 超期未结 card shows, so the card and the list count from one backlog.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging

import geopandas as gpd
import pandas as pd

from .. import schema
from ..analytics.backlog import Backlog, cases_in, closure_known, overdue_backlog
from ..analytics.incidents import IncidentFilter, IncidentTable, select
from ..analytics.priority import priority_counts
from ..analytics.ranking import priority_table, ranked_rows
from ..analytics.responsibility import (
    default_responsibilities,
    from_records,
    grid_departments,
    grid_owners,
)
from ..analytics.risk import day_start_s
from ..analytics.this_week import (
    Period,
    ThisWeek,
    list_period,
    list_windows,
    this_week_list,
)
from ..errors import GridmapError
from ..loading import load_incident_table
from ..store import Workspace

__all__ = [
    "OPEN_CASE_COLUMNS",
    "RESPONSIBILITIES_KEY",
    "backlog_since",
    "read_open_cases",
    "read_responsibilities",
    "window_incidents",
    "workspace_this_week",
]

_log = logging.getLogger(__name__)

#: The workspace metadata key holding the saved responsibility table (JSON records).
RESPONSIBILITIES_KEY = "responsibilities"

#: The incident columns the backlog reads (and the point, for professional grids).
OPEN_CASE_COLUMNS: tuple[str, ...] = (
    schema.ID,
    schema.OCCURRED_AT,
    schema.CLOSED_AT,
    schema.CATEGORY,
    schema.CATEGORY_SOURCE,
    schema.HANDLING_CLASS,
    schema.GRID_CODE,
)

#: The week's incident columns the departments need.
_WEEK_COLUMNS = [schema.GRID_CODE, schema.CATEGORY, schema.CATEGORY_SOURCE, schema.HANDLING_CLASS]


def read_responsibilities(ws: Workspace) -> pd.DataFrame:
    """The responsibility table saved in ``ws``, or the defaults when none was saved or the
    saved one no longer validates (a hand-edited table must not stop the list)."""
    raw = ws.meta().get(RESPONSIBILITIES_KEY)
    if raw:
        try:
            return from_records(json.loads(raw))
        except (GridmapError, ValueError) as exc:
            _log.warning("workspace responsibilities ignored: %s", exc)
    return default_responsibilities()


def read_open_cases(ws: Workspace, since: dt.date) -> pd.DataFrame:
    """Incidents not closed before ``since`` (the backlog's candidates):
    :data:`OPEN_CASE_COLUMNS` and the point."""
    if not ws.has_layer("incidents"):
        return pd.DataFrame(columns=list(OPEN_CASE_COLUMNS))
    # Closure times are ISO text (GeoPackage) or timestamps (PostGIS): both compare with
    # an ISO date literal.
    where = f"{schema.CLOSED_AT} IS NULL OR {schema.CLOSED_AT} >= '{since.isoformat()}'"
    return ws.read_layer("incidents", columns=list(OPEN_CASE_COLUMNS), where=where)


def backlog_since(flt: IncidentFilter) -> dt.date:
    """The earliest moment the cockpit asks the backlog about for ``flt``: the previous
    window's end (the day before the start), so one read of open cases serves both."""
    return min(flt.end, flt.start - dt.timedelta(days=1))


def _in_professional(points: pd.DataFrame, grids: gpd.GeoDataFrame) -> pd.DataFrame:
    """The rows of ``points`` lying in a professional grid, with that grid's code as their
    ``grid_code`` (incidents are assigned to basic grids; a professional grid holds the
    incidents inside it, as the priority ranking counts them)."""
    types = grids.get(schema.GRID_TYPE)
    if types is None or points.empty or not isinstance(points, gpd.GeoDataFrame):
        return pd.DataFrame(points.iloc[:0])
    pro = grids.loc[(types == "professional").to_numpy(), [schema.CODE, "geometry"]]
    if pro.empty:
        return pd.DataFrame(points.iloc[:0])
    joined = gpd.sjoin(points, pro, predicate="within", how="inner")
    joined[schema.GRID_CODE] = joined[schema.CODE].astype(str)
    return pd.DataFrame(joined.drop(columns=[schema.CODE, "index_right"]))


def _overdue(backlog: Backlog, cases: pd.DataFrame, grids: gpd.GeoDataFrame) -> pd.Series:
    """Overdue cases per grid code, professional grids counted by place (``cases``: the
    open cases the backlog was counted from)."""
    items = backlog.items
    # As Python objects: pandas' isin on Arrow text took 0.9 s for 650,000 open cases.
    ids = items[schema.ID].astype(str).astype(object)
    late = cases[cases[schema.ID].astype(str).astype(object).isin(ids).to_numpy()]
    pro = _in_professional(late, grids)[schema.GRID_CODE].value_counts()
    return pd.concat([items[schema.GRID_CODE].value_counts(), pro])


def _week_incidents(ws: Workspace, flt: IncidentFilter) -> pd.DataFrame:
    """The window's incidents (grid, category, source label, point) for the departments:
    the one read of the layer beside the incident table, which has no source label."""
    upto = flt.end + dt.timedelta(days=1)
    when = schema.OCCURRED_AT
    where = f"{when} >= '{flt.start.isoformat()}' AND {when} < '{upto.isoformat()}'"
    frame = ws.read_layer("incidents", columns=_WEEK_COLUMNS, where=where)
    if flt.categories and schema.CATEGORY in frame:
        frame = frame[frame[schema.CATEGORY].isin(flt.categories)]
    if flt.handling_classes and schema.HANDLING_CLASS in frame:
        frame = frame[frame[schema.HANDLING_CLASS].isin(flt.handling_classes)]
    return frame


def window_incidents(ws: Workspace, flt: IncidentFilter, grids: gpd.GeoDataFrame) -> pd.DataFrame:
    """The window's incidents with their source labels (sub-categories), once under their
    basic grid and once more under the professional grid they lie in: what
    :func:`~gridmap.analytics.responsibility.grid_departments` needs, so the map's tooltip,
    the grid card and this week's list name one department per grid."""
    incidents = _week_incidents(ws, flt)
    return pd.concat([pd.DataFrame(incidents), _in_professional(incidents, grids)])


def _empty(flt: IncidentFilter) -> ThisWeek:
    (s, e), (ps, pe) = list_windows(flt.end, "week")
    nothing = pd.DataFrame(columns=["incidents", "excess"])
    return ThisWeek(this_week_list(nothing, pd.Series(dtype="int64")), (s, e), (ps, pe))


def workspace_this_week(
    ws: Workspace,
    flt: IncidentFilter,
    *,
    table: IncidentTable | None = None,
    grids: gpd.GeoDataFrame | None = None,
    keyareas: gpd.GeoDataFrame | None = None,
    owners: pd.DataFrame | None = None,
    responsibilities: pd.DataFrame | None = None,
    open_cases: pd.DataFrame | None = None,
    backlog: Backlog | None = None,
) -> ThisWeek:
    """This week's list for the cockpit window ``flt`` (its end, categories, area).

    Parameters
    ----------
    ws
        The workspace; whatever of the following is not given is read from it.
    flt
        The cockpit's window: the list's weeks end at ``flt.end`` (or the last incident),
        its grids lie in ``flt.grid_codes`` (None: the whole city), its incidents match
        the categories and handling classes.
    table, grids, keyareas, owners, responsibilities
        The incident table, grids in force, key areas, ``grid_owners`` and the
        responsibility table, when the caller holds them (the app's caches).
    open_cases
        :func:`read_open_cases` since :func:`backlog_since` of ``flt``.
    backlog
        The overdue backlog at ``flt.end`` in ``flt``'s area (the 超期未结 card's), counted
        from ``open_cases``; default: counted here.

    Returns
    -------
    ThisWeek
        With ``period`` "month" when the incidents carry the month only.
    """
    table = load_incident_table(ws) if table is None else table
    span = table.time_range
    if span is None or flt.start > span[1]:
        # A window after the last incident holds none: an empty list saying so ("no
        # incidents this week"), never the grids of older weeks the window does not show.
        return _empty(flt)
    end = min(flt.end, span[1])
    period: Period = list_period(table.occurred_s, end)
    (s, e), (ps, pe) = list_windows(end, period)
    grids = ws.read_grids() if grids is None else grids
    if keyareas is None:
        keyareas = ws.read_layer("keyareas") if ws.has_layer("keyareas") else None
    week = dataclasses.replace(flt, start=s, end=e)
    before = dataclasses.replace(flt, start=ps, end=pe, grid_codes=None)
    ranked = priority_table(
        table, week, grids, keyareas=keyareas if keyareas is not None and len(keyareas) else None
    )
    # The cockpit's and the map's rule and rank: MIN_COUNT incidents, above the expected.
    ranking = pd.concat([ranked_rows(ranked.basic), ranked_rows(ranked.professional)])
    end_s = day_start_s(pe + dt.timedelta(days=1))
    last = priority_counts(table, select(table, before), grids, end_s=end_s)["incidents"]
    if owners is None:
        admin = ws.read_layer("admin") if ws.has_layer("admin") else pd.DataFrame()
        owners = grid_owners(grids, admin)
    if responsibilities is None:
        responsibilities = read_responsibilities(ws)
    known = closure_known(table)
    if open_cases is None:
        open_cases = read_open_cases(ws, backlog_since(flt)) if known else None
    if backlog is None and open_cases is not None:
        backlog = overdue_backlog(
            cases_in(open_cases, flt),  # the area, categories, classes shown (the card's)
            as_of=flt.end,
            owners=owners,
            responsibilities=responsibilities,
            closure_known=known,
        )
    overdue = None
    if backlog is not None and backlog.missing is None and open_cases is not None:
        overdue = _overdue(backlog, open_cases, grids)
    incidents = window_incidents(ws, week, grids)
    frame = this_week_list(
        ranking,
        last,
        overdue=overdue,
        owners=owners,
        departments=grid_departments(incidents, responsibilities),
        period=period,
    )
    return ThisWeek(frame, (s, e), (ps, pe), period, len(select(table, week)))
