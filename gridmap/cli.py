"""The ``gridmap`` command.

Exit status: 0 when fine, 1 when validation found problems, 2 on bad input (one line on
stderr naming the file, row or field), 3 on an internal error. Set ``GRIDMAP_DEBUG=1`` to
see a traceback instead.
"""

from __future__ import annotations

import argparse
import math
import os
import subprocess
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from . import __version__, schema, strict_json
from .errors import GridmapError, SchemaError
from .security.audit import os_user

__all__ = ["main"]

EXIT_OK, EXIT_PROBLEMS, EXIT_BAD_INPUT, EXIT_INTERNAL = 0, 1, 2, 3


def _print_json(data: Any) -> None:
    """Print ``data`` as strict JSON: ``null`` where a number is missing, never NaN/Infinity."""
    print(strict_json.dumps(data, indent=2))


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
    # Exit 1 whenever validation lists problems, as `gridmap validate` does; the version is
    # still published unless a problem blocks analyses (then it is kept as a draft).
    status = (
        EXIT_PROBLEMS if report.validation is not None and not report.validation.ok() else EXIT_OK
    )
    if args.json:
        _print_json(report.to_dict())
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
        report.to_frame(args.lang).to_file(args.out)
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
                        "message": p.text(args.lang),
                    }
                    for p in report.problems
                ],
            }
        )
    else:
        from .i18n import t

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
    from .store import open_workspace

    ws = open_workspace(args.workspace)
    n = export_layer(
        ws,
        args.layer,
        args.out,
        version=args.version,
        crs=args.crs,
        encoding=args.encoding,
        codes=_area_codes(args, ws),
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

    from .store import is_url

    if is_url(args.out):
        # Built as a GeoPackage (the generator's fast path), then copied into the database.
        import tempfile

        from .store.copying import copy_workspace

        with tempfile.TemporaryDirectory(prefix="gridmap-demo-") as tmp:
            staged = str(Path(tmp) / "demo.gpkg")
            summary = build_demo(staged, seed=args.seed, progress=progress)
            copy_workspace(staged, args.out, replace=True)
    else:
        summary = build_demo(args.out, seed=args.seed, progress=progress)
    if args.json:
        _print_json(summary)
    else:
        print(f"demo workspace written to {args.out} (synthetic, seed {args.seed})")
        for key, value in summary.items():
            print(f"  {key}: {value}")
    return EXIT_OK


def _cmd_copy(args: argparse.Namespace) -> int:
    from .store.copying import copy_workspace

    def progress(what: str) -> None:
        if not args.json:
            print(f"  {what}", file=sys.stderr)

    report = copy_workspace(args.src, args.dst, replace=args.replace, progress=progress)
    if args.json:
        _print_json(report)
    else:
        rows = sum(n for k, n in report["rows"].items() if not k.startswith("security."))
        print(
            f"copied {report['source']} to {report['destination']}: {len(report['rows'])} "
            f"layers and tables, {rows:,} rows, in {report['seconds']} s"
        )
    return EXIT_OK


def _cmd_index(args: argparse.Namespace) -> int:
    from .archive import ARCHIVE_CELLS, ARCHIVE_FILES, ARCHIVE_GRIDS, index_archive
    from .io.mapping import parse_assignments

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
        user=_actor(args),
        progress=progress,
    )
    if args.json:
        _print_json(s.to_dict())
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
        f"to {s.workspace}."
    )
    return EXIT_OK


def _window(args: argparse.Namespace, table: Any, default_days: int) -> Any:
    """The IncidentFilter of --since/--until/--category (default: the newest days)."""
    import datetime as dt

    from .analytics.incidents import IncidentFilter

    if table.time_range is None:
        raise SchemaError(f"{args.workspace}: the workspace holds no incidents")
    _first, last = table.time_range
    try:
        until = dt.date.fromisoformat(args.until) if args.until else last
        since = (
            dt.date.fromisoformat(args.since)
            if args.since
            else until - dt.timedelta(days=default_days - 1)
        )
    except ValueError as exc:
        raise SchemaError(f"--since/--until: {exc} (use YYYY-MM-DD)") from None
    if until < since:
        raise SchemaError(f"--since {since} is after --until {until}")
    categories = tuple(args.category or ())
    bad = [c for c in categories if c not in (*schema.CATEGORIES.codes, "unclassified")]
    if bad:
        raise SchemaError(f"--category {', '.join(bad)}: allowed {schema.CATEGORIES.describe()}")
    stages = tuple(args.stage or ()) if hasattr(args, "stage") else ()
    bad = [s for s in stages if s not in schema.WORKFLOW_STAGES.codes]
    if bad:
        raise SchemaError(
            f"--stage {', '.join(bad)}: allowed {', '.join(schema.WORKFLOW_STAGES.codes)}"
        )
    return IncidentFilter(since, until, categories, stages=stages)


def _grids_in_force(ws: Any) -> Any:
    """The grids in force of ``ws``; one line when there are none (nothing to analyse)."""
    grids = ws.read_grids()
    if grids.empty:
        raise SchemaError(f"{ws.name}: the workspace holds no grids; import a grid layer first")
    return grids


def _risk_cells(args: argparse.Namespace, grids: Any, table: Any) -> int:
    """Every study-area cell scored by the method that wins the backtest up to --until."""
    import datetime as dt

    from .analytics.backtest import (
        forecast_scores,
        rolling_backtest,
        study_area,
        table_between,
    )

    first, last = table.time_range or (None, None)
    # The whole history by default: forecasts learn from all of it.
    flt = _window(args, table, (last - first).days + 1 if first and last else 1)
    since, until = flt.start, flt.end
    area = study_area(grids, args.res)
    history = table_between(table, since, until)
    if args.method:
        method, note = args.method, "given"
    else:
        # Chosen on the data up to --until only, so the map never peeks at what it predicts.
        result = rolling_backtest(history, area, res=args.res, horizon=args.horizon)
        method, note = result.selected, f"selected, {result.gain:+.1%} PAI@5% over baselines"
    origin = until + dt.timedelta(days=1)
    cells = forecast_scores(
        history, area, method, res=args.res, origin=origin, horizon=args.horizon, since=since
    )
    if args.out:
        cells.to_csv(args.out, index=False)
    if args.json:
        _print_json(
            {
                "since": str(since),
                "until": str(until),
                "res": args.res,
                "method": method,
                "cells": len(cells),
                "rows": cells.head(args.top).to_dict(orient="records"),
            }
        )
    else:
        print(
            f"risk cells {since} to {until}: {len(cells):,} study-area cells at res {args.res}, "
            f"method {method} ({note}), horizon {args.horizon}"
        )
        for row in cells.head(args.top).itertuples(index=False):
            print(f"  {row.cell}  {row.score:.4g}")
    return EXIT_OK


def _cmd_risk(args: argparse.Namespace) -> int:
    from .analytics.incidents import load_incident_table, select
    from .analytics.overview import admin_overview, cell_layers, grid_overview
    from .hierarchy import build_hierarchy
    from .store import open_workspace

    ws = open_workspace(args.workspace)
    grids = _grids_in_force(ws)
    table = load_incident_table(ws)
    if args.level == "cell":
        return _risk_cells(args, grids, table)
    flt = _window(args, table, 90)
    since, until = flt.start, flt.end
    # Hot spots and trends once, for the grids and, when asked, their admin units.
    layers = cell_layers(table, select(table, flt), res=args.res)
    households = grids.set_index(schema.CODE)[schema.HOUSEHOLDS]
    overview = grid_overview(table, flt, households, res=args.res, layers=layers)
    h = build_hierarchy(ws.read_layer("admin"), grids)
    if args.level != "grid":
        # Sums of numerators and denominators per unit; ratios recomputed, never averaged.
        overview = admin_overview(
            table,
            flt,
            overview,
            dict(h.parents),
            dict(h.levels),
            level=args.level,
            res=args.res,
            layers=layers,
        )
    out = overview.reset_index().rename(columns={"index": "code"})
    out = out.rename(columns={out.columns[0]: "code"})
    out.insert(1, "name", out["code"].map(h.name))
    out["sentence"] = out[f"sentence_{args.lang}"]
    allowed = _area_codes(args, ws, h)
    if allowed is not None:
        out = out[out["code"].astype(str).isin(allowed)]
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
        "hot_cells",
        "emerging_cells",
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


def _number_list(text: str, option: str, cast: Any) -> tuple[Any, ...]:
    try:
        values = tuple(cast(v) for v in text.split(",") if v.strip())
    except ValueError:
        raise SchemaError(f"{option} {text}: allowed a comma-separated list of numbers") from None
    if not values:
        raise SchemaError(f"{option}: give at least one value")
    return values


def _cmd_backtest(args: argparse.Namespace) -> int:
    import datetime as dt

    from .analytics.backtest import compare_settings
    from .analytics.incidents import load_incident_table
    from .store import open_workspace

    old_form = any(
        v is not None
        for v in (args.cutoff, args.half_life, args.k_ring, args.train_days, args.test_days)
    )
    if not old_form:
        return _cmd_forecast_backtest(args)
    defaults = {"half_life": "7,30,90,inf", "k_ring": "0,1,2", "train_days": 180, "test_days": 30}
    for name, value in defaults.items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    table = load_incident_table(open_workspace(args.workspace))
    if table.time_range is None:
        raise SchemaError(f"{args.workspace}: the workspace holds no incidents")
    first, last = table.time_range
    try:
        cutoff = (
            dt.date.fromisoformat(args.cutoff)
            if args.cutoff
            else last - dt.timedelta(days=args.test_days - 1)
        )
    except ValueError as exc:
        raise SchemaError(f"--cutoff {args.cutoff}: {exc} (use YYYY-MM-DD)") from None
    if not first < cutoff <= last:
        raise SchemaError(f"--cutoff {cutoff}: allowed after {first} and up to {last}")
    half_lives = _number_list(args.half_life, "--half-life", float)
    k_rings = _number_list(args.k_ring, "--k-ring", int)
    grid = compare_settings(
        table,
        cutoff=cutoff,
        half_lives=half_lives,
        k_rings=k_rings,
        train_days=args.train_days,
        test_days=args.test_days,
        res=args.res,
    )
    if args.out:
        grid.to_csv(args.out, index=False)
    if args.json:
        rows = grid.to_dict("records")
        for row in rows:  # an infinite half-life is "no decay": a word, not Infinity
            if math.isinf(row["half_life_days"]):
                row["half_life_days"] = "none"
        _print_json({"cutoff": str(cutoff), "res": args.res, "rows": rows})
        return EXIT_OK
    print(
        f"backtest: train {args.train_days} days before {cutoff}, test {args.test_days} days "
        f"from it ({int(grid['test_incidents'].iloc[0]):,} incidents), res {args.res}"
    )
    print("  half-life  k-ring    top 1%: hit  PAI    top 5%: hit  PAI    top 10%: hit  PAI")
    for r in grid.to_dict("records"):
        print(
            f"  {r['half_life_days']:>9g}  {r['k_ring']:>6}   {r['hit_rate_1']:>11.1%} "
            f"{r['pai_1']:>5.1f}   {r['hit_rate_5']:>11.1%} {r['pai_5']:>5.1f}   "
            f"{r['hit_rate_10']:>12.1%} {r['pai_10']:>5.1f}"
        )
    return EXIT_OK


def _cmd_forecast_backtest(args: argparse.Namespace) -> int:
    """Rolling-origin backtest of every forecast method over the whole study area."""
    import datetime as dt

    from .analytics.backtest import rolling_backtest, study_area
    from .analytics.incidents import load_incident_table
    from .store import open_workspace

    try:
        start = dt.date.fromisoformat(args.start) if args.start else None
    except ValueError as exc:
        raise SchemaError(f"--start {args.start}: {exc} (use YYYY-MM-DD)") from None
    methods = args.methods.split(",") if args.methods else None
    ws = open_workspace(args.workspace)
    grids = _grids_in_force(ws)
    table = load_incident_table(ws)
    result = rolling_backtest(
        table,
        study_area(grids, args.res),
        res=args.res,
        horizon=args.horizon,
        origins=args.origins,
        start=start,
        methods=methods,
        seed=args.seed,
    )
    if args.out:
        result.rows.to_csv(args.out, index=False)
    if args.json:
        _print_json(result.to_dict())
        return EXIT_OK
    print(
        f"backtest: {len(result.origins)} origins from {result.origins[0]}, horizon "
        f"{result.horizon}, res {args.res}, study area {result.area_cells:,} cells, "
        f"{int(result.rows['test_incidents'].iloc[0]):,} test incidents"
    )
    print("  method         PAI@1%  PAI@5% (95% interval)   PAI@10%  PEI@1%  PEI@5%  PEI@10%")
    for r in result.rows.to_dict("records"):
        mark = "*" if r["method"] == result.selected else " "
        print(
            f" {mark}{r['method']:<13} {r['pai_1']:>6.2f}  {r['pai_5']:>6.2f} "
            f"({r['pai_5_lo']:>5.2f}-{r['pai_5_hi']:<5.2f})  {r['pai_10']:>7.2f}  "
            f"{r['pei_1']:>6.2f}  {r['pei_5']:>6.2f}  {r['pei_10']:>7.2f}"
            + ("  (baseline)" if r["baseline"] else "")
        )
    lo, hi = result.gain_interval
    print(
        f"selected: {result.selected} ({result.gain:+.1%} PAI@5% over {result.best_baseline}, "
        f"95% interval {lo:+.1%} to {hi:+.1%})"
    )
    return EXIT_OK


def _cmd_report(args: argparse.Namespace) -> int:
    from .analytics.incidents import load_incident_table
    from .analytics.risk import RiskSettings
    from .report import cockpit_png, report_pdf
    from .report.from_workspace import report_inputs
    from .store import open_workspace

    out = Path(args.out)
    if out.suffix.lower() != ".pdf":
        raise SchemaError(f"--out {out}: the report is a PDF; name it *.pdf")
    if not out.parent.is_dir():
        raise SchemaError(f"--out {out}: folder {out.parent} does not exist")
    ws = open_workspace(args.workspace)
    table = load_incident_table(ws)
    flt = _window(args, table, 30)
    settings = RiskSettings(min_count=args.min_count)
    args.area = _within_user_area(args, ws, args.area, "--area")
    inputs = report_inputs(ws, flt, area=args.area, settings=settings, table=table)
    names = dict(inputs.hierarchy.names)
    report_pdf(inputs.cockpit, inputs.context, inputs.meta, out, lang=args.lang, grid_names=names)
    written = [str(out)]
    if args.png:
        png = Path(args.png)
        png.write_bytes(cockpit_png(inputs.cockpit, inputs.context, inputs.meta, args.lang))
        written.append(str(png))
    c = inputs.cockpit
    if args.json:
        _print_json(
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
                    }
                    for code, row in c.top.iterrows()
                ],
                "suppressed_cells": c.suppressed_cells,
                "suppressed_grids": c.suppressed_grids,
            }
        )
    else:
        area = f" ({inputs.meta.area_name})" if inputs.meta.area_name else ""
        print(f"report {flt.start} to {flt.end}{area}: {', '.join(written)}")
    return EXIT_OK


def _cmd_rebalance(args: argparse.Namespace) -> int:
    from .analytics import rebalance as rb
    from .analytics.workload import parse_band
    from .store import open_workspace

    band = parse_band(args.band) if args.band else None
    if args.top < 0:
        raise SchemaError(f"--top {args.top}: must be >= 0")
    if args.cells is not None and not 9 <= args.cells <= 12:
        raise SchemaError(f"--cells {args.cells}: H3 resolution 9..12 allowed")
    ws = open_workspace(args.workspace)
    p = rb.load_problem(
        ws,
        scope=_within_user_area(args, ws, args.scope, "--scope"),
        locked=args.lock or (),
        band=band,
        cell_res=args.cells,
        use_units=args.cells is None,
        measure=args.balance,
    )
    from .i18n import t

    # A workspace without household counts balances workload: said in one line.
    defaulted = args.balance is None and p.measure != "households"
    base = rb.base_plan(p)
    table = rb.grid_table(base)
    communities = sorted(set(p.grid_community))
    reasons = {c: rb.infeasibility(p, c) for c in communities}
    lang = 0 if args.lang == "zh" else 1
    if args.redraw:
        plan = rb.redraw_all(p, seed=args.seed)
        suggestions: list[rb.Suggestion] = []
    else:
        suggestions = rb.suggest(p, seed=args.seed)
        plan = rb.combine(p, suggestions)
    after = rb.grid_table(plan)
    alive = after[after["n_units"] > 0]
    bands = sorted(set(zip(p.band_low.tolist(), p.band_high.tolist(), strict=True)))[:3]
    summary: dict[str, Any] = {
        "scope": args.scope or "all",
        "units": len(p.graph),
        "units_estimated": p.graph.estimate,
        "grids": len(table),
        "measure": p.measure,
        "band": bands,
        "out_of_band": int((~table["in_band"]).sum()),
        "band_gap": round(float(table["band_gap"].sum()), 1),
        "plan": "redraw" if args.redraw else "top suggestions combined",
        "plan_grids": len(alive),
        "plan_out_of_band": int((~alive["in_band"]).sum()),
        "plan_band_gap": round(float(alive["band_gap"].sum()), 1),
        "plan_households_moved": plan.households_moved(),
        "plan_measure_moved": round(plan.measure_moved(), 1),
        "plan_non_contiguous": int((~alive["contiguous"]).sum()),
    }
    if p.measure == "households":  # the names older scripts read
        summary["band_gap_households"] = int(summary["band_gap"])
        summary["plan_band_gap_households"] = int(summary["plan_band_gap"])
    comm = rb.community_table(base)
    keep = [
        "community_name",
        "n_grids",
        "households",
        "measure",
        "mean_measure",
        "mean_households",
        "cv",
        "out_of_band",
        "grids_min",
        "grids_max",
        "feasible",
        "workers_now",
        "needed",
        "change",
    ]
    data: dict[str, Any] = {
        **summary,
        "communities": comm[keep].round(3).rename_axis("code").reset_index().to_dict("records"),
        "infeasible": {c: [r[lang] for r in rs] for c, rs in reasons.items() if rs},
        "suggestions": [s.to_dict() for s in suggestions[: args.top]],
    }
    if args.out:
        rb.dump_plan(
            plan,
            args.out,
            extra={
                "scope": args.scope,
                "cell_res": p.cell_res,
                "summary": summary,
                "suggestions": data["suggestions"],
            },
        )
    version = None
    if args.save_draft is not None and not plan.moved().any():
        # A draft identical to the version in force would only clutter the version list.
        data["draft_version"] = None
        if not args.json:
            print("  the plan changes nothing; no draft saved")
    elif args.save_draft is not None:
        grids = ws.read_grids(p.base_version)
        layer = rb.plan_grids(plan, grids, simplify_m=args.simplify)
        if args.renumber:
            layer = rb.apply_renumber(layer, rb.renumber(layer, plan.changed_communities()))
        version = rb.save_draft(
            ws,
            layer,
            author=args.author or _actor(args),
            note=args.save_draft or "gridmap rebalance",
            communities=plan.changed_communities(),
        )
        data["draft_version"] = version
    if defaulted:
        data["measure_note"] = t("reb.cli.no_households", args.lang)
    if args.json:
        _print_json(data)
        return EXIT_OK
    if defaulted:
        print(data["measure_note"])
    unit_name = t(f"reb.measure.unit.{p.measure}", args.lang)
    est = " (H3 cells, households estimated by area)" if p.graph.estimate else ""
    print(
        f"rebalance {summary['scope']}: {summary['grids']:,} basic grids, "
        f"{summary['units']:,} units{est}; "
        + t(
            "reb.cli.balance",
            args.lang,
            measure=t(f"reb.measure.{p.measure}", args.lang),
            band=", ".join(f"{lo:,}–{hi:,}" for lo, hi in bands),
            out=f"{summary['out_of_band']:,}",
            gap=f"{summary['band_gap']:,.0f}",
            unit=unit_name,
        )
    )
    worst = comm.sort_values(["out_of_band", "cv"], ascending=False, kind="stable").head(5)
    for code, row in worst[worst["out_of_band"] > 0].iterrows():
        print(
            f"  {code or '*'} {row['community_name']}: {row['out_of_band']}/{row['n_grids']} grids "
            f"out of band, cv {row['cv']:.2f}; "
            f"{row['sentence_zh'] if args.lang == 'zh' else row['sentence_en']}"
        )
    for rs in reasons.values():
        for r in rs:
            print(f"  cannot fit: {r[lang]}")
    for i, s in enumerate(suggestions[: args.top], 1):
        text = s.sentence_zh if args.lang == "zh" else s.sentence_en
        print(f"  {i:>2}. [{s.kind}] {text} (score {s.score:.2f})")
    print(
        f"plan ({summary['plan']}): {summary['plan_grids']:,} grids, "
        f"{summary['plan_out_of_band']:,} out of band "
        f"({summary['plan_band_gap']:,.0f} {unit_name} outside it), "
        + f"{summary['plan_measure_moved']:,.0f} {unit_name} move"
    )
    if args.out:
        print(f"  plan written to {args.out} (apply: gridmap plan apply WORKSPACE FILE)")
    if version is not None:
        print(f"  saved as draft grid version {version} (the published version is unchanged)")
    return EXIT_OK


def _cmd_versions(args: argparse.Namespace) -> int:
    from .store import open_workspace

    versions = [v.__dict__ for v in open_workspace(args.workspace).grid_versions()]
    if args.json:
        _print_json(versions)
        return EXIT_OK
    for v in versions:
        print(
            f"  {v['version']:>3}  {v['status']:<9} {v['n_grids'] or 0:>6} grids  "
            f"effective {v['effective_date'] or '-':<10}  {v['created_at']}  "
            f"{v['author'] or ''} {v['note'] or ''}"
        )
    return EXIT_OK


def _cmd_plan(args: argparse.Namespace) -> int:
    import json as _json

    from .analytics import rebalance as rb
    from .store import open_workspace

    ws = open_workspace(args.workspace)
    if args.action == "publish":
        try:
            version = int(args.target)
        except ValueError:
            raise SchemaError(f"plan publish: VERSION {args.target!r} must be a number") from None
        if not args.effective:
            raise SchemaError("plan publish: --effective YYYY-MM-DD is required")
        rb.publish_version(ws, version, args.effective)
        print(f"grid version {version} published, effective {args.effective}")
        return EXIT_OK
    if args.action == "export":
        # The unit -> grid table of a version, for other tools and for a round trip.
        p = rb.load_problem(ws, version=args.version)
        table = rb.assignment_frame(rb.base_plan(p))
        table.to_csv(args.target, index=False, encoding="utf-8-sig")
        print(f"{len(table):,} units of grid version {p.base_version} written to {args.target}")
        return EXIT_OK
    if not args.as_draft:
        raise SchemaError(
            "plan apply: --as-draft NAME is required (drafts never replace the published version)"
        )
    if Path(args.target).suffix.lower() == ".csv":
        from .io.readers import read_table

        parsed = read_table(args.target)
        if parsed.bad_lines:
            row, why = parsed.bad_lines[0]
            raise SchemaError(f"{args.target}: row {row}: {why}")
        frame = parsed.frame
        p = rb.load_problem(ws)
        plan = rb.plan_from_assignment(p, frame, source=Path(args.target).name)
    else:
        try:
            with open(args.target, encoding="utf-8") as fh:
                data = _json.load(fh)
        except (OSError, ValueError) as exc:
            raise SchemaError(f"{args.target}: cannot read the plan file ({exc})") from None
        if not isinstance(data, dict):
            raise SchemaError(f"{args.target}: not a gridmap plan file")
        # The units the plan was made on: cells at the recorded resolution, else the unit
        # layer (or, without one, cells at the resolution chosen for the workspace).
        cell_res = data.get("cell_res")
        p = rb.load_problem(
            ws,
            scope=data.get("scope"),
            cell_res=cell_res,
            use_units=cell_res is None,
            measure=data.get("measure"),  # what the plan balanced (and locked: unknowns)
            band=tuple(data["band"]) if data.get("band") else None,
        )
        plan = rb.plan_from_json(p, data)
    grids = ws.read_grids(p.base_version)
    layer = rb.plan_grids(plan, grids, simplify_m=args.simplify)
    if args.renumber:
        layer = rb.apply_renumber(layer, rb.renumber(layer, plan.changed_communities()))
    version = rb.save_draft(
        ws,
        layer,
        author=args.author or _actor(args),
        note=args.as_draft,
        communities=plan.changed_communities(),
    )
    measure, moved = p.measure, plan.measure_moved()
    if args.json:
        _print_json(
            {
                "draft_version": version,
                "measure": measure,
                "moved": moved,
                "households_moved": plan.households_moved(),
            }
        )
    else:
        print(
            f"plan {Path(args.target).name}: {moved:,.0f} {p.unit_text[1]} move ({measure}); "
            f"saved as draft grid version {version} ({args.as_draft})"
        )
    return EXIT_OK


def _cmd_coverage(args: argparse.Namespace) -> int:
    from .analytics.coverage import coverage_by_level, workspace_coverage
    from .analytics.siting import read_candidates, suggest_sites
    from .hierarchy import build_hierarchy
    from .store import open_workspace

    if args.suggest is not None and not 0 <= args.suggest <= 5000:
        raise SchemaError(f"--suggest {args.suggest}: allowed 0..5000")
    if args.exact and not args.suggest:
        raise SchemaError("--exact needs --suggest N (1..100)")
    candidates = None
    if args.candidates:
        path = Path(args.candidates)
        if not path.exists():
            raise SchemaError(f"--candidates {path}: file not found")
        candidates = read_candidates(path)
    ws = open_workspace(args.workspace)
    result = workspace_coverage(ws)
    h = build_hierarchy(ws.read_layer("admin"), ws.read_grids())
    if args.level == "cell":
        rows = result.cells.rename(columns={"h3": "code"})[
            ["code", "grid_code", "coverage_share", "risk", "households", "uncovered_risk"]
        ]
        rows = rows.sort_values("uncovered_risk", ascending=False, kind="stable")
    elif args.level == "keyarea":
        rows = result.keyareas.sort_values("coverage_share", kind="stable")
    elif args.level == "grid":
        rows = result.grids.reset_index()
        rows.insert(1, "name", rows["code"].map(h.name))
        rows = rows.sort_values("gap_index", ascending=False, kind="stable")
    else:
        rows = coverage_by_level(result, h.parents, h.levels, args.level).reset_index()
        rows.insert(1, "name", rows["code"].map(h.name))
        rows = rows.sort_values("gap_index", ascending=False, kind="stable")
    sites = None
    if args.suggest:
        sites, sol, _cand = suggest_sites(
            result, args.suggest, candidates=candidates, exact=args.exact
        )
    if args.out:
        out = Path(args.out)
        if out.suffix.lower() in (".geojson", ".json", ".gpkg") and sites is not None:
            sites.to_file(out, driver="GeoJSON" if out.suffix.lower() != ".gpkg" else "GPKG")
        else:
            rows.to_csv(out, index=False, encoding="utf-8-sig")
    s = result.summary
    if args.json:
        payload: dict[str, Any] = {
            "level": args.level,
            "summary": s,
            "offline_cameras": result.footprints.loc[
                ~result.footprints["online"], schema.ID
            ].tolist(),
            "rows": rows.head(args.top).to_dict(orient="records") if args.top else [],
        }
        if sites is not None:
            payload["suggested"] = sites.drop(columns="geometry").to_dict(orient="records")
            payload["suggest_method"] = sol.method
            payload["suggest_optimal"] = sol.optimal
        _print_json(payload)
    else:
        print(
            f"coverage: area {s['area_share']:.1%}, risk-weighted {s['risk_share']:.1%}, "
            f"households {s['household_share']:.1%}; key areas at target "
            f"{s['keyareas_compliant']}/{s['keyareas_total']}; cameras online "
            f"{s['cameras_online']}/{s['cameras_total']} ({s['cameras_assumed']} with assumed "
            f"values, {s['cameras_redundant']} redundant); {s['gap_zones']} blind-spot zones"
        )
        for d in rows.head(args.top).to_dict(orient="records"):
            print(f"  {d['coverage_share']:6.1%}  {d['code']}  {d.get('name') or ''}")
        if sites is not None:
            print(f"suggested {len(sites)} sites ({sol.method}):")
            for r in sites.itertuples(index=False):
                print(
                    f"  {r.rank:3d}  {r.lon:.6f},{r.lat:.6f}  gain {r.gain:,.1f}  "
                    f"cumulative {r.cumulative_share:.1%}"
                )
    return EXIT_OK


def _cmd_diff(args: argparse.Namespace) -> int:
    from .analytics.rebalance import compare_versions
    from .store import open_workspace

    ws = open_workspace(args.workspace)
    diff = compare_versions(ws, args.version_a, args.version_b)
    if args.out:
        diff.changes.to_file(args.out)  # the change map, for QGIS
    changed = diff.grids[diff.grids["status"] != "same"]
    if args.json:
        _print_json(
            {
                **diff.summary(),
                "grids": changed.reset_index().to_dict("records"),
                "moves": diff.moves.to_dict("records"),
            }
        )
        return EXIT_OK
    sm = diff.summary()
    print(
        f"grid versions {args.version_a} → {args.version_b}: {sm['changed']} changed, "
        f"{sm['new']} new, {sm['removed']} removed; {sm['units_moved']:,} units "
        f"({sm['households_moved']:,} households) moved"
    )
    for code, row in changed.head(args.limit).iterrows():
        print(
            f"  [{row['status']}] {code}: {row['households_a']} → {row['households_b']} "
            f"households ({row['delta']:+})"
        )
    return EXIT_OK


def _read_password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    import getpass

    first = getpass.getpass("password: ")
    if getpass.getpass("again: ") != first:
        raise SchemaError("the two passwords differ")
    return first


def _cmd_users(args: argparse.Namespace) -> int:
    from .security import UserStore
    from .store import open_workspace

    ws = open_workspace(args.workspace)
    users = UserStore(ws)
    if args.action == "add":
        if not args.name or not args.role:
            raise SchemaError("users add: give NAME and --role (viewer, operator, planner, admin)")
        if args.area:
            from .hierarchy import build_hierarchy

            h = build_hierarchy(ws.read_layer("admin"), ws.read_grids())
            if args.area not in h.levels or h.levels[args.area] == "grid":
                raise SchemaError(
                    f"--area {args.area}: not a district, street or community of the workspace"
                )
        user = users.add(args.name, _read_password(args), args.role, args.area)
        print(f"user {user.username} added: {user.role}, area {user.area or 'everything'}")
    elif args.action == "passwd":
        if not args.name:
            raise SchemaError("users passwd: give NAME")
        users.passwd(args.name, _read_password(args))
        print(f"password of {args.name} changed")
    elif args.action == "remove":
        if not args.name:
            raise SchemaError("users remove: give NAME")
        users.remove(args.name)
        print(f"user {args.name} removed")
    else:
        listed = [u.__dict__ for u in users.list()]
        if args.json:
            _print_json(listed)
        else:
            for u in listed:
                print(f"  {u['username']:<20} {u['role']:<9} {u['area'] or '(everything)'}")
    return EXIT_OK


def _cmd_audit(args: argparse.Namespace) -> int:
    from .security import AuditLog
    from .store import open_workspace

    entries = AuditLog(open_workspace(args.workspace)).read(limit=args.limit)
    if args.out:
        entries.to_csv(args.out, index=False, encoding="utf-8-sig")
    if args.json:
        _print_json(entries.to_dict("records"))
    else:
        for e in entries.to_dict("records"):
            print(
                f"  {e['at']}  {e['user']:<12} {e['via']:<3} {e['action']:<10} "
                f"{e['target'] if isinstance(e['target'], str) else ''}"
            )
    return EXIT_OK


#: Commands that change a workspace or take data out of it: each leaves an audit entry.
AUDITED = ("import", "export", "report", "plan", "demo", "users", "copy", "index")


def _no_password(arg: str) -> str:
    """A database URL as the audit log keeps it: without its password."""
    from .store import Workspace, is_url

    return Workspace(arg).name if is_url(arg) else arg


def _actor(args: argparse.Namespace) -> str:
    """Who a CLI change is recorded for: the ``--user``, else the operating-system account."""
    who = getattr(args, "cli_user", None)
    return str(who.username) if who is not None else os_user()


def _user_area(args: argparse.Namespace) -> str | None:
    """The area a ``--user`` is limited to (None: the whole city, or no ``--user``)."""
    who = getattr(args, "cli_user", None)
    return who.area if who is not None else None


def _area_codes(args: argparse.Namespace, ws: Any, h: Any = None) -> frozenset[str] | None:
    """The codes an area-limited ``--user`` may see (None: no limit)."""
    area = _user_area(args)
    if area is None:
        return None
    if h is None:
        from .hierarchy import build_hierarchy

        h = build_hierarchy(ws.read_layer("admin"), ws.read_grids())
    return frozenset(h.codes_under(area))


def _within_user_area(args: argparse.Namespace, ws: Any, code: str | None, flag: str) -> Any:
    """``code`` if the ``--user`` may see it; the user's own area when none is given."""
    area = _user_area(args)
    if area is None:
        return code
    if code is None:
        return area
    if str(code) not in (_area_codes(args, ws) or frozenset()):
        raise SchemaError(f"{flag} {code}: outside area {area} of user {args.cli_user.username}")
    return code


def _login_cli(args: argparse.Namespace) -> None:
    """``--user`` (or GRIDMAP_USER): log in and check the command against role and area."""
    name = args.user or os.environ.get("GRIDMAP_USER")
    args.cli_user = None
    if not name:
        return
    from .security.cli_user import authorize, cli_login

    workspace = getattr(args, "workspace", None) or getattr(args, "src", None)
    if workspace is None:
        raise SchemaError(f"--user {name}: `gridmap {args.command}` has no workspace to log in to")
    who = cli_login(str(workspace), name)
    authorize(
        who,
        args.command,
        publish=getattr(args, "action", None) == "publish",
        saves=getattr(args, "save_draft", None) is not None,
    )
    args.cli_user = who


def _workspace_exists(location: str) -> bool:
    """Whether there is a workspace to record a CLI action in (an unreachable database: no)."""
    from .errors import WorkspaceError
    from .store import Workspace

    try:
        return Workspace(location).exists
    except WorkspaceError:
        return False


def _audit_cli(args: argparse.Namespace, argv: Sequence[str]) -> None:
    from .security import AuditLog

    if args.command == "users" and args.action == "list":
        return  # reading the list changes nothing
    workspace = {"demo": getattr(args, "out", None), "copy": getattr(args, "dst", None)}.get(
        args.command, getattr(args, "workspace", None)
    )
    if not workspace or not _workspace_exists(workspace):
        return
    target = getattr(args, "file", None) or getattr(args, "out", None)
    if args.command == "users":
        target = getattr(args, "name", None)
    action = args.command if args.command != "users" else f"users {args.action}"
    who = getattr(args, "cli_user", None)
    AuditLog(workspace).append(
        action,
        user=_actor(args),
        role=who.role if who else None,
        target=str(target) if target else None,
        detail={"argv": [_no_password(a) for a in argv if a != "--password-stdin"]},
        via="cli",
    )


def _serve_auth(workspace: str, no_auth: bool) -> str:
    """How the app authenticates: ``required`` (users exist), ``demo`` or ``off``."""
    from .security import UserStore
    from .store import open_workspace

    if UserStore(workspace).any():
        return "required"
    if open_workspace(workspace).meta().get("synthetic") == "true":
        return "demo"  # the synthetic demo may run without login
    if no_auth:
        print("gridmap: warning: serving without login (--no-auth)", file=sys.stderr)
        return "off"
    raise SchemaError(
        f"{workspace}: not the demo and no users; add one (gridmap users {workspace} add NAME "
        "--role admin) or start with --no-auth to serve without login"
    )


def _absolute(location: str) -> str:
    """A file path made absolute (the app runs in another folder); a URL as it is."""
    from .store import is_url

    return location if is_url(location) else str(Path(location).resolve())


def _serve_fonts(app_dir: Path) -> None:
    """The Chinese web fonts the app's theme serves (built once, so a browser without a
    Chinese font shows no boxes), and the report font built in the background so the first
    PNG/PDF export does not wait for it."""
    import contextlib
    import threading

    from .report.fonts import ReportError, cjk_family, web_fonts

    def say(line: str) -> None:
        print(line, file=sys.stderr)

    try:
        web_fonts(app_dir, announce=say)
    except ReportError as exc:
        say(f"warning: {exc}; browsers without a Chinese font will show boxes")

    def report_font() -> None:
        with contextlib.suppress(ReportError):
            cjk_family()

    threading.Thread(target=report_font, name="report-font", daemon=True).start()


def _cmd_serve(args: argparse.Namespace) -> int:
    from .store import open_workspace

    open_workspace(args.workspace)  # fail here, with one line, rather than in the browser
    app = Path(__file__).resolve().parent.parent / "app.py"
    if not app.exists():
        raise SchemaError(f"{app}: app.py not found (serve runs from a source checkout)")
    env = dict(
        os.environ,
        GRIDMAP_WORKSPACE=_absolute(args.workspace),
        GRIDMAP_AUTH=_serve_auth(_absolute(args.workspace), args.no_auth),
    )
    # Slow first visits (coverage, rebalance, cockpit) are computed in the background.
    env.setdefault("GRIDMAP_WARM", "1")
    # Only what was asked is passed on, so .streamlit/config.toml and STREAMLIT_* apply.
    cmd = [sys.executable, "-m", "streamlit", "run", str(app)]
    if args.port is not None:
        cmd += ["--server.port", str(args.port)]
    if args.address is not None:
        cmd += ["--server.address", args.address]
    _serve_fonts(app.parent)
    return subprocess.call(cmd, env=env, cwd=app.parent)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gridmap",
        description="Grid-governance workbench: import, validate, index and export city grids, "
        "incidents and cameras.",
    )
    parser.add_argument("--version", action="version", version=f"gridmap {__version__}")
    parser.add_argument(
        "--user",
        help="act as this app user, with its role and area (password from GRIDMAP_PASSWORD or "
        "the terminal); default GRIDMAP_USER, else the rights of whoever opens the workspace",
    )
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
    p.add_argument(
        "--lang", default="zh", choices=("zh", "en"), help="language of the messages (default zh)"
    )
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

    p = sub.add_parser(
        "copy",
        help="copy a whole workspace between GeoPackage and PostGIS (layers, versions, logs, "
        "users, audit)",
    )
    p.add_argument("src", help="workspace to copy: a .gpkg or postgresql://… URL")
    p.add_argument("dst", help="where to: a .gpkg or postgresql://…[?schema=name] URL")
    p.add_argument("--replace", action="store_true", help="overwrite a workspace already there")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_cmd_copy)

    p = sub.add_parser("demo", help="build the synthetic Lanzhou demo workspace")
    p.add_argument("--out", required=True, help="workspace .gpkg or postgresql://… URL to write")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_cmd_demo)

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
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_cmd_index)

    p = sub.add_parser("risk", help="risk-ranked grids with hot-spot and trend class and reason")
    p.add_argument("workspace")
    p.add_argument("--since", help="first day (YYYY-MM-DD); default 90 days before --until")
    p.add_argument("--until", help="last day (YYYY-MM-DD); default the newest incident")
    p.add_argument("--category", action="append", help="category code (repeatable)")
    p.add_argument(
        "--stage",
        action="append",
        help="current workflow stage (repeatable): " + ", ".join(schema.WORKFLOW_STAGES.codes),
    )
    p.add_argument("--res", type=int, default=9, choices=range(7, 12), help="H3 resolution")
    p.add_argument(
        "--level",
        default="grid",
        choices=("grid", "community", "street", "district", "city", "cell"),
        help="one row per grid (default), per admin unit, or per study-area H3 cell",
    )
    p.add_argument(
        "--horizon", default="7", help="--level cell: forecast horizon, days or months (1m)"
    )
    p.add_argument("--method", help="--level cell: forecast method (default: the backtest's)")
    p.add_argument("--lang", default="zh", choices=("zh", "en"))
    p.add_argument("--top", type=int, default=20, help="rows printed / in --json")
    p.add_argument("--out", metavar="FILE", help="write every grid as CSV")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_cmd_risk)

    p = sub.add_parser(
        "report", help="printable PDF risk report (cockpit, maps, top grids, trends)"
    )
    p.add_argument("workspace")
    p.add_argument("--out", required=True, metavar="FILE.pdf")
    p.add_argument("--png", metavar="FILE.png", help="also write the cockpit page as a PNG")
    p.add_argument("--since", help="first day (YYYY-MM-DD); default 30 days before --until")
    p.add_argument("--until", help="last day (YYYY-MM-DD); default the newest incident")
    p.add_argument("--category", action="append", help="category code (repeatable)")
    p.add_argument("--area", help="district, street or community code; default the whole city")
    p.add_argument("--stage", action="append", help="current workflow stage (repeatable)")
    p.add_argument(
        "--min-count", type=int, default=5, help="hide cells and grids with fewer incidents"
    )
    p.add_argument("--lang", default="zh", choices=("zh", "en"))
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_cmd_report)

    p = sub.add_parser(
        "rebalance",
        help="grids out of the household band, ranked split/merge/move suggestions, redraws",
    )
    p.add_argument("workspace")
    p.add_argument("--scope", help="community, street or district code (prefix); default all")
    p.add_argument(
        "--balance",
        choices=("households", "population", "workload"),
        help="what to balance (default: households, or workload when the grids have none)",
    )
    p.add_argument(
        "--band",
        metavar="LOW-HIGH",
        help="per grid in the units of --balance, e.g. 300-500 (default: households "
        "300-500 urban, 100-300 village; population/workload 0.8-1.2 x the mean grid)",
    )
    p.add_argument("--lock", action="append", metavar="CODE", help="grid left untouched")
    p.add_argument(
        "--redraw",
        action="store_true",
        help="redraw every community in scope with a grid out of band",
    )
    p.add_argument(
        "--cells",
        type=int,
        metavar="RES",
        help="use H3 cells of this resolution as units (households estimated)",
    )
    p.add_argument("--top", type=int, default=10, help="suggestions printed / in --json")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--lang", default="zh", choices=("zh", "en"))
    p.add_argument("--out", metavar="PLAN.json", help="write the plan (gridmap plan apply)")
    p.add_argument(
        "--save-draft",
        metavar="NOTE",
        nargs="?",
        const="",
        help="save the plan as a draft grid version",
    )
    p.add_argument("--author")
    p.add_argument(
        "--simplify",
        type=float,
        default=0.0,
        metavar="M",
        help="simplify redrawn boundaries by this many metres",
    )
    p.add_argument(
        "--renumber",
        action="store_true",
        help="with --save-draft: renumber grid codes west→east, north→south",
    )
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_cmd_rebalance)

    p = sub.add_parser(
        "plan", help="apply a plan (JSON or unit->grid CSV) as a draft, publish, export a CSV"
    )
    p.add_argument("action", choices=("apply", "publish", "export"))
    p.add_argument("workspace")
    p.add_argument(
        "target",
        help="apply: PLAN.json or ASSIGNMENT.csv; publish: draft VERSION; export: OUT.csv",
    )
    p.add_argument("--version", type=int, help="export: grid version (default: in force)")
    p.add_argument("--as-draft", metavar="NAME", help="apply: note of the new draft version")
    p.add_argument("--effective", metavar="DATE", help="publish: effective date YYYY-MM-DD")
    p.add_argument("--author")
    p.add_argument("--simplify", type=float, default=0.0, metavar="M")
    p.add_argument("--renumber", action="store_true", help="apply: renumber codes W→E, N→S")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_cmd_plan)

    p = sub.add_parser("versions", help="grid versions: status, effective date, author, note")
    p.add_argument("workspace")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_cmd_versions)

    p = sub.add_parser("diff", help="compare two grid versions: per-grid deltas, units moved")
    p.add_argument("workspace")
    p.add_argument("version_a", type=int)
    p.add_argument("version_b", type=int)
    p.add_argument("--out", metavar="FILE", help="write the change areas (GeoPackage/GeoJSON)")
    p.add_argument("--limit", type=int, default=30, help="grids listed on screen")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_cmd_diff)

    p = sub.add_parser(
        "coverage", help="camera coverage per area, key-area compliance, blind spots, siting"
    )
    p.add_argument("workspace")
    p.add_argument(
        "--level",
        choices=("cell", "grid", "community", "street", "keyarea"),
        default="grid",
        help="rows per H3 cell, grid, community, street or key area (default grid)",
    )
    p.add_argument("--suggest", type=int, metavar="N", help="propose N new camera sites")
    p.add_argument("--exact", action="store_true", help="solve the siting exactly (N <= 100)")
    p.add_argument(
        "--candidates",
        metavar="FILE",
        help="candidate sites: CSV with lon/lat (WGS-84) or a vector file (default: cell centres)",
    )
    p.add_argument(
        "--out", help="write the rows as CSV (or, with --suggest, the sites as .geojson/.gpkg)"
    )
    p.add_argument("--top", type=int, default=20, help="rows to print (default 20)")
    p.add_argument("--json", action="store_true", help="print JSON instead of text")
    p.set_defaults(func=_cmd_coverage)

    p = sub.add_parser(
        "backtest",
        help="rolling-origin backtest of forecast methods and baselines (PAI, PEI over the city)",
    )
    p.add_argument("workspace")
    p.add_argument(
        "--horizon", default="7", help="days (7, 14, 30, 91) or calendar months (1m, 3m)"
    )
    p.add_argument("--origins", type=int, help="number of origins (default 52 for 7 days)")
    p.add_argument("--start", help="first origin (YYYY-MM-DD); default the latest that fit")
    p.add_argument("--methods", help="comma-separated methods (baselines are always added)")
    p.add_argument("--seed", type=int, default=0, help="seed of the bootstrap (default 0)")
    p.add_argument("--cutoff", help="old form: single cutoff, decay x k-ring grid")
    p.add_argument("--train-days", type=int, help="old form (default 180)")
    p.add_argument("--test-days", type=int, help="old form (default 30)")
    p.add_argument("--half-life", help="old form: days, comma-separated (inf: none)")
    p.add_argument("--k-ring", help="old form: smoothing radii, comma-separated")
    p.add_argument("--res", type=int, default=9, choices=range(7, 12), help="H3 resolution")
    p.add_argument("--out", metavar="FILE", help="write the table as CSV")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_cmd_backtest)

    p = sub.add_parser("users", help="app users: add, passwd, remove, list")
    p.add_argument("workspace")
    p.add_argument("action", choices=("add", "passwd", "remove", "list"))
    p.add_argument("name", nargs="?")
    p.add_argument("--role", choices=("viewer", "operator", "planner", "admin"))
    p.add_argument("--area", help="limit the user to a district, street or community code")
    p.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_cmd_users)

    p = sub.add_parser("audit", help="the audit log, newest first")
    p.add_argument("workspace")
    p.add_argument("--limit", type=int, default=50)
    p.add_argument("--out", metavar="FILE.csv")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_cmd_audit)

    p = sub.add_parser("serve", help="serve the app for a workspace")
    p.add_argument("workspace")
    p.add_argument("--port", type=int)
    p.add_argument("--address")
    p.add_argument(
        "--no-auth", action="store_true", help="serve a non-demo workspace without login"
    )
    p.set_defaults(func=_cmd_serve)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        _login_cli(args)
        status = int(args.func(args))
        # An import that exits 1 (validation problems) did import: audit it too.
        done = status == EXIT_OK or (status == EXIT_PROBLEMS and args.command == "import")
        if done and args.command in AUDITED:
            _audit_cli(args, list(argv) if argv is not None else sys.argv[1:])
        return status
    except GridmapError as exc:
        print(f"gridmap: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as exc:  # a path that is a folder, unreadable, on a full disk ...
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"gridmap: error: {where}{exc.strerror or exc}", file=sys.stderr)
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
