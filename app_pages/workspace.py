"""数据 Data: what the workspace holds — layers, counts, versions, imports, and a map."""

import pandas as pd
import streamlit as st

from gridmap.i18n import t
from gridmap.ui import lang, load_info, load_layer, sidebar, workspace_path
from gridmap.ui.state import KEY_WORKSPACE_MAP
from gridmap.viz import LEVEL_COLOURS, boundary_layer, make_deck, view_for

path = workspace_path()
sidebar(path)
L = lang()
st.title(t("app.title", L))
if not path.exists():
    st.error(t("no.workspace", L, path=path))
    st.stop()
info = load_info(path)
badge = t("synthetic", L) if info["synthetic"] else t("real", L)
st.caption(f"{t('workspace', L)}: `{path.name}` · {badge}")

counts = info["layers"]
cols = st.columns(len(counts))
for col, (layer, n) in zip(cols, counts.items(), strict=True):
    col.metric(t(f"layer.{layer}", L), f"{n:,}")
if info["incidents_from"]:
    first, last = (str(info[k])[:16].replace("T", " ") for k in ("incidents_from", "incidents_to"))
    st.caption(f"{t('incidents.range', L)}: {first} – {last}")
if not any(counts.values()):
    st.info(t("empty", L))
    st.stop()

admin = load_layer(path, "admin")
grids = load_layer(path, "grids")
layers = []
if len(admin):
    for level in ("city", "district", "street", "community"):
        part = admin[admin["level"] == level]
        if len(part):
            layers.append(
                boundary_layer(
                    part,
                    layer_id=f"admin-{level}",
                    properties=["code", "name", "level"],
                    line_rgb=LEVEL_COLOURS[level],
                    line_width_px=2.5 if level == "district" else 1.2,
                    fill_rgba=[200, 60, 40, 18] if level == "district" else None,
                )
            )
if len(grids):
    layers.append(
        boundary_layer(
            grids,
            layer_id="grids",
            properties=["code", "name", "households"],
            line_rgb=LEVEL_COLOURS["grid"],
            line_width_px=0.8,
        )
    )
focus = admin[admin["level"] == "district"] if len(admin) else grids
deck = make_deck(
    layers, view_for(focus if len(focus) else admin), tooltip={"text": "{name} {code}"}
)
st.subheader(t("map", L))
st.pydeck_chart(deck, key=KEY_WORKSPACE_MAP, height=560)
if info["meta"].get("boundaries_source"):
    st.caption(f"{t('boundaries', L)}: {info['meta']['boundaries_source']}")

left, right = st.columns(2)
with left:
    st.subheader(t("versions", L))
    st.dataframe(pd.DataFrame(info["grid_versions"]), hide_index=True, width="stretch")
with right:
    st.subheader(t("imports", L))
    log = pd.DataFrame(info["last_imports"])
    if len(log):
        log = log[["at", "kind", "file", "crs", "rows_read", "imported", "rejected"]]
        log["file"] = log["file"].map(lambda f: str(f).rsplit("/", 1)[-1])
    st.dataframe(log, hide_index=True, width="stretch")
