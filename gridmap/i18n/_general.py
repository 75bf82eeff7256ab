"""Strings every page shares: the app, its navigation, layers and the guards that let every page open on any workspace."""

STRINGS: dict[str, tuple[str, str]] = {
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
    # --- every page on any workspace; Data page messages (issue 15 items 9 and 5, pages) ---
    "app.error": (
        "本页出现错误，未能完整显示。错误已记录，编号 {ref}：请把编号告诉系统管理员。",
        "This page hit an error and could not be shown in full. It was logged under reference "
        "{ref}: give the reference to your administrator.",
    ),
    "no.incidents": (
        "工作空间中还没有事件。在“数据”页导入事件文件后，这里显示事件分布与风险。",
        "The workspace holds no incidents yet. Import an incident file on the Data page to see "
        "where incidents happen and the risk.",
    ),
    "kpi.nodata": ("无数据", "No data"),
    "kpi.nodata.closure": (
        "无结案数据：事件没有结案时间",
        "No closure data: the incidents carry no closure time",
    ),
    "kpi.nodata.households": (
        "无户数数据：网格没有户数",
        "No household data: the grids carry no household count",
    ),
    "cockpit.previous.none": (
        "事件数据始于 {first}：上期（{pstart} 至 {pend}）没有完整数据，不作环比。",
        "The incident data start on {first}: the previous period ({pstart} to {pend}) is not "
        "covered, so there is no comparison.",
    ),
    "card.closure.none": ("无结案数据", "No closure data"),
    "backtest.short": (
        "回测至少需要两天的事件数据（现有事件只覆盖 {days} 天）。",
        "A backtest needs incidents on at least two days (the data cover {days} day).",
    ),
    "backtest.no_test": (
        "检验期（截止日起 30 天）内没有事件，无法评分：请选更早的截止日。",
        "No incidents in the test period (30 days from the cutoff), nothing to score: choose "
        "an earlier cutoff.",
    ),
    "coverage.none.cameras": (
        "没有摄像机数据。在“数据”页导入摄像机点位后，这里显示视频覆盖率、盲区和新点位建议。",
        "No camera data. Import the camera register on the Data page to see coverage, blind "
        "spots and suggested sites.",
    ),
    "coverage.keyareas.none": (
        "没有重点区域数据：在“数据”页导入重点区域（学校、医院、车站……）后显示其覆盖情况。",
        "No key areas: import them (schools, hospitals, stations …) on the Data page to see "
        "their coverage.",
    ),
    "coverage.none.grids": (
        "没有网格数据。请先在“数据”页导入网格。",
        "No grids. Import a grid layer on the Data page first.",
    ),
    "audit.col.id": ("序号", "#"),
    "audit.col.at": ("时间", "When"),
    "audit.col.user": ("用户", "User"),
    "audit.col.role": ("角色", "Role"),
    "audit.col.action": ("操作", "Action"),
    "audit.col.target": ("对象", "Target"),
    "audit.col.version": ("版本", "Version"),
    "audit.col.detail": ("详情", "Detail"),
    "audit.col.via": ("途径", "Via"),
    "data.col.note": ("备注", "Note"),
    "data.col.detail": ("说明", "Detail"),
    "data.outside.points": ("点位", "points"),
    "data.outside.polygons": ("面", "polygons"),
    "data.outside.warning": (
        "这个文件的{what}大多不在工作空间范围内：只有 {inside} 落在现有边界内，与工作空间的中位距离为 "
        "{dist}。请先检查坐标系和所选文件是否正确。",
        "Most {what} of this file lie outside the workspace: only {inside} fall inside the "
        "existing boundaries, and their median distance from the workspace is {dist}. Check the "
        "coordinate system and that this is the right file first.",
    ),
    "data.outside.confirm": (
        "仍然导入：城市范围内的行照常导入，范围外的行被拒绝并列入拒绝清单",
        "Import anyway: rows inside the city are imported, rows outside it are rejected and "
        "listed in the rejects",
    ),
    "data.outside.confirm.needed": (
        "导入前请勾选“仍然导入”确认。",
        "Tick “Import anyway” to confirm before importing.",
    ),
    "data.km": ("{km} 公里", "{km} km"),
    "data.m": ("{m} 米", "{m} m"),
    "data.err.type": (
        "{name}：.{suffix} 文件不能导入为“{kind}”；允许的类型：{allowed}",
        "{name}: a .{suffix} file cannot be imported as {kind}; allowed: {allowed}",
    ),
    "data.err.size": (
        "{name}：{mb} MB 超过浏览器上传上限 {max} MB；更大的文件请用命令行 `gridmap import`",
        "{name}: {mb} MB is more than the {max} MB allowed through the browser; use "
        "`gridmap import` for larger files",
    ),
    "data.err.projected": (
        "{name}：坐标值达 {v}，不是经纬度；看起来是投影坐标（米或英尺）：请选择 EPSG 代码",
        "{name}: coordinates up to {v} are not degrees; they look like projected metres or "
        "feet: choose an EPSG code",
    ),
    "data.err.lonlat": (
        "{name}：请选择经度和纬度所在的列，才能放置点位",
        "{name}: choose the columns for lon and lat to place the points",
    ),
    "data.err.both": (
        "{name}：列 {col} 同时被选为 {a} 和 {b}；一列只能对应一个字段",
        "{name}: column {col} is chosen for both {a} and {b}; a column maps to one field",
    ),
    "data.err.table_polygons": (
        "{name}：表格文件中没有面，请上传矢量文件（Shapefile、GeoPackage、GeoJSON）",
        "{name}: a table has no polygons; upload a vector file (Shapefile, GeoPackage, GeoJSON)",
    ),
    "data.err.epsg": (
        "EPSG 代码为空：请输入数字，例如 4549 或 32648",
        "EPSG code: empty; type a number such as 4549 or 32648",
    ),
    "data.err.other": ("出错（原文）：{msg}", "{msg}"),
    # --- end of the every-page / Data page block ---
    # --- report layout and vocabulary labels per language (helper E, #16 item 7) ---
    # Not sentences but how many characters of each language fit a line: read with int() /
    # float(), so that a language's layout lives in the catalogue with its wording.
    # KPI tile detail line and the method page, in characters.
    "report.wrap.tile": ("22", "40"),
    "report.wrap.method": ("62", "120"),
    # Characters per CJK character of width (English gets about twice as many letters).
    "report.wrap.factor": ("1", "1.9"),
    # An enumeration value's label (schema.Choice.label): its own zh or en text.
    # --- end of the report layout and vocabulary labels block ---
    # --- the map page's readable map and own base map (helper N, #13 items 8 and 9) ---
    "map.top.title": ("本期突出网格", "Grids standing out in this window"),
    "map.top.caption": (
        "按“比同类网格预期多出的事件”排序，地图上的数字即名次；点一行看网格卡片",
        "Ranked by incidents above what similar grids lead to expect; the numbers on the map "
        "are the ranks. Click a row for the grid's card",
    ),
    "map.top.rank": ("名次", "Rank"),
    "map.top.grid": ("网格", "Grid"),
    "map.top.incidents": ("事件", "Incidents"),
    "map.top.excess": ("比预期多", "Above expected"),
    "map.top.none": ("所选范围内没有可排名的网格", "No grid to rank in this selection"),
    "legend.count.peak": (
        "每格事件数（括号内为格数，颜色最深的是最集中处）",
        "Incidents per cell (cells in brackets; the darkest is the peak)",
    ),
    "legend.cells.unit": (" 格", ""),
    "basemap.failed": (
        "本工作空间的离线底图无法使用，暂以无底图显示：{msg}",
        "The workspace's own base map cannot be used; showing the map without it: {msg}",
    ),
    # --- end of the map page's readable map block ---
    # --- period presets and state that follows the user (helper L, #13 items 5 and 11) ---
    "period": ("时间", "Period"),
    "period.this-week": ("本周", "This week"),
    "period.last-week": ("上周", "Last week"),
    "period.last-7-days": ("近7天", "Last 7 days"),
    "period.this-month": ("本月", "This month"),
    "period.last-month": ("上月", "Last month"),
    "period.this-quarter": ("本季度", "This quarter"),
    "period.last-90-days": ("近90天", "Last 90 days"),
    "period.custom": ("自定义", "Custom"),
    "period.help": (
        "本周、本月等以数据的最后一天为“今天”；每周从周一开始。选定后，切换页面时保持不变。",
        "“This week”, “this month” etc. count from the data's last day as “today”; weeks "
        "start on Monday. The choice stays when you change pages.",
    ),
    "period.asof": ("数据截至 {last}", "Data up to {last}"),
    "url.bad": (
        "链接中的参数无法使用，已改用默认值：{names}",
        "Link parameters that could not be used were reset to defaults: {names}",
    ),
    # --- end of the period presets block ---
}
