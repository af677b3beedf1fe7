"""Rewrite the parts of the docs generated from the code (run after changing them).

Usage: PYTHONPATH=src python scripts/sync_docs.py [--check]

- docs/ODD.md section 3 and docs/architecture.md: the schedule, from
  ``flowsim.model.schedule.SCHEDULE``;
- docs/ODD.md section 7.4: the utility terms, from ``flowsim.model.utility.TERMS``;
- docs/architecture.md: the policy families (``flowsim.policies.FAMILIES``) and the draws
  (``flowsim.draws.DRAWS``);
- docs/ODD.md section 7: every parameter row (default, range and note from
  ``flowsim.parameters.Parameters``, calibrated value from the baseline's calibration layer).

With ``--check`` nothing is written; the exit status is 1 when a generated part is stale.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from flowsim.draws import draws_markdown
from flowsim.model.schedule import schedule_markdown
from flowsim.model.utility import terms_markdown
from flowsim.parameters import baseline_calibrated_values, sync_parameter_rows
from flowsim.policies.registry import families_markdown

ROOT = Path(__file__).resolve().parents[1]
END = "<!-- end generated -->"
#: file -> start marker -> function producing the block's text
BLOCKS = {
    "docs/ODD.md": {
        "<!-- generated: schedule (scripts/sync_docs.py) -->": schedule_markdown,
        "<!-- generated: utility terms (scripts/sync_docs.py) -->": terms_markdown,
    },
    "docs/architecture.md": {
        "<!-- generated: schedule (scripts/sync_docs.py) -->": schedule_markdown,
        "<!-- generated: policy families (scripts/sync_docs.py) -->": families_markdown,
        "<!-- generated: draws (scripts/sync_docs.py) -->": draws_markdown,
    },
}


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
    stale = 0
    for rel, blocks in BLOCKS.items():
        path = ROOT / rel
        old = path.read_text(encoding="utf-8")
        new = old
        for start, make in blocks.items():
            new = replace_block(new, start, END, make())
        if rel == "docs/ODD.md":
            new = sync_parameter_rows(new, baseline_calibrated_values())
        if new == old:
            continue
        stale += 1
        if args.check:
            print(f"{rel}: a generated block is stale; run scripts/sync_docs.py")
        else:
            path.write_text(new, encoding="utf-8")
            print(f"rewrote {rel}")
    return 1 if stale and args.check else 0


if __name__ == "__main__":
    sys.exit(main())
