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
from ..viz import picked
from . import keys
from .auth import audit
from .cockpit import _one_line
from .data import load_layer
from .fusion import (
    fusion_files,
    fusion_pdf_bytes,
    grid_names,
    named,
    page_tables,
    responsibility_rows,
    shown,
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
    """One bold sentence of what is wrong, and the coordinate offset when there is one."""
    mis = result.misaligned
    d = result.department
    if mis.empty:
        st.success(t("fusion.page.headline.ok", lang, department=d, units=len(result.misalignment)))
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
        )
    off = result.offset
    if off is not None:
        short = t(f"fusion.page.offset.{off.kind}", lang, department=d, m=f"{off.distance_m:,.0f}")
        st.warning(f"**{short}**  \n{off.sentence(lang)}", icon=":material/explore:")


def show_steps(result: FusionResult, lang: str) -> None:
    """What to do, in order (see :func:`_steps`)."""
    st.markdown(_steps(result, lang))


def _steps(result: FusionResult, lang: str) -> str:
    """The next steps as a numbered Markdown list, most urgent first."""
    d, steps = result.department, []
    changes = result.proposal.changes
    if result.offset is not None:
        key = "gcj02" if result.offset.kind == "gcj02_vs_wgs84" else "shift"
        steps.append(t(f"fusion.page.step.offset.{key}", lang, department=d))
    if len(result.misaligned):
        steps.append(
            t(
                "fusion.page.step.draft",
                lang,
                n=f"{len(result.misaligned):,}",
                grids=f"{int(changes['grids_lost'].sum()):,}",
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
    r = result.responsibility
    if len(r.gaps) or len(r.duplicates):
        steps.append(
            t("fusion.page.step.resp", lang, gaps=f"{len(r.gaps):,}", dups=f"{len(r.duplicates):,}")
        )
    if not steps:
        return t("fusion.page.step.none", lang)
    lines = [f"{i}. {step}" for i, step in enumerate(steps, start=1)]
    return f"**{t('fusion.page.steps', lang)}**\n\n" + "\n".join(lines)


def show_kpis(result: FusionResult, lang: str) -> None:
    """Units, aligned, misaligned, slivers to snap, offset found: one metric each."""
    m = result.misalignment
    n_mis = int((~m["aligned"]).sum())
    off = result.offset
    cols = st.columns(5)
    cols[0].metric(t("fusion.kpi.units", lang), f"{len(m):,}")
    cols[1].metric(t("fusion.kpi.aligned", lang), f"{len(m) - n_mis:,}")
    cols[2].metric(
        t("fusion.kpi.misaligned", lang),
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
    st.dataframe(shown(rows), hide_index=True, height="auto" if len(rows) <= 8 else 300)


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
        st.dataframe(shown(rows), hide_index=True)
    return str(grid)


def show_tables(path: str, result: FusionResult, lang: str) -> None:
    """The proposal's gains and losses, the grids to split, gaps and duplicates: one tab each."""
    tables = page_tables(path, result, lang)
    r = result.responsibility
    counts = {
        "changes": len(tables["changes"]),
        "splits": len(tables["splits"]),
        "gaps": len(r.gaps),
        "duplicates": len(r.duplicates),
    }
    tabs = st.tabs([t(f"fusion.tab.{k}", lang, n=f"{n:,}") for k, n in counts.items()])
    notes = {
        "changes": result.sentences(lang)[2],
        "splits": t("fusion.report.splits.note", lang),
        "gaps": result.sentences(lang)[3],
        "duplicates": t("fusion.report.duplicates.note", lang),
    }
    for tab, name in zip(tabs, counts, strict=True):
        with tab:
            st.caption(notes[name])
            frame = tables[name]
            if frame.empty:
                st.info(t("fusion.report.none", lang), icon=":material/check_circle:")
            else:
                st.dataframe(shown(frame), hide_index=True, height=320)
    if r.unclaimed_categories:
        labels = "、".join(schema.CATEGORIES.label(c, lang) for c in r.unclaimed_categories)
        st.caption(t("fusion.page.unclaimed", lang, categories=labels))


def _file_name(result: FusionResult, kind: str) -> str:
    version = "" if result.version is None else f"_v{result.version}"
    stem = {"gpkg": "draft", "csv": "crosswalk", "xlsx": "fusion", "pdf": "fusion"}[kind]
    return f"{result.department}{version}_{stem}.{kind}"


def show_downloads(path: str, result: FusionResult, lang: str) -> None:
    """Draft layer (GeoPackage), crosswalk (CSV), Excel workbook; the PDF is drawn on a click
    (a few seconds) and then offered, like the cockpit's report."""
    st.markdown(f"**{t('fusion.page.downloads', lang)}**")
    files = fusion_files(path, result.department, lang)
    cols = st.columns(4)
    for col, kind in zip(cols[:3], ("gpkg", "csv", "xlsx"), strict=True):
        name = _file_name(result, kind)
        col.download_button(
            t(f"fusion.download.{kind}", lang),
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
                    made: bytes | str = fusion_pdf_bytes(path, result.department, lang, cjk_font())
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
