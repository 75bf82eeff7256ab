"""Commands that take data out of a workspace: ``export`` (a layer) and ``report`` (a PDF)."""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from pathlib import Path

from ..errors import SchemaError
from ._common import (
    EXIT_OK,
    PERIOD_HELP,
    PERIODS,
    Subparsers,
    area_codes,
    incident_window,
    on_workspace,
    print_json,
    runs,
    within_user_area,
)


def _cmd_export(args: argparse.Namespace) -> int:
    from ..exporting import export_layer
    from ..store import open_workspace

    ws = open_workspace(args.workspace)
    n = export_layer(
        ws,
        args.layer,
        args.out,
        version=args.version,
        crs=args.crs,
        encoding=args.encoding,
        codes=area_codes(args, ws),
    )
    if args.json:
        print_json({"layer": args.layer, "rows": n, "out": str(args.out)})
    else:
        print(f"{args.layer}: {n:,} rows written to {args.out}")
    return EXIT_OK


def _cmd_report(args: argparse.Namespace) -> int:
    from ..analytics.risk import RiskSettings
    from ..analytics.this_week import LAST_COMPLETE_MONTH, opening_period
    from ..config import Environment
    from ..loading import load_incident_table
    from ..report import cockpit_png, report_pdf
    from ..report.from_workspace import report_inputs
    from ..services.this_week import workspace_this_week
    from ..store import open_workspace

    out = Path(args.out)
    if out.suffix.lower() != ".pdf":
        raise SchemaError(f"--out {out}: the report is a PDF; name it *.pdf")
    if not out.parent.is_dir():
        raise SchemaError(f"--out {out}: folder {out.parent} does not exist")
    ws = open_workspace(args.workspace)
    table = load_incident_table(ws)
    if not (args.since or args.until or args.period) and table.time_range is not None:
        # The cockpit's default: the last complete month (compared with the month before),
        # so the printed report and the screen a leader opens show the same figures.
        args.period = opening_period(LAST_COMPLETE_MONTH, table.occurred_s, table.time_range[1])
    flt = incident_window(args, table, 30)
    settings = RiskSettings(min_count=args.min_count)
    args.area = within_user_area(args, ws, args.area, "--area")
    inputs = report_inputs(ws, flt, area=args.area, settings=settings, table=table)
    names = dict(inputs.hierarchy.names)
    # The cockpit's list of the same window and area, as the app's PDF has it.
    week = workspace_this_week(ws, inputs.cockpit.flt, table=table)
    # The deployment's font for Chinese (GRIDMAP_CJK_FONT), read here at the edge.
    font = Environment.from_environ(os.environ).cjk_font
    report_pdf(
        inputs.cockpit,
        inputs.context,
        inputs.meta,
        out,
        lang=args.lang,
        grid_names=names,
        this_week=week,
        cjk_font=font,
    )
    written = [str(out)]
    if args.png:
        png = Path(args.png)
        meta = inputs.meta
        png.write_bytes(cockpit_png(inputs.cockpit, inputs.context, meta, args.lang, cjk_font=font))
        written.append(str(png))
    c = inputs.cockpit
    if args.json:
        print_json(
            {
                "written": written,
                "since": str(flt.start),
                "until": str(flt.end),
                "area": args.area,
                "kpis": [
                    {
                        "key": k.key,
                        "value": k.value,
                        "numerator": k.numerator,
                        "denominator": k.denominator,
                        "previous": k.previous,
                    }
                    for k in c.kpis
                ],
                "top": [
                    {
                        "code": str(code),
                        "name": row["name"],
                        "sentence": row[f"sentence_{args.lang}"],
                        # The words the cockpit list and the PDF print for the grid.
                        "headline": row.get(f"headline_{args.lang}"),
                        "reason": row.get(f"reason_{args.lang}"),
                    }
                    for code, row in c.top.iterrows()
                ],
                "this_week": {
                    "period": week.period,
                    "from": str(week.week[0]),
                    "to": str(week.week[1]),
                    "grids": [str(code) for code in week.grids.index],
                    "reasons": [str(v) for v in week.grids.get(f"reason_{args.lang}", [])],
                },
                "suppressed_cells": c.suppressed_cells,
                "suppressed_grids": c.suppressed_grids,
            }
        )
    else:
        area = f" ({inputs.meta.area_name})" if inputs.meta.area_name else ""
        print(f"report {flt.start} to {flt.end}{area}: {', '.join(written)}")
    return EXIT_OK


def _add_export(sub: Subparsers) -> None:
    p = on_workspace(sub, "export", "export a layer (gpkg, geojson, shp, csv, xlsx, fgb, parquet)")
    p.add_argument("layer", help="admin, grids, units, incidents, cameras or keyareas")
    p.add_argument("--out", required=True)
    p.add_argument("--version", type=int, help="grid version (default: in force)")
    p.add_argument("--crs", default="wgs84", help="wgs84 (default), cgcs2000, gcj02 or bd09")
    p.add_argument("--encoding", default="UTF-8", help="Shapefile/CSV encoding: UTF-8 or GBK")
    runs(p, _cmd_export)


def _add_report(sub: Subparsers) -> None:
    p = on_workspace(sub, "report", "printable PDF risk report (cockpit, maps, top grids, trends)")
    p.add_argument("--out", required=True, metavar="FILE.pdf")
    p.add_argument("--png", metavar="FILE.png", help="also write the cockpit page as a PNG")
    p.add_argument(
        "--since",
        help="first day (YYYY-MM-DD); default 30 days before --until, or without --until "
        "the cockpit's window: the last complete month",
    )
    p.add_argument("--until", help="last day (YYYY-MM-DD); default the newest incident")
    p.add_argument("--period", choices=PERIODS, metavar="PERIOD", help=PERIOD_HELP)
    p.add_argument("--category", action="append", help="category code (repeatable)")
    p.add_argument("--area", help="district, street or community code; default the whole city")
    p.add_argument("--stage", action="append", help="current workflow stage (repeatable)")
    p.add_argument(
        "--min-count", type=int, default=5, help="hide cells and grids with fewer incidents"
    )
    p.add_argument("--lang", default="zh", choices=("zh", "en"))
    runs(p, _cmd_report)


#: The parsers this group adds, by command (the main parser keeps the order of the help).
COMMANDS: dict[str, Callable[[Subparsers], None]] = {"export": _add_export, "report": _add_report}
