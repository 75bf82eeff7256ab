"""The workspace store on both backends: migrations, attribute tables, ``gridmap copy``."""

from __future__ import annotations

import contextlib
import sqlite3
import uuid
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from gridmap.cli import main
from gridmap.errors import WorkspaceError
from gridmap.security import AuditLog, UserStore
from gridmap.store import Workspace, is_url
from gridmap.store.copying import copy_workspace
from gridmap.store.migrations import SCHEMA_VERSION

from .builders import POSTGIS_URL, Locations, snapshot


def _raw_execute(location: str, sql: str) -> None:
    """Change a workspace behind gridmap's back (to fake an old or a future one)."""
    if is_url(location):
        from gridmap.store.postgis import PostgisWorkspace

        PostgisWorkspace(location)._con().execute(sql)
    else:
        with contextlib.closing(sqlite3.connect(location)) as con:
            con.execute(sql)
            con.commit()


def test_an_older_workspace_is_migrated_on_its_next_write(busy_workspace: str) -> None:
    ws = Workspace(busy_workspace)
    # As a workspace written before migrations 2 and 3 existed.
    _raw_execute(busy_workspace, "DROP TABLE draft_scopes")
    _raw_execute(busy_workspace, "DROP TABLE saved_mappings")
    _raw_execute(busy_workspace, "DELETE FROM schema_migrations WHERE version >= 2")
    if not is_url(busy_workspace):  # nor were they listed for QGIS
        _raw_execute(
            busy_workspace,
            "DELETE FROM gpkg_contents WHERE table_name IN ('draft_scopes', 'saved_mappings')",
        )
    before = ws.read_layer("incidents")
    with ws.transaction() as tx:
        tx.set_meta({"note": "touched"})
    applied = ws.query("SELECT version FROM schema_migrations ORDER BY version")["version"]
    assert list(applied) == list(range(1, SCHEMA_VERSION + 1))
    assert ws.has_table("draft_scopes") and ws.has_table("saved_mappings")
    pd.testing.assert_frame_equal(
        pd.DataFrame(before.drop(columns="geometry")),
        pd.DataFrame(ws.read_layer("incidents").drop(columns="geometry")),
    )


def test_a_workspace_from_a_newer_gridmap_is_refused_untouched(busy_workspace: str) -> None:
    _raw_execute(
        busy_workspace,
        "INSERT INTO schema_migrations(version, description, applied_at) "
        "VALUES (99, 'from the future', '2030-01-01')",
    )
    before = snapshot(busy_workspace)
    refused = pytest.raises(WorkspaceError, match="schema version 99 is newer")
    with refused, Workspace(busy_workspace).transaction() as tx:
        tx.set_meta({"note": "never written"})
    assert snapshot(busy_workspace) == before


def test_attribute_tables_keep_their_types(workspace: str) -> None:
    frame = pd.DataFrame(
        {
            "h3_cell": np.array([617733122422996991, 617733122423259135], dtype="int64"),
            "month": ["2025-01", "2025-02"],
            "incidents": [3, 0],
            "share": [0.25, float("nan")],
            "flag": [True, False],
        }
    )
    with Workspace(workspace).transaction() as tx:
        tx.write_table("archive_cells_test", frame)
    back = Workspace(workspace).read_table("archive_cells_test")
    assert list(back["h3_cell"]) == list(frame["h3_cell"])
    assert list(back["month"]) == ["2025-01", "2025-02"] and list(back["incidents"]) == [3, 0]
    assert back["share"].iloc[0] == 0.25 and pd.isna(back["share"].iloc[1])
    assert [bool(v) for v in back["flag"]] == [True, False]
    assert "archive_cells_test" in Workspace(workspace).table_names()
    refused = pytest.raises(WorkspaceError, match="table name 'grids'")
    with refused, Workspace(workspace).transaction() as tx:
        tx.write_table("grids", frame)


def _everything(location: str) -> dict[str, object]:
    ws = Workspace(location)
    out: dict[str, object] = {}
    for layer in ws.layer_names():
        gdf = ws.read_layer(layer)
        out[layer] = (
            pd.DataFrame(gdf.drop(columns="geometry")).to_dict("list"),
            list(gdf.geometry.to_wkb()),
        )
    for table in ("grid_versions", "import_log", "grid_cells", "draft_scopes", "saved_mappings"):
        frame = ws.query(f"SELECT * FROM {table}").astype(object)
        out[table] = frame.where(frame.notna(), None).to_dict("list")
    out["meta"] = {k: v for k, v in ws.meta().items() if k not in ("revision", "updated_at")}
    out["users"] = [(u.username, u.role, u.area) for u in UserStore(location).list()]
    out["audit"] = AuditLog(location).read().astype(object).to_dict("list")
    return out


@pytest.mark.skipif(not POSTGIS_URL, reason="needs a PostGIS server (GRIDMAP_TEST_POSTGIS_URL)")
@pytest.mark.postgis
@pytest.mark.gpkg_only  # the round trip starts from the GeoPackage variant of the fixture
def test_copy_round_trip_gpkg_postgis_gpkg_loses_nothing(
    busy_workspace: str, tmp_path: Path
) -> None:
    UserStore(busy_workspace).add("leader", "meeting-2026", "viewer", area="620104001001")
    AuditLog(busy_workspace).append("export", user="leader", target="风险.csv", via="app")
    schema = f"t_copy_{uuid.uuid4().hex[:12]}"
    url = f"{POSTGIS_URL}?schema={schema}"
    back = str(tmp_path / "back.gpkg")
    try:
        assert main(["copy", busy_workspace, url]) == 0
        assert main(["copy", url, back]) == 0
        original, in_pg, returned = _everything(busy_workspace), _everything(url), _everything(back)
        for key, value in original.items():
            if key == "audit":
                continue  # the copies add their own `copy` entries; compared below
            assert in_pg[key] == value, f"{key} changed in PostGIS"
            assert returned[key] == value, f"{key} changed on the way back"
        # The audit log travels whole (ids included) and gains the copy itself.
        n = len(original["audit"]["id"])  # type: ignore[index]
        assert returned["audit"]["id"][-n:] == original["audit"]["id"]  # type: ignore[index]
        assert list(AuditLog(back).read()["action"])[:2] == ["copy", "copy"]
        # A copied user logs in with the same password; the hash travelled, not the password.
        assert UserStore(url).login("leader", "meeting-2026").user is not None
        # Copying onto an existing workspace needs --replace; nothing is touched without it.
        before = snapshot(back)
        assert main(["copy", url, back]) == 2
        assert snapshot(back) == before
        assert main(["copy", busy_workspace, url, "--replace"]) == 0
    finally:
        from gridmap.store.postgis import PostgisWorkspace

        PostgisWorkspace(url).drop()


def test_copy_refuses_itself_and_bad_targets(busy_workspace: str, tmp_path: Path) -> None:
    with pytest.raises(WorkspaceError, match="same workspace"):
        copy_workspace(busy_workspace, busy_workspace, replace=True)
    with pytest.raises(WorkspaceError, match=r"must end in \.gpkg"):
        copy_workspace(busy_workspace, str(tmp_path / "out.sqlite"))
    with pytest.raises(WorkspaceError, match="workspace not found"):
        copy_workspace(str(tmp_path / "missing.gpkg"), str(tmp_path / "x.gpkg"))


def test_a_database_password_is_never_shown(
    locations: Locations, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    location = locations.new()
    if not is_url(location):
        pytest.skip("a file path has no password")
    secret = location.replace("postgresql://postgres@", "postgresql://postgres:s3cret-pw@")
    ws = Workspace(secret)
    assert "s3cret-pw" not in ws.name
    main(["info", secret])
    captured = capsys.readouterr()
    assert "s3cret-pw" not in captured.out + captured.err
    # Nor does the app, on its "no workspace yet" screens.
    from .app.helpers import app_for

    at = app_for(secret, monkeypatch).run()
    shown = " ".join(e.value for e in [*at.error, *at.caption, *at.markdown])
    assert "postgres@127.0.0.1" in shown  # the workspace is named ...
    assert "s3cret-pw" not in shown  # ... without its password


def test_the_store_holds_the_users_and_audit_statements(locations: Locations) -> None:
    """gridmap.security holds no SQL: each statement on the users and audit tables is a
    method of the store's SecurityStore, on both backends."""
    from gridmap.store.security_store import AUDIT_COLUMNS, SecurityStore

    ws = locations.new()
    store = SecurityStore(ws)
    assert store.count_users() == 0 and store.user_rows() == [] and store.audit_rows() == []
    assert store.insert_user("leader", "hash-1", "viewer", None, "2026-01-01T08:00:00")
    assert not store.insert_user("leader", "hash-2", "admin", None, "2026-01-01T08:00:00")
    assert [(r.username, r.role, r.area) for r in store.user_rows()] == [("leader", "viewer", None)]
    with store.login("leader") as record:
        assert record.credentials is not None
        assert (record.credentials.password_hash, record.credentials.failed) == ("hash-1", 0)
        record.set_failures(2, 0)
    with store.login("nobody") as record:
        assert record.credentials is None
    assert store.set_password("leader", "hash-3") and not store.set_password("nobody", "h")
    with store.login("leader") as record:
        assert record.credentials is not None and record.credentials.failed == 0
    assert store.delete_user("leader") and not store.delete_user("leader")
    for n in range(3):
        store.append_audit({"at": f"t{n}", "user": "u", "action": "export", "via": "cli"})
    rows = store.audit_rows(limit=2)
    assert [r["at"] for r in rows] == ["t2", "t1"]
    assert list(rows[0]) == list(AUDIT_COLUMNS)
