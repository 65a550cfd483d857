"""The import rule (docs/architecture/index.md, "Layers and the import rule"), checked on the source.

Every ``import`` of the first-party packages is read with ``ast``, the ones inside functions included, and
the test fails on:

* a cycle between modules (a function-level import that dodges one counts: the cycle is still there);
* an upward import: an app imports only its own modules, the apps of the layers below it and the
  project's shared plumbing (``SHARED``), which itself imports no app;
* a function-level import across apps outside ``AppConfig.ready()`` and ``if TYPE_CHECKING:``.

Imports under ``TYPE_CHECKING`` never run, so they count for none of these.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Bottom first. An app may import the apps of lower layers, never those of its own layer or above.
LAYERS: list[set[str]] = [
    {"marketing"},  # brands, campaigns, videos, viewers, interactions, ingestion, jobs
    {"compliance", "adplatforms"},  # copy screening; ad-platform spend and metrics
    {"analytics"},  # rollups, KPIs, reports, personas
    {"recommendations"},
    {"workspace", "demo"},  # the admin dashboards: read several apps; the demo world of `make run`
    {"reelboard"},  # the project: settings, URLs, the Celery app, the GraphQL view
]
RANK = {app: rank for rank, apps in enumerate(LAYERS) for app in apps}
# Project plumbing every app may use (the replica router, log context): these import no app.
SHARED = {"reelboard.db_router", "reelboard.observability"}

# Imports other parts of issue 16 remove, each with the reason it is still here. Listed exactly, so nothing
# else slips in, and a test fails once one of them is gone (then delete it here).
PENDING: dict[tuple[str, str], str] = {}


@dataclass(frozen=True)
class Import:
    importer: str
    imported: str
    path: str
    line: int
    in_function: bool
    in_ready: bool

    def __str__(self) -> str:
        where = " (inside a function)" if self.in_function else ""
        return f"{self.path}:{self.line}: {self.importer} imports {self.imported}{where}"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def first_party_modules() -> dict[str, Path]:
    modules = {}
    for app in RANK:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" not in path.parts:
                modules[_module_name(path)] = path
    return modules


class _Collector(ast.NodeVisitor):
    def __init__(self, module: str, is_package: bool, path: str, modules: dict[str, Path]) -> None:
        self.module, self.is_package, self.path, self.modules = module, is_package, path, modules
        self.scopes: list[str] = []  # enclosing function names ("" for a class)
        self.imports: list[Import] = []

    def visit_If(self, node: ast.If) -> None:
        test = node.test
        if (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
                isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"):
            for child in node.orelse:  # the body never runs
                self.visit(child)
            return
        self.generic_visit(node)

    def visit_FunctionDef(self, node) -> None:
        self.scopes.append(node.name)
        self.generic_visit(node)
        self.scopes.pop()

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self.scopes.append("")
        self.generic_visit(node)
        self.scopes.pop()

    def _known(self, name: str) -> str | None:
        while name and name not in self.modules:
            name = name.rpartition(".")[0]
        return name or None

    def _add(self, node: ast.AST, target: str) -> None:
        imported = self._known(target)
        if imported is None or imported == self.module:
            return
        functions = [scope for scope in self.scopes if scope]
        self.imports.append(Import(self.module, imported, self.path, node.lineno, in_function=bool(functions),
                                   in_ready=bool(functions) and functions[-1] == "ready"))

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._add(node, alias.name)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        base = node.module or ""
        if node.level:
            package = self.module.split(".")
            package = package if self.is_package else package[:-1]
            package = package[:len(package) - node.level + 1]
            base = ".".join(package + ([node.module] if node.module else []))
        for alias in node.names:  # ``from a import b`` imports the module a.b when there is one, else a
            full = f"{base}.{alias.name}"
            self._add(node, full if full in self.modules else base)


def all_imports() -> list[Import]:
    modules = first_party_modules()
    imports = []
    for module, path in sorted(modules.items()):
        collector = _Collector(module, path.name == "__init__.py", str(path.relative_to(ROOT)), modules)
        collector.visit(ast.parse(path.read_text(), filename=str(path)))
        imports += dict.fromkeys(collector.imports)  # ``from m import a, b``: one import of m
    return imports


def app_of(module: str) -> str:
    return module.split(".")[0]


def _cycles(imports: list[Import]) -> list[list[Import]]:
    """One cycle (as its imports) per strongly connected group of modules (Tarjan)."""
    edges: dict[str, dict[str, Import]] = {}
    for imp in imports:
        edges.setdefault(imp.importer, {}).setdefault(imp.imported, imp)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[set[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in edges.get(node, {}):
            if target not in index:
                connect(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.add(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(group)

    for node in sorted(edges):
        if node not in index:
            connect(node)
    cycles = []
    for group in groups:  # walk from the group's first module back to it, inside the group
        start = min(group)
        path, seen, node = [], {start}, start
        while True:
            imp = next(imp for target, imp in sorted(edges[node].items()) if target in group
                       and (target == start or target not in seen))
            path.append(imp)
            if imp.imported == start:
                break
            node = imp.imported
            seen.add(node)
        cycles.append(path)
    return cycles


def _upward(imp: Import) -> bool:
    if imp.imported in SHARED:
        return False
    if imp.importer in SHARED:
        return True  # shared plumbing imports no first-party module at all
    low, high = app_of(imp.importer), app_of(imp.imported)
    return low != high and RANK[high] >= RANK[low]


def test_no_import_cycles():
    imports = [imp for imp in all_imports() if not imp.in_ready and (imp.importer, imp.imported) not in PENDING]
    cycles = _cycles(imports)
    assert not cycles, "import cycles (break them: move the shared piece down, call a task by its name, "\
        "or send a signal the other module connects in AppConfig.ready):\n" + "\n\n".join(
            "\n".join(f"  {imp}" for imp in cycle) for cycle in cycles)


def test_apps_import_downward_only():
    upward = [imp for imp in all_imports() if _upward(imp)
              and (imp.importer, imp.imported) not in PENDING]
    assert not upward, "upward imports (layers: " + " < ".join("/".join(sorted(apps)) for apps in LAYERS) \
        + "; seams for reactions going up are signals connected in AppConfig.ready):\n" \
        + "\n".join(f"  {imp}" for imp in upward)


def test_no_function_level_imports_across_apps():
    late = [imp for imp in all_imports() if imp.in_function and not imp.in_ready
            and app_of(imp.importer) != app_of(imp.imported)
            and (imp.importer, imp.imported) not in PENDING]
    assert not late, "function-level imports across apps (import at the top of the module; only " \
        "AppConfig.ready() and `if TYPE_CHECKING:` may import late):\n" + "\n".join(f"  {imp}" for imp in late)


def test_pending_exemptions_are_still_needed():
    present = {(imp.importer, imp.imported) for imp in all_imports()}
    assert set(PENDING) <= present, f"no longer imported, delete from PENDING: {sorted(set(PENDING) - present)}"


def test_the_checker_sees_function_level_and_type_checking_imports(tmp_path, monkeypatch):
    source = (
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from analytics import kpis\n"
        "def f():\n"
        "    from analytics import rollups\n"
        "class C:\n"
        "    def ready(self):\n"
        "        from analytics import tasks\n")
    modules = {"marketing.example": Path("marketing/example.py"), "analytics.kpis": Path("a"),
               "analytics.rollups": Path("b"), "analytics.tasks": Path("c")}
    collector = _Collector("marketing.example", False, "marketing/example.py", modules)
    collector.visit(ast.parse(source))
    assert [(imp.imported, imp.line, imp.in_function, imp.in_ready) for imp in collector.imports] == [
        ("analytics.rollups", 5, True, False), ("analytics.tasks", 8, True, True)]
    assert str(collector.imports[0]) == "marketing/example.py:5: marketing.example imports analytics.rollups " \
                                        "(inside a function)"
    assert _upward(collector.imports[0])
    cycle = _cycles([Import("a.x", "a.y", "a/x.py", 3, False, False), Import("a.y", "a.x", "a/y.py", 9, True, False)])
    assert [(imp.path, imp.line) for imp in cycle[0]] == [("a/x.py", 3), ("a/y.py", 9)]
