"""gridmap coverage: rows with code and coverage_share, suggested sites, one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pytest

from gridmap.cli import main


def test_coverage_json_rows_and_sites(
    camera_workspace: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["coverage", str(camera_workspace), "--json", "--suggest", "2"]) == 0
    out = json.loads(capsys.readouterr().out)
    rows = {r["code"]: r for r in out["rows"]}
    assert set(rows) == {"A", "B", "C", "D"}
    assert rows["B"]["coverage_share"] == 1.0
    assert all(0 <= r["coverage_share"] <= 1 for r in rows.values())
    assert out["offline_cameras"] == ["K3"]
    assert out["summary"]["keyareas_compliant"] == 1
    sites = out["suggested"]
    assert [s["rank"] for s in sites] == [1, 2] and sites[0]["gain"] >= sites[1]["gain"] > 0
    assert sites[0]["grid_code"] != "B"  # the covered grid needs no camera

    assert main(["coverage", str(camera_workspace), "--level", "keyarea", "--json"]) == 0
    ka = json.loads(capsys.readouterr().out)["rows"]
    assert [r["code"] for r in ka] == ["KA2", "KA1"]  # lowest coverage first

    assert main(["coverage", str(camera_workspace), "--level", "community", "--json"]) == 0
    community = json.loads(capsys.readouterr().out)["rows"]
    assert len(community) == 1 and 0 < community[0]["coverage_share"] < 1

    sites_file = tmp_path / "sites.geojson"
    assert (
        main(
            [
                "coverage",
                str(camera_workspace),
                "--suggest",
                "2",
                "--exact",
                "--out",
                str(sites_file),
            ]
        )
        == 0
    )
    assert "suggested 2 sites (exact)" in capsys.readouterr().out
    back = gpd.read_file(sites_file)
    assert len(back) == 2 and back.crs.to_epsg() == 4326


def test_coverage_with_candidate_csv(
    camera_workspace: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from shapely.geometry import Point

    from .builders import metric

    pts = metric([Point(50, 150), Point(900, 900)])  # in grid A; far from every grid
    path = tmp_path / "poles.csv"
    path.write_text(
        "编号,经度,纬度\n" + "".join(f"P{i},{p.x},{p.y}\n" for i, p in enumerate(pts)),
        encoding="utf-8",
    )
    args = ["coverage", str(camera_workspace), "--suggest", "2", "--candidates", str(path)]
    assert main([*args, "--json"]) == 0
    sites = json.loads(capsys.readouterr().out)["suggested"]
    # The far pole reaches no demand and is never proposed; the one in A is.
    assert [(s["id"], s["source"], s["grid_code"]) for s in sites] == [("P0", "imported", "A")]


def test_coverage_bad_input_is_one_line(camera_workspace: Path, tmp_path: Path) -> None:
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "gridmap.cli", "coverage", *args],
            capture_output=True,
            text=True,
            timeout=120,
        )

    for args, message in [
        ((str(camera_workspace), "--exact"), "--exact needs --suggest"),
        ((str(camera_workspace), "--suggest", "101", "--exact"), "allowed up to 100"),
        ((str(tmp_path / "none.gpkg"),), "workspace not found"),
        ((str(camera_workspace), "--suggest", "1", "--candidates", "nope.csv"), "file not found"),
    ]:
        proc = run(*args)
        assert proc.returncode == 2, proc.stderr
        assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
        assert message in proc.stderr


def test_workspace_without_cameras(
    busy_workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["coverage", str(busy_workspace)]) == 2
    assert "holds no cameras" in capsys.readouterr().err
