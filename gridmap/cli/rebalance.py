"""Grid-plan commands: ``rebalance``, ``plan`` (apply, publish, export), ``versions``, ``diff``."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..errors import SchemaError
from ._common import EXIT_OK, Subparsers, actor, on_workspace, print_json, runs, within_user_area


def _cmd_rebalance(args: argparse.Namespace) -> int:
    from .. import versions
    from ..analytics import rebalance as rb
    from ..analytics.workload import parse_band
    from ..store import open_workspace

    band = parse_band(args.band) if args.band else None
    if args.top < 0:
        raise SchemaError(f"--top {args.top}: must be >= 0")
    if args.cells is not None and not 9 <= args.cells <= 12:
        raise SchemaError(f"--cells {args.cells}: H3 resolution 9..12 allowed")
    ws = open_workspace(args.workspace)
    p = versions.load_problem(
        ws,
        scope=within_user_area(args, ws, args.scope, "--scope"),
        locked=args.lock or (),
        band=band,
        cell_res=args.cells,
        use_units=args.cells is None,
        measure=args.balance,
    )
    from ..i18n import t

    # A workspace without household counts balances workload: said in one line.
    defaulted = args.balance is None and p.measure != "households"
    base = rb.base_plan(p)
    reasons = {c: rb.infeasibility(p, c) for c in sorted(set(p.grid_community))}
    if args.redraw:
        plan = rb.redraw_all(p, seed=args.seed)
        suggestions: list[rb.Suggestion] = []
    else:
        suggestions = rb.suggest(p, seed=args.seed)
        plan = rb.combine(p, suggestions)
    summary = _rebalance_summary(args, p, base, plan)
    comm = rb.community_table(base)
    data = _rebalance_data(args, summary, comm, reasons, suggestions)
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
    version = _save_rebalance_draft(args, ws, p, plan, data)
    if defaulted:
        data["measure_note"] = t("reb.cli.no_households", args.lang)
    if args.json:
        print_json(data)
        return EXIT_OK
    if defaulted:
        print(data["measure_note"])
    _print_rebalance(args, p, summary, comm, reasons, suggestions)
    if version is not None:
        print(f"  saved as draft grid version {version} (the published version is unchanged)")
    return EXIT_OK


def _rebalance_summary(args: argparse.Namespace, p: Any, base: Any, plan: Any) -> dict[str, Any]:
    """The figures of the grids in force and of the plan (the top of ``--json``)."""
    from ..analytics import rebalance as rb

    table = rb.grid_table(base)
    after = rb.grid_table(plan)
    alive = after[after["n_units"] > 0]
    summary: dict[str, Any] = {
        "scope": args.scope or "all",
        "units": len(p.graph),
        "units_estimated": p.graph.estimate,
        "grids": len(table),
        "measure": p.measure,
        "band": _bands(p),
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
    return summary


def _bands(p: Any) -> list[tuple[Any, Any]]:
    """The first three distinct (low, high) bands of the problem's grids."""
    return sorted(set(zip(p.band_low.tolist(), p.band_high.tolist(), strict=True)))[:3]


def _rebalance_data(
    args: argparse.Namespace,
    summary: dict[str, Any],
    comm: Any,
    reasons: dict[Any, Any],
    suggestions: list[Any],
) -> dict[str, Any]:
    """What ``--json`` prints: the summary, the communities, what cannot fit, suggestions."""
    from ..i18n import pick

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
    return {
        **summary,
        "communities": comm[keep].round(3).rename_axis("code").reset_index().to_dict("records"),
        "infeasible": {c: [pick(r, args.lang) for r in rs] for c, rs in reasons.items() if rs},
        "suggestions": [s.to_dict() for s in suggestions[: args.top]],
    }


def _save_rebalance_draft(
    args: argparse.Namespace, ws: Any, p: Any, plan: Any, data: dict[str, Any]
) -> int | None:
    """``--save-draft``: the plan as a draft grid version (None: not asked, or no change)."""
    from .. import versions
    from ..analytics import rebalance as rb

    if args.save_draft is None:
        return None
    if not plan.moved().any():
        # A draft identical to the version in force would only clutter the version list.
        data["draft_version"] = None
        if not args.json:
            print("  the plan changes nothing; no draft saved")
        return None
    grids = ws.read_grids(p.base_version)
    layer = rb.plan_grids(plan, grids, simplify_m=args.simplify)
    if args.renumber:
        layer = rb.apply_renumber(layer, rb.renumber(layer, plan.changed_communities()))
    version: int = versions.save_draft(
        ws,
        layer,
        author=args.author or actor(args),
        note=args.save_draft or "gridmap rebalance",
        communities=plan.changed_communities(),
    )
    data["draft_version"] = version
    return version


def _print_rebalance(
    args: argparse.Namespace,
    p: Any,
    summary: dict[str, Any],
    comm: Any,
    reasons: dict[Any, Any],
    suggestions: list[Any],
) -> None:
    """The text report: balance before, worst communities, what cannot fit, the plan."""
    from ..i18n import pick, t

    unit_name = t(f"reb.measure.unit.{p.measure}", args.lang)
    est = " (H3 cells, households estimated by area)" if p.graph.estimate else ""
    print(
        f"rebalance {summary['scope']}: {summary['grids']:,} basic grids, "
        f"{summary['units']:,} units{est}; "
        + t(
            "reb.cli.balance",
            args.lang,
            measure=t(f"reb.measure.{p.measure}", args.lang),
            band=", ".join(f"{lo:,}–{hi:,}" for lo, hi in _bands(p)),
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
            f"{pick((row['sentence_zh'], row['sentence_en']), args.lang)}"
        )
    for rs in reasons.values():
        for r in rs:
            print(f"  cannot fit: {pick(r, args.lang)}")
    for i, s in enumerate(suggestions[: args.top], 1):
        print(f"  {i:>2}. [{s.kind}] {s.sentence(args.lang)} (score {s.score:.2f})")
    print(
        f"plan ({summary['plan']}): {summary['plan_grids']:,} grids, "
        f"{summary['plan_out_of_band']:,} out of band "
        f"({summary['plan_band_gap']:,.0f} {unit_name} outside it), "
        + f"{summary['plan_measure_moved']:,.0f} {unit_name} move"
    )
    if args.out:
        print(f"  plan written to {args.out} (apply: gridmap plan apply WORKSPACE FILE)")


def _cmd_versions(args: argparse.Namespace) -> int:
    from ..store import open_workspace

    versions = [v.__dict__ for v in open_workspace(args.workspace).grid_versions()]
    if args.json:
        print_json(versions)
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

    from .. import versions
    from ..analytics import rebalance as rb
    from ..store import open_workspace

    ws = open_workspace(args.workspace)
    if args.action == "publish":
        try:
            version = int(args.target)
        except ValueError:
            raise SchemaError(f"plan publish: VERSION {args.target!r} must be a number") from None
        if not args.effective:
            raise SchemaError("plan publish: --effective YYYY-MM-DD is required")
        versions.publish_version(ws, version, args.effective)
        print(f"grid version {version} published, effective {args.effective}")
        return EXIT_OK
    if args.action == "export":
        # The unit -> grid table of a version, for other tools and for a round trip.
        p = versions.load_problem(ws, version=args.version)
        table = rb.assignment_frame(rb.base_plan(p))
        table.to_csv(args.target, index=False, encoding="utf-8-sig")
        print(f"{len(table):,} units of grid version {p.base_version} written to {args.target}")
        return EXIT_OK
    if not args.as_draft:
        raise SchemaError(
            "plan apply: --as-draft NAME is required (drafts never replace the published version)"
        )
    if Path(args.target).suffix.lower() == ".csv":
        from ..io.readers import read_table

        parsed = read_table(args.target)
        if parsed.bad_lines:
            row, why = parsed.bad_lines[0]
            raise SchemaError(f"{args.target}: row {row}: {why}")
        frame = parsed.frame
        p = versions.load_problem(ws)
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
        p = versions.load_problem(
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
    version = versions.save_draft(
        ws,
        layer,
        author=args.author or actor(args),
        note=args.as_draft,
        communities=plan.changed_communities(),
    )
    measure, moved = p.measure, plan.measure_moved()
    if args.json:
        print_json(
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


def _cmd_diff(args: argparse.Namespace) -> int:
    from ..store import open_workspace
    from ..versions import compare_versions

    ws = open_workspace(args.workspace)
    diff = compare_versions(ws, args.version_a, args.version_b)
    if args.out:
        diff.changes.to_file(args.out)  # the change map, for QGIS
    changed = diff.grids[diff.grids["status"] != "same"]
    if args.json:
        print_json(
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


def _add_rebalance(sub: Subparsers) -> None:
    p = on_workspace(
        sub,
        "rebalance",
        "grids out of the household band, ranked split/merge/move suggestions, redraws",
    )
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
    runs(p, _cmd_rebalance)


def _add_plan(sub: Subparsers) -> None:
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
    runs(p, _cmd_plan)


def _add_versions(sub: Subparsers) -> None:
    p = on_workspace(sub, "versions", "grid versions: status, effective date, author, note")
    runs(p, _cmd_versions)


def _add_diff(sub: Subparsers) -> None:
    p = on_workspace(sub, "diff", "compare two grid versions: per-grid deltas, units moved")
    p.add_argument("version_a", type=int)
    p.add_argument("version_b", type=int)
    p.add_argument("--out", metavar="FILE", help="write the change areas (GeoPackage/GeoJSON)")
    p.add_argument("--limit", type=int, default=30, help="grids listed on screen")
    runs(p, _cmd_diff)


#: The parsers this group adds, by command (the main parser keeps the order of the help).
COMMANDS: dict[str, Callable[[Subparsers], None]] = {
    "rebalance": _add_rebalance,
    "plan": _add_plan,
    "versions": _add_versions,
    "diff": _add_diff,
}
