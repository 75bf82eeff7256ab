"""Polygon layers (grids, admin units, key areas, units): geometry repair, attributes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray

from .. import schema
from ..config import Settings
from ..crs import CrsSpec, geometries_to_wgs84
from ..errors import CrsError, SchemaError
from ..i18n import t
from ..io.mapping import (
    is_blank,
    parse_datetimes,
    parse_enum,
    parse_numbers,
    resolve_mapping,
)
from ..io.readers import read_polygons
from ..io.rejects import MERGED, REJECTED, VALUE_CLEARED, RowIssues
from ..store import Transaction
from ..validate import GEOMETRY_TYPE_NAMES, repair_geometries
from .common import ImportOptions, _city_outline, _outside_polygons, _require_crs
from .grids import _assign_units, _store_grids
from .report import ImportReport

__all__ = []


@dataclass
class PolygonRows:
    """A polygon file read and checked row by row, before it is stored: what the grid,
    admin, unit and key-area import and the department import share."""

    name: str
    cols: dict[str, str]
    spec: CrsSpec
    report: ImportReport
    issues: RowIssues
    out: pd.DataFrame
    geoms: NDArray[np.object_]
    merged_away: NDArray[np.bool_]
    repaired: NDArray[np.bool_]


def read_polygon_rows(tx: Transaction, kind: str, path: Path, opts: ImportOptions) -> PolygonRows:
    """Read, convert, repair and parse a polygon file; reject what is wrong row by row."""
    name = path.name
    gdf = read_polygons(path, layer=opts.layer)
    attrs = pd.DataFrame(gdf.drop(columns=gdf.geometry.name)).astype(object)
    attrs = attrs.where(attrs.notna(), "")
    cols = resolve_mapping([str(c) for c in attrs.columns], kind, opts.mapping, file_name=name)
    spec = _file_crs(kind, name, gdf, opts)
    rows = pd.Series(np.arange(2, len(gdf) + 2), index=gdf.index)  # row 1 = header, as in a table
    # The workspace as it was before this file: what "outside the city" is measured against.
    outline = _city_outline(tx)
    report = ImportReport(kind, str(path), spec.label, len(gdf), 0, 0, mapping=dict(cols))
    issues = RowIssues(rows)
    wgs, repaired_mask = _geometries(gdf, kind, spec, name, issues, report)
    opts.progress(0.3, "geometries read")

    out = _attributes(kind, attrs, cols, opts.set_values, issues, report)
    _require_code_and_level(kind, out, cols, opts.set_values, issues)
    if outline is not None:
        _reject_outside(outline, wgs.values, issues, opts.settings)
    # Rows sharing a code are parts of one feature when they agree on everything else (a
    # multipart polygon exported as parts); otherwise nobody can tell which row is right.
    geoms, merged_away, repaired = _merge_parts(
        kind, out, wgs.values, repaired_mask, rows, issues, report
    )
    return PolygonRows(name, dict(cols), spec, report, issues, out, geoms, merged_away, repaired)


def _import_polygons(
    tx: Transaction, kind: str, path: Path, opts: ImportOptions
) -> tuple[ImportReport, RowIssues]:
    """Read, check, repair, convert, parse and store one polygon file (inside ``tx``)."""
    read = read_polygon_rows(tx, kind, path, opts)
    name, out, report, issues = read.name, read.out, read.report, read.issues
    geoms_wgs, merged_away, repaired_any = read.geoms, read.merged_away, read.repaired
    opts.progress(0.5, "attributes parsed")

    # Counts are rows: a merged row is imported (as part of its feature), so rows read =
    # imported + rejected still holds; report.merged says how many rows were folded in.
    imported = ~issues.rejected
    keep = imported & ~merged_away
    result = gpd.GeoDataFrame(
        out[keep].reset_index(drop=True), geometry=geoms_wgs[keep], crs="EPSG:4326"
    )
    report.imported = int(imported.sum())
    report.rejected = report.rows_read - report.imported
    _store(tx, kind, name, result, report, issues, opts, repaired_any[keep])
    opts.progress(0.9, "stored")
    return report, issues


def _file_crs(kind: str, name: str, gdf: gpd.GeoDataFrame, opts: ImportOptions) -> CrsSpec:
    """The fixed values' fields checked, and the file's coordinate system (``--crs`` or its
    own; the two must agree)."""
    allowed = schema.field_names(kind)
    for fld in opts.set_values:
        if fld not in allowed:
            raise SchemaError(
                f"{name}: --set {fld}: not a {kind} field (allowed: {', '.join(allowed)})"
            )
    crs = opts.crs
    spec = _require_crs(crs, name, gdf.crs)
    if crs and gdf.crs is not None and spec.kind == "epsg" and gdf.crs.to_epsg() != spec.epsg:
        raise CrsError(
            f"{name}: the file says {gdf.crs.to_string()} but --crs says {spec.label}; "
            "drop --crs to use the file's own, or fix the file's .prj"
        )
    return spec


def _check_geometries(
    geoms: NDArray[np.object_], kind: str, spec: CrsSpec, index: pd.Index, issues: RowIssues
) -> NDArray[np.int32]:
    """Reject missing, non-polygonal (points allowed for units) and out-of-range geometries.

    Returns the shapely type ids.
    """
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    issues.add(missing, "geometry", "no geometry")
    type_ids = shapely.get_type_id(geoms)
    polygonal = np.isin(type_ids, (3, 6))
    allowed_types = polygonal | (np.isin(type_ids, (0, 4)) if kind == "units" else False)
    wrong = ~missing & ~allowed_types
    type_names = pd.Series(shapely.get_type_id(geoms), index=index).map(GEOMETRY_TYPE_NAMES)
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
    return type_ids


def _geometries(
    gdf: gpd.GeoDataFrame,
    kind: str,
    spec: CrsSpec,
    name: str,
    issues: RowIssues,
    report: ImportReport,
) -> tuple[gpd.GeoSeries, NDArray[np.bool_]]:
    """The file's geometries checked, repaired and converted to WGS-84; the repaired mask."""
    geoms = gdf.geometry.values
    type_ids = _check_geometries(geoms, kind, spec, gdf.index, issues)
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
    try:
        wgs = geometries_to_wgs84(gpd.GeoSeries(repaired_geoms.values, crs=gdf.crs), spec)
    except CrsError as exc:  # the file's own label contradicts --crs: say which file
        raise CrsError(
            f"{name}: {exc}; drop --crs to use the file's own, or fix the file's .prj"
        ) from None
    # Reprojection does not keep geometries valid, and a projected CRS gets no range check
    # before it: coordinates far outside the area it covers collapse onto ±180/±90 or come
    # out infinite. Repair again in WGS-84 and reject what is left with no area or range.
    converted = wgs.to_numpy()
    present = ok_geom & ~now_empty
    finite = present & np.isfinite(shapely.bounds(converted)).all(axis=1)
    broken = finite & ~shapely.is_valid(np.where(finite, converted, None))
    if broken.any():
        converted[broken] = repair_geometries(gpd.GeoSeries(converted[broken]))[0].to_numpy()
    wb = shapely.bounds(converted)
    unmappable = present & (
        ~finite
        | shapely.is_missing(converted)
        | shapely.is_empty(converted)
        | (np.abs(wb[:, [0, 2]]) > 180).any(axis=1)
        | (np.abs(wb[:, [1, 3]]) > 90).any(axis=1)
    )
    issues.add(unmappable, "geometry", f"cannot convert from {spec.label} to WGS-84 degrees")
    report.repaired -= int((repaired_mask & ~now_empty & unmappable).sum())
    return gpd.GeoSeries(converted, index=wgs.index, crs="EPSG:4326"), repaired_mask


def _attributes(
    kind: str,
    attrs: pd.DataFrame,
    cols: Mapping[str, str],
    set_values: Mapping[str, str],
    issues: RowIssues,
    report: ImportReport,
) -> pd.DataFrame:
    """Every field of ``kind`` parsed from its column or fixed value (bad values cleared)."""
    out = pd.DataFrame(index=attrs.index)
    for fld in schema.field_names(kind):
        spec_f = schema.field_spec(kind, fld)
        if fld in cols:
            src = attrs[cols[fld]].astype(str).str.strip()
        elif fld in set_values:
            src = pd.Series(set_values[fld], index=attrs.index)
        else:
            out[fld] = (
                None if spec_f.dtype != "int" else pd.array([pd.NA] * len(attrs), dtype="Int64")
            )
            continue
        if spec_f.dtype == "int":
            num = parse_numbers(src)
            bad = ~is_blank(src) & (num.isna() | (num % 1 != 0)).to_numpy()
            issues.add(bad, fld, "not a whole number", src, action=VALUE_CLEARED)
            # Beyond 2**53 a float no longer holds whole numbers exactly; Int64 refuses them.
            huge = ~is_blank(src) & ~bad & (num.abs() > 2**53).to_numpy()
            issues.add(huge, fld, "not a whole number (too large)", src, action=VALUE_CLEARED)
            bad |= huge
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
    return out


def _require_code_and_level(
    kind: str,
    out: pd.DataFrame,
    cols: Mapping[str, str],
    set_values: Mapping[str, str],
    issues: RowIssues,
) -> None:
    """Reject rows without a code, and admin units without a level."""
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


def _store(
    tx: Transaction,
    kind: str,
    name: str,
    result: gpd.GeoDataFrame,
    report: ImportReport,
    issues: RowIssues,
    opts: ImportOptions,
    repaired: NDArray[np.bool_],
) -> None:
    """Write the features: a new grid version, or an upsert by code for the other kinds."""
    if kind == "grids" and not report.imported:
        # A version without grids would be published over the one in force and leave every
        # incident and unit without a grid: refuse the file instead.
        rej = issues.frame()
        first = rej[rej["action"] == REJECTED].drop_duplicates("row")["reason"]
        why = "; ".join(f"{r} ×{n}" for r, n in first.value_counts().head(3).items())
        raise SchemaError(
            f"{name}: no usable grid in {report.rows_read} row(s)"
            + (f" ({why})" if why else "")
            + "; no grid version was made"
        )
    if kind == "grids":
        _store_grids(
            tx,
            result,
            report,
            draft=opts.draft,
            effective_date=opts.effective_date,
            settings=opts.settings,
            repaired=repaired,
        )
        return
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


#: What one feature of each kind is called in notes and reasons (i18n keys).
_NOUN = {
    "grids": "import.noun.grids",
    "admin": "import.noun.admin",
    "units": "import.noun.units",
    "keyareas": "import.noun.keyareas",
    schema.Layer.DEPARTMENTS: "import.noun.departments",
}


def _reject_outside(
    outline: shapely.Geometry, geoms: NDArray[np.object_], issues: RowIssues, settings: Settings
) -> None:
    """Reject polygons lying wholly outside the workspace's city (with the margin)."""
    present = ~issues.rejected & ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    far = np.zeros(len(geoms), dtype=bool)
    if present.any():
        far[present] = _outside_polygons(outline, geoms[present], settings.city_margin_m)
    issues.add(
        far,
        "geometry",
        f"outside the city (more than {settings.city_margin_m:g} m "
        "beyond the workspace boundaries)",
    )


def _merge_parts(
    kind: str,
    out: pd.DataFrame,
    geoms: NDArray[np.object_],
    repaired: NDArray[np.bool_],
    rows: pd.Series,
    issues: RowIssues,
    report: ImportReport,
) -> tuple[NDArray[np.object_], NDArray[np.bool_], NDArray[np.bool_]]:
    """Fold rows sharing a code and agreeing on every other field into one feature.

    The first row of a code keeps the union of its parts; the other rows are marked merged
    (imported, as parts, but not stored on their own). A code whose rows disagree on any
    field is rejected on every row: no row can be trusted over the others, and the reason
    names the fields that differ, so that the user fixes the file.

    Returns the geometries (unions on the first rows), the mask of rows merged away and the
    repaired mask carried to the feature (a feature is repaired when any part was).
    """
    geoms = np.array(geoms, dtype=object, copy=True)
    repaired = np.asarray(repaired, dtype=bool).copy()
    merged_away = np.zeros(len(out), dtype=bool)
    live = ~issues.rejected & out["code"].notna().to_numpy()
    codes = out["code"].where(live)
    dup = codes.duplicated(keep=False).to_numpy() & live
    if not dup.any():
        return geoms, merged_away, repaired
    sub = out[dup].astype(object)
    sub = sub.where(sub.notna(), "\x00")  # a missing value equals a missing value
    others = [c for c in sub.columns if c != "code"]
    n_values = sub.groupby("code", sort=False)[others].nunique()
    differs = n_values.gt(1)
    type_ids = shapely.get_type_id(geoms[dup])
    kinds = pd.Series(np.isin(type_ids, (0, 4)), index=sub.index).groupby(sub["code"]).nunique()
    mixed = kinds.gt(1)
    row_no = rows.to_numpy()
    positions = pd.Series(np.flatnonzero(dup), index=sub.index).groupby(sub["code"], sort=False)
    merged_codes: list[str] = []
    n_rows = 0
    for code, members in positions:
        pos = members.to_numpy()
        listed = ", ".join(str(r) for r in row_no[pos][:10]) + (" …" if len(pos) > 10 else "")
        fields = [c for c in others if differs.at[code, c]]
        if fields or mixed.get(code, False):
            what = ", ".join(fields) if fields else "geometry type (points and polygons)"
            mask = np.zeros(len(out), dtype=bool)
            mask[pos] = True
            issues.add(
                mask,
                "code",
                f"duplicate code with conflicting attributes (rows {listed} differ in {what})",
                out["code"],
            )
            continue
        parts = shapely.make_valid(geoms[pos])
        geoms[pos[0]] = shapely.union_all(parts)
        repaired[pos[0]] = repaired[pos].any()
        merged_away[pos[1:]] = True
        mask = np.zeros(len(out), dtype=bool)
        mask[pos] = True
        issues.add(
            mask,
            "code",
            f"merged {len(pos)} rows into 1 {t(_NOUN[kind], 'en')}: {code} "
            f"(rows {listed}; same code and attributes)",
            out["code"],
            action=MERGED,
        )
        merged_codes.append(str(code))
        n_rows += len(pos)
    if merged_codes:
        shown = ", ".join(merged_codes[:10]) + (" …" if len(merged_codes) > 10 else "")
        params = {"rows": n_rows, "n": len(merged_codes), "codes": shown}
        report.merged = int(merged_away.sum())
        report.add_note(f"import.note.merged.{kind}", **params)
    return geoms, merged_away & ~issues.rejected, repaired
