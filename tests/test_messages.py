"""Broken-file messages in the user's language (gridmap.io.messages.error_text)."""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from gridmap.errors import GridmapError
from gridmap.importing import import_file
from gridmap.io.messages import error_text
from gridmap.io.readers import read_polygons, read_table

from .builders import squares_2x2

Make = Callable[[Path], Callable[[], object]]


def _empty(tmp: Path) -> Callable[[], object]:
    (tmp / "空.csv").write_bytes(b"")
    return lambda: read_table(tmp / "空.csv")


def _repeated(tmp: Path) -> Callable[[], object]:
    (tmp / "r.csv").write_text("经度,经度\n1,2\n", encoding="utf-8")
    return lambda: read_table(tmp / "r.csv")


def _gbk_wrong(tmp: Path) -> Callable[[], object]:
    (tmp / "g.csv").write_bytes("编号\n甲\n".encode("gbk"))
    return lambda: read_table(tmp / "g.csv", encoding="utf-8")


def _bad_zip(tmp: Path) -> Callable[[], object]:
    (tmp / "z.zip").write_bytes(b"PK not really")
    return lambda: read_polygons(tmp / "z.zip")


def _empty_zip(tmp: Path) -> Callable[[], object]:
    with zipfile.ZipFile(tmp / "e.zip", "w") as zf:
        zf.writestr("readme.txt", "nothing")
    return lambda: read_polygons(tmp / "e.zip")


def _two_layers(tmp: Path) -> Callable[[], object]:
    squares_2x2().to_file(tmp / "two.gpkg", layer="a")
    squares_2x2().to_file(tmp / "two.gpkg", layer="b")
    return lambda: read_polygons(tmp / "two.gpkg")


def _not_vector(tmp: Path) -> Callable[[], object]:
    (tmp / "broken.gpkg").write_bytes(b"this is not a geopackage")
    return lambda: read_polygons(tmp / "broken.gpkg")


def _suffix(tmp: Path) -> Callable[[], object]:
    (tmp / "grids.kml").write_text("<kml/>")
    return lambda: read_polygons(tmp / "grids.kml")


def _missing(tmp: Path) -> Callable[[], object]:
    return lambda: read_table(tmp / "missing.csv")


def _no_xy(tmp: Path) -> Callable[[], object]:
    (tmp / "e.csv").write_text("id,time\n1,2024-01-01\n", encoding="utf-8")
    return lambda: import_file(tmp / "ws.gpkg", "incidents", tmp / "e.csv", crs="wgs84")


def _no_crs(tmp: Path) -> Callable[[], object]:
    (tmp / "e.csv").write_text("id,lon,lat,time\n1,103.8,36.0,2024-01-01\n", encoding="utf-8")
    return lambda: import_file(tmp / "ws.gpkg", "incidents", tmp / "e.csv")


def _excel(tmp: Path) -> Callable[[], object]:
    (tmp / "x.xlsx").write_bytes(b"not a workbook")
    return lambda: read_table(tmp / "x.xlsx")


BROKEN: dict[str, Make] = {
    "empty": _empty,
    "repeated": _repeated,
    "decode": _gbk_wrong,
    "zip": _bad_zip,
    "zip_layers": _empty_zip,
    "layers": _two_layers,
    "vector": _not_vector,
    "suffix": _suffix,
    "missing": _missing,
    "no_xy": _no_xy,
    "no_crs": _no_crs,
    "excel": _excel,
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_file_messages_are_chinese_in_chinese(case: str, tmp_path: Path) -> None:
    action = BROKEN[case](tmp_path)
    with pytest.raises(GridmapError) as info:
        action()
    english = str(info.value)
    zh = error_text(info.value, "zh")
    assert error_text(info.value, "en") == english
    assert zh != english and re.search(r"[\u4e00-\u9fff]", zh), zh
    # The file is still named, and no English sentence is left (details from a library,
    # such as GDAL's cause in brackets, may stay as they are).
    name = re.split(r": ", english, maxsplit=1)[0]
    assert zh.startswith(name), zh
    outside = re.sub(r"（[^）]*）|\([^)]*\)", "", zh[len(name) :])
    assert not re.search(r"\b(?:not|the|file|column|no|holds|choose|row)\b", outside), zh


def test_unknown_message_stays_as_it_is() -> None:
    assert error_text("something new went wrong", "zh") == "something new went wrong"
