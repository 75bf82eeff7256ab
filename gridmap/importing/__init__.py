"""Import files into a workspace: read, map, parse, convert, validate, index, assign, store.

Every data row is accounted for: ``rows_read == imported + rejected``, and each rejected row
is listed with its row number, field and reason. The whole import is one workspace
transaction, so a failed or interrupted import leaves the workspace as it was.

How each kind is stored:

- ``incidents``: upserted by id: a new id is appended; an id already in the workspace
  replaces the stored row (an updated export with later stages filled in;
  ``report.updated`` counts them), so importing next month's export, or the same file
  twice, never double-counts. Only the file's ids are looked up and only those rows are
  rewritten, in place (see :meth:`gridmap.store.Workspace.transaction`).
- ``cameras``, ``admin``, ``keyareas``, ``units``: upserted by id / code (a newer register
  replaces the rows it names and keeps the others; cameras in place as incidents).
- ``departments`` (also spelled ``department``): one department's own grid units, named
  with ``department=``; every import is that department's next version, older versions
  and other departments stay as they were (:mod:`.departments`).
- ``grids``: every import is a new grid version; it is published (and incidents and units
  are re-assigned to it) unless imported as a draft, or unless validation finds a problem
  analyses cannot use (:data:`gridmap.validate.BLOCKING_KINDS`): such a version is kept as
  a draft (``report.blocked``).

Rows of a polygon file sharing a code are parts of one feature when they agree on every
other field (merged into one (Multi)Polygon, ``report.merged`` rows folded in; they count
as imported), and are all rejected when they do not. Polygons wholly outside the city the
workspace already holds are rejected, as points are. Incidents without coordinates whose
grid column names a grid in force (by code, or by a name only one grid has) are kept
without a location (``report.unlocated``): counted in their grid, on no cell.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path

from .. import schema
from ..config import Settings
from ..crs import CrsSpec
from ..errors import SchemaError
from ..io.mapping import load_category_mapping
from ..io.readers import read_table
from ..store import Workspace, is_url
from ..store.departments import check_department_name
from .common import ImportOptions
from .departments import import_departments
from .grids import basic_lookup, reassign
from .points import _import_points
from .polygons import _import_polygons
from .report import ImportReport, Progress

__all__ = ["ImportReport", "basic_lookup", "import_file", "reassign", "rejects_folder"]


def rejects_folder(location: str) -> Path:
    """Rejected rows go beside a workspace file; for a database, under the current folder."""
    if is_url(location):
        return Path.cwd() / "rejects"
    return Path(location).parent / "rejects"


def _in_place(ws: Workspace, kind: str, points: bool) -> bool:
    """Points into a layer that exists are written in place: adding a day's incidents costs
    the day, not the workspace. A first import creates the layer and polygons replace
    layers: both need GDAL, so copy-on-write on a GeoPackage."""
    return points and ws.exists and ws.has_layer(kind)


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
    department: str | None = None,
) -> ImportReport:
    """Import one file of ``kind`` into the workspace, atomically.

    Parameters
    ----------
    workspace
        A :class:`Workspace` or the path of a ``.gpkg`` (created on first import).
    kind
        One of ``grids``, ``admin``, ``units``, ``incidents``, ``cameras``, ``keyareas``,
        ``departments`` (or ``department``).
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
    department
        The department whose units a ``departments`` file holds (required for that kind,
        refused for the others).
    """
    if kind == "department":  # the issue's spelling of the kind
        kind = schema.Layer.DEPARTMENTS
    if kind not in schema.LAYER_KINDS:
        raise SchemaError(f"kind {kind!r} is not one of {', '.join(schema.LAYER_KINDS)}")
    settings = settings or Settings()
    progress = progress or (lambda _f, _m: None)
    ws = workspace if isinstance(workspace, Workspace) else Workspace(workspace)
    if not is_url(ws.location) and not ws.location.lower().endswith(".gpkg"):
        raise SchemaError(f"{ws.name}: a workspace file must end in .gpkg")
    path = Path(path)
    if kind == schema.Layer.DEPARTMENTS:
        department = check_department_name(department, path.name)
    elif department is not None:
        raise SchemaError(f"{path.name}: --department is only for a department layer, not {kind}")
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
    opts = ImportOptions(
        crs=crs,
        mapping=mapping,
        categories=categories,
        set_values=set_values,
        layer=layer,
        draft=draft,
        effective_date=effective_date,
        settings=settings,
        progress=progress,
    )
    with ws.transaction(in_place=_in_place(ws, kind, table is not None)) as tx:
        if table is not None:
            report, issues = _import_points(tx, kind, path, table, opts)
        elif department is not None:
            report, issues = import_departments(tx, path, opts, department)
        else:
            report, issues = _import_polygons(tx, kind, path, opts)
        frame = issues.frame()
        report.issues = frame
        if len(frame):
            stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
            target = (
                Path(rejects_path)
                if rejects_path
                else (rejects_folder(ws.location) / f"{kind}-{path.stem}-{stamp}.csv")
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
