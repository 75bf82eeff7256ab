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

from .. import schema
from ..errors import SchemaError
from ..io.rejects import REJECTED, RowIssues
from ..store import Transaction
from ..store.departments import DEPARTMENT_CODE, DEPARTMENT_NAME, append_department
from .common import ImportOptions
from .polygons import read_polygon_rows
from .report import ImportReport

__all__: list[str] = []

_KIND = schema.Layer.DEPARTMENTS


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
    read = read_polygon_rows(tx, _KIND, path, opts)
    name, out, report, issues = read.name, read.out, read.report, read.issues
    geoms, merged_away, cols, label = read.geoms, read.merged_away, read.cols, read.spec.label
    report.department = department
    _refuse_duplicates(name, issues, cols)
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
