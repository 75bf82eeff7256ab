"""The ``gridmap`` command.

Exit status: 0 when fine, 1 when validation found problems, 2 on bad input (one line on
stderr naming the file, row or field), 3 on an internal error. Set ``GRIDMAP_DEBUG=1`` to
see a traceback instead.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from . import __version__, schema
from .errors import GridmapError, SchemaError

__all__ = ["main"]

EXIT_OK, EXIT_PROBLEMS, EXIT_BAD_INPUT, EXIT_INTERNAL = 0, 1, 2, 3


def _print_json(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def _cmd_import(args: argparse.Namespace) -> int:
    from .importing import import_file
    from .io.mapping import parse_assignments

    mapping = parse_assignments(args.map or [], what="--map")
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
    )
    if args.json:
        _print_json(report.to_dict())
        return EXIT_OK
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
    return EXIT_OK


def _cmd_validate(args: argparse.Namespace) -> int:
    from .checking import validate_path

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
        report.to_frame().to_file(args.out)
    if args.json:
        _print_json(
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
                        "message": p.message,
                    }
                    for p in report.problems
                ],
            }
        )
    else:
        print(
            f"{report.n_grids:,} grids checked: "
            + (
                "no problems"
                if report.ok()
                else ", ".join(f"{k} {v}" for k, v in report.counts().items())
            )
        )
        for p in report.problems[: args.limit]:
            print(f"  [{p.kind}] {p.message}")
        if len(report.problems) > args.limit:
            print(f"  … {len(report.problems) - args.limit} more (use --json or --out FILE)")
    return EXIT_OK if report.ok() else EXIT_PROBLEMS


def _cmd_info(args: argparse.Namespace) -> int:
    from .store.info import workspace_info

    info = workspace_info(args.workspace)
    if args.json:
        _print_json(info)
        return EXIT_OK
    print(f"workspace {info['path']}" + ("  [SYNTHETIC demo data]" if info["synthetic"] else ""))
    for layer, n in info["layers"].items():
        print(f"  {layer:<10} {n:>10,}")
    if info["incidents_from"]:
        print(f"  incidents from {info['incidents_from']} to {info['incidents_to']}")
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


def _cmd_export(args: argparse.Namespace) -> int:
    from .exporting import export_layer
    from .store.gpkg import open_workspace

    ws = open_workspace(args.workspace)
    n = export_layer(
        ws, args.layer, args.out, version=args.version, crs=args.crs, encoding=args.encoding
    )
    if args.json:
        _print_json({"layer": args.layer, "rows": n, "out": str(args.out)})
    else:
        print(f"{args.layer}: {n:,} rows written to {args.out}")
    return EXIT_OK


def _cmd_demo(args: argparse.Namespace) -> int:
    from .demo import build_demo

    def progress(frac: float, what: str) -> None:
        if not args.json:
            print(f"  {frac:>4.0%}  {what}", file=sys.stderr)

    summary = build_demo(args.out, seed=args.seed, progress=progress)
    if args.json:
        _print_json(summary)
    else:
        print(f"demo workspace written to {args.out} (synthetic, seed {args.seed})")
        for key, value in summary.items():
            print(f"  {key}: {value}")
    return EXIT_OK


def _cmd_risk(args: argparse.Namespace) -> int:
    import datetime as dt

    from .analytics.incidents import IncidentFilter, load_incident_table
    from .analytics.overview import grid_overview
    from .hierarchy import build_hierarchy
    from .store.gpkg import open_workspace

    ws = open_workspace(args.workspace)
    grids = ws.read_grids()
    table = load_incident_table(ws)
    if table.time_range is None:
        raise SchemaError(f"{args.workspace}: the workspace holds no incidents")
    _first, last = table.time_range
    try:
        until = dt.date.fromisoformat(args.until) if args.until else last
        since = dt.date.fromisoformat(args.since) if args.since else until - dt.timedelta(days=89)
    except ValueError as exc:
        raise SchemaError(f"--since/--until: {exc} (use YYYY-MM-DD)") from None
    categories = tuple(args.category or ())
    bad = [c for c in categories if c not in (*schema.CATEGORIES.codes, "unclassified")]
    if bad:
        raise SchemaError(f"--category {', '.join(bad)}: allowed {schema.CATEGORIES.describe()}")
    flt = IncidentFilter(since, until, categories)
    overview = grid_overview(
        table, flt, grids.set_index(schema.CODE)[schema.HOUSEHOLDS], res=args.res
    )
    h = build_hierarchy(ws.read_layer("admin"), grids)
    if args.level != "grid":
        from .analytics.risk import admin_rollup

        # Sums of numerators and denominators per unit; ratios recomputed, never averaged.
        rolled = admin_rollup(overview, h.parents, level=args.level, levels=h.levels)
        rolled = rolled.sort_values("risk_score", ascending=False, kind="stable")
        overview = rolled.assign(sentence_zh="", sentence_en="")
    out = overview.reset_index().rename(columns={"index": "code"})
    out = out.rename(columns={out.columns[0]: "code"})
    out.insert(1, "name", out["code"].map(h.name))
    out["sentence"] = out[f"sentence_{args.lang}"]
    keep = [
        "code",
        "name",
        "incidents",
        "households",
        "rate_per_1000",
        "rate_eb",
        "risk_score",
        "hotspot_class",
        "trend_class",
        "closure_rate",
        "on_time_rate",
        "suppressed",
        "sentence",
    ]
    out = out[[c for c in keep if c in out.columns]]
    if args.out:
        out.to_csv(args.out, index=False, encoding="utf-8-sig")
    if args.json:
        _print_json(
            {
                "since": str(since),
                "until": str(until),
                "res": args.res,
                "rows": out.head(args.top).to_dict(orient="records"),
            }
        )
    else:
        print(f"risk {since} to {until}: {len(out):,} rows at level {args.level} (top {args.top})")
        for row in out.head(args.top).itertuples(index=False):
            print(
                f"  {row.risk_score:5.1f}  {row.code}  {row.name}  {row.incidents:,}  "
                f"{row.sentence}"
            )
    return EXIT_OK


def _cmd_serve(args: argparse.Namespace) -> int:
    from .store.gpkg import open_workspace

    open_workspace(args.workspace)  # fail here, with one line, rather than in the browser
    app = Path(__file__).resolve().parent.parent / "app.py"
    if not app.exists():
        raise SchemaError(f"{app}: app.py not found (serve runs from a source checkout)")
    env = dict(os.environ, GRIDMAP_WORKSPACE=str(Path(args.workspace).resolve()))
    # Only what was asked is passed on, so .streamlit/config.toml and STREAMLIT_* apply.
    cmd = [sys.executable, "-m", "streamlit", "run", str(app)]
    if args.port is not None:
        cmd += ["--server.port", str(args.port)]
    if args.address is not None:
        cmd += ["--server.address", args.address]
    return subprocess.call(cmd, env=env, cwd=app.parent)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gridmap",
        description="Grid-governance workbench: import, validate, index and export city grids, "
        "incidents and cameras.",
    )
    parser.add_argument("--version", action="version", version=f"gridmap {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("import", help="import a file into a workspace (created on first import)")
    p.add_argument("workspace", help="workspace .gpkg")
    p.add_argument("kind", choices=schema.LAYER_KINDS)
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
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_cmd_import)

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
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_cmd_validate)

    p = sub.add_parser("info", help="layers, counts, versions and imports of a workspace")
    p.add_argument("workspace")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_cmd_info)

    p = sub.add_parser(
        "export", help="export a layer (gpkg, geojson, shp, csv, xlsx, fgb, parquet)"
    )
    p.add_argument("workspace")
    p.add_argument("layer", help="admin, grids, units, incidents, cameras or keyareas")
    p.add_argument("--out", required=True)
    p.add_argument("--version", type=int, help="grid version (default: in force)")
    p.add_argument("--crs", default="wgs84", help="wgs84 (default), cgcs2000, gcj02 or bd09")
    p.add_argument("--encoding", default="UTF-8", help="Shapefile/CSV encoding: UTF-8 or GBK")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_cmd_export)

    p = sub.add_parser("demo", help="build the synthetic Lanzhou demo workspace")
    p.add_argument("--out", required=True, help="workspace .gpkg to write")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_cmd_demo)

    p = sub.add_parser("risk", help="risk-ranked grids with hot-spot and trend class and reason")
    p.add_argument("workspace")
    p.add_argument("--since", help="first day (YYYY-MM-DD); default 90 days before --until")
    p.add_argument("--until", help="last day (YYYY-MM-DD); default the newest incident")
    p.add_argument("--category", action="append", help="category code (repeatable)")
    p.add_argument("--res", type=int, default=9, choices=range(7, 12), help="H3 resolution")
    p.add_argument(
        "--level",
        default="grid",
        choices=("grid", "community", "street", "district", "city"),
        help="one row per grid (default) or per admin unit",
    )
    p.add_argument("--lang", default="zh", choices=("zh", "en"))
    p.add_argument("--top", type=int, default=20, help="rows printed / in --json")
    p.add_argument("--out", metavar="FILE", help="write every grid as CSV")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_cmd_risk)

    p = sub.add_parser("serve", help="serve the app for a workspace")
    p.add_argument("workspace")
    p.add_argument("--port", type=int)
    p.add_argument("--address")
    p.set_defaults(func=_cmd_serve)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except GridmapError as exc:
        print(f"gridmap: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("gridmap: interrupted; the workspace is unchanged", file=sys.stderr)
        return 130
    except Exception as exc:  # never a traceback for the user; GRIDMAP_DEBUG shows it
        if os.environ.get("GRIDMAP_DEBUG"):
            traceback.print_exc()
        print(
            f"gridmap: internal error: {type(exc).__name__}: {exc} "
            "(set GRIDMAP_DEBUG=1 for details)",
            file=sys.stderr,
        )
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())
