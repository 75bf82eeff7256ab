"""Shared builders of test data: human-scale layers near Lanzhou, built in metres, stored in WGS-84.

One module for every test that needs grids, admin areas, units, incidents, cameras or a
workspace holding them; fixtures wrapping these live in ``conftest.py``, the geometry zoo
(empty, None, bow-tie, ...) in ``zoo.py``. Sections:

- places and workspace locations (``ORIGIN``, ``UTM48N``, ``Locations``, ``snapshot``)
- the 2x2 block (``squares_2x2``, ``community_block``, ``block_workspace``)
- the rebalancing lattice (``lattice_layers``, ``lattice_cells``, ``lattice_workspace``)
- incident tables and files (``incident_table_of``, ``times``, ``chinese_incidents``)
- cameras and key areas (``metric``, ``cams``, ``camera_layers``, ``add_cameras``)
- two communities with users (``two_communities_workspace``)
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import Point, box

if TYPE_CHECKING:
    from gridmap.analytics.incidents import IncidentTable
    from gridmap.store import Workspace

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
UTM48N = "EPSG:32648"  # Lanzhou lies in UTM zone 48N
ORIGIN = (300_000.0, 3_990_000.0)  # metres, roughly 36.04 N 103.79 E
POSTGIS_URL = os.environ.get("GRIDMAP_TEST_POSTGIS_URL", "")


# -- places and workspace locations -----------------------------------------------------------
def require(env: str) -> bool:
    """True when CI demands a resource (then a missing one fails instead of skipping)."""
    return os.environ.get(env, "") == "1"


def shared_file(*parts: str) -> Path:
    """A file of ``../shared/data``; the test is skipped where that folder is not beside the
    checkout (a clean clone elsewhere), as the other tests on shared data are."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"shared data not present: {path}")
    return path


def strict_loads(text: str) -> Any:
    """``json.loads`` that refuses NaN and Infinity, as jq, browsers and most languages do:
    every ``--json`` of gridmap must parse with it."""
    import json

    def refuse(token: str) -> None:
        raise ValueError(f"non-standard JSON constant {token}")

    return json.loads(text, parse_constant=refuse)


class Locations:
    """Fresh workspace locations of one backend; PostGIS schemas are dropped afterwards."""

    def __init__(self, backend: str, folder: Path) -> None:
        self.backend, self.folder = backend, folder
        self.schemas: list[str] = []

    def new(self, name: str = "ws") -> str:
        if self.backend == "gpkg":
            return str(self.folder / f"{name}.gpkg")
        import uuid

        schema = f"t_{name.lower()}_{uuid.uuid4().hex[:10]}"
        self.schemas.append(schema)
        return f"{POSTGIS_URL}?schema={schema}"

    def drop_all(self) -> None:
        from gridmap.store.postgis import PostgisWorkspace

        for schema in self.schemas:
            PostgisWorkspace(f"{POSTGIS_URL}?schema={schema}").drop()


def snapshot(location: str | Path) -> str:
    """A digest of everything stored: the file's bytes, or every row of every table in the
    workspace's schema (for "nothing changed" checks on both backends)."""
    import hashlib

    from gridmap.store import is_url

    if not is_url(location):
        return hashlib.sha256(Path(location).read_bytes()).hexdigest()
    from gridmap.store.postgis import PostgisWorkspace

    ws = PostgisWorkspace(str(location))
    con = ws._con()
    tables = sorted(ws._tables())
    parts = []
    for table in tables:
        agg = "md5(COALESCE(string_agg(t::text, '|' ORDER BY t::text), ''))"
        row = con.execute(f'SELECT {agg} FROM "{table}" t').fetchone()
        parts.append(f"{table}:{row[0]}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def write_under_way(location: str | Path) -> bool:
    """Whether an import is writing to the workspace right now (its private copy exists, or
    its database session is copying rows in)."""
    from gridmap.store import is_url

    if not is_url(location):
        p = Path(location)
        return bool(list(p.parent.glob(f".{p.name}.*.tmp.gpkg")))
    from gridmap.store.postgis import PostgisWorkspace

    ws = PostgisWorkspace(str(location))
    row = (
        ws._con()
        .execute(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = ? AND state = 'active' "
            "AND query LIKE 'COPY %'",
            (f"gridmap {ws.schema}"[:63],),
        )
        .fetchone()
    )
    return bool(row[0])


def kill_cli_midway(
    args: Sequence[str], writing: Callable[[], bool], *, pause_s: float, wait_s: float = 60
) -> None:
    """Run ``gridmap ARGS`` and kill -9 it once ``writing()`` says it has begun writing (then
    ``pause_s`` later): the "interrupted import" of the all-or-nothing tests."""
    import signal
    import subprocess
    import sys
    import time

    proc = subprocess.Popen(
        [sys.executable, "-m", "gridmap.cli", *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline and not writing():
        time.sleep(0.005)
    assert proc.poll() is None, "the import finished before it could be killed"
    time.sleep(pause_s)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()


def new_orleans_files(folder: Path) -> tuple[Path, Path]:
    """New Orleans RTCC requests (real: closure times, minute times, 237 rows at POINT (0 0)
    with a Beat column) as ``rtcc.csv`` with lon/lat columns, and a beat layer
    ``beats.geojson`` made from the file's own located requests (Voronoi cells around each
    beat's median), both written into ``folder``."""
    src = shared_file("real", "new_orleans", "nola_rtcc_requests_2022_with_calls.csv")
    d = pd.read_csv(src, dtype=str)
    xy = d["Location"].str.extract(r"POINT \(([-\d.]+) ([-\d.]+)\)").astype(float)
    d["lon"], d["lat"] = xy[0], xy[1]
    located = (d["lon"] != 0) & d["Beat"].str.match(r"^\d[A-Z]\d\d$", na=False)
    med = d[located].groupby("Beat")[["lon", "lat"]].median()
    pts = shapely.points(med["lon"].to_numpy(), med["lat"].to_numpy())
    hull = shapely.buffer(shapely.convex_hull(shapely.multipoints(pts)), 0.01)
    cells = np.asarray(
        shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(pts), extend_to=hull))
    )
    pi, ci = shapely.STRtree(cells).query(pts, predicate="within")
    beats = gpd.GeoDataFrame(
        {"code": med.index[pi]}, geometry=shapely.intersection(cells[ci], hull), crs=4326
    )
    beats.to_file(folder / "beats.geojson")
    d.drop(columns=["Location"]).to_csv(folder / "rtcc.csv", index=False)
    return folder / "beats.geojson", folder / "rtcc.csv"


#: The RTCC file's columns -> gridmap fields (beats as grid labels, three stage times).
NEW_ORLEANS_MAPPING = {
    "Beat": "grid_code_source",
    "item_number": "id",
    "TimeCreate": "occurred_at",
    "TimeDispatch": "dispatched_at",
    "TimeClosed": "closed_at",
}


def new_orleans_workspace(location: str, folder: Path) -> str:
    """Import :func:`new_orleans_files` (beats, then requests) into ``location``."""
    from gridmap.importing import import_file

    beats, rtcc = new_orleans_files(folder)
    import_file(location, "grids", beats)
    import_file(location, "incidents", rtcc, crs="wgs84", mapping=NEW_ORLEANS_MAPPING)
    return location


# -- the 2x2 block -----------------------------------------------------------------------------
def squares_2x2(
    size: float = 100.0, *, codes: tuple[str, ...] = ("A", "B", "C", "D")
) -> gpd.GeoDataFrame:
    """Four basic grids of ``size`` metres in a 2x2 block.

    ::

        +---+---+
        | A | B |
        +---+---+
        | C | D |
        +---+---+
    """
    x0, y0 = ORIGIN
    cells = [
        box(x0, y0 + size, x0 + size, y0 + 2 * size),
        box(x0 + size, y0 + size, x0 + 2 * size, y0 + 2 * size),
        box(x0, y0, x0 + size, y0 + size),
        box(x0 + size, y0, x0 + 2 * size, y0 + size),
    ]
    gdf = gpd.GeoDataFrame(
        {"code": list(codes), "households": [350, 420, 380, 300], "grid_type": "basic"},
        geometry=cells,
        crs=UTM48N,
    )
    return gdf.to_crs(4326)


def community_block(size: float = 200.0, code: str = "620104001001") -> gpd.GeoDataFrame:
    """One community of ``size`` metres square at ``ORIGIN`` (the 2x2 block's outline)."""
    x0, y0 = ORIGIN
    return gpd.GeoDataFrame(
        {"code": [code], "name": ["示范社区"], "level": ["community"]},
        geometry=[box(x0, y0, x0 + size, y0 + size)],
        crs=UTM48N,
    ).to_crs(4326)


def block_workspace(location: str | Path, folder: Path) -> str:
    """Import one community and its 2x2 basic grids (version 1, published) into
    ``location``, from files written to ``folder``."""
    from gridmap.importing import import_file

    squares_2x2().to_file(folder / "grids.gpkg", driver="GPKG")
    community_block().to_file(folder / "community.geojson", driver="GeoJSON")
    import_file(location, "admin", folder / "community.geojson", crs="wgs84")
    import_file(location, "grids", folder / "grids.gpkg")
    return str(location)


def points_in(
    grids: gpd.GeoDataFrame, n: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """``n`` uniform points in the bounding box of ``grids`` (x and y arrays)."""
    x0, y0, x1, y1 = grids.total_bounds
    return rng.uniform(x0, x1, n), rng.uniform(y0, y1, n)


def busy_incidents(n: int = 300, seed: int = 11) -> pd.DataFrame:
    """``n`` incidents in 2025 inside the 200 m block, every 4th still open (a CSV frame)."""
    rng = np.random.default_rng(seed)
    # Sample in metres inside the 200 m block, so every incident falls in one of the grids.
    pts = gpd.GeoSeries(
        gpd.points_from_xy(ORIGIN[0] + rng.uniform(1, 199, n), ORIGIN[1] + rng.uniform(1, 199, n)),
        crs=UTM48N,
    )
    pts = pts.to_crs(4326)
    frame = pd.DataFrame(
        {
            "id": [f"E{i}" for i in range(n)],
            "lon": pts.x.to_numpy(),
            "lat": pts.y.to_numpy(),
            "occurred_at": (
                pd.Timestamp("2025-01-01") + pd.to_timedelta(rng.integers(0, 365 * 24, n), unit="h")
            ).astype(str),
            "category": rng.choice(["平安建设", "城市管理", "安全生产"], n),
            "handling_class": rng.choice(["一般事项", "矛盾调解"], n),
        }
    )
    frame["closed_at"] = np.where(
        np.arange(n) % 4 == 0,
        "",
        (pd.to_datetime(frame["occurred_at"]) + pd.Timedelta(days=3)).astype(str),
    )
    return frame


# -- the rebalancing lattice -------------------------------------------------------------------
# In 100 m squares (one unit each; households in the squares)::
#
#       x=0   x=1   x=2   x=3  x=4  x=5
#     +-----+-----+-----+----+----+----+
#     | 150 | 150 | 150 | 75 | 75 | 75 |   y=1
#     +-----+-----+-----+----+----+----+
#     | 150 | 150 | 150 | 75 | 75 | 75 |   y=0
#     +-----+-----+-----+----+----+----+
#       G1 (900 households)  G2   G3 | G4
#       community C1 ..................| C2
C1, C2 = "620104001001", "620104001002"
G1, G2, G3, G4 = C1 + "001", C1 + "002", C1 + "003", C2 + "001"
SIZE = 100.0
NAMES = {C1: "示范社区", C2: "东岗社区"}


def busy_with_last_week() -> pd.DataFrame:
    """:func:`busy_incidents` with 24 more in its last week (from 2025-12-26): a week of one
    incident ranks no grid (under 5 incidents any order would be chance)."""
    extra = busy_incidents(24, seed=5)
    extra["id"] = [f"W{i}" for i in range(len(extra))]
    hours = pd.to_timedelta(np.arange(len(extra)) * 5, unit="h")
    extra["occurred_at"] = (pd.Timestamp("2025-12-26") + hours).astype(str)
    return pd.concat([busy_incidents(), extra], ignore_index=True)


def lattice_square(ix: int, iy: int) -> shapely.Polygon:
    """The ``SIZE`` metre square at column ``ix``, row ``iy`` of the lattice (UTM 48N)."""
    x0, y0 = ORIGIN
    return box(x0 + ix * SIZE, y0 + iy * SIZE, x0 + (ix + 1) * SIZE, y0 + (iy + 1) * SIZE)


def lattice_layers(
    cells: dict[tuple[int, int], tuple[str, int]],
    communities: dict[str, str],
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Grids, polygon units and admin communities from ``{(x, y): (grid, households)}``."""
    units = gpd.GeoDataFrame(
        {
            "code": [f"u{x}{y}" for x, y in cells],
            "households": [h for _, h in cells.values()],
            "population": [3 * h for _, h in cells.values()],
            "grid_code": [g for g, _ in cells.values()],
        },
        geometry=[lattice_square(x, y) for x, y in cells],
        crs=UTM48N,
    )
    grids = units.dissolve(by="grid_code", aggfunc={"households": "sum", "population": "sum"})
    grids = grids.reset_index().rename(columns={"grid_code": "code"})
    grids["parent_code"] = grids["code"].str[:12]
    grids["grid_type"] = "basic"
    grids["name"] = "网格" + grids["code"].str[-3:]
    grids["worker"] = "员" + grids["code"].str[-4:]
    admin = grids.dissolve(by="parent_code").reset_index()[["parent_code", "geometry"]]
    admin = admin.rename(columns={"parent_code": "code"})
    admin["name"] = admin["code"].map(communities)
    admin["level"] = "community"
    admin["parent_code"] = "620104001"
    return grids.to_crs(4326), units.to_crs(4326), admin.to_crs(4326)


def lattice_cells() -> dict[tuple[int, int], tuple[str, int]]:
    """The main lattice of the sketch above: ``{(x, y): (grid, households)}``."""
    cells: dict[tuple[int, int], tuple[str, int]] = {}
    for y in (0, 1):
        for x in (0, 1, 2):
            cells[(x, y)] = (G1, 150)
        cells[(3, y)] = (G2, 75)
        cells[(4, y)] = (G3, 75)
        cells[(5, y)] = (G4, 75)
    return cells


def lattice_workspace(location: str) -> Workspace:
    """A workspace with the main lattice: communities, grids (version 1, published), units."""
    from gridmap.store import Workspace

    grids, units, admin = lattice_layers(lattice_cells(), NAMES)
    ws = Workspace(location)
    with ws.transaction() as tx:
        tx.write_layer("admin", admin)
        version = tx.add_grid_version(
            status="published", source="test", effective_date="2024-01-01"
        )
        tx.write_layer("grids", grids.assign(version=version, effective_date="2024-01-01"))
        unit_points = units.copy()
        unit_points["geometry"] = units.to_crs(UTM48N).centroid.to_crs(4326)
        tx.write_layer("units", unit_points)
    return ws


# -- incident tables and files -----------------------------------------------------------------
TABLE_GRIDS = ("G1", "G2", "G3")


def incident_table_of(
    occurred: Sequence[str],
    *,
    category: str | Sequence[str] = "ecology",
    handling: str | Sequence[str | None] | None = "general",
    grid: str | Sequence[str | None] | None = "G1",
    closed: str | Sequence[str | None] | None = None,
    lon: float | Sequence[float] = 103.80,
    lat: float | Sequence[float] = 36.05,
    grids: Sequence[str] = TABLE_GRIDS,
) -> IncidentTable:
    """An IncidentTable from per-incident lists; a scalar applies to every incident."""
    from gridmap.analytics.incidents import incident_table
    from gridmap.indexing import points_to_cells

    n = len(occurred)

    def col(value: Any) -> list[Any]:
        return list(value) if isinstance(value, list | tuple) else [value] * n

    frame = pd.DataFrame(
        {
            "occurred_at": pd.to_datetime(list(occurred)),
            "closed_at": pd.to_datetime(pd.Series(col(closed), dtype=object)),
            "category": col(category),
            "handling_class": col(handling),
            "grid_code": col(grid),
        }
    )
    cells = points_to_cells(np.asarray(col(lon), float), np.asarray(col(lat), float))
    frame["h3_cell"] = cells.astype(np.int64)
    return incident_table(frame, list(grids))


def times(day: str, n: int) -> list[str]:
    """``n`` incidents on ``day``, one minute apart."""
    start = pd.Timestamp(day)
    return [str(start + pd.Timedelta(minutes=i)) for i in range(n)]


def chinese_incidents(n: int = 40, seed: int = 1) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Incidents with Chinese headers, in GCJ-02, inside the 2x2 grids (WGS-84 truth returned)."""
    from gridmap.crs import wgs84_to_gcj02

    rng = np.random.default_rng(seed)
    grids = squares_2x2()
    x0, y0, x1, y1 = grids.total_bounds
    lon = rng.uniform(x0 + 1e-5, x1 - 1e-5, n)
    lat = rng.uniform(y0 + 1e-5, y1 - 1e-5, n)
    glon, glat = wgs84_to_gcj02(lon, lat)
    frame = pd.DataFrame(
        {
            "事件编号": [f"SJ2024{i:05d}" for i in range(n)],
            "事件类型": rng.choice(["平安建设", "城市管理", "矛盾纠纷排查", "安全生产"], n),
            "处置类别": rng.choice(["一般事项", "应急事项", "矛盾调解"], n),
            "发生时间": [f"2024/03/{1 + i % 28:02d} 08:{i % 60:02d}" for i in range(n)],
            "结案时间": [f"2024-04-{1 + i % 28:02d} 17:00:00" for i in range(n)],
            "经度": np.round(glon, 7).astype(str),
            "纬度": np.round(glat, 7).astype(str),
            "所属网格": "示范社区第一网格",
        }
    )
    return frame, lon, lat


# -- cameras and key areas ---------------------------------------------------------------------
def metric(geoms: list, crs: str = UTM48N) -> gpd.GeoSeries:
    """Shapes drawn in metres around ORIGIN, stored in WGS-84 like workspace data."""
    x0, y0 = ORIGIN
    return gpd.GeoSeries(
        [None if g is None else shapely.affinity.translate(g, x0, y0) for g in geoms], crs=crs
    ).to_crs(4326)


def cams(rows: list[dict], *, at: list[tuple[float, float]]) -> gpd.GeoDataFrame:
    """Cameras with the attributes of ``rows`` at points ``at`` (metres around ORIGIN)."""
    return gpd.GeoDataFrame(
        pd.DataFrame(rows),
        geometry=metric([Point(x, y) for x, y in at]).to_numpy(),
        crs=4326,
    )


def camera_layers() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Cameras and key areas on the 2x2 block of 100 m grids (:func:`squares_2x2`).

    ::

        +-----+-----+
        |  A  | K1  |   K1: dome, 80 m, covers B (and KA1 inside B)
        +-----+-----+
        | K2^ | K3x |   K2: fixed, facing north, 40 m; K3: offline dome over D (and KA2)
        +-----+-----+
    """
    c = cams(
        [
            {"id": "K1", "kind": "dome", "range_m": 80.0, "status": "online"},
            {"id": "K2", "kind": "fixed", "range_m": 40.0, "azimuth_deg": 0.0, "fov_deg": 60.0},
            {"id": "K3", "kind": "dome", "range_m": 80.0, "status": "offline"},
        ],
        at=[(150, 150), (50, 50), (150, 50)],
    )
    ka = gpd.GeoDataFrame(
        {"code": ["KA1", "KA2"], "name": ["学校", "医院"], "kind": ["school", "hospital"]},
        geometry=metric([box(120, 120, 180, 180), box(120, 20, 180, 80)]).to_numpy(),
        crs=4326,
    )
    return c, ka


def add_cameras(ws: Path, tmp_path: Path) -> Path:
    """Import the cameras and key areas of :func:`camera_layers` into a workspace."""
    from gridmap.importing import import_file

    c, ka = camera_layers()
    frame = pd.DataFrame(c.drop(columns="geometry")).assign(lon=c.geometry.x, lat=c.geometry.y)
    frame["status"] = frame["status"].fillna("online")
    cam_path = tmp_path / "cameras.csv"
    frame.to_csv(cam_path, index=False)
    import_file(ws, "cameras", cam_path, crs="wgs84")
    ka_path = tmp_path / "keyareas.geojson"
    ka.to_file(ka_path, driver="GeoJSON")
    import_file(ws, "keyareas", ka_path, crs="wgs84")
    return ws


# -- two communities with users ----------------------------------------------------------------
WEST, EAST = "620104001001", "620104001002"


def two_communities_workspace(location: str, folder: Path) -> str:
    """Two communities 1 km apart, two grids each, 40 incidents in each community; users
    ``east_viewer`` (viewer of EAST) and ``planner1`` (planner)."""
    from gridmap.importing import import_file
    from gridmap.security import UserStore

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
    comm.to_file(folder / "comm.geojson", driver="GeoJSON")
    grids.to_file(folder / "grids.gpkg", driver="GPKG")
    incidents.to_csv(folder / "inc.csv", index=False)
    import_file(location, "admin", folder / "comm.geojson", crs="wgs84")
    import_file(location, "grids", folder / "grids.gpkg")
    import_file(location, "incidents", folder / "inc.csv", crs="wgs84")
    users = UserStore(location)
    users.add("east_viewer", "viewer-pass-1", "viewer", area=EAST)
    users.add("planner1", "planner-pass-1", "planner")
    return location


def whole_year(year: int) -> tuple[dt.date, dt.date]:
    """The time window covering ``year``: 1 January to 31 December."""
    return dt.date(year, 1, 1), dt.date(year, 12, 31)
