"""The wish follows the best option (``Parameters.wish_scale``).

A group's wish to move (the hazard) compares the nest's value, ``nest_lambda * s *
log(sum(exp(u / s)))`` with ``s = taste_scale * wish_scale``, with staying; movers still
choose among destinations by ``softmax(u / taste_scale)``. 1 is the model before the
parameter; towards 0 the value is ``nest_lambda * max(u)``, so the number of middling
options no longer makes a group restless.
"""

from __future__ import annotations

import numpy as np
import pytest

from flowsim.calendar import parse_month
from flowsim.calibration.explain import model_before_decide
from flowsim.model import FlowModel
from flowsim.model.decide import nest_value, wish_to_move
from flowsim.scenario import Scenario
from flowsim.world import load_world
from toy_world import crash_scenario, write_toy_diaspora


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    return load_world(write_toy_diaspora(tmp_path_factory.mktemp("wish") / "toy"))


def _scenario(**params) -> Scenario:
    return crash_scenario(24, {"b_home": 1.0, "hazard_max": 0.2, **params})


def _left_bbb(world, seed: int, **params) -> float:
    model = FlowModel(_scenario(**params), world=world, seed=seed)
    model.run_months()
    ts = model.recorder.timeseries()
    moved = ts.variable.isin(["journeys_onward", "journeys_return"]) & (ts.country == "BBB")
    return float(ts[moved].value.sum())


@pytest.mark.parametrize("wish_scale", [0.4, 1e-3])
def test_the_wish_uses_the_nest_at_its_own_scale(world, wish_scale):
    # the group values of the wish are the nest's value at taste_scale * wish_scale, which
    # is at most the value at taste_scale and tends to nest_lambda * max(u) as it shrinks
    params = {"taste_scale": 0.8, "nest_lambda": 0.7}
    month = parse_month("2015-07")
    model = model_before_decide(_scenario(wish_scale=wish_scale, **params), month, world=world)
    sharp = wish_to_move(model)
    priced = sharp.priced.astype(np.float64)
    expected = nest_value(priced, 0.7, axis=2, scale=0.8 * wish_scale).reshape(-1)
    whole = nest_value(priced, 0.7, axis=2, scale=0.8).reshape(-1)  # the same state at 1
    reachable = np.isfinite(expected)
    assert reachable.sum() > 0
    np.testing.assert_allclose(sharp.value[reachable], expected[reachable], rtol=1e-5)
    assert np.all(expected[reachable] <= whole[reachable] + 1e-9)
    assert np.any(expected[reachable] < whole[reachable] - 1e-3)
    # the hazard is computed from those values: a group's gain over staying
    gain = sharp.value[sharp.group] - np.float32(0.7) * sharp.u_stay
    np.testing.assert_allclose(sharp.gain[sharp.settled], gain[sharp.settled], rtol=1e-6)
    if wish_scale < 0.01:
        best = 0.7 * np.max(priced, axis=2).reshape(-1)
        np.testing.assert_allclose(sharp.value[reachable], best[reachable], atol=1e-2)


def test_a_sharper_wish_moves_fewer_of_a_diaspora_with_several_options(world):
    # paired seeds: the same diaspora, crash and draws; only the wish's scale differs
    seeds = (1, 2, 3)
    whole = sum(_left_bbb(world, s) for s in seeds)
    sharp = sum(_left_bbb(world, s, wish_scale=0.2) for s in seeds)
    assert whole > 1000, whole  # the crash sends many away at wish_scale 1
    assert sharp < 0.9 * whole, (whole, sharp)


def test_a_sharp_wish_sees_the_best_option_not_the_number_of_options():
    # two groups with the same best option (2) and one or four middling ones (1): at
    # wish_scale 1 the second is worth more for the number of its options alone; as the
    # wish sharpens the two converge on nest_lambda * 2 (the nest value the wish uses is
    # nest_value at taste_scale * wish_scale, test above)
    u = np.array([[2.0, 1.0, -np.inf, -np.inf, -np.inf], [2.0, 1.0, 1.0, 1.0, 1.0]])
    gaps = []
    for wish_scale in (1.0, 0.3, 0.05):
        few, many = nest_value(u, 0.7, axis=1, scale=0.9 * wish_scale)
        gaps.append(many - few)
        assert few >= 0.7 * 2.0 - 1e-12 and many >= few
    assert gaps[0] > 0.3 and gaps[0] > gaps[1] > gaps[2]
    assert gaps[2] < 1e-6


@pytest.mark.parametrize("bad", [0.0, -0.5, 1.5])
def test_out_of_range_is_refused_naming_the_key(bad):
    with pytest.raises(ValueError, match="wish_scale"):
        Scenario(name="t", parameters={"wish_scale": bad})
