"""Interface strings in Chinese (default) and English."""

from __future__ import annotations

__all__ = ["LANGS", "t"]

LANGS = ("zh", "en")

_STRINGS: dict[str, tuple[str, str]] = {
    "app.title": ("gridmap 网格治理工作台", "gridmap grid-governance workbench"),
    "lang": ("语言", "Language"),
    "page.workspace": ("数据", "Data"),
    "workspace": ("工作空间", "Workspace"),
    "synthetic": ("演示数据（合成）", "Demo data (synthetic)"),
    "real": ("真实数据", "Real data"),
    "layers": ("图层", "Layers"),
    "layer": ("图层", "Layer"),
    "count": ("数量", "Count"),
    "layer.admin": ("行政区划", "Admin units"),
    "layer.grids": ("网格", "Grids"),
    "layer.units": ("小区/楼栋", "Units"),
    "layer.incidents": ("事件", "Incidents"),
    "layer.cameras": ("摄像机", "Cameras"),
    "layer.keyareas": ("重点区域", "Key areas"),
    "incidents.range": ("事件时间范围", "Incident time range"),
    "versions": ("网格版本", "Grid versions"),
    "imports": ("导入记录", "Import log"),
    "map": ("地图", "Map"),
    "no.workspace": ("未找到工作空间：{path}", "Workspace not found: {path}"),
    "empty": (
        "工作空间中还没有数据。用 `gridmap import` 导入文件。",
        "The workspace holds no data yet. Import files with `gridmap import`.",
    ),
    "boundaries": ("边界来源", "Boundaries"),
    "no.basemap": (
        "离线模式：无底图，仅显示工作空间自身图层",
        "Offline: no basemap, the workspace's own layers only",
    ),
}


def t(key: str, lang: str = "zh", **kwargs: object) -> str:
    """The string for ``key`` in ``lang``; an unknown key shows itself (visible, not silent)."""
    pair = _STRINGS.get(key)
    text = key if pair is None else pair[0 if lang == "zh" else 1]
    return text.format(**kwargs) if kwargs else text
