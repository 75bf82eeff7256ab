"""Settings: every tunable number in one frozen, validated value passed explicitly.

What a deployment sets in environment variables is read at the edges only — the app's start
(:mod:`gridmap.ui.settings`) and the command line — into an :class:`Environment`, whose fields
are passed to the library functions that need them (the basemap, the report font).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from .errors import SchemaError

__all__ = ["Environment", "Settings"]


@dataclass(frozen=True)
class Environment:
    """The deployment's settings from environment variables; the defaults are "not set".

    Parameters
    ----------
    basemap_url
        ``GRIDMAP_BASEMAP_URL``: an XYZ tile template drawn under the map layers; empty: the
        offline background (:func:`gridmap.basemap.map_style`).
    basemap_attribution
        ``GRIDMAP_BASEMAP_ATTRIBUTION``: the tiles' attribution line.
    cjk_font
        ``GRIDMAP_CJK_FONT``: a font file for Chinese text in reports instead of the bundled
        one (:func:`gridmap.report.fonts.cjk_family`).
    user
        ``GRIDMAP_USER``: the app user the command line acts as when ``--user`` is not given.
    password
        ``GRIDMAP_PASSWORD``: that user's password (never shown in the value's repr); None:
        asked for on the terminal (:func:`gridmap.security.cli_user.cli_login`).
    """

    basemap_url: str = ""
    basemap_attribution: str = ""
    cjk_font: str | None = None
    user: str | None = None
    password: str | None = field(default=None, repr=False)

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> Environment:
        """Read from ``environ`` (the edge passes ``os.environ``).

        >>> env = Environment.from_environ({"GRIDMAP_BASEMAP_URL": " http://t/{z}/{x}/{y}.png "})
        >>> env.basemap_url, env.cjk_font, env.user, env.password
        ('http://t/{z}/{x}/{y}.png', None, None, None)
        """
        return cls(
            basemap_url=environ.get("GRIDMAP_BASEMAP_URL", "").strip(),
            basemap_attribution=environ.get("GRIDMAP_BASEMAP_ATTRIBUTION", ""),
            cjk_font=environ.get("GRIDMAP_CJK_FONT") or None,
            user=environ.get("GRIDMAP_USER") or None,
            password=environ.get("GRIDMAP_PASSWORD"),
        )


@dataclass(frozen=True)
class Settings:
    """Tunable parameters with documented defaults.

    Parameters
    ----------
    overlap_tolerance_m2, gap_tolerance_m2
        Overlaps and gaps between basic grids smaller than this are digitising noise and
        are not reported.
    containment_share
        A grid counts as inside a community when at least this share of its area is.
    household_band
        (low, high) households per urban basic grid; configurable, not a national rule.
    max_households
        Household counts above this are reported as implausible for one grid.
    grid_cell_res
        H3 resolution of the grid <-> cell table.
    city_margin_m
        Points farther than this outside the workspace boundaries are rejected as
        "outside the city".
    """

    overlap_tolerance_m2: float = 1.0
    gap_tolerance_m2: float = 1.0
    containment_share: float = 0.99
    household_band: tuple[int, int] = (300, 500)
    max_households: int = 5000
    grid_cell_res: int = 10
    city_margin_m: float = 2000.0

    def __post_init__(self) -> None:
        problems = []
        if self.overlap_tolerance_m2 < 0:
            problems.append(f"overlap_tolerance_m2={self.overlap_tolerance_m2} (must be >= 0)")
        if self.gap_tolerance_m2 < 0:
            problems.append(f"gap_tolerance_m2={self.gap_tolerance_m2} (must be >= 0)")
        if not 0.5 <= self.containment_share <= 1.0:
            problems.append(f"containment_share={self.containment_share} (must be in [0.5, 1])")
        lo, hi = self.household_band
        if not 0 < lo < hi:
            problems.append(f"household_band={self.household_band} (need 0 < low < high)")
        if self.max_households <= hi:
            problems.append(f"max_households={self.max_households} (must exceed the band)")
        if not 7 <= self.grid_cell_res <= 12:
            problems.append(f"grid_cell_res={self.grid_cell_res} (allowed 7..12)")
        if self.city_margin_m < 0:
            problems.append(f"city_margin_m={self.city_margin_m} (must be >= 0)")
        if problems:
            raise SchemaError("invalid settings: " + "; ".join(problems))
