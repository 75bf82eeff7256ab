"""An open cockpit shows what ``gridmap sync`` brought on its next rerun (no restart)."""

from __future__ import annotations

from pathlib import Path

import pytest

from gridmap.services.sync import ImportSettings, open_source, poll

from ..builders import busy_incidents
from .helpers import cockpit_for, page_html


def test_an_open_cockpit_counts_synced_incidents_on_its_next_rerun(
    busy_workspace: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = cockpit_for(busy_workspace, monkeypatch)
    assert 'data-kpi="incidents"' in page_html(at) and ">300<" in page_html(at)
    exports = tmp_path / "exports"
    exports.mkdir()
    news = busy_incidents(40, seed=5).assign(id=lambda f: "S" + f["id"])  # 40 more of 2025
    news.to_csv(exports / "today.csv", index=False)
    result = poll(busy_workspace, open_source(str(exports)), ImportSettings(crs="wgs84"))
    assert [o.text() for o in result.outcomes] == ["today.csv 40 new, 0 updated, 0 rejected"]
    at.run()
    assert not at.exception
    assert ">340<" in page_html(at) and ">300<" not in page_html(at)
