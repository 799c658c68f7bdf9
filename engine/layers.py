"""The package layers of engine and a checker for the direction of its imports.

Not a pipeline stage: the rule every stage obeys. Packages are ranked in the order of
DESIGN.md; a module may import its own package and packages of a lower rank. Packages that
share a rank (volatility / structure / breakeven; execution / risk) are peers and may import
each other only where that makes no cycle (``find_cycles`` reports one). Every import
counts, at module level or inside a function; one under ``if TYPE_CHECKING:`` is recorded
with ``type_checking=True`` and allowed, since it never runs. engine never imports
xlbridge.

``scripts/import_graph.py`` prints the graph; ``tests/unit/test_import_direction.py`` fails
on an upward import or a cycle.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

# lowest first; "base" is engine's own top-level modules (errors, home, layers, yaml_text, __init__).
# "synthetic" is engine.data.synthetic: the market generator is a data source that prices its
# chains with Black-76, so it sits above pricing while the store and importers sit below.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("base", "workbook"),
    ("domain",),
    ("data",),
    ("pricing",),
    ("synthetic",),
    ("market",),
    ("volatility", "structure", "breakeven"),
    ("config",),
    ("strategy",),
    ("execution", "risk"),
    ("results",),
    ("simulation",),
    ("analytics",),
    ("api",),
    ("cli",),
)
RANK: dict[str, int] = {name: rank for rank, names in enumerate(LAYERS) for name in names}
FORBIDDEN = ("xlbridge", "xlwings", "fastapi", "uvicorn")


@dataclass(frozen=True)
class ImportEdge:
    """One import statement: where it is, what it names, and the packages at both ends."""

    where: str          # path:line
    source: str         # importing module, dotted
    target: str         # imported module, dotted
    src_pkg: str
    dst_pkg: str
    type_checking: bool
    in_function: bool


def package_of(module: str) -> str:
    """The layer package of a dotted module name under engine (``engine.x.y`` -> ``x``)."""
    parts = module.split(".")
    if parts[0] != "engine":
        return parts[0]
    if len(parts) == 1:
        return "base"
    if parts[1:3] == ["data", "synthetic"]:
        return "synthetic"
    name = parts[1]
    if name in RANK:
        return name
    return "base" if name in {"errors", "home", "layers", "yaml_text", "__init__"} else name


def _module_name(path: Path, root: Path) -> str:
    rel = path.relative_to(root.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


class _Collector(ast.NodeVisitor):
    def __init__(self, module: str, is_package: bool, where: str) -> None:
        self.module = module
        self.is_package = is_package
        self.where = where
        self.targets: list[tuple[int, str, bool, bool]] = []
        self._typing = 0
        self._function = 0

    def visit_If(self, node: ast.If) -> None:
        if _is_type_checking(node.test):
            self._typing += 1
            for child in node.body:
                self.visit(child)
            self._typing -= 1
            for child in node.orelse:
                self.visit(child)
        else:
            self.generic_visit(node)

    def _visit_function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self._function += 1
        self.generic_visit(node)
        self._function -= 1

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self._visit_function(node)

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> None:
        self._visit_function(node)

    def _add(self, line: int, target: str) -> None:
        self.targets.append((line, target, self._typing > 0, self._function > 0))

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._add(node.lineno, alias.name)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.level:
            base = self.module.split(".")
            drop = node.level - (1 if self.is_package else 0)
            base = base[: len(base) - drop] if drop else base
            target = ".".join([*base, node.module] if node.module else base)
        else:
            target = node.module or ""
        self._add(node.lineno, target)


def collect_edges(engine_dir: Path) -> list[ImportEdge]:
    """Every import of every module under ``engine_dir``, engine-internal or forbidden."""
    edges: list[ImportEdge] = []
    for path in sorted(engine_dir.rglob("*.py")):
        module = _module_name(path, engine_dir)
        where = path.relative_to(engine_dir.parent).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=where)
        collector = _Collector(module, path.name == "__init__.py", where)
        collector.visit(tree)
        for line, target, typing_only, in_function in collector.targets:
            top = target.split(".")[0]
            if top != "engine" and top not in FORBIDDEN:
                continue
            edges.append(ImportEdge(f"{where}:{line}", module, target, package_of(module),
                                    package_of(target), typing_only, in_function))
    return edges


def violations(edges: Iterable[ImportEdge]) -> list[ImportEdge]:
    """Imports that run upward (to a higher rank) or reach outside engine where it must not."""
    bad = []
    for e in edges:
        if e.dst_pkg in FORBIDDEN:
            bad.append(e)
        elif e.type_checking or e.src_pkg == e.dst_pkg:
            continue
        elif e.src_pkg not in RANK or e.dst_pkg not in RANK or RANK[e.dst_pkg] > RANK[e.src_pkg]:
            bad.append(e)
    return bad


def package_graph(edges: Iterable[ImportEdge]) -> dict[str, set[str]]:
    """Package -> the packages it imports at run time (TYPE_CHECKING imports left out)."""
    graph: dict[str, set[str]] = {}
    for e in edges:
        graph.setdefault(e.src_pkg, set())
        if not e.type_checking and e.src_pkg != e.dst_pkg and e.dst_pkg not in FORBIDDEN:
            graph[e.src_pkg].add(e.dst_pkg)
    return graph


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Each cycle of the package graph once, as a closed path (``[a, b, a]``)."""
    cycles: list[list[str]] = []
    seen: set[frozenset[str]] = set()

    def walk(node: str, path: list[str]) -> None:
        for nxt in sorted(graph.get(node, ())):
            if nxt == path[0]:
                key = frozenset(path)
                if key not in seen:
                    seen.add(key)
                    cycles.append([*path, nxt])
            elif nxt not in path and nxt > path[0]:
                walk(nxt, [*path, nxt])

    for start in sorted(graph):
        walk(start, [start])
    return cycles
