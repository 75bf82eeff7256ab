"""Two app processes on one PostGIS schema answer alike, and both show an import made by a
third process (the CLI, a sync, another server) on their next rerun (issue #17 item 6:
several processes behind one address; README "Several app processes behind one address").
The pages are asked for over Streamlit's websocket, as a browser tab asks."""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.asyncio.client import ClientConnection, connect

from gridmap.i18n import t
from gridmap.importing import import_file

from ..builders import POSTGIS_URL, busy_incidents, require
from .server import free_port, running_app

pytestmark = [
    pytest.mark.postgis,
    pytest.mark.slow,
    # Skipped without a PostGIS server; under GRIDMAP_REQUIRE_POSTGIS=1 the fixture fails.
    pytest.mark.skipif(
        not POSTGIS_URL and not require("GRIDMAP_REQUIRE_POSTGIS"),
        reason="needs a PostGIS server (GRIDMAP_TEST_POSTGIS_URL)",
    ),
]

# The "server time" caption differs between processes by nature, not by answer.
_SERVER_TIME = re.compile(
    r"[\d,.]+".join(map(re.escape, t("server.time", "zh", ms="\0").split("\0")))
)
_PENDING = {t("forecast.line.pending", "zh"), t("forecast.panel.pending", "zh")}
#: How long a process trusts the workspace revision it read (gridmap.store.base._STAMPS).
STAMP_TTL_S = 1.0
_KPI_INCIDENTS = re.compile(
    r'data-kpi="incidents"><div class="l">[^<]*</div><div class="v">([^<]+)<'
)


def _cells(data: bytes) -> list[list[str]]:
    """A dataframe element's header and cells as text (Arrow IPC stream bytes)."""
    with pa.ipc.open_stream(data) as reader:
        frame = reader.read_all().to_pandas()
    return [[str(c) for c in frame.columns], *frame.astype(str).to_numpy().tolist()]


def _rendered(fwd: ForwardMsg) -> list[str]:
    """The texts one new element shows: markdown and headings, alerts, metrics, tables."""
    element = fwd.delta.new_element
    kind = element.WhichOneof("type")
    if kind in ("markdown", "heading", "alert"):
        body = getattr(element, kind).body
        return [] if _SERVER_TIME.fullmatch(body) else [body]
    if kind == "metric":
        return [f"{element.metric.label}={element.metric.body}"]
    if kind in ("arrow_data_frame", "dataframe"):
        return [repr(_cells(getattr(element, kind).arrow_data.data))]
    if kind == "exception":
        raise AssertionError(f"the page failed: {element.exception.message}")
    return []


async def _page(conn: ClientConnection, page: str) -> list[str]:
    """Run ``page`` in the session of ``conn``; the texts it rendered, in the page's order."""
    msg = BackMsg()
    msg.rerun_script.query_string = ""
    msg.rerun_script.page_name = page
    await conn.send(msg.SerializeToString())
    shown: dict[tuple[int, ...], list[str]] = {}
    while True:
        fwd = ForwardMsg()
        fwd.ParseFromString(await asyncio.wait_for(conn.recv(), timeout=50))
        kind = fwd.WhichOneof("type")
        if kind == "page_not_found":
            raise AssertionError(f"{page}: page not found")
        if kind == "delta" and fwd.delta.WhichOneof("type") == "new_element":
            # An element redrawn at the same place replaces what was shown there.
            shown[tuple(fwd.metadata.delta_path)] = _rendered(fwd)
        if kind == "script_finished":
            return [text for path in sorted(shown) for text in shown[path]]


Answers = list[dict[str, list[str]]]


async def _answers(sessions: list[ClientConnection], pages: tuple[str, ...]) -> Answers:
    """Each process's texts of ``pages``, asked in its own open session."""
    return [{p: await _page(conn, p) for p in pages} for conn in sessions]


async def _settled(sessions: list[ClientConnection], pages: tuple[str, ...]) -> Answers:
    """The answers once no process still says its background backtest is running (that
    line, and what replaces it, depends on each process's timing, not on the data)."""
    for _ in range(60):
        answers = await _answers(sessions, pages)
        if not any(text in _PENDING for a in answers for p in pages for text in a[p]):
            return answers
        await asyncio.sleep(0.5)
    raise AssertionError("the background backtest did not finish")


def _kpi(texts: list[str]) -> int:
    """The cockpit's incident count (its KPI tile)."""
    found = [m.group(1) for text in texts for m in _KPI_INCIDENTS.finditer(text)]
    assert len(found) == 1, "the cockpit shows one incident KPI"
    return int(found[0].replace(",", ""))


def _risk_count(texts: list[str]) -> int:
    """The risk page's incident count (its summary line)."""
    found = [m.group(1) for text in texts for m in re.finditer(r"^\*\*([\d,]+)\*\* 件事件", text)]
    assert len(found) == 1, "the risk page's summary names its incident count"
    return int(found[0].replace(",", ""))


def _assert_alike(answers: Answers, pages: tuple[str, ...]) -> None:
    a, b = answers
    for page in pages:  # every text, KPI and table cell the two processes render
        only = [x for x in a[page] if x not in b[page]], [x for x in b[page] if x not in a[page]]
        assert a[page] == b[page], f"{page}: first process only {only[0]}, second only {only[1]}"
    # Not alike by being empty: the ranked grid table is there.
    assert any(text.startswith("[['") for text in a["risk"]) and len(a["cockpit"]) > 20


@contextlib.contextmanager
def _two_apps(workspace: str) -> Iterator[list[int]]:
    """Two `streamlit run app.py` processes on ``workspace``, each on its own port."""
    ports = [free_port(), free_port()]
    with running_app(workspace, ports[0]), running_app(workspace, ports[1]):
        yield ports


@pytest.mark.parametrize("backend", ["postgis"])
def test_two_processes_on_one_schema_answer_alike_and_both_see_an_import(
    busy_workspace: str, tmp_path: Path
) -> None:
    started = time.monotonic()
    december = int((pd.to_datetime(busy_incidents()["occurred_at"]).dt.month == 12).sum())
    pages = ("risk", "cockpit")
    news = busy_incidents(40, seed=5).assign(
        id=lambda f: "N" + f["id"],
        occurred_at=pd.Timestamp("2025-12-10") + pd.to_timedelta(range(40), unit="h"),
        closed_at="",
    )
    news.to_csv(tmp_path / "news.csv", index=False)

    async def scenario(ports: list[int]) -> tuple[Answers, Answers, Answers]:
        sessions = [
            await connect(
                f"ws://127.0.0.1:{port}/_stcore/stream",
                subprotocols=["streamlit"],  # type: ignore[list-item]
                max_size=None,
            )
            for port in ports
        ]
        try:
            before = await _settled(sessions, pages)
            # Written through the workspace URL by this (third) process, as `gridmap
            # import` or `gridmap sync` on any machine would.
            report = import_file(busy_workspace, "incidents", tmp_path / "news.csv", crs="wgs84")
            assert report.imported == 40
            # Each process looks at the workspace revision at most once a second.
            await asyncio.sleep(STAMP_TTL_S + 0.2)
            rerun = await _answers(sessions, ("cockpit",))
            return before, rerun, await _settled(sessions, pages)
        finally:
            for conn in sessions:
                await conn.close()

    with _two_apps(busy_workspace) as ports:
        before, rerun, after = asyncio.run(scenario(ports))
    _assert_alike(before, pages)
    _assert_alike(after, pages)
    assert [_kpi(a["cockpit"]) for a in before] == [december, december]
    assert [_kpi(a["cockpit"]) for a in rerun] == [december + 40, december + 40]
    assert [_risk_count(a["risk"]) for a in after] == [_risk_count(before[0]["risk"]) + 40] * 2
    assert time.monotonic() - started < 60
