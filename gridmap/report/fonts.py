"""A Chinese font that comes with the Python install, for reports and for the browser.

Matplotlib's default font has no CJK glyphs: every Chinese character would print as a box,
and a meeting-room PC or a minimal Linux kiosk often has no Chinese font either. gridmap
depends on ``manimgx-fonts-cjk`` (PyPI, SIL Open Font License 1.1), which ships Noto Sans CJK
as one variable-weight collection (``NotoSansCJK-VF.otf.ttc``, 5 faces: JP, KR, SC, TC, HK;
face 0 is Japanese and the default weight is Thin). From it we derive:

- **the report font** — the Simplified Chinese face at Regular (400) and Bold (700), as
  static TrueType files (``glyf`` outlines, so the PDF embeds a proper ``/FontFile2`` subset)
  covering the face's Basic Multilingual Plane less Hangul (about 30,000 glyphs, 10 MB a
  weight). They are built once (the two weights in parallel: about a minute on a busy
  2-core machine) into the user's cache folder
  (``$XDG_CACHE_HOME/gridmap/fonts``, else ``~/.cache/gridmap/fonts``), written atomically,
  and registered with ``matplotlib.font_manager.fontManager.addfont`` by path in every
  process — never looked up in matplotlib's font cache, which may predate the font;
- **the web font** — the same face and weights as WOFF2 files in the app's ``static/fonts/``
  (GB2312's 6,763 hanzi, ASCII, CJK punctuation and every character in the app's own
  sources: about 1 MB a weight), which ``.streamlit/config.toml`` declares as theme font
  faces, so a browser without any Chinese font renders the app. :func:`web_fonts` makes them
  (about 30 s, once) when missing or out of date; ``gridmap serve`` and the browser tests
  call it before the server starts. The OFL text travels in each file's name table.

Matplotlib can load a face of a ``.ttc`` but not choose a weight of a variable font, and it
embeds CFF outlines as if they were TrueType; hence the static TrueType instances, drawn with
fontTools at the weight's location (cubic curves converted to quadratic within 1 font unit).

``GRIDMAP_CJK_FONT`` (a ``.ttf``/``.otf``/``.ttc`` file, read at the edge and passed to
:func:`cjk_family`) overrides the report font; the installed families of
:data:`CJK_FAMILIES` are the fallback when the bundled font cannot be built (package
missing, no writable cache folder).
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import GridmapError

if TYPE_CHECKING:
    from fontTools.ttLib import TTFont

__all__ = [
    "CJK_FAMILIES",
    "FAMILY",
    "WEB_FILES",
    "ReportError",
    "bundled_collection",
    "cjk_family",
    "report_font",
    "report_fonts",
    "web_charset",
    "web_fonts",
]

_log = logging.getLogger(__name__)

#: Installed families tried after the bundled font: Debian/Ubuntu (fonts-wqy-microhei,
#: fonts-noto-cjk), Adobe, then the ones Windows and macOS ship.
CJK_FAMILIES = (
    "WenQuanYi Micro Hei",
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "Microsoft YaHei",
    "SimHei",
    "PingFang SC",
)

#: The family of the fonts derived here. A name of its own, so a system "Noto Sans CJK SC"
#: (or a stale cache entry for one) can never be picked instead; no Reserved Font Name of
#: the OFL ("Source") is used.
FAMILY = "Gridmap Noto Sans SC"
#: The pip package and the collection file in it.
PACKAGE = "manimgx_fonts_cjk"
COLLECTION = "NotoSansCJK-VF.otf.ttc"
#: Name ID 1 of the Simplified Chinese face of the collection.
SC_FACE = "Noto Sans CJK SC"
#: Regular and Bold: titles and KPI values are bold; the variable font's default is Thin.
WEIGHTS = (400, 700)
#: The web font files in the app's static folder, by weight (config.toml names them).
WEB_FILES = {w: f"fonts/gridmap-sc-{w}.woff2" for w in WEIGHTS}
#: Bump when the builder changes what it writes: cached and served files are then rebuilt.
_BUILD = 1
_STYLE = {400: "Regular", 700: "Bold"}
#: Korean syllables and jamo: 11,000 glyphs a Chinese report never needs.
_HANGUL = ((0x1100, 0x11FF), (0x3130, 0x318F), (0xA960, 0xA97F), (0xAC00, 0xD7FF))
#: Beyond GB2312 and the app's sources, the web font keeps these blocks whole: Latin-1,
#: general punctuation, letterlike symbols, arrows, maths, enclosed numbers, shapes, CJK
#: symbols and punctuation, full-width forms.
_WEB_BLOCKS = (
    (0x20, 0x7E),
    (0xA0, 0xFF),
    (0x2000, 0x206F),
    (0x2100, 0x21FF),
    (0x2200, 0x22FF),
    (0x2460, 0x24FF),
    (0x25A0, 0x25FF),
    (0x3000, 0x303F),
    (0xFF00, 0xFFEF),
)


class ReportError(GridmapError, RuntimeError):
    """A report cannot be made (no CJK font, nothing to report)."""


# --- the bundled collection -----------------------------------------------------------------
def bundled_collection() -> Path | None:
    """The Noto Sans CJK collection of the ``manimgx-fonts-cjk`` package, if installed."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or spec.origin is None:
        return None
    path = Path(spec.origin).parent / COLLECTION
    return path if path.is_file() else None


@contextmanager
def _sc_face(collection: Path) -> Iterator[TTFont]:
    """The Simplified Chinese face of the collection (face 0 is the Japanese one), read
    lazily; the file is closed on leaving the block."""
    from fontTools.ttLib import TTCollection

    with TTCollection(str(collection), lazy=True) as faces:
        for face in faces.fonts:
            if face["name"].getDebugName(1) == SC_FACE:
                yield face
                return
    raise ReportError(f"{collection}: no '{SC_FACE}' face in the font collection")


def _source_key(collection: Path) -> str:
    """Changes when the package's font file or this builder changes."""
    stat = collection.stat()
    raw = f"{_BUILD}:{stat.st_size}:{int(stat.st_mtime)}"
    return hashlib.sha1(raw.encode()).hexdigest()[:10]


def _write_atomic(font: TTFont, dest: Path) -> None:
    """Save so that a reader (another process) never sees half a font file."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", dir=dest.parent)
    os.close(fd)
    try:
        font.save(tmp)
        os.chmod(tmp, 0o644)  # mkstemp makes it private; a font is read by whoever serves
        os.replace(tmp, dest)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _static_instance(face: TTFont, weight: int, codepoints: Iterable[int] | None) -> TTFont:
    """A static TrueType font of ``face`` at ``weight`` with the given code points.

    Outlines come from fontTools' glyph set at the weight's location (variations applied,
    advance widths too), cubic curves turned quadratic within one font unit. Layout tables
    are left out: matplotlib does not shape text, and browsers do not need it for Chinese.
    """
    from fontTools.fontBuilder import FontBuilder
    from fontTools.pens.cu2quPen import Cu2QuPen
    from fontTools.pens.ttGlyphPen import TTGlyphPen

    source_cmap = face.getBestCmap()
    wanted = (
        [cp for cp in source_cmap if cp <= 0xFFFF and not _in(cp, _HANGUL)]
        if codepoints is None
        else [cp for cp in codepoints if cp in source_cmap]
    )
    cmap = {cp: source_cmap[cp] for cp in sorted(wanted)}
    rank = {name: i for i, name in enumerate(face.getGlyphOrder())}
    order = [".notdef", *sorted(set(cmap.values()) - {".notdef"}, key=rank.__getitem__)]
    glyphset = face.getGlyphSet(location={"wght": weight}, normalized=False)
    glyphs = {}
    for name in order:
        pen = TTGlyphPen(None)
        # CFF contours run counter-clockwise, TrueType ones clockwise.
        glyphset[name].draw(Cu2QuPen(pen, 1.0, reverse_direction=True))
        glyphs[name] = pen.glyph()
    upm = face["head"].unitsPerEm
    fb = FontBuilder(upm, isTTF=True)
    fb.setupGlyphOrder(order)
    fb.setupCharacterMap(cmap)
    fb.setupGlyf(glyphs)
    glyf = fb.font["glyf"]
    fb.setupHorizontalMetrics(
        {n: (round(glyphset[n].width), getattr(glyf[n], "xMin", 0)) for n in order}
    )
    src_hhea, src_os2, src_name = face["hhea"], face["OS/2"], face["name"]
    fb.setupHorizontalHeader(ascent=src_hhea.ascent, descent=src_hhea.descent)
    style = _STYLE.get(weight, str(weight))
    ps = f"{FAMILY.replace(' ', '')}-{style}"
    fb.setupNameTable(
        {
            "copyright": src_name.getDebugName(0) or "",
            "familyName": FAMILY,
            "styleName": style,
            "uniqueFontIdentifier": f"{ps};gridmap-build-{_BUILD}",
            "fullName": f"{FAMILY} {style}",
            "version": src_name.getDebugName(5) or "Version 1.000",
            "psName": ps,
            "description": "Noto Sans CJK SC (from the manimgx-fonts-cjk package) at one "
            "weight with TrueType outlines, made by gridmap.",
            "licenseDescription": src_name.getDebugName(13) or "SIL Open Font License 1.1",
            "licenseInfoURL": src_name.getDebugName(14) or "https://openfontlicense.org",
        }
    )
    bold = weight >= 700
    fb.setupOS2(
        usWeightClass=weight,
        fsType=0,  # installable embedding: the PDF may carry it
        fsSelection=0x20 if bold else 0x40,  # BOLD or REGULAR
        sTypoAscender=src_os2.sTypoAscender,
        sTypoDescender=src_os2.sTypoDescender,
        sTypoLineGap=src_os2.sTypoLineGap,
        usWinAscent=src_os2.usWinAscent,
        usWinDescent=src_os2.usWinDescent,
        sxHeight=src_os2.sxHeight,
        sCapHeight=src_os2.sCapHeight,
        ulCodePageRange1=(1 << 0) | (1 << 18),  # Latin 1 and Simplified Chinese (GB2312)
        achVendID="GRDM",
    )
    fb.font["OS/2"].recalcUnicodeRanges(fb.font)
    fb.font["head"].macStyle = 0x01 if bold else 0x00
    fb.setupPost(keepGlyphNames=False)
    return fb.font


def _in(cp: int, blocks: Iterable[tuple[int, int]]) -> bool:
    return any(lo <= cp <= hi for lo, hi in blocks)


# --- the report font ------------------------------------------------------------------------
def cache_dir() -> Path:
    """Where built fonts are kept: ``$XDG_CACHE_HOME/gridmap/fonts`` or ``~/.cache/...``."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "gridmap" / "fonts"


def _collection() -> Path:
    collection = bundled_collection()
    if collection is None:
        raise ReportError(
            f"the font package {PACKAGE.replace('_', '-')} is not installed "
            "(pip install manimgx-fonts-cjk)"
        )
    return collection


def _report_path(collection: Path, weight: int) -> Path:
    return cache_dir() / f"gridmap-sc-{weight}-{_source_key(collection)}.ttf"


def report_font(weight: int = 400) -> Path:
    """The bundled SC face at ``weight`` as a static TrueType file, built on first use.

    Raises
    ------
    ReportError
        When ``manimgx-fonts-cjk`` is not installed or the cache folder cannot be written.
    """
    collection = _collection()
    dest = _report_path(collection, weight)
    if dest.is_file():
        return dest
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)  # fail before a half-minute build
        _log.info("building the report font %s (once) from %s", dest.name, collection)
        with _sc_face(collection) as face:
            font = _static_instance(face, weight, None)
        _write_atomic(font, dest)
    except OSError as exc:
        raise ReportError(
            f"{dest.parent}: cannot write the report font ({exc.strerror or exc}); "
            "set XDG_CACHE_HOME to a writable folder"
        ) from exc
    return dest


def report_fonts() -> list[Path]:
    """Every weight of :data:`WEIGHTS` as report fonts. On first use the missing weights
    after the first are built by child processes while this one builds the first: the
    build is pure Python, so two cores halve the wait. A failed child is made up for here.
    """
    collection = _collection()
    missing = [w for w in WEIGHTS if not _report_path(collection, w).is_file()]
    helpers = []
    if len(missing) > 1 and (os.cpu_count() or 1) > 1:
        helpers = [
            subprocess.Popen(
                [sys.executable, "-c", f"from {__name__} import report_font; report_font({w})"],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for w in missing[1:]
        ]
    try:
        if missing:
            report_font(missing[0])
    finally:
        for helper in helpers:
            helper.wait()
    return [report_font(w) for w in WEIGHTS]


@cache
def cjk_family(custom_font: str | None = None) -> str:
    """The family name matplotlib should use for Chinese text, registered in this process.

    ``custom_font`` (a ``.ttf``/``.otf``/``.ttc`` file: the deployment's ``GRIDMAP_CJK_FONT``,
    read at the edge into :class:`gridmap.config.Environment`) first, then the bundled font
    (built once, then added by path, so a stale matplotlib font cache does not matter), then
    installed :data:`CJK_FAMILIES`.

    Raises
    ------
    ReportError
        When the custom font file is missing, or no Chinese font can be had.
    """
    from matplotlib import font_manager

    custom = custom_font
    if custom:
        path = Path(custom)
        if not path.is_file():
            raise ReportError(f"GRIDMAP_CJK_FONT={custom}: no such font file")
        font_manager.fontManager.addfont(str(path))
        return str(font_manager.FontProperties(fname=str(path)).get_name())
    try:
        files = report_fonts()
    except ReportError as exc:
        bundled_error: ReportError | None = exc
    else:
        for file in files:
            font_manager.fontManager.addfont(str(file))
        return FAMILY
    # A cache entry may name a file that is gone: only families whose file exists count.
    installed = {f.name for f in font_manager.fontManager.ttflist if Path(f.fname).is_file()}
    for family in CJK_FAMILIES:
        if family in installed:
            _log.warning("bundled Chinese font unavailable (%s); using %s", bundled_error, family)
            return family
    raise ReportError(f"no Chinese font for the report: {bundled_error}")


# --- the web font ---------------------------------------------------------------------------
def web_charset(sources: Iterable[Path] = ()) -> set[int]:
    """Code points of the web font: GB2312, the fixed blocks, and every character in
    ``sources`` (text files, e.g. the app's pages) and in gridmap's own modules."""
    cps: set[int] = set()
    for lo, hi in _WEB_BLOCKS:
        cps.update(range(lo, hi + 1))
    # Every two-byte GB2312 code (rows 0xA1-0xF7, cells 0xA1-0xFE): symbols and 6,763 hanzi.
    raw = bytes(b for hi in range(0xA1, 0xF8) for lo in range(0xA1, 0xFF) for b in (hi, lo))
    cps.update(map(ord, raw.decode("gb2312", errors="ignore")))
    package = Path(__file__).resolve().parents[1]
    for path in [*package.rglob("*.py"), *sources]:
        if path.is_file():
            cps.update(map(ord, path.read_text(encoding="utf-8", errors="ignore")))
    return {cp for cp in cps if cp >= 0x20}


def _app_charset(app_dir: Path) -> set[int]:
    return web_charset([app_dir / "app.py", *sorted((app_dir / "app_pages").glob("*.py"))])


def _web_font(app_dir: Path, weight: int) -> None:
    """Write one web font of the app in ``app_dir`` (run in a child process for the second
    weight by :func:`web_fonts`)."""
    with _sc_face(_collection()) as face:
        font = _static_instance(face, weight, _app_charset(app_dir))
    font.flavor = "woff2"
    _write_atomic(font, app_dir / "static" / WEB_FILES[weight])


def web_fonts(app_dir: Path, announce: Callable[[str], object] | None = None) -> list[Path]:
    """Make sure the app's ``static/`` folder holds the web fonts (:data:`WEB_FILES`); build
    them when missing or out of date (about half a minute, once; the second weight in a
    child process). Returns the font files.

    The character set takes in ``app.py`` and ``app_pages/*.py`` of ``app_dir``;
    ``announce`` is told (one line) when a build starts. A ``static/fonts/stamp.json``
    records the source and character set the files were made from, so a new character in
    the app's strings rebuilds them.

    Raises
    ------
    ReportError
        When ``manimgx-fonts-cjk`` is not installed or the folder cannot be written.
    """
    collection = _collection()
    static_dir = app_dir / "static"
    charset = _app_charset(app_dir)
    digest = hashlib.sha1(",".join(map(str, sorted(charset))).encode()).hexdigest()
    want = {"source": _source_key(collection), "charset": digest}
    stamp = static_dir / "fonts" / "stamp.json"
    files = [static_dir / WEB_FILES[w] for w in WEIGHTS]
    try:
        if json.loads(stamp.read_text()) == want and all(f.is_file() for f in files):
            return files
    except (OSError, ValueError):
        pass  # no stamp or a broken one: build
    message = f"building the Chinese web fonts in {static_dir / 'fonts'} (once, about a minute)"
    _log.info(message)
    if announce is not None:
        announce(message)
    first, *rest = WEIGHTS
    code = "from {} import _web_font; from pathlib import Path; _web_font(Path({!r}), {})"
    try:
        (static_dir / "fonts").mkdir(parents=True, exist_ok=True)
        stamp.unlink(missing_ok=True)  # a build cut short must not look up to date
        helpers = {
            w: subprocess.Popen(
                [sys.executable, "-c", code.format(__name__, str(app_dir), w)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for w in rest
        }
        try:
            _web_font(app_dir, first)
        finally:
            failed = [w for w, helper in helpers.items() if helper.wait() != 0]
        for weight in failed:
            _web_font(app_dir, weight)
        stamp.write_text(json.dumps(want))
    except OSError as exc:
        raise ReportError(f"{static_dir}: cannot write the web fonts ({exc})") from exc
    return files
