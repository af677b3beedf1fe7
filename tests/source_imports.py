"""The import statements of a source file that run (those under ``if TYPE_CHECKING:`` do not).

Shared by the layer test and the import-cycle test, which read the same statements with
different rules.
"""

from __future__ import annotations

import ast
from pathlib import Path


def runtime_imports(path: Path) -> list[ast.Import | ast.ImportFrom]:
    """Return every ``import``/``from ... import`` of ``path`` outside type-checking blocks."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skip.update(id(n) for n in ast.walk(node))
    return [
        node
        for node in ast.walk(tree)
        if id(node) not in skip and isinstance(node, ast.Import | ast.ImportFrom)
    ]
