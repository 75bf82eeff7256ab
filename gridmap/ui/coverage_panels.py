"""The panels of the 覆盖 Coverage page: headline numbers, map, cards and tabs.

The page (``app_pages/coverage.py``) keeps the widgets that steer the whole page (layers,
number of cameras, the map) and composes these functions in the order they appear.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import geopandas as gpd
import pandas as pd
import pydeck as pdk
import streamlit as st

from ..analytics.coverage import CoverageResult, keyarea_card
from ..analytics.incidents import IncidentFilter, select
from ..errors import GridmapError
from ..hierarchy import Hierarchy
from ..i18n import t
from ..schema import KEYAREA_KINDS
from ..viz import (
    COVERAGE_RGB,
    FOOTPRINT_RGB,
    GAP_RGB,
    KEYAREA_BAD_RGB,
    KEYAREA_OK_RGB,
    SITE_RGB,
    legend_items_html,
    picked,
)
from . import keys
from .cards import show_grid_card
from .coverage import (
    coverage_map_layers,
    load_coverage,
    load_siting,
    load_summary,
    pick_of,
    sites_csv,
    sites_geojson,
)
from .data import load_incidents, load_layer
from .map_labels import place_labels
from .mapdata import context_layers, grid_layers, scope_view
from .settings import make_deck, map_base, over_tiles

__all__ = [
    "Siting",
    "clicked",
    "coverage_deck",
    "load_or_explain",
    "pct",
    "scoped",
    "show_coverage_tabs",
    "show_kpis",
    "show_legend",
    "show_selection",
]

#: What :func:`gridmap.ui.coverage.load_siting` returns: sites, gain curve, candidates drawn,
#: method.
Siting = tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, str]
#: Pickable layers a click may hit, topmost first.
_PICKABLE = ("cov-keyareas", "cov-gaps", "grids")


def pct(x: float) -> str:
    """A share as a percentage with one decimal; a dash for NaN (nothing to divide by)."""
    return f"{x:.1%}" if x == x else "–"


def load_or_explain(path: str, area: str | None) -> tuple[CoverageResult, Siting, dict[str, Any]]:
    """The coverage result, the siting of the area and its headline numbers. A workspace
    that cannot be measured stops the page with one clear line, not a traceback; a bad
    candidate file is named in one line and the siting falls back to generated sites."""
    try:
        result = load_coverage(path)
    except GridmapError as exc:
        st.error(str(exc))
        st.stop()
    try:
        siting = load_siting(path, area)
    except GridmapError as exc:
        st.error(str(exc))
        st.session_state.pop(keys.KEY_COV_CANDIDATES, None)
        siting = load_siting(path, area)
    return result, siting, load_summary(path, area)


def show_kpis(s: dict[str, Any], lang: str) -> None:
    """The five headline numbers of the area, each with its numerator and denominator."""
    tiles: list[tuple[str, str, str, dict[str, Any]]] = [
        (
            "coverage.kpi.area",
            pct(s["area_share"]),
            "coverage.kpi.area.of",
            {"num": f"{s['covered_m2'] / 1e6:,.1f}", "den": f"{s['area_m2'] / 1e6:,.1f}"},
        ),
        (
            "coverage.kpi.risk",
            pct(s["risk_share"]),
            "coverage.kpi.ratio.of",
            {"num": f"{s['risk_covered']:,.0f}", "den": f"{s['risk_total']:,.0f}"},
        ),
        (
            "coverage.kpi.households",
            pct(s["household_share"]),
            "coverage.kpi.ratio.of",
            {"num": f"{s['households_covered']:,.0f}", "den": f"{s['households_total']:,.0f}"},
        ),
        (
            "coverage.kpi.keyareas",
            f"{s['keyareas_compliant']}/{s['keyareas_total']}",
            "coverage.kpi.keyareas.of",
            {"num": s["keyareas_compliant"], "den": s["keyareas_total"]},
        ),
        (
            "coverage.kpi.cameras",
            f"{s['cameras_online']:,}",
            "coverage.kpi.cameras.of",
            {
                "num": f"{s['cameras_online']:,}",
                "den": f"{s['cameras_total']:,}",
                "off": f"{s['cameras_offline']:,}",
            },
        ),
    ]
    for col, (label, value, of, parts) in zip(st.columns(len(tiles)), tiles, strict=True):
        col.metric(t(label, lang), value)
        col.caption(t(of, lang, **parts))


def show_legend(lang: str) -> None:
    """The map legend: coverage classes, then the marks drawn over them."""
    legend = [
        *[
            (lab, COVERAGE_RGB[i])
            for i, lab in enumerate(["0", "1–25%", "25–50%", "50–75%", "≥75%"])
        ],
        (t("coverage.legend.gap", lang), GAP_RGB),
        (t("coverage.legend.ka_ok", lang), KEYAREA_OK_RGB),
        (t("coverage.legend.ka_bad", lang), KEYAREA_BAD_RGB),
        (t("coverage.legend.site", lang), SITE_RGB),
        (t("coverage.legend.footprint", lang), FOOTPRINT_RGB),
    ]
    st.markdown(legend_items_html(t("coverage.legend.share", lang), legend), unsafe_allow_html=True)


def coverage_deck(
    path: str,
    area: str | None,
    result: CoverageResult,
    shown: list[str],
    n: int,
    lang: str,
) -> pdk.Deck:
    """The coverage map: context, the ``shown`` coverage layers, grids labelled with their
    coverage in whole percent."""
    per_grid = (result.grids["coverage_share"] * 100).round(0).fillna(0).astype(int)
    base = map_base(path)  # the workspace's own base map, if set: layers in its CRS
    return make_deck(
        [
            *context_layers(path, area, crs=base.crs),
            *over_tiles(coverage_map_layers(path, area, shown, n, lang), base),
            *grid_layers(path, area, per_grid, crs=base.crs),
            *place_labels(path, area, crs=base.crs),
        ],
        scope_view(path, area, crs=base.crs),
        base=base,
        tooltip={
            "html": "<b>{name}</b><br/>{code}<br/>"
            + t("coverage.col.coverage_share", lang)
            + " {count}%",
            "style": {"fontSize": "13px"},
        },
    )


def scoped(
    result: CoverageResult, in_scope: frozenset[str] | None
) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """The blind spots and key areas of the grids in scope (None: the whole city)."""
    gaps = result.gaps
    if in_scope is not None and len(gaps):
        gaps = gaps[[bool(set(g.split(",")) & in_scope) for g in gaps["grid_codes"]]]
    ka = result.keyareas
    if in_scope is not None and "grid_code" in ka:
        ka = ka[ka["grid_code"].isin(in_scope)]
    return gaps, ka


def clicked(event: Any) -> tuple[str, str] | None:
    """What was clicked: a grid, a blind spot or a key area (the topmost pickable layer)."""
    for layer_id in _PICKABLE:
        what = pick_of(picked(event, layer_id))
        if what:
            return what
    return None


def _gap_card(result: CoverageResult, rank: int, lang: str) -> None:
    row = result.gaps[result.gaps["rank"] == rank]
    if len(row):
        r = row.iloc[0]
        st.warning(
            t(
                "coverage.gap.card",
                lang,
                rank=int(r["rank"]),
                cells=int(r["cells"]),
                hh=f"{r['households']:,.0f}",
                risk=f"{r['uncovered_risk']:,.0f}",
                grids=r["grid_codes"].replace(",", ", "),
            )
        )


def _keyarea_card(path: str, result: CoverageResult, code: str, lang: str) -> str | None:
    """Draw a key area's card; returns the code of the grid it lies in, if known."""
    card = keyarea_card(result, load_layer(path, "keyareas"), code)
    kind = KEYAREA_KINDS.label(card["kind"], lang) if card["kind"] else ""
    m2 = t(
        "coverage.ka.m2",
        lang,
        covered=f"{card['covered_m2']:,.0f}",
        area=f"{card['area_m2']:,.0f}",
    )
    with st.container(border=True, key=keys.KEY_KEYAREA_CARD):
        st.subheader(f"{card['name']}")
        st.caption(f"{kind} · {card['code']}")
        a, b = st.columns(2)
        a.metric(t("coverage.ka.share", lang), pct(card["coverage_share"]), help=m2)
        b.metric(t("coverage.ka.target", lang), pct(card["target"]))
        st.caption(m2)
        if card["compliant"]:
            st.success(t("coverage.ka.ok", lang))
        else:
            st.error(t("coverage.ka.short", lang, m2=f"{card['short_m2']:,.0f}"))
        st.caption(
            t(
                "coverage.ka.cameras",
                lang,
                online=card["cameras_online"],
                offline=card["cameras_offline"],
            )
        )
    return str(card["grid_code"]) if card["grid_code"] else None


def show_selection(
    path: str,
    result: CoverageResult,
    what: tuple[str, str] | None,
    grids: gpd.GeoDataFrame,
    h: Hierarchy,
    flt: IncidentFilter,
    lang: str,
) -> None:
    """The card of what was clicked: a blind spot, a key area (then its grid's card too)
    or a grid; a hint when nothing is."""
    if what and what[0] == "gap":
        _gap_card(result, int(what[1]), lang)
    elif what and what[0] == "keyarea":
        grid_code = _keyarea_card(path, result, what[1], lang)
        if grid_code:
            what = ("grid", grid_code)
    code = what[1] if what and what[0] == "grid" else None
    table = load_incidents(path)
    show_grid_card(
        code,
        grids,
        h,
        table,
        select(table, flt),
        lang,
        empty_hint=t("coverage.click", lang),
        flt=flt,
    )


def _labelled(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    return frame.rename(columns={c: t(f"coverage.col.{c}", lang) for c in frame.columns})


def _siting_tab(
    sites: pd.DataFrame,
    chosen: pd.DataFrame,
    curve: pd.DataFrame,
    candidates: pd.DataFrame,
    method: str,
    n: int,
    lang: str,
) -> None:
    reach = float(chosen["cumulative_share"].iloc[-1]) if n and len(chosen) else 0.0
    st.markdown(
        t(
            "coverage.siting.sentence",
            lang,
            n=len(chosen),
            pct=pct(reach),
            method=t(f"coverage.method.{method}", lang),
        )
    )
    a, b = st.columns([1.4, 1])
    view = chosen[["rank", "id", "lon", "lat", "gain", "cumulative_share", "grid_code"]]
    a.dataframe(
        _labelled(view, lang),
        hide_index=True,
        width="stretch",
        height=300,
        column_config={
            t("coverage.col.gain", lang): st.column_config.NumberColumn(format="%.0f"),
            t("coverage.col.cumulative_share", lang): st.column_config.ProgressColumn(
                min_value=0.0, max_value=max(reach, 1e-9), format="percent"
            ),
        },
    )
    b.caption(t("coverage.siting.curve", lang) + " (%)")
    b.line_chart(curve.set_index("k")["cumulative_share"].head(max(n, 1)) * 100, height=250)
    exports: tuple[tuple[str, Callable[[pd.DataFrame], bytes | str], str, str, str], ...] = (
        ("coverage.export.csv", sites_csv, "camera_sites.csv", "text/csv",
         keys.KEY_COV_SITES_CSV),
        ("coverage.export.geojson", sites_geojson, "camera_sites.geojson",
         "application/geo+json", keys.KEY_COV_SITES_GEOJSON),
    )  # fmt: skip
    for col, (label, build, file_name, mime, key) in zip(
        st.columns(len(exports)), exports, strict=True
    ):
        col.download_button(
            t(label, lang),
            functools.partial(build, chosen),
            file_name=file_name,
            mime=mime,
            key=key,
            disabled=n == 0,
        )
    st.file_uploader(
        t("coverage.siting.upload", lang),
        type=["csv", "geojson", "json", "gpkg", "zip"],
        key=keys.KEY_COV_CANDIDATES,
    )
    if len(sites) and str(sites["source"].iloc[0]) == "imported":
        st.caption(t("coverage.siting.imported", lang, n=f"{len(candidates):,}"))
    st.caption(t("coverage.siting.method", lang))


def _gaps_tab(gaps: gpd.GeoDataFrame, lang: str) -> None:
    gv = gaps.drop(columns="geometry").head(50)[
        ["rank", "cells", "households", "uncovered_risk", "grid_codes"]
    ]
    st.dataframe(
        _labelled(gv, lang),
        hide_index=True,
        width="stretch",
        key=keys.KEY_COV_GAPS,
        column_config={
            t("coverage.col.uncovered_risk", lang): st.column_config.NumberColumn(format="%.0f"),
            t("coverage.col.households", lang): st.column_config.NumberColumn(format="%.0f"),
        },
    )


def _share_table(frame: pd.DataFrame, lang: str, **number_formats: str) -> None:
    """``frame`` with labelled headings, its ``coverage_share`` as a percentage bar and
    the columns named in ``number_formats`` in those formats."""
    st.dataframe(
        _labelled(frame, lang),
        hide_index=True,
        width="stretch",
        column_config={
            t("coverage.col.coverage_share", lang): st.column_config.ProgressColumn(
                min_value=0.0, max_value=1.0, format="percent"
            ),
            **{
                t(f"coverage.col.{col}", lang): st.column_config.NumberColumn(format=fmt)
                for col, fmt in number_formats.items()
            },
        },
    )


def _keyareas_tab(ka: pd.DataFrame, lang: str) -> None:
    if "compliant" not in ka or ka.empty:
        st.caption(t("coverage.keyareas.none", lang))  # no key-area layer imported
    bad = ka[~ka["compliant"]] if "compliant" in ka else ka.iloc[:0]
    cols = ["code", "name", "kind", "coverage_share", "target", "grid_code"]
    bad = bad.reindex(columns=cols).sort_values("coverage_share", kind="stable")
    kv = bad[cols]
    kv = kv.assign(kind=[KEYAREA_KINDS.label(x, lang) if x else "" for x in kv["kind"]])
    _share_table(kv, lang, target="percent")


def _grids_tab(
    result: CoverageResult, in_scope: frozenset[str] | None, h: Hierarchy, lang: str
) -> None:
    g = result.grids
    if in_scope is not None:
        g = g[g.index.isin(in_scope)]
    g = g.sort_values("gap_index", ascending=False, kind="stable").head(50)
    gv = g.assign(name=g.index.map(h.name), code=g.index)[
        ["code", "name", "coverage_share", "households", "risk_score", "gap_index"]
    ]
    _share_table(gv, lang, risk_score="%.0f", gap_index="%.0f")


def _cameras_tab(result: CoverageResult, s: dict[str, Any], lang: str) -> None:
    fp = result.footprints
    st.markdown(t("coverage.offline", lang, n=f"{s['cameras_offline']:,}"))
    off = fp.loc[~fp["online"], ["id", "lon", "lat"]]
    st.dataframe(_labelled(off, lang), hide_index=True, width="stretch", height=200)
    st.markdown(t("coverage.redundant", lang, n=f"{s['cameras_redundant']:,}"))
    red = result.cameras[result.cameras["redundant"]][["id", "lon", "lat", "crowded_share"]]
    st.dataframe(_labelled(red, lang), hide_index=True, width="stretch", height=200)
    if s["cameras_assumed"]:
        st.caption(t("coverage.assumed", lang, n=f"{s['cameras_assumed']:,}"))


def show_coverage_tabs(
    result: CoverageResult,
    s: dict[str, Any],
    siting: Siting,
    n: int,
    in_scope: frozenset[str] | None,
    h: Hierarchy,
    lang: str,
) -> None:
    """The five tabs under the map: siting, blind spots, key areas, grids, cameras.

    ``siting`` is what :func:`gridmap.ui.coverage.load_siting` returned; ``n`` the number
    of sites the page's slider asks for.
    """
    sites, curve, candidates, method = siting
    chosen = sites.head(n)
    gaps, ka = scoped(result, in_scope)
    tabs = st.tabs(
        [
            t("coverage.tab.siting", lang),
            t("coverage.tab.gaps", lang),
            t("coverage.tab.keyareas", lang),
            t("coverage.tab.grids", lang),
            t("coverage.tab.cameras", lang),
        ]
    )
    with tabs[0]:
        _siting_tab(sites, chosen, curve, candidates, method, n, lang)
    with tabs[1]:
        _gaps_tab(gaps, lang)
    with tabs[2]:
        _keyareas_tab(ka, lang)
    with tabs[3]:
        _grids_tab(result, in_scope, h, lang)
    with tabs[4]:
        _cameras_tab(result, s, lang)
