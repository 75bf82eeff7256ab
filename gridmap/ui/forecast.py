"""Which forecasting method the risk map uses, said in one line, and the table behind it.

:func:`gridmap.analytics.backtest.select_method` runs the rolling-origin backtest of every
method on the workspace's own incidents (about 7-11 s on the 20k-grid demo at res 9, a minute
and gigabytes on a city of ten million incidents). Pages must never wait for it: the first
visit starts it (one job per workspace version, horizon and resolution) and shows the line
once it is ready; a small fragment re-checks every few seconds, so the line appears by itself
without a page reload.

On a served app the job runs in a child process at a lower priority
(:mod:`gridmap.services.forecast_job`): a thread of the server would hold the GIL
and a core while the sessions are answered, and its peak memory would be the server's. Where
no child can be started, and under AppTest (the script runs in the test's own process, whose
monkeypatches a child would not see), it runs in a thread of this process instead.
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st
from streamlit import runtime
from streamlit.runtime.scriptrunner import add_script_run_ctx

from ..analytics import backtest as bt
from ..analytics import forecast as fc
from ..i18n import t
from ..services import forecast_job as job
from ..services.forecast_job import MIN_ORIGINS, ForecastStatus
from .data import _stamp, load_incidents, load_layer

__all__ = [
    "HORIZONS",
    "MIN_ORIGINS",
    "ForecastStatus",
    "backtest_table",
    "cockpit_sentence",
    "forecast_cells",
    "forecast_line",
    "forecast_status",
    "pending",
    "risk_sentence",
]

log = logging.getLogger("gridmap.ui")

#: Horizons offered in the backtest panel (days): 1 week, 2 weeks, 1 month, 3 months.
HORIZONS: tuple[int, ...] = bt.HORIZONS
#: Seconds between the checks of a line or panel still waiting for its backtest.
_POLL_S = 2.0


def _served() -> bool:
    """Whether a Streamlit server runs this script. AppTest runs it under a stand-in runtime
    (a mock of :class:`~streamlit.runtime.Runtime`) in the test's own process."""
    return runtime.exists() and type(runtime.get_instance()) is runtime.Runtime


def _in_child(path: str, horizon: int, res: int) -> Future[ForecastStatus]:
    """Start the job in a child process (raises OSError if none can start); the future is
    resolved by a thread that waits for the child's answer."""
    proc = job.start_child(path, horizon=horizon, res=res)
    log.info("forecast backtest (horizon %d, res %d) in child process %d", horizon, res, proc.pid)
    future: Future[ForecastStatus] = Future()

    def collect() -> None:
        try:
            status = job.child_status(proc, horizon=horizon)
        except Exception as exc:  # child_status words the child's failures; this is ours
            log.exception("forecast child process for %s", path)
            status = job.error_status(exc, horizon)
        future.set_result(status)

    threading.Thread(target=collect, name="gridmap-forecast-wait", daemon=True).start()
    return future


def _in_thread(path: str, horizon: int, res: int) -> Future[ForecastStatus]:
    future: Future[ForecastStatus] = Future()

    def run() -> None:
        try:
            table, grids = load_incidents(path), load_layer(path, "grids")
            status = job.method_status(table, grids, horizon=horizon, res=res)
        except Exception as exc:  # method_status never raises; the loaders may
            log.exception("forecast method choice failed for %s", path)
            status = job.error_status(exc, horizon)
        future.set_result(status)

    thread = threading.Thread(target=run, name="gridmap-forecast", daemon=True)
    add_script_run_ctx(thread)  # the cached loaders run inside it
    thread.start()
    return future


@st.cache_resource(show_spinner=False, max_entries=16)
def _job(path: str, stamp: float, horizon: int, res: int) -> Future[ForecastStatus]:
    if _served():
        try:
            return _in_child(path, horizon, res)
        except OSError as exc:  # e.g. the system refuses another process
            log.warning("forecast: no child process (%s); computing in a thread", exc)
    return _in_thread(path, horizon, res)


def forecast_status(
    path: str, horizon: int = 7, res: int = 9, *, wait: float | None = 0.0
) -> ForecastStatus | None:
    """The method choice of workspace ``path``, or None while it is still being computed.

    The first call per workspace version, horizon and resolution starts the backtest (in a
    child process on a served app); ``wait`` is how long to wait for it (None: until done).
    """
    future = _job(str(path), _stamp(path), int(horizon), int(res))
    try:
        return future.result(timeout=wait)
    except TimeoutError:
        return None


def _pct(x: float) -> str:
    return f"{100 * x:.1f}".replace("-0.0", "0.0")


def _plain_method(name: str, lang: str) -> str:
    """A method in words a non-specialist reads at a glance (the cockpit)."""
    family, _, arg = name.partition("_")
    if name in fc.BASELINES:
        return t(f"forecast.plain.{name}", lang)
    if family in ("decay", "kde", "blend"):
        return t(f"forecast.plain.{family}", lang, x=arg.rstrip("dm"))
    return t("forecast.plain.sepp", lang)


def _method_label(name: str, lang: str) -> str:
    family = name if name in fc.BASELINES or name == "sepp" else name.split("_", 1)[0]
    return t(f"forecast.method.{family}", lang, name=name)


def _not_tested(status: ForecastStatus, lang: str) -> str:
    if status.reason == "none":
        return t("forecast.line.none", lang)
    if status.reason == "area":
        return t("forecast.line.area", lang)
    if status.reason == "error":
        return t("forecast.line.error", lang, reason=status.detail)
    weeks = math.ceil((28 + MIN_ORIGINS * status.horizon_days) / 7)
    return t("forecast.line.short", lang, days=status.days, weeks=weeks)


def cockpit_sentence(status: ForecastStatus, lang: str) -> str:
    """One plain line for leaders: what the forecast counts and how it did, no jargon."""
    if not status.usable or status.choice is None:
        return _not_tested(status, lang)
    choice = status.choice
    periods = _periods(status)
    what = _plain_method(choice.selected, lang)
    if choice.selected in fc.BASELINES:
        return t("forecast.cockpit.baseline", lang, what=what, periods=periods(lang))
    if round(100 * choice.gain) < 1:
        return t("forecast.cockpit.same", lang, what=what, periods=periods(lang))
    pct = f"{100 * choice.gain:.0f}"
    return t("forecast.cockpit.model", lang, what=what, periods=periods(lang), pct=pct)


def _periods(status: ForecastStatus) -> Callable[[str], str]:
    n = len(status.choice.origins) if status.choice is not None else 0
    return lambda lang: t(f"forecast.periods.{status.horizon_days}", lang, n=n)


def risk_sentence(status: ForecastStatus, lang: str) -> str:
    """The Risk page's line: the method by name, the gain and its interval."""
    if not status.usable or status.choice is None:
        return _not_tested(status, lang)
    choice = status.choice
    periods = _periods(status)(lang)
    method = _method_label(choice.selected, lang)
    base = _method_label(choice.best_baseline, lang)
    if choice.selected in fc.BASELINES:
        return t("forecast.risk.baseline", lang, method=method, periods=periods)
    lo, hi = choice.gain_interval
    text = t(
        "forecast.risk.model",
        lang,
        method=method,
        base=base,
        periods=periods,
        pct=_pct(choice.gain),
        lo=_pct(lo),
        hi=_pct(hi),
    )
    if not lo > 0:  # the interval reaches 0 (or is undefined): say so
        text += t("forecast.risk.noise", lang)
    return text + t("forecast.stop", lang)


def backtest_table(status: ForecastStatus, lang: str) -> Any:
    """The rolling-origin table as shown: one row per method, translated headers, pooled
    PAI/PEI at 1/5/10 % with their 95 % interval, the selected method highlighted.

    Returned as a pandas Styler (``.data`` is the frame of display strings)."""
    assert status.choice is not None
    rows = status.choice.rows
    selected = status.choice.selected
    view = pd.DataFrame(
        {
            t("forecast.col.method", lang): [_method_label(m, lang) for m in rows["method"]],
            t("forecast.col.baseline", lang): np.where(
                rows["baseline"], t("forecast.yes", lang), ""
            ),
            t("forecast.col.selected", lang): np.where(
                rows["method"] == selected, "★ " + t("forecast.selected", lang), ""
            ),
        }
    )
    for what in ("pai", "pei"):
        digits = 1 if what == "pai" else 2
        for pct in (1, 5, 10):
            col = f"{what}_{pct}"

            def cell(v: float, lo: float, hi: float, d: int = digits) -> str:
                if not math.isfinite(v):
                    return "—"
                band = f" [{lo:.{d}f}–{hi:.{d}f}]" if math.isfinite(lo) else ""
                return f"{v:.{d}f}{band}"

            view[t(f"forecast.col.{col}", lang)] = [
                cell(float(v), float(lo), float(hi))
                for v, lo, hi in zip(rows[col], rows[f"{col}_lo"], rows[f"{col}_hi"], strict=True)
            ]
    picked = (rows["method"] == selected).to_numpy()

    def highlight(row: pd.Series) -> list[str]:
        style = "background-color: #fff4d6; font-weight: 600" if picked[int(str(row.name))] else ""
        return [style] * len(row)

    return view.style.apply(highlight, axis=1)


def forecast_cells(path: str, status: ForecastStatus | None, res: int = 9) -> pd.DataFrame:
    """Every study-area cell with a positive forecast score for the horizon after the last
    incident, by the selected method (the numbers of ``gridmap risk --level cell``); plain
    counts of all history when no method could be tested. Columns ``cell``, ``score``,
    ``method`` and ``forecast_class`` (3: top 1 % of the city's cells, 2: 1-5 %,
    1: 5-10 %, 0: the rest with a score; ``ceil(share x cells)`` cells, as the backtest
    flags them)."""
    usable = status is not None and status.usable and status.choice is not None
    method = status.choice.selected if usable and status and status.choice else "all_history"
    horizon = status.horizon_days if status is not None else 7
    return _cells(str(path), _stamp(path), method, int(horizon), int(res))


@st.cache_data(show_spinner=False, max_entries=8)
def _cells(path: str, stamp: float, method: str, horizon: int, res: int) -> pd.DataFrame:
    import datetime as dt

    table = load_incidents(path)
    empty = pd.DataFrame({"cell": [], "score": [], "method": [], "forecast_class": []})
    if table.time_range is None:
        return empty
    area = bt.study_area(load_layer(path, "grids"), res)
    if not area.size:
        return empty
    first, last = table.time_range
    scores = bt.forecast_scores(
        table, area, method, res=res, origin=last + dt.timedelta(days=1), horizon=horizon,
        since=first,
    )  # fmt: skip
    # Ranked highest first over the whole city, as the backtest flags its top shares.
    # The backtest's flagged cells: the top k = ceil(f * N) (at least 1) for f = 1, 5, 10 %.
    n = len(scores)
    pos = np.arange(1, n + 1)
    k1, k5, k10 = (max(1, math.ceil(f * n - 1e-9)) for f in (0.01, 0.05, 0.10))
    scores["forecast_class"] = np.select([pos <= k1, pos <= k5, pos <= k10], [3, 2, 1], 0)
    return scores[scores["score"] > 0].reset_index(drop=True)


def forecast_line(
    path: str,
    lang: str,
    render: Callable[[ForecastStatus, str], str],
    *,
    horizon: int = 7,
    res: int = 9,
) -> None:
    """The one-line sentence (``render`` of the status), or a quiet "testing" line while the
    backtest runs in the background (see :func:`pending`)."""
    status = forecast_status(path, horizon, res)
    if status is None:
        pending(path, t("forecast.line.pending", lang), horizon=horizon, res=res)
        return
    icon = ":material/insights:" if status.usable else ":material/info:"
    st.markdown(f"{icon} {render(status, lang)}")


def pending(path: str, message: str, *, horizon: int = 7, res: int = 9) -> None:
    """``message`` as a caption in a fragment that re-checks every few seconds and reruns
    the page once the backtest is done. The full rerun does not draw this fragment again,
    and a full run clears the browser's timers, so the polling stops there."""
    st.fragment(_poll, run_every=_POLL_S)(str(path), message, int(horizon), int(res))


def _poll(path: str, message: str, horizon: int, res: int) -> None:
    if forecast_status(path, horizon, res) is not None:
        st.rerun()
    st.caption(message)
