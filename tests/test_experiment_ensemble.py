"""Experiments over an ensemble of parameter sets: paired runs, seeds, errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from flowsim.errors import ScenarioError
from flowsim.experiment import expand, load_experiment
from flowsim.rng import replicate_seed
from flowsim.scenario.ensemble import read_ensemble, write_ensemble

EXP = """
name = "ens"
scenarios = ["baseline", "integration_andean"]
replicates = 2
seed = 7
ensemble = "ensemble.csv"
[run]
months = 3
scale = 20000
"""


def _setup(tmp_path: Path, text: str = EXP) -> Path:
    write_ensemble(
        tmp_path / "experiments" / "ensemble.csv",
        [{"b_net": 0.5, "b_int": 1.0}, {"b_net": 1.5, "b_int": 3.0}, {"b_net": 1.0, "b_int": 2.0}],
    )
    path = tmp_path / "experiments" / "ens.toml"
    path.write_text(text, encoding="utf-8")
    root = Path(__file__).resolve().parents[1] / "scenarios"
    (tmp_path / "scenarios").symlink_to(root)
    return path


def test_round_trip(tmp_path: Path) -> None:
    sets = [{"b_net": 0.25, "push_scale": 1.5}, {"b_net": 0.75, "push_scale": 0.5}]
    assert read_ensemble(write_ensemble(tmp_path / "e.csv", sets)) == sets


def test_runs_are_paired_over_sets_and_replicates(tmp_path: Path) -> None:
    plan = expand(load_experiment(_setup(tmp_path)))
    assert len(plan.runs) == 2 * 3 * 2
    by = {(r.label, r.parameter_set, r.replicate): r for r in plan.runs}
    for p in range(3):
        for r in range(2):
            k = p * 2 + r
            a, b = by[("baseline", p, k)], by[("integration_andean", p, k)]
            assert a.seed == b.seed == replicate_seed(7, k)
            assert a.run_id == f"baseline/r{k:03d}"
            assert a.scenario.parameters.b_net == b.scenario.parameters.b_net
            assert a.scenario.parameters.b_int == [1.0, 3.0, 2.0][p]
    assert len({r.seed for r in plan.runs if r.label == "baseline"}) == 6


def test_first_sets_only_and_hash_follows_the_file(tmp_path: Path) -> None:
    two = EXP.replace('ensemble = "ensemble.csv"', 'ensemble = "ensemble.csv"\nensemble_sets = 2')
    path = _setup(tmp_path, two)
    exp = load_experiment(path)
    assert {r.parameter_set for r in expand(exp).runs} == {0, 1}
    before = exp.content_hash()
    write_ensemble(tmp_path / "experiments" / "ensemble.csv", [{"b_net": 0.1}, {"b_net": 0.2}])
    assert load_experiment(path).content_hash() != before


def test_without_ensemble_nothing_changes(tmp_path: Path) -> None:
    path = _setup(tmp_path, EXP.replace('ensemble = "ensemble.csv"\n', ""))
    exp = load_experiment(path)
    assert "ensemble" not in exp.canonical()
    plan = expand(exp)
    assert all(r.parameter_set is None for r in plan.runs)
    assert [r.seed for r in plan.runs[:2]] == [replicate_seed(7, 0), replicate_seed(7, 1)]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("b_net\n0.5\n", "column 'set' is missing"),
        ("set,b_nett\n0,0.5\n", "unknown columns b_nett"),
        ("set,b_net\n1,0.5\n", "must be 0, 1"),
        ("set,b_net\n0,-4\n", "set 0, b_net"),
    ],
)
def test_bad_ensemble_is_one_clear_problem(tmp_path: Path, content: str, message: str) -> None:
    path = _setup(tmp_path)
    (tmp_path / "experiments" / "ensemble.csv").write_text(content)
    with pytest.raises(ScenarioError) as exc:
        expand(load_experiment(path))
    [problem] = exc.value.problems
    assert (
        problem.where == "ensemble"
        and message in problem.message
        and "ensemble.csv" in problem.message
    )


def test_sweep_records_the_parameter_set_in_the_run_list(tmp_path: Path) -> None:
    import json

    from flowsim.engine.sweep import run_sweep

    text = (
        EXP.replace('"integration_andean"', "")
        .replace(", ]", "]")
        .replace("replicates = 2", "replicates = 1")
    )
    path = _setup(
        tmp_path,
        text.replace('ensemble = "ensemble.csv"', 'ensemble = "ensemble.csv"\nensemble_sets = 2'),
    )
    summary = run_sweep(path, tmp_path / "out", executor="serial", progress=False)
    assert summary.ok and summary.done == 2
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert [r["parameter_set"] for r in manifest["runs"]] == [0, 1]
    assert manifest["experiment"]["ensemble_sha256"]


def test_the_report_describes_the_scenarios_of_an_ensemble_sweep(tmp_path: Path) -> None:
    """The manifest hashes each label's first run (its parameter set applied): compare must too."""
    import json

    from flowsim.cli.compare import scenario_info
    from flowsim.engine.sweep import run_sweep

    text = EXP.replace("replicates = 2", "replicates = 1").replace(
        'ensemble = "ensemble.csv"', 'ensemble = "ensemble.csv"\nensemble_sets = 2'
    )
    path = _setup(tmp_path, text)
    summary = run_sweep(path, tmp_path / "out", executor="serial", progress=False)
    assert summary.ok
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    info = scenario_info(manifest, str(path))
    assert info is not None and set(info) == {"baseline", "integration_andean"}
    assert "integration" in {p["type"] for p in info["integration_andean"].policies}
    # a scenario edited since the run is not described
    manifest["scenarios"]["baseline"] = "0" * 64
    assert "baseline" not in scenario_info(manifest, str(path))
