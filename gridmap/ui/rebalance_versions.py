"""Rebalance page, versions section: save the plan as a draft, compare a draft with the
version in force, publish it, export it. Every write goes through :mod:`gridmap.versions`."""

from __future__ import annotations

import datetime as dt
import functools
import tempfile
from pathlib import Path
from typing import Any, cast

import pandas as pd
import streamlit as st

from .. import versions
from ..analytics import rebalance as rb
from ..exporting import export_layer
from ..i18n import t
from ..schema import AuditAction
from ..store import Workspace
from . import keys
from .auth import LOCAL, audit, current_user, user_name
from .data import _stamp, versions_table
from .rebalance import Editing, assignment_csv, mark_saved, session_since

__all__ = ["app_actor", "compare_with", "publish", "save_plan", "versions_section"]


def app_actor(path: str) -> versions.Actor:
    """The signed-in user (or the local admin when no login is required), as the audit log
    records an app action."""
    user = current_user(path) or LOCAL
    return versions.Actor(user.username, user.role, "app")


def publish(path: str, version: int, day: dt.date) -> None:
    """Put a draft in force from ``day``, with its one audit entry (the page and the Data
    page publish through here)."""
    versions.publish_version(Workspace(path), version, day, user=app_actor(path))


@st.cache_data(show_spinner=False, max_entries=16)
def _compare(path: str, stamp: float, a: int, b: int) -> versions.VersionDiff:
    return versions.compare_versions(Workspace(path), a, b)


def compare_with(path: str, a: int, b: int) -> versions.VersionDiff:
    """What changed from version ``a`` to ``b`` (cached per workspace version)."""
    return _compare(str(path), _stamp(path), int(a), int(b))


def save_plan(
    path: str,
    plan: rb.Plan,
    *,
    community: str,
    band: tuple[int, int] | None,
    measure: str,
    note: str,
    default_note: str,
) -> int:
    """Save ``plan`` as a draft version (refused on a conflicting save, audited either way).

    Raises :class:`~gridmap.analytics.rebalance.EditConflict` when another planner saved the
    community after this session started.
    """
    ws = Workspace(path)
    # The version this session started from, whatever is in force by now.
    grids_base = ws.read_grids(plan.problem.base_version)
    new_grids = rb.plan_grids(plan, grids_base, simplify_m=1.0)
    try:
        version = versions.save_draft(
            ws,
            new_grids,
            author=user_name(path),
            note=note or default_note,
            communities=plan.changed_communities(),
            since=session_since(path, community, band, measure),
        )
    except rb.EditConflict as exc:
        audit(path, AuditAction.SAVE_REFUSED, target=community, detail={"conflict": str(exc)})
        raise
    mark_saved(path, community, band, version, measure)
    audit(path, AuditAction.SAVE_DRAFT, target=community, version=version, detail={"note": note})
    return version


def _save_form(ed: Editing, plan: rb.Plan, name: str) -> None:
    """The note and the save button."""
    L = ed.L
    note = st.text_input(t("reb.note", L), key=keys.KEY_REBALANCE_NOTE, placeholder=name)
    if not st.button(
        t("reb.save", L), type="primary", disabled=not plan.moved().any(), icon=":material/save:"
    ):
        return
    try:
        version = save_plan(
            ed.path,
            plan,
            community=ed.community,
            band=ed.band,
            measure=ed.measure,
            note=note,
            default_note=name,
        )
        st.success(t("reb.saved", L, v=version))
    except rb.EditConflict as exc:
        st.error(t("reb.conflict", L, why=str(exc)))
    except rb.RebalanceError as exc:
        st.error(str(exc))


def _comparison(path: str, in_force: int, chosen: int, L: str) -> None:
    """The draft against the version in force: counts, then the grids that changed."""
    diff = compare_with(path, in_force, chosen)
    sm = diff.summary()
    st.markdown(
        t(
            "reb.compare",
            L,
            v=chosen,
            added=sm["new"],
            removed=sm["removed"],
            redrawn=sm["changed"],
            units=sm["units_moved"],
            hh=f"{sm['households_moved']:,}",
        )
    )
    changed_rows = diff.grids[diff.grids["status"] != "same"]
    if len(changed_rows):
        st.dataframe(
            changed_rows.assign(
                status=changed_rows["status"].map(lambda k: t(f"reb.change.{k}", L))
            ).rename(columns={c: t(f"reb.cmp.{c}", L) for c in changed_rows.columns}),
            width="stretch",
        )


def _gpkg(path: str, version: int) -> bytes:
    """The grid layer of ``version`` as a GeoPackage, audited once the bytes exist."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / f"grids_v{version}.gpkg"
        export_layer(Workspace(path), "grids", out, version=version)
        audit(path, AuditAction.EXPORT, target=out.name, version=version)
        return out.read_bytes()


def _assignment(path: str, version: int) -> bytes:
    """The unit -> grid CSV of ``version``, audited."""
    table = assignment_csv(Workspace(path), version)
    audit(path, AuditAction.EXPORT, target=f"assignment_v{version}.csv", version=version)
    return table


def _drafts(path: str, drafts: list[int], L: str) -> None:
    """Pick a draft: compare it, publish it with an effective date, export it."""
    ws = Workspace(path)
    p1, p2, p3 = st.columns([1, 1, 1], vertical_alignment="bottom")
    chosen = p1.selectbox(t("reb.draft", L), drafts, key=keys.KEY_REBALANCE_DRAFT)
    in_force = ws.published_version()
    if in_force is not None:
        _comparison(path, in_force, int(chosen), L)
    day = p2.date_input(t("reb.effective", L), value=dt.date.today(), key=keys.KEY_REBALANCE_DAY)
    if p3.button(t("reb.publish", L), key=keys.KEY_REBALANCE_PUBLISH) and isinstance(day, dt.date):
        try:
            publish(path, int(chosen), day)
            st.success(t("reb.published", L, v=chosen, day=day))
            st.rerun()
        except rb.RebalanceError as exc:
            st.error(str(exc))
    downloads = (
        ("reb.export", _gpkg, f"grids_v{chosen}.gpkg", "application/geopackage+sqlite3",
         keys.KEY_REBALANCE_EXPORT),
        ("reb.export.assignment", _assignment, f"assignment_v{chosen}.csv", "text/csv",
         keys.KEY_REBALANCE_EXPORT_ASSIGNMENT),
    )  # fmt: skip
    for label, build, file_name, mime, key in downloads:
        st.download_button(
            t(label, L, v=chosen),
            functools.partial(build, path, int(chosen)),
            file_name=file_name,
            mime=mime,
            key=key,
        )


def versions_section(ed: Editing, plan: rb.Plan, name: str) -> None:
    """Save, the version list, and the drafts' compare / publish / export.

    ``name`` is the community's name (the default note of a draft).
    """
    path, L = ed.path, ed.L
    st.subheader(t("reb.versions", L))
    s1, s2 = st.columns([2, 3])
    with s1:
        _save_form(ed, plan, name)
    listed = pd.DataFrame([v.__dict__ for v in Workspace(path).grid_versions()])
    if not len(listed):
        return
    records = cast("list[dict[str, Any]]", listed.to_dict("records"))
    s2.dataframe(versions_table(records, L), hide_index=True, width="stretch")
    drafts = listed.loc[listed["status"] == "draft", "version"].tolist()
    if drafts:
        _drafts(path, drafts, L)
