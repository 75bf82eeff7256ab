"""Every real layer of ``../shared/data/real`` as grids runs the whole chain, on both backends.

Files nobody on the team wrote: police sectors in US feet, display-grade copies with invalid
geometries, British wards in metres with a population table that misses some wards, Medellín
comunas with an invalid polygon and a ``;``/``,`` CSV, Vancouver neighbourhoods with thefts in
UTM metres and the time split over five columns. Each goes import → validate → risk →
rebalance → plan apply → report → backtest with ``--json`` everywhere, as a centre would script
it: no step may fail, every output must be strict JSON, and the counts must add up.

Skipped where ``../shared`` is not beside the checkout; CI has it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pytest

from gridmap.cli import main

from .builders import Locations, shared_file, strict_loads

pytestmark = pytest.mark.slow


@dataclass(frozen=True)
class Dataset:
    """A real grid layer and its incidents, with the options a user would type."""

    name: str
    grids: tuple[str, ...]
    grid_args: tuple[str, ...]
    incidents: tuple[str, ...]
    incident_args: tuple[str, ...]
    rows: int  # rows of the incident file
    imported: int  # incidents kept: rows less repeated ids and rows without a location
    balance: str = "workload"
    extra: dict[str, Any] = field(default_factory=dict)


DATASETS = [
    Dataset(
        "nyc_raw",
        ("real", "nyc", "nypdsector_raw.shp"),
        ("--map", "SECTOR=code"),
        ("real", "nyc", "nyc_shootings.csv"),
        ("--crs", "wgs84"),
        967,
        777,  # 190 rows repeat an incident_key: one shooting, several victims
    ),
    Dataset(
        "nyc_simplified",
        ("real", "nyc", "nypd_sector_simplified.geojson"),
        ("--map", "sector=code"),
        ("real", "nyc", "nyc_homicides.csv"),
        ("--crs", "wgs84"),
        904,
        904,
    ),
    Dataset(
        "lancashire",
        ("real", "uk_lancashire", "lancashire_wards.gpkg"),
        ("--map", "ward_code=code", "--map", "ward_name=name"),
        ("real", "uk_lancashire", "lancashire_asb.tab"),
        ("--crs", "wgs84", "--map", "month=occurred_at"),
        56_434,
        56_434,
        balance="population",
    ),
    Dataset(
        "medellin",
        ("real", "misc_crimemapping", "medellin_comunas.gpkg"),
        ("--map", "COMUNA=code", "--map", "NOMBRE=name"),
        ("real", "misc_crimemapping", "medellin_homicides.csv"),
        ("--crs", "wgs84"),
        9_360,
        9_279,  # 81 rows have no coordinates
    ),
    Dataset(
        "vancouver",
        ("real", "misc_crimemapping", "vancouver_neighbourhoods.geojson"),
        ("--map", "mapid=code"),
        ("real", "misc_crimemapping", "vancouver_thefts.csv.gz"),
        ("--crs", "EPSG:32610", "--map", "X=lon", "--map", "Y=lat"),
        21_918,
        21_918,
    ),
]


def lancashire_with_population(folder: Path) -> Path:
    """The wards with the ONS population joined on, as a planner would in QGIS: 26 of the
    271 wards have no population row (boundary vintages differ) and stay blank."""
    wards = gpd.read_file(shared_file("real", "uk_lancashire", "lancashire_wards.gpkg"))
    pop = pd.read_excel(shared_file("real", "uk_lancashire", "lancashire_ward_pop.xlsx"))
    pop = pop.drop_duplicates("gss_code")[["gss_code", "population"]]
    joined = wards.merge(pop, left_on="ward_code", right_on="gss_code", how="left")
    out = folder / "lancashire_wards_population.gpkg"
    joined.drop(columns="gss_code").to_file(out, driver="GPKG")
    return out


def cli(capsys: pytest.CaptureFixture[str], *args: str, ok: tuple[int, ...] = (0,)) -> Any:
    """Run ``gridmap ARGS --json`` in this process; the output parsed as strict JSON."""
    capsys.readouterr()
    status = main([*args, "--json"])
    out, err = capsys.readouterr()
    assert status in ok, f"gridmap {' '.join(args)} exited {status}: {err.strip()}"
    assert "Traceback" not in err
    return strict_loads(out)


@pytest.mark.parametrize("data", DATASETS, ids=[d.name for d in DATASETS])
def test_real_layer_runs_the_whole_chain(
    data: Dataset,
    locations: Locations,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)  # rejects files land here
    ws = locations.new(data.name)
    grids_path = (
        lancashire_with_population(tmp_path)
        if data.name == "lancashire"
        else shared_file(*data.grids)
    )
    # 1. grids: published, or kept as a draft with exit 1 when validation found problems
    grids = cli(capsys, "import", ws, "grids", str(grids_path), *data.grid_args, ok=(0, 1))
    assert grids["rows_read"] == grids["imported"] + grids["rejected"]
    assert grids["imported"] > 0
    # 2. incidents: every row accounted for
    incidents = cli(
        capsys, "import", ws, "incidents", str(shared_file(*data.incidents)), *data.incident_args
    )
    assert incidents["rows_read"] == data.rows
    assert incidents["rows_read"] == incidents["imported"] + incidents["rejected"]
    assert incidents["imported"] == data.imported
    # 3. validation lists its problems (real layers have gaps, overlaps, no households)
    report = cli(capsys, "validate", ws, ok=(0, 1))
    assert isinstance(report["problems"], list)
    # 4. risk ranks grids that exist, each with a reason
    risk = cli(capsys, "risk", ws, "--top", "5")
    assert risk["rows"], "risk listed no grid"
    assert all(row["sentence"] for row in risk["rows"])
    # 5. rebalance writes a plan that always applies
    plan = tmp_path / "plan.json"
    cli(capsys, "rebalance", ws, "--balance", data.balance, "--out", str(plan))
    strict_loads(plan.read_text(encoding="utf-8"))
    applied = cli(capsys, "plan", "apply", ws, str(plan), "--as-draft", "real chain")
    assert applied["draft_version"] >= 2
    assert applied["measure"] == data.balance  # the plan's own measure, not the default
    # 6. the printed report, with Chinese text, from the bundled font
    pdf = tmp_path / "report.pdf"
    cli(capsys, "report", ws, "--out", str(pdf))
    assert pdf.read_bytes()[:5] == b"%PDF-"
    # 7. backtest and the rest answer in strict JSON
    cli(capsys, "backtest", ws)
    cli(capsys, "info", ws)
    cli(capsys, "versions", ws)
