"""No import cycles between flowsim's modules, lazy (function-level) imports included.

Imports under ``if TYPE_CHECKING:`` are for type hints only and do not count. An import of
``flowsim.a.b`` is an edge to module ``flowsim.a.b`` (a package's ``__init__`` counts as the
package's module); ``from flowsim.a import b`` is an edge to ``flowsim.a.b`` when ``b`` is a
submodule, else to ``flowsim.a``.
"""

from __future__ import annotations

import ast
from pathlib import Path

from source_imports import runtime_imports

SRC = Path(__file__).resolve().parents[1] / "src"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {_module_name(p): p for p in (SRC / "flowsim").rglob("*.py")}


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in runtime_imports(path):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name in MODULES)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                if sub in MODULES:
                    found.add(sub)
                elif node.module in MODULES:
                    found.add(node.module)
    return found


def import_graph() -> dict[str, set[str]]:
    """Module -> flowsim modules it imports (at run time)."""
    return {name: _imports(path) - {name} for name, path in MODULES.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_the_cycle_finder_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_cycles():
    found = cycles(import_graph())
    assert not found, "import cycles: " + "; ".join(" <-> ".join(c) for c in found)


def _package(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def test_no_cycles_between_packages():
    # flowsim.a.x importing flowsim.b.y runs flowsim/b/__init__ first: packages must not
    # depend on each other in a circle either (lazy imports included)
    graph: dict[str, set[str]] = {}
    for module, imported in import_graph().items():
        src = _package(module)
        graph.setdefault(src, set()).update(_package(m) for m in imported if _package(m) != src)
    found = cycles(graph)
    assert not found, "package cycles: " + "; ".join(" <-> ".join(c) for c in found)
