"""Throughput and memory of the model step on the default world.

Runs the baseline scenario with a scale chosen so that about N agents exist by the end of
the run, and reports agent-steps per second (agents alive summed over steps, divided by
wall time including set-up), peak RSS and bytes per agent (arrays and Mesa objects).
Usage: python benchmarks/bench_model.py [--agents 10000 100000 1000000] [--months 120]
[--set NAME=VALUE ...] (parameters changed, e.g. --set b_herd=1 to time a mechanism that
is off in the baseline). The last line is a JSON list of results. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def one(agents: int, months: int, mesa_agents: bool, settings: list[str]) -> dict:
    from flowsim.model import FlowModel
    from flowsim.scenario import load_scenario

    changes: dict[str, object] = {"run.months": months}
    for item in settings:
        name, sep, value = item.partition("=")
        if not sep:
            raise SystemExit(f"--set {item!r}: expected name=value, e.g. b_herd=1")
        changes[f"parameters.{name.strip()}"] = float(value)
    base = load_scenario(ROOT / "scenarios" / "baseline.toml").with_overrides(changes)
    probe = FlowModel(base.with_overrides({"run.scale": 1e6}), seed=1, agents=False)
    expected_people = probe.expected_emigrants()  # people emigrating over the run
    scale = max(expected_people / agents, 1.0)
    scenario = base.with_overrides({"run.scale": scale})
    t0 = time.perf_counter()
    model = FlowModel(scenario, seed=1, agents=mesa_agents)
    setup = time.perf_counter() - t0
    model.run_months()
    wall = time.perf_counter() - t0
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    created = model.population.n
    return {
        "agents_target": agents,
        "agents_created": created,
        "months": months,
        "scale": round(scale, 1),
        "mesa_agents": mesa_agents,
        "parameters": settings,
        "setup_s": round(setup, 2),
        "wall_s": round(wall, 2),
        "agent_steps": model.agent_steps,
        "agent_steps_per_s": round(model.agent_steps / wall),
        "peak_rss_mb": round(rss_mb, 1),
        "array_bytes_per_agent": round(model.population.nbytes() / max(created, 1), 1),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--agents", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    ap.add_argument("--months", type=int, default=120)
    ap.add_argument("--no-mesa", action="store_true", help="arrays only (no Migrant objects)")
    ap.add_argument(
        "--set", action="append", default=[], metavar="NAME=VALUE", help="parameter override"
    )
    ap.add_argument("--child", type=int, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child is not None:
        print(json.dumps(one(args.child, args.months, not args.no_mesa, args.set)))
        return
    results = []
    for n in args.agents:  # one child process per size, so peak RSS is per size
        cmd = [sys.executable, __file__, "--child", str(n), "--months", str(args.months)]
        if args.no_mesa:
            cmd.append("--no-mesa")
        for item in args.set:
            cmd += ["--set", item]
        proc = subprocess.run(cmd, check=False, capture_output=True, text=True)
        if proc.returncode != 0:  # the child's own message (e.g. a refused --set), one line
            lines = proc.stderr.strip().splitlines() or [f"exit status {proc.returncode}"]
            raise SystemExit(f"bench_model.py: {lines[-1]}")
        out = proc.stdout
        res = json.loads(out.strip().splitlines()[-1])
        res["rss_bytes_per_agent"] = round(res["peak_rss_mb"] * 2**20 / res["agents_created"])
        print(
            f"{res['agents_created']:>10,d} agents  {res['wall_s']:>7.1f} s  "
            f"{res['agent_steps_per_s'] / 1e6:6.2f} M agent-steps/s  "
            f"peak {res['peak_rss_mb']:8.0f} MB",
            flush=True,
        )
        results.append(res)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
