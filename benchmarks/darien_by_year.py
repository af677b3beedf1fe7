"""Crossings of one route by nationality and calendar year, past the calibration's last year.

Runs a scenario once per seed for ``--months`` months (default 120: 2015-2024) and prints the
mean over seeds of the people crossing ``--route`` (default the Darien Gap) each year, by
nationality (flow table, ``flowsim.model.record``). The calibration reads nothing after
2021, so the years after it are an out-of-sample view: after Mexico's visa of January 2022
the Venezuelans' crossings against the reported surge (about 150,000 in 2022 and 320,000 in
2023, Panama SNM via the press; not a target). Not part of the test suite.

Usage (from the repository root)::

    PYTHONPATH=src python benchmarks/darien_by_year.py [--scenario scenarios/baseline.toml]
        [--scale 2000] [--seeds 1,2,3,4] [--months 120] [--route "Darien Gap"]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]


def crossings_by_year(
    scenario_path: Path, scale: float, seeds: list[int], months: int, route: str
) -> pd.DataFrame:
    """Mean over seeds of the people crossing ``route`` by nationality (rows) and year.

    Args:
        scenario_path: The scenario file.
        scale: People per agent.
        seeds: Seeds of the runs (one run each).
        months: Months from the scenario's start.
        route: Route name as in the flow table.

    Returns:
        Nationality by year, people, a nationality absent from a seed's run counted as 0.
    """
    from flowsim.model import FlowModel
    from flowsim.scenario import load_scenario

    scenario = load_scenario(scenario_path).with_overrides(
        {"run.scale": scale, "run.months": months}
    )
    per_seed = []
    for seed in seeds:
        model = FlowModel(scenario, seed=seed, agents=False)
        model.run_months()
        flows = model.recorder.flow_table()
        flows = flows[flows["route"] == route]
        year = pd.to_datetime(flows["month"]).dt.year.rename("year")
        per_seed.append(flows.groupby([flows["nationality"], year])["people"].sum())
    table = pd.concat(per_seed, axis=1).fillna(0.0).sum(axis=1) / len(seeds)
    return table.unstack("year").fillna(0.0)


def main() -> None:
    """Print the table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", type=Path, default=ROOT / "scenarios" / "baseline.toml")
    ap.add_argument("--scale", type=float, default=2000.0)
    ap.add_argument("--seeds", default="1,2,3,4")
    ap.add_argument("--months", type=int, default=120)
    ap.add_argument("--route", default="Darien Gap")
    args = ap.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    table = crossings_by_year(args.scenario, args.scale, seeds, args.months, args.route)
    print(
        f"{args.route}: people crossing a year, mean of {len(seeds)} seeds at "
        f"{args.scale:g} people per agent ({args.scenario})"
    )
    print(table.round(-2).astype(int).to_string())


if __name__ == "__main__":
    main()
