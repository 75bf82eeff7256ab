"""Who answers for what on each basic grid: department units per "1+6" category (权责去重).

A department layer answers for the categories its department runs in the responsibility
table of :mod:`gridmap.analytics.responsibility` (matched on the Chinese or English
department name exactly), or for those a ``categories`` mapping gives. A row with a
subcategory counts as a claim on its category too (a *partial* claim: 市场监督管理局 runs
特种设备 of work_safety, so it answers for work_safety). On each basic grid the department's
unit holding most of the grid (:func:`~.crosswalk.main_units`) is responsible when the
department's units together cover at least half of it. *Gaps*: a category some department
layer answers for has nobody on a grid. *Duplicates*: two units of one department each hold
at least a quarter of a grid, or two departments both answer for the whole category there
(a partial claim beside a whole one is a division of labour, not a duplicate).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from ... import schema
from ...errors import SchemaError
from ..responsibility import (
    DEPARTMENT_EN,
    DEPARTMENT_ZH,
    SUBCATEGORY,
    default_responsibilities,
)
from .columns import DEPARTMENT, DEPARTMENT_CODE, GRID_CODE, SHARE_OF_GRID
from .crosswalk import crosswalk, main_units

__all__ = [
    "DUPLICATE_COLUMNS",
    "GAP_COLUMNS",
    "MATRIX_COLUMNS",
    "ResponsibilityResult",
    "department_categories",
    "department_rows",
    "responsibility",
]

MATRIX_COLUMNS: tuple[str, ...] = (GRID_CODE, schema.CATEGORY, DEPARTMENT, DEPARTMENT_CODE, "share")
GAP_COLUMNS: tuple[str, ...] = (GRID_CODE, schema.CATEGORY)
DUPLICATE_COLUMNS: tuple[str, ...] = (
    GRID_CODE,
    schema.CATEGORY,
    "departments",
    "department_codes",
    "reason",
)
#: ``department`` of matrix rows that come from professional grids is their grid type.
PROFESSIONAL = "professional"


@dataclass(frozen=True)
class ResponsibilityResult:
    """Who is responsible for what on each basic grid.

    Attributes
    ----------
    matrix
        :data:`MATRIX_COLUMNS`: per basic grid and category, the department and its unit
        holding most of the grid (``share`` of the grid); professional grids overlapping a
        basic grid are extra rows with ``department`` = their grid type and an empty
        category.
    gaps
        :data:`GAP_COLUMNS`: a category some department layer answers for, with nobody
        responsible on that grid.
    duplicates
        :data:`DUPLICATE_COLUMNS`: ``reason`` ``"units"`` (two units of one department
        each hold at least ``claim_share`` of the grid) or ``"departments"`` (two
        departments answer for the category there); names and codes joined by ", ".
    categories
        Department name -> the categories it answers for.
    unclaimed_categories
        The "1+6" categories no department layer answers for (every grid is a gap there;
        they are listed here instead of in ``gaps``).
    """

    matrix: pd.DataFrame
    gaps: pd.DataFrame
    duplicates: pd.DataFrame
    categories: dict[str, tuple[str, ...]]
    unclaimed_categories: tuple[str, ...]


def department_categories(
    names: Sequence[str],
    table: pd.DataFrame | None = None,
    categories: Mapping[str, Sequence[str]] | None = None,
) -> dict[str, tuple[str, ...]]:
    """The categories each department answers for: ``categories[name]`` when given, else
    the categories whose rows name it (zh or en, exact), a subcategory row counting as a
    claim on its category. A department the table never names answers for ``()``.

    Raises
    ------
    SchemaError
        For a category in ``categories`` that is not a "1+6" category code or label.
    """
    table = default_responsibilities() if table is None else table
    given = dict(categories or {})
    out: dict[str, tuple[str, ...]] = {}
    for name in names:
        if name in given:
            parsed = [schema.CATEGORIES.parse(c) for c in given[name]]
            bad = [c for c, p in zip(given[name], parsed, strict=True) if p is None]
            if bad:
                raise SchemaError(
                    f"categories for department {name!r}: {bad[0]!r} is not a category; "
                    f"allowed: {schema.CATEGORIES.describe()}"
                )
            out[name] = tuple(dict.fromkeys(p for p in parsed if p is not None))
            continue
        hit = _names(table, name)
        out[name] = tuple(dict.fromkeys(table.loc[hit, schema.CATEGORY].astype(str)))
    return out


def _names(table: pd.DataFrame, name: str) -> pd.Series:
    return (table[DEPARTMENT_ZH] == name) | (table[DEPARTMENT_EN] == name)


def _whole_claims(
    names: Sequence[str],
    table: pd.DataFrame | None,
    categories: Mapping[str, Sequence[str]] | None,
) -> set[tuple[str, str]]:
    """(department, category) pairs claimed whole: given by ``categories`` or by a row
    without a subcategory."""
    table = default_responsibilities() if table is None else table
    default = table[SUBCATEGORY].fillna("").astype(str).str.strip() == ""
    given = dict(categories or {})
    out: set[tuple[str, str]] = set()
    for name in names:
        if name in given:
            cats = department_categories([name], table, categories)[name]
        else:
            cats = tuple(table.loc[_names(table, name) & default, schema.CATEGORY].astype(str))
        out.update((name, c) for c in cats)
    return out


def _holders(
    cw: pd.DataFrame, cover_share: float, claim: float
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per basic grid the main unit of one department (when its units cover at least
    ``cover_share`` of the grid), and the grids two or more of its units claim."""
    covered = cw.groupby(GRID_CODE)[SHARE_OF_GRID].sum()
    main = main_units(cw)
    main = main[covered.reindex(main.index) >= cover_share]
    held = main[[DEPARTMENT_CODE, SHARE_OF_GRID]].rename(columns={SHARE_OF_GRID: "share"})
    big = cw[cw[SHARE_OF_GRID] >= claim].sort_values([GRID_CODE, DEPARTMENT_CODE])
    multi = big.groupby(GRID_CODE)[DEPARTMENT_CODE].agg(list)
    multi = multi[multi.map(len) >= 2]
    dups = pd.DataFrame(
        {GRID_CODE: multi.index, "department_codes": multi.map(", ".join).to_numpy()}
    )
    return held.reset_index(), dups


def _professional_rows(grids: gpd.GeoDataFrame, claim: float) -> pd.DataFrame:
    if schema.GRID_TYPE not in grids:
        return pd.DataFrame(columns=list(MATRIX_COLUMNS))
    kind = grids[schema.GRID_TYPE].fillna("basic")
    pro = grids[(kind != "basic").to_numpy()]
    if pro.empty:
        return pd.DataFrame(columns=list(MATRIX_COLUMNS))
    code = GRID_CODE if GRID_CODE in pro else schema.CODE
    units = gpd.GeoDataFrame(
        {DEPARTMENT_CODE: pro[code].astype(str).to_numpy()},
        geometry=pro.geometry.to_numpy(),
        crs=pro.crs,
    )
    cw = crosswalk(units, grids)
    cw = cw[cw[SHARE_OF_GRID] >= claim]
    types = pd.Series(
        kind[(kind != "basic").to_numpy()].astype(str).to_numpy(), index=units[DEPARTMENT_CODE]
    )
    return pd.DataFrame(
        {
            GRID_CODE: cw[GRID_CODE].to_numpy(),
            schema.CATEGORY: "",
            DEPARTMENT: types.reindex(cw[DEPARTMENT_CODE]).to_numpy(),
            DEPARTMENT_CODE: cw[DEPARTMENT_CODE].to_numpy(),
            "share": cw[SHARE_OF_GRID].to_numpy(),
        },
        columns=list(MATRIX_COLUMNS),
    )


def responsibility(
    grids: gpd.GeoDataFrame,
    departments_by_name: Mapping[str, gpd.GeoDataFrame],
    table: pd.DataFrame | None = None,
    *,
    categories: Mapping[str, Sequence[str]] | None = None,
    cover_share: float = 0.5,
    claim_share: float = 0.25,
    crosswalks: Mapping[str, pd.DataFrame] | None = None,
) -> ResponsibilityResult:
    """Per basic grid and "1+6" category, which department unit is responsible.

    Parameters
    ----------
    grids
        The grid layer (basic and professional grids, ``grid_type`` telling them apart).
    departments_by_name
        Department name -> its units (``department_code``, geometry).
    table
        The responsibility table (:func:`gridmap.analytics.responsibility.default_responsibilities`
        when ``None``); subcategory rows count as (partial) claims on their category.
    categories
        Department name -> categories it answers for, overriding the table for that name.
    cover_share
        A department is responsible on a grid when its units cover at least this share.
    claim_share
        Two units each holding at least this share of a grid are a duplicate.
    crosswalks
        Department name -> its crosswalk over ``grids`` when already computed (reused,
        not recomputed).

    Returns
    -------
    ResponsibilityResult
    """
    names = list(departments_by_name)
    cats = department_categories(names, table, categories)
    whole = _whole_claims(names, table, categories)
    given = dict(crosswalks or {})
    matrix_parts, dup_parts = [], []
    for name, units in departments_by_name.items():
        if not cats[name]:
            continue
        cw = given[name] if name in given else crosswalk(units, grids)
        held, dups = _holders(cw, cover_share, claim_share)
        for cat in cats[name]:
            matrix_parts.append(held.assign(**{schema.CATEGORY: cat, DEPARTMENT: name}))
            dup_parts.append(
                dups.assign(**{schema.CATEGORY: cat, "departments": name, "reason": "units"})
            )
    matrix = pd.concat(
        [pd.DataFrame(columns=list(MATRIX_COLUMNS)), *matrix_parts], ignore_index=True
    )[list(MATRIX_COLUMNS)]
    duplicates = pd.concat(
        [pd.DataFrame(columns=list(DUPLICATE_COLUMNS)), *dup_parts, _across(matrix, whole)],
        ignore_index=True,
    )
    duplicates = duplicates[list(DUPLICATE_COLUMNS)].sort_values(
        [GRID_CODE, schema.CATEGORY, "reason"]
    )
    claimed = tuple(dict.fromkeys(c for name in cats for c in cats[name]))
    gaps = _gaps(grids, matrix, claimed)
    matrix = pd.concat([matrix, _professional_rows(grids, claim_share)], ignore_index=True)
    return ResponsibilityResult(
        matrix=matrix.sort_values([GRID_CODE, schema.CATEGORY, DEPARTMENT]).reset_index(drop=True),
        gaps=gaps,
        duplicates=duplicates.reset_index(drop=True),
        categories=cats,
        unclaimed_categories=tuple(c for c in schema.CATEGORIES.codes if c not in claimed),
    )


def _across(matrix: pd.DataFrame, whole: set[tuple[str, str]]) -> pd.DataFrame:
    """Grid × category places two departments both answer for whole."""
    keys = list(zip(matrix[DEPARTMENT], matrix[schema.CATEGORY], strict=True))
    claims = matrix.loc[np.array([k in whole for k in keys], dtype=bool)]
    across = claims.groupby([GRID_CODE, schema.CATEGORY]).agg(
        departments=(DEPARTMENT, lambda s: ", ".join(sorted(s))),
        department_codes=(DEPARTMENT_CODE, lambda s: ", ".join(s)),
        n=(DEPARTMENT, "nunique"),
    )
    return across[across["n"] >= 2].drop(columns="n").reset_index().assign(reason="departments")


def _gaps(grids: gpd.GeoDataFrame, matrix: pd.DataFrame, claimed: tuple[str, ...]) -> pd.DataFrame:
    basic = schema.basic_grids(grids)
    codes = basic[GRID_CODE if GRID_CODE in basic else schema.CODE].astype(str)
    every = pd.MultiIndex.from_product([codes, claimed], names=list(GAP_COLUMNS))
    have = pd.MultiIndex.from_frame(matrix[list(GAP_COLUMNS)])
    gaps = every[~every.isin(have)].to_frame(index=False)
    return gaps.sort_values(list(GAP_COLUMNS)).reset_index(drop=True)


def department_rows(result: ResponsibilityResult, name: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The gaps and duplicates of ``result`` that concern department ``name``: gaps in the
    categories it answers for, duplicates among its units or naming it beside another
    department.

    Returns
    -------
    tuple of pandas.DataFrame
        ``(gaps, duplicates)`` with the columns of :class:`ResponsibilityResult`'s.
    """
    mine = result.categories.get(name, ())
    gaps = result.gaps[result.gaps[schema.CATEGORY].isin(mine)]
    named = result.duplicates["departments"].astype(str).str.split(", ")
    dups = result.duplicates[named.map(lambda d: name in d).to_numpy(dtype=bool)]
    return gaps.reset_index(drop=True), dups.reset_index(drop=True)
