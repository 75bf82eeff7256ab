"""A plan as a grid layer (dissolved units), contiguity checks, and renumbering."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ... import schema
from ...crs import to_metric
from ...hierarchy import grid_code, grid_name, grid_number
from ..units import (
    dissolve,
)
from .measures import Plan, _n_parts_of
from .problem import RebalanceError


def plan_grids(
    plan: Plan,
    grids: gpd.GeoDataFrame,
    *,
    simplify_m: float = 0.0,
    require_contiguous: bool = True,
) -> gpd.GeoDataFrame:
    """The full grid layer of a plan: changed grids dissolved from units, others as they were.

    ``grids`` is the version the plan was made on (all grids, professional included).
    Grids left without units disappear; new grids get a name, the community as parent
    and no worker (to be staffed). Raises :class:`RebalanceError` if a changed grid is
    less contiguous than it was and ``require_contiguous`` (see :func:`broken_grids`).
    """
    p = plan.problem
    moved = plan.moved()
    now = np.asarray(plan.codes, dtype=object)[plan.label]
    was = np.asarray(p.grid_codes, dtype=object)[p.base]
    changed = sorted(set(now[moved].tolist()) | set(was[moved].tolist()))
    if require_contiguous:
        broken = broken_grids(plan, changed)
        if broken:
            raise RebalanceError(
                f"grid(s) {', '.join(broken[:5])} would not be contiguous; fix them first"
            )
    keep = ~grids[schema.CODE].astype(str).isin(changed)
    out = grids[keep].copy()
    sel = np.isin(now, changed)
    if sel.any():
        shapes = dissolve(p.graph.units[sel], now[sel], simplify_m=simplify_m)
        shapes = shapes.set_index(schema.GRID_CODE)
        old = grids.set_index(grids[schema.CODE].astype(str))
        rows = []
        for code in shapes.index:
            row: dict[str, Any]
            if code in old.index:
                found = old.loc[code]
                series = found.iloc[0] if isinstance(found, pd.DataFrame) else found
                row = {str(k): v for k, v in series.items()}
            else:
                comm = plan.community[plan.codes.index(code)]
                row = {
                    schema.CODE: code,
                    schema.NAME: code
                    if (number := grid_number(code)) is None
                    else grid_name(p.community_name(comm), number),
                    schema.PARENT_CODE: comm,
                    schema.GRID_TYPE: "basic",
                    schema.WORKER: None,
                }
            row[schema.HOUSEHOLDS] = int(shapes.loc[code, schema.HOUSEHOLDS])
            row[schema.POPULATION] = int(shapes.loc[code, schema.POPULATION])
            row["geometry"] = shapes.loc[code, "geometry"]
            rows.append(row)
        add = gpd.GeoDataFrame(pd.DataFrame(rows), geometry="geometry", crs="EPSG:4326")
        out = pd.concat([out, add], ignore_index=True)
    out = gpd.GeoDataFrame(out, geometry="geometry", crs="EPSG:4326")
    if (grids.geometry.geom_type == "MultiPolygon").any():
        # A layer stored as multipolygons takes multipolygons (GeoPackage warns otherwise).
        geoms = np.asarray(out.geometry.to_numpy(), dtype=object)
        single = shapely.get_type_id(geoms) == 3
        geoms[single] = [shapely.MultiPolygon([g]) for g in geoms[single]]
        out = out.set_geometry(gpd.GeoSeries(geoms, index=out.index, crs="EPSG:4326"))
    for col in (schema.HOUSEHOLDS, schema.POPULATION):
        if col in out:
            out[col] = pd.array(pd.to_numeric(out[col], errors="coerce").round(), dtype="Int64")
    return out.sort_values(schema.CODE, kind="stable").reset_index(drop=True)


def broken_grids(plan: Plan, codes: Iterable[str] | None = None) -> list[str]:
    """Grids of ``plan`` (or of ``codes``) that the plan made less contiguous: more parts
    than its units came in.

    A grid may have at most ``1 + Σ (parts − 1)`` parts over the current grids its units
    come from: a contiguous grid must stay contiguous and a merge of contiguous
    neighbours must be contiguous, but a grid that already was in several parts (islands,
    a sector across a river, a multipart polygon) is not refused for that — only for a
    part the plan cut off. Grids without units (merged away) are never broken.
    """
    p = plan.problem
    n = len(plan.codes)
    sel = (
        list(range(n))
        if codes is None
        else [i for c in dict.fromkeys(codes) if (i := plan.index_of(c)) is not None]
    )
    if not sel:
        return []
    parts_after = _n_parts_of(p, plan.label, n, sel)
    n0 = len(p.grid_codes)
    src = np.flatnonzero(np.isin(plan.label, sel))
    origin = np.unique(p.base[src])
    parts_before = _n_parts_of(p, p.base, n0, origin.tolist())
    pairs = np.unique(np.column_stack([plan.label[src], p.base[src]]), axis=0)
    allowed = np.ones(n, dtype=np.int64)
    np.add.at(allowed, pairs[:, 0], parts_before[pairs[:, 1]] - 1)
    alive = np.bincount(plan.label, minlength=n) > 0
    return [plan.codes[i] for i in sel if alive[i] and parts_after[i] > allowed[i]]


# --- renumbering ----------------------------------------------------------------------------
def renumber(grids: gpd.GeoDataFrame, communities: Iterable[str] | None = None) -> dict[str, str]:
    """New codes for basic grids: community code + 001… west→east, north→south.

    Grids are read in bands (rows) from north to south, each band about one typical grid
    high (√(community area / grids)), and west to east within a band. Professional grids
    and grids without a community keep their codes; with ``communities`` only those are
    renumbered (e.g. the ones a plan changed). Returns ``{old: new}`` for codes that change.
    """
    basic = schema.basic_grids(grids)
    basic = basic[basic[schema.PARENT_CODE].notna()]
    if communities is not None:
        basic = basic[basic[schema.PARENT_CODE].astype(str).isin(set(communities))]
    if not len(basic):
        return {}
    metric = to_metric(basic.geometry)
    rep = metric.representative_point()
    frame = pd.DataFrame(
        {
            "code": basic[schema.CODE].astype(str).to_numpy(),
            "comm": basic[schema.PARENT_CODE].astype(str).to_numpy(),
            "x": rep.x.to_numpy(),
            "y": rep.y.to_numpy(),
            "area": metric.area.to_numpy(),
        }
    )
    out: dict[str, str] = {}
    for comm, part in frame.groupby("comm", sort=True):
        band_h = max(math.sqrt(float(part["area"].sum()) / len(part)), 1.0)
        top = float(part["y"].max()) + band_h / 2
        row = np.floor((top - part["y"]) / band_h)
        order = np.lexsort((part["code"].to_numpy(), part["x"].to_numpy(), row.to_numpy()))
        for seq, i in enumerate(order.tolist(), 1):
            old = str(part["code"].iloc[i])
            new = grid_code(str(comm), seq)
            if new != old:
                out[old] = new
    return out


def apply_renumber(grids: gpd.GeoDataFrame, mapping: dict[str, str]) -> gpd.GeoDataFrame:
    """Grids with codes replaced by ``mapping`` (as from :func:`renumber`); names that
    carry the old number (``…第N网格``) follow the new one."""
    out = grids.copy()
    old = out[schema.CODE].astype(str)
    out[schema.CODE] = old.map(lambda c: mapping.get(c, c))
    if schema.NAME in out:
        for i, (o, n) in enumerate(zip(old, out[schema.CODE], strict=True)):
            name = out[schema.NAME].iloc[i]
            was, now = grid_number(o), grid_number(n)
            if o == n or was is None or now is None or not isinstance(name, str):
                continue
            # grid_name("", 7) is the part a conventional name adds to its community's: 第7网格.
            tail = grid_name("", was)
            if name.endswith(tail):
                out.iloc[i, out.columns.get_loc(schema.NAME)] = grid_name(name[: -len(tail)], now)
    return out
