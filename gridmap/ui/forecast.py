"""Which forecasting method the risk map uses, said in one line, and the table behind it.

:func:`gridmap.analytics.backtest.select_method` runs the rolling-origin backtest of every
method on the workspace's own incidents (about 7-11 s on the 20k-grid demo at res 9). Pages
must never wait for it: the first visit starts it in a background thread (one per workspace
version, horizon and resolution) and shows the line once it is ready; a small fragment
re-checks every few seconds, so the line appears by itself without a page reload.
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st
from streamlit.runtime.scriptrunner import add_script_run_ctx

from ..analytics import backtest as bt
from ..analytics import forecast as fc
from ..errors import SchemaError
from ..i18n import t
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
#: Fewer test periods than this cannot tell methods apart: the line says history is too short.
MIN_ORIGINS = 4
#: Seconds between the checks of a line or panel still waiting for its backtest.
_POLL_S = 2.0


@dataclass(frozen=True)
class ForecastStatus:
    """The outcome of the method choice for one workspace version, horizon and resolution.

    ``reason`` is ``""`` when ``choice`` holds a test over at least :data:`MIN_ORIGINS`
    periods; otherwise ``"none"`` (no incidents), ``"area"`` (no study-area cell at this
    resolution), ``"short"`` (too little history: ``choice`` may still hold a test over
    fewer periods) or ``"error"`` (``detail`` has the one-line reason).
    """

    choice: bt.ForecastBacktest | None
    reason: str
    days: int
    horizon_days: int
    detail: str = ""

    @property
    def usable(self) -> bool:
        return self.choice is not None and not self.reason


@st.cache_data(show_spinner=False, max_entries=16)
def _status(path: str, stamp: float, horizon: int, res: int) -> ForecastStatus:
    # Never raises: a failure becomes a line on the page, and the background thread that
    # calls this must not die with an exception either.
    try:
        span = load_incidents(path).time_range
        if span is None:
            return ForecastStatus(None, "none", 0, horizon)
        days = (span[1] - span[0]).days + 1
        if not bt.study_area(load_layer(path, "grids"), res).size:
            return ForecastStatus(None, "area", days, horizon)
        try:
            choice = bt.select_method(
                load_incidents(path), load_layer(path, "grids"), horizon=horizon, res=res
            )
        except SchemaError:
            # The only SchemaError left is "the test windows must lie between ...": the data
            # do not hold one horizon of test after 28 days of history.
            return ForecastStatus(None, "short", days, horizon)
        short = len(choice.origins) < MIN_ORIGINS
        return ForecastStatus(choice, "short" if short else "", days, horizon)
    except Exception as exc:  # the page shows one line; the traceback goes to the log
        log.exception("forecast method choice failed for %s", path)
        text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return ForecastStatus(None, "error", 0, horizon, detail=text[:300])


def _run(path: str, stamp: float, horizon: int, res: int) -> None:
    try:
        _status(path, stamp, horizon, res)
    except Exception:  # _status catches its own errors; this is the cache machinery's
        log.exception("forecast background run failed for %s", path)


@st.cache_resource(show_spinner=False, max_entries=16)
def _started(path: str, stamp: float, horizon: int, res: int) -> threading.Thread:
    thread = threading.Thread(
        target=_run, args=(path, stamp, horizon, res), name="gridmap-forecast", daemon=True
    )
    add_script_run_ctx(thread)
    thread.start()
    return thread


def forecast_status(
    path: str, horizon: int = 7, res: int = 9, *, wait: float | None = 0.0
) -> ForecastStatus | None:
    """The method choice of workspace ``path``, or None while it is still being computed.

    The first call per workspace version, horizon and resolution starts the backtest in a
    background thread; ``wait`` is how long to wait for it (None: until it is done).
    """
    stamp = _stamp(path)
    thread = _started(str(path), stamp, int(horizon), int(res))
    thread.join(timeout=wait)
    if thread.is_alive():
        return None
    return _status(str(path), stamp, int(horizon), int(res))


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
