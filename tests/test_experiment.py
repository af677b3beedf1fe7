"""Experiment files: validation with key paths, and the expansion into paired runs."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

import fake_runs
from flowsim.errors import ScenarioError
from flowsim.experiment import expand, load_experiment, parse_experiment, scenario_label
from flowsim.rng import replicate_seed

SMOKE = """
name = "tiny"
description = "test"
scenarios = ["baseline", "integration_andean"]
replicates = 2
seed = 12345
[run]
months = 4
scale = 5000
[grid]
"parameters.b_net" = [0.5, 1.0]
"""


def write(tmp_path: Path, text: str, name: str = "tiny") -> Path:
    folder = tmp_path / "experiments"
    folder.mkdir(exist_ok=True)
    path = folder / f"{name}.toml"
    path.write_text(text)
    return path


@pytest.fixture
def fakes(monkeypatch):
    fake_runs.install(monkeypatch)


def test_unknown_key_names_the_path_and_the_allowed_keys(tmp_path):
    path = write(tmp_path, SMOKE.replace("months = 4", "months = 4\nsteps = 3"))
    with pytest.raises(ScenarioError) as err:
        load_experiment(path)
    [problem] = err.value.problems
    assert problem.file == str(path)
    assert problem.where == "run.steps"
    assert "allowed: start, months, scale" in problem.message


def test_every_problem_is_listed():
    with pytest.raises(ScenarioError) as err:
        parse_experiment({"name": "x", "scenarios": [], "replicates": 0, "seed": 1, "grd": {}})
    where = {p.where for p in err.value.problems}
    assert {"scenarios", "replicates", "grd"} <= where


def test_grid_keys_must_be_override_keys():
    with pytest.raises(ScenarioError, match="allowed: parameters"):
        parse_experiment(
            {"name": "x", "scenarios": ["a"], "replicates": 1, "seed": 1, "grid": {"b_net": [1]}}
        )


def test_missing_file_and_bad_toml(tmp_path):
    with pytest.raises(ScenarioError, match="no such file"):
        load_experiment(tmp_path / "nope.toml")
    with pytest.raises(ScenarioError, match="not valid TOML"):
        load_experiment(write(tmp_path, "name = "))


def test_expansion_is_full_factorial_and_paired(tmp_path, fakes):
    plan = expand(load_experiment(write(tmp_path, SMOKE)))
    assert len(plan.runs) == 2 * 2 * 2
    ids = [r.run_id for r in plan.runs]
    assert len(set(ids)) == len(ids)
    assert ids[0] == "baseline[parameters.b_net=0.5]/r000"
    for run in plan.runs:
        assert run.seed == replicate_seed(12345, run.replicate)  # same in every scenario
        assert run.scenario.run.months == 4 and run.scenario.run.scale == 5000
    assert plan.runs[0].params == {"parameters.b_net": 0.5}
    assert set(plan.scenario_hashes) == {r.run_id.rsplit("/r", 1)[0] for r in plan.runs}


def test_an_invalid_scenario_aborts_the_expansion(tmp_path, fakes):
    path = write(tmp_path, SMOKE.replace('"integration_andean"', '"broken_one"'))
    with pytest.raises(ScenarioError, match="parameters.b_net"):
        expand(load_experiment(path))


def test_labels():
    assert scenario_label("baseline", {}) == "baseline"
    assert scenario_label("b", {"run.scale": 100, "policies.x.level": "high"}) == (
        "b[run.scale=100,policies.x.level=high]"
    )


def test_hash_covers_content_only(tmp_path):
    a = load_experiment(write(tmp_path, SMOKE, "a"))
    b = load_experiment(write(tmp_path, SMOKE, "b"))
    c = load_experiment(write(tmp_path, SMOKE.replace("replicates = 2", "replicates = 3"), "c"))
    assert a.content_hash() == b.content_hash() != c.content_hash()


def test_experiment_survives_pickle(tmp_path):
    exp = load_experiment(write(tmp_path, SMOKE))
    back = pickle.loads(pickle.dumps(exp))
    assert back == exp and back.base_dir == exp.base_dir
