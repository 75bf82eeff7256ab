"""What an import did: counts that add up, the column mapping, notes, the rejects."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import pandas as pd

from ..i18n import t
from ..io.rejects import REJECTED
from ..validate import ValidationReport

__all__ = ["CHINA_BBOX", "ImportReport", "Progress"]

log = logging.getLogger(__name__)
Progress = Callable[[float, str], None]

#: Rough bounding box of mainland China; GCJ-02/BD-09 are only defined inside it.
CHINA_BBOX = (72.004, 0.8293, 137.8347, 55.8271)


@dataclass
class ImportReport:
    """What an import did. ``rows_read == imported + rejected`` always holds."""

    kind: str
    file: str
    crs: str
    rows_read: int
    imported: int
    rejected: int
    unclassified: int = 0
    repaired: int = 0
    updated: int = 0
    values_cleared: int = 0
    #: Polygon rows folded into the feature of the same code (counted in ``imported``:
    #: features stored = imported - merged).
    merged: int = 0
    #: Incidents kept without a location, in the grid their grid code or name names.
    unlocated: int = 0
    #: Grids: validation found problems that analyses cannot work around, so the version
    #: was kept as a draft instead of being published.
    blocked: bool = False
    mapping: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    rejects_file: str | None = None
    version: int | None = None
    #: Department layers: the department the units belong to (``version`` is its version).
    department: str | None = None
    issues: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    validation: ValidationReport | None = field(default=None, repr=False)
    #: The notes made through :meth:`add_note`, as (i18n key, parameters).
    note_keys: list[tuple[str, dict[str, Any]]] = field(default_factory=list, repr=False)

    def add_note(self, key: str, **params: Any) -> None:
        """A note in both languages: kept as a key for :meth:`notes_text`, English in ``notes``."""
        self.note_keys.append((key, params))
        self.notes.append(t(key, "en", **params))

    def notes_text(self, lang: str) -> list[str]:
        """The notes in ``lang`` (notes made without a key stay as written)."""
        keyed = {t(k, "en", **p): t(k, lang, **p) for k, p in self.note_keys}
        return [keyed.get(n, n) for n in self.notes]

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out.pop("issues")
        out.pop("validation")
        out.pop("note_keys")
        out["rejected_by_reason"] = self.rejected_by_reason()
        if self.validation is not None:
            out["validation"] = self.validation.counts()
            out["validation_blocking"] = self.validation.blocking_counts()
        return out

    def rejected_by_reason(self) -> dict[str, int]:
        if self.issues.empty:
            return {}
        rej = self.issues[self.issues["action"] == REJECTED]
        # One row may have several reasons; count rows per first reason for a clean tally.
        first = rej.drop_duplicates("row")
        reasons = first["reason"].str.replace(r" \(.*$|: .*$", "", regex=True)
        return {str(k): int(v) for k, v in reasons.value_counts().sort_index().items()}
