"""What an import did, on the Data page: counts, notes, rejects (with a download), and for a
grid file the validation of the new version with its problems on a map and the publish form."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from ..i18n import t
from ..viz import picked as picked_obj
from . import keys
from . import upload as up
from .data import load_info
from .data_sections import publish_form
from .import_text import kind_label

__all__ = ["show_result"]


def show_result(path: str, exists: bool, lang: str) -> None:
    """The last import's result kept in the session (nothing when there is none)."""
    result: dict[str, Any] | None = st.session_state.get(up.KEY_RESULT)
    if not result:
        return
    rep = result["report"]
    _counts(result, lang)
    _rejects(result, lang)
    version = rep.get("version")
    if result["kind"] != "grids" or version is None:
        return
    st.subheader(t("data.validation", lang, v=version))
    problems = result.get("problems")
    if problems is None or not len(problems):
        st.success(t("data.validation.ok", lang))
    else:
        _problems(path, result, int(version), lang)
    versions = {
        v["version"]: v["status"] for v in (load_info(path)["grid_versions"] if exists else [])
    }
    if versions.get(version) == "draft":
        st.info(t("data.draft.info", lang, v=version))
        publish_form(path, int(version), "result", lang)
    elif versions.get(version) == "published":
        st.success(t("data.published", lang, v=version))


def _counts(result: dict[str, Any], lang: str) -> None:
    rep = result["report"]
    st.subheader(t("data.result", lang, file=result["file"], kind=kind_label(result["kind"], lang)))
    m = st.columns(5)
    m[0].metric(t("data.result.read", lang), f"{rep['rows_read']:,}")
    m[1].metric(t("data.result.imported", lang), f"{rep['imported']:,}")
    m[2].metric(t("data.result.rejected", lang), f"{rep['rejected']:,}")
    m[3].metric(t("data.result.unclassified", lang), f"{rep['unclassified']:,}")
    m[4].metric(t("data.result.repaired", lang), f"{rep['repaired']:,}")
    st.caption(
        t("data.result.sum", lang, r=rep["rows_read"], i=rep["imported"], j=rep["rejected"])
        + " · "
        + t("data.result.crs", lang, crs=rep["crs"])
    )
    if rep.get("updated"):
        st.caption(t("data.result.updated", lang, n=rep["updated"]))
    if rep.get("values_cleared"):
        st.caption(t("data.result.cleared", lang, n=rep["values_cleared"]))
    for n in result.get("notes", {}).get(lang, rep.get("notes", [])):
        st.caption("· " + n)


def _rejects(result: dict[str, Any], lang: str) -> None:
    rep = result["report"]
    issues: pd.DataFrame = result["issues"]
    if rep["rejected_by_reason"]:
        reasons = pd.DataFrame(
            {
                t("data.col.reason", lang): [
                    up.reason_text(r, lang) for r in rep["rejected_by_reason"]
                ],
                t("data.col.rows", lang): list(rep["rejected_by_reason"].values()),
            }
        )
        st.dataframe(reasons, hide_index=True)
    if len(issues):
        st.markdown("**" + t("data.rejects", lang, n=len(issues)) + "**")
        shown = issues.copy()
        shown["reason"] = shown["reason"].astype(str).map(lambda r: up.reason_text(r, lang))
        shown["action"] = shown["action"].astype(str).map(lambda a: up.action_text(a, lang))
        shown.columns = [t(f"data.col.{c}", lang) for c in shown.columns]
        st.dataframe(
            shown, hide_index=True, width="stretch", height="auto" if len(shown) < 10 else 320
        )
        st.download_button(
            t("data.rejects.download", lang),
            data=up.rejects_csv(issues, lang),
            file_name=f"rejects-{result['kind']}-{Path(result['file']).stem}.csv",
            mime="text/csv",
            key=keys.KEY_DATA_REJECTS_DOWNLOAD,
        )
    elif rep["rejected"] == 0:
        st.success(t("data.result.clean", lang))


def _problem_table(result: dict[str, Any], lang: str) -> pd.DataFrame:
    """The validation problems as the page shows them, in ``lang``."""
    problems = result["problems"]
    table = pd.DataFrame(problems.drop(columns="geometry"))
    said = result.get("problem_text", {}).get(lang)
    if said is not None and len(said) == len(table):
        table["message"] = said  # the validator's sentence in the page's language
    table["kind"] = table["kind"].map(lambda k: t(f"data.problem.{k}", lang))
    table["size_m2"] = table["size_m2"].round(0)
    table = table[["kind", "code", "size_m2", "lon", "lat", "message"]]
    table.columns = [
        t("data.col.detail" if c == "message" else f"data.col.{c}", lang) for c in table.columns
    ]
    return table


def _problems(path: str, result: dict[str, Any], version: int, lang: str) -> None:
    """The problems table and map; a row or a map feature picked zooms the map to it."""
    counts = result["report"].get("validation", {})
    st.caption(" · ".join(f"{t(f'data.problem.{k}', lang)} {v}" for k, v in counts.items() if v))
    table = _problem_table(result, lang)
    st.caption(t("data.validation.help", lang))
    event = st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        height=260,
        on_select="rerun",
        selection_mode="single-row",
        key=up.KEY_PROBLEMS,
    )
    selected = None
    try:
        rows = event["selection"]["rows"]
        selected = int(rows[0]) if rows else None
    except (KeyError, TypeError, IndexError):
        selected = None
    picked = st.session_state.get(up.KEY_PROBLEM_MAP)
    if selected is None and picked:
        for layer_id in ("problems", "problem-points"):
            obj = picked_obj(picked, layer_id)
            if obj and "i" in obj:
                selected = int(obj["i"])
    if selected is not None and 0 <= selected < len(table):
        st.info(t("data.validation.zoom", lang, msg=table.iloc[selected, -1]))
    deck = up.problem_deck(path, version, result["problems"], selected)
    st.pydeck_chart(
        deck,
        key=up.KEY_PROBLEM_MAP,
        height=460,
        on_select="rerun",
        selection_mode="single-object",
    )
