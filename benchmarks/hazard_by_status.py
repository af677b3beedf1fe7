"""Mean monthly hazard of acting on a wish to move, by legal status, for some groups.

Runs a scenario up to a month (``flowsim.calibration.explain.model_before_decide``, one
seed, nothing written) and prints, for the settled migrants of each (nationality, host)
pair, their number (agents) and mean hazard (``flowsim.model.decide.wish_to_move``) by
status: who acts on a wish to move, the quantity that sets how many leave a host. Not part
of the test suite.

Usage (from the repository root)::

    PYTHONPATH=src python benchmarks/hazard_by_status.py --month 2021-07
        [--scenario scenarios/baseline.toml] [--pairs VEN:COL,HTI:CHL] [--set b_herd=1]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

from flowsim.calendar import parse_month
from flowsim.calibration.explain import check_codes, model_before_decide
from flowsim.errors import ScenarioError
from flowsim.model.decide import wish_to_move
from flowsim.scenario import load_scenario
from flowsim.vocab import STATUS_NAMES
from flowsim.world import load_world

PAIRS = "VEN:COL,VEN:PER,VEN:ECU,HTI:CHL,HTI:BRA"


def hazard_by_status(
    scenario: str, month: str, pairs: list[tuple[str, str]], settings: dict[str, float]
) -> pd.DataFrame:
    """Return agents and mean hazard by (pair, status) at ``month``.

    Args:
        scenario: Scenario file or name (looked up in ``scenarios/``).
        month: ``YYYY-MM``, a month of the scenario's run.
        pairs: (nationality, host) ISO3 pairs.
        settings: Parameter overrides (``name -> value``).

    Returns:
        Columns ``pair``, ``status``, ``agents``, ``hazard``; a pair without settled
        migrants has no rows.

    Raises:
        ValueError: If ``month`` is not ``YYYY-MM``.
        ScenarioError: If a code is not a country of the world, the scenario or a setting
            is invalid, or the month is outside the run (checked before the run).
    """
    world = load_world(None)
    start = parse_month(month)
    codes = list(world.countries.index)
    for nat, host in pairs:
        check_codes(codes, nationality=nat, country=host)
    sc = load_scenario(scenario, search_dirs=[Path("scenarios")], world=world)
    if settings:
        sc = sc.with_overrides({f"parameters.{k}": v for k, v in settings.items()})
    model = model_before_decide(sc, start, world=world)
    wish, P, w = wish_to_move(model), model.population, model.world_index
    frames = []
    for nat, host in pairs:
        sel = wish.settled & (P.nationality == w.node(nat)) & (P.location == w.node(host))
        status = np.asarray(STATUS_NAMES)[P.status[sel]]
        g = pd.DataFrame({"status": status, "hazard": wish.hazard[sel]}).groupby("status")
        part = g.hazard.agg(agents="size", hazard="mean").reset_index()
        frames.append(part.assign(pair=f"{nat} in {host}"))
    out = pd.concat(frames)[["pair", "status", "agents", "hazard"]]
    return out.round({"hazard": 4})


def main() -> None:
    """Parse the command line and print the table; bad input is one line and exit 2."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", default="scenarios/baseline.toml")
    ap.add_argument("--month", required=True, help="YYYY-MM")
    ap.add_argument("--pairs", default=PAIRS, help=f"NAT:HOST,... (default {PAIRS})")
    ap.add_argument("--set", action="append", default=[], metavar="NAME=VALUE")
    args = ap.parse_args()
    pairs = [tuple(x.strip().upper().split(":")) for x in args.pairs.split(",")]
    if any(len(p) != 2 for p in pairs):
        ap.error(f"--pairs: expected NAT:HOST,... (e.g. {PAIRS}), got {args.pairs!r}")
    settings = {}
    for item in args.set:
        name, _, value = item.partition("=")
        try:
            settings[name] = float(value)
        except ValueError:
            ap.error(f"--set {item!r}: expected NAME=NUMBER")
    try:
        table = hazard_by_status(args.scenario, args.month, pairs, settings)
    except (ScenarioError, ValueError) as err:
        ap.error(" ".join(str(err).split()))
    print(table.to_string(index=False))


if __name__ == "__main__":
    main()
