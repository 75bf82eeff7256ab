"""The cockpit's PNG and list on data like the real files: grids only (no admin units, no
households), no closure times, too few incidents to rank (NYC's December shootings).

What a leader saw in English: a map panel with nothing on it, "Priority grids (top 0)" and
tile texts running past their tiles. Each is checked here as it would be seen.
"""

from __future__ import annotations

import dataclasses
import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from gridmap.analytics.incidents import IncidentFilter
from gridmap.importing import import_file
from gridmap.report import cockpit_png
from gridmap.report.document import SCREEN, _cockpit_figure, _style
from gridmap.report.figures import top_none, top_title
from gridmap.report.from_workspace import report_inputs
from gridmap.store import open_workspace

from .builders import ORIGIN, UTM48N, squares_2x2

DECEMBER = IncidentFilter(pd.Timestamp("2025-12-01").date(), pd.Timestamp("2025-12-31").date())


@pytest.fixture
def sparse(ws_location: str, tmp_path: Path):
    """The 2x2 grids without households or a community, and 8 incidents in December 2025,
    two per grid, none with a closure time."""
    import geopandas as gpd

    squares_2x2().drop(columns="households").to_file(tmp_path / "grids.gpkg", driver="GPKG")
    import_file(ws_location, "grids", tmp_path / "grids.gpkg")
    x0, y0 = ORIGIN
    xs = np.array([50, 150, 50, 150] * 2, dtype=float) + x0 + np.repeat([0, 10], 4)
    ys = np.array([150, 150, 50, 50] * 2, dtype=float) + y0 + np.repeat([0, 10], 4)
    pts = gpd.GeoSeries(gpd.points_from_xy(xs, ys), crs=UTM48N).to_crs(4326)
    pd.DataFrame(
        {
            "id": [f"S{i}" for i in range(8)],
            "lon": pts.x,
            "lat": pts.y,
            "occurred_at": [f"2025-12-{d:02d} 21:00" for d in range(1, 9)],
        }
    ).to_csv(tmp_path / "shootings.csv", index=False)
    import_file(ws_location, "incidents", tmp_path / "shootings.csv", crs="wgs84")
    return report_inputs(open_workspace(ws_location), DECEMBER)


def test_an_empty_list_says_in_words_why_it_is_empty(sparse) -> None:
    from gridmap.ui.cockpit import top_list_html

    cockpit = sparse.cockpit
    assert cockpit.top.empty
    assert top_title(cockpit, "en") == "Priority grids: none in this period"
    assert top_title(cockpit, "zh") == "重点网格：本期没有"
    why = top_none(cockpit, "en")
    assert "No grid had 5 or more incidents" in why
    assert "8 incidents are spread over 4 grids" in why and "longer period" in why
    assert why.replace("'", "&#x27;") in top_list_html(cockpit, "en")
    assert "8 件事件分布在 4 个网格" in top_none(cockpit, "zh")
    # A window of 90 days or more is not told to try the last 90 days.
    long = dataclasses.replace(
        cockpit, flt=dataclasses.replace(cockpit.flt, start=pd.Timestamp("2025-10-01").date())
    )
    assert top_none(long, "en").endswith("none is ranked; choose a longer period.")


def test_the_png_map_panel_draws_the_grids_without_admin_units(sparse) -> None:
    """No admin layer and no cell above the smallest count shown: the panel still draws the
    grids' outlines (it was an empty frame)."""
    assert "grid" in sparse.context.outlines and len(sparse.context.outlines["grid"]) == 4
    png = cockpit_png(sparse.cockpit, sparse.context, sparse.meta, "en")
    rgb = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)
    # The map axes: 1-56 % across, 33-95 % down (figure fractions 0.05-0.67 from the bottom),
    # less the legend's corner at the lower left.
    h, w = rgb.shape[:2]
    panel = rgb[int(0.36 * h) : int(0.70 * h), int(0.20 * w) : int(0.55 * w)]
    inked = (panel.max(axis=2) < 200).mean()
    assert inked > 0.0005, f"map panel is empty ({inked:.4f} inked; 0 without outlines)"


def test_kpi_tile_texts_stay_inside_their_tiles(sparse) -> None:
    """Every text of a KPI tile ends inside the tile, in English (longer) and Chinese."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.patches import FancyBboxPatch

    for lang in ("en", "zh"):
        with _style(None):
            fig = _cockpit_figure(sparse.cockpit, sparse.context, sparse.meta, lang, SCREEN)
            renderer = FigureCanvasAgg(fig).get_renderer()
            tiles = [
                p.get_window_extent(renderer) for p in fig.patches if isinstance(p, FancyBboxPatch)
            ]
            assert len(tiles) == 6
            for text in fig.texts:
                box = text.get_window_extent(renderer)
                home = [tb for tb in tiles if tb.x0 <= box.x0 <= tb.x1 and tb.y0 <= box.y0 <= tb.y1]
                if home:
                    assert box.x1 <= home[0].x1, (lang, text.get_text())


def test_a_grid_ranked_on_area_or_residents_shows_that_rate() -> None:
    """Real layers without households (Lancashire's wards) are ranked on residents or area:
    the row shows that rate, not "– households · – per 1,000"."""
    from gridmap.report.text import priority_numbers

    ward = {"incidents": 151, "households": float("nan"), "grid_type": "basic"}
    on_area = {**ward, "ranked_on": "excess_per_area", "area_km2": 1.234}
    assert priority_numbers(on_area, "en") == "151 incidents · 1.23 km² · 122 per km²"
    on_people = {**ward, "ranked_on": "excess_per_population", "population": 7321.0}
    assert priority_numbers(on_people, "zh") == "151 件 · 7,321 人 · 千人 21 件"
    unknown = {**ward, "ranked_on": "excess_at_median_households"}
    assert priority_numbers(unknown, "en") == "151 incidents · – households · – per 1,000"


def test_no_data_tiles_say_so_in_smaller_words(sparse) -> None:
    """ "No data" is words, not a number: it gets the tile's smaller, wrapping type (at the
    numbers' size it ran past narrow tiles)."""
    from gridmap.ui.cockpit import kpi_tiles_html

    tiles = kpi_tiles_html(sparse.cockpit, "en")
    assert tiles.count('<div class="v nodata">No data</div>') == 4  # rate, closure x2, time
    assert '<div class="v">8</div>' in tiles  # the count stays a number
