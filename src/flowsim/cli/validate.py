"""``flowsim validate FILE...``: check scenario and experiment files without running.

Prints one line per problem (``FILE: key: what is wrong (allowed: ...)``) and exits with
status 2 when any file is invalid; warnings (policies the run's months make useless)
are printed too but do not fail. A file that is not a regular file (a pipe, a device) is
refused without being opened.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``validate`` command."""
    p = sub.add_parser("validate", help="check scenario/experiment files without running them")
    p.add_argument("files", nargs="+", help="scenario or experiment .toml files")
    p.add_argument("--world", default=None, help="folder of world tables (default: embedded)")
    p.set_defaults(func=run)


def _is_experiment(path: Path) -> bool:
    from flowsim.errors import ScenarioError
    from flowsim.scenario.files import read_toml

    try:
        data = read_toml(path)
    except ScenarioError:
        return False  # reported when read as a scenario
    return "scenarios" in data and "replicates" in data


def run(args: argparse.Namespace) -> int:
    """Validate every file; print one line per problem; exit 2 when any is invalid."""
    from flowsim.errors import InputError
    from flowsim.scenario import load_scenario
    from flowsim.scenario.checks import schedule_warnings
    from flowsim.world import load_world

    world = load_world(args.world) if args.world else None
    problems = []
    warnings: list[str] = []
    for f in args.files:
        path = Path(f)
        try:
            if _is_experiment(path):
                from flowsim.experiment import expand, load_experiment

                plan = expand(load_experiment(path))  # loads every scenario and grid point
                seen: dict[str, object] = {s.scenario_label: s.scenario for s in plan.runs}
                for label, scenario in seen.items():
                    warnings += schedule_warnings(scenario, f"{path} ({label})")  # type: ignore[arg-type]
            else:
                scenario = load_scenario(path, search_dirs=[path.parent], world=world)
                warnings += schedule_warnings(scenario, str(path))
        except InputError as exc:
            problems += exc.problems
    for line in warnings:
        print(f"warning: {line}", file=sys.stderr)
    for prob in problems:
        print(prob, file=sys.stderr)
    if problems:
        return 2
    print(f"{len(args.files)} file(s) valid")
    return 0
