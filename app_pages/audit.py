"""审计 Audit: the append-only log of imports, edits, publishes, exports, runs and logins."""

import streamlit as st

from gridmap.i18n import t
from gridmap.ui import keys
from gridmap.ui.auth import audit_entries
from gridmap.ui.data import dashes
from gridmap.ui.sidebar import page_scope

path, scope, L = page_scope()
st.title(t("audit.title", L))
entries = audit_entries(path, limit=2000)
# Headers in the page's language and "—" where a field does not apply (not "None"); the
# CSV export keeps the log's own column names and values.
shown = dashes(entries)
shown.columns = [t(f"audit.col.{c}", L) for c in shown.columns]
st.dataframe(shown, hide_index=True, width="stretch")
st.download_button(
    t("audit.export", L),
    lambda: audit_entries(path).to_csv(index=False).encode("utf-8-sig"),
    file_name="audit_log.csv",
    mime="text/csv",
    key=keys.KEY_AUDIT_CSV,
)
