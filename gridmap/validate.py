"""Check a grid layer: geometry, codes, nesting in communities, overlaps, gaps, households.

Every grid must lie inside exactly one community, basic grids (基础网格) must tile their
community without overlaps or gaps, and each basic grid needs a plausible household count.
:func:`validate_grids` collects *every* problem it finds, each with a location, a size in
square metres and one English line, into a :class:`ValidationReport`; it never raises on
bad data, only on unusable arguments (wrong CRS, missing ``code`` column).

Areas are measured in the WGS 84 / UTM zone of the data centre, never in degrees.

Examples
--------
>>> import geopandas as gpd
>>> from shapely import box
>>> grids = gpd.GeoDataFrame({"code": ["a", "b"], "households": [300, 320]},
...                          geometry=[box(103.80, 36.06, 103.81, 36.07),
...                                    box(103.81, 36.06, 103.82, 36.07)], crs=4326)
>>> validate_grids(grids).ok()
True
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely
from numpy.typing import NDArray

from . import schema
from .config import Settings
from .errors import CrsError, SchemaError
from .i18n import t

__all__ = [
    "BLOCKING_KINDS",
    "PROBLEM_KINDS",
    "Problem",
    "ValidationReport",
    "repair_geometries",
    "validate_grids",
]

log = logging.getLogger(__name__)

#: Problem kinds, in the order reports are sorted and counted.
PROBLEM_KINDS: tuple[str, ...] = (
    "repaired_geometry",
    "invalid_geometry",
    "empty_geometry",
    "duplicate_code",
    "outside_community",
    "multiple_communities",
    "overlap",
    "gap",
    "missing_households",
    "implausible_households",
)
_KIND_ORDER = {k: i for i, k in enumerate(PROBLEM_KINDS)}

#: Problems analyses cannot work around: a grid version with any of them is never
#: published (the importer keeps it as a draft). Codes must name one grid each (risk,
#: coverage and rebalancing key everything by code), and every grid needs an area. The
#: other kinds are warnings: overlaps, gaps, nesting and household problems make some
#: numbers less exact (a grid without households has no per-household rate, a gap's
#: incidents belong to no grid), but every analysis still runs and says what it left out.
BLOCKING_KINDS: tuple[str, ...] = ("duplicate_code", "empty_geometry", "invalid_geometry")

#: Plausible persons per household; outside this a population or household count is wrong.
_PERSONS_PER_HOUSEHOLD = (1.0, 10.0)

_POLYGON, _MULTIPOLYGON = 3, 6

#: Settings is frozen, so one shared default instance is safe.
_DEFAULT_SETTINGS = Settings()

Geoms = NDArray[np.object_]


# --- values ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Msg:
    """A message as an i18n key and parameters, turned into text per language.

    Parameters may themselves be :class:`Msg` (a location, a "row 5, no code" label) or
    tuples of them, joined with the language's list separator.
    """

    key: str
    params: tuple[tuple[str, Any], ...] = ()

    def text(self, lang: str) -> str:
        return t(self.key, lang, **{k: _resolve(v, lang) for k, v in self.params})


def _msg(key: str, **params: Any) -> Msg:
    return Msg(f"validate.{key}", tuple(params.items()))


def _resolve(value: Any, lang: str) -> Any:
    if isinstance(value, Msg):
        return value.text(lang)
    if isinstance(value, tuple):
        return ("；" if lang == "zh" else "; ").join(str(_resolve(v, lang)) for v in value)
    return value


def _problem(
    kind: str,
    code: str | None,
    lon: float,
    lat: float,
    size_m2: float | None,
    msg: Msg,
    geometry: shapely.Geometry | None = None,
) -> Problem:
    return Problem(kind, code, lon, lat, size_m2, msg.text("en"), geometry, msg)


@dataclass(frozen=True)
class Problem:
    """One problem found in a grid layer.

    Parameters
    ----------
    kind
        One of :data:`PROBLEM_KINDS`.
    code
        The grid code concerned; ``"A|B"`` for an overlap of grids A and B; the community
        code (or None) for a gap.
    lon, lat
        A representative point of the problem location, WGS-84 (NaN when the grid has no
        geometry).
    size_m2
        Area in m² where one applies: overlap or gap area, area outside the community,
        area change of a repair; None otherwise.
    message
        One English line naming the code(s), the location and the size;
        :meth:`text` gives it in another language.
    geometry
        The problem area (overlap or gap polygon) in WGS-84 for drawing, else None.
        Not part of ``repr`` or equality.
    template
        The message as an i18n key with its parameters (None for a hand-made Problem,
        whose :meth:`text` is ``message`` in every language).
    """

    kind: str
    code: str | None
    lon: float
    lat: float
    size_m2: float | None
    message: str
    geometry: shapely.Geometry | None = field(default=None, repr=False, compare=False)
    template: Msg | None = field(default=None, repr=False, compare=False)

    def text(self, lang: str = "en") -> str:
        """The message in ``lang`` ("zh" or "en")."""
        return self.message if self.template is None else self.template.text(lang)

    def __post_init__(self) -> None:
        # numpy scalars would leak into to_dict() and repr; store plain floats. A missing
        # location is the math.nan singleton, so that equal problems compare equal (tuple
        # comparison tries identity before ==, and nan != nan).
        for name in ("lon", "lat"):
            value = float(getattr(self, name))
            object.__setattr__(self, name, math.nan if math.isnan(value) else value)
        if self.size_m2 is not None:
            object.__setattr__(self, "size_m2", float(self.size_m2))


@dataclass(frozen=True)
class ValidationReport:
    """All problems of a grid layer, sorted by kind (in :data:`PROBLEM_KINDS` order) then code.

    Parameters
    ----------
    problems
        The problems found.
    n_grids
        Number of grids checked (rows of the input).
    """

    problems: tuple[Problem, ...]
    n_grids: int

    def ok(self) -> bool:
        """True when no problem at all was found."""
        return not self.problems

    def blocking(self) -> tuple[Problem, ...]:
        """The problems that keep a version from being published (:data:`BLOCKING_KINDS`)."""
        return tuple(p for p in self.problems if p.kind in BLOCKING_KINDS)

    def blocking_counts(self) -> dict[str, int]:
        """:meth:`counts` of the blocking problems only."""
        return {k: v for k, v in self.counts().items() if k in BLOCKING_KINDS}

    def counts(self) -> dict[str, int]:
        """Number of problems per kind, kinds with none left out, in :data:`PROBLEM_KINDS` order."""
        out = dict.fromkeys(PROBLEM_KINDS, 0)
        for p in self.problems:
            out[p.kind] += 1
        return {k: v for k, v in out.items() if v}

    def to_frame(self, lang: str = "en") -> gpd.GeoDataFrame:
        """Problems as a GeoDataFrame in EPSG:4326, messages in ``lang``.

        Columns ``kind, code, lon, lat, size_m2, message, geometry``. The geometry is the
        problem area where there is one, else the representative point (None when the grid
        had no geometry), so that every located problem can be drawn.
        """
        geoms = [
            p.geometry
            if p.geometry is not None
            else (None if math.isnan(p.lon) else shapely.Point(p.lon, p.lat))
            for p in self.problems
        ]
        frame = pd.DataFrame(
            {
                "kind": [p.kind for p in self.problems],
                "code": [p.code for p in self.problems],
                "lon": np.array([p.lon for p in self.problems], dtype=float),
                "lat": np.array([p.lat for p in self.problems], dtype=float),
                "size_m2": np.array(
                    [np.nan if p.size_m2 is None else p.size_m2 for p in self.problems],
                    dtype=float,
                ),
                "message": [p.text(lang) for p in self.problems],
            }
        )
        return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geoms), crs="EPSG:4326")

    def to_dict(self, lang: str = "en") -> dict[str, Any]:
        """JSON-able summary and problem list, messages in ``lang`` (no geometry; NaN is None)."""
        return {
            "n_grids": self.n_grids,
            "ok": self.ok(),
            "counts": self.counts(),
            "problems": [
                {
                    "kind": p.kind,
                    "code": p.code,
                    "lon": None if math.isnan(p.lon) else round(p.lon, 6),
                    "lat": None if math.isnan(p.lat) else round(p.lat, 6),
                    "size_m2": None if p.size_m2 is None else round(p.size_m2, 1),
                    "message": p.text(lang),
                }
                for p in self.problems
            ],
        }


# --- geometry repair ------------------------------------------------------------------------
def _polygonal_parts(geoms: Geoms) -> Geoms:
    """Keep only the polygons of each geometry; a geometry without any becomes empty."""
    out = geoms.copy()
    type_ids = shapely.get_type_id(geoms)
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    other = present & ~np.isin(type_ids, (_POLYGON, _MULTIPOLYGON))
    if not other.any():
        return out
    rows = np.flatnonzero(other)
    # Two levels of get_parts: a collection may hold multipolygons, whose parts are polygons.
    parts, idx = shapely.get_parts(geoms[rows], return_index=True)
    parts2, idx2 = shapely.get_parts(parts, return_index=True)
    idx2 = idx[idx2]
    keep = shapely.get_type_id(parts2) == _POLYGON
    out[rows] = shapely.Polygon()
    if keep.any():
        owners = np.unique(idx2[keep])
        # shapely needs dense indices 0..k-1: rows with no polygon at all leave gaps.
        dense = np.searchsorted(owners, idx2[keep])
        multi = shapely.multipolygons(parts2[keep], indices=dense)
        # A single polygon stays a Polygon; several become one MultiPolygon.
        n_parts = np.bincount(dense)
        out[rows[owners]] = np.where(n_parts == 1, shapely.get_geometry(multi, 0), multi)
    return out


def repair_geometries(geoms: gpd.GeoSeries) -> tuple[gpd.GeoSeries, NDArray[np.bool_]]:
    """Make geometries valid and keep only their polygonal parts.

    Parameters
    ----------
    geoms
        Geometries in any CRS (repair is planar, so it works in degrees or metres).

    Returns
    -------
    repaired : GeoSeries
        Same index and CRS. Invalid geometries are repaired with ``shapely.make_valid``;
        from every geometry only polygons are kept (a GeometryCollection becomes its
        polygons; a geometry without any polygon becomes an empty Polygon). None and empty
        geometries stay None and empty.
    mask : ndarray of bool
        True where the input was invalid and has been repaired (the repair may have left
        nothing polygonal; check ``is_empty`` for that).

    Examples
    --------
    >>> from shapely import Polygon
    >>> bow_tie = Polygon([(0, 0), (2, 2), (2, 0), (0, 2)])
    >>> fixed, mask = repair_geometries(gpd.GeoSeries([bow_tie, None]))
    >>> fixed[0].geom_type, float(fixed[0].area), mask.tolist()
    ('MultiPolygon', 2.0, [True, False])
    """
    values = np.asarray(geoms.to_numpy(), dtype=object)
    present = ~(shapely.is_missing(values) | shapely.is_empty(values))
    invalid = present & ~shapely.is_valid(values)
    fixed = values.copy()
    if invalid.any():
        fixed[invalid] = shapely.make_valid(values[invalid])
    fixed = _polygonal_parts(fixed)
    return gpd.GeoSeries(fixed, index=geoms.index, crs=geoms.crs), invalid


# --- metric projection ----------------------------------------------------------------------
def _check_wgs84(gdf: gpd.GeoDataFrame | gpd.GeoSeries, name: str) -> None:
    crs = gdf.crs
    if crs is None:
        raise CrsError(f"{name} has no CRS; it must be EPSG:4326 (WGS-84 lon/lat)")
    if crs.to_epsg() != 4326:
        raise CrsError(
            f"{name} is in {crs.to_string()}; it must be EPSG:4326 (WGS-84 lon/lat), "
            "convert it with .to_crs(4326) first"
        )


def _utm_crs(gdf: gpd.GeoDataFrame | gpd.GeoSeries) -> pyproj.CRS:
    """The WGS 84 / UTM zone (EPSG:326xx north, 327xx south) of the data centre.

    Raises
    ------
    CrsError
        If ``gdf`` is not in EPSG:4326.
    SchemaError
        If ``gdf`` has no geometry to take a centre from.
    """
    _check_wgs84(gdf, "data")
    minx, miny, maxx, maxy = gdf.total_bounds
    if not np.all(np.isfinite([minx, miny, maxx, maxy])):
        raise SchemaError("no non-empty geometry to choose a metric (UTM) CRS from")
    lon, lat = (minx + maxx) / 2.0, (miny + maxy) / 2.0
    zone = min(max(math.floor((lon + 180.0) / 6.0) + 1, 1), 60)
    return pyproj.CRS.from_epsg((32600 if lat >= 0 else 32700) + zone)


def _project(geoms: Geoms, transformer: pyproj.Transformer) -> Geoms:
    def xy(coords: NDArray[np.float64]) -> NDArray[np.float64]:
        x, y = transformer.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    return np.asarray(shapely.transform(geoms, xy), dtype=object)


# --- helpers --------------------------------------------------------------------------------
def _as_codes(values: Iterable[Any]) -> NDArray[np.object_]:
    """Codes as text (None when missing); 620104001.0 from a float column reads 620104001."""
    out: list[str | None] = []
    for v in values:
        if v is None or (not isinstance(v, str) and pd.isna(v)):
            out.append(None)
        elif isinstance(v, float) and v.is_integer():
            out.append(str(int(v)))
        else:
            out.append(str(v).strip())
    return np.asarray(out, dtype=object)


def _numeric(frame: pd.DataFrame, column: str) -> NDArray[np.float64]:
    if column not in frame.columns:
        return np.full(len(frame), np.nan)
    num = pd.to_numeric(frame[column], errors="coerce")
    return np.asarray(num.astype("Float64").to_numpy(dtype=float, na_value=np.nan), dtype=float)


def _m2(area: float) -> str:
    area = 0.0 if abs(area) < 0.05 else area  # no "-0.0 m²"
    return f"{area:,.1f} m²" if abs(area) < 10 else f"{area:,.0f} m²"


def _at(lon: float, lat: float) -> Msg:
    if math.isnan(lon):
        return _msg("no_location")
    return _msg("at", lon=f"{lon:.5f}", lat=f"{lat:.5f}")


def _label(code: str | None, row: int) -> str | Msg:
    return code if code is not None else _msg("row_label", row=row)


def _points(geoms: Geoms) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Lon/lat of a point inside each geometry; NaN for None/empty."""
    lon = np.full(len(geoms), np.nan)
    lat = np.full(len(geoms), np.nan)
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    if present.any():
        pts = shapely.point_on_surface(geoms[present])
        lon[present] = shapely.get_x(pts)
        lat[present] = shapely.get_y(pts)
    return lon, lat


def _pieces(geoms: Geoms, owners: NDArray[np.intp]) -> tuple[Geoms, NDArray[np.intp]]:
    """Split polygonal results into connected polygons, remembering whose they are."""
    polys = _polygonal_parts(geoms)
    parts, idx = shapely.get_parts(polys, return_index=True)
    keep = ~shapely.is_empty(parts)
    return np.asarray(parts[keep], dtype=object), owners[idx[keep]]


def _group_unions(n: int, owner: NDArray[np.intp], geoms: Geoms) -> Geoms:
    """Union of ``geoms`` per owner ``0..n-1`` (an empty Polygon for owners with none).

    One ``union_all`` per owner: the Python loop runs over owners (communities, holes),
    never over pairs of grids.
    """
    order = np.argsort(owner, kind="stable")
    owner, geoms = owner[order], geoms[order]
    bounds = np.searchsorted(owner, np.arange(n + 1))
    out = np.empty(n, dtype=object)
    for k in range(n):
        members = geoms[bounds[k] : bounds[k + 1]]
        out[k] = shapely.union_all(members) if len(members) else shapely.Polygon()
    return out


def _clipped_unions(holes: Geoms, owner: NDArray[np.intp], geoms: Geoms) -> Geoms:
    """Per hole, the union of ``geoms`` (paired by ``owner``) within the hole's bounding box.

    Real layers drawn on different base maps leave hundreds of sliver holes between
    neighbours; uniting whole districts once per sliver took 20 s for Medellín's 21
    comunas. Only what lies near a hole can cover it, so each geometry is cut to the hole's
    box first and the unions stay small.
    """
    if not len(owner):
        return _group_unions(len(holes), owner, geoms)
    x0, y0, x1, y1 = shapely.bounds(holes[owner]).T
    return _group_unions(
        len(holes), owner, shapely.intersection(geoms, shapely.box(x0, y0, x1, y1))
    )


# --- the checks -----------------------------------------------------------------------------
def _geometry_problems(
    codes: NDArray[np.object_],
    raw: Geoms,
    fixed: Geoms,
    own_repair: NDArray[np.bool_],
    caller_repair: NDArray[np.bool_],
    area_change: NDArray[np.float64],
    lon: NDArray[np.float64],
    lat: NDArray[np.float64],
) -> list[Problem]:
    problems: list[Problem] = []
    raw_missing = shapely.is_missing(raw) | shapely.is_empty(raw)
    fixed_missing = shapely.is_missing(fixed) | shapely.is_empty(fixed)
    reasons = np.full(len(raw), "", dtype=object)
    if own_repair.any():
        reasons[own_repair] = shapely.is_valid_reason(raw[own_repair])
    type_names = np.full(len(raw), "", dtype=object)
    type_names[~raw_missing] = shapely.get_type_id(raw[~raw_missing])
    names = {
        0: "Point",
        1: "LineString",
        2: "LinearRing",
        4: "MultiPoint",
        5: "MultiLineString",
        7: "GeometryCollection",
    }
    for i in np.flatnonzero(raw_missing | own_repair | caller_repair | fixed_missing):
        code, label = codes[i], _label(codes[i], int(i))
        if raw_missing[i]:
            msg = _msg("empty_geometry", label=label)
            problems.append(_problem("empty_geometry", code, np.nan, np.nan, None, msg))
        elif fixed_missing[i]:
            # An invalid shape may have no interior point: use the centre of its extent.
            x0, y0, x1, y1 = shapely.bounds(raw[i])
            x, y = (x0 + x1) / 2.0, (y0 + y1) / 2.0
            msg = (
                _msg("invalid_no_area", label=label, reason=reasons[i], at=_at(x, y))
                if own_repair[i]
                else _msg(
                    "not_polygon_no_area",
                    label=label,
                    type=names.get(int(type_names[i]), "geometry"),
                    at=_at(x, y),
                )
            )
            problems.append(_problem("invalid_geometry", code, x, y, None, msg))
        elif own_repair[i]:
            change = float(area_change[i])
            sign = "-" if change < 0 else "+"
            msg = _msg(
                "repaired",
                label=label,
                reason=reasons[i],
                change=f"{sign}{_m2(abs(change))}",
                at=_at(lon[i], lat[i]),
            )
            problems.append(_problem("repaired_geometry", code, lon[i], lat[i], abs(change), msg))
        else:  # repaired by the caller (at import): the original shape is gone
            msg = _msg("repaired_at_import", label=label, at=_at(lon[i], lat[i]))
            problems.append(_problem("repaired_geometry", code, lon[i], lat[i], None, msg))
    return problems


def _duplicate_problems(
    codes: NDArray[np.object_], lon: NDArray[np.float64], lat: NDArray[np.float64]
) -> list[Problem]:
    s = pd.Series(codes, dtype=object)
    dup = s.duplicated(keep=False).to_numpy() & s.notna().to_numpy()
    counts = s[dup].value_counts()
    return [
        _problem(
            "duplicate_code",
            codes[i],
            lon[i],
            lat[i],
            None,
            _msg("duplicate_code", code=codes[i], n=counts[codes[i]], at=_at(lon[i], lat[i])),
        )
        for i in np.flatnonzero(dup)
    ]


def _community_problems(
    codes: NDArray[np.object_],
    parents: NDArray[np.object_],
    grid_m: Geoms,
    grid_area: NDArray[np.float64],
    lon: NDArray[np.float64],
    lat: NDArray[np.float64],
    comm_codes: NDArray[np.object_],
    comm_m: Geoms,
    settings: Settings,
) -> list[Problem]:
    """Grids not inside exactly one community, or inside another than their parent_code."""
    tree = shapely.STRtree(comm_m)
    gi, ci = tree.query(grid_m, predicate="intersects")
    # Most grids sit wholly inside one community: skip the costly intersection for those.
    shapely.prepare(comm_m)
    covered = shapely.covers(comm_m[ci], grid_m[gi])
    area = np.where(covered, grid_area[gi], 0.0)
    rest = np.flatnonzero(~covered)
    if len(rest):
        area[rest] = shapely.area(shapely.intersection(grid_m[gi[rest]], comm_m[ci[rest]]))
    keep = area > 0
    gi, ci, area = gi[keep], ci[keep], area[keep]
    # Sort pieces by grid, then largest first, then community code for a stable tie-break.
    order = np.lexsort((comm_codes[ci].astype(str), -area, gi))
    gi, ci, area = gi[order], ci[order], area[order]

    n = len(grid_m)
    inside = np.bincount(gi, weights=area, minlength=n)
    first = np.full(n, -1)
    starts = np.flatnonzero(np.r_[True, gi[1:] != gi[:-1]]) if len(gi) else np.array([], int)
    first[gi[starts]] = starts
    if len(gi):
        best = np.where(first >= 0, area[np.maximum(first, 0)], 0.0)
        best_comm = np.where(first >= 0, ci[np.maximum(first, 0)], -1)
    else:  # no grid touches any community (e.g. grids imported far from the admin units)
        best, best_comm = np.zeros(n), np.full(n, -1)
    outside = np.maximum(grid_area - inside, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(grid_area > 0, best / grid_area, 0.0)
    present = grid_area > 0
    # Either share is enough: an absolute sliver below the tolerance is digitising noise
    # even when containment_share is 1.
    contained = present & (
        (share >= settings.containment_share) | (grid_area - best <= settings.overlap_tolerance_m2)
    )
    # A piece smaller than the overlap tolerance is digitising noise, not a second community.
    n_real = np.bincount(gi[area > settings.overlap_tolerance_m2], minlength=n)

    problems: list[Problem] = []
    split_rows = np.flatnonzero(present & ~contained)
    ends = np.r_[starts[1:], len(gi)] if len(gi) else np.array([], int)
    end_of = dict(zip(gi[starts].tolist(), ends.tolist(), strict=True))
    for i in split_rows:
        label = _label(codes[i], int(i))
        lo = first[i]
        pieces = (
            [(comm_codes[ci[k]], area[k]) for k in range(lo, end_of[int(i)])] if lo >= 0 else []
        )
        listed = ", ".join(f"{c} {_m2(a)}" for c, a in pieces if a > settings.overlap_tolerance_m2)
        parent: str | Msg = _msg("parent_code", parent=parents[i]) if parents[i] is not None else ""
        where = _at(lon[i], lat[i])
        if outside[i] >= best[i] or n_real[i] < 2:
            msg = _msg(
                "outside_community",
                label=label,
                outside=_m2(outside[i]),
                area=_m2(grid_area[i]),
                listed=listed or _msg("none"),
                parent=parent,
                at=where,
            )
            problems.append(
                _problem("outside_community", codes[i], lon[i], lat[i], float(outside[i]), msg)
            )
        else:
            extra: str | Msg = _msg("outside_any", area=_m2(outside[i])) if outside[i] > 0.5 else ""
            msg = _msg(
                "multiple_communities",
                label=label,
                n=n_real[i],
                listed=listed,
                extra=extra,
                parent=parent,
                at=where,
            )
            problems.append(
                _problem(
                    "multiple_communities",
                    codes[i],
                    lon[i],
                    lat[i],
                    float(grid_area[i] - best[i]),
                    msg,
                )
            )
    # Contained grids whose declared parent community is another one.
    declared = np.array([p is not None for p in parents], dtype=bool)
    home = np.where(contained, best_comm, -1)
    home_code = np.array([comm_codes[c] if c >= 0 else None for c in home], dtype=object)
    wrong = contained & declared & (home_code != parents)
    if wrong.any():
        in_parent = (
            pd.Series(area, index=pd.MultiIndex.from_arrays([gi, comm_codes[ci].astype(object)]))
            .groupby(level=[0, 1])
            .sum()
        )
        for i in np.flatnonzero(wrong):
            label = _label(codes[i], int(i))
            a_in = float(in_parent.get((int(i), parents[i]), 0.0))
            off = float(grid_area[i] - a_in)
            msg = _msg(
                "wrong_parent",
                label=label,
                home=home_code[i],
                parent=parents[i],
                off=_m2(off),
                at=_at(lon[i], lat[i]),
            )
            problems.append(_problem("outside_community", codes[i], lon[i], lat[i], off, msg))
    return problems


def _overlap_problems(
    codes: NDArray[np.object_],
    rows: NDArray[np.intp],
    basic_m: Geoms,
    to_wgs: pyproj.Transformer,
    settings: Settings,
) -> list[Problem]:
    tree = shapely.STRtree(basic_m)
    a, b = tree.query(basic_m, predicate="intersects")
    pair = a < b
    a, b = a[pair], b[pair]
    # Neighbours in a tiling share an edge: "touches" rules them out without an intersection.
    inner = ~shapely.touches(basic_m[a], basic_m[b])
    a, b = a[inner], b[inner]
    if not len(a):
        return []
    inter = shapely.intersection(basic_m[a], basic_m[b])
    inter = _polygonal_parts(np.asarray(inter, dtype=object))
    area = shapely.area(inter)
    big = area > settings.overlap_tolerance_m2
    a, b, inter, area = a[big], b[big], inter[big], area[big]
    wgs = _project(inter, to_wgs)
    lon, lat = _points(wgs)
    problems = []
    for k in range(len(a)):
        i, j = int(rows[a[k]]), int(rows[b[k]])
        first, second = sorted(
            [_label(codes[i], i), _label(codes[j], j)],
            key=lambda v: v.text("en") if isinstance(v, Msg) else v,
        )
        msg = _msg("overlap", a=first, b=second, area=_m2(area[k]), at=_at(lon[k], lat[k]))
        pair = "|".join(v.text("en") if isinstance(v, Msg) else v for v in (first, second))
        problems.append(_problem("overlap", pair, lon[k], lat[k], float(area[k]), msg, wgs[k]))
    return problems


#: Grid (metres) the gap search snaps to; see :func:`validate_grids`.
GAP_GRID_M = 0.01


def _gap_problems(
    basic_m: Geoms,
    comm_codes: NDArray[np.object_] | None,
    comm_m: Geoms | None,
    to_wgs: pyproj.Transformer,
    settings: Settings,
) -> list[Problem]:
    pieces: list[Geoms] = []
    owners: list[NDArray[np.intp]] = []
    tree = shapely.STRtree(basic_m)
    unions: list[Any] = []
    if comm_m is not None and comm_codes is not None:
        # (a) each community's area that no basic grid covers.
        ci, gi = tree.query(comm_m, predicate="intersects")
        cover = _group_unions(len(comm_m), ci, basic_m[gi])
        unions.extend(cover)
        uncovered = shapely.difference(comm_m, cover)
        p, o = _pieces(np.asarray(uncovered, dtype=object), np.arange(len(comm_m)))
        pieces.append(p)
        owners.append(o)
        stray = np.setdiff1d(np.arange(len(basic_m)), gi)
        unions.extend(basic_m[stray])
        union = shapely.union_all(np.asarray(unions, dtype=object))
    else:
        union = shapely.union_all(basic_m)
    # (b) holes enclosed by basic grids; with communities, only their parts outside every
    # community, since (a) already reported the rest.
    polys = shapely.get_parts(_polygonal_parts(np.array([union], dtype=object)))
    n_rings = shapely.get_num_interior_rings(polys)
    if n_rings.sum():
        owner_poly = np.repeat(np.arange(len(polys)), n_rings)
        ring_no = np.arange(len(owner_poly)) - np.repeat(np.cumsum(n_rings) - n_rings, n_rings)
        rings = shapely.get_interior_ring(polys[owner_poly], ring_no)
        holes = shapely.polygons(rings)
        # An island grid inside a hole covers part of it.
        hi, hg = tree.query(holes, predicate="intersects")
        holes = shapely.difference(holes, _clipped_unions(holes, hi, basic_m[hg]))
        if comm_m is not None:
            hi, hc = shapely.STRtree(comm_m).query(holes, predicate="intersects")
            holes = shapely.difference(holes, _clipped_unions(holes, hi, comm_m[hc]))
        p, o = _pieces(holes, np.full(len(holes), -1))
        pieces.append(p)
        owners.append(o)
    if not pieces:
        return []
    gaps = np.concatenate(pieces)
    owner = np.concatenate(owners)
    area = shapely.area(gaps)
    big = area > settings.gap_tolerance_m2
    gaps, owner, area = gaps[big], owner[big], area[big]
    wgs = _project(gaps, to_wgs)
    lon, lat = _points(wgs)
    problems = []
    for k in range(len(gaps)):
        code = comm_codes[owner[k]] if comm_codes is not None and owner[k] >= 0 else None
        where = (
            _msg("gap_in_community", code=code)
            if code is not None
            else _msg("gap_enclosed_outside" if comm_m is not None else "gap_enclosed")
        )
        msg = _msg("gap", where=where, area=_m2(area[k]), at=_at(lon[k], lat[k]))
        problems.append(_problem("gap", code, lon[k], lat[k], float(area[k]), msg, wgs[k]))
    return problems


def _household_problems(
    codes: NDArray[np.object_],
    basic: NDArray[np.bool_],
    households: NDArray[np.float64],
    population: NDArray[np.float64],
    lon: NDArray[np.float64],
    lat: NDArray[np.float64],
    settings: Settings,
) -> list[Problem]:
    problems: list[Problem] = []
    missing = basic & np.isnan(households)
    for i in np.flatnonzero(missing):
        msg = _msg("missing_households", label=_label(codes[i], int(i)), at=_at(lon[i], lat[i]))
        problems.append(_problem("missing_households", codes[i], lon[i], lat[i], None, msg))
    hh, pop = households, population
    with np.errstate(invalid="ignore", divide="ignore"):
        per = np.where(hh > 0, pop / hh, np.nan)
    low, high = _PERSONS_PER_HOUSEHOLD
    bad_count = (hh <= 0) | (hh > settings.max_households)
    bad_ratio = ~np.isnan(per) & ((per < low) | (per > high))
    for i in np.flatnonzero(bad_count | bad_ratio):
        why: list[Msg] = []
        if hh[i] <= 0:
            why.append(_msg("households_not_positive", hh=f"{hh[i]:,.0f}"))
        elif hh[i] > settings.max_households:
            why.append(
                _msg(
                    "households_above_max",
                    hh=f"{hh[i]:,.0f}",
                    max=f"{settings.max_households:,}",
                )
            )
        if bad_ratio[i]:
            why.append(
                _msg(
                    "persons_per_household",
                    per=f"{per[i]:.1f}",
                    pop=f"{pop[i]:,.0f}",
                    hh=f"{hh[i]:,.0f}",
                    low=f"{low:g}",
                    high=f"{high:g}",
                )
            )
        msg = _msg(
            "implausible_households",
            label=_label(codes[i], int(i)),
            why=tuple(why),
            at=_at(lon[i], lat[i]),
        )
        problems.append(_problem("implausible_households", codes[i], lon[i], lat[i], None, msg))
    return problems


# --- entry point ----------------------------------------------------------------------------
def _sort_key(p: Problem) -> tuple[int, str, float, float, str]:
    lon = math.inf if math.isnan(p.lon) else p.lon
    lat = math.inf if math.isnan(p.lat) else p.lat
    return (_KIND_ORDER[p.kind], "" if p.code is None else p.code, lon, lat, p.message)


def validate_grids(
    grids: gpd.GeoDataFrame,
    communities: gpd.GeoDataFrame | None = None,
    *,
    settings: Settings = _DEFAULT_SETTINGS,
    repaired: NDArray[np.bool_] | None = None,
) -> ValidationReport:
    """Check a grid layer and report every problem with its location and size.

    Parameters
    ----------
    grids
        Grids in EPSG:4326 with a ``code`` column and optionally ``grid_type``
        ("basic"/"professional"; missing means basic), ``households``, ``population`` and
        ``parent_code``.
    communities
        Community polygons in EPSG:4326 with a ``code`` column; enables the nesting checks
        and per-community gaps.
    settings
        Tolerances: ``overlap_tolerance_m2``, ``gap_tolerance_m2``, ``containment_share``,
        ``max_households``.
    repaired
        Boolean mask aligned with ``grids`` of rows a caller already repaired (at import);
        they are reported as ``repaired_geometry``.

    Returns
    -------
    ValidationReport
        Problems sorted by kind (:data:`PROBLEM_KINDS` order) then code. Invalid input
        geometries are repaired (and reported) before the other checks; grids without a
        polygon are left out of the geometric checks.

    Raises
    ------
    CrsError
        If ``grids`` or ``communities`` is not in EPSG:4326.
    SchemaError
        If a ``code`` column is missing or ``repaired`` has the wrong length.
    """
    _check_wgs84(grids, "grids")
    if schema.CODE not in grids.columns:
        raise SchemaError(f"grids: no {schema.CODE!r} column (columns: {list(grids.columns)})")
    if communities is not None:
        _check_wgs84(communities, "communities")
        if schema.CODE not in communities.columns:
            raise SchemaError(
                f"communities: no {schema.CODE!r} column (columns: {list(communities.columns)})"
            )
    n = len(grids)
    if repaired is None:
        caller_repair = np.zeros(n, dtype=bool)
    else:
        caller_repair = np.asarray(repaired, dtype=bool)
        if caller_repair.shape != (n,):
            raise SchemaError(f"repaired: mask of shape {caller_repair.shape}, need ({n},)")

    codes = _as_codes(grids[schema.CODE])
    parents = (
        _as_codes(grids[schema.PARENT_CODE])
        if schema.PARENT_CODE in grids.columns
        else np.full(n, None, dtype=object)
    )
    if schema.GRID_TYPE in grids.columns:
        types = grids[schema.GRID_TYPE].map(
            lambda v: None if v is None or pd.isna(v) else schema.GRID_TYPES.parse(v)
        )
        basic = (types != "professional").to_numpy(dtype=bool)
    else:
        basic = np.ones(n, dtype=bool)

    raw = np.asarray(grids.geometry.to_numpy(), dtype=object)
    fixed_series, own_repair = repair_geometries(gpd.GeoSeries(raw, crs=grids.crs))
    fixed = np.asarray(fixed_series.to_numpy(), dtype=object)
    usable = ~(shapely.is_missing(fixed) | shapely.is_empty(fixed))
    lon, lat = _points(fixed)

    problems: list[Problem] = []
    area_change = np.zeros(n)
    if usable.any():
        utm = _utm_crs(gpd.GeoSeries(fixed[usable], crs=grids.crs))
        to_m = pyproj.Transformer.from_crs(4326, utm, always_xy=True)
        to_wgs = pyproj.Transformer.from_crs(utm, 4326, always_xy=True)
        grid_m = np.full(n, None, dtype=object)
        grid_m[usable] = _project(fixed[usable], to_m)
        grid_area = np.zeros(n)
        grid_area[usable] = shapely.area(grid_m[usable])
        fixed_rows = usable & own_repair
        if fixed_rows.any():
            area_change[fixed_rows] = grid_area[fixed_rows] - shapely.area(
                _project(raw[fixed_rows], to_m)
            )

        comm_codes: NDArray[np.object_] | None = None
        comm_m: Geoms | None = None
        if communities is not None and len(communities):
            comm_fixed, comm_bad = repair_geometries(communities.geometry)
            if comm_bad.any():
                log.info("repaired %d invalid community geometries", int(comm_bad.sum()))
            cvals = np.asarray(comm_fixed.to_numpy(), dtype=object)
            cok = ~(shapely.is_missing(cvals) | shapely.is_empty(cvals))
            comm_codes = _as_codes(communities[schema.CODE])[cok]
            comm_m = _project(cvals[cok], to_m)
            nested = _community_problems(
                codes, parents, grid_m, grid_area, lon, lat, comm_codes, comm_m, settings
            )
            problems.extend(nested)

        rows = np.flatnonzero(usable & basic)
        if len(rows):
            basic_m = grid_m[rows]
            problems.extend(_overlap_problems(codes, rows, basic_m, to_wgs, settings))
            # Gaps come from unions and differences of many polygons, where GEOS's floating
            # overlay can fail on sub-millimetre slivers and return a whole community as
            # uncovered. Snap-rounded overlay on a 1 cm grid is robust and far below the
            # 1 m² tolerance.
            snap = GAP_GRID_M
            problems.extend(
                _gap_problems(
                    shapely.set_precision(basic_m, snap),
                    comm_codes,
                    None if comm_m is None else shapely.set_precision(comm_m, snap),
                    to_wgs,
                    settings,
                )
            )

    problems.extend(
        _geometry_problems(codes, raw, fixed, own_repair, caller_repair, area_change, lon, lat)
    )
    problems.extend(_duplicate_problems(codes, lon, lat))
    problems.extend(
        _household_problems(
            codes,
            basic,
            _numeric(grids, schema.HOUSEHOLDS),
            _numeric(grids, schema.POPULATION),
            lon,
            lat,
            settings,
        )
    )
    problems.sort(key=_sort_key)
    return ValidationReport(tuple(problems), n)
