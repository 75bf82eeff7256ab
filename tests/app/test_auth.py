"""Login, roles and area scoping in the app; the CLI's users, audit and serve checks."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from gridmap.cli import _serve_auth, main
from gridmap.security import AuditLog, UserStore

from ..conftest import ORIGIN, UTM48N, Locations
from .test_app import app_for

WEST, EAST = "620104001001", "620104001002"


@pytest.fixture
def two_communities(locations: Locations, tmp_path: Path) -> Path:
    """Two communities 1 km apart, two grids each, 40 incidents in each community."""
    from gridmap.importing import import_file

    x0, y0 = ORIGIN
    comm = gpd.GeoDataFrame(
        {"code": [WEST, EAST], "name": ["西社区", "东社区"], "level": "community"},
        geometry=[box(x0, y0, x0 + 200, y0 + 100), box(x0 + 1000, y0, x0 + 1200, y0 + 100)],
        crs=UTM48N,
    ).to_crs(4326)
    grids = gpd.GeoDataFrame(
        {
            "code": ["W1", "W2", "E1", "E2"],
            "parent_code": [WEST, WEST, EAST, EAST],
            "households": [300, 320, 310, 330],
            "worker": ["张三", "李四", "王五", "赵六"],
            "grid_type": "basic",
        },
        geometry=[
            box(x0, y0, x0 + 100, y0 + 100),
            box(x0 + 100, y0, x0 + 200, y0 + 100),
            box(x0 + 1000, y0, x0 + 1100, y0 + 100),
            box(x0 + 1100, y0, x0 + 1200, y0 + 100),
        ],
        crs=UTM48N,
    ).to_crs(4326)
    rng = np.random.default_rng(3)
    xs = np.r_[x0 + rng.uniform(5, 195, 40), x0 + 1000 + rng.uniform(5, 195, 40)]
    pts = gpd.GeoSeries(gpd.points_from_xy(xs, y0 + rng.uniform(5, 95, 80)), crs=UTM48N)
    pts = pts.to_crs(4326)
    incidents = pd.DataFrame(
        {
            "id": [f"E{i}" for i in range(80)],
            "lon": pts.x,
            "lat": pts.y,
            "occurred_at": pd.Timestamp("2025-06-01")
            + pd.to_timedelta(rng.integers(0, 24 * 150, 80), unit="h"),
            "category": "城市管理",
        }
    )
    ws = locations.new()
    comm.to_file(tmp_path / "comm.geojson", driver="GeoJSON")
    grids.to_file(tmp_path / "grids.gpkg", driver="GPKG")
    incidents.to_csv(tmp_path / "inc.csv", index=False)
    import_file(ws, "admin", tmp_path / "comm.geojson", crs="wgs84")
    import_file(ws, "grids", tmp_path / "grids.gpkg")
    import_file(ws, "incidents", tmp_path / "inc.csv", crs="wgs84")
    users = UserStore(ws)
    users.add("east_viewer", "viewer-pass-1", "viewer", area=EAST)
    users.add("planner1", "planner-pass-1", "planner")
    return ws


def _login(at, name: str, password: str) -> None:
    at.text_input(key="login_user").input(name)
    at.text_input(key="login_password").input(password)
    at.get("form_submit_button")[0].click().run()


def test_nothing_but_the_login_form_before_a_login(
    two_communities: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = app_for(two_communities, monkeypatch)
    at.run()
    assert not at.exception
    assert at.get("deck_gl_json_chart") == [] and not at.sidebar.selectbox
    _login(at, "east_viewer", "wrong-password")
    assert at.error[0].value == "用户名或密码不正确。"
    _login(at, "nobody", "viewer-pass-1")
    assert at.error[0].value == "用户名或密码不正确。"  # the same words: names stay secret
    log = AuditLog(two_communities).read()
    assert list(log["action"]) == ["login failed", "login failed"]


def test_a_viewer_sees_its_community_and_no_names(
    two_communities: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = app_for(two_communities, monkeypatch)
    at.run()
    _login(at, "east_viewer", "viewer-pass-1")
    assert not at.exception
    # The whole time range of the fixture's incidents (June to October 2025).
    at.sidebar.date_input(key="time_window").set_value(
        (dt.date(2025, 6, 1), dt.date(2025, 10, 27))
    ).run()
    assert "东社区" in " ".join(c.value for c in at.sidebar.caption)
    # The map page counts only the east community's 40 incidents.
    assert "40" in at.markdown[0].value and "80" not in at.markdown[0].value
    # Planner and admin pages are not registered for a viewer.
    for page in ("app_pages/rebalance.py", "app_pages/workspace.py", "app_pages/audit.py"):
        with pytest.raises(Exception, match=r"(?i)not found|could not find|page"):
            at.switch_page(page).run()
    # The grid card hides the worker's name.
    at.session_state["city_map"] = {
        "selection": {
            "indices": {"grids": [0]},
            "objects": {"grids": [{"properties": {"code": "E1"}}]},
        }
    }
    at.switch_page("app_pages/map.py").run()
    metrics = {m.label: m.value for m in at.metric}
    assert metrics.get("网格员") == "（不对查看角色显示）"
    assert "王五" not in json.dumps([m.value for m in at.metric], ensure_ascii=False)
    assert AuditLog(two_communities).read()["action"].iloc[0] == "login"


def test_a_planner_reaches_the_rebalance_page(
    two_communities: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = app_for(two_communities, monkeypatch)
    at.run()
    _login(at, "planner1", "planner-pass-1")
    at.switch_page("app_pages/rebalance.py").run()
    assert not at.exception
    with pytest.raises(Exception, match=r"(?i)not found|could not find|page"):
        at.switch_page("app_pages/workspace.py").run()


def test_cli_users_audit_and_serve_rules(
    workspace: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(Exception, match="not the demo and no users"):
        _serve_auth(workspace, no_auth=False)
    assert main(["serve", str(workspace)]) == 2
    assert "--no-auth" in capsys.readouterr().err
    assert _serve_auth(workspace, no_auth=True) == "off"
    monkeypatch.setattr("sys.stdin", io.StringIO("admin-pass-12\n"))
    assert (
        main(["users", str(workspace), "add", "boss", "--role", "admin", "--password-stdin"]) == 0
    )
    assert _serve_auth(workspace, no_auth=False) == "required"
    capsys.readouterr()
    assert main(["users", str(workspace), "list", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == [
        {"username": "boss", "role": "admin", "area": None}
    ]
    monkeypatch.setattr("sys.stdin", io.StringIO("x\n"))
    assert main(["users", str(workspace), "add", "b2", "--role", "viewer", "--password-stdin"]) == 2
    assert main(["users", str(workspace), "add", "b3", "--role", "viewer", "--area", "999"]) == 2
    assert main(["audit", str(workspace), "--json"]) == 0
    entries = json.loads(capsys.readouterr().out)
    assert [e["action"] for e in entries] == ["users add"]
    assert entries[0]["via"] == "cli" and "admin-pass-12" not in json.dumps(entries)
