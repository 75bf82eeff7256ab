"""CLI arguments from Hypothesis: whatever a user types, gridmap answers with exit status 0,
1 or 2 and at most a line of explanation — never an internal error (3) or a traceback."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gridmap.cli import EXIT_INTERNAL, main

# Commands that read or write a workspace quickly; serve (starts a server), demo (10 s),
# report (draws a PDF) and coverage (analyses cameras) are tested elsewhere.
COMMANDS = {
    "info": ["--json"],
    "validate": ["--json", "--version", "--limit", "--crs", "--out"],
    "risk": ["--since", "--until", "--category", "--res", "--level", "--lang", "--top", "--json",
             "--stage", "--out"],
    "backtest": ["--cutoff", "--half-life", "--k-ring", "--train-days", "--test-days", "--res",
                 "--json"],
    "versions": ["--json"],
    "diff": ["--json", "--limit"],
    "export": ["--out", "--version", "--crs", "--encoding"],
    "audit": ["--limit", "--json"],
    "rebalance": ["--scope", "--band", "--top", "--json", "--lang", "--lock"],
    "plan": ["--version", "--as-draft", "--effective"],
    "users": ["--role", "--area", "--json"],
}  # fmt: skip
WORDS = st.sampled_from(
    [
        "", "0", "-1", "1", "2", "99999", "2025-01-01", "2025-13-40", "inf", "nan", "1,2",
        "300-500", "500-300", "grid", "street", "city", "zh", "en", "ecology", "火星",
        "'; DROP TABLE grid_versions; --", "../../etc/passwd", "out.csv", "out.xyz",
        "wgs84", "gcj02", "EPSG:99999", "GBK", "ascii", "620104001001", "A", "admin",
        "viewer", "add", "list", "remove", "apply", "publish", "export", "incidents", "grids",
    ]
)  # fmt: skip


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from .builders import block_workspace

    root = tmp_path_factory.mktemp("fuzz")
    return Path(block_workspace(root / "ws.gpkg", root))


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    command=st.sampled_from(sorted(COMMANDS)),
    tokens=st.lists(st.one_of(WORDS, st.text(max_size=12)), max_size=6),
    flags=st.lists(st.integers(0, 20), max_size=4),
)
def test_any_arguments_get_a_clean_answer(
    template: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    command: str,
    tokens: list[str],
    flags: list[int],
) -> None:
    ws = tmp_path / "ws.gpkg"
    shutil.copyfile(template, ws)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("sys.stdin", __import__("io").StringIO("not-a-password\n"))
    options = COMMANDS[command]
    argv = [command]
    if command in ("plan", "users"):
        argv.append(tokens.pop(0) if tokens else "list")
    argv.append(str(ws))
    # Mostly well-formed: each option followed by a value, so the commands themselves (not
    # just argparse) meet the odd values; a value that looks like an option is kept too.
    for i, f in enumerate(flags):
        option = options[f % len(options)]
        argv.append(option)
        if option != "--json":
            argv.append(tokens[i] if i < len(tokens) else "1")
    try:
        status = main(argv)
    except SystemExit as exc:  # argparse: usage and one error line, status 2
        status = int(exc.code or 0)
    out = capsys.readouterr()
    assert status != EXIT_INTERNAL, f"{argv}: {out.err}"
    assert status in (0, 1, 2), argv
    assert "Traceback" not in out.err


HOSTILE = ("A'; DROP TABLE grid_versions; --", 'B" OR 1=1 --', "C\\", "D%_")


def test_hostile_names_and_values_are_data_not_sql(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """SQL is built only with bound parameters: codes and names that are SQL come back as
    they went in, and every table survives."""
    import json

    from gridmap.importing import import_file
    from gridmap.security import AuditLog
    from gridmap.store.gpkg import Workspace

    from .builders import community_block, squares_2x2

    grids = squares_2x2(codes=HOSTILE)
    grids["name"] = ["x' OR '1'='1", "Robert'); DROP TABLE users;--", "普通", "网格%"]
    grids.to_file(tmp_path / "grids.gpkg", driver="GPKG")
    community_block().to_file(tmp_path / "c.geojson", driver="GeoJSON")
    ws = tmp_path / "ws.gpkg"
    import_file(ws, "admin", tmp_path / "c.geojson", crs="wgs84")
    import_file(ws, "grids", tmp_path / "grids.gpkg")
    w = Workspace(ws)
    assert sorted(w.read_grids()["code"]) == sorted(HOSTILE)
    assert [v.version for v in w.grid_versions()] == [1]
    assert main(["rebalance", str(ws), "--scope", HOSTILE[0], "--json"]) == 0  # one grid
    assert main(["rebalance", str(ws), "--lock", HOSTILE[1], "--json"]) in (0, 2)
    assert main(["versions", str(ws), "--json"]) == 0
    capsys.readouterr()
    AuditLog(ws).append("export", user="x'); DROP TABLE audit_log;--", target=HOSTILE[0])
    assert main(["audit", str(ws), "--json"]) == 0
    entries = json.loads(capsys.readouterr().out)
    assert entries[0]["user"] == "x'); DROP TABLE audit_log;--"
    assert entries[0]["target"] == HOSTILE[0]
    assert [v.version for v in w.grid_versions()] == [1]
