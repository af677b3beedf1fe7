"""The repository speaks only of itself: no reference to a design file it does not hold."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUTSIDE = ("DESIGN" + ".md", "../" + "shared", "/work/" + "shared")


def test_no_reference_to_files_outside_the_repository():
    files = [ROOT / "README.md", *(ROOT / "docs").rglob("*.md")]
    for folder in ("src", "tests", "scripts", "benchmarks"):
        files += [p for p in (ROOT / folder).rglob("*.py")]
    for path in files:
        text = path.read_text(encoding="utf-8")
        for ref in OUTSIDE:
            assert ref not in text, f"{path.relative_to(ROOT)} refers to {ref}"
