"""Forecasting: the backtest panel, the method line on the cockpit and the Risk page, the forecast map."""

STRINGS: dict[str, tuple[str, str]] = {
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
        "网格太小，装不下一个完整的六边形单元，无法比较预测方法。",
        "The grids are too small to hold a whole hexagon, so forecasting methods cannot be "
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
        "滚动回测：在每个起点只用之前的事件给全市所有六边形单元打分，检验随后一个时段的事件落在"
        "前 1%、5%、10% 单元中的比例。PAI = 命中率 ÷ 面积占比（比随机选择好几倍）；PEI = 命中数 ÷ "
        "同样面积最多能命中的数（1 为完美）。方括号为按起点自助抽样的 95% 区间。简单计数（基线）"
        "始终参与比较；选用的是前 5% 的 PAI 最高者，并列时选基线。",
        "Rolling backtest: at each origin every method scores all hexagons of the city from "
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
        "{n} 个起点（{first} 至 {last}），全市 {cells:,} 个六边形单元，检验期共 {inc:,} 件事件。",
        "{n} origins ({first} to {last}), {cells:,} hexagons of the city, {inc:,} test incidents.",
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
