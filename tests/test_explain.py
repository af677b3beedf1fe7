"""``flowsim explain``: a group's options in a month, read from the decision's own numbers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from flowsim.calendar import parse_month
from flowsim.calibration.explain import explain_group, journey_legs, model_before_decide
from flowsim.cli.main import main
from flowsim.errors import ScenarioError
from flowsim.model.decide import wish_to_move
from flowsim.scenario import Scenario
from flowsim.world import load_world
from toy_world import write_toy_world

TOY_SCENARIO = """name = "toy"
[run]
start = "2015-01"
months = 12
scale = 100
seed = 3
[parameters]
hazard_max = 0.2
"""


def _scenario() -> Scenario:
    return Scenario.model_validate(
        {
            "name": "toy",
            "run": {"start": "2015-01", "months": 12, "scale": 100, "seed": 3},
            "parameters": {"hazard_max": 0.2},
        }
    )


@pytest.fixture(scope="module")
def toy(tmp_path_factory) -> Path:
    return write_toy_world(tmp_path_factory.mktemp("explain") / "toy", push=200_000)


def test_the_tables_are_the_decisions_numbers(toy):
    world = load_world(toy)
    model = model_before_decide(_scenario(), parse_month("2015-07"), world=world)
    summary, options = explain_group(model, "AAA", "BBB")
    P, w, p = model.population, model.world_index, model.params
    wish = wish_to_move(model)
    here = model.settled() & (P.nationality == w.node("AAA")) & (P.location == w.node("BBB"))
    assert summary.agents.sum() == here.sum() > 0
    assert ((summary.hazard >= 0) & (summary.hazard <= p.hazard_max)).all()
    for label in summary.documents:
        cls = 2 * w.node("AAA") + int(label == "with passport")
        mine = options[options.documents == label]
        for _, row in mine.iterrows():
            d = w.node(row.destination)
            assert row.value == pytest.approx(float(wish.priced[cls, w.node("BBB"), d]))
        assert mine.share.sum() == pytest.approx(1.0)
        assert (mine.share[~mine.affordable] == 0).all()
        assert list(mine.value) == sorted(mine.value, reverse=True)
    # reading the numbers changes nothing: the run goes on as it would have
    assert np.array_equal(wish.hazard, wish_to_move(model).hazard)


def test_a_journey_is_listed_route_by_route(toy):
    model = model_before_decide(_scenario(), parse_month("2015-03"), world=load_world(toy))
    legs = journey_legs(model, "AAA", "AAA", "DDD", documented=False)
    assert list(legs.route) == ["AAA-BBB", "BBB-CCC", "CCC-DDD"]
    assert not legs.legal.any()
    assert ((legs.unknown >= 0) & (legs.unknown <= 1)).all()
    # the routes' unknown shares add up to the journey's, as the journey tables hold it
    cls, w = 2 * model.world_index.node("AAA"), model.world_index
    total = float(model.paths.unknown[cls, w.node("AAA"), w.node("DDD")])
    assert legs.unknown.sum() == pytest.approx(total, abs=1e-6)
    assert journey_legs(model, "AAA", "DDD", "DDD", documented=False).empty


def test_a_month_outside_the_run_or_an_unknown_code_is_one_clear_error(toy):
    world = load_world(toy)
    with pytest.raises(ScenarioError, match=r"--month: 2016-01 is outside .* 2015-01 to 2015-12"):
        model_before_decide(_scenario(), parse_month("2016-01"), world=world)
    model = model_before_decide(_scenario(), parse_month("2015-02"), world=world)
    with pytest.raises(ScenarioError, match=r"--nationality: 'XXX' is not .*allowed: AAA, BBB"):
        explain_group(model, "XXX", "BBB")


def test_the_command_prints_the_tables_and_rejects_bad_input(toy, tmp_path, capsys):
    scenario = tmp_path / "toy.toml"
    scenario.write_text(TOY_SCENARIO)
    common = ["explain", str(scenario), "--world", str(toy), "--nationality", "aaa"]
    good = [*common, "--country", "BBB", "--month", "2015-07", "--set", "b_dist=0.5"]
    assert main([*good, "--journey", "ddd"]) == 0
    out = capsys.readouterr().out
    assert "journey to DDD, without passport:" in out and "CCC-DDD" in out
    assert out.startswith("AAA living in BBB, 2015-07, scenario 'toy', seed 3")
    assert "destination" in out and "share" in out
    assert main([*common, "--country", "BBB", "--month", "2015-07", "--set", "b_nope=1"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "b_nope" in err
    with pytest.raises(SystemExit) as stop:
        main([*common, "--country", "BBB", "--month", "July"])
    assert stop.value.code == 2
    assert "allowed: YYYY-MM" in capsys.readouterr().err
