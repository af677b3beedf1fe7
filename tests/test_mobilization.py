"""The mobilization family: a share of a nationality abroad weighs moving on each month.

While it runs, a mobilization reaches a share ``reach`` a month of its nationalities living in
its countries; those reached weigh moving as if acting on a wish, so their hazard of acting is
``1 - (1 - hazard) * (1 - reach)``. They still choose by utilities and may stay.
"""

from __future__ import annotations

import numpy as np
import pytest

from flowsim.calendar import parse_month
from flowsim.calibration.explain import model_before_decide
from flowsim.errors import ScenarioError
from flowsim.model import FlowModel
from flowsim.model.decide import wish_to_move
from flowsim.policies import Effects, build_policies
from flowsim.scenario import Scenario
from flowsim.scenario.load import load_scenario
from flowsim.world import load_world
from flowsim.world.compiled import compile_world
from toy_world import write_toy_diaspora

#: AAA's diaspora in BBB is reached from 2015-04 (the toy world has no CCC diaspora).
RUMOUR = {
    "type": "mobilization",
    "name": "aaa_rumour",
    "countries": ["BBB"],
    "nationalities": ["AAA"],
    "reach": 0.3,
    "start": "2015-04",
}


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    return load_world(write_toy_diaspora(tmp_path_factory.mktemp("mob") / "toy"))


def _scenario(policies: list[dict], months: int = 12) -> Scenario:
    return Scenario(
        name="toy",
        run={"start": "2015-01", "months": months, "scale": 100.0},
        parameters={"b_home": 1.0},
        policies=policies,
    )


def test_reach_is_written_for_its_pairs_only_and_overlaps_combine(world):
    other = {**RUMOUR, "name": "second", "reach": 0.5, "ramp_months": 2}
    sc = _scenario([RUMOUR, other])
    w = compile_world(world, sc)
    first, second = build_policies(sc.policies, w)
    fx = Effects.base(w)
    month = first.start
    first.apply(fx, month, first.intensity(month))
    second.apply(fx, month, second.intensity(month))  # half intensity in its ramp's 1st month
    a, b = w.node("AAA"), w.node("BBB")
    assert fx.reached[a, b] == pytest.approx(1 - (1 - 0.3) * (1 - 0.5 * 0.5))
    untouched = fx.reached.copy()
    untouched[a, b] = 0.0
    assert not untouched.any()


def test_hazard_of_those_reached_and_no_one_else(world):
    month = parse_month(RUMOUR["start"])
    plain = wish_to_move(model_before_decide(_scenario([]), month, world=world, seed=3))
    model = model_before_decide(_scenario([RUMOUR]), month, world=world, seed=3)
    reached = wish_to_move(model)
    P = model.population
    here = (P.nationality == model.world_index.node("AAA")) & (
        P.location == model.world_index.node("BBB")
    )
    acting = here & plain.settled
    assert acting.sum() > 100
    expected = 1.0 - (1.0 - plain.hazard[acting]) * (1.0 - 0.3)
    np.testing.assert_allclose(reached.hazard[acting], expected, rtol=1e-6)
    np.testing.assert_array_equal(reached.hazard[~here], plain.hazard[~here])
    assert not reached.hazard[~plain.settled].any()  # travellers travel


def _left_bbb(world, policies: list[dict], seed: int) -> float:
    model = FlowModel(_scenario(policies), world=world, seed=seed)
    model.run_months()
    fl = model.recorder.flow_table()
    left = fl[(fl.from_country == "BBB") & fl.kind.isin(["onward", "return"])]
    return float(left.people.sum())


def test_more_leave_while_it_runs(world):
    # paired seeds: same diaspora and draws; only the mobilization differs
    for seed in (1, 2, 3):
        without = _left_bbb(world, [], seed)
        with_it = _left_bbb(world, [RUMOUR], seed)
        assert with_it > 1.2 * without, (seed, without, with_it)


def test_zero_reach_or_other_pairs_change_nothing(world):
    base = _left_bbb(world, [], 5)
    assert _left_bbb(world, [{**RUMOUR, "reach": 0.0}], 5) == base
    assert _left_bbb(world, [{**RUMOUR, "countries": ["CCC"]}], 5) == base
    assert _left_bbb(world, [{**RUMOUR, "nationalities": ["BBB"]}], 5) == base


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("reach = 1.5", "reach"),
        ("reach = -0.1", "reach"),
        ("nationalities = []\nreach = 0.2", "nationalities"),
    ],
)
def test_bad_values_are_one_line_naming_the_key(tmp_path, line, message):
    nats = "" if "nationalities" in line else 'nationalities = ["HTI"]\n'
    f = tmp_path / "m.toml"
    f.write_text(
        'name = "m"\n[[policy]]\ntype = "mobilization"\nname = "x"\ncountries = ["CHL"]\n'
        f'{nats}{line}\nstart = "2021-05"\n'
    )
    with pytest.raises(ScenarioError, match=message) as err:
        load_scenario(f)
    assert len(str(err.value).strip().splitlines()) == 1
