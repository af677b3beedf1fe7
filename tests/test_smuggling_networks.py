"""Route knowledge within smuggling networks (``know_spill_network``).

Nationalities that share a smuggling network (the world's optional
``smuggling_networks.csv``, ``WorldIndex.network_peers``) weigh each other's crossings of an
irregular route by ``know_spill_network`` instead of ``know_spill``
(flowsim.model.knowledge). The baseline sets ``know_spill`` 0 and ``know_spill_network`` 1:
Cubans and Haitians learn the Darien from each other, nobody else learns from them.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from flowsim.model import FlowModel, knowledge
from flowsim.model.knowledge import unknown_share
from flowsim.scenario import Scenario, load_scenario
from flowsim.world import World, load_world
from route_crossings import route_crossings
from toy_world import write_toy_world


def _scenario(**params: float) -> Scenario:
    return Scenario.model_validate(
        {
            "name": "toy",
            "run": {"start": "2015-01", "months": 1, "scale": 100},
            "parameters": {"b_know": 4.0, **params},
        }
    )


def _toy_with_network(tmp_path: Path, members: tuple[str, ...] = ("AAA", "BBB")) -> World:
    folder = write_toy_world(tmp_path / "toy")
    rows = "".join(f"n1,{m},t\n" for m in members)
    (folder / "smuggling_networks.csv").write_text("network,nationality,source\n" + rows)
    return load_world(folder)


def test_the_embedded_world_pairs_cubans_and_haitians_only():
    w = FlowModel(_scenario()).world_index
    cub, hti, ven = (w.iso3.index(c) for c in ("CUB", "HTI", "VEN"))
    peers = w.network_peers
    assert peers[cub, hti] == 1.0 and peers[hti, cub] == 1.0
    assert peers.sum() == 2.0  # one pair, both ways; nobody is their own peer
    assert not peers[ven].any() and not peers[:, ven].any()


def test_a_world_without_the_table_has_no_peers(tmp_path):
    w = FlowModel(_scenario(), world=load_world(write_toy_world(tmp_path / "toy"))).world_index
    assert not w.network_peers.any()


def test_a_network_peer_teaches_a_route_as_ones_own_people_would(tmp_path):
    world = _toy_with_network(tmp_path)
    model = FlowModel(_scenario(know_spill=0.0, know_spill_network=1.0), world=world)
    w = model.world_index
    last = w.edge_label.index("Last border")
    aaa, bbb, ccc = (w.iso3.index(c) for c in ("AAA", "BBB", "CCC"))
    model.route_use[aaa, last] = 3 * model.params.know_ref  # AAA crossed it, nobody else
    share = unknown_share(model)[:, last]
    assert share[bbb] == share[aaa] < 0.5  # the peer knows it as well as AAA
    p = model.params
    assert share[ccc] == pytest.approx(p.know_ref / (p.know_ref + p.know_base), abs=0.011)


def test_a_peer_weighs_the_larger_of_the_two_weights(tmp_path, monkeypatch):
    monkeypatch.setattr(knowledge, "UNKNOWN_STEP", 1e-12)  # exact shares, no rounding
    world = _toy_with_network(tmp_path)
    shares = {}
    for weight in (0.0, 0.02, 0.5, 1.0):
        model = FlowModel(_scenario(know_spill=0.05, know_spill_network=weight), world=world)
        w = model.world_index
        last = w.edge_label.index("Last border")
        aaa, bbb, ccc, ddd = (w.iso3.index(c) for c in ("AAA", "BBB", "CCC", "DDD"))
        model.route_use[aaa, last] = 20 * model.params.know_ref
        shares[weight] = unknown_share(model)[[aaa, bbb, ccc, ddd], last]
    for weight in (0.0, 0.02):  # at or below know_spill the peer is an outsider like CCC
        assert shares[weight][1] == pytest.approx(shares[weight][2], rel=1e-9)
    assert shares[1.0][1] < shares[0.5][1] < shares[0.0][1]
    assert shares[1.0][1] == pytest.approx(shares[1.0][0], rel=1e-9)  # as AAA's own, once
    np.testing.assert_allclose(shares[1.0][2:], shares[0.0][2:], rtol=1e-12)  # outsiders


def test_kin_weigh_network_crossings_by_kin_spill(tmp_path):
    world = _toy_with_network(tmp_path)
    params = {"know_spill": 0.0, "know_spill_network": 1.0}
    full = FlowModel(_scenario(**params), world=world)
    half = FlowModel(_scenario(kin_spill=0.5, **params), world=world)
    last = full.world_index.edge_label.index("Last border")
    for model in (full, half):
        model.route_use[0, last] = 3 * model.params.know_ref
    assert unknown_share(half, kin=True)[1, last] > unknown_share(full, kin=True)[1, last]
    assert unknown_share(half)[1, last] == unknown_share(full)[1, last]  # route choice: 1


def test_the_network_brings_haitians_through_the_darien():
    """Direction: without the Cuban-Haitian network the Haitians' Darien crossings fall."""
    base = load_scenario("scenarios/baseline.toml").with_overrides(
        {"run.scale": 2000.0, "run.months": 84}
    )
    totals = {
        weight: route_crossings(
            base.with_overrides({"parameters.know_spill_network": weight}),
            (1, 2),
            "Darien Gap",
            "HTI",
        )
        for weight in (1.0, 0.0)
    }
    assert totals[1.0] > 2 * totals[0.0], totals
