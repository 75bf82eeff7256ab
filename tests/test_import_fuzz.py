"""Hostile-but-plausible files from Hypothesis, for every importer kind and format.

The property, for whatever a city platform (or an attacker) hands over: ``import_file``
either succeeds, and the workspace then holds exactly what the report says (counts add up,
every layer is whole, nothing already stored went missing), or it raises one of gridmap's
own errors in one line that names the file, and the workspace file is byte-for-byte as it
was. Any other exception — including a warning, which the test run turns into an error — is
a bug.

Examples are small (a few rows) because the bugs live in the shapes of the input, not its
size, and the whole file has to run in well under a minute on two cores.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import shutil
import tempfile
import warnings
import zipfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
from hypothesis import HealthCheck, event, given, reject, settings
from hypothesis import strategies as st
from shapely.geometry import LineString, MultiPolygon, Point, Polygon, box

from gridmap import schema
from gridmap.errors import GridmapError
from gridmap.importing import import_file
from gridmap.store import Workspace

from .builders import block_workspace, community_block, squares_2x2

# Known and left to the store: appending a MultiPolygon grid version to a grids layer that
# GDAL created as Polygon makes GDAL warn (the GeoPackage is still written and read fine).
pytestmark = pytest.mark.filterwarnings(
    "ignore:A geometry of type MULTIPOLYGON is inserted:RuntimeWarning"
)

# Every property shares these: no deadline (imports touch the disk), and the module-scoped
# template workspace is copied per example, so the function-scoped-fixture check is moot.
FUZZ = settings(
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)

# The 2x2 grids of conftest lie in [102.7801, 102.7824] x [36.0340, 36.0358] (WGS-84).
LON0, LAT0 = 102.7812, 36.0349
TABLE_CRS = ("wgs84", "gcj02", "bd09", "EPSG:4490", "EPSG:32648", "EPSG:3857")
FILE_STEMS = ("data", "事件导出 (1)", "x'; DROP TABLE grids; --", "a%b_c", "..hidden")


def fuzz(max_examples: int) -> settings:
    return settings(FUZZ, max_examples=max_examples)


# --- workspace ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One community, its 2x2 grids, and a few incidents, cameras, units and key areas, so
    that appends and upserts meet rows already stored."""
    root = tmp_path_factory.mktemp("import-fuzz")
    ws = Path(block_workspace(root / "ws.gpkg", root))
    pts = pd.DataFrame(
        {
            "id": ["E1", "E2", "C1"],
            "lon": [LON0, LON0 + 0.0005, LON0 - 0.0005],
            "lat": [LAT0, LAT0 + 0.0003, LAT0 - 0.0003],
            "occurred_at": ["2024-03-01 08:00"] * 3,
            "range_m": ["50"] * 3,
        }
    )
    pts.iloc[:2].to_csv(root / "incidents.csv", index=False)
    pts.iloc[2:].to_csv(root / "cameras.csv", index=False)
    assert import_file(ws, "incidents", root / "incidents.csv", crs="wgs84").imported == 2
    assert import_file(ws, "cameras", root / "cameras.csv", crs="wgs84").imported == 1
    cells = squares_2x2()
    units = cells.assign(code=["U1", "U2", "U3", "U4"]).drop(columns="grid_type")
    units.to_file(root / "units.geojson", driver="GeoJSON")
    import_file(ws, "units", root / "units.geojson")
    cells.iloc[:1].assign(code="K1", kind="school").to_file(
        root / "keyareas.geojson", driver="GeoJSON"
    )
    import_file(ws, "keyareas", root / "keyareas.geojson")
    return ws


@contextmanager
def scratch(template: Path) -> Iterator[tuple[Path, Path]]:
    """A private copy of the template workspace and a folder for the input file."""
    with tempfile.TemporaryDirectory(prefix="gm-fuzz-") as d:
        root = Path(d)
        ws = root / "ws.gpkg"
        shutil.copyfile(template, ws)
        (root / "in").mkdir()
        yield ws, root / "in"


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --- the property ---------------------------------------------------------------------------
def check_import(ws: Path, kind: str, path: Path, **kwargs: Any) -> str:
    """Import and check the invariants; returns "ok" or "refused" (for event statistics)."""
    before = digest(ws)
    w = Workspace(ws)
    counts = w.counts()
    n_log = len(w.import_log())
    versions = w.latest_version()
    try:
        report = import_file(ws, kind, path, **kwargs)
    except GridmapError as exc:
        message = str(exc)
        assert "\n" not in message, f"error over several lines: {message!r}"
        assert path.name in message, f"error does not name the file {path.name}: {message!r}"
        assert digest(ws) == before, f"workspace changed by a refused import: {message!r}"
        assert not list(ws.parent.glob(".ws.gpkg.*.tmp.gpkg")), "transaction copy left behind"
        return "refused"

    # Counts add up, and every rejected row is listed with a reason.
    assert report.rows_read == report.imported + report.rejected
    assert report.imported >= 0 and report.rejected >= 0
    issues = report.issues
    rejected_rows = set(issues.loc[issues["action"] == "rejected", "row"])
    assert len(rejected_rows) == report.rejected
    assert issues["reason"].astype(str).str.len().gt(0).all()

    # The workspace is whole: still a gridmap workspace, one more import-log entry that
    # agrees with the report, and each layer holds what was there plus what was imported.
    w.check()
    log = w.import_log()
    assert len(log) == n_log + 1
    last = log.iloc[-1]
    assert (last["rows_read"], last["imported"], last["rejected"]) == (
        report.rows_read,
        report.imported,
        report.rejected,
    )
    after = w.counts()
    if kind == "grids":
        assert report.version == versions + 1 == w.latest_version()
        assert after["grids"] == counts["grids"] + report.imported
        assert w.grid_versions()[-1].n_grids == report.imported
        stored = w.read_grids(report.version)
    else:
        assert after[kind] == counts[kind] - report.updated + report.imported
        stored = w.read_layer(kind)
        key = "id" if kind in schema.POINT_KINDS else "code"
        assert not stored[key].duplicated().any(), f"duplicate {key} stored in {kind}"
    for other in set(after) - {kind, "grids"}:
        assert after[other] == counts[other], f"{other} changed by a {kind} import"
    assert len(stored) == (report.imported if kind == "grids" else after[kind])
    geoms = stored.geometry.values
    assert not (shapely.is_missing(geoms) | shapely.is_empty(geoms)).any()
    assert shapely.is_valid(geoms).all()
    if len(geoms):
        x0, y0, x1, y1 = shapely.total_bounds(geoms)
        assert -180 <= x0 <= x1 <= 180 and -90 <= y0 <= y1 <= 90, (x0, y0, x1, y1)
    return "ok"


# --- cell values ----------------------------------------------------------------------------
HOSTILE = st.sampled_from(
    [
        "", " ", "NaN", "nan", "inf", "-inf", "Infinity", "1e308", "1e999", "-1e999",
        "9" * 400, "0", "-0", "0.0", "103,79", "103.79.1", "１０３．７９", "一百零三", "NULL",
        "无", "-", "#N/A", "TRUE", "0x1F", "99999999999999999999", "-1",
        "'; DROP TABLE incidents; --", "Robert'); DROP TABLE grid_versions;--", "1 OR 1=1",
        "=cmd|' /C calc'!A0", "\x00", "a\x00b", "\x1b[31mred", "\r", "line\nbreak", "a\tb",
        '"', '""quoted""', "\u202etxt", "\ufeff", "x" * 5000, "网格" * 300,
        "2024-13-45", "2024/02/30", "9999-12-31", "0000-00-00", "1970-01-01",
        "2024-01-01T25:00", "2024-01-01 08:00+25:00", "2024-01-01 08:00+08:00",
        "2024-03-05T14:02:00Z", "1e10", "20240305", "2024年3月5日", "昨天下午",
    ]
)  # fmt: skip


def _near(centre: float, spread: float) -> st.SearchStrategy[str]:
    return st.floats(centre - spread, centre + spread).map(lambda v: f"{v:.6f}")


GOOD: Mapping[str, st.SearchStrategy[str]] = {
    "lon": _near(LON0, 0.002),
    "lat": _near(LAT0, 0.001),
    "id": st.integers(0, 30).map(lambda i: f"E{i}"),
    "occurred_at": st.sampled_from(["2024-03-01 08:00", "2024/3/5 14:02", "2024年3月5日"]),
    "closed_at": st.sampled_from(["2024-02-01", "2024-04-01 17:00:00", ""]),
    "category": st.sampled_from(["平安建设", "城市管理", "ecology", "矛盾纠纷排查"]),
    "handling_class": st.sampled_from(["一般事项", "应急", "mediation", "其他"]),
    "kind": st.sampled_from(["球机", "dome", "fixed", "school", "医院", "ufo"]),
    "status": st.sampled_from(["在线", "0", "1", "broken"]),
    "range_m": st.sampled_from(["50", "5000", "5001", "-3", "30米"]),
    "azimuth_deg": st.sampled_from(["0", "359.9", "360", "720"]),
    "fov_deg": st.sampled_from(["60", "360", "0"]),
    "code": st.sampled_from(["A", "B", "U1", "K1", "620104001001", "620104001001.0", "N1"]),
    "level": st.sampled_from(["community", "街道", "区", "planet"]),
    "grid_type": st.sampled_from(["basic", "专属网格", "综合", "weird"]),
    "households": st.sampled_from(["300", "12.5", "-4", "1e3", "三百"]),
    "population": st.sampled_from(["900", "0", "1e40"]),
    "effective_date": st.sampled_from(["2024-01-01", "2024-02-30", "明年"]),
    "target_coverage": st.sampled_from(["1", "0.8", "80%", "2"]),
}


def cell(field: str | None) -> st.SearchStrategy[str]:
    """A cell for ``field``: mostly plausible, often hostile, sometimes any text."""
    good = GOOD.get(field or "", st.text(max_size=8))
    return st.one_of(good, good, HOSTILE, st.text(max_size=15))


def aliases(kind: str, field: str) -> tuple[str, ...]:
    spec = schema.field_spec(kind, field)
    return (spec.name, *spec.aliases)


@st.composite
def headers(draw: st.DrawFn, kind: str) -> list[tuple[str, str | None]]:
    """(header, field) pairs: recognised fields under their own name or an alias (required
    ones more often), unknown columns, a repeated header now and then, any order."""
    cols: list[tuple[str, str | None]] = []
    for spec in schema.FIELDS[kind]:
        if draw(st.floats(0, 1)) < (0.93 if spec.required else 0.3):
            cols.append((draw(st.sampled_from(aliases(kind, spec.name))), spec.name))
    for _ in range(draw(st.integers(0, 2))):
        cols.append((draw(st.one_of(st.text(max_size=10), HOSTILE)), None))
    if cols and draw(st.integers(0, 9)) == 0:
        cols.append(draw(st.sampled_from(cols)))
    return list(draw(st.permutations(cols)))


@st.composite
def tables(draw: st.DrawFn, kind: str) -> tuple[list[str], list[list[str]]]:
    cols = draw(headers(kind))
    n = draw(st.integers(0, 6))
    rows = [[draw(cell(field)) for _, field in cols] for _ in range(n)]
    return [h for h, _ in cols], rows


# --- text files: encodings, separators, damage ----------------------------------------------
def to_csv_text(header: list[str], rows: list[list[str]], sep: str, quote_all: bool) -> str:
    buf = io.StringIO()
    writer = csv.writer(
        buf,
        delimiter=sep,
        quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL,
        lineterminator="\r\n" if quote_all else "\n",
    )
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue()


def encode(text: str, encoding: str) -> bytes:
    if encoding == "gbk":
        return text.encode("gbk", errors="replace")
    if encoding == "mixed":  # header in UTF-8, body in GBK: two exports pasted together
        head, _, body = text.partition("\n")
        return head.encode("utf-8") + b"\n" + body.encode("gbk", errors="replace")
    return text.encode(encoding)


@st.composite
def damage(draw: st.DrawFn, raw: bytes) -> bytes:
    """Leave the bytes alone, or truncate them, splice in random bytes, or add a BOM."""
    how = draw(st.sampled_from(["none"] * 6 + ["truncate", "splice", "bom", "empty"]))
    # A position as a share of the length: what is drawn must not depend on the bytes, which
    # for a workbook carry the time it was written (Hypothesis replays draws exactly).
    at = round(draw(st.floats(0, 1)) * len(raw))
    if how == "truncate":
        return raw[:at]
    if how == "splice":
        return raw[:at] + draw(st.binary(min_size=1, max_size=12)) + raw[at:]
    if how == "bom":
        return b"\xef\xbb\xbf" + raw
    if how == "empty":
        return draw(st.sampled_from([b"", b"\n\n", b"   ", b"\xef\xbb\xbf"]))
    return raw


@fuzz(100)
@given(
    data=st.data(),
    kind=st.sampled_from(schema.POINT_KINDS),
    sep=st.sampled_from([",", ";", "\t", "|"]),
    quote_all=st.booleans(),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "gbk", "gb18030", "utf-16", "mixed"]),
    suffix=st.sampled_from([".csv", ".csv", ".txt", ".tsv"]),
    crs=st.sampled_from(TABLE_CRS),
    stem=st.sampled_from(FILE_STEMS),
)
def test_csv_point_tables(
    template: Path,
    data: st.DataObject,
    kind: str,
    sep: str,
    quote_all: bool,
    encoding: str,
    suffix: str,
    crs: str,
    stem: str,
) -> None:
    header, rows = data.draw(tables(kind))
    raw = data.draw(damage(encode(to_csv_text(header, rows, sep, quote_all), encoding)))
    with scratch(template) as (ws, folder):
        path = folder / f"{stem}{suffix}"
        path.write_bytes(raw)
        event(check_import(ws, kind, path, crs=crs))


# --- workbooks and Parquet ------------------------------------------------------------------
def _excel_safe(value: str) -> str:
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    # openpyxl refuses control characters on write: no workbook can hold them.
    return ILLEGAL_CHARACTERS_RE.sub("", value)


TYPED = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-(2**63), 2**63 - 1),
    st.booleans(),
    st.datetimes(
        min_value=pd.Timestamp("1900-01-01").to_pydatetime(),
        max_value=pd.Timestamp("2200-01-01").to_pydatetime(),
    ),
    st.just(LON0),
    st.just(LAT0),
)


@fuzz(30)
@given(
    data=st.data(),
    kind=st.sampled_from(schema.POINT_KINDS),
    fmt=st.sampled_from(["xlsx", "parquet", "geoparquet"]),
    crs=st.sampled_from((*TABLE_CRS, None)),
)
def test_workbook_and_parquet_point_tables(
    template: Path, data: st.DataObject, kind: str, fmt: str, crs: str | None
) -> None:
    header, rows = data.draw(tables(kind))
    if fmt == "xlsx":
        header = [_excel_safe(h) for h in header]
    header = list(dict.fromkeys(header))  # these writers need unique column names
    width = len(header)
    rows = [r[:width] for r in rows]
    with scratch(template) as (ws, folder):
        if fmt == "xlsx":
            # Spreadsheet cells are typed: numbers, dates and booleans as well as text.
            values = [
                [data.draw(st.one_of(st.just(_excel_safe(v)), TYPED)) for v in r] for r in rows
            ]
            path = folder / "data.xlsx"
            pd.DataFrame(values, columns=header).to_excel(path, index=False)
        elif fmt == "parquet":
            path = folder / "data.parquet"
            pd.DataFrame(rows, columns=header, dtype=str).to_parquet(path)
        else:
            geoms = data.draw(st.lists(point_geometries, min_size=len(rows), max_size=len(rows)))
            gdf = gpd.GeoDataFrame(
                pd.DataFrame(rows, columns=header, dtype=str),
                geometry=gpd.GeoSeries(geoms),
                crs=data.draw(st.sampled_from([None, 4326, 3857, 32648])),
            )
            path = folder / "data.geoparquet"
            gdf.to_parquet(path)
        raw = data.draw(damage(path.read_bytes()))
        path.write_bytes(raw)
        event(check_import(ws, kind, path, crs=crs))


# --- geometries -----------------------------------------------------------------------------
def _square(x: float, y: float, d: float) -> Polygon:
    return box(x, y, x + d, y + d)


point_geometries = st.sampled_from(
    [
        Point(LON0, LAT0),
        Point(LON0 + 0.0004, LAT0 - 0.0002),
        Point(),
        None,
        Point(np.nan, np.nan),
        Point(1e300, -1e300),
        Point(0, 0),
        _square(LON0, LAT0, 1e-4),
        LineString([(LON0, LAT0), (LON0 + 1e-4, LAT0)]),
    ]
)

# A polygon zoo near the grids, in WGS-84 degrees: good, bow-tie (self-intersecting),
# empty, a hole outside its shell, a spike, a sliver, multi-part, points and lines, huge.
polygon_geometries = st.sampled_from(
    [
        _square(LON0 - 0.001, LAT0 - 0.0008, 0.001),
        _square(LON0, LAT0, 0.0005),
        Polygon(
            [(LON0, LAT0), (LON0 + 1e-3, LAT0 + 1e-3), (LON0 + 1e-3, LAT0), (LON0, LAT0 + 1e-3)]
        ),
        Polygon(),
        None,
        Polygon(
            _square(LON0, LAT0, 1e-4).exterior.coords,
            [_square(LON0 + 1e-3, LAT0, 1e-4).exterior.coords],
        ),
        Polygon([(LON0, LAT0), (LON0 + 1e-3, LAT0), (LON0, LAT0), (LON0, LAT0 + 1e-3)]),
        _square(LON0, LAT0, 1e-9),
        MultiPolygon([_square(LON0, LAT0, 1e-4), _square(LON0 + 2e-4, LAT0, 1e-4)]),
        MultiPolygon([_square(LON0, LAT0, 2e-4), _square(LON0 + 1e-4, LAT0, 2e-4)]),
        Point(LON0, LAT0),
        LineString([(LON0, LAT0), (LON0 + 1e-3, LAT0)]),
        _square(300_000, 3_990_000, 100),  # metres: a file in UTM without a .prj
        _square(-1e300, -1e300, 1e299),
        shapely.GeometryCollection([Point(LON0, LAT0), _square(LON0, LAT0, 1e-4)]),
    ]
)  # fmt: skip


ATTR_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    HOSTILE,
    st.text(max_size=10),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)


@st.composite
def properties(draw: st.DrawFn, kind: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for header, field in draw(headers(kind)):
        good = GOOD.get(field or "")
        out[header] = draw(st.one_of(good, ATTR_VALUES) if good is not None else ATTR_VALUES)
    return out


def _position() -> st.SearchStrategy[Any]:
    near = st.tuples(
        st.floats(LON0 - 0.002, LON0 + 0.002), st.floats(LAT0 - 0.001, LAT0 + 0.001)
    ).map(list)
    odd = st.one_of(
        st.lists(st.floats(allow_nan=True, allow_infinity=True), min_size=0, max_size=4),
        st.just(["103.8", "36.0"]),
        st.just(None),
        st.just([[LON0, LAT0]]),
    )
    return st.one_of(near, near, near, odd)


@st.composite
def geojson_geometries(draw: st.DrawFn) -> Any:
    how = draw(st.integers(0, 9))
    if how <= 4:
        return shapely.geometry.mapping(g) if (g := draw(polygon_geometries)) else None
    if how <= 7:  # hand-made rings: unclosed, too short, odd positions, odd nesting
        ring = draw(st.lists(_position(), min_size=0, max_size=6))
        if ring and draw(st.booleans()):
            ring.append(ring[0])
        gtype = draw(st.sampled_from(["Polygon", "MultiPolygon", "Point", "Foo", "polygon"]))
        coords: Any = [ring] if gtype != "MultiPolygon" else [[ring]]
        return {"type": gtype, "coordinates": draw(st.sampled_from([coords, ring, [], "abc"]))}
    return draw(st.sampled_from([{}, {"type": "Polygon"}, "POLYGON((0 0,1 1,1 0,0 0))", []]))


CRS_MEMBERS = st.sampled_from(
    [
        None,
        None,
        None,
        {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::3857"}},
        {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::32648"}},
        {"type": "name", "properties": {"name": "EPSG:999999"}},
        {"type": "name", "properties": {"name": "not a crs"}},
        {"type": "link", "properties": {"href": "http://example.invalid/crs"}},
        "EPSG:4326",
    ]
)


@st.composite
def geojson_documents(draw: st.DrawFn, kind: str) -> str:
    features = []
    for _ in range(draw(st.integers(0, 5))):
        feature: dict[str, Any] = {
            "type": draw(st.sampled_from(["Feature", "Feature", "Feature", "feature", None])),
            "geometry": draw(geojson_geometries()),
            "properties": draw(st.one_of(properties(kind), st.none(), st.just([]))),
        }
        features.append({k: v for k, v in feature.items() if v is not None or k != "type"})
    doc: dict[str, Any] = {"type": "FeatureCollection", "features": features}
    if (crs := draw(CRS_MEMBERS)) is not None:
        doc["crs"] = crs
    shape = draw(st.integers(0, 9))
    if shape == 0 and features:
        doc = features[0]  # a bare Feature
    elif shape == 1:
        doc = {"type": "FeatureCollection"}  # no features member
    elif shape == 2:
        return json.dumps(features, allow_nan=True)  # a bare list
    return json.dumps(doc, ensure_ascii=draw(st.booleans()), allow_nan=True, default=str)


@fuzz(100)
@given(
    data=st.data(),
    kind=st.sampled_from(schema.POLYGON_KINDS),
    encoding=st.sampled_from(["utf-8", "utf-8", "utf-8-sig", "gbk"]),
    suffix=st.sampled_from([".geojson", ".json"]),
    crs=st.sampled_from([None, None, "wgs84", "gcj02", "EPSG:4326", "EPSG:32648"]),
    draft=st.booleans(),
    level=st.sampled_from([None, "community", "区"]),
)
def test_geojson_polygon_layers(
    template: Path,
    data: st.DataObject,
    kind: str,
    encoding: str,
    suffix: str,
    crs: str | None,
    draft: bool,
    level: str | None,
) -> None:
    text = data.draw(geojson_documents(kind))
    raw = data.draw(damage(encode(text, encoding)))
    set_values = {"level": level} if kind == "admin" and level else None
    with scratch(template) as (ws, folder):
        path = folder / f"{data.draw(st.sampled_from(FILE_STEMS))}{suffix}"
        path.write_bytes(raw)
        event(check_import(ws, kind, path, crs=crs, draft=draft, set_values=set_values))


# --- binary vector formats ------------------------------------------------------------------
DRIVERS = {"gpkg": "GPKG", "shp": "ESRI Shapefile", "fgb": "FlatGeobuf"}


def _write_vector(gdf: gpd.GeoDataFrame, fmt: str, folder: Path, zip_how: str) -> Path:
    # Writers warn about what they launder (long field names, no CRS); the file is the test.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return _write_vector_quietly(gdf, fmt, folder, zip_how)
        except (pyogrio.errors.DataLayerError, pyogrio.errors.DataSourceError):
            # Field names the format cannot hold (two that launder to the same dBASE name):
            # no such file can exist, so there is nothing to import.
            reject()


def _write_vector_quietly(gdf: gpd.GeoDataFrame, fmt: str, folder: Path, zip_how: str) -> Path:
    if fmt == "parquet":
        path = folder / "layer.parquet"
        gdf.to_parquet(path)
        return path
    if fmt != "zip":
        path = folder / f"layer.{fmt}"
        # FlatGeobuf's spatial index cannot hold a feature without geometry.
        options = {"SPATIAL_INDEX": "NO"} if fmt == "fgb" else {}
        encoding = "UTF-8" if fmt == "shp" else None
        gdf.to_file(path, driver=DRIVERS[fmt], encoding=encoding, **options)
        return path
    parts = folder / "set"
    parts.mkdir()
    gdf.to_file(parts / "layer.shp", driver="ESRI Shapefile", encoding="GBK")
    path = folder / "layer.zip"
    with zipfile.ZipFile(path, "w") as zf:
        for part in sorted(parts.iterdir()):
            if zip_how == "no-dbf" and part.suffix == ".dbf":
                continue
            if zip_how == "no-shx" and part.suffix == ".shx":
                continue
            zf.write(part, ("sub/" if zip_how == "folder" else "") + part.name)
            if zip_how == "two" and part.suffix in (".shp", ".shx", ".dbf"):
                zf.write(part, "copy" + part.suffix)
    return path


@fuzz(50)
@given(
    data=st.data(),
    kind=st.sampled_from(schema.POLYGON_KINDS),
    fmt=st.sampled_from(["gpkg", "shp", "zip", "fgb", "parquet"]),
    file_crs=st.sampled_from([None, 4326, 4490, 32648, 3857]),
    crs=st.sampled_from([None, None, "wgs84", "gcj02", "EPSG:32648"]),
    zip_how=st.sampled_from(["plain", "plain", "no-dbf", "no-shx", "folder", "two"]),
)
def test_binary_polygon_layers(
    template: Path,
    data: st.DataObject,
    kind: str,
    fmt: str,
    file_crs: int | None,
    crs: str | None,
    zip_how: str,
) -> None:
    n = data.draw(st.integers(1, 5))
    geoms = data.draw(st.lists(polygon_geometries, min_size=n, max_size=n))
    if fmt in ("shp", "zip"):
        # A Shapefile holds one geometry type; what cannot be written cannot be sent.
        geoms = [g if g is not None and g.geom_type in ("Polygon", "MultiPolygon") else None
                 for g in geoms]  # fmt: skip
    cols = list(dict.fromkeys(h for h, _ in data.draw(headers(kind)) if h.strip()))
    if fmt in ("shp", "zip"):
        cols = [c for c in cols if c.isprintable()]
    attrs = {c: [data.draw(cell(None)) for _ in range(n)] for c in cols}
    if fmt in ("shp", "zip"):  # dBASE keeps 254 bytes of text; longer values are an error
        attrs = {c: [v.replace("\x00", "")[:60] for v in vals] for c, vals in attrs.items()}
    gdf = gpd.GeoDataFrame(attrs, geometry=gpd.GeoSeries(geoms), crs=file_crs)
    with scratch(template) as (ws, folder):
        path = _write_vector(gdf, fmt, folder, zip_how)
        raw = data.draw(damage(path.read_bytes()))
        path.write_bytes(raw)
        event(check_import(ws, kind, path, crs=crs))


# --- random bytes under every extension -----------------------------------------------------
MAGIC = st.sampled_from(
    [
        b"",
        b"PK\x03\x04",
        b"SQLite format 3\x00",
        b"PAR1",
        b"fgb\x03fgb\x00",
        b'{"type":"FeatureCollection","features":[',
        b"\x00\x00\x27\x0a",  # Shapefile file code 9994
        b"id,lon,lat,occurred_at\n",
        b"\xff\xfe",
    ]
)
SUFFIXES = {
    "incidents": (".csv", ".txt", ".tsv", ".xlsx", ".xlsm", ".parquet", ".geoparquet"),
    "grids": (".gpkg", ".geojson", ".json", ".shp", ".zip", ".fgb", ".parquet"),
}


@fuzz(60)
@given(
    kind=st.sampled_from(schema.LAYER_KINDS),
    magic=MAGIC,
    body=st.binary(max_size=300),
    which=st.integers(0, 6),
)
def test_random_bytes_with_a_valid_extension(
    template: Path, kind: str, magic: bytes, body: bytes, which: int
) -> None:
    suffixes = SUFFIXES["incidents" if kind in schema.POINT_KINDS else "grids"]
    with scratch(template) as (ws, folder):
        path = folder / f"noise{suffixes[which % len(suffixes)]}"
        path.write_bytes(magic + body)
        event(check_import(ws, kind, path, crs="wgs84"))


# --- the command line -----------------------------------------------------------------------
@fuzz(15)
@given(data=st.data(), kind=st.sampled_from(schema.LAYER_KINDS), json_out=st.booleans())
def test_cli_import_of_fuzzed_files(
    template: Path,
    capsys: pytest.CaptureFixture[str],
    data: st.DataObject,
    kind: str,
    json_out: bool,
) -> None:
    from gridmap.cli import main

    if kind in schema.POINT_KINDS:
        header, rows = data.draw(tables(kind))
        raw = data.draw(damage(to_csv_text(header, rows, ",", False).encode("utf-8")))
        name = "in.csv"
    else:
        raw = data.draw(damage(data.draw(geojson_documents(kind)).encode("utf-8")))
        name = "in.geojson"
    with scratch(template) as (ws, folder):
        path = folder / name
        path.write_bytes(raw)
        before = digest(ws)
        argv = ["import", str(ws), kind, str(path), "--crs", "wgs84"]
        status = main(argv + (["--json"] if json_out else []))
        out = capsys.readouterr()
        assert status in (0, 1, 2), out.err
        assert "Traceback" not in out.err
        if status == 2:
            assert len(out.err.strip().splitlines()) == 1, out.err
            assert digest(ws) == before


def test_cli_import_in_a_subprocess_has_no_traceback(template: Path) -> None:
    """The installed command, in its own process: noise in, one line out, status 2."""
    import subprocess
    import sys

    with scratch(template) as (ws, folder):
        noise = folder / "noise.geojson"
        noise.write_bytes(b'{"type":"FeatureCollection","features":[{"type":"Feat\xff\x00')
        before = digest(ws)
        proc = subprocess.run(
            [sys.executable, "-m", "gridmap.cli", "import", str(ws), "grids", str(noise)],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert proc.returncode == 2, proc.stderr
        assert "Traceback" not in proc.stderr
        assert proc.stderr.count("\n") == 1 and "noise.geojson" in proc.stderr
        assert digest(ws) == before


# --- sanity: the generators do reach the importers ------------------------------------------
def test_a_clean_generated_file_is_imported(template: Path) -> None:
    """A guard against a generator so hostile that every example is refused at the door."""
    with scratch(template) as (ws, folder):
        path = folder / "ok.csv"
        path.write_text(
            to_csv_text(
                ["事件编号", "经度", "纬度", "发生时间"],
                [["N1", f"{LON0:.6f}", f"{LAT0:.6f}", "2024-03-01 08:00"]],
                ";",
                True,
            ),
            encoding="gbk",
        )
        assert check_import(ws, "incidents", path, crs="wgs84") == "ok"
        stored = Workspace(ws).read_layer("incidents").set_index("id")
        assert stored.loc["N1", "grid_code"] in {"A", "B", "C", "D"}


# --- regressions: one plain test per bug the properties found --------------------------------
def refused(ws: Path, kind: str, path: Path, match: str, **kwargs: Any) -> None:
    """The import is refused with one line that names the file, and changes nothing."""
    before = digest(ws)
    with pytest.raises(GridmapError, match=match) as info:
        import_file(ws, kind, path, **kwargs)
    assert "\n" not in str(info.value) and path.name in str(info.value)
    assert digest(ws) == before


def test_csv_of_only_a_bom_or_a_blank_first_line(template: Path) -> None:
    """Was StopIteration from the header reader."""
    with scratch(template) as (ws, folder):
        bom = folder / "bom.csv"
        bom.write_bytes(b"\xef\xbb\xbf")
        refused(ws, "incidents", bom, r"bom\.csv: the file is empty", crs="wgs84")
        blank = folder / "blank.csv"
        blank.write_text("\nid,lon,lat,occurred_at\nx,1,2,2024-01-01\n", encoding="utf-8")
        refused(ws, "incidents", blank, r"blank\.csv: row 1 has no column names", crs="wgs84")


def test_csv_header_without_a_final_newline_is_zero_rows(template: Path) -> None:
    """Was refused: 'not a readable CSV (Could not skip initial 1 rows …)'."""
    with scratch(template) as (ws, folder):
        path = folder / "header.csv"
        path.write_bytes(b"id,lon,lat,occurred_at")
        report = import_file(ws, "incidents", path, crs="wgs84")
        assert (report.rows_read, report.imported) == (0, 0)


def test_bom_then_gbk_names_the_encoding_it_tried(template: Path) -> None:
    """Was 'cannot decode as None': a UTF-8 byte-order mark in front of GBK text."""
    with scratch(template) as (ws, folder):
        path = folder / "mixed.csv"
        path.write_bytes(b"\xef\xbb\xbf" + "id,lon\n东岗,1\n".encode("gbk"))
        refused(
            ws,
            "incidents",
            path,
            r"mixed\.csv: cannot decode as UTF-8 \(it starts with a UTF-8 byte-order mark\)",
            crs="wgs84",
        )


def test_csv_with_old_mac_line_endings(template: Path) -> None:
    """Lines ended by a bare CR (Excel 'CSV (Macintosh)'): was csv.Error on the header."""
    with scratch(template) as (ws, folder):
        path = folder / "mac.csv"
        rows = [
            "id,lon,lat,occurred_at",
            f"m1,{LON0},{LAT0},2024-03-01",
            f"m2,{LON0 + 1e-4},{LAT0},2024-03-02",
        ]
        path.write_bytes("\r".join(rows).encode() + b"\r")
        report = import_file(ws, "incidents", path, crs="wgs84")
        assert (report.rows_read, report.imported) == (2, 2)


def test_damaged_parquet_error_is_one_line(template: Path) -> None:
    """Arrow's message runs over two lines; the error must not."""
    with scratch(template) as (ws, folder):
        path = folder / "events.parquet"
        pd.DataFrame({"id": ["a"] * 50, "lon": [str(LON0)] * 50}).to_parquet(path)
        raw = path.read_bytes()
        path.write_bytes(raw[:8] + b"\x00" * 40 + raw[48:])
        refused(ws, "incidents", path, r"events\.parquet: not a readable Parquet file", crs="wgs84")


def test_column_names_with_line_breaks_stay_on_one_line(template: Path) -> None:
    with scratch(template) as (ws, folder):
        path = folder / "odd.csv"
        path.write_text('"经度\nlon",纬度,"x' + "y" * 100 + '"\n1,2,3\n', encoding="utf-8")
        refused(ws, "incidents", path, r"columns found: 经度\\nlon, 纬度, xy{59}…;", crs="wgs84")


def test_polygon_file_whose_label_contradicts_crs_names_the_file(template: Path) -> None:
    """Was a CrsError without the file name ('geometries declared GCJ-02: ...')."""
    with scratch(template) as (ws, folder):
        path = folder / "utm.gpkg"
        squares_2x2().to_crs(32648).to_file(path, driver="GPKG")
        refused(ws, "keyareas", path, r"utm\.gpkg: geometries declared GCJ-02: ", crs="gcj02")


def test_grids_outside_every_community_are_imported_and_reported(template: Path) -> None:
    """Was IndexError in validation when no grid touched any community. The grid lies about
    1 km east of the community: within the city margin (farther away it is rejected as
    outside the city, see the next test)."""
    with scratch(template) as (ws, folder):
        path = folder / "far.geojson"
        gpd.GeoDataFrame(
            {"code": ["F1"]},
            geometry=[box(LON0 + 0.012, LAT0, LON0 + 0.013, LAT0 + 0.001)],
            crs=4326,
        ).to_file(path, driver="GeoJSON")
        report = import_file(ws, "grids", path)
        assert report.imported == 1
        assert report.validation is not None
        assert report.validation.counts().get("outside_community") == 1


def test_grids_far_outside_the_city_are_refused(template: Path) -> None:
    """A grid file for another city: every polygon is outside the city, so no version."""
    with scratch(template) as (ws, folder):
        path = folder / "far.geojson"
        gpd.GeoDataFrame(
            {"code": ["F1"]}, geometry=[box(110, 30, 110.01, 30.01)], crs=4326
        ).to_file(path, driver="GeoJSON")
        before = digest(ws)
        with pytest.raises(GridmapError, match=r"far\.geojson: no usable grid .*outside the city"):
            import_file(ws, "grids", path)
        assert digest(ws) == before


def test_geoparquet_point_empty_is_no_coordinates(template: Path) -> None:
    """Was GEOSException: getX called on empty Point."""
    with scratch(template) as (ws, folder):
        path = folder / "pts.parquet"
        gpd.GeoDataFrame(
            {"id": ["p1", "p2"], "occurred_at": ["2024-03-01"] * 2},
            geometry=[Point(LON0, LAT0), Point()],
            crs=4326,
        ).to_parquet(path)
        report = import_file(ws, "incidents", path)
        assert (report.imported, report.rejected_by_reason()) == (1, {"no coordinates": 1})


def test_projected_polygon_far_outside_its_area_is_rejected(template: Path) -> None:
    """Was stored as an invalid polygon collapsed onto (-180, -90)."""
    with scratch(template) as (ws, folder):
        path = folder / "mercator.gpkg"
        good = squares_2x2().to_crs(3857).geometry.iloc[0]
        gpd.GeoDataFrame(
            {"code": ["K7", "K8"]},
            geometry=[good, _square(-1e300, -1e300, 1e299)],
            crs=3857,
        ).to_file(path, driver="GPKG")
        report = import_file(ws, "keyareas", path)
        assert report.imported == 1
        assert report.rejected_by_reason() == {"cannot convert from EPSG:3857 to WGS-84 degrees": 1}
        assert shapely.is_valid(Workspace(ws).read_layer("keyareas").geometry.values).all()


def test_huge_whole_number_is_cleared_not_a_crash(template: Path) -> None:
    """Was TypeError: cannot safely cast non-equivalent float64 to int64."""
    with scratch(template) as (ws, folder):
        path = folder / "admin.geojson"
        community_block().assign(code="X1", population="1e40").to_file(path, driver="GeoJSON")
        report = import_file(ws, "admin", path)
        assert report.imported == 1 and report.values_cleared == 1
        assert "not a whole number (too large)" in set(report.issues["reason"])


def test_workbook_with_an_infinite_number_cell(template: Path) -> None:
    """Was OverflowError from pandas' Excel reader. openpyxl stores the largest float with 16
    digits, 1.797693134862316e+308, which reads back as infinity."""
    from openpyxl import Workbook

    with scratch(template) as (ws, folder):
        path = folder / "inf.xlsx"
        book = Workbook()
        sheet = book.active
        assert sheet is not None
        sheet.append(["id", "lon", "lat", "occurred_at"])
        sheet.append(["a", 1.7976931348623157e308, LAT0, "2024-03-01"])
        book.save(path)
        refused(ws, "incidents", path, r"inf\.xlsx: not a readable Excel workbook", crs="wgs84")


def test_geojson_ring_of_one_point_rejects_that_row(template: Path) -> None:
    """Was GEOSException for the whole file: the other features are imported."""
    with scratch(template) as (ws, folder):
        path = folder / "ring.geojson"
        good = shapely.geometry.mapping(_square(LON0, LAT0, 1e-4))
        bad = {"type": "Polygon", "coordinates": [[[LON0, LAT0]]]}
        features = [
            {"type": "Feature", "geometry": g, "properties": {"code": c}}
            for g, c in ((good, "K5"), (bad, "K6"))
        ]
        path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
        report = import_file(ws, "keyareas", path)
        assert (report.imported, report.rejected_by_reason()) == (1, {"no geometry": 1})


def test_flatgeobuf_with_a_null_geometry_does_not_crash_the_process(template: Path) -> None:
    """GDAL's Arrow reader for FlatGeobuf died with SIGSEGV on a feature without geometry
    (it would take a whole app server down); run in a child process so a relapse fails this
    test instead of the test run."""
    import subprocess
    import sys

    with scratch(template) as (ws, folder):
        path = folder / "nulls.fgb"
        gpd.GeoDataFrame(
            {"code": ["K9", "K10"]}, geometry=[_square(LON0, LAT0, 1e-4), None], crs=4326
        ).to_file(path, driver="FlatGeobuf", SPATIAL_INDEX="NO")
        script = (
            "import sys; from gridmap.importing import import_file; "
            "r = import_file(sys.argv[1], 'keyareas', sys.argv[2]); "
            "print(r.imported, r.rejected)"
        )
        proc = subprocess.run(
            [sys.executable, "-c", script, str(ws), str(path)],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert proc.returncode == 0, proc.stderr[-500:]
        assert proc.stdout.split() == ["1", "1"]


def test_flatgeobuf_header_only_is_refused(template: Path) -> None:
    """Was IndexError from pyogrio on a file with no layer."""
    with scratch(template) as (ws, folder):
        path = folder / "empty.fgb"
        path.write_bytes(b"fgb\x03fgb\x00")
        refused(ws, "grids", path, r"empty\.fgb: holds no vector layer")


def test_gdal_warnings_do_not_reach_the_user(template: Path) -> None:
    """GDAL's complaints about a feature (here an unknown geometry type) went to stderr as
    warnings next to the one-line answer; the rejects report already says it per row."""
    with scratch(template) as (ws, folder):
        path = folder / "odd.geojson"
        features = [
            {"type": "Feature", "geometry": {"type": "Foo", "coordinates": []}, "properties": {}},
            {"type": "Feature", "geometry": shapely.geometry.mapping(_square(LON0, LAT0, 1e-4)),
             "properties": {"code": "K11"}},
        ]  # fmt: skip
        path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            report = import_file(ws, "keyareas", path)
        assert report.imported == 1
        assert [str(w.message) for w in caught] == []


def test_grids_file_with_no_usable_grid_makes_no_version(template: Path) -> None:
    """Was published as an empty grid version, leaving every incident without a grid."""
    with scratch(template) as (ws, folder):
        path = folder / "points.geojson"
        gpd.GeoDataFrame(
            {"code": ["P1", "P2"]}, geometry=[Point(LON0, LAT0)] * 2, crs=4326
        ).to_file(path, driver="GeoJSON")
        refused(
            ws,
            "grids",
            path,
            r"points\.geojson: no usable grid in 2 row\(s\) \(not a polygon ×2\); "
            r"no grid version was made",
        )


def test_geojson_text_that_is_not_utf8_is_refused(template: Path) -> None:
    """Was ArrowException ('Wrapping …') when the importer converted the column."""
    with scratch(template) as (ws, folder):
        path = folder / "gbk.geojson"
        doc = {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "geometry": shapely.geometry.mapping(_square(LON0, LAT0, 1e-4)),
                    "properties": {"code": "K12", "name": "西固第一小学"},
                }
            ],
        }
        path.write_bytes(json.dumps(doc, ensure_ascii=False).encode("gbk"))
        refused(ws, "keyareas", path, r"gbk\.geojson: column name: text is not valid UTF-8")
