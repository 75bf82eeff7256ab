"""The Data page's import wizard: choose the kind and the file, then one step after the other
(:mod:`gridmap.ui.import_steps`), save the mapping, import, and show the result
(:mod:`gridmap.ui.import_result`).

A new file or kind forgets the previous file's choices; another sheet or layer detects the
mapping afresh; a file already imported shows its result first.
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from .. import schema
from ..errors import GridmapError
from ..i18n import t
from ..importing.preview import FilePreview, SavedMapping, delete_mapping, save_mapping
from ..store import Workspace
from . import keys
from . import upload as up
from .auth import audit
from .import_result import show_result
from .import_steps import (
    Columns,
    CrsStep,
    step_categories,
    step_columns,
    step_crs,
    step_fixed_values,
    step_read,
    step_saved_pick,
)
from .import_text import kind_label

__all__ = ["import_section"]


def clear_choices() -> None:
    """Forget the column, fixed-value and category choices."""
    for key in list(st.session_state.keys()):
        if str(key).startswith(
            (keys.DATA_MAP_PREFIX, keys.DATA_CONST_PREFIX, keys.DATA_CAT_PREFIX)
        ):
            del st.session_state[key]


def reset_for(stashed: up.Stashed, kind: str) -> None:
    """A new file or kind: forget the previous file's choices and any old result."""
    clear_choices()
    st.session_state.pop(keys.KEY_DATA_PREPARED_PART, None)
    for key in (
        up.KEY_CRS,
        up.KEY_EPSG,
        up.KEY_SWAP,
        up.KEY_MAP_PICK,
        up.KEY_PART,
        up.KEY_OUTSIDE_OK,
    ):
        st.session_state.pop(key, None)
    st.session_state[keys.KEY_DATA_PREPARED] = (stashed.digest, kind)


def forget_result() -> None:
    st.session_state.pop(up.KEY_RESULT, None)


def import_section(path: str, exists: bool, lang: str) -> None:
    """The whole import: kind, file, the steps, the import button; or the last result."""
    kind = st.selectbox(
        t("data.kind", lang),
        schema.IMPORT_MENU,
        format_func=lambda k: kind_label(k, lang),
        key=up.KEY_KIND,
    )
    department = choose_department(path, exists, lang) if kind == schema.Layer.DEPARTMENTS else None
    stashed = choose_file(kind, lang)
    if stashed is None:
        show_result(path, exists, lang)
        return
    if st.session_state.get(keys.KEY_DATA_PREPARED) != (stashed.digest, kind):
        reset_for(stashed, kind)
    done = st.session_state.get(up.KEY_RESULT)
    if done and done["digest"] == stashed.digest and done["kind"] == kind:
        # This file is in: show what happened first; the preview is one click away.
        show_result(path, exists, lang)
        # A department layer imported again becomes its next version, not a set of duplicates.
        again = "data.again.version" if kind == schema.Layer.DEPARTMENTS else "data.again"
        st.button(t(again, lang), key=keys.KEY_DATA_AGAIN, on_click=forget_result)
        return
    part = choose_part(stashed, kind, lang)
    try:
        preview = up.load_preview(stashed, kind, part)
    except GridmapError as exc:
        st.error(up.error_text(str(exc), lang))
        return
    number = iter("①②③④⑤")
    step_read(preview, number, lang)
    saved = up.saved_mappings(path, kind)
    step_saved_pick(path, kind, preview, saved, lang)
    cols = step_columns(preview, kind, number, lang)
    set_values = step_fixed_values(preview, kind, cols.chosen, lang)
    categories = step_categories(preview, kind, cols.chosen, number, lang)
    crs = step_crs(path, preview, kind, cols, number, lang)
    step_save_mapping(path, kind, saved, cols, categories, crs.crs, exists, lang)
    plan = Plan(stashed, kind, part, cols, set_values, categories, crs, department)
    step_import(path, preview, plan, lang)


def choose_department(path: str, exists: bool, lang: str) -> str:
    """The department a department layer belongs to (a re-import is its next version)."""
    from .fusion import department_choices

    known = department_choices(path) if exists else []
    name: str = st.text_input(
        t("data.department.name", lang),
        key=keys.KEY_DATA_DEPARTMENT,
        help=t("data.department.help", lang),
        placeholder="公安分局（派出所）",
    )
    if known:
        st.caption(t("data.department.known", lang, names="、".join(known)))
    return name.strip()


def choose_file(kind: str, lang: str) -> up.Stashed | None:
    """The uploaded file, checked and stashed (kept in the session; None without one)."""
    allowed = up.allowed_suffixes(kind)
    st.caption(
        t("data.kind.help", lang, types=", ".join("." + s for s in allowed), mb=up.MAX_UPLOAD_MB)
    )
    uploaded = st.file_uploader(
        t("data.upload", lang), type=list(allowed), key=up.KEY_UPLOADER, accept_multiple_files=False
    )
    current = st.session_state.get(up.KEY_FILE)
    if uploaded is not None:
        try:
            stashed = up.stash_bytes(uploaded.name, uploaded.getvalue(), kind, from_uploader=True)
        except GridmapError as exc:
            st.error(up.error_text(str(exc), lang))
            st.session_state.pop(up.KEY_FILE, None)
            return None
        if current is None or current.digest != stashed.digest or current.name != stashed.name:
            st.session_state[up.KEY_FILE] = stashed
    elif current is not None and current.from_uploader:
        st.session_state.pop(up.KEY_FILE, None)  # the user removed the file
    found: up.Stashed | None = st.session_state.get(up.KEY_FILE)
    return found


def choose_part(stashed: up.Stashed, kind: str, lang: str) -> str | None:
    """The worksheet or layer to read, when the file has several."""
    parts = up.file_parts(stashed)
    part = None
    if parts:
        part = st.selectbox(
            t("data.part.sheet" if kind in schema.POINT_KINDS else "data.part.layer", lang),
            parts,
            key=up.KEY_PART,
        )
    if st.session_state.get(keys.KEY_DATA_PREPARED_PART) != part:
        # Another sheet or layer has other columns: detect the mapping afresh.
        clear_choices()
        st.session_state[keys.KEY_DATA_PREPARED_PART] = part
    return part


def step_save_mapping(
    path: str,
    kind: str,
    saved: list[SavedMapping],
    cols: Columns,
    categories: dict[str, str],
    crs: str | None,
    exists: bool,
    lang: str,
) -> None:
    """Save the columns, categories and coordinate system under a name; delete a saved one."""
    with st.expander(t("data.saved.save", lang)):
        c1, c2 = st.columns([3, 1])
        name = c1.text_input(t("data.saved.name", lang), key=up.KEY_MAP_NAME)
        c2.write("")
        if c2.button(t("data.saved.save.button", lang), key=up.KEY_MAP_SAVE, disabled=not exists):
            try:
                save_mapping(
                    Workspace(path),
                    name or "",
                    kind,
                    columns=cols.mapping,
                    categories=dict(categories),
                    crs=crs,
                    user=up.current_user(path),
                )
            except GridmapError as exc:
                st.error(up.error_text(str(exc), lang))
            else:
                audit(
                    path,
                    schema.AuditAction.SAVE_MAPPING,
                    target=name.strip(),
                    detail={"kind": kind},
                )
                st.success(t("data.saved.done", lang, name=name.strip()))
        if saved:
            gone = st.selectbox(
                t("data.saved.delete.pick", lang),
                [m.name for m in saved],
                index=None,
                key=keys.KEY_DATA_MAPPING_DELETE_PICK,
            )
            if gone and st.button(t("data.saved.delete", lang), key=keys.KEY_DATA_MAPPING_DELETE):
                try:
                    delete_mapping(Workspace(path), gone, kind)
                except GridmapError as exc:
                    st.error(up.error_text(str(exc), lang))
                else:
                    st.rerun()


@dataclass(frozen=True)
class Plan:
    """Everything the steps decided, for the import."""

    stashed: up.Stashed
    kind: str
    part: str | None
    cols: Columns
    set_values: dict[str, str]
    categories: dict[str, str]
    crs: CrsStep
    #: Department layers: whose units these are ("" until typed); None for other kinds.
    department: str | None = None

    @property
    def problems(self) -> list[str]:
        return [*self.cols.problems, *self.crs.problems]


def step_import(path: str, preview: FilePreview, plan: Plan, lang: str) -> None:
    """What blocks the import, the outside-the-city confirmation, and the import button."""
    problems = plan.problems
    if plan.department == "":
        problems.append(t("data.department.missing", lang))
    for p in problems:
        st.error(p)
    if plan.kind == "grids":
        st.info(t("data.import.grids", lang))
    confirmed = True
    if plan.crs.outside is not None:
        confirmed = st.checkbox(t("data.outside.confirm", lang), key=up.KEY_OUTSIDE_OK)
        if not confirmed:
            st.caption(t("data.outside.confirm.needed", lang))
    go = st.button(
        t("data.import.button", lang, n=preview.n_rows, kind=kind_label(plan.kind, lang)),
        key=up.KEY_IMPORT,
        type="primary",
        disabled=bool(problems) or not confirmed,
    )
    if not go:
        return
    bar = st.progress(0.0, text=t("data.import.running", lang))
    try:
        result = up.run_import(
            path,
            plan.stashed,
            plan.kind,
            crs=plan.crs.crs,
            mapping=plan.cols.explicit,
            categories=plan.categories,
            set_values=plan.set_values,
            part=plan.part,
            progress=lambda f, m: bar.progress(min(max(f, 0.0), 1.0), text=m),
            department=plan.department,
        )
    except GridmapError as exc:
        bar.empty()
        st.error(t("data.import.failed", lang, msg=up.error_text(str(exc), lang)))
        return
    bar.empty()
    st.session_state[up.KEY_RESULT] = result
    st.session_state.pop(up.KEY_PROBLEMS, None)
    st.session_state.pop(up.KEY_PROBLEM_MAP, None)
    st.rerun()
