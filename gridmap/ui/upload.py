"""Streamlit glue of the Data page's import flow: stash an upload, preview it, import it.

The uploaded bytes are checked (size, type) and written to a private temporary folder under
their own name, so that reports and the import log name the user's file. The page keeps the
stashed file in ``st.session_state[KEY_FILE]``; tests put a file there directly (AppTest has
no file uploader) and the browser test goes through the real uploader.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from .. import schema
from ..crs import parse_crs
from ..errors import GridmapError
from ..i18n import LANGS
from ..importing import import_file, rejects_folder
from ..importing.preview import (
    CrsGuess,
    FilePreview,
    Reference,
    SavedMapping,
    allowed_suffixes,
    guess_crs,
    list_parts,
    load_mappings,
    preview_file,
    raw_xy,
    reference_for,
)
from ..store import Workspace
from .auth import audit
from .data import _stamp

__all__ = [
    "KEY_CATS",
    "KEY_CRS",
    "KEY_EPSG",
    "KEY_FILE",
    "KEY_KIND",
    "KEY_RESULT",
    "KEY_UPLOADER",
    "MAX_UPLOAD_MB",
    "Stashed",
    "crs_guess",
    "current_user",
    "field_key",
    "load_preview",
    "load_reference",
    "publish_draft",
    "run_import",
    "saved_mappings",
    "stash_bytes",
]

#: Largest file accepted through the browser (Streamlit's own limit is 200 MB too).
MAX_UPLOAD_MB = 200

KEY_SECTION = "data_section"
KEY_KIND = "data_kind"
KEY_UPLOADER = "data_upload"
KEY_FILE = "data_file"
KEY_PART = "data_part"
KEY_CRS = "data_crs"
KEY_EPSG = "data_epsg"
KEY_SWAP = "data_swap"
KEY_CATS = "data_cats"
KEY_RESULT = "data_result"
KEY_IMPORT = "data_import"
KEY_PUBLISH = "data_publish"
KEY_EFFECTIVE = "data_effective"
KEY_PROBLEMS = "data_problems"
KEY_PROBLEM_MAP = "data_problem_map"
KEY_PREVIEW_MAP = "data_preview_map"
KEY_MAP_NAME = "data_mapping_name"
KEY_MAP_SAVE = "data_mapping_save"
KEY_MAP_PICK = "data_mapping_pick"
KEY_MAP_APPLY = "data_mapping_apply"
KEY_EXPORT_LAYER = "data_export_layer"
KEY_EXPORT_VERSION = "data_export_version"
KEY_EXPORT_FORMAT = "data_export_format"
KEY_EXPORT_CRS = "data_export_crs"
KEY_EXPORT_ENCODING = "data_export_encoding"
KEY_EXPORT_GO = "data_export_go"
KEY_EXPORT_FILE = "data_export_file"
KEY_DRAFT_PICK = "data_draft_pick"
KEY_OUTSIDE_OK = "data_outside_ok"

#: Below this share of a sample inside the workspace, the import asks for a confirmation.
MOSTLY_OUTSIDE = 0.5


def field_key(field: str) -> str:
    """Session key of the column dropdown for a canonical field."""
    return f"data_map_{field}"


def const_key(field: str) -> str:
    """Session key of the fixed-value input for a canonical field."""
    return f"data_const_{field}"


def cat_key(value: str) -> str:
    """Session key of the category dropdown for one source value (stable, any text)."""
    return "data_cat_" + hashlib.sha1(value.encode("utf-8")).hexdigest()[:12]


@dataclass(frozen=True)
class Stashed:
    """An uploaded file written to disk: where, under what name, and its content digest."""

    path: str
    name: str
    digest: str
    size: int
    from_uploader: bool = False


class UploadError(GridmapError, ValueError):
    """An upload that is too large or of a type the importer does not read."""


def _safe_name(name: str) -> str:
    base = Path(name.replace("\\", "/")).name.strip() or "upload"
    return re.sub(r"[\x00-\x1f/:*?\"<>|]", "_", base)


def stash_bytes(
    name: str, data: bytes, kind: str, *, root: Path | None = None, from_uploader: bool = False
) -> Stashed:
    """Check an upload (size, type) and write it to a private folder under its own name.

    Raises :class:`UploadError` with one line naming the file and what is allowed.
    """
    name = _safe_name(name)
    allowed = allowed_suffixes(kind)
    suffix = Path(name).suffix.lower().lstrip(".")
    if suffix not in allowed:
        raise UploadError(
            f"{name}: file type .{suffix or '?'} cannot be imported as {kind}; "
            f"allowed: {', '.join('.' + s for s in allowed)}"
            + (
                " (a Shapefile as a .zip holding .shp, .shx, .dbf, .prj)"
                if "zip" in allowed
                else ""
            )
        )
    if not data:
        raise UploadError(f"{name}: the file is empty")
    if len(data) > MAX_UPLOAD_MB * 1024 * 1024:
        raise UploadError(
            f"{name}: {len(data) / 1024 / 1024:,.0f} MB is larger than the {MAX_UPLOAD_MB} MB "
            "allowed through the browser; use `gridmap import` for larger files"
        )
    digest = hashlib.sha1(data).hexdigest()[:16]
    base = root or Path(tempfile.gettempdir()) / f"gridmap-uploads-{os.getuid()}"
    folder = base / digest
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = folder / name
    if not path.exists() or path.stat().st_size != len(data):
        tmp = folder / f".{name}.part"
        tmp.write_bytes(data)
        os.replace(tmp, path)
    return Stashed(str(path), name, digest, len(data), from_uploader)


# --- cached reads ------------------------------------------------------------------------------


@st.cache_data(show_spinner=False, max_entries=6)
def _preview(path: str, kind: str, digest: str, part: str | None) -> FilePreview:
    is_table = kind in schema.POINT_KINDS
    return preview_file(
        path, kind, sheet=part if is_table else None, layer=None if is_table else part
    )


def load_preview(stashed: Stashed, kind: str, part: str | None = None) -> FilePreview:
    """The file as read (cached by content digest, kind and sheet/layer). Raises GridmapError."""
    return _preview(stashed.path, kind, stashed.digest, part)


@st.cache_data(show_spinner=False, max_entries=6)
def _parts(path: str, digest: str) -> list[str]:
    return list_parts(path)


def file_parts(stashed: Stashed) -> list[str]:
    """Worksheets or layers to choose from (empty when the file has one)."""
    return _parts(stashed.path, stashed.digest)


@st.cache_resource(show_spinner=False, max_entries=6)
def _reference(path: str, stamp: float, kind: str) -> Reference:
    # A read-only index (outline, vertex and point arrays), hence a resource.
    return reference_for(Workspace(path), kind)


def load_reference(ws_path: str, kind: str) -> Reference:
    return _reference(str(ws_path), _stamp(ws_path), kind)


def crs_guess(
    preview: FilePreview,
    mapping: dict[str, str],
    ref: Reference,
    *,
    chosen: str,
    swapped: bool,
) -> CrsGuess | None:
    """Score the chosen coordinate system against the alternatives (None: nothing to score)."""
    import numpy as np
    import shapely

    parts = None
    try:
        if preview.geometry is not None:
            # Up to 60 polygons, up to 60 vertices each: enough to tell a 150 m shift.
            geoms = preview.geometry.values
            geoms = geoms[np.linspace(0, len(geoms) - 1, min(len(geoms), 60)).astype(int)]
            xy, parts = shapely.get_coordinates(geoms, return_index=True)
            keep = np.zeros(len(xy), dtype=bool)
            for part in np.unique(parts):
                where = np.flatnonzero(parts == part)
                keep[where[:: max(1, len(where) // 60)]] = True
            xy, parts = xy[keep], parts[keep]
            x, y = xy[:, 0], xy[:, 1]
        else:
            x, y = raw_xy(preview, mapping)
    except GridmapError:
        return None
    if not len(x):
        return None
    return _guess(preview.name, preview.n_rows, x, y, parts, ref, chosen, swapped)


_GUESSES: dict[tuple[Any, ...], CrsGuess] = {}


def _guess(
    name: str,
    n: int,
    x: Any,
    y: Any,
    parts: Any,
    ref: Reference,
    chosen: str,
    swapped: bool,
) -> CrsGuess:
    # Every widget change reruns the page; the guess depends only on these inputs.
    key = (name, n, id(ref), hash(x.tobytes()), hash(y.tobytes()), chosen, swapped)
    found = _GUESSES.get(key)
    if found is None:
        if len(_GUESSES) > 32:
            _GUESSES.clear()
        found = guess_crs(x, y, ref, chosen=chosen, chosen_swapped=swapped, parts=parts)
        _GUESSES[key] = found
    return found


@st.cache_data(show_spinner=False, max_entries=4)
def _version(path: str, stamp: float, version: int) -> Any:
    return Workspace(path).read_grids(version)


def load_version(ws_path: str, version: int) -> Any:
    """The grids of one version (cached by file time)."""
    return _version(str(ws_path), _stamp(ws_path), version)


def saved_mappings(ws_path: str, kind: str) -> list[SavedMapping]:
    return _saved(str(ws_path), _stamp(ws_path), kind)


@st.cache_data(show_spinner=False, max_entries=8)
def _saved(path: str, stamp: float, kind: str) -> list[SavedMapping]:
    return load_mappings(Workspace(path), kind)


# --- actions -----------------------------------------------------------------------------------
def current_user(ws_path: str) -> str:
    """Who acts: the signed-in user (``local`` when the workspace runs without logins)."""
    from .auth import LOCAL
    from .auth import current_user as signed_in

    user = signed_in(ws_path) or LOCAL
    return user.username


def run_import(
    ws_path: str,
    stashed: Stashed,
    kind: str,
    *,
    crs: str | None,
    mapping: dict[str, str],
    categories: dict[str, str] | None,
    set_values: dict[str, str],
    part: str | None = None,
    progress: Any = None,
) -> dict[str, Any]:
    """Import and return what the page shows: counts, notes, rejects, validation.

    Grids always come in as a draft: nothing replaces the published version until the user
    publishes it. Raises :class:`GridmapError` (one line) for anything the importer rejects.
    """
    rejects_dir = rejects_folder(ws_path)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    report = import_file(
        ws_path,
        kind,
        stashed.path,
        crs=crs,
        mapping=mapping or None,
        category_mapping=categories or None,
        set_values=set_values or None,
        draft=kind == "grids",
        sheet=part if kind in schema.POINT_KINDS else None,
        layer=None if kind in schema.POINT_KINDS else part,
        rejects_path=rejects_dir / f"{kind}-{Path(stashed.name).stem}-{stamp}.csv",
        user=current_user(ws_path),
        progress=progress,
    )
    audit(
        ws_path,
        "import",
        target=stashed.name,
        version=report.version,
        detail={
            "kind": kind,
            "crs": report.crs,
            "rows_read": report.rows_read,
            "imported": report.imported,
            "rejected": report.rejected,
            "unclassified": report.unclassified,
        },
    )
    issues = report.issues
    problems = None
    problem_text: dict[str, list[str]] = {}
    if report.validation is not None:
        problems = report.validation.to_frame()
        # The validator's sentences in each language, in the frame's order (a page can
        # switch language after the import).
        problem_text = {
            lang: report.validation.to_frame(lang)["message"].astype(str).tolist() for lang in LANGS
        }
    return {
        "kind": kind,
        "file": stashed.name,
        "digest": stashed.digest,
        "report": report.to_dict(),
        "notes": {lang: report.notes_text(lang) for lang in LANGS},
        "issues": issues,
        "problems": problems,
        "problem_text": problem_text,
    }


def mostly_outside(
    preview: FilePreview,
    mapping: Mapping[str, str],
    ref: Reference,
    *,
    crs: str | None,
    swapped: bool,
) -> tuple[float, float] | None:
    """(share inside, median distance in metres of the rest) when most of the file, read with
    ``crs``, lies outside the workspace's city; None when it fits or nothing can be compared.

    Measured as the importer will judge it (:func:`gridmap.importing.preview.city_fit`:
    the city margin, geodesic distances), so the warning and the rejects agree."""
    from ..importing.preview import city_fit, sample_points, sample_polygons

    try:
        if preview.geometry is not None:
            sample: Any = sample_polygons(preview, crs)
        else:
            sample = sample_points(preview, mapping, crs or "wgs84", swapped=swapped)
    except GridmapError:
        return None  # the coordinate system is wrong: said elsewhere on the page
    fit = city_fit(ref, sample)
    if not fit.mostly_outside:
        return None
    return fit.inside, fit.outside_km * 1000.0


def distance_text(metres: float, lang: str) -> str:
    """A distance as people say it: "1,663 公里", "2.4 km", "350 m"."""
    from ..i18n import t

    if metres != metres or metres >= 1e8:
        return "—"
    if metres >= 10_000:
        return t("data.km", lang, km=f"{metres / 1000:,.0f}")
    if metres >= 1_000:
        return t("data.km", lang, km=f"{metres / 1000:.1f}")
    return t("data.m", lang, m=f"{metres:,.0f}")


#: Messages raised on this page's own path (the upload check, the column and CRS choices of
#: the preview) -> their i18n key; named groups fill the translated text. The readers' and
#: importers' messages are translated by :func:`gridmap.io.messages.error_text`.
_ERRORS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(p), k)
    for p, k in (
        (
            r"^(?P<name>.+?): file type \.(?P<suffix>[^ ]*) cannot be imported as (?P<kind>\w+); "
            r"allowed: (?P<allowed>[^(]+?)(?: \(.*)?$",
            "data.err.type",
        ),
        (r"^(?P<name>.+?): (?P<mb>[\d,]+) MB is larger than the (?P<max>\d+) MB", "data.err.size"),
        (
            r"^(?P<name>.+?): coordinates up to (?P<v>[\d,.]+) are not degrees",
            "data.err.projected",
        ),
        (r"^(?P<name>.+?): choose the columns for lon", "data.err.lonlat"),
        (
            r"^(?P<name>.+?): column (?P<col>.+) is chosen for both (?P<a>\w+) and (?P<b>\w+);",
            "data.err.both",
        ),
        (r"^(?P<name>.+?): a table has no polygons", "data.err.table_polygons"),
        (r"^EPSG code: empty", "data.err.epsg"),
    )
)


def error_text(message: str, lang: str) -> str:
    """A reader's, importer's or this page's one-line message in ``lang``.

    The readers and importers speak English (the CLI's language): their messages go through
    :func:`gridmap.io.messages.error_text`; the page's own (upload check, column and CRS
    choices) are translated here. In Chinese, a message neither knows is introduced in
    Chinese and kept as written, so nothing is lost.
    """
    from ..i18n import t
    from ..io.messages import error_text as reader_text

    if lang != "zh":
        return message
    translated = reader_text(message, lang)
    if translated != message:
        return translated
    for pattern, key in _ERRORS:
        m = pattern.match(message)
        if m is None:
            continue
        params = {k: v for k, v in m.groupdict().items() if v is not None}
        if "kind" in params:
            params["kind"] = t(f"layer.{params['kind']}", lang)
        if "allowed" in params:
            params["allowed"] = params["allowed"].strip()
        return t(key, lang, **params)
    return t("data.err.other", lang, msg=message)


def publish_draft(ws_path: str, version: int, effective: dt.date) -> None:
    """Put a draft grid version in force (the old one is archived; incidents re-assigned)."""
    from ..analytics.rebalance import publish_version

    publish_version(Workspace(ws_path), version, effective)
    audit(ws_path, "publish", version=version, detail={"effective": effective.isoformat()})


def crs_options(preview: FilePreview) -> list[str]:
    """Coordinate systems offered for a file: its own first when it has one."""
    opts = ["wgs84", "gcj02", "bd09", "epsg"]
    return (["file"] if preview.file_crs else []) + opts


def crs_text(choice: str, epsg: str, preview: FilePreview) -> str | None:
    """The importer's ``crs`` argument for a dropdown choice (None: the file's own)."""
    if choice == "file":
        return None
    if choice == "epsg":
        code = epsg.strip()
        if not code:
            raise UploadError("EPSG code: empty; type a number such as 4549 or 32648")
        return parse_crs(code).label
    return choice


#: English reason prefixes of the importers (gridmap.io.rejects) -> i18n keys.
_REASONS: tuple[tuple[str, str], ...] = (
    ("no coordinates: kept", "import.reason.unlocated"),
    ("no coordinates (0, 0", "data.reason.zero"),
    ("no coordinates", "data.reason.no_xy"),
    ("merged ", "import.reason.merged"),
    ("duplicate code with conflicting", "import.reason.conflict"),
    ("unparseable coordinates", "data.reason.bad_xy"),
    ("coordinates out of range", "data.reason.range"),
    ("outside China", "data.reason.china"),
    ("cannot convert", "data.reason.convert"),
    ("outside the city", "data.reason.city"),
    ("missing time", "data.reason.no_time"),
    ("unparseable time", "data.reason.bad_time"),
    ("unparseable date", "data.reason.bad_time"),
    ("closed before it occurred", "data.reason.closed_before"),
    ("missing id", "data.reason.no_id"),
    ("duplicate id (already in the workspace)", "data.reason.dup_ws"),
    ("duplicate id", "data.reason.dup_id"),
    ("missing code", "data.reason.no_code"),
    ("duplicate code", "data.reason.dup_code"),
    ("missing level", "data.reason.no_level"),
    ("unknown", "data.reason.unknown"),
    ("not a number", "data.reason.number"),
    ("not a whole number", "data.reason.number"),
    ("no geometry", "data.reason.no_geom"),
    ("not a polygon", "data.reason.not_polygon"),
    ("invalid geometry repaired", "data.reason.repaired"),
    ("invalid geometry with no area", "data.reason.no_area"),
    ("cannot split into columns", "data.reason.split"),
)
_ACTIONS = {
    "rejected": "data.action.rejected",
    "kept, value cleared": "data.action.cleared",
    "kept, repaired": "data.action.repaired",
    "kept, merged": "import.action.merged",
    "kept, no location": "import.action.unlocated",
}


def reason_text(reason: str, lang: str) -> str:
    """An importer's reason in the user's language; details (allowed values, rows) kept."""
    from ..i18n import t

    if lang != "zh":
        return reason
    for prefix, key in _REASONS:
        if reason.startswith(prefix):
            if key in _SELF_CONTAINED:
                return t(key, lang)
            rest = reason[len(prefix) :].strip()
            rest = re.sub(r"\(first at row (\d+)\)", r"（首次出现在第 \1 行）", rest)
            rest = re.sub(r"^attributes \(rows (.+) differ in (.+)\)$", r"：第 \1 行的\2不同", rest)
            rest = re.sub(
                r"^\(grid (.+): no grid has this code or unique name\)$",
                r"（所属网格 \1：没有此编码或唯一名称的网格）",
                rest,
            )
            rest = re.sub(
                r"^(\d+) rows into 1 \w+: (.+) \(rows (.+); same code and attributes\)$",
                r"：\2（第 \3 行，共 \1 行）",
                rest,
            )
            rest = re.sub(r"^without a location in grid (.+)$", r"：网格 \1", rest)
            rest = re.sub(r"\(allowed: ", "（允许：", rest)
            glue = "" if rest.startswith(("：", "（")) else " "
            return t(key, lang) + (f"{glue}{rest}" if rest else "")
    return reason


#: Reasons whose Chinese text already says everything the English tail adds.
_SELF_CONTAINED = frozenset(
    {"data.reason.zero", "data.reason.range", "data.reason.china", "data.reason.city"}
)


def action_text(action: str, lang: str) -> str:
    from ..i18n import t

    key = _ACTIONS.get(action)
    return t(key, lang) if key else action


def rejects_csv(issues: pd.DataFrame, lang: str = "en") -> bytes:
    """The rejects table as a UTF-8 CSV with BOM (opens correctly in Excel).

    The importer's columns stay as they are (the same file ``gridmap import`` writes); in
    Chinese a translated reason column is added for the operator.
    """
    out = issues.copy()
    if lang == "zh" and len(out):
        out["原因"] = out["reason"].astype(str).map(lambda r: reason_text(r, lang))
        out["处理"] = out["action"].astype(str).map(lambda a: action_text(a, lang))
    return out.to_csv(index=False).encode("utf-8-sig")


def kinds() -> tuple[str, ...]:
    return schema.LAYER_KINDS


# --- maps ----------------------------------------------------------------------------------------
SAMPLE_RGB = (220, 30, 30)
PROBLEM_RGB = (215, 25, 28)


@st.cache_data(show_spinner=False, max_entries=16)
def _payload(path: str, stamp: float, layer: str, level: str | None, props: tuple[str, ...]) -> Any:
    from ..viz import geojson_payload
    from .data import load_layer

    gdf = load_layer(path, layer)
    if level is not None and len(gdf):
        gdf = gdf[gdf["level"] == level]
    return geojson_payload(gdf, properties=list(props)) if len(gdf) else None


def outline_layer(
    ws_path: str,
    layer: str,
    level: str | None,
    *,
    layer_id: str,
    properties: tuple[str, ...],
    line_rgb: list[int],
    line_width_px: float,
    fill_rgba: list[int] | None = None,
    pickable: bool = False,
) -> Any:
    """An outline layer of a stored layer (admin level or grids in force), payload cached.

    The same drawing as :func:`gridmap.viz.boundary_layer`; the simplified GeoJSON is
    cached by the workspace file time, so reruns of the page do not rebuild it.
    """
    import pydeck as pdk

    data = _payload(str(ws_path), _stamp(ws_path), layer, level, properties)
    if data is None:
        return None
    return pdk.Layer(
        "GeoJsonLayer",
        id=layer_id,
        data=data,
        stroked=True,
        filled=fill_rgba is not None,
        get_fill_color=fill_rgba or [0, 0, 0, 0],
        get_line_color=line_rgb,
        get_line_width=0,
        line_width_min_pixels=line_width_px,
        pickable=pickable,
        auto_highlight=pickable,
    )


def _context_layers(ws_path: str) -> tuple[list[Any], Any]:
    """Outlines of the workspace's districts (else communities, else grids) and their frame."""
    from ..viz import LEVEL_COLOURS
    from .data import load_layer

    layers: list[Any] = []
    frame = None
    if not Workspace(ws_path).exists:
        return layers, frame
    admin = load_layer(ws_path, "admin")
    if len(admin):
        for level in ("district", "community"):
            part = admin[admin["level"] == level]
            if len(part):
                layers.append(
                    outline_layer(
                        ws_path,
                        "admin",
                        level,
                        layer_id=f"ctx-{level}",
                        properties=("code", "name"),
                        line_rgb=LEVEL_COLOURS[level],
                        line_width_px=2.0 if level == "district" else 0.6,
                    )
                )
                frame = part if frame is None else frame
    if frame is None:
        grids = load_layer(ws_path, "grids")
        if len(grids):
            layers.append(
                outline_layer(
                    ws_path,
                    "grids",
                    None,
                    layer_id="ctx-grids",
                    properties=("code",),
                    line_rgb=LEVEL_COLOURS["grid"],
                    line_width_px=0.8,
                )
            )
            frame = grids
    return layers, frame


def preview_deck(
    ws_path: str, preview: FilePreview, *, crs: str | None, mapping: dict[str, str], swapped: bool
) -> tuple[Any, int]:
    """A deck of the sample under ``crs`` over the workspace boundaries; and how many drawn."""
    import geopandas as gpd
    import shapely

    from ..importing.preview import sample_points, sample_polygons
    from ..viz import boundary_layer, make_deck, point_layer, view_for

    layers, frame = _context_layers(ws_path)
    if preview.geometry is not None:
        polys = sample_polygons(preview, crs)
        gdf = gpd.GeoDataFrame({"n": range(len(polys))}, geometry=polys.values, crs=4326)
        layers.append(
            boundary_layer(
                gdf,
                layer_id="sample",
                properties=["n"],
                line_rgb=list(SAMPLE_RGB),
                fill_rgba=[*SAMPLE_RGB, 40],
                line_width_px=1.5,
                pickable=False,
            )
        )
        shown = gdf
    else:
        pts = sample_points(preview, mapping, crs or "wgs84", swapped=swapped)
        layers.append(
            point_layer(
                [{"lon": a, "lat": b} for a, b in zip(pts["lon"], pts["lat"], strict=True)],
                layer_id="sample",
                rgb=SAMPLE_RGB,
                radius_px=3,
            )
        )
        shown = gpd.GeoDataFrame(geometry=gpd.points_from_xy(pts["lon"], pts["lat"]), crs=4326)
    # Fit the view to the sample as given, padded by more than any GCJ-02/BD-09 offset, so
    # that switching between WGS-84, GCJ-02 and BD-09 moves the points against the
    # boundaries on a still map; projected files fit the converted sample.
    focus = shown if len(shown) else (frame if frame is not None else shown)
    raw = _raw_bounds(preview, mapping, swapped)
    if raw is not None:
        x0, y0, x1, y1 = raw
        pad = 0.006
        box = shapely.box(x0 - pad, y0 - pad, x1 + pad, y1 + pad)
        if len(shown):
            box = shapely.union(box, shapely.box(*shown.total_bounds))
        focus = gpd.GeoDataFrame(geometry=[box], crs=4326)
    deck = make_deck(layers, view_for(focus, width_px=700, height_px=460), tooltip=False)
    return deck, len(shown)


def _raw_bounds(
    preview: FilePreview, mapping: dict[str, str], swapped: bool
) -> tuple[float, float, float, float] | None:
    """Bounds of the sample's coordinates as written in the file, when they are degrees."""
    import numpy as np

    try:
        if preview.geometry is not None:
            x0, y0, x1, y1 = (float(v) for v in preview.geometry.total_bounds)
        else:
            x, y = raw_xy(preview, mapping)
            if swapped:
                x, y = y, x
            ok = (np.abs(x) <= 180) & (np.abs(y) <= 90)
            if not ok.any():
                return None
            x0, x1 = float(np.nanmin(x[ok])), float(np.nanmax(x[ok]))
            y0, y1 = float(np.nanmin(y[ok])), float(np.nanmax(y[ok]))
    except GridmapError:
        return None
    if not all(np.isfinite([x0, y0, x1, y1])) or max(abs(x0), abs(x1)) > 180:
        return None
    if max(abs(y0), abs(y1)) > 90:
        return None
    return x0, y0, x1, y1


def problem_deck(ws_path: str, version: int, problems: Any, selected: int | None) -> Any:
    """The draft's grids with the validation problems drawn; zoomed to ``selected`` if any."""
    import geopandas as gpd
    import pydeck as pdk
    import shapely

    from ..viz import LEVEL_COLOURS, boundary_layer, make_deck, point_layer, view_for

    grids = load_version(ws_path, version)
    layers: list[Any] = []
    if len(grids):
        layers.append(
            boundary_layer(
                grids,
                layer_id="draft-grids",
                properties=["code"],
                line_rgb=LEVEL_COLOURS["grid"],
                line_width_px=0.8,
                pickable=False,
            )
        )
    probs = problems.reset_index(drop=True)
    probs["i"] = range(len(probs))
    areal = probs[~probs.geometry.isna() & (probs.geometry.geom_type != "Point")]
    if len(areal):
        layers.append(
            boundary_layer(
                gpd.GeoDataFrame(areal[["i", "kind", "code"]], geometry=areal.geometry, crs=4326),
                layer_id="problems",
                properties=["i", "kind", "code"],
                line_rgb=list(PROBLEM_RGB),
                fill_rgba=[*PROBLEM_RGB, 90],
                line_width_px=1.5,
                pickable=True,
            )
        )
    dots = [
        {
            "lon": round(float(r.lon), 6),
            "lat": round(float(r.lat), 6),
            "i": int(r.i),
            "kind": r.kind,
        }
        for r in probs.itertuples()
        if r.lon == r.lon
    ]
    if dots:
        layers.append(
            point_layer(
                dots, layer_id="problem-points", rgb=PROBLEM_RGB, radius_px=4, pickable=True
            )
        )
    if selected is not None and 0 <= selected < len(probs):
        row = probs.iloc[selected]
        geom = row.geometry if row.geometry is not None else shapely.Point(row.lon, row.lat)
        box = gpd.GeoDataFrame(geometry=[shapely.buffer(geom.envelope, 0.008)], crs=4326)
        layers.append(
            point_layer(
                [{"lon": round(float(row.lon), 6), "lat": round(float(row.lat), 6)}],
                layer_id="problem-selected",
                rgb=(255, 200, 0),
                radius_px=9,
            )
        )
        view = view_for(box, width_px=700, height_px=460)
    else:
        view = view_for(grids if len(grids) else probs, width_px=700, height_px=460)
    deck: pdk.Deck = make_deck(layers, view, tooltip={"text": "{kind} {code}"})
    return deck
