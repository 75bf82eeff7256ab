"""Named column + category mappings (and coordinate system), saved for the next file.

A mapping is stored in the ``saved_mappings`` attribute table through the workspace's
copy-on-write transaction, so that next month's export from the same platform is mapped
with one click.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .. import schema
from ..crs import parse_crs
from ..errors import SchemaError
from ..store import Reader, Workspace

__all__ = [
    "MAPPINGS_TABLE",
    "SavedMapping",
    "apply_saved",
    "delete_mapping",
    "load_mappings",
    "save_mapping",
]

MAPPINGS_TABLE = "saved_mappings"


@dataclass(frozen=True)
class SavedMapping:
    """A named column + category mapping for one layer kind, reused for the next file."""

    name: str
    kind: str
    columns: dict[str, str]  # FIELD -> source column
    categories: dict[str, str]  # source value -> category code
    crs: str | None
    saved_at: str
    user: str | None = None


def save_mapping(
    ws: Workspace,
    name: str,
    kind: str,
    *,
    columns: Mapping[str, str],
    categories: Mapping[str, str] | None = None,
    crs: str | None = None,
    user: str | None = None,
) -> SavedMapping:
    """Store a mapping under ``name`` (replacing one of that name and kind), atomically."""
    name = name.strip()
    if not name:
        raise SchemaError("mapping name: empty; give the mapping a name, e.g. 12345平台-事件")
    if len(name) > 80:
        raise SchemaError(f"mapping name {name[:20]!r}…: at most 80 characters")
    if kind not in schema.LAYER_KINDS:
        raise SchemaError(f"kind {kind!r} is not one of {', '.join(schema.LAYER_KINDS)}")
    allowed = schema.field_names(kind)
    bad = [f for f in columns if f not in allowed]
    if bad:
        raise SchemaError(
            f"mapping {name}: {', '.join(bad)} not {kind} field(s) (allowed: {', '.join(allowed)})"
        )
    cats = dict(categories or {})
    known = {*schema.CATEGORIES.codes, schema.UNCLASSIFIED.code}
    wrong = sorted({v for v in cats.values() if v not in known})
    if wrong:
        raise SchemaError(
            f"mapping {name}: category {wrong[0]!r} is not one of {', '.join(sorted(known))}"
        )
    if crs:
        parse_crs(crs)
    saved = SavedMapping(
        name,
        kind,
        {k: str(v) for k, v in columns.items() if v},
        cats,
        crs,
        dt.datetime.now().replace(microsecond=0).isoformat(sep=" "),
        user,
    )
    ws.check()
    with ws.transaction() as tx:
        # Delete-then-insert: an upsert both SQLite and PostgreSQL speak.
        tx.execute(f"DELETE FROM {MAPPINGS_TABLE} WHERE name = ? AND kind = ?", (name, kind))
        tx.execute(
            f"INSERT INTO {MAPPINGS_TABLE}(name, kind, columns, categories, crs, "
            'saved_at, "user") VALUES (?,?,?,?,?,?,?)',
            (
                saved.name,
                kind,
                json.dumps(saved.columns, ensure_ascii=False),
                json.dumps(saved.categories, ensure_ascii=False),
                crs,
                saved.saved_at,
                user,
            ),
        )
    return saved


def load_mappings(ws: Reader, kind: str | None = None) -> list[SavedMapping]:
    """Saved mappings (of ``kind``, or all), by name."""
    if not ws.has_table(MAPPINGS_TABLE):
        return []
    frame = ws.query(f"SELECT * FROM {MAPPINGS_TABLE} ORDER BY name, kind")
    out = []
    for row in frame.to_dict(orient="records"):
        if kind is not None and row["kind"] != kind:
            continue
        out.append(
            SavedMapping(
                str(row["name"]),
                str(row["kind"]),
                dict(json.loads(row["columns"])),
                dict(json.loads(row["categories"])),
                row["crs"] or None,
                str(row["saved_at"]),
                row["user"] or None,
            )
        )
    return out


def delete_mapping(ws: Workspace, name: str, kind: str) -> None:
    """Remove a saved mapping; an unknown name raises :class:`SchemaError`."""
    if not any(m.name == name for m in load_mappings(ws, kind)):
        raise SchemaError(f"no saved {kind} mapping named {name!r}")
    with ws.transaction() as tx:
        tx.execute(f"DELETE FROM {MAPPINGS_TABLE} WHERE name = ? AND kind = ?", (name, kind))


def apply_saved(saved: SavedMapping, columns: Sequence[str]) -> tuple[dict[str, str], list[str]]:
    """FIELD -> column of a saved mapping restricted to ``columns``; also the missing ones."""
    present = {f: c for f, c in saved.columns.items() if c in columns}
    missing = [c for f, c in saved.columns.items() if c not in columns]
    return present, missing
