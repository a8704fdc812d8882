"""No import cycles inside the package, counting every import the source names: at
module level, inside functions and under ``if TYPE_CHECKING:``. A cycle hidden behind a
function-level import is still a cycle in the design (and an import-order trap)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import humangate

PACKAGE = Path(humangate.__file__).parent


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def _is_moved_alias(path: Path) -> bool:
    """An old import path kept for compatibility: it only aliases the moved module."""
    return "sys.modules[__name__] = _moved" in path.read_text("utf-8")


ALIASES = {name for name, path in MODULES.items() if _is_moved_alias(path)}


def _imports(name: str) -> set[str]:
    """The humangate modules ``name`` imports anywhere in its source."""
    path = MODULES[name]
    tree = ast.parse(path.read_text("utf-8"), str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                found.add(submodule if submodule in MODULES else base)
    return {module for module in found if module in MODULES and module != name}


GRAPH = {name: _imports(name) for name in MODULES}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component: list[str] = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_graph_is_read() -> None:
    # Guards the test itself: an empty graph would have no cycles either.
    assert "humangate.config" in GRAPH["humangate.engine.parts"]
    assert "humangate.effects" in GRAPH["humangate.engine.core"]


def test_no_import_cycles() -> None:
    assert _cycles(GRAPH) == []


def test_a_cycle_is_found() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(graph) == [["a", "b", "c"]]


@pytest.mark.parametrize("name", sorted(set(MODULES) - ALIASES))
def test_the_package_does_not_import_its_old_paths(name: str) -> None:
    assert GRAPH[name] & ALIASES == set()
