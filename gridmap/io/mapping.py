"""Map a source file's columns and category values onto gridmap's canonical fields.

Common Chinese and English headers are recognised automatically (经度/纬度, 事件编号,
事件类型, 发生时间, 结案时间, 所属网格, lon/lat, ...); any mapping can be given explicitly and
then wins. Values are parsed column-wise (vectorised), never row by row.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from .. import schema
from ..errors import ImportFileError, SchemaError

__all__ = [
    "MISSING_TOKENS",
    "auto_mapping",
    "is_blank",
    "load_category_mapping",
    "map_categories",
    "parse_assignments",
    "parse_datetimes",
    "parse_numbers",
    "resolve_mapping",
    "show_names",
    "split_datetime_columns",
]


def _norm(header: object) -> str:
    text = str(header).strip().lower()
    text = re.sub(r"[（(\[【].*?[)）\]】]", "", text)  # drop units such as 经度(°) or lon (deg)
    return re.sub(r"[\s_\-./:：]", "", text)


def show_names(names: Iterable[object], *, limit: int = 60) -> str:
    """Column names for a one-line message: control characters escaped, long names cut.

    A header can hold anything a platform or a person typed, line breaks included; the
    message that lists it must stay one line a user can read.

    >>> print(show_names(["经度", "a\\nb", "x" * 70]))
    经度, a\\nb, xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx…
    """
    shown = []
    for name in names:
        text = "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in str(name))
        shown.append(text if len(text) <= limit else text[:limit] + "…")
    return ", ".join(shown)


def auto_mapping(columns: Sequence[str], kind: str) -> dict[str, str]:
    """Canonical field -> source column for headers recognised automatically.

    A field's own name wins over its aliases, earlier aliases over later ones, and a source
    column maps to at most one field (fields are served in schema order).
    """
    by_norm: dict[str, str] = {}
    for col in columns:
        by_norm.setdefault(_norm(col), col)
    used: set[str] = set()
    mapping: dict[str, str] = {}
    for spec in schema.FIELDS[kind]:
        for alias in (spec.name, *spec.aliases):
            found = by_norm.get(_norm(alias))
            if found is not None and found not in used:
                mapping[spec.name] = found
                used.add(found)
                break
    return mapping


def parse_assignments(items: Iterable[str], *, what: str) -> dict[str, str]:
    """Parse ``LEFT=RIGHT`` command-line items into a dict (LEFT may contain spaces)."""
    out: dict[str, str] = {}
    for item in items:
        left, sep, right = item.partition("=")
        if not sep or not left.strip() or not right.strip():
            raise SchemaError(f"{what}: {item!r} is not of the form COLUMN=FIELD")
        out[left.strip()] = right.strip()
    return out


def resolve_mapping(
    columns: Sequence[str],
    kind: str,
    explicit: Mapping[str, str] | None = None,
    *,
    file_name: str = "input",
) -> dict[str, str]:
    """Canonical field -> source column: the automatic mapping overridden by ``explicit``.

    ``explicit`` maps a source COLUMN to a canonical FIELD (the CLI's ``--map COLUMN=FIELD``).
    Unknown columns or fields raise :class:`SchemaError` naming what is allowed.
    """
    allowed = schema.field_names(kind)
    explicit = dict(explicit or {})
    problems = []
    for col, fld in explicit.items():
        if col not in columns:
            problems.append(f"column {col!r} is not in the file (columns: {show_names(columns)})")
        if fld not in allowed:
            problems.append(f"field {fld!r} is not a {kind} field (allowed: {', '.join(allowed)})")
    if problems:
        raise SchemaError(f"{file_name}: --map " + "; ".join(problems))
    mapping = {
        f: c
        for f, c in auto_mapping(columns, kind).items()
        if c not in explicit and f not in explicit.values()
    }
    for col, fld in explicit.items():
        mapping[fld] = col
    return {f: mapping[f] for f in allowed if f in mapping}


# --- value parsing --------------------------------------------------------------------------
#: Cell values that mean "no value" in exports from R, Excel, databases and Chinese platforms.
MISSING_TOKENS = frozenset(
    {"", "na", "n/a", "nan", "null", "none", "nat", "-", "--", "无", "空", "#n/a"}
)


def _blank(s: pd.Series) -> pd.Series:
    return s.isna() | s.astype(str).str.strip().str.lower().isin(MISSING_TOKENS)


def is_blank(s: pd.Series) -> np.ndarray:
    """True where a cell holds no value: empty, whitespace, or a token like NA, NULL, 无."""
    return _blank(s).to_numpy()


def parse_numbers(s: pd.Series) -> pd.Series:
    """Text to float; accepts comma decimals (``103,75``) and surrounding spaces. Bad -> NaN."""
    text = s.astype(str).str.strip()
    comma_decimal = text.str.fullmatch(r"[-+]?\d+,\d+")
    text = text.where(~comma_decimal, text.str.replace(",", ".", regex=False))
    return pd.to_numeric(text, errors="coerce").astype("float64")


_DATETIME_FORMATS = (
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d",
    "%Y年%m月%d日 %H:%M:%S",
    "%Y年%m月%d日 %H:%M",
    "%Y年%m月%d日%H时%M分%S秒",
    "%Y年%m月%d日%H时%M分",
    "%Y年%m月%d日",
    "%Y.%m.%d %H:%M:%S",
    "%Y.%m.%d",
    "%m/%d/%Y %I:%M:%S %p",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%m/%d/%Y",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y",
    "%Y%m%d%H%M%S",
    "%Y%m%d",
    "%Y-%m",
)


def _to_local_naive(values: pd.Series, tz: str) -> pd.Series:
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        return values.dt.tz_convert(tz).dt.tz_localize(None)
    return values


def parse_datetimes(s: pd.Series, *, tz: str = "Asia/Shanghai") -> pd.Series:
    """Text to naive local datetimes (datetime64[ms]); unparseable or blank -> NaT.

    ISO 8601 first (fast path), then the formats Chinese and foreign platforms export
    (``2024/3/5 14:02``, ``2024年3月5日``, ``03/05/2024 02:02:00 PM``, ``20240305``).
    Time-zone-aware values are converted to ``tz`` and made naive.
    """
    text = s.astype(str).str.strip()
    out = pd.Series(pd.NaT, index=s.index, dtype="datetime64[ms]")
    todo = ~_blank(s)
    if not todo.any():
        return out
    try:
        iso = pd.to_datetime(text[todo], format="ISO8601", errors="coerce")
        iso = _to_local_naive(iso, tz)
        out[todo] = iso.astype("datetime64[ms]")
    except (ValueError, TypeError):
        pass  # mixed time zones: handled by the per-format pass below
    for fmt in _DATETIME_FORMATS:
        todo = out.isna() & ~_blank(s)
        if not todo.any():
            break
        parsed = pd.to_datetime(text[todo], format=fmt, errors="coerce")
        ok = parsed.notna()
        if ok.any():
            out[parsed.index[ok]] = parsed[ok].astype("datetime64[ms]")
    todo = out.isna() & ~_blank(s)
    if todo.any():
        # Last resort, per value: mixed offsets, or timestamps with unusual separators.
        for idx in todo[todo].index:
            try:
                value = pd.Timestamp(text[idx])
            except (ValueError, TypeError, OverflowError):
                continue
            if value.tzinfo is not None:
                value = value.tz_convert(tz).tz_localize(None)
            out[idx] = value
    # Years outside this range are typing errors (0024, 2204), not incidents.
    bad_year = out.notna() & ((out.dt.year < 1990) | (out.dt.year > 2100))
    out[bad_year] = pd.NaT
    return out


#: Headers of date parts that exports sometimes keep in separate columns (YEAR, MONTH, DAY,
#: HOUR, MINUTE as in Vancouver's open data; 年 月 日 时 分 in Chinese spreadsheets).
_DATE_PARTS = {
    "year": ("year", "yyyy", "年", "年份"),
    "month": ("month", "mm", "月", "月份"),
    "day": ("day", "dd", "日"),
    "hour": ("hour", "hh", "时", "小时"),
    "minute": ("minute", "min", "分", "分钟"),
}


def split_datetime_columns(frame: pd.DataFrame) -> tuple[pd.Series, tuple[str, ...]] | None:
    """An occurrence time assembled from separate year/month/day[/hour/minute] columns.

    Returns the text ``YYYY-MM-DD HH:MM`` per row (blank where a part is missing or not a
    whole number, so the row is reported as a missing time) and the columns used; ``None``
    when the frame has no year, month and day columns whose values look like date parts
    (a ``month`` column holding ``2022-01-01`` is a date, not a part).
    """
    by_norm = {_norm(c): c for c in frame.columns}
    found: dict[str, str] = {}
    for part, names in _DATE_PARTS.items():
        col = next((by_norm[n] for n in names if n in by_norm), None)
        if col is not None:
            found[part] = col
    if not {"year", "month", "day"} <= found.keys():
        return None
    limits = {"year": (1990, 2100), "month": (1, 12), "day": (1, 31), "hour": (0, 23)}
    numbers: dict[str, pd.Series] = {}
    for part, col in found.items():
        values = pd.to_numeric(frame[col].astype(str).str.strip(), errors="coerce")
        lo, hi = limits.get(part, (0, 59))
        whole = values.notna() & (values == values.round()) & values.between(lo, hi)
        if whole.sum() < 0.5 * max(len(frame), 1):
            return None  # not date parts: a column named "month" holding dates, say
        numbers[part] = values.where(whole)
    parts = pd.DataFrame(numbers)
    ok = parts[["year", "month", "day"]].notna().all(axis=1)
    for part in ("hour", "minute"):
        parts[part] = parts[part].fillna(0) if part in parts else 0
    text = pd.Series("", index=frame.index, dtype="object")
    p = parts[ok].astype("int64")
    text[ok] = (
        p["year"].astype(str)
        + "-"
        + p["month"].astype(str).str.zfill(2)
        + "-"
        + p["day"].astype(str).str.zfill(2)
        + " "
        + p["hour"].astype(str).str.zfill(2)
        + ":"
        + p["minute"].astype(str).str.zfill(2)
    )
    return text.astype("str"), tuple(found.values())


# --- categories -----------------------------------------------------------------------------
def load_category_mapping(path: str | Path) -> dict[str, str]:
    """Read a source-value -> category mapping from CSV (two columns) or JSON (an object).

    Target values may be category codes or their zh/en labels; unknown targets raise.
    """
    path = Path(path)
    if not path.exists():
        raise ImportFileError(f"{path}: category mapping file not found")
    try:
        if path.suffix.lower() == ".json":
            raw = json.loads(path.read_text(encoding="utf-8-sig"))
            if not isinstance(raw, dict):
                raise ImportFileError(f"{path.name}: expected a JSON object of value -> category")
            pairs = [(str(k), str(v)) for k, v in raw.items()]
        else:
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
            if frame.shape[1] < 2:
                raise ImportFileError(
                    f"{path.name}: expected two columns, source value and category"
                )
            pairs = list(zip(frame.iloc[:, 0], frame.iloc[:, 1], strict=True))
    except (UnicodeDecodeError, json.JSONDecodeError, pd.errors.ParserError) as exc:
        raise ImportFileError(f"{path.name}: cannot read category mapping ({exc})") from None
    out: dict[str, str] = {}
    for i, (src, target) in enumerate(pairs, start=2):
        code = schema.CATEGORIES.parse(target)
        if code is None and target.strip().lower() != schema.UNCLASSIFIED.code:
            raise SchemaError(
                f"{path.name}: row {i}: category {target!r} is not one of "
                f"{schema.CATEGORIES.describe()}"
            )
        out[src.strip()] = code or schema.UNCLASSIFIED.code
    return out


def map_categories(values: pd.Series, mapping: Mapping[str, str] | None = None) -> pd.Series:
    """Source category values -> category codes; unmapped values become ``unclassified``.

    An explicit mapping wins; otherwise a value that is a code, a zh/en label or a known
    alias of a category is recognised. Works on unique values, so it is cheap on 1M rows.
    """
    text = values.astype(str).str.strip()
    uniques = pd.unique(text)
    lookup: dict[str, str] = {}
    mapping = mapping or {}
    for u in uniques:
        code = mapping.get(u) if u in mapping else schema.CATEGORIES.parse(u)
        lookup[u] = code or schema.UNCLASSIFIED.code
    return text.map(lookup).astype(object)


def parse_enum(values: pd.Series, enum: schema.Enumeration) -> tuple[pd.Series, np.ndarray]:
    """Map enumeration values by code, label or alias; returns codes and a mask of unknowns."""
    text = values.astype(str).str.strip()
    uniques = pd.unique(text)
    lookup = {u: enum.parse(u) for u in uniques}
    codes = text.map(lookup)
    unknown = codes.isna().to_numpy() & ~_blank(values).to_numpy()
    return codes.astype(object), unknown
