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
    "cockpit.map": ("统计显著的聚集区", "Statistically significant clusters"),
    "cockpit.map.emerging": ("新出现 / 加剧的热点", "New and intensifying hot spots"),
    "cockpit.top": ("重点网格（前 {n}）", "Priority grids (top {n})"),
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
    "cockpit.legend.top": ("数字为重点网格排名", "Numbers: priority rank"),
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
        "热点集中度：位于统计显著聚集区（与周边一起比全市明显偏多，90% 及以上置信）的事件 ÷ 有位置的事件。\n"
        "重点网格排名：比同类、同等规模网格通常会有的事件多出多少件（件数与事件率共同决定，见下方“排名怎么算”）。\n"
        "新兴热点：截至结束月的 24 个月里，逐月聚集区的变化趋势（新出现、连续、加剧）。\n"
        "方法名称（供专业人员）：聚集区为 Getis-Ord Gi*（k=1 邻域，FDR 校正）；平滑为经验贝叶斯；趋势为 Mann-Kendall 检验；单元为 H3 六边形。\n"
        "小数抑制：少于 {m} 件事件的单元和网格不单独显示（本期 {cells} 个单元、{grids} 个网格）。\n"
        "报告不含任何个人信息（不含网格员姓名、当事人信息）。",
        "Incidents: those in the window, of the selected categories and handling classes.\n"
        "Per 1,000 households: incidents in grids with a household count ÷ those households × 1000.\n"
        "Closure rate: closed ÷ incidents; recent cases may still be open, so this period reads lower.\n"
        "On-time closure: closed within the class time limit ÷ cases due (closed, or past the limit); "
        "limits: emergency 1 day, general 7, dispute 15 (configurable, not a national rule).\n"
        "Share in hot spots: incidents in statistically significant clusters (cells that, with "
        "their neighbours, hold clearly more than the city average; 90% confidence or more) ÷ "
        "located incidents.\n"
        "Priority ranking: how many more incidents a grid had than similar grids of its size "
        'usually have (count and rate both matter; see "How grids are ranked" below).\n'
        "Emerging hot spots: how the monthly clusters changed over the 24 months to the end "
        "month (new, consecutive, intensifying).\n"
        "Method names (for specialists): clusters are Getis-Ord Gi* (k=1, FDR-corrected); the "
        "smoothing is empirical Bayes; trends are Mann-Kendall tests; cells are H3 hexagons.\n"
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
    "explain.spot.significant": ("为{kind}聚集区（{conf}% 置信）", "a {conf}% {kind}"),
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

# --- priority ranking (issue 13 items 1-2, helper K) ---
_PRIORITY: dict[str, tuple[str, str]] = {
    "priority.professional": ("专业网格", "Professional grids"),
    "priority.numbers": (
        "{n} 件 · {hh} 户 · 千户 {rate} 件",
        "{n} incidents · {hh} households · {rate} per 1,000",
    ),
    "priority.numbers.pro": ("{n} 件 · {area} 平方公里", "{n} incidents · {area} km²"),
    "priority.reason.excess": (
        "比同类网格预期多 {x} 件（预期约 {e} 件）",
        "{x} more incidents than similar grids would have (about {e} expected)",
    ),
    "priority.reason.within": (
        "与同类网格预期相当（约 {e} 件）",
        "about what similar grids have (about {e} expected)",
    ),
    "priority.reason.count": (
        "同类仅此一处，按件数比专业网格平均多 {x} 件",
        "the only one of its kind: {x} more incidents than the professional grids' average",
    ),
    "priority.reason.floor": (
        "户数不足 100，按 100 户计，不按事件率排",
        "under 100 households: counted as 100, not ranked on its rate",
    ),
    "priority.cluster": (
        "{place}一带的聚集区（{n} 件）：{why}，未进前 {top}",
        "Cluster around {place} ({n} incidents): {why}, so not in the top {top}",
    ),
    "priority.cluster.spread": (
        "事件分散在 {grids} 个网格，单个网格超出预期不多",
        "its incidents are spread over {grids} grids, none far above what its size predicts",
    ),
    "priority.cluster.large": (
        "其网格户数多（{hh} 户），超出预期不多（{x} 件，第 {rank} 位）",
        "its grid is large ({hh} households), only {x} above what that predicts (rank {rank})",
    ),
    "priority.cluster.within": (
        "其网格户数多（{hh} 户），事件数未超出同类网格预期",
        "its grid ({hh} households) has no more incidents than similar grids",
    ),
    "priority.cluster.below": (
        "超出预期 {x} 件，排第 {rank} 位",
        "{x} above expectation, rank {rank}",
    ),
    "priority.how.title": ("排名怎么算", "How grids are ranked"),
    "priority.how": (
        "排名看的是“超出预期的事件数”，件数和事件率都起作用：\n"
        "1. 同类比较：基础网格按户数（无户数时按人口，都没有时按面积）互相比较；专业网格"
        "（园区、学校、医院、市场、车站等）单列，只和同类比较，按面积衡量，从不按户数。\n"
        "2. 预期：同类网格的平均事件率×本网格的户数，即“像它这么大的网格通常有多少件”。\n"
        "3. 超出预期＝实际－预期，再按证据多少收缩：户数少、件数少的网格向平均靠拢，"
        "不会因为分母小而排到前面（经验贝叶斯，Marshall 1991）。\n"
        "4. 户数不足 100 的网格不按事件率排：按 100 户计算预期。\n"
        "事件按类别与处置类别加权、30 天半衰期衰减；列表中的“多N件”按全市平均权重换算为件数，"
        "从上到下递减。"
        "地图上的数字就是列表的排名；显著聚集区里没有上榜网格时，列表下方说明原因。",
        "Grids are ranked on excess incidents: more incidents than their size explains, so "
        "both the count and the rate matter.\n"
        "1. Peers: basic grids are compared by households (population when there are none, "
        "area when neither); professional grids (parks, schools, hospitals, markets, "
        "stations …) are listed apart, each among its own kind by area, never per household.\n"
        "2. Expected: the peers' average rate × the grid's households.\n"
        "3. Excess = observed − expected, shrunk by the evidence: a small grid moves toward "
        "the average, so a tiny denominator never puts it first (empirical Bayes, Marshall "
        "1991).\n"
        "4. A grid under 100 households is never ranked on its rate: it is counted as 100.\n"
        "Incidents are weighted by category and handling class with a 30-day half-life; "
        '"N more" is turned into incidents with the city\'s average weight, so it falls down '
        "the list. The numbers on the map are the list's ranks; a "
        "significant cluster with no ranked grid gets a line under the list saying why.",
    ),
}
if STRINGS.keys() & _PRIORITY.keys():
    raise RuntimeError(f"i18n keys defined twice: {sorted(STRINGS.keys() & _PRIORITY.keys())}")
STRINGS.update(_PRIORITY)
# --- end of the priority ranking block ---

# --- this week's list, the backlog card, the responsibility editor (issue 13, items 6-7) ---
_WEEK: dict[str, tuple[str, str]] = {
    "week.title": ("本周重点网格", "This week's priority grids"),
    "week.window": (
        "{start} 至 {end}，对比上周 {pstart} 至 {pend}",
        "{start} to {end}, against the week before ({pstart} to {pend})",
    ),
    "week.help": (
        "按本周事件的优先排序（比同类网格预期多出的事件数，户数与事件量共同决定）选出 3–10 个网格；"
        "原因中的“预期”按户数与同类网格的事件率估计，超期未结为截至所选时段末仍超出办理时限的事件（同超期未结卡片）。",
        "Chosen from the priority ranking of this week's incidents (incidents beyond what "
        "similar grids of the same size would expect): 3 to 10 grids. Overdue: cases still "
        "open past their time limit at the end of the period shown (as the Overdue card).",
    ),
    "week.none": ("本周无事件，无重点网格", "No incidents this week: no priority grids"),
    "week.reason.count": ("本周 {n} 件", "Incidents this week: {n}"),
    "week.reason.expected": (
        "同类网格同等规模预期约 {n} 件",
        "similar grids of its size would expect about {n}",
    ),
    "week.reason.expected.lt1": (
        "同类网格同等规模预期不到 1 件",
        "similar grids of its size would expect less than 1",
    ),
    "week.reason.mean.lt1": (
        "专属网格平均不到 1 件",
        "professional grids average less than 1",
    ),
    "week.reason.mean": (
        "专属网格平均约 {n} 件",
        "professional grids average about {n}",
    ),
    "week.reason.overdue": ("另有 {n} 件超期未结", "{n} cases overdue"),
    "week.change.none_before": ("上周无事件", "none last week"),
    "week.change.level": ("与上周持平", "level with last week"),
    "week.change.up": ("比上周多 {n} 件", "{n} more than last week"),
    "week.change.down": ("比上周少 {n} 件", "{n} fewer than last week"),
    "week.sep": ("，", "; "),
    "week.stop": ("。", "."),
    "week.col.rank": ("序号", "No."),
    "week.col.code": ("网格编码", "Grid code"),
    "week.col.reason": ("原因", "Reason"),
    "week.col.incidents": ("本周事件", "This week"),
    "week.col.last_week": ("上周事件", "Last week"),
    "week.col.change": ("较上周", "Change"),
    "week.col.overdue": ("超期未结", "Overdue"),
    "week.excel": ("下载 Excel", "Download Excel"),
    "week.sheet.about": ("说明", "About"),
    "week.grid_code": ("{name}（{code}）", "{name} ({code})"),
    "week.file": ("本周重点网格", "priority_grids"),
    "week.privacy": (
        "打印版报告不含网格员姓名；屏幕与 Excel 供登录工作人员派单使用。",
        "The printed report leaves out grid workers' names; the screen and the Excel file "
        "are for signed-in staff dispatching people.",
    ),
    "backlog.change.up": ("比上期末多 {n} 件", "{n} more than at the previous period's end"),
    "backlog.change.down": ("比上期末少 {n} 件", "{n} fewer than at the previous period's end"),
    "backlog.change.level": ("与上期末持平", "level with the previous period's end"),
    "backlog.as_of": ("截至 {day}", "as of {day}"),
    "backlog.details": (
        "超期未结明细：按时长、街道、责任部门",
        "Overdue cases by age, street and department",
    ),
    "backlog.age": ("超期时长", "Overdue for"),
    "backlog.age.le7": ("≤7 天", "≤ 7 days"),
    "backlog.age.8_30": ("8–30 天", "8–30 days"),
    "backlog.age.31_90": ("31–90 天", "31–90 days"),
    "backlog.age.gt90": (">90 天", "> 90 days"),
    "backlog.col.cases": ("件数", "Cases"),
    "backlog.none": ("没有超期未结事件", "No overdue cases"),
    "data.section.responsibility": ("责任部门", "Responsibilities"),
    "resp.defaults": (
        "尚未保存过：下表为默认分工，可修改后保存。",
        "Not saved yet: the table shows the default assignment; edit and save it.",
    ),
    "resp.save": ("保存责任表", "Save the table"),
    "resp.saved": ("责任表已保存（{n} 行）", "Responsibility table saved ({n} rows)"),
    "resp.invalid": ("未保存：{error}", "Not saved: {error}"),
    "resp.csv.download": ("下载 CSV", "Download CSV"),
    "resp.csv.upload": ("上传 CSV（替换当前表格）", "Upload a CSV (replaces the table)"),
    "resp.csv.loaded": (
        "已读入 {n} 行，检查后点击保存。",
        "{n} rows read: check them and save.",
    ),
    "resp.reset": ("恢复默认", "Restore the defaults"),
}
if STRINGS.keys() & _WEEK.keys():
    raise RuntimeError(f"i18n keys defined twice: {sorted(STRINGS.keys() & _WEEK.keys())}")
STRINGS.update(_WEEK)

# --- plain words, colours that say good or bad, exports (issue 13, items 3, 4, 10, 11) ------
_PLAIN: dict[str, tuple[str, str]] = {
    "kpi.better.down": (
        "下降为向好（绿色），上升为变差（红色）；环比与同比各自着色。",
        "Down is good news (green), up is bad (red); the change on the previous period and on "
        "a year ago are coloured each on its own.",
    ),
    "kpi.better.up": (
        "上升为向好（绿色），下降为变差（红色）。",
        "Up is good news (green), down is bad (red).",
    ),
    "kpi.better.neither": (
        "此指标的升降无好坏之分，不着色。",
        "Neither direction is good news as such: not coloured.",
    ),
    "kpi.better.neither.hot_share": (
        "灰色：集中度上升可能是问题向少数地点集中（便于集中处置），也可能是局部恶化；"
        "下降可能是问题分散开来。升降本身无好坏，需结合地图判断。",
        "Grey: a higher share can mean problems gather in a few places (easier to act on) or "
        "that those places got worse; a lower share can mean they spread out. Neither is good "
        "news in itself: read it with the map.",
    ),
    "kpi.note.closure": (
        "结案率 = 已结案 ÷ 本期全部事件（新近事件仍在办理，会拉低它）；"
        "按期结案率 = 在时限内结案 ÷ 已到办理时限的事件。分母不同，两者可以一降一升。",
        "Closure rate = closed ÷ all incidents of the period (recent cases still open pull it "
        "down); on-time closure = closed within the time limit ÷ cases whose limit has passed. "
        "The denominators differ, so one can fall while the other rises.",
    ),
}
if STRINGS.keys() & _PLAIN.keys():
    raise RuntimeError(f"i18n keys defined twice: {sorted(STRINGS.keys() & _PLAIN.keys())}")
STRINGS.update(_PLAIN)
_PLAIN_CARD: dict[str, tuple[str, str]] = {
    "card.trend12": ("近 12 个月事件数", "Incidents, last 12 months"),
    "card.trend.window": ("所选时段", "Selected window"),
    "card.trend.before": ("此前月份", "Earlier months"),
    "card.trend.one_month": (
        "所选时段只有一个月，无月度趋势可画。",
        "The window spans one month: there is no monthly trend to draw.",
    ),
}
if STRINGS.keys() & _PLAIN_CARD.keys():
    raise RuntimeError(f"i18n keys defined twice: {sorted(STRINGS.keys() & _PLAIN_CARD.keys())}")
STRINGS.update(_PLAIN_CARD)
_PLAIN_TECH: dict[str, tuple[str, str]] = {
    # The one place a viewer screen names the methods: a tooltip (ⓘ) for experts.
    "tech.clusters": (
        "供专业人员：聚集区为 Getis-Ord Gi* 热点分析（H3 六边形，k=1 邻域），"
        "按 FDR（Benjamini-Hochberg）校正多重检验；颜色为 90% / 95% / 99% 置信。",
        "For specialists: clusters are a Getis-Ord Gi* hot-spot analysis (H3 hexagons, k=1 "
        "neighbours) with an FDR (Benjamini-Hochberg) correction; colours are 90 / 95 / 99 % "
        "confidence.",
    ),
}
if STRINGS.keys() & _PLAIN_TECH.keys():
    raise RuntimeError(f"i18n keys defined twice: {sorted(STRINGS.keys() & _PLAIN_TECH.keys())}")
STRINGS.update(_PLAIN_TECH)
_PLAIN_TITLES: dict[str, tuple[str, str]] = {
    # English titles without a Chinese place name (gridmap never invents a translation).
    "cockpit.title.noname": ("网格治理驾驶舱", "Grid-governance cockpit"),
    "report.title.noname": ("网格治理风险报告", "Grid-governance risk report"),
    "cockpit.area": ("范围：{area}", "Area: {area}"),
}
if STRINGS.keys() & _PLAIN_TITLES.keys():
    raise RuntimeError(f"i18n keys defined twice: {sorted(STRINGS.keys() & _PLAIN_TITLES.keys())}")
STRINGS.update(_PLAIN_TITLES)
# --- helper C ---
_HELPER_C: dict[str, tuple[str, str]] = {
    # This week's list on month-dated data (issue 13 item 7): the last month against the one
    # before, said in words (analytics.this_week.period_key picks the ".month" twin).
    "week.title.month": ("本月重点网格", "This month's priority grids"),
    "week.month_note": (
        "这份数据的事件时间只精确到月，无法按周比较，因此这里比较最近一个月与前一个月。",
        "This data gives only the month of each incident, so weeks cannot be compared: "
        "the list compares the last month with the month before.",
    ),
    "week.window.month": (
        "{start} 至 {end}，对比上月 {pstart} 至 {pend}",
        "{start} to {end}, against the month before ({pstart} to {pend})",
    ),
    "week.help.month": (
        "按本月事件的优先排序（比同类网格预期多出的事件数，户数与事件量共同决定）选出 3–10 个网格；"
        "原因中的“预期”按户数与同类网格的事件率估计，超期未结为截至所选时段末仍超出办理时限的事件（同超期未结卡片）。",
        "Chosen from the priority ranking of this month's incidents (incidents beyond what "
        "similar grids of the same size would expect): 3 to 10 grids. Overdue: cases still "
        "open past their time limit at the end of the period shown (as the Overdue card).",
    ),
    "week.none.month": ("本月无事件，无重点网格", "No incidents this month: no priority grids"),
    "week.reason.count.month": ("本月 {n} 件", "Incidents this month: {n}"),
    "week.change.none_before.month": ("上月无事件", "none the month before"),
    "week.change.level.month": ("与上月持平", "level with the month before"),
    "week.change.up.month": ("比上月多 {n} 件", "{n} more than the month before"),
    "week.change.down.month": ("比上月少 {n} 件", "{n} fewer than the month before"),
    "week.col.incidents.month": ("本月事件", "This month"),
    "week.col.last_week.month": ("上月事件", "Month before"),
    "week.col.change.month": ("较上月", "Change"),
    "week.file.month": ("本月重点网格", "priority_grids_month"),
    # The risk page's words for what it computes (issue 13 items 1 and 3): plain on the
    # screen, the technical name in one tooltip each.
    "risk.col.excess_incidents": ("比预期多（件）", "Above expected"),
    "risk.col.excess_incidents.help": (
        "实际事件数减去同类、同等规模网格通常会有的事件数；证据少时向 0 靠拢。"
        "供专业人员：经验贝叶斯超额事件（Marshall 1991），按类别与处置类别加权、30 天半衰期，"
        "已换算为事件件数。",
        "Incidents minus what similar grids of the same size usually have, pulled toward 0 "
        "when the evidence is thin. For specialists: empirical-Bayes excess (Marshall 1991) of "
        "incidents weighted by category and handling class with a 30-day half-life, in "
        "incidents.",
    ),
    "risk.col.risk_score.help": (
        "0–100，100 为同级中事件率最高。供专业人员：按类别与处置类别加权、30 天半衰期的"
        "千户事件率，经验贝叶斯向平均收缩后在同级单元中的百分位。",
        "0 to 100, 100 being the highest incident rate of its level. For specialists: "
        "percentile among units of the level of the empirical-Bayes smoothed per-1,000-"
        "household rate, weighted by category and handling class with a 30-day half-life.",
    ),
    "risk.method.level": (
        "排位：各单元每千户事件率在同级中的百分位，100 为最高；户少的单元向平均靠拢，不因分母小而偏高。"
        "事件少于 5 件的单元（{n} 个）不单独列出。",
        "Rate percentile: where each unit's incidents per 1,000 households stand among its "
        "level, 100 the highest; a unit with few households is pulled toward the average, "
        "not put first by its small denominator. Units with fewer than 5 incidents ({n}) are "
        "not listed.",
    ),
}
if STRINGS.keys() & _HELPER_C.keys():
    raise RuntimeError(f"i18n keys defined twice: {sorted(STRINGS.keys() & _HELPER_C.keys())}")
STRINGS.update(_HELPER_C)
# --- helper A (session 6): meeting screen, list order, departments on the card ---
_HELPER_A: dict[str, tuple[str, str]] = {
    # A ranked list with no grid says so in words (never "top 0") and why.
    "cockpit.top.zero": ("重点网格：本期没有", "Priority grids: none in this period"),
    "cockpit.top.none.why": (
        "没有网格的事件数达到 {m} 件：本期 {n} 件事件分布在 {grids} 个网格中。"
        "件数这么少，排名只是偶然，所以不排；{hint}",
        "No grid had {m} or more incidents: the period's {n} incidents are spread over "
        "{grids} grids. With so few, any order would be chance, so none is ranked; {hint}",
    ),
    "cockpit.top.none.hint": (
        "可选更长的时段（如近 90 天）。",
        "choose a longer period (e.g. last 90 days).",
    ),
    "cockpit.top.none.hint.long": ("可选更长的时段。", "choose a longer period."),
    "cockpit.top.none.empty": (
        "本期没有事件，没有可排名的网格。",
        "No incidents in this period: no grid to rank.",
    ),
    # The figure the list is ordered by, named above it (issue 13: +12 above +30).
    "cockpit.top.order": (
        "按“比同类网格预期多几件”排序；件数已按事件轻重、新近程度折算",
        "Ordered by incidents above what similar grids would have, weighted for severity "
        "and recency",
    ),
    "cockpit.top.order.help": (
        "排名用的是加权件数：类别与处置类别越重、越新近的事件分量越大；"
        "再按全市平均权重换算回件数，所以列表中的“多 N 件”从上到下递减，"
        "且从不超过实际件数减预期。",
        "The ranking counts weighted incidents: heavier categories and handling classes and "
        "more recent incidents weigh more; the figure is turned back into incidents with the "
        'city\'s average weight, so "N more" falls down the list and never exceeds the '
        "count minus the expected.",
    ),
    # Item 6: per category, the department that answers for it.
    "card.departments": ("责任部门（按本期事件类别）", "Responsible departments (by category)"),
    "card.department.row": ("{category} {n} 件 → {department}", "{category}: {n} → {department}"),
    "tooltip.department": ("主要责任部门", "Main department"),
    # A basic grid ranked on residents or area (no households in the layer): that rate.
    "priority.numbers.population": (
        "{n} 件 · {size} 人 · 千人 {rate} 件",
        "{n} incidents · {size} residents · {rate} per 1,000",
    ),
    "priority.numbers.area": (
        "{n} 件 · {size} 平方公里 · 每平方公里 {rate} 件",
        "{n} incidents · {size} km² · {rate} per km²",
    ),
}
if STRINGS.keys() & _HELPER_A.keys():
    raise RuntimeError(f"i18n keys defined twice: {sorted(STRINGS.keys() & _HELPER_A.keys())}")
STRINGS.update(_HELPER_A)
# --- helper I (session 6): one ranking rule for every list (issue 13 review, 3 and 4) ---
_HELPER_I: dict[str, tuple[str, str]] = {
    "map.top.none.why": (
        "没有可排名的网格：没有网格的事件数达到 {m} 件。件数这么少，排名只是偶然；可选更长的时段。",
        "No grid to rank: none had {m} or more incidents. With so few, any order would be "
        "chance; choose a longer period.",
    ),
    "week.none.few": (
        "本周 {n} 件事件，没有网格达到 {m} 件：件数这么少，排名只是偶然，所以不列重点网格。",
        "This week's {n} incidents leave no grid with {m} or more: with so few, any order "
        "would be chance, so no grid is listed.",
    ),
    "week.none.few.month": (
        "本月 {n} 件事件，没有网格达到 {m} 件：件数这么少，排名只是偶然，所以不列重点网格。",
        "This month's {n} incidents leave no grid with {m} or more: with so few, any order "
        "would be chance, so no grid is listed.",
    ),
}
if STRINGS.keys() & _HELPER_I.keys():
    raise RuntimeError(f"i18n keys defined twice: {sorted(STRINGS.keys() & _HELPER_I.keys())}")
STRINGS.update(_HELPER_I)
