"""The gridmap command: exit codes, one-line errors, --json, export round trips."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.affinity import translate

from gridmap.cli import main
from gridmap.crs import gcj02_to_wgs84

from .builders import chinese_incidents, squares_2x2


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gridmap.cli", *args], capture_output=True, text=True, timeout=120
    )


def test_import_json_and_exit_codes(workspace: Path, tmp_path: Path) -> None:
    frame, _, _ = chinese_incidents(20)
    frame.loc[2, "经度"] = "abc"
    path = tmp_path / "events.csv"
    frame.to_csv(path, index=False, encoding="gbk")
    proc = run("import", str(workspace), "incidents", str(path), "--crs", "gcj02", "--json")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert (out["rows_read"], out["imported"], out["rejected"]) == (20, 19, 1)
    assert Path(out["rejects_file"]).exists()
    assert out["rejected_by_reason"] == {"unparseable coordinates": 1}


def test_bad_input_is_one_line_exit_2(workspace: Path, tmp_path: Path) -> None:
    frame, _, _ = chinese_incidents(3)
    path = tmp_path / "events.csv"
    frame.to_csv(path, index=False)
    proc = run("import", str(workspace), "incidents", str(path), "--crs", "mars2000")
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    assert "mars2000" in proc.stderr
    proc = run("import", str(workspace), "incidents", str(path), "--crs", "gcj02", "--map", "经度")
    assert proc.returncode == 2 and "is not of the form COLUMN=FIELD" in proc.stderr
    proc = run("info", str(tmp_path / "nothing.gpkg"))
    assert proc.returncode == 2 and "workspace not found" in proc.stderr


def test_validate_workspace_and_file(
    workspace: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["validate", str(workspace)]) == 0
    grids = squares_2x2()
    grids.loc[1, "geometry"] = translate(grids.geometry.iloc[1], xoff=-0.0002)  # B overlaps A
    grids.loc[2, "households"] = None
    bad = tmp_path / "bad_grids.geojson"
    grids.to_file(bad, driver="GeoJSON")
    capsys.readouterr()
    assert main(["validate", str(bad), "--json"]) == 1
    out = json.loads(capsys.readouterr().out)
    assert out["counts"]["overlap"] == 1
    assert out["counts"]["missing_households"] == 1


def test_info_json(workspace: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["info", str(workspace), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["layers"]["grids"] == 4 and info["layers"]["admin"] == 1
    assert info["published_version"] == 1
    assert [r["kind"] for r in info["last_imports"]] == ["admin", "grids"]


@pytest.mark.parametrize("suffix", [".csv", ".geojson", ".gpkg", ".shp", ".xlsx"])
def test_exported_incidents_carry_id_and_grid(workspace: Path, tmp_path: Path, suffix: str) -> None:
    frame, _, _ = chinese_incidents(15)
    path = tmp_path / "events.csv"
    frame.to_csv(path, index=False)
    assert main(["import", str(workspace), "incidents", str(path), "--crs", "gcj02"]) == 0
    out = tmp_path / f"export{suffix}"
    assert main(["export", str(workspace), "incidents", "--out", str(out)]) == 0
    if suffix == ".csv":
        back = pd.read_csv(out, dtype=str)
    elif suffix == ".xlsx":
        back = pd.read_excel(out, dtype=str)
    else:
        back = gpd.read_file(out)
    assert len(back) == 15
    assert set(back["id"]) == set(frame["事件编号"])
    assert back["grid_code"].isin(["A", "B", "C", "D"]).all()


def test_export_grids_gbk_shapefile_in_gcj02(workspace: Path, tmp_path: Path) -> None:
    out = tmp_path / "grids_gcj.shp"
    assert (
        main(
            [
                "export",
                str(workspace),
                "grids",
                "--out",
                str(out),
                "--crs",
                "gcj02",
                "--encoding",
                "GBK",
            ]
        )
        == 0
    )
    assert out.with_suffix(".cpg").read_text().upper().startswith(("GBK", "CP936", "936"))
    back = gpd.read_file(out)
    original = squares_2x2().set_index("code")
    corner = back.set_index("code").geometry.bounds  # exact vertices, no centroid in degrees
    lon, lat = gcj02_to_wgs84(corner["minx"].to_numpy(), corner["miny"].to_numpy())
    expected = original.geometry.bounds.loc[corner.index]
    assert abs(lon - expected["minx"].to_numpy()).max() < 1e-7
    assert abs(lat - expected["miny"].to_numpy()).max() < 1e-7


def risk_rows(ws: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> list[dict]:
    """Rows of `gridmap risk --json` over the whole of 2025."""
    args = ["risk", str(ws), "--since", "2025-01-01", "--until", "2025-12-31", "--json"]
    assert main([*args, *extra]) == 0
    return list(json.loads(capsys.readouterr().out)["rows"])


def test_risk_command_ranks_grids_with_reasons(
    busy_workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = risk_rows(busy_workspace, capsys, "--lang", "en")
    assert {r["code"] for r in rows} == {"A", "B", "C", "D"}
    assert sum(r["incidents"] for r in rows) == 300
    # Rows in priority order (excess incidents), the risk columns kept beside it.
    assert [r["rank"] for r in rows] == list(range(1, len(rows) + 1))
    excess = [r["excess"] for r in rows]
    assert excess == sorted(excess, reverse=True)
    assert all({"risk_score", "rate_eb", "rate_per_1000", "expected"} <= r.keys() for r in rows)
    assert all(r["sentence"] for r in rows)
    assert main(["risk", str(busy_workspace), "--category", "weather"]) == 2


def test_risk_rows_name_what_they_were_ranked_on(
    ws_location: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every row says its measure; a basic grid under 100 households is never ranked on its
    household rate, however high (issue 13 item 1)."""
    from .builders import busy_incidents

    grids = squares_2x2().assign(households=[350, 40, 380, 300])  # B: 40 households
    grids.to_file(tmp_path / "grids.gpkg", driver="GPKG")
    busy_incidents().to_csv(tmp_path / "busy.csv", index=False)
    assert main(["import", ws_location, "grids", str(tmp_path / "grids.gpkg")]) == 0
    incidents = ["import", ws_location, "incidents", str(tmp_path / "busy.csv")]
    assert main([*incidents, "--crs", "wgs84"]) == 0
    capsys.readouterr()
    assert main(["risk", ws_location, "--since", "2025-01-01", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)["rows"]
    assert rows and all(r["ranked_on"] and r["peer_group"] == "basic" for r in rows)
    small = next(r for r in rows if r["code"] == "B")
    assert small["ranked_on"] == "excess_at_households_floor"
    assert all(r["ranked_on"] == "excess_per_households" for r in rows if r["code"] != "B")
    assert main(["risk", ws_location, "--since", "2025-01-01"]) == 0
    assert "excess_at_households_floor" in capsys.readouterr().out  # the text output too


def test_risk_command_rolls_up_to_the_community(
    busy_workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = risk_rows(busy_workspace, capsys, "--level", "community")
    assert [r["code"] for r in rows] == ["620104001001"]
    # The unit's own sentence: its category mix, and hot-spot cells counted, not named.
    assert rows[0]["sentence"].startswith(("平安建设类占", "城市管理类占", "安全生产类占"))
    assert "置信度热点" not in rows[0]["sentence"]
    assert rows[0]["hot_cells"] >= 0 and "emerging_cells" in rows[0]
    assert rows[0]["incidents"] == 300 and rows[0]["households"] == 350 + 420 + 380 + 300
