"""The 调整 (rebalance) page and the sentences of rebalancing plans."""

STRINGS: dict[str, tuple[str, str]] = {
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
    # --- sentences of rebalancing plans (gridmap.analytics: both languages are kept) ---
    # {u}: the measure's unit (户 / households); {who}: the community as the sentence names it.
    "reb.s.all_grids": ("全部网格", "all grids"),
    "reb.s.community": ("社区{name}", "community {name}"),
    "reb.s.community.named": ("{name}", "community {name}"),
    "reb.s.band.too_few": (
        "{who}有{h:,}{u}：即使只设一个网格也不足{lo}–{hi}{u}区间的下限{lo}{u}",
        "{who} has {h:,} {u}: fewer than the band's low end {lo} even as one grid ({lo}–{hi})",
    ),
    "reb.s.band.no_fit": (
        "{who}有{h:,}{u}：按{lo}–{hi}{u}无法使每个网格都在区间内"
        "（{k_over}个网格每格多于{hi}{u}，{k_under}个网格每格少于{lo}{u}）",
        "{who} has {h:,} {u}: no number of grids fits the band {lo}–{hi} "
        "({k_over} grids are over {hi} each, {k_under} are under {lo})",
    ),
    "reb.s.band.needs": (
        "{who}有{h:,}{u}：按{lo}–{hi}{u}需{need}网格",
        "{who} has {h:,} {u}: the band {lo}–{hi} needs {need}",
    ),
    "reb.s.need.one": ("{k}个", "{k} grid"),
    "reb.s.need.many": ("{k}个", "{k} grids"),
    "reb.s.need.range": ("{kmin}–{kmax}个", "{kmin}–{kmax} grids"),
    "reb.s.band.has": ("，现有{n}个", ", it has {n}"),
    "reb.s.hint.split": (
        "{grid}仍有{v:,}{u}，单次调整无法使其进入{band}区间：可将其拆分为{k}个网格。",
        " Grid {grid} still has {v:,} {u}: no single move brings it into {band}; "
        "splitting it into {k} grids can.",
    ),
    "reb.s.hint.redraw": (
        "{grid}仍{side}{band}{u}区间（{v:,}{u}），单次调整无法使其进入区间：可整体重划本社区。",
        " Grid {grid} is still {side} {band} ({v:,} {u}): no single move brings it into the "
        "band; redrawing the community can.",
    ),
    "reb.s.above": ("超出", "above"),
    "reb.s.below": ("不足", "below"),
    "reb.s.split": (
        "将{grid}（{h:,}{u}）拆分为{k}个网格：{shares}{u}{ok}。",
        "Split grid {grid} ({h:,} {u}) into {k} grids of {shares} {u}{ok}.",
    ),
    "reb.s.split.ok": ("，均在{band}{u}区间内", ", all within {band}"),
    "reb.s.merge": (
        "将{drop}（{h_drop:,}{u}）并入相邻的{keep}（{h_keep:,}{u}），合并后{h:,}{u}{ok}。",
        "Merge grid {drop} ({h_drop:,} {u}) into its neighbour {keep} ({h_keep:,}): {h:,} {u}{ok}.",
    ),
    "reb.s.merge.ok": ("，在{band}{u}区间内", ", within {band}"),
    "reb.s.move.unit": ("单元{unit}（{h:,}{u}）", "unit {unit} ({h:,} {u})"),
    "reb.s.move.units": ("{n}个单元（共{h:,}{u}）", "{n} units ({h:,} {u})"),
    "reb.s.move": (
        "把{what}从{src}移到相邻的{dst}：{a:,}→{a2:,}{u}，{b:,}→{b2:,}{u}。",
        "Move {what} from grid {src} to its neighbour {dst}: {a:,}→{a2:,} and {b:,}→{b2:,} {u}.",
    ),
    "reb.s.unit_too_big": (
        "单元{code}有{h:,}{u}，超过{hi:,}{u}上限，单元不可拆分",
        "unit {code} has {h:,} {u}, above the band's {hi:,}; units are never cut",
    ),
    # --- grid table labels (helper P, #16 item 7) ---
    # A grid the plan adds has no name yet: its code, marked new.
    "reb.grid.new": ("{code}（新）", "{code} (new)"),
    # --- end of the grid table labels block ---
}
