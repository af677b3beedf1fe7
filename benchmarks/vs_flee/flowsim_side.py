"""flowsim side of the benchmark: the corridor world, N emigrants at the origin, timed steps.

Run by run.py with the project's interpreter. Prints one JSON object as its last stdout line.
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from pathlib import Path

from measure import vm_hwm_mb  # same folder; stdlib only

HERE = Path(__file__).resolve().parent


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--agents", type=int, required=True)
    ap.add_argument("--steps", type=int, required=True)
    ap.add_argument("--origin", default="VEN")
    ap.add_argument("--world", type=Path, default=HERE / "world")
    ap.add_argument("--scenario", type=Path, default=HERE / "scenario.toml")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument(
        "--arrays-only",
        action="store_true",
        help="no Mesa Migrant objects (FlowModel(agents=False)); same step",
    )
    args = ap.parse_args()

    t0 = time.perf_counter()
    from flowsim.model import FlowModel
    from flowsim.scenario import load_scenario
    from flowsim.world import load_world

    world = load_world(args.world)
    scenario = load_scenario(args.scenario, world=world)
    if scenario.run.months < args.steps:
        scenario = scenario.with_overrides({"run.months": args.steps})
    model = FlowModel(scenario, world=world, seed=args.seed, agents=not args.arrays_only)
    model.add_emigrants(args.origin, n_agents=args.agents)
    rss_after_setup = vm_hwm_mb()
    t_setup = time.perf_counter() - t0

    done_before = int(model.agent_steps)
    t1 = time.perf_counter()
    for _ in range(args.steps):
        model.step()
    t_steps = time.perf_counter() - t1
    agent_steps = int(model.agent_steps) - done_before

    out = {
        "side": "flowsim",
        "agents": args.agents,
        "steps": args.steps,
        "mesa_agents": not args.arrays_only,
        "agent_steps": agent_steps,
        "setup_s": round(t_setup, 3),
        "step_s": round(t_steps, 3),
        "agent_steps_per_s": agent_steps / t_steps if t_steps > 0 else None,
        **_end_state(model),
        "rss_after_setup_mb": round(rss_after_setup, 1),
        "peak_rss_mb_self": round(
            max(vm_hwm_mb(), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024), 1
        ),
    }
    print(json.dumps(out))


def _end_state(model) -> dict:
    """Where the agents are after the last step (for the regime check in the README)."""
    pop = getattr(model, "population", None)
    if pop is None or not hasattr(pop, "alive"):
        return {}
    alive = pop.alive
    iso3 = list(model.world_index.iso3) if hasattr(model, "world_index") else None
    out = {
        "active_at_end": int(alive.sum()),
        "on_links_at_end": int((pop.in_transit & alive).sum()),
        "mean_moves": float(pop.moves.mean()) if pop.n else 0.0,
    }
    if iso3 is not None and "USB" in iso3:
        out["at_destination_at_end"] = int(
            ((pop.location == iso3.index("USB")) & ~pop.in_transit & alive).sum()
        )
    return out


if __name__ == "__main__":
    main()
