"""The information_campaign family: fewer departures from the origins it runs in."""

from __future__ import annotations

import numpy as np
import pytest

from flowsim.errors import ScenarioError
from flowsim.model import FlowModel
from flowsim.policies import Effects, build_policies
from flowsim.scenario import Scenario
from flowsim.scenario.load import load_scenario
from flowsim.world import load_world
from flowsim.world.compiled import compile_world
from toy_world import write_toy_world


def _campaign(**kw) -> dict:
    return {"type": "information_campaign", "start": "2015-01", "countries": ["AAA"], **kw}


@pytest.fixture(scope="module")
def toy(tmp_path_factory):
    return load_world(write_toy_world(tmp_path_factory.mktemp("toy"), push=240_000))


def test_push_falls_by_reach_times_deterred_in_its_origins_only(toy):
    sc = Scenario(name="c", policies=[_campaign(reach=0.5, deterred=0.4, ramp_months=2)])
    w = compile_world(toy, sc)
    (pol,) = build_policies(sc.policies, w)
    fx = Effects.base(w)
    pol.apply(fx, pol.start, pol.intensity(pol.start))  # half intensity in the ramp's 1st month
    assert fx.push_mult[w.node("AAA")] == pytest.approx(1 - 0.5 * 0.4 * 0.5)
    others = [w.node(c) for c in ("BBB", "CCC", "DDD")]
    np.testing.assert_array_equal(fx.push_mult[others], 1.0)


def test_campaign_reduces_emigration_in_a_run(toy):
    def emigrants(policies) -> float:
        sc = Scenario(name="c", run={"months": 12, "scale": 100.0}, policies=policies)
        model = FlowModel(sc, world=toy, seed=4, agents=False)
        model.run_months()
        ts = model.recorder.timeseries()
        return float(ts.loc[ts.variable == "emigrants", "value"].sum())

    without = emigrants([])
    with_campaign = emigrants([_campaign(reach=1.0, deterred=0.5)])
    assert without > 0
    assert 0.4 < with_campaign / without < 0.6  # half the expected departures


def test_bad_origin_is_reported_with_a_suggestion(tmp_path):
    f = tmp_path / "c.toml"
    f.write_text(
        'name = "c"\n[[policy]]\ntype = "information_campaign"\ncountries = ["HDN"]\n'
        'reach = 0.3\nstart = "2016-01"\n'
    )
    with pytest.raises(ScenarioError, match="unknown country 'HDN' \\(did you mean 'HND'"):
        load_scenario(f)
