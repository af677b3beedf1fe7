"""``flowsim sweep EXPERIMENT``: run every run of an experiment into a results folder.

Exit status: 0 when every run of the experiment is ok in the folder, 1 when some runs
failed, in this sweep or earlier (they are listed), 2 on invalid input (the experiment, a
scenario, or a results folder of another sweep or in use). Rerunning the same command
resumes: finished runs whose parts are whole are skipped, damaged ones are rerun (and
named). ``--extend`` adds runs (more replicates or grid points) to a finished sweep.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from flowsim.cli import options
from flowsim.engine.executors import EXECUTORS


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``sweep`` command."""
    p = sub.add_parser(
        "sweep",
        help="run an experiment (scenarios x grid x replicates) into a results folder",
        description="Run every run of an experiment; rerun to resume after an interruption.",
    )
    p.add_argument("experiment", help="experiment file (experiments/*.toml)")
    p.add_argument(
        "--executor",
        choices=EXECUTORS,
        default="processes",
        help="where runs execute (default: processes, a local process pool)",
    )
    p.add_argument(
        "--workers", type=options.workers, default=None, help="worker processes (default: CPUs)"
    )
    p.add_argument(
        "--scheduler",
        default=None,
        metavar="ADDRESS",
        help="Dask scheduler address, e.g. tcp://host:8786 (implies --executor dask); "
        "--out must then be on a filesystem the workers share",
    )
    p.add_argument(
        "--out", default=None, help="results folder (default: results/<experiment name>)"
    )
    p.add_argument("--retry-failed", action="store_true", help="rerun runs recorded as failed")
    p.add_argument(
        "--overwrite",
        action="store_true",
        help="when --out holds other results, move them aside to <out>.old-<time> "
        "(never deleted) and start afresh",
    )
    p.add_argument(
        "--extend",
        action="store_true",
        help="add the experiment's new runs (more replicates, grid points or scenarios) to a "
        "folder holding an earlier version of it; existing runs are kept, seeds stay paired",
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run the sweep, print the summary and any failures; return the exit status."""
    from flowsim.engine.executors import available_cpus
    from flowsim.engine.guard import check_memory
    from flowsim.engine.sweep import run_sweep
    from flowsim.experiment import expand, load_experiment
    from flowsim.scenario import Scenario
    from flowsim.scenario.checks import schedule_warnings

    experiment = load_experiment(args.experiment)
    out = Path(args.out) if args.out else Path("results") / experiment.name
    executor = "dask" if args.scheduler else args.executor
    plan = expand(experiment)
    seen: set[str] = set()
    sized: set[tuple[object, ...]] = set()
    at_once = 1 if executor == "serial" else args.workers or available_cpus()
    for spec in plan.runs:
        label = spec.run_id.rsplit("/r", 1)[0]
        if label in seen or not isinstance(spec.scenario, Scenario):
            continue
        seen.add(label)
        for line in schedule_warnings(spec.scenario, f"{args.experiment} ({label})"):
            print(f"warning: {line}", file=sys.stderr)
        run = spec.scenario.run
        size = (run.start, run.months, run.scale, spec.scenario.parameters.push_scale)
        if not args.scheduler and size not in sized:  # one estimate per distinct size
            sized.add(size)
            check_memory(spec.scenario, file=str(args.experiment), runs=at_once)
    summary = run_sweep(
        experiment,
        out,
        executor=executor,
        workers=args.workers,
        scheduler=args.scheduler,
        retry_failed=args.retry_failed,
        progress=not args.no_progress,
        extend=args.extend,
        overwrite=args.overwrite,
    )
    if summary.moved_aside is not None:
        print(f"moved the earlier results aside to {summary.moved_aside}")
    for run_id, detail in summary.repaired:
        print(f"run {run_id} was damaged ({detail}): rerun", file=sys.stderr)
    print(summary)
    if summary.failed or summary.kept_failed:
        count = len(summary.failed) + len(summary.kept_failed)
        print(f"{count} runs failed:", file=sys.stderr)
        for run_id, error in summary.failed:
            last = error.strip().splitlines()[-1] if error.strip() else "(no error text)"
            print(f"  {run_id}: {last}", file=sys.stderr)
        for run_id in summary.kept_failed:
            print(f"  {run_id}: failed in an earlier sweep", file=sys.stderr)
        print("rerun with --retry-failed to try them again", file=sys.stderr)
        return 1
    return 0
