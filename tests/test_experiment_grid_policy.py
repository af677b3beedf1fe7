"""A grid over a policy field with the baseline in the experiment: the baseline runs once."""

from __future__ import annotations

from pathlib import Path

import pytest

from flowsim.errors import ScenarioError
from flowsim.experiment import expand, load_experiment

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"


def _experiment(tmp_path: Path, key: str) -> Path:
    path = tmp_path / "grid.toml"
    base, darien = SCENARIOS / "baseline.toml", SCENARIOS / "darien_enforcement.toml"
    path.write_text(
        f'name = "grid"\nscenarios = ["{base}", "{darien}"]\n'
        "replicates = 2\nseed = 1\n[run]\nscale = 20000\nmonths = 2\n"
        f'[grid]\n"{key}" = [0.3, 0.6]\n',
        encoding="utf-8",
    )
    return path


def test_baseline_runs_once_and_each_point_keeps_its_value(tmp_path):
    key = "policies.darien_enforcement_2025.interception"
    plan = expand(load_experiment(_experiment(tmp_path, key)))
    labels = list(plan.scenario_hashes)
    assert labels == [
        "baseline",
        f"darien_enforcement[{key}=0.3]",
        f"darien_enforcement[{key}=0.6]",
    ]
    params = {r.run_id: r.params for r in plan.runs}
    assert params["baseline/r000"] == {}
    assert params[f"darien_enforcement[{key}=0.6]/r001"] == {key: 0.6}
    levels = {
        r.label: next(p.interception for p in r.scenario.policies if p.name in key)
        for r in plan.runs
        if r.label != "baseline"
    }
    assert sorted(levels.values()) == [0.3, 0.6]


def test_a_policy_no_scenario_has_is_still_an_error(tmp_path):
    with pytest.raises(ScenarioError, match="no policy named 'darien_typo'"):
        expand(load_experiment(_experiment(tmp_path, "policies.darien_typo.interception")))
