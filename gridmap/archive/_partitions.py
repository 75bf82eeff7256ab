"""Finding an archive's partition files and checking their footers before any work."""

from __future__ import annotations

import glob
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pyproj

from .. import schema
from ..crs import CrsSpec, parse_crs
from ..errors import CrsError, GridmapError, ImportFileError, SchemaError
from ..io.mapping import resolve_mapping
from ._values import DEFAULT_TZ, PartitionSpec

_SUFFIXES = (".parquet", ".geoparquet")
_TIME_KINDS = "a timestamp, a date or text"
_LISTED = 5  # problems named in one error message


def find_partitions(archive: str | Path) -> list[Path]:
    """The partition files of an archive, sorted: a folder (searched recursively), a glob
    pattern or one file. Names starting with ``_`` or ``.`` (``_SUCCESS``, ``_metadata``)
    are skipped, as Spark and Dask write them beside the data.

    Raises
    ------
    ImportFileError
        When nothing matches.
    """
    text = str(archive)
    path = Path(archive)
    if path.is_dir():
        found = [p for p in path.rglob("*") if p.suffix.lower() in _SUFFIXES]
    elif path.is_file():
        found = [path]
    elif glob.has_magic(text):
        found = [Path(p) for p in glob.glob(text, recursive=True)]
        found = [p for p in found if p.is_file() and p.suffix.lower() in _SUFFIXES]
    else:
        raise ImportFileError(
            f"{text}: not found; give a folder of GeoParquet partitions, a glob such as "
            "'archive/**/*.parquet' or one .parquet file"
        )
    files = sorted(p for p in found if p.is_file() and not p.name.startswith(("_", ".")))
    if not files:
        raise ImportFileError(
            f"{text}: no .parquet or .geoparquet files; give a folder of GeoParquet "
            "partitions, a glob such as 'archive/**/*.parquet' or one .parquet file"
        )
    return files


def _file_crs(name: str, column: Mapping[str, Any]) -> CrsSpec:
    if "crs" not in column:
        return parse_crs("wgs84")  # GeoParquet: an absent crs means OGC:CRS84
    if column["crs"] is None:
        raise CrsError(
            f"{name}: the GeoParquet metadata says the coordinate system is unknown; "
            "state it with --crs (wgs84, cgcs2000, gcj02, bd09 or EPSG:XXXX)"
        )
    try:
        crs = pyproj.CRS.from_user_input(column["crs"])
    except pyproj.exceptions.CRSError as exc:
        raise CrsError(f"{name}: unreadable coordinate system in the metadata ({exc})") from None
    if crs.equals("OGC:CRS84"):
        return parse_crs("wgs84")
    epsg = crs.to_epsg()
    if epsg is None:
        raise CrsError(
            f"{name}: the coordinate system {crs.name!r} has no EPSG code; state it with "
            "--crs (wgs84, cgcs2000, gcj02, bd09 or EPSG:XXXX)"
        )
    return parse_crs(f"EPSG:{epsg}")


def _inspect(
    path: Path, mapping: Mapping[str, str] | None, crs: CrsSpec | None, tz: str
) -> PartitionSpec:
    """Check one file from its footer alone (no data is read); raise naming the problem."""
    name = str(path)  # partitions of different folders often share a file name
    try:
        pschema = pq.read_schema(path)
    except (OSError, pa.ArrowException) as exc:
        raise ImportFileError(f"{name}: not a readable Parquet file ({exc})") from None
    raw = (pschema.metadata or {}).get(b"geo")
    if raw is None:
        raise ImportFileError(
            f"{name}: not GeoParquet (no 'geo' metadata); write partitions with "
            "GeoDataFrame.to_parquet, dask-geopandas or GDAL"
        )
    try:
        geo = json.loads(raw)
        geom_col = str(geo["primary_column"])
        column = geo["columns"][geom_col]
    except (ValueError, KeyError, TypeError):
        raise ImportFileError(f"{name}: malformed GeoParquet 'geo' metadata") from None
    problems = []
    encoding = str(column.get("encoding", ""))
    if geom_col not in pschema.names:
        problems.append(f"geometry column {geom_col!r} is missing")
    elif encoding == "point":
        if not pa.types.is_struct(pschema.field(geom_col).type):
            problems.append(f"geometry {geom_col!r}: 'point' encoding that is not x/y fields")
    elif encoding != "WKB":
        problems.append(f"geometry encoding {encoding!r}; allowed: WKB or point")
    types = [str(t) for t in column.get("geometry_types") or []]
    if types and not any(t.startswith("Point") for t in types):
        problems.append(f"geometry types {', '.join(types)}; allowed: Point")
    spec_crs = crs if crs is not None else _file_crs(name, column)
    columns = [c for c in pschema.names if c not in geo["columns"]]
    cols = resolve_mapping(columns, "incidents", mapping, file_name=name)
    for fld in (schema.OCCURRED_AT, schema.CATEGORY):
        if fld not in cols:
            problems.append(
                f"no column for field {fld} (columns: {', '.join(columns) or 'none'}); map "
                f"one with --map COLUMN={fld}"
            )
    for fld in (schema.OCCURRED_AT, schema.CLOSED_AT):
        if fld not in cols:
            continue
        ftype = pschema.field(cols[fld]).type
        if pa.types.is_dictionary(ftype):
            ftype = ftype.value_type
        if not (
            pa.types.is_timestamp(ftype)
            or pa.types.is_date(ftype)
            or pa.types.is_string(ftype)
            or pa.types.is_large_string(ftype)
        ):
            problems.append(f"column {cols[fld]!r} ({fld}) is {ftype}; allowed: {_TIME_KINDS}")
    if problems:
        raise SchemaError(f"{name}: " + "; ".join(problems))
    return PartitionSpec(
        str(path),
        geom_col,
        encoding,
        cols[schema.OCCURRED_AT],
        cols[schema.CATEGORY],
        spec_crs,
        tz,
        closed_at=cols.get(schema.CLOSED_AT),
        handling_class=cols.get(schema.HANDLING_CLASS),
    )


def inspect_partitions(
    paths: Sequence[Path],
    *,
    mapping: Mapping[str, str] | None = None,
    crs: str | CrsSpec | None = None,
    tz: str = DEFAULT_TZ,
) -> list[PartitionSpec]:
    """Check every partition's footer (format, geometry, CRS, columns) before any work.

    Every file is checked and the problems of all of them are reported in one error.

    Raises
    ------
    ImportFileError
        When a file is not readable Parquet or not GeoParquet (other problems are listed
        in the same message).
    SchemaError, CrsError
        For a missing column, a column of the wrong type, non-point geometries or an
        unusable coordinate system.
    """
    spec_crs = crs if isinstance(crs, CrsSpec) or crs is None else parse_crs(crs)
    specs: list[PartitionSpec] = []
    problems: list[GridmapError] = []
    for path in paths:
        try:
            specs.append(_inspect(path, mapping, spec_crs, tz))
        except GridmapError as exc:
            problems.append(exc)
    if not problems:
        return specs
    shown = "; ".join(str(p) for p in problems[:_LISTED])
    more = f" (and {len(problems) - _LISTED} more files)" if len(problems) > _LISTED else ""
    kind = type(problems[0])
    if any(isinstance(p, ImportFileError) for p in problems):
        kind = ImportFileError
    elif not all(isinstance(p, kind) for p in problems):
        kind = SchemaError
    raise kind(f"{len(problems)} of {len(paths)} partition files unusable: {shown}{more}")
