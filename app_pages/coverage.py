"""覆盖 Coverage: coverage vs target, blind spots that matter, where to put the next cameras."""

import streamlit as st

from gridmap.analytics.coverage import keyarea_card
from gridmap.analytics.incidents import select
from gridmap.errors import GridmapError
from gridmap.i18n import t
from gridmap.schema import KEYAREA_KINDS
from gridmap.ui import Timer, load_hierarchy, load_incidents, load_info, load_layer
from gridmap.ui.cards import show_grid_card
from gridmap.ui.coverage import (
    KEY_COV_CANDIDATES,
    KEY_COV_GAPS,
    KEY_COV_LAYERS,
    KEY_COV_MAP,
    KEY_COV_N,
    LAYERS,
    MAX_SUGGEST,
    coverage_map_layers,
    load_coverage,
    load_siting,
    load_summary,
    pick_of,
    scope_codes,
    sites_csv,
    sites_geojson,
)
from gridmap.ui.mapdata import context_layers, grid_layers, scope_view
from gridmap.ui.sidebar import page_scope
from gridmap.viz import (
    COVERAGE_RGB,
    FOOTPRINT_RGB,
    GAP_RGB,
    KEYAREA_BAD_RGB,
    KEYAREA_OK_RGB,
    SITE_RGB,
    legend_items_html,
    make_deck,
    picked,
)

path, scope, L = page_scope()
st.title(t("page.coverage", L))


def pct(x: float) -> str:
    return f"{x:.1%}" if x == x else "–"


held = load_info(path)["layers"]
if not held.get("grids") or not held.get("cameras"):
    # Nothing to measure yet: say what to import, in the page's language (not an error).
    st.info(t("coverage.none.grids" if not held.get("grids") else "coverage.none.cameras", L))
    st.stop()

with Timer("coverage.total") as total:
    with Timer("coverage.load"):
        try:
            result = load_coverage(path)
        except GridmapError as exc:
            # No cameras or grids yet: one clear line, not a traceback.
            st.error(str(exc))
            st.stop()
        try:
            sites, curve, _cand, method = load_siting(path, scope.area)
        except GridmapError as exc:
            # A bad candidate file: say so in one line and fall back to generated sites.
            st.error(str(exc))
            st.session_state.pop(KEY_COV_CANDIDATES, None)
            sites, curve, _cand, method = load_siting(path, scope.area)
        s = load_summary(path, scope.area)
    h = load_hierarchy(path)
    grids = load_layer(path, "grids")

    k = st.columns(5)
    k[0].metric(t("coverage.kpi.area", L), pct(s["area_share"]))
    k[0].caption(
        t(
            "coverage.kpi.area.of",
            L,
            num=f"{s['covered_m2'] / 1e6:,.1f}",
            den=f"{s['area_m2'] / 1e6:,.1f}",
        )
    )
    k[1].metric(t("coverage.kpi.risk", L), pct(s["risk_share"]))
    k[1].caption(
        t(
            "coverage.kpi.ratio.of",
            L,
            num=f"{s['risk_covered']:,.0f}",
            den=f"{s['risk_total']:,.0f}",
        )
    )
    k[2].metric(t("coverage.kpi.households", L), pct(s["household_share"]))
    k[2].caption(
        t(
            "coverage.kpi.ratio.of",
            L,
            num=f"{s['households_covered']:,.0f}",
            den=f"{s['households_total']:,.0f}",
        )
    )
    k[3].metric(
        t("coverage.kpi.keyareas", L),
        f"{s['keyareas_compliant']}/{s['keyareas_total']}",
    )
    k[3].caption(
        t(
            "coverage.kpi.keyareas.of",
            L,
            num=s["keyareas_compliant"],
            den=s["keyareas_total"],
        )
    )
    k[4].metric(t("coverage.kpi.cameras", L), f"{s['cameras_online']:,}")
    k[4].caption(
        t(
            "coverage.kpi.cameras.of",
            L,
            num=f"{s['cameras_online']:,}",
            den=f"{s['cameras_total']:,}",
            off=f"{s['cameras_offline']:,}",
        )
    )

    c1, c2 = st.columns([3, 1.3])
    shown = (
        c1.pills(
            t("coverage.layers", L),
            list(LAYERS),
            default=["heat", "gaps", "keyareas", "sites"]
            # Sectors read at street scale; a district of thousands is a blue haze.
            + (["footprints"] if scope.area is not None and len(scope.area) > 6 else []),
            selection_mode="multi",
            key=KEY_COV_LAYERS,
            format_func=lambda v: t(f"coverage.layer.{v}", L),
        )
        or []
    )
    n = int(c2.slider(t("coverage.siting.n", L), 0, MAX_SUGGEST, 20, step=5, key=KEY_COV_N))
    chosen = sites.head(n)
    reach = float(chosen["cumulative_share"].iloc[-1]) if n and len(chosen) else 0.0
    st.markdown(
        t(
            "coverage.summary",
            L,
            gaps=f"{s['gap_zones']:,}",
            hh=f"{s['gap_households']:,.0f}",
            n=len(chosen),
            pct=pct(reach),
        )
    )
    legend = [
        *[
            (lab, COVERAGE_RGB[i])
            for i, lab in enumerate(["0", "1–25%", "25–50%", "50–75%", "≥75%"])
        ],
        (t("coverage.legend.gap", L), GAP_RGB),
        (t("coverage.legend.ka_ok", L), KEYAREA_OK_RGB),
        (t("coverage.legend.ka_bad", L), KEYAREA_BAD_RGB),
        (t("coverage.legend.site", L), SITE_RGB),
        (t("coverage.legend.footprint", L), FOOTPRINT_RGB),
    ]
    st.markdown(legend_items_html(t("coverage.legend.share", L), legend), unsafe_allow_html=True)
    per_grid = (result.grids["coverage_share"] * 100).round(0).fillna(0).astype(int)
    with Timer("coverage.deck"):
        deck = make_deck(
            [
                *context_layers(path, scope.area),
                *coverage_map_layers(path, scope.area, shown, n, L),
                *grid_layers(path, scope.area, per_grid),
            ],
            scope_view(path, scope.area),
            tooltip={
                "html": "<b>{name}</b><br/>{code}<br/>"
                + t("coverage.col.coverage_share", L)
                + " {count}%",
                "style": {"fontSize": "13px"},
            },
        )
    left, right = st.columns([2.3, 1])
    with left:
        event = st.pydeck_chart(
            deck,
            on_select="rerun",
            selection_mode="single-object",
            key=KEY_COV_MAP,
            height=560,
        )

    in_scope = scope_codes(path, scope.area)
    gaps = result.gaps
    if in_scope is not None and len(gaps):
        gaps = gaps[[bool(set(g.split(",")) & in_scope) for g in gaps["grid_codes"]]]
    ka = result.keyareas
    if in_scope is not None and "grid_code" in ka:
        ka = ka[ka["grid_code"].isin(in_scope)]

    # What was clicked: a grid, a blind spot or a key area (the topmost pickable layer).
    what = None
    for layer_id in ("cov-keyareas", "cov-gaps", "grids"):
        what = pick_of(picked(event, layer_id))
        if what:
            break
    with right:
        if what and what[0] == "gap":
            row = result.gaps[result.gaps["rank"] == int(what[1])]
            if len(row):
                r = row.iloc[0]
                st.warning(
                    t(
                        "coverage.gap.card",
                        L,
                        rank=int(r["rank"]),
                        cells=int(r["cells"]),
                        hh=f"{r['households']:,.0f}",
                        risk=f"{r['uncovered_risk']:,.0f}",
                        grids=r["grid_codes"].replace(",", ", "),
                    )
                )
        elif what and what[0] == "keyarea":
            card = keyarea_card(result, load_layer(path, "keyareas"), what[1])
            kind = KEYAREA_KINDS.label(card["kind"], L) if card["kind"] else ""
            with st.container(border=True, key="keyarea_card"):
                st.subheader(f"{card['name']}")
                st.caption(f"{kind} · {card['code']}")
                a, b = st.columns(2)
                a.metric(
                    t("coverage.ka.share", L),
                    pct(card["coverage_share"]),
                    help=t(
                        "coverage.ka.m2",
                        L,
                        covered=f"{card['covered_m2']:,.0f}",
                        area=f"{card['area_m2']:,.0f}",
                    ),
                )
                b.metric(t("coverage.ka.target", L), pct(card["target"]))
                st.caption(
                    t(
                        "coverage.ka.m2",
                        L,
                        covered=f"{card['covered_m2']:,.0f}",
                        area=f"{card['area_m2']:,.0f}",
                    )
                )
                if card["compliant"]:
                    st.success(t("coverage.ka.ok", L))
                else:
                    st.error(t("coverage.ka.short", L, m2=f"{card['short_m2']:,.0f}"))
                st.caption(
                    t(
                        "coverage.ka.cameras",
                        L,
                        online=card["cameras_online"],
                        offline=card["cameras_offline"],
                    )
                )
            if card["grid_code"]:
                what = ("grid", str(card["grid_code"]))
        code = what[1] if what and what[0] == "grid" else None
        table = load_incidents(path)
        show_grid_card(
            code,
            grids,
            h,
            table,
            select(table, scope.incidents),
            L,
            empty_hint=t("coverage.click", L),
        )

    tabs = st.tabs(
        [
            t("coverage.tab.siting", L),
            t("coverage.tab.gaps", L),
            t("coverage.tab.keyareas", L),
            t("coverage.tab.grids", L),
            t("coverage.tab.cameras", L),
        ]
    )
    with tabs[0]:
        st.markdown(
            t(
                "coverage.siting.sentence",
                L,
                n=len(chosen),
                pct=pct(reach),
                method=t(f"coverage.method.{method}", L),
            )
        )
        a, b = st.columns([1.4, 1])
        view = chosen[["rank", "id", "lon", "lat", "gain", "cumulative_share", "grid_code"]]
        a.dataframe(
            view.rename(columns={c: t(f"coverage.col.{c}", L) for c in view.columns}),
            hide_index=True,
            width="stretch",
            height=300,
            column_config={
                t("coverage.col.gain", L): st.column_config.NumberColumn(format="%.0f"),
                t("coverage.col.cumulative_share", L): st.column_config.ProgressColumn(
                    min_value=0.0, max_value=max(reach, 1e-9), format="percent"
                ),
            },
        )
        b.caption(t("coverage.siting.curve", L) + " (%)")
        b.line_chart(curve.set_index("k")["cumulative_share"].head(max(n, 1)) * 100, height=250)
        e1, e2 = st.columns(2)
        e1.download_button(
            t("coverage.export.csv", L),
            lambda: sites_csv(chosen),
            file_name="camera_sites.csv",
            mime="text/csv",
            key="coverage_sites_csv",
            disabled=n == 0,
        )
        e2.download_button(
            t("coverage.export.geojson", L),
            lambda: sites_geojson(chosen),
            file_name="camera_sites.geojson",
            mime="application/geo+json",
            key="coverage_sites_geojson",
            disabled=n == 0,
        )
        st.file_uploader(
            t("coverage.siting.upload", L),
            type=["csv", "geojson", "json", "gpkg", "zip"],
            key=KEY_COV_CANDIDATES,
        )
        if len(sites) and str(sites["source"].iloc[0]) == "imported":
            st.caption(t("coverage.siting.imported", L, n=f"{len(_cand):,}"))
        st.caption(t("coverage.siting.method", L))
    with tabs[1]:
        gv = gaps.drop(columns="geometry").head(50)[
            ["rank", "cells", "households", "uncovered_risk", "grid_codes"]
        ]
        st.dataframe(
            gv.rename(columns={c: t(f"coverage.col.{c}", L) for c in gv.columns}),
            hide_index=True,
            width="stretch",
            key=KEY_COV_GAPS,
            column_config={
                t("coverage.col.uncovered_risk", L): st.column_config.NumberColumn(format="%.0f"),
                t("coverage.col.households", L): st.column_config.NumberColumn(format="%.0f"),
            },
        )
    with tabs[2]:
        if "compliant" not in ka or ka.empty:
            st.caption(t("coverage.keyareas.none", L))  # no key-area layer imported
        bad = ka[~ka["compliant"]] if "compliant" in ka else ka.iloc[:0]
        cols = ["code", "name", "kind", "coverage_share", "target", "grid_code"]
        bad = bad.reindex(columns=cols).sort_values("coverage_share", kind="stable")
        kv = bad[cols]
        kv = kv.assign(kind=[KEYAREA_KINDS.label(x, L) if x else "" for x in kv["kind"]])
        st.dataframe(
            kv.rename(columns={c: t(f"coverage.col.{c}", L) for c in kv.columns}),
            hide_index=True,
            width="stretch",
            column_config={
                t("coverage.col.coverage_share", L): st.column_config.ProgressColumn(
                    min_value=0.0, max_value=1.0, format="percent"
                ),
                t("coverage.col.target", L): st.column_config.NumberColumn(format="percent"),
            },
        )
    with tabs[3]:
        g = result.grids
        if in_scope is not None:
            g = g[g.index.isin(in_scope)]
        g = g.sort_values("gap_index", ascending=False, kind="stable").head(50)
        gv2 = g.assign(name=g.index.map(h.name), code=g.index)[
            ["code", "name", "coverage_share", "households", "risk_score", "gap_index"]
        ]
        st.dataframe(
            gv2.rename(columns={c: t(f"coverage.col.{c}", L) for c in gv2.columns}),
            hide_index=True,
            width="stretch",
            column_config={
                t("coverage.col.coverage_share", L): st.column_config.ProgressColumn(
                    min_value=0.0, max_value=1.0, format="percent"
                ),
                t("coverage.col.risk_score", L): st.column_config.NumberColumn(format="%.0f"),
                t("coverage.col.gap_index", L): st.column_config.NumberColumn(format="%.0f"),
            },
        )
    with tabs[4]:
        fp = result.footprints
        st.markdown(t("coverage.offline", L, n=f"{s['cameras_offline']:,}"))
        off = fp.loc[~fp["online"], ["id", "lon", "lat"]]
        st.dataframe(
            off.rename(columns={c: t(f"coverage.col.{c}", L) for c in off.columns}),
            hide_index=True,
            width="stretch",
            height=200,
        )
        st.markdown(t("coverage.redundant", L, n=f"{s['cameras_redundant']:,}"))
        red = result.cameras[result.cameras["redundant"]][["id", "lon", "lat", "crowded_share"]]
        st.dataframe(
            red.rename(columns={c: t(f"coverage.col.{c}", L) for c in red.columns}),
            hide_index=True,
            width="stretch",
            height=200,
        )
        if s["cameras_assumed"]:
            st.caption(t("coverage.assumed", L, n=f"{s['cameras_assumed']:,}"))
    st.caption(t("coverage.method", L))
st.caption(t("server.time", L, ms=f"{total.ms:.0f}"))
