"""多网合一 (#18) on real layers, checked against an independent geopandas overlay.

NYC: the 78 police precincts as a department over the 303 sectors as basic grids (both
simplified GeoJSON in WGS-84; 5 invalid geometries in each, repaired). Lancashire: the 14
districts over the 271 wards (EPSG:27700 GeoPackage), ward population standing in for
households (245 of 271 wards have a row in the spreadsheet; boundary vintages differ).

The reference is a plain ``gpd.overlay`` in a published equal-area CRS (EPSG:5070 for NYC,
EPSG:3035 for Lancashire) after the same densifying of edges (a polygon's edges are straight
in the CRS it was drawn in). Equal-area matters for ``share_of_department``: in a conformal
city system (EPSG:2263, EPSG:27700) areas are scaled by a factor that varies by about 1e-5
across a district, so there the shares agree to about 5e-6 only (checked too).
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from gridmap.analytics import fusion as F
from tests.builders import shared_file

# The fusion overlay densifies edges to about 50 m before projecting (overlay.DENSIFY_M).
_STEP_DEG = 50.0 / 111_000.0


def reference_shares(
    departments: gpd.GeoDataFrame, grids: gpd.GeoDataFrame, epsg: int
) -> pd.DataFrame:
    """Shares by ``gpd.overlay`` in ``epsg``, indexed by (department_code, grid_code)."""

    def project(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        dense = shapely.segmentize(frame.geometry.to_numpy(), _STEP_DEG)
        out = frame.set_geometry(gpd.GeoSeries(dense, index=frame.index, crs=frame.crs)).to_crs(
            epsg
        )
        return out.set_geometry(out.make_valid())

    d = project(departments[["department_code", "geometry"]])
    g = project(grids[["grid_code", "geometry"]])
    d["unit_area"], g["grid_area"] = d.area, g.area
    pieces = gpd.overlay(d, g, how="intersection", keep_geom_type=True)
    unit = d.crs.axis_info[0].unit_conversion_factor
    pieces["overlap"] = pieces.area
    pieces = pieces[pieces["overlap"] * unit**2 > 1.0]
    pieces["share_of_department"] = pieces["overlap"] / pieces["unit_area"]
    pieces["share_of_grid"] = pieces["overlap"] / pieces["grid_area"]
    keys = ["department_code", "grid_code"]
    return pieces.groupby(keys)[["share_of_department", "share_of_grid"]].sum()


def max_differences(ours: pd.DataFrame, ref: pd.DataFrame) -> tuple[int, float, float]:
    """Pairs compared and the largest differences of the two shares; every pair must be in both."""
    mine = ours.set_index(["department_code", "grid_code"])
    assert mine.index.is_unique
    assert set(mine.index) == set(ref.index)
    joined = mine.join(ref.add_suffix("_ref"))
    d_dep = (joined["share_of_department"] - joined["share_of_department_ref"]).abs().max()
    d_grid = (joined["share_of_grid"] - joined["share_of_grid_ref"]).abs().max()
    return len(joined), float(d_dep), float(d_grid)


@pytest.fixture(scope="module")
def nyc() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    precincts = gpd.read_file(shared_file("real", "nyc", "nypd_precinct_simplified.geojson"))
    sectors = gpd.read_file(shared_file("real", "nyc", "nypd_sector_simplified.geojson"))
    assert (~precincts.is_valid).sum() == 5 and (~sectors.is_valid).sum() == 5
    dept = precincts.rename(columns={"precinct": "department_code"}).assign(department="NYPD")
    return dept, sectors.rename(columns={"sector": "grid_code"})


@pytest.fixture(scope="module")
def lancashire() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    districts = gpd.read_file(shared_file("real", "uk_lancashire", "lancashire_districts.geojson"))
    wards = gpd.read_file(shared_file("real", "uk_lancashire", "lancashire_wards.gpkg"))
    pop = pd.read_excel(shared_file("real", "uk_lancashire", "lancashire_ward_pop.xlsx"))
    assert wards.crs.to_epsg() == 27700
    wards = wards.merge(
        pop[["gss_code", "population"]], left_on="ward_code", right_on="gss_code", how="left"
    )
    grids = wards.rename(columns={"ward_code": "grid_code"}).assign(households=wards["population"])
    dept = districts.rename(columns={"objectid": "department_code", "district": "department_name"})
    return dept, grids.to_crs(4326)


def test_nyc_precincts_over_sectors_match_geopandas(
    nyc: tuple[gpd.GeoDataFrame, gpd.GeoDataFrame],
) -> None:
    dept, grids = nyc
    cw = F.crosswalk(dept, grids)
    pairs, d_dep, d_grid = max_differences(cw, reference_shares(dept, grids, 5070))
    assert pairs == len(cw) > 300
    assert d_dep < 1e-6 and d_grid < 1e-6
    _, d_dep_sp, d_grid_sp = max_differences(cw, reference_shares(dept, grids, 2263))
    assert d_dep_sp < 1e-5 and d_grid_sp < 1e-6
    # Sectors nest in precincts: sector 101D belongs to precinct 101.
    view = F.grid_view(cw).set_index("grid_code")
    assert (view["main_department_code"] == view.index.str[:-1]).all()
    assert (view["main_share"] > 0.99).all()
    result = F.analyse_department(dept, grids)
    assert result.misalignment["aligned"].all()
    assert result.offset is None
    assert result.proposal.changes["grids_lost"].sum() == 0
    assert result.crosswalk["households"].isna().all()


def test_nyc_raw_precincts_reconcile_with_the_area_outside_the_sectors(
    nyc: tuple[gpd.GeoDataFrame, gpd.GeoDataFrame],
) -> None:
    """The raw precincts (EPSG:2263, water included) over the shoreline-clipped sectors:
    precinct 100 (the Rockaways) is 88 % water. It stays aligned (nobody else gets the
    water), the share outside is reported, and each draft's area is the unit's area plus
    gains, less losses and less the part outside (to 0.1 %; the slivers left out of the
    gains and losses are the rest)."""
    raw = gpd.read_file(shared_file("real", "nyc", "nypdprecinct_raw.shp"))
    codes = raw["PRECINCT"].astype(int).astype(str)
    dept = raw.assign(department_code=codes, department="NYPD")
    result = F.analyse_department(dept, nyc[1])
    mis = result.misalignment.set_index("department_code")
    assert mis["outside_share"].to_dict()["100"] > 0.85 and bool(mis.loc["100", "aligned"])
    assert (mis["outside_m2"] / mis["area_m2"]).to_numpy() == pytest.approx(mis["outside_share"])
    changes = result.proposal.changes.set_index("department_code")
    assert changes["area_outside_m2"].to_numpy() == pytest.approx(mis["outside_m2"], abs=1e-3)
    draft = result.proposal.draft.set_index("department_code")["area_m2"]
    expected = (
        mis["area_m2"]
        + changes["area_gained_m2"]
        - changes["area_lost_m2"]
        - changes["area_outside_m2"]
    )
    off = (draft.reindex(expected.index).fillna(0.0) - expected).abs() / mis["area_m2"]
    assert off.max() < 1e-3, off.sort_values().tail(3).to_dict()
    assert "lies outside every basic grid" in result.sentences("en")[0]


def test_lancashire_districts_over_wards_match_geopandas(
    lancashire: tuple[gpd.GeoDataFrame, gpd.GeoDataFrame],
) -> None:
    dept, grids = lancashire
    cw = F.crosswalk(dept, grids)
    pairs, d_dep, d_grid = max_differences(cw, reference_shares(dept, grids, 3035))
    assert pairs == len(cw) > 271
    assert d_dep < 1e-6 and d_grid < 1e-6
    _, d_dep_bng, _ = max_differences(cw, reference_shares(dept, grids, 27700))
    assert d_dep_bng < 1e-5
    # Wards nest in districts: every ward has one district holding nearly all of it, and
    # the other pairs are slivers of generalised boundaries, not misalignment.
    view = F.grid_view(cw)
    assert view["main_share"].min() > 0.99
    result = F.analyse_department(dept, grids)
    assert result.misalignment["aligned"].all()
    assert len(result.slivers) > 0
    assert result.offset is None
    # Population stands in for households: spread by share, missing where the ward has none.
    missing = set(grids.loc[grids["households"].isna(), "grid_code"])
    assert len(missing) == 271 - 245
    hh = cw.set_index("grid_code")["households"]
    assert hh[hh.index.isin(missing)].isna().all() and hh[~hh.index.isin(missing)].notna().all()
    total = cw["households"].sum()
    assert total == pytest.approx(grids["households"].sum(), rel=1e-4)
