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
    "page.map": ("一张图", "City map"),
    "scope.all": ("全部", "All"),
    "scope.city": ("全市", "Whole city"),
    "scope.district": ("区县", "District"),
    "scope.street": ("街道", "Street"),
    "scope.community": ("社区", "Community"),
    "window": ("时间范围", "Time window"),
    "categories": ("事件类别", "Categories"),
    "handling_classes": ("处置类别", "Handling classes"),
    "all": ("全部", "All"),
    "synthetic.badge": (
        "演示数据：除区县边界外均为合成数据",
        "Demo: all data except the district boundaries is synthetic",
    ),
    "res": ("六边形大小（H3 分辨率）", "Hexagon size (H3 resolution)"),
    "res.help": (
        "7 约 5 km²，9 约 0.1 km²，11 约 2000 m²",
        "7 ≈ 5 km², 9 ≈ 0.1 km², 11 ≈ 2,000 m²",
    ),
    "legend.count": ("每格事件数", "Incidents per cell"),
    "map.summary": ("{n} 件事件 · {start} 至 {end}", "{n} incidents · {start} to {end}"),
    "map.click": ("点击地图上的网格查看网格卡片", "Click a grid on the map to open its card"),
    "map.none": ("所选范围内没有事件", "No incidents in this selection"),
    "card.title": ("网格卡片", "Grid card"),
    "card.worker": ("网格员", "Grid worker"),
    "card.households": ("户数", "Households"),
    "card.population": ("人口", "Population"),
    "card.incidents": ("事件数（时间范围内）", "Incidents in window"),
    "card.closure": ("结案率", "Closure rate"),
    "card.by_category": ("按类别", "By category"),
    "card.by_class": ("按处置类别", "By handling class"),
    "card.trend": ("月度趋势", "Monthly trend"),
    "card.quality": ("数据质量", "Data quality"),
    "card.hh_age": (
        "户数更新于 {date}（{days} 天前）",
        "Households as of {date} ({days} days ago)",
    ),
    "card.hh_unknown": ("户数更新日期未知", "Household count date unknown"),
    "card.located": (
        "有可用位置的事件 {pct}（{n}/{d}）",
        "Incidents with a usable location {pct} ({n}/{d})",
    ),
    "card.close": ("关闭卡片", "Close card"),
    "card.focus": ("聚焦到所在社区", "Zoom to its community"),
    "card.professional": ("专属网格", "Professional grid"),
    "card.basic": ("基础网格", "Basic grid"),
    "level.city": ("市", "City"),
    "level.district": ("区县", "District"),
    "level.street": ("街道", "Street"),
    "level.community": ("社区", "Community"),
    "level.grid": ("网格", "Grid"),
    "count.unit": ("件", ""),
    "tooltip.incidents": ("时间范围内事件", "Incidents in window"),
    "page.risk": ("风险", "Risk"),
    "risk.layer": ("图层", "Layer"),
    "risk.layer.hotspots": ("显著热点（Gi*）", "Significant hot spots (Gi*)"),
    "risk.layer.trends": ("新兴趋势", "Emerging trends"),
    "risk.layer.heat": ("事件热力", "Incident heat"),
    "risk.legend.hotspots": ("热点/冷点（FDR 校正）", "Hot/cold spots (FDR-corrected)"),
    "risk.legend.trends": ("趋势类别（按月）", "Trend class (monthly bins)"),
    "risk.none.significant": ("无显著热点", "No significant hot spot"),
    "risk.none.trend": ("无趋势模式", "No trend pattern"),
    "risk.summary": (
        "**{n}** 件事件 · {cells} 个六边形（约 0.1 km²）· **{hot}** 个显著热点 · {start} 至 {end}",
        "**{n}** incidents · {cells} hexagons (≈0.1 km²) · **{hot}** significant hot "
        "spots · {start} to {end}",
    ),
    "risk.top": ("风险最高的网格", "Highest-risk grids"),
    "risk.col.code": ("网格编码", "Grid code"),
    "risk.col.name": ("网格", "Grid"),
    "risk.col.incidents": ("事件", "Incidents"),
    "risk.col.households": ("户数", "Households"),
    "risk.col.rate_eb": ("每千户（平滑）", "Per 1,000 households (smoothed)"),
    "risk.col.risk_score": ("风险分", "Risk score"),
    "risk.col.hotspot": ("热点", "Hot spot"),
    "risk.col.trend": ("趋势", "Trend"),
    "risk.col.sentence": ("原因", "Why"),
    "risk.method": (
        "风险分：按类别与处置类别加权、30 天半衰期衰减、经验贝叶斯平滑的每千户事件率的百分位；"
        "事件少于 5 件的网格（{n} 个）不单独列出。",
        "Risk score: percentile of the per-1,000-household rate of incidents weighted "
        "by category and handling class, with a 30-day half-life and empirical-Bayes "
        "smoothing; grids with fewer than 5 incidents ({n}) are not listed.",
    ),
    "risk.export.csv": ("导出 CSV（全部网格）", "Export CSV (all grids)"),
    "risk.export.geojson": ("导出 GeoJSON", "Export GeoJSON"),
    "risk.click": (
        "点击地图上的网格或表格中的一行查看网格卡片",
        "Click a grid on the map or a row in the table to open its card",
    ),
    "server.time": ("服务器用时 {ms} ms", "Server time {ms} ms"),
}


def t(key: str, lang: str = "zh", **kwargs: object) -> str:
    """The string for ``key`` in ``lang``; an unknown key shows itself (visible, not silent)."""
    pair = _STRINGS.get(key)
    text = key if pair is None else pair[0 if lang == "zh" else 1]
    return text.format(**kwargs) if kwargs else text
