"""Shared fixtures: human-scale grids near Lanzhou, built in metres and stored in WGS-84.

The builders behind them live in ``tests/builders.py`` (import helpers from there, not from
here); the names below are re-exported for code that still imports them from ``conftest``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from .builders import (  # noqa: F401  (re-exported: imported from conftest by older tests)
    ORIGIN,
    POSTGIS_URL,
    ROOT,
    SHARED,
    UTM48N,
    Locations,
    add_cameras,
    block_workspace,
    busy_incidents,
    community_block,
    points_in,
    require,
    shared_file,
    snapshot,
    squares_2x2,
    strict_loads,
    two_communities_workspace,
    write_under_way,
)


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


@pytest.fixture
def workspace(ws_location: str, tmp_path: Path) -> str:
    """A workspace holding one community and its 2x2 basic grids (version 1, published)."""
    return block_workspace(ws_location, tmp_path)


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

    path = tmp_path / "busy.csv"
    busy_incidents().to_csv(path, index=False)
    import_file(workspace, "incidents", path, crs="wgs84")
    return workspace


@pytest.fixture
def camera_workspace(busy_workspace: Path, tmp_path: Path) -> Path:
    """The busy 2x2 workspace with the cameras and key areas of ``builders.camera_layers``."""
    return add_cameras(busy_workspace, tmp_path)


@pytest.fixture
def two_communities(locations: Locations, tmp_path: Path) -> str:
    """Two communities 1 km apart, two grids each, 40 incidents in each, two users."""
    return two_communities_workspace(locations.new(), tmp_path)


# CI runs property tests derandomized (the same examples every run) so a landing is never
# decided by chance; local runs keep exploring new examples.
from hypothesis import settings as _hypothesis_settings  # noqa: E402

_hypothesis_settings.register_profile("ci", derandomize=True)
if os.environ.get("GRIDMAP_REQUIRE_BROWSER") == "1":
    _hypothesis_settings.load_profile("ci")


@pytest.fixture(scope="module")
def cluster() -> Iterator[str]:
    """A running two-worker cluster reached by address (the --scheduler path).

    Threads in this process rather than worker processes: the same scheduler protocol
    over TCP, without a second start-up of Python, geopandas and gridmap per worker.
    """
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=False,
        protocol="tcp",
        dashboard_address=None,
    ) as local:
        yield str(local.scheduler_address)
