"""Detect a systematic offset between a department layer and the basic grids.

Chinese base maps come in WGS-84/CGCS2000 and in GCJ-02 ("Mars" coordinates, AMap and
Tencent), which differ by a few hundred metres; a department that traced its units on a
GCJ-02 map imports them that far from the grids. Points sampled along the department
boundaries are measured against the nearest grid boundary (the mean distance, farthest
tenth left out, is the *mismatch*); the layer is then moved as if drawn in GCJ-02 (both
directions, with the exact transforms of :mod:`gridmap.crs`) and, failing that, by the
constant shift that best lays its boundaries on the grids'. A GCJ-02 move that removes 80 %
of the mismatch, or a shift that removes half of it, is reported.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import geopandas as gpd
import numpy as np
import pyproj
import shapely
from numpy.typing import NDArray

from ...crs import (
    gcj02_to_wgs84,
    geometries_from_wgs84,
    geometries_to_wgs84,
    parse_crs,
    wgs84_to_gcj02,
)
from ...i18n import t
from .overlay import Overlay, build_overlay

__all__ = [
    "GridLines",
    "OffsetFinding",
    "correct_gcj02",
    "detect_offset",
    "detect_offset_from",
    "gcj02_only",
]

FloatArray = NDArray[np.float64]
#: Sample points taken along the department boundaries (spread over the units).
SAMPLE_POINTS = 4000
#: A move must remove at least this share of the mismatch to be reported.
MIN_IMPROVEMENT = 0.5
#: A GCJ-02 correction must remove this share: it is exact, tracing noise aside.
MIN_GCJ_IMPROVEMENT = 0.8
#: Farthest shift searched (metres): GCJ-02 offsets and stale base maps stay within it.
SHIFT_REACH_M = 800.0
_SHIFT_STEPS = 6
# Median boundary mismatch (metres) below which the layers already agree.
_AGREE_M = 1.0
_START_STEPS = 9


@dataclass(frozen=True)
class OffsetFinding:
    """A systematic offset of the department layer against the basic grids.

    Attributes
    ----------
    kind
        ``"gcj02_vs_wgs84"`` (one layer drawn in GCJ-02, the other in WGS-84) or
        ``"shift"`` (a constant translation).
    dx_m, dy_m
        How far the department layer lies east and north of where the grids say (median
        over its boundary, metres).
    improvement
        Share of the boundary mismatch the correction removes (0..1).
    mismatch_m
        Mean distance from department boundaries to the nearest grid boundary, as drawn
        (the farthest tenth left out).
    direction
        For ``gcj02_vs_wgs84``: ``"department_gcj02"`` (the department layer is the GCJ-02
        one) or ``"grids_gcj02"``; empty for a shift.
    """

    kind: Literal["gcj02_vs_wgs84", "shift"]
    dx_m: float
    dy_m: float
    improvement: float
    mismatch_m: float
    direction: str = ""

    @property
    def sentence_key(self) -> str:
        """The i18n key of the plain sentence naming the finding."""
        return f"fusion.offset.{self.kind}"

    @property
    def distance_m(self) -> float:
        """Length of the offset in metres."""
        return float(np.hypot(self.dx_m, self.dy_m))

    def sentence(self, lang: str = "zh") -> str:
        """The finding in plain words, e.g. 'The department layer lies about 480 m ...'."""
        return t(
            self.sentence_key,
            lang,
            m=f"{self.distance_m:.0f}",
            dx=f"{self.dx_m:+.0f}",
            dy=f"{self.dy_m:+.0f}",
            pct=f"{self.improvement:.0%}",
        )


def _boundary_samples(geoms: gpd.GeoSeries) -> FloatArray:
    """About :data:`SAMPLE_POINTS` (lon, lat) points spread evenly along each unit's boundary."""
    lines = shapely.boundary(geoms.to_numpy())
    per_unit = int(np.clip(SAMPLE_POINTS // max(len(lines), 1), 8, 200))
    fractions = (np.arange(per_unit) + 0.5) / per_unit
    points = shapely.line_interpolate_point(
        np.repeat(lines, per_unit), np.tile(fractions, len(lines)), normalized=True
    )
    return shapely.get_coordinates(points)


def _segments(polygons: NDArray[np.object_]) -> NDArray[np.object_]:
    """The boundary of ``polygons`` as two-point segments: a nearest-segment query costs
    the same whatever the polygons' vertex counts."""
    parts = shapely.get_parts(shapely.get_parts(shapely.boundary(polygons)))
    coords, index = shapely.get_coordinates(parts, return_index=True)
    same = index[1:] == index[:-1]
    starts, ends = coords[:-1][same], coords[1:][same]
    return shapely.linestrings(np.stack([starts, ends], axis=1))


def _to_metric(lonlat: FloatArray, crs: pyproj.CRS) -> FloatArray:
    transformer = pyproj.Transformer.from_crs(4326, crs, always_xy=True)
    x, y = transformer.transform(lonlat[:, 0], lonlat[:, 1])
    return np.column_stack([x, y])


def _distances(xy: FloatArray, tree: shapely.STRtree) -> FloatArray:
    _, dist = tree.query_nearest(shapely.points(xy), return_distance=True, all_matches=False)
    return np.asarray(dist, dtype=float)


def _mismatch(dist: FloatArray) -> FloatArray:
    """Mean distance over the last axis, leaving out the farthest tenth (outer edges of
    layers that cover different areas). Unlike the median it sees a shift along one axis,
    which leaves every edge along the shift in place."""
    cut = np.quantile(dist, 0.9, axis=-1, keepdims=True)
    kept = dist <= cut
    return np.asarray((dist * kept).sum(axis=-1) / kept.sum(axis=-1), dtype=float)


def _axis_steps(vectors: NDArray[np.float64]) -> FloatArray:
    """Per start, the median of the x parts of the mostly-horizontal vectors to the
    nearest boundary and of the y parts of the mostly-vertical ones: an edge only pulls
    across itself. Points already on a boundary pull nowhere."""
    vx, vy = vectors[..., 0], vectors[..., 1]
    moving = np.hypot(vx, vy) > 1e-6
    steps = np.zeros((vectors.shape[0], 2))
    for k, mask in (
        (0, moving & (np.abs(vx) >= np.abs(vy))),
        (1, moving & (np.abs(vx) < np.abs(vy))),
    ):
        has = mask.any(axis=1)
        values = np.where(mask[has], vectors[has][..., k], np.nan)
        steps[has, k] = np.nanmedian(values, axis=1)
    return steps


def _icp(
    xy: FloatArray, tree: shapely.STRtree, lines: NDArray[np.object_], starts: FloatArray
) -> FloatArray:
    """For each start (dx, dy), the constant shift to add to ``xy`` that lays it on the
    grid boundaries: iterate 'move by the median pull towards the nearest boundary'
    (all starts at once)."""
    total = np.asarray(starts, dtype=float).copy()
    for _ in range(_SHIFT_STEPS):
        moved = (xy[None, :, :] + total[:, None, :]).reshape(-1, 2)
        points = shapely.points(moved)
        idx = tree.query_nearest(points, all_matches=False)[1]
        nearest = shapely.get_coordinates(shapely.shortest_line(points, lines[idx]))[1::2]
        step = _axis_steps((nearest - moved).reshape(len(total), len(xy), 2))
        total += step
        if np.hypot(step[:, 0], step[:, 1]).max() < 0.5:
            break
    return total


def _best_shift(
    xy: FloatArray, tree: shapely.STRtree, lines: NDArray[np.object_], reach_m: float
) -> tuple[FloatArray, float]:
    """The best constant shift within ``reach_m`` and the mismatch left after it.

    Nearest-boundary iteration only converges from within about half a grid's width, so
    it starts from a lattice of points on a subsample and the best start is refined on all.
    """
    rng = np.random.default_rng(0)
    sub = xy[rng.choice(len(xy), size=min(len(xy), 300), replace=False)]
    axis = np.linspace(-reach_m, reach_m, _START_STEPS)
    starts = np.stack(np.meshgrid(axis, axis), axis=-1).reshape(-1, 2)
    fitted = _icp(sub, tree, lines, starts)
    moved = (sub[None, :, :] + fitted[:, None, :]).reshape(-1, 2)
    scores = _mismatch(_distances(moved, tree).reshape(len(fitted), len(sub)))
    shift = _icp(xy, tree, lines, fitted[[int(np.argmin(scores))]])[0]
    return shift, float(_mismatch(_distances(xy + shift, tree)))


def _gcj_candidates(lonlat: FloatArray, crs: pyproj.CRS) -> dict[str, FloatArray]:
    return {
        "department_gcj02": _to_metric(np.column_stack(gcj02_to_wgs84(*lonlat.T)), crs),
        "grids_gcj02": _to_metric(np.column_stack(wgs84_to_gcj02(*lonlat.T)), crs),
    }


def detect_offset(
    departments: gpd.GeoDataFrame,
    grids: gpd.GeoDataFrame,
    *,
    min_shift_m: float = 20.0,
) -> OffsetFinding | None:
    """Name a GCJ-02 vs WGS-84 offset (or a constant shift) between the two layers.

    Parameters
    ----------
    departments, grids
        As for :func:`~.crosswalk.crosswalk`.
    min_shift_m
        Offsets shorter than this are boundary noise (slivers), not a finding.

    Returns
    -------
    OffsetFinding or None
        ``None`` when the boundaries already agree (mismatch under a metre), the
        best move is shorter than ``min_shift_m`` or removes less than half the mismatch
        (the layers differ in substance). A GCJ-02 correction must remove 80 % of it.
    """
    return detect_offset_from(build_overlay(departments, grids), min_shift_m=min_shift_m)


@dataclass(frozen=True)
class GridLines:
    """The basic grids' boundaries as segments in a metric CRS, indexed for nearest queries:
    built once, measured against by every department layer."""

    crs: pyproj.CRS
    lines: NDArray[np.object_]
    tree: shapely.STRtree

    @classmethod
    def of(cls, grid_metric: NDArray[np.object_], crs: pyproj.CRS) -> GridLines:
        # The densified edges' extra vertices are collinear: 5 cm of simplifying drops
        # them (fewer segments to search) and moves no boundary measurably.
        lines = _segments(shapely.simplify(grid_metric, 0.05))
        return cls(crs, lines, shapely.STRtree(lines))


def _gcj02_finding(
    lonlat: FloatArray, xy: FloatArray, before: float, grid: GridLines, min_shift_m: float
) -> OffsetFinding | None:
    for direction, moved in _gcj_candidates(lonlat, grid.crs).items():
        after = float(_mismatch(_distances(moved, grid.tree)))
        offset = np.median(xy - moved, axis=0)
        if after <= before * (1 - MIN_GCJ_IMPROVEMENT) and np.hypot(*offset) >= min_shift_m:
            return OffsetFinding(
                "gcj02_vs_wgs84",
                float(offset[0]),
                float(offset[1]),
                1.0 - after / before,
                before,
                direction,
            )
    return None


def _samples(geometry: gpd.GeoSeries, grid: GridLines) -> tuple[FloatArray, FloatArray, float]:
    lonlat = _boundary_samples(geometry.to_crs(4326))
    xy = _to_metric(lonlat, grid.crs)
    before = float(_mismatch(_distances(xy, grid.tree))) if len(xy) else 0.0
    return lonlat, xy, before


def gcj02_only(
    geometry: gpd.GeoSeries, grid: GridLines, *, min_shift_m: float = 20.0
) -> OffsetFinding | None:
    """The GCJ-02 part of :func:`detect_offset` alone (cheap: no shift search), for the
    other department layers of the responsibility view."""
    lonlat, xy, before = _samples(geometry, grid)
    if len(xy) == 0 or before < _AGREE_M:
        return None
    return _gcj02_finding(lonlat, xy, before, grid, min_shift_m)


def detect_offset_from(
    overlay: Overlay, *, min_shift_m: float = 20.0, grid: GridLines | None = None
) -> OffsetFinding | None:
    """:func:`detect_offset` on an already computed :class:`~.overlay.Overlay` (and the
    grids' :class:`GridLines` when already built)."""
    grid = GridLines.of(overlay.grid_metric, overlay.crs) if grid is None else grid
    lonlat, xy, before = _samples(overlay.departments.geometry, grid)
    # Only boundaries that already agree stop the search: a shift shorter than
    # ``min_shift_m`` may still be the best explanation of a larger mismatch.
    if len(xy) == 0 or before < _AGREE_M:
        return None
    found = _gcj02_finding(lonlat, xy, before, grid, min_shift_m)
    if found is not None:
        return found
    tree, lines = grid.tree, grid.lines
    # A shift of min_shift_m moves at least the edges across it (about half) that far, so
    # a mismatch under a quarter of it is boundary noise: skip the costly search.
    if before < min_shift_m / 4.0:
        return None
    shift, shifted = _best_shift(xy, tree, lines, SHIFT_REACH_M)
    length = float(np.hypot(*shift))
    # Farther than the search reach the iteration has wandered off: layers that hardly
    # overlap have no offset to name.
    if shifted <= before * (1 - MIN_IMPROVEMENT) and min_shift_m <= length <= SHIFT_REACH_M:
        return OffsetFinding(
            "shift", float(-shift[0]), float(-shift[1]), 1 - shifted / before, before
        )
    return None


#: The conversion that brings the department layer to the grids' system, per direction.
CONVERSIONS = {"department_gcj02": "gcj02_to_wgs84", "grids_gcj02": "wgs84_to_gcj02"}


def correct_gcj02(
    departments: gpd.GeoDataFrame, finding: OffsetFinding
) -> tuple[str, gpd.GeoDataFrame]:
    """The department layer converted into the grids' coordinate system (exact GCJ-02
    transforms of :mod:`gridmap.crs`), and the name of the conversion.

    Parameters
    ----------
    departments
        The layer :func:`detect_offset` was run on (any labelled CRS).
    finding
        A ``"gcj02_vs_wgs84"`` finding; its ``direction`` picks the conversion.

    Returns
    -------
    tuple of str and geopandas.GeoDataFrame
        ``"gcj02_to_wgs84"`` or ``"wgs84_to_gcj02"``, and a copy of ``departments`` in
        EPSG:4326 with every vertex converted.
    """
    name = CONVERSIONS[finding.direction]
    wgs = departments.to_crs(4326)
    gcj = parse_crs("gcj02")
    if name == "gcj02_to_wgs84":
        moved = geometries_to_wgs84(wgs.geometry, gcj)
    else:  # GCJ-02 carries no EPSG label: the moved layer is labelled EPSG:4326 again
        moved = geometries_from_wgs84(wgs.geometry, gcj).set_crs(4326, allow_override=True)
    return name, wgs.set_geometry(moved)
