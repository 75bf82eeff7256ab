"""The Data page's overview (what the workspace holds, versions, imports) and export sections,
and the publish form shared by the overview and an import's result."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import streamlit as st

from ..errors import GridmapError
from ..i18n import t
from ..schema import AuditAction
from ..viz import LEVEL_COLOURS, view_for
from . import keys
from . import upload as up
from .auth import audit
from .data import dashes, load_layer, versions_table
from .exports import EXPORT_CRS, EXPORT_ENCODINGS, EXPORT_FORMATS, export_bytes, mime
from .import_text import kind_label, status_label
from .settings import make_deck, map_base

__all__ = ["export_section", "overview", "publish_form", "published_notice"]


def publish_form(path: str, version: int, where: str, lang: str) -> None:
    """Effective date + publish button for a draft version (``where``: which form, for keys)."""
    c1, c2 = st.columns([1, 2])
    day = c1.date_input(
        t("data.effective", lang), value=dt.date.today(), key=keys.effective_key(where)
    )
    c2.write("")
    if c2.button(t("data.publish", lang, v=version), key=keys.publish_key(where), type="primary"):
        try:
            up.publish_draft(path, version, day)
        except GridmapError as exc:
            st.error(up.error_text(str(exc), lang))
        else:
            st.session_state[keys.KEY_DATA_PUBLISHED] = version
            st.rerun()


def published_notice(lang: str) -> None:
    """Say once that a version was just published (the publish form reran the page)."""
    if st.session_state.get(keys.KEY_DATA_PUBLISHED):
        st.success(t("data.published", lang, v=st.session_state.pop(keys.KEY_DATA_PUBLISHED)))


# --- overview -------------------------------------------------------------------------------
def overview(path: str, info: dict[str, Any], lang: str) -> None:
    """Counts per layer, the map of boundaries and grids, versions and the import log."""
    counts = info["layers"]
    _layer_counts(info, lang)
    if not any(counts.values()):
        st.info(t("data.empty", lang))
        return
    _workspace_map(path, info, lang)
    st.subheader(t("versions", lang))
    st.dataframe(versions_table(info["grid_versions"], lang), hide_index=True, width="stretch")
    drafts = [v["version"] for v in info["grid_versions"] if v["status"] == "draft"]
    if drafts:
        st.caption(t("data.drafts.note", lang))
        pick = st.selectbox(
            t("data.draft.pick", lang),
            drafts[::-1],
            format_func=lambda v: f"v{v}",
            key=up.KEY_DRAFT_PICK,
        )
        publish_form(path, int(pick), "overview", lang)
    _import_log(info, lang)


def _layer_counts(info: dict[str, Any], lang: str) -> None:
    counts = info["layers"]
    cols = st.columns(len(counts))
    in_force = {v["version"]: v["n_grids"] for v in info["grid_versions"]}.get(
        info["published_version"]
    )
    for col, (layer, n) in zip(cols, counts.items(), strict=True):
        if layer == "grids" and in_force is not None and in_force != n:
            # The layer holds every version; the count that matters is the one in force.
            col.metric(
                kind_label(layer, lang),
                f"{in_force:,}",
                help=t("data.grids.count", lang, v=info["published_version"], n=n),
            )
        else:
            col.metric(kind_label(layer, lang), f"{n:,}")
    if info["incidents_from"]:
        first, last = (
            str(info[k])[:16].replace("T", " ") for k in ("incidents_from", "incidents_to")
        )
        st.caption(f"{t('incidents.range', lang)}: {first} – {last}")
    archive = info.get("archive") or {}
    if archive.get("held"):
        text = t(
            "data.archive",
            lang,
            n=f"{archive['held']:,}",
            first=archive["first"],
            last=archive["last"],
        )
        if archive.get("assigned_by") == "cells":
            text += " " + t("data.archive.cells", lang, v=archive["grid_version"])
        st.caption(text)


def _workspace_map(path: str, info: dict[str, Any], lang: str) -> None:
    admin = load_layer(path, "admin")
    grids = load_layer(path, "grids")
    layers = []
    if len(admin):
        for level in ("city", "district", "street", "community"):
            layer = up.outline_layer(
                path,
                "admin",
                level,
                layer_id=f"admin-{level}",
                properties=("code", "name", "level"),
                line_rgb=LEVEL_COLOURS[level],
                line_width_px=2.5 if level == "district" else 1.2,
                fill_rgba=[200, 60, 40, 18] if level == "district" else None,
                pickable=True,
            )
            if layer is not None:
                layers.append(layer)
    if len(grids):
        layers.append(
            up.outline_layer(
                path,
                "grids",
                None,
                layer_id="grids",
                properties=("code", "name", "households"),
                line_rgb=LEVEL_COLOURS["grid"],
                line_width_px=0.8,
                pickable=True,
            )
        )
    focus = admin[admin["level"] == "district"] if len(admin) else grids
    # On the workspace's own base map when it has one (layers moved onto its tiles).
    deck = make_deck(
        layers,
        view_for(focus if len(focus) else admin),
        tooltip={"text": "{name} {code}"},
        base=map_base(path),
        wgs84=True,
    )
    st.subheader(t("map", lang))
    st.pydeck_chart(deck, key=keys.KEY_WORKSPACE_MAP, height=480)
    if info["meta"].get("boundaries_source"):
        st.caption(f"{t('boundaries', lang)}: {info['meta']['boundaries_source']}")


def _import_log(info: dict[str, Any], lang: str) -> None:
    st.subheader(t("imports", lang))
    log = pd.DataFrame(info["last_imports"])
    if not len(log):
        st.caption(t("data.log.empty", lang))
        return
    log = log.iloc[::-1]
    log["kind"] = log["kind"].map(lambda k: kind_label(k, lang))
    log["user"] = log["user"].fillna("—")
    log["file"] = log["file"].map(lambda f: str(f).rsplit("/", 1)[-1])
    cols_ = ["at", "user", "kind", "file", "crs", "rows_read", "imported", "rejected"]
    cols_ += ["unclassified", "version"]
    log = dashes(log[cols_])  # an incident import has no version: "—", not "None"
    log.columns = [t(f"data.col.{c}", lang) for c in cols_]
    st.dataframe(log, hide_index=True, width="stretch")


# --- export ---------------------------------------------------------------------------------
def export_section(path: str, info: dict[str, Any], lang: str) -> None:
    """Layer, version, format, coordinate system and encoding; then a download."""
    layers = [k for k, n in info["layers"].items() if n]
    if not layers:
        st.info(t("data.empty", lang))
        return
    c1, c2, c3, c4 = st.columns(4)
    layer = c1.selectbox(
        t("layer", lang), layers, format_func=lambda k: kind_label(k, lang), key=up.KEY_EXPORT_LAYER
    )
    version = None
    if layer == "grids" and info["grid_versions"]:
        vs = [v["version"] for v in info["grid_versions"]][::-1]
        status = {v["version"]: v["status"] for v in info["grid_versions"]}
        default = info["published_version"]
        version = c2.selectbox(
            t("data.export.version", lang),
            vs,
            index=vs.index(default) if default in vs else 0,
            format_func=lambda v: f"v{v} · {status_label(status[v], lang)}",
            key=up.KEY_EXPORT_VERSION,
        )
    fmt = c3.selectbox(
        t("data.export.format", lang),
        list(EXPORT_FORMATS),
        format_func=lambda f: t(f"data.format.{f}", lang),
        key=up.KEY_EXPORT_FORMAT,
    )
    crs = c4.selectbox(
        t("data.crs", lang),
        EXPORT_CRS,
        format_func=lambda c: t(f"data.crs.{c}", lang),
        key=up.KEY_EXPORT_CRS,
    )
    encoding = "UTF-8"
    if fmt in ("shp", "csv"):
        encoding = st.radio(
            t("data.export.encoding", lang),
            EXPORT_ENCODINGS,
            horizontal=True,
            key=up.KEY_EXPORT_ENCODING,
            help=t("data.export.encoding.help", lang),
        )
    if crs != "wgs84":
        st.caption(t("data.export.crs.note", lang))
    if st.button(t("data.export.go", lang), key=up.KEY_EXPORT_GO, type="primary"):
        _export(path, layer, version, fmt, crs, encoding, lang)
    _download(lang)


def _export(
    path: str, layer: str, version: int | None, fmt: str, crs: str, encoding: str, lang: str
) -> None:
    try:
        with st.spinner(t("data.export.running", lang)):
            name, data, n = export_bytes(
                path, layer, version=version, fmt=fmt, crs=crs, encoding=encoding
            )
    except GridmapError as exc:
        st.error(up.error_text(str(exc), lang))
    else:
        audit(
            path,
            AuditAction.EXPORT,
            target=name,
            version=version,
            detail={"layer": layer, "rows": n, "crs": crs, "encoding": encoding},
        )
        st.session_state[up.KEY_EXPORT_FILE] = (name, data, n, fmt)


def _download(lang: str) -> None:
    ready = st.session_state.get(up.KEY_EXPORT_FILE)
    if ready:
        name, data, n, f = ready
        st.success(t("data.export.ready", lang, name=name, n=n, kb=f"{len(data) / 1024:,.0f}"))
        st.download_button(
            t("data.export.download", lang, name=name),
            data=data,
            file_name=name,
            mime=mime(f),
            key=keys.KEY_DATA_EXPORT_DOWNLOAD,
        )
