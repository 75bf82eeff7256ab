"""One-way imports: only gridmap/ui imports streamlit; pages hold no analytics."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


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
