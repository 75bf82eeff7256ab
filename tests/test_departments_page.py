"""The Data page's import wizard offers 部门网格: a department name, then the usual steps.

AppTest (no file uploader: the stashed upload goes into the session, as in
tests/app/test_data_page.py); both backends.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import box

from gridmap.loading import department_versions, read_departments
from gridmap.store import Workspace
from gridmap.ui import keys

from .app.helpers import data_page, give_file
from .builders import ORIGIN, UTM48N

X0, Y0 = ORIGIN


def test_wizard_imports_a_department_layer_as_its_next_version(
    workspace: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "警务区.geojson"
    gpd.GeoDataFrame(
        {"编号": ["JW01", "JW02"], "名称": ["西片", "东片"]},
        geometry=[box(X0, Y0, X0 + 100, Y0 + 200), box(X0 + 100, Y0, X0 + 200, Y0 + 200)],
        crs=UTM48N,
    ).to_crs(4326).to_file(path, driver="GeoJSON")
    at = data_page(workspace, monkeypatch)  # type: ignore[arg-type]  # a path or a URL
    give_file(at, path, "departments", tmp_path)
    # No name yet: the page says what is missing and will not import.
    assert any("请填写部门名称" in e.value for e in at.error)
    assert at.button(key=keys.KEY_DATA_IMPORT).disabled
    assert at.selectbox(key=keys.field_key("code")).value == "编号"  # recognised header
    at.text_input(key=keys.KEY_DATA_DEPARTMENT).set_value("公安分局（派出所）").run()
    assert not at.button(key=keys.KEY_DATA_IMPORT).disabled
    at.button(key=keys.KEY_DATA_IMPORT).click().run()
    assert not at.exception
    ws = Workspace(workspace)
    assert department_versions(ws)[["department", "version", "units"]].values.tolist() == [
        ["公安分局（派出所）", 1, 2]
    ]
    assert read_departments(ws)["department_name"].tolist() == ["西片", "东片"]
    assert any("第 1 版" in c.value for c in at.caption)
