"""CPU seconds of one baseline run as `make run` makes it, to compare two checkouts.

Runs ``--scenario`` (default the baseline) from 2015-01 to its end (2030-12) at ``--scale``
people per agent (default 2,000, the main job's) once per seed and prints each run's
process CPU time (``time.process_time``: the run's own CPU, much less sensitive to other
jobs on the machine than wall time) and the people moved, then their mean. To tell a
slower model from a slower machine, run it from two worktrees one after the other::

    git worktree add /tmp/old <commit>
    (cd /tmp/old && PYTHONPATH=src python /path/to/benchmarks/run_cost.py --seeds 1,2,3)
    PYTHONPATH=src python benchmarks/run_cost.py --seeds 1,2,3

Not part of the test suite.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path


def run_cost(scenario_path: Path, scale: float, seed: int) -> tuple[float, float]:
    """CPU seconds and people moved (summed over the flow table) of one run.

    Args:
        scenario_path: The scenario file.
        scale: People per agent.
        seed: The run's seed.

    Returns:
        (CPU seconds of set-up and run, people moved).
    """
    from flowsim.model import FlowModel
    from flowsim.scenario import load_scenario

    scenario = load_scenario(scenario_path).with_overrides({"run.scale": scale})
    start = time.process_time()
    model = FlowModel(scenario, seed=seed, agents=False)
    model.run_months()
    cpu = time.process_time() - start
    return cpu, float(model.recorder.flow_table()["people"].sum())


def main() -> None:
    """Print the CPU time of each run and the mean."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", type=Path, default=Path("scenarios") / "baseline.toml")
    ap.add_argument("--scale", type=float, default=2000.0)
    ap.add_argument("--seeds", default="1,2,3")
    args = ap.parse_args()
    costs = []
    for seed in (int(s) for s in args.seeds.split(",")):
        cpu, moved = run_cost(args.scenario, args.scale, seed)
        costs.append(cpu)
        print(f"seed {seed}: {cpu:.1f} s CPU, {moved:,.0f} people moved", flush=True)
    print(f"mean {sum(costs) / len(costs):.1f} s CPU over {len(costs)} runs")


if __name__ == "__main__":
    main()
