"""Grid versions of a workspace: load a rebalancing problem, save a draft, publish, compare.

The one service between the rebalancing analytics (frames in, frames out) and the
workspace. The planner page, the Data page and the command line all publish through
:func:`publish_version`, which also writes the one audit entry of an app publish.

Layers: this module sits above :mod:`gridmap.analytics` and :mod:`gridmap.store`; nothing in
analytics imports it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from . import schema
from .analytics.rebalance import EditConflict, Problem, RebalanceError, prepare
from .analytics.rebalance.problem import (
    auto_cell_res,
    checked_measure,
    grid_measure,
    missing_measure,
)
from .analytics.units import rebalance_units
from .analytics.workload import WorkloadSettings, relative_band, unit_incident_load
from .crs import area_m2
from .importing.grids import basic_lookup, reassign
from .indexing import polygons_to_cells
from .joins import assign_codes
from .loading import load_incident_table
from .security.audit import AuditLog
from .store import Workspace

__all__ = [
    "Actor",
    "VersionDiff",
    "compare_versions",
    "load_problem",
    "publish_version",
    "save_draft",
]


@dataclass(frozen=True)
class Actor:
    """Who acts, as the audit log records them.

    Attributes
    ----------
    name
        The gridmap user name (or the operating-system account on the command line).
    role
        The user's role, if known.
    via
        ``app`` or ``cli``.
    """

    name: str
    role: str | None = None
    via: str = "app"


# --- loading a problem ----------------------------------------------------------------------
def load_problem(
    ws: Workspace,
    *,
    scope: str | None = None,
    version: int | None = None,
    locked: Iterable[str] = (),
    band: tuple[int, int] | None = None,
    settings: WorkloadSettings | None = None,
    cell_res: int | None = None,
    use_units: bool = True,
    measure: str | None = None,
) -> Problem:
    """:func:`~gridmap.analytics.rebalance.prepare` from a workspace: grids of ``version``
    (default in force) under ``scope`` (a community, street or district code prefix; None
    for all), the workspace's units (else, or with ``use_units=False``, H3 cells at
    ``cell_res``) and incident load from the stored incidents.

    ``cell_res`` None picks the finest H3 resolution (11 down to 7) at which the cell units
    of the **whole workspace** stay under
    :data:`~gridmap.analytics.rebalance.MAX_CELL_UNITS` (so a city of police sectors gets
    hundreds of thousands of units no more; the choice does not depend on ``scope``, so a
    plan file made for all grids applies with the same units).

    Grids missing the measure's count (households or population) while others have it are
    locked: an unknown count is not an empty grid.

    ``measure`` None: households when the grids have any, else workload. Without ``band``,
    population and workload get :func:`~gridmap.analytics.workload.relative_band` of their
    mean per basic grid over the whole workspace (not the scope: a community page and the
    command line agree).
    """
    s = settings or WorkloadSettings()
    grids = ws.read_grids(version)
    if not len(grids):
        raise RebalanceError(f"{ws.name}: the workspace holds no grids")
    used_version = version
    if used_version is None and schema.VERSION in grids and len(grids):
        used_version = int(grids[schema.VERSION].iloc[0])
    admin = ws.read_layer("admin")
    all_basic = schema.basic_grids(grids).reset_index(drop=True)
    measure = checked_measure(all_basic, measure, what="--balance")
    if cell_res is None:
        cell_res = auto_cell_res(all_basic)
    table = load_incident_table(ws)
    if band is None and measure != "households" and len(all_basic):
        band = relative_band(float(grid_measure(all_basic, measure, table, s).mean()))
        given: tuple[int, int] | None = None
    else:
        given = band
    missing = missing_measure(all_basic, measure)
    if scope:
        grids = _in_scope(grids, admin, str(scope))
    basic = schema.basic_grids(grids)
    units = ws.read_layer("units") if use_units and ws.has_layer("units") else None
    if units is not None and len(units) and schema.GRID_CODE in units:
        units = units[units[schema.GRID_CODE].astype("string").isin(basic[schema.CODE])]
    has_units = units is not None and len(units) > 0
    unit_layer = rebalance_units(basic, units if has_units else None, res=cell_res)
    load = unit_incident_load(unit_layer, table, settings=s) if len(table) else None
    p = prepare(
        basic,
        unit_layer,
        admin=admin,
        unit_load=load,
        locked=set(locked) | (missing & set(basic[schema.CODE].astype(str))),
        band=band,
        settings=s,
        base_version=used_version,
        measure=measure,
        cell_res=None if has_units else cell_res,
    )
    return p if given is not None else replace(p, band_override=None)


def _in_scope(grids: gpd.GeoDataFrame, admin: gpd.GeoDataFrame, sc: str) -> gpd.GeoDataFrame:
    """The grids under the code prefix ``sc``; one line with example codes when none is."""
    parent = grids[schema.PARENT_CODE].astype("string").fillna("")
    keep = parent.str.startswith(sc) | grids[schema.CODE].astype(str).eq(sc)
    if not keep.any():
        known = sorted(set(admin[schema.CODE].astype(str))) if len(admin) else []
        hint = f" (e.g. {', '.join(known[:3])})" if known else ""
        raise RebalanceError(
            f"--scope {sc!r}: no grid lies in a community with that code prefix{hint}"
        )
    return grids[keep.to_numpy()]


# --- drafts and publishing ------------------------------------------------------------------
def save_draft(
    ws: Workspace,
    grids: gpd.GeoDataFrame,
    *,
    author: str | None = None,
    note: str | None = None,
    source: str = "gridmap rebalance",
    cell_res: int = 10,
    communities: Sequence[str] = (),
    since: int | None = None,
) -> int:
    """Store a plan's grid layer as a new **draft** version; the published one is untouched.

    Returns the new version number. The grid <-> H3 cell table of the draft is stored too,
    so maps of the draft work like those of any version.

    ``communities`` are those the plan changed; they are recorded with the draft. With
    ``since`` (the newest version number when the planner started from the stored grids),
    the save is refused with :class:`~gridmap.analytics.rebalance.EditConflict` if a newer
    draft changed any of those communities (optimistic versioning: nothing is lost, the
    second planner reloads and redoes the edit on top).
    """
    if not len(grids):
        raise RebalanceError("the plan has no grids to save")
    frame = grids.drop(columns=[schema.VERSION], errors="ignore").copy()
    frame[schema.EFFECTIVE_DATE] = None
    with ws.transaction() as tx:
        # Checked inside the transaction: it holds the workspace lock and sees every save.
        if since is not None and communities:
            earlier = tx.saves_since(list(communities), since)
            if len(earlier):
                first = earlier.iloc[0]
                raise EditConflict(
                    f"community {first['community']} was changed by "
                    f"{first['author'] or 'someone'} at {first['created_at']} (draft version "
                    f"{int(first['version'])}) after you started editing; reload "
                    "the community and redo your changes on top (nothing was saved)"
                )
        version = tx.add_grid_version(
            status="draft",
            source=source,
            effective_date=None,
            note=note,
            author=author,
            n_grids=len(frame),
        )
        frame[schema.VERSION] = version
        if communities:
            tx.record_scopes(version, list(communities))
        tx.write_layer("grids", frame, append=True)
        cells = polygons_to_cells(frame.geometry, cell_res)
        tx.replace_grid_cells(
            version,
            pd.DataFrame(
                {
                    "grid_code": frame[schema.CODE]
                    .astype(str)
                    .to_numpy()[cells["geom_index"].to_numpy()],
                    "cell": cells["cell"].to_numpy().astype(np.int64),
                }
            ),
            cell_res,
        )
    return int(version)


def publish_version(
    ws: Workspace,
    version: int,
    effective_date: str | dt.date,
    *,
    user: Actor | None = None,
) -> None:
    """Put a draft in force from ``effective_date``; the old published version is archived
    (still readable) and stored incidents and units are re-assigned to the new grids.

    With ``user``, one ``publish`` entry (version, effective date) goes to the audit log once
    the publish has committed. The command line passes none: its one entry per command is
    written by the CLI itself.
    """
    try:
        day = (
            effective_date
            if isinstance(effective_date, dt.date)
            else dt.date.fromisoformat(str(effective_date))
        )
    except ValueError:
        raise RebalanceError(f"effective date {effective_date!r}: use YYYY-MM-DD") from None
    versions = {v.version: v for v in ws.grid_versions()}
    if version not in versions:
        raise RebalanceError(
            f"version {version}: not in the workspace (have {', '.join(map(str, versions))})"
        )
    if versions[version].status != "draft":
        raise RebalanceError(
            f"version {version} is {versions[version].status}; only a draft can be published"
        )
    with ws.transaction() as tx:
        tx.publish_version(version, day.isoformat())
        grids = tx.read_layer("grids")
        mine = grids[schema.VERSION].astype("Int64") == version
        grids[schema.EFFECTIVE_DATE] = grids[schema.EFFECTIVE_DATE].astype(object)
        grids.loc[mine.fillna(False).to_numpy(), schema.EFFECTIVE_DATE] = day.isoformat()
        tx.write_layer("grids", grids)
        reassign(tx)
    if user is not None:
        AuditLog(ws).append(
            schema.AuditAction.PUBLISH,
            user=user.name,
            role=user.role,
            version=version,
            detail={"effective": day.isoformat()},
            via=user.via,
        )


# --- comparing versions ---------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class VersionDiff:
    """What changed between two grid versions.

    Attributes
    ----------
    grids
        One row per basic grid code of either version: ``households_a``,
        ``households_b``, ``delta``, ``status`` (``same``, ``changed``, ``new``,
        ``removed``), indexed by code.
    moves
        Units whose grid differs: ``unit``, ``households``, ``grid_a``, ``grid_b``.
    changes
        The areas that changed hands (EPSG:4326): per code of version ``b``, the part of
        its polygon that was not its in version ``a`` — the change map.
    """

    version_a: int
    version_b: int
    grids: pd.DataFrame
    moves: pd.DataFrame
    changes: gpd.GeoDataFrame

    def summary(self) -> dict[str, int]:
        st = self.grids["status"].value_counts()
        return {
            "grids_a": int(self.grids["households_a"].notna().sum()),
            "grids_b": int(self.grids["households_b"].notna().sum()),
            "changed": int(st.get("changed", 0)),
            "new": int(st.get("new", 0)),
            "removed": int(st.get("removed", 0)),
            "units_moved": len(self.moves),
            "households_moved": int(self.moves["households"].sum()) if len(self.moves) else 0,
        }


def compare_versions(ws: Workspace, version_a: int, version_b: int) -> VersionDiff:
    """Compare two stored grid versions: per-grid households, unit moves, change areas.

    Units (the workspace's unit layer) are placed in each version's basic grids by their
    interior point; households per grid are those units' sums when units exist, else the
    grids' own ``households``.
    """
    known = {v.version for v in ws.grid_versions()}
    bad = [v for v in (version_a, version_b) if v not in known]
    if bad:
        have = ", ".join(map(str, sorted(known))) or "none"
        raise RebalanceError(f"grid version {bad[0]}: not in the workspace (have {have})")
    ga = schema.basic_grids(ws.read_grids(version_a))
    gb = schema.basic_grids(ws.read_grids(version_b))
    units = ws.read_layer("units") if ws.has_layer("units") else None
    moves, h_a, h_b = _unit_moves(units, ga, gb)
    codes = sorted(set(ga[schema.CODE].astype(str)) | set(gb[schema.CODE].astype(str)))
    grids = pd.DataFrame(index=pd.Index(codes, name=schema.CODE))
    grids["households_a"] = h_a.reindex(codes)
    grids["households_b"] = h_b.reindex(codes)
    in_a_codes = set(ga[schema.CODE].astype(str))
    in_b_codes = set(gb[schema.CODE].astype(str))
    grids.loc[
        [c for c in codes if c in in_a_codes and pd.isna(grids.loc[c, "households_a"])],
        "households_a",
    ] = 0
    grids.loc[
        [c for c in codes if c in in_b_codes and pd.isna(grids.loc[c, "households_b"])],
        "households_b",
    ] = 0
    grids["delta"] = grids["households_b"].fillna(0) - grids["households_a"].fillna(0)
    geo_a = ga.set_index(ga[schema.CODE].astype(str)).geometry
    geo_b = gb.set_index(gb[schema.CODE].astype(str)).geometry
    both = [c for c in codes if c in in_a_codes and c in in_b_codes]
    same_shape = pd.Series(
        shapely.equals_exact(geo_a.loc[both].to_numpy(), geo_b.loc[both].to_numpy(), 1e-9),
        index=both,
    )
    status = []
    for c in codes:
        if c not in in_a_codes:
            status.append("new")
        elif c not in in_b_codes:
            status.append("removed")
        elif bool(same_shape[c]) and grids.loc[c, "delta"] == 0:
            status.append("same")
        else:
            status.append("changed")
    grids["status"] = status
    touched = [c for c, st in zip(codes, status, strict=True) if st in ("changed", "new")]
    changes = _change_areas(touched, geo_a, geo_b, in_a_codes)
    return VersionDiff(version_a, version_b, grids, moves.reset_index(drop=True), changes)


def _unit_moves(
    units: gpd.GeoDataFrame | None, ga: gpd.GeoDataFrame, gb: gpd.GeoDataFrame
) -> tuple[pd.DataFrame, pd.Series, pd.Series]:
    """Units whose grid differs between ``ga`` and ``gb``, and households per grid of each
    (the units' sums; without units, the grids' own counts)."""
    if units is None or not len(units):
        moves = pd.DataFrame(columns=["unit", schema.HOUSEHOLDS, "grid_a", "grid_b"])
        h_a = ga.set_index(schema.CODE)[schema.HOUSEHOLDS].astype("Float64")
        h_b = gb.set_index(schema.CODE)[schema.HOUSEHOLDS].astype("Float64")
        return moves, h_a, h_b
    pts = shapely.point_on_surface(units.geometry.to_numpy())
    x, y = shapely.get_x(pts), shapely.get_y(pts)
    la, lb = basic_lookup(ga), basic_lookup(gb)
    in_a = assign_codes(la, x, y) if la is not None else np.full(len(units), None)
    in_b = assign_codes(lb, x, y) if lb is not None else np.full(len(units), None)
    hh = pd.to_numeric(units[schema.HOUSEHOLDS], errors="coerce").fillna(0).astype(int)
    frame = pd.DataFrame(
        {
            "unit": units[schema.CODE].astype(str).to_numpy(),
            schema.HOUSEHOLDS: hh.to_numpy(),
            "grid_a": in_a,
            "grid_b": in_b,
        }
    )
    moves = frame[frame["grid_a"].astype(str) != frame["grid_b"].astype(str)]
    moves = moves.sort_values(["grid_a", "grid_b", "unit"], kind="stable")
    h_a = frame.groupby("grid_a")[schema.HOUSEHOLDS].sum()
    h_b = frame.groupby("grid_b")[schema.HOUSEHOLDS].sum()
    return moves, h_a, h_b


def _change_areas(
    touched: list[str], geo_a: gpd.GeoSeries, geo_b: gpd.GeoSeries, in_a_codes: set[str]
) -> gpd.GeoDataFrame:
    """Per touched code of version b, the part of its polygon that was not its in a."""
    gained = []
    for c in touched:
        now = geo_b.loc[c]
        before = geo_a.loc[c] if c in in_a_codes else None
        gained.append(now if before is None else shapely.difference(now, before))
    changes = gpd.GeoDataFrame(
        {schema.GRID_CODE: touched}, geometry=gpd.GeoSeries(gained, crs=4326), crs=4326
    )
    # Slivers under a square metre are rounding noise of the redraw, not land that moved.
    changes = changes[~changes.geometry.is_empty].reset_index(drop=True)
    if len(changes):
        changes = changes[area_m2(changes) >= 1.0].reset_index(drop=True)
    return changes
