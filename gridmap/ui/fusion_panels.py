"""The Fusion page's panels: headline and next steps, KPI row, the misaligned list, "who is
responsible", the tables of the proposal and of responsibility, and the downloads.

A planner must see in five seconds which department units do not line up and what to do: the
headline says how many and how many households, the map shows them in red and named, and the
next steps say, in order, what to do about it (correct a coordinate offset first; then adopt
the draft made of whole basic grids, or split the grids the department cuts in half; snap the
slivers; settle who answers where nobody or two units do).
"""

from __future__ import annotations

import logging
from typing import Any

import pandas as pd
import streamlit as st

from .. import schema
from ..analytics.fusion import FusionResult
from ..i18n import t
from ..report.fusion_tables import (
    answered_categories,
    corrected_from,
    corrected_note,
    department_duplicates,
    department_gaps,
    file_names,
    grids_changing_unit,
    responsibility_sentence,
)
from ..viz import picked
from . import keys
from .auth import audit
from .cockpit import _one_line
from .data import dashes, load_layer
from .fusion import (
    fusion_files,
    fusion_pdf_bytes,
    grid_names,
    named,
    page_tables,
    responsibility_rows,
)
from .fusion_map import FUSION_GRID_LAYER
from .settings import cjk_font

__all__ = [
    "pick_from_map",
    "show_downloads",
    "show_headline",
    "show_kpis",
    "show_misaligned",
    "show_steps",
    "show_tables",
    "show_who",
]

_log = logging.getLogger(__name__)

_MIME = {
    "gpkg": "application/geopackage+sqlite3",
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}
_ICON = {
    "gpkg": ":material/layers:",
    "csv": ":material/table:",
    "xlsx": ":material/table_view:",
    "pdf": ":material/picture_as_pdf:",
}


def _hh(value: float) -> str:
    return "—" if pd.isna(value) else f"{value:,.0f}"


def show_headline(result: FusionResult, lang: str) -> None:
    """One bold sentence of what is wrong, and the coordinate offset when there is one; when
    the analysis converted the layer from GCJ-02 first, the headline says so and the warning
    says to re-import the layer with that coordinate system first."""
    mis = result.misaligned
    d = result.department
    corrected = corrected_from(result)
    after = f"（{t('fusion.page.corrected.kpi', lang, crs=corrected)}）" if corrected else ""
    if lang != "zh" and after:
        after = f" ({t('fusion.page.corrected.kpi', lang, crs=corrected)})"
    if mis.empty:
        st.success(
            t("fusion.page.headline.ok", lang, department=d, units=len(result.misalignment)) + after
        )
    else:
        hh = mis[schema.HOUSEHOLDS].sum(min_count=1)
        st.markdown(
            "### "
            + t(
                "fusion.page.headline",
                lang,
                department=d,
                units=f"{len(result.misalignment):,}",
                n=f"{len(mis):,}",
                households=_hh(hh),
            )
            + after
        )
    off = result.offset
    if off is not None:
        short = t(f"fusion.page.offset.{off.kind}", lang, department=d, m=f"{off.distance_m:,.0f}")
        # After a GCJ-02 conversion, what the figures are and what to do first, in bold.
        note = corrected_note(result, lang)
        said = f"**{note}**" if note else off.sentence(lang)
        st.warning(f"**{short}**  \n{said}", icon=":material/explore:")


def show_steps(result: FusionResult, lang: str) -> None:
    """What to do, in order (see :func:`_steps`)."""
    st.markdown(_steps(result, lang))


def _steps(result: FusionResult, lang: str) -> str:
    """The next steps as a numbered Markdown list, most urgent first."""
    d, steps = result.department, []
    if result.offset is not None:
        key = "gcj02" if result.offset.kind == "gcj02_vs_wgs84" else "shift"
        steps.append(t(f"fusion.page.step.offset.{key}", lang, department=d))
    if len(result.misaligned):
        steps.append(
            t(
                "fusion.page.step.draft",
                lang,
                n=f"{len(result.misaligned):,}",
                grids=f"{grids_changing_unit(result):,}",
                department=d,
            )
        )
    if len(result.proposal.splits):
        steps.append(t("fusion.page.step.split", lang, n=f"{len(result.proposal.splits):,}"))
    if len(result.slivers):
        steps.append(
            t(
                "fusion.page.step.slivers",
                lang,
                n=f"{len(result.slivers):,}",
                m=f"{result.sliver_m:g}",
            )
        )
    gaps, dups = department_gaps(result), department_duplicates(result)
    if len(gaps) or len(dups):
        steps.append(t("fusion.page.step.resp", lang, gaps=f"{len(gaps):,}", dups=f"{len(dups):,}"))
    if not steps:
        return t("fusion.page.step.none", lang)
    lines = [f"{i}. {step}" for i, step in enumerate(steps, start=1)]
    return f"**{t('fusion.page.steps', lang)}**\n\n" + "\n".join(lines)


def show_kpis(result: FusionResult, lang: str) -> None:
    """Units, aligned, misaligned, slivers to snap, offset found: one metric each."""
    m = result.misalignment
    n_mis = int((~m["aligned"]).sum())
    off = result.offset
    corrected = corrected_from(result)
    # After a GCJ-02 conversion the counts are not of the layer as stored: the labels say so.
    after = f" · {t('fusion.page.corrected.kpi', lang, crs=corrected)}" if corrected else ""
    cols = st.columns(5)
    cols[0].metric(t("fusion.kpi.units", lang), f"{len(m):,}")
    cols[1].metric(t("fusion.kpi.aligned", lang) + after, f"{len(m) - n_mis:,}")
    cols[2].metric(
        t("fusion.kpi.misaligned", lang) + after,
        f"{n_mis:,}",
        help=t("fusion.kpi.misaligned.help", lang, pct=f"{result.tolerance * 100:g}"),
    )
    cols[3].metric(
        t("fusion.kpi.slivers", lang),
        f"{len(result.slivers):,}",
        help=t("fusion.kpi.slivers.help", lang, m=f"{result.sliver_m:g}"),
    )
    cols[4].metric(
        t("fusion.kpi.offset", lang),
        t("fusion.kpi.offset.none", lang)
        if off is None
        else t("fusion.kpi.offset.m", lang, m=f"{off.distance_m:,.0f}"),
    )


def show_misaligned(path: str, result: FusionResult, lang: str) -> None:
    """The misaligned units, the largest difference first (the red ones on the map)."""
    st.markdown(f"**{t('fusion.page.misaligned', lang, n=len(result.misaligned))}**")
    table = page_tables(path, result, lang)["misaligned"]
    if table.empty:
        st.caption(t("fusion.page.misaligned.none", lang))
        return
    # Beside the map there is room for four columns: name, share, households, area.
    cols = table.columns
    rows = table[[cols[1], cols[4], cols[5], cols[3]]]
    # Up to eight rows at their own height; a longer list scrolls beside the map.
    st.dataframe(dashes(rows), hide_index=True, height="auto" if len(rows) <= 8 else 300)


def pick_from_map(event: Any) -> bool:
    """A grid clicked on the map becomes the "who is responsible" grid (once per click);
    True when this is a new pick."""
    pick = picked(event, FUSION_GRID_LAYER)
    code = str(pick["code"]) if pick and pick.get("code") else None
    if code == st.session_state.get(keys.KEY_FUSION_LAST_PICK):
        return False
    st.session_state[keys.KEY_FUSION_LAST_PICK] = code
    if code:
        st.session_state[keys.KEY_FUSION_GRID] = code
    return bool(code)


def _grid_options(path: str, result: FusionResult) -> list[str]:
    """Basic grid codes, those with a gap or duplicate first (they are what to look at)."""
    grids = schema.basic_grids(load_layer(path, "grids"))
    codes = sorted(grids[schema.CODE].astype(str))
    r = result.responsibility
    bad = set(r.gaps[schema.GRID_CODE].astype(str)) | set(
        r.duplicates[schema.GRID_CODE].astype(str)
    )
    return [c for c in codes if c in bad] + [c for c in codes if c not in bad]


def show_who(path: str, result: FusionResult, lang: str) -> str | None:
    """谁负责: pick a basic grid (or click it on the map) → category → department unit.

    Returns the grid shown, for the map to outline."""
    st.markdown(f"**{t('fusion.page.who', lang)}**")
    options = _grid_options(path, result)
    if st.session_state.get(keys.KEY_FUSION_GRID) not in options:
        st.session_state.pop(keys.KEY_FUSION_GRID, None)
    names = grid_names(path)
    grid = st.selectbox(
        t("fusion.page.who.grid", lang),
        options,
        # The first grid until one is picked (a value set by a click must not meet a default).
        index=None if keys.KEY_FUSION_GRID in st.session_state or not options else 0,
        key=keys.KEY_FUSION_GRID,
        format_func=lambda c: named(names.get(c, ""), c, lang),
        help=t("fusion.page.who.help", lang),
    )
    if grid is None:
        return None
    rows = responsibility_rows(path, result, grid, lang)
    if rows.empty:
        st.caption(t("fusion.page.who.none", lang))
    else:
        st.dataframe(dashes(rows), hide_index=True)
    return str(grid)


def show_tables(path: str, result: FusionResult, lang: str) -> None:
    """One tab each: the proposal's gains and losses, the grids to split, the slivers, the
    reverse view per grid, this department's gaps and duplicates, and the gaps and
    duplicates of all department layers together (labelled so)."""
    tables = page_tables(path, result, lang)
    d = result.department
    counts = {
        name: len(tables[name])
        for name in ("changes", "splits", "slivers", "grid_view", "gaps", "duplicates")
    }
    labels = [t(f"fusion.tab.{k}", lang, n=f"{n:,}") for k, n in counts.items()]
    tabs = st.tabs([*labels, t("fusion.tab.all", lang)])
    resp = responsibility_sentence(result, lang)
    notes = {
        "changes": result.sentences(lang)[2],
        "splits": t("fusion.report.splits.note", lang),
        "slivers": t(
            "fusion.report.slivers.note", lang, n=f"{len(result.slivers):,}",
            m=f"{result.sliver_m:g}",
        ),
        "grid_view": t("fusion.page.grid_view.note", lang, department=d),
        "gaps": resp,
        "duplicates": t("fusion.report.duplicates.note", lang),
    }  # fmt: skip
    for tab, name in zip(tabs, counts, strict=False):
        with tab:
            st.caption(notes[name])
            if name in ("gaps", "duplicates") and not answered_categories(result):
                continue  # the note says the department answers for no category
            _table(tables[name], lang)
    with tabs[-1]:
        st.caption(t("fusion.page.all.note", lang, department=d))
        for name in ("gaps_all", "duplicates_all"):
            n = f"{len(tables[name]):,}"
            st.markdown(
                f"**{t(f'fusion.kpi.{name}', lang)}"
                + (f"（{n}）**" if lang == "zh" else f" ({n})**")
            )
            _table(tables[name], lang)
        r = result.responsibility
        if r.unclaimed_categories:
            cats = "、".join(schema.CATEGORIES.label(c, lang) for c in r.unclaimed_categories)
            st.caption(t("fusion.page.unclaimed", lang, categories=cats))


def _table(frame: pd.DataFrame, lang: str) -> None:
    if frame.empty:
        st.info(t("fusion.report.none", lang), icon=":material/check_circle:")
    else:
        st.dataframe(dashes(frame), hide_index=True, height=320)


def _file_name(result: FusionResult, kind: str) -> str:
    """The download's file name: the same as ``gridmap fuse --out`` writes."""
    names = file_names(result.department, result.version)
    return names[{"gpkg": "draft", "csv": "crosswalk"}.get(kind, kind)]


def show_downloads(path: str, result: FusionResult, lang: str) -> None:
    """Draft layer (GeoPackage), crosswalk (CSV), Excel workbook; the PDF is drawn on a click
    (a few seconds) and then offered, like the cockpit's report."""
    st.markdown(f"**{t('fusion.page.downloads', lang)}**")
    files = fusion_files(path, result.department, lang, result.version)
    corrected = corrected_from(result)
    cols = st.columns(4)
    for col, kind in zip(cols[:3], ("gpkg", "csv", "xlsx"), strict=True):
        name = _file_name(result, kind)
        label = t(f"fusion.download.{kind}", lang)
        if kind == "gpkg" and corrected:
            label = t("fusion.download.gpkg.corrected", lang, crs=corrected)
        col.download_button(
            label,
            files[kind],
            file_name=name,
            mime=_MIME[kind],
            key=keys.fusion_download_key(kind),
            icon=_ICON[kind],
            on_click=audit,
            args=(path, schema.AuditAction.EXPORT),
            kwargs={"target": name},
            width="stretch",
        )
    signature = (str(path), result.department, result.version, lang)
    with cols[3]:
        if st.button(
            t("fusion.download.pdf.make", lang), key=keys.KEY_FUSION_PDF, icon=_ICON["pdf"],
            width="stretch",
        ):  # fmt: skip
            with st.spinner(t("cockpit.export.working", lang)):
                try:
                    made: bytes | str = fusion_pdf_bytes(
                        path, result.department, lang, cjk_font(), result.version
                    )
                except Exception as exc:
                    _log.exception("fusion PDF failed")
                    made = _one_line(exc)
            st.session_state[f"{keys.KEY_FUSION_PDF}_result"] = (signature, made)
        kept = st.session_state.get(f"{keys.KEY_FUSION_PDF}_result")
        if kept is not None and kept[0] == signature:
            if isinstance(kept[1], str):
                st.error(t("cockpit.export.failed", lang, what="PDF", reason=kept[1]))
            else:
                name = _file_name(result, "pdf")
                st.download_button(
                    t("cockpit.export.save", lang, what="PDF", kb=len(kept[1]) // 1024),
                    kept[1],
                    file_name=name,
                    mime=_MIME["pdf"],
                    key=keys.fusion_download_key("pdf"),
                    type="primary",
                    icon=":material/download:",
                    on_click=audit,
                    args=(path, schema.AuditAction.EXPORT),
                    kwargs={"target": name},
                    width="stretch",
                )
    st.caption(t("fusion.page.downloads.help", lang))
