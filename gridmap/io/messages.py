"""Error messages of the readers and importers in the user's language.

The readers and importers raise :class:`~gridmap.errors.GridmapError` with one English line
that names the file and what is wrong (the CLI prints it as is). A page in Chinese shows
:func:`error_text` instead: the same line with its fixed words translated and its details
(file name, column names, the library's own cause) kept. A message this module does not
know stays English, so nothing is ever lost.

Examples
--------
>>> error_text("事件.csv: the file is empty", "zh")
'事件.csv：文件为空'
>>> error_text("事件.csv: the file is empty", "en")
'事件.csv: the file is empty'
"""

from __future__ import annotations

import re

from ..i18n import t

__all__ = ["error_text"]

_FILE = r"(?P<file>.+?)"

#: (pattern over the whole English message, i18n key). Groups become the key's parameters.
#: The first matching pattern wins, so specific ones come before general ones.
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(p, re.DOTALL), key)
    for p, key in (
        (rf"^{_FILE}: file not found$", "file_error.not_found"),
        (rf"^{_FILE}: is a directory, expected a file$", "file_error.directory"),
        (
            rf"^{_FILE}: unsupported file type (?P<suffix>\S+); allowed: (?P<allowed>.+)$",
            "file_error.suffix",
        ),
        (
            rf"^{_FILE}: cannot decode text at byte (?P<byte>\d+): not UTF-8, UTF-8 with BOM "
            r"or GBK/GB18030$",
            "file_error.encoding",
        ),
        (rf"^{_FILE}: the file is empty$", "file_error.empty"),
        (rf"^{_FILE}: not a readable gzip file \((?P<detail>.*)\)$", "file_error.gzip"),
        (rf"^{_FILE}: cannot decode as (?P<enc>.+?): (?P<detail>.*)$", "file_error.decode"),
        (
            rf"^{_FILE}: row 1 cannot be read as column names \((?P<detail>.*)\)$",
            "file_error.header",
        ),
        (rf"^{_FILE}: row 1 has no column names$", "file_error.no_header"),
        (rf"^{_FILE}: row 1 repeats column name\(s\) (?P<names>.+)$", "file_error.repeated"),
        (rf"^{_FILE}: not a readable CSV \((?P<detail>.*)\)$", "file_error.csv"),
        (rf"^{_FILE}: not a readable Excel workbook \((?P<detail>.*)\)$", "file_error.xlsx"),
        (rf"^{_FILE}: not a readable Parquet file \((?P<detail>.*)\)$", "file_error.parquet"),
        (rf"^{_FILE}: not a readable GeoParquet file \((?P<detail>.*)\)$", "file_error.parquet"),
        (rf"^{_FILE}: not a readable vector file \((?P<detail>.*)\)$", "file_error.vector"),
        (rf"^{_FILE}: no columns found$", "file_error.no_columns"),
        (rf"^{_FILE}: not a readable zip archive$", "file_error.zip"),
        (
            rf"^{_FILE}: the zip must hold exactly one vector layer \(.*?\); found "
            r"(?P<n>\d+): (?P<names>.*)$",
            "file_error.zip_layers",
        ),
        (rf"^{_FILE}: holds no vector layer$", "file_error.no_layer"),
        (
            rf"^{_FILE}: holds (?P<n>\d+) layers \((?P<names>.*)\); choose one with --layer$",
            "file_error.layers",
        ),
        (
            rf"^{_FILE}: attribute text is not in a known encoding \((?P<detail>.*)\)$",
            "file_error.dbf_encoding",
        ),
        (rf"^{_FILE}: has no geometry column$", "file_error.no_geometry"),
        (
            rf"^{_FILE}: column (?P<column>.+?): text is not valid UTF-8; save the file as "
            r"UTF-8$",
            "file_error.utf8",
        ),
        (
            rf"^{_FILE}: no column for field\(s\) (?P<fields>.+?); columns found: "
            r"(?P<columns>.*); map one with --map COLUMN=FIELD$",
            "file_error.no_xy_column",
        ),
        (
            rf"^{_FILE}: no column for field occurred_at \(发生时间\); columns found: "
            r"(?P<columns>.*); map one with --map COLUMN=occurred_at$",
            "file_error.no_time_column",
        ),
        (rf"^{_FILE}: has no coordinate system; .*$", "file_error.no_crs"),
        (
            rf"^{_FILE}: the file's coordinate system has no EPSG code; .*$",
            "file_error.no_epsg",
        ),
        (
            rf"^{_FILE}: no usable grid in (?P<n>\d+) row\(s\)(?: \((?P<why>.*)\))?; "
            r"no grid version was made$",
            "file_error.no_grid",
        ),
    )
)


def error_text(error: BaseException | str, lang: str) -> str:
    """A reader's or importer's error message in ``lang`` ("zh" or "en").

    Parameters
    ----------
    error
        The exception (a :class:`~gridmap.errors.GridmapError` from a reader or importer)
        or its message.
    lang
        "zh" translates the message's fixed words; any other value returns it unchanged.

    Returns
    -------
    str
        One line. A message without a translation is returned as it is (English).
    """
    message = str(error)
    if lang != "zh":
        return message
    for pattern, key in _PATTERNS:
        found = pattern.match(message)
        if found:
            params = {k: (v or "") for k, v in found.groupdict().items()}
            if params.get("names") == "none":
                params["names"] = "无"
            if params.get("why"):
                params["why"] = f"（{params['why']}）"
            return t(key, lang, **params)
    return message
