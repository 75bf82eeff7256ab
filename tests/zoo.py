"""The geometry zoo: the shapes real files bring that a layer must survive.

Empty, None, an invalid bow-tie, a multipolygon, a polygon smaller than any cell, a point and
a line, beside one good polygon. Tests import and validate these to check that every bad
shape is rejected or repaired with a reason, never crashes.
"""

from __future__ import annotations

import geopandas as gpd
import shapely
from shapely.geometry import LineString, MultiPolygon, Point, Polygon, box


def bow_tie(x0: float, y0: float, size: float = 100.0) -> shapely.Polygon:
    """A self-intersecting square of ``size`` from ``(x0, y0)``; repaired, it is two triangles
    of a quarter of the square each.

    ::

        (x0, y0+s) +   + (x0+s, y0+s)
                   | \\/ |
                   | /\\ |
        (x0, y0)   +   + (x0+s, y0)
    """
    return shapely.Polygon([(x0, y0), (x0 + size, y0 + size), (x0 + size, y0), (x0, y0 + size)])


def geometry_zoo() -> gpd.GeoDataFrame:
    """empty, None, bow-tie, multipolygon, tiny polygon, a point and a line, plus one good grid.

    Columns carry Chinese headers (``网格编码``, ``户数``) as a real grid export does, and one
    household count that is not a number (``abc``, the bow-tie's row).
    """
    x, y = 103.80, 36.05
    bowtie = bow_tie(x, y, 0.001)
    multi = MultiPolygon(
        [box(x + 0.002, y, x + 0.003, y + 0.001), box(x + 0.004, y, x + 0.005, y + 0.001)]
    )
    tiny = box(x + 0.006, y, x + 0.006001, y + 0.000001)  # ~0.01 m²
    good = box(x + 0.01, y, x + 0.011, y + 0.001)
    geoms = [
        Polygon(),
        None,
        bowtie,
        multi,
        tiny,
        Point(x, y),
        LineString([(x, y), (x + 1e-3, y)]),
        good,
    ]
    return gpd.GeoDataFrame(
        {
            "网格编码": [f"G{i}" for i in range(8)],
            "户数": ["300", "310", "abc", "420", "5", "400", "400", "380"],
        },
        geometry=geoms,
        crs=4326,
    )
