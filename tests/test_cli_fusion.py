"""``gridmap fuse``: JSON, text, files, refusals; a hand-computed crosswalk; real layers.

The hand case (both backends) is the 2x2 block of 100 m basic grids with a department of
two units split 30 m east of the middle::

    +-------+--+----+        N1: x 0..130 m (26,000 m²)   households A 350  B 420
    |   A   |  B    |        N2: x 130..200 m (14,000 m²)                C 380  D 300
    +-------+--+----+
    |   C   |  D    |        B and D: 30 % in N1, 70 % in N2 -> both go to N2, so 6,000 m²
    +-------+--+----+        (23 %) of N1 ends with another unit: N1 misaligned, N2 aligned.
            ^ 130 m
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
from shapely.geometry import box

from gridmap.analytics.fusion import FUSION_JSON_KEYS
from gridmap.cli import main
from gridmap.importing import import_file

from .builders import ORIGIN, UTM48N, Locations, block_workspace, shared_file, strict_loads

X0, Y0 = ORIGIN


def split_units(folder: Path) -> Path:
    gdf = gpd.GeoDataFrame(
        {"code": ["N1", "N2"], "name": ["西片", "东片"]},
        geometry=[box(X0, Y0, X0 + 130, Y0 + 200), box(X0 + 130, Y0, X0 + 200, Y0 + 200)],
        crs=UTM48N,
    )
    path = folder / "split.gpkg"
    gdf.to_file(path, driver="GPKG")
    return path


@pytest.fixture
def fused(locations: Locations, tmp_path: Path) -> str:
    ws = block_workspace(locations.new(), tmp_path)
    import_file(ws, "departments", split_units(tmp_path), department="城市管理执法局")
    return ws


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    status = main(list(args))
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return status, out, err


def test_json_keys_and_a_crosswalk_row_by_hand(
    fused: str, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _ = run(capsys, "fuse", fused, "--department", "城市管理执法局", "--json")
    assert status == 0
    data = strict_loads(out)
    assert tuple(data) == tuple(FUSION_JSON_KEYS)
    assert (data["department"], data["version"]) == ("城市管理执法局", 1)
    rows = {(r["department_code"], r["grid_code"]): r for r in data["crosswalk"]}
    assert set(rows) == {
        ("N1", "A"),
        ("N1", "B"),
        ("N1", "C"),
        ("N1", "D"),
        ("N2", "B"),
        ("N2", "D"),
    }
    nb = rows[("N1", "B")]  # 30 m x 100 m of B's 100 m x 100 m, in N1's 130 m x 200 m
    assert nb["share_of_grid"] == pytest.approx(0.30, abs=1e-4)
    assert nb["share_of_department"] == pytest.approx(3_000 / 26_000, abs=1e-4)
    assert nb["households"] == pytest.approx(0.30 * 420, abs=0.1)
    assert rows[("N2", "D")]["share_of_grid"] == pytest.approx(0.70, abs=1e-4)
    assert [m["department_code"] for m in data["misaligned"]] == ["N1"]
    n1 = data["misaligned"][0]
    # UTM 48N metres measured in the analysis' own local metric CRS: scale differs by 2e-4.
    assert n1["area_m2"] == pytest.approx(26_000, rel=1e-3)
    assert n1["households"] == pytest.approx(0.30 * 420 + 0.30 * 300, abs=0.5)
    assert data["offset"] is None and data["slivers"] == []
    changes = {c["department_code"]: c for c in data["proposal"]}
    assert (changes["N1"]["grids_lost"], changes["N2"]["grids_gained"]) == (2, 2)


def test_text_summary_in_both_languages(fused: str, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "fuse", fused, "--department", "城市管理执法局", "--lang", "en")
    assert status == 0
    lines = out.splitlines()
    assert lines[0].startswith("department '城市管理执法局' version 1: 2 units over 4 basic grids")
    assert "1 of 2 units align" in out
    listed = [ln for ln in lines if ln.strip().startswith("N1")]
    assert listed and "23.1%" in listed[0]
    _, out_zh, _ = run(capsys, "fuse", fused, "--department", "城市管理执法局")
    assert out_zh.startswith("部门「城市管理执法局」第 1 版：2 个单元")


def test_out_writes_the_draft_crosswalk_and_report(
    fused: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "out"
    args = ("fuse", fused, "--department", "城市管理执法局", "--out", str(folder), "--lang", "en")
    status, out, _ = run(capsys, *args)
    assert status == 0
    names = sorted(p.name for p in folder.iterdir())
    stem = "城市管理执法局_v1"  # the names the Fusion page's downloads have
    assert names == sorted(
        f"{stem}_{s}" for s in ("draft.gpkg", "crosswalk.csv", "fusion.pdf", "fusion.xlsx")
    )
    assert out.count("wrote ") == 4
    draft = gpd.read_file(folder / f"{stem}_draft.gpkg")  # opens as any GIS would
    assert draft.crs.to_epsg() == 4326
    assert sorted(draft["department_code"]) == ["N1", "N2"]
    # Redrawn from whole grids: N1 = A + C, N2 = B + D, 20,000 m² each.
    areas = draft.to_crs(UTM48N).set_index("department_code").area
    assert areas.to_dict() == pytest.approx({"N1": 20_000.0, "N2": 20_000.0}, abs=1.0)
    cw = pd.read_csv(folder / f"{stem}_crosswalk.csv", encoding="utf-8-sig")
    assert len(cw) == 6 and {"share_of_department", "share_of_grid"} <= set(cw.columns)
    assert (folder / f"{stem}_fusion.pdf").read_bytes()[:5] == b"%PDF-"
    assert (folder / f"{stem}_fusion.xlsx").read_bytes()[:2] == b"PK"


def test_the_draft_imports_back_as_the_next_version(
    fused: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The draft ``--out`` writes is a department layer gridmap reads as it is: imported
    back, it is version 2, made of whole grids, so every unit aligns."""
    folder = tmp_path / "out"
    run(capsys, "fuse", fused, "--department", "城市管理执法局", "--out", str(folder))
    draft = folder / "城市管理执法局_v1_draft.gpkg"
    status, _, err = run(
        capsys, "import", fused, "department", str(draft), "--department", "城市管理执法局"
    )
    assert status == 0, err
    status, out, err = run(capsys, "fuse", fused, "--department", "城市管理执法局", "--json")
    assert status == 0, err
    data = strict_loads(out)
    assert data["version"] == 2 and data["misaligned"] == []
    assert sorted({r["department_code"] for r in data["crosswalk"]}) == ["N1", "N2"]


def test_a_layer_without_a_code_column_is_told_about_code_field(
    fused: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "nocode.gpkg"
    gpd.GeoDataFrame(
        {"bezirk": ["N1"]}, geometry=[box(X0, Y0, X0 + 200, Y0 + 200)], crs=UTM48N
    ).to_file(path, driver="GPKG")
    status, _, err = run(capsys, "import", fused, "departments", str(path), "--department", "X")
    assert status == 2 and "missing code" in err and "--code-field" in err
    assert err.count("\n") == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--department", "环保"), r"no department '环保'; known: 城市管理执法局"),
        ((), r"--department is required; known: 城市管理执法局"),
        (("--department", "城市管理执法局", "--version", "4"), r"has no version 4; versions: 1"),
        (("--department", "城市管理执法局", "--tolerance", "1.5"), r"--tolerance 1.5 \(allowed"),
    ],
)
def test_refusals_are_one_line(
    fused: str, capsys: pytest.CaptureFixture[str], args: tuple[str, ...], message: str
) -> None:
    status, out, err = run(capsys, "fuse", fused, *args)
    assert status == 2 and out == ""
    assert err.count("\n") == 1
    assert re.search(message, err), err


# --- real layers ------------------------------------------------------------------------------
def _real(
    capsys: pytest.CaptureFixture[str],
    ws: str,
    grids: tuple[Path, tuple[str, ...]],
    department: tuple[Path, tuple[str, ...]],
    name: str,
) -> tuple[dict[str, Any], float]:
    for kind, (path, extra) in (("grids", grids), ("departments", department)):
        argv = ["import", ws, kind, str(path), *extra, "--json"]
        status, _, err = run(capsys, *argv)
        assert status in (0, 1), err  # grids may have validation problems (exit 1)
    t0 = time.perf_counter()
    status, out, err = run(capsys, "fuse", ws, "--department", name, "--json")
    seconds = time.perf_counter() - t0
    assert status == 0, err
    return strict_loads(out), seconds


def _shares_add_up(data: dict[str, Any]) -> pd.Series:
    cw = pd.DataFrame(data["crosswalk"])
    return cw.groupby("department_code")["share_of_department"].sum()


@pytest.mark.slow
def test_nyc_precincts_over_sectors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """NYPD precincts (US feet) over NYPD sectors: sectors were cut from precincts, so every
    precinct is a union of sectors — all aligned, tracing differences as slivers."""
    monkeypatch.chdir(tmp_path)
    sectors = shared_file("real", "nyc", "nypdsector_raw.shp")
    precincts = shared_file("real", "nyc", "nypdprecinct_raw.shp")
    data, seconds = _real(
        capsys,
        str(tmp_path / "nyc.gpkg"),
        (sectors, ("--map", "SECTOR=code")),
        (precincts, ("--department", "NYPD precincts", "--code-field", "PRECINCT")),
        "NYPD precincts",
    )
    codes = {r["department_code"] for r in data["crosswalk"]}
    assert len(codes) == 78
    assert _shares_add_up(data).between(0.99, 1.0001).all()
    assert data["misaligned"] == [] and data["offset"] is None
    assert seconds < 60


@pytest.mark.slow
def test_lancashire_districts_over_wards(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Lancashire's 14 districts over its 271 wards (British National Grid): wards nest in
    districts, so the 14 align; the two layers' boundaries differ only by tracing."""
    monkeypatch.chdir(tmp_path)
    wards = shared_file("real", "uk_lancashire", "lancashire_wards.gpkg")
    districts = shared_file("real", "uk_lancashire", "lancashire_districts.geojson")
    data, seconds = _real(
        capsys,
        str(tmp_path / "lancs.gpkg"),
        (wards, ("--map", "ward_code=code", "--map", "ward_name=name")),
        (districts, ("--department", "districts", "--code-field", "objectid", "--name-field",
                     "district")),
        "districts",
    )  # fmt: skip
    assert {r["department_code"] for r in data["crosswalk"]} == {
        str(c) for c in pyogrio.read_dataframe(districts, read_geometry=False)["objectid"]
    }
    assert _shares_add_up(data).between(0.98, 1.0001).all()
    assert data["misaligned"] == [] and data["offset"] is None
    assert seconds < 60
