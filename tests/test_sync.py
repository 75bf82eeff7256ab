"""``gridmap sync``: a watched folder or a database table keeps the workspace current.

The busy 2x2 workspace's 300 incidents of 2025 (``builders.busy_incidents``) are handed over
in pieces, as a centre's export job would drop them: files in a folder, rows in a table.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from gridmap.cli import main
from gridmap.services import sync
from gridmap.services.sync import (
    FolderSource,
    ImportSettings,
    SyncError,
    open_source,
    parse_every,
    poll,
)
from gridmap.store import Workspace

from .builders import POSTGIS_URL, ROOT, busy_incidents

WGS84 = ImportSettings(crs="wgs84")


def incidents(ws: str) -> pd.DataFrame:
    return Workspace(ws).read_layer("incidents", columns=["id", "closed_at"])


def drop(frame: pd.DataFrame, path: Path, mtime: int) -> Path:
    """Write ``frame`` as an export finished at ``mtime`` (seconds since the epoch)."""
    frame.to_csv(path, index=False)
    os.utime(path, (mtime, mtime))
    return path


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """An export folder with the first 200 incidents in two files (the older one is b)."""
    out = tmp_path / "exports"
    out.mkdir()
    rows = busy_incidents()
    drop(rows.iloc[100:200], out / "a.csv", 1_700_000_200)
    drop(rows.iloc[:100], out / "b.csv", 1_700_000_100)
    (out / "notes.txt.part").write_text("being written")
    (out / "~$a.xlsx").write_text("an editor's lock file")
    return out


def test_folder_imports_new_files_oldest_first_and_only_once(workspace: str, folder: Path) -> None:
    first = poll(workspace, open_source(str(folder)), WGS84)
    assert [o.text() for o in first.outcomes] == [
        "b.csv 100 new, 0 updated, 0 rejected",
        "a.csv 100 new, 0 updated, 0 rejected",
    ]
    assert len(incidents(workspace)) == 200
    stamp = Workspace(workspace).stamp()
    # A restart (a new source object, nothing held in memory) finds nothing new, and a
    # touched file with the same content is not imported again.
    os.utime(folder / "a.csv", (1_700_000_900, 1_700_000_900))
    again = poll(workspace, open_source(str(folder)), WGS84)
    assert again.outcomes == () and again.line().endswith("  nothing new")
    assert Workspace(workspace).stamp() == stamp  # nothing written: the app's caches stay
    # The next export arrives.
    drop(busy_incidents().iloc[200:], folder / "c.csv", 1_700_000_300)
    third = poll(workspace, open_source(str(folder)), WGS84)
    assert [o.text() for o in third.outcomes] == ["c.csv 100 new, 0 updated, 0 rejected"]
    assert len(incidents(workspace)) == 300
    log = Workspace(workspace).import_log()
    assert sorted(Path(f).name for f in log["file"] if f.endswith(".csv")) == [
        "a.csv",
        "b.csv",
        "c.csv",
    ]


def test_a_re_exported_file_updates_the_stored_incidents(workspace: str, folder: Path) -> None:
    poll(workspace, open_source(str(folder)), WGS84)
    before = incidents(workspace).set_index("id")["closed_at"]
    later = busy_incidents().iloc[100:200].copy()
    later["closed_at"] = "2026-01-05 09:00:00"  # every case of the export is closed now
    drop(later, folder / "a.csv", 1_700_000_500)
    result = poll(workspace, open_source(str(folder)), WGS84)
    assert [o.text() for o in result.outcomes] == ["a.csv 0 new, 100 updated, 0 rejected"]
    stored = incidents(workspace)
    assert len(stored) == 200 and stored["id"].is_unique
    closed = stored.set_index("id")["closed_at"]
    assert closed[later["id"]].notna().all()
    assert before[later["id"]].isna().any()  # (some were open before)
    others = before.index.difference(later["id"])
    pd.testing.assert_series_equal(closed[others], before[others])


def test_a_bad_file_is_named_not_marked_and_tried_again(
    workspace: str, folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (folder / "broken.csv").write_text("no coordinates here\n1\n2\n")
    status = main(["sync", workspace, str(folder), "--once", "--crs", "wgs84"])
    out, err = capsys.readouterr()
    assert status == 1
    assert len(out.splitlines()) == 1 and "(1 failed)" in out
    assert "a.csv 100 new" in out and "b.csv 100 new" in out
    assert len(err.splitlines()) == 1 and err.strip().startswith("broken.csv failed: ")
    assert len(incidents(workspace)) == 200
    # The good files are done; the broken one is tried again (and named again).
    again = poll(workspace, open_source(str(folder)), WGS84)
    assert [o.name for o in again.outcomes] == ["broken.csv"] and not again.ok()
    (folder / "broken.csv").unlink()
    assert main(["sync", workspace, str(folder), "--once", "--crs", "wgs84"]) == 0
    assert capsys.readouterr().out.strip().endswith("nothing new")


def test_two_syncs_at_once_import_each_file_once(workspace: str, folder: Path) -> None:
    results: list[sync.Poll] = []

    def run() -> None:
        results.append(poll(workspace, FolderSource(folder.resolve()), WGS84))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(incidents(workspace)) == 200
    log = Workspace(workspace).import_log()
    assert sorted(Path(f).name for f in log["file"] if f.endswith(".csv")) == ["a.csv", "b.csv"]
    assert sum(len(r.imported) for r in results) == 2


def test_a_lease_is_respected_unless_its_holder_is_gone(workspace: str, folder: Path) -> None:
    source = open_source(str(folder))
    ws = Workspace(workspace)
    assert sync._take_lease(ws, source.key, "another-host pid 4242 #abcdef") is None
    busy = poll(workspace, source, WGS84)
    assert busy.busy == "another-host pid 4242 #abcdef" and busy.outcomes == () and busy.ok()
    assert "another sync is importing" in busy.line()
    assert len(incidents(workspace)) == 0
    # A holder on this machine whose process ended (killed mid-sync) is taken over.
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], text=True,
                           capture_output=True, check=True)  # fmt: skip
    sync._update_source(ws, source.key, owner=f"{sync.socket.gethostname()} pid "
                        f"{ended.stdout.strip()} #dead00")  # fmt: skip
    taken = poll(workspace, source, WGS84)
    assert len(taken.imported) == 2 and len(incidents(workspace)) == 200


# -- database tables ---------------------------------------------------------------------------
def events_db(path: Path, rows: pd.DataFrame, stamps: list[int]) -> None:
    """An event system's table: the incidents and an integer ``version`` column that grows
    with every change (several rows share one)."""
    table = rows.assign(version=stamps)
    with sqlite3.connect(path) as con:
        table.to_sql("events", con, index=False, if_exists="append")


def test_sqlite_table_by_watermark_in_batches_that_keep_ties_together(
    workspace: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "events.db"
    rows = busy_incidents()
    # Versions 1..67, three rows each (the last one, two rows): a batch of 7 would end in
    # the middle of a version.
    events_db(db, rows.iloc[:200], [1 + i // 3 for i in range(200)])
    args = ["sync", workspace, f"sqlite:///{db}", "--table", "events", "--since-column",
            "version", "--once", "--crs", "wgs84", "--batch", "7"]  # fmt: skip
    assert main(args) == 0
    out = capsys.readouterr().out
    assert len(incidents(workspace)) == 200
    batches = out.strip().split("  ", 1)[1].split("; ")
    assert all(b.startswith("events ") and b.endswith(" 0 updated, 0 rejected") for b in batches)
    assert sum(int(b.split()[1]) for b in batches) == 200
    # The event system closes ten cases and records 100 new ones, all as version 100 (an
    # integer: compared as one, not as text).
    changed = rows.iloc[:10].assign(closed_at="2026-01-05 09:00:00")
    with sqlite3.connect(db) as con:
        con.executemany("DELETE FROM events WHERE id = ?", [(i,) for i in changed.id])
    events_db(db, pd.concat([changed, rows.iloc[200:]]), [100] * 110)
    assert main(args[:-2]) == 0
    assert capsys.readouterr().out.split("  ", 1)[1].strip() == (
        "events 100 new, 10 updated, 0 rejected"
    )
    stored = incidents(workspace).set_index("id")
    assert len(stored) == 300 and stored.loc[changed["id"], "closed_at"].notna().all()
    assert main(args) == 0
    assert capsys.readouterr().out.strip().endswith("nothing new")


def test_batches_of_rows_without_ids_do_not_replace_each_other(
    workspace: str, tmp_path: Path
) -> None:
    """Rows without an id get one from their file's name and row: each batch's own."""
    db = tmp_path / "events.db"
    events_db(db, busy_incidents(30).drop(columns="id"), [1 + i // 2 for i in range(30)])
    source = open_source(f"sqlite:///{db}", table="events", since_column="version", batch_rows=7)
    result = poll(workspace, source, WGS84)
    assert len(result.imported) == 5 and not any(o.report.updated for o in result.imported)
    assert len(incidents(workspace)) == 30


@pytest.mark.parametrize(
    ("source", "extra", "message"),
    [
        ("{tmp}/missing", [], "missing: not a folder"),
        ("sqlite:///{tmp}/none.db", ["--table", "events", "--since-column", "v"],
         "no such database file"),
        ("sqlite:///{tmp}/events.db", ["--table", "nope", "--since-column", "version"],
         "cannot read nope.version: no such table: nope"),
        ("sqlite:///{tmp}/events.db", ["--table", "events", "--since-column", "when"],
         "events has no column when (it has: id, lon, lat,"),
        ("sqlite:///{tmp}/events.db", ["--table", "events"], "needs --since-column"),
        ("{tmp}", ["--every", "10 minutes"], "--every 10 minutes: give a number followed by"),
    ],
)  # fmt: skip
def test_a_source_that_cannot_be_read_is_refused_in_one_line(
    busy_workspace: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    source: str,
    extra: list[str],
    message: str,
) -> None:
    events_db(tmp_path / "events.db", busy_incidents(5), [1] * 5)
    status = main(["sync", busy_workspace, source.format(tmp=tmp_path), "--once", *extra])
    err = capsys.readouterr().err
    assert status == 2 and len(err.splitlines()) == 1
    assert err.startswith("gridmap: error: ") and message in err


def test_every_accepts_seconds_minutes_and_hours() -> None:
    assert [parse_every(t) for t in ("30s", "10m", "1.5h")] == [30.0, 600.0, 5400.0]
    with pytest.raises(SyncError, match=r"--every 0m: give a number followed by s, m or h"):
        parse_every("0m")


@pytest.fixture
def pg_events() -> Iterator[str]:
    """A table of the event system in a schema of its own on the test PostGIS server."""
    if not POSTGIS_URL:
        pytest.skip("GRIDMAP_TEST_POSTGIS_URL is not set")
    import psycopg

    schema = f"sync_src_{uuid.uuid4().hex[:8]}"
    rows = busy_incidents(50)
    with psycopg.connect(POSTGIS_URL, autocommit=True) as con:
        con.execute(f"CREATE SCHEMA {schema}")
        con.execute(
            f"CREATE TABLE {schema}.events (id text, lon float8, lat float8, occurred_at "
            "timestamp, category text, handling_class text, closed_at timestamp, "
            "updated_at timestamptz)"
        )
        with con.cursor() as cur:
            cur.executemany(
                f"INSERT INTO {schema}.events VALUES (%s, %s, %s, %s, %s, %s, %s, "
                "'2026-01-01 08:00:00+08'::timestamptz + %s * interval '1 second')",
                [(*r[:6], r[6] or None, i // 2) for i, r in enumerate(rows.itertuples(False))],
            )
        con.execute(f"CREATE VIEW {schema}.open_events AS SELECT * FROM {schema}.events")
    try:
        yield schema
    finally:
        with psycopg.connect(POSTGIS_URL, autocommit=True) as con:
            con.execute(f"DROP SCHEMA {schema} CASCADE")


def test_postgresql_view_by_updated_at(workspace: str, pg_events: str) -> None:
    import psycopg

    source = open_source(POSTGIS_URL, table=f"{pg_events}.open_events", since_column="updated_at")
    first = poll(workspace, source, WGS84)
    assert [o.text() for o in first.outcomes] == [
        f"{pg_events}.open_events 50 new, 0 updated, 0 rejected"
    ]
    with psycopg.connect(POSTGIS_URL, autocommit=True) as con:
        con.execute(
            f"UPDATE {pg_events}.events SET closed_at = '2026-01-05 09:00', "
            "updated_at = now() WHERE id IN ('E1', 'E2')"
        )
    second = poll(workspace, source, WGS84)
    assert [o.text() for o in second.outcomes] == [
        f"{pg_events}.open_events 0 new, 2 updated, 0 rejected"
    ]
    assert poll(workspace, source, WGS84).outcomes == ()
    stored = incidents(workspace).set_index("id")
    assert len(stored) == 50 and stored.loc[["E1", "E2"], "closed_at"].notna().all()


def test_ctrl_c_ends_the_loop_after_the_poll_without_a_traceback(
    workspace: str, folder: Path
) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "gridmap.cli", "sync", workspace, str(folder), "--every",
         "1h", "--crs", "wgs84"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert proc.stdout is not None
    line = proc.stdout.readline()  # the first poll is done
    assert "a.csv 100 new" in line
    time.sleep(0.5)
    proc.send_signal(signal.SIGINT)
    err = proc.communicate(timeout=30)[1]
    assert proc.returncode == 0, err
    assert "Traceback" not in err and err.strip().endswith("sync: stopped")
