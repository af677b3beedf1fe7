"""``flowsim run SCENARIO``: one run written as a results folder (a sweep of one run)."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``run`` command."""
    p = sub.add_parser("run", help="run one scenario and write a results folder")
    p.add_argument("scenario", help="scenario file or name (looked up in scenarios/)")
    p.add_argument("--seed", type=int, default=None, help="seed (default: the scenario's)")
    p.add_argument("--months", type=int, default=None, help="override run.months")
    p.add_argument("--scale", type=float, default=None, help="override run.scale (people/agent)")
    p.add_argument("--world", default=None, help="folder of world tables (default: embedded)")
    p.add_argument("--out", default=None, help="results folder (default: results/<scenario>)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Load and check the scenario, run it once, write the results folder."""
    from flowsim.engine.run import RunSpec, run_one
    from flowsim.results.store import ResultsStore
    from flowsim.scenario import load_scenario
    from flowsim.world import load_world

    world = load_world(args.world) if args.world else None
    scenario = load_scenario(args.scenario, search_dirs=[Path("scenarios")], world=world)
    overrides = {
        k: v for k, v in (("run.months", args.months), ("run.scale", args.scale)) if v is not None
    }
    scenario = scenario.with_overrides(overrides)
    seed = scenario.run.seed if args.seed is None else args.seed
    spec = RunSpec(
        run_id=f"{scenario.name}/r000",
        scenario=scenario,
        replicate=0,
        seed=seed,
        world_dir=args.world,
    )
    out = Path(args.out or Path("results") / scenario.name)
    store = ResultsStore.for_single_run(out, spec)
    result = run_one(spec)
    store.write_result(result)
    if not result.ok:
        print(f"run failed: {result.run['error']}")
        return 1
    print(
        f"{scenario.name}: {scenario.run.months} months from {scenario.run.start}, "
        f"seed {seed}, {result.run['seconds']:.1f} s -> {out}"
    )
    return 0
