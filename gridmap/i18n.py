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
    # --- 数据 Data page: overview, import, export (data.*) ---
    "data.new.workspace": (
        "还没有工作空间：第一次导入会创建 `{path}`",
        "No workspace yet: the first import creates `{path}`",
    ),
    "data.section": ("数据功能", "Data section"),
    "data.section.overview": ("概览", "Overview"),
    "data.section.import": ("导入文件", "Import a file"),
    "data.section.export": ("导出", "Export"),
    "data.empty": (
        "工作空间中还没有数据。在“导入文件”中上传第一个文件。",
        "The workspace holds no data yet. Upload a first file under “Import a file”.",
    ),
    "data.log.empty": ("还没有导入记录。", "No imports yet."),
    "data.grids.count": (
        "生效版本 v{v} 的网格数；含草稿与归档版本共 {n:,} 条",
        "Grids of the version in force (v{v}); {n:,} rows with drafts and archived versions",
    ),
    "data.drafts.note": (
        "草稿版本尚未生效；发布后才替换当前生效的网格，旧版本归档保留。",
        "Draft versions are not in force; publishing one replaces the grids in force, "
        "and the old version is archived, not deleted.",
    ),
    "data.draft.pick": ("草稿版本", "Draft version"),
    "data.draft.info": (
        "网格已作为草稿版本 v{v} 保存，当前生效的网格未改变。检查上面的问题后再发布。",
        "The grids are saved as draft version v{v}; the grids in force are unchanged. "
        "Check the problems above, then publish.",
    ),
    "data.effective": ("生效日期", "Effective date"),
    "data.publish": ("发布 v{v}（替换当前生效网格）", "Publish v{v} (replaces the grids in force)"),
    "data.published": (
        "网格版本 v{v} 已发布生效，事件与小区已重新归属网格。",
        "Grid version v{v} is published; incidents and units were re-assigned.",
    ),
    "data.status.draft": ("草稿", "draft"),
    "data.status.published": ("生效中", "in force"),
    "data.status.archived": ("已归档", "archived"),
    "data.kind": ("要导入的数据类型", "What the file holds"),
    "data.kind.help": (
        "可上传：{types}；Shapefile 请打包为 .zip（含 .shp .shx .dbf .prj）；单个文件不超过 {mb} MB。",
        "Accepted: {types}; zip a Shapefile with its .shp .shx .dbf .prj; at most {mb} MB a file.",
    ),
    "data.upload": ("上传文件", "Upload a file"),
    "data.part.sheet": ("工作表", "Worksheet"),
    "data.part.layer": ("图层（文件中有多个）", "Layer (the file holds several)"),
    "data.step.read": ("读取结果（前几行）", "The file as read (first rows)"),
    "data.read.rows": ("{name}：{n:,} 行", "{name}: {n:,} rows"),
    "data.read.encoding": ("编码 {enc}", "encoding {enc}"),
    "data.read.sep": ("分隔符 {sep}", "separator {sep}"),
    "data.read.bad": (
        "{n} 行无法拆分为列（将列入拒绝行）",
        "{n} lines cannot be split (listed as rejects)",
    ),
    "data.read.crs": ("文件自带坐标系 {crs}", "the file says {crs}"),
    "data.read.nocols": (
        "文件只有几何图形，没有属性列：请在下面填写固定值（编码、名称等）。",
        "The file holds geometry only, no attribute columns: fill in fixed values below.",
    ),
    "data.saved.pick": ("使用已保存的映射", "Use a saved mapping"),
    "data.saved.placeholder": ("选择映射名称…", "Choose a mapping…"),
    "data.saved.apply": ("应用", "Apply"),
    "data.saved.missing": (
        "已保存映射中的这些列不在本文件中，请手动选择：{cols}",
        "These columns of the saved mapping are not in this file; choose them by hand: {cols}",
    ),
    "data.saved.save": ("保存本次映射，下个月直接复用", "Save this mapping to reuse next month"),
    "data.saved.name": (
        "映射名称（如：12345热线-事件导出）",
        "Mapping name (e.g. hotline incident export)",
    ),
    "data.saved.save.button": ("保存映射", "Save mapping"),
    "data.saved.done": (
        "映射“{name}”已保存到工作空间。",
        "Mapping “{name}” saved in the workspace.",
    ),
    "data.saved.delete.pick": ("删除已保存的映射", "Delete a saved mapping"),
    "data.saved.delete": ("删除", "Delete"),
    "data.step.columns": ("列对应关系", "Which column is which"),
    "data.columns.help": (
        "已自动识别常见表头；每个字段选择文件中的一列，* 为必填。编号缺失时按“文件名:行号”自动生成。",
        "Common headers are recognised automatically; pick the file's column for each field "
        "(* required). Without an id column, ids are made from file name and row.",
    ),
    "data.column.none": ("—（无）", "— (none)"),
    "data.columns.cleared": (
        "已清空自动识别的字段 {fields}：导入时仍按表头自动识别，如需改用其他列请直接选择。",
        "Cleared auto-detected field(s) {fields}: the importer still recognises them by header; "
        "pick another column to override.",
    ),
    "data.swap": ("经纬度列互换（经度列里是纬度）", "Swap lon/lat (the lon column holds latitude)"),
    "data.const": ("固定值（整份文件相同）", "Fixed values (same for every row)"),
    "data.const.help": (
        "文件中没有对应列的字段可以在这里填写，例如只有边界的区县文件：编码 620104、名称 西固区、级别 区/县。",
        "Fields without a column can be given here, e.g. a bare district outline: code 620104, "
        "name 西固区, level district.",
    ),
    "data.step.categories": (
        "事件类别对应到“1+6”分类",
        "Map event types to the “1+6” categories",
    ),
    "data.blank": ("（空）", "(blank)"),
    "data.categories.summary": (
        "共 {n} 个不同取值；按当前选择有 {u:,} 行将记为“未分类”（保留，不丢弃）。",
        "{n} distinct values; with these choices {u:,} rows will be “unclassified” (kept, not dropped).",
    ),
    "data.categories.rest": (
        " 另有 {n} 个较少的取值按内置规则自动归类。",
        " {n} rarer values are mapped by the built-in rules.",
    ),
    "data.step.crs": (
        "坐标系（地图上检查位置）",
        "Coordinate system (check the positions on the map)",
    ),
    "data.crs": ("坐标系", "Coordinate system"),
    "data.crs.file": ("文件自带（{crs}）", "The file's own ({crs})"),
    "data.crs.wgs84": ("WGS-84 / CGCS2000（GPS、天地图）", "WGS-84 / CGCS2000 (GPS, Tianditu)"),
    "data.crs.gcj02": ("GCJ-02（高德、腾讯）", "GCJ-02 (Amap, Tencent)"),
    "data.crs.bd09": ("BD-09（百度）", "BD-09 (Baidu)"),
    "data.crs.epsg": ("EPSG 编码（投影坐标，单位米）", "EPSG code (projected, metres)"),
    "data.crs.epsg.code": ("EPSG 编码", "EPSG code"),
    "data.crs.drawn": ("地图上显示 {n} 个样本", "{n} sample features on the map"),
    "data.crs.inside": ("{p} 落在工作空间范围内", "{p} inside the workspace"),
    "data.crs.distance": (
        "与工作空间已有边界/数据的中位距离 {m} 米",
        "median distance to the workspace's boundaries/data {m} m",
    ),
    "data.crs.legend": (
        "红色：本文件的样本（按所选坐标系换算）；线：工作空间已有的区县与社区边界。",
        "Red: samples of this file under the chosen system; lines: the workspace's districts and communities.",
    ),
    "data.suggest": (
        "这些坐标看起来更像 {crs}：{why}。",
        "These coordinates look like {crs}: {why}.",
    ),
    "data.suggest.compare": ("当前选择：{now}；建议：{then}", "Now: {now}; suggested: {then}"),
    "data.crs.distance.short": ("中位距离 {m} 米", "median distance {m} m"),
    "data.crs.usable": ("仅 {p} 可换算", "only {p} convertible"),
    "data.suggest.closer": (
        "按此坐标系换算后与工作空间已有边界/数据明显更吻合",
        "converted that way they match the workspace's boundaries/data much better",
    ),
    "data.suggest.outside": (
        "按当前选择大部分样本落在工作空间范围之外",
        "with the current choice most samples fall outside the workspace",
    ),
    "data.suggest.projected": (
        "数值远大于经纬度范围，应是投影坐标（米）",
        "the values are far beyond degrees: projected metres",
    ),
    "data.suggest.unusable": (
        "按当前选择大部分坐标无法换算",
        "most coordinates cannot be converted with the current choice",
    ),
    "data.suggest.use": ("改用 {crs}", "Use {crs}"),
    "data.import.grids": (
        "网格将作为草稿版本导入：检查校验结果后再发布，当前生效的网格不会被替换。",
        "Grids come in as a draft version: check the validation, then publish; the grids in "
        "force are not replaced until then.",
    ),
    "data.import.button": ("导入 {n:,} 行到“{kind}”", "Import {n:,} rows into {kind}"),
    "data.reason.zero": ("无坐标（0,0 为缺失位置的占位值）", "no coordinates (0,0 placeholder)"),
    "data.reason.no_xy": ("无坐标", "no coordinates"),
    "data.reason.bad_xy": ("坐标无法识别", "unparseable coordinates"),
    "data.reason.range": (
        "坐标超出经纬度范围（可能是投影坐标，应选 EPSG 编码）",
        "coordinates out of range",
    ),
    "data.reason.china": ("不在中国境内（该坐标系仅在境内有定义）", "outside China"),
    "data.reason.convert": ("坐标无法换算", "cannot convert"),
    "data.reason.city": ("在城市范围之外（超出工作空间边界）", "outside the city"),
    "data.reason.no_time": ("缺少发生时间", "missing time"),
    "data.reason.bad_time": ("时间无法识别", "unparseable time"),
    "data.reason.closed_before": ("结案时间早于发生时间", "closed before it occurred"),
    "data.reason.no_id": ("缺少编号", "missing id"),
    "data.reason.dup_ws": ("编号重复（工作空间中已有）", "duplicate id (already in the workspace)"),
    "data.reason.dup_id": ("编号重复", "duplicate id"),
    "data.reason.no_code": ("缺少编码", "missing code"),
    "data.reason.dup_code": ("编码重复", "duplicate code"),
    "data.reason.no_level": ("缺少级别", "missing level"),
    "data.reason.unknown": ("未知取值", "unknown"),
    "data.reason.number": ("不是有效数字", "not a number"),
    "data.reason.no_geom": ("没有几何图形", "no geometry"),
    "data.reason.not_polygon": ("不是面图形", "not a polygon"),
    "data.reason.repaired": ("无效几何，已自动修复", "invalid geometry repaired"),
    "data.reason.no_area": ("无效几何，修复后无面积", "invalid geometry with no area left"),
    "data.reason.split": ("无法拆分为列", "cannot split into columns"),
    "data.action.rejected": ("拒绝（未导入）", "rejected"),
    "data.action.cleared": ("保留，清空该值", "kept, value cleared"),
    "data.action.repaired": ("保留，已修复", "kept, repaired"),
    "data.again": (
        "返回预览（调整映射后再导入；已导入的编号会被识别为重复）",
        "Back to the preview (re-importing rejects ids already imported as duplicates)",
    ),
    "data.import.running": ("正在导入…", "Importing…"),
    "data.import.failed": (
        "导入未完成，工作空间未改动：{msg}",
        "Import not done, the workspace is unchanged: {msg}",
    ),
    "data.result": ("导入结果：{file}（{kind}）", "Import result: {file} ({kind})"),
    "data.result.read": ("读取行数", "Rows read"),
    "data.result.imported": ("已导入", "Imported"),
    "data.result.rejected": ("拒绝", "Rejected"),
    "data.result.unclassified": ("未分类（已导入）", "Unclassified (imported)"),
    "data.result.repaired": ("几何已修复", "Geometries repaired"),
    "data.result.sum": (
        "读取 {r:,} = 导入 {i:,} + 拒绝 {j:,}",
        "read {r:,} = imported {i:,} + rejected {j:,}",
    ),
    "data.result.crs": ("坐标系 {crs}", "coordinate system {crs}"),
    "data.result.updated": ("替换了已有的 {n:,} 条记录", "{n:,} existing records replaced"),
    "data.result.cleared": (
        "{n:,} 个无效值已清空（行保留，见下表）",
        "{n:,} invalid values cleared (rows kept, see the table)",
    ),
    "data.result.clean": ("全部导入，没有问题行。", "Everything imported, no problem rows."),
    "data.rejects": ("问题行明细（{n:,} 条）", "Problem rows ({n:,})"),
    "data.rejects.download": ("下载问题行 CSV", "Download the problem rows (CSV)"),
    "data.validation": ("网格校验（草稿 v{v}）", "Grid validation (draft v{v})"),
    "data.validation.ok": ("未发现问题。", "No problems found."),
    "data.validation.help": (
        "点击表格中的一行（或地图上的红色区域）定位到该问题。",
        "Click a row (or a red area on the map) to zoom to that problem.",
    ),
    "data.validation.zoom": ("已定位：{msg}", "Zoomed to: {msg}"),
    "data.problem.repaired_geometry": ("几何已修复", "repaired geometry"),
    "data.problem.invalid_geometry": ("无效几何", "invalid geometry"),
    "data.problem.empty_geometry": ("空几何", "empty geometry"),
    "data.problem.duplicate_code": ("编码重复", "duplicate code"),
    "data.problem.outside_community": ("不在任何社区内", "outside a community"),
    "data.problem.multiple_communities": ("跨多个社区", "in several communities"),
    "data.problem.overlap": ("重叠", "overlap"),
    "data.problem.gap": ("缝隙", "gap"),
    "data.problem.missing_households": ("缺户数", "missing households"),
    "data.problem.implausible_households": ("户数不合理", "implausible households"),
    "data.export.version": ("网格版本", "Grid version"),
    "data.export.format": ("格式", "Format"),
    "data.format.gpkg": ("GeoPackage（QGIS）", "GeoPackage (QGIS)"),
    "data.format.geojson": ("GeoJSON", "GeoJSON"),
    "data.format.shp": ("Shapefile（zip）", "Shapefile (zip)"),
    "data.format.csv": ("CSV 表格", "CSV table"),
    "data.format.xlsx": ("Excel 表格", "Excel table"),
    "data.export.encoding": ("文字编码", "Text encoding"),
    "data.export.encoding.help": (
        "老版 ArcGIS 和部分市级平台需要 GBK；QGIS 用 UTF-8。",
        "Older ArcGIS and some city platforms need GBK; QGIS reads UTF-8.",
    ),
    "data.export.crs.note": (
        "GCJ-02 / BD-09 只用于要求该坐标系的平台（高德、百度底图）；QGIS 与 GPS 数据请用 WGS-84。",
        "GCJ-02 / BD-09 only for platforms that expect it (Amap, Baidu maps); use WGS-84 for QGIS and GPS data.",
    ),
    "data.export.go": ("生成导出文件", "Make the export file"),
    "data.export.running": ("正在导出…", "Exporting…"),
    "data.export.ready": ("{name}：{n:,} 条，{kb} KB", "{name}: {n:,} rows, {kb} KB"),
    "data.export.download": ("下载 {name}", "Download {name}"),
    "data.col.version": ("版本", "Version"),
    "data.col.status": ("状态", "Status"),
    "data.col.effective_date": ("生效日期", "Effective"),
    "data.col.n_grids": ("网格数", "Grids"),
    "data.col.source": ("来源文件", "Source file"),
    "data.col.created_at": ("创建时间", "Created"),
    "data.col.at": ("时间", "When"),
    "data.col.user": ("操作人", "Who"),
    "data.col.kind": ("类型", "Kind"),
    "data.col.file": ("文件", "File"),
    "data.col.crs": ("坐标系", "CRS"),
    "data.col.rows_read": ("读取", "Read"),
    "data.col.imported": ("导入", "Imported"),
    "data.col.rejected": ("拒绝", "Rejected"),
    "data.col.unclassified": ("未分类", "Unclassified"),
    "data.col.reason": ("原因", "Reason"),
    "data.col.rows": ("行数", "Rows"),
    "data.col.row": ("行号", "Row"),
    "data.col.field": ("字段", "Field"),
    "data.col.value": ("原始值", "Value"),
    "data.col.action": ("处理", "Action"),
    "data.col.code": ("编码", "Code"),
    "data.col.message": ("详细说明（校验器原文，英文）", "Message"),
    "data.col.size_m2": ("面积（平方米）", "Area (m²)"),
    "data.col.lon": ("经度", "Lon"),
    "data.col.lat": ("纬度", "Lat"),
    "data.field.code": ("编码", "Code"),
    "data.field.name": ("名称", "Name"),
    "data.field.parent_code": ("上级编码", "Parent code"),
    "data.field.level": ("级别", "Level"),
    "data.field.households": ("户数", "Households"),
    "data.field.population": ("人口", "Population"),
    "data.field.grid_type": ("网格类型", "Grid type"),
    "data.field.worker": ("网格员", "Grid worker"),
    "data.field.effective_date": ("生效日期", "Effective date"),
    "data.field.unit_type": ("小区/楼栋类型", "Unit type"),
    "data.field.kind": ("类型", "Kind"),
    "data.field.target_coverage": ("覆盖目标", "Coverage target"),
    "data.field.id": ("编号", "Id"),
    "data.field.occurred_at": ("发生时间", "Occurred at"),
    "data.field.reported_at": ("受理/上报时间", "Reported at"),
    "data.field.registered_at": ("立案时间", "Registered at"),
    "data.field.dispatched_at": ("派遣时间", "Dispatched at"),
    "data.field.handled_at": ("处置时间", "Handled at"),
    "data.field.verified_at": ("核查时间", "Verified at"),
    "data.field.closed_at": ("结案时间", "Closed at"),
    "data.field.category": ("事件类别", "Category"),
    "data.field.handling_class": ("处置类别", "Handling class"),
    "data.field.source": ("来源", "Source"),
    "data.field.address": ("地址", "Address"),
    "data.field.grid_code_source": ("原所属网格", "Grid (as given)"),
    "data.field.lon": ("经度 / X", "Longitude / X"),
    "data.field.lat": ("纬度 / Y", "Latitude / Y"),
    "data.field.range_m": ("可视距离（米）", "Range (m)"),
    "data.field.azimuth_deg": ("朝向（度）", "Azimuth (deg)"),
    "data.field.fov_deg": ("视场角（度）", "Field of view (deg)"),
    "data.field.status": ("状态", "Status"),
    "data.field.owner": ("权属单位", "Owner"),
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
    "coverage.siting.upload": (
        "导入候选点位（杆件、路口、出入口；CSV 经度/纬度 WGS-84 或 GeoJSON）",
        "Import candidate sites (poles, crossings, entrances; CSV lon/lat WGS-84 or GeoJSON)",
    ),
    "coverage.siting.imported": (
        "当前候选点位：导入文件中的点位（地图显示潜在收益最高的 {n} 个）。",
        "Candidates now: the imported sites (the map shows the {n} of highest potential).",
    ),
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
    "coverage.ka.share": ("视频覆盖率", "Coverage"),
    "coverage.ka.target": ("目标", "Target"),
    "coverage.ka.m2": ("已覆盖 {covered} / {area} m²", "{covered} of {area} m² covered"),
    "coverage.ka.ok": ("已达标", "At target"),
    "coverage.ka.short": ("未达标：还差 {m2} m²", "Below target: {m2} m² short"),
    "coverage.ka.cameras": (
        "能看到此区域的摄像机：在线 {online} 台，离线 {offline} 台",
        "Cameras reaching it: {online} online, {offline} offline",
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
    # The same words in both languages: Streamlit keeps a selectbox's value as its label, so
    # a label that changed with the language would leave the old one showing.
    "scope.all": ("全部 / All", "全部 / All"),
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
    "card.worker.hidden": ("（不对查看角色显示）", "(not shown to viewers)"),
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
    # --- login and roles ---
    "auth.title": ("登录", "Log in"),
    "auth.user": ("用户名", "User name"),
    "auth.password": ("密码", "Password"),
    "auth.login": ("登录", "Log in"),
    "auth.failed": ("用户名或密码不正确。", "Wrong user name or password."),
    "auth.locked": (
        "连续输错次数过多，请 {s} 秒后再试。",
        "Too many wrong passwords; try again in {s} s.",
    ),
    "auth.as": ("当前用户：{user}（{role}）", "Logged in as {user} ({role})"),
    "auth.logout": ("退出登录", "Log out"),
    "auth.scope": ("权限范围：{area}", "Your area: {area}"),
    "auth.sso": ("使用单点登录", "Sign in with SSO"),
    "auth.sso_named": ("使用单点登录（{provider}）", "Sign in with SSO ({provider})"),
    "auth.sso_broken": (
        "单点登录配置不完整，暂不可用：{problem}",
        "Single sign-on is not set up completely and is off: {problem}",
    ),
    "auth.sso_unknown": (
        "`{who}` 没有访问权限；请管理员运行 `gridmap users WORKSPACE add {who} --role ROLE --area CODE`。",
        "No access for `{who}`; ask an admin to run `gridmap users WORKSPACE add {who} --role ROLE --area CODE`.",
    ),
    "auth.sso_unverified": (
        "`{who}` 没有访问权限：身份提供方未验证该邮箱；请在身份提供方验证后重试。",
        "No access for `{who}`: the identity provider has not verified this e-mail address; verify it there and try again.",
    ),
    "auth.sso_no_claim": (
        "没有访问权限：身份提供方未提供 {claim}；请管理员检查 secrets.toml 中的 [gridmap] sso_claim。",
        "No access: the identity provider sent no {claim}; ask an admin to check [gridmap] sso_claim in secrets.toml.",
    ),
    "auth.sso_logout": ("退出单点登录", "Sign out"),
    "role.viewer": ("领导（查看）", "viewer"),
    "role.operator": ("值班人员", "operator"),
    "role.planner": ("网格规划", "planner"),
    "role.admin": ("管理员", "admin"),
    "page.audit": ("审计", "Audit"),
    "audit.title": ("审计日志（只增不改）", "Audit log (append-only)"),
    "audit.export": ("导出 CSV", "Export CSV"),
    # --- rebalance (调整) page ---
    "page.rebalance": ("调整", "Rebalance"),
    "reb.pick": (
        "先选一个社区：网格只在社区内调整。点击下表一行，或在左侧选择区县、街道、社区。",
        "Pick a community first: grids are rebalanced inside their community. Click a row below, or choose district, street and community on the left.",
    ),
    "reb.loading": ("正在计算各社区的网格负荷……", "Computing every community's grid load…"),
    "reb.summary": (
        "范围内 {n} 个社区，其中 {out} 个有网格超出户数区间（按超出户数排序）。",
        "{n} communities in scope, {out} with grids outside the household band (worst first).",
    ),
    "reb.col.community": ("社区", "Community"),
    "reb.col.grids": ("网格数", "Grids"),
    "reb.col.households": ("户数", "Households"),
    "reb.col.out_of_band": ("超出区间", "Out of band"),
    "reb.col.cv": ("变异系数", "CV"),
    "reb.col.needed": ("建议网格员数", "Workers needed"),
    "reb.col.why": ("说明", "Why"),
    "reb.estimate": (
        "本工作空间没有小区/楼栋图层：以 H3 单元按面积分摊户数作为单元（估计值）。",
        "No unit layer in this workspace: H3 cells with households apportioned by area act as units (estimates).",
    ),
    "reb.mode": ("操作方式", "Mode"),
    "reb.mode.paint": ("画笔", "Paint"),
    "reb.mode.select": ("多选", "Select"),
    "reb.paint.help": (
        "画笔：在地图上点击单元，即把它划入目标网格；下方数字实时更新。",
        "Paint: click a unit on the map to move it to the target grid; the numbers below update live.",
    ),
    "reb.select.help": (
        "多选：点击单元选中或取消，再一起划入目标网格。",
        "Select: click units to (un)select them, then move them together.",
    ),
    "reb.target": ("目标网格", "Target grid"),
    "reb.selected": ("已选 {n} 个单元，共 {hh} 户", "{n} units selected, {hh} households"),
    "reb.assign": ("划入目标网格", "Move to target grid"),
    "reb.clear": ("清除选择", "Clear selection"),
    "reb.undo": ("撤销", "Undo"),
    "reb.redo": ("重做", "Redo"),
    "reb.reset": ("全部还原", "Reset"),
    "reb.locked": ("锁定的网格（不参与调整）", "Locked grids (left untouched)"),
    "reb.locked.none": ("无", "none"),
    "reb.redraw": ("整体重划本社区", "Redraw the whole community"),
    "reb.redraw.help": (
        "在不拆分单元、保持连通和社区边界的前提下，使每个网格尽量落在户数区间内，并尽量少移动住户。",
        "Puts every grid in the band where the units allow it, keeping units whole, grids contiguous and inside the community, moving as few households as possible.",
    ),
    "reb.redrawing": ("正在重划……", "Redrawing…"),
    "reb.view": ("地图", "Map"),
    "reb.view.after": ("调整后", "After"),
    "reb.view.before": ("调整前", "Before"),
    "reb.tooltip": ("网格 {grid} · {households} 户", "grid {grid} · {households} households"),
    "reb.live": ("受影响的网格（实时）", "Grids affected (live)"),
    "reb.grids": ("本社区的网格", "Grids of this community"),
    "reb.col.grid": ("网格", "Grid"),
    "reb.col.before": ("调整前户数", "Before"),
    "reb.col.deviation": ("偏离社区均值", "Deviation"),
    "reb.col.in_band": ("在区间内", "In band"),
    "reb.col.contiguous": ("连通", "Contiguous"),
    "reb.col.compactness": ("紧凑度", "Compactness"),
    "reb.col.compactness_before": ("调整前紧凑度", "Compactness before"),
    "reb.col.workload": ("工作量", "Workload"),
    "reb.col.worker": ("网格员", "Grid worker"),
    "reb.col.locked": ("锁定", "Locked"),
    "reb.moved": (
        "本方案移动 {units} 个单元、{hh} 户。",
        "This plan moves {units} units and {hh} households.",
    ),
    "reb.suggestions": (
        "调整建议（按每移动一户带来的改善排序）",
        "Suggestions (ranked by improvement per household moved)",
    ),
    "reb.suggestions.none": (
        "本社区的网格都在区间内，或没有可行的改进。",
        "Every grid is in the band, or no change would improve it.",
    ),
    "reb.kind.split": ("拆分", "Split"),
    "reb.kind.merge": ("合并", "Merge"),
    "reb.kind.move": ("移交单元", "Move units"),
    "reb.sug.numbers": (
        "移动 {hh} 户（{units} 个单元）· 超出区间户数 {gap} → {gap_after} · 紧凑度变化 {pp}",
        "moves {hh} households ({units} units) · households outside the band {gap} → {gap_after} · compactness {pp}",
    ),
    "reb.apply": ("应用", "Apply"),
    "reb.gone": ("（已并入其他网格）", " (merged away)"),
    "reb.suggestions.touched": (
        "涉及本次已调整网格的建议不再列出。",
        "Suggestions touching grids changed in this session are left out.",
    ),
    "reb.versions": ("版本：保存、发布、导出", "Versions: save, publish, export"),
    "reb.note": ("草稿说明", "Draft note"),
    "reb.save": ("保存为草稿版本", "Save as a draft version"),
    "reb.saved": (
        "已保存为草稿版本 {v}；现行版本未改变。",
        "Saved as draft version {v}; the version in force is unchanged.",
    ),
    "reb.conflict": (
        "未保存：在你开始调整之后，其他人已保存了同一社区的修改。请点“全部还原”载入最新网格后重新调整。（{why}）",
        "Not saved: someone saved a change to this community after you started. Press Reset to load the latest grids and redo your change. ({why})",
    ),
    "reb.draft": ("草稿版本", "Draft version"),
    "reb.effective": ("生效日期", "Effective date"),
    "reb.publish": ("发布", "Publish"),
    "reb.published": (
        "版本 {v} 已发布，自 {day} 起生效；事件与单元已重新归属。",
        "Version {v} published, in force from {day}; incidents and units re-assigned.",
    ),
    "reb.compare": (
        "草稿 {v} 与现行版本相比：新增 {added} 个网格，撤销 {removed} 个，调整 {redrawn} 个；移动 {units} 个单元、{hh} 户。",
        "Draft {v} against the version in force: {added} grids added, {removed} removed, {redrawn} changed; {units} units ({hh} households) move.",
    ),
    "reb.change.new": ("新增", "added"),
    "reb.change.removed": ("撤销", "removed"),
    "reb.change.changed": ("调整", "changed"),
    "reb.change.same": ("不变", "unchanged"),
    "reb.cmp.status": ("变化", "Change"),
    "reb.cmp.households_a": ("现行户数", "Households now"),
    "reb.cmp.households_b": ("草稿户数", "Households in draft"),
    "reb.cmp.delta": ("户数变化", "Change in households"),
    "reb.export.assignment": (
        "导出版本 {v} 的单元归属表（CSV）",
        "Export version {v} unit → grid table (CSV)",
    ),
    "reb.export": (
        "导出版本 {v}（GeoPackage，可在 QGIS 打开）",
        "Export version {v} (GeoPackage, opens in QGIS)",
    ),
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
    "cockpit.meeting": ("会议模式（大字、全屏）", "Meeting mode"),
    "cockpit.top.numbers": (
        "{n} 件 / {hh} 户 · 千户事件率 {rate}",
        "{n} incidents / {hh} households · {rate} per 1,000 households",
    ),
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
    "kpi.change.yoy": ("同比 {sign}{pct}", "{sign}{pct} on a year ago"),
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
    # --- importers and validator (issue 15: merged parts, unlocated incidents, messages) ---
    "import.noun.grids": ("网格", "grid"),
    "import.noun.admin": ("行政区划", "admin unit"),
    "import.noun.units": ("单元", "unit"),
    "import.noun.keyareas": ("重点区域", "key area"),
    "import.note.merged.grids": (
        "{rows} 行合并为 {n} 个网格（同一编码、属性一致，视为多部件面）：{codes}",
        "merged {rows} rows into {n} grid(s): {codes} (same code and attributes: parts of one "
        "multipart polygon)",
    ),
    "import.note.merged.admin": (
        "{rows} 行合并为 {n} 个行政区划（同一编码、属性一致）：{codes}",
        "merged {rows} rows into {n} admin unit(s): {codes} (same code and attributes)",
    ),
    "import.note.merged.units": (
        "{rows} 行合并为 {n} 个单元（同一编码、属性一致）：{codes}",
        "merged {rows} rows into {n} unit(s): {codes} (same code and attributes)",
    ),
    "import.note.merged.keyareas": (
        "{rows} 行合并为 {n} 个重点区域（同一编码、属性一致）：{codes}",
        "merged {rows} rows into {n} key area(s): {codes} (same code and attributes)",
    ),
    "import.note.blocked": (
        "网格版本 {version} 仅保存为草稿、未发布：校验发现分析无法使用的问题（{kinds}）；"
        "修正文件后重新导入（`gridmap validate` 列出问题）",
        "grid version {version} kept as a draft, not published: validation found problems "
        "analyses cannot use ({kinds}); fix the file and import it again (`gridmap validate` "
        "lists them)",
    ),
    "import.note.unlocated": (
        "{n:,} 件事件没有坐标，按所属网格（编码或唯一名称）保留为无位置事件：计入网格统计，"
        "不进入单元热力图和热点",
        "{n:,} incidents without coordinates kept without a location in the grid their grid "
        "code or unique name gives: counted in their grid, left out of cell maps and hot spots",
    ),
    "import.reason.unlocated": (
        "无坐标，按所属网格保留（无位置）",
        "no coordinates: kept in its grid",
    ),
    "import.reason.merged": ("同一编码的多行已合并为一个要素", "rows of one code merged"),
    "import.reason.conflict": (
        "编码重复且属性不一致（整组拒绝）",
        "duplicate code, attributes differ",
    ),
    "import.action.merged": ("保留，已合并", "kept, merged"),
    "import.action.unlocated": ("保留，无位置", "kept, no location"),
    "validate.no_location": ("（无位置）", "(no location)"),
    "validate.at": ("位于 {lon}, {lat}", "at {lon}, {lat}"),
    "validate.row_label": ("（第 {row} 行，无编码）", "(row {row}, no code)"),
    "validate.empty_geometry": ("网格 {label} 没有几何图形", "grid {label} has no geometry"),
    "validate.invalid_no_area": (
        "网格 {label}：无效几何（{reason}），修复后无面积 {at}",
        "grid {label}: invalid geometry ({reason}) with no area left after repair {at}",
    ),
    "validate.not_polygon_no_area": (
        "网格 {label}：不是面（{type}），修复后无面积 {at}",
        "grid {label}: not a polygon ({type}) with no area left after repair {at}",
    ),
    "validate.repaired": (
        "网格 {label}：无效几何（{reason}）已修复，面积变化 {change} {at}",
        "grid {label}: invalid geometry ({reason}) repaired, area changed by {change} {at}",
    ),
    "validate.repaired_at_import": (
        "网格 {label}：无效几何已在导入时修复 {at}",
        "grid {label}: invalid geometry repaired at import {at}",
    ),
    "validate.duplicate_code": (
        "编码重复 {code}：{n} 个网格使用同一编码，此处 {at}",
        "duplicate code {code}: {n} grids share it, this one {at}",
    ),
    "validate.parent_code": ("；上级编码 {parent}", "; parent_code {parent}"),
    "validate.none": ("无", "none"),
    "validate.outside_community": (
        "网格 {label}：{area} 中有 {outside} 不在任何社区内（所在：{listed}{parent}）{at}",
        "grid {label}: {outside} of {area} lies outside every community (in: {listed}{parent}) "
        "{at}",
    ),
    "validate.outside_any": ("，不在任何社区 {area}", ", outside any {area}"),
    "validate.multiple_communities": (
        "网格 {label} 跨 {n} 个社区：{listed}{extra}{parent} {at}",
        "grid {label} is split across {n} communities: {listed}{extra}{parent} {at}",
    ),
    "validate.wrong_parent": (
        "网格 {label} 位于社区 {home}，但其上级编码为 {parent}（{off} 在 {parent} 之外）{at}",
        "grid {label} lies in community {home} but its parent_code is {parent} ({off} outside "
        "{parent}) {at}",
    ),
    "validate.overlap": (
        "网格 {a} 与 {b} 重叠：{area} {at}",
        "overlap of grids {a} and {b}: {area} {at}",
    ),
    "validate.gap_in_community": ("位于社区 {code}", "in community {code}"),
    "validate.gap_enclosed": ("被网格包围", "enclosed by grids"),
    "validate.gap_enclosed_outside": (
        "被网格包围、不在任何社区内",
        "enclosed by grids, outside every community",
    ),
    "validate.gap": (
        "缝隙（未被任何基础网格覆盖），{where}：{area} {at}",
        "gap not covered by any basic grid {where}: {area} {at}",
    ),
    "validate.missing_households": (
        "网格 {label}：缺少户数 {at}",
        "grid {label}: households missing {at}",
    ),
    "validate.households_not_positive": (
        "户数 {hh}（必须大于 0）",
        "households {hh} (must be > 0)",
    ),
    "validate.households_above_max": (
        "户数 {hh} 超过上限 {max}",
        "households {hh} above the maximum {max}",
    ),
    "validate.persons_per_household": (
        "户均 {per} 人（人口 {pop} / 户数 {hh}；合理范围 {low}–{high}）",
        "{per} persons per household (population {pop} / households {hh}; plausible {low}–{high})",
    ),
    "validate.implausible_households": (
        "网格 {label}：户数不合理，{why} {at}",
        "grid {label}: implausible {why} {at}",
    ),
    "validate.summary": ("已检查 {n:,} 个网格：{what}", "{n:,} grids checked: {what}"),
    "validate.no_problems": ("未发现问题", "no problems"),
    "validate.more": (
        "…… 另有 {n} 条（用 --json 或 --out FILE 查看全部）",
        "… {n} more (use --json or --out FILE)",
    ),
    "file_error.not_found": ("{file}：找不到文件", "{file}: file not found"),
    "file_error.directory": ("{file}：这是一个文件夹，应选择文件", "{file}: is a directory"),
    "file_error.suffix": (
        "{file}：不支持的文件类型 {suffix}；可用：{allowed}",
        "{file}: unsupported file type {suffix}; allowed: {allowed}",
    ),
    "file_error.encoding": (
        "{file}：第 {byte} 字节处无法解码：不是 UTF-8、带 BOM 的 UTF-8 或 GBK/GB18030 编码",
        "{file}: cannot decode text at byte {byte}",
    ),
    "file_error.empty": ("{file}：文件为空", "{file}: the file is empty"),
    "file_error.gzip": (
        "{file}：无法读取的 gzip 压缩文件（{detail}）",
        "{file}: not a readable gzip file",
    ),
    "file_error.decode": ("{file}：无法按 {enc} 解码：{detail}", "{file}: cannot decode as {enc}"),
    "file_error.header": (
        "{file}：第 1 行无法作为列名读取（{detail}）",
        "{file}: row 1 cannot be read as column names",
    ),
    "file_error.no_header": ("{file}：第 1 行没有列名", "{file}: row 1 has no column names"),
    "file_error.repeated": ("{file}：第 1 行列名重复：{names}", "{file}: row 1 repeats {names}"),
    "file_error.csv": ("{file}：无法读取的 CSV 文件（{detail}）", "{file}: not a readable CSV"),
    "file_error.xlsx": (
        "{file}：无法读取的 Excel 工作簿（{detail}）",
        "{file}: not a readable workbook",
    ),
    "file_error.parquet": (
        "{file}：无法读取的 Parquet 文件（{detail}）",
        "{file}: not a readable Parquet file",
    ),
    "file_error.vector": (
        "{file}：无法读取的矢量文件（{detail}）",
        "{file}: not a readable vector file",
    ),
    "file_error.no_columns": ("{file}：没有找到任何列", "{file}: no columns found"),
    "file_error.zip": ("{file}：无法读取的 zip 压缩包", "{file}: not a readable zip archive"),
    "file_error.zip_layers": (
        "{file}：zip 中必须恰好有一个矢量图层（一组 .shp 文件、.gpkg、.geojson 或 .fgb）；"
        "找到 {n} 个：{names}",
        "{file}: the zip must hold exactly one vector layer; found {n}: {names}",
    ),
    "file_error.no_layer": ("{file}：不含矢量图层", "{file}: holds no vector layer"),
    "file_error.layers": (
        "{file}：含 {n} 个图层（{names}）；请选择其中一个",
        "{file}: holds {n} layers ({names}); choose one",
    ),
    "file_error.dbf_encoding": (
        "{file}：属性文字的编码无法识别（{detail}）",
        "{file}: attribute text is not in a known encoding",
    ),
    "file_error.no_geometry": ("{file}：没有几何列", "{file}: has no geometry column"),
    "file_error.utf8": (
        "{file}：列 {column} 的文字不是有效的 UTF-8；请将文件另存为 UTF-8",
        "{file}: column {column}: text is not valid UTF-8",
    ),
    "file_error.no_xy_column": (
        "{file}：没有与字段 {fields} 对应的列；文件中的列：{columns}；请在列映射中指定",
        "{file}: no column for field(s) {fields}",
    ),
    "file_error.no_time_column": (
        "{file}：没有发生时间（occurred_at）列；文件中的列：{columns}；请在列映射中指定",
        "{file}: no column for occurred_at",
    ),
    "file_error.no_crs": (
        "{file}：文件没有坐标系；请指定（WGS-84/CGCS2000、GCJ-02、BD-09 或 EPSG 编码）",
        "{file}: has no coordinate system",
    ),
    "file_error.no_epsg": (
        "{file}：文件的坐标系没有 EPSG 编码；请指定（WGS-84/CGCS2000、GCJ-02、BD-09 或 EPSG 编码）",
        "{file}: the file's coordinate system has no EPSG code",
    ),
    "file_error.no_grid": (
        "{file}：{n} 行中没有可用的网格{why}；未生成网格版本",
        "{file}: no usable grid in {n} row(s); no grid version was made",
    ),
    # --- end of the importers and validator block ---
    # --- rebalancing by a chosen measure (issue 15 items 2 and 7) ---
    "reb.measure": ("均衡指标", "Balance by"),
    "reb.measure.households": ("户数", "households"),
    "reb.measure.population": ("人口", "population"),
    "reb.measure.workload": ("工作量", "workload"),
    "reb.measure.unit.households": ("户", "households"),
    "reb.measure.unit.population": ("人", "residents"),
    "reb.measure.unit.workload": ("户当量", "household equivalents"),
    "reb.measure.help": (
        "户数区间默认按社区类型（城市300–500户、村100–300户）；人口和工作量没有统一标准，"
        "默认取全部基础网格均值的0.8–1.2倍。工作量＝户数＋按处置类别加权的年事件数＋面积折算。",
        "Households use the band of the community type (300–500 urban, 100–300 village); "
        "population and workload have no rule and default to 0.8–1.2 × the mean basic grid. "
        "Workload = households + incidents a year weighted by handling class + area.",
    ),
    "reb.cli.no_households": (
        "网格没有户数数据：按工作量（加权事件数与面积）均衡；可用 --balance 另选。",
        "The grids have no household counts: balancing workload (weighted incidents and "
        "area) instead; choose another measure with --balance.",
    ),
    "reb.no_households": (
        "网格没有户数数据：默认按工作量（加权事件数与面积）均衡。",
        "The grids have no household counts: balancing workload (weighted incidents and "
        "area) by default.",
    ),
    "reb.cli.balance": (
        "按{measure}均衡，区间 {band} {unit}；{out} 个网格超出区间（区间外共 {gap} {unit}）",
        "balancing {measure}, band {band} {unit}; {out} out of band ({gap} {unit} outside it)",
    ),
    "reb.band.caption": (
        "均衡指标：{measure}；区间 {band} {unit}",
        "Balancing {measure}; band {band} {unit}",
    ),
    "reb.col.measure": ("{measure}", "{measure}"),
    "reb.col.measure_before": ("调整前{measure}", "{measure} before"),
    "reb.sug.numbers.measure": (
        "移动 {hh} 户（{units} 个单元）· 超出区间的{measure} {gap} → {gap_after} {unit} · "
        "紧凑度变化 {pp}",
        "moves {hh} households ({units} units) · {measure} outside the band {gap} → "
        "{gap_after} {unit} · compactness {pp}",
    ),
    "reb.summary.measure": (
        "范围内 {n} 个社区，其中 {out} 个有网格超出{measure}区间（按超出量排序）。",
        "{n} communities in scope, {out} with grids outside the {measure} band (worst first).",
    ),
    # --- end of the rebalancing-by-measure block ---
    # --- cockpit exports that never fail silently (issue 15 item 6) ---
    "cockpit.export.working": (
        "正在生成…（第一次导出要准备中文字体，约需 1 分钟）",
        "Rendering… (the first export prepares the Chinese font: about a minute)",
    ),
    "cockpit.export.failed": ("{what} 导出失败：{reason}", "{what} export failed: {reason}"),
    "cockpit.export.save": ("下载 {what}（{kb:,} KB）", "Download {what} ({kb:,} KB)"),
    # --- end of the cockpit exports block ---
    # --- forecast method choice (issue 14) ---
    "forecast.method.prev_period": ("上一同长时段计数", "counts of the previous period"),
    "forecast.method.last_365d": ("近 365 天计数", "counts of the last 365 days"),
    "forecast.method.all_history": ("全部历史计数", "counts of all history"),
    "forecast.method.decay": ("时间衰减计数（{name}）", "time-decayed counts ({name})"),
    "forecast.method.kde": ("高斯核平滑（{name}）", "Gaussian kernel smoothing ({name})"),
    "forecast.method.blend": ("长短期混合（{name}）", "long + short-term blend ({name})"),
    "forecast.method.sepp": (
        "自激点过程（近重复模型）",
        "self-exciting point process (near repeats)",
    ),
    # --- end of the forecast method choice block ---
    # --- forecast method in the app: cockpit line, Risk line, backtest panel (issue 14.4) ---
    "forecast.h.7": ("周", "week"),
    "forecast.h.14": ("两周", "two weeks"),
    "forecast.h.30": ("个月", "month"),
    "forecast.h.91": ("季度", "quarter"),
    "forecast.periods.7": ("{n} 周", "{n} weeks"),
    "forecast.periods.14": ("{n} 个两周", "{n} two-week periods"),
    "forecast.periods.30": ("{n} 个月", "{n} months"),
    "forecast.periods.91": ("{n} 个季度", "{n} quarters"),
    "forecast.horizon.7": ("1 周", "1 week"),
    "forecast.horizon.14": ("2 周", "2 weeks"),
    "forecast.horizon.30": ("1 个月", "1 month"),
    "forecast.horizon.91": ("3 个月", "3 months"),
    "forecast.plain.prev_period": ("上一同长时段的事件数", "the previous period's incidents"),
    "forecast.plain.last_365d": ("近一年的事件数", "the last year's incidents"),
    "forecast.plain.all_history": ("全部历史事件数", "all past incidents"),
    "forecast.plain.decay": (
        "按事件计数，越近的事件分量越重（每 {x} 天减半）",
        "incident counts with recent incidents weighing more (halving every {x} days)",
    ),
    "forecast.plain.kde": (
        "按事件计数，并计入周边约 {x} 米",
        "incident counts spread over about {x} m around each incident",
    ),
    "forecast.plain.blend": (
        "长期事件数与近期事件数相结合",
        "long-term and recent counts combined",
    ),
    "forecast.plain.sepp": (
        "考虑事件会在附近短期内重复发生",
        "allowing for incidents that repeat nearby soon after",
    ),
    "forecast.cockpit.model": (
        "风险预测：{what}。用过去 {periods}的事件检验，比简单计数多覆盖 {pct}% 的事件。",
        "Risk forecast: {what}. Tested on the past {periods}, it caught {pct}% more incidents "
        "than plain counting.",
    ),
    "forecast.cockpit.same": (
        "风险预测：{what}。用过去 {periods}的事件检验，与简单计数效果相当（多覆盖不到 1% 的事件）。",
        "Risk forecast: {what}. Tested on the past {periods}, it did as well as plain counting "
        "(under 1% more incidents).",
    ),
    "forecast.cockpit.baseline": (
        "风险预测：简单计数（{what}）。用过去 {periods}的事件检验，没有别的方法比它覆盖更多事件。",
        "Risk forecast: plain counting ({what}). Tested on the past {periods}, no other method "
        "caught more incidents.",
    ),
    "forecast.risk.model": (
        "风险图采用{method}：回测 {periods}，排名前 5% 的单元比最好的简单计数（{base}）"
        "多覆盖 {pct}% 的事件（95% 区间 {lo}% 至 {hi}%）",
        "The risk map uses {method}: tested on {periods}, its top 5% of cells caught {pct}% "
        "more incidents than the best plain count ({base}) (95% interval {lo}% to {hi}%)",
    ),
    "forecast.risk.noise": ("，差别在误差范围内", ", within the noise"),
    "forecast.stop": ("。", "."),
    "forecast.risk.baseline": (
        "风险图采用简单计数（{method}）：回测 {periods}，没有方法比它覆盖更多事件。",
        "The risk map uses plain counting ({method}): tested on {periods}, no method caught "
        "more incidents.",
    ),
    "forecast.line.pending": (
        "正在用历史数据检验预测方法，完成后这里显示所用方法……",
        "Testing forecasting methods on the history; the method used shows here when done…",
    ),
    "forecast.line.short": (
        "历史数据太短（{days} 天），还无法检验哪种预测方法更准（至少需要约 {weeks} 周）；风险预测按已有事件简单计数。",
        "Too little history ({days} days) to test which forecasting method works best (about "
        "{weeks} weeks are needed); the risk forecast uses plain counts of the incidents so far.",
    ),
    "forecast.line.none": (
        "没有事件数据，无法检验预测方法。",
        "No incidents, so no forecasting method can be tested.",
    ),
    "forecast.line.area": (
        "网格太小，没有可用于检验的 H3 单元，无法比较预测方法。",
        "The grids are too small to hold a whole H3 cell, so forecasting methods cannot be "
        "compared.",
    ),
    "forecast.line.error": (
        "预测方法检验失败：{reason}",
        "Testing the forecasting methods failed: {reason}",
    ),
    "forecast.panel.title": (
        "回测：哪种预测方法最能找出下一期的事件",
        "Backtest: which forecasting method best finds the next period's incidents",
    ),
    "forecast.panel.help": (
        "滚动回测：在每个起点只用之前的事件给全市所有 H3 单元打分，检验随后一个时段的事件落在"
        "前 1%、5%、10% 单元中的比例。PAI = 命中率 ÷ 面积占比（比随机选择好几倍）；PEI = 命中数 ÷ "
        "同样面积最多能命中的数（1 为完美）。方括号为按起点自助抽样的 95% 区间。简单计数（基线）"
        "始终参与比较；选用的是前 5% 的 PAI 最高者，并列时选基线。",
        "Rolling backtest: at each origin every method scores all H3 cells of the city from "
        "the incidents before it, and the next period's incidents are counted in the top 1%, "
        "5% and 10% of cells. PAI = hit rate ÷ area share (times better than random); PEI = "
        "hits ÷ the most any choice of as many cells could catch (1 is perfect). Brackets: "
        "95% bootstrap interval over origins. Plain counts (baselines) are always compared; "
        "the selected method has the best PAI at 5%, baselines winning ties.",
    ),
    "forecast.panel.horizon": ("预测时长", "Horizon"),
    "forecast.panel.pending": (
        "正在回测（演示数据约需 10 秒）……",
        "Running the backtest (about 10 s on the demo)…",
    ),
    "forecast.panel.scope": (
        "{n} 个起点（{first} 至 {last}），全市 {cells:,} 个 H3 单元（分辨率 {res}），检验期共 {inc:,} 件事件。",
        "{n} origins ({first} to {last}), {cells:,} H3 cells of the city (res {res}), "
        "{inc:,} test incidents.",
    ),
    "forecast.col.method": ("方法", "Method"),
    "forecast.col.baseline": ("基线", "Baseline"),
    "forecast.col.selected": ("选用", "Selected"),
    "forecast.yes": ("是", "yes"),
    "forecast.selected": ("选用", "selected"),
    "forecast.col.pai_1": ("PAI 前1%", "PAI top 1%"),
    "forecast.col.pai_5": ("PAI 前5%", "PAI top 5%"),
    "forecast.col.pai_10": ("PAI 前10%", "PAI top 10%"),
    "forecast.col.pei_1": ("PEI 前1%", "PEI top 1%"),
    "forecast.col.pei_5": ("PEI 前5%", "PEI top 5%"),
    "forecast.col.pei_10": ("PEI 前10%", "PEI top 10%"),
    "risk.layer.forecast": ("预测风险", "Forecast risk"),
    "risk.legend.forecast": (
        "下{h}预测风险（全市单元排名）",
        "Forecast risk, next {h} (city rank)",
    ),
    "risk.forecast.top1": ("前 1%", "top 1%"),
    "risk.forecast.top5": ("前 1–5%", "top 1–5%"),
    "risk.forecast.top10": ("前 5–10%", "top 5–10%"),
    "risk.forecast.caption": (
        "预测 {start} 起的下一{h}，基于全部历史事件，方法：{method}（与 gridmap risk --level cell 的结果相同）；只画全市排名前 10% 的单元。",
        "Forecast for the {h} from {start}, from all history, method: {method} (the same "
        "numbers as gridmap risk --level cell); only the city's top 10% of cells are drawn.",
    ),
    "risk.forecast.wait": ("正在选择预测方法……", "Choosing the forecasting method…"),
    # --- end of the forecast-in-the-app block ---
}


def t(key: str, lang: str = "zh", **kwargs: object) -> str:
    """The string for ``key`` in ``lang``; an unknown key shows itself (visible, not silent)."""
    pair = _STRINGS.get(key)
    text = key if pair is None else pair[0 if lang == "zh" else 1]
    return text.format(**kwargs) if kwargs else text
