"""The coverage analysis of a city: cells, grids, key areas, blind spots, redundant cameras."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray

from ... import schema
from ...errors import SchemaError
from ...indexing import cells_to_polygons, cells_to_str, points_to_cells, polygons_to_cells
from .footprints import (
    DEFAULT_PIXEL_M,
    FloatArray,
    IntArray,
    _check_4326,
    _crs_of,
    camera_footprints,
    footprint_polygons,
)
from .raster import ZoneCoverage, camera_redundancy, measure_coverage

log = logging.getLogger(__name__)


# --- the analysis of a city -----------------------------------------------------------------
@dataclass(frozen=True)
class CoverageSettings:
    """Options of :func:`analyse_coverage` (documented defaults).

    Attributes
    ----------
    res
        H3 resolution of the cells coverage, risk and households are measured on (10:
        about 15,000 m2, 66 m edge — the scale of one camera's view).
    pixel_m
        Raster pixel of the measurement, metres.
    target
        Coverage target of a key area whose own ``target_coverage`` is missing (1.0: the
        100 % of 重点公共区域视频监控覆盖率).
    tolerance
        A key area counts as compliant when its share is at least ``target - tolerance``;
        it absorbs the raster's measurement error (about 0.002 on average).
    gap_uncovered
        A cell is a blind spot only if at least this share of it is uncovered ...
    gap_risk_quantile
        ... its risk weight is at least this quantile of the positive risk weights ...
    gap_min_households
        ... and it holds at least this many households (an empty field is no blind spot).
    redundant_crowded
        A camera is flagged redundant when at least this share of what it sees is also
        seen by :data:`CROWDED_BY` or more other online cameras.
    """

    res: int = 10
    pixel_m: float = DEFAULT_PIXEL_M
    target: float = 1.0
    tolerance: float = 0.005
    gap_uncovered: float = 0.5
    gap_risk_quantile: float = 0.75
    gap_min_households: float = 1.0
    redundant_crowded: float = 0.9

    def __post_init__(self) -> None:
        problems = []
        if not (isinstance(self.res, int) and 7 <= self.res <= 12):
            problems.append(f"res={self.res!r} (allowed: an integer 7..12)")
        if not self.pixel_m > 0:
            problems.append(f"pixel_m={self.pixel_m!r} (allowed: > 0)")
        for name in ("target", "tolerance", "gap_uncovered", "gap_risk_quantile"):
            value = getattr(self, name)
            if not 0 <= value <= 1:
                problems.append(f"{name}={value!r} (allowed: 0..1)")
        if not 0 <= self.redundant_crowded <= 1:
            problems.append(f"redundant_crowded={self.redundant_crowded!r} (allowed: 0..1)")
        if problems:
            raise SchemaError("coverage settings: " + "; ".join(problems))


@dataclass(frozen=True)
class CoverageResult:
    """Everything :func:`analyse_coverage` found; frames, no methods that compute.

    Attributes
    ----------
    footprints
        :func:`camera_footprints` of all cameras (offline ones with ``online=False``).
    cells
        One row per H3 cell of the grids: ``cell`` (uint64), ``h3`` (hex), ``grid_code``,
        ``coverage_share``, ``risk`` (weight), ``households``, ``uncovered_risk``
        (``risk * (1 - share)``), ``gap_zone`` (-1 or the rank of its blind-spot zone).
    grids
        Indexed by grid code: ``area_m2``, ``covered_m2``, ``coverage_share``,
        ``households``, ``risk_score`` (0-100), ``uncovered_share`` and ``gap_index``
        (``risk_score / 100 * households * uncovered_share``), ``grid_type``.
    keyareas
        ``code``, ``name``, ``kind``, ``coverage_share``, ``target``, ``compliant``,
        ``area_m2``.
    gaps
        Blind-spot zones (EPSG:4326 polygons), ranked by ``uncovered_risk``: ``rank``,
        ``cells``, ``households``, ``uncovered_risk``, ``grid_codes``, ``lon``, ``lat``.
    cameras
        Per online camera: ``seen_m2``, ``exclusive_share``, ``redundant``.
    summary
        Headline numbers, each ratio with its numerator and denominator.
    """

    footprints: pd.DataFrame
    cells: pd.DataFrame
    grids: pd.DataFrame
    keyareas: pd.DataFrame
    gaps: gpd.GeoDataFrame
    cameras: pd.DataFrame
    summary: dict[str, float | int]
    settings: CoverageSettings = field(default_factory=CoverageSettings)


def _weighted_share(share: FloatArray, weight: FloatArray) -> tuple[float, float]:
    ok = np.isfinite(share) & np.isfinite(weight)
    den = float(weight[ok].sum())
    return float((share[ok] * weight[ok]).sum()), den


def _gap_zones(
    cells: pd.DataFrame, mask: NDArray[np.bool_], res_polys: gpd.GeoSeries
) -> tuple[gpd.GeoDataFrame, IntArray]:
    """Blind-spot cells merged into contiguous zones (H3 neighbours), ranked."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    from ...indexing import grid_disk_pairs

    zone_of = np.full(len(cells), -1, dtype=np.int64)
    cols = ["rank", "cells", "households", "uncovered_risk", "grid_codes", "lon", "lat"]
    where = np.flatnonzero(mask)
    if where.size == 0:
        empty = gpd.GeoDataFrame({c: [] for c in cols}, geometry=gpd.GeoSeries([], crs=4326))
        return empty, zone_of
    sub = cells["cell"].to_numpy(np.uint64)[where]
    i, j = grid_disk_pairs(sub, 1)
    graph = coo_matrix((np.ones(i.size), (i, j)), shape=(sub.size, sub.size)).tocsr()
    _, label = connected_components(graph, directed=False)
    unc = cells["uncovered_risk"].to_numpy(float)[where]
    hh = cells["households"].to_numpy(float)[where]
    n = int(label.max()) + 1
    risk_sum = np.bincount(label, weights=unc, minlength=n)
    hh_sum = np.bincount(label, weights=hh, minlength=n)
    size = np.bincount(label, minlength=n)
    # Rank by uncovered risk, then households, then the smallest cell id (deterministic).
    first_cell = pd.Series(sub).groupby(label).min().to_numpy(np.uint64)
    order = np.lexsort((first_cell, -hh_sum, -risk_sum))
    rank_of = np.empty(n, dtype=np.int64)
    rank_of[order] = np.arange(1, n + 1)
    zone_of[where] = rank_of[label]
    polys = np.asarray(res_polys.to_numpy(), dtype=object)[where]
    codes = cells["grid_code"].to_numpy(object)[where]
    geoms = []
    grid_lists = []
    for z in order:
        members = label == z
        geoms.append(shapely.union_all(polys[members]))
        grid_lists.append(",".join(sorted({str(c) for c in codes[members] if c is not None})))
    geo = gpd.GeoSeries(geoms, crs=4326)
    centre = geo.representative_point()
    frame = gpd.GeoDataFrame(
        {
            "rank": np.arange(1, n + 1),
            "cells": size[order],
            "households": hh_sum[order],
            "uncovered_risk": risk_sum[order],
            "grid_codes": grid_lists,
            "lon": centre.x.to_numpy(),
            "lat": centre.y.to_numpy(),
        },
        geometry=geo,
    )
    return frame, zone_of


def analyse_coverage(
    grids: gpd.GeoDataFrame,
    cameras: gpd.GeoDataFrame,
    *,
    keyareas: gpd.GeoDataFrame | None = None,
    units: gpd.GeoDataFrame | None = None,
    cell_weights: pd.Series | None = None,
    grid_scores: pd.Series | None = None,
    settings: CoverageSettings | None = None,
) -> CoverageResult:
    """Coverage of a city's cells, grids and key areas; blind spots; redundant cameras.

    Parameters
    ----------
    grids
        Grids in force (EPSG:4326) with ``code`` and ideally ``households`` and
        ``grid_type``; cells are those of the basic grids (centre containment).
    cameras
        Camera points (see :func:`camera_footprints`).
    keyareas
        Key-area polygons with ``code``, ``name``, ``kind``, ``target_coverage``.
    units
        Unit points or polygons with ``households``; they put households on cells. Without
        them, a grid's households are spread evenly over its cells (an estimate).
    cell_weights
        Risk weight (>= 0) per cell, indexed by ``uint64`` cell at ``settings.res``; cells
        absent weigh 0. Without it every cell weighs 1 (coverage by area).
    grid_scores
        Risk score (0-100) per grid code for the gap index; without it, the household-
        weighted mean of the cell weights scaled to 0-100.
    """
    settings = settings or CoverageSettings()
    _check_4326(grids, "grids")
    for col in (schema.CODE,):
        if col not in grids:
            raise SchemaError(f"grids: missing column {col!r}")
    footprints = camera_footprints(cameras)
    codes = grids[schema.CODE].astype(str).to_numpy()
    gtype = (
        grids[schema.GRID_TYPE].astype(object).fillna("basic").to_numpy()
        if schema.GRID_TYPE in grids
        else np.full(len(grids), "basic", dtype=object)
    )
    cell_ids, cell_grid, cell_polys = _basic_cells(grids, codes, gtype != "professional", settings)

    zone_sets: dict[str, gpd.GeoSeries] = {
        "cells": cell_polys,
        "grids": gpd.GeoSeries(grids.geometry.to_numpy(), crs=4326),
    }
    if keyareas is not None and len(keyareas):
        _check_4326(keyareas, "keyareas")
        zone_sets["keyareas"] = gpd.GeoSeries(keyareas.geometry.to_numpy(), crs=4326)
    measure = measure_coverage(footprints, zone_sets, pixel_m=settings.pixel_m, per_camera=True)
    cz = measure.zones["cells"]

    grid_hh = (
        pd.to_numeric(grids[schema.HOUSEHOLDS], errors="coerce").fillna(0).to_numpy(float)
        if schema.HOUSEHOLDS in grids
        else np.zeros(len(grids))
    )
    hh_cell = _cell_households(units, codes, grid_hh, cell_ids, cell_grid, settings.res)
    if cell_weights is not None:
        w = pd.Series(cell_weights)
        w.index = np.asarray(w.index, dtype=np.uint64)
        risk = w.reindex(cell_ids).fillna(0.0).clip(lower=0).to_numpy(float)
    else:
        risk = np.ones(cell_ids.size)
    share_c = np.nan_to_num(cz.share, nan=0.0)
    cells = pd.DataFrame(
        {
            "cell": cell_ids,
            "h3": cells_to_str(cell_ids),
            "grid_code": cell_grid,
            "coverage_share": share_c,
            "risk": risk,
            "households": hh_cell,
            "uncovered_risk": risk * (1.0 - share_c),
        }
    )
    gaps, zone_of = _gap_zones(cells, _gap_mask(share_c, risk, hh_cell, settings), cell_polys)
    cells["gap_zone"] = zone_of

    grid_frame = _grid_frame(
        codes, gtype, measure.zones["grids"], grid_hh, cells, cameras, grid_scores
    )
    if "keyareas" in measure.zones and keyareas is not None:
        ka = _keyarea_frame(keyareas, measure.zones["keyareas"], cell_ids, cell_grid, settings)
    else:
        ka = pd.DataFrame(columns=_KEYAREA_COLUMNS)

    cams = camera_redundancy(footprints, measure, crowded_share=settings.redundant_crowded)
    summary = _summary(
        covered=float(cz.covered_m2.sum()),
        area=float(cz.area_m2.sum()),
        share=share_c,
        risk=risk,
        households=hh_cell,
        keyareas=ka,
        footprints=footprints,
        cameras=cams,
        gaps=len(gaps),
        gap_households=float(gaps["households"].sum()) if len(gaps) else 0.0,
        gap_risk=float(gaps["uncovered_risk"].sum()) if len(gaps) else 0.0,
    )
    return CoverageResult(footprints, cells, grid_frame, ka, gaps, cams, summary, settings)


#: Columns of :attr:`CoverageResult.keyareas`.
_KEYAREA_COLUMNS = [
    schema.CODE,
    schema.NAME,
    schema.KIND,
    "coverage_share",
    "target",
    "compliant",
    "area_m2",
    schema.GRID_CODE,
    schema.LON,
    schema.LAT,
]


def _basic_cells(
    grids: gpd.GeoDataFrame,
    codes: NDArray[np.object_],
    basic: NDArray[np.bool_],
    settings: CoverageSettings,
) -> tuple[NDArray[np.uint64], NDArray[np.object_], gpd.GeoSeries]:
    """The sorted H3 cells of the basic grids (centre containment), their grid codes and
    polygons."""
    basic_geoms = gpd.GeoSeries(grids.geometry.to_numpy()[basic], crs=4326)
    table = polygons_to_cells(basic_geoms, settings.res)
    # A cell whose centre two basic grids claim (a faulty tiling) goes to the first one.
    table = table.drop_duplicates("cell", keep="first").sort_values("cell", kind="stable")
    cell_ids = table["cell"].to_numpy(np.uint64)
    cell_grid = codes[basic][table["geom_index"].to_numpy()]
    return cell_ids, cell_grid, cells_to_polygons(cell_ids)


def _cell_households(
    units: gpd.GeoDataFrame | None,
    codes: NDArray[np.object_],
    grid_hh: FloatArray,
    cell_ids: NDArray[np.uint64],
    cell_grid: NDArray[np.object_],
    res: int,
) -> FloatArray:
    """Households per cell: those of the units standing in it, or, without units, each
    grid's households spread evenly over its cells (an estimate)."""
    if units is not None and len(units) and schema.HOUSEHOLDS in units:
        _check_4326(units, "units")
        pts = shapely.point_on_surface(np.asarray(units.geometry.to_numpy(), dtype=object))
        ucell = points_to_cells(shapely.get_x(pts), shapely.get_y(pts), res)
        uhh = pd.to_numeric(units[schema.HOUSEHOLDS], errors="coerce").fillna(0).to_numpy(float)
        pos = np.minimum(np.searchsorted(cell_ids, ucell), max(cell_ids.size - 1, 0))
        hit = (cell_ids[pos] == ucell) if cell_ids.size else np.zeros(ucell.size, bool)
        return np.bincount(pos[hit], weights=uhh[hit], minlength=cell_ids.size).astype(float)
    per_grid = pd.Series(cell_grid).value_counts()
    n_cells = pd.Series(cell_grid).map(per_grid).to_numpy(float)
    hh_by_code = dict(zip(codes, grid_hh, strict=True))
    return np.array([hh_by_code.get(c, 0.0) for c in cell_grid]) / np.maximum(n_cells, 1)


def _gap_mask(
    share: FloatArray, risk: FloatArray, households: FloatArray, settings: CoverageSettings
) -> NDArray[np.bool_]:
    """Blind-spot cells: mostly uncovered, risky (top quantile of positive weights), lived in."""
    positive = risk[risk > 0]
    risk_cut = float(np.quantile(positive, settings.gap_risk_quantile)) if positive.size else 0.0
    return np.asarray(
        (1.0 - share >= settings.gap_uncovered)
        & (risk >= risk_cut)
        & (risk > 0)
        & (households >= settings.gap_min_households)
    )


def _grid_frame(
    codes: NDArray[np.object_],
    gtype: NDArray[np.object_],
    gz: ZoneCoverage,
    grid_hh: FloatArray,
    cells: pd.DataFrame,
    cameras: gpd.GeoDataFrame,
    grid_scores: pd.Series | None,
) -> pd.DataFrame:
    """:attr:`CoverageResult.grids`: coverage, households, risk score and gap index per grid."""
    share_g = gz.share
    if grid_scores is not None:
        score = pd.Series(grid_scores).reindex(codes).to_numpy(float)
    else:
        by_grid = cells.groupby("grid_code")["risk"].mean()
        top = float(by_grid.max()) if len(by_grid) else 0.0
        score = (
            by_grid.reindex(codes) / top * 100.0 if top > 0 else by_grid.reindex(codes) * 0
        ).to_numpy(float)
    uncovered = 1.0 - np.nan_to_num(share_g, nan=0.0)
    return pd.DataFrame(
        {
            "grid_type": gtype,
            "area_m2": gz.area_m2,
            "covered_m2": gz.covered_m2,
            "coverage_share": share_g,
            "households": grid_hh,
            "risk_score": score,
            "uncovered_share": uncovered,
            "gap_index": np.nan_to_num(score, nan=0.0) / 100.0 * grid_hh * uncovered,
            "cameras": pd.Series(
                cameras[schema.GRID_CODE].astype(str).value_counts()
                if schema.GRID_CODE in cameras
                else pd.Series(dtype=int)
            )
            .reindex(codes)
            .fillna(0)
            .astype(int)
            .to_numpy(),
        },
        index=pd.Index(codes, name=schema.CODE),
    )


def _keyarea_frame(
    keyareas: gpd.GeoDataFrame,
    kz: ZoneCoverage,
    cell_ids: NDArray[np.uint64],
    cell_grid: NDArray[np.object_],
    settings: CoverageSettings,
) -> pd.DataFrame:
    """:attr:`CoverageResult.keyareas`: share against target, compliance, grid and position."""
    target = (
        pd.to_numeric(keyareas[schema.TARGET_COVERAGE], errors="coerce")
        if schema.TARGET_COVERAGE in keyareas
        else pd.Series(np.nan, index=keyareas.index)
    )
    target = target.fillna(settings.target).clip(0, 1).to_numpy(float)
    ka_share = np.nan_to_num(kz.share, nan=0.0)
    ka = pd.DataFrame(
        {
            schema.CODE: keyareas[schema.CODE].astype(str).to_numpy()
            if schema.CODE in keyareas
            else np.arange(len(keyareas)).astype(str),
            schema.NAME: keyareas[schema.NAME].to_numpy() if schema.NAME in keyareas else None,
            schema.KIND: keyareas[schema.KIND].to_numpy() if schema.KIND in keyareas else None,
            "coverage_share": ka_share,
            "target": target,
            "compliant": ka_share >= target - settings.tolerance,
            "area_m2": kz.area_m2,
        }
    )
    # The grid of a key area: that of the cell under its representative point, so a
    # page scoped to a street lists its own key areas.
    rep = shapely.point_on_surface(np.asarray(keyareas.geometry.to_numpy(), dtype=object))
    ka_cell = points_to_cells(shapely.get_x(rep), shapely.get_y(rep), settings.res)
    pos = np.minimum(np.searchsorted(cell_ids, ka_cell), max(cell_ids.size - 1, 0))
    found = cell_ids[pos] == ka_cell if cell_ids.size else np.zeros(ka_cell.size, bool)
    ka_grid = np.full(len(ka), None, dtype=object)
    if cell_ids.size:
        ka_grid[found] = cell_grid[pos[found]]
    ka[schema.GRID_CODE] = ka_grid
    ka[schema.LON] = np.asarray(shapely.get_x(rep), dtype=float)
    ka[schema.LAT] = np.asarray(shapely.get_y(rep), dtype=float)
    return ka


def coverage_by_level(
    result: CoverageResult, parents: Mapping[str, str | None], levels: Mapping[str, str], level: str
) -> pd.DataFrame:
    """Coverage of communities or streets from their basic grids (areas summed, not averaged).

    ``parents`` and ``levels`` are those of :class:`gridmap.hierarchy.Hierarchy`. Returns one
    row per unit of ``level`` holding a basic grid: ``area_m2``, ``covered_m2``,
    ``coverage_share``, ``households``, ``gap_index`` (sum over its grids), ``grids``.
    """
    g = result.grids[result.grids["grid_type"] != "professional"]

    def ancestor(code: str) -> str | None:
        current: str | None = code
        seen = 0
        while current is not None and seen < 10:
            if levels.get(current) == level:
                return current
            current = parents.get(current)
            seen += 1
        return None

    unit = pd.Series([ancestor(str(c)) for c in g.index], index=g.index)
    frame = g.assign(unit=unit.to_numpy(), grids=1).dropna(subset=["unit"])
    out = frame.groupby("unit")[["area_m2", "covered_m2", "households", "gap_index", "grids"]].sum()
    out.insert(2, "coverage_share", out["covered_m2"] / out["area_m2"].where(out["area_m2"] > 0))
    out.index.name = schema.CODE
    return out


def risk_weights(
    table: Any, idx: NDArray[np.int64], cells: NDArray[np.uint64], *, res: int, end_s: int | None
) -> pd.Series:
    """Risk weight per cell: the cell risk score (0-100, k-ring 1 smoothed) of cells with
    any smoothed incident intensity, 0 elsewhere; incident density when scoring is impossible.

    The percentile score gives every cell of a city the same ladder whatever the window,
    which keeps siting gains comparable over time; cells with no incident around them
    weigh 0 so that empty fields do not outrank quiet neighbourhoods merely by number.
    """
    from ..hotspots import kring_weights
    from ..risk import RiskSettings, cell_risk

    if len(idx) == 0 or cells.size == 0:
        return pd.Series(np.zeros(cells.size), index=cells)
    try:
        frame = cell_risk(
            table,
            idx,
            res=res,
            settings=RiskSettings(k_ring=1),
            neighbours=kring_weights(cells, 1),
            cells=cells,
            end_s=end_s,
        )
        score = np.where(frame["smoothed"].to_numpy(float) > 0, frame["risk_score"], 0.0)
    except SchemaError:
        log.warning("cell risk unavailable; weighting cells by incident density")
        frame = cell_risk(table, idx, res=res, cells=cells, end_s=end_s)
        score = frame["weighted"].to_numpy(float)
    return pd.Series(np.asarray(score, dtype=float), index=cells)


def scope_summary(result: CoverageResult, grid_codes: frozenset[str] | None) -> dict[str, Any]:
    """:attr:`CoverageResult.summary` recomputed for the cells, key areas, cameras and blind
    spots of some grids (None: the whole city, the summary itself).

    Cameras count in the area of the grid they stand in (``grid_code`` of the camera
    layer); key areas in that of their representative point.
    """
    if grid_codes is None:
        return dict(result.summary)
    wanted = list(grid_codes)
    c = result.cells[result.cells["grid_code"].astype(str).isin(wanted)]
    share = c["coverage_share"].to_numpy(float)
    g = result.grids[
        result.grids.index.isin(wanted) & (result.grids["grid_type"] != "professional")
    ]
    ka = result.keyareas[result.keyareas[schema.GRID_CODE].astype(str).isin(wanted)]
    fp = result.footprints
    if schema.GRID_CODE in fp:
        fp = fp[fp[schema.GRID_CODE].astype(str).isin(wanted)]
    on_ids = set(fp.loc[fp["online"], schema.ID])
    cams = result.cameras[result.cameras[schema.ID].isin(on_ids)]
    gaps = result.gaps
    if len(gaps):
        gaps = gaps[[bool(set(s.split(",")) & grid_codes) for s in gaps["grid_codes"]]]
    in_gap = c["gap_zone"] > 0
    return _summary(
        covered=float(g["covered_m2"].sum()),
        area=float(g["area_m2"].sum()),
        share=share,
        risk=c["risk"].to_numpy(float),
        households=c["households"].to_numpy(float),
        keyareas=ka,
        footprints=fp,
        cameras=cams,
        gaps=len(gaps),
        # A zone may reach over the area's edge: count only its cells inside the area.
        gap_households=float(c.loc[in_gap, "households"].sum()),
        gap_risk=float(c.loc[in_gap, "uncovered_risk"].sum()),
    )


def _summary(
    *,
    covered: float,
    area: float,
    share: FloatArray,
    risk: FloatArray,
    households: FloatArray,
    keyareas: pd.DataFrame,
    footprints: pd.DataFrame,
    cameras: pd.DataFrame,
    gaps: int,
    gap_households: float,
    gap_risk: float,
) -> dict[str, Any]:
    """The headline numbers of a coverage result, each ratio with its two sides."""
    risk_num, risk_den = _weighted_share(share, risk)
    hh_num, hh_den = _weighted_share(share, households)
    online = footprints["online"].to_numpy(bool)
    return {
        "covered_m2": covered,
        "area_m2": area,
        "area_share": covered / area if area else float("nan"),
        "risk_covered": risk_num,
        "risk_total": risk_den,
        "risk_share": risk_num / risk_den if risk_den else float("nan"),
        "households_covered": hh_num,
        "households_total": hh_den,
        "household_share": hh_num / hh_den if hh_den else float("nan"),
        "keyareas_compliant": int(keyareas["compliant"].sum()) if len(keyareas) else 0,
        "keyareas_total": len(keyareas),
        "cameras_total": len(footprints),
        "cameras_online": int(online.sum()),
        "cameras_offline": int((~online).sum()),
        "cameras_assumed": int(footprints["assumed"].sum()),
        "cameras_redundant": int(cameras["redundant"].sum()),
        "gap_zones": gaps,
        "gap_households": gap_households,
        "gap_risk": gap_risk,
    }


def keyarea_card(result: CoverageResult, keyareas: gpd.GeoDataFrame, code: str) -> dict[str, Any]:
    """What a key-area card shows: coverage against target with its m², and the cameras.

    ``keyareas`` is the workspace's key-area layer (EPSG:4326). Returns ``code``, ``name``,
    ``kind``, ``area_m2``, ``covered_m2``, ``coverage_share``, ``target``, ``compliant``,
    ``short_m2`` (area still to cover to reach the target), ``cameras_online`` (online cameras
    whose footprint reaches the area), ``cameras_offline`` (offline ones that would) and
    ``grid_code``.

    Raises
    ------
    SchemaError
        If ``code`` is not a key area of the result.
    """
    rows = result.keyareas[result.keyareas["code"].astype(str) == str(code)]
    if rows.empty:
        raise SchemaError(f"key area {code!r}: not in the workspace")
    row = rows.iloc[0]
    area = float(row["area_m2"])
    share = float(row["coverage_share"])
    target = float(row["target"])
    fp = result.footprints
    crs = _crs_of(fp)
    shape = keyareas.loc[keyareas[schema.CODE].astype(str) == str(code)].to_crs(crs)
    seen_on = seen_off = 0
    if len(shape) and len(fp):
        geom = shape.geometry.iloc[0]
        # Only cameras within their range of the area can reach it: a cheap distance filter
        # before building any sector.
        pts = shapely.points(fp["x_m"].to_numpy(float), fp["y_m"].to_numpy(float))
        near = shapely.distance(pts, geom) <= fp[schema.RANGE_M].to_numpy(float)
        if near.any():
            polys = footprint_polygons(fp[near], metric=True)
            reach = shapely.intersects(polys.to_numpy(), geom)
            online = fp.loc[near, "online"].to_numpy(bool)
            seen_on = int((reach & online).sum())
            seen_off = int((reach & ~online).sum())
    return {
        "code": str(code),
        "name": row.get("name"),
        "kind": row.get("kind"),
        "area_m2": area,
        "covered_m2": area * share,
        "coverage_share": share,
        "target": target,
        "compliant": bool(row["compliant"]),
        "short_m2": max(0.0, (target - share) * area),
        "cameras_online": seen_on,
        "cameras_offline": seen_off,
        "grid_code": row.get("grid_code"),
    }
