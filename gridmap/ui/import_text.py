"""What the Data page says: importer messages, reasons and actions in the user's language,
and the labels of layers, fields, statuses and coordinate systems.

The readers and importers speak English (the CLI's language); the page translates their
one-line messages and reasons here, keeping every detail they carry.
"""

from __future__ import annotations

import functools
import re
from typing import Any

import pandas as pd

from ..i18n import t

__all__ = [
    "action_text",
    "crs_label",
    "distance_text",
    "error_text",
    "field_label",
    "fit_text",
    "kind_label",
    "reason_text",
    "rejects_csv",
    "status_label",
]


def kind_label(kind: str, lang: str) -> str:
    """A layer kind's name in ``lang`` (the kind itself when the catalogue has none)."""
    label = t(f"layer.{kind}", lang)
    return str(kind) if label == f"layer.{kind}" else label


def field_label(field: str, lang: str) -> str:
    """A canonical field's label with its code: ``经度 · lon``."""
    return f"{t(f'data.field.{field}', lang)} · {field}"


def status_label(status: str, lang: str) -> str:
    """A grid version's status (draft, published, archived) in ``lang``."""
    return t(f"data.status.{status}", lang)


def crs_label(code: str, preview: Any, lang: str) -> str:
    """A coordinate-system choice of the import preview (``file``: the file's own)."""
    if code == "file":
        return t("data.crs.file", lang, crs=preview.file_crs)
    return t(f"data.crs.{code}", lang)


def fit_text(c: Any, lang: str) -> str:
    """'85% inside, 40 m' for a scored CRS candidate."""
    if c is None:
        return "—"
    bits = []
    if c.inside == c.inside:
        bits.append(t("data.crs.inside", lang, p=f"{c.inside:.0%}"))
    if c.distance_m == c.distance_m and c.distance_m < 1e8:
        bits.append(t("data.crs.distance.short", lang, m=f"{c.distance_m:,.0f}"))
    if c.usable < 1:
        bits.append(t("data.crs.usable", lang, p=f"{c.usable:.0%}"))
    return t("import.fit.sep", lang).join(bits)


def distance_text(metres: float, lang: str) -> str:
    """A distance as people say it: "1,663 公里", "2.4 km", "350 m"."""
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
    if lang != "zh":
        return reason
    for prefix, key in _REASONS:
        if reason.startswith(prefix):
            if key in _SELF_CONTAINED:
                return t(key, lang)
            rest = reason[len(prefix) :].strip()
            for pattern, detail in _DETAILS:
                rest = pattern.sub(functools.partial(_detail_text, detail, lang), rest)
            glue = "" if rest.startswith(("：", "（")) else " "
            return t(key, lang) + (f"{glue}{rest}" if rest else "")
    return reason


#: The details after a reason's prefix (rows, the grid, the allowed values) -> i18n keys;
#: named groups fill the translated text. Applied in this order, each to the result of the
#: one before.
_DETAILS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(p), k)
    for p, k in (
        (r"\(first at row (?P<row>\d+)\)", "import.detail.first_at"),
        (r"^attributes \(rows (?P<rows>.+) differ in (?P<fields>.+)\)$", "import.detail.differ"),
        (
            r"^\(grid (?P<grid>.+): no grid has this code or unique name\)$",
            "import.detail.no_grid",
        ),
        (
            r"^(?P<n>\d+) rows into 1 \w+: (?P<what>.+) \(rows (?P<rows>.+); "
            r"same code and attributes\)$",
            "import.detail.merged",
        ),
        (r"^without a location in grid (?P<grid>.+)$", "import.detail.in_grid"),
        (r"\(allowed: ", "import.detail.allowed"),
    )
)


def _detail_text(key: str, lang: str, found: re.Match[str]) -> str:
    """One detail of a reason in ``lang``: catalogue text ``key`` filled from the match."""
    return t(key, lang, **found.groupdict())


#: Reasons whose Chinese text already says everything the English tail adds.
_SELF_CONTAINED = frozenset(
    {"data.reason.zero", "data.reason.range", "data.reason.china", "data.reason.city"}
)


def action_text(action: str, lang: str) -> str:
    key = _ACTIONS.get(action)
    return t(key, lang) if key else action


def rejects_csv(issues: pd.DataFrame, lang: str = "en") -> bytes:
    """The rejects table as a UTF-8 CSV with BOM (opens correctly in Excel).

    The importer's columns stay as they are (the same file ``gridmap import`` writes); in
    Chinese a translated reason column is added for the operator.
    """
    out = issues.copy()
    if lang == "zh" and len(out):
        reasons = out["reason"].astype(str).map(lambda r: reason_text(r, lang))
        actions = out["action"].astype(str).map(lambda a: action_text(a, lang))
        out[t("import.rejects.reason", lang)] = reasons
        out[t("import.rejects.action", lang)] = actions
    return out.to_csv(index=False).encode("utf-8-sig")
