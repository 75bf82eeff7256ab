"""超期未结: incidents still open past their handling class's time limit.

The time limit is the one behind 按期结案率 (:class:`~gridmap.analytics.risk.RiskSettings`
``sla_days``, days from occurrence per handling class: emergency 1, general 7, dispute 15 by
default): an incident is due once ``occurred_at + limit`` has passed, and overdue at a moment
``as_of`` when it is due and was not closed by then. An incident closed late is not backlog
(it counts against 按期结案率 instead); an incident without a handling class has no limit and
is never overdue (it is counted apart, ``open_without_limit``).

A workspace whose incidents carry no closure time cannot tell open from closed: the backlog
is then *missing* (``missing="closure"``), never 0; likewise when no incident carries a
handling class (``missing="handling_class"``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from .. import schema
from ..errors import SchemaError
from .incidents import IncidentFilter, IncidentTable
from .responsibility import (
    DEPARTMENT_EN,
    DEPARTMENT_ZH,
    SUBCATEGORY,
    assign_departments,
    default_responsibilities,
)
from .risk import DAY_S, UNKNOWN_PARENT, RiskSettings

__all__ = [
    "AGE_BANDS",
    "BACKLOG_COLUMNS",
    "Backlog",
    "age_bands",
    "age_breakdown",
    "cases_in",
    "closure_known",
    "overdue_backlog",
]

#: The columns of :attr:`Backlog.items`, in order.
BACKLOG_COLUMNS: tuple[str, ...] = (
    schema.ID,
    schema.GRID_CODE,
    "grid_name",
    "street_code",
    "street_name",
    schema.CATEGORY,
    SUBCATEGORY,
    schema.HANDLING_CLASS,
    schema.OCCURRED_AT,
    "due_at",
    "days_overdue",
    DEPARTMENT_ZH,
    DEPARTMENT_EN,
)
#: Bands of days overdue a leader reads the backlog by: (key, lowest day, highest day). A
#: case 0.5 days overdue is in its first day, so band edges are whole days rounded up.
AGE_BANDS: tuple[tuple[str, float, float], ...] = (
    ("le7", 0.0, 7.0),
    ("8_30", 7.0, 30.0),
    ("31_90", 30.0, 90.0),
    ("gt90", 90.0, float("inf")),
)
_STREET_COLUMNS = ("street_code", "street_name", "overdue", "max_days_overdue")
_DEPARTMENT_COLUMNS = (DEPARTMENT_ZH, DEPARTMENT_EN, "overdue", "max_days_overdue")
#: The text dtype ``astype(str)`` gives (Arrow-backed, NaN for missing): columns read from a
#: workspace already have it.
_STR = pd.StringDtype(na_value=np.nan)


@dataclass(frozen=True)
class Backlog:
    """The overdue backlog at one moment.

    Attributes
    ----------
    as_of
        The moment looked at (a date given as ``as_of`` means the end of that day).
    overdue
        Incidents open at ``as_of`` past their time limit; None when ``missing``.
    open
        Incidents open at ``as_of`` (occurred by then, not closed by then); None without
        closure data.
    open_without_limit
        Of ``open``, those without a handling class (no limit, never overdue).
    missing
        ``"closure"``: no incident carries a closure time; ``"handling_class"``: none
        carries a handling class. A screen says so in words, never shows 0.
    items
        Every overdue incident, most overdue first (ties by id): :data:`BACKLOG_COLUMNS`.
        ``days_overdue`` is in days (fractional) past ``due_at``.
    by_street, by_department
        ``overdue`` and ``max_days_overdue`` per street (``street_code``, ``street_name``;
        :data:`~gridmap.analytics.risk.UNKNOWN_PARENT` for incidents outside every known
        street) and per department (``department_zh``, ``department_en``), largest first.
        Each sums to ``overdue``.
    sla_days
        The time limits used, per handling class.
    """

    as_of: pd.Timestamp
    overdue: int | None
    open: int | None
    open_without_limit: int | None
    missing: Literal["closure", "handling_class"] | None
    items: pd.DataFrame
    by_street: pd.DataFrame
    by_department: pd.DataFrame
    sla_days: dict[str, float]

    @property
    def oldest(self) -> pd.Series | None:
        """The most overdue incident (a row of :attr:`items`), None when there is none."""
        return None if self.items.empty else self.items.iloc[0]


def _moment(as_of: dt.date | dt.datetime | pd.Timestamp) -> pd.Timestamp:
    if isinstance(as_of, dt.datetime):  # pd.Timestamp is one too
        ts = pd.Timestamp(as_of)
        return ts.tz_localize(None) if ts.tzinfo is not None else ts
    if isinstance(as_of, dt.date):
        return pd.Timestamp(as_of) + pd.Timedelta(days=1)
    raise SchemaError(f"as_of={as_of!r}; allowed: a date or a date and time")


def _times(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame.columns:
        return pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")
    return pd.to_datetime(frame[column], errors="coerce")


def _text(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame.columns:
        return pd.Series("", index=frame.index, dtype=object)
    values = frame[column]
    if values.dtype == _STR:
        # Filled in Arrow: the round trip through Python objects below cost 0.1 s a column
        # for the 650,000 open cases of 9.7 M incidents, and gives the same text.
        return values.fillna("")
    return values.astype(object).where(values.notna(), "").astype(str)


def _lookup(keys: pd.Series, values: pd.Series) -> pd.Series:
    """``values`` at ``keys`` (text), "" where a key is not there."""
    # A hashed map, not a Python call per case (170,000 overdue cases at 9.7 M incidents);
    # of a key given twice the last value counts, as a dict built from the pairs keeps it.
    found = pd.Series(values.astype(str).to_numpy(dtype=object), index=values.index.astype(str))
    found = found[~found.index.duplicated(keep="last")]
    return keys.map(found).fillna("").astype(str)


def _empty(columns: tuple[str, ...]) -> pd.DataFrame:
    return pd.DataFrame(columns=list(columns))


def _breakdown(items: pd.DataFrame, keys: list[str], columns: tuple[str, ...]) -> pd.DataFrame:
    if items.empty:
        return _empty(columns)
    out = (
        items.groupby(keys, sort=True)["days_overdue"]
        .agg(overdue="size", max_days_overdue="max")
        .reset_index()
    )
    out["overdue"] = out["overdue"].astype(np.int64)
    out = out.sort_values("overdue", ascending=False, kind="stable").reset_index(drop=True)
    return out[list(columns)]


def _items(
    frame: pd.DataFrame,
    due_at: pd.Series,
    as_of: pd.Timestamp,
    owners: pd.DataFrame | None,
    responsibilities: pd.DataFrame,
) -> pd.DataFrame:
    """The overdue rows of ``frame`` with their place, department and days overdue."""
    grid = _text(frame, schema.GRID_CODE)
    subcategory = _text(frame, schema.CATEGORY_SOURCE).str.strip()
    category = _text(frame, schema.CATEGORY).replace("", schema.UNCLASSIFIED.code)
    departments = assign_departments(category, subcategory, responsibilities)
    if owners is not None:
        street = _lookup(grid, owners["street_code"]).replace("", UNKNOWN_PARENT)
        street_name = _lookup(grid, owners["street_name"])
        grid_name = _lookup(grid, owners["grid_name"])
    else:
        street = pd.Series(UNKNOWN_PARENT, index=frame.index, dtype=object)
        street_name = grid_name = pd.Series("", index=frame.index, dtype=object)
    items = pd.DataFrame(
        {
            schema.ID: _text(frame, schema.ID),
            schema.GRID_CODE: grid,
            "grid_name": grid_name,
            "street_code": street,
            "street_name": street_name,
            schema.CATEGORY: category,
            SUBCATEGORY: subcategory,
            schema.HANDLING_CLASS: _text(frame, schema.HANDLING_CLASS),
            schema.OCCURRED_AT: _times(frame, schema.OCCURRED_AT),
            "due_at": due_at,
            "days_overdue": (as_of - due_at).dt.total_seconds() / DAY_S,
            DEPARTMENT_ZH: departments[DEPARTMENT_ZH].to_numpy(),
            DEPARTMENT_EN: departments[DEPARTMENT_EN].to_numpy(),
        }
    )
    order = items.sort_values(
        ["days_overdue", schema.ID], ascending=[False, True], kind="stable"
    ).reset_index(drop=True)
    return order[list(BACKLOG_COLUMNS)]


def overdue_backlog(
    incidents: pd.DataFrame,
    *,
    as_of: dt.date | dt.datetime | pd.Timestamp,
    owners: pd.DataFrame | None = None,
    responsibilities: pd.DataFrame | None = None,
    settings: RiskSettings | None = None,
    closure_known: bool | None = None,
) -> Backlog:
    """The incidents open past their handling class's time limit at ``as_of``.

    Parameters
    ----------
    incidents
        The incident layer (a frame): ``id`` and ``occurred_at``, and where present
        ``closed_at``, ``handling_class``, ``category``, ``category_source`` (the
        sub-category) and ``grid_code``.
    as_of
        The moment to look at; a date means the end of that day (as the cockpit's window
        end). Incidents occurring later are ignored, those closed later count as open.
    owners
        :func:`~gridmap.analytics.responsibility.grid_owners` of the grids, for the street
        and grid name of each incident; None puts every incident under ``UNKNOWN_PARENT``.
    responsibilities
        A validated responsibility table; default
        :func:`~gridmap.analytics.responsibility.default_responsibilities`.
    settings
        Where the time limits come from (``sla_days``); default ``RiskSettings()``.
    closure_known
        Whether the incident layer carries closure times at all. Default: whether
        ``incidents`` does. Pass it when ``incidents`` is already cut down to the cases
        still open (a cheap read of a large layer), which may hold no closure time at all.

    Returns
    -------
    Backlog

    Raises
    ------
    SchemaError
        When ``id`` or ``occurred_at`` is missing, or ``as_of`` is not a date.
    """
    absent = [c for c in (schema.ID, schema.OCCURRED_AT) if c not in incidents.columns]
    if absent:
        raise SchemaError(f"incidents: missing column(s) {absent}; allowed: the incident layer")
    settings = settings or RiskSettings()
    sla = dict(settings.sla_days)
    moment = _moment(as_of)
    table = responsibilities if responsibilities is not None else default_responsibilities()
    occurred = _times(incidents, schema.OCCURRED_AT)
    closed = _times(incidents, schema.CLOSED_AT)
    limit_days = _text(incidents, schema.HANDLING_CLASS).map(sla).astype(np.float64)
    open_ = (occurred <= moment) & (closed.isna() | (closed > moment))
    due_at = occurred + pd.to_timedelta(limit_days, unit="D")
    missing: Literal["closure", "handling_class"] | None = None
    if not (closed.notna().any() if closure_known is None else closure_known):
        missing = "closure"
    elif len(incidents) and not limit_days.notna().any():
        # No case at all (a filter keeping none) is 0 overdue, not "no handling class".
        missing = "handling_class"
    empty = Backlog(
        as_of=moment,
        overdue=None,
        open=None if missing == "closure" else int(open_.sum()),
        open_without_limit=None if missing == "closure" else int((open_ & limit_days.isna()).sum()),
        missing=missing,
        items=_empty(BACKLOG_COLUMNS),
        by_street=_empty(_STREET_COLUMNS),
        by_department=_empty(_DEPARTMENT_COLUMNS),
        sla_days=sla,
    )
    if missing is not None:
        return empty
    overdue = (open_ & limit_days.notna() & (due_at <= moment)).to_numpy()
    items = _items(incidents[overdue], due_at[overdue], moment, owners, table)
    return Backlog(
        as_of=moment,
        overdue=len(items),
        open=empty.open,
        open_without_limit=empty.open_without_limit,
        missing=None,
        items=items,
        by_street=_breakdown(items, ["street_code", "street_name"], _STREET_COLUMNS),
        by_department=_breakdown(items, [DEPARTMENT_ZH, DEPARTMENT_EN], _DEPARTMENT_COLUMNS),
        sla_days=sla,
    )


def _band_keys(days_overdue: pd.Series) -> pd.Series:
    """The :data:`AGE_BANDS` key of each case (whole days rounded up; 0 days: the first)."""
    days = np.ceil(pd.to_numeric(days_overdue, errors="coerce").to_numpy(dtype=np.float64))
    edges = np.array([hi for _key, _lo, hi in AGE_BANDS])
    pos = np.searchsorted(edges, np.maximum(days, 0.0), side="left")
    keys = np.array([key for key, _lo, _hi in AGE_BANDS], dtype=object)
    return pd.Series(keys[np.minimum(pos, len(keys) - 1)], index=days_overdue.index)


def age_breakdown(backlog: Backlog, by: Literal["street", "department"]) -> pd.DataFrame:
    """Overdue cases per street or department, split by :data:`AGE_BANDS`.

    Returns
    -------
    pandas.DataFrame
        The key columns (``street_code``, ``street_name`` or ``department_zh``,
        ``department_en``), ``overdue`` and one column per band key, largest ``overdue``
        first (ties by key); empty when nothing is overdue.
    """
    keys = ["street_code", "street_name"] if by == "street" else [DEPARTMENT_ZH, DEPARTMENT_EN]
    bands = [key for key, _lo, _hi in AGE_BANDS]
    items = backlog.items
    if items.empty:
        return pd.DataFrame(columns=[*keys, "overdue", *bands])
    frame = items[keys].assign(_band=_band_keys(items["days_overdue"]))
    table = (
        frame.groupby([*keys, "_band"])
        .size()
        .unstack("_band", fill_value=0)
        .reindex(columns=bands, fill_value=0)
        .astype(np.int64)
    )
    table.columns.name = None
    table.insert(0, "overdue", table.sum(axis=1))
    out = table.reset_index().sort_values(
        ["overdue", *keys], ascending=[False, *([True] * len(keys))], kind="stable"
    )
    return out.reset_index(drop=True)


def age_bands(backlog: Backlog) -> pd.Series:
    """Overdue cases per band of :data:`AGE_BANDS` (index: the band keys, in order).

    A case is in the band whose upper edge is the first at or above its whole days overdue
    (rounded up: 7.2 days overdue is "8-30"). Empty bands count 0; a backlog that is
    ``missing`` has no bands (every count 0, never read as "none overdue": check
    ``missing`` first).

    Examples
    --------
    >>> import pandas as pd
    >>> items = pd.DataFrame({"days_overdue": [0.5, 7.0, 7.2, 400.0]})
    >>> b = Backlog(pd.Timestamp("2026-01-01"), 4, 4, 0, None, items, items, items, {})
    >>> age_bands(b).tolist()
    [2, 1, 0, 1]
    """
    bands = [key for key, _lo, _hi in AGE_BANDS]
    items = backlog.items
    if items.empty or "days_overdue" not in items:
        return pd.Series(0, index=bands, dtype="int64")
    counts = _band_keys(items["days_overdue"]).value_counts()
    return counts.reindex(bands, fill_value=0).astype("int64")


def closure_known(table: IncidentTable) -> bool:
    """Whether any incident carries a closure time: without one the backlog, the closure
    rate and the overdue column are unknown (said in words), never 0."""
    return bool((table.closed_s >= 0).any())


def cases_in(cases: pd.DataFrame, flt: IncidentFilter) -> pd.DataFrame:
    """The open cases within ``flt``'s area (``grid_codes``), categories and handling
    classes: the backlog a filtered screen shows counts only what the filter keeps (a
    party-building view never names a public-safety case as its oldest). The window's days
    are not applied: a backlog holds cases opened before the window too."""
    keep = pd.Series(True, index=cases.index)
    if flt.grid_codes is not None and schema.GRID_CODE in cases:
        keep &= cases[schema.GRID_CODE].isin(flt.grid_codes)
    if flt.categories and schema.CATEGORY in cases:
        keep &= cases[schema.CATEGORY].isin(flt.categories)
    if flt.handling_classes and schema.HANDLING_CLASS in cases:
        keep &= cases[schema.HANDLING_CLASS].isin(flt.handling_classes)
    return cases[keep.to_numpy()]
