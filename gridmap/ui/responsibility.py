"""The responsibility table (谁主管、谁负责): kept per workspace, edited on the Data page.

The table lives in the workspace metadata under ``responsibilities`` as JSON
(:func:`gridmap.analytics.responsibility.to_records`); a workspace that never saved one uses
:func:`~gridmap.analytics.responsibility.default_responsibilities`. Saving validates the
edited table first (one-line error, nothing written), writes it in one transaction and is
audited (``AuditAction.SAVE_RESPONSIBILITIES``, with the number of rows).
"""

from __future__ import annotations

import io
import json

import pandas as pd
import streamlit as st

from .. import schema
from ..analytics.incidents import IncidentFilter
from ..analytics.responsibility import (
    RESPONSIBILITY_COLUMNS,
    default_responsibilities,
    from_records,
    grid_departments,
    read_responsibilities_csv,
    to_records,
    validate_responsibilities,
)
from ..errors import GridmapError
from ..i18n import t
from ..services.this_week import RESPONSIBILITIES_KEY, read_responsibilities, window_incidents
from ..store import Workspace, forget_stamp
from . import keys
from .auth import audit
from .data import _stamp, load_layer

__all__ = [
    "META_KEY",
    "load_responsibilities",
    "load_window_departments",
    "load_window_incidents",
    "responsibility_section",
    "save_responsibilities",
]

#: The workspace metadata key holding the table (the services' one key).
META_KEY = RESPONSIBILITIES_KEY


@st.cache_data(show_spinner=False, max_entries=8)
def _stored(path: str, stamp: float) -> pd.DataFrame | None:
    ws = Workspace(path)
    # read_responsibilities gives the defaults for a missing or unreadable table; the Data
    # page must tell "none saved" apart, so the key's presence is checked here.
    return read_responsibilities(ws) if ws.meta().get(RESPONSIBILITIES_KEY) else None


def stored_responsibilities(path: str) -> pd.DataFrame | None:
    """The table saved in the workspace, None when none was saved."""
    return _stored(str(path), _stamp(path))


def load_responsibilities(path: str) -> pd.DataFrame:
    """The workspace's table, or the defaults when it has none
    (:func:`gridmap.services.this_week.read_responsibilities`, cached per version)."""
    stored = stored_responsibilities(path)
    return default_responsibilities() if stored is None else stored


@st.cache_data(show_spinner=False, max_entries=16)
def _window_incidents(path: str, stamp: float, flt: IncidentFilter) -> pd.DataFrame:
    return window_incidents(Workspace(path), flt, load_layer(path, "grids"))


def load_window_incidents(path: str, flt: IncidentFilter) -> pd.DataFrame:
    """The window's incidents with their sub-categories, professional grids included
    (:func:`gridmap.services.this_week.window_incidents`), cached per workspace version."""
    return _window_incidents(str(path), _stamp(path), flt)


@st.cache_data(show_spinner=False, max_entries=16)
def _window_departments(path: str, stamp: float, flt: IncidentFilter) -> pd.DataFrame:
    return grid_departments(load_window_incidents(path, flt), load_responsibilities(path))


def load_window_departments(path: str, flt: IncidentFilter) -> pd.DataFrame:
    """The department answering for most of each grid's incidents in ``flt``'s window,
    sub-categories counted (:func:`~gridmap.analytics.responsibility.grid_departments`):
    the one assignment the map's tooltip, the grid card and this week's list show."""
    return _window_departments(str(path), _stamp(path), flt)


def save_responsibilities(path: str, table: pd.DataFrame) -> pd.DataFrame:
    """Validate ``table``, store it in the workspace metadata and audit the change.

    Raises
    ------
    SchemaError
        As :func:`~gridmap.analytics.responsibility.validate_responsibilities`; nothing
        is written then.
    """
    records = to_records(table)
    with Workspace(path).transaction() as tx:
        tx.set_meta({META_KEY: json.dumps(records, ensure_ascii=False)})
    forget_stamp(path)
    rows = {"rows": len(records)}
    audit(path, schema.AuditAction.SAVE_RESPONSIBILITIES, target=META_KEY, detail=rows)
    return from_records(records)


# --- the Data page section --------------------------------------------------------------------
def _editable(table: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The table as the editor shows it: categories as labels of ``lang``."""
    out = table.copy()
    out[schema.CATEGORY] = out[schema.CATEGORY].map(lambda c: _category_label(c, lang))
    return out


def _category_label(code: str, lang: str) -> str:
    if code == schema.UNCLASSIFIED.code:
        return schema.UNCLASSIFIED.zh if lang == "zh" else schema.UNCLASSIFIED.en
    return schema.CATEGORIES.label(code, lang)


def _csv(table: pd.DataFrame) -> bytes:
    buf = io.StringIO()
    validate_responsibilities(table).to_csv(buf, index=False)
    return ("\ufeff" + buf.getvalue()).encode("utf-8")  # Excel reads Chinese right with a BOM


def responsibility_section(path: str, lang: str) -> None:
    """The Data page's responsibility section: an editable table, save, CSV out and in."""
    st.subheader(t("resp.title", lang))
    st.caption(t("resp.help", lang))
    stored = stored_responsibilities(path)
    if stored is None:
        st.info(t("resp.defaults", lang), icon=":material/info:")
    base = load_responsibilities(path)
    # The editor and its buttons come first on the page; the CSV upload sits below them but
    # is read first, since an uploaded table replaces what the editor starts from.
    table_area, button_area = st.container(), st.container()
    uploaded = st.file_uploader(t("resp.csv.upload", lang), type=["csv"], key=keys.KEY_RESP_CSV)
    if uploaded is not None:
        try:
            base = read_responsibilities_csv(io.BytesIO(uploaded.getvalue()))  # type: ignore[arg-type]
        except (GridmapError, ValueError, UnicodeDecodeError) as exc:
            st.error(t("resp.invalid", lang, error=str(exc).splitlines()[0]))
        else:
            st.caption(t("resp.csv.loaded", lang, n=len(base)))
    labels = [_category_label(c, lang) for c in (*schema.CATEGORIES.codes,)]
    labels.append(_category_label(schema.UNCLASSIFIED.code, lang))
    edited = table_area.data_editor(
        _editable(base, lang),
        key=keys.KEY_RESP_EDITOR,
        num_rows="dynamic",
        hide_index=True,
        width="stretch",
        column_order=list(RESPONSIBILITY_COLUMNS),
        column_config={
            schema.CATEGORY: st.column_config.SelectboxColumn(
                t("resp.col.category", lang), options=labels, required=True
            ),
            "subcategory": st.column_config.TextColumn(t("resp.col.subcategory", lang)),
            "department_zh": st.column_config.TextColumn(t("resp.col.department_zh", lang)),
            "department_en": st.column_config.TextColumn(t("resp.col.department_en", lang)),
        },
    )
    save, download, reset, _gap = button_area.columns([1.2, 1, 1, 2])
    if save.button(t("resp.save", lang), key=keys.KEY_RESP_SAVE, type="primary"):
        try:
            kept = save_responsibilities(path, edited)
        except GridmapError as exc:
            button_area.error(t("resp.invalid", lang, error=str(exc).splitlines()[0]))
        else:
            button_area.success(t("resp.saved", lang, n=len(kept)))
    try:
        data = _csv(edited)
    except GridmapError:
        data = _csv(base)  # the last valid table: an invalid edit is reported on save
    download.download_button(
        t("resp.csv.download", lang),
        data,
        file_name="responsibilities.csv",
        mime="text/csv",
        key=keys.KEY_RESP_DOWNLOAD,
        on_click="ignore",
    )
    if reset.button(t("resp.reset", lang), key=keys.KEY_RESP_RESET):
        st.session_state.pop(keys.KEY_RESP_EDITOR, None)
        try:
            save_responsibilities(path, default_responsibilities())
        except GridmapError as exc:  # pragma: no cover - the defaults always validate
            st.error(str(exc))
        st.rerun()
