"""多网合一 (issue 18): department layers against the basic grids — analytics sentences, then
the Fusion page's strings."""

STRINGS: dict[str, tuple[str, str]] = {
    # --- analytics (helper D) ---
    "fusion.offset.gcj02_vs_wgs84": (
        "部门图层整体偏离基础网格约 {m} 米（东 {dx} 米、北 {dy} 米），像是在 GCJ-02（火星坐标，高德/腾讯底图）上绘制的；按 WGS-84 换算后边界错位减少 {pct}。请导入时把坐标系设为 GCJ-02。",
        "The department layer lies about {m} m off the basic grids ({dx} m east, {dy} m north), as if drawn on a GCJ-02 map (AMap/Tencent); converting it to WGS-84 removes {pct} of the boundary mismatch. Re-import it with the coordinate system set to GCJ-02.",
    ),
    "fusion.offset.shift": (
        "部门图层整体平移了约 {m} 米（东 {dx} 米、北 {dy} 米）；移回后边界错位减少 {pct}。请核对其坐标系或底图。",
        "The department layer is shifted by about {m} m ({dx} m east, {dy} m north); moving it back removes {pct} of the boundary mismatch. Check its coordinate system or base map.",
    ),
    "fusion.offset.none": (
        "未发现坐标系偏移。",
        "No coordinate offset found.",
    ),
    "fusion.summary": (
        "{department}：{units} 个单元中 {aligned} 个与基础网格对齐，{misaligned} 个错位（涉及 {area} 平方公里、{households} 户）；{slivers} 处边界细缝（窄于 {sliver_m} 米）只需吸附。",
        "{department}: {aligned} of {units} units align with the basic grids, {misaligned} are misaligned ({area} km², {households} households involved); {slivers} boundary slivers (thinner than {sliver_m} m) only need snapping.",
    ),
    "fusion.proposal": (
        "融合草案：每个单元改由整块基础网格组成，{moved} 个网格有成块面积（≥{pct}）换了单元，连同细碎部分共 {area} 平方公里、{households} 户换了单元；{splits} 个基础网格被部门边界近乎对半分开，可考虑拆分。",
        "Draft: every unit is redrawn from whole basic grids; {moved} grids change unit in substance (at least {pct} of the grid), and with the small pieces {area} km² and {households} households change unit; {splits} basic grids are cut roughly in half by the department's boundary and could be split instead.",
    ),
    "fusion.responsibility": (
        "权责（全部部门图层合计）：{gaps} 处（网格×类别）无人负责，{duplicates} 处有两个以上单元或部门同时负责；{unclaimed} 个类别没有任何部门图层。",
        "Responsibility (all department layers together): {gaps} (grid × category) places have nobody responsible, {duplicates} have two or more units or departments claiming them; {unclaimed} categories have no department layer at all.",
    ),
    "fusion.households_unknown": ("未知", "unknown"),
    # --- analytics, session 6 (helper G): correction, outside area, per-department duties ---
    "fusion.offset.corrected.gcj02_to_wgs84": (
        "部门图层像是在 GCJ-02（火星坐标，高德/腾讯底图）上绘制的，偏离基础网格约 {m} 米（东 {dx} 米、北 {dy} 米）；以下数字均按换算到 WGS-84 后的图层计算（边界错位减少 {pct}）。用 --crs gcj02 重新导入该图层，即按换算后的位置保存。",
        "The department layer was drawn on a GCJ-02 map (AMap/Tencent): it lies about {m} m off the basic grids ({dx} m east, {dy} m north). Every figure below is for the layer converted to WGS-84 (removing {pct} of the boundary mismatch); re-importing it with --crs gcj02 stores it so.",
    ),
    "fusion.offset.corrected.wgs84_to_gcj02": (
        "基础网格像是在 GCJ-02（火星坐标）上绘制的，部门图层与其相差约 {m} 米（东 {dx} 米、北 {dy} 米）；以下数字均按把部门图层换算到 GCJ-02 后计算（边界错位减少 {pct}）。用 --crs gcj02 重新导入基础网格，即按 WGS-84 保存。",
        "The basic grids were drawn on a GCJ-02 map: the department layer lies about {m} m off them ({dx} m east, {dy} m north). Every figure below is for the department layer converted to GCJ-02 (removing {pct} of the boundary mismatch); re-importing the grids with --crs gcj02 stores them in WGS-84.",
    ),
    "fusion.outside": (
        "另有 {area} 平方公里位于所有基础网格之外（{units} 个单元有超过 {pct} 在外），不算错位，融合草案不含这部分。",
        "A further {area} km² lies outside every basic grid ({units} units have more than {pct} outside); it is not misaligned, and the draft leaves it out.",
    ),
    "fusion.responsibility.department": (
        "权责（本部门，负责{categories}）：{gaps} 处（网格×类别）无人负责，{duplicates} 处重复负责。全部部门图层合计：{gaps_all} 处无人负责、{duplicates_all} 处重复。",
        "Responsibility (this department, answering for {categories}): {gaps} (grid × category) places have nobody responsible, {duplicates} are claimed twice. All department layers together: {gaps_all} with nobody, {duplicates_all} claimed twice.",
    ),
    "fusion.responsibility.no_categories": (
        "权责：责任清单没有把任何类别交给“{department}”，本部门不对任何类别负责（可在责任清单中添加）。全部部门图层合计：{gaps_all} 处无人负责、{duplicates_all} 处重复。",
        'Responsibility: the responsibility table gives no category to "{department}", so this department answers for none (add it to the table). All department layers together: {gaps_all} (grid × category) places with nobody, {duplicates_all} claimed twice.',
    ),
    "fusion.responsibility.unclaimed": (
        "另有 {n} 个类别（{categories}）没有任何部门图层负责，每个网格上都无人负责（不计入以上数字）。",
        "A further {n} categories ({categories}) have no department layer at all: nobody is responsible for them on any grid (not counted above).",
    ),
    # --- page (helper F) ---
    "page.fusion": ("融合", "Fusion"),
    # The tables' headers (screen, PDF and Excel share them).
    "fusion.col.code": ("单元编码", "Unit code"),
    "fusion.col.name": ("单元名称", "Unit"),
    "fusion.col.status": ("对齐情况", "Alignment"),
    "fusion.col.area_km2": ("面积（km²）", "Area (km²)"),
    "fusion.col.misaligned_km2": ("错位面积（km²）", "Misaligned (km²)"),
    "fusion.col.misaligned_pct": ("错位比例（%）", "Misaligned (%)"),
    "fusion.col.households": ("涉及户数", "Households"),
    "fusion.col.grids_gained": ("新增网格", "Grids gained"),
    "fusion.col.grids_lost": ("划出网格", "Grids lost"),
    "fusion.col.km2_gained": ("新增面积（km²）", "Area gained (km²)"),
    "fusion.col.km2_lost": ("划出面积（km²）", "Area lost (km²)"),
    "fusion.col.households_gained": ("新增户数", "Households gained"),
    "fusion.col.households_lost": ("划出户数", "Households lost"),
    "fusion.col.grid_code": ("网格编码", "Grid code"),
    "fusion.col.grid_name": ("网格名称", "Grid"),
    "fusion.col.units": ("部门单元", "Department units"),
    "fusion.col.shares": ("各占网格", "Shares of the grid"),
    "fusion.col.overlap_m2": ("重叠面积（m²）", "Overlap (m²)"),
    "fusion.col.share_of_department_pct": ("占单元（%）", "Share of unit (%)"),
    "fusion.col.share_of_grid_pct": ("占网格（%）", "Share of grid (%)"),
    "fusion.col.category": ("类别", "Category"),
    "fusion.col.departments": ("部门", "Departments"),
    "fusion.col.reason": ("重复原因", "Why duplicated"),
    "fusion.col.resp.category": ("类别", "Category"),
    "fusion.col.resp.department": ("负责部门", "Department"),
    "fusion.col.resp.unit": ("负责单元", "Unit"),
    "fusion.col.resp.share_pct": ("占网格（%）", "Share of grid (%)"),
    "fusion.col.resp.status": ("情况", "Status"),
    "fusion.status.aligned": ("对齐", "aligned"),
    "fusion.status.misaligned": ("错位", "misaligned"),
    "fusion.dup.units": ("同一部门两个单元都占一部分", "two units of one department share it"),
    "fusion.dup.departments": ("两个部门都负责该类别", "two departments answer for the category"),
    "fusion.resp.ok": ("明确", "clear"),
    "fusion.resp.gap": ("无人负责", "nobody responsible"),
    "fusion.resp.dup": ("重复负责", "claimed twice"),
    # Headline numbers (the KPI row, the PDF's first page, the Excel summary).
    "fusion.kpi.department": ("部门", "Department"),
    "fusion.kpi.version": ("图层版本", "Layer version"),
    "fusion.kpi.units": ("部门单元", "Department units"),
    "fusion.kpi.aligned": ("与基础网格对齐", "Aligned with the grids"),
    "fusion.kpi.misaligned": ("错位单元", "Misaligned units"),
    "fusion.kpi.misaligned.help": (
        "把每个基础网格整块划给占其面积最多的单元后，单元面积有超过 {pct}% 落在别的单元，即为错位。",
        "A unit is misaligned when, giving every basic grid wholly to the unit holding most of "
        "it, more than {pct}% of the unit's area ends up with another unit.",
    ),
    "fusion.kpi.misaligned_km2": ("错位面积（km²）", "Misaligned area (km²)"),
    "fusion.kpi.households": ("错位部分涉及户数", "Households in misaligned parts"),
    "fusion.kpi.slivers": ("待吸附细缝", "Slivers to snap"),
    "fusion.kpi.slivers.help": (
        "两套边界之间窄于 {m} 米的细条：描边误差，吸附边界即可，不算错位。",
        "Strips thinner than {m} m between the two boundaries: tracing noise to snap, not a "
        "real difference.",
    ),
    "fusion.kpi.offset": ("坐标偏移", "Coordinate offset"),
    "fusion.kpi.offset.none": ("未发现", "none found"),
    "fusion.kpi.offset.m": ("约 {m} 米", "about {m} m"),
    "fusion.kpi.splits": ("建议拆分的基础网格", "Basic grids to split"),
    "fusion.kpi.gaps": ("无人负责（本部门，网格×类别）", "Nobody responsible (this department)"),
    "fusion.kpi.duplicates": ("重复负责（本部门，网格×类别）", "Claimed twice (this department)"),
    # Excel sheets (at most 31 characters).
    "fusion.sheet.summary": ("摘要", "Summary"),
    "fusion.sheet.misaligned": ("错位单元", "Misaligned units"),
    "fusion.sheet.units": ("全部单元", "All units"),
    "fusion.sheet.changes": ("调整方案", "Proposal changes"),
    "fusion.sheet.splits": ("建议拆分网格", "Grids to split"),
    "fusion.sheet.crosswalk": ("对照表", "Crosswalk"),
    "fusion.sheet.gaps": ("无人负责", "Responsibility gaps"),
    "fusion.sheet.duplicates": ("重复负责", "Responsibility duplicates"),
    # Map legend.
    "fusion.legend.title": ("图例", "Legend"),
    "fusion.legend.misaligned": ("错位单元", "Misaligned unit"),
    "fusion.legend.aligned": ("对齐单元", "Aligned unit"),
    "fusion.legend.sliver": ("细缝（吸附即可）", "Sliver (snap)"),
    "fusion.legend.grid": ("基础网格", "Basic grid"),
    "fusion.legend.gap": ("有类别无人负责", "A category nobody answers for"),
    "fusion.legend.dup": ("有类别重复负责", "A category claimed twice"),
    "fusion.legend.units": ("部门单元边界", "Department unit boundary"),
    "fusion.legend.selected": ("所选网格（见“谁负责”）", 'Grid picked (see "Who is responsible")'),
    # The PDF report.
    "fusion.report.title": ("部门网格融合报告：{department}", "Grid fusion report: {department}"),
    "fusion.report.none": ("无。", "None."),
    "fusion.report.more": (
        "仅列前 {n} 行，共 {total} 行，完整清单见 Excel。",
        "First {n} rows of {total}; the Excel file lists them all.",
    ),
    "fusion.report.misaligned": ("错位单元", "Misaligned units"),
    "fusion.report.misaligned.note": (
        "{units} 个单元中 {n} 个错位：按基础网格整块归属后，超过 {pct}% 的面积落在别的单元。",
        "{n} of {units} units are misaligned: with every basic grid given wholly to its "
        "majority unit, more than {pct}% of their area ends up with another unit.",
    ),
    "fusion.report.changes": ("融合草案：各单元增减", "Draft: what each unit gains and loses"),
    "fusion.report.splits": ("建议拆分的基础网格", "Basic grids to split"),
    "fusion.report.splits.note": (
        "这些基础网格被部门边界近乎对半分开；若部门边界更合理，可拆分网格而不调整部门单元。",
        "The department's boundary cuts these basic grids roughly in half; where the "
        "department's boundary is the better one, split the grid instead of moving the unit.",
    ),
    "fusion.report.gaps": ("权责缺口：无人负责", "Responsibility gaps: nobody responsible"),
    "fusion.report.duplicates": ("权责重复", "Responsibility duplicates"),
    "fusion.report.duplicates.note": (
        "同一网格、同一类别有两个以上单元（各占网格 25% 以上）或两个部门同时负责：需明确一家。",
        "Two or more units (each holding 25% or more of the grid) or two departments claim "
        "the same category on the grid: settle on one.",
    ),
    "fusion.report.method": ("方法说明", "Method"),
    "fusion.report.method.text": (
        "对照表：部门单元与基础网格逐一叠加，在以数据中心为原点的横轴墨卡托投影中按平方米精确计算（{crs}）；"
        "占单元、占网格两个比例，户数按网格户数 × 占网格比例估算。\n"
        "错位：把每个基础网格整块划给占其面积最多的单元，若某单元超过 {pct}% 的面积因此落在别的单元，即为错位。"
        "窄于 {m} 米的细条是描边误差（细缝），不计入错位面积，只需吸附边界。\n"
        "坐标偏移：沿部门边界取样，量到最近基础网格边界的距离；若按 GCJ-02 换算或整体平移后距离减少一半以上，即报告偏移。\n"
        "融合草案：每个单元由整块基础网格组成（多数原则，保持连片：会被孤立的网格划给共用边界最长的相邻单元）。\n"
        "权责：部门名称与责任表中的部门一致时，该部门图层负责表中的类别；覆盖网格一半以上的单元为负责单元。",
        "Crosswalk: every department unit is overlaid on the basic grids and measured exactly "
        "in square metres in a transverse Mercator projection centred on the data ({crs}); "
        "households are the grid's households times the share of the grid.\n"
        "Misalignment: every basic grid goes wholly to the unit holding most of it; a unit "
        "more than {pct}% of whose area then ends up with another unit is misaligned. Strips "
        "thinner than {m} m are tracing noise (slivers): left out of the misaligned area, to "
        "be snapped.\n"
        "Offset: points along the department boundaries are measured to the nearest grid "
        "boundary; a GCJ-02 conversion or a constant shift that halves the distance is "
        "reported.\n"
        "Draft: every unit redrawn from whole basic grids (majority rule, contiguity kept: a "
        "grid that would be cut off goes to the neighbour sharing most boundary).\n"
        "Responsibility: a department layer answers for the categories the responsibility "
        "table gives its department name; the unit covering half a grid or more is "
        "responsible there.",
    ),
    # The page.
    "fusion.page.intro": (
        "多网合一：各部门自己的网格（警格、城管网格……）与基础网格逐一对照——哪些单元对不上、怎么调整、每个网格每类事项谁负责。",
        "Many grids into one: each department's own grid (police sectors, urban-management "
        "grids …) against the basic grids — which units do not line up, what to change, and "
        "who answers for what on each grid.",
    ),
    "fusion.page.none": (
        "还没有部门网格图层。请在“数据”页导入（图层选“部门网格”并填写部门名称），或用命令行："
        "gridmap import 工作空间 departments 文件 --department 公安",
        'No department layer yet. Import one on the Data page (layer "Department layer", '
        "with the department's name), or on the command line: gridmap import WORKSPACE "
        "departments FILE --department NAME",
    ),
    "fusion.page.department": ("部门", "Department"),
    "fusion.page.version": (
        "第 {version} 版 · {units} 个单元 · 原坐标系 {crs} · 导入于 {when}",
        "Version {version} · {units} units · drawn in {crs} · imported {when}",
    ),
    "fusion.page.working": (
        "正在对照部门网格与基础网格……",
        "Comparing the department's grid with the basic grids…",
    ),
    "fusion.page.headline": (
        "{department}：{units} 个单元中 {n} 个与基础网格对不上（涉及 {households} 户）",
        "{department}: {n} of {units} units do not line up with the basic grids "
        "({households} households involved)",
    ),
    "fusion.page.headline.ok": (
        "{department}：{units} 个单元全部与基础网格对齐。",
        "{department}: all {units} units line up with the basic grids.",
    ),
    "fusion.page.offset.gcj02_vs_wgs84": (
        "{department}网格整体偏移约 {m} 米（GCJ-02 与 WGS-84 坐标系不一致）",
        "The {department} layer is offset by about {m} m as a whole (GCJ-02 vs WGS-84 coordinates)",
    ),
    "fusion.page.offset.shift": (
        "{department}网格整体平移约 {m} 米",
        "The {department} layer is shifted by about {m} m as a whole",
    ),
    "fusion.page.steps": ("下一步", "What to do"),
    "fusion.page.step.offset.gcj02": (
        "先纠正坐标：在“数据”页把{department}图层按 GCJ-02 重新导入（命令行加 --crs gcj02），再看错位——多数错位是偏移造成的。",
        "Correct the coordinates first: re-import the {department} layer as GCJ-02 on the Data "
        "page (--crs gcj02 on the command line), then look again — most of the misalignment "
        "comes from the offset.",
    ),
    "fusion.page.step.offset.shift": (
        "先核对{department}图层的坐标系或底图并重新导入，再看错位——多数错位是平移造成的。",
        "Check the {department} layer's coordinate system or base map and re-import it first — "
        "most of the misalignment comes from the shift.",
    ),
    "fusion.page.step.draft": (
        "按融合草案把 {n} 个错位单元改为由整块基础网格组成（{grids} 个网格换单元）：下载“草案图层”，交{department}确认。",
        "Redraw the {n} misaligned units from whole basic grids as the draft proposes ({grids} "
        "grids change unit): download the draft layer and send it to {department} to confirm.",
    ),
    "fusion.page.step.split": (
        "若部门边界更合理：拆分 {n} 个被部门边界近乎对半分开的基础网格（见“建议拆分”）。",
        "Where the department's boundary is the better one: split the {n} basic grids it cuts "
        'roughly in half (see "Grids to split").',
    ),
    "fusion.page.step.slivers": (
        "{n} 处细缝（窄于 {m} 米）是描边误差：吸附边界即可，不必调整单元。",
        "{n} slivers (thinner than {m} m) are tracing noise: snap the boundaries, no unit "
        "needs to change.",
    ),
    "fusion.page.step.resp": (
        "权责去重（本部门）：{gaps} 处无人负责、{dups} 处重复负责（网格×类别）；地图切到“谁负责”查看。",
        "Responsibility (this department): {gaps} places with nobody responsible, {dups} claimed twice (grid × "
        'category); switch the map to "Who is responsible".',
    ),
    "fusion.page.step.none": (
        "无需调整：单元与基础网格对齐，每个网格每类事项都有且只有一个负责单元。",
        "Nothing to change: the units line up with the basic grids and every category has "
        "exactly one unit responsible on every grid.",
    ),
    "fusion.page.view": ("地图显示", "Map shows"),
    "fusion.view.alignment": ("对齐情况", "Alignment"),
    "fusion.view.responsibility": ("谁负责", "Who is responsible"),
    "fusion.map.tip": ("主要属于 {unit}（{pct}%）", "Mostly in {unit} ({pct}%)"),
    "fusion.map.tip.none": ("不在任何部门单元内", "In no department unit"),
    "fusion.map.tip.gap": ("有类别无人负责", "A category has nobody responsible"),
    "fusion.map.tip.dup": ("有类别重复负责", "A category is claimed twice"),
    "fusion.page.misaligned": (
        "错位单元（{n} 个，错位面积大的在前）",
        "Misaligned units ({n}, largest first)",
    ),
    "fusion.page.misaligned.none": ("没有错位单元。", "No misaligned units."),
    "fusion.page.who": ("谁负责", "Who is responsible"),
    "fusion.page.who.grid": ("基础网格", "Basic grid"),
    "fusion.page.who.help": (
        "也可以在地图上点击网格；有缺口或重复的网格排在前面。",
        "Or click a grid on the map; grids with a gap or a duplicate come first.",
    ),
    "fusion.page.who.none": (
        "没有部门图层负责任何类别：部门名称需与责任表（数据页）中的部门一致。",
        "No department layer answers for any category: its name must match a department of "
        "the responsibility table (Data page).",
    ),
    "fusion.tab.changes": ("调整方案（{n}）", "Proposal ({n})"),
    "fusion.tab.splits": ("建议拆分（{n}）", "Grids to split ({n})"),
    "fusion.tab.gaps": ("无人负责（{n}）", "Nobody responsible ({n})"),
    "fusion.tab.duplicates": ("重复负责（{n}）", "Claimed twice ({n})"),
    "fusion.page.unclaimed": (
        "没有任何部门图层负责的类别：{categories}（在责任表中指定部门，或导入该部门的网格）。",
        "Categories no department layer answers for: {categories} (name a department for them "
        "in the responsibility table, or import that department's grid).",
    ),
    "fusion.page.downloads": ("下载", "Downloads"),
    "fusion.page.downloads.help": (
        "草案图层为 GeoPackage（WGS-84，可在 QGIS 打开）；对照表 CSV 为每个单元×网格的重叠；Excel 含全部清单；PDF 为部门报告。",
        "The draft layer is a GeoPackage (WGS-84, opens in QGIS); the crosswalk CSV lists every "
        "unit × grid overlap; the Excel file holds every list; the PDF is the department's "
        "report.",
    ),
    "fusion.download.gpkg": ("草案图层（GeoPackage）", "Draft layer (GeoPackage)"),
    "fusion.download.csv": ("对照表（CSV）", "Crosswalk (CSV)"),
    "fusion.download.xlsx": ("Excel 清单", "Excel workbook"),
    "fusion.download.pdf.make": ("生成 PDF 报告", "Make the PDF report"),
    # --- page, after the review (helper H) ---
    "fusion.col.area_m2": ("面积（m²）", "Area (m²)"),
    "fusion.col.misaligned_m2": ("错位面积（m²）", "Misaligned (m²)"),
    "fusion.col.m2_gained": ("新增面积（m²）", "Area gained (m²)"),
    "fusion.col.m2_lost": ("划出面积（m²）", "Area lost (m²)"),
    "fusion.col.km2_outside": ("网格外面积（km²）", "Outside the grids (km²)"),
    "fusion.col.m2_outside": ("网格外面积（m²）", "Outside the grids (m²)"),
    "fusion.col.outside_pct": ("在基础网格外（%）", "Outside the basic grids (%)"),
    "fusion.col.unit_count": ("所在单元数", "Units"),
    "fusion.col.main_code": ("主要单元编码", "Main unit code"),
    "fusion.col.main_name": ("主要单元", "Main unit"),
    "fusion.col.main_pct": ("主要单元占网格（%）", "Main unit's share (%)"),
    "fusion.col.covered_pct": ("被单元覆盖（%）", "Covered by units (%)"),
    "fusion.col.sliver_m2": ("细缝面积（m²）", "Sliver area (m²)"),
    "fusion.col.width_m": ("最大宽度（m）", "Widest (m)"),
    "fusion.kpi.corrected": ("分析前已换算自", "Converted before analysis from"),
    "fusion.kpi.misaligned_m2": ("错位面积（m²）", "Misaligned area (m²)"),
    "fusion.kpi.moved": ("换单元的网格", "Grids changing unit"),
    "fusion.kpi.gaps_all": (
        "无人负责（全部部门图层合计）",
        "Nobody responsible (all department layers)",
    ),
    "fusion.kpi.duplicates_all": (
        "重复负责（全部部门图层合计）",
        "Claimed twice (all department layers)",
    ),
    "fusion.sheet.slivers": ("边界细缝", "Slivers"),
    "fusion.sheet.grid_view": ("按网格看", "Per grid"),
    "fusion.sheet.gaps_all": ("无人负责（全部部门）", "Gaps (all departments)"),
    "fusion.sheet.duplicates_all": ("重复负责（全部部门）", "Duplicates (all departments)"),
    "fusion.page.corrected": (
        "以下数字是把{department}图层从 {crs} 换算为 WGS-84 之后得出的：第一步请用 --crs gcj02 重新导入该图层（数据页选坐标系 GCJ-02），再看结果。",
        "The figures below are after converting the {department} layer from {crs} to "
        "WGS-84: first re-import it with --crs gcj02 (Data page: coordinate system GCJ-02), "
        "then review them.",
    ),
    "fusion.page.corrected.grids": (
        "以下数字是把{department}图层从 WGS-84 换算为 GCJ-02 之后得出的：基础网格像是 GCJ-02 坐标，第一步请核对基础网格的坐标系并按实际坐标系重新导入。",
        "The figures below are after converting the {department} layer from WGS-84 to "
        "GCJ-02: the basic grids look GCJ-02; first check their coordinate system and "
        "re-import them with the right one.",
    ),
    "fusion.page.corrected.kpi": ("按 {crs} 换算后", "after converting from {crs}"),
    "fusion.download.gpkg.corrected": (
        "草案图层（已从 {crs} 换算）",
        "Draft layer (converted from {crs})",
    ),
    "fusion.page.resp.mine": (
        "{department}负责 {categories}：其中 {gaps} 处（网格×类别）无人负责、{dups} 处重复负责。",
        "{department} answers for {categories}: {gaps} (grid × category) places with nobody "
        "responsible, {dups} claimed twice.",
    ),
    "fusion.page.resp.no_categories": (
        "{department}在责任表中不负责任何类别（数据页的“责任表”），因此没有它的缺口或重复；如需负责，请在责任表中把类别指派给它。",
        "{department} answers for no category in the responsibility table (Data page, "
        "responsibility table), so it has no gaps or duplicates of its own; assign it "
        "categories there if it should.",
    ),
    "fusion.page.resp.all": (
        "全部部门图层合计：{gaps} 处无人负责、{dups} 处重复负责，{unclaimed} 个类别没有任何部门图层。",
        " All department layers together: {gaps} with nobody responsible, {dups} claimed "
        "twice; {unclaimed} categories have no department layer at all.",
    ),
    "fusion.report.slivers": ("边界细缝（只需吸附）", "Slivers (to snap)"),
    "fusion.report.slivers.note": (
        "{n} 处窄于 {m} 米的边界差异：是画法误差，吸附即可，不计入错位。",
        "{n} boundary differences thinner than {m} m: drawing noise to snap, not counted as "
        "misalignment.",
    ),
    "fusion.tab.slivers": ("边界细缝（{n}）", "Slivers ({n})"),
    "fusion.tab.grid_view": ("按网格看（{n}）", "Per grid ({n})"),
    "fusion.tab.all": ("全部部门图层合计", "All department layers"),
    "fusion.page.grid_view.note": (
        "每个基础网格落在几个{department}单元里、主要单元及其占比；跨多个单元的网格排在前面。",
        "Each basic grid: how many {department} units it lies in, the main unit and its "
        "share; grids split between units first.",
    ),
    "fusion.page.all.note": (
        "这里是全部部门图层合计的缺口和重复（不只是{department}）。",
        "Gaps and duplicates of all department layers together (not only {department}).",
    ),
    "fusion.page.version.pick": ("版本", "Version"),
    "fusion.page.version.option": ("第 {v} 版", "Version {v}"),
}
