"""Importers, readers and the validator: the messages a file can get."""

STRINGS: dict[str, tuple[str, str]] = {
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
    # --- validator: list separator (helper E, #16 item 7) ---
    # Joins the reasons of one validator problem (e.g. households and persons per household).
    "validate.list_sep": ("；", "; "),
    # --- end of the validator separator block ---
    # --- the Data page's importer details (helper P, #16 item 7) ---
    # The details an importer's reason carries after its prefix, said in Chinese; the English
    # is the importer's own wording (the page shows it unchanged in English).
    "import.detail.first_at": ("（首次出现在第 {row} 行）", "(first at row {row})"),
    "import.detail.differ": (
        "：第 {rows} 行的{fields}不同",
        "attributes (rows {rows} differ in {fields})",
    ),
    "import.detail.no_grid": (
        "（所属网格 {grid}：没有此编码或唯一名称的网格）",
        "(grid {grid}: no grid has this code or unique name)",
    ),
    "import.detail.merged": (
        "：{what}（第 {rows} 行，共 {n} 行）",
        "{n} rows into 1: {what} (rows {rows}; same code and attributes)",
    ),
    "import.detail.in_grid": ("：网格 {grid}", "without a location in grid {grid}"),
    "import.detail.allowed": ("（允许：", "(allowed: "),
    # Between the parts of a coordinate system's fit (inside, distance, usable).
    "import.fit.sep": ("，", ", "),
    # The columns the rejects CSV adds in Chinese beside the importer's reason and action.
    "import.rejects.reason": ("原因", "reason"),
    "import.rejects.action": ("处理", "action"),
    # --- end of the Data page's importer details block ---
    # --- departments (helper E) ---
    # The department layer (多网合一, #18): its name in the layer lists, what one unit is
    # called, the importer's notes and the Data page's department-name input.
    "layer.departments": ("部门网格", "Department layer"),
    "import.noun.departments": ("部门网格单元", "department unit"),
    "import.note.merged.departments": (
        "{rows} 行合并为 {n} 个部门网格单元（同一编码、属性一致，视为多部件面）：{codes}",
        "merged {rows} rows into {n} department unit(s): {codes} (same code and attributes: "
        "parts of one multipart polygon)",
    ),
    "import.note.department": (
        "已保存为部门「{department}」的第 {version} 版（{units} 个单元）；旧版本保留",
        "stored as version {version} of department {department!r} ({units} units); older "
        "versions are kept",
    ),
    "data.department.name": ("部门名称", "Department name"),
    "data.department.help": (
        "这些单元属于哪个部门，例如 公安分局（派出所）、城市管理执法局。与责任清单中的部门名称"
        "一致时，该部门网格即负责清单中的事项。同名再次导入将保存为该部门的新版本。",
        "The department these units belong to, e.g. 公安分局（派出所） or 'NYPD precincts'. "
        "Named as in the responsibility table, the layer answers for that department's "
        "categories. Importing again under the same name stores a new version.",
    ),
    "data.department.known": ("已有部门：{names}", "Departments already here: {names}"),
    "data.department.missing": (
        "请填写部门名称后再导入",
        "Enter the department's name to import",
    ),
    # `gridmap fuse` (the findings themselves are helper D's fusion.* sentences).
    "fusion.cli.header": (
        "部门「{department}」第 {version} 版：{units} 个单元，涉及 {grids} 个基础网格（用时 {seconds} 秒）",
        "department {department!r} version {version}: {units} units over {grids} basic grids "
        "({seconds} s)",
    ),
    "fusion.cli.misaligned": (
        "错位单元（错位面积最大的 {n} 个，共 {total} 个）：编码、名称、错位比例、错位面积、涉及户数",
        "misaligned units ({n} largest of {total}): code, name, misaligned share, area, households",
    ),
    "fusion.cli.written": ("已写出 {path}", "wrote {path}"),
    # --- end of the departments block (helper E) ---
}
