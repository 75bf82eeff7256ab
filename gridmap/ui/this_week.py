"""本周重点网格 on the cockpit: the list, its reasons, owners and departments, and Excel.

The list is put together by :func:`gridmap.services.this_week.workspace_this_week` (the
PDF of the command line takes it from there too); this module caches it per workspace
version and draws it. On month-dated data the card says in one sentence that it compares
the last month with the month before.

Privacy (issue 13, item 6): a grid worker's name is personal data. It is shown to signed-in
staff whose role may see people (``may(path, "see_people")``, as the map's grid card), on
their screen and in the Excel list they dispatch from; never in meeting mode (a projector
is as public as paper) and never in the printed report (:mod:`gridmap.report.this_week`).
"""

from __future__ import annotations

import html

import pandas as pd
import streamlit as st

from .. import schema
from ..analytics.backlog import closure_known
from ..analytics.incidents import IncidentFilter
from ..analytics.ranking import MIN_COUNT
from ..analytics.this_week import ThisWeek, period_key
from ..i18n import t
from ..report.this_week import this_week_xlsx
from ..services.this_week import backlog_since, workspace_this_week
from ..store import Workspace
from . import keys
from .auth import audit, may
from .backlog import load_backlog, load_owners, open_cases
from .data import _stamp, load_incidents, load_layer
from .filenames import window_file_name
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


@st.cache_data(show_spinner=False, max_entries=16)
def _this_week(path: str, stamp: float, flt: IncidentFilter) -> ThisWeek:
    # The cached frames of this version, and the 超期未结 card's backlog (the same key:
    # the window's end, read since the previous window's end), so nothing is read twice.
    since = backlog_since(flt)
    known = closure_known(load_incidents(path))
    return workspace_this_week(
        Workspace(path),
        flt,
        table=load_incidents(path),
        grids=load_layer(path, "grids"),
        keyareas=load_layer(path, "keyareas"),
        owners=load_owners(path),
        responsibilities=load_responsibilities(path),
        open_cases=open_cases(path, since) if known else None,
        backlog=load_backlog(path, flt, flt.end, since=since),
    )


# Built on every rerun of the cockpit it was 5 % of the server's time with 20 sessions on
# the demo; the workbook only changes with the workspace, the filter and the language.
@st.cache_data(show_spinner=False, max_entries=64)
def _week_xlsx(path: str, stamp: float, flt: IncidentFilter, lang: str, worker: bool) -> bytes:
    return this_week_xlsx(_this_week(path, stamp, flt), lang, worker=worker)


def load_this_week(path: str, flt: IncidentFilter) -> ThisWeek:
    """This week's list for the cockpit filter ``flt`` (its end, categories, area)."""
    return _this_week(str(path), _stamp(path), flt)


def week_html(week: ThisWeek, lang: str, *, worker: bool = True) -> str:
    """The list as an HTML table (reasons wrap in full, in meeting mode too); ``worker``
    False leaves out the grid workers' column."""
    esc = html.escape
    g = week.grids
    if g.empty and week.incidents:  # incidents, but none reached the ranking's rule
        why = t(period_key("week.none.few", week.period), lang, n=week.incidents, m=MIN_COUNT)
        return f"<p>{esc(why)}</p>"
    if g.empty:
        return f"<p>{esc(t(period_key('week.none', week.period), lang))}</p>"
    dept = "department_zh" if lang == "zh" else "department_en"
    per = [period_key(f"week.col.{k}", week.period) for k in ("incidents", "last_week", "change")]
    heads = [
        "week.col.rank", "owner.grid", "week.col.reason", *per, "week.col.overdue",
        "owner.worker", "owner.department",
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

    def key(k: str) -> str:  # the month twins of the texts
        return period_key(k, week.period)

    st.markdown(f"#### {t(key('week.title'), lang)}", help=t(key("week.help"), lang))
    if week.period == "month":
        st.info(t("week.month_note", lang), icon=":material/calendar_month:")
    st.caption(t(key("week.window"), lang, start=s, end=e, pstart=ps, pend=pe))
    people = may(path, "see_people") and not st.session_state.get(keys.KEY_MEETING, False)
    st.markdown(week_html(week, lang, worker=people), unsafe_allow_html=True)
    if not week.grids.empty:
        name = window_file_name(t(key("week.file"), lang), s, e, "xlsx")
        st.download_button(
            t("week.excel", lang),
            _week_xlsx(str(path), _stamp(path), flt, lang, may(path, "see_people")),
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
