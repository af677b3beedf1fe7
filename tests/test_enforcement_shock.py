"""Behaviour of the enforcement and shock families in whole runs on the toy line world."""

from __future__ import annotations

import pytest

from flowsim.model import FlowModel
from flowsim.scenario import Scenario
from flowsim.world import load_world
from toy_world import write_toy_world


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    return load_world(write_toy_world(tmp_path_factory.mktemp("toy"), push=120_000))


def _run(world, policies=(), months=18, **params):
    sc = Scenario(
        name="t", run={"months": months, "scale": 100.0}, parameters=params, policies=list(policies)
    )
    model = FlowModel(sc, world=world, seed=7, agents=False)
    model.run_months()
    return model, model.recorder.timeseries(), model.recorder.flow_table()


def _total(ts, variable, country=None):
    sel = ts[ts.variable == variable]
    if country is not None:
        sel = sel[sel.country == country]
    return float(sel.value.sum())


ENFORCE = {
    "type": "enforcement",
    "routes": ["Last border"],
    "interception": 1.0,
    "deport_to": "origin",
    "start": "2015-01",
}


def test_certain_interception_stops_every_crossing_and_returns_people_to_origin(world):
    # b_stop = 0: people do not anticipate interception, so they try and are caught
    _, base_ts, base_fl = _run(world, b_stop=0.0)
    model, ts, fl = _run(world, [ENFORCE], b_stop=0.0)
    assert base_fl[base_fl.route == "Last border"].people.sum() > 0  # people go to DDD
    assert fl[fl.route == "Last border"].people.sum() == 0
    assert _total(ts, "stock", "DDD") == 0
    caught = _total(ts, "intercepted", "DDD")
    assert caught > 0
    assert _total(ts, "deported", "DDD") == caught  # all sent from DDD's border to AAA


def test_partial_interception_lowers_arrivals_and_anticipation_deters(world):
    half = {**ENFORCE, "interception": 0.5}
    _, base, _ = _run(world, b_stop=0.0)
    _, caught, _ = _run(world, [half], b_stop=0.0)
    _, deterred, _ = _run(world, [half], b_stop=5.0)
    arrivals = {
        k: _total(t, "stock", "DDD")
        for k, t in (("none", base), ("half", caught), ("deterred", deterred))
    }
    assert arrivals["half"] < arrivals["none"]
    # anticipating interception, fewer even try
    assert _total(deterred, "intercepted") < _total(caught, "intercepted")


def test_push_shock_multiplies_emigration(world):
    shock = {"type": "shock", "countries": ["AAA"], "push_multiplier": 2.0, "start": "2015-01"}
    _, base, _ = _run(world, months=12)
    _, hit, _ = _run(world, [shock], months=12)
    ratio = _total(hit, "emigrants") / _total(base, "emigrants")
    assert 1.8 < ratio < 2.2


def test_job_loss_shock_lowers_employment_in_the_hit_host(world):
    shock = {"type": "shock", "countries": ["CCC"], "job_loss_multiplier": 8.0, "start": "2015-01"}
    _, base, _ = _run(world, hazard_max=1e-6)
    _, hit, _ = _run(world, [shock], hazard_max=1e-6)

    def employment_rate(ts, country):
        return _total(ts, "employed", country) / _total(ts, "stock", country)

    assert employment_rate(hit, "CCC") < employment_rate(base, "CCC") - 0.1
    assert employment_rate(hit, "DDD") == pytest.approx(employment_rate(base, "DDD"), abs=0.05)
