"""本周重点网格 on the cockpit: the list, its reasons, owners and departments, and Excel.

"This week" is the 7 days ending at the cockpit window's end, or at the last incident when
the window runs past the data; it is compared with the 7 days before. The grids are chosen
from the priority ranking of the week's incidents over the whole city (peer rates need
every grid) and then limited to the area shown.

Privacy (issue 13, item 6): a grid worker's name is personal data. It is shown to signed-in
staff whose role may see people (``may(path, "see_people")``, as the map's grid card), on
their screen and in the Excel list they dispatch from; never in meeting mode (a projector
is as public as paper) and never in the printed report (:mod:`gridmap.report.this_week`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import html

import geopandas as gpd
import pandas as pd
import streamlit as st

from .. import schema
from ..analytics.backlog import Backlog
from ..analytics.incidents import IncidentFilter, IncidentTable, select
from ..analytics.priority import priority_counts
from ..analytics.ranking import priority_table
from ..analytics.responsibility import grid_departments
from ..analytics.risk import day_start_s
from ..analytics.this_week import ThisWeek, this_week_list, week_windows
from ..i18n import t
from ..report.this_week import this_week_xlsx
from ..store import Workspace
from . import keys
from .auth import audit, may
from .backlog import load_backlog, load_owners, open_cases
from .data import _stamp, load_incidents, load_layer
from .responsibility import load_responsibilities

__all__ = ["load_this_week", "this_week_section", "week_html"]

_CSS = """
<style>
.gm-week {width: 100%; border-collapse: collapse; font-size: 1rem; color: #1f2933;}
.gm-week th {text-align: left; color: #4b5563; font-weight: 600; border-bottom: 2px solid #d0d7de;
  padding: 0.3rem 0.4rem; white-space: nowrap;}
.gm-week td {border-bottom: 1px solid #e5e9ef; padding: 0.35rem 0.4rem; vertical-align: top;}
.gm-week td.n {text-align: right; white-space: nowrap;}
.gm-week .sub {color: #6b7785; font-size: 0.9em;}
.gm-week td.who {white-space: nowrap;}
.gm-week td.why {min-width: 16rem;}
.gm-week td.g {min-width: 11rem;}
.gm-week .up {color: #c62828; font-weight: 600;} .gm-week .down {color: #1a7f37; font-weight: 600;}
</style>
"""


def _ranking(
    table: IncidentTable, flt: IncidentFilter, grids: pd.DataFrame, path: str
) -> pd.DataFrame:
    """This week's priority ranking in the area of ``flt`` (peer rates of the whole city),
    basic and professional grids in one frame."""
    keyareas = load_layer(path, "keyareas")
    ranked = priority_table(table, flt, grids, keyareas=keyareas if len(keyareas) else None)
    return pd.concat([ranked.basic, ranked.professional])


def _in_professional(points: gpd.GeoDataFrame, grids: gpd.GeoDataFrame) -> pd.DataFrame:
    """The rows of ``points`` lying in a professional grid, with that grid's code as their
    ``grid_code`` (incidents are assigned to basic grids; a professional grid holds the
    incidents inside it, as the priority ranking counts them)."""
    types = grids.get(schema.GRID_TYPE)
    if types is None or points.empty:
        return pd.DataFrame(points.iloc[:0])
    pro = grids.loc[(types == "professional").to_numpy(), [schema.CODE, "geometry"]]
    if pro.empty:
        return pd.DataFrame(points.iloc[:0])
    joined = gpd.sjoin(points, pro, predicate="within", how="inner")
    joined[schema.GRID_CODE] = joined[schema.CODE].astype(str)
    return pd.DataFrame(joined.drop(columns=[schema.CODE, "index_right"]))


def _overdue(path: str, backlog: Backlog, grids: gpd.GeoDataFrame, since: dt.date) -> pd.Series:
    """Overdue cases per grid code, professional grids counted by place (``since``: the
    read of open cases the backlog was counted from)."""
    items = backlog.items
    cases = open_cases(path, since)
    late = cases[cases[schema.ID].astype(str).isin(items[schema.ID])]
    pro = _in_professional(late, grids)[schema.GRID_CODE].value_counts()
    return pd.concat([items[schema.GRID_CODE].value_counts(), pro])


def _week_incidents(path: str, flt: IncidentFilter) -> pd.DataFrame:
    """The week's incidents (grid, category, source label) for the departments."""
    cols = [schema.GRID_CODE, schema.CATEGORY, schema.CATEGORY_SOURCE, schema.HANDLING_CLASS]
    upto = flt.end + dt.timedelta(days=1)
    when = schema.OCCURRED_AT
    where = f"{when} >= '{flt.start.isoformat()}' AND {when} < '{upto.isoformat()}'"
    frame = Workspace(path).read_layer("incidents", columns=cols, where=where)
    if flt.categories and schema.CATEGORY in frame:
        frame = frame[frame[schema.CATEGORY].isin(flt.categories)]
    if flt.handling_classes and schema.HANDLING_CLASS in frame:
        frame = frame[frame[schema.HANDLING_CLASS].isin(flt.handling_classes)]
    return frame


@st.cache_data(show_spinner=False, max_entries=16)
def _this_week(path: str, stamp: float, flt: IncidentFilter) -> ThisWeek:
    table = load_incidents(path)
    span = table.time_range
    end = flt.end if span is None else min(flt.end, span[1])
    (s, e), (ps, pe) = week_windows(end)
    if span is None:
        nothing = pd.DataFrame(columns=["incidents", "excess"])
        return ThisWeek(this_week_list(nothing, pd.Series(dtype="int64")), (s, e), (ps, pe))
    week = dataclasses.replace(flt, start=s, end=e)
    before = dataclasses.replace(flt, start=ps, end=pe, grid_codes=None)
    grids = load_layer(path, "grids")
    ranking = _ranking(table, week, grids, path)
    last = priority_counts(
        table, select(table, before), grids, end_s=day_start_s(pe + dt.timedelta(days=1))
    )["incidents"]
    # The cockpit's card asked for the backlog at the window's end with the previous
    # window's end (the day before the start) as the earliest moment: the same key reuses it.
    since = min(e, flt.start - dt.timedelta(days=1))
    backlog = load_backlog(path, e, flt.grid_codes, since=since)
    overdue = None if backlog.missing else _overdue(path, backlog, grids, since)
    incidents = _week_incidents(path, week)
    incidents = pd.concat([pd.DataFrame(incidents), _in_professional(incidents, grids)])
    departments = grid_departments(incidents, load_responsibilities(path))
    frame = this_week_list(
        ranking, last, overdue=overdue, owners=load_owners(path), departments=departments
    )
    return ThisWeek(frame, (s, e), (ps, pe))


def load_this_week(path: str, flt: IncidentFilter) -> ThisWeek:
    """This week's list for the cockpit filter ``flt`` (its end, categories, area)."""
    return _this_week(str(path), _stamp(path), flt)


def week_html(week: ThisWeek, lang: str, *, worker: bool = True) -> str:
    """The list as an HTML table (reasons wrap in full, in meeting mode too); ``worker``
    False leaves out the grid workers' column."""
    esc = html.escape
    g = week.grids
    if g.empty:
        return f"<p>{esc(t('week.none', lang))}</p>"
    dept = "department_zh" if lang == "zh" else "department_en"
    heads = [
        "week.col.rank", "owner.grid", "week.col.reason", "week.col.incidents",
        "week.col.last_week", "week.col.change", "week.col.overdue", "owner.worker",
        "owner.department",
    ]  # fmt: skip
    if not worker:
        heads.remove("owner.worker")

    def who(r: pd.Series) -> str:
        return f'<td class="who">{esc(str(r[schema.WORKER]) or "—")}</td>' if worker else ""

    rows = []
    for code, r in g.iterrows():
        change = int(r["change"])
        tone = "up" if change > 0 else "down" if change < 0 else ""
        place = " · ".join(str(v) for v in (r["community_name"], r["street_name"]) if v)
        overdue = "—" if pd.isna(r["overdue"]) else f"{int(r['overdue']):,}"
        rows.append(
            f'<tr data-grid="{esc(str(code))}"><td class="n">{int(r["rank"])}</td>'
            f"<td class='g'><b>{esc(str(r[schema.NAME]))}</b>"
            f"<div class='sub'>{esc(place)}</div></td>"
            f"<td class='why'>{esc(str(r[f'reason_{lang}']))}</td>"
            f'<td class="n">{int(r["incidents"]):,}</td><td class="n">{int(r["last_week"]):,}</td>'
            f'<td class="n {tone}">{"+" if change > 0 else ""}{change:,}</td>'
            f'<td class="n">{overdue}</td>{who(r)}'
            f"<td>{esc(str(r[dept]) or '—')}</td></tr>"
        )
    head = "".join(f"<th>{esc(t(k, lang))}</th>" for k in heads)
    return _CSS + f'<table class="gm-week"><tr>{head}</tr>{"".join(rows)}</table>'


def this_week_section(path: str, flt: IncidentFilter, lang: str) -> ThisWeek:
    """The cockpit's 本周重点网格 section: heading, weeks compared, the list, Excel."""
    week = load_this_week(path, flt)
    (s, e), (ps, pe) = week.week, week.last_week
    st.markdown(f"#### {t('week.title', lang)}", help=t("week.help", lang))
    st.caption(t("week.window", lang, start=s, end=e, pstart=ps, pend=pe))
    people = may(path, "see_people") and not st.session_state.get(keys.KEY_MEETING, False)
    st.markdown(week_html(week, lang, worker=people), unsafe_allow_html=True)
    if not week.grids.empty:
        name = f"{t('week.file', lang)}_{s}_{e}.xlsx"
        st.download_button(
            t("week.excel", lang),
            this_week_xlsx(week, lang, worker=may(path, "see_people")),
            file_name=name,
            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            key=keys.KEY_WEEK_EXCEL,
            icon=":material/download:",
            on_click=audit,
            args=(path, schema.AuditAction.EXPORT),
            kwargs={"target": name},
        )
    st.caption(t("week.privacy", lang))
    return week
