"""The package's layering rules (docs/architecture.md), checked on the source's imports.

Imports under ``if TYPE_CHECKING:`` are for type hints only and do not count.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from source_imports import runtime_imports

SRC = Path(__file__).resolve().parents[1] / "src" / "flowsim"

#: Layer of each top-level package: a package may import packages of its layer or below.
RANK: dict[str, int] = {
    "errors": 0,
    "rng": 0,
    "draws": 0,
    "vocab": 0,
    "calendar": 0,
    "tables": 0,
    "parameters": 1,
    "results": 1,  # results reads and writes files only
    "policies": 2,  # policy families: file schema and runtime; the world only as a type
    "world": 3,  # world tables; reads a scenario's overrides, typed only
    "scenario": 4,  # scenario files, checked against the world
    "population": 5,
    "agents": 6,
    "model": 7,
    "engine": 8,
    "experiment": 8,
    "analysis": 9,
    "calibration": 9,
    "dashboard": 10,
    "cli": 11,
}
#: Deliberate exceptions (none at present).
EXCEPTIONS: set[tuple[str, str]] = set()
#: analysis reads results files only: it never imports the model, engine or results store
ANALYSIS_ALLOWED = {"errors", "tables", "calendar", "vocab"}
MESA_ALLOWED = {"agents.py", "model/model.py", "dashboard/app.py", "dashboard/live.py"}


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in runtime_imports(path):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module == "flowsim":
            names.update(f"flowsim.{a.name}" for a in node.names if a.name in RANK)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


FILES = sorted(SRC.rglob("*.py"))


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(SRC)))
def test_layers(path: Path) -> None:
    rel = path.relative_to(SRC)
    package = rel.parts[0].removesuffix(".py")
    for name in _imports(path):
        parts = name.split(".")
        if parts[0] == "mesa":
            assert str(rel) in MESA_ALLOWED, f"{rel} imports mesa (only {sorted(MESA_ALLOWED)})"
        if parts[0] != "flowsim" or len(parts) < 2 or parts[1] in (package, "__init__"):
            continue
        other = parts[1]
        if package == "analysis":
            ok = other in ANALYSIS_ALLOWED
        else:
            ok = RANK[other] <= RANK[package] or (package, other) in EXCEPTIONS
        assert ok, f"{rel} imports {name}: layer '{package}' must not depend on '{other}'"
