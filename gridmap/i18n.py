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
    "page.coverage": ("覆盖", "Coverage"),
    # --- coverage page ----------------------------------------------------------------
    "coverage.kpi.area": ("视频覆盖率（面积）", "Video coverage (area)"),
    "coverage.kpi.risk": ("风险加权覆盖率", "Risk-weighted coverage"),
    "coverage.kpi.households": ("户数加权覆盖率", "Household-weighted coverage"),
    "coverage.kpi.keyareas": ("重点区域覆盖率达标", "Key areas at target"),
    "coverage.kpi.cameras": ("在线摄像机", "Cameras online"),
    "coverage.kpi.area.of": ("{num} / {den} km²", "{num} / {den} km²"),
    "coverage.kpi.ratio.of": ("{num} / {den}", "{num} / {den}"),
    "coverage.kpi.keyareas.of": ("{num} / {den} 处", "{num} / {den} sites"),
    "coverage.kpi.cameras.of": ("{num} / {den} 台，离线 {off}", "{num} / {den}, {off} offline"),
    "coverage.layers": ("图层", "Layers"),
    "coverage.layer.heat": ("覆盖率", "Coverage"),
    "coverage.layer.gaps": ("盲区", "Blind spots"),
    "coverage.layer.keyareas": ("重点区域", "Key areas"),
    "coverage.layer.footprints": ("摄像机视域", "Camera footprints"),
    "coverage.layer.sites": ("建议点位", "Proposed sites"),
    "coverage.legend.share": ("单元覆盖率", "Cell coverage"),
    "coverage.legend.gap": (
        "盲区（高风险、有住户、未覆盖）",
        "Blind spot (risky, inhabited, unseen)",
    ),
    "coverage.legend.ka_ok": ("重点区域达标", "Key area at target"),
    "coverage.legend.ka_bad": ("重点区域未达标", "Key area below target"),
    "coverage.legend.site": ("建议新增点位", "Proposed camera"),
    "coverage.legend.footprint": ("摄像机视域", "Camera footprint"),
    "coverage.summary": (
        "{gaps} 个盲区共 {hh} 户；新增 {n} 台摄像机可覆盖未覆盖风险的 {pct}。",
        "{gaps} blind-spot zones with {hh} households; {n} new cameras would cover {pct} "
        "of the unseen risk.",
    ),
    "coverage.tab.gaps": ("盲区排行", "Blind spots"),
    "coverage.tab.keyareas": ("未达标重点区域", "Key areas below target"),
    "coverage.tab.grids": ("网格覆盖缺口指数", "Grid coverage-gap index"),
    "coverage.tab.siting": ("新增点位", "New camera sites"),
    "coverage.tab.cameras": ("离线与冗余摄像机", "Offline and redundant cameras"),
    "coverage.col.rank": ("排名", "Rank"),
    "coverage.col.cells": ("单元数", "Cells"),
    "coverage.col.households": ("户数", "Households"),
    "coverage.col.uncovered_risk": ("未覆盖风险", "Unseen risk"),
    "coverage.col.grid_codes": ("涉及网格", "Grids"),
    "coverage.col.name": ("名称", "Name"),
    "coverage.col.kind": ("类型", "Kind"),
    "coverage.col.coverage_share": ("覆盖率", "Coverage"),
    "coverage.col.target": ("目标", "Target"),
    "coverage.col.code": ("编码", "Code"),
    "coverage.col.gap_index": ("覆盖缺口指数", "Coverage-gap index"),
    "coverage.col.risk_score": ("风险分", "Risk score"),
    "coverage.col.gain": ("新增覆盖风险", "Risk newly covered"),
    "coverage.col.cumulative_share": ("累计覆盖未覆盖风险", "Cumulative share of unseen risk"),
    "coverage.col.lon": ("经度", "Longitude"),
    "coverage.col.lat": ("纬度", "Latitude"),
    "coverage.col.grid_code": ("所在网格", "Grid"),
    "coverage.col.id": ("编号", "ID"),
    "coverage.col.status": ("状态", "Status"),
    "coverage.col.crowded_share": ("与 3 台以上重叠比例", "Share seen by 3+ others"),
    "coverage.siting.n": ("新增摄像机数量", "New cameras"),
    "coverage.siting.curve": (
        "边际收益曲线（累计覆盖未覆盖风险）",
        "Marginal-gain curve (cumulative share of unseen risk)",
    ),
    "coverage.siting.sentence": (
        "前 {n} 台新增摄像机可覆盖 {pct} 的未覆盖风险（{method}）。",
        "The first {n} new cameras cover {pct} of the unseen risk ({method}).",
    ),
    "coverage.siting.method": (
        "候选点位：未覆盖风险最高的 H3 小单元中心；新摄像机按 100 m 半径（云台）计；"
        "现有在线摄像机保持不变；贪心算法（懒惰评估），保证不低于最优解的 63%，实测约 99%。",
        "Candidates: centres of the small H3 cells with most unseen risk; a new camera sees "
        "100 m around (PTZ); existing online cameras stay; lazy greedy, at least 63 % of the "
        "optimum by theory, about 99 % measured.",
    ),
    "coverage.method.greedy": ("贪心算法", "greedy"),
    "coverage.method.exact": ("精确 MILP 最优解", "exact MILP optimum"),
    "coverage.export.csv": ("导出点位 CSV", "Export sites (CSV)"),
    "coverage.export.geojson": ("导出点位 GeoJSON（QGIS）", "Export sites (GeoJSON, QGIS)"),
    "coverage.click": (
        "点击地图上的网格、盲区或重点区域查看详情",
        "Click a grid, blind spot or key area on the map for details",
    ),
    "coverage.gap.card": (
        "盲区 #{rank}：{cells} 个单元，{hh} 户，未覆盖风险 {risk}；涉及网格 {grids}",
        "Blind spot #{rank}: {cells} cells, {hh} households, unseen risk {risk}; grids {grids}",
    ),
    "coverage.keyarea.card": (
        "{name}（{kind}）：覆盖率 {pct}，目标 {target}",
        "{name} ({kind}): coverage {pct}, target {target}",
    ),
    "coverage.offline": ("离线摄像机 {n} 台（不计入覆盖）", "{n} offline cameras (not counted)"),
    "coverage.redundant": (
        "可迁移摄像机 {n} 台：其所见 90% 以上另有 3 台以上摄像机覆盖",
        "{n} cameras to consider moving: 90 %+ of what each sees is seen by 3+ others",
    ),
    "coverage.assumed": (
        "{n} 台摄像机缺少距离、视角或朝向，按类型默认值估算",
        "{n} cameras lack range, field of view or azimuth; kind defaults are assumed",
    ),
    "coverage.method": (
        "覆盖率 = 视域覆盖面积 ÷ 区域面积（5 m 栅格，重叠不重复计算，离线摄像机不计）；"
        "风险权重为近 90 天 H3 单元风险分；覆盖缺口指数 = 风险分/100 × 户数 × 未覆盖比例。",
        "Coverage = area inside some footprint ÷ area (5 m raster, overlaps counted once, "
        "offline cameras excluded); risk weight: H3 cell risk score of the last 90 days; "
        "coverage-gap index = risk score/100 × households × uncovered share.",
    ),
    "scope.all": ("全部", "All"),
    "scope.city": ("全市", "Whole city"),
    "scope.district": ("区县", "District"),
    "scope.street": ("街道", "Street"),
    "scope.community": ("社区", "Community"),
    "window": ("时间范围", "Time window"),
    "categories": ("事件类别", "Categories"),
    "handling_classes": ("处置类别", "Handling classes"),
    "stages": ("办理环节（当前）", "Workflow stage (current)"),
    "stages.help": (
        "案件目前所处的环节：例如“处置”为已处置、尚未核查或结案的案件",
        "The stage a case has reached: e.g. 'Handled' selects cases handled but not yet verified or closed",
    ),
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
    "risk.level": ("排名层级", "Rank by"),
    "risk.top.level": ("风险最高的{level}", "Highest-risk units: {level}"),
    "risk.col.unit_code": ("编码", "Code"),
    "risk.col.unit_name": ("名称", "Name"),
    "risk.col.grids": ("网格数", "Grids"),
    "risk.col.hot_cells": ("显著热点单元", "Hot-spot cells"),
    "risk.col.emerging_cells": ("新兴热点单元", "Emerging cells"),
    "risk.drill": (
        "点击一行：把它设为范围并向下一级排名",
        "Click a row to make it the scope and rank one level down",
    ),
    "risk.export.csv.level": ("导出 CSV（本层级全部）", "Export CSV (every unit of this level)"),
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
    # --- backtest (Risk page) ---
    "backtest.title": (
        "回测：用过去的风险图预测下一期",
        "Backtest: does past risk predict the next period?",
    ),
    "backtest.help": (
        "用截止日前 180 天的事件算出风险排名，检验截止日起 30 天的事件落在排名前 1%、5%、10% 单元中的比例（命中率）及其与随机选择之比（PAI）。据此选择衰减半衰期与平滑半径。",
        "Ranks cells by the risk of the 180 days before the cutoff and counts how many incidents of the 30 days from it fall in the top 1%, 5% and 10% of cells (hit rate), and how many times better than random that is (PAI). Use it to choose the half-life and smoothing.",
    ),
    "backtest.cutoff": ("截止日（检验期第一天）", "Cutoff (first test day)"),
    "backtest.half_lives": ("衰减半衰期（天）", "Half-life (days)"),
    "backtest.no_decay": ("不衰减", "no decay"),
    "backtest.k_rings": ("平滑半径（k 环）", "Smoothing (k-ring)"),
    "backtest.run": ("运行回测", "Run backtest"),
    "backtest.best": (
        "最佳：半衰期 {h}、平滑 k={k}：前 5% 单元命中 {hit} 的事件（PAI {pai}，检验期 {n} 件）。",
        "Best: half-life {h}, smoothing k={k}: the top 5% of cells catch {hit} of incidents (PAI {pai}; {n} test incidents).",
    ),
    "backtest.col.half_life_days": ("半衰期（天）", "Half-life (days)"),
    "backtest.col.k_ring": ("平滑 k", "k-ring"),
    "backtest.col.hit_rate_1": ("命中率 前1%", "Hit rate top 1%"),
    "backtest.col.pai_1": ("PAI 前1%", "PAI top 1%"),
    "backtest.col.hit_rate_5": ("命中率 前5%", "Hit rate top 5%"),
    "backtest.col.pai_5": ("PAI 前5%", "PAI top 5%"),
    "backtest.col.hit_rate_10": ("命中率 前10%", "Hit rate top 10%"),
    "backtest.col.pai_10": ("PAI 前10%", "PAI top 10%"),
    # --- cockpit (驾驶舱) and the printed report ---
    "page.cockpit": ("驾驶舱", "Cockpit"),
    "cockpit.title": ("{area} 网格治理驾驶舱", "{area} grid-governance cockpit"),
    "cockpit.period": (
        "{start} 至 {end}（{days} 天），对比上期 {pstart} 至 {pend}",
        "{start} to {end} ({days} days), compared with {pstart} to {pend}",
    ),
    "cockpit.meeting": ("会议模式（大字、全屏）", "Meeting mode (large type, full screen)"),
    "cockpit.map": ("显著热点（Gi*，FDR 校正）", "Significant hot spots (Gi*, FDR-corrected)"),
    "cockpit.map.emerging": ("新出现 / 加剧的热点", "New and intensifying hot spots"),
    "cockpit.top": ("风险最高的 {n} 个网格", "The {n} highest-risk grids"),
    "cockpit.top.none": (
        "没有事件数达到 {m} 件的网格",
        "No grid has at least {m} incidents",
    ),
    "cockpit.trend": (
        "月度事件数（近 12 个月，虚线为上年同期）",
        "Incidents per month (12 months; dashed: a year earlier)",
    ),
    "cockpit.categories": (
        "各类事件：本期与上期",
        "Incidents by category: this period and the previous",
    ),
    "cockpit.emerging": (
        "新兴热点（近 24 个月按月趋势检验）",
        "Emerging hot spots (monthly trend test, 24 months)",
    ),
    "cockpit.emerging.none": (
        "近 12 个月没有新出现或加剧的热点",
        "No new or intensifying hot spot in 12 months",
    ),
    "cockpit.suppressed": (
        "少于 {m} 件事件的单元（{cells} 个）和网格（{grids} 个）不单独显示。",
        "Cells ({cells}) and grids ({grids}) with fewer than {m} incidents are not shown individually.",
    ),
    "cockpit.export.png": ("导出本屏 PNG", "Export this screen (PNG)"),
    "cockpit.export.pdf": ("导出 PDF 报告", "Export PDF report"),
    "cockpit.rank": ("序", "#"),
    "cockpit.col.grid": ("网格", "Grid"),
    "cockpit.col.incidents": ("事件", "Incidents"),
    "cockpit.col.households": ("户数", "Households"),
    "cockpit.col.score": ("风险分", "Score"),
    "cockpit.col.why": ("原因", "Why"),
    "cockpit.col.trend": ("趋势", "Trend"),
    "cockpit.col.where": ("所在网格", "Grid"),
    "cockpit.col.cell": ("单元", "Cell"),
    "cockpit.legend.quiet": ("其他单元（≥{m} 件）", "Other cells (≥{m} incidents)"),
    "cockpit.legend.top": ("数字为风险排名", "Numbers: risk rank"),
    "cockpit.previous": ("上期", "Previous"),
    "cockpit.current": ("本期", "This period"),
    "cockpit.last_year": ("上年同期", "A year earlier"),
    "cockpit.month": ("月份", "Month"),
    "cockpit.synthetic": ("演示数据（合成）", "Demo data (synthetic)"),
    "kpi.incidents": ("事件数", "Incidents"),
    "kpi.rate": ("千户事件率", "Per 1,000 households"),
    "kpi.closure": ("结案率", "Closure rate"),
    "kpi.on_time": ("按期结案率", "On-time closure"),
    "kpi.hot_share": ("热点集中度", "Share in hot spots"),
    "kpi.handling": ("办结时长（中位）", "Median handling time"),
    "kpi.sub.incidents": ("件", "incidents"),
    "kpi.sub.rate": ("{n} 件 / {d} 户", "{n} incidents / {d} households"),
    "kpi.sub.closure": ("已结案 {n} / {d} 件", "{n} of {d} closed"),
    "kpi.sub.on_time": ("按期 {n} / 应结 {d} 件", "{n} of {d} due closed on time"),
    "kpi.sub.hot_share": (
        "{n} / {d} 件位于 {cells} 个显著热点单元",
        "{n} of {d} incidents in {cells} hot-spot cells",
    ),
    "kpi.sub.handling": ("基于 {d} 件已结案", "over {d} closed cases"),
    "kpi.change.rel": ("环比 {sign}{pct}", "{sign}{pct} on previous"),
    "kpi.change.pp": ("环比 {sign}{pp} 个百分点", "{sign}{pp} pts on previous"),
    "kpi.change.hours": ("环比 {sign}{h} 小时", "{sign}{h} h on previous"),
    "kpi.change.flat": ("环比持平", "unchanged on previous"),
    "kpi.change.none": ("上期无数据", "no previous data"),
    "kpi.hours": ("{h} 小时", "{h} h"),
    "report.title": ("{area} 网格治理风险报告", "{area} grid-governance risk report"),
    "report.generated": ("生成于 {at} · gridmap", "Generated {at} · gridmap"),
    "report.page": ("第 {n} / {total} 页", "Page {n} of {total}"),
    "report.maps": ("风险地图", "Risk maps"),
    "report.top": ("重点网格及原因", "Priority grids and why"),
    "report.trends": ("趋势", "Trends"),
    "report.method": ("指标说明", "How the numbers are made"),
    "report.method.text": (
        "事件数：所选时间范围内、所选类别与处置类别的事件。\n"
        "千户事件率：落在有户数网格内的事件 ÷ 这些网格的户数 × 1000。\n"
        "结案率：已结案 ÷ 事件数；近期事件可能仍在办理中，故本期偏低属正常。\n"
        "按期结案率：在处置时限内结案 ÷ 应结案（已结案或已超时限）；时限：应急 1 天、一般 7 天、矛盾调解 15 天（可配置，非国家标准）。\n"
        "热点集中度：位于显著热点单元（Getis-Ord Gi*，k=1 邻域，FDR 校正，90% 及以上）的事件 ÷ 有位置的事件。\n"
        "风险分：按类别与处置类别加权、30 天半衰期衰减、经验贝叶斯平滑的每千户事件率在全部网格中的百分位。\n"
        "新兴热点：截至结束月的 24 个月按月 Gi* 的 Mann-Kendall 趋势（新出现、连续、加剧）。\n"
        "小数抑制：少于 {m} 件事件的单元和网格不单独显示（本期 {cells} 个单元、{grids} 个网格）。\n"
        "报告不含任何个人信息（不含网格员姓名、当事人信息）。",
        "Incidents: those in the window, of the selected categories and handling classes.\n"
        "Per 1,000 households: incidents in grids with a household count ÷ those households × 1000.\n"
        "Closure rate: closed ÷ incidents; recent cases may still be open, so this period reads lower.\n"
        "On-time closure: closed within the class time limit ÷ cases due (closed, or past the limit); "
        "limits: emergency 1 day, general 7, dispute 15 (configurable, not a national rule).\n"
        "Share in hot spots: incidents in significant hot-spot cells (Getis-Ord Gi*, k=1, "
        "FDR-corrected, 90% or more) ÷ located incidents.\n"
        "Risk score: percentile among all grids of the per-1,000-household rate of incidents "
        "weighted by category and handling class, 30-day half-life, empirical-Bayes smoothed.\n"
        "Emerging hot spots: Mann-Kendall trend of monthly Gi* over the 24 months to the end month "
        "(new, consecutive, intensifying).\n"
        "Small counts: cells and grids with fewer than {m} incidents are not shown individually "
        "({cells} cells and {grids} grids this period).\n"
        "The report holds no personal data (no grid-worker or party names).",
    ),
}


def t(key: str, lang: str = "zh", **kwargs: object) -> str:
    """The string for ``key`` in ``lang``; an unknown key shows itself (visible, not silent)."""
    pair = _STRINGS.get(key)
    text = key if pair is None else pair[0 if lang == "zh" else 1]
    return text.format(**kwargs) if kwargs else text
