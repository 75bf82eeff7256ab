"""Shared fixtures: human-scale grids near Lanzhou, built in metres and stored in WGS-84."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
UTM48N = "EPSG:32648"  # Lanzhou lies in UTM zone 48N
ORIGIN = (300_000.0, 3_990_000.0)  # metres, roughly 36.04 N 103.79 E


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
    x0, y0 = ORIGIN
    return gpd.GeoDataFrame(
        {"code": [code], "name": ["示范社区"], "level": ["community"]},
        geometry=[box(x0, y0, x0 + size, y0 + size)],
        crs=UTM48N,
    ).to_crs(4326)


@pytest.fixture
def grids_file(tmp_path: Path) -> Path:
    path = tmp_path / "grids.gpkg"
    squares_2x2().to_file(path, driver="GPKG")
    return path


@pytest.fixture
def community_file(tmp_path: Path) -> Path:
    path = tmp_path / "community.geojson"
    community_block().to_file(path, driver="GeoJSON")
    return path


# -- both backends ----------------------------------------------------------------------------
# Every test that builds a workspace through ``ws_location`` (directly or through the
# ``workspace`` fixtures) runs once on a GeoPackage and, where a PostGIS server is configured
# (GRIDMAP_TEST_POSTGIS_URL; CI requires it), once more on PostGIS: the same behavioural suite
# on both backends. Tests of what only a file can do are marked ``gpkg_only``.

POSTGIS_URL = os.environ.get("GRIDMAP_TEST_POSTGIS_URL", "")
_PG_WANTED = POSTGIS_URL or os.environ.get("GRIDMAP_REQUIRE_POSTGIS") == "1"
BACKENDS = ["gpkg", "postgis"] if _PG_WANTED else ["gpkg"]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    keep, drop = [], []
    for item in items:
        callspec = getattr(item, "callspec", None)
        on_pg = callspec is not None and callspec.params.get("backend") == "postgis"
        (drop if on_pg and item.get_closest_marker("gpkg_only") else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


class Locations:
    """Fresh workspace locations of one backend; PostGIS schemas are dropped afterwards."""

    def __init__(self, backend: str, folder: Path) -> None:
        self.backend, self.folder, self.schemas = backend, folder, []

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


def _locations(backend: str, folder: Path) -> Locations:
    if backend == "postgis":
        if not POSTGIS_URL:
            pytest.fail("GRIDMAP_REQUIRE_POSTGIS=1 but GRIDMAP_TEST_POSTGIS_URL is not set")
        from gridmap.errors import WorkspaceError
        from gridmap.store.postgis import connect, parse_url

        try:
            connect(*parse_url(POSTGIS_URL), autocommit=True).close()
        except WorkspaceError as exc:
            if require("GRIDMAP_REQUIRE_POSTGIS"):
                pytest.fail(f"PostGIS required: {exc}")
            pytest.skip(f"PostGIS not reachable: {exc}")
    return Locations(backend, folder)


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


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def locations(backend: str, tmp_path: Path) -> Iterator[Locations]:
    made = _locations(backend, tmp_path)
    yield made
    made.drop_all()


@pytest.fixture(scope="module", params=BACKENDS)
def module_locations(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Locations]:
    """As ``locations``, for module-scoped fixtures (the full demo is built once per backend)."""
    made = _locations(str(request.param), tmp_path_factory.mktemp("ws"))
    yield made
    made.drop_all()


@pytest.fixture
def ws_location(locations: Locations) -> str:
    """Where a test's workspace goes: ``tmp/ws.gpkg`` or a fresh PostGIS schema."""
    return locations.new()


def block_workspace(location: str | Path, folder: Path) -> str:
    """Import one community and its 2x2 basic grids (version 1, published) into
    ``location``, from files written to ``folder``."""
    from gridmap.importing import import_file

    squares_2x2().to_file(folder / "grids.gpkg", driver="GPKG")
    community_block().to_file(folder / "community.geojson", driver="GeoJSON")
    import_file(location, "admin", folder / "community.geojson", crs="wgs84")
    import_file(location, "grids", folder / "grids.gpkg")
    return str(location)


@pytest.fixture
def workspace(ws_location: str, tmp_path: Path) -> str:
    """A workspace holding one community and its 2x2 basic grids (version 1, published)."""
    return block_workspace(ws_location, tmp_path)


def points_in(
    grids: gpd.GeoDataFrame, n: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    x0, y0, x1, y1 = grids.total_bounds
    return rng.uniform(x0, x1, n), rng.uniform(y0, y1, n)


def strict_loads(text: str) -> Any:
    """``json.loads`` that refuses NaN and Infinity, as jq, browsers and most languages do:
    every ``--json`` of gridmap must parse with it."""
    import json

    def refuse(token: str) -> None:
        raise ValueError(f"non-standard JSON constant {token}")

    return json.loads(text, parse_constant=refuse)


def shared_file(*parts: str) -> Path:
    """A file of ``../shared/data``; the test is skipped where that folder is not beside the
    checkout (a clean clone elsewhere), as the other tests on shared data are."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"shared data not present: {path}")
    return path


def require(env: str) -> bool:
    """True when CI demands a resource (then a missing one fails instead of skipping)."""
    return os.environ.get(env, "") == "1"


@pytest.fixture
def frame_to_csv():
    def write(frame: pd.DataFrame, path: Path, encoding: str = "utf-8", sep: str = ",") -> Path:
        frame.to_csv(path, index=False, encoding=encoding, sep=sep)
        return path

    return write


@pytest.fixture
def busy_workspace(workspace: Path, tmp_path: Path) -> Path:
    """The 2x2 workspace with 300 incidents in 2025: grid B gets a third of them."""
    from gridmap.importing import import_file

    rng = np.random.default_rng(11)
    n = 300
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
    path = tmp_path / "busy.csv"
    frame.to_csv(path, index=False)
    import_file(workspace, "incidents", path, crs="wgs84")
    return workspace


# CI runs property tests derandomized (the same examples every run) so a landing is never
# decided by chance; local runs keep exploring new examples.
from hypothesis import settings as _hypothesis_settings  # noqa: E402

_hypothesis_settings.register_profile("ci", derandomize=True)
if os.environ.get("GRIDMAP_REQUIRE_BROWSER") == "1":
    _hypothesis_settings.load_profile("ci")
