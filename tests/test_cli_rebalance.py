"""``gridmap rebalance`` and ``gridmap plan`` on the hand-built rebalancing workspace."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gridmap.cli import main
from gridmap.store import open_workspace

from .builders import C1, C2, G1, Locations
from .builders import lattice_workspace as _workspace


def test_rebalance_json_lists_diagnostics_and_suggestions(
    locations: Locations, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ws = _workspace(locations.new("reb"))
    assert main(["rebalance", ws.location, "--json", "--top", "3"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert (out["grids"], out["out_of_band"], out["band_gap_households"]) == (4, 4, 850)
    assert out["units"] == 12 and out["units_estimated"] is False
    assert len(out["suggestions"]) == 3
    kinds = {s["kind"] for s in out["suggestions"]}
    assert kinds <= {"split", "merge", "move"}
    assert out["infeasible"][C2][0].startswith("东岗社区有150户")
    by_code = {c["code"]: c for c in out["communities"]}
    assert by_code[C1]["households"] == 1200 and by_code[C1]["out_of_band"] == 3
    assert (by_code[C1]["grids_min"], by_code[C1]["grids_max"]) == (3, 4)
    assert out["plan_band_gap_households"] < out["band_gap_households"]


def test_rebalance_redraw_save_draft_and_plan_apply_publish(
    locations: Locations, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ws = _workspace(locations.new("reb"))
    plan_file = tmp_path / "plan.json"
    args = ["--scope", C1, "--redraw", "--out", str(plan_file), "--save-draft", "redraw C1"]
    code = main(["rebalance", ws.location, *args, "--lang", "en"])
    assert code == 0
    text = capsys.readouterr().out
    assert "0 out of band" in text and "saved as draft grid version 2" in text
    data = json.loads(plan_file.read_text(encoding="utf-8"))
    assert data["format"] == "gridmap-plan" and data["base_version"] == 1
    assert data["summary"]["plan_households_moved"] == 525  # the fewest possible
    assert main(["plan", "apply", ws.location, str(plan_file), "--as-draft", "again"]) == 0
    assert "saved as draft grid version 3 (again)" in capsys.readouterr().out
    assert main(["diff", ws.location, "1", "3", "--json", "--out", str(tmp_path / "d.gpkg")]) == 0
    diff = json.loads(capsys.readouterr().out)
    assert diff["households_moved"] == 525 and diff["changed"] == 3
    assert (tmp_path / "d.gpkg").exists()
    assert main(["plan", "publish", ws.location, "3", "--effective", "2025-03-01"]) == 0
    w = open_workspace(ws.location)
    assert [(v.version, v.status) for v in w.grid_versions()] == [
        (1, "archived"),
        (2, "draft"),
        (3, "published"),
    ]
    grids = w.read_grids()
    mine = grids[grids["parent_code"] == C1]
    assert mine["households"].between(300, 500).all() and mine["households"].sum() == 1200
    assert G1 in set(mine["code"])


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--band", "500-300"], "--band '500-300': need 0 < LOW < HIGH"),
        (["--scope", "999"], "--scope '999': no grid lies in a community"),
        (["--lock", "nope"], "locked grids nope: not basic grids"),
        (["--cells", "3"], "--cells 3: H3 resolution 9..12 allowed"),
    ],
)
def test_bad_input_is_one_line(
    locations: Locations,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    needle: str,
) -> None:
    ws = _workspace(locations.new("reb"))
    assert main(["rebalance", ws.location, *args]) == 2
    err = capsys.readouterr().err
    assert needle in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_plan_errors_are_one_line(
    locations: Locations, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ws = _workspace(locations.new("reb"))
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    assert main(["plan", "apply", ws.location, str(bad), "--as-draft", "x"]) == 2
    assert "cannot read the plan file" in capsys.readouterr().err
    assert main(["plan", "apply", ws.location, str(bad)]) == 2
    assert "--as-draft NAME is required" in capsys.readouterr().err
    assert main(["plan", "publish", ws.location, "1", "--effective", "2025-01-01"]) == 2
    assert "only a draft can be published" in capsys.readouterr().err
