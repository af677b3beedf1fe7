"""docs/architecture.md: its generated parts match the code and the README points to it."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _sync_docs():
    spec = importlib.util.spec_from_file_location("sync_docs", ROOT / "scripts" / "sync_docs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_generated_blocks_match_the_code():
    sync = _sync_docs()
    for rel, blocks in sync.BLOCKS.items():
        text = (ROOT / rel).read_text(encoding="utf-8")
        for start, make in blocks.items():
            assert start + "\n" + make() + sync.END in text, f"{rel} is stale: run make docs"


def test_readme_points_to_the_architecture():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Architecture", 1)[1].split("\n## ", 1)[0]
    assert "docs/architecture.md" in section
