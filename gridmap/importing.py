"""Import files into a workspace: read, map, parse, convert, validate, index, assign, store.

Every data row is accounted for: ``rows_read == imported + rejected``, and each rejected row
is listed with its row number, field and reason. The whole import is one workspace
transaction, so a failed or interrupted import leaves the workspace as it was.

How each kind is stored:

- ``incidents``: appended; an id already in the workspace is rejected as a duplicate, so
  importing next month's export (or the same file twice) never double-counts.
- ``cameras``, ``admin``, ``keyareas``, ``units``: upserted by id / code (a newer register
  replaces the rows it names and keeps the others).
- ``grids``: every import is a new grid version; it is published (and incidents and units
  are re-assigned to it) unless imported as a draft.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from . import schema
from .config import Settings
from .crs import CrsSpec, geometries_to_wgs84, parse_crs, to_wgs84
from .errors import CrsError, SchemaError
from .indexing import points_to_cells, polygons_to_cells
from .io.mapping import (
    is_blank,
    load_category_mapping,
    map_categories,
    parse_datetimes,
    parse_enum,
    parse_numbers,
    resolve_mapping,
)
from .io.readers import ParsedTable, read_polygons, read_table
from .io.rejects import REJECTED, VALUE_CLEARED, RowIssues
from .joins import GridLookup, assign_codes, build_grid_lookup
from .store.gpkg import Transaction, Workspace
from .validate import ValidationReport, repair_geometries, validate_grids

__all__ = ["ImportReport", "import_file", "reassign"]

log = logging.getLogger(__name__)
Progress = Callable[[float, str], None]

#: Rough bounding box of mainland China; GCJ-02/BD-09 are only defined inside it.
CHINA_BBOX = (72.004, 0.8293, 137.8347, 55.8271)


@dataclass
class ImportReport:
    """What an import did. ``rows_read == imported + rejected`` always holds."""

    kind: str
    file: str
    crs: str
    rows_read: int
    imported: int
    rejected: int
    unclassified: int = 0
    repaired: int = 0
    updated: int = 0
    values_cleared: int = 0
    mapping: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    rejects_file: str | None = None
    version: int | None = None
    issues: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    validation: ValidationReport | None = field(default=None, repr=False)

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out.pop("issues")
        out.pop("validation")
        out["rejected_by_reason"] = self.rejected_by_reason()
        if self.validation is not None:
            out["validation"] = self.validation.counts()
        return out

    def rejected_by_reason(self) -> dict[str, int]:
        if self.issues.empty:
            return {}
        rej = self.issues[self.issues["action"] == REJECTED]
        # One row may have several reasons; count rows per first reason for a clean tally.
        first = rej.drop_duplicates("row")
        reasons = first["reason"].str.replace(r" \(.*$|: .*$", "", regex=True)
        return {str(k): int(v) for k, v in reasons.value_counts().sort_index().items()}


def _today() -> str:
    return dt.date.today().isoformat()


def _city_outline(ws: Transaction) -> shapely.Geometry | None:
    """Union of the workspace's admin units (else grids), for the 'outside the city' test."""
    for layer in ("admin", "grids"):
        if ws.has_layer(layer) and ws.layer_count(layer):
            gdf = ws.read_layer(layer, columns=["code"])
            geoms = gdf.geometry.values
            geoms = geoms[~(shapely.is_empty(geoms) | shapely.is_missing(geoms))]
            if len(geoms):
                return shapely.union_all(shapely.make_valid(geoms))
    return None


def _outside(
    outline: shapely.Geometry, lon: np.ndarray, lat: np.ndarray, margin_m: float
) -> np.ndarray:
    # A degree-based buffer is fine for a tolerance of a few km: the margin only has to be
    # generous, not exact. Simplify first so that the containment test is cheap.
    mid_lat = float(np.nanmean(lat)) if len(lat) else 36.0
    deg = margin_m / (111_320.0 * max(np.cos(np.radians(mid_lat)), 0.2))
    area = shapely.buffer(shapely.simplify(outline, deg / 4), deg)
    shapely.prepare(area)
    return ~shapely.contains_xy(area, lon, lat)


def _mapped(frame: pd.DataFrame, mapping: Mapping[str, str], name: str) -> pd.Series | None:
    col = mapping.get(name)
    return frame[col] if col is not None else None


def _require_crs(crs: str | CrsSpec | None, file_name: str, file_crs: Any = None) -> CrsSpec:
    if isinstance(crs, CrsSpec):
        return crs
    if crs:
        return parse_crs(crs)
    if file_crs is not None:
        epsg = file_crs.to_epsg() if hasattr(file_crs, "to_epsg") else None
        if epsg:
            return parse_crs(f"EPSG:{epsg}")
        raise CrsError(
            f"{file_name}: the file's coordinate system has no EPSG code; state it "
            "with --crs (wgs84, cgcs2000, gcj02, bd09 or EPSG:XXXX)"
        )
    raise CrsError(
        f"{file_name}: has no coordinate system; state it with --crs "
        "(wgs84, cgcs2000, gcj02, bd09 or EPSG:XXXX)"
    )


# --- points ---------------------------------------------------------------------------------
def _import_points(
    tx: Transaction,
    kind: str,
    path: Path,
    table: ParsedTable,
    *,
    crs: str | CrsSpec | None,
    mapping: Mapping[str, str] | None,
    categories: Mapping[str, str] | None,
    set_values: Mapping[str, str],
    settings: Settings,
    progress: Progress,
) -> tuple[ImportReport, RowIssues]:
    frame = table.frame
    name = path.name
    cols = resolve_mapping(list(frame.columns), kind, mapping, file_name=name)
    report = ImportReport(
        kind, str(path), "", len(frame) + len(table.bad_lines), 0, 0, mapping=dict(cols)
    )
    issues = RowIssues(table.rows)
    issues.add_lines(table.bad_lines)
    n = len(frame)

    # Coordinates: from lon/lat columns, else from a GeoParquet geometry.
    if ("lon" not in cols or "lat" not in cols) and table.geometry is not None:
        geom = table.geometry.values
        is_point = shapely.get_type_id(geom) == 0
        x = np.where(is_point, shapely.get_x(geom), np.nan)
        y = np.where(is_point, shapely.get_y(geom), np.nan)
        raw_x = pd.Series(x, index=frame.index).astype(str)
        raw_y = pd.Series(y, index=frame.index).astype(str)
        report.notes.append("coordinates taken from the file's point geometry")
        spec = _require_crs(crs, name, table.crs)
    else:
        missing = [f for f in ("lon", "lat") if f not in cols]
        if missing:
            raise SchemaError(
                f"{name}: no column for field(s) {', '.join(missing)}; columns found: "
                f"{', '.join(map(str, frame.columns))}; map one with --map COLUMN=FIELD"
            )
        raw_x, raw_y = frame[cols["lon"]], frame[cols["lat"]]
        x = parse_numbers(raw_x).to_numpy()
        y = parse_numbers(raw_y).to_numpy()
        spec = _require_crs(crs, name)
    report.crs = spec.label

    def xy_text() -> pd.Series:
        return raw_x.astype(str) + "," + raw_y.astype(str)

    no_xy = is_blank(raw_x) | is_blank(raw_y)
    issues.add(no_xy, "lon/lat", "no coordinates", xy_text)
    bad_xy = ~no_xy & (np.isnan(x) | np.isnan(y))
    issues.add(bad_xy, "lon/lat", "unparseable coordinates", xy_text)
    zero = ~no_xy & ~bad_xy & (x == 0) & (y == 0)
    issues.add(
        zero,
        "lon/lat",
        "no coordinates (0, 0 is a missing-location placeholder)",
        xy_text,
    )
    usable = ~(no_xy | bad_xy | zero)
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
    progress(0.3, "coordinates converted")

    out = pd.DataFrame(index=frame.index)
    # Identifier: from the file, else made from the file name and row number.
    id_col = _mapped(frame, cols, "id")
    if id_col is None:
        ids = path.stem + ":" + table.rows.astype(str)
        report.notes.append(
            f"no id column: ids made from the file name and row number ({name}:ROW)"
        )
    else:
        ids = id_col.astype(str).str.strip()
        issues.add(is_blank(id_col), "id", "missing id", id_col)
        dup = ids.duplicated(keep="first").to_numpy() & ~is_blank(id_col)
        if dup.any():
            first_row = pd.Series(table.rows.to_numpy(), index=ids.to_numpy())
            first_row = first_row[~first_row.index.duplicated(keep="first")]
            reason = "duplicate id (first at row " + ids.map(first_row).astype(str) + ")"
            issues.add(dup, "id", reason, id_col)
    out["id"] = ids.to_numpy()

    if kind == "incidents":
        _incident_fields(frame, cols, out, issues, report, categories, set_values)
    else:
        _camera_fields(frame, cols, out, issues, set_values)
    progress(0.5, "fields parsed")

    # Spatial: cells, grid assignment, outside-the-city test.
    cells = np.zeros(n, dtype=np.uint64)
    cells[usable] = points_to_cells(lon[usable], lat[usable], schema.POINT_RES)
    out[schema.H3_CELL] = cells.astype(np.int64)
    grid_codes = np.full(n, None, dtype=object)
    lookup = basic_lookup(tx.read_grids())
    if lookup is not None:
        grid_codes[usable] = assign_codes(lookup, lon[usable], lat[usable])
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
            lambda: (
                pd.Series(np.round(lon, 6), index=frame.index).astype(str)
                + ","
                + pd.Series(np.round(lat, 6), index=frame.index).astype(str)
            ),
        )
    progress(0.7, "indexed and assigned")

    # Duplicates against the workspace (incidents are appended, never overwritten).
    existing_ids: set[str] = set()
    id_field = "id"
    layer = kind
    if tx.has_layer(layer):
        existing_ids = set(tx.read_layer(layer, columns=[id_field])[id_field].astype(str))
    if kind == "incidents" and existing_ids:
        dup_ws = out["id"].isin(existing_ids).to_numpy() & ~issues.rejected
        issues.add(dup_ws, "id", "duplicate id (already in the workspace)", out["id"])

    keep = ~issues.rejected
    result = gpd.GeoDataFrame(
        out[keep].reset_index(drop=True),
        geometry=gpd.points_from_xy(lon[keep], lat[keep]),
        crs="EPSG:4326",
    )
    if kind == "incidents":
        report.unclassified = int((result[schema.CATEGORY] == schema.UNCLASSIFIED.code).sum())
        tx.write_layer("incidents", result, append=True)
    else:
        if existing_ids:
            old = tx.read_layer("cameras")
            report.updated = int(old["id"].astype(str).isin(set(result["id"])).sum())
            old = old[~old["id"].astype(str).isin(set(result["id"]))]
            result = pd.concat([old, result], ignore_index=True)
            result = gpd.GeoDataFrame(result, geometry="geometry", crs="EPSG:4326")
        tx.write_layer("cameras", result)
    report.imported = int(keep.sum())
    report.rejected = report.rows_read - report.imported
    progress(0.9, "stored")
    return report, issues


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
    if occurred_src is None:
        raise SchemaError(
            f"{Path(report.file).name}: no column for field occurred_at (发生时间); columns "
            f"found: {', '.join(map(str, frame.columns))}; map one with --map COLUMN=occurred_at"
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


# --- polygons -------------------------------------------------------------------------------
def _import_polygons(
    tx: Transaction,
    kind: str,
    path: Path,
    *,
    crs: str | CrsSpec | None,
    mapping: Mapping[str, str] | None,
    set_values: Mapping[str, str],
    layer: str | None,
    draft: bool,
    effective_date: str | None,
    settings: Settings,
    progress: Progress,
) -> tuple[ImportReport, RowIssues]:
    name = path.name
    gdf = read_polygons(path, layer=layer)
    attrs = pd.DataFrame(gdf.drop(columns=gdf.geometry.name)).astype(object)
    attrs = attrs.where(attrs.notna(), "")
    cols = resolve_mapping([str(c) for c in attrs.columns], kind, mapping, file_name=name)
    allowed = schema.field_names(kind)
    for fld in set_values:
        if fld not in allowed:
            raise SchemaError(
                f"{name}: --set {fld}: not a {kind} field (allowed: {', '.join(allowed)})"
            )
    spec = _require_crs(crs, name, gdf.crs)
    if crs and gdf.crs is not None and spec.kind == "epsg" and gdf.crs.to_epsg() != spec.epsg:
        raise CrsError(
            f"{name}: the file says {gdf.crs.to_string()} but --crs says {spec.label}; "
            "drop --crs to use the file's own, or fix the file's .prj"
        )
    rows = pd.Series(np.arange(2, len(gdf) + 2), index=gdf.index)  # row 1 = header, as in a table
    report = ImportReport(kind, str(path), spec.label, len(gdf), 0, 0, mapping=dict(cols))
    issues = RowIssues(rows)
    geoms = gdf.geometry.values
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    issues.add(missing, "geometry", "no geometry")
    type_ids = shapely.get_type_id(geoms)
    polygonal = np.isin(type_ids, (3, 6))
    allowed_types = polygonal | (np.isin(type_ids, (0, 4)) if kind == "units" else False)
    wrong = ~missing & ~allowed_types
    type_names = pd.Series(shapely.get_type_id(geoms), index=gdf.index).map(
        {
            0: "Point",
            1: "LineString",
            2: "LinearRing",
            4: "MultiPoint",
            5: "MultiLineString",
            7: "GeometryCollection",
        }
    )
    issues.add(
        wrong,
        "geometry",
        "not a polygon" if kind != "units" else "not a polygon or point",
        type_names,
    )
    if spec.kind in ("wgs84", "gcj02", "bd09"):
        bounds = shapely.bounds(geoms)
        out_of_range = (
            ~missing
            & ~wrong
            & (
                (np.abs(bounds[:, [0, 2]]) > 180).any(axis=1)
                | (np.abs(bounds[:, [1, 3]]) > 90).any(axis=1)
            )
        )
        issues.add(
            out_of_range,
            "geometry",
            f"coordinates out of range for {spec.label} degrees (projected metres?)",
        )
    ok_geom = ~issues.rejected
    series = gpd.GeoSeries(np.where(ok_geom, geoms, None), index=gdf.index, crs=None)
    # Repair in the source CRS, then convert to WGS-84.
    repaired_geoms, repaired_mask = repair_geometries(series)
    if kind == "units":
        points = np.isin(type_ids, (0, 4))
        repaired_geoms = gpd.GeoSeries(
            np.where(points, geoms, repaired_geoms.values), index=gdf.index
        )
        repaired_mask &= ~points
    now_empty = ok_geom & (
        shapely.is_missing(repaired_geoms.values) | shapely.is_empty(repaired_geoms.values)
    )
    issues.add(now_empty, "geometry", "invalid geometry with no area left after repair")
    issues.add(
        repaired_mask & ~now_empty, "geometry", "invalid geometry repaired", action="kept, repaired"
    )
    report.repaired = int((repaired_mask & ~now_empty).sum())
    wgs = geometries_to_wgs84(gpd.GeoSeries(repaired_geoms.values, crs=gdf.crs), spec)
    progress(0.3, "geometries read")

    out = pd.DataFrame(index=gdf.index)
    for fld in allowed:
        spec_f = schema.field_spec(kind, fld)
        if fld in cols:
            src = attrs[cols[fld]].astype(str).str.strip()
        elif fld in set_values:
            src = pd.Series(set_values[fld], index=gdf.index)
        else:
            out[fld] = (
                None if spec_f.dtype != "int" else pd.array([pd.NA] * len(gdf), dtype="Int64")
            )
            continue
        if spec_f.dtype == "int":
            num = parse_numbers(src)
            bad = ~is_blank(src) & (num.isna() | (num % 1 != 0)).to_numpy()
            issues.add(bad, fld, "not a whole number", src, action=VALUE_CLEARED)
            report.values_cleared += int(bad.sum())
            out[fld] = num.where(~bad).round().astype("Int64")
        elif spec_f.dtype == "float":
            num = parse_numbers(src)
            bad = ~is_blank(src) & num.isna().to_numpy()
            issues.add(bad, fld, "not a number", src, action=VALUE_CLEARED)
            out[fld] = num.to_numpy()
        elif spec_f.dtype == "enum" and spec_f.enum is not None:
            codes, unknown = parse_enum(src, spec_f.enum)
            issues.add(
                unknown,
                fld,
                f"unknown value (allowed: {spec_f.enum.describe()})",
                src,
                action=VALUE_CLEARED,
            )
            out[fld] = codes.to_numpy()
        elif spec_f.dtype == "date":
            parsed = parse_datetimes(src)
            bad = ~is_blank(src) & parsed.isna().to_numpy()
            issues.add(bad, fld, "unparseable date", src, action=VALUE_CLEARED)
            out[fld] = parsed.dt.strftime("%Y-%m-%d").where(parsed.notna(), None).to_numpy()
        else:
            out[fld] = src.where(~pd.Series(is_blank(src), index=src.index), None).to_numpy()
    # Codes are text: "620104001" and 620104001.0 from a numeric .dbf column must agree.
    if out["code"].notna().any():
        out["code"] = out["code"].map(
            lambda v: v[:-2] if isinstance(v, str) and v.endswith(".0") else v
        )
    issues.add(
        out["code"].isna().to_numpy(),
        "code",
        "missing code"
        if "code" in cols or "code" in set_values
        else "missing code (no code column: map one with --map COLUMN=code)",
    )
    if kind == "admin":
        issues.add(
            out["level"].isna().to_numpy() & ~issues.rejected,
            "level",
            f"missing level (allowed: {schema.ADMIN_LEVELS.describe()}; or --set level=…)",
        )
    if kind != "grids":  # duplicate grid codes are kept and reported by validation
        dup = out["code"].duplicated(keep="first").to_numpy() & out["code"].notna().to_numpy()
        issues.add(dup & ~issues.rejected, "code", "duplicate code", out["code"])
    progress(0.5, "attributes parsed")

    keep = ~issues.rejected
    result = gpd.GeoDataFrame(
        out[keep].reset_index(drop=True), geometry=wgs.values[keep], crs="EPSG:4326"
    )
    report.imported = int(keep.sum())
    report.rejected = report.rows_read - report.imported
    if kind == "grids":
        _store_grids(
            tx,
            result,
            report,
            draft=draft,
            effective_date=effective_date,
            settings=settings,
            repaired=repaired_mask[keep],
        )
    else:
        if kind == "units":
            result = _assign_units(tx, result)
        old = tx.read_layer(kind)
        if len(old):
            replaced = old["code"].astype(str).isin(set(result["code"]))
            report.updated = int(replaced.sum())
            result = gpd.GeoDataFrame(
                pd.concat([old[~replaced], result], ignore_index=True),
                geometry="geometry",
                crs="EPSG:4326",
            )
        tx.write_layer(kind, result)
    progress(0.9, "stored")
    return report, issues


def basic_lookup(grids: gpd.GeoDataFrame) -> GridLookup | None:
    """Lookup over the basic grids; grids sharing a code count as one grid (their union).

    Duplicate codes are a validation problem, reported by ``gridmap validate``; until they
    are fixed, incidents in either part are assigned to that code.
    """
    if not len(grids):
        return None
    basic = (
        grids[grids[schema.GRID_TYPE].fillna("basic") == "basic"]
        if schema.GRID_TYPE in grids
        else grids
    )
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
    admin = tx.read_layer("admin")
    communities = admin[admin[schema.LEVEL] == "community"] if len(admin) else None
    report.validation = validate_grids(
        grids,
        communities if communities is not None and len(communities) else None,
        settings=settings,
        repaired=repaired,
    )
    if not draft:
        reassign(tx)
        report.notes.append(f"grid version {version} published; incidents and units re-assigned")
    else:
        report.notes.append(f"grid version {version} saved as a draft (not in force)")


def reassign(tx: Transaction) -> None:
    """Assign stored incidents and units to the grids in force (after a publish)."""
    lookup = basic_lookup(tx.read_grids())
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
        tx.write_layer(layer, gdf)


# --- entry point ----------------------------------------------------------------------------
def import_file(
    workspace: Workspace | str | Path,
    kind: str,
    path: str | Path,
    *,
    crs: str | CrsSpec | None = None,
    mapping: Mapping[str, str] | None = None,
    category_mapping: Mapping[str, str] | str | Path | None = None,
    set_values: Mapping[str, str] | None = None,
    layer: str | None = None,
    sheet: str | int | None = None,
    encoding: str | None = None,
    sep: str | None = None,
    draft: bool = False,
    effective_date: str | None = None,
    rejects_path: str | Path | None = None,
    user: str | None = None,
    settings: Settings | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Import one file of ``kind`` into the workspace, atomically.

    Parameters
    ----------
    workspace
        A :class:`Workspace` or the path of a ``.gpkg`` (created on first import).
    kind
        One of ``grids``, ``admin``, ``units``, ``incidents``, ``cameras``, ``keyareas``.
    crs
        The coordinate system of the file: ``wgs84``/``cgcs2000``, ``gcj02``, ``bd09`` or
        ``EPSG:XXXX``. Required for tables; polygon files may carry their own.
    mapping
        Source COLUMN -> canonical FIELD, overriding automatic header recognition.
    category_mapping
        Source category value -> category, as a dict or a CSV/JSON file.
    set_values
        FIELD -> constant value for every row (e.g. ``level=district`` for admin files).
    rejects_path
        Where to write the rejects CSV (default: ``rejects/`` next to the workspace).
    """
    if kind not in schema.LAYER_KINDS:
        raise SchemaError(f"kind {kind!r} is not one of {', '.join(schema.LAYER_KINDS)}")
    settings = settings or Settings()
    progress = progress or (lambda _f, _m: None)
    ws = workspace if isinstance(workspace, Workspace) else Workspace(workspace)
    if ws.path.suffix.lower() != ".gpkg":
        raise SchemaError(f"{ws.path}: a workspace file must end in .gpkg")
    path = Path(path)
    set_values = dict(set_values or {})
    categories: Mapping[str, str] | None
    if isinstance(category_mapping, (str, Path)):
        categories = load_category_mapping(category_mapping)
    else:
        categories = category_mapping
    if ws.exists:
        ws.check()
    # Read and check the file before touching the workspace.
    table = (
        read_table(path, encoding=encoding, sep=sep, sheet=sheet)
        if kind in schema.POINT_KINDS
        else None
    )
    progress(0.1, "file read")
    with ws.transaction() as tx:
        if table is not None:
            report, issues = _import_points(
                tx,
                kind,
                path,
                table,
                crs=crs,
                mapping=mapping,
                categories=categories,
                set_values=set_values,
                settings=settings,
                progress=progress,
            )
        else:
            report, issues = _import_polygons(
                tx,
                kind,
                path,
                crs=crs,
                mapping=mapping,
                set_values=set_values,
                layer=layer,
                draft=draft,
                effective_date=effective_date,
                settings=settings,
                progress=progress,
            )
        frame = issues.frame()
        report.issues = frame
        if len(frame):
            stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
            target = (
                Path(rejects_path)
                if rejects_path
                else (ws.path.parent / "rejects" / f"{kind}-{path.stem}-{stamp}.csv")
            )
            report.rejects_file = str(issues.write_csv(target))
        assert report.rows_read == report.imported + report.rejected
        tx.log_import(
            user=user,
            kind=kind,
            file=str(path),
            crs=report.crs,
            rows_read=report.rows_read,
            imported=report.imported,
            rejected=report.rejected,
            unclassified=report.unclassified,
            repaired=report.repaired,
            rejects_file=report.rejects_file,
            version=report.version,
            note="; ".join(report.notes) or None,
        )
    progress(1.0, "done")
    return report
