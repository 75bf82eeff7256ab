"""Rejected rows and row-level notes, collected column-wise and written as a CSV report."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["MERGED", "REJECTED", "UNLOCATED", "VALUE_CLEARED", "RowIssues"]

REJECTED = "rejected"
VALUE_CLEARED = "kept, value cleared"
#: A polygon row folded into the feature of the same code (a multipart polygon's part).
MERGED = "kept, merged"
#: An incident without coordinates, kept in the grid its grid code or name names.
UNLOCATED = "kept, no location"
COLUMNS = ["row", "field", "value", "reason", "action"]


class RowIssues:
    """Problems found in input rows, added a whole column at a time.

    Every issue names the row (spreadsheet numbering: header = row 1), the field, the value
    as read and the reason. A row with any ``rejected`` issue is not imported; issues with
    action ``kept, value cleared`` only blank one value.
    """

    def __init__(self, rows: pd.Series) -> None:
        self._rows = rows.to_numpy()
        self._parts: list[pd.DataFrame] = []
        self._rejected = np.zeros(len(rows), dtype=bool)

    def add(
        self,
        mask: np.ndarray | pd.Series,
        field: str,
        reason: str | pd.Series,
        values: pd.Series | Callable[[], pd.Series] | None = None,
        *,
        action: str = REJECTED,
    ) -> None:
        mask = np.asarray(mask, dtype=bool)
        if not mask.any():
            return
        n = int(mask.sum())
        if callable(values):  # built only when some row needs it: costly on 1M rows
            values = values()
        vals = values.to_numpy()[mask] if values is not None else np.full(n, "", dtype=object)
        reasons = reason.to_numpy()[mask] if isinstance(reason, pd.Series) else np.full(n, reason)
        self._parts.append(
            pd.DataFrame(
                {
                    "row": self._rows[mask],
                    "field": field,
                    "value": vals,
                    "reason": reasons,
                    "action": action,
                }
            )
        )
        if action == REJECTED:
            self._rejected |= mask

    def add_lines(self, lines: list[tuple[int, str]]) -> None:
        """Lines the parser could not split into columns (they are not in the frame)."""
        if lines:
            self._parts.append(
                pd.DataFrame(
                    {
                        "row": [n for n, _ in lines],
                        "field": "(line)",
                        "value": "",
                        "reason": [f"cannot split into columns: {why}" for _, why in lines],
                        "action": REJECTED,
                    }
                )
            )

    @property
    def rejected(self) -> np.ndarray:
        """Boolean mask over the frame's rows: rows that must not be imported."""
        return self._rejected.copy()

    def frame(self) -> pd.DataFrame:
        if not self._parts:
            return pd.DataFrame(columns=COLUMNS)
        out = pd.concat(self._parts, ignore_index=True)
        out["value"] = out["value"].astype(str).str.slice(0, 200)
        return out.sort_values(["row", "field"], kind="stable").reset_index(drop=True)

    def write_csv(self, path: str | Path) -> Path:
        """Write the issues as UTF-8 with BOM, so Excel on Chinese Windows shows them right."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        self.frame().to_csv(path, index=False, encoding="utf-8-sig")
        return path
