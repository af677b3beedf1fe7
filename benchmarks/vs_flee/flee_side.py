"""Flee 3.1 side of the benchmark: the corridor of world/*.csv, N agents at the origin, timed steps.

Run by run.py with the benchmark venv's interpreter (Flee is not a flowsim dependency). Prints one
JSON object as its last stdout line. Flee draws from the stdlib `random` and numpy global states;
they are seeded here because Flee offers no other way.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import json
import random
import resource
import time
from pathlib import Path

from measure import vm_hwm_mb  # same folder; stdlib only

HERE = Path(__file__).resolve().parent


def read_corridor(world: Path) -> tuple[list[dict], list[tuple[str, str, float]]]:
    """Locations and undirected legs (Flee links both ways) from the flowsim world files."""
    with open(world / "countries.csv", newline="") as f:
        locations = list(csv.DictReader(f))
    legs: dict[frozenset, tuple[str, str, float]] = {}
    with open(world / "routes.csv", newline="") as f:
        for row in csv.DictReader(f):
            key = frozenset((row["from_iso3"], row["to_iso3"]))
            legs.setdefault(key, (row["from_iso3"], row["to_iso3"], float(row["distance_km"])))
    return locations, list(legs.values())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--agents", type=int, required=True)
    ap.add_argument("--steps", type=int, required=True)
    ap.add_argument("--origin", default="VEN")
    ap.add_argument("--destination", default="USB")
    ap.add_argument("--world", type=Path, default=HERE / "world")
    ap.add_argument("--settings", type=Path, default=HERE / "flee_simsetting.yml")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()

    t0 = time.perf_counter()
    import numpy as np
    from flee import flee
    from flee.SimulationSettings import SimulationSettings

    # Flee reports every setting and location on stderr; keep the benchmark's output clean.
    with contextlib.redirect_stderr(io.StringIO()):
        SimulationSettings.ReadFromYML(str(args.settings))
    random.seed(args.seed)
    np.random.seed(args.seed)

    locations, legs = read_corridor(args.world)
    e = flee.Ecosystem()
    by_code = {}
    with contextlib.redirect_stderr(io.StringIO()):
        for row in locations:
            code = row["iso3"]
            if code == args.origin:
                kind = "conflict_zone"
            elif code == args.destination:
                kind = "camp"
            else:
                kind = "town"
            by_code[code] = e.addLocation(
                code,
                x=float(row["lon"]),
                y=float(row["lat"]),
                location_type=kind,
                pop=int(float(row["population"])),
                foreign=code != args.origin,
            )
        for a, b, km in legs:
            e.linkUp(a, b, distance=km)
    origin = by_code[args.origin]
    attributes: dict = {}
    for _ in range(args.agents):
        e.addAgent(origin, attributes)
    rss_after_setup = vm_hwm_mb()
    t_setup = time.perf_counter() - t0

    t1 = time.perf_counter()
    for _ in range(args.steps):
        e.evolve()
    t_steps = time.perf_counter() - t1

    active = sum(1 for a in e.agents if a.location is not None)
    on_links = sum(1 for a in e.agents if a.travelling)
    at_destination = sum(
        1 for a in e.agents if a.location is by_code[args.destination] and not a.travelling
    )
    agent_steps = args.agents * args.steps  # every active agent is evolved every step
    out = {
        "side": "flee",
        "flee_version": _flee_version(),
        "agents": args.agents,
        "steps": args.steps,
        "agent_steps": agent_steps,
        "setup_s": round(t_setup, 3),
        "step_s": round(t_steps, 3),
        "agent_steps_per_s": agent_steps / t_steps if t_steps > 0 else None,
        "active_at_end": active,
        "on_links_at_end": on_links,
        "at_destination_at_end": at_destination,
        "mean_links_travelled": sum(a.places_travelled - 1 for a in e.agents) / max(args.agents, 1),
        "rss_after_setup_mb": round(rss_after_setup, 1),
        "peak_rss_mb_self": round(
            max(vm_hwm_mb(), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024), 1
        ),
    }
    print(json.dumps(out))


def _flee_version() -> str:
    from importlib.metadata import version

    try:
        return version("flee")
    except Exception:  # noqa: BLE001 - informational only
        return "unknown"


if __name__ == "__main__":
    main()
