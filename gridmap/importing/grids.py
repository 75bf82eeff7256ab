"""Grid versions: store a version, its H3 cells, and (re)assign incidents and units."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .. import schema
from ..config import Settings
from ..indexing import points_to_cells, polygons_to_cells
from ..joins import GridLookup, assign_codes, build_grid_lookup, match_grid_labels
from ..store import Transaction
from ..store.history import refresh_history
from ..store.history_archive import ARCHIVE_TABLE, ARCHIVE_VERSION_KEY, reassign_archive
from ..validate import validate_grids
from .common import _today
from .report import ImportReport

__all__ = ["basic_lookup", "reassign"]


def basic_lookup(grids: gpd.GeoDataFrame) -> GridLookup | None:
    """Lookup over the basic grids; grids sharing a code count as one grid (their union).

    Duplicate codes are a validation problem, reported by ``gridmap validate``; until they
    are fixed, incidents in either part are assigned to that code.
    """
    if not len(grids):
        return None
    basic = schema.basic_grids(grids)
    basic = basic[basic[schema.CODE].notna()]
    if not len(basic):
        return None
    if basic[schema.CODE].duplicated().any():
        basic = basic[[schema.CODE, "geometry"]].dissolve(by=schema.CODE, as_index=False)
    return build_grid_lookup(basic)


def _assign_units(tx: Transaction, units: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    grids = tx.read_grids()
    units = units.copy()
    pts = shapely.point_on_surface(units.geometry.values)
    units[schema.H3_CELL] = points_to_cells(
        shapely.get_x(pts), shapely.get_y(pts), schema.POINT_RES
    ).astype(np.int64)
    lookup = basic_lookup(grids)
    if lookup is None or not len(units):
        units[schema.GRID_CODE] = None
        return units
    units[schema.GRID_CODE] = assign_codes(lookup, shapely.get_x(pts), shapely.get_y(pts))
    return units


def _store_grids(
    tx: Transaction,
    grids: gpd.GeoDataFrame,
    report: ImportReport,
    *,
    draft: bool,
    effective_date: str | None,
    settings: Settings,
    repaired: np.ndarray,
) -> None:
    grids = grids.copy()
    grids[schema.GRID_TYPE] = grids[schema.GRID_TYPE].fillna("basic")
    if effective_date is None:
        effective_date = _today()
    grids[schema.EFFECTIVE_DATE] = grids[schema.EFFECTIVE_DATE].fillna(effective_date)
    admin = tx.read_layer("admin")
    communities = admin[admin[schema.LEVEL] == "community"] if len(admin) else None
    report.validation = validate_grids(
        grids,
        communities if communities is not None and len(communities) else None,
        settings=settings,
        repaired=repaired,
    )
    # A version analyses cannot use is never published: it stays a draft to fix and
    # re-import (or to edit and publish once the problems are gone).
    blocking = report.validation.blocking_counts()
    if blocking and not draft:
        draft = True
        report.blocked = True
    version = tx.add_grid_version(
        status="draft" if draft else "published",
        source=Path(report.file).name,
        effective_date=effective_date,
        n_grids=len(grids),
    )
    grids[schema.VERSION] = version
    report.version = version
    tx.write_layer("grids", grids, append=True)
    cells = polygons_to_cells(grids.geometry, settings.grid_cell_res)
    cell_rows = pd.DataFrame(
        {
            "grid_code": grids[schema.CODE].to_numpy()[cells["geom_index"].to_numpy()],
            "cell": cells["cell"].to_numpy().astype(np.int64),
        }
    )
    tx.replace_grid_cells(version, cell_rows, settings.grid_cell_res)
    if report.blocked:
        kinds = ", ".join(f"{k} {v}" for k, v in blocking.items())
        report.add_note("import.note.blocked", version=version, kinds=kinds)
    elif not draft:
        reassign(tx)
        report.notes.append(f"grid version {version} published; incidents and units re-assigned")
    else:
        report.notes.append(f"grid version {version} saved as a draft (not in force)")


def reassign(tx: Transaction) -> None:
    """Assign stored incidents and units, and archived incidents by their H3 cell, to the
    grids in force (after a publish).

    Incidents without a location (kept by their grid code or name) are matched again by
    that label against the new grids; one that no longer matches keeps no grid.
    """
    grids = tx.read_grids()
    lookup = basic_lookup(grids)
    for layer in ("incidents", "units"):
        if not tx.has_layer(layer) or tx.layer_count(layer) == 0:
            continue
        gdf = tx.read_layer(layer)
        pts = gdf.geometry.values
        if layer == "units":
            pts = shapely.point_on_surface(pts)
        if lookup is None:
            gdf[schema.GRID_CODE] = None
        else:
            gdf[schema.GRID_CODE] = assign_codes(lookup, shapely.get_x(pts), shapely.get_y(pts))
        no_place = shapely.is_missing(pts) | shapely.is_empty(pts)
        if layer == "incidents" and no_place.any() and schema.GRID_CODE_SOURCE in gdf:
            labels = gdf.loc[no_place, schema.GRID_CODE_SOURCE]
            gdf.loc[no_place, schema.GRID_CODE] = match_grid_labels(
                labels, schema.basic_grids(grids)
            )
        tx.write_layer(layer, gdf)
    # Every incident may have a new grid, and rewritten rows have new fids: rebuild it all.
    refresh_history(tx, None)
    _reassign_archive(tx, grids)


def _reassign_archive(tx: Transaction, grids: gpd.GeoDataFrame) -> None:
    """The archived incidents follow the new version: those of a grid whose code and
    boundary stay keep it; the others go by their H3 cell among the grids that changed."""
    if not tx.has_table(ARCHIVE_TABLE):
        return
    basic = schema.basic_grids(grids)
    basic = basic[basic[schema.CODE].notna()]
    before = tx.meta().get(ARCHIVE_VERSION_KEY)
    kept: set[str] = set()
    if before:
        old = schema.basic_grids(tx.read_grids(int(before)))
        kept = _unchanged_codes(old, basic)
    changed = basic_lookup(basic[~basic[schema.CODE].astype(str).isin(kept)])
    codes = basic[schema.CODE].astype(str).tolist()
    reassign_archive(tx, codes, tx.published_version(), kept=kept, changed=changed)


def _unchanged_codes(old: gpd.GeoDataFrame, new: gpd.GeoDataFrame) -> set[str]:
    """Codes held once by each of ``old`` and ``new`` with the same boundary."""

    def once(frame: gpd.GeoDataFrame) -> gpd.GeoSeries:
        codes = frame[schema.CODE].astype(str)
        unique = frame[~codes.duplicated(keep=False)]
        return unique.set_index(unique[schema.CODE].astype(str)).geometry

    a, b = once(old), once(new)
    both = a.index.intersection(b.index)
    same = shapely.equals_exact(
        shapely.normalize(a.loc[both].values), shapely.normalize(b.loc[both].values), 1e-9
    )
    return set(both[np.asarray(same, dtype=bool)])


# --- entry point ----------------------------------------------------------------------------
