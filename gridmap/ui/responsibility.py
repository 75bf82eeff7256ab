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
import logging

import pandas as pd
import streamlit as st

from .. import schema
from ..analytics.responsibility import (
    RESPONSIBILITY_COLUMNS,
    default_responsibilities,
    from_records,
    read_responsibilities_csv,
    to_records,
    validate_responsibilities,
)
from ..errors import GridmapError
from ..i18n import t
from ..store import Workspace, forget_stamp
from . import keys
from .auth import audit
from .data import _stamp

__all__ = ["META_KEY", "load_responsibilities", "responsibility_section", "save_responsibilities"]

_log = logging.getLogger(__name__)

#: The workspace metadata key holding the table.
META_KEY = "responsibilities"


@st.cache_data(show_spinner=False, max_entries=8)
def _stored(path: str, stamp: float) -> pd.DataFrame | None:
    raw = Workspace(path).meta().get(META_KEY)
    if not raw:
        return None
    try:
        return from_records(json.loads(raw))
    except (GridmapError, ValueError) as exc:
        # A table that no longer validates (hand-edited metadata) must not stop the cockpit.
        _log.warning("workspace responsibilities ignored: %s", exc)
        return None


def stored_responsibilities(path: str) -> pd.DataFrame | None:
    """The table saved in the workspace, None when none was saved (or it is unreadable)."""
    return _stored(str(path), _stamp(path))


def load_responsibilities(path: str) -> pd.DataFrame:
    """The workspace's table, or the defaults when it has none."""
    stored = stored_responsibilities(path)
    return default_responsibilities() if stored is None else stored


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
