"""Canonical layers, column names and enumerations of a gridmap workspace.

Column names are constants so that a typo is an import error, not a silent new column.
Enumerations carry a stable English code (what is stored), a Chinese and an English label
(what is shown), and the aliases a source system may use for them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final, TypeVar

#: A pandas or geopandas frame (schema stays free of imports beyond the standard library).
_Frame = TypeVar("_Frame", bound=Any)

__all__ = [
    "ADMIN_LEVELS",
    "CAMERA_KINDS",
    "CAMERA_STATUSES",
    "CATEGORIES",
    "FIELDS",
    "GRID_TYPES",
    "HANDLING_CLASSES",
    "IMPORT_MENU",
    "KEYAREA_KINDS",
    "LAYER_KINDS",
    "POINT_KINDS",
    "POLYGON_KINDS",
    "SPATIAL_LAYERS",
    "UNCLASSIFIED",
    "WORKFLOW_STAGES",
    "AuditAction",
    "Choice",
    "Enumeration",
    "FieldSpec",
    "Layer",
    "basic_grids",
]

# --- column names ---------------------------------------------------------------------------
CODE = "code"
NAME = "name"
PARENT_CODE = "parent_code"
LEVEL = "level"
GRID_TYPE = "grid_type"
HOUSEHOLDS = "households"
POPULATION = "population"
WORKER = "worker"
EFFECTIVE_DATE = "effective_date"
VERSION = "version"
AREA_M2 = "area_m2"

ID = "id"
LON = "lon"
LAT = "lat"
OCCURRED_AT = "occurred_at"
REPORTED_AT = "reported_at"
REGISTERED_AT = "registered_at"
DISPATCHED_AT = "dispatched_at"
HANDLED_AT = "handled_at"
VERIFIED_AT = "verified_at"
CLOSED_AT = "closed_at"
CATEGORY = "category"
CATEGORY_SOURCE = "category_source"
HANDLING_CLASS = "handling_class"
SOURCE = "source"
ADDRESS = "address"
GRID_CODE = "grid_code"
GRID_CODE_SOURCE = "grid_code_source"
H3_CELL = "h3_cell"

KIND = "kind"
RANGE_M = "range_m"
AZIMUTH_DEG = "azimuth_deg"
FOV_DEG = "fov_deg"
STATUS = "status"
OWNER = "owner"
UNIT_TYPE = "unit_type"
TARGET_COVERAGE = "target_coverage"

GEOMETRY = "geometry"

#: Finest H3 resolution stored for points; coarser display resolutions are parents of it.
POINT_RES = 11


# --- layer kinds ----------------------------------------------------------------------------
class Layer:
    """The workspace's spatial layers, each named here once (plain strings: a layer name is
    also a table name and a CLI argument)."""

    ADMIN: Final = "admin"
    GRIDS: Final = "grids"
    UNITS: Final = "units"
    INCIDENTS: Final = "incidents"
    CAMERAS: Final = "cameras"
    KEYAREAS: Final = "keyareas"
    #: Every department's own grid units (警格, 城管网格 …), versioned per department (#18).
    DEPARTMENTS: Final = "departments"


#: Every layer, in the order the store lists them (``Workspace.layers()``, ``gridmap info``):
#: the admin hierarchy and grids first, then what is placed on them.
SPATIAL_LAYERS: tuple[str, ...] = (
    Layer.ADMIN,
    Layer.GRIDS,
    Layer.UNITS,
    Layer.INCIDENTS,
    Layer.CAMERAS,
    Layer.KEYAREAS,
    Layer.DEPARTMENTS,
)
#: Point layers (a table of coordinates) and polygon layers.
POINT_KINDS: tuple[str, ...] = (Layer.INCIDENTS, Layer.CAMERAS)
POLYGON_KINDS: tuple[str, ...] = (
    Layer.GRIDS,
    Layer.ADMIN,
    Layer.UNITS,
    Layer.KEYAREAS,
    Layer.DEPARTMENTS,
)
#: The layers in the order ``gridmap import`` offers them (its argument's choices).
LAYER_KINDS: tuple[str, ...] = (
    Layer.GRIDS,
    Layer.ADMIN,
    Layer.UNITS,
    Layer.INCIDENTS,
    Layer.CAMERAS,
    Layer.KEYAREAS,
    Layer.DEPARTMENTS,
)
#: The layers in the order the Data page's import wizard offers them: the most frequent
#: import (incidents) first.
IMPORT_MENU: tuple[str, ...] = (*POINT_KINDS, *POLYGON_KINDS)


# --- audit actions --------------------------------------------------------------------------
class AuditAction:
    """What an entry of the audit log records (its ``action`` column), each named here once.

    Every writer of audit entries (the app's pages and widgets, the versions service, the
    command line) uses these; the command line records the command it ran
    (:meth:`command`).
    """

    LOGIN: Final = "login"
    LOGIN_FAILED: Final = "login failed"
    LOGOUT: Final = "logout"
    IMPORT: Final = "import"
    EXPORT: Final = "export"
    SAVE_MAPPING: Final = "save mapping"
    OPTIMISER_RUN: Final = "optimiser run"
    SAVE_DRAFT: Final = "save draft"
    SAVE_REFUSED: Final = "save refused"
    PUBLISH: Final = "publish"
    SAVE_RESPONSIBILITIES: Final = "save responsibilities"

    @staticmethod
    def command(name: str, action: str | None = None) -> str:
        """A ``gridmap`` command run: its name (``risk``), or with its sub-command
        (``users add``).

        >>> AuditAction.command("users", "add")
        'users add'
        """
        return name if action is None else f"{name} {action}"


# --- enumerations ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Choice:
    """One value of an enumeration: stored code, labels and source-system aliases."""

    code: str
    zh: str
    en: str
    aliases: tuple[str, ...] = ()

    def label(self, lang: str = "zh") -> str:
        # A vocabulary's own two names, not a sentence: the catalogue (gridmap.i18n) holds the
        # sentences; schema stays at the bottom of the layers, importing nothing of gridmap.
        return self.zh if lang == "zh" else self.en


def _norm(value: object) -> str:
    return str(value).strip().lower().replace(" ", "").replace("_", "").replace("-", "")


@dataclass(frozen=True)
class Enumeration:
    """An ordered set of :class:`Choice` values with lookup by code, label or alias."""

    name: str
    choices: tuple[Choice, ...]
    _lookup: dict[str, str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        lookup: dict[str, str] = {}
        for c in self.choices:
            for key in (c.code, c.zh, c.en, *c.aliases):
                lookup.setdefault(_norm(key), c.code)
        object.__setattr__(self, "_lookup", lookup)

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(c.code for c in self.choices)

    def get(self, code: str) -> Choice:
        for c in self.choices:
            if c.code == code:
                return c
        raise KeyError(f"{self.name}: unknown code {code!r}; allowed: {', '.join(self.codes)}")

    def label(self, code: str, lang: str = "zh") -> str:
        if code == UNCLASSIFIED.code:
            return UNCLASSIFIED.label(lang)
        return self.get(code).label(lang)

    def parse(self, value: object) -> str | None:
        """Return the code for a code, zh/en label or alias (case- and space-insensitive)."""
        if value is None:
            return None
        return self._lookup.get(_norm(value))

    def describe(self) -> str:
        return ", ".join(f"{c.code} ({c.zh})" for c in self.choices)


#: Incident category given to source values no mapping covers; counted, never dropped.
UNCLASSIFIED = Choice("unclassified", "未分类", "Unclassified")

#: The "1+6" duties of the seed documents.
CATEGORIES = Enumeration(
    "category",
    (
        Choice(
            "party_civility",
            "党建与文明创建",
            "Party building & civility",
            ("党建", "文明创建", "党建引领", "文明", "志愿服务", "移风易俗", "文明实践"),
        ),
        Choice(
            "public_safety",
            "平安建设",
            "Public safety",
            (
                "治安",
                "社会治安",
                "平安",
                "矛盾纠纷",
                "邻里纠纷",
                "家庭纠纷",
                "治安隐患",
                "电信诈骗",
                "打架斗殴",
                "群租房",
                "高空抛物",
                "safety",
                "crime",
            ),
        ),
        Choice(
            "urban_management",
            "城市管理",
            "Urban management",
            (
                "城管",
                "市容",
                "市容环境",
                "占道经营",
                "乱堆乱放",
                "违章搭建",
                "违法建设",
                "流动摊贩",
                "垃圾清运",
                "道路破损",
                "井盖缺失",
                "路灯损坏",
                "噪音扰民",
                "垃圾乱堆",
                "暴露垃圾",
                "urban",
            ),
        ),
        Choice(
            "ecology",
            "生态保护",
            "Ecological protection",
            (
                "生态",
                "环保",
                "环境保护",
                "生态环保",
                "环境污染",
                "大气污染",
                "水污染",
                "焚烧垃圾",
                "扬尘",
                "environment",
            ),
        ),
        Choice(
            "work_safety",
            "安全生产",
            "Work safety",
            (
                "安监",
                "安全隐患",
                "生产安全",
                "消防隐患",
                "消防通道堵塞",
                "燃气隐患",
                "危化品",
                "施工安全",
            ),
        ),
        Choice(
            "livelihood",
            "惠民服务",
            "Livelihood services",
            (
                "民生",
                "民生服务",
                "便民服务",
                "惠民",
                "民生诉求",
                "供暖",
                "供水",
                "养老服务",
                "低保",
                "就业服务",
                "services",
            ),
        ),
    ),
)

HANDLING_CLASSES = Enumeration(
    "handling_class",
    (
        Choice("general", "一般事项", "General", ("一般", "普通", "normal")),
        Choice("emergency", "应急事项", "Emergency", ("应急", "紧急", "urgent")),
        Choice(
            "dispute",
            "矛盾调解",
            "Dispute mediation",
            ("矛盾纠纷", "纠纷调解", "调解", "矛盾", "mediation"),
        ),
    ),
)

#: Workflow stages in order, with the column holding each stage's time.
WORKFLOW_STAGES = Enumeration(
    "workflow_stage",
    (
        Choice(REPORTED_AT, "受理", "Reported"),
        Choice(REGISTERED_AT, "立案", "Registered"),
        Choice(DISPATCHED_AT, "派遣", "Dispatched"),
        Choice(HANDLED_AT, "处置", "Handled"),
        Choice(VERIFIED_AT, "核查", "Verified"),
        Choice(CLOSED_AT, "结案", "Closed"),
    ),
)

ADMIN_LEVELS = Enumeration(
    "level",
    (
        Choice("city", "市", "City", ("地级市", "市级")),
        Choice("district", "区/县", "District", ("区", "县", "区县", "county", "区级")),
        Choice(
            "street", "街道/乡镇", "Street", ("街道", "乡镇", "镇", "乡", "subdistrict", "town")
        ),
        Choice("community", "社区/村", "Community", ("社区", "村", "居委会", "村委会", "village")),
    ),
)

GRID_TYPES = Enumeration(
    "grid_type",
    (
        Choice("basic", "基础网格", "Basic", ("基础", "综合网格", "综合", "全要素网格")),
        Choice(
            "professional",
            "专属网格",
            "Professional",
            ("专属", "专业网格", "专业", "专项网格", "special"),
        ),
    ),
)

CAMERA_KINDS = Enumeration(
    "kind",
    (
        Choice("fixed", "固定枪机", "Fixed", ("枪机", "固定", "bullet", "box")),
        Choice("ptz", "云台球机", "PTZ", ("球机", "云台", "高速球")),
        Choice("dome", "半球/全景", "Dome", ("半球", "全景", "鱼眼", "fisheye", "panoramic")),
    ),
)

CAMERA_STATUSES = Enumeration(
    "status",
    (
        Choice("online", "在线", "Online", ("正常", "1", "true", "yes", "active")),
        Choice("offline", "离线", "Offline", ("故障", "停用", "0", "false", "no", "inactive")),
    ),
)

KEYAREA_KINDS = Enumeration(
    "kind",
    (
        Choice("school", "学校", "School", ("中学", "小学", "幼儿园", "校园")),
        Choice("hospital", "医院", "Hospital", ("卫生院", "诊所")),
        Choice("station", "车站", "Station", ("火车站", "汽车站", "地铁站", "客运站")),
        Choice("market", "市场", "Market", ("商场", "农贸市场", "集市")),
        Choice(
            "hazardous",
            "危化场所",
            "Hazardous site",
            ("危化品", "化工", "危险品", "加油站", "industrial"),
        ),
        Choice("square", "广场", "Public square", ("公园", "park")),
        Choice("other", "其他", "Other"),
    ),
)


# --- layers and their fields ----------------------------------------------------------------
@dataclass(frozen=True)
class FieldSpec:
    """A canonical field: its type and the source headers that map onto it automatically."""

    name: str
    dtype: str  # "str" | "int" | "float" | "datetime" | "date" | "enum"
    aliases: tuple[str, ...] = ()
    required: bool = False
    enum: Enumeration | None = None


def _f(
    name: str,
    dtype: str,
    aliases: Iterable[str] = (),
    *,
    required: bool = False,
    enum: Enumeration | None = None,
) -> FieldSpec:
    return FieldSpec(name, dtype, tuple(aliases), required, enum)


_POLY_COMMON = (
    _f(
        CODE,
        "str",
        (
            "编码",
            "代码",
            "编号",
            "区划代码",
            "行政区划代码",
            "网格编码",
            "网格编号",
            "网格代码",
            "code",
            "adcode",
            "id",
            "sector",
            "gridcode",
        ),
        required=True,
    ),
    _f(NAME, "str", ("名称", "名字", "网格名称", "区划名称", "name", "label")),
    _f(
        PARENT_CODE,
        "str",
        (
            "上级编码",
            "上级代码",
            "所属社区编码",
            "社区编码",
            "所属社区",
            "parent",
            "parentcode",
            "parent_id",
            "precinct",
        ),
    ),
)

#: Canonical fields per layer kind, in display order.
FIELDS: Mapping[str, tuple[FieldSpec, ...]] = {
    Layer.ADMIN: (
        *_POLY_COMMON,
        _f(LEVEL, "enum", ("级别", "层级", "行政级别", "level"), enum=ADMIN_LEVELS),
        _f(HOUSEHOLDS, "int", ("户数", "住户数", "总户数", "households", "hh")),
        _f(POPULATION, "int", ("人口", "人口数", "常住人口", "population", "pop")),
    ),
    Layer.GRIDS: (
        *_POLY_COMMON,
        _f(
            GRID_TYPE, "enum", ("网格类型", "网格类别", "类型", "gridtype", "type"), enum=GRID_TYPES
        ),
        _f(HOUSEHOLDS, "int", ("户数", "住户数", "总户数", "网格户数", "households", "hh")),
        _f(POPULATION, "int", ("人口", "人口数", "常住人口", "网格人口", "population", "pop")),
        _f(WORKER, "str", ("网格员", "网格员姓名", "负责人", "worker", "gridworker")),
        _f(EFFECTIVE_DATE, "date", ("生效日期", "启用日期", "effectivedate", "effective")),
    ),
    Layer.UNITS: (
        _f(CODE, "str", ("编码", "编号", "小区编码", "楼栋编码", "code", "id"), required=True),
        _f(NAME, "str", ("名称", "小区名称", "楼栋名称", "name")),
        _f(UNIT_TYPE, "str", ("类型", "unittype", "type")),
        _f(HOUSEHOLDS, "int", ("户数", "住户数", "households", "hh")),
        _f(POPULATION, "int", ("人口", "人口数", "population", "pop")),
    ),
    Layer.KEYAREAS: (
        _f(CODE, "str", ("编码", "编号", "code", "id"), required=True),
        _f(NAME, "str", ("名称", "name")),
        _f(KIND, "enum", ("类型", "类别", "场所类型", "kind", "type"), enum=KEYAREA_KINDS),
        _f(TARGET_COVERAGE, "float", ("覆盖目标", "目标覆盖率", "target", "targetcoverage")),
    ),
    # A department's unit: its own code and name (stored as department_code/department_name
    # beside the department's name and version, see gridmap.store.departments).
    Layer.DEPARTMENTS: (
        _f(
            CODE,
            "str",
            (
                "编码",
                "编号",
                "代码",
                "警务区编码",
                "警格编码",
                "责任区编码",
                "网格编码",
                "code",
                "id",
                "precinct",
                "unitcode",
                # the draft layer gridmap fuse --out writes (re-imported as a new version)
                "department_code",
            ),
            required=True,
        ),
        _f(
            NAME,
            "str",
            (
                "名称",
                "警务区名称",
                "警格名称",
                "责任区名称",
                "网格名称",
                "name",
                "label",
                "department_name",
            ),
        ),
        _f(HOUSEHOLDS, "int", ("户数", "住户数", "总户数", "households", "hh")),
        _f(POPULATION, "int", ("人口", "人口数", "常住人口", "population", "pop")),
    ),
    Layer.INCIDENTS: (
        _f(
            ID,
            "str",
            (
                "事件编号",
                "事件id",
                "案件编号",
                "案卷编号",
                "工单号",
                "工单编号",
                "编号",
                "id",
                "eventid",
                "incidentid",
                "incidentkey",
                "caseid",
                "uid",
                "nopd_item",
                "item",
            ),
            required=True,
        ),
        _f(
            OCCURRED_AT,
            "datetime",
            (
                "发生时间",
                "事发时间",
                "案发时间",
                "occurredat",
                "occurred",
                "occurdate",
                "offensedate",
                "datetime",
                "date",
                "fechahecho",
                "timecreate",
                "created",
            ),
            required=True,
        ),
        _f(REPORTED_AT, "datetime", ("上报时间", "受理时间", "登记时间", "reportedat", "reported")),
        _f(REGISTERED_AT, "datetime", ("立案时间", "registeredat")),
        _f(DISPATCHED_AT, "datetime", ("派遣时间", "派单时间", "dispatchedat", "timedispatch")),
        _f(HANDLED_AT, "datetime", ("处置时间", "处理时间", "办理时间", "handledat", "timearrive")),
        _f(VERIFIED_AT, "datetime", ("核查时间", "核实时间", "verifiedat")),
        _f(
            CLOSED_AT,
            "datetime",
            ("结案时间", "办结时间", "关闭时间", "closedat", "closed", "timeclosed"),
        ),
        _f(
            CATEGORY,
            "str",
            (
                "事件类型",
                "事件分类",
                "事件大类",
                "事件类别",
                "案件类型",
                "案件类别",
                "问题类型",
                "类别",
                "category",
                "type",
                "typetext",
                "offensetype",
                "modalidad",
            ),
        ),
        _f(
            HANDLING_CLASS,
            "enum",
            ("处置类别", "事项类别", "办理类型", "处置类型", "事项类型", "handlingclass"),
            enum=HANDLING_CLASSES,
        ),
        _f(SOURCE, "str", ("事件来源", "来源", "上报渠道", "source", "channel")),
        _f(
            ADDRESS,
            "str",
            (
                "地址",
                "事发地址",
                "详细地址",
                "事发地点",
                "地点",
                "address",
                "blockaddress",
                "hundredblock",
                "location",
            ),
        ),
        _f(
            GRID_CODE_SOURCE,
            "str",
            ("所属网格", "网格编码", "网格编号", "网格", "grid", "gridcode", "beat", "sector"),
        ),
        _f(
            LON,
            "float",
            ("经度", "经度坐标", "坐标x", "lon", "lng", "long", "longitude", "longitud", "x"),
            required=True,
        ),
        _f(
            LAT,
            "float",
            ("纬度", "纬度坐标", "坐标y", "lat", "latitude", "latitud", "y"),
            required=True,
        ),
    ),
    Layer.CAMERAS: (
        _f(
            ID,
            "str",
            (
                "设备编号",
                "点位编号",
                "摄像机编号",
                "设备编码",
                "国标编码",
                "编号",
                "id",
                "cameraid",
                "randomid",
            ),
            required=True,
        ),
        _f(NAME, "str", ("点位名称", "设备名称", "名称", "name")),
        _f(KIND, "enum", ("摄像机类型", "设备类型", "类型", "kind", "type"), enum=CAMERA_KINDS),
        _f(RANGE_M, "float", ("可视距离", "监控距离", "覆盖半径", "range", "rangem")),
        _f(
            AZIMUTH_DEG, "float", ("方位角", "朝向", "安装朝向", "azimuth", "azimuthdeg", "heading")
        ),
        _f(FOV_DEG, "float", ("视场角", "水平视角", "视角", "fov", "fovdeg")),
        _f(STATUS, "enum", ("状态", "在线状态", "设备状态", "status"), enum=CAMERA_STATUSES),
        _f(OWNER, "str", ("权属", "权属单位", "建设单位", "所属单位", "owner")),
        _f(LON, "float", ("经度", "坐标x", "lon", "lng", "long", "longitude", "x"), required=True),
        _f(LAT, "float", ("纬度", "坐标y", "lat", "latitude", "y"), required=True),
    ),
}


def field_names(kind: str) -> tuple[str, ...]:
    """Canonical field names of a layer kind, in display order."""
    return tuple(f.name for f in FIELDS[kind])


def basic_grids(grids: _Frame) -> _Frame:
    """The basic grids (基础网格) of a grid layer: a missing ``grid_type`` counts as basic.

    Incidents are assigned to, and rebalancing moves, basic grids only; professional grids
    overlap them and are counted apart.
    """
    if GRID_TYPE not in grids:
        return grids
    return grids[(grids[GRID_TYPE].fillna("basic") == "basic").to_numpy()]


def field_spec(kind: str, name: str) -> FieldSpec:
    for f in FIELDS[kind]:
        if f.name == name:
            return f
    raise KeyError(name)
