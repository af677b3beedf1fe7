"""Sweep throughput: runs per minute on each executor for one experiment.

Usage::

    python benchmarks/bench_sweep.py [--experiment experiments/smoke.toml] [--workers N]
        [--replicates R] [--scale PEOPLE_PER_AGENT] [--months M]
        [--executors serial,processes,dask]

Each executor runs the whole experiment into a fresh temporary folder; the wall time
includes starting the pool or the local Dask cluster, as a user would see it. Prints a
table and, last, one JSON line with the numbers.
"""

from __future__ import annotations

import argparse
import json
import platform
import tempfile
import time
from pathlib import Path

from flowsim.engine.executors import available_cpus
from flowsim.engine.sweep import run_sweep
from flowsim.experiment import load_experiment


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--experiment", default="experiments/smoke.toml")
    parser.add_argument("--workers", type=int, default=available_cpus())
    parser.add_argument("--replicates", type=int, default=None, help="override replicates")
    parser.add_argument("--scale", type=float, default=None, help="override run.scale")
    parser.add_argument("--months", type=int, default=None, help="override run.months")
    parser.add_argument("--executors", default="serial,processes,dask")
    args = parser.parse_args()

    experiment = load_experiment(args.experiment)
    base_dir = experiment.base_dir
    run = experiment.run.model_copy(
        update={k: v for k, v in (("scale", args.scale), ("months", args.months)) if v}
    )
    update = {"run": run} | ({"replicates": args.replicates} if args.replicates else {})
    experiment = experiment.model_copy(update=update)
    experiment._base_dir = base_dir
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for executor in args.executors.split(","):
            workers = 1 if executor == "serial" else args.workers
            start = time.perf_counter()
            summary = run_sweep(
                experiment,
                Path(tmp) / executor,
                executor=executor,
                workers=workers,
                progress=False,
            )
            seconds = time.perf_counter() - start
            for run_id, error in summary.failed[:3]:
                print(f"{executor}: {run_id} failed: {error.strip().splitlines()[-1]}")
            rows.append(
                {
                    "executor": executor,
                    "workers": workers,
                    "runs": summary.total,
                    "failed": len(summary.failed),
                    "seconds": round(seconds, 2),
                    "runs_per_minute": round(summary.total / seconds * 60, 1),
                }
            )
    print(
        f"{'executor':<10} {'workers':>7} {'runs':>5} {'failed':>6} {'seconds':>8} {'runs/min':>9}"
    )
    for r in rows:
        print(
            f"{r['executor']:<10} {r['workers']:>7} {r['runs']:>5} {r['failed']:>6} "
            f"{r['seconds']:>8.2f} {r['runs_per_minute']:>9.1f}"
        )
    print(
        json.dumps(
            {
                "benchmark": "sweep",
                "experiment": experiment.name,
                "cpus": available_cpus(),
                "python": platform.python_version(),
                "results": rows,
            }
        )
    )


if __name__ == "__main__":
    main()
