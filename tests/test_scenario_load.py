"""Loading scenarios: shipped files, ``extends`` merging, round-trips, overrides, schema."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import pytest

from flowsim.cli.main import main
from flowsim.errors import ScenarioError
from flowsim.scenario import Scenario, load_scenario

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = sorted((ROOT / "scenarios").glob("*.toml"))
BASELINE = ROOT / "scenarios" / "baseline.toml"


def test_scenarios_are_shipped():
    assert BASELINE in SHIPPED and len(SHIPPED) >= 2


def test_shipped_scenarios_validate(capsys):
    assert main(["validate", *map(str, SHIPPED)]) == 0
    assert f"{len(SHIPPED)} file(s) valid" in capsys.readouterr().out


def test_shipped_experiments_validate():
    files = sorted((ROOT / "experiments").glob("*.toml"))
    assert files
    assert main(["validate", *map(str, files)]) == 0


@pytest.fixture(scope="module")
def baseline() -> Scenario:
    return load_scenario(BASELINE)


def _child(tmp_path: Path, text: str, name: str = "child.toml") -> Path:
    path = tmp_path / name
    path.write_text(f'extends = "{BASELINE.as_posix()}"\n' + text, encoding="utf-8")
    return path


def test_child_overrides_run_key_and_parameter(tmp_path, baseline):
    child = load_scenario(_child(tmp_path, "[run]\nmonths = 180\n[parameters]\nb_net = 0.8\n"))
    assert child.name == "child"
    assert child.run.months == 180
    assert child.run.start == baseline.run.start
    assert child.run.scale == baseline.run.scale
    assert child.run.seed == baseline.run.seed
    assert child.parameters.b_net == 0.8
    assert child.parameters.b_inc == baseline.parameters.b_inc
    assert child.policies == baseline.policies
    assert child.content_hash() != baseline.content_hash()


def test_child_replaces_named_policy_in_place(tmp_path, baseline):
    names = [p.name for p in baseline.policies]
    idx = names.index("pan_darien_2024")
    child = load_scenario(
        _child(
            tmp_path,
            """
[[policy]]
type = "enforcement"
name = "pan_darien_2024"
routes = ["Darien Gap"]
interception = 0.9
start = "2024-07"
""",
        )
    )
    assert [p.name for p in child.policies] == names
    assert child.policies[idx].interception == 0.9
    assert baseline.policies[idx].interception != 0.9


def test_child_appends_new_policy(tmp_path, baseline):
    child = load_scenario(
        _child(
            tmp_path,
            """
[[policy]]
type = "shock"
name = "ven_crisis_2026"
countries = ["VEN"]
push_multiplier = 1.8
start = "2026-01"
""",
        )
    )
    assert len(child.policies) == len(baseline.policies) + 1
    assert child.policies[-1].name == "ven_crisis_2026"


def test_remove_policies(tmp_path, baseline):
    child = load_scenario(_child(tmp_path, 'remove_policies = ["col_etpv_2021", "covid_2020"]\n'))
    names = [p.name for p in child.policies]
    assert "col_etpv_2021" not in names and "covid_2020" not in names
    assert len(names) == len(baseline.policies) - 2


def test_world_lists_append_through_a_chain(tmp_path):
    mid = _child(tmp_path, '[[world.routes]]\nroute = "Darien Gap"\ncost_usd = 1500\n', "mid.toml")
    leaf = tmp_path / "leaf.toml"
    leaf.write_text(
        f'extends = "{mid.as_posix()}"\n[[world.routes]]\nroute = "San Andres"\nclosed = true\n',
        encoding="utf-8",
    )
    scenario = load_scenario(leaf)
    assert [r.route for r in scenario.world.routes] == ["Darien Gap", "San Andres"]


def test_shipped_counterfactual_drops_its_policy(baseline):
    s = load_scenario(ROOT / "scenarios" / "no_mexico_visa_2022.toml")
    assert "mex_visa_ven_2022" not in [p.name for p in s.policies]
    assert len(s.policies) == len(baseline.policies) - 1


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_json_round_trip(path):
    scenario = load_scenario(path)
    again = Scenario.model_validate(scenario.model_dump(mode="json"))
    assert again == scenario
    assert again.content_hash() == scenario.content_hash()


def test_pickle_round_trip(baseline):
    again = pickle.loads(pickle.dumps(baseline))
    assert again == baseline
    assert again.content_hash() == baseline.content_hash()


@pytest.mark.parametrize(
    "key",
    [
        "run.monts",
        "parameters.b_nett",
        "policies.no_such_policy.level",
        "policies.covid_2020.lvl",
        "world.routes",
    ],
)
def test_with_overrides_bad_key_names_it(baseline, key):
    with pytest.raises(ScenarioError) as info:
        baseline.with_overrides({key: 1})
    assert key in str(info.value)


def test_with_overrides_good_keys(baseline):
    s = baseline.with_overrides(
        {"run.months": 24, "parameters.b_net": 0.7, "policies.covid_2020.push_multiplier": 0.5}
    )
    assert s.run.months == 24 and s.parameters.b_net == 0.7
    assert next(p for p in s.policies if p.name == "covid_2020").push_multiplier == 0.5
    assert baseline.run.months == 192


def test_schema_is_json_with_policy(capsys):
    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    props = schema["properties"]
    assert "policy" in props
    assert {"run", "parameters", "world", "extends", "remove_policies"} <= set(props)
