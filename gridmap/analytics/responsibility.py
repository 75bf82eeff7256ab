"""Who answers for what: the department of each incident category, the owners of each grid.

谁主管、谁负责. Each duty of the "1+6" scheme (:data:`gridmap.schema.CATEGORIES`), and
where it matters one of its sub-categories, is the business of one department. The table
that says which is data a user edits, not code: :func:`default_responsibilities` gives
Chinese municipal practice as a starting point for the demo, :func:`validate_responsibilities`
checks an edited copy, :func:`to_records`/:func:`from_records` keep it as JSON metadata and
:func:`write_responsibilities_csv`/:func:`read_responsibilities_csv` round-trip it through a
spreadsheet.

A sub-category is the label the source system gave an incident (``category_source``, e.g.
占道经营 or 邻里纠纷): a row with an empty ``subcategory`` is the category's default, a row
with one overrides it for incidents carrying that label.

:func:`grid_owners` names each grid's 网格员, 社区 and 街道 from the grid and admin layers.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, cast

import pandas as pd

from .. import schema
from ..errors import SchemaError
from ..hierarchy import GRID_NUMBER_DIGITS, Hierarchy, street_code

__all__ = [
    "DEPARTMENT_EN",
    "DEPARTMENT_ZH",
    "OWNER_COLUMNS",
    "RESPONSIBILITY_COLUMNS",
    "SUBCATEGORY",
    "UNASSIGNED",
    "assign_departments",
    "default_responsibilities",
    "from_records",
    "grid_departments",
    "grid_owners",
    "read_responsibilities_csv",
    "to_records",
    "validate_responsibilities",
    "write_responsibilities_csv",
]

SUBCATEGORY = "subcategory"
DEPARTMENT_ZH = "department_zh"
DEPARTMENT_EN = "department_en"
#: The columns of a responsibility table, in order.
RESPONSIBILITY_COLUMNS: tuple[str, ...] = (
    schema.CATEGORY,
    SUBCATEGORY,
    DEPARTMENT_ZH,
    DEPARTMENT_EN,
)
#: The department of an incident whose category no row covers (zh, en).
UNASSIGNED: tuple[str, str] = ("未指定", "Unassigned")
#: The columns :func:`grid_owners` returns (indexed by grid code).
OWNER_COLUMNS: tuple[str, ...] = (
    "grid_name",
    schema.WORKER,
    "community_code",
    "community_name",
    "street_code",
    "street_name",
)

# Departments of a district (区) government as Chinese cities name them, with English names.
_POLICE = ("公安分局（派出所）", "Public Security Sub-bureau (police station)")
_JUSTICE = ("司法所（综治中心）", "Justice Office (mediation centre)")
_URBAN = ("城市管理执法局", "Urban Management Bureau")
_TRAFFIC = ("交警大队", "Traffic Police Brigade")
_ECOLOGY = ("生态环境分局", "Ecology and Environment Sub-bureau")
_EMERGENCY = ("应急管理局", "Emergency Management Bureau")
_FIRE = ("消防救援大队", "Fire and Rescue Brigade")
_HOUSING = ("住房和城乡建设局", "Housing and Urban-Rural Development Bureau")
_MARKET = ("市场监督管理局", "Market Regulation Bureau")
_CIVIL = ("民政局", "Civil Affairs Bureau")
_LABOUR = ("人力资源和社会保障局", "Human Resources and Social Security Bureau")
_WATER = ("水务局", "Water Affairs Bureau")
_POWER = ("供电公司", "Power Supply Company")
_PARTY = ("街道党工委", "Street Party Working Committee")
_CENTRE = ("综治中心", "Social Governance Centre")

#: (category, sub-category or "" for the category's default, department). The sub-categories
#: are the demo's source labels and the schema's aliases whose owner differs from the
#: category's.
_DEFAULTS: tuple[tuple[str, str, tuple[str, str]], ...] = (
    ("party_civility", "", _PARTY),
    ("party_civility", "乱贴乱画", _URBAN),
    ("public_safety", "", _POLICE),
    ("public_safety", "矛盾纠纷", _JUSTICE),
    ("public_safety", "邻里纠纷", _JUSTICE),
    ("public_safety", "家庭纠纷", _JUSTICE),
    ("public_safety", "物业纠纷", _HOUSING),
    ("urban_management", "", _URBAN),
    ("urban_management", "违规停车", _TRAFFIC),
    ("urban_management", "道路破损", _HOUSING),
    ("ecology", "", _ECOLOGY),
    ("ecology", "餐饮油烟", _URBAN),
    ("ecology", "河道垃圾", _WATER),
    ("ecology", "污水外溢", _WATER),
    ("work_safety", "", _EMERGENCY),
    ("work_safety", "消防隐患", _FIRE),
    ("work_safety", "消防通道堵塞", _FIRE),
    ("work_safety", "电动车违规充电", _FIRE),
    ("work_safety", "火情", _FIRE),
    ("work_safety", "燃气泄漏", _HOUSING),
    ("work_safety", "燃气隐患", _HOUSING),
    ("work_safety", "施工安全", _HOUSING),
    ("work_safety", "特种设备", _MARKET),
    ("livelihood", "", _CIVIL),
    ("livelihood", "供暖问题", _HOUSING),
    ("livelihood", "物业服务", _HOUSING),
    ("livelihood", "供水问题", _WATER),
    ("livelihood", "停电", _POWER),
    ("livelihood", "就业求助", _LABOUR),
    ("livelihood", "拖欠工资", _LABOUR),
    (schema.UNCLASSIFIED.code, "", _CENTRE),
)


def _allowed_categories() -> str:
    return f"{schema.CATEGORIES.describe()}, {schema.UNCLASSIFIED.code} ({schema.UNCLASSIFIED.zh})"


def _parse_category(value: object) -> str | None:
    code = schema.CATEGORIES.parse(value)
    if code is not None:
        return code
    norm = str(value).strip().lower()
    u = schema.UNCLASSIFIED
    return u.code if norm in (u.code, u.zh, u.en.lower()) else None


def default_responsibilities() -> pd.DataFrame:
    """The default responsibility table: one row per category (empty ``subcategory``) and
    the sub-categories another department answers for.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`RESPONSIBILITY_COLUMNS` (all strings), in the order of the categories.

    Examples
    --------
    >>> table = default_responsibilities()
    >>> table.query("category == 'work_safety' and subcategory == ''")["department_zh"].item()
    '应急管理局'
    """
    rows = [(c, s, zh, en) for c, s, (zh, en) in _DEFAULTS]
    return pd.DataFrame(rows, columns=list(RESPONSIBILITY_COLUMNS))


def _text(value: object) -> str:
    if isinstance(value, str):
        return value
    return "" if value is None or bool(pd.isna(cast(Any, value))) else str(value)


def validate_responsibilities(table: pd.DataFrame) -> pd.DataFrame:
    """Check an edited responsibility table and return it cleaned.

    Categories may be given as codes, Chinese or English labels or aliases; they come back
    as codes. Text is stripped; a missing ``department_en`` takes ``department_zh`` and the
    other way round.

    Raises
    ------
    SchemaError
        One line naming the first bad row (1-based), its field and what is allowed: a
        missing or extra column, an unknown category, a row without any department name,
        or a (category, subcategory) pair given twice.
    """
    cols = list(RESPONSIBILITY_COLUMNS)
    allowed_cols = ", ".join(cols)
    missing = [c for c in cols if c not in table.columns]
    extra = [str(c) for c in table.columns if c not in cols]
    if missing or extra:
        what = f"missing column(s) {missing}" if missing else f"unknown column(s) {extra}"
        raise SchemaError(f"responsibility table: {what}; allowed columns: {allowed_cols}")
    rows: list[tuple[str, str, str, str]] = []
    seen: dict[tuple[str, str], int] = {}
    for i, (cat, sub, zh, en) in enumerate(table[cols].itertuples(index=False, name=None), 1):
        code = _parse_category(_text(cat))
        if code is None:
            raise SchemaError(
                f"responsibility table: row {i}: category {_text(cat)!r} is unknown; "
                f"allowed: {_allowed_categories()}"
            )
        sub_s, zh_s, en_s = _text(sub).strip(), _text(zh).strip(), _text(en).strip()
        if not zh_s and not en_s:
            raise SchemaError(
                f"responsibility table: row {i}: department_zh is empty; "
                "allowed: a department name (department_zh or department_en)"
            )
        key = (code, sub_s)
        if key in seen:
            raise SchemaError(
                f"responsibility table: row {i}: category {code!r}, subcategory {sub_s!r} "
                f"repeats row {seen[key]}; allowed: one row per category and subcategory"
            )
        seen[key] = i
        rows.append((code, sub_s, zh_s or en_s, en_s or zh_s))
    return pd.DataFrame(rows, columns=cols)


def to_records(table: pd.DataFrame) -> list[dict[str, str]]:
    """The validated table as a list of plain dicts (for JSON workspace metadata)."""
    clean = validate_responsibilities(table)
    return [{str(k): str(v) for k, v in row.items()} for row in clean.to_dict("records")]


def from_records(records: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """The table from :func:`to_records`' output, validated.

    Raises
    ------
    SchemaError
        When ``records`` is not a list of objects, or as :func:`validate_responsibilities`.
    """
    if isinstance(records, str | bytes | Mapping):
        raise SchemaError("responsibility table: records must be a list of objects")
    rows = list(records)
    bad = next((i for i, r in enumerate(rows, 1) if not isinstance(r, Mapping)), None)
    if bad is not None:
        raise SchemaError(f"responsibility table: row {bad} is not an object")
    frame = pd.DataFrame(rows) if rows else pd.DataFrame(columns=list(RESPONSIBILITY_COLUMNS))
    return validate_responsibilities(frame)


def write_responsibilities_csv(table: pd.DataFrame, path: str | Path) -> Path:
    """Write the validated table as UTF-8 CSV with a byte-order mark (Excel reads Chinese
    text right only with one)."""
    out = Path(path)
    validate_responsibilities(table).to_csv(out, index=False, encoding="utf-8-sig")
    return out


def read_responsibilities_csv(path: str | Path) -> pd.DataFrame:
    """Read and validate a table written by :func:`write_responsibilities_csv` (or edited in
    a spreadsheet): every cell is text, an empty cell is an empty string."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    return validate_responsibilities(frame)


def assign_departments(
    categories: Sequence[object] | pd.Series,
    subcategories: Sequence[object] | pd.Series | None,
    table: pd.DataFrame,
) -> pd.DataFrame:
    """The responsible department of each incident.

    A row for the incident's (category, sub-category) wins over the category's default row;
    a category with neither gets :data:`UNASSIGNED`.

    Parameters
    ----------
    categories, subcategories
        Category codes and source labels (``category_source``), aligned; ``subcategories``
        None when the data has none.
    table
        A validated responsibility table.

    Returns
    -------
    pandas.DataFrame
        ``department_zh``, ``department_en``, one row per incident, in order (RangeIndex).
    """
    table = table.reset_index(drop=True)
    cats = pd.Series(categories, dtype=object).reset_index(drop=True).astype(str)
    if subcategories is None:
        subs = pd.Series("", index=cats.index, dtype=object)
    else:
        subs = pd.Series(subcategories, dtype=object).reset_index(drop=True)
        subs = subs.fillna("").astype(str).str.strip()
    key = cats + "\x1f" + subs
    by_pair = dict(
        zip(table[schema.CATEGORY] + "\x1f" + table[SUBCATEGORY], table.index, strict=True)
    )
    defaults = table[table[SUBCATEGORY] == ""]
    by_cat = dict(zip(defaults[schema.CATEGORY], defaults.index, strict=True))
    row = key.map(by_pair).fillna(cats.map(by_cat))
    found = row.notna().to_numpy()
    pos = row[found].astype(int).to_numpy()
    zh = pd.Series(UNASSIGNED[0], index=cats.index, dtype=object)
    en = pd.Series(UNASSIGNED[1], index=cats.index, dtype=object)
    zh[found] = table[DEPARTMENT_ZH].to_numpy()[pos]
    en[found] = table[DEPARTMENT_EN].to_numpy()[pos]
    return pd.DataFrame({DEPARTMENT_ZH: zh, DEPARTMENT_EN: en})


def grid_departments(incidents: pd.DataFrame, table: pd.DataFrame | None = None) -> pd.DataFrame:
    """The department that answers for most of each grid's incidents (for "send whom").

    Parameters
    ----------
    incidents
        Incidents already limited to the window and scope wanted: ``grid_code``,
        ``category`` and, where present, ``category_source``.
    table
        A validated responsibility table; default :func:`default_responsibilities`.

    Returns
    -------
    pandas.DataFrame
        Indexed by grid ``code`` (grids with incidents only, sorted): ``department_zh``,
        ``department_en``, ``cases`` (the grid's incidents that department answers for) and
        ``share`` of the grid's incidents. Ties go to the department named first in zh order.
    """
    table = default_responsibilities() if table is None else table
    cols = [DEPARTMENT_ZH, DEPARTMENT_EN, "cases", "share"]
    grid = _column(incidents, schema.GRID_CODE)
    has_grid = (grid != "").to_numpy()
    if not has_grid.any():
        return pd.DataFrame(columns=cols, index=pd.Index([], name=schema.CODE))
    sub = incidents[has_grid]
    sources = _column(sub, schema.CATEGORY_SOURCE) if schema.CATEGORY_SOURCE in sub else None
    dept = assign_departments(_column(sub, schema.CATEGORY), sources, table)
    dept.insert(0, schema.CODE, grid[has_grid].to_numpy())
    keys = [schema.CODE, DEPARTMENT_ZH, DEPARTMENT_EN]
    counts = dept.groupby(keys).size().rename("cases").reset_index()
    counts["share"] = counts["cases"] / counts.groupby(schema.CODE)["cases"].transform("sum")
    best = counts.sort_values(
        [schema.CODE, "cases", DEPARTMENT_ZH], ascending=[True, False, True], kind="stable"
    ).drop_duplicates(schema.CODE)
    return best.set_index(schema.CODE)[cols]


# --- grid owners ----------------------------------------------------------------------------
def _column(frame: pd.DataFrame, name: str) -> pd.Series:
    """A text column with "" for missing values (and for a column that is not there)."""
    if name not in frame.columns:
        return pd.Series("", index=frame.index, dtype=object)
    values = frame[name]
    return values.astype(object).where(values.notna(), "").astype(str).str.strip()


def grid_owners(grids: pd.DataFrame, admin: pd.DataFrame) -> pd.DataFrame:
    """Who a grid belongs to: its name, 网格员, 社区 and 街道.

    The community is the grid's ``parent_code`` when that is an admin unit, else the code
    its own code starts with (a grid's code is its community's and 3 digits). The street is
    the first ancestor of level ``street`` above the community, else the admin unit named
    by the code's first 9 digits.

    Parameters
    ----------
    grids
        The grid layer: ``code``, and where present ``name``, ``parent_code``, ``worker``.
    admin
        The admin layer: ``code``, ``name``, ``level``, ``parent_code`` (may be empty).

    Returns
    -------
    pandas.DataFrame
        Indexed by grid ``code``, columns :data:`OWNER_COLUMNS` (all text). What is not
        known is the empty string: a layer without a ``worker`` column gives empty workers.
    """
    codes = _column(grids, schema.CODE)
    unit_codes = _column(admin, schema.CODE)
    names = dict(zip(unit_codes, _column(admin, schema.NAME), strict=True))
    levels = dict(zip(unit_codes, _column(admin, schema.LEVEL), strict=True))
    parents = dict(zip(unit_codes, _column(admin, schema.PARENT_CODE), strict=True))
    # Only a unit that is itself a community (or whose level is not known) can hold a grid.
    holds = {c for c, lv in levels.items() if lv in ("community", "")}
    parent = _column(grids, schema.PARENT_CODE)
    by_prefix = codes.str[:-GRID_NUMBER_DIGITS]
    community = parent.where(parent.isin(holds), by_prefix.where(by_prefix.isin(holds), ""))
    by_street_prefix = codes.map(street_code)
    # The admin tree as admin units only (grids are placed above, by code): no level means
    # "" here, where build_hierarchy would guess "community" and place grids by geometry.
    tree = Hierarchy(names, levels, {c: p or None for c, p in parents.items()})

    def nearest_street(code: str) -> str:
        return next((a for a in reversed(tree.chain(code)) if levels[a] == "street"), "")

    street = community.map(nearest_street)
    street = street.where(
        street != "",
        by_street_prefix.where(by_street_prefix.map(levels.get).eq("street"), ""),
    )
    out = pd.DataFrame(
        {
            "grid_name": _column(grids, schema.NAME).where(lambda s: s != "", codes),
            schema.WORKER: _column(grids, schema.WORKER),
            "community_code": community,
            "community_name": community.map(lambda c: names.get(c, "")),
            "street_code": street,
            "street_name": street.map(lambda c: names.get(c, "")),
        }
    )
    out.index = pd.Index(codes, name=schema.CODE)
    return out
