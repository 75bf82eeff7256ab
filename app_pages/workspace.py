"""数据 Data: what the workspace holds (overview), bringing files in (import), taking them out
(export). Widgets and work in ``gridmap.ui``: ``data_sections`` (overview, export),
``import_wizard`` (the import, one function per step)."""

import streamlit as st

from gridmap.i18n import t
from gridmap.ui import (
    lang,
    load_info,
    sidebar,
    workspace_exists,
    workspace_label,
    workspace_name,
    workspace_path,
)
from gridmap.ui.data_sections import export_section, overview, published_notice
from gridmap.ui.import_wizard import import_section
from gridmap.ui.responsibility import responsibility_section
from gridmap.ui.upload import KEY_SECTION

path = workspace_path()
sidebar(path)
L = lang()
st.title(t("app.title", L))
exists = workspace_exists(path)
info = load_info(path) if exists else None
if info is not None:
    badge = t("synthetic", L) if info["synthetic"] else t("real", L)
    st.caption(f"{t('workspace', L)}: `{workspace_label(path)}` · **{badge}**")
else:
    st.caption(t("data.new.workspace", L, path=workspace_name(path)))

SECTIONS = ("overview", "import", "export", "responsibility")
section = st.radio(
    t("data.section", L),
    SECTIONS if exists else ("import",),
    format_func=lambda s: t(f"data.section.{s}", L),
    horizontal=True,
    key=KEY_SECTION,
    label_visibility="collapsed",
)
published_notice(L)

if section == "import":
    import_section(path, exists, L)
elif info is not None and section == "overview":
    overview(path, info, L)
elif info is not None and section == "responsibility":
    responsibility_section(path, L)
elif info is not None:
    export_section(path, info, L)
