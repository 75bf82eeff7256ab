"""Unit → grid assignment CSV: export a version, edit it elsewhere, import it back as a draft."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from gridmap.cli import main
from gridmap.store import Workspace


def test_assignment_csv_round_trip(workspace: Path, tmp_path: Path) -> None:
    out = tmp_path / "assignment.csv"
    assert main(["plan", "export", str(workspace), str(out)]) == 0
    table = pd.read_csv(out, encoding="utf-8-sig", dtype=str)
    assert set(table["grid_code"]) == {"A", "B", "C", "D"}
    assert {"unit_code", "community", "households", "estimate"} <= set(table.columns)
    # Another tool merges grid A into B.
    edited = table.assign(grid_code=table["grid_code"].replace({"A": "B"}))
    edited.to_csv(tmp_path / "merged.csv", index=False)
    assert (
        main(["plan", "apply", str(workspace), str(tmp_path / "merged.csv"), "--as-draft", "合并A"])
        == 0
    )
    ws = Workspace(workspace)
    assert [(v.version, v.status, v.note) for v in ws.grid_versions()][-1] == (2, "draft", "合并A")
    assert sorted(ws.read_grids(2)["code"]) == ["B", "C", "D"]
    back = tmp_path / "back.csv"
    assert main(["plan", "export", str(workspace), str(back), "--version", "2"]) == 0
    again = pd.read_csv(back, encoding="utf-8-sig")
    # This workspace has no unit layer: its units are H3 cells clipped to the grids, named
    # cell@grid, so compare what they carry rather than their names.
    hh = pd.to_numeric(table["households"]).groupby(table["grid_code"]).sum()
    hh_again = again.groupby("grid_code")["households"].sum()
    assert hh_again["B"] == hh["A"] + hh["B"]
    assert hh_again.sum() == hh.sum()  # no household lost or counted twice


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            lambda t: t.rename(columns={"grid_code": "grid"}),
            "needs columns unit_code and grid_code",
        ),
        (lambda t: t.assign(unit_code="nope"), "unknown units nope"),
    ],
)
def test_bad_assignment_files_are_one_line(
    workspace: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], edit, message: str
) -> None:
    out = tmp_path / "a.csv"
    assert main(["plan", "export", str(workspace), str(out)]) == 0
    edit(pd.read_csv(out, encoding="utf-8-sig", dtype=str)).to_csv(out, index=False)
    capsys.readouterr()
    assert main(["plan", "apply", str(workspace), str(out), "--as-draft", "x"]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
    assert [v.version for v in Workspace(workspace).grid_versions()] == [1]
