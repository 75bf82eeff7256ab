"""``gridmap fuse``: one department's layer against the basic grids (多网合一, #18).

It runs :func:`gridmap.analytics.fusion.analyse_department` — the same function the Fusion
page calls — on the department's newest version (or ``--version``), the grids in force, the
workspace's responsibility table and the other department layers, and prints the findings
in plain words (``--lang``), or :func:`~gridmap.analytics.fusion.fusion_json` (``--json``).
``--out DIR`` writes the draft department layer (GeoPackage, opens in QGIS), the crosswalk
(CSV) and the report (PDF and Excel) with :mod:`gridmap.report.fusion`, the writers the page
offers for download.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .. import schema
from ..errors import SchemaError
from ._common import EXIT_OK, Subparsers, grids_in_force, on_workspace, print_json, runs

__all__ = ["COMMANDS", "output_names"]


def output_names(department: str, version: int | None = None) -> dict[str, str]:
    """The files ``--out`` writes for ``department`` at ``version``: the names the Fusion
    page's downloads have (:func:`gridmap.report.fusion_tables.file_names`).

    >>> output_names("公安分局（派出所）")["draft"]
    '公安分局_派出所_draft.gpkg'
    """
    from ..report.fusion_tables import file_names

    return file_names(department, version)


def _check_settings(args: argparse.Namespace) -> None:
    problems = []
    if not 0 < args.tolerance < 1:
        problems.append(f"--tolerance {args.tolerance:g} (allowed: a share between 0 and 1)")
    if not 0 <= args.sliver_m <= 500:
        problems.append(f"--sliver-m {args.sliver_m:g} (allowed: 0 to 500 metres)")
    if args.top < 0:
        problems.append(f"--top {args.top} (allowed: 0 or more)")
    if problems:
        raise SchemaError("gridmap fuse: " + "; ".join(problems))


def _write_outputs(
    args: argparse.Namespace, result: Any, units: Any, grids: Any, department: str
) -> list[str]:
    """Draft layer, crosswalk, PDF and Excel in ``--out``; the paths written."""
    from ..config import Environment
    from ..report.fusion import crosswalk_csv, draft_gpkg, fusion_pdf, fusion_xlsx

    folder = Path(args.out)
    if folder.exists() and not folder.is_dir():
        raise SchemaError(f"--out {folder}: is a file; give a folder for the four outputs")
    folder.mkdir(parents=True, exist_ok=True)
    names = output_names(department, result.version)
    grid_names = dict(
        zip(grids[schema.CODE].astype(str), grids[schema.NAME].fillna("").astype(str), strict=True)
    )
    files = {
        "draft": draft_gpkg(result),
        "crosswalk": crosswalk_csv(result),
        "xlsx": fusion_xlsx(result, args.lang, grid_names=grid_names),
    }
    written = []
    for key, data in files.items():
        path = folder / names[key]
        path.write_bytes(data)
        written.append(str(path))
    # The deployment's font for Chinese (GRIDMAP_CJK_FONT), read here at the edge.
    font = Environment.from_environ(os.environ).cjk_font
    pdf = folder / names["pdf"]
    fusion_pdf(result, units, grids, pdf, lang=args.lang, grid_names=grid_names, cjk_font=font)
    written.append(str(pdf))
    return written


def _print_text(args: argparse.Namespace, result: Any, seconds: float, written: list[str]) -> None:
    from ..analytics.fusion import km2_text
    from ..i18n import t
    from ..report.fusion_tables import report_sentences

    lang = args.lang
    mis = result.misaligned.sort_values("misaligned_area_m2", ascending=False, kind="stable")
    print(
        t(
            "fusion.cli.header",
            lang,
            department=result.department,
            version=result.version,
            units=len(result.misalignment),
            grids=result.crosswalk["grid_code"].nunique(),
            seconds=f"{seconds:.1f}",
        )
    )
    for sentence in report_sentences(result, lang):
        print(f"  {sentence}")
    if len(mis) and args.top:
        print(t("fusion.cli.misaligned", lang, n=min(args.top, len(mis)), total=len(mis)))
        for row in mis.head(args.top).itertuples(index=False):
            hh = "–" if row.households != row.households else f"{row.households:,.0f}"
            print(
                f"  {row.department_code}  {row.department_name}  "
                f"{row.misaligned_share:>6.1%}  {km2_text(row.misaligned_area_m2):>8} km²  {hh}"
            )
    for path in written:
        print(t("fusion.cli.written", lang, path=path))


def _cmd_fuse(args: argparse.Namespace) -> int:
    from ..analytics.fusion import analyse_department, fusion_json
    from ..loading import department_names, read_departments
    from ..services.this_week import read_responsibilities
    from ..store import open_workspace

    _check_settings(args)
    ws = open_workspace(args.workspace)
    if not args.department:
        known = department_names(ws)
        raise SchemaError(
            f"{ws.name}: --department is required; known: {', '.join(known)}"
            if known
            else f"{ws.name}: no department layer yet; import one with: gridmap import "
            "WORKSPACE departments FILE --department NAME"
        )
    units = read_departments(ws, args.department, args.version)
    grids = grids_in_force(ws)
    t0 = time.perf_counter()
    result = analyse_department(
        units,
        grids,
        tolerance=args.tolerance,
        sliver_m=args.sliver_m,
        table=read_responsibilities(ws),
        other_departments=read_departments(ws),
    )
    seconds = time.perf_counter() - t0
    written = _write_outputs(args, result, units, grids, str(args.department)) if args.out else []
    if args.json:
        print_json(fusion_json(result))
        for path in written:  # the JSON is fusion_json's, exactly; the files go to stderr
            print(f"wrote {path}", file=sys.stderr)
        return EXIT_OK
    _print_text(args, result, seconds, written)
    return EXIT_OK


def _add_fuse(sub: Subparsers) -> None:
    p = on_workspace(
        sub,
        "fuse",
        "compare a department's grid layer with the basic grids: crosswalk, misaligned units, "
        "slivers, coordinate offset, a draft redrawn from whole grids, who is responsible",
    )
    p.add_argument("--department", metavar="NAME", help="the department layer (as imported)")
    p.add_argument("--version", type=int, help="that department's layer version (default: newest)")
    p.add_argument(
        "--tolerance",
        type=float,
        default=0.05,
        help="share of a unit's area that may lie with another unit and still align (0.05)",
    )
    p.add_argument(
        "--sliver-m",
        type=float,
        default=20.0,
        help="boundary differences thinner than this (m) are slivers to snap (20)",
    )
    p.add_argument(
        "--out",
        metavar="DIR",
        help="write the draft layer (.gpkg), the crosswalk (.csv) and the report (.pdf, .xlsx)",
    )
    p.add_argument("--top", type=int, default=10, help="misaligned units printed (default 10)")
    p.add_argument("--lang", default="zh", choices=("zh", "en"))
    runs(p, _cmd_fuse)


#: The parsers this group adds, by command (the main parser keeps the order of the help).
COMMANDS: dict[str, Callable[[Subparsers], None]] = {"fuse": _add_fuse}
