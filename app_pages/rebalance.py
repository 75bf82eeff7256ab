"""调整 Rebalance: pick a community, paint units onto grids with live balance, apply ranked
suggestions, save a draft version and publish it with an effective date."""

import datetime as dt
import functools
import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from gridmap import schema
from gridmap.analytics import rebalance as rb
from gridmap.analytics.workload import MEASURES
from gridmap.exporting import export_layer
from gridmap.i18n import t
from gridmap.store import Workspace
from gridmap.ui import Timer, load_hierarchy, state
from gridmap.ui.auth import audit, user_name
from gridmap.ui.data import versions_table
from gridmap.ui.rebalance import (
    KEY_REBALANCE_MEASURE,
    assignment_csv,
    clear_session,
    community_overview,
    default_measure,
    get_session,
    mark_saved,
    put_session,
    redraw_locked,
    session_since,
    unit_layers,
)
from gridmap.ui.sidebar import page_scope, scope_to
from gridmap.viz import make_deck, picked

path, scope, L = page_scope()
st.title(t("page.rebalance", L))
h = load_hierarchy(path)
band = None  # each community's own band (urban 300-500 by default; see WorkloadSettings)
# What to balance: households by default, workload when the grids have no household counts.
fallback = default_measure(path)
if st.session_state.get(KEY_REBALANCE_MEASURE) not in MEASURES:
    st.session_state[KEY_REBALANCE_MEASURE] = fallback
measure = str(
    st.selectbox(
        t("reb.measure", L),
        list(MEASURES),
        key=KEY_REBALANCE_MEASURE,
        format_func=lambda m: t(f"reb.measure.{m}", L),
        help=t("reb.measure.help", L),
    )
)
if fallback != "households":
    st.caption(t("reb.no_households", L))
measure_name = t(f"reb.measure.{measure}", L)


def _pick_community(codes: list[str]) -> None:
    """Table callback: the clicked community becomes the scope (its street and district too)."""
    sel = st.session_state.get(state.KEY_REBALANCE_COMMUNITY)
    rows = sel["selection"]["rows"] if sel else []
    if rows and rows[0] < len(codes):
        code = codes[rows[0]]
        scope_to(h, code)


area_level = h.levels.get(scope.area or "", "city")
if area_level != "community":
    # --- which communities need work -------------------------------------------------------
    st.info(t("reb.pick", L))
    with Timer("rebalance.overview"), st.spinner(t("reb.loading", L)):
        overview = community_overview(path, scope.area, measure)
    ranked = overview.sort_values(["band_gap", "cv"], ascending=False)
    view = pd.DataFrame(
        {
            t("reb.col.community", L): ranked["community_name"],
            t("reb.col.grids", L): ranked["n_grids"],
            t("reb.col.households", L): ranked["households"],
            **(
                {t("reb.col.measure", L, measure=measure_name): ranked["measure"].round(0)}
                if measure != "households"
                else {}
            ),
            t("reb.col.out_of_band", L): ranked["out_of_band"],
            t("reb.col.cv", L): ranked["cv"],
            t("reb.col.needed", L): ranked["needed"],
            t("reb.col.why", L): ranked[f"sentence_{L}"],
        },
        index=pd.Index(ranked.index, name=t("risk.col.unit_code", L)),
    )
    n_out = int((ranked["out_of_band"] > 0).sum())
    st.markdown(
        t("reb.summary", L, n=len(ranked), out=n_out)
        if measure == "households"
        else t("reb.summary.measure", L, n=len(ranked), out=n_out, measure=measure_name)
    )
    st.dataframe(
        view.head(50),
        key=state.KEY_REBALANCE_COMMUNITY,
        on_select=functools.partial(_pick_community, list(ranked.index[:50])),
        selection_mode="single-row",
        width="stretch",
        column_config={t("reb.col.cv", L): st.column_config.NumberColumn(format="%.2f")},
    )
    st.stop()

community = str(scope.area)
with Timer("rebalance.total") as total:
    session = get_session(path, community, band, measure)
    problem = session.plan.problem
    plan = session.plan
    map_key = f"{state.KEY_REBALANCE_MAP}_{st.session_state.get('reb_map_n', 0)}"

    def _save(new: rb.EditSession) -> None:
        put_session(path, community, band, new, measure)

    # --- a click on the map (state of the previous run's chart) ----------------------------
    event = st.session_state.get(map_key)
    unit = picked(event, "units") if event else None
    if unit and unit.get("code"):
        code = str(unit["code"])
        selected: set[str] = set(st.session_state.get(state.KEY_REBALANCE_SELECTED, []))
        mode = st.session_state.get(state.KEY_REBALANCE_MODE, "paint")
        target = st.session_state.get(state.KEY_REBALANCE_TARGET)
        if mode == "paint" and target:
            try:
                session = rb.assign_units(session, [code], str(target))
                _save(session)
            except rb.RebalanceError as exc:
                st.warning(str(exc))
        else:
            selected ^= {code}
            st.session_state[state.KEY_REBALANCE_SELECTED] = sorted(selected)
        # A fresh chart key, so the next click is a new event even on the same unit.
        st.session_state["reb_map_n"] = st.session_state.get("reb_map_n", 0) + 1
        map_key = f"{state.KEY_REBALANCE_MAP}_{st.session_state['reb_map_n']}"
        plan = session.plan

    row = rb.community_table(plan).loc[community]
    st.markdown(f"**{h.name(community)}** · {row[f'sentence_{L}']}")
    for zh, en in rb.infeasibility(problem, community):
        st.warning(zh if L == "zh" else en)
    if problem.graph.estimate:
        st.caption(t("reb.estimate", L))
    lo_c, hi_c = problem.community_band(community)
    st.caption(
        t(
            "reb.band.caption",
            L,
            measure=measure_name,
            band=f"{lo_c:,}–{hi_c:,}",
            unit=t(f"reb.measure.unit.{measure}", L),
        )
    )

    left, right = st.columns([1.6, 1], gap="medium")
    codes_here = [
        c for c, comm in zip(plan.codes, plan.community, strict=True) if comm == community
    ]
    table_now = rb.grid_table(plan, codes_here)
    with right:
        st.segmented_control(
            t("reb.mode", L),
            ["paint", "select"],
            default="paint",
            key=state.KEY_REBALANCE_MODE,
            format_func=lambda m: t(f"reb.mode.{m}", L),
        )
        free = [c for c in codes_here if c not in session.locked]

        def _label(c: str) -> str:
            if c not in table_now.index:
                return c
            value = round(float(table_now["measure"].to_dict()[c]))
            name = str(table_now[schema.NAME].to_dict()[c])
            return f"{c[-3:]} · {name} · {value:,}"

        if free:
            if st.session_state.get(state.KEY_REBALANCE_TARGET) not in free:
                st.session_state[state.KEY_REBALANCE_TARGET] = free[0]
            st.selectbox(
                t("reb.target", L), free, key=state.KEY_REBALANCE_TARGET, format_func=_label
            )
        selected_now = list(st.session_state.get(state.KEY_REBALANCE_SELECTED, []))
        if st.session_state.get(state.KEY_REBALANCE_MODE, "paint") == "select":
            hh_sel = int(
                problem.graph.households[[problem.graph.position[c] for c in selected_now]].sum()
            )
            st.caption(t("reb.select.help", L))
            st.caption(t("reb.selected", L, n=len(selected_now), hh=f"{hh_sel:,}"))
            c1, c2 = st.columns(2)
            if c1.button(t("reb.assign", L), disabled=not selected_now or not free, type="primary"):
                try:
                    session = rb.assign_units(
                        session, selected_now, str(st.session_state[state.KEY_REBALANCE_TARGET])
                    )
                    _save(session)
                    st.session_state[state.KEY_REBALANCE_SELECTED] = []
                    st.rerun()
                except rb.RebalanceError as exc:
                    st.warning(str(exc))
            if c2.button(t("reb.clear", L), disabled=not selected_now):
                st.session_state[state.KEY_REBALANCE_SELECTED] = []
                st.rerun()
        else:
            st.caption(t("reb.paint.help", L))
        u1, u2, u3 = st.columns(3)
        if u1.button(t("reb.undo", L), disabled=not session.can_undo, icon=":material/undo:"):
            _save(rb.undo(session))
            st.rerun()
        if u2.button(t("reb.redo", L), disabled=not session.can_redo, icon=":material/redo:"):
            _save(rb.redo(session))
            st.rerun()
        if u3.button(t("reb.reset", L), disabled=not session.can_undo):
            clear_session(path, community, band, measure)
            st.session_state[state.KEY_REBALANCE_SELECTED] = []
            st.rerun()
        locked_now = sorted(session.locked & set(codes_here))
        want = st.multiselect(
            t("reb.locked", L),
            codes_here,
            default=locked_now,
            placeholder=t("reb.locked.none", L),
            format_func=lambda c: (
                f"{c[-3:]} · {table_now.loc[c, schema.NAME] if c in table_now.index else c}"
            ),
            key=f"reb_locks_{len(session.undo_stack)}_{community}",
        )
        if sorted(want) != locked_now:
            session = rb.set_locked(session, set(want) - set(locked_now), True)
            session = rb.set_locked(session, set(locked_now) - set(want), False)
            _save(session)
            st.rerun()
        if st.button(t("reb.redraw", L), help=t("reb.redraw.help", L)):
            with st.spinner(t("reb.redrawing", L)):
                try:
                    redrawn = redraw_locked(session, community)
                    audit(path, "optimiser run", target=community, detail={"method": "redraw"})
                    session = rb.EditSession(
                        redrawn,
                        session.locked,
                        (*session.undo_stack, (session.plan, session.locked)),
                        (),
                    )
                    _save(session)
                    st.rerun()
                except rb.RebalanceError as exc:
                    st.warning(str(exc))
    with left:
        when = st.segmented_control(
            t("reb.view", L),
            ["after", "before"],
            default="after",
            key=state.KEY_REBALANCE_VIEW,
            format_func=lambda v: t(f"reb.view.{v}", L),
        )
        layers, view = unit_layers(session.plan, set(selected_now), before=(when == "before"))
        st.pydeck_chart(
            make_deck(
                layers,
                view,
                tooltip={
                    "html": "{code}<br/>" + t("reb.tooltip", L),
                    "style": {"fontSize": "13px"},
                },
            ),
            on_select="rerun",
            selection_mode="single-object",
            key=map_key,
            height=540,
        )

    # --- live balance of every grid the session touched --------------------------------------
    plan = session.plan
    changed = session.affected()
    live = changed if len(changed) else rb.grid_table(plan, codes_here)
    st.subheader(t("reb.live" if len(changed) else "reb.grids", L))
    gone = live["n_units"] == 0  # merged away: no band or contiguity to judge

    def _mark(ok: pd.Series) -> pd.Series:
        return ok.map({True: "✓", False: "✗"}).where(~gone, "—")

    shown = pd.DataFrame(
        {
            t("reb.col.grid", L): live[schema.NAME].where(
                ~gone, live[schema.NAME] + t("reb.gone", L)
            ),
            t("reb.col.households", L): live[schema.HOUSEHOLDS],
            t("reb.col.before", L): live["households_before"],
            **(
                {
                    t("reb.col.measure", L, measure=measure_name): live["measure"],
                    t("reb.col.measure_before", L, measure=measure_name): live["measure_before"],
                }
                if measure != "households"
                else {}
            ),
            t("reb.col.deviation", L): live["deviation_pct"],
            t("reb.col.in_band", L): _mark(live["in_band"]),
            t("reb.col.contiguous", L): _mark(live["contiguous"]),
            t("reb.col.compactness", L): live["compactness"],
            t("reb.col.compactness_before", L): live["compactness_before"],
            t("reb.col.workload", L): live["workload"],
            t("reb.col.worker", L): live[schema.WORKER],
            t("reb.col.locked", L): live["locked"].map({True: "🔒", False: ""}),
        },
        index=pd.Index(live.index, name=t("risk.col.unit_code", L)),
    )
    st.dataframe(
        shown,
        width="stretch",
        column_config={
            t("reb.col.deviation", L): st.column_config.NumberColumn(format="%+.0f%%"),
            t("reb.col.compactness", L): st.column_config.NumberColumn(format="%.2f"),
            t("reb.col.compactness_before", L): st.column_config.NumberColumn(format="%.2f"),
            t("reb.col.workload", L): st.column_config.NumberColumn(format="%.0f"),
            t("reb.col.measure", L, measure=measure_name): st.column_config.NumberColumn(
                format="%.0f"
            ),
            t("reb.col.measure_before", L, measure=measure_name): st.column_config.NumberColumn(
                format="%.0f"
            ),
        },
    )
    st.caption(t("reb.moved", L, units=int(plan.moved().sum()), hh=f"{plan.households_moved():,}"))

    # --- ranked suggestions -------------------------------------------------------------------
    st.subheader(t("reb.suggestions", L))
    # Suggestions are made on the grids in force; once this session changed a grid, those
    # touching it are out of date and left out.
    touched = set(changed.index)
    suggestions = [
        sug
        for sug in rb.suggest(problem, community=community, top=12)
        if not (set(sug.grids) | {c for ch in sug.changes for c in ch[1:]}) & touched
    ][:8]
    if touched:
        st.caption(t("reb.suggestions.touched", L))
    if not suggestions:
        st.caption(t("reb.suggestions.none", L))
    for i, sug in enumerate(suggestions):
        c1, c2 = st.columns([6, 1], vertical_alignment="center")
        numbers = t(
            "reb.sug.numbers" if measure == "households" else "reb.sug.numbers.measure",
            L,
            hh=f"{sug.households_moved:,}",
            units=sug.units_moved,
            gap=f"{sug.gap_before:,.0f}",
            gap_after=f"{sug.gap_after:,.0f}",
            pp=f"{sug.delta_compactness:+.2f}",
            measure=measure_name,
            unit=t(f"reb.measure.unit.{measure}", L),
        )
        sentence = sug.sentence_zh if L == "zh" else sug.sentence_en
        c1.markdown(f"**{t(f'reb.kind.{sug.kind}', L)}** · {sentence}  \n{numbers}")
        if c2.button(t("reb.apply", L), key=f"reb_apply_{i}"):
            try:
                _save(rb.apply_suggestion(session, sug))
                st.rerun()
            except rb.RebalanceError as exc:
                st.warning(str(exc))

    # --- save, publish, export ------------------------------------------------------------
    st.subheader(t("reb.versions", L))
    ws = Workspace(path)
    s1, s2 = st.columns([2, 3])
    note = s1.text_input(t("reb.note", L), key="reb_note", placeholder=h.name(community))
    if s1.button(
        t("reb.save", L), type="primary", disabled=not plan.moved().any(), icon=":material/save:"
    ):
        try:
            # The version this session started from, whatever is in force by now.
            grids_base = ws.read_grids(plan.problem.base_version)
            new_grids = rb.plan_grids(plan, grids_base, simplify_m=1.0)
            version = rb.save_draft(
                ws,
                new_grids,
                author=user_name(path),
                note=note or h.name(community),
                communities=plan.changed_communities(),
                since=session_since(path, community, band, measure),
            )
            mark_saved(path, community, band, version, measure)
            audit(path, "save draft", target=community, version=version, detail={"note": note})
            st.success(t("reb.saved", L, v=version))
        except rb.EditConflict as exc:
            audit(path, "save refused", target=community, detail={"conflict": str(exc)})
            st.error(t("reb.conflict", L, why=str(exc)))
        except rb.RebalanceError as exc:
            st.error(str(exc))
    versions = pd.DataFrame([v.__dict__ for v in ws.grid_versions()])
    if len(versions):
        s2.dataframe(
            versions_table(versions.to_dict("records"), L),
            hide_index=True,
            width="stretch",
        )
        drafts = versions.loc[versions["status"] == "draft", "version"].tolist()
        if drafts:
            p1, p2, p3 = st.columns([1, 1, 1], vertical_alignment="bottom")
            chosen = p1.selectbox(t("reb.draft", L), drafts, key="reb_draft")
            in_force = ws.published_version()
            if in_force is not None:
                diff = rb.compare_versions(ws, in_force, int(chosen))
                sm = diff.summary()
                st.markdown(
                    t(
                        "reb.compare",
                        L,
                        v=chosen,
                        added=sm["new"],
                        removed=sm["removed"],
                        redrawn=sm["changed"],
                        units=sm["units_moved"],
                        hh=f"{sm['households_moved']:,}",
                    )
                )
                changed_rows = diff.grids[diff.grids["status"] != "same"]
                if len(changed_rows):
                    st.dataframe(
                        changed_rows.assign(
                            status=changed_rows["status"].map(lambda k: t(f"reb.change.{k}", L))
                        ).rename(columns={c: t(f"reb.cmp.{c}", L) for c in changed_rows.columns}),
                        width="stretch",
                    )
            day = p2.date_input(t("reb.effective", L), value=dt.date.today(), key="reb_day")
            if p3.button(t("reb.publish", L), key="reb_publish"):
                try:
                    rb.publish_version(ws, int(chosen), day)
                    audit(path, "publish", version=int(chosen), detail={"effective": str(day)})
                    st.success(t("reb.published", L, v=chosen, day=day))
                    st.rerun()
                except rb.RebalanceError as exc:
                    st.error(str(exc))

            def _gpkg(version: int) -> bytes:
                with tempfile.TemporaryDirectory() as tmp:
                    out = Path(tmp) / f"grids_v{version}.gpkg"
                    export_layer(ws, "grids", out, version=version)
                    audit(path, "export", target=out.name, version=version)
                    return out.read_bytes()

            st.download_button(
                t("reb.export", L, v=chosen),
                functools.partial(_gpkg, int(chosen)),
                file_name=f"grids_v{chosen}.gpkg",
                mime="application/geopackage+sqlite3",
                key="reb_export",
            )

            def _assignment(version: int) -> bytes:
                table = assignment_csv(ws, version)
                audit(path, "export", target=f"assignment_v{version}.csv", version=version)
                return table

            st.download_button(
                t("reb.export.assignment", L, v=chosen),
                functools.partial(_assignment, int(chosen)),
                file_name=f"assignment_v{chosen}.csv",
                mime="text/csv",
                key="reb_export_assignment",
            )
st.caption(t("server.time", L, ms=f"{total.ms:.0f}"))
