"""Herd: a destination draws more while compatriots are leaving for it (``flowsim.model.herd``).

For those of nationality ``n`` living abroad in ``i``, every destination ``j`` gains
``b_herd * r / (r + herd_ref)``, ``r`` being the recent monthly share of their compatriots in
``i`` who left for ``j`` (departures remembered with a fade of ``1 / herd_memory_months`` a
month). 0 by default: nothing is counted and runs are as before the term existed.
"""

from __future__ import annotations

import numpy as np
import pytest

from flowsim.calendar import parse_month
from flowsim.calibration.explain import explain_group, model_before_decide
from flowsim.model import FlowModel
from flowsim.model.classes import class_nationality
from flowsim.model.decide import decide, destination_utility
from flowsim.model.herd import herd_term, remember_departures
from flowsim.scenario import Scenario
from flowsim.vocab import PATHWAY
from flowsim.world import load_world
from toy_world import crash_scenario, left_bbb, write_toy_diaspora, write_toy_world


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    return load_world(write_toy_diaspora(tmp_path_factory.mktemp("herd") / "toy"))


def _scenario(**params) -> Scenario:
    return crash_scenario(18, {"b_home": 1.0, "hazard_max": 0.2, **params})


def _moves_from_bbb(world, seed: int, **params) -> dict[str, float]:
    """People who left BBB over the run, by destination."""
    return left_bbb(world, _scenario(**params), seed)


def test_departures_are_counted_by_nationality_place_and_destination(world):
    # one decide: the remembered departures fade by 1/m, then gain one per agent who left
    params = {"b_herd": 1.0, "herd_memory_months": 4.0}
    model = model_before_decide(_scenario(**params), parse_month("2015-05"), world=world)
    P = model.population
    before = model.departed.copy()
    was_settled = model.settled().copy()
    assert before.sum() > 0  # the crash of 2015-03 sent people away already
    decide(model)
    left = np.flatnonzero(was_settled & P.in_transit)
    assert len(left) > 0
    expected = before * (1 - 1 / 4.0)
    np.add.at(expected, (P.nationality[left], P.location[left], P.dest[left]), 1.0)
    np.testing.assert_allclose(model.departed, expected)
    assert not model.departing.any()  # folded in at the end of the month's decide


def test_labor_pathway_departures_are_counted(tmp_path):
    # a labor pathway from BBB takes some of AAA's diaspora to DDD over legal routes: each
    # one who leaves adds to departed[AAA, BBB, DDD] like a chosen departure
    folder = write_toy_diaspora(tmp_path / "toy")
    write_toy_world(folder, push=0.0, legal=True)  # legal routes; the diaspora files stay
    pathway = {
        "type": "labor_pathway",
        "name": "bbb_to_ddd",
        "from_countries": ["BBB"],
        "to": "DDD",
        "slots_per_year": 240000,
        "start": "2015-04",
    }
    scenario = Scenario(
        name="toy",
        run={"start": "2015-01", "months": 12, "scale": 100.0},
        parameters={"b_home": 1.0, "hazard_max": 0.2, "b_herd": 1.0, "herd_memory_months": 4.0},
        policies=[pathway],
    )
    model = model_before_decide(scenario, parse_month("2015-05"), world=load_world(folder))
    P = model.population
    before = model.departed.copy()
    was_settled = model.settled().copy()
    decide(model)
    left = np.flatnonzero(was_settled & P.in_transit)
    on_pathway = left[P.kind[left] == PATHWAY]
    assert len(on_pathway) > 0
    expected = before * (1 - 1 / 4.0)
    np.add.at(expected, (P.nationality[left], P.location[left], P.dest[left]), 1.0)
    np.testing.assert_allclose(model.departed, expected)


@pytest.mark.parametrize("memory", [1.0, 4.0])
def test_steady_departures_give_the_monthly_share(world, memory):
    # d departures a month from BBB to CCC settle at memory * d remembered, so the rate the
    # term uses is d / (agents there), whatever the memory (with memory 1: last month's)
    params = {"b_herd": 1.0, "herd_ref": 0.01, "herd_memory_months": memory}
    model = model_before_decide(_scenario(**params), parse_month("2015-02"), world=world)
    w, P = model.world_index, model.population
    aaa, bbb, ccc = w.node("AAA"), w.node("BBB"), w.node("CCC")
    settled = model.settled()
    here = np.sum(settled & (P.nationality == aaa) & (P.location == bbb))
    model.departed[:] = 0.0
    d = max(here // 50, 1)
    for _ in range(300):
        model.departing[aaa, bbb, ccc] = d
        remember_departures(model)
    rate = d / here
    herd = herd_term(model, settled)
    assert herd[aaa, bbb, ccc] == pytest.approx(rate / (rate + 0.01), rel=1e-9)
    assert herd[aaa, bbb, ccc] > 0.5  # a 2% share is above herd_ref: the term is on


def test_the_term_is_the_departure_rate_through_its_saturation(world):
    params = {"b_herd": 2.0, "herd_ref": 0.02, "herd_memory_months": 3.0}
    model = model_before_decide(_scenario(**params), parse_month("2015-06"), world=world)
    w = model.world_index
    aaa, bbb = w.node("AAA"), w.node("BBB")
    settled = model.settled()
    model.departed[aaa, aaa, bbb] = 50.0  # emigrants leaving home: no rate to follow there
    herd = herd_term(model, settled)
    P = model.population
    here = np.sum(settled & (P.nationality == aaa) & (P.location == bbb))
    rate = model.departed[aaa, bbb] / (3.0 * here)
    assert rate.max() > 0
    np.testing.assert_allclose(herd[aaa, bbb], 2.0 * rate / (rate + 0.02))
    assert herd[aaa, bbb].max() > 0
    assert np.all(herd[aaa, aaa] == 0.0)  # at home there is no rate to follow
    # the term is added to every destination's utility of those living in BBB
    with_herd = destination_utility(model)
    model.params = model.params.model_copy(update={"b_herd": 0.0})
    without = destination_utility(model)
    cls = np.flatnonzero(class_nationality(with_herd.shape[0]) == aaa)
    ok = np.isfinite(without[cls, bbb])
    assert ok.sum() > 0
    np.testing.assert_allclose(
        with_herd[cls, bbb][ok] - without[cls, bbb][ok],
        np.broadcast_to(herd[aaa, bbb], without[cls, bbb].shape)[ok],
    )


def test_herd_makes_a_wave_larger_and_more_concentrated(world):
    # paired seeds: the same diaspora, crash and draws; only b_herd differs. Departures
    # feed on themselves: more leave, and the destination most chosen draws a larger share
    seeds = (1, 2, 3)
    plain = [_moves_from_bbb(world, s) for s in seeds]
    herd = [_moves_from_bbb(world, s, b_herd=3.0) for s in seeds]
    total = sum(sum(d.values()) for d in plain)
    total_herd = sum(sum(d.values()) for d in herd)
    assert total > 1000, total
    assert total_herd > 1.1 * total, (total, total_herd)
    top = max(plain[0], key=plain[0].get)
    share = sum(d.get(top, 0.0) for d in plain) / total
    share_herd = sum(d.get(top, 0.0) for d in herd) / total_herd
    assert share_herd > share, (top, share, share_herd)


def test_at_zero_nothing_is_counted_and_runs_are_unchanged(world):
    default = FlowModel(_scenario(), world=world, seed=5)
    quiet = _scenario(b_herd=0.0, herd_ref=0.5, herd_memory_months=2.0)
    off = FlowModel(quiet, world=world, seed=5)
    default.run_months()
    off.run_months()
    assert not off.departed.any() and not off.departing.any()
    a, b = default.recorder.timeseries(), off.recorder.timeseries()
    assert len(a) > 0
    assert a.equals(b)


@pytest.mark.parametrize(
    "key,bad", [("b_herd", -1.0), ("b_herd", 11.0), ("herd_ref", 0.0), ("herd_memory_months", 0.5)]
)
def test_out_of_range_is_refused_naming_the_key(key, bad):
    with pytest.raises(ValueError, match=key):
        Scenario(name="t", parameters={key: bad})


def test_explain_shows_the_term_of_each_destination(world):
    params = {"b_herd": 2.0, "herd_memory_months": 3.0}
    model = model_before_decide(_scenario(**params), parse_month("2015-06"), world=world)
    w = model.world_index
    _, options = explain_group(model, "AAA", "BBB")
    herd = herd_term(model, model.settled())
    aaa, bbb = w.node("AAA"), w.node("BBB")
    assert len(options) > 0
    for row in options.itertuples():
        assert row.herd == pytest.approx(herd[aaa, bbb, w.node(row.destination)])
    assert (options.herd > 0).any()
    # the utility column carries it: without the term each utility is lower by it
    model.params = model.params.model_copy(update={"b_herd": 0.0})
    _, plain = explain_group(model, "AAA", "BBB")
    assert (plain.herd == 0).all()
    merged = options.merge(plain, on=["documents", "destination"], suffixes=("", "_plain"))
    np.testing.assert_allclose(merged.utility - merged.utility_plain, merged.herd, atol=1e-5)
