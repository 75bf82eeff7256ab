"""What the validator reports: problem kinds, :class:`Problem`, :class:`ValidationReport`, and
messages kept as i18n keys with parameters so that one report reads in either language."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..i18n import t

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
        return t("validate.list_sep", lang).join(str(_resolve(v, lang)) for v in value)
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


# --- message parts ----------------------------------------------------------------------------
def _m2(area: float) -> str:
    area = 0.0 if abs(area) < 0.05 else area  # no "-0.0 m²"
    return f"{area:,.1f} m²" if abs(area) < 10 else f"{area:,.0f} m²"


def _at(lon: float, lat: float) -> Msg:
    if math.isnan(lon):
        return _msg("no_location")
    return _msg("at", lon=f"{lon:.5f}", lat=f"{lat:.5f}")


def _label(code: str | None, row: int) -> str | Msg:
    return code if code is not None else _msg("row_label", row=row)
