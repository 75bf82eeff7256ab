"""Reading the demo's 324,000 incidents from a PostGIS workspace.

gridmap: :meth:`PostgisWorkspace.read_layer` (``COPY … TO STDOUT`` as CSV with hex WKB, parsed
by Arrow). Peer: ``geopandas.read_postgis`` on the same table through the same psycopg
connection (rows fetched by the driver, WKB parsed by shapely). Also times ``gridmap copy``
of the whole demo into PostGIS. Correctness: both reads give the same ids and bit-identical
geometries, and every layer read back from PostGIS equals the GeoPackage's.

Needs GRIDMAP_TEST_POSTGIS_URL (as CI sets it); prints a skip line without it.
Usage: python bench/bench_postgis.py
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import warnings
from pathlib import Path

import geopandas as gpd
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _timing import best_of

from gridmap.store import Workspace
from gridmap.store.copying import copy_workspace
from gridmap.store.postgis import PostgisWorkspace

ROOT = Path(__file__).resolve().parent.parent
WS = ROOT / "workspace" / "lanzhou.gpkg"


def main() -> int:
    base = os.environ.get("GRIDMAP_TEST_POSTGIS_URL")
    if not base:
        print("postgis_read_324k_incidents  skipped: GRIDMAP_TEST_POSTGIS_URL not set")
        return 0
    if not WS.exists():
        subprocess.run([sys.executable, "-m", "gridmap.cli", "demo", "--out", str(WS)], check=True)
    url = f"{base}?schema=bench_postgis"
    pg = PostgisWorkspace(url)
    pg.drop()
    try:
        start = time.perf_counter()
        copy_workspace(str(WS), url)
        t_copy = time.perf_counter() - start
        src = Workspace(str(WS))
        t_ours, ours = best_of(lambda: pg.read_layer("incidents"))
        con = pg._con().con

        def peer() -> gpd.GeoDataFrame:
            with warnings.catch_warnings():  # pandas prefers SQLAlchemy; a DBAPI works
                warnings.simplefilter("ignore", UserWarning)
                return gpd.read_postgis(
                    "SELECT * FROM bench_postgis.incidents ORDER BY fid", con, geom_col="geom"
                )

        t_peer, theirs = best_of(peer)
        same_rows = list(ours["id"]) == list(theirs["id"])
        same_geom = bool((ours.geometry.to_wkb() == theirs.geometry.to_wkb()).all())
        layers_equal = True
        for layer in src.layer_names():
            a, b = src.read_layer(layer), pg.read_layer(layer)
            try:
                pd.testing.assert_frame_equal(
                    pd.DataFrame(a.drop(columns="geometry")),
                    pd.DataFrame(b.drop(columns="geometry")),
                )
                layers_equal &= bool((a.geometry.to_wkb() == b.geometry.to_wkb()).all())
            except AssertionError:
                layers_equal = False
        t_gpkg, _ = best_of(lambda: src.read_layer("incidents"))
        print(
            f"postgis_read_324k_incidents  gridmap {t_ours:.2f} s  peer geopandas.read_postgis "
            f"{t_peer:.2f} s  {t_peer / t_ours:.1f}x  same_rows={same_rows} "
            f"same_geometry={same_geom} layers_equal_gpkg={layers_equal}  "
            f"(GeoPackage read {t_gpkg:.2f} s; gridmap copy of the demo into PostGIS "
            f"{t_copy:.1f} s)"
        )
    finally:
        pg.drop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
