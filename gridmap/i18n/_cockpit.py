"""The 驾驶舱 cockpit, its exports and the printed report."""

STRINGS: dict[str, tuple[str, str]] = {
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
    # --- cockpit exports that never fail silently (issue 15 item 6) ---
    "cockpit.export.working": (
        "正在生成…（第一次导出要准备中文字体，约需 1 分钟）",
        "Rendering… (the first export prepares the Chinese font: about a minute)",
    ),
    "cockpit.export.failed": ("{what} 导出失败：{reason}", "{what} export failed: {reason}"),
    "cockpit.export.save": ("下载 {what}（{kb:,} KB）", "Download {what} ({kb:,} KB)"),
    # --- end of the cockpit exports block ---
    # --- one-sentence reasons (gridmap.analytics.explain) ---
    # Chinese text does not group thousands with commas.
    "explain.pct": ("{value}%", "{value:,}%"),
    "explain.category": ("{label}类", "{label}"),
    "explain.category.unclassified": ("{label}事件", "{label}"),
    "explain.category.share": ("{category}占 {pct}", "{category} {pct}"),
    "explain.categories.one": ("{first}", "{first} of incidents"),
    "explain.categories.two": ("{first}、{second}", "{first} and {second} of incidents"),
    "explain.no_incidents": ("时间范围内无事件", "No incidents in the window"),
    "explain.change.none_before": ("上期无事件", "none in the previous period"),
    "explain.change.level": ("环比持平", "level with the previous period"),
    "explain.change.up": ("环比上升 {amount}", "up {amount} on the previous period"),
    "explain.change.down": ("环比下降 {amount}", "down {amount} on the previous period"),
    "explain.spot.significant": ("为 {conf}% 置信度{kind}", "a {conf}% {kind}"),
    "explain.spot.significant_and": (
        "{significant}，且为{pattern}{kind}",
        "{significant}, {pattern}",
    ),
    "explain.spot.emerging": ("为{pattern}{kind}", "{article} {pattern} {kind}"),
    "explain.sep": ("，", "; "),
    "explain.suppressed": ("事件较少，不作解释", "Too few incidents to explain"),
    "explain.households_missing": (
        "户数缺失，风险按全市平均估计",
        "households unknown, so the city mean stands in for its rate",
    ),
    "explain.few_households": (
        "仅 {households} 户，千户率多反映非居民事件",
        "only {households} households, so the rate mostly reflects non-resident incidents",
    ),
    # --- trends and the grid overview (gridmap.analytics.trends, .overview) ---
    "trend.label": ("{pattern}{kind}", "{pattern} {kind}"),
    "overview.cells.hot": ("{n} 个显著热点单元", "{n} significant hot-spot cells"),
    "overview.cells.hot.one": ("{n} 个显著热点单元", "{n} significant hot-spot cell"),
    "overview.cells.new": ("{n} 个新出现或加剧的热点单元", "{n} new or intensifying"),
    "overview.cells.and": ("、", " and "),
    "overview.cells.tail": ("内有 {parts}", "{parts}"),
}

# --- responsibility and the overdue backlog (gridmap.analytics.responsibility, .backlog) ----
# A block of its own (issue 13, item 6), merged with a clash check like the catalogue's.
_BACKLOG: dict[str, tuple[str, str]] = {
    "backlog.kpi": ("超期未结", "Overdue, still open"),
    "backlog.sub": (
        "超出办理时限 {n} 件 / 未结 {open} 件",
        "{n} past the time limit of {open} open",
    ),
    "backlog.oldest": (
        "最久：{id}（{grid}，{category}）超期 {days} 天",
        "Oldest: {id} ({grid}, {category}), {days} days overdue",
    ),
    "backlog.missing.closure": (
        "事件无结案时间，无法统计超期未结",
        "No closure times in the data: overdue cases cannot be counted",
    ),
    "backlog.missing.handling_class": (
        "事件无处置类别，办理时限未知，无法统计超期",
        "No handling class in the data: time limits unknown, overdue cases cannot be counted",
    ),
    "backlog.no_limit": (
        "另有 {n} 件未结事件无处置类别，不计时限",
        "{n} more open cases have no handling class and no time limit",
    ),
    "backlog.help": (
        "未结事件自发生起超过其处置类别的办理时限（应急 {emergency} 天、一般 {general} 天、"
        "矛盾调解 {dispute} 天，与按期结案率相同）即为超期；逾期后已结案的不计入。",
        "An open case is overdue once its handling class's time limit (emergency {emergency}, "
        "general {general}, dispute mediation {dispute} days from occurrence, as for on-time "
        "closure) has passed; cases closed late are not counted.",
    ),
    "backlog.by_street": ("超期未结：按街道", "Overdue by street"),
    "backlog.by_department": ("超期未结：按责任部门", "Overdue by responsible department"),
    "backlog.unknown_street": ("未落入网格", "Outside every grid"),
    "backlog.col.id": ("事件编号", "Case"),
    "backlog.col.days_overdue": ("超期天数", "Days overdue"),
    "backlog.col.due_at": ("办理时限", "Due"),
    "backlog.col.overdue": ("超期件数", "Overdue cases"),
    "backlog.col.max_days_overdue": ("最长超期（天）", "Longest overdue (days)"),
    "resp.title": ("责任部门（谁主管、谁负责）", "Responsible departments"),
    "resp.help": (
        "每类事件（及其子类）由哪个部门负责。子类留空为该类默认部门；子类为来源系统的事件类型"
        "（如“占道经营”）。",
        "Which department answers for each category (and sub-category). An empty sub-category "
        "is the category's default; a sub-category is the source system's label (e.g. 占道经营).",
    ),
    "resp.col.category": ("事件大类", "Category"),
    "resp.col.subcategory": ("子类", "Sub-category"),
    "resp.col.department_zh": ("责任部门", "Department (Chinese)"),
    "resp.col.department_en": ("责任部门（英文）", "Department (English)"),
    "resp.unassigned": ("未指定", "Unassigned"),
    "owner.grid": ("网格", "Grid"),
    "owner.worker": ("网格员", "Grid worker"),
    "owner.community": ("社区", "Community"),
    "owner.street": ("街道", "Street"),
    "owner.department": ("责任部门", "Department"),
}
if STRINGS.keys() & _BACKLOG.keys():
    raise RuntimeError(f"i18n keys defined twice: {sorted(STRINGS.keys() & _BACKLOG.keys())}")
STRINGS.update(_BACKLOG)
