"""Route prices: a policy sets what crossing a route costs, and journeys follow the price.

Toy line world AAA (origin) -> BBB -> CCC -> DDD (routes of 10 USD each); paired seeds
(common random numbers), so each comparison differs only by the price.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from pydantic import ValidationError

from flowsim.model import FlowModel
from flowsim.model.journeys import start_journeys
from flowsim.policies.families.route_price import RoutePricePolicy
from flowsim.scenario import Scenario
from flowsim.vocab import FIRST
from flowsim.world import load_world
from toy_world import write_toy_world

SEEDS = (1, 2, 3)


def _scenario(policies: list[dict], months: int = 24) -> Scenario:
    return Scenario.model_validate(
        {
            "name": "toy",
            "run": {"start": "2015-01", "months": months, "scale": 100},
            "parameters": {"hazard_max": 0.2},
            "policies": policies,
        }
    )


def _price(**kw: object) -> dict:
    return {"type": "route_price", "name": "p", "routes": ["Last border"], "start": "2015-01", **kw}


def _last_border(world: Path, policies: list[dict]) -> float:
    total = 0.0
    for seed in SEEDS:
        model = FlowModel(_scenario(policies), world=load_world(world), seed=seed)
        model.run_months()
        fl = model.recorder.flow_table()
        total += float(fl.loc[fl.route == "Last border", "people"].sum())
    return total


def test_a_dearer_crossing_is_used_less_and_a_cheaper_one_more(tmp_path):
    world = write_toy_world(tmp_path / "toy", push=20_000)
    base = _last_border(world, [])
    dear = _last_border(world, [_price(cost_usd=600.0)])
    cheap = _last_border(world, [_price(multiplier=0.0)])
    assert dear < base < cheap, (dear, base, cheap)


def test_journey_tables_carry_the_policy_price(tmp_path):
    """The month's journey tables (what choices weigh and journeys pay) carry the price."""
    world = load_world(write_toy_world(tmp_path / "toy", push=20_000))
    s = _scenario([_price(cost_usd=500.0, start="2015-03")])
    model = FlowModel(s, world=world, seed=1)
    w = model.world_index
    a, d = w.node("AAA"), w.node("DDD")
    edge = w.routes_matching("Last border")[0]
    costs = []
    for _ in range(3):  # after each step: the effects and tables of the month just run
        model.step()
        costs.append((float(model.effects.edge_cost[edge]), float(model.paths.cost[0, a, d])))
    assert costs[0] == (10.0, pytest.approx(30.0))  # 2015-01: three routes at 10 USD
    assert costs[1] == (10.0, pytest.approx(30.0))
    assert costs[2] == (500.0, pytest.approx(520.0))  # 2015-03: the policy's price


def test_a_ramp_moves_the_price_linearly_and_the_end_restores_it(tmp_path):
    world = load_world(write_toy_world(tmp_path / "toy"))
    s = _scenario([_price(cost_usd=110.0, start="2015-02", end="2015-05", ramp_months=2)], months=6)
    model = FlowModel(s, world=world, seed=1)
    edge = model.world_index.routes_matching("Last border")[0]
    prices = []
    for _ in range(6):
        model.step()  # then the effects are those of the month just run
        prices.append(float(model.effects.edge_cost[edge]))
    assert prices[0] == 10.0  # 2015-01: before the policy
    assert 10.0 < prices[1] < 110.0  # 2015-02: ramping up
    assert prices[3] == 110.0
    assert prices[5] == 10.0  # 2015-06: after its end
    w = model.world_index
    assert model.paths.cost[0, w.node("AAA"), w.node("DDD")] == pytest.approx(30.0)  # restored


def test_later_prices_replace_earlier_ones_and_multipliers_multiply(tmp_path):
    world = load_world(write_toy_world(tmp_path / "toy"))
    policies = [
        _price(name="a", cost_usd=200.0),
        _price(name="b", cost_usd=300.0, start="2015-02"),
        _price(name="c", multiplier=2.0, start="2015-03"),
    ]
    model = FlowModel(_scenario(policies, months=4), world=world, seed=1)
    edge = model.world_index.routes_matching("Last border")[0]
    prices = []
    for _ in range(3):
        model.step()
        prices.append(float(model.effects.edge_cost[edge]))
    assert prices == [200.0, 300.0, 600.0]  # 2015-01 a; 2015-02 b replaces it; then c doubles


def test_a_price_needs_exactly_one_of_cost_and_multiplier():
    with pytest.raises(ValidationError, match="exactly one"):
        RoutePricePolicy.model_validate(
            {"type": "route_price", "routes": ["x"], "start": "2015-01"}
        )
    with pytest.raises(ValidationError, match="exactly one"):
        RoutePricePolicy.model_validate(
            {
                "type": "route_price",
                "routes": ["x"],
                "start": "2015-01",
                "cost_usd": 1.0,
                "multiplier": 2.0,
            }
        )


def test_a_saver_pays_the_policy_price(tmp_path):
    """Journeys deduct the month's price: savings fall by the priced journey's cost."""
    world = load_world(write_toy_world(tmp_path / "toy", push=20_000))
    model = FlowModel(_scenario([_price(cost_usd=500.0)], months=2), world=world, seed=1)
    P, w = model.population, model.world_index
    d = w.node("DDD")
    rows = model.add_emigrants("AAA", 5)  # at home in 2015-01, the price already active
    P.savings[rows] = 2_000.0  # enough for the journey
    start_journeys(model, rows, np.full(len(rows), d), FIRST)
    assert P.in_transit[rows].all()
    np.testing.assert_allclose(2_000.0 - P.savings[rows], 520.0, rtol=1e-6)


def test_pathway_journeys_follow_the_policy_price(tmp_path):
    """Legal-route tables (labor pathways) are rebuilt at the month's prices as well."""
    world = load_world(write_toy_world(tmp_path / "toy", legal=True))
    model = FlowModel(_scenario([_price(multiplier=3.0)], months=2), world=world, seed=1)
    w = model.world_index
    a, d = w.node("AAA"), w.node("DDD")
    model.step()
    assert model.legal_paths.cost[0, a, d] == pytest.approx(50.0)  # 10 + 10 + 3 x 10
