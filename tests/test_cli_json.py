"""Every ``--json`` is strict JSON: no NaN or Infinity, which jq, browsers and most languages
reject. The real-data chain (tests/test_real_chain.py) checks import, validate, risk,
rebalance, plan apply, report and backtest on real layers; this checks every command on a
small workspace whose numbers include the awkward cases (a backtest with no decay, grids
without incidents, rates over nothing)."""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from gridmap import strict_json
from gridmap.cli import main

from .builders import add_cameras, strict_loads


def json_of(capsys: pytest.CaptureFixture[str], *args: str) -> Any:
    capsys.readouterr()
    status = main([*args, "--json"])
    out, err = capsys.readouterr()
    assert status == 0, f"gridmap {' '.join(args)}: {err.strip()}"
    return strict_loads(out)


def test_strict_json_cleans_what_pandas_and_numpy_hand_over() -> None:
    value = {
        "nan": float("nan"),
        "inf": np.float64("inf"),
        "n": np.int64(3),
        "flag": np.bool_(True),
        "missing": pd.NaT,
        "na": pd.NA,
        "series": pd.Series([1.5, np.nan]),
        3: (np.float32(0.5),),
    }
    assert strict_loads(strict_json.dumps(value)) == {
        "nan": None,
        "inf": None,
        "n": 3,
        "flag": True,
        "missing": None,
        "na": None,
        "series": [1.5, None],
        "3": [0.5],
    }


def test_every_command_prints_strict_json(
    busy_workspace: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ws = str(add_cameras(busy_workspace, tmp_path))
    rows = json_of(capsys, "backtest", ws, "--cutoff", "2025-10-01", "--half-life", "30,inf")[
        "rows"
    ]
    # "No decay" is said in a word; Python would print the bare token Infinity.
    assert sorted({str(r["half_life_days"]) for r in rows}) == ["30.0", "none"]
    assert all(isinstance(r["pai_1"], float) and math.isfinite(r["pai_1"]) for r in rows)

    json_of(capsys, "risk", ws, "--level", "community")
    json_of(capsys, "coverage", ws, "--suggest", "1")
    json_of(capsys, "coverage", ws, "--level", "keyarea")
    json_of(capsys, "validate", ws)
    json_of(capsys, "info", ws)
    json_of(capsys, "export", ws, "incidents", "--out", str(tmp_path / "out.csv"))
    plan = tmp_path / "plan.json"
    json_of(capsys, "rebalance", ws, "--out", str(plan))
    strict_loads(plan.read_text(encoding="utf-8"))
    draft = json_of(capsys, "plan", "apply", ws, str(plan), "--as-draft", "json check")
    json_of(capsys, "diff", ws, "1", str(draft["draft_version"]))
    json_of(capsys, "versions", ws)
    json_of(capsys, "report", ws, "--out", str(tmp_path / "r.pdf"))
    json_of(capsys, "audit", ws)
    json_of(capsys, "users", ws, "list")
    if not ws.startswith("postgresql"):
        json_of(capsys, "copy", ws, str(tmp_path / "copy.gpkg"))


def test_report_opens_on_the_cockpits_window_and_prints_the_screens_words(
    busy_workspace: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without dates the report covers the last complete month, as the cockpit opens (it
    covered the 30 days before the last incident); rows carry the headline and reason the
    cockpit prints."""
    import datetime as dt

    from gridmap.analytics.filters import last_complete_month, period_window
    from gridmap.loading import load_incident_table
    from gridmap.store import open_workspace

    ws = str(busy_workspace)
    out = json_of(capsys, "report", ws, "--out", str(tmp_path / "r.pdf"))
    span = load_incident_table(open_workspace(ws)).time_range
    assert span is not None
    start, end = period_window(last_complete_month(span[1]), span[1])
    assert (out["since"], out["until"]) == (str(start), str(end))
    assert start.day == 1 and (end + dt.timedelta(days=1)).day == 1  # a whole month


def test_risk_rows_carry_the_reason_and_no_closure_rate_without_closure_times(
    workspace: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Data without closure times: closure and on-time rates are null (unknown), not 0 %;
    each row carries the headline and reason the risk page shows; a report window after the
    last incident lists no grids of older weeks."""
    from gridmap.importing import import_file

    from .builders import busy_incidents

    path = tmp_path / "open.csv"
    frame = busy_incidents().drop(columns=["closed_at"])
    # Five times the incidents in one corner grid, so that it is ranked above the others.
    corner = frame[(frame["lon"] < frame["lon"].median()) & (frame["lat"] < frame["lat"].median())]
    frame = pd.concat([frame, *(corner.assign(id=corner["id"] + f"x{i}") for i in range(4))])
    frame.to_csv(path, index=False)
    import_file(workspace, "incidents", path, crs="wgs84")
    rows = json_of(capsys, "risk", workspace, "--since", "2025-01-01")["rows"]
    assert rows and all(r["closure_rate"] is None and r["on_time_rate"] is None for r in rows)
    assert all(r["headline"] and r["reason"].startswith(r["headline"]) for r in rows)
    out = json_of(
        capsys, "report", workspace, "--since", "2025-01-01", "--out", str(tmp_path / "r.pdf")
    )
    top = out["top"]
    assert top and all(r["headline"] and r["reason"].startswith(r["headline"]) for r in top)
    assert top[0]["headline"] == rows[0]["headline"]  # as the risk page and cockpit say
    en = json_of(capsys, "risk", workspace, "--since", "2025-01-01", "--lang", "en")["rows"]
    assert not any(re.search("[\u4e00-\u9fff]", r["reason"]) for r in en)  # follows --lang
    last = json_of(capsys, "report", workspace, "--out", str(tmp_path / "last.pdf"))
    assert last["this_week"]["grids"]  # the last week of 2025 lists grid C
    later = json_of(
        capsys, "report", workspace, "--since", "2026-03-01", "--until", "2026-03-31",
        "--out", str(tmp_path / "later.pdf"),
    )  # fmt: skip
    assert later["kpis"][0]["value"] == 0
    assert later["this_week"]["grids"] == []  # before: grids of late December 2025
    assert later["this_week"]["to"] == "2026-03-31"
