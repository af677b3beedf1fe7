"""Fitted scenario inputs: declared in a file, matched with the parameters, carried by sets."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from flowsim.calibration.history_matching import Problem, run_history_matching
from flowsim.calibration.inputs import load_inputs
from flowsim.calibration.space import FreeParameter, calibration_scenario
from flowsim.engine.executors import SerialExecutor
from flowsim.errors import ScenarioError
from flowsim.scenario.ensemble import (
    read_ensemble,
    scenario_value,
    set_overrides,
    write_ensemble,
)
from flowsim.scenario.load import load_scenario
from flowsim.scenario.schema import Scenario
from flowsim.world import load_world
from test_history_matching import SETTINGS, TRUTH, _toy_problem
from toy_world import BBB_CRASH, crash_scenario, left_bbb, write_toy_diaspora

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "scenarios" / "calibration" / "inputs.toml"


@pytest.fixture(scope="module")
def baseline() -> Scenario:
    return load_scenario("baseline", search_dirs=[ROOT / "scenarios"])


def test_the_shipped_inputs_are_policies_of_the_baseline_inside_their_ranges(
    baseline: Scenario,
) -> None:
    inputs = load_inputs(SHIPPED, baseline)
    assert len(inputs) >= 2
    assert "policies.hti_rumour_2021.reach" in {p.name for p in inputs}
    for p in inputs:
        assert p.name.startswith("policies.") and p.low < p.high
        assert p.low <= scenario_value(baseline, p.name) <= p.high
        # every declared input acts before the end of the calibration window
        policy = next(q for q in baseline.policies if q.name == p.name.split(".")[1])
        assert policy.start <= "2021-12", p.name


def test_a_point_sets_a_policy_field_and_a_parameter(baseline: Scenario) -> None:
    values = {"policies.uscg_interdiction.interception": 0.8, "b_net": 0.5}
    s = calibration_scenario(baseline, values, scale=20000)
    assert scenario_value(s, "policies.uscg_interdiction.interception") == 0.8
    assert s.parameters.b_net == 0.5
    assert scenario_value(baseline, "policies.uscg_interdiction.interception") == 0.6


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ('key = "policies.nope.reach"\nlow = 0\nhigh = 1\nwhy = "x"', "no policy named 'nope'"),
        (
            'key = "policies.hti_rumour_2021.nope"\nlow = 0\nhigh = 1\nwhy = "x"',
            "has no field 'nope'",
        ),
        (
            'key = "policies.hti_rumour_2021.countries"\nlow = 0\nhigh = 1\nwhy = "x"',
            "is not a number",
        ),
        ('key = "b_net"\nlow = 0\nhigh = 1\nwhy = "x"', "must be policies.<policy name>.<field>"),
        (
            'key = "policies.hti_rumour_2021.reach"\nlow = 0.5\nhigh = 0.9\nwhy = "x"',
            "the scenario's value 0.3 lies outside [0.5, 0.9]",
        ),
        (
            'key = "policies.uscg_interdiction.interception"\nlow = 0.3\nhigh = 1.5\nwhy = "x"',
            "bound 1.5 is not allowed",
        ),
        ('key = "policies.hti_rumour_2021.reach"\nlow = 0.6\nhigh = 0.1\nwhy = "x"', "low < high"),
        ('key = "policies.hti_rumour_2021.reach"\nlow = 0\nhigh = 1', "why is missing"),
        (
            'key = "policies.hti_rumour_2021.reach"\nlow = 0\nhigh = "a"\nwhy = "x"',
            "high must be a finite number",
        ),
        (
            'key = "policies.hti_rumour_2021.reach"\nlow = 0\nhigh = 1\nwhy = "x"\nsize = 2',
            "unknown key 'size'",
        ),
        (
            'key = "policies.col_pep_2017.processing_months"\nlow = 1\nhigh = 6\nwhy = "x"',
            "a value between the bounds, 2.91 is not allowed (must be a whole number",
        ),
        (
            'key = "policies.usa_processing_2015.expelled"\nlow = 0.2\nhigh = 0.4\nwhy = "x"'
            '\n[[input]]\nkey = "policies.usa_processing_2015.pending"\nlow = 0.5\nhigh = 0.7'
            '\nwhy = "x"',
            "policies.usa_processing_2015: the corner policies.usa_processing_2015.expelled = "
            "0.4, policies.usa_processing_2015.pending = 0.7 is not allowed",
        ),
    ],
)
def test_a_bad_input_is_one_line_naming_file_and_key(
    tmp_path: Path, baseline: Scenario, entry: str, message: str
) -> None:
    path = tmp_path / "inputs.toml"
    path.write_text(f"[[input]]\n{entry}\n", encoding="utf-8")
    with pytest.raises(ValueError) as err:
        load_inputs(path, baseline)
    text = str(err.value)
    assert "\n" not in text and text.startswith(str(path)) and message in text


def test_an_input_declared_twice_or_a_bad_file_is_refused(
    tmp_path: Path, baseline: Scenario
) -> None:
    one = '[[input]]\nkey = "policies.hti_rumour_2021.reach"\nlow = 0\nhigh = 1\nwhy = "x"\n'
    path = tmp_path / "inputs.toml"
    path.write_text(one + one, encoding="utf-8")
    with pytest.raises(ValueError, match="declared twice"):
        load_inputs(path, baseline)
    path.write_text("[inputs]\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"unknown table 'inputs' \(allowed: \[\[input\]\]\)"):
        load_inputs(path, baseline)
    with pytest.raises(ValueError, match="cannot read"):
        load_inputs(tmp_path / "missing.toml", baseline)


def test_ensemble_sets_carry_inputs_and_skip_a_removed_policy(
    tmp_path: Path, baseline: Scenario
) -> None:
    sets = [
        {"b_net": 0.4, "policies.hti_rumour_2021.reach": 0.25},
        {"b_net": 0.5, "policies.hti_rumour_2021.reach": 0.45},
    ]
    path = write_ensemble(tmp_path / "e.csv", sets)
    assert read_ensemble(path) == sets
    got = baseline.with_overrides(set_overrides(baseline, sets[1]))
    assert scenario_value(got, "policies.hti_rumour_2021.reach") == 0.45
    # the counterfactual without the rumour runs without it whatever the set says
    without = load_scenario("no_hti_rumour_2021", search_dirs=[ROOT / "scenarios"])
    assert set_overrides(without, sets[1]) == {"parameters.b_net": 0.5}
    # a set's input outside the field's range is refused when applied, naming the key
    write_ensemble(path, [{"b_net": 0.4, "policies.hti_rumour_2021.reach": 1.5}])
    with pytest.raises(ScenarioError, match="policies.hti_rumour_2021.reach"):
        baseline.with_overrides(set_overrides(baseline, read_ensemble(path)[0]))
    path.write_text("set,b_net,policies.x\n0,0.4,1\n", encoding="utf-8")
    with pytest.raises(ValueError, match="unknown columns policies.x"):
        read_ensemble(path)


def test_an_input_of_a_set_reaches_the_model(tmp_path: Path) -> None:
    """A set that undoes most of the toy host's wage collapse lets fewer people leave it."""
    world = load_world(write_toy_diaspora(tmp_path / "toy"))
    base = crash_scenario(24, {"hazard_max": 0.1, "hazard_slope": 3.0})
    key = f"policies.{BBB_CRASH['name']}.wage_multiplier"
    mild = base.with_overrides(set_overrides(base, {key: 0.9}))
    assert scenario_value(mild, key) == 0.9
    for seed in (1, 2, 3):  # paired seeds: only the crash's depth differs
        deep_left = sum(left_bbb(world, base, seed).values())
        mild_left = sum(left_bbb(world, mild, seed).values())
        assert mild_left < deep_left, seed


def test_history_matching_keeps_the_true_value_of_an_input(tmp_path: Path) -> None:
    """On the toy world, a known enforcement share on the last border is not ruled out."""
    problem, _ = _toy_problem(tmp_path)
    patrol = {
        "type": "enforcement",
        "name": "last_patrol",
        "routes": ["Last border"],
        "interception": 0.5,
        "deport_to": "origin",
        "start": "2015-01",
    }
    base = Scenario(name="toy", run=problem.base.run, policies=[patrol])
    key = "policies.last_patrol.interception"
    truth = calibration_scenario(base, TRUTH, scale=200, months=24)
    from flowsim.calibration.observe import observe_run
    from flowsim.engine.run import RunSpec, run_one

    got = run_one(RunSpec("truth/r0", truth, 0, 999_999, world_dir=problem.world_dir))
    targets = problem.targets.assign(value=observe_run(problem.targets, got.timeseries, got.flows))
    space = (*problem.space, FreeParameter(key, 0.05, 0.95))
    with_input = Problem(base, targets, space, world_dir=problem.world_dir)
    outcome = run_history_matching(with_input, SETTINGS, tmp_path / "hm", SerialExecutor())
    ranges = outcome.ranges.set_index("parameter")
    lo, hi = ranges.loc[key, "emulated_low"], ranges.loc[key, "emulated_high"]
    assert lo <= 0.5 <= hi, f"truth 0.5 outside [{lo:.3g}, {hi:.3g}]"
    # crossings of the last border respond to the share stopped: the data pin it (an input
    # the runs ignored would keep its whole prior)
    assert ranges.loc[key, "share_of_prior"] < 0.5
    design = pd.read_csv(next((tmp_path / "hm").rglob("design.csv")))
    assert design[key].between(0.05, 0.95).all() and design[key].nunique() == len(design)


@pytest.mark.parametrize("command", ["calibrate", "sensitivity"])
def test_a_bad_inputs_file_stops_the_command_with_one_line(
    tmp_path: Path,
    command: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from flowsim.cli.main import main

    monkeypatch.chdir(ROOT)  # the commands find scenarios/ from the working directory

    bad = tmp_path / "inputs.toml"
    bad.write_text('[[input]]\nkey = "policies.nope.x"\nlow = 0\nhigh = 1\nwhy = "x"\n')
    out = tmp_path / "out"
    assert main([command, "--inputs", str(bad), "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and str(bad) in err and "no policy named 'nope'" in err
    assert not (out / "settings.json").exists() and not (out / "ranking.csv").exists()


def test_sensitivity_screens_an_input_with_the_parameters(baseline: Scenario) -> None:
    from flowsim.calibration.sensitivity import morris

    key = "policies.uscg_interdiction.interception"
    space = (FreeParameter("push_scale", 0.5, 2.0), FreeParameter(key, 0.3, 0.95))
    ranking, samples = morris(
        baseline, SerialExecutor(), trajectories=2, scale=20000, months=6, seed=3, space=space
    )
    assert set(ranking["parameter"]) == {"push_scale", key}
    assert samples[key].between(0.3, 0.95).all() and samples[key].nunique() > 1


def test_a_local_screening_stays_in_its_box_around_the_scenario(
    tmp_path: Path, baseline: Scenario, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flowsim.cli.main import main

    monkeypatch.chdir(ROOT)  # the default inputs file and scenarios/ are found from here

    out = tmp_path / "sens"
    argv = ["sensitivity", "--around", "0.1", "--trajectories", "1", "--scale", "100000"]
    argv += ["--months", "2", "--executor", "serial", "--out", str(out), "--docs", ""]
    assert main(argv) == 0
    samples = pd.read_csv(out / "samples.csv")
    # a parameter stays within 10% of its prior on either side (b_net's prior is 0-2) ...
    centre = scenario_value(baseline, "b_net")
    assert samples["b_net"].between(centre - 0.2 - 1e-9, centre + 0.2 + 1e-9).all()
    assert samples["b_net"].nunique() > 1
    # ... while a fitted input keeps the range its file declares (0-0.6), not a box
    reach = samples["policies.hti_rumour_2021.reach"]
    assert reach.between(0.0, 0.6).all()
    assert (abs(reach - 0.3) > 0.06 + 1e-9).any(), "the input is not cut to a box"


def _experiment(tmp_path: Path, sets: list[dict[str, float]], scenarios: str) -> Path:
    """An experiment over ``sets`` (an ensemble file beside it) and the shipped scenarios."""
    write_ensemble(tmp_path / "experiments" / "ensemble.csv", sets)
    path = tmp_path / "experiments" / "ens.toml"
    path.write_text(
        f'name = "ens"\nscenarios = [{scenarios}]\nreplicates = 1\nseed = 7\n'
        'ensemble = "ensemble.csv"\n[run]\nmonths = 3\nscale = 20000\n',
        encoding="utf-8",
    )
    (tmp_path / "scenarios").symlink_to(ROOT / "scenarios")
    return path


def test_an_experiment_runs_each_set_with_its_inputs_where_the_policy_is(tmp_path: Path) -> None:
    from flowsim.experiment import expand, load_experiment

    key = "policies.hti_rumour_2021.reach"
    sets = [{"b_net": 0.4, key: 0.25}, {"b_net": 0.5, key: 0.45}]
    plan = expand(load_experiment(_experiment(tmp_path, sets, '"baseline", "no_hti_rumour_2021"')))
    for run in plan.runs:
        want = sets[run.parameter_set]
        assert run.scenario.parameters.b_net == want["b_net"]
        if run.label == "baseline":
            assert scenario_value(run.scenario, key) == want[key]
    # the counterfactual removes the policy and still runs every set (set_overrides skips it)
    assert {r.parameter_set for r in plan.runs if r.label == "no_hti_rumour_2021"} == {0, 1}


@pytest.mark.parametrize(
    ("column", "scenarios", "message"),
    [
        (
            "policies.hti_rumor_2021.reach",
            '"baseline"',
            "policies.hti_rumor_2021.reach: no scenario of the experiment has a policy named",
        ),
        (
            "policies.hti_rumour_2021.reach",
            '"no_hti_rumour_2021"',
            "no scenario of the experiment has a policy named 'hti_rumour_2021'",
        ),
    ],
)
def test_an_input_column_no_scenario_uses_is_refused(
    tmp_path: Path, column: str, scenarios: str, message: str
) -> None:
    from flowsim.experiment import expand, load_experiment

    path = _experiment(tmp_path, [{"b_net": 0.4, column: 0.3}], scenarios)
    with pytest.raises(ScenarioError, match=message) as err:
        expand(load_experiment(path))
    assert str(err.value).startswith(str(tmp_path / "experiments" / "ensemble.csv"))


def test_a_scenario_that_changes_a_fitted_input_is_not_overwritten(tmp_path: Path) -> None:
    from flowsim.experiment import expand, load_experiment

    key = "policies.uscg_interdiction.interception"
    path = _experiment(tmp_path, [{"b_net": 0.4, key: 0.6}], '"baseline", "stronger"')
    (tmp_path / "experiments" / "stronger.toml").write_text(
        'name = "stronger"\nextends = "baseline"\n[[policy]]\ntype = "enforcement"\n'
        'name = "uscg_interdiction"\nroutes = ["Florida Straits"]\ninterception = 0.9\n'
        'deport_to = "origin"\nstart = "2015-01"\n',
        encoding="utf-8",
    )
    path.write_text(path.read_text().replace('"stronger"', '"stronger.toml"'), encoding="utf-8")
    with pytest.raises(ScenarioError, match="the scenarios give it different values"):
        expand(load_experiment(path))


def test_a_set_value_the_policy_refuses_names_the_ensemble_and_the_set(tmp_path: Path) -> None:
    from flowsim.experiment import expand, load_experiment

    key = "policies.hti_rumour_2021.reach"
    path = _experiment(tmp_path, [{"b_net": 0.4, key: 0.3}, {"b_net": 0.4, key: 1.5}], '"baseline"')
    with pytest.raises(ScenarioError) as err:
        expand(load_experiment(path))
    text = str(err.value)
    assert "ensemble.csv (set 1): policies.hti_rumour_2021.reach: must be at most 1" in text


def test_a_matching_continues_only_over_the_same_parameters_and_inputs(tmp_path: Path) -> None:
    import json
    from dataclasses import asdict
    from types import SimpleNamespace

    from flowsim.cli.calibrate import _search_space

    params = FreeParameter("b_net", 0.0, 2.0)
    reach = FreeParameter("policies.hti_rumour_2021.reach", 0.0, 0.6)
    (tmp_path / "settings.json").write_text(
        json.dumps({"around": 0.1, "space": [asdict(params)]}), encoding="utf-8"
    )
    problem = SimpleNamespace(base=None, space=(params, reach))
    with pytest.raises(ValueError, match=r"it lacks policies.hti_rumour_2021.reach.*--inputs ''"):
        _search_space(SimpleNamespace(around=0.1, out=str(tmp_path)), problem)
    assert _search_space(
        SimpleNamespace(around=0.1, out=str(tmp_path)), SimpleNamespace(base=None, space=(params,))
    ) == (params,)


def test_a_refined_point_whose_inputs_moved_is_not_written_to_the_layer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from types import SimpleNamespace

    from flowsim.cli.calibrate import _inputs_unlike_scenario

    monkeypatch.chdir(ROOT)
    args = SimpleNamespace(scenario="baseline")
    key = "policies.hti_rumour_2021.reach"
    assert _inputs_unlike_scenario(args, {"b_net": 0.1, key: 0.3}) == ""
    assert _inputs_unlike_scenario(args, {"b_net": 0.1, key: 0.35}) == (
        f"{key}: scenario 0.3, point 0.35"
    )


def test_the_cli_refuses_a_refined_point_whose_inputs_moved_and_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``flowsim calibrate --report --parameters refined``: one line, exit 2, no file written."""
    import json

    from flowsim.calibration.targets import load_targets
    from flowsim.cli.main import main

    monkeypatch.chdir(ROOT)
    out = tmp_path / "cal"
    (out / "validation").mkdir(parents=True)
    (out / "validation" / "judged.csv").write_text("point\n", encoding="utf-8")
    ids = load_targets()["target_id"].tolist()
    (out / "settings.json").write_text(json.dumps({"targets": ids}), encoding="utf-8")
    (out / "refine").mkdir()
    key = "policies.hti_rumour_2021.reach"
    (out / "refine" / "result.json").write_text(
        json.dumps({"refined": {"b_net": 0.1, key: 0.35}}), encoding="utf-8"
    )
    layer, ensemble = tmp_path / "layer.toml", tmp_path / "ensemble.csv"
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    argv = ["calibrate", "--report", "--parameters", "refined", "--out", str(out)]
    argv += ["--params-file", str(layer), "--ensemble-file", str(ensemble), "--docs", ""]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and f"inputs differ from the scenario's ({key}: scenario 0.3" in err[0]
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before


def test_the_shipped_ensemble_carries_the_declared_inputs_inside_their_ranges(
    baseline: Scenario,
) -> None:
    sets = read_ensemble(ROOT / "scenarios" / "calibration" / "ensemble.csv")
    declared = {p.name: p for p in load_inputs(SHIPPED, baseline)}
    assert {k for k in sets[0] if k.startswith("policies.")} == set(declared)
    for values in sets:
        for key, p in declared.items():
            assert p.low <= values[key] <= p.high, key
    baseline.with_overrides(set_overrides(baseline, sets[0]))  # a valid scenario


def test_a_set_breaking_a_limit_across_a_policy_is_reported_at_the_set(tmp_path: Path) -> None:
    from flowsim.experiment import expand, load_experiment

    one = {"b_net": 0.4, "policies.usa_processing_2015.expelled": 0.3}
    bad = {"b_net": 0.4, "policies.usa_processing_2015.expelled": 0.5}
    one["policies.usa_processing_2015.pending"] = bad["policies.usa_processing_2015.pending"] = 0.6
    path = _experiment(tmp_path, [one, bad], '"baseline"')
    with pytest.raises(ScenarioError) as err:
        expand(load_experiment(path))
    assert "ensemble.csv (set 1): policies.usa_processing_2015: " in str(err.value)


def test_an_input_column_naming_no_field_is_one_problem(tmp_path: Path) -> None:
    from flowsim.experiment import expand, load_experiment

    path = _experiment(
        tmp_path, [{"b_net": 0.4, "policies.hti_rumour_2021.rech": 0.3}], '"baseline"'
    )
    with pytest.raises(ScenarioError, match="has no field 'rech'; did you mean 'reach'"):
        expand(load_experiment(path))


def test_a_grid_point_on_an_input_wins_over_the_set(tmp_path: Path) -> None:
    from flowsim.experiment import expand, load_experiment

    key = "policies.hti_rumour_2021.reach"
    path = _experiment(
        tmp_path, [{"b_net": 0.4, key: 0.25}, {"b_net": 0.5, key: 0.45}], '"baseline"'
    )
    path.write_text(path.read_text() + f'[grid]\n"{key}" = [0.1]\n', encoding="utf-8")
    plan = expand(load_experiment(path))
    assert {scenario_value(r.scenario, key) for r in plan.runs} == {0.1}
    assert {r.scenario.parameters.b_net for r in plan.runs} == {0.4, 0.5}
