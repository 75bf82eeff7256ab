"""数据 Data: what the workspace holds (overview), bringing files in (import), taking them out
(export). Widgets here, work in ``gridmap.ui.upload`` / ``gridmap.ui.exports``."""

import datetime as dt
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from gridmap import schema
from gridmap.errors import GridmapError
from gridmap.i18n import t
from gridmap.importing.preview import (
    apply_saved,
    category_counts,
    delete_mapping,
    explicit_mapping,
    save_mapping,
)
from gridmap.store import Workspace
from gridmap.ui import (
    lang,
    load_info,
    load_layer,
    sidebar,
    workspace_exists,
    workspace_label,
    workspace_path,
)
from gridmap.ui import upload as up
from gridmap.ui.auth import audit
from gridmap.ui.data import dashes, versions_table
from gridmap.ui.exports import EXPORT_CRS, EXPORT_ENCODINGS, EXPORT_FORMATS, export_bytes, mime
from gridmap.ui.state import KEY_WORKSPACE_MAP
from gridmap.viz import LEVEL_COLOURS, make_deck, view_for

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
    st.caption(t("data.new.workspace", L, path=Workspace(path).name))

SECTIONS = ("overview", "import", "export")
section = st.radio(
    t("data.section", L),
    SECTIONS if exists else ("import",),
    format_func=lambda s: t(f"data.section.{s}", L),
    horizontal=True,
    key=up.KEY_SECTION,
    label_visibility="collapsed",
)


def kind_label(kind: str) -> str:
    label = t(f"layer.{kind}", L)
    return str(kind) if label == f"layer.{kind}" else label


def field_label(field: str) -> str:
    return f"{t(f'data.field.{field}', L)} · {field}"


def status_label(status: str) -> str:
    return t(f"data.status.{status}", L)


# --- publish a draft (shared by overview and import result) -----------------------------------
def publish_form(version: int, where: str) -> None:
    c1, c2 = st.columns([1, 2])
    day = c1.date_input(
        t("data.effective", L), value=dt.date.today(), key=f"{up.KEY_EFFECTIVE}_{where}"
    )
    c2.write("")
    if c2.button(t("data.publish", L, v=version), key=f"{up.KEY_PUBLISH}_{where}", type="primary"):
        try:
            up.publish_draft(path, version, day)
        except GridmapError as exc:
            st.error(up.error_text(str(exc), L))
        else:
            st.session_state["data_published"] = version
            st.rerun()


if st.session_state.get("data_published"):
    st.success(t("data.published", L, v=st.session_state.pop("data_published")))


# --- overview -----------------------------------------------------------------------------------
def overview() -> None:
    assert info is not None
    counts = info["layers"]
    cols = st.columns(len(counts))
    in_force = {v["version"]: v["n_grids"] for v in info["grid_versions"]}.get(
        info["published_version"]
    )
    for col, (layer, n) in zip(cols, counts.items(), strict=True):
        if layer == "grids" and in_force is not None and in_force != n:
            # The layer holds every version; the count that matters is the one in force.
            col.metric(
                kind_label(layer),
                f"{in_force:,}",
                help=t("data.grids.count", L, v=info["published_version"], n=n),
            )
        else:
            col.metric(kind_label(layer), f"{n:,}")
    if info["incidents_from"]:
        first, last = (
            str(info[k])[:16].replace("T", " ") for k in ("incidents_from", "incidents_to")
        )
        st.caption(f"{t('incidents.range', L)}: {first} – {last}")
    if not any(counts.values()):
        st.info(t("data.empty", L))
        return
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
    deck = make_deck(
        layers, view_for(focus if len(focus) else admin), tooltip={"text": "{name} {code}"}
    )
    st.subheader(t("map", L))
    st.pydeck_chart(deck, key=KEY_WORKSPACE_MAP, height=480)
    if info["meta"].get("boundaries_source"):
        st.caption(f"{t('boundaries', L)}: {info['meta']['boundaries_source']}")

    st.subheader(t("versions", L))
    st.dataframe(versions_table(info["grid_versions"], L), hide_index=True, width="stretch")
    drafts = [v["version"] for v in info["grid_versions"] if v["status"] == "draft"]
    if drafts:
        st.caption(t("data.drafts.note", L))
        pick = st.selectbox(
            t("data.draft.pick", L),
            drafts[::-1],
            format_func=lambda v: f"v{v}",
            key=up.KEY_DRAFT_PICK,
        )
        publish_form(int(pick), "overview")

    st.subheader(t("imports", L))
    log = pd.DataFrame(info["last_imports"])
    if len(log):
        log = log.iloc[::-1]
        log["kind"] = log["kind"].map(kind_label)
        log["user"] = log["user"].fillna("—")
        log["file"] = log["file"].map(lambda f: str(f).rsplit("/", 1)[-1])
        cols_ = ["at", "user", "kind", "file", "crs", "rows_read", "imported", "rejected"]
        cols_ += ["unclassified", "version"]
        log = dashes(log[cols_])  # an incident import has no version: "—", not "None"
        log.columns = [t(f"data.col.{c}", L) for c in cols_]
        st.dataframe(log, hide_index=True, width="stretch")
    else:
        st.caption(t("data.log.empty", L))


# --- import -------------------------------------------------------------------------------------
MAP_PREFIX = "data_map_"
CONST_PREFIX = "data_const_"
CAT_PREFIX = "data_cat_"


def clear_choices() -> None:
    for key in list(st.session_state.keys()):
        if str(key).startswith((MAP_PREFIX, CONST_PREFIX, CAT_PREFIX)):
            del st.session_state[key]


def reset_for(stashed: up.Stashed, kind: str) -> None:
    """A new file or kind: forget the previous file's choices and any old result."""
    clear_choices()
    st.session_state.pop("data_prepared_part", None)
    for key in (
        up.KEY_CRS,
        up.KEY_EPSG,
        up.KEY_SWAP,
        up.KEY_MAP_PICK,
        up.KEY_PART,
        up.KEY_OUTSIDE_OK,
    ):
        st.session_state.pop(key, None)
    st.session_state["data_prepared"] = (stashed.digest, kind)


def use_suggestion(crs: str, swapped: bool) -> None:
    if crs.startswith("EPSG:"):
        st.session_state[up.KEY_CRS] = "epsg"
        st.session_state[up.KEY_EPSG] = crs.split(":", 1)[1]
    else:
        st.session_state[up.KEY_CRS] = crs
    st.session_state[up.KEY_SWAP] = swapped


def apply_mapping(name: str, kind: str, columns: list[str]) -> None:
    saved = next((m for m in up.saved_mappings(path, kind) if m.name == name), None)
    if saved is None:
        return
    present, missing = apply_saved(saved, columns)
    for fld in schema.field_names(kind):
        st.session_state[up.field_key(fld)] = present.get(fld, "")
    for value, code in saved.categories.items():
        st.session_state[up.cat_key(value)] = code
    if saved.crs:
        use_suggestion(saved.crs, False)
    st.session_state["data_mapping_missing"] = missing


def crs_label(code: str, preview: Any) -> str:
    if code == "file":
        return t("data.crs.file", L, crs=preview.file_crs)
    return t(f"data.crs.{code}", L)


def forget_result() -> None:
    st.session_state.pop(up.KEY_RESULT, None)


def fit_text(c: Any) -> str:
    """'85% inside, 40 m' for a scored CRS candidate."""
    if c is None:
        return "—"
    bits = []
    if c.inside == c.inside:
        bits.append(t("data.crs.inside", L, p=f"{c.inside:.0%}"))
    if c.distance_m == c.distance_m and c.distance_m < 1e8:
        bits.append(t("data.crs.distance.short", L, m=f"{c.distance_m:,.0f}"))
    if c.usable < 1:
        bits.append(t("data.crs.usable", L, p=f"{c.usable:.0%}"))
    return "，".join(bits) if L == "zh" else ", ".join(bits)


def import_section() -> None:
    kind = st.selectbox(
        t("data.kind", L),
        ("incidents", "cameras", "grids", "admin", "units", "keyareas"),
        format_func=kind_label,
        key=up.KEY_KIND,
    )
    allowed = up.allowed_suffixes(kind)
    st.caption(
        t("data.kind.help", L, types=", ".join("." + s for s in allowed), mb=up.MAX_UPLOAD_MB)
    )
    uploaded = st.file_uploader(
        t("data.upload", L), type=list(allowed), key=up.KEY_UPLOADER, accept_multiple_files=False
    )
    current = st.session_state.get(up.KEY_FILE)
    if uploaded is not None:
        try:
            stashed = up.stash_bytes(uploaded.name, uploaded.getvalue(), kind, from_uploader=True)
        except GridmapError as exc:
            st.error(up.error_text(str(exc), L))
            st.session_state.pop(up.KEY_FILE, None)
            return
        if current is None or current.digest != stashed.digest or current.name != stashed.name:
            st.session_state[up.KEY_FILE] = stashed
    elif current is not None and current.from_uploader:
        st.session_state.pop(up.KEY_FILE, None)  # the user removed the file
    stashed = st.session_state.get(up.KEY_FILE)
    if stashed is None:
        show_result()
        return
    if st.session_state.get("data_prepared") != (stashed.digest, kind):
        reset_for(stashed, kind)
    done = st.session_state.get(up.KEY_RESULT)
    if done and done["digest"] == stashed.digest and done["kind"] == kind:
        # This file is in: show what happened first; the preview is one click away.
        show_result()
        st.button(t("data.again", L), key="data_again", on_click=forget_result)
        return
    parts = up.file_parts(stashed)
    part = None
    if parts:
        part = st.selectbox(
            t("data.part.sheet" if kind in schema.POINT_KINDS else "data.part.layer", L),
            parts,
            key=up.KEY_PART,
        )
    if st.session_state.get("data_prepared_part") != part:
        # Another sheet or layer has other columns: detect the mapping afresh.
        clear_choices()
        st.session_state["data_prepared_part"] = part
    try:
        preview = up.load_preview(stashed, kind, part)
    except GridmapError as exc:
        st.error(up.error_text(str(exc), L))
        return

    # 1. The file as read.
    step = iter("①②③④⑤")
    st.subheader(f"{next(step)} {t('data.step.read', L)}")
    bits = [t("data.read.rows", L, n=preview.n_rows, name=preview.name)]
    if preview.encoding:
        bits.append(t("data.read.encoding", L, enc=preview.encoding))
    if preview.separator:
        sep = {"\t": "Tab", ",": ",", ";": ";", "|": "|"}.get(preview.separator, preview.separator)
        bits.append(t("data.read.sep", L, sep=sep))
    if preview.bad_lines:
        bits.append(t("data.read.bad", L, n=preview.bad_lines))
    if preview.file_crs:
        bits.append(t("data.read.crs", L, crs=preview.file_crs))
    st.caption(" · ".join(bits))
    if len(preview.columns):
        st.dataframe(preview.head(8), hide_index=True, width="stretch", height=250)
    else:
        st.caption(t("data.read.nocols", L))

    # Saved mappings.
    saved = up.saved_mappings(path, kind)
    if saved:
        c1, c2 = st.columns([3, 1])
        pick = c1.selectbox(
            t("data.saved.pick", L),
            [m.name for m in saved],
            index=None,
            placeholder=t("data.saved.placeholder", L),
            key=up.KEY_MAP_PICK,
        )
        c2.write("")
        c2.button(
            t("data.saved.apply", L),
            key=up.KEY_MAP_APPLY,
            disabled=pick is None,
            on_click=apply_mapping,
            args=(pick or "", kind, preview.columns),
        )
        missing = st.session_state.pop("data_mapping_missing", None)
        if missing:
            st.warning(t("data.saved.missing", L, cols=", ".join(missing)))

    # 2. Columns.
    st.subheader(f"{next(step)} {t('data.step.columns', L)}")
    st.caption(t("data.columns.help", L))
    options = ["", *preview.columns]
    chosen: dict[str, str] = {}
    specs = schema.FIELDS[kind]
    grid = st.columns(3)
    for i, spec in enumerate(specs):
        key = up.field_key(spec.name)
        if key not in st.session_state:
            st.session_state[key] = preview.auto.get(spec.name, "")
        if st.session_state[key] not in options:
            st.session_state[key] = ""
        label = field_label(spec.name) + (" *" if spec.required else "")
        chosen[spec.name] = grid[i % 3].selectbox(
            label,
            options,
            format_func=lambda c: c if c else t("data.column.none", L),
            key=key,
        )
    explicit: dict[str, str] = {}
    problems: list[str] = []
    try:
        explicit = explicit_mapping(chosen, preview)
    except GridmapError as exc:
        problems.append(up.error_text(str(exc), L))
    cleared = [f for f, c in preview.auto.items() if not chosen.get(f)]
    if cleared:
        st.caption(t("data.columns.cleared", L, fields=", ".join(cleared)))
    swapped = False
    if kind in schema.POINT_KINDS:
        swapped = st.checkbox(t("data.swap", L), key=up.KEY_SWAP)
        if swapped and chosen.get("lon") and chosen.get("lat"):
            explicit[chosen["lon"]] = "lat"
            explicit[chosen["lat"]] = "lon"
    # Fixed values for fields without a column (bare boundary files have none).
    set_values: dict[str, str] = {}
    if kind in schema.POLYGON_KINDS:
        const_fields = [f for f in ("code", "name") if not chosen.get(f)]
        const_fields += {"admin": ["level"], "grids": ["grid_type"]}.get(kind, [])
        if const_fields:
            with st.expander(t("data.const", L), expanded=not chosen.get("code")):
                st.caption(t("data.const.help", L))
                ccols = st.columns(len(const_fields))
                stem = Path(preview.name).stem
                for col, fld in zip(ccols, const_fields, strict=True):
                    key = up.const_key(fld)
                    if fld in ("level", "grid_type"):
                        enum = schema.ADMIN_LEVELS if fld == "level" else schema.GRID_TYPES
                        if key not in st.session_state:
                            guess = ""
                            if fld == "level" and stem.isdigit() and len(stem) == 6:
                                guess = "city" if stem.endswith("00") else "district"
                            st.session_state[key] = guess
                        value = col.selectbox(
                            field_label(fld),
                            ["", *enum.codes],
                            format_func=lambda c, e=enum: e.label(c, L) if c else "—",
                            key=key,
                        )
                    else:
                        if key not in st.session_state:
                            st.session_state[key] = (
                                stem
                                if fld == "code" and stem.isdigit() and preview.n_rows == 1
                                else ""
                            )
                        value = col.text_input(field_label(fld), key=key)
                    if value and value.strip():
                        set_values[fld] = value.strip()

    # 3. Categories.
    categories: dict[str, str] = {}
    cat_col = chosen.get("category")
    if kind == "incidents" and cat_col:
        st.subheader(f"{next(step)} {t('data.step.categories', L)}")
        counts = category_counts(preview, cat_col)
        shown = counts.head(30)
        codes = [*schema.CATEGORIES.codes, schema.UNCLASSIFIED.code]
        ccols = st.columns(3)
        for i, row in enumerate(shown.itertuples()):
            key = up.cat_key(str(row.value))
            if key not in st.session_state:
                st.session_state[key] = row.category
            categories[str(row.value)] = ccols[i % 3].selectbox(
                f"{row.value or t('data.blank', L)}  ({row.count:,})",
                codes,
                format_func=lambda c: schema.CATEGORIES.label(c, L),
                key=key,
            )
        unclassified = int(
            sum(
                int(r.count)
                for r in shown.itertuples()
                if categories[str(r.value)] == "unclassified"
            )
        )
        rest = counts.iloc[len(shown) :]
        unclassified += int(rest.loc[rest["category"] == "unclassified", "count"].sum())
        st.caption(
            t("data.categories.summary", L, n=len(counts), u=unclassified)
            + (t("data.categories.rest", L, n=len(rest)) if len(rest) else "")
        )

    # 4. Coordinate system, with the sample on the map.
    st.subheader(f"{next(step)} {t('data.step.crs', L)}")
    crs_opts = up.crs_options(preview)
    if st.session_state.get(up.KEY_CRS) not in crs_opts:
        st.session_state[up.KEY_CRS] = crs_opts[0]
    c1, c2 = st.columns([2, 1])
    choice = c1.selectbox(
        t("data.crs", L), crs_opts, format_func=lambda c: crs_label(c, preview), key=up.KEY_CRS
    )
    epsg = ""
    if choice == "epsg":
        epsg = c2.text_input(t("data.crs.epsg.code", L), key=up.KEY_EPSG, placeholder="4549")
    crs: str | None = None
    try:
        crs = up.crs_text(choice, epsg, preview)
    except GridmapError as exc:
        problems.append(up.error_text(str(exc), L))
    mapping_now = {f: c for f, c in chosen.items() if c}
    outside: tuple[float, float] | None = None
    if not problems:
        ref = up.load_reference(path, kind)
        chosen_text = crs or (preview.file_crs or "wgs84")
        guess = up.crs_guess(preview, mapping_now, ref, chosen=chosen_text, swapped=swapped)
        try:
            deck, n_drawn = up.preview_deck(
                path, preview, crs=crs, mapping=mapping_now, swapped=swapped
            )
        except GridmapError as exc:
            st.error(up.error_text(str(exc), L))
            deck, n_drawn = None, 0
        if guess is not None and guess.chosen is not None:
            c = guess.chosen
            facts = [t("data.crs.drawn", L, n=n_drawn)]
            if c.inside == c.inside:
                facts.append(t("data.crs.inside", L, p=f"{c.inside:.0%}"))
            if c.distance_m == c.distance_m and c.distance_m < 1e8:
                facts.append(t("data.crs.distance", L, m=f"{c.distance_m:,.0f}"))
            st.caption(" · ".join(facts))
        outside = up.mostly_outside(preview, mapping_now, ref, crs=crs, swapped=swapped)
        if outside is not None:
            # Not a grey caption: a file far from the city is almost always a wrong
            # coordinate system or a wrong file, and the import asks for a confirmation.
            what = "polygons" if preview.geometry is not None else "points"
            st.warning(
                t(
                    "data.outside.warning",
                    L,
                    what=t(f"data.outside.{what}", L),
                    inside=f"{outside[0]:.0%}",
                    dist=up.distance_text(outside[1], L),
                ),
                icon=":material/wrong_location:",
            )
        if guess is not None and guess.suggest is not None:
            s = guess.suggest
            label = crs_label(s.crs, preview) if not s.crs.startswith("EPSG:") else s.crs
            if s.swapped:
                label += " · " + t("data.swap", L)
            why = t(f"data.suggest.{guess.reasons[0]}", L) if guess.reasons else ""
            st.warning(
                t("data.suggest", L, crs=label, why=why)
                + "\n\n"
                + t("data.suggest.compare", L, now=fit_text(guess.chosen), then=fit_text(s))
            )
            st.button(
                t("data.suggest.use", L, crs=label),
                key="data_suggest_use",
                on_click=use_suggestion,
                args=(s.crs, s.swapped),
            )
        if deck is not None:
            st.pydeck_chart(deck, key=up.KEY_PREVIEW_MAP, height=460)
            st.caption(t("data.crs.legend", L))

    # Save the mapping under a name.
    with st.expander(t("data.saved.save", L)):
        c1, c2 = st.columns([3, 1])
        name = c1.text_input(t("data.saved.name", L), key=up.KEY_MAP_NAME)
        c2.write("")
        if c2.button(t("data.saved.save.button", L), key=up.KEY_MAP_SAVE, disabled=not exists):
            try:
                save_mapping(
                    Workspace(path),
                    name or "",
                    kind,
                    columns=mapping_now,
                    categories={k: v for k, v in categories.items()},
                    crs=crs,
                    user=up.current_user(path),
                )
            except GridmapError as exc:
                st.error(up.error_text(str(exc), L))
            else:
                audit(path, "save mapping", target=name.strip(), detail={"kind": kind})
                st.success(t("data.saved.done", L, name=name.strip()))
        if saved:
            gone = st.selectbox(
                t("data.saved.delete.pick", L),
                [m.name for m in saved],
                index=None,
                key="data_mapping_delete_pick",
            )
            if gone and st.button(t("data.saved.delete", L), key="data_mapping_delete"):
                try:
                    delete_mapping(Workspace(path), gone, kind)
                except GridmapError as exc:
                    st.error(up.error_text(str(exc), L))
                else:
                    st.rerun()

    # 5. Import.
    for p in problems:
        st.error(p)
    note = t("data.import.grids", L) if kind == "grids" else ""
    if note:
        st.info(note)
    confirmed = True
    if outside is not None:
        confirmed = st.checkbox(t("data.outside.confirm", L), key=up.KEY_OUTSIDE_OK)
        if not confirmed:
            st.caption(t("data.outside.confirm.needed", L))
    go = st.button(
        t("data.import.button", L, n=preview.n_rows, kind=kind_label(kind)),
        key=up.KEY_IMPORT,
        type="primary",
        disabled=bool(problems) or not confirmed,
    )
    if go:
        bar = st.progress(0.0, text=t("data.import.running", L))
        try:
            result = up.run_import(
                path,
                stashed,
                kind,
                crs=crs,
                mapping=explicit,
                categories=categories,
                set_values=set_values,
                part=part,
                progress=lambda f, m: bar.progress(min(max(f, 0.0), 1.0), text=m),
            )
        except GridmapError as exc:
            bar.empty()
            st.error(t("data.import.failed", L, msg=up.error_text(str(exc), L)))
            return
        bar.empty()
        st.session_state[up.KEY_RESULT] = result
        st.session_state.pop(up.KEY_PROBLEMS, None)
        st.session_state.pop(up.KEY_PROBLEM_MAP, None)
        st.rerun()


def show_result() -> None:
    result: dict[str, Any] | None = st.session_state.get(up.KEY_RESULT)
    if not result:
        return
    rep = result["report"]
    st.subheader(t("data.result", L, file=result["file"], kind=kind_label(result["kind"])))
    m = st.columns(5)
    m[0].metric(t("data.result.read", L), f"{rep['rows_read']:,}")
    m[1].metric(t("data.result.imported", L), f"{rep['imported']:,}")
    m[2].metric(t("data.result.rejected", L), f"{rep['rejected']:,}")
    m[3].metric(t("data.result.unclassified", L), f"{rep['unclassified']:,}")
    m[4].metric(t("data.result.repaired", L), f"{rep['repaired']:,}")
    st.caption(
        t("data.result.sum", L, r=rep["rows_read"], i=rep["imported"], j=rep["rejected"])
        + " · "
        + t("data.result.crs", L, crs=rep["crs"])
    )
    if rep.get("updated"):
        st.caption(t("data.result.updated", L, n=rep["updated"]))
    if rep.get("values_cleared"):
        st.caption(t("data.result.cleared", L, n=rep["values_cleared"]))
    for n in result.get("notes", {}).get(L, rep.get("notes", [])):
        st.caption("· " + n)
    issues: pd.DataFrame = result["issues"]
    if rep["rejected_by_reason"]:
        reasons = pd.DataFrame(
            {
                t("data.col.reason", L): [up.reason_text(r, L) for r in rep["rejected_by_reason"]],
                t("data.col.rows", L): list(rep["rejected_by_reason"].values()),
            }
        )
        st.dataframe(reasons, hide_index=True)
    if len(issues):
        st.markdown("**" + t("data.rejects", L, n=len(issues)) + "**")
        shown = issues.copy()
        shown["reason"] = shown["reason"].astype(str).map(lambda r: up.reason_text(r, L))
        shown["action"] = shown["action"].astype(str).map(lambda a: up.action_text(a, L))
        shown.columns = [t(f"data.col.{c}", L) for c in shown.columns]
        st.dataframe(
            shown, hide_index=True, width="stretch", height="auto" if len(shown) < 10 else 320
        )
        st.download_button(
            t("data.rejects.download", L),
            data=up.rejects_csv(issues, L),
            file_name=f"rejects-{result['kind']}-{Path(result['file']).stem}.csv",
            mime="text/csv",
            key="data_rejects_download",
        )
    elif rep["rejected"] == 0:
        st.success(t("data.result.clean", L))
    problems = result.get("problems")
    version = rep.get("version")
    if result["kind"] != "grids" or version is None:
        return
    st.subheader(t("data.validation", L, v=version))
    if problems is None or not len(problems):
        st.success(t("data.validation.ok", L))
    else:
        counts = rep.get("validation", {})
        st.caption(" · ".join(f"{t(f'data.problem.{k}', L)} {v}" for k, v in counts.items() if v))
        table = pd.DataFrame(problems.drop(columns="geometry"))
        said = result.get("problem_text", {}).get(L)
        if said is not None and len(said) == len(table):
            table["message"] = said  # the validator's sentence in the page's language
        table["kind"] = table["kind"].map(lambda k: t(f"data.problem.{k}", L))
        table["size_m2"] = table["size_m2"].round(0)
        table = table[["kind", "code", "size_m2", "lon", "lat", "message"]]
        table.columns = [
            t("data.col.detail" if c == "message" else f"data.col.{c}", L) for c in table.columns
        ]
        st.caption(t("data.validation.help", L))
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
            from gridmap.viz import picked as picked_obj

            for layer_id in ("problems", "problem-points"):
                obj = picked_obj(picked, layer_id)
                if obj and "i" in obj:
                    selected = int(obj["i"])
        if selected is not None and 0 <= selected < len(table):
            st.info(t("data.validation.zoom", L, msg=table.iloc[selected, -1]))
        deck = up.problem_deck(path, int(version), problems, selected)
        st.pydeck_chart(
            deck,
            key=up.KEY_PROBLEM_MAP,
            height=460,
            on_select="rerun",
            selection_mode="single-object",
        )
    versions = {
        v["version"]: v["status"] for v in (load_info(path)["grid_versions"] if exists else [])
    }
    if versions.get(version) == "draft":
        st.info(t("data.draft.info", L, v=version))
        publish_form(int(version), "result")
    elif versions.get(version) == "published":
        st.success(t("data.published", L, v=version))


# --- export -------------------------------------------------------------------------------------
def export_section() -> None:
    assert info is not None
    layers = [k for k, n in info["layers"].items() if n]
    if not layers:
        st.info(t("data.empty", L))
        return
    c1, c2, c3, c4 = st.columns(4)
    layer = c1.selectbox(t("layer", L), layers, format_func=kind_label, key=up.KEY_EXPORT_LAYER)
    version = None
    if layer == "grids" and info["grid_versions"]:
        vs = [v["version"] for v in info["grid_versions"]][::-1]
        status = {v["version"]: v["status"] for v in info["grid_versions"]}
        default = info["published_version"]
        version = c2.selectbox(
            t("data.export.version", L),
            vs,
            index=vs.index(default) if default in vs else 0,
            format_func=lambda v: f"v{v} · {status_label(status[v])}",
            key=up.KEY_EXPORT_VERSION,
        )
    fmt = c3.selectbox(
        t("data.export.format", L),
        list(EXPORT_FORMATS),
        format_func=lambda f: t(f"data.format.{f}", L),
        key=up.KEY_EXPORT_FORMAT,
    )
    crs = c4.selectbox(
        t("data.crs", L),
        EXPORT_CRS,
        format_func=lambda c: t(f"data.crs.{c}", L),
        key=up.KEY_EXPORT_CRS,
    )
    encoding = "UTF-8"
    if fmt in ("shp", "csv"):
        encoding = st.radio(
            t("data.export.encoding", L),
            EXPORT_ENCODINGS,
            horizontal=True,
            key=up.KEY_EXPORT_ENCODING,
            help=t("data.export.encoding.help", L),
        )
    if crs != "wgs84":
        st.caption(t("data.export.crs.note", L))
    if st.button(t("data.export.go", L), key=up.KEY_EXPORT_GO, type="primary"):
        try:
            with st.spinner(t("data.export.running", L)):
                name, data, n = export_bytes(
                    path, layer, version=version, fmt=fmt, crs=crs, encoding=encoding
                )
        except GridmapError as exc:
            st.error(up.error_text(str(exc), L))
        else:
            audit(
                path,
                "export",
                target=name,
                version=version,
                detail={"layer": layer, "rows": n, "crs": crs, "encoding": encoding},
            )
            st.session_state[up.KEY_EXPORT_FILE] = (name, data, n, fmt)
    ready = st.session_state.get(up.KEY_EXPORT_FILE)
    if ready:
        name, data, n, f = ready
        st.success(t("data.export.ready", L, name=name, n=n, kb=f"{len(data) / 1024:,.0f}"))
        st.download_button(
            t("data.export.download", L, name=name),
            data=data,
            file_name=name,
            mime=mime(f),
            key="data_export_download",
        )


if section == "overview":
    overview()
elif section == "import":
    import_section()
else:
    export_section()
