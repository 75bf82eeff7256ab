"""One-way imports: only gridmap/ui imports streamlit; pages hold no analytics."""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TypeVar

ROOT = Path(__file__).resolve().parent.parent
V = TypeVar("V")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_streamlit_only_inside_gridmap_ui() -> None:
    offenders = [
        str(p.relative_to(ROOT))
        for p in (ROOT / "gridmap").rglob("*.py")
        if "ui" not in p.relative_to(ROOT / "gridmap").parts[:1]
        and "streamlit" in imported_modules(p)
    ]
    assert offenders == []


def test_pages_call_the_library_through_gridmap_ui() -> None:
    analytics = {"geopandas", "shapely", "h3", "h3ronpy", "pyogrio", "numpy", "scipy", "esda"}
    offenders = {
        str(p.relative_to(ROOT)): sorted(imported_modules(p) & analytics)
        for p in [ROOT / "app.py", *(ROOT / "app_pages").glob("*.py")]
        if imported_modules(p) & analytics
    }
    assert offenders == {}


def test_only_indexing_knows_h3() -> None:
    offenders = [
        str(p.relative_to(ROOT))
        for p in (ROOT / "gridmap").rglob("*.py")
        if p.name != "indexing.py" and {"h3", "h3ronpy"} & imported_modules(p)
    ]
    assert offenders == []


# -- gridmap's own layering ------------------------------------------------------------------
#
# The import graph is read from the code, not from a running interpreter: every ``import`` and
# ``from ... import`` anywhere in a module counts, at module level or inside a function (and
# under ``if TYPE_CHECKING:``). A function-level import is a dependency all the same, merely
# paid later; the cycle between gridmap.security and gridmap.store (#16) was closed by exactly
# such lazy imports, so not counting them would let a cycle hide behind one. The structure hook
# (/work/shared/hooks/structure.py) counts them too.
#
# Resolution: relative imports are made absolute; ``from pkg import name`` is an edge to the
# module ``pkg.name`` when there is one, else to ``pkg`` itself (its ``__init__``). Python also
# runs a package's ``__init__`` before any of its submodules; that implicit parent edge is not
# counted (a package re-exporting its submodules is not a cycle).

#: Import cycles known and accepted for now, each with its reason. The test fails on any other
#: cycle, and on an entry here that no longer exists (remove it then).
ALLOWED_CYCLES: dict[frozenset[str], str] = {
    # #16: ``Workspace(location)`` in store.base picks its backend class (a function-level
    # import of .gpkg or .postgis in ``Workspace.__new__``), and the backends subclass
    # Workspace. Breaking it takes either a factory function instead of ``Workspace(...)``
    # (called in ui/, app_pages/, cli.py and importing/, all being reworked under #16) or
    # importing both backends whenever gridmap.store is (pyogrio and pyarrow.csv on every
    # start). Inside one package and never hit at import time.
    frozenset({"gridmap.store.base", "gridmap.store.gpkg", "gridmap.store.postgis"}): (
        "Workspace(location) dispatches to its backend subclasses"
    ),
}


def within(module: str, package: str) -> bool:
    """Whether ``module`` is ``package`` or one of its submodules."""
    return module == package or module.startswith(package + ".")


def package_modules(root: Path, package: str = "gridmap") -> dict[str, Path]:
    """Dotted module name -> file, for every module of ``package`` under ``root``."""
    modules = {}
    for path in sorted((root / package).rglob("*.py")):
        rel = path.relative_to(root).with_suffix("")
        parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
        modules[".".join(parts)] = path
    return modules


def internal_imports(name: str, path: Path, modules: dict[str, Path]) -> dict[str, int]:
    """The package's modules that module ``name`` imports -> the line of the first import."""

    def owner(dotted: str) -> str | None:
        # ``gridmap.store.base.is_url`` -> ``gridmap.store.base``: the longest module prefix.
        while dotted and dotted not in modules:
            dotted = dotted.rpartition(".")[0]
        return dotted or None

    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    edges: dict[str, int] = {}
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            source = node.module or ""
            if node.level:
                parts = package.split(".")
                base = parts[: len(parts) - node.level + 1]
                source = ".".join([*base, *([node.module] if node.module else [])])
            targets = [
                f"{source}.{a.name}" if f"{source}.{a.name}" in modules else source
                for a in node.names
            ]
        else:
            continue
        for target in targets:
            module = owner(target)
            if module is not None and module != name:
                edges[module] = min(edges.get(module, node.lineno), node.lineno)
    return edges


def import_graph(root: Path, package: str = "gridmap") -> dict[str, dict[str, int]]:
    """Module -> {imported module of the same package: line}."""
    modules = package_modules(root, package)
    return {name: internal_imports(name, path, modules) for name, path in modules.items()}


def import_cycles(graph: dict[str, dict[str, int]]) -> list[frozenset[str]]:
    """Groups of modules that import each other, directly or round a loop (Tarjan's strongly
    connected components of more than one module), iteratively so depth is no limit."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[frozenset[str]] = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, {})))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.add(member)
                    if member == node:
                        break
                if len(group) > 1:
                    found.append(frozenset(group))
    return found


def describe_cycle(group: frozenset[str], graph: dict[str, dict[str, int]], root: Path) -> str:
    """Every import inside the cycle, as ``file:line imports module``."""
    modules = package_modules(root)
    lines = [
        f"  {modules[a].relative_to(root)}:{graph[a][b]} imports {b}"
        for a in sorted(group)
        for b in sorted(graph[a])
        if b in group
    ]
    return " <-> ".join(sorted(group)) + "\n" + "\n".join(lines)


def test_cycle_finder_sees_relative_and_function_level_imports(tmp_path: Path) -> None:
    """A lazy relative import that closes a loop is a cycle; a one-way chain is not."""
    pkg = tmp_path / "gridmap"
    (pkg / "store").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "store" / "__init__.py").write_text("from .base import Workspace\n")
    (pkg / "store" / "base.py").write_text("from ..errors import Oops\nclass Workspace: ...\n")
    (pkg / "errors.py").write_text("class Oops(Exception): ...\n")
    (pkg / "security.py").write_text("from gridmap.store import Workspace\n")
    assert import_cycles(import_graph(tmp_path)) == []

    (pkg / "store" / "base.py").write_text(
        "from ..errors import Oops\nclass Workspace:\n    def f(self):\n"
        "        from .. import security\n"
    )
    graph = import_graph(tmp_path)
    cycles = import_cycles(graph)
    assert cycles == [frozenset({"gridmap.store", "gridmap.store.base", "gridmap.security"})]
    assert "gridmap/store/base.py:4 imports gridmap.security" in describe_cycle(
        cycles[0], graph, tmp_path
    )


def test_no_import_cycles_among_gridmap_modules() -> None:
    graph = import_graph(ROOT)
    cycles = import_cycles(graph)
    unexpected = [describe_cycle(c, graph, ROOT) for c in cycles if c not in ALLOWED_CYCLES]
    assert not unexpected, "import cycles:\n" + "\n".join(unexpected)
    stale = [" <-> ".join(sorted(c)) for c in ALLOWED_CYCLES if c not in cycles]
    assert not stale, f"allowed cycles that are gone (remove them from ALLOWED_CYCLES): {stale}"


def test_store_never_imports_security() -> None:
    """Users and the audit log are stored in the workspace: security is a layer above the
    store. Nothing the store imports, directly or through another module, is security."""
    graph = import_graph(ROOT)
    came_from: dict[str, str] = {}
    todo = [m for m in graph if within(m, "gridmap.store")]
    seen = set(todo)
    while todo:
        module = todo.pop()
        for target in graph[module]:
            if target not in seen:
                seen.add(target)
                came_from[target] = module
                todo.append(target)
    reached = sorted(m for m in seen if within(m, "gridmap.security"))
    paths = []
    for module in reached:
        path = [module]
        while path[-1] in came_from:
            path.append(came_from[path[-1]])
        paths.append(" -> ".join(reversed(path)))
    assert paths == []


# -- the layer order (#16) -------------------------------------------------------------------
#
# gridmap's modules in layers, bottom to top. A module may import modules of its own layer and
# of the layers below, never of a layer above; every import counts, at module level or inside
# a function (see above). Read from the code at #16 and from DESIGN.md §4 ("data flows one
# way, and imports follow it"):
#
#  1 foundation   errors, schema (names and vocabularies), strict_json, memo, i18n, config and
#                 the package's own __init__ (``__version__``): no gridmap imports but these.
#  2 core         crs, joins, indexing (the only H3), hierarchy, io (file formats, mappings),
#                 basemap (map style): pure functions on frames and geometries.
#  3 checks       validate: the rules a grid layer must meet, on frames.
#  4 analytics    frames in, frames out: never a workspace, a file, a user or a widget.
#  5 presentation viz: pydeck layers and colour scales from frames.
#  6 store        the workspace and every table in it (users and audit log too), connections.
#  7 effects      what reads or writes a workspace: importing, exporting, archive, checking
#                 (validate a workspace), demo (builds one), report (PDF/PNG of a workspace),
#                 security (users, roles, audit log on top of the store), loading (a
#                 workspace's layers into the frames analytics takes).
#  8 services     use cases composing the layers below: versions (load, save, publish,
#                 compare).
#  9 ui           the Streamlit glue (the only streamlit import).
# 10 cli          the ``gridmap`` command.
#
# The pages (app.py, app_pages/) sit above ui and import only gridmap.ui and the vocabularies
# (i18n, schema); see test_pages_import_only_the_ui. A new top-level module must be placed
# in a layer here (the test says so).
LAYERS: tuple[tuple[str, ...], ...] = (
    (
        "gridmap",
        "gridmap.errors",
        "gridmap.schema",
        "gridmap.strict_json",
        "gridmap.memo",
        "gridmap.i18n",
        "gridmap.config",
    ),
    (
        "gridmap.crs",
        "gridmap.joins",
        "gridmap.indexing",
        "gridmap.hierarchy",
        "gridmap.io",
        "gridmap.basemap",
        "gridmap.tiles",
    ),
    ("gridmap.validate",),
    ("gridmap.analytics",),
    ("gridmap.viz",),
    ("gridmap.store",),
    (
        "gridmap.importing",
        "gridmap.exporting",
        "gridmap.archive",
        "gridmap.checking",
        "gridmap.demo",
        "gridmap.report",
        "gridmap.security",
        "gridmap.loading",
    ),
    ("gridmap.versions", "gridmap.services"),
    ("gridmap.ui",),
    ("gridmap.cli",),
)

#: Upward imports accepted, each ``(importer, imported)`` (a package covers its modules) with
#: its reason. None since #16; ``python tests/test_architecture.py`` lists what is found.
ALLOWED_UPWARD: dict[tuple[str, str], str] = {}

#: What a page may import from gridmap: the UI glue and the vocabularies.
PAGE_MAY_IMPORT = ("gridmap.ui", "gridmap.i18n", "gridmap.schema")
#: Pages importing more than that today, by the top package they reach. #16: the last two,
#: being made thin by their owners (the cockpit page: helper K; the map page: helper N).
ALLOWED_PAGE_IMPORTS: dict[str, frozenset[str]] = {}

MAX_MODULE_LINES = 800
MAX_FUNCTION_LINES = 120
MAX_PAGE_LINES = 250
#: Modules, pages and functions over their limit, each with its reason (none since #16). A
#: function is ``path:qualified.name`` with the path's ``.py`` left off, so that an entry
#: stays matched when a module becomes a package.
ALLOWED_LONG_MODULES: dict[str, str] = {}
ALLOWED_LONG_PAGES: dict[str, str] = {}
ALLOWED_LONG_FUNCTIONS: dict[str, str] = {}


def layer_of(module: str) -> int | None:
    """Index in :data:`LAYERS` of the entry that holds ``module`` (the package ``gridmap``
    holds only its own ``__init__``)."""
    for level, names in enumerate(LAYERS):
        if any(module == name or (name != "gridmap" and within(module, name)) for name in names):
            return level
    return None


def upward_imports(graph: dict[str, dict[str, int]]) -> dict[tuple[str, str], int]:
    """Every import of a module from a higher layer: ``(importer, imported) -> line``."""
    found = {}
    for module, targets in graph.items():
        here = layer_of(module)
        for target, line in targets.items():
            there = layer_of(target)
            if here is not None and there is not None and there > here:
                found[(module, target)] = line
    return found


def _allowed_edge(edge: tuple[str, str]) -> bool:
    return any(within(edge[0], a) and within(edge[1], b) for a, b in ALLOWED_UPWARD)


def page_files(root: Path = ROOT) -> list[Path]:
    return [root / "app.py", *sorted((root / "app_pages").glob("*.py"))]


def beyond(found: Mapping[str, V], allowed: Mapping[str, str]) -> dict[str, V]:
    """The entries of ``found`` (by file or function) that ``allowed`` does not list."""
    return {name: value for name, value in found.items() if name not in allowed}


def parsed_sources(root: Path = ROOT) -> Iterator[tuple[str, ast.Module]]:
    """``(path relative to root, syntax tree)`` of every module of gridmap, then the pages."""
    for path in [*sorted((root / "gridmap").rglob("*.py")), *page_files(root)]:
        yield str(path.relative_to(root)), ast.parse(path.read_text(encoding="utf-8"))


def page_imports(path: Path, root: Path = ROOT) -> dict[str, int]:
    """The gridmap modules a page imports -> first line (same resolution as the modules)."""
    return internal_imports(f"app_pages.{path.stem}", path, package_modules(root))


def page_offences(root: Path = ROOT) -> dict[str, set[str]]:
    """Page -> the gridmap packages it imports beyond :data:`PAGE_MAY_IMPORT`, each named by
    its layer entry (``gridmap.analytics``, ``gridmap.store``, ...)."""
    out: dict[str, set[str]] = {}
    for path in page_files(root):
        for module in page_imports(path, root):
            if any(within(module, ok) for ok in PAGE_MAY_IMPORT):
                continue
            entry = next(
                (n for names in LAYERS for n in names if n != "gridmap" and within(module, n)),
                module,
            )
            out.setdefault(str(path.relative_to(root)), set()).add(entry)
    return out


def long_modules(root: Path = ROOT) -> dict[str, int]:
    sizes = {
        str(p.relative_to(root)): len(p.read_text(encoding="utf-8").splitlines())
        for p in sorted((root / "gridmap").rglob("*.py"))
    }
    return {p: n for p, n in sizes.items() if n > MAX_MODULE_LINES}


def long_pages(root: Path = ROOT) -> dict[str, int]:
    sizes = {
        str(p.relative_to(root)): len(p.read_text(encoding="utf-8").splitlines())
        for p in page_files(root)
    }
    return {p: n for p, n in sizes.items() if n > MAX_PAGE_LINES}


def long_functions(root: Path = ROOT) -> dict[str, int]:
    """``path:qualified.name`` -> lines from ``def`` to the last line, for every function and
    method (nested ones too) of gridmap and the pages over :data:`MAX_FUNCTION_LINES`."""
    found: dict[str, int] = {}

    def walk(node: ast.AST, prefix: str, where: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                name = f"{prefix}{child.name}"
                if not isinstance(child, ast.ClassDef):
                    size = (child.end_lineno or child.lineno) - child.lineno + 1
                    if size > MAX_FUNCTION_LINES:
                        found[f"{where}:{name}"] = size
                walk(child, name + ".", where)
            else:
                walk(child, prefix, where)

    for rel, tree in parsed_sources(root):
        walk(tree, "", rel)
    return found


def test_layer_finder_sees_an_upward_function_level_import(tmp_path: Path) -> None:
    """A lazy import of the store from analytics is as upward as one at the top."""
    pkg = tmp_path / "gridmap"
    (pkg / "analytics").mkdir(parents=True)
    (pkg / "store").mkdir()
    for init in (pkg, pkg / "analytics", pkg / "store"):
        (init / "__init__.py").write_text("")
    (pkg / "schema.py").write_text("CODE = 'code'\n")
    (pkg / "store" / "base.py").write_text("from ..schema import CODE\n")
    (pkg / "analytics" / "risk.py").write_text(
        "from .. import schema\n\ndef scores():\n    from ..store import base\n"
    )
    up = upward_imports(import_graph(tmp_path))
    assert up == {("gridmap.analytics.risk", "gridmap.store.base"): 4}


def test_every_module_has_a_layer() -> None:
    unplaced = sorted(m for m in package_modules(ROOT) if layer_of(m) is None)
    assert unplaced == [], f"place these modules in LAYERS (tests/test_architecture.py): {unplaced}"


def test_no_upward_imports() -> None:
    """Imports follow the layer order of :data:`LAYERS`, module- and function-level."""
    modules = package_modules(ROOT)
    found = upward_imports(import_graph(ROOT))
    bad = [
        f"{modules[a].relative_to(ROOT)}:{line} imports {b} (layer {layer_of(b)} > {layer_of(a)})"
        for (a, b), line in sorted(found.items())
        if not _allowed_edge((a, b))
    ]
    assert bad == [], "upward imports:\n" + "\n".join(bad)


def test_analytics_is_frames_in_frames_out() -> None:
    """Spelled out apart from the layer order, as the issue states it: analytics imports
    nothing of the store, importing, exporting, security, ui or cli."""
    barred = (
        *("gridmap.store", "gridmap.importing", "gridmap.exporting", "gridmap.security"),
        *("gridmap.ui", "gridmap.cli", "gridmap.archive", "gridmap.report", "gridmap.loading"),
        *("gridmap.versions",),
    )
    bad = sorted(
        (a, b)
        for a, targets in import_graph(ROOT).items()
        if within(a, "gridmap.analytics")
        for b in targets
        if any(within(b, x) for x in barred) and not _allowed_edge((a, b))
    )
    assert bad == []


def test_pages_import_only_the_ui() -> None:
    """Pages compose gridmap.ui; the side-effect layers are reached only through it."""
    bad = {
        page: sorted(found - ALLOWED_PAGE_IMPORTS.get(page, frozenset()))
        for page, found in page_offences().items()
        if found - ALLOWED_PAGE_IMPORTS.get(page, frozenset())
    }
    assert bad == {}, f"pages importing beyond {PAGE_MAY_IMPORT}: {bad}"


def test_no_module_over_800_lines() -> None:
    bad = beyond(long_modules(), ALLOWED_LONG_MODULES)
    assert bad == {}


def test_no_page_over_250_lines() -> None:
    bad = beyond(long_pages(), ALLOWED_LONG_PAGES)
    assert bad == {}


def _allowed_function(found: str) -> bool:
    path, _, name = found.partition(":")
    return any(
        name == allowed_name and path.startswith(allowed_path)
        for allowed_path, _, allowed_name in (a.partition(":") for a in ALLOWED_LONG_FUNCTIONS)
    )


def test_no_function_over_120_lines() -> None:
    bad = {f: n for f, n in long_functions().items() if not _allowed_function(f)}
    assert bad == {}


#: Where the library reads the environment. Settings are read at the edges — the app's start
#: (gridmap/ui, gridmap/ui/settings.py) and the command line (gridmap/cli) — and passed in
#: (gridmap.config.Environment names the variables); elsewhere only these, by function.
ALLOWED_ENVIRONMENT_READS: dict[str, str] = {
    # The platform's convention for where a user's caches go (the XDG base directories), not
    # a setting of gridmap's: read where the cache folder is chosen.
    "gridmap/report/fonts.py:cache_dir": "XDG_CACHE_HOME: the platform's cache folder",
}


def environment_reads(root: Path = ROOT) -> set[str]:
    """``path:function`` of every ``os.environ`` / ``os.getenv`` in gridmap outside the edges
    (``path:<module>`` at module level)."""
    found: set[str] = set()

    def walk(node: ast.AST, path: str, scope: str) -> None:
        for child in ast.iter_child_nodes(node):
            inner = scope
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                inner = child.name if scope == "<module>" else f"{scope}.{child.name}"
            elif (
                isinstance(child, ast.Attribute)
                and child.attr in {"environ", "getenv"}
                and isinstance(child.value, ast.Name)
                and child.value.id == "os"
            ):
                found.add(f"{path}:{scope}")
            walk(child, path, inner)

    for file in sorted((root / "gridmap").rglob("*.py")):
        rel = file.relative_to(root)
        if rel.parts[1] not in {"ui", "cli"}:
            walk(ast.parse(file.read_text(encoding="utf-8")), str(rel), "<module>")
    return found


def test_settings_are_read_at_the_edges() -> None:
    bad = sorted(environment_reads() - set(ALLOWED_ENVIRONMENT_READS))
    assert bad == [], f"environment read deep in the library (pass the value in): {bad}"


#: Lists of layer kinds spelled out outside gridmap/schema.py (the kinds are defined there
#: once: ``schema.Layer``, ``SPATIAL_LAYERS``, ``LAYER_KINDS``, ``IMPORT_MENU``), each with
#: its reason. None since #16.
ALLOWED_LAYER_LISTS: dict[str, str] = {}


def layer_lists(root: Path = ROOT) -> dict[str, int]:
    """Modules (and pages) with a tuple, list or set literal naming three or more layer kinds
    as bare strings -> the first such line."""
    kinds = {"admin", "grids", "units", "incidents", "cameras", "keyareas"}
    found: dict[str, int] = {}
    for rel, tree in parsed_sources(root):
        if rel == "gridmap/schema.py" or rel.startswith("gridmap/i18n/"):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Tuple | ast.List | ast.Set):
                named = {e.value for e in node.elts if isinstance(e, ast.Constant)}
                if len(named & kinds) >= 3:
                    found[rel] = min(found.get(rel, node.lineno), node.lineno)
    return found


def test_layer_kinds_are_defined_once() -> None:
    bad = beyond(layer_lists(), ALLOWED_LAYER_LISTS)
    assert bad == {}, f"layer kinds spelled out (use gridmap.schema's): {bad}"


#: Writers of audit entries that spell the action as a string, each with its reason (each
#: action is a constant of ``gridmap.schema.AuditAction``). None since #16.
ALLOWED_AUDIT_LITERALS: dict[str, str] = {}


def audit_literals(root: Path = ROOT) -> dict[str, list[int]]:
    """Files -> lines of audit entries written with a string for the action: ``audit(path,
    "export", ...)`` (gridmap.ui.auth) or ``….append("login", user=...)`` (AuditLog)."""
    found: dict[str, list[int]] = {}
    for rel, tree in parsed_sources(root):
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func, args = node.func, node.args
            helper = isinstance(func, ast.Name) and func.id == "audit" and len(args) >= 2
            append = (
                isinstance(func, ast.Attribute)
                and func.attr == "append"
                and len(args) >= 1
                and any(k.arg == "user" for k in node.keywords)
            )
            action = args[1] if helper else args[0] if append else None
            if isinstance(action, ast.Constant) and isinstance(action.value, str):
                found.setdefault(rel, []).append(node.lineno)
    return found


def test_audit_actions_are_named_once() -> None:
    bad = beyond(audit_literals(), ALLOWED_AUDIT_LITERALS)
    assert bad == {}, f"audit actions as strings (use gridmap.schema.AuditAction): {bad}"


#: Admin codes cut by hand (``code[:9]``, ``code[-3:]``) instead of with gridmap.hierarchy's
#: ``county_code`` / ``street_code`` / ``grid_suffix`` / ``grid_number``, each with its reason.
#: None since #16.
ALLOWED_CODE_CUTS: dict[str, str] = {}


def code_cuts(root: Path = ROOT) -> dict[str, list[int]]:
    """Files -> lines slicing something at an admin-code boundary: ``[:6]``, ``[:9]``,
    ``[:12]`` or ``[-3:]`` (other slices are left alone)."""
    found: dict[str, list[int]] = {}
    for rel, tree in parsed_sources(root):
        if rel == "gridmap/hierarchy.py":
            continue
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Slice)):
                continue
            cut = node.slice
            if cut.step is not None or ast.unparse(node.value).endswith("hexdigest()"):
                continue  # a digest (``sha1(...).hexdigest()[:12]``) is no code
            bound = cut.upper if cut.lower is None else cut.lower if cut.upper is None else None
            if bound is not None and ast.unparse(bound) in (
                {"6", "9", "12"} if bound is cut.upper else {"-3"}
            ):
                found.setdefault(rel, []).append(node.lineno)
    return found


def test_admin_codes_are_cut_in_one_place() -> None:
    bad = beyond(code_cuts(), ALLOWED_CODE_CUTS)
    assert bad == {}, f"admin codes cut by hand (use gridmap.hierarchy's functions): {bad}"


def shrinking_lists() -> str:
    """What is left of each #16 allow-list, and which entries are gone (remove them)."""
    up = upward_imports(import_graph(ROOT))
    pages = page_offences()
    lines = [f"upward imports: {len(up)}"]
    lines += [f"  {a} -> {b}" for a, b in sorted(up)]
    lines += [
        f"  gone, remove from ALLOWED_UPWARD: {a} -> {b}"
        for a, b in ALLOWED_UPWARD
        if not any(within(x, a) and within(y, b) for x, y in up)
    ]
    lines.append(f"pages importing beyond the ui: {sum(len(v) for v in pages.values())}")
    lines += [f"  {p}: {', '.join(sorted(v))}" for p, v in sorted(pages.items())]
    for page, allowed_here in ALLOWED_PAGE_IMPORTS.items():
        if gone := allowed_here - pages.get(page, set()):
            lines.append(f"  gone, remove from ALLOWED_PAGE_IMPORTS: {page}: {sorted(gone)}")
    for title, now, allowed in (
        (f"modules over {MAX_MODULE_LINES} lines", long_modules(), ALLOWED_LONG_MODULES),
        (f"pages over {MAX_PAGE_LINES} lines", long_pages(), ALLOWED_LONG_PAGES),
    ):
        lines.append(f"{title}: {len(now)}")
        lines += [f"  {n:5d} {name}" for name, n in sorted(now.items(), key=lambda x: -x[1])]
        lines += [f"  gone, remove from the allow-list: {n}" for n in allowed if n not in now]
    functions = long_functions()
    lines.append(f"functions over {MAX_FUNCTION_LINES} lines: {len(functions)}")
    lines += [f"  {n:5d} {f}" for f, n in sorted(functions.items(), key=lambda x: -x[1])]
    for allowed_function in ALLOWED_LONG_FUNCTIONS:
        path, _, name = allowed_function.partition(":")
        if not any(f.startswith(path) and f.endswith(":" + name) for f in functions):
            lines.append(f"  gone, remove from ALLOWED_LONG_FUNCTIONS: {allowed_function}")
    spelled = layer_lists()
    lines.append(f"layer kinds spelled out outside schema: {len(spelled)}")
    lines += [f"  {p}:{line}" for p, line in sorted(spelled.items())]
    lines += [
        f"  gone, remove from ALLOWED_LAYER_LISTS: {p}"
        for p in ALLOWED_LAYER_LISTS
        if p not in spelled
    ]
    literal = audit_literals()
    lines.append(f"audit actions written as strings: {sum(map(len, literal.values()))}")
    lines += [f"  {p}: lines {lines_}" for p, lines_ in sorted(literal.items())]
    lines += [
        f"  gone, remove from ALLOWED_AUDIT_LITERALS: {p}"
        for p in ALLOWED_AUDIT_LITERALS
        if p not in literal
    ]
    cuts = code_cuts()
    lines.append(f"admin codes cut by hand: {sum(map(len, cuts.values()))}")
    lines += [f"  {p}: lines {sorted(at)}" for p, at in sorted(cuts.items())]
    lines += [
        f"  gone, remove from ALLOWED_CODE_CUTS: {p}" for p in ALLOWED_CODE_CUTS if p not in cuts
    ]
    reads = environment_reads()
    lines.append(f"environment read outside the edges: {len(reads)}")
    lines += [f"  {r}" for r in sorted(reads)]
    lines += [
        f"  gone, remove from ALLOWED_ENVIRONMENT_READS: {r}"
        for r in ALLOWED_ENVIRONMENT_READS
        if r not in reads
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    # `.venv/bin/python tests/test_architecture.py`: how the #16 allow-lists shrink.
    print(shrinking_lists())
