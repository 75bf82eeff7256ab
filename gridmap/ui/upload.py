"""Streamlit glue of the Data page's import flow: stash an upload, preview it, import it.

The uploaded bytes are checked (size, type) and written to a private temporary folder under
their own name, so that reports and the import log name the user's file. The page keeps the
stashed file in ``st.session_state[KEY_FILE]``; tests put a file there directly (AppTest has
no file uploader) and the browser test goes through the real uploader.

The page's texts (messages, reasons) live in :mod:`gridmap.ui.import_text`, its maps in
:mod:`gridmap.ui.import_maps`; both are re-exported here.
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
from . import keys
from .auth import audit
from .data import _stamp
from .import_maps import load_version, outline_layer, preview_deck, problem_deck
from .import_text import action_text, distance_text, error_text, reason_text, rejects_csv

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
    "action_text",
    "crs_guess",
    "current_user",
    "distance_text",
    "error_text",
    "field_key",
    "load_preview",
    "load_reference",
    "load_version",
    "outline_layer",
    "preview_deck",
    "problem_deck",
    "publish_draft",
    "reason_text",
    "rejects_csv",
    "run_import",
    "saved_mappings",
    "stash_bytes",
]

#: Largest file accepted through the browser (Streamlit's own limit is 200 MB too).
MAX_UPLOAD_MB = 200

# The Data page's keys, under their short names (defined once in gridmap.ui.keys).
KEY_SECTION = keys.KEY_DATA_SECTION
KEY_KIND = keys.KEY_DATA_KIND
KEY_UPLOADER = keys.KEY_DATA_UPLOADER
KEY_FILE = keys.KEY_DATA_FILE
KEY_PART = keys.KEY_DATA_PART
KEY_CRS = keys.KEY_DATA_CRS
KEY_EPSG = keys.KEY_DATA_EPSG
KEY_SWAP = keys.KEY_DATA_SWAP
KEY_CATS = keys.KEY_DATA_CATS
KEY_RESULT = keys.KEY_DATA_RESULT
KEY_IMPORT = keys.KEY_DATA_IMPORT
KEY_PUBLISH = keys.KEY_DATA_PUBLISH
KEY_EFFECTIVE = keys.KEY_DATA_EFFECTIVE
KEY_PROBLEMS = keys.KEY_DATA_PROBLEMS
KEY_PROBLEM_MAP = keys.KEY_DATA_PROBLEM_MAP
KEY_PREVIEW_MAP = keys.KEY_DATA_PREVIEW_MAP
KEY_MAP_NAME = keys.KEY_DATA_MAPPING_NAME
KEY_MAP_SAVE = keys.KEY_DATA_MAPPING_SAVE
KEY_MAP_PICK = keys.KEY_DATA_MAPPING_PICK
KEY_MAP_APPLY = keys.KEY_DATA_MAPPING_APPLY
KEY_EXPORT_LAYER = keys.KEY_DATA_EXPORT_LAYER
KEY_EXPORT_VERSION = keys.KEY_DATA_EXPORT_VERSION
KEY_EXPORT_FORMAT = keys.KEY_DATA_EXPORT_FORMAT
KEY_EXPORT_CRS = keys.KEY_DATA_EXPORT_CRS
KEY_EXPORT_ENCODING = keys.KEY_DATA_EXPORT_ENCODING
KEY_EXPORT_GO = keys.KEY_DATA_EXPORT_GO
KEY_EXPORT_FILE = keys.KEY_DATA_EXPORT_FILE
KEY_DRAFT_PICK = keys.KEY_DATA_DRAFT_PICK
KEY_OUTSIDE_OK = keys.KEY_DATA_OUTSIDE_OK

#: Below this share of a sample inside the workspace, the import asks for a confirmation.
MOSTLY_OUTSIDE = 0.5


def field_key(field: str) -> str:
    """Session key of the column dropdown for a canonical field."""
    return keys.field_key(field)


def const_key(field: str) -> str:
    """Session key of the fixed-value input for a canonical field."""
    return f"{keys.DATA_CONST_PREFIX}{field}"


def cat_key(value: str) -> str:
    """Session key of the category dropdown for one source value (stable, any text)."""
    return keys.DATA_CAT_PREFIX + hashlib.sha1(value.encode("utf-8")).hexdigest()[:12]


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
    department: str | None = None,
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
        department=department,
    )
    audit(
        ws_path,
        schema.AuditAction.IMPORT,
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


def publish_draft(ws_path: str, version: int, effective: dt.date) -> None:
    """Put a draft grid version in force (the old one is archived; incidents re-assigned),
    with its one audit entry (:func:`gridmap.versions.publish_version`)."""
    from .rebalance_versions import publish

    publish(ws_path, version, effective)


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


def kinds() -> tuple[str, ...]:
    return schema.LAYER_KINDS
