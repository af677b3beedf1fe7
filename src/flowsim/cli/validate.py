"""``flowsim validate FILE...``: check scenario and experiment files without running."""

from __future__ import annotations

import argparse
import sys
import tomllib
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``validate`` command."""
    p = sub.add_parser("validate", help="check scenario/experiment files without running them")
    p.add_argument("files", nargs="+", help="scenario or experiment .toml files")
    p.add_argument("--world", default=None, help="folder of world tables (default: embedded)")
    p.set_defaults(func=run)


def _is_experiment(path: Path) -> bool:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return False
    return "scenarios" in data and "replicates" in data


def run(args: argparse.Namespace) -> int:
    """Validate every file; print one line per problem; exit 2 when any is invalid."""
    from flowsim.errors import InputError
    from flowsim.scenario import validate_files
    from flowsim.world import load_world

    world = load_world(args.world) if args.world else None
    problems = []
    for f in args.files:
        path = Path(f)
        if _is_experiment(path):
            from flowsim.experiment import expand, load_experiment

            try:
                expand(load_experiment(path))  # loads every scenario and grid point
            except InputError as exc:
                problems += exc.problems
        else:
            problems += validate_files([path], world=world)
    for prob in problems:
        print(prob, file=sys.stderr)
    if problems:
        return 2
    print(f"{len(args.files)} file(s) valid")
    return 0
