"""The incidents of an archive indexed by ``gridmap index`` are counted by every page.

``gridmap index`` keeps each indexed incident's analysis columns (``archive_history``, the
payloads of :mod:`gridmap.store.history`) beside its count tables, and
:func:`gridmap.loading.load_incident_table` adds them on every day the incidents layer has
none. The counts of that table must equal the archive's own count tables (which
``test_index_archive`` checks against a geopandas ``sjoin`` reference), on both backends.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from gridmap import schema
from gridmap.analytics.incidents import CATEGORY_CODES, HANDLING_CODES, STAGE_CODES
from gridmap.archive import ARCHIVE_CELLS, ARCHIVE_GRIDS, index_archive
from gridmap.cli import main
from gridmap.importing import import_file
from gridmap.indexing import cell_parents, cells_to_points
from gridmap.loading import load_incident_table
from gridmap.store import open_workspace
from gridmap.store.copying import copy_workspace
from gridmap.store.history_archive import ARCHIVE_TABLE

from .builders import Locations, shared_file, squares_2x2
from .test_index_archive import write_archive


def _months(seconds: np.ndarray) -> np.ndarray:
    return np.datetime_as_string(seconds.astype("datetime64[s]").astype("datetime64[M]"))


def _table_counts(table, by: str) -> pd.DataFrame:
    """Counts of a table per grid code (or res-9 cell), month and category, as the archive
    tables hold them."""
    if by == "grid_code":
        inside = table.grid >= 0
        key = np.asarray(table.grid_codes, dtype=object)[table.grid[inside]]
    else:
        inside = np.ones(len(table), dtype=bool)
        key = cell_parents(table.cell, 9).view(np.int64)
    frame = pd.DataFrame(
        {
            by: key,
            "month": _months(table.occurred_s[inside]),
            "category": np.asarray(CATEGORY_CODES, dtype=object)[table.category[inside]],
        }
    )
    counts = frame.groupby([by, "month", "category"]).size().rename("incidents").reset_index()
    return counts.sort_values([by, "month", "category"], ignore_index=True)


def _stored_counts(ws: str, table: str, by: str) -> pd.DataFrame:
    frame = open_workspace(ws).read_table(table)[[by, "month", "category", "incidents"]]
    frame = frame.astype({"incidents": np.int64, "month": object, "category": object})
    frame[by] = frame[by].astype(np.int64 if by == "h3_cell" else object)
    return frame.sort_values([by, "month", "category"], ignore_index=True)


def _assert_counts_equal(ws: str, table) -> None:
    for name, by in ((ARCHIVE_GRIDS, "grid_code"), (ARCHIVE_CELLS, "h3_cell")):
        ours = _table_counts(table, by).astype({"incidents": np.int64})
        pd.testing.assert_frame_equal(ours, _stored_counts(ws, name, by), check_dtype=False)


def _archive_rows(ws: str) -> pd.DataFrame:
    return open_workspace(ws).query(f"SELECT * FROM {ARCHIVE_TABLE} ORDER BY day, part")


def test_archived_incidents_count_like_the_archive_tables(workspace: str, tmp_path: Path) -> None:
    folder = tmp_path / "archive"
    write_archive(folder)
    summary = index_archive(folder, workspace, engine="local", workers=2)
    table = load_incident_table(open_workspace(workspace))
    # Every indexed row, the 150 + 150 + 150 + 40 rows less 3 without a point, 3 without a time.
    assert len(table) == summary.indexed == 484
    assert np.all(np.diff(table.occurred_s) >= 0)
    _assert_counts_equal(workspace, table)
    # The archive has no closure times or handling classes: all open, class unknown.
    assert (table.closed_s == -1).all() and (table.handling == -1).all()
    assert summary.history_days == _archive_rows(workspace)["day"].nunique()

    # A second run replaces the archive rather than adding to it, and stores the same bytes.
    before = _archive_rows(workspace)
    index_archive(folder, workspace, engine="local")
    again = _archive_rows(workspace)
    assert len(load_incident_table(open_workspace(workspace))) == 484
    assert again["payload"].map(bytes).tolist() == before["payload"].map(bytes).tolist()


def test_dask_stores_the_same_history_as_local(
    workspace: str, tmp_path: Path, cluster: str
) -> None:
    folder = tmp_path / "archive"
    write_archive(folder)
    index_archive(folder, workspace, engine="local")
    local = _archive_rows(workspace)
    index_archive(folder, workspace, engine="dask", scheduler=cluster)
    dask = _archive_rows(workspace)
    assert dask[["day", "part", "n"]].equals(local[["day", "part", "n"]])
    assert dask["payload"].map(bytes).tolist() == local["payload"].map(bytes).tolist()


def test_the_incidents_layer_wins_on_its_days(busy_workspace: str, tmp_path: Path) -> None:
    """The busy workspace holds 300 incidents in 2025; archived incidents on those days are
    left out, every other archived day is added."""
    ws = open_workspace(busy_workspace)
    layer = load_incident_table(ws)
    layer_days = set(np.unique(layer.occurred_s // 86_400).tolist())
    folder = tmp_path / "archive"
    write_archive(folder)
    index_archive(folder, busy_workspace)
    archived = _archive_rows(busy_workspace)
    days = pd.to_datetime(archived["day"]).to_numpy().astype("datetime64[D]").astype(np.int64)
    overlap = np.isin(days, list(layer_days))
    assert overlap.any() and not overlap.all()  # the test means something both ways
    both = load_incident_table(ws)
    assert len(both) == len(layer) + int(archived["n"][~overlap].sum())
    assert np.all(np.diff(both.occurred_s) >= 0)
    # The layer's own days hold exactly the layer's incidents.
    on_layer_days = np.isin(both.occurred_s // 86_400, list(layer_days))
    assert on_layer_days.sum() == len(layer)


def test_closure_times_and_handling_classes_are_kept(workspace: str, tmp_path: Path) -> None:
    x0, y0, x1, y1 = squares_2x2().total_bounds
    rng = np.random.default_rng(3)
    n = 6
    frame = gpd.GeoDataFrame(
        {
            "occurred_at": pd.date_range("2024-03-01 08:00", periods=n, freq="7h"),
            "closed_at": [
                "2024-03-01 12:00",  # 4 hours later
                None,  # open
                "2024-02-01 00:00",  # before it occurred: cleared, as the importer does
                "2024-03-05",
                "not a time",  # unparseable: open
                "2024-03-09 10:00",
            ],
            "category": "平安建设",
            "handling_class": ["A", "B", "C", "", "?", "A"],
        },
        geometry=gpd.points_from_xy(rng.uniform(x0, x1, n), rng.uniform(y0, y1, n)),
        crs=4326,
    )
    folder = tmp_path / "closed"
    folder.mkdir()
    frame.to_parquet(folder / "part.parquet")
    index_archive(folder, workspace)
    table = load_incident_table(open_workspace(workspace))
    assert len(table) == n
    hours = np.where(table.closed_s >= 0, (table.closed_s - table.occurred_s) / 3600, -1)
    assert hours[0] == 4 and hours[1] == hours[2] == hours[4] == -1
    assert (hours[[3, 5]] > 0).all()
    closed = len(STAGE_CODES) - 1
    assert np.asarray(table.stage).tolist() == [closed, -1, -1, closed, -1, closed]
    codes = [HANDLING_CODES[h] if h >= 0 else None for h in table.handling]
    classes = schema.HANDLING_CLASSES.codes
    assert codes[:3] == [schema.HANDLING_CLASSES.parse(c) for c in ("A", "B", "C")]
    assert codes[3] is None and codes[4] is None and set(codes) - {None} <= set(classes)


def test_copy_and_the_cli_tell_of_the_archive(
    workspace: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "archive"
    write_archive(folder)
    index_archive(folder, workspace)
    copy = str(tmp_path / "copy.gpkg")
    copy_workspace(workspace, copy)
    assert _archive_rows(copy)["payload"].map(bytes).tolist() == (
        _archive_rows(workspace)["payload"].map(bytes).tolist()
    )
    assert len(load_incident_table(open_workspace(copy))) == 484

    capsys.readouterr()
    assert main(["info", copy]) == 0
    line = next(s for s in capsys.readouterr().out.splitlines() if "archive" in s)
    assert "484 incidents from 2024-" in line and "grids of version 1" in line
    assert main(["history", copy]) == 0
    assert "archive: 484 incidents" in capsys.readouterr().out


def _grid_codes(table) -> np.ndarray:
    return np.asarray((*table.grid_codes, None), dtype=object)[table.grid]


def _publish(workspace: str, grids: gpd.GeoDataFrame, path: Path) -> None:
    grids.to_file(path, driver="GPKG")
    import_file(workspace, "grids", path)


def test_a_publish_keeps_unchanged_grids_and_moves_the_rest_by_cell(
    workspace: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The archive keeps cells, not points. An archived incident of a grid whose code and
    boundary stay keeps it; the others go to the changed grid holding their res-11 cell's
    centre, or to none."""
    folder = tmp_path / "archive"
    write_archive(folder)
    index_archive(folder, workspace)
    before = _grid_codes(load_incident_table(open_workspace(workspace)))

    # The same grids again: nothing moves.
    _publish(workspace, squares_2x2(), tmp_path / "v2.gpkg")
    assert (_grid_codes(load_incident_table(open_workspace(workspace))) == before).all()

    # D shrinks to its western half; A, B and C stay as they are.
    v3 = squares_2x2()
    d = v3.index[v3["code"] == "D"][0]
    x0, y0, x1, y1 = v3.geometry[d].bounds
    v3.loc[d, "geometry"] = shapely.box(x0, y0, (x0 + x1) / 2, y1)
    _publish(workspace, v3, tmp_path / "v3.gpkg")
    table = load_incident_table(open_workspace(workspace))
    after = _grid_codes(table)
    stay = np.isin(before, ["A", "B", "C"])
    assert stay.sum() > 50 and (after[stay] == before[stay]).all()
    # The reference for the rest: geopandas puts each cell's centre in the new D, or not.
    lon, lat = cells_to_points(table.cell[~stay])
    inside = shapely.contains_xy(v3.geometry[d], lon, lat)
    assert (after[~stay] == np.where(inside, "D", None)).all()
    assert 0 < inside.sum() < np.isin(before, ["D"]).sum()  # the test means something

    capsys.readouterr()
    assert main(["info", workspace]) == 0
    line = next(s for s in capsys.readouterr().out.splitlines() if "archive" in s)
    assert "grids of version 3 (re-assigned where grids changed, by each incident's H3" in line


@pytest.mark.slow
def test_medellin_years_as_an_archive_count_like_the_same_file_imported(
    locations: Locations, tmp_path: Path
) -> None:
    """Real file: ten years of Medellín homicides (UTC times, 81 rows without coordinates)
    as one GeoParquet partition per year. Indexed, they give every incident the time, cell,
    grid and category that importing the CSV gives it."""
    comunas = shared_file("real", "misc_crimemapping", "medellin_comunas.gpkg")
    csv = shared_file("real", "misc_crimemapping", "medellin_homicides.csv")
    grids = {"COMUNA": "code", "NOMBRE": "name"}
    imported, indexed = locations.new("imported"), locations.new("indexed")
    for ws in (imported, indexed):
        import_file(ws, "grids", comunas, mapping=grids)
    import_file(imported, "incidents", csv, crs="wgs84", mapping={"modalidad": "category"})

    rows = pd.read_csv(csv, sep=";", decimal=",")
    when = pd.to_datetime(rows["fecha_hecho"], utc=True)
    folder = tmp_path / "medellin"
    folder.mkdir()
    for year, part in rows.groupby(when.dt.year):
        gpd.GeoDataFrame(
            {"occurred_at": when[part.index], "category": part["modalidad"]},
            geometry=gpd.points_from_xy(part["longitud"], part["latitud"]),
            crs=4326,
        ).to_parquet(folder / f"{year}.parquet")
    summary = index_archive(folder, indexed)
    assert summary.partitions == 10 and summary.no_point == 81

    a = load_incident_table(open_workspace(imported))
    b = load_incident_table(open_workspace(indexed))
    assert len(a) == len(b) == summary.indexed > 9000

    def keyed(t) -> pd.DataFrame:
        codes = np.asarray((*t.grid_codes, ""), dtype=object)[t.grid]
        frame = pd.DataFrame(
            {"s": t.occurred_s, "cell": t.cell, "grid": codes, "category": t.category}
        )
        return frame.sort_values(list(frame.columns), ignore_index=True)

    pd.testing.assert_frame_equal(keyed(a), keyed(b))
