"""Every ``--json`` is strict JSON: no NaN or Infinity, which jq, browsers and most languages
reject. The real-data chain (tests/test_real_chain.py) checks import, validate, risk,
rebalance, plan apply, report and backtest on real layers; this checks every command on a
small workspace whose numbers include the awkward cases (a backtest with no decay, grids
without incidents, rates over nothing)."""

from __future__ import annotations

import math
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
