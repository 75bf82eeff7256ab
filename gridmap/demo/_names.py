"""Chinese names for the synthetic demo: streets, communities, villages, compounds, people.

Street names are those of Lanzhou's real 街道/乡镇, placed at rough positions only so that
the demo reads naturally; their boundaries are synthetic. Everything else is made up from
name parts, drawn deterministically from the caller's generator.
"""

from __future__ import annotations

import itertools

import numpy as np
from numpy.typing import NDArray

StrArray = NDArray[np.object_]

#: Street anchors per district: (name, lon, lat). They seed the street partition.
STREET_ANCHORS: dict[str, tuple[tuple[str, float, float], ...]] = {
    "620102": (
        ("酒泉路街道", 103.833, 36.060), ("张掖路街道", 103.822, 36.064),
        ("雁南街道", 103.873, 36.057), ("雁北街道", 103.880, 36.070),
        ("临夏路街道", 103.812, 36.063), ("五泉街道", 103.830, 36.045),
        ("白银路街道", 103.822, 36.056), ("皋兰路街道", 103.845, 36.052),
        ("广武门街道", 103.852, 36.061), ("伏龙坪街道", 103.812, 36.038),
        ("靖远路街道", 103.828, 36.076), ("草场街街道", 103.848, 36.071),
        ("火车站街道", 103.852, 36.036), ("拱星墩街道", 103.885, 36.050),
        ("东岗街道", 103.910, 36.040), ("团结新村街道", 103.868, 36.045),
        ("东岗西路街道", 103.840, 36.058), ("铁路东村街道", 103.862, 36.033),
        ("铁路西村街道", 103.840, 36.038), ("渭源路街道", 103.818, 36.048),
        ("嘉峪关路街道", 103.877, 36.040), ("焦家湾街道", 103.895, 36.034),
        ("盐场路街道", 103.868, 36.086), ("青白石街道", 103.920, 36.100),
    ),
    "620103": (
        ("西园街道", 103.795, 36.064), ("西湖街道", 103.785, 36.059),
        ("建兰路街道", 103.800, 36.052), ("敦煌路街道", 103.776, 36.054),
        ("西站街道", 103.762, 36.068), ("晏家坪街道", 103.745, 36.073),
        ("龚家湾街道", 103.772, 36.045), ("土门墩街道", 103.728, 36.078),
        ("秀川街道", 103.710, 36.080), ("彭家坪镇", 103.755, 36.030),
        ("西果园镇", 103.800, 35.985), ("八里镇", 103.812, 36.012),
        ("阿干镇", 103.860, 35.915), ("魏岭乡", 103.720, 35.950),
        ("黄峪乡", 103.765, 35.885),
    ),
    "620104": (
        ("西固城街道", 103.625, 36.088), ("先锋路街道", 103.640, 36.094),
        ("福利路街道", 103.606, 36.098), ("西柳沟街道", 103.578, 36.110),
        ("四季青街道", 103.655, 36.085), ("临洮街街道", 103.615, 36.079),
        ("陈坪街道", 103.660, 36.101), ("新城镇", 103.520, 36.140),
        ("东川镇", 103.665, 36.055), ("河口镇", 103.420, 36.195),
        ("达川镇", 103.380, 36.150), ("柳泉镇", 103.540, 36.105),
        ("金沟乡", 103.610, 36.020),
    ),
    "620105": (
        ("培黎街道", 103.735, 36.100), ("西路街道", 103.712, 36.097),
        ("沙井驿街道", 103.655, 36.135), ("十里店街道", 103.755, 36.095),
        ("孔家崖街道", 103.766, 36.106), ("银滩路街道", 103.776, 36.088),
        ("刘家堡街道", 103.690, 36.105), ("安宁堡街道", 103.742, 36.089),
    ),
}  # fmt: skip

_PLACES = (
    "雁滩 雁园 雁宁 滨河 金城 南关 北园 东湖 西湖 五泉 华林 兰山 皋兰 白塔 黄河 中山 庆阳 "
    "张掖 酒泉 武威 天水 平凉 临夏 定西 陇西 敦煌 嘉峪 秦安 渭源 靖远 永昌 民勤 阳关 玉门 "
    "祁连 河西 铁路 建工 建兰 民主 团结 友谊 和平 光明 幸福 兴隆 红山 拱星 焦家 段家 高家 "
    "宋家 骆驼 草场 广武 伏龙 水车 桃园 梨园 枣林 杏林 柳园 松柏 银滩 安西 秀川 晏家 土门 "
    "西津 火星 福利 先锋 合水 陈坪 新安 钟家 寺儿 环形 石化 兰炼 兰化 培黎 万里 科教 十里 "
    "沙井 桃海 东方 长风 长新 崔家 费家 金港 畅家 马滩 深沟 小西湖 七里河 龚家湾 瓦窑 南滨 "
    "北滨 东岗 盐场 庙滩 九州 青白石 彭家坪 西果园 阿干 八里 读者 大众 红星 东郊 西郊 金昌"
).split()
_COMMUNITY_SUFFIX = ("", "", "", "东", "西", "南", "北", "新", "路", "街", "苑", "里", "坪", "湾")
_SURNAMES_PLACE = (
    "王 李 张 刘 陈 杨 赵 黄 周 吴 徐 孙 马 朱 胡 郭 何 高 罗 郑 梁 谢 宋 唐 韩 冯 邓 曹 彭 "
    "曾 田 董 袁 魏 丁 任 姚 苏 鲁 雒 芦 岳 达 金 范 石 贾 白"
).split()
_VILLAGE_SUFFIX = ("湾", "坪", "沟", "台", "庄", "堡", "岘", "川", "坡", "咀", "营", "岔")
_VILLAGE_NATURE = (
    "石门 红崖 柳沟 大沙 小沙 黑石 白土 水磨 苦水 峡口 上庄 下庄 新庄 韩家河 关山 马家山 "
    "东湾 西湾 南坪 北坪 大滩 小滩 泉湾 咸水 果园 杏花 梨花 红岘 阳洼 阴洼"
).split()
_COMPOUND_SUFFIX = (
    "花园 家园 小区 新村 嘉园 雅苑 华庭 公寓 佳苑 名都 丽景 阳光城 景苑 欣苑 馨苑".split()
)
_ESTATE_SUFFIX = "新天地 壹号院 国际社区 天成 云著 中心 府 悦府 公馆".split()
_OLD_ORGS = (
    "兰州石化 兰化 兰炼 铁路 电力 邮电 纺织厂 机床厂 毛纺厂 机车厂 电机厂 自来水公司 水泥厂 "
    "百货公司 二建 三建 五建 教育局 卫生局 粮食局 商业局 汽修厂 化工厂 制药厂 印刷厂 棉纺厂 "
    "钢厂 石油机械厂"
).split()
_OLD_SUFFIX = ("家属院", "宿舍", "生活区", "家属楼")
_CN_DIGITS = ("", "一", "二", "三", "四", "五", "六", "七", "八", "九", "十")

_FAMILY = (
    "王 李 张 刘 陈 杨 赵 黄 周 吴 徐 孙 马 朱 胡 郭 何 高 林 罗 郑 梁 谢 宋 唐 许 韩 冯 邓 "
    "曹 彭 曾 田 董 袁 潘 蒋 蔡 余 杜 叶 程 苏 魏 吕 丁 任 沈 姚 卢 姜 崔 钟 汪 范 金 石 贾 "
    "白 孟 秦 段 雷 侯 史 陶 贺 顾 毛 郝 龚 邵 万 严 武 孔 汤 牛 包 祁 鲁 安 岳 雒 豆"
).split()
# Gansu has many 马, 王, 李, 张 (the Hui 马 in particular); weight the first names up.
_FAMILY_WEIGHT = np.r_[
    [9.0, 8.0, 8.0, 5.0, 5.0, 4.0, 3.5, 2.0, 2.0, 2.0, 2.0, 2.0, 6.0], np.ones(len(_FAMILY) - 13)
]
_GIVEN = (
    "建国 建军 建华 丽 娟 霞 军 伟 芳 敏 静 强 磊 洋 艳 勇 杰 娜 涛 明 超 秀英 华 平 刚 桂英 "
    "玉兰 红 燕 鹏 辉 斌 晓东 文 亮 雪 婷 晶 俊 欣 彤 海燕 国庆 永红 志强 小红 小兵 淑珍 "
    "玉梅 文博 子涵 浩然 雨桐 梓轩 佳怡 宏伟 海龙 晓燕 春梅 秀兰 凤英 学军 金花 兰英 福贵"
).split()


def digits_cn(k: NDArray[np.int64]) -> StrArray:
    """1..99 in Chinese numerals (一, 十二, 二十三), vectorised; the 社 of a village."""
    k = np.asarray(k, dtype=np.int64)
    tens, ones = k // 10, k % 10
    digits = np.asarray(_CN_DIGITS, dtype=object)
    ten_part = np.where(tens == 0, "", np.where(tens == 1, "十", digits[tens] + "十"))
    return np.asarray(ten_part + digits[ones], dtype=object)


def _unique_draw(pool: list[str], n: int, rng: np.random.Generator) -> StrArray:
    """``n`` distinct names from ``pool`` (numbered once the pool runs out)."""
    order = rng.permutation(len(pool))
    names = [pool[i] for i in order[: min(n, len(pool))]]
    k = 2
    while len(names) < n:  # only when a pool is exhausted; adds a numbered round
        names.extend(f"{pool[i]}{_CN_DIGITS[min(k, 10)]}" for i in order[: n - len(names)])
        k += 1
    return np.asarray(names, dtype=object)


def community_names(is_village: NDArray[np.bool_], rng: np.random.Generator) -> StrArray:
    """Unique 社区 / 村 names, one per community."""
    urban_pool = [p + s for p, s in itertools.product(_PLACES, _COMMUNITY_SUFFIX)]
    village_pool = [f"{s}家{v}" for s, v in itertools.product(_SURNAMES_PLACE, _VILLAGE_SUFFIX)]
    village_pool = sorted(set(village_pool)) + list(_VILLAGE_NATURE)
    out = np.empty(is_village.size, dtype=object)
    n_v = int(is_village.sum())
    out[~is_village] = _unique_draw(urban_pool, is_village.size - n_v, rng) + "社区"
    out[is_village] = _unique_draw(village_pool, n_v, rng) + "村"
    return out


def compound_names(n: int, kind: str, rng: np.random.Generator) -> StrArray:
    """Residential compound names: ``kind`` is "regular", "estate" or "old"."""
    if kind == "estate":
        pool = [p + s for p, s in itertools.product(_PLACES, _ESTATE_SUFFIX)]
    elif kind == "old":
        pool = [o + s for o, s in itertools.product(_OLD_ORGS, _OLD_SUFFIX)]
        pool += [p + "小区" for p in _PLACES]
    else:
        pool = [p + s for p, s in itertools.product(_PLACES, _COMPOUND_SUFFIX)]
    # Names repeat across a city of thousands of compounds; that is realistic enough.
    return np.asarray(pool, dtype=object)[rng.integers(0, len(pool), n)]


def person_names(n: int, rng: np.random.Generator) -> StrArray:
    """Chinese personal names (family name first)."""
    fam = np.asarray(_FAMILY, dtype=object)[
        rng.choice(len(_FAMILY), n, p=_FAMILY_WEIGHT / _FAMILY_WEIGHT.sum())
    ]
    given = np.asarray(_GIVEN, dtype=object)[rng.integers(0, len(_GIVEN), n)]
    return np.asarray(fam + given, dtype=object)


def place_prefixes(n: int, rng: np.random.Generator) -> StrArray:
    """Place words for key-site names (学校, 市场, 加油站)."""
    return np.asarray(_PLACES, dtype=object)[rng.integers(0, len(_PLACES), n)]
