"""Forecast methods for cell risk: plain baselines, decayed counts, Gaussian kernels, blends
and a self-exciting point process, each a score per study-area cell at a forecast origin.

Every method sees only incidents before the origin. Scores rank cells; only the order (and
ties) matters to the backtest in :mod:`gridmap.analytics.backtest`.

Method names (``--methods`` on the command line):

- ``prev_period``: counts of the period of the horizon's length just before the origin;
- ``last_365d``: counts of the 365 days before the origin;
- ``all_history``: counts of every incident before the origin;
- ``decay_<H>d``: counts weighted ``2 ** (-age / H)`` (half-life ``H`` days);
- ``kde_<B>m``: Gaussian kernel density of all-history counts at cell centres, bandwidth
  ``B`` metres (``sum_j count_j * exp(-d_ij**2 / (2 B**2))``, cut at ``4 B``);
- ``blend_<P>``: ``(1 - P/100)`` x all-history share + ``P/100`` x 30-day-decay share
  (long-term place + short-term flare-up; each term divided by its total first);
- ``sepp``: the self-exciting point process of :func:`fit_sepp` (Mohler et al. 2011).

Distances are in metres in a local equirectangular projection around the study area's
mean latitude: x = R cos(lat0) lon, y = R lat. Over a city (< 100 km) its error is far below
a cell's width.

References
----------
Mohler, G. O., Short, M. B., Brantingham, P. J., Schoenberg, F. P., & Tita, G. E. (2011).
Self-exciting point process modeling of crime. *JASA* 106(493), 100-108.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray
from scipy.spatial import cKDTree

from ..errors import SchemaError
from ..indexing import average_cell_area_m2

__all__ = [
    "BASELINES",
    "DEFAULT_METHODS",
    "CellSpace",
    "Events",
    "SeppFit",
    "fit_sepp",
    "gaussian_kernel",
    "method_scores",
    "parse_methods",
    "to_metres",
]

EARTH_RADIUS_M = 6_371_008.8
#: Baselines, always computed beside any method.
BASELINES: tuple[str, ...] = ("prev_period", "last_365d", "all_history")
#: Methods tried when none are named.
DEFAULT_METHODS: tuple[str, ...] = (
    "decay_14d",
    "decay_60d",
    "decay_180d",
    "decay_365d",
    "kde_150m",
    "kde_300m",
    "kde_600m",
    "blend_25",
    "blend_50",
    "sepp",
)
_PATTERNS = {
    "decay": re.compile(r"^decay_(\d+(?:\.\d+)?)d$"),
    "kde": re.compile(r"^kde_(\d+(?:\.\d+)?)m$"),
    "blend": re.compile(r"^blend_(\d{1,2})$"),
}
#: Short-term half-life of the blends (days).
BLEND_SHORT_HALF_LIFE = 30.0
#: Kernel support, in bandwidths: exp(-8) = 3e-4 of the centre weight is dropped beyond it.
KERNEL_CUTOFF = 4.0


def parse_methods(names: Sequence[str] | None) -> tuple[str, ...]:
    """The baselines followed by the named methods (default :data:`DEFAULT_METHODS`), once each.

    Raises
    ------
    SchemaError
        Naming every unknown method and the allowed forms.
    """
    wanted = DEFAULT_METHODS if names is None else tuple(n.strip() for n in names if n.strip())
    bad = [
        n
        for n in wanted
        if n not in BASELINES and n != "sepp" and not any(p.match(n) for p in _PATTERNS.values())
    ]
    bad += [n for n in wanted if (m := _PATTERNS["decay"].match(n)) and float(m[1]) <= 0]
    bad += [n for n in wanted if (m := _PATTERNS["kde"].match(n)) and float(m[1]) <= 0]
    bad += [n for n in wanted if (m := _PATTERNS["blend"].match(n)) and int(m[1]) == 0]
    if bad:
        raise SchemaError(
            f"unknown forecast method(s) {', '.join(dict.fromkeys(bad))}: allowed "
            + ", ".join(BASELINES)
            + ", decay_<days>d, kde_<metres>m, blend_<1..99>, sepp"
        )
    return tuple(dict.fromkeys((*BASELINES, *wanted)))


def to_metres(
    lon: NDArray[np.float64], lat: NDArray[np.float64], lat0: float
) -> NDArray[np.float64]:
    """``(n, 2)`` local equirectangular metres (x east, y north) around latitude ``lat0``."""
    k = EARTH_RADIUS_M * math.pi / 180.0
    return np.column_stack([lon * k * math.cos(math.radians(lat0)), lat * k])


def gaussian_kernel(xy: NDArray[np.float64], bandwidth_m: float) -> sp.csr_matrix:
    """Sparse ``K[i, j] = exp(-d_ij**2 / (2 h**2))`` for centres within ``4 h`` (diagonal 1).

    A KD-tree of the centres finds the pairs, so the cost grows with the pairs, not n**2.
    """
    n = len(xy)
    tree = cKDTree(xy)
    pairs = tree.query_pairs(KERNEL_CUTOFF * bandwidth_m, output_type="ndarray")
    i = np.concatenate([pairs[:, 0], pairs[:, 1], np.arange(n)])
    j = np.concatenate([pairs[:, 1], pairs[:, 0], np.arange(n)])
    d2 = np.sum((xy[i] - xy[j]) ** 2, axis=1)
    w = np.exp(-d2 / (2.0 * bandwidth_m**2))
    return sp.csr_matrix((w, (i, j)), shape=(n, n))


def _mass_kernel(xy: NDArray[np.float64], bandwidth_m: float) -> sp.csr_matrix:
    """:func:`gaussian_kernel` with columns summing to 1: spreads mass, keeps the total."""
    k = gaussian_kernel(xy, bandwidth_m).tocsc()
    col = np.asarray(k.sum(axis=0)).ravel()
    return sp.csr_matrix(k @ sp.diags(1.0 / col))


@dataclass
class CellSpace:
    """The study area's cells with their centres in metres and cached kernels."""

    cells: NDArray[np.uint64]
    xy: NDArray[np.float64]
    res: int
    _kernels: dict[tuple[str, float], sp.csr_matrix] = field(default_factory=dict, repr=False)

    @property
    def cell_area_m2(self) -> float:
        return average_cell_area_m2(self.res)

    def kernel(self, bandwidth_m: float, *, mass: bool = False) -> sp.csr_matrix:
        key = ("mass" if mass else "plain", float(bandwidth_m))
        if key not in self._kernels:
            make = _mass_kernel if mass else gaussian_kernel
            self._kernels[key] = make(self.xy, float(bandwidth_m))
        return self._kernels[key]


@dataclass(frozen=True)
class Events:
    """Located incidents inside the study area, sorted by time.

    ``day``: fractional days since 1970 (local time); ``pos``: position of the incident's
    cell in the study area; ``xy``: metres of its stored res-11 cell centre.
    """

    day: NDArray[np.float64]
    pos: NDArray[np.int64]
    xy: NDArray[np.float64]

    def window(self, start: float, stop: float) -> slice:
        """Incidents with ``start <= day < stop``."""
        lo = int(np.searchsorted(self.day, start, side="left"))
        hi = int(np.searchsorted(self.day, stop, side="left"))
        return slice(lo, hi)


@dataclass(frozen=True)
class SeppFit:
    """Parameters of the fitted self-exciting process (see :func:`fit_sepp`)."""

    theta: float  # expected direct offspring per incident (branching ratio)
    omega: float  # decay rate of triggering, per day (mean delay 1/omega days)
    sigma_m: float  # spatial spread of triggering, metres
    background_share: float  # share of incidents attributed to the background
    iterations: int
    events: int
    pairs: int
    background_bandwidth_m: float = 300.0


#: Candidate pairs filtered at a time by :func:`_trigger_pairs` (bounds its temporaries).
_PAIR_SLICE = 2_000_000


def _exact_pairs(
    pairs: NDArray[np.intp],
    lo: int,
    block_lo: int,
    day: NDArray[np.float64],
    xy: NDArray[np.float64],
    max_days: float,
    max_metres: float,
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """The ``(parent, child)`` of candidate ``pairs`` (positions from ``lo``) that lie in
    the space-time cylinder and whose child is in the block (from ``block_lo``)."""
    a = pairs[:, 0].astype(np.int64) + lo
    b = pairs[:, 1].astype(np.int64) + lo
    later = day[b] >= day[a]
    parent = np.where(later, a, b)
    child = np.where(later, b, a)
    dt = day[child] - day[parent]
    d2 = np.sum((xy[parent] - xy[child]) ** 2, axis=1)
    keep = (child >= block_lo) & (dt > 0) & (dt <= max_days) & (d2 <= max_metres**2)
    return parent[keep], child[keep]


def _trigger_pairs(
    day: NDArray[np.float64],
    xy: NDArray[np.float64],
    max_days: float,
    max_metres: float,
    max_pairs: int,
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64], NDArray[np.float64], int]:
    """Pairs ``(parent, child)`` with ``0 < dt <= max_days`` and distance ``<= max_metres``,
    positions relative to the returned ``cut`` (the first incident kept).

    Time blocks of ``max_days``, newest first: a KD-tree over (x, y, scaled time) of a block
    and the block before it finds candidates in a ball covering the space-time cylinder;
    exact filters follow. Blocks stop once ``max_pairs`` would be exceeded, so a dense city
    costs what ``max_pairs`` allows, not n**2.
    """
    n = day.size
    scale = max_metres / max_days
    parts: list[tuple[NDArray[np.int64], ...]] = []
    found = 0
    cut = 0
    hi = n
    while hi > 0:
        block_lo = int(np.searchsorted(day, day[hi - 1] - max_days, side="left"))
        block_lo = min(block_lo, hi - 1)
        lo = int(np.searchsorted(day, day[block_lo] - max_days, side="left"))
        pts = np.column_stack([xy[lo:hi], day[lo:hi] * scale])
        pairs = cKDTree(pts).query_pairs(math.sqrt(2.0) * max_metres, output_type="ndarray")
        # Candidates are filtered in slices, in their order: a dense city's block has tens of
        # millions of candidates, and whole-block temporaries took ~70 bytes each (GBs).
        block = [
            _exact_pairs(pairs[i : i + _PAIR_SLICE], lo, block_lo, day, xy, max_days, max_metres)
            for i in range(0, len(pairs), _PAIR_SLICE)
        ]
        del pairs
        kept = sum(p.size for p, _c in block)
        if found + kept > max_pairs and parts:
            cut = hi
            break
        if kept > max_pairs:
            # Even the newest block holds more pairs than allowed (a big city: 37 M at ten
            # million incidents, GBs while the fit runs): keep its newest incidents whose
            # pairs fit. A pair's child is later than its parent, so cutting on the parent
            # keeps whole pairs.
            parents = np.sort(np.concatenate([p for p, _c in block]))
            cut = int(parents[kept - max_pairs]) + 1
            parts.extend(block)
            break
        parts.extend(block)
        found += kept
        hi = block_lo
    parent = np.concatenate([p[0] for p in parts]) if parts else np.zeros(0, np.int64)
    child = np.concatenate([p[1] for p in parts]) if parts else np.zeros(0, np.int64)
    del parts
    if cut:
        inside = parent >= cut
        parent, child = parent[inside] - cut, child[inside] - cut
    dt = day[cut:][child] - day[cut:][parent]
    d2 = np.empty(parent.size)
    for i in range(0, parent.size, _PAIR_SLICE):  # slices: see above
        p, c = parent[i : i + _PAIR_SLICE], child[i : i + _PAIR_SLICE]
        d2[i : i + _PAIR_SLICE] = np.sum((xy[cut:][p] - xy[cut:][c]) ** 2, axis=1)
    return parent, child, dt, d2, cut


def fit_sepp(
    events: Events,
    space: CellSpace,
    *,
    start: float,
    stop: float,
    max_days: float = 60.0,
    max_metres: float = 500.0,
    background_bandwidth_m: float = 300.0,
    iterations: int = 40,
    tol: float = 1e-4,
    max_pairs: int = 4_000_000,
) -> SeppFit:
    """Fit a self-exciting point process by EM on the incidents of ``[start, stop)`` days.

    The conditional intensity (per m2 per day) at place ``s`` and time ``t`` is

    ``lambda(s, t) = mu(s) + sum_{t_i < t} theta * omega * exp(-omega (t - t_i))
    * exp(-|s - s_i|**2 / (2 sigma**2)) / (2 pi sigma**2)``

    (Mohler et al. 2011, with a parametric trigger as in their Section 3's variant). EM:
    the E-step gives each incident ``i`` the probability ``p_ii`` that it is background and
    ``p_ij`` that incident ``j`` triggered it; the M-step sets ``theta = sum p_ij / N``,
    ``1/omega = sum p_ij dt / sum p_ij``, ``sigma**2 = sum p_ij d**2 / (2 sum p_ij)`` and
    the background to the ``p_ii`` summed per cell and spread by a Gaussian of
    ``background_bandwidth_m`` (mass-preserving), divided by the window length and the cell
    area.

    Simplifications (documented, deliberate): the background is stationary in time; places
    are the centres of the incidents' res-11 cells (about 25 m); triggering is only looked for
    within ``max_days`` and ``max_metres`` (the likelihood's truncation of the kernels at
    those bounds is ignored, as is the window's edge); incidents at the same instant never
    trigger one another. When more than ``max_pairs`` pairs exist, the window is shortened
    to the most recent incidents whose pairs fit (time and memory stay bounded).

    Parameters
    ----------
    start, stop
        The training window, in days since 1970.

    Returns
    -------
    SeppFit
    """
    sl = events.window(start, stop)
    day = events.day[sl]
    xy = events.xy[sl]
    pos = events.pos[sl]
    n = day.size
    span = max(stop - start, 1.0)
    area = space.cell_area_m2
    if n < 2:
        return SeppFit(0.0, 1.0 / 7.0, 100.0, 1.0, 0, n, 0, float(background_bandwidth_m))
    parent, child, dt, d2, cut = _trigger_pairs(day, xy, max_days, max_metres, max_pairs)
    if cut:
        # Incidents piled on few places give pairs ~ n**2: the fit keeps the most recent
        # incidents whose pairs fit, so its time and memory stay bounded.
        day, xy, pos = day[cut:], xy[cut:], pos[cut:]
        n = day.size
        span = max(stop - float(day[0]), 1.0)

    kbg = space.kernel(background_bandwidth_m, mass=True)
    theta, omega, sigma2 = 0.2, 1.0 / 7.0, 100.0**2
    bg_share = 1.0 - theta
    p_bg = np.full(n, bg_share)
    # Two buffers per pair, reused by every iteration and computed in place (the same
    # operations in the same order, so the same numbers): a dense city has tens of millions
    # of pairs, and each temporary of the plain expressions cost hundreds of MB.
    g, p_pair = np.empty(dt.size), np.empty(dt.size)
    it = 0
    while it < iterations:
        it += 1
        cell_mass = np.bincount(pos, weights=p_bg, minlength=space.cells.size)
        mu = np.asarray(kbg @ cell_mass).ravel()[pos] / (span * area)
        # g = theta * omega * exp(-omega * dt - d2 / (2 sigma2)) / (2 pi sigma2)
        np.multiply(-omega, dt, out=g)
        np.subtract(g, np.divide(d2, 2.0 * sigma2, out=p_pair), out=g)
        np.exp(g, out=g)
        np.multiply(theta * omega, g, out=g)
        np.divide(g, 2.0 * math.pi * sigma2, out=g)
        total = mu + np.bincount(child, weights=g, minlength=n)
        np.divide(g, np.take(total, child, out=p_pair), out=p_pair)  # p_pair = g / total[child]
        p_bg = mu / total
        s = float(p_pair.sum())
        if s <= 1e-12:
            new = (0.0, omega, sigma2)
        else:
            by_dt = float(np.multiply(p_pair, dt, out=g).sum())  # g is free until next time
            by_d2 = float(np.multiply(p_pair, d2, out=g).sum())
            new = (
                s / n,
                max(s / by_dt, 1.0 / max_days),
                min(max(by_d2 / (2.0 * s), 5.0**2), (max_metres / 2) ** 2),
            )
        change = max(
            abs(new[0] - theta),
            abs(new[1] - omega) / omega,
            abs(math.sqrt(new[2]) - math.sqrt(sigma2)) / math.sqrt(sigma2),
        )
        theta, omega, sigma2 = new
        bg_share = float(p_bg.mean())
        if change < tol or s <= 1e-12:
            break
    return SeppFit(
        theta=float(theta),
        omega=float(omega),
        sigma_m=math.sqrt(sigma2),
        background_share=bg_share,
        iterations=it,
        events=int(n),
        pairs=int(parent.size),
        background_bandwidth_m=float(background_bandwidth_m),
    )


def _counts(events: Events, n: int, start: float, stop: float) -> NDArray[np.float64]:
    sl = events.window(start, stop)
    return np.bincount(events.pos[sl], minlength=n).astype(np.float64)


def _decayed(events: Events, n: int, origin: float, half_life: float) -> NDArray[np.float64]:
    # Weights below 2**-30 cannot change a ranking of counts: skip older incidents.
    sl = events.window(origin - 30.0 * half_life, origin)
    w = np.exp2(-(origin - events.day[sl]) / half_life)
    return np.asarray(np.bincount(events.pos[sl], weights=w, minlength=n), dtype=np.float64)


def _share(v: NDArray[np.float64]) -> NDArray[np.float64]:
    s = float(v.sum())
    return v / s if s > 0 else v


def method_scores(
    method: str,
    events: Events,
    space: CellSpace,
    *,
    origin: float,
    horizon: float,
    prev_start: float | None = None,
    first_day: float = -math.inf,
    sepp: SeppFit | None = None,
) -> NDArray[np.float64]:
    """Score of every study-area cell for the ``horizon`` days from ``origin`` (days).

    ``prev_start`` is where ``prev_period`` begins (default ``origin - horizon``; calendar
    months pass their own); ``first_day`` is where history begins (background of ``sepp``);
    ``sepp`` the fitted parameters (required for ``sepp``).
    """
    n = space.cells.size
    if method == "prev_period":
        return _counts(events, n, origin - horizon if prev_start is None else prev_start, origin)
    if method == "last_365d":
        return _counts(events, n, origin - 365.0, origin)
    if method == "all_history":
        return _counts(events, n, -math.inf, origin)
    if m := _PATTERNS["decay"].match(method):
        return _decayed(events, n, origin, float(m[1]))
    if m := _PATTERNS["kde"].match(method):
        counts = _counts(events, n, -math.inf, origin)
        return np.asarray(space.kernel(float(m[1])) @ counts).ravel()
    if m := _PATTERNS["blend"].match(method):
        w = int(m[1]) / 100.0
        long = _share(_counts(events, n, -math.inf, origin))
        short = _share(_decayed(events, n, origin, BLEND_SHORT_HALF_LIFE))
        return (1.0 - w) * long + w * short
    if method == "sepp":
        if sepp is None:
            raise SchemaError("method sepp needs a fit (fit_sepp)")
        # Background: the fitted background share of the long-run counts, spread by the
        # background kernel, per day, times the horizon (stationary background).
        history = _counts(events, n, -math.inf, origin)
        begin = max(first_day, float(events.day[0])) if events.day.size else origin
        span = max(origin - begin, 1.0)
        kbg = space.kernel(sepp.background_bandwidth_m, mass=True)
        bg = sepp.background_share * np.asarray(kbg @ history).ravel() / span * horizon
        # Triggering: each incident's expected offspring inside [origin, origin + horizon),
        # spread by the fitted Gaussian around its cell.
        om = sepp.omega
        sl = events.window(origin - 30.0 / om, origin)
        age = origin - events.day[sl]
        offspring = sepp.theta * (np.exp(-om * age) - np.exp(-om * (age + horizon)))
        mass = np.bincount(events.pos[sl], weights=offspring, minlength=n)
        trig = np.asarray(space.kernel(round(sepp.sigma_m, 1), mass=True) @ mass).ravel()
        return bg + trig
    raise SchemaError(f"unknown forecast method {method}")
