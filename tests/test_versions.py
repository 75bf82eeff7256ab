"""The versions service: load a problem, save a draft, publish (with its one audit entry),
compare two versions, on both backends."""

from __future__ import annotations

import datetime as dt

import pytest

from gridmap import versions
from gridmap.analytics import rebalance as rb
from gridmap.security import AuditLog
from gridmap.validate import validate_grids

from .builders import C1, G1, G4, Locations
from .builders import lattice_workspace as _workspace


def test_save_draft_then_publish(locations: Locations) -> None:
    ws = _workspace(locations.new("reb"))
    p = versions.load_problem(ws)
    assert p.base_version == 1 and not p.graph.estimate
    plan = rb.combine(p, rb.suggest(p))
    grids = ws.read_grids(1)
    version = versions.save_draft(ws, rb.plan_grids(plan, grids), author="planner", note="test")
    assert version == 2
    assert [(v.version, v.status) for v in ws.grid_versions()] == [(1, "published"), (2, "draft")]
    assert ws.read_grids().equals(grids)  # the version in force is untouched
    draft = ws.read_grids(2)
    assert draft["households"].sum() == grids["households"].sum()
    assert draft.geometry.is_valid.all()
    admin = ws.read_layer("admin")
    report = validate_grids(draft, admin[admin["level"] == "community"])
    assert report.ok(), report.counts()  # no overlaps, gaps or slivers
    with pytest.raises(rb.RebalanceError, match="use YYYY-MM-DD"):
        versions.publish_version(ws, 2, "tomorrow")
    versions.publish_version(ws, 2, "2025-01-01")
    status = {v.version: (v.status, v.effective_date) for v in ws.grid_versions()}
    assert status == {1: ("archived", "2024-01-01"), 2: ("published", "2025-01-01")}
    assert len(ws.read_grids(1)) == len(grids)  # the old version stays readable
    units = ws.read_layer("units")
    assert set(units["grid_code"]) <= set(ws.read_grids()["code"])
    with pytest.raises(rb.RebalanceError, match="only a draft can be published"):
        versions.publish_version(ws, 1, "2025-02-01")


def test_compare_versions_counts_what_moved(locations: Locations) -> None:
    ws = _workspace(locations.new("reb"))
    p = versions.load_problem(ws)
    plan = rb.redraw(p, C1, seed=0)
    versions.save_draft(ws, rb.plan_grids(plan, ws.read_grids(1)))
    diff = versions.compare_versions(ws, 1, 2)
    summary = diff.summary()
    assert summary["households_moved"] == plan.households_moved() == 525
    assert summary["units_moved"] == int(plan.moved().sum())
    assert summary["new"] == summary["removed"] == 0
    assert diff.grids["households_b"].sum() == diff.grids["households_a"].sum() == 1350
    assert diff.grids.loc[G1, "delta"] == -450 and diff.grids.loc[G4, "status"] == "same"
    assert set(diff.changes["grid_code"]) == {C1 + "002", C1 + "003"}  # G1 only lost land
    with pytest.raises(rb.RebalanceError, match="grid version 9: not in the workspace"):
        versions.compare_versions(ws, 1, 9)


def test_a_draft_compared_with_itself_changes_nothing(locations: Locations) -> None:
    ws = _workspace(locations.new("reb"))
    p = versions.load_problem(ws)
    version = versions.save_draft(ws, rb.plan_grids(rb.base_plan(p), ws.read_grids(1)))
    summary = versions.compare_versions(ws, version, version).summary()
    assert summary["changed"] == summary["units_moved"] == summary["households_moved"] == 0


def test_publish_writes_one_audit_entry(locations: Locations) -> None:
    ws = _workspace(locations.new("reb"))
    p = versions.load_problem(ws)
    versions.save_draft(ws, rb.plan_grids(rb.redraw(p, C1, seed=0), ws.read_grids(1)))
    before = len(AuditLog(ws).read())
    who = versions.Actor("planner", "operator", "app")
    versions.publish_version(ws, 2, dt.date(2025, 3, 1), user=who)
    log = AuditLog(ws).read()
    assert len(log) == before + 1
    entry = log.iloc[0]
    assert (entry["action"], entry["user"], entry["role"], entry["via"]) == (
        "publish",
        "planner",
        "operator",
        "app",
    )
    assert int(entry["version"]) == 2 and '"effective": "2025-03-01"' in entry["detail"]


def test_a_refused_publish_and_one_without_user_leave_no_entry(locations: Locations) -> None:
    """The command line publishes without ``user``: its own entry per command is the one."""
    ws = _workspace(locations.new("reb"))
    p = versions.load_problem(ws)
    versions.save_draft(ws, rb.plan_grids(rb.redraw(p, C1, seed=0), ws.read_grids(1)))
    who = versions.Actor("planner")
    with pytest.raises(rb.RebalanceError, match="only a draft"):
        versions.publish_version(ws, 1, "2025-03-01", user=who)
    versions.publish_version(ws, 2, "2025-03-01")
    assert len(AuditLog(ws).read()) == 0
    assert ws.published_version() == 2


def test_a_save_after_another_planners_save_is_refused(locations: Locations) -> None:
    ws = _workspace(locations.new("reb"))
    p = versions.load_problem(ws)
    layer = rb.plan_grids(rb.redraw(p, C1, seed=0), ws.read_grids(1))
    since = ws.latest_version()
    versions.save_draft(ws, layer, author="first", communities=[C1], since=since)
    with pytest.raises(rb.EditConflict, match=f"community {C1} was changed by first"):
        versions.save_draft(ws, layer, author="second", communities=[C1], since=since)
    assert [v.version for v in ws.grid_versions()] == [1, 2]
