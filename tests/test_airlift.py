"""Airlifts (``airlift``) and the charter routes they fly (``[[world.add_routes]]``, ``charter``).

Toy line world AAA (origin) -> BBB -> CCC -> DDD on irregular routes, plus a charter flight
from BBB straight to DDD. The charter is closed to everyone, whatever their papers, until an
airlift carries a nationality on it, and only in the airlift's months; a route closure
still applies; labor pathways never use it.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from conservation import assert_conserved
from flowsim.calendar import parse_month
from flowsim.model import FlowModel
from flowsim.model.classes import NO_PASSPORT, PASSPORT, TIERS, VISAS
from flowsim.model.effects_phase import apply_policies
from flowsim.scenario import Scenario
from flowsim.scenario.load import validate_files
from flowsim.scenario.schema import NewRoute, RouteChange, WorldOverrides
from flowsim.world import load_world
from flowsim.world.compiled import compile_world
from toy_world import write_toy_world

CHARTER = {
    "route_id": "BBB-DDD-charter",
    "from_iso3": "BBB",
    "to_iso3": "DDD",
    "mode": "air",
    "distance_km": 500,
    "cost_usd": 5,
    "duration_months": 0.05,
    "risk": 0.0,
    "legal": True,
    "name": "Charter",
    "charter": True,
}
AIRLIFT = {
    "type": "airlift",
    "name": "lift",
    "routes": ["Charter"],
    "nationalities": ["AAA"],
    "start": "2015-03",
    "end": "2015-04",
}


def _scenario(policies: list[dict], months: int = 8) -> Scenario:
    return Scenario.model_validate(
        {
            "name": "toy",
            "run": {"start": "2015-01", "months": months, "scale": 100},
            "parameters": {"hazard_max": 0.2, "visa_share": 1.0},
            "world": {"add_routes": [CHARTER]},
            "policies": policies,
        }
    )


def _world(folder, visa: bool, months_ab: float = 0.5):
    write_toy_world(folder, push=60_000, months_ab=months_ab)
    if visa:  # DDD requires a visa of everyone
        visas = (folder / "visas.csv").read_text().replace("DDD,ALL,false", "DDD,ALL,true")
        (folder / "visas.csv").write_text(visas)
    return load_world(folder)


@pytest.fixture(scope="module", params=[True, False], ids=["visa", "visa-free"])
def world(tmp_path_factory, request):
    """The toy world with DDD requiring a visa of everyone, and without."""
    return _world(tmp_path_factory.mktemp("toy"), request.param)


def _at(model: FlowModel, month: str) -> FlowModel:
    """The model with ``month``'s effects and journey tables."""
    model.month = parse_month(month)
    apply_policies(model)
    return model


def _charter_open(model: FlowModel, visas: bool) -> np.ndarray:
    """``[nationality]``: whether the charter is open to that nationality's travellers."""
    w = model.world_index
    edge = w.edge_id.index("BBB-DDD-charter")
    return model.effects.open_edges(w, visas=visas)[:, edge]


def _legs(model: FlowModel, tier: int) -> int:
    """Routes on the journey from BBB to DDD of AAA's travellers of document ``tier``."""
    w = model.world_index
    return int(model.paths.legs[TIERS * w.node("AAA") + tier, w.node("BBB"), w.node("DDD")])


def test_a_charter_route_is_closed_to_everyone_without_an_airlift(world):
    model = _at(FlowModel(_scenario([]), world=world, seed=1), "2015-03")
    assert model.world_index.edge_charter.sum() == 1
    assert not _charter_open(model, visas=False).any()
    assert not _charter_open(model, visas=True).any()
    for tier in (NO_PASSPORT, PASSPORT, VISAS):
        assert _legs(model, tier) == 2  # overland through CCC
    assert not model.legal_paths.reachable.any()  # pathways never fly a charter


def test_the_airlift_opens_its_route_to_its_nationality_in_its_months_only(world):
    model = FlowModel(_scenario([AIRLIFT]), world=world, seed=1)
    aaa = model.world_index.node("AAA")
    months = (("2015-02", False), ("2015-03", True), ("2015-04", True), ("2015-05", False))
    for month, open_ in months:
        _at(model, month)
        expected = np.zeros(model.world_index.n_nodes, dtype=bool)
        expected[aaa] = open_
        for visas in (False, True):
            np.testing.assert_array_equal(_charter_open(model, visas), expected, err_msg=month)
        for tier in (NO_PASSPORT, PASSPORT, VISAS):  # whatever their papers
            assert _legs(model, tier) == (1 if open_ else 2), (month, tier)
    assert not model.legal_paths.reachable.any()


def test_a_route_closure_still_closes_a_charter(world):
    closure = {
        "type": "route_closure",
        "name": "shut",
        "routes": ["Charter"],
        "start": "2015-01",
        "admit_nationals": False,
    }
    model = _at(FlowModel(_scenario([AIRLIFT, closure]), world=world, seed=1), "2015-03")
    assert not _charter_open(model, visas=True).any()
    assert _legs(model, PASSPORT) == 2


def test_the_airlift_carries_people_in_its_months_and_everyone_is_accounted_for(world):
    """Crossings of the charter happen only while the airlift runs; the population balances."""
    model = FlowModel(_scenario([AIRLIFT]), world=world, seed=3)
    model.run_months(8)
    assert_conserved(model)
    flows = model.recorder.flow_table()
    flown = flows[flows["route"] == "Charter"]
    assert flown["people"].sum() > 0
    months = set(flown.loc[flown["people"] > 0, "month"].astype(str).str[:7])
    assert months <= {"2015-03", "2015-04"}, months
    without = FlowModel(_scenario([]), world=world, seed=3)
    without.run_months(8)
    assert_conserved(without)
    flows0 = without.recorder.flow_table()
    assert flows0.loc[flows0["route"] == "Charter", "people"].sum() == 0


def test_no_one_boards_a_charter_after_its_airlift(tmp_path):
    """A month of travel to BBB ends at the charter's gate: those who reach it in the
    airlift's last month must not fly the month after (they take the road instead)."""
    world = _world(tmp_path / "toy", visa=True, months_ab=1.0)
    model = FlowModel(_scenario([AIRLIFT]), world=world, seed=3)
    model.run_months(8)
    assert_conserved(model)
    flows = model.recorder.flow_table()
    flown = flows[(flows["route"] == "Charter") & (flows["people"] > 0)]
    assert set(flown["month"].astype(str).str[:7]) == {"2015-03", "2015-04"}
    road = flows[(flows["route"] == "Last border") & (flows["people"] > 0)]
    assert (road["month"].astype(str).str[:7] == "2015-05").any()


def test_a_charter_route_must_be_legal(tmp_path):
    """Bad input: one line naming the file, the route's key and what is allowed."""
    bad = {**CHARTER, "legal": False}
    body = "\n".join(f"{k} = {json.dumps(v)}" for k, v in bad.items())
    path = tmp_path / "bad.toml"
    path.write_text(
        'name = "bad"\n[run]\nstart = "2015-01"\nmonths = 2\n[[world.add_routes]]\n' + body + "\n",
        encoding="utf-8",
    )
    problems = validate_files([path])
    assert len(problems) == 1, problems
    text = str(problems[0])
    assert "bad.toml" in text and "world.add_routes[0]" in text, text
    assert "charter = true needs legal = true" in text, text


def test_a_route_change_reaches_an_added_route(world):
    """`[[world.routes]]` may change or close a route the scenario adds."""
    changed = _scenario([]).model_copy(
        update={
            "world": WorldOverrides(
                add_routes=(NewRoute(**CHARTER),),
                routes=(RouteChange(route="Charter", cost_usd=1.0),),
            )
        }
    )
    w = compile_world(world, changed)
    assert w.edge_cost[w.edge_id.index("BBB-DDD-charter")] == 1.0
    closed = changed.model_copy(
        update={
            "world": WorldOverrides(
                add_routes=(NewRoute(**CHARTER),),
                routes=(RouteChange(route="Charter", closed=True),),
            )
        }
    )
    w = compile_world(world, closed)
    assert "BBB-DDD-charter" not in w.edge_id and not w.edge_charter.any()
