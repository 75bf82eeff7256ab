"""Analysis commands: ``risk`` (grids, admin units or forecast cells), ``backtest`` (forecast
methods against baselines) and ``coverage`` (cameras, blind spots, siting)."""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .. import schema
from ..errors import SchemaError
from ._common import (
    EXIT_OK,
    PERIOD_HELP,
    PERIODS,
    Subparsers,
    area_codes,
    grids_in_force,
    incident_window,
    on_workspace,
    print_json,
    runs,
)


def _risk_cells(args: argparse.Namespace, grids: Any, table: Any) -> int:
    """Every study-area cell scored by the method that wins the backtest up to --until."""
    import datetime as dt

    from ..analytics.backtest import (
        forecast_scores,
        rolling_backtest,
        study_area,
        table_between,
    )

    first, last = table.time_range or (None, None)
    # The whole history by default: forecasts learn from all of it.
    flt = incident_window(args, table, (last - first).days + 1 if first and last else 1)
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
        print_json(
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
    from ..analytics.backlog import closure_known
    from ..analytics.incidents import select
    from ..analytics.overview import admin_overview, cell_layers, grid_overview
    from ..hierarchy import build_hierarchy
    from ..loading import load_incident_table
    from ..store import open_workspace

    ws = open_workspace(args.workspace)
    grids = grids_in_force(ws)
    table = load_incident_table(ws)
    if args.level == "cell":
        return _risk_cells(args, grids, table)
    flt = incident_window(args, table, 90)
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
    allowed = area_codes(args, ws, h)
    professional: list[dict[str, Any]] | None = None
    if args.level == "grid":
        out, pro = _priority_rows(
            table, flt, grids, ws.read_layer("keyareas"), overview, allowed, args.lang
        )
        professional = pro.to_dict(orient="records")
    else:
        out = overview.reset_index().rename(columns={"index": "code"})
        out = out.rename(columns={out.columns[0]: "code"})
        out["ranked_on"] = "risk_score"
        if allowed is not None:
            out = out[out["code"].astype(str).isin(allowed)]
    out.insert(1, "name", out["code"].map(h.name))
    out["sentence"] = out[f"sentence_{args.lang}"]
    # The words the risk page and the cockpit list show for the row (grid level).
    for column in ("headline", "reason"):
        if f"{column}_{args.lang}" in out.columns:
            out[column] = out[f"{column}_{args.lang}"]
    if not closure_known(table):
        # No incident carries a closure time: the rates are unknown (null, as the cockpit's
        # "no data"), not 0 % closed.
        out = out.assign(closure_rate=math.nan, on_time_rate=math.nan)
    out = out[[c for c in _RISK_COLUMNS if c in out.columns]]
    if args.out:
        out.to_csv(args.out, index=False, encoding="utf-8-sig")
    if args.json:
        payload: dict[str, Any] = {
            "since": str(since),
            "until": str(until),
            "res": args.res,
            "rows": out.head(args.top).to_dict(orient="records"),
        }
        if professional is not None:
            payload["professional_rows"] = professional[: args.top]
        print_json(payload)
    else:
        print(f"risk {since} to {until}: {len(out):,} rows at level {args.level} (top {args.top})")
        for row in out.head(args.top).itertuples(index=False):
            if args.level == "grid":
                print(
                    f"  {row.rank:3d}  +{row.excess:7.1f}  {row.code}  {row.name}  "
                    f"{row.incidents:,}  {_per_1000(row.rate_per_1000)}  {row.ranked_on}  "
                    f"{row.sentence}"
                )
            else:
                print(
                    f"  {row.risk_score:5.1f}  {row.code}  {row.name}  {row.incidents:,}  "
                    f"{row.sentence}"
                )
    return EXIT_OK


def _per_1000(rate: float) -> str:
    """A rate per 1,000 households for the text output; "–" where there are none."""
    return "–" if rate != rate else f"{rate:,.0f}/1000"


#: Columns of `gridmap risk` rows, in order (a level keeps those it has).
_RISK_COLUMNS = (
    "code",
    "name",
    "rank",
    "ranked_on",
    "peer_group",
    "incidents",
    "households",
    "excess",
    "expected",
    "excess_incidents",
    "expected_incidents",
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
    "headline",
    "reason",
)


def _priority_rows(
    table: Any,
    flt: Any,
    grids: Any,
    keyareas: Any,
    overview: Any,
    allowed: frozenset[str] | set[str] | None,
    lang: str,
) -> tuple[Any, Any]:
    """Basic grids in priority order (rank renumbered within the area the user may see),
    and the professional grids' own list, both ready for JSON, with the headline and reason
    the screen shows in ``lang``."""
    import numpy as np

    from ..analytics.cockpit import priority_table

    ranked = priority_table(table, flt, grids, keyareas=keyareas, overview=overview)
    lists = []
    for frame in (ranked.basic, ranked.professional):
        rows = frame.reset_index()
        if allowed is not None:
            rows = rows[rows["code"].astype(str).isin(allowed)]
        rows = rows.assign(rank=np.arange(1, len(rows) + 1))
        for column in ("headline", "reason"):
            if f"{column}_{lang}" in rows.columns:
                rows[column] = rows[f"{column}_{lang}"]
        lists.append(rows)
    basic, pro = lists
    pro_cols = [
        "code",
        "name",
        "rank",
        "peer_group",
        "ranked_on",
        "incidents",
        "area_km2",
        "excess",
        "expected",
        "excess_incidents",
        "expected_incidents",
        "rate",
        "headline",
        "reason",
    ]
    return basic.drop(columns=["name"]), pro[[c for c in pro_cols if c in pro.columns]]


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

    from ..analytics.backtest import compare_settings
    from ..loading import load_incident_table
    from ..store import open_workspace

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
        print_json({"cutoff": str(cutoff), "res": args.res, "rows": rows})
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

    from ..analytics.backtest import rolling_backtest, study_area
    from ..loading import load_incident_table
    from ..store import open_workspace

    try:
        start = dt.date.fromisoformat(args.start) if args.start else None
    except ValueError as exc:
        raise SchemaError(f"--start {args.start}: {exc} (use YYYY-MM-DD)") from None
    methods = args.methods.split(",") if args.methods else None
    ws = open_workspace(args.workspace)
    grids = grids_in_force(ws)
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
        print_json(result.to_dict())
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


def _cmd_coverage(args: argparse.Namespace) -> int:
    from ..analytics.coverage import coverage_by_level
    from ..analytics.siting import read_candidates, suggest_sites
    from ..hierarchy import build_hierarchy
    from ..loading import workspace_coverage
    from ..store import open_workspace

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
        print_json(payload)
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


def _add_risk(sub: Subparsers) -> None:
    p = on_workspace(sub, "risk", "risk-ranked grids with hot-spot and trend class and reason")
    p.add_argument("--since", help="first day (YYYY-MM-DD); default 90 days before --until")
    p.add_argument("--until", help="last day (YYYY-MM-DD); default the newest incident")
    p.add_argument("--period", choices=PERIODS, metavar="PERIOD", help=PERIOD_HELP)
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
    runs(p, _cmd_risk)


def _add_coverage(sub: Subparsers) -> None:
    p = on_workspace(
        sub, "coverage", "camera coverage per area, key-area compliance, blind spots, siting"
    )
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


def _add_backtest(sub: Subparsers) -> None:
    p = on_workspace(
        sub,
        "backtest",
        "rolling-origin backtest of forecast methods and baselines (PAI, PEI over the city)",
    )
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
    runs(p, _cmd_backtest)


#: The parsers this group adds, by command (the main parser keeps the order of the help).
COMMANDS: dict[str, Callable[[Subparsers], None]] = {
    "risk": _add_risk,
    "coverage": _add_coverage,
    "backtest": _add_backtest,
}
