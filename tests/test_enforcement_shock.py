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


def _month_total(ts, variable, country, month):
    sel = ts[(ts.variable == variable) & (ts.country == country)]
    return float(sel[sel.month.astype(str).str.startswith(month)].value.sum())


LAYOFF = {
    "type": "shock",
    "countries": ["CCC"],
    "layoff_share": 0.5,
    "start": "2015-09",
    "end": "2015-09",
}


def test_a_layoff_takes_its_share_of_jobs_at_once_in_the_hit_host_only(world):
    # nobody moves (hazard ~ 0): the runs are the same people, month for month
    _, base, _ = _run(world, hazard_max=1e-6)
    _, hit, _ = _run(world, [LAYOFF], hazard_max=1e-6)
    for month in ("2015-06", "2015-08"):  # before: the same draws, the same jobs
        assert _month_total(hit, "employed", "CCC", month) == _month_total(
            base, "employed", "CCC", month
        )
    before = _month_total(base, "employed", "CCC", "2015-09")
    after = _month_total(hit, "employed", "CCC", "2015-09")
    assert before > 5000  # 50 agents or more, for the share to be measured (scale 100)
    assert 0.4 < after / before < 0.6
    assert _month_total(hit, "employed", "DDD", "2015-09") == _month_total(
        base, "employed", "DDD", "2015-09"
    )
    # a one-month window: the laid-off find work again at the host's usual rate
    gap_then = before - after
    gap_later = _month_total(base, "employed", "CCC", "2016-06") - _month_total(
        hit, "employed", "CCC", "2016-06"
    )
    assert 0 <= gap_later < 0.5 * gap_then


def test_a_zero_layoff_changes_nothing(world):
    _, base, base_fl = _run(world)
    _, zero, zero_fl = _run(world, [{**LAYOFF, "layoff_share": 0.0}])
    assert base.equals(zero)
    assert base_fl.equals(zero_fl)


def test_a_layoff_makes_more_people_leave_the_hit_host(world):
    shock = {**LAYOFF, "layoff_share": 0.9}

    def leaving(policies, seed):
        # hardship weighs more than by default, so the jobless feel the loss clearly
        sc = Scenario(
            name="t",
            run={"months": 24, "scale": 20.0},
            parameters={"b_hardship": 3.0},
            policies=policies,
        )
        model = FlowModel(sc, world=world, seed=seed, agents=False)
        model.run_months()
        ts = model.recorder.timeseries()
        sel = ts[(ts.country == "CCC") & ts.variable.isin(["journeys_onward", "journeys_return"])]
        return float(sel[sel.month.astype(str) >= "2015-09"].value.sum())

    for seed in (1, 2, 3):  # higher for each seed (common random numbers), by 5% or more
        assert leaving([shock], seed) > 1.05 * leaving([], seed)


def test_a_layoff_of_several_months_lays_off_again_each_month(world):
    one = _run(world, [LAYOFF], hazard_max=1e-6)[1]
    two = _run(world, [{**LAYOFF, "end": "2015-10"}], hazard_max=1e-6)[1]
    assert _month_total(two, "employed", "CCC", "2015-09") == _month_total(
        one, "employed", "CCC", "2015-09"
    )
    # the second month takes half of those left again, where the one-off lets them recover
    oct_one = _month_total(one, "employed", "CCC", "2015-10")
    oct_two = _month_total(two, "employed", "CCC", "2015-10")
    assert oct_two < 0.7 * oct_one


def test_a_layoff_spares_nationals_at_home(world):
    # everyone living in the origin AAA is a national: a layoff there changes nothing
    _, base, base_fl = _run(world, months=24)
    assert _total(base, "employed", "AAA") > 0
    at_home = {**LAYOFF, "countries": ["AAA"], "layoff_share": 0.9, "end": "2016-12"}
    _, hit, hit_fl = _run(world, [at_home], months=24)
    assert base.equals(hit)
    assert base_fl.equals(hit_fl)


def test_shock_layoffs_combine_as_independent_chances_and_scale_with_intensity(world):
    from flowsim.policies import Effects
    from flowsim.policies.families.shock import Shock, ShockPolicy
    from flowsim.world.compiled import compile_world

    index = compile_world(world, Scenario(name="t"))

    def shock(share: float) -> Shock:
        spec = ShockPolicy.model_validate(
            {**LAYOFF, "countries": ["CCC", "DDD"], "layoff_share": share}
        )
        return Shock(spec, index)

    fx = Effects.base(index)
    ccc, ddd, bbb = (index.node(c) for c in ("CCC", "DDD", "BBB"))
    shock(0.5).apply(fx, 0, 1.0)
    shock(0.2).apply(fx, 0, 0.5)  # a ramp's half: 0.1
    assert fx.layoff[ccc] == pytest.approx(1.0 - 0.5 * 0.9)
    assert fx.layoff[ddd] == pytest.approx(1.0 - 0.5 * 0.9)
    assert fx.layoff[bbb] == 0.0
