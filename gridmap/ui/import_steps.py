"""The import wizard's steps on the Data page, one function each: the file as read, saved
mappings, columns, fixed values, categories, coordinate system (with the sample on a map),
saving the mapping, and the import itself.

Each step draws its widgets and returns what it decided; the decisions that need no widget
(admin level from the file name, the lon/lat swap, ...) are in
:mod:`gridmap.importing.preview`. Widget keys are the constants of :mod:`gridmap.ui.upload`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import streamlit as st

from .. import schema
from ..errors import GridmapError
from ..i18n import t
from ..importing.preview import (
    FilePreview,
    SavedMapping,
    apply_saved,
    category_counts,
    default_code,
    explicit_mapping,
    fixed_value_fields,
    guess_admin_level,
    swap_lonlat,
    unclassified_rows,
)
from . import keys
from . import upload as up
from .import_text import crs_label, field_label, fit_text

__all__ = [
    "Columns",
    "CrsStep",
    "step_categories",
    "step_columns",
    "step_crs",
    "step_fixed_values",
    "step_read",
    "step_saved_pick",
]


def use_suggestion(crs: str, swapped: bool) -> None:
    """Put a suggested coordinate system (and lon/lat swap) into the widgets."""
    if crs.startswith("EPSG:"):
        st.session_state[up.KEY_CRS] = "epsg"
        st.session_state[up.KEY_EPSG] = crs.split(":", 1)[1]
    else:
        st.session_state[up.KEY_CRS] = crs
    st.session_state[up.KEY_SWAP] = swapped


def apply_mapping(path: str, name: str, kind: str, columns: list[str]) -> None:
    """Fill the column, category and CRS widgets from the saved mapping ``name``."""
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
    st.session_state[keys.KEY_DATA_MAPPING_MISSING] = missing


# --- ① the file as read -------------------------------------------------------------------
def step_read(preview: FilePreview, number: Iterator[str], lang: str) -> None:
    """Rows, encoding, separator, bad lines and CRS of the file; its first rows."""
    st.subheader(f"{next(number)} {t('data.step.read', lang)}")
    bits = [t("data.read.rows", lang, n=preview.n_rows, name=preview.name)]
    if preview.encoding:
        bits.append(t("data.read.encoding", lang, enc=preview.encoding))
    if preview.separator:
        sep = {"\t": "Tab", ",": ",", ";": ";", "|": "|"}.get(preview.separator, preview.separator)
        bits.append(t("data.read.sep", lang, sep=sep))
    if preview.bad_lines:
        bits.append(t("data.read.bad", lang, n=preview.bad_lines))
    if preview.file_crs:
        bits.append(t("data.read.crs", lang, crs=preview.file_crs))
    st.caption(" · ".join(bits))
    if len(preview.columns):
        st.dataframe(preview.head(8), hide_index=True, width="stretch", height=250)
    else:
        st.caption(t("data.read.nocols", lang))


def step_saved_pick(
    path: str, kind: str, preview: FilePreview, saved: list[SavedMapping], lang: str
) -> None:
    """Pick a saved mapping and apply it to the widgets (nothing when none is saved)."""
    if not saved:
        return
    c1, c2 = st.columns([3, 1])
    pick = c1.selectbox(
        t("data.saved.pick", lang),
        [m.name for m in saved],
        index=None,
        placeholder=t("data.saved.placeholder", lang),
        key=up.KEY_MAP_PICK,
    )
    c2.write("")
    c2.button(
        t("data.saved.apply", lang),
        key=up.KEY_MAP_APPLY,
        disabled=pick is None,
        on_click=apply_mapping,
        args=(path, pick or "", kind, preview.columns),
    )
    missing = st.session_state.pop(keys.KEY_DATA_MAPPING_MISSING, None)
    if missing:
        st.warning(t("data.saved.missing", lang, cols=", ".join(missing)))


# --- ② columns ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Columns:
    """The column step's outcome.

    ``chosen``: FIELD -> column as picked ("" for none); ``explicit``: the importer's
    COLUMN -> FIELD (lon/lat exchanged when ``swapped``); ``problems``: messages that block
    the import.
    """

    chosen: dict[str, str]
    explicit: dict[str, str]
    swapped: bool
    problems: list[str] = field(default_factory=list)

    @property
    def mapping(self) -> dict[str, str]:
        """FIELD -> column for the fields with a column."""
        return {f: c for f, c in self.chosen.items() if c}


def step_columns(preview: FilePreview, kind: str, number: Iterator[str], lang: str) -> Columns:
    """One dropdown per field, prefilled by header recognition; the lon/lat swap box."""
    st.subheader(f"{next(number)} {t('data.step.columns', lang)}")
    st.caption(t("data.columns.help", lang))
    options = ["", *preview.columns]
    chosen: dict[str, str] = {}
    grid = st.columns(3)
    for i, spec in enumerate(schema.FIELDS[kind]):
        key = up.field_key(spec.name)
        if key not in st.session_state:
            st.session_state[key] = preview.auto.get(spec.name, "")
        if st.session_state[key] not in options:
            st.session_state[key] = ""
        label = field_label(spec.name, lang) + (" *" if spec.required else "")
        chosen[spec.name] = grid[i % 3].selectbox(
            label,
            options,
            format_func=lambda c: c if c else t("data.column.none", lang),
            key=key,
        )
    explicit: dict[str, str] = {}
    problems: list[str] = []
    try:
        explicit = explicit_mapping(chosen, preview)
    except GridmapError as exc:
        problems.append(up.error_text(str(exc), lang))
    cleared = [f for f, c in preview.auto.items() if not chosen.get(f)]
    if cleared:
        st.caption(t("data.columns.cleared", lang, fields=", ".join(cleared)))
    swapped = False
    if kind in schema.POINT_KINDS:
        swapped = st.checkbox(t("data.swap", lang), key=up.KEY_SWAP)
        if swapped:
            explicit = swap_lonlat(explicit, chosen)
    return Columns(chosen, explicit, swapped, problems)


def step_fixed_values(
    preview: FilePreview, kind: str, chosen: dict[str, str], lang: str
) -> dict[str, str]:
    """Fixed values for fields without a column (bare boundary files have none)."""
    set_values: dict[str, str] = {}
    const_fields = fixed_value_fields(kind, chosen)
    if not const_fields:
        return set_values
    with st.expander(t("data.const", lang), expanded=not chosen.get("code")):
        st.caption(t("data.const.help", lang))
        ccols = st.columns(len(const_fields))
        for col, fld in zip(ccols, const_fields, strict=True):
            value = _fixed_value(col, fld, preview, lang)
            if value and value.strip():
                set_values[fld] = value.strip()
    return set_values


def _fixed_value(col: Any, fld: str, preview: FilePreview, lang: str) -> str | None:
    """One fixed-value widget: a dropdown for the level or grid type, else a text box."""
    key = up.const_key(fld)
    if fld not in ("level", "grid_type"):
        if key not in st.session_state:
            st.session_state[key] = (
                default_code(preview.name, preview.n_rows) if fld == "code" else ""
            )
        text: str | None = col.text_input(field_label(fld, lang), key=key)
        return text
    enum = schema.ADMIN_LEVELS if fld == "level" else schema.GRID_TYPES
    if key not in st.session_state:
        st.session_state[key] = guess_admin_level(preview.name) if fld == "level" else ""

    def label(code: str) -> str:
        return enum.label(code, lang) if code else "—"

    options: list[str] = ["", *enum.codes]
    picked: str | None = col.selectbox(field_label(fld, lang), options, format_func=label, key=key)
    return picked


# --- ③ categories ---------------------------------------------------------------------------
def step_categories(
    preview: FilePreview, kind: str, chosen: dict[str, str], number: Iterator[str], lang: str
) -> dict[str, str]:
    """Source value -> category for the 30 most frequent values (incidents with a category
    column only; nothing drawn otherwise)."""
    categories: dict[str, str] = {}
    cat_col = chosen.get("category")
    if kind != "incidents" or not cat_col:
        return categories
    st.subheader(f"{next(number)} {t('data.step.categories', lang)}")
    counts = category_counts(preview, cat_col)
    shown = counts.head(30)
    codes = [*schema.CATEGORIES.codes, schema.UNCLASSIFIED.code]
    ccols = st.columns(3)
    rows = zip(shown["value"].astype(str), shown["count"], shown["category"], strict=True)
    for i, (value, n, detected) in enumerate(rows):
        key = up.cat_key(value)
        if key not in st.session_state:
            st.session_state[key] = detected
        picked: str = ccols[i % 3].selectbox(
            f"{value or t('data.blank', lang)}  ({n:,})",
            codes,
            format_func=lambda c: schema.CATEGORIES.label(c, lang),
            key=key,
        )
        categories[value] = picked
    rest = counts.iloc[len(shown) :]
    st.caption(
        t("data.categories.summary", lang, n=len(counts), u=unclassified_rows(counts, categories))
        + (t("data.categories.rest", lang, n=len(rest)) if len(rest) else "")
    )
    return categories


# --- ④ coordinate system --------------------------------------------------------------------
@dataclass(frozen=True)
class CrsStep:
    """The coordinate-system step's outcome: the importer's ``crs`` (None: the file's own),
    (share inside, distance in m) when most of the sample lies outside the city, and
    messages that block the import."""

    crs: str | None
    outside: tuple[float, float] | None
    problems: list[str]


def step_crs(
    path: str,
    preview: FilePreview,
    kind: str,
    cols: Columns,
    number: Iterator[str],
    lang: str,
) -> CrsStep:
    """Choose the coordinate system; see the sample under it on the map, with a warning when
    it lands outside the city and a suggestion when another system fits clearly better."""
    st.subheader(f"{next(number)} {t('data.step.crs', lang)}")
    crs_opts = up.crs_options(preview)
    if st.session_state.get(up.KEY_CRS) not in crs_opts:
        st.session_state[up.KEY_CRS] = crs_opts[0]
    c1, c2 = st.columns([2, 1])
    choice = c1.selectbox(
        t("data.crs", lang),
        crs_opts,
        format_func=lambda c: crs_label(c, preview, lang),
        key=up.KEY_CRS,
    )
    epsg = ""
    if choice == "epsg":
        epsg = c2.text_input(t("data.crs.epsg.code", lang), key=up.KEY_EPSG, placeholder="4549")
    problems: list[str] = []
    crs: str | None = None
    try:
        crs = up.crs_text(choice, epsg, preview)
    except GridmapError as exc:
        problems.append(up.error_text(str(exc), lang))
    outside = None
    if not cols.problems and not problems:
        outside = _sample_on_map(path, preview, kind, cols, crs, lang)
    return CrsStep(crs, outside, problems)


def _sample_on_map(
    path: str, preview: FilePreview, kind: str, cols: Columns, crs: str | None, lang: str
) -> tuple[float, float] | None:
    """The scored fit, the outside-the-city warning, a suggestion and the map."""
    ref = up.load_reference(path, kind)
    chosen_text = crs or (preview.file_crs or "wgs84")
    mapping, swapped = cols.mapping, cols.swapped
    guess = up.crs_guess(preview, mapping, ref, chosen=chosen_text, swapped=swapped)
    try:
        deck, n_drawn = up.preview_deck(path, preview, crs=crs, mapping=mapping, swapped=swapped)
    except GridmapError as exc:
        st.error(up.error_text(str(exc), lang))
        deck, n_drawn = None, 0
    if guess is not None and guess.chosen is not None:
        c = guess.chosen
        facts = [t("data.crs.drawn", lang, n=n_drawn)]
        if c.inside == c.inside:
            facts.append(t("data.crs.inside", lang, p=f"{c.inside:.0%}"))
        if c.distance_m == c.distance_m and c.distance_m < 1e8:
            facts.append(t("data.crs.distance", lang, m=f"{c.distance_m:,.0f}"))
        st.caption(" · ".join(facts))
    outside = up.mostly_outside(preview, mapping, ref, crs=crs, swapped=swapped)
    if outside is not None:
        # Not a grey caption: a file far from the city is almost always a wrong
        # coordinate system or a wrong file, and the import asks for a confirmation.
        what = "polygons" if preview.geometry is not None else "points"
        st.warning(
            t(
                "data.outside.warning",
                lang,
                what=t(f"data.outside.{what}", lang),
                inside=f"{outside[0]:.0%}",
                dist=up.distance_text(outside[1], lang),
            ),
            icon=":material/wrong_location:",
        )
    if guess is not None and guess.suggest is not None:
        _suggestion(guess, preview, lang)
    if deck is not None:
        st.pydeck_chart(deck, key=up.KEY_PREVIEW_MAP, height=460)
        st.caption(t("data.crs.legend", lang))
    return outside


def _suggestion(guess: Any, preview: FilePreview, lang: str) -> None:
    """Another coordinate system (or the lon/lat swap) fits clearly better: say so, offer it."""
    s = guess.suggest
    label = crs_label(s.crs, preview, lang) if not s.crs.startswith("EPSG:") else s.crs
    if s.swapped:
        label += " · " + t("data.swap", lang)
    why = t(f"data.suggest.{guess.reasons[0]}", lang) if guess.reasons else ""
    st.warning(
        t("data.suggest", lang, crs=label, why=why)
        + "\n\n"
        + t("data.suggest.compare", lang, now=fit_text(guess.chosen, lang), then=fit_text(s, lang))
    )
    st.button(
        t("data.suggest.use", lang, crs=label),
        key=keys.KEY_DATA_SUGGEST_USE,
        on_click=use_suggestion,
        args=(s.crs, s.swapped),
    )
