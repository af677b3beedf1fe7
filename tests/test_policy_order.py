"""Reordering a scenario's policies changes no result: draws are keyed by policy names."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from flowsim.engine.run import RunSpec, simulate
from flowsim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]


def _tables(scenario) -> tuple[pd.DataFrame, pd.DataFrame]:
    return simulate(RunSpec(run_id="r", scenario=scenario, replicate=0, seed=11))


def test_reordering_policies_leaves_every_table_byte_identical():
    # baseline plus the expanded pathways, over the months the pathways open
    base = load_scenario(ROOT / "scenarios" / "labor_pathways_expanded.toml").with_overrides(
        {"run.start": "2024-07", "run.months": 12, "run.scale": 2000.0}
    )
    pols = base.policies
    added = tuple(p for p in pols if p.name.startswith("pathway_"))
    assert len(added) == 3
    orders = [pols, pols[::-1], added + tuple(p for p in pols if p not in added)]
    results = [_tables(base.model_copy(update={"policies": order})) for order in orders]
    ts0, fl0 = results[0]
    assert ts0.loc[ts0.variable == "journeys_pathway", "value"].sum() > 0  # pathways ran
    for ts, fl in results[1:]:
        assert ts.to_csv(index=False) == ts0.to_csv(index=False)
        assert fl.to_csv(index=False) == fl0.to_csv(index=False)
