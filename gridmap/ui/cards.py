"""The grid card: who looks after the grid, its households, incidents, closure and trend."""

from __future__ import annotations

import datetime as dt
from typing import Any

import altair as alt
import geopandas as gpd
import numpy as np
import pandas as pd
import streamlit as st
from numpy.typing import NDArray

from .. import schema
from ..analytics.backlog import closure_known
from ..analytics.cards import card_trend, grid_card
from ..analytics.incidents import IncidentFilter, IncidentTable
from ..analytics.responsibility import DEPARTMENT_EN, DEPARTMENT_ZH, assign_departments
from ..hierarchy import Hierarchy
from ..i18n import t
from . import keys
from .auth import may
from .data import workspace_path
from .responsibility import (
    load_responsibilities,
    load_window_departments,
    load_window_incidents,
)
from .sidebar import set_area

__all__ = [
    "category_departments",
    "main_departments",
    "render_grid_card",
    "rescope_to",
    "show_grid_card",
]


def rescope_to(chain: list[tuple[str, str, str]]) -> None:
    """Callback: set the sidebar's area selectors to an admin unit of a breadcrumb."""
    by_level = {level: code for code, _name, level in chain}
    set_area(by_level.get("district"), by_level.get("street"), by_level.get("community"))


def _pct(n: int, d: int) -> str:
    return f"{n / d:.0%}" if d else "–"


def _trend(card: dict[str, Any], L: str, trend: pd.DataFrame | None) -> None:
    """The card's monthly trend: the twelve months to the window's end with the window's
    months dark (:func:`~gridmap.analytics.cards.card_trend`); without them, the window's
    own months, or a note when the window has one month only (one point draws nothing)."""
    if trend is not None and len(trend):
        st.markdown(f"**{t('card.trend12', L)}**")
        label = {True: t("card.trend.window", L), False: t("card.trend.before", L)}
        frame = trend.assign(part=trend["in_window"].map(label))
        chart = (
            alt.Chart(frame)
            .mark_bar()
            .encode(
                x=alt.X("month:O", title=None, axis=alt.Axis(labelAngle=-45)),
                y=alt.Y("n:Q", title=None),
                color=alt.Color(
                    "part:N",
                    title=None,
                    scale=alt.Scale(
                        domain=[label[True], label[False]], range=["#d2562d", "#c9ced6"]
                    ),
                    legend=alt.Legend(orient="top"),
                ),
                tooltip=["month", "n"],
            )
            .properties(height=160)
        )
        st.altair_chart(chart, width="stretch")
    elif len(card["monthly"]) > 1:
        st.markdown(f"**{t('card.trend', L)}**")
        frame = pd.DataFrame({"month": list(card["monthly"]), "n": list(card["monthly"].values())})
        st.line_chart(frame, x="month", y="n", height=140, x_label="", y_label="")
    elif card["monthly"]:
        st.caption(t("card.trend.one_month", L))


def category_departments(
    by_category: dict[str, int],
    responsibilities: pd.DataFrame,
    lang: str,
    *,
    top: int = 3,
    incidents: pd.DataFrame | None = None,
) -> list[tuple[str, int, str]]:
    """The grid's ``top`` categories (most incidents first) with the department that answers
    for each (谁主管、谁负责), as ``(category label, incidents, department)`` in ``lang``.

    ``responsibilities`` is the workspace's table
    (:func:`gridmap.ui.responsibility.load_responsibilities`); a category it does not name
    gets "未指定" / "Unassigned". ``incidents`` (the grid's incidents of the window with
    ``category`` and ``category_source``): a category's department is then the one answering
    for most of its incidents, sub-categories counted, as this week's list assigns them.
    """
    counts = pd.Series(by_category, dtype="int64")
    counts = counts[counts > 0].sort_values(ascending=False, kind="stable").head(top)
    if counts.empty:
        return []
    col = DEPARTMENT_ZH if lang == "zh" else DEPARTMENT_EN
    names = assign_departments(list(counts.index), None, responsibilities)[col]
    names.index = counts.index
    if incidents is not None and len(incidents):
        subs = incidents.get(schema.CATEGORY_SOURCE)
        found = assign_departments(incidents[schema.CATEGORY], subs, responsibilities)[col]
        cats = incidents[schema.CATEGORY].astype(str).to_numpy()
        pairs = pd.DataFrame({"cat": cats, "dept": found.to_numpy()})
        sizes = pairs.groupby(["cat", "dept"]).size().rename("n").reset_index()
        best = sizes.sort_values(["cat", "n", "dept"], ascending=[True, False, True])
        by_sub = best.drop_duplicates("cat").set_index("cat")["dept"]
        names = by_sub.reindex(counts.index).fillna(names)
    return [
        (schema.CATEGORIES.label(str(code), lang), int(n), str(dept))
        for code, n, dept in zip(counts.index, counts.to_numpy(), names, strict=True)
    ]


def main_departments(path: str, flt: IncidentFilter, lang: str) -> pd.Series:
    """The department answering for most of each grid's incidents in ``flt``'s window (for
    the map's tooltip), by grid code, in ``lang``: professional grids too, sub-categories
    counted; grids without incidents are left out. The one assignment this week's list
    and the grid card show (:func:`gridmap.ui.responsibility.load_window_departments`)."""
    found = load_window_departments(path, flt)
    return found[DEPARTMENT_ZH if lang == "zh" else DEPARTMENT_EN]


def _departments(rows: list[tuple[str, int, str]], L: str, main: str | None = None) -> None:
    """Who answers for the grid's main categories, one line each, under the department
    answering for most of its incidents (the map's tooltip and this week's list name it)."""
    if not rows and not main:
        return
    st.markdown(f"**{t('card.departments', L)}**")
    if main:
        st.markdown(f"{t('tooltip.department', L)}: **{main}**")
    st.markdown(
        "\n".join(
            "- " + t("card.department.row", L, category=c, n=f"{n:,}", department=d)
            for c, n, d in rows
        )
    )


def render_grid_card(
    card: dict[str, Any],
    L: str,
    *,
    closure_known: bool = True,
    trend: pd.DataFrame | None = None,
    departments: list[tuple[str, int, str]] | None = None,
    main_department: str | None = None,
) -> None:
    """Draw a card from :func:`gridmap.analytics.cards.grid_card` values.

    ``departments`` are :func:`category_departments` of the card (none: not shown);
    ``main_department`` the one answering for most of its incidents (:func:`main_departments`).

    ``closure_known`` is False when no incident of the workspace carries a closure time: the
    closure rate is then said to be missing, not shown as 0 %. ``trend`` is the grid's
    :func:`~gridmap.analytics.cards.card_trend` (the window's own months without it).
    """
    with st.container(border=True, key=keys.KEY_GRID_CARD):
        kind = t("card.professional" if card["grid_type"] == "professional" else "card.basic", L)
        st.markdown(f"### {card['name']}")
        st.caption(f"`{card['code']}` · {kind}")
        crumbs = card["breadcrumb"][:-1]
        if crumbs:
            st.markdown(" › ".join(name for _code, name, _level in crumbs))
            st.button(
                t("card.focus", L),
                key=keys.KEY_CARD_FOCUS,
                on_click=rescope_to,
                args=(crumbs,),
                icon=":material/zoom_in:",
            )
        a, b = st.columns(2)
        a.metric(
            t("card.households", L),
            "–" if card["households"] is None else f"{card['households']:,}",
        )
        # A grid worker's name is personal data: viewers (leaders' screens) do not get it.
        if may(workspace_path(), "see_people"):
            b.metric(t("card.worker", L), card["worker"] or "–")
        else:
            b.metric(t("card.worker", L), t("card.worker.hidden", L))
        closed, count = card["closed"], card["count"]
        a.metric(t("card.incidents", L), f"{count:,}")
        if closure_known:
            b.metric(t("card.closure", L), _pct(closed, count), help=f"{closed:,} / {count:,}")
            st.caption(f"{t('card.closure', L)}: {closed:,} / {count:,}")
        else:
            b.metric(t("card.closure", L), t("kpi.nodata", L))
            st.caption(f"{t('card.closure', L)}: {t('card.closure.none', L)}")
        if count:
            by_cat = pd.DataFrame(
                {
                    "category": [schema.CATEGORIES.label(c, L) for c in card["by_category"]],
                    "n": list(card["by_category"].values()),
                }
            )
            by_cat = by_cat[by_cat["n"] > 0].sort_values("n", ascending=False)
            st.markdown(f"**{t('card.by_category', L)}**")
            st.bar_chart(
                by_cat,
                x="category",
                y="n",
                horizontal=True,
                height=180,
                x_label="",
                y_label="",
                sort="-n",
                color="#d2562d",
            )
            classes = " · ".join(
                f"{schema.HANDLING_CLASSES.label(c, L)} {n:,}"
                for c, n in card["by_handling_class"].items()
            )
            st.caption(f"{t('card.by_class', L)}: {classes}")
            _departments(departments or [], L, main_department)
            _trend(card, L, trend)
        quality = []
        if card["household_age_days"] is None:
            quality.append(t("card.hh_unknown", L))
        else:
            quality.append(
                t(
                    "card.hh_age",
                    L,
                    date=card["effective_date"],
                    days=f"{card['household_age_days']:,}",
                )
            )
        quality.append(
            t(
                "card.located",
                L,
                pct=_pct(card["located"], count),
                n=f"{card['located']:,}",
                d=f"{count:,}",
            )
        )
        st.caption(f"{t('card.quality', L)}: " + " · ".join(quality))
        st.button(
            t("card.close", L),
            key=keys.KEY_CARD_CLOSE,
            on_click=st.session_state.pop,
            args=(keys.KEY_SELECTED_GRID, None),
        )


def show_grid_card(
    code: str | None,
    grids: gpd.GeoDataFrame,
    h: Hierarchy,
    table: IncidentTable,
    idx: NDArray[np.int64],
    L: str,
    *,
    empty_hint: str,
    sentence: str | None = None,
    flt: IncidentFilter | None = None,
) -> None:
    """The card of grid ``code`` for the selected incidents, or a hint when none is chosen.

    With the filter ``flt`` that selected ``idx``, the trend shows the twelve months to its
    end (a one-month window alone would draw no line)."""
    match = grids[grids[schema.CODE] == code] if code else grids.iloc[0:0]
    if not len(match):
        st.info(empty_hint)
        return
    if sentence:
        st.info(sentence)
    card = grid_card(match.iloc[0].to_dict(), h, table, idx, today=dt.date.today())
    trend = None if flt is None else card_trend(table, flt, str(code))
    path = workspace_path()
    resp = load_responsibilities(path)
    main: str | None = None
    if flt is not None:  # the window's incidents with sub-categories: the list's departments
        window = load_window_incidents(path, flt)
        mine = window[window[schema.GRID_CODE].astype(str) == str(code)]
        by_category = card["by_category"]
        if not sum(by_category.values()):  # a professional grid holds the incidents inside it
            by_category = mine[schema.CATEGORY].astype(str).value_counts().to_dict()
        departments = category_departments(by_category, resp, L, incidents=mine)
        found = main_departments(path, flt, L).get(str(code))
        main = None if found is None else str(found)
    else:
        departments = category_departments(card["by_category"], resp, L)
    render_grid_card(
        card,
        L,
        closure_known=closure_known(table),
        trend=trend,
        departments=departments,
        main_department=main,
    )
