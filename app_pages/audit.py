"""审计 Audit: the append-only log of imports, edits, publishes, exports, runs and logins."""

import streamlit as st

from gridmap.i18n import t
from gridmap.security import AuditLog
from gridmap.ui.sidebar import page_scope

path, scope, L = page_scope()
st.title(t("audit.title", L))
entries = AuditLog(path).read(limit=2000)
st.dataframe(entries, hide_index=True, width="stretch")
st.download_button(
    t("audit.export", L),
    lambda: AuditLog(path).read().to_csv(index=False).encode("utf-8-sig"),
    file_name="audit_log.csv",
    mime="text/csv",
    key="audit_csv",
)
