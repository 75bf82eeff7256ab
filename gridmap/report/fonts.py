"""Find a font that has Chinese glyphs, so printed reports never show empty boxes.

Matplotlib's default font has no CJK glyphs: every Chinese character would print as a
box. The report uses the first installed family of :data:`CJK_FAMILIES` (or the file named
by ``GRIDMAP_CJK_FONT``) and embeds it (TrueType, subset) into the PDF, so the file opens
the same on a meeting-room PC without that font.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

from ..errors import GridmapError

__all__ = ["CJK_FAMILIES", "ReportError", "cjk_family"]

#: Families tried in order: Debian/Ubuntu (fonts-wqy-microhei, fonts-noto-cjk), Adobe,
#: then the ones Windows and macOS ship.
CJK_FAMILIES = (
    "WenQuanYi Micro Hei",
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "Microsoft YaHei",
    "SimHei",
    "PingFang SC",
)


class ReportError(GridmapError, RuntimeError):
    """A report cannot be made (no CJK font, nothing to report)."""


@cache
def cjk_family() -> str:
    """The family name matplotlib should use for Chinese text.

    Raises
    ------
    ReportError
        When ``GRIDMAP_CJK_FONT`` names a missing file, or no CJK family is installed.
    """
    from matplotlib import font_manager

    custom = os.environ.get("GRIDMAP_CJK_FONT")
    if custom:
        path = Path(custom)
        if not path.is_file():
            raise ReportError(f"GRIDMAP_CJK_FONT={custom}: no such font file")
        font_manager.fontManager.addfont(str(path))
        return str(font_manager.FontProperties(fname=str(path)).get_name())
    installed = {f.name for f in font_manager.fontManager.ttflist}
    for family in CJK_FAMILIES:
        if family in installed:
            return family
    raise ReportError(
        "no Chinese font found for the report; install one (Debian: apt install "
        "fonts-wqy-microhei) or set GRIDMAP_CJK_FONT to a .ttf/.ttc/.otf file"
    )
