"""Workspace commands: ``import``, ``validate``, ``info``, ``copy``, ``demo`` and ``index``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from .. import schema
from ._common import (
    EXIT_OK,
    EXIT_PROBLEMS,
    Subparsers,
    actor,
    archive_line,
    on_workspace,
    print_json,
    runs,
)


def _cmd_import(args: argparse.Namespace) -> int:
    from ..importing import import_file
    from ..io.mapping import parse_assignments

    mapping = parse_assignments(args.map or [], what="--map")
    # --code-field/--name-field (department layers) are --map COLUMN=code / COLUMN=name.
    mapping.update({c: f for c, f in ((args.code_field, "code"), (args.name_field, "name")) if c})
    set_values = parse_assignments(args.set or [], what="--set")
    report = import_file(
        args.workspace,
        args.kind,
        args.file,
        crs=args.crs,
        mapping=mapping,
        category_mapping=args.categories,
        set_values=set_values,
        layer=args.layer,
        sheet=args.sheet,
        encoding=args.encoding,
        sep=args.sep,
        draft=args.draft,
        effective_date=args.effective,
        rejects_path=args.rejects,
        department=args.department,
    )
    # Exit 1 whenever validation lists problems, as `gridmap validate` does; the version is
    # still published unless a problem blocks analyses (then it is kept as a draft).
    status = (
        EXIT_PROBLEMS if report.validation is not None and not report.validation.ok() else EXIT_OK
    )
    if args.json:
        print_json(report.to_dict())
        return status
    print(f"{report.kind}: {Path(report.file).name} ({report.crs})")
    print(f"  rows read  {report.rows_read:>10,}")
    print(f"  imported   {report.imported:>10,}")
    print(f"  rejected   {report.rejected:>10,}")
    for reason, count in report.rejected_by_reason().items():
        print(f"    {count:>8,}  {reason}")
    if report.unclassified:
        print(f"  unclassified category {report.unclassified:,} (kept; map them with --categories)")
    if report.repaired:
        print(f"  geometries repaired {report.repaired:,}")
    if report.values_cleared:
        print(f"  values cleared {report.values_cleared:,} (row kept; see the rejects file)")
    if report.merged:
        print(
            f"  merged rows {report.merged:,} (parts of a feature with the same code: stored "
            f"{report.imported - report.merged:,} features from {report.imported:,} rows)"
        )
    if report.unlocated:
        print(
            f"  unlocated {report.unlocated:,} (no coordinates; kept in the grid their grid "
            "code or name gives, left out of cell maps)"
        )
    if report.updated:
        print(f"  replaced existing {report.updated:,}")
    mapped = ", ".join(f"{src}->{fld}" for fld, src in report.mapping.items())
    print(f"  columns: {mapped or '(none)'}")
    for note in report.notes:
        print(f"  note: {note}")
    if report.rejects_file:
        print(f"  rejects file: {report.rejects_file}")
    if report.validation is not None and not report.validation.ok():
        counts = ", ".join(f"{k} {v}" for k, v in report.validation.counts().items())
        print(f"  validation: {counts} (run `gridmap validate` for the list)")
    return status


def _cmd_validate(args: argparse.Namespace) -> int:
    from ..checking import validate_path

    report = validate_path(
        args.path,
        crs=args.crs,
        communities=args.communities,
        code_column=args.code_column,
        community_code_column=args.community_code_column,
        version=args.version,
    )
    if args.out:
        # Problems with their areas (overlap and gap polygons, locations) for QGIS.
        report.to_frame(args.lang).to_file(args.out)
    if args.json:
        print_json(
            {
                "path": str(args.path),
                "n_grids": report.n_grids,
                "ok": report.ok(),
                "counts": report.counts(),
                "problems": [
                    {
                        "kind": p.kind,
                        "code": p.code,
                        "lon": p.lon,
                        "lat": p.lat,
                        "size_m2": p.size_m2,
                        "message": p.text(args.lang),
                    }
                    for p in report.problems
                ],
            }
        )
    else:
        from ..i18n import t

        lang = args.lang
        what = (
            t("validate.no_problems", lang)
            if report.ok()
            else ", ".join(
                f"{t(f'data.problem.{k}', lang)} {v}" for k, v in report.counts().items()
            )
        )
        print(t("validate.summary", lang, n=report.n_grids, what=what))
        for p in report.problems[: args.limit]:
            print(f"  [{t(f'data.problem.{p.kind}', lang)}] {p.text(lang)}")
        if len(report.problems) > args.limit:
            print("  " + t("validate.more", lang, n=len(report.problems) - args.limit))
    return EXIT_OK if report.ok() else EXIT_PROBLEMS


def _cmd_info(args: argparse.Namespace) -> int:
    from ..store.info import workspace_info

    info = workspace_info(args.workspace)
    if args.json:
        print_json(info)
        return EXIT_OK
    print(f"workspace {info['path']}" + ("  [SYNTHETIC demo data]" if info["synthetic"] else ""))
    for layer, n in info["layers"].items():
        print(f"  {layer:<10} {n:>10,}")
    if info["incidents_from"]:
        print(f"  incidents from {info['incidents_from']} to {info['incidents_to']}")
    if info["layers"].get("incidents"):
        h = info["history"]
        state = "current" if h["current"] else "not current: pages read the rows until the "
        state += "" if h["current"] else "next import or `gridmap history WS --rebuild`"
        print(
            f"  history    {h['held']:>10,} of {h['stored']:,} incidents in {h['days']:,} "
            f"days, {h['bytes'] / 1e6:,.1f} MB ({state})"
        )
    if info["archive"]["held"]:
        print(f"  archive    {archive_line(info['archive'])}")
    for v in info["grid_versions"]:
        print(
            f"  grid version {v['version']}: {v['status']}, {v['n_grids']} grids, "
            f"effective {v['effective_date']}, from {v['source']}"
        )
    for row in info["last_imports"]:
        print(
            f"  import {row['at']}: {row['kind']} {Path(row['file']).name} "
            f"read {row['rows_read']} imported {row['imported']} rejected {row['rejected']}"
        )
    return EXIT_OK


def _cmd_demo(args: argparse.Namespace) -> int:
    from ..demo import MAX_SCALE, build_demo
    from ..errors import SchemaError
    from ..store import is_url

    if args.ws and args.out and args.ws != args.out:
        raise SchemaError(f"demo: two workspaces given ({args.ws}, --out {args.out}); give one")
    # The audit entry is written to args.out: WS and --out name the same thing.
    args.out = args.out or args.ws
    if not args.out:
        raise SchemaError("demo: name the workspace to write: gridmap demo WS [--scale S]")
    if not 0 < args.scale <= MAX_SCALE:
        raise SchemaError(
            f"--scale {args.scale:g}: must be in (0, {MAX_SCALE}] (1 is the demo's 324,000 "
            f"incidents over two years, {MAX_SCALE} is {MAX_SCALE * 324_000:,})"
        )

    def progress(frac: float, what: str) -> None:
        if not args.json:
            print(f"  {frac:>4.0%}  {what}", file=sys.stderr)

    if is_url(args.out):
        # Built as a GeoPackage (the generator's fast path), then copied into the database.
        import tempfile

        from ..store.copying import copy_workspace

        with tempfile.TemporaryDirectory(prefix="gridmap-demo-") as tmp:
            staged = str(Path(tmp) / "demo.gpkg")
            summary = build_demo(staged, seed=args.seed, scale=args.scale, progress=progress)
            copy_workspace(staged, args.out, replace=True)
    else:
        summary = build_demo(args.out, seed=args.seed, scale=args.scale, progress=progress)
    if args.json:
        print_json(summary)
    else:
        print(
            f"demo workspace written to {args.out} "
            f"(synthetic, seed {args.seed}, scale {args.scale:g})"
        )
        for key, value in summary.items():
            print(f"  {key}: {value}")
    return EXIT_OK


def _cmd_copy(args: argparse.Namespace) -> int:
    from ..store.copying import copy_workspace

    def progress(what: str) -> None:
        if not args.json:
            print(f"  {what}", file=sys.stderr)

    report = copy_workspace(args.src, args.dst, replace=args.replace, progress=progress)
    if args.json:
        print_json(report)
    else:
        rows = sum(n for k, n in report["rows"].items() if not k.startswith("security."))
        print(
            f"copied {report['source']} to {report['destination']}: {len(report['rows'])} "
            f"layers and tables, {rows:,} rows, in {report['seconds']} s"
        )
    return EXIT_OK


def _cmd_index(args: argparse.Namespace) -> int:
    from ..archive import ARCHIVE_CELLS, ARCHIVE_FILES, ARCHIVE_GRIDS, index_archive
    from ..io.mapping import parse_assignments

    shown = [-1]  # last tenth printed: thousands of partitions must not print thousands of lines

    def progress(frac: float, what: str) -> None:
        tenth = int(frac * 10)
        if not args.json and tenth > shown[0]:
            shown[0] = tenth
            print(f"  {frac:>4.0%}  {what}", file=sys.stderr)

    s = index_archive(
        args.archive,
        args.workspace,
        engine=args.engine,
        scheduler=args.scheduler,
        workers=args.workers,
        cell_res=args.res,
        crs=args.crs,
        mapping=parse_assignments(args.map or [], what="--map"),
        user=actor(args),
        progress=progress,
    )
    if args.json:
        print_json(s.to_dict())
        return EXIT_OK
    where = f"dask at {s.scheduler}" if s.scheduler else s.engine
    print(
        f"indexed {s.partitions:,} partitions of {s.archive} on {where} ({s.workers} "
        f"worker{'' if s.workers == 1 else 's'}): "
        f"{s.rows_read:,} rows in {s.seconds:.1f} s ({s.rows_per_s:,.0f} rows/s); "
        f"{s.indexed:,} indexed, {s.no_point:,} without a valid point, {s.no_time:,} without "
        f"a valid time, {s.outside_grids:,} outside every grid of version {s.grid_version}, "
        f"{s.unclassified:,} unclassified; wrote {ARCHIVE_CELLS} ({s.cell_rows:,} rows, H3 "
        f"resolution {s.cell_res}), {ARCHIVE_GRIDS} ({s.grid_rows:,} rows) and {ARCHIVE_FILES} "
        f"to {s.workspace}, and the history of the {s.indexed:,} indexed incidents over "
        f"{s.history_days:,} days ({s.history_bytes / 1e6:,.1f} MB): pages count them on every "
        f"day the incidents layer has none."
    )
    return EXIT_OK


def _add_import(sub: Subparsers) -> None:
    p = sub.add_parser("import", help="import a file into a workspace (created on first import)")
    p.add_argument("workspace", help="workspace .gpkg")
    p.add_argument("kind", choices=(*schema.LAYER_KINDS, "department"))
    p.add_argument("file")
    p.add_argument(
        "--crs",
        help="coordinate system of the file: wgs84, cgcs2000, gcj02, bd09 "
        "or EPSG:XXXX (required for CSV/Excel)",
    )
    p.add_argument(
        "--map",
        action="append",
        metavar="COLUMN=FIELD",
        help="map a source column onto a canonical field (repeatable)",
    )
    p.add_argument(
        "--set",
        action="append",
        metavar="FIELD=VALUE",
        help="give every row this value (e.g. --set level=district)",
    )
    p.add_argument(
        "--categories",
        metavar="FILE",
        help="CSV or JSON mapping source category values to the 1+6 categories",
    )
    p.add_argument("--layer", help="layer name in a multi-layer GeoPackage")
    p.add_argument("--sheet", help="worksheet of an Excel workbook (default: the first)")
    p.add_argument("--encoding", help="text encoding of a CSV (default: detected)")
    p.add_argument("--sep", help="column separator of a CSV (default: detected)")
    p.add_argument("--draft", action="store_true", help="grids: save as a draft version")
    p.add_argument("--effective", metavar="DATE", help="grids: effective date (default today)")
    p.add_argument("--rejects", metavar="FILE", help="where to write the rejects CSV")
    p.add_argument(
        "--department",
        metavar="NAME",
        help="departments: whose units these are (e.g. 公安); a re-import is its next version",
    )
    p.add_argument("--code-field", metavar="COLUMN", help="departments: the units' code column")
    p.add_argument("--name-field", metavar="COLUMN", help="departments: the units' name column")
    runs(p, _cmd_import)


def _add_validate(sub: Subparsers) -> None:
    p = sub.add_parser(
        "validate", help="check grids: geometry, nesting, overlaps, gaps, codes, households"
    )
    p.add_argument("path", help="a workspace .gpkg, or a grid file to check before import")
    p.add_argument("--crs", help="coordinate system of a grid file without one")
    p.add_argument("--communities", metavar="FILE", help="community polygons for a grid file")
    p.add_argument("--code-column", help="column holding the grid code in a grid file")
    p.add_argument("--community-code-column", help="column holding the code in --communities")
    p.add_argument("--version", type=int, help="grid version of a workspace (default: in force)")
    p.add_argument("--out", metavar="FILE", help="write the problems as GeoPackage/GeoJSON")
    p.add_argument("--limit", type=int, default=50, help="problems listed on screen")
    p.add_argument(
        "--lang", default="zh", choices=("zh", "en"), help="language of the messages (default zh)"
    )
    runs(p, _cmd_validate)


def _add_info(sub: Subparsers) -> None:
    p = on_workspace(sub, "info", "layers, counts, versions and imports of a workspace")
    runs(p, _cmd_info)


def _add_copy(sub: Subparsers) -> None:
    p = sub.add_parser(
        "copy",
        help="copy a whole workspace between GeoPackage and PostGIS (layers, versions, logs, "
        "users, audit)",
    )
    p.add_argument("src", help="workspace to copy: a .gpkg or postgresql://… URL")
    p.add_argument("dst", help="where to: a .gpkg or postgresql://…[?schema=name] URL")
    p.add_argument("--replace", action="store_true", help="overwrite a workspace already there")
    runs(p, _cmd_copy)


def _add_demo(sub: Subparsers) -> None:
    p = sub.add_parser("demo", help="build the synthetic Lanzhou demo workspace")
    p.add_argument("ws", nargs="?", metavar="WS", help="workspace .gpkg or postgresql://… URL")
    p.add_argument("--out", help="the workspace to write, as WS (kept for scripts)")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument(
        "--scale",
        type=float,
        default=1.0,
        metavar="S",
        help="incidents and cameras × S (default 1: 324,000 incidents, 11,000 cameras; "
        "30: a city of four million, 9.7 million incidents, ~2.5 minutes, 3.5 GB; at most 50)",
    )
    runs(p, _cmd_demo)


def _add_index(sub: Subparsers) -> None:
    p = sub.add_parser(
        "index",
        help="index and assign an archive of GeoParquet incident partitions (optionally on "
        "Dask); store counts per cell, grid, month and category",
    )
    p.add_argument("archive", help="folder of .parquet partitions, a glob, or one file")
    p.add_argument("workspace", help="workspace with a published grid version")
    p.add_argument("--engine", choices=("local", "dask"), default="local")
    p.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="running Dask scheduler, e.g. tcp://10.0.0.5:8786 (default: a local cluster)",
    )
    p.add_argument(
        "--workers",
        type=int,
        metavar="N",
        help="local: threads (default 1); dask without --scheduler: processes (default: cores)",
    )
    p.add_argument("--res", type=int, default=9, help="H3 resolution of the cell counts")
    p.add_argument(
        "--crs",
        help="coordinate system of the points when the files' metadata is wrong or "
        "absent: wgs84, cgcs2000, gcj02, bd09 or EPSG:XXXX",
    )
    p.add_argument(
        "--map",
        action="append",
        metavar="COLUMN=FIELD",
        help="map a column onto occurred_at or category (repeatable)",
    )
    runs(p, _cmd_index)


#: The parsers this group adds, by command (the main parser keeps the order of the help).
COMMANDS: dict[str, Callable[[Subparsers], None]] = {
    "import": _add_import,
    "validate": _add_validate,
    "info": _add_info,
    "copy": _add_copy,
    "demo": _add_demo,
    "index": _add_index,
}
