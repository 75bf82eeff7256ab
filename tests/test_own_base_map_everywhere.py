"""The workspace's own base map (``gridmap basemap``) under every map: the import preview,
the validation problems of a draft, as on the risk page and the cockpit (before: these
maps ignored it and drew on the deployment's style)."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest

from gridmap.cli import main


def test_import_and_problem_maps_draw_on_the_own_gcj02_base_map(
    workspace: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import gridmap.basemap
    from gridmap.importing.preview import preview_file
    from gridmap.ui.import_maps import preview_deck, problem_deck
    from gridmap.ui.settings import map_base

    monkeypatch.setattr(gridmap.basemap, "STATIC_DIR", tmp_path / "static")
    url = "http://10.1.2.3/tiles/{z}/{x}/{y}.png"
    assert main(["basemap", workspace, "--url", url, "--crs", "gcj02", "--json"]) == 0
    style = json.loads(capsys.readouterr().out)["style_url"]
    base = map_base(workspace)
    assert base.style_url == style and base.model_matrix is not None

    problems = gpd.GeoDataFrame(
        {"kind": ["gap"], "code": ["A"], "lon": [float("nan")], "lat": [float("nan")]},
        geometry=[None],
        crs=4326,
    )
    csv = tmp_path / "points.csv"
    pd.DataFrame({"id": ["1"], "lon": [103.8], "lat": [36.06]}).to_csv(csv, index=False)
    preview = preview_file(csv, "incidents")
    decks = [
        problem_deck(workspace, 1, problems, None),
        preview_deck(workspace, preview, crs="wgs84", mapping={"lon": "lon", "lat": "lat"},
                     swapped=False)[0],
    ]  # fmt: skip
    for deck in decks:
        assert deck.map_style == style
        spec = json.loads(deck.to_json())
        # Layers built in WGS-84 are moved onto the GCJ-02 tiles.
        assert spec["layers"] and all(layer.get("modelMatrix") for layer in spec["layers"])
