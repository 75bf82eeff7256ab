"""Workload of grid workers, household bands and balance diagnostics per grid/community/street.

A grid worker's load is measured in **household equivalents**:

``workload = w_households·households + w_population·population
+ Σ_class w_class·incidents_per_year[class] + w_area_km2·area_km2``

Defaults (documented in :class:`WorkloadSettings`, all configurable) count one household
as 1, population 0 (households already stand for it), one general incident a year as 1,
one emergency as 3 and one dispute mediation as 2 (disputes and emergencies take several
visits), and 20 per km² (walking a large grid costs time). These are planning judgements,
not national rules; the household band (300–500 for urban grids, 100–300 for villages by
default) is likewise configurable per community type.

Geometry is measured only in a metric CRS (:func:`gridmap.crs.to_metric`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from numpy.typing import ArrayLike, NDArray

from .. import schema
from ..crs import to_metric
from ..errors import SchemaError
from ..i18n import t
from ..indexing import cells_to_points
from .balance import band_columns
from .incidents import HANDLING_CODES, IncidentTable

__all__ = [
    "COMMUNITY_TYPES",
    "MEASURES",
    "MEASURE_UNITS",
    "WorkloadSettings",
    "band_sentence",
    "community_diagnostics",
    "community_type",
    "default_measure",
    "grid_diagnostics",
    "grids_needed",
    "incident_load",
    "parse_band",
    "polsby_popper",
    "relative_band",
    "sentence_pair",
    "staffing",
    "street_diagnostics",
    "unit_incident_load",
    "walking_radius_m",
]

#: Community types that carry their own household band.
COMMUNITY_TYPES: tuple[str, ...] = ("urban", "village")

FloatArray = NDArray[np.float64]

#: What a rebalancing can balance: households (the register), population (residents), or the
#: workload of the model below (household equivalents: households, weighted incidents, area).
MEASURES: tuple[str, ...] = ("households", "population", "workload")

#: The unit a measure is counted in, zh and en (used after numbers in sentences).
MEASURE_UNITS: dict[str, tuple[str, str]] = {
    "households": ("户", "households"),
    "population": ("人", "residents"),
    "workload": ("户当量", "household equivalents"),
}

#: Default band of a measure without a national rule (population, workload): this share
#: below and above the mean per basic grid of the workspace.
RELATIVE_BAND = (0.8, 1.2)


@dataclass(frozen=True)
class WorkloadSettings:
    """Weights of the workload model and the household bands; validated on creation.

    Parameters
    ----------
    urban_band, village_band
        (low, high) households per basic grid in an urban community (社区) and a village
        (村). Default 300–500 and 100–300: common municipal practice, not a national rule.
    w_households, w_population
        Household equivalents per household and per resident.
    w_general, w_emergency, w_dispute
        Household equivalents per incident a year of each handling class (一般事项,
        应急事项, 矛盾调解); incidents without a class count as general.
    w_area_km2
        Household equivalents per km² of grid (walking time).
    incident_window_days
        Incidents of this many days up to the newest one are counted, scaled to a year.
    max_walk_radius_m
        A grid whose worker must walk farther than this from its centre is flagged.
    worker_capacity
        Household equivalents one grid worker can carry (the staffing what-if).
    """

    urban_band: tuple[int, int] = (300, 500)
    village_band: tuple[int, int] = (100, 300)
    w_households: float = 1.0
    w_population: float = 0.0
    w_general: float = 1.0
    w_emergency: float = 3.0
    w_dispute: float = 2.0
    w_area_km2: float = 20.0
    incident_window_days: int = 365
    max_walk_radius_m: float = 1000.0
    worker_capacity: float = 600.0

    def __post_init__(self) -> None:
        problems = []
        for name in ("urban_band", "village_band"):
            band = getattr(self, name)
            ok = (
                isinstance(band, tuple)
                and len(band) == 2
                and all(isinstance(v, int | np.integer) for v in band)
                and 0 < band[0] < band[1]
            )
            if not ok:
                problems.append(f"{name}={band!r} (need two whole numbers 0 < low < high)")
        for name in (
            "w_households",
            "w_population",
            "w_general",
            "w_emergency",
            "w_dispute",
            "w_area_km2",
        ):
            value = getattr(self, name)
            if not (isinstance(value, int | float) and math.isfinite(value) and value >= 0):
                problems.append(f"{name}={value!r} (must be a number >= 0)")
        if not (isinstance(self.incident_window_days, int) and self.incident_window_days >= 1):
            problems.append(f"incident_window_days={self.incident_window_days!r} (must be >= 1)")
        if not self.max_walk_radius_m > 0:
            problems.append(f"max_walk_radius_m={self.max_walk_radius_m!r} (must be > 0)")
        if not self.worker_capacity > 0:
            problems.append(f"worker_capacity={self.worker_capacity!r} (must be > 0)")
        if problems:
            raise SchemaError("invalid workload settings: " + "; ".join(problems))

    def workload(
        self,
        households: ArrayLike,
        population: ArrayLike,
        incident_load: ArrayLike,
        area_m2: ArrayLike,
    ) -> NDArray[np.float64]:
        """Household equivalents (the module's formula): units, grids and plans all add up
        the same way."""
        f = np.float64
        return (
            self.w_households * np.asarray(households, f)
            + self.w_population * np.asarray(population, f)
            + np.asarray(incident_load, f)
            + self.w_area_km2 * np.asarray(area_m2, f) / 1e6
        )

    def band(self, ctype: str) -> tuple[int, int]:
        """The household band of a community type (``urban`` or ``village``)."""
        if ctype == "village":
            return self.village_band
        if ctype == "urban":
            return self.urban_band
        raise SchemaError(f"community type {ctype!r}; allowed: {', '.join(COMMUNITY_TYPES)}")

    def class_weights(self) -> FloatArray:
        """Weights in :data:`gridmap.analytics.incidents.HANDLING_CODES` order."""
        by_code = {
            "general": self.w_general,
            "emergency": self.w_emergency,
            "dispute": self.w_dispute,
        }
        return np.asarray([by_code[c] for c in HANDLING_CODES], dtype=np.float64)


def parse_band(text: str, *, what: str = "--band") -> tuple[int, int]:
    """``"300-500"`` (also ``300–500`` or ``300,500``) → ``(300, 500)``.

    Examples
    --------
    >>> parse_band("300-500")
    (300, 500)
    """
    parts = str(text).replace("–", "-").replace(",", "-").split("-")
    try:
        lo, hi = (int(p.strip()) for p in parts)
    except ValueError:
        raise SchemaError(
            f"{what} {text!r}: expected LOW-HIGH in the balanced measure's units, e.g. 300-500"
        ) from None
    if not 0 < lo < hi:
        raise SchemaError(f"{what} {text!r}: need 0 < LOW < HIGH, e.g. 300-500")
    return lo, hi


def default_measure(households: ArrayLike) -> str:
    """``households`` when any grid has a household count, else ``workload``.

    A workspace imported without household counts (common outside China) would otherwise
    show every grid as empty and under the band.
    """
    h = pd.to_numeric(pd.Series(np.asarray(households, dtype=object)), errors="coerce")
    return "households" if bool((h.fillna(0) > 0).any()) else "workload"


def relative_band(mean: float, share: tuple[float, float] = RELATIVE_BAND) -> tuple[int, int]:
    """The default band of a measure without a rule: ``share`` × the mean per grid, in
    two significant figures, as whole numbers with ``0 < low < high``.

    Examples
    --------
    >>> relative_band(5531.0)
    (4400, 6600)
    >>> relative_band(0.4)
    (1, 2)
    """

    def sig2(x: float) -> int:
        if x <= 0 or not math.isfinite(x):
            return 0
        digits = max(math.floor(math.log10(x)) - 1, 0)
        return int(round(x / 10**digits) * 10**digits)

    lo = max(sig2(mean * share[0]), 1)
    hi = max(sig2(mean * share[1]), lo + 1)
    return lo, hi


def community_type(name: object) -> str:
    """``village`` for a 村 / 村委会 / 嘎查, else ``urban`` (社区, 居委会, anything unnamed).

    Examples
    --------
    >>> community_type("刘家川村"), community_type("西湖社区")
    ('village', 'urban')
    """
    text = str(name).strip() if isinstance(name, str) else ""
    return "village" if text.endswith(("村", "村委会", "村民委员会", "嘎查")) else "urban"


def grids_needed(households: float, band: tuple[int, int]) -> tuple[int, int]:
    """(fewest, most) grids whose households could all lie in ``band``.

    The fewest is ``ceil(H / high)``, the most ``floor(H / low)``; when the fewest exceeds
    the most no whole number of grids fits the band (e.g. 520 households in 300–500).

    Examples
    --------
    >>> grids_needed(1430, (300, 500))
    (3, 4)
    >>> grids_needed(520, (300, 500))
    (2, 1)
    """
    lo, hi = band
    h = max(float(households), 0.0)
    return max(math.ceil(h / hi), 1), math.floor(h / lo)


def band_sentence(
    name: str,
    households: float,
    band: tuple[int, int],
    n_grids: int | None = None,
    *,
    measure: str = "households",
) -> tuple[str, str]:
    """The zh/en sentence explaining how many grids a community's total needs.

    ``households`` is the community's total of ``measure`` (households by default; the
    sentence names the measure's unit, :data:`MEASURE_UNITS`). A community without
    admin code (grids imported without a parent) is named "all grids".

    Examples
    --------
    >>> band_sentence("西湖社区", 1430, (300, 500))[1]
    'community 西湖社区 has 1,430 households: the band 300–500 needs 3–4 grids'
    """
    lo, hi = band
    u = MEASURE_UNITS.get(measure, MEASURE_UNITS["households"])
    kmin, kmax = grids_needed(households, band)
    h = round(float(households))
    # A name already saying 社区/村 is not prefixed again ("社区西湖社区").
    if not name:
        who = sentence_pair("reb.s.all_grids")
    elif name.endswith(("社区", "村", "居委会", "村委会")):
        who = sentence_pair("reb.s.community.named", name=name)
    else:
        who = sentence_pair("reb.s.community", name=name)
    common: dict[str, object] = {"who": who, "h": h, "lo": lo, "hi": hi, "u": u}
    if h < lo:
        return sentence_pair("reb.s.band.too_few", **common)
    if kmin > kmax:
        return sentence_pair("reb.s.band.no_fit", k_over=kmin - 1, k_under=kmin, **common)
    if kmin != kmax:
        need = sentence_pair("reb.s.need.range", kmin=kmin, kmax=kmax)
    else:
        need = sentence_pair("reb.s.need.many" if kmin > 1 else "reb.s.need.one", k=kmin)
    zh, en = sentence_pair("reb.s.band.needs", need=need, **common)
    if n_grids is not None:
        has = sentence_pair("reb.s.band.has", n=n_grids)
        zh, en = zh + has[0], en + has[1]
    return zh, en


def sentence_pair(key: str, **params: object) -> tuple[str, str]:
    """The catalogue sentence ``key`` (:func:`gridmap.i18n.t`) in Chinese and in English.

    A parameter given as a ``(zh, en)`` tuple takes its wording in each language (a
    measure's unit, a name the sentence words differently); other values are the same in
    both. Tables keep both sentences, so a page shows either without recomputing.

    >>> sentence_pair("reb.s.need.range", kmin=3, kmax=4)
    ('3–4个', '3–4 grids')
    """

    def one(lang: str, i: int) -> str:
        values = {k: v[i] if isinstance(v, tuple) else v for k, v in params.items()}
        return t(key, lang, **values)

    return one("zh", 0), one("en", 1)


# --- geometry measures ----------------------------------------------------------------------
def polsby_popper(geoms: gpd.GeoSeries) -> FloatArray:
    """Polsby-Popper compactness ``4πA / P²`` in [0, 1] (1 for a disc, π/4 for a square).

    EPSG:4326 input is measured in its UTM zone; metric input is used as is. Empty or
    missing geometries give NaN.

    Examples
    --------
    >>> import shapely
    >>> sq = gpd.GeoSeries([shapely.box(0, 0, 100, 100)], crs=32648)
    >>> round(float(polsby_popper(sq)[0]), 6) == round(math.pi / 4, 6)
    True
    """
    metric = _metric(geoms)
    area = metric.area.to_numpy(dtype=np.float64)
    perim = metric.length.to_numpy(dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        pp = 4.0 * math.pi * area / perim**2
    return np.where(perim > 0, pp, np.nan)


def pp_from_parts(area_m2: ArrayLike, perimeter_m: ArrayLike) -> FloatArray:
    """Polsby-Popper from areas and perimeters (NaN where the perimeter is 0)."""
    a = np.asarray(area_m2, dtype=np.float64)
    p = np.asarray(perimeter_m, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(p > 0, 4.0 * math.pi * a / p**2, np.nan)


def walking_radius_m(geoms: gpd.GeoSeries) -> FloatArray:
    """Farthest walk (m) from a grid's centre: the radius of its minimum bounding circle."""
    metric = _metric(geoms)
    return np.asarray(shapely.minimum_bounding_radius(metric.to_numpy()), dtype=np.float64)


def _metric(geoms: gpd.GeoSeries | gpd.GeoDataFrame) -> gpd.GeoSeries:
    series = geoms.geometry if isinstance(geoms, gpd.GeoDataFrame) else geoms
    if series.crs is not None and series.crs.is_projected:
        return series
    return to_metric(series)


def _parts(geoms: gpd.GeoSeries) -> NDArray[np.int64]:
    arr = np.asarray(geoms.to_numpy(), dtype=object)
    n = np.asarray(shapely.get_num_geometries(arr), dtype=np.int64)
    return np.where(shapely.is_empty(arr) | shapely.is_missing(arr), 0, n)


# --- incidents ------------------------------------------------------------------------------
def incident_load(
    table: IncidentTable, *, settings: WorkloadSettings | None = None
) -> pd.DataFrame:
    """Incidents a year per grid and handling class, and their weighted sum.

    Counts the last ``settings.incident_window_days`` days up to the newest incident and
    scales them to 365 days. Returns a frame indexed by grid code (every grid of the table)
    with one column per handling class and ``incident_load`` (household equivalents).
    """
    s = settings or WorkloadSettings()
    codes = pd.Index(table.grid_codes, name=schema.CODE)
    cols = list(HANDLING_CODES)
    if not len(table):
        out = pd.DataFrame(0.0, index=codes, columns=cols)
        out["incident_load"] = 0.0
        return out
    lo, scale = _window(table, s)
    grid = table.grid[lo:]
    handling = table.handling[lo:].astype(np.int64)
    handling = np.where(handling < 0, 0, handling)  # unknown counts as general
    ok = grid >= 0
    n_grids, n_cls = len(codes), len(cols)
    flat = np.bincount(
        grid[ok].astype(np.int64) * n_cls + handling[ok], minlength=n_grids * n_cls
    ).reshape(n_grids, n_cls)
    per_year = flat * scale
    out = pd.DataFrame(per_year, index=codes, columns=cols)
    out["incident_load"] = per_year @ s.class_weights()
    return out


def _window(table: IncidentTable, s: WorkloadSettings) -> tuple[int, float]:
    """First index inside the counting window, and the factor scaling it to a year."""
    end = int(table.occurred_s[-1])
    lo = int(np.searchsorted(table.occurred_s, end - s.incident_window_days * 86_400, "right"))
    span_days = max(min(s.incident_window_days, (end - int(table.occurred_s[0])) / 86_400), 1.0)
    return lo, 365.0 / span_days


def unit_incident_load(
    units: gpd.GeoDataFrame, table: IncidentTable, *, settings: WorkloadSettings | None = None
) -> FloatArray:
    """Weighted incidents a year inside each unit polygon (household equivalents).

    Incidents are placed by the centre of their stored res-11 H3 cell (about 25 m from the
    point at most), which turns a few hundred thousand points into far fewer distinct
    locations. Units are polygons in EPSG:4326; an incident inside several (overlapping)
    units counts for the first.
    """
    s = settings or WorkloadSettings()
    out = np.zeros(len(units), dtype=np.float64)
    if not len(table) or not len(units):
        return out
    lo, scale = _window(table, s)
    cell = table.cell[lo:]
    handling = table.handling[lo:].astype(np.int64)
    weight = s.class_weights()[np.where(handling < 0, 0, handling)]
    ok = cell != 0
    cells, inv = np.unique(cell[ok], return_inverse=True)
    per_cell = np.bincount(inv, weight[ok], minlength=cells.size)
    lon, lat = cells_to_points(cells)
    tree = shapely.STRtree(np.asarray(units.geometry.to_numpy(), dtype=object))
    pi, ui = tree.query(shapely.points(lon, lat), predicate="within")
    first = np.unique(pi, return_index=True)[1]
    np.add.at(out, ui[first], per_cell[pi[first]])
    return out * scale


# --- diagnostics ----------------------------------------------------------------------------
def grid_diagnostics(
    grids: gpd.GeoDataFrame,
    *,
    admin: gpd.GeoDataFrame | None = None,
    incidents: pd.DataFrame | None = None,
    locked: frozenset[str] = frozenset(),
    settings: WorkloadSettings | None = None,
    band: tuple[int, int] | None = None,
    measure: str = "households",
) -> pd.DataFrame:
    """One row per basic grid: households, workload, band, deviation, compactness, contiguity.

    Parameters
    ----------
    grids
        Grids of one version (EPSG:4326) with ``code``, ``parent_code``, ``grid_type``,
        ``households`` (``population``, ``worker``, ``name`` optional). Professional grids
        are left out: they own no households and are never rebalanced.
    admin
        The admin layer, for community names, types (urban/village) and streets.
    incidents
        :func:`incident_load` output (indexed by grid code); None counts no incidents.
    locked
        Grid codes the planner locked (reported, never changed by suggestions).
    band
        One band for every grid, overriding the per-type bands of ``settings``; in the
        units of ``measure``. Without it, households use the per-type bands and population
        or workload :func:`relative_band` of their mean per grid.
    measure
        What the band, ``in_band``, ``band_gap`` and ``deviation_pct`` are about
        (:data:`MEASURES`); its values are the ``measure`` column.

    Returns
    -------
    pandas.DataFrame
        Indexed by grid code, columns ``name, community, community_name, community_type,
        street, worker, households, population, incident_load, area_km2, workload,
        measure, band_low, band_high, in_band, band_gap, deviation_pct, compactness, contiguous,
        parts, walk_radius_m, walk_ok, locked``. ``band_gap`` is the measure outside
        the band (0 inside it); ``deviation_pct`` is the deviation from the mean of the
        measure over the community's basic grids.
    """
    s = settings or WorkloadSettings()
    gtype = (
        grids[schema.GRID_TYPE].fillna("basic")
        if schema.GRID_TYPE in grids
        else pd.Series("basic", index=grids.index)
    )
    basic = grids[gtype.to_numpy() == "basic"]
    codes = basic[schema.CODE].astype(str).to_numpy()
    community = (
        basic[schema.PARENT_CODE].astype("string").fillna("").to_numpy(dtype=object)
        if schema.PARENT_CODE in basic
        else np.full(len(basic), "", dtype=object)
    )
    names, ctypes, streets = _admin_lookups(admin)
    hh = pd.to_numeric(basic[schema.HOUSEHOLDS], errors="coerce").fillna(0).to_numpy(np.float64)
    pop = (
        pd.to_numeric(basic[schema.POPULATION], errors="coerce").fillna(0).to_numpy(np.float64)
        if schema.POPULATION in basic
        else np.zeros(len(basic))
    )
    metric = _metric(basic.geometry)
    area_km2 = metric.area.to_numpy(dtype=np.float64) / 1e6
    inc = (
        incidents["incident_load"].reindex(codes).fillna(0.0).to_numpy(np.float64)
        if incidents is not None
        else np.zeros(len(basic))
    )
    ctype = np.asarray([ctypes.get(c, community_type(names.get(c))) for c in community])
    bands = np.asarray(
        [band if band is not None else s.band(t) for t in ctype], dtype=np.float64
    ).reshape(-1, 2)
    workload = s.workload(hh, pop, inc, area_km2 * 1e6)
    if measure not in MEASURES:
        raise SchemaError(f"measure={measure!r}; allowed: {', '.join(MEASURES)}")
    value = {"households": hh, "population": pop, "workload": workload}[measure]
    if measure != "households" and band is None and len(value):
        bands[:] = relative_band(float(value.mean()))
    lo, hi = bands[:, 0], bands[:, 1]
    judged = band_columns(value, lo, hi, pd.factorize(community)[0])
    parts = _parts(metric)
    walk = walking_radius_m(metric)
    out = pd.DataFrame(
        {
            schema.NAME: basic[schema.NAME].astype("string").fillna("").to_numpy(dtype=object)
            if schema.NAME in basic
            else codes,
            "community": community,
            "community_name": [names.get(c, c) for c in community],
            "community_type": ctype,
            "street": [streets.get(c, "") for c in community],
            schema.WORKER: basic[schema.WORKER].astype("string").fillna("").to_numpy(dtype=object)
            if schema.WORKER in basic
            else "",
            schema.HOUSEHOLDS: hh.astype(np.int64),
            schema.POPULATION: pop.astype(np.int64),
            "incident_load": inc,
            "area_km2": area_km2,
            "workload": workload,
            "measure": value,
            "band_low": lo.astype(np.int64),
            "band_high": hi.astype(np.int64),
            "in_band": judged["in_band"],
            "band_gap": judged["band_gap"],
            "deviation_pct": judged["deviation_pct"],
            "compactness": polsby_popper(metric),
            "contiguous": parts == 1,
            "parts": parts,
            "walk_radius_m": walk,
            "walk_ok": walk <= s.max_walk_radius_m,
            "locked": np.isin(codes, list(locked)),
        },
        index=pd.Index(codes, name=schema.CODE),
    )
    return out


def _admin_lookups(
    admin: gpd.GeoDataFrame | None,
) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """Community names, community types and each community's street, by code."""
    if admin is None or not len(admin):
        return {}, {}, {}
    code = admin[schema.CODE].astype(str)
    name = admin[schema.NAME].astype("string").fillna("") if schema.NAME in admin else code
    level = admin[schema.LEVEL].astype("string").fillna("") if schema.LEVEL in admin else None
    parent = (
        admin[schema.PARENT_CODE].astype("string").fillna("")
        if schema.PARENT_CODE in admin
        else pd.Series("", index=admin.index)
    )
    names = dict(zip(code, name.astype(str), strict=True))
    comm = (level == "community").to_numpy() if level is not None else np.ones(len(admin), bool)
    ctypes = {c: community_type(n) for c, n in zip(code[comm], name[comm], strict=True)}
    streets = dict(zip(code[comm], parent[comm].astype(str), strict=True))
    return names, ctypes, streets


def community_diagnostics(diag: pd.DataFrame, *, measure: str = "households") -> pd.DataFrame:
    """Per community: grids, households, mean, coefficient of variation, out-of-band grids,
    grids the band needs and the zh/en sentence explaining it.

    ``measure`` names the balanced measure (:data:`MEASURES`); its per-grid values are the
    ``measure`` column of ``diag`` when present (else ``households``). ``measure`` and
    ``mean_measure`` in the result are its community total and mean; ``cv``, the
    grids needed, ``feasible`` and the sentence are about it. ``cv`` is the standard
    deviation of the grids' values over their mean (population std, 0 for a single grid).
    ``feasible`` says whether some whole number of grids puts every grid in the band.
    """
    if not len(diag):
        return pd.DataFrame()
    if "measure" not in diag:
        diag = diag.assign(measure=diag[schema.HOUSEHOLDS].astype(np.float64))
    g = diag.groupby("community", sort=True)
    out = pd.DataFrame(
        {
            "community_name": g["community_name"].first(),
            "community_type": g["community_type"].first(),
            "street": g["street"].first(),
            "n_grids": g.size(),
            schema.HOUSEHOLDS: g[schema.HOUSEHOLDS].sum(),
            "workload": g["workload"].sum(),
            "mean_households": g[schema.HOUSEHOLDS].mean(),
            "measure": g["measure"].sum(),
            "mean_measure": g["measure"].mean(),
            "cv": g["measure"].std(ddof=0) / g["measure"].mean().replace(0, np.nan),
            "out_of_band": g["in_band"].apply(lambda s: int((~s).sum())),
            "band_gap": g["band_gap"].sum(),
            "band_low": g["band_low"].first(),
            "band_high": g["band_high"].first(),
            "mean_compactness": g["compactness"].mean(),
            "non_contiguous": g["contiguous"].apply(lambda s: int((~s).sum())),
            "locked": g["locked"].sum(),
        }
    )
    out["cv"] = out["cv"].fillna(0.0)
    need = [
        grids_needed(h, (int(lo), int(hi)))
        for h, lo, hi in zip(out["measure"], out["band_low"], out["band_high"], strict=True)
    ]
    out["grids_min"] = [n[0] for n in need]
    out["grids_max"] = [n[1] for n in need]
    out["feasible"] = out["grids_min"] <= out["grids_max"]
    sentences = [
        band_sentence(str(nm), h, (int(lo), int(hi)), int(k), measure=measure)
        for nm, h, lo, hi, k in zip(
            out["community_name"],
            out["measure"],
            out["band_low"],
            out["band_high"],
            out["n_grids"],
            strict=True,
        )
    ]
    out["sentence_zh"] = [s[0] for s in sentences]
    out["sentence_en"] = [s[1] for s in sentences]
    return out


def street_diagnostics(diag: pd.DataFrame) -> pd.DataFrame:
    """Per street: communities, grids, households, out-of-band grids, cv across its grids."""
    if not len(diag):
        return pd.DataFrame()
    g = diag.groupby("street", sort=True)
    return pd.DataFrame(
        {
            "communities": g["community"].nunique(),
            "n_grids": g.size(),
            schema.HOUSEHOLDS: g[schema.HOUSEHOLDS].sum(),
            "workload": g["workload"].sum(),
            "out_of_band": g["in_band"].apply(lambda s: int((~s).sum())),
            "cv": (
                g[schema.HOUSEHOLDS].std(ddof=0) / g[schema.HOUSEHOLDS].mean().replace(0, np.nan)
            ).fillna(0.0),
            "mean_compactness": g["compactness"].mean(),
        }
    )


def staffing(
    communities: pd.DataFrame,
    *,
    settings: WorkloadSettings | None = None,
    capacity: float | None = None,
) -> pd.DataFrame:
    """Staffing what-if: how many grid workers each community needs.

    ``by_band`` is the fewest grids keeping every grid at or under the band's high end,
    ``by_workload`` the workers needed to carry the community's workload at
    ``capacity`` household equivalents each; ``needed`` is the larger, ``change`` the
    difference to the grids (workers) it has now.
    """
    s = settings or WorkloadSettings()
    cap = float(capacity if capacity is not None else s.worker_capacity)
    if cap <= 0:
        raise SchemaError(f"capacity={cap} (must be > 0 household equivalents)")
    # The band is in the balanced measure's units (households unless said otherwise).
    total = communities["measure"] if "measure" in communities else communities[schema.HOUSEHOLDS]
    by_band = np.ceil(total / communities["band_high"]).astype(int)
    by_load = np.ceil(communities["workload"] / cap).astype(int)
    needed = np.maximum(np.maximum(by_band, by_load), 1)
    return pd.DataFrame(
        {
            "community_name": communities["community_name"],
            "workers_now": communities["n_grids"],
            "by_band": by_band,
            "by_workload": by_load,
            "needed": needed,
            "change": needed - communities["n_grids"],
        },
        index=communities.index,
    )
