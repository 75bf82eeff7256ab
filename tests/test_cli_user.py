"""``gridmap --user NAME``: the command line with an app user's role and area."""

from __future__ import annotations

import json
import os
from pathlib import Path

import geopandas as gpd
import pytest

from gridmap.cli import main
from gridmap.security import AuditLog, UserStore

from .builders import EAST, WEST


@pytest.fixture
def east_viewer_ws(two_communities: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """The two communities' workspace, the east viewer's password given the CLI's way."""
    monkeypatch.setenv("GRIDMAP_PASSWORD", "viewer-pass-1")
    return two_communities


def test_an_area_limited_viewer_gets_only_its_community(
    east_viewer_ws: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    ws = east_viewer_ws
    code = main(["--user", "east_viewer", "risk", ws, "--since", "2025-06-01", "--json"])
    assert code == 0
    rows = json.loads(capsys.readouterr().out)["rows"]
    assert {r["code"] for r in rows} == {"E1", "E2"}
    # The same command without --user (the server's administrator) sees both communities.
    assert main(["risk", ws, "--since", "2025-06-01", "--json"]) == 0
    assert {r["code"] for r in json.loads(capsys.readouterr().out)["rows"]} == {
        "W1",
        "W2",
        "E1",
        "E2",
    }
    # The report defaults to the viewer's area and refuses another one.
    out = tmp_path / "east.pdf"
    assert main(["--user", "east_viewer", "report", ws, "--out", str(out), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["area"] == EAST
    code = main(["--user", "east_viewer", "report", ws, "--out", str(out), "--area", WEST])
    assert code == 2
    assert f"--area {WEST}: outside area {EAST}" in capsys.readouterr().err


def test_roles_refuse_what_the_app_refuses(
    east_viewer_ws: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    ws = east_viewer_ws
    for argv in (
        ["export", ws, "grids", "--out", str(tmp_path / "g.gpkg")],
        ["import", ws, "incidents", str(tmp_path / "x.csv"), "--crs", "wgs84"],
        ["users", ws, "list"],
        ["audit", ws],
        ["plan", "publish", ws, "1", "--effective", "2025-01-01"],
    ):
        assert main(["--user", "east_viewer", *argv]) == 2
        err = capsys.readouterr().err
        assert "east_viewer (viewer) may not run" in err and "Traceback" not in err
    assert not (tmp_path / "g.gpkg").exists()
    # A planner may export, and a city-wide planner gets every grid, workers included.
    monkeypatch.setenv("GRIDMAP_PASSWORD", "planner-pass-1")
    out = tmp_path / "grids.gpkg"
    assert main(["--user", "planner1", "export", ws, "grids", "--out", str(out)]) == 0
    assert sorted(gpd.read_file(out)["code"]) == ["E1", "E2", "W1", "W2"]
    entries = AuditLog(ws).read()
    assert entries.iloc[0]["user"] == "planner1" and entries.iloc[0]["action"] == "export"


def test_an_area_limited_operator_exports_only_its_rows(
    two_communities: str,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    ws = two_communities
    UserStore(ws).add("east_operator", "operator-pass-1", "operator", area=EAST)
    monkeypatch.setenv("GRIDMAP_PASSWORD", "operator-pass-1")
    for layer, expect in (("grids", {"E1", "E2"}), ("incidents", {"E1", "E2"})):
        out = tmp_path / f"{layer}.csv"
        assert main(["--user", "east_operator", "export", ws, layer, "--out", str(out)]) == 0
        frame = gpd.pd.read_csv(out)
        column = "code" if layer == "grids" else "grid_code"
        assert set(frame[column]) == expect
    assert len(gpd.pd.read_csv(tmp_path / "incidents.csv")) == 40
    # City-wide commands are refused rather than silently answered for the whole city.
    assert main(["--user", "east_operator", "coverage", ws]) == 2
    assert "limited to area" in capsys.readouterr().err


def test_wrong_password_is_one_line_and_counts_towards_the_lockout(
    two_communities: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    ws = two_communities
    monkeypatch.setenv("GRIDMAP_PASSWORD", "not-the-password")
    assert main(["--user", "east_viewer", "risk", ws]) == 2
    assert "wrong user name or password" in capsys.readouterr().err
    assert AuditLog(ws).read().iloc[0]["action"] == "login failed"
    monkeypatch.delenv("GRIDMAP_PASSWORD")
    with open(os.devnull) as not_a_terminal:
        monkeypatch.setattr("sys.stdin", not_a_terminal)
        assert main(["--user", "east_viewer", "risk", ws]) == 2
    assert "GRIDMAP_PASSWORD" in capsys.readouterr().err
