"""Two app processes on one PostGIS schema answer alike, and both see an import made
through either one on their next rerun (issue #17 item 6: several processes behind one
address). The pages are asked for over Streamlit's websocket, as a browser tab asks."""

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

# Lines that say how long this process took or that its background backtest is still
# running: they differ between processes by nature, not by answer.
_SERVER_TIME = re.compile(r"[\d,.]+".join(map(re.escape, t("server.time", "zh", ms="\0").split("\0"))))
_PENDING = {t("forecast.line.pending", "zh"), t("forecast.panel.pending", "zh")}
_KPI_INCIDENTS = re.compile(r'data-kpi="incidents"><div class="l">[^<]*</div><div class="v">([^<]+)<')


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
        return [] if _SERVER_TIME.fullmatch(body) or body in _PENDING else [body]
    if kind == "metric":
        return [f"{element.metric.label}={element.metric.body}"]
    if kind == "arrow_data_frame" or kind == "dataframe":
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
            # A fragment may redraw a slot: the last element at a path is what is shown.
            shown[tuple(fwd.metadata.delta_path)] = _rendered(fwd)
        if kind == "script_finished":
            return [text for path in sorted(shown) for text in shown[path]]


async def _answers(
    sessions: list[ClientConnection], pages: tuple[str, ...]
) -> list[dict[str, list[str]]]:
    """Each process's texts of ``pages``, asked in its own open session."""
    return [{p: await _page(conn, p) for p in pages} for conn in sessions]


def _kpi(texts: list[str]) -> str:
    found = [m.group(1) for text in texts for m in _KPI_INCIDENTS.finditer(text)]
    assert len(found) == 1, "the cockpit shows one incident KPI"
    return found[0]


def _risk_count(texts: list[str]) -> str:
    found = [m.group(1) for text in texts for m in re.finditer(r"^\*\*([\d,]+)\*\* 件事件", text)]
    assert len(found) == 1, "the risk page's summary names its incident count"
    return found[0]


@contextlib.contextmanager
def _two_apps(workspace: str) -> Iterator[list[int]]:
    ports = [free_port(), free_port()]
    with running_app(workspace, ports[0]), running_app(workspace, ports[1]):
        yield ports


@pytest.mark.parametrize("backend", ["postgis"])
def test_two_processes_on_one_schema_answer_alike_and_both_see_an_import(
    busy_workspace: str, tmp_path: Path
) -> None:
    started = time.monotonic()
    december = pd.to_datetime(busy_incidents()["occurred_at"]).dt.month == 12
    pages = ("risk", "cockpit")  # risk first: its backtest panel finishes the forecast

    async def scenario(ports: list[int]) -> tuple[list, list]:
        sessions = [
            await connect(
                f"ws://127.0.0.1:{port}/_stcore/stream",
                subprotocols=["streamlit"],  # type: ignore[list-item]
                max_size=None,
            )
            for port in ports
        ]
        try:
            await _answers(sessions, pages)  # first visits start the background work
            before = await _answers(sessions, pages)
            news = busy_incidents(40, seed=5).assign(
                id=lambda f: "N" + f["id"],
                occurred_at=(pd.Timestamp("2025-12-10") + pd.to_timedelta(range(40), unit="h")),
                closed_at="",
            )
            news.to_csv(tmp_path / "news.csv", index=False)
            # Imported through one process's workspace URL, not through either app.
            report = import_file(busy_workspace, "incidents", tmp_path / "news.csv", crs="wgs84")
            assert report.imported == 40
            after = await _answers(sessions, pages)
            return before, after
        finally:
            for conn in sessions:
                await conn.close()

    with _two_apps(busy_workspace) as ports:
        before, after = asyncio.run(scenario(ports))
    for answers in (before, after):
        a, b = answers
        for page in pages:  # every text, KPI and table cell the two processes render
            only = [x for x in a[page] if x not in b[page]], [x for x in b[page] if x not in a[page]]
            assert a[page] == b[page], f"{page}: first process only {only[0]}, second only {only[1]}"
        assert len(a["cockpit"]) > 20 and any("<table" in x or "[[" in x for x in a["risk"])
    assert _kpi(before[0]["cockpit"]) == str(int(december.sum()))
    assert _kpi(after[0]["cockpit"]) == _kpi(after[1]["cockpit"]) == str(int(december.sum()) + 40)
    assert int(_risk_count(after[1]["risk"])) == int(_risk_count(before[1]["risk"])) + 40
    assert time.monotonic() - started < 60
