"""``flowsim sweep EXPERIMENT``: run every run of an experiment into a results folder.

Exit status: 0 when every run is ok, 1 when some runs failed (they are listed), 2 on
invalid input (the experiment, a scenario, or a results folder of another sweep).
Rerunning the same command resumes: finished runs are skipped.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from flowsim.cli.options import positive_int
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
        "--workers", type=positive_int, default=None, help="worker processes (default: CPUs)"
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
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run the sweep, print the summary and any failures; return the exit status."""
    from flowsim.engine.sweep import run_sweep
    from flowsim.experiment import load_experiment

    experiment = load_experiment(args.experiment)
    out = Path(args.out) if args.out else Path("results") / experiment.name
    executor = "dask" if args.scheduler else args.executor
    summary = run_sweep(
        experiment,
        out,
        executor=executor,
        workers=args.workers,
        scheduler=args.scheduler,
        retry_failed=args.retry_failed,
        progress=not args.no_progress,
    )
    print(summary)
    if summary.failed:
        print(f"{len(summary.failed)} runs failed:", file=sys.stderr)
        for run_id, error in summary.failed:
            last = error.strip().splitlines()[-1] if error.strip() else "(no error text)"
            print(f"  {run_id}: {last}", file=sys.stderr)
        print("rerun with --retry-failed to try them again", file=sys.stderr)
        return 1
    return 0
