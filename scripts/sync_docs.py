"""Rewrite the parts of the docs generated from the code (run after changing them).

Usage: PYTHONPATH=src python scripts/sync_docs.py [--check]

- docs/ODD.md section 3: the schedule, from ``flowsim.model.schedule.SCHEDULE``.

With ``--check`` nothing is written; the exit status is 1 when a generated part is stale.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from flowsim.model.schedule import schedule_markdown

ROOT = Path(__file__).resolve().parents[1]
START, END = "<!-- generated: schedule (scripts/sync_docs.py) -->", "<!-- end generated -->"


def replace_block(text: str, start: str, end: str, body: str) -> str:
    """Return ``text`` with the block between the ``start`` and ``end`` markers replaced."""
    a = text.index(start) + len(start)
    b = text.index(end, a)
    return text[:a] + "\n" + body + text[b:]


def main() -> int:
    """Rewrite (or check) every generated block; return the exit status."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="only report stale blocks")
    args = ap.parse_args()
    path = ROOT / "docs" / "ODD.md"
    old = path.read_text(encoding="utf-8")
    new = replace_block(old, START, END, schedule_markdown())
    if new == old:
        return 0
    if args.check:
        print(f"{path.relative_to(ROOT)}: schedule is stale; run scripts/sync_docs.py")
        return 1
    path.write_text(new, encoding="utf-8")
    print(f"rewrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
