"""Point tables (incidents, cameras): coordinates, times, ids, categories, classes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray

from .. import schema
from ..config import Settings
from ..crs import CrsSpec, to_wgs84
from ..errors import SchemaError
from ..indexing import points_to_cells
from ..io.mapping import (
    is_blank,
    map_categories,
    parse_datetimes,
    parse_enum,
    parse_numbers,
    resolve_mapping,
    show_names,
    split_datetime_columns,
)
from ..io.readers import ParsedTable
from ..io.rejects import UNLOCATED, VALUE_CLEARED, RowIssues
from ..joins import assign_codes, match_grid_labels
from ..store import Transaction
from ..store.history import ensure_incident_indexes, refresh_history
from .common import ImportOptions, _city_outline, _mapped, _outside, _require_crs
from .grids import basic_lookup
from .report import CHINA_BBOX, ImportReport

__all__ = []


@dataclass(frozen=True)
class _Located:
    """Where each row is: WGS-84 lon/lat (NaN where unusable), which rows are usable, which
    are kept without a location (and the grid their label names), the grids in force."""

    lon: NDArray[np.float64]
    lat: NDArray[np.float64]
    usable: NDArray[np.bool_]
    unlocated: NDArray[np.bool_]
    by_label: NDArray[np.object_]
    grids: gpd.GeoDataFrame
    xy_text: Callable[[], pd.Series]


def _import_points(
    tx: Transaction, kind: str, path: Path, table: ParsedTable, opts: ImportOptions
) -> tuple[ImportReport, RowIssues]:
    """Locate, parse, index, assign and store one point table (inside ``tx``)."""
    frame = table.frame
    cols = resolve_mapping(list(frame.columns), kind, opts.mapping, file_name=path.name)
    report = ImportReport(
        kind, str(path), "", len(frame) + len(table.bad_lines), 0, 0, mapping=dict(cols)
    )
    issues = RowIssues(table.rows)
    issues.add_lines(table.bad_lines)
    at = _locate(tx, kind, path.name, table, cols, opts.crs, issues, report)
    opts.progress(0.3, "coordinates converted")

    out = pd.DataFrame(index=frame.index)
    out["id"] = _ids(frame, cols, path, table, issues, report)
    if kind == "incidents":
        _incident_fields(frame, cols, out, issues, report, opts.categories, opts.set_values)
    else:
        _camera_fields(frame, cols, out, issues, opts.set_values)
    opts.progress(0.5, "fields parsed")

    _assign(tx, out, at, issues, opts.settings)
    opts.progress(0.7, "indexed and assigned")
    _store_points(tx, kind, out, at, issues, report)
    opts.progress(0.9, "stored")
    return report, issues


def _raw_coordinates(
    frame: pd.DataFrame,
    cols: Mapping[str, str],
    table: ParsedTable,
    crs: str | CrsSpec | None,
    name: str,
    report: ImportReport,
) -> tuple[pd.Series, pd.Series, NDArray[np.float64], NDArray[np.float64], CrsSpec]:
    """The coordinates as written and as numbers, from lon/lat columns, else from a
    GeoParquet point geometry; and the coordinate system they are in."""
    if ("lon" not in cols or "lat" not in cols) and table.geometry is not None:
        geom = table.geometry.values
        # An empty point (POINT EMPTY) has no x or y to take: it is "no coordinates".
        is_point = (shapely.get_type_id(geom) == 0) & ~shapely.is_empty(geom)
        x = np.full(len(geom), np.nan)
        y = np.full(len(geom), np.nan)
        x[is_point] = shapely.get_x(geom[is_point])
        y[is_point] = shapely.get_y(geom[is_point])
        raw_x = pd.Series(x, index=frame.index).astype(str)
        raw_y = pd.Series(y, index=frame.index).astype(str)
        report.notes.append("coordinates taken from the file's point geometry")
        return raw_x, raw_y, x, y, _require_crs(crs, name, table.crs)
    missing = [f for f in ("lon", "lat") if f not in cols]
    if missing:
        raise SchemaError(
            f"{name}: no column for field(s) {', '.join(missing)}; columns found: "
            f"{show_names(frame.columns)}; map one with --map COLUMN=FIELD"
        )
    raw_x, raw_y = frame[cols["lon"]], frame[cols["lat"]]
    x = parse_numbers(raw_x).to_numpy()
    y = parse_numbers(raw_y).to_numpy()
    return raw_x, raw_y, x, y, _require_crs(crs, name)


def _locate(
    tx: Transaction,
    kind: str,
    name: str,
    table: ParsedTable,
    cols: Mapping[str, str],
    crs: str | CrsSpec | None,
    issues: RowIssues,
    report: ImportReport,
) -> _Located:
    """Reject rows without usable coordinates (keeping incidents that name their grid),
    and convert the rest to WGS-84."""
    frame = table.frame
    n = len(frame)
    raw_x, raw_y, x, y, spec = _raw_coordinates(frame, cols, table, crs, name, report)
    report.crs = spec.label

    def xy_text() -> pd.Series:
        return raw_x.astype(str) + "," + raw_y.astype(str)

    no_xy = is_blank(raw_x) | is_blank(raw_y)
    bad_xy = ~no_xy & (np.isnan(x) | np.isnan(y))
    zero = ~no_xy & ~bad_xy & (x == 0) & (y == 0)
    # An incident without coordinates that names its grid (所属网格: a code, or a name only
    # one grid has) is kept without a location: it counts in its grid, not on cell maps.
    grids_in_force = tx.read_grids()
    by_label, label_text = _grid_from_label(frame, cols, kind, grids_in_force)
    unlocated = (no_xy | zero) & pd.notna(by_label)
    # Why a row naming a grid was still rejected (built only for the rows that need it).
    unmatched: pd.Series = pd.Series("", index=range(n), dtype=object)
    named = (no_xy | zero) & ~unlocated & (label_text != "")
    if named.any():
        unmatched[named] = (
            " (grid "
            + pd.Series(label_text[named], dtype=object)
            + ": no grid has this code or unique name)"
        ).to_numpy()
    issues.add(no_xy & ~unlocated, "lon/lat", "no coordinates" + unmatched, xy_text)
    issues.add(bad_xy, "lon/lat", "unparseable coordinates", xy_text)
    issues.add(
        zero & ~unlocated,
        "lon/lat",
        "no coordinates (0, 0 is a missing-location placeholder)" + unmatched,
        xy_text,
    )
    issues.add(
        unlocated,
        "lon/lat",
        "no coordinates: kept without a location in grid " + pd.Series(by_label).astype(str),
        xy_text,
        action=UNLOCATED,
    )
    usable = ~(no_xy | bad_xy | zero)
    lon, lat, usable = _to_wgs84(x, y, usable, spec, issues, xy_text)
    return _Located(lon, lat, usable, unlocated, by_label, grids_in_force, xy_text)


def _to_wgs84(
    x: NDArray[np.float64],
    y: NDArray[np.float64],
    usable: NDArray[np.bool_],
    spec: CrsSpec,
    issues: RowIssues,
    xy_text: Callable[[], pd.Series],
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.bool_]]:
    """Convert the usable coordinates; reject those out of range, outside China (GCJ-02 and
    BD-09 are defined only there) or not convertible. Returns lon, lat and the usable mask."""
    n = len(x)
    lon = np.full(n, np.nan)
    lat = np.full(n, np.nan)
    if spec.kind in ("wgs84", "gcj02", "bd09"):
        out_of_range = usable & ((np.abs(x) > 180) | (np.abs(y) > 90))
        issues.add(
            out_of_range,
            "lon/lat",
            f"coordinates out of range for {spec.label} degrees (projected metres?)",
            xy_text,
        )
        usable &= ~out_of_range
        if spec.kind != "wgs84":
            x0, y0, x1, y1 = CHINA_BBOX
            outside_cn = usable & ~((x >= x0) & (x <= x1) & (y >= y0) & (y <= y1))
            issues.add(
                outside_cn,
                "lon/lat",
                f"outside China, where {spec.label} is defined",
                xy_text,
            )
            usable &= ~outside_cn
    if usable.any():
        lon_u, lat_u = to_wgs84(x[usable], y[usable], spec)
        lon[usable], lat[usable] = lon_u, lat_u
        bad = usable & ~(np.isfinite(lon) & np.isfinite(lat))
        issues.add(
            bad,
            "lon/lat",
            f"cannot convert from {spec.label}",
            xy_text,
        )
        usable &= ~bad
    return lon, lat, usable


def _ids(
    frame: pd.DataFrame,
    cols: Mapping[str, str],
    path: Path,
    table: ParsedTable,
    issues: RowIssues,
    report: ImportReport,
) -> NDArray[np.object_]:
    """Identifiers from the file (missing and repeated ones rejected), else made from the
    file name and row number."""
    id_col = _mapped(frame, cols, "id")
    if id_col is None:
        ids = path.stem + ":" + table.rows.astype(str)
        report.notes.append(
            f"no id column: ids made from the file name and row number ({path.name}:ROW)"
        )
        return ids.to_numpy()
    ids = id_col.astype(str).str.strip()
    issues.add(is_blank(id_col), "id", "missing id", id_col)
    dup = ids.duplicated(keep="first").to_numpy() & ~is_blank(id_col)
    if dup.any():
        first_row = pd.Series(table.rows.to_numpy(), index=ids.to_numpy())
        first_row = first_row[~first_row.index.duplicated(keep="first")]
        reason = "duplicate id (first at row " + ids.map(first_row).astype(str) + ")"
        issues.add(dup, "id", reason, id_col)
    return ids.to_numpy()


def _assign(
    tx: Transaction, out: pd.DataFrame, at: _Located, issues: RowIssues, settings: Settings
) -> None:
    """H3 cells and basic grids of the located rows (the named grid for unlocated ones);
    rows in no grid and beyond the city margin are rejected."""
    n = len(out)
    usable, lon, lat = at.usable, at.lon, at.lat
    cells = np.zeros(n, dtype=np.uint64)
    cells[usable] = points_to_cells(lon[usable], lat[usable], schema.POINT_RES)
    out[schema.H3_CELL] = cells.astype(np.int64)
    grid_codes = np.full(n, None, dtype=object)
    lookup = basic_lookup(at.grids)
    if lookup is not None:
        grid_codes[usable] = assign_codes(lookup, lon[usable], lat[usable])
    grid_codes[at.unlocated] = at.by_label[at.unlocated]
    out[schema.GRID_CODE] = grid_codes
    outline = _city_outline(tx)
    if outline is not None:
        check = usable & pd.isna(grid_codes)
        far = np.zeros(n, dtype=bool)
        far[check] = _outside(outline, lon[check], lat[check], settings.city_margin_m)
        issues.add(
            far,
            "lon/lat",
            f"outside the city (more than {settings.city_margin_m:g} m "
            "beyond the workspace boundaries)",
            at.xy_text,  # the file's own values, as every other coordinate reason shows
        )


def _store_points(
    tx: Transaction,
    kind: str,
    out: pd.DataFrame,
    at: _Located,
    issues: RowIssues,
    report: ImportReport,
) -> None:
    """Store the kept rows, upserting by id: a stored row whose id the file brings again
    (an incident with later stages filled in, a camera's new status) is replaced.

    Only the file's own ids are looked up, and only the replaced rows are deleted before
    the file's rows are appended: the cost follows the file, not the workspace.
    """
    keep = ~issues.rejected
    points = np.asarray(gpd.points_from_xy(at.lon, at.lat), dtype=object)
    points[~at.usable] = None  # unlocated incidents: no geometry (and h3_cell 0: no cell)
    result = gpd.GeoDataFrame(out[keep].reset_index(drop=True), geometry=points[keep], crs=4326)
    exists = tx.has_layer(kind)
    if exists and kind == "incidents":
        ensure_incident_indexes(tx)
    stored = _stored_rows(tx, kind, result["id"].astype(str)) if exists else pd.DataFrame()
    if len(stored):
        _delete_ids(tx, kind, stored["id"].astype(str).unique())
    report.updated = int(stored["id"].nunique()) if len(stored) else 0
    if kind == "incidents":
        report.unclassified = int((result[schema.CATEGORY] == schema.UNCLASSIFIED.code).sum())
        report.unlocated = int((at.unlocated & keep).sum())
        if report.unlocated:
            report.add_note("import.note.unlocated", n=report.unlocated)
    # Appending creates the layer on a first import (a whole-layer write, copy-on-write).
    tx.write_layer(kind, result, append=True)
    if kind == "incidents":
        if not exists:
            ensure_incident_indexes(tx)
        old = stored["occurred_at"] if len(stored) else pd.Series([], dtype=object)
        refresh_history(tx, _days(result["occurred_at"], old))
    report.imported = int(keep.sum())
    report.rejected = report.rows_read - report.imported


#: Ids per ``IN (...)`` list: well under SQLite's bound-parameter limit.
_ID_CHUNK = 500


def _stored_rows(tx: Transaction, kind: str, ids: pd.Series) -> pd.DataFrame:
    """The stored rows (``id``, and ``occurred_at`` for incidents) of the given ids, looked
    up in chunks on the id index; never a read of every stored id."""
    wanted = ids.unique().tolist()
    columns = "id, occurred_at" if kind == "incidents" else "id"
    parts = []
    for start in range(0, len(wanted), _ID_CHUNK):
        chunk = wanted[start : start + _ID_CHUNK]
        marks = ", ".join("?" for _ in chunk)
        parts.append(tx.query(f'SELECT {columns} FROM "{kind}" WHERE id IN ({marks})', chunk))
    found = [p for p in parts if len(p)]
    return pd.concat(found, ignore_index=True) if found else pd.DataFrame()


def _delete_ids(tx: Transaction, kind: str, ids: NDArray[np.object_]) -> None:
    for start in range(0, len(ids), _ID_CHUNK):
        chunk = [str(v) for v in ids[start : start + _ID_CHUNK]]
        marks = ", ".join("?" for _ in chunk)
        tx.execute(f'DELETE FROM "{kind}" WHERE id IN ({marks})', chunk)


def _days(new: pd.Series, old: pd.Series) -> set[dt.date]:
    """The days (of occurrence) whose history partitions the import changed: those of the
    rows written and those of the rows they replaced (stored as text or as timestamps)."""
    both = pd.concat(
        [
            pd.to_datetime(new, format="ISO8601").dropna(),
            pd.to_datetime(old, format="ISO8601").dropna(),
        ]
    )
    return set(both.dt.date.unique())


def _grid_from_label(
    frame: pd.DataFrame, cols: Mapping[str, str], kind: str, grids: gpd.GeoDataFrame
) -> tuple[np.ndarray, np.ndarray]:
    """Grid code named by each row's grid column (None where none), and the label as text.

    Only basic grids are matched: incidents are assigned to basic grids everywhere else.
    """
    n = len(frame)
    src = _mapped(frame, cols, "grid_code_source") if kind == "incidents" else None
    if src is None:
        return np.full(n, None, dtype=object), np.full(n, "", dtype=object)
    text = src.astype(str).str.strip().to_numpy(dtype=object)
    if not len(grids):
        return np.full(n, None, dtype=object), text
    return match_grid_labels(src.reset_index(drop=True), schema.basic_grids(grids)), text


def _incident_fields(
    frame: pd.DataFrame,
    cols: Mapping[str, str],
    out: pd.DataFrame,
    issues: RowIssues,
    report: ImportReport,
    categories: Mapping[str, str] | None,
    set_values: Mapping[str, str],
) -> None:
    time_fields = [c.code for c in schema.WORKFLOW_STAGES.choices]
    occurred_src = cols.get("occurred_at")
    if occurred_src is None and "reported_at" in cols:
        occurred_src = cols["reported_at"]
        report.notes.append(f"no occurrence time column: {occurred_src!r} (reported) used instead")
    split = split_datetime_columns(frame) if occurred_src is None else None
    if split is not None:
        occurred_src = "+".join(split[1])  # the assembled column, named after its parts
        frame[occurred_src] = split[0]
        report.notes.append(f"occurrence time assembled from columns {', '.join(split[1])}")
    if occurred_src is None:
        raise SchemaError(
            f"{Path(report.file).name}: no column for field occurred_at (发生时间); columns "
            f"found: {show_names(frame.columns)}; map one with --map COLUMN=occurred_at"
        )
    raw = frame[occurred_src]
    occurred = parse_datetimes(raw)
    blank = is_blank(raw)
    issues.add(blank, "occurred_at", "missing time", raw)
    issues.add(~blank & occurred.isna().to_numpy(), "occurred_at", "unparseable time", raw)
    out["occurred_at"] = occurred.to_numpy()
    for name in time_fields:
        src = _mapped(frame, cols, name)
        if cols.get(name) == occurred_src and name != "occurred_at":
            out[name] = occurred.to_numpy()  # the same column, already parsed and checked
            continue
        if src is None:
            out[name] = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ms]")
            continue
        parsed = parse_datetimes(src)
        bad = ~is_blank(src) & parsed.isna().to_numpy()
        issues.add(bad, name, "unparseable time", src, action=VALUE_CLEARED)
        report.values_cleared += int(bad.sum())
        out[name] = parsed.to_numpy()
    closed_before = (out["closed_at"] < out["occurred_at"]).to_numpy()
    if closed_before.any():
        issues.add(
            closed_before,
            "closed_at",
            "closed before it occurred",
            frame[cols["closed_at"]],
            action=VALUE_CLEARED,
        )
        out.loc[closed_before, "closed_at"] = pd.NaT
        report.values_cleared += int(closed_before.sum())

    cat_src = _mapped(frame, cols, "category")
    if cat_src is None and "category" in set_values:
        cat_src = pd.Series(set_values["category"], index=frame.index)
    if cat_src is None:
        out["category"] = schema.UNCLASSIFIED.code
        out["category_source"] = ""
        report.notes.append("no category column: every incident is unclassified")
    else:
        out["category"] = map_categories(cat_src, categories).to_numpy()
        out["category_source"] = cat_src.astype(str).str.strip().to_numpy()

    hc_src = _mapped(frame, cols, "handling_class")
    if hc_src is None and "handling_class" in set_values:
        hc_src = pd.Series(set_values["handling_class"], index=frame.index)
    if hc_src is None:
        out["handling_class"] = None
    else:
        codes, unknown = parse_enum(hc_src, schema.HANDLING_CLASSES)
        issues.add(
            unknown,
            "handling_class",
            f"unknown handling class (allowed: {schema.HANDLING_CLASSES.describe()})",
            hc_src,
            action=VALUE_CLEARED,
        )
        report.values_cleared += int(unknown.sum())
        out["handling_class"] = codes.to_numpy()
    for name in ("source", "address", "grid_code_source"):
        src = _mapped(frame, cols, name)
        value = src.astype(str).str.strip() if src is not None else set_values.get(name, "")
        out[name] = value.to_numpy() if isinstance(value, pd.Series) else value


def _camera_fields(
    frame: pd.DataFrame,
    cols: Mapping[str, str],
    out: pd.DataFrame,
    issues: RowIssues,
    set_values: Mapping[str, str],
) -> None:
    def column(name: str) -> pd.Series | None:
        src = _mapped(frame, cols, name)
        if src is None and name in set_values:
            src = pd.Series(set_values[name], index=frame.index)
        return src

    for name in ("name", "owner"):
        src = column(name)
        out[name] = src.astype(str).str.strip().to_numpy() if src is not None else ""
    for name, enum in (("kind", schema.CAMERA_KINDS), ("status", schema.CAMERA_STATUSES)):
        src = column(name)
        if src is None:
            out[name] = None
            continue
        codes, unknown = parse_enum(src, enum)
        issues.add(
            unknown, name, f"unknown {name} (allowed: {enum.describe()})", src, action=VALUE_CLEARED
        )
        out[name] = codes.to_numpy()
    limits = {"range_m": (0.0, 5000.0), "azimuth_deg": (0.0, 360.0), "fov_deg": (0.0, 360.0)}
    for name, (lo, hi) in limits.items():
        src = column(name)
        if src is None:
            out[name] = np.nan
            continue
        values = parse_numbers(src)
        bad = ~is_blank(src) & (values.isna() | (values < lo) | (values > hi)).to_numpy()
        issues.add(bad, name, f"not a number in [{lo:g}, {hi:g}]", src, action=VALUE_CLEARED)
        out[name] = values.where(~bad).to_numpy()
