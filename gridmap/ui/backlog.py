"""超期未结 on the cockpit: the overdue backlog card, its age bands and its breakdowns.

The backlog is counted at the end of the cockpit's window and at the end of the previous
one (环比: fewer is better). Only the incidents still open at the earlier moment are read
from the workspace (a filtered read of a few columns: about 0.15 s for the demo's 324k
incidents instead of 2.4 s for the whole layer), and the result is cached per workspace
version. A workspace whose incidents carry no closure time says so in words, never 0.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
from collections.abc import Callable
from typing import Any, Literal

import pandas as pd
import streamlit as st

from .. import schema
from ..analytics.backlog import (
    AGE_BANDS,
    Backlog,
    age_bands,
    age_breakdown,
    cases_in,
    closure_known,
    overdue_backlog,
)
from ..analytics.incidents import IncidentFilter
from ..analytics.responsibility import grid_owners
from ..i18n import t
from ..services.this_week import OPEN_CASE_COLUMNS, read_open_cases
from ..store import Workspace
from . import keys
from .data import _stamp, load_incidents, load_layer
from .responsibility import load_responsibilities

__all__ = [
    "backlog_card",
    "backlog_details",
    "backlog_tile",
    "load_backlog",
    "load_owners",
    "open_cases",
    "tile_html",
]

#: The incident columns the backlog reads (the same as this week's list reads).
_COLUMNS = OPEN_CASE_COLUMNS

_CSS = """
<style>
.gm-backlog {display: flex; gap: 0.8rem; align-items: stretch; margin: 0 0 0.6rem;}
.gm-backlog .card {background: #f4f6f8; border: 1px solid #d0d7de; border-radius: 8px;
  padding: 0.6rem 0.8rem; min-width: 15rem;}
.gm-backlog .l {color: #4b5563; font-size: 1.0rem;}
.gm-backlog .v {color: #1f2933; font-size: 2.3rem; font-weight: 700; line-height: 1.15;}
.gm-backlog .d {color: #6b7785; font-size: 0.9rem;}
.gm-backlog .c {font-size: 0.95rem; font-weight: 600;}
.gm-backlog .good {color: #1a7f37;} .gm-backlog .bad {color: #c62828;}
.gm-backlog .neutral {color: #6b7785;}
.gm-backlog .bands {flex: 1; display: grid; grid-template-columns: repeat(4, 1fr);
  gap: 0.5rem;}
.gm-backlog .band {border-radius: 8px; padding: 0.5rem 0.7rem; border: 1px solid #d0d7de;}
.gm-backlog .band .n {font-size: 1.7rem; font-weight: 700; color: #1f2933;}
.gm-backlog .band .k {font-size: 0.95rem; color: #4b5563;}
</style>
"""
#: Band backgrounds, from recent (light) to old (strong): the old cases are the neglected ones.
_BAND_BG = ("#fff8e1", "#ffe9c2", "#ffd3a8", "#f6b0a0")


# Shared, not copied: 650,000 open cases at 9.7 M incidents pickle to 92 MB, and the first
# cockpit visit read them three times (two backlogs and this week's list), 0.6 s each.
# Callers only read it (cases_in and the list select rows into new frames).
@st.cache_resource(show_spinner=False, max_entries=8)
def _open_cases(path: str, stamp: float, since: dt.date) -> pd.DataFrame:
    return read_open_cases(Workspace(path), since)


def open_cases(path: str, since: dt.date) -> pd.DataFrame:
    """Incidents not closed before ``since`` (the backlog's candidates): a few columns and
    the point (professional grids hold incidents by place, not by ``grid_code``)."""
    return _open_cases(str(path), _stamp(path), since)


@st.cache_data(show_spinner=False, max_entries=8)
def _owners(path: str, stamp: float) -> pd.DataFrame:
    return grid_owners(load_layer(path, "grids"), load_layer(path, "admin"))


def load_owners(path: str) -> pd.DataFrame:
    """:func:`~gridmap.analytics.responsibility.grid_owners` of the grids in force."""
    return _owners(str(path), _stamp(path))


# Shared, not copied: the cockpit reads it four times a rerun and unpickling the overdue
# cases per read was a third of the server's time with 20 sessions on 9.7 M incidents.
# Callers only read it.
@st.cache_resource(show_spinner=False, max_entries=32)
def _backlog(
    path: str, stamp: float, as_of: dt.date, since: dt.date, scope: IncidentFilter
) -> Backlog:
    known = closure_known(load_incidents(path))
    frame = open_cases(path, since) if known else pd.DataFrame(columns=list(_COLUMNS))
    return overdue_backlog(
        cases_in(frame, scope),
        as_of=as_of,
        owners=load_owners(path),
        responsibilities=load_responsibilities(path),
        closure_known=known,
    )


def load_backlog(
    path: str, flt: IncidentFilter, as_of: dt.date, *, since: dt.date | None = None
) -> Backlog:
    """The overdue backlog at the end of ``as_of`` among the cases ``flt`` keeps: its area,
    categories and handling classes (:func:`~gridmap.analytics.backlog.cases_in`).

    ``since`` (at most ``as_of``) is the earliest moment the caller will ask about, so one
    read serves both the window's end and the previous one's.
    """
    # Only what cases_in reads goes into the cache key: every window shares one entry.
    scope = dataclasses.replace(flt, start=as_of, end=as_of, stages=())
    return _backlog(str(path), _stamp(path), as_of, min(since or as_of, as_of), scope)


def _change(now: int, before: int | None, lang: str) -> tuple[str, str]:
    if before is None:
        return "", "neutral"
    if now == before:
        return t("backlog.change.level", lang), "neutral"
    key, tone = ("backlog.change.up", "bad") if now > before else ("backlog.change.down", "good")
    return t(key, lang, n=f"{abs(now - before):,}"), tone


def _oldest(backlog: Backlog, lang: str) -> str:
    row = backlog.oldest
    if row is None:
        return ""
    grid = str(row["grid_name"] or row[schema.GRID_CODE] or t("backlog.unknown_street", lang))
    return t(
        "backlog.oldest",
        lang,
        id=row[schema.ID],
        grid=grid,
        category=schema.CATEGORIES.label(str(row[schema.CATEGORY]), lang),
        days=f"{int(row['days_overdue']):,}",
    )


def _once(backlog: Backlog, name: str, compute: Callable[[], Any]) -> Any:
    """``compute()`` once per backlog: the backlog is shared by every session (cached as a
    resource) and its age bands scan every overdue case (70 ms at 9.7 M incidents), so
    each rerun of each session reads them rather than counting again. Kept on the object
    itself, so they go when the cache drops it; read-only like the backlog."""
    memo: dict[str, Any] = backlog.__dict__.setdefault("_ui_memo", {})
    if name not in memo:
        memo[name] = compute()
    return memo[name]


def card_html(backlog: Backlog, previous: Backlog | None, lang: str) -> str:
    """The card: the count (or why there is none), 环比, the oldest case, the age bands."""
    esc = html.escape
    day = backlog.as_of.date() - dt.timedelta(days=1)  # as_of is the end of that day
    label = f"{t('backlog.kpi', lang)} · {t('backlog.as_of', lang, day=day)}"
    head = f'<div class="l">{esc(label)}</div>'
    if backlog.missing is not None or backlog.overdue is None:
        text = t(f"backlog.missing.{backlog.missing or 'closure'}", lang)
        card = f'<div class="card" data-kpi="backlog">{head}<div class="d">{esc(text)}</div></div>'
        return _CSS + f'<div class="gm-backlog">{card}</div>'
    before = None if previous is None or previous.overdue is None else previous.overdue
    change, tone = _change(backlog.overdue, before, lang)
    sub = t("backlog.sub", lang, n=f"{backlog.overdue:,}", open=f"{backlog.open or 0:,}")
    card = (
        f'<div class="card" data-kpi="backlog">{head}'
        f'<div class="v">{backlog.overdue:,}</div><div class="d">{esc(sub)}</div>'
        f'<div class="c {tone}">{esc(change)}</div>'
        f'<div class="d">{esc(_oldest(backlog, lang))}</div></div>'
    )
    counts = _once(backlog, "bands", lambda: age_bands(backlog))
    bands = "".join(
        f'<div class="band" style="background:{bg}" data-band="{key}">'
        f'<div class="k">{esc(t("backlog.age", lang))} {esc(t(f"backlog.age.{key}", lang))}</div>'
        f'<div class="n">{int(counts[key]):,}</div></div>'
        for (key, _lo, _hi), bg in zip(AGE_BANDS, _BAND_BG, strict=True)
    )
    return _CSS + f'<div class="gm-backlog">{card}<div class="bands">{bands}</div></div>'


def _age_table(backlog: Backlog, by: Literal["street", "department"], lang: str) -> pd.DataFrame:
    """Overdue cases per street or department and age band, with headers in ``lang``."""
    table = _once(backlog, by, lambda: age_breakdown(backlog, by))
    if by == "street":
        name = table["street_name"].replace("", t("backlog.unknown_street", lang))
        head = t("owner.street", lang)
    else:
        name = table["department_zh" if lang == "zh" else "department_en"]
        head = t("owner.department", lang)
    out = pd.DataFrame({head: name, t("backlog.col.overdue", lang): table["overdue"]})
    for key, _lo, _hi in AGE_BANDS:
        out[t(f"backlog.age.{key}", lang)] = table[key]
    return out


def _breakdowns(backlog: Backlog, lang: str) -> None:
    street, dept = st.columns(2)
    street.markdown(f"**{t('backlog.by_street', lang)}**")
    street.dataframe(_age_table(backlog, "street", lang), hide_index=True, width="stretch")
    dept.markdown(f"**{t('backlog.by_department', lang)}**")
    dept.dataframe(_age_table(backlog, "department", lang), hide_index=True, width="stretch")


def _card_backlogs(
    path: str, flt: IncidentFilter, previous_end: dt.date
) -> tuple[Backlog, Backlog | None]:
    """The backlog at the end of ``flt`` and at ``previous_end`` (None before the data)."""
    since = min(previous_end, flt.end)
    backlog = load_backlog(path, flt, flt.end, since=since)
    span = load_incidents(path).time_range
    # Before the data begin nothing was open: a comparison with that would be no comparison.
    covered = span is not None and previous_end >= span[0]
    previous = load_backlog(path, flt, previous_end, since=since) if covered else None
    return backlog, previous


def tile_html(backlog: Backlog, previous: Backlog | None, lang: str) -> str:
    """The backlog as one KPI tile (the markup of :func:`gridmap.ui.cockpit.kpi_tiles_html`,
    for meeting mode's single row): the count, what it is out of, 环比; the oldest case in
    the tooltip. Without closure times, that in words."""
    esc = html.escape
    head = f'<div class="l">{esc(t("backlog.kpi", lang))}</div>'
    if backlog.missing is not None or backlog.overdue is None:
        text = t(f"backlog.missing.{backlog.missing or 'closure'}", lang)
        return (
            f'<div class="gm-kpi" data-kpi="backlog">{head}'
            f'<div class="v nodata">{esc(t("kpi.nodata", lang))}</div>'
            f'<div class="d">{esc(text)}</div></div>'
        )
    before = None if previous is None else previous.overdue
    change, tone = _change(backlog.overdue, before, lang)
    sub = t("backlog.sub", lang, n=f"{backlog.overdue:,}", open=f"{backlog.open or 0:,}")
    return (
        f'<div class="gm-kpi" data-kpi="backlog" title="{esc(_oldest(backlog, lang))}">{head}'
        f'<div class="v">{backlog.overdue:,}</div><div class="d">{esc(sub)}</div>'
        f'<div class="c"><span class="{tone}">{esc(change)}</span></div></div>'
    )


def backlog_tile(path: str, flt: IncidentFilter, previous_end: dt.date, lang: str) -> str:
    """:func:`tile_html` of the backlog at the end of ``flt`` against ``previous_end``."""
    backlog, previous = _card_backlogs(path, flt, previous_end)
    return tile_html(backlog, previous, lang)


def backlog_details(path: str, flt: IncidentFilter, previous_end: dt.date, lang: str) -> None:
    """The expander with the overdue cases by street and department (nothing when none)."""
    backlog, _previous = _card_backlogs(path, flt, previous_end)
    if backlog.missing is None and backlog.overdue:
        help_text = t("backlog.help", lang, **{k: f"{v:g}" for k, v in backlog.sla_days.items()})
        # Tracked, so that its two tables are built and sent only while it is open: on every
        # rerun of the cockpit they were 5 % of the server's time with 20 sessions.
        with st.expander(
            t("backlog.details", lang), key=keys.KEY_BACKLOG_DETAILS, on_change="rerun"
        ) as details:
            st.caption(help_text)
            if details.open:
                _breakdowns(backlog, lang)


def backlog_card(path: str, flt: IncidentFilter, previous_end: dt.date, lang: str) -> Backlog:
    """The 超期未结 card of the cockpit at the end of ``flt`` (against ``previous_end``) in
    ``flt``'s area, with an expander holding the breakdowns by street and department."""
    backlog, previous = _card_backlogs(path, flt, previous_end)
    st.markdown(card_html(backlog, previous, lang), unsafe_allow_html=True)
    backlog_details(path, flt, previous_end, lang)
    return backlog
