"""The layering rules of DESIGN.md section 10, checked on the source's imports.

Imports under ``if TYPE_CHECKING:`` are for type hints only and do not count.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "flowsim"

#: package (top-level module under flowsim) -> flowsim packages it must never import
FORBIDDEN: dict[str, set[str]] = {
    "errors": {"*"},
    "rng": {"*"},
    "calendar": {"*"},
    "tables": {"*"},
    "parameters": {"*"},
    # scenario checks codes and routes against the world when a file is loaded (a lookup,
    # not a dependency on the model); nothing else above it
    "scenario": {
        "population",
        "agents",
        "policies",
        "model",
        "engine",
        "results",
        "analysis",
        "cli",
        "dashboard",
        "calibration",
        "experiment",
    },
    "world": {
        "population",
        "agents",
        "policies",
        "model",
        "engine",
        "results",
        "analysis",
        "cli",
        "dashboard",
        "calibration",
        "experiment",
    },
    "population": {
        "agents",
        "policies",
        "model",
        "engine",
        "results",
        "analysis",
        "cli",
        "dashboard",
        "calibration",
        "experiment",
    },
    "policies": {
        "model",
        "engine",
        "results",
        "analysis",
        "cli",
        "dashboard",
        "calibration",
        "experiment",
    },
    "model": {"engine", "results", "analysis", "cli", "dashboard", "calibration", "experiment"},
    "engine": {"analysis", "cli", "dashboard", "calibration"},
    "results": {
        "population",
        "agents",
        "policies",
        "model",
        "world",
        "scenario",
        "analysis",
        "cli",
        "dashboard",
        "calibration",
    },
    # analysis reads results files only: it never imports the model or the engine
    "analysis": {
        "scenario",
        "world",
        "population",
        "agents",
        "policies",
        "model",
        "engine",
        "results",
        "cli",
        "dashboard",
        "calibration",
        "experiment",
    },
}
MESA_ALLOWED = {"agents.py", "model/model.py", "dashboard/app.py", "dashboard/live.py"}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skip.update(id(n) for n in ast.walk(node))
    names: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


FILES = sorted(SRC.rglob("*.py"))


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(SRC)))
def test_layers(path: Path) -> None:
    rel = path.relative_to(SRC)
    package = rel.parts[0].removesuffix(".py")
    forbidden = FORBIDDEN.get(package, set())
    for name in _imports(path):
        parts = name.split(".")
        if parts[0] == "mesa":
            assert str(rel) in MESA_ALLOWED, f"{rel} imports mesa (only {sorted(MESA_ALLOWED)})"
        if parts[0] != "flowsim" or len(parts) < 2 or parts[1] == package:
            continue
        assert "*" not in forbidden and parts[1] not in forbidden, (
            f"{rel} imports {name}: layer '{package}' must not depend on '{parts[1]}'"
        )
