"""Department layers (多网合一): one department's grid units, stored as its next version.

A department layer comes as any polygon file the other layers accept (GeoPackage, Shapefile
or zipped set, GeoJSON, FlatGeobuf, GeoParquet), in any coordinate system gridmap converts
(GCJ-02 and BD-09 included), with its units' codes and names in columns recognised by their
headers or named with ``--code-field``/``--name-field``. The rows go through the polygon
importer's checks (geometry repair, out-of-range and outside-the-city rejection, values
parsed and cleared) and are stored with :func:`gridmap.store.departments.append_department`.

Stricter than the other polygon layers, because a crosswalk built on a wrong unit list is
wrong everywhere: two rows sharing a code but not their attributes stop the import (a
department's unit codes must be unique), and a file without one usable polygon stops it
too. Rows sharing a code *and* every attribute are parts of one unit (a multipart polygon
exported as parts) and are merged, as for grids.
"""

from __future__ import annotations

import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from .. import schema
from ..crs import CrsSpec
from ..errors import CrsError, SchemaError
from ..io.mapping import resolve_mapping
from ..io.readers import read_polygons
from ..io.rejects import REJECTED, RowIssues
from ..store import Transaction
from ..store.departments import DEPARTMENT_CODE, DEPARTMENT_NAME, append_department
from .common import ImportOptions, _city_outline
from .polygons import (
    _attributes,
    _file_crs,
    _geometries,
    _merge_parts,
    _reject_outside,
    _require_code_and_level,
)
from .report import ImportReport

__all__: list[str] = []

_KIND = schema.Layer.DEPARTMENTS


def _crs(name: str, gdf: gpd.GeoDataFrame, opts: ImportOptions) -> CrsSpec:
    """The file's coordinate system; an unknown ``--crs`` names the file."""
    try:
        return _file_crs(_KIND, name, gdf, opts)
    except CrsError as exc:
        text = str(exc)
        raise CrsError(text if text.startswith(name) else f"{name}: --crs: {text}") from None


def _refuse_duplicates(name: str, issues: RowIssues, cols: dict[str, str]) -> None:
    """Stop the import when two rows share a code but not their attributes."""
    frame = issues.frame()
    dup = frame[
        (frame["action"] == REJECTED)
        & (frame["field"] == "code")
        & frame["reason"].astype(str).str.startswith("duplicate code")
    ]
    if dup.empty:
        return
    first = dup.iloc[0]
    n_codes = dup["value"].nunique()
    column = cols.get("code", "code")
    more = f" (and {n_codes - 1} other code(s))" if n_codes > 1 else ""
    # The merge step's reason reads "... (rows 2, 4 differ in name)": keep its details.
    found = re.search(r"\(rows (.+) differ in (.+)\)$", str(first["reason"]))
    rows, fields = found.groups() if found else ("?", "attributes")
    raise SchemaError(
        f"{name}: field {column}: unit code {first['value']!r} is given to rows {rows}, which "
        f"differ in {fields}{more}; a department's unit codes must be unique (fix the file, "
        "or pick the code column with --code-field)"
    )


def _refuse_empty(name: str, issues: RowIssues, report: ImportReport) -> None:
    """Stop the import when no row gave a usable unit."""
    rej = issues.frame()
    first = rej[rej["action"] == REJECTED].drop_duplicates("row")
    reasons = first["reason"].astype(str).str.replace(r" \(.*$", "", regex=True)
    why = "; ".join(f"{r} ×{n}" for r, n in reasons.value_counts().head(3).items())
    raise SchemaError(
        f"{name}: no usable polygon in {report.rows_read} row(s)"
        + (f" ({why})" if why else "")
        + "; nothing was imported"
        + ("; pick the code column with --code-field COLUMN" if "missing code" in why else "")
    )


def import_departments(
    tx: Transaction, path: Path, opts: ImportOptions, department: str
) -> tuple[ImportReport, RowIssues]:
    """Read, check, repair, convert and store one department layer (inside ``tx``).

    Returns the report (``version``: the department's new version) and the row issues.
    """
    name = path.name
    gdf = read_polygons(path, layer=opts.layer)
    attrs = pd.DataFrame(gdf.drop(columns=gdf.geometry.name)).astype(object)
    attrs = attrs.where(attrs.notna(), "")
    cols = resolve_mapping([str(c) for c in attrs.columns], _KIND, opts.mapping, file_name=name)
    spec = _crs(name, gdf, opts)
    label = spec.label
    rows = pd.Series(np.arange(2, len(gdf) + 2), index=gdf.index)  # row 1 = header
    outline = _city_outline(tx)
    report = ImportReport(_KIND, str(path), label, len(gdf), 0, 0, mapping=dict(cols))
    report.department = department
    issues = RowIssues(rows)
    wgs, repaired_mask = _geometries(gdf, _KIND, spec, name, issues, report)
    opts.progress(0.3, "geometries read")
    out = _attributes(_KIND, attrs, cols, opts.set_values, issues, report)
    _require_code_and_level(_KIND, out, cols, opts.set_values, issues)
    if outline is not None:
        _reject_outside(outline, wgs.values, issues, opts.settings)
    geoms, merged_away, _repaired = _merge_parts(
        _KIND, out, wgs.values, repaired_mask, rows, issues, report
    )
    _refuse_duplicates(name, issues, dict(cols))
    opts.progress(0.5, "attributes parsed")
    imported = ~issues.rejected
    if not imported.any():
        _refuse_empty(name, issues, report)
    keep = imported & ~merged_away
    kept = out[keep].reset_index(drop=True)
    units = gpd.GeoDataFrame(
        {
            DEPARTMENT_CODE: kept[schema.CODE].astype(str),
            DEPARTMENT_NAME: kept[schema.NAME],
            schema.HOUSEHOLDS: kept[schema.HOUSEHOLDS],
            schema.POPULATION: kept[schema.POPULATION],
        },
        geometry=geoms[keep],
        crs="EPSG:4326",
    )
    report.imported = int(imported.sum())
    report.rejected = report.rows_read - report.imported
    report.version = append_department(
        tx, units, department=department, source_crs=label, source_file=name
    )
    report.add_note(
        "import.note.department",
        department=department,
        version=report.version,
        units=len(units),
    )
    opts.progress(0.9, "stored")
    return report, issues
