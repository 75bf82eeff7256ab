"""One-way imports: only gridmap/ui imports streamlit; pages hold no analytics."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_streamlit_only_inside_gridmap_ui() -> None:
    offenders = [
        str(p.relative_to(ROOT))
        for p in (ROOT / "gridmap").rglob("*.py")
        if "ui" not in p.relative_to(ROOT / "gridmap").parts[:1]
        and "streamlit" in imported_modules(p)
    ]
    assert offenders == []


def test_pages_call_the_library_through_gridmap_ui() -> None:
    analytics = {"geopandas", "shapely", "h3", "h3ronpy", "pyogrio", "numpy", "scipy", "esda"}
    offenders = {
        str(p.relative_to(ROOT)): sorted(imported_modules(p) & analytics)
        for p in [ROOT / "app.py", *(ROOT / "app_pages").glob("*.py")]
        if imported_modules(p) & analytics
    }
    assert offenders == {}


def test_only_indexing_knows_h3() -> None:
    offenders = [
        str(p.relative_to(ROOT))
        for p in (ROOT / "gridmap").rglob("*.py")
        if p.name != "indexing.py" and {"h3", "h3ronpy"} & imported_modules(p)
    ]
    assert offenders == []
