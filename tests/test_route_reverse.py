"""A crossing learnt one way is known the other way (``know_reverse``).

Route knowledge is kept per directed route; ``WorldIndex.edge_reverse`` pairs each irregular
route with the irregular route back over the same border, and ``know_reverse`` is the weight
of a nationality's crossings of that reverse route in what it knows (flowsim.model.knowledge).
"""

from __future__ import annotations

import numpy as np
import pytest

from flowsim.model import FlowModel
from flowsim.model.knowledge import UNKNOWN_STEP, pooled_with_reverse, unknown_share
from flowsim.scenario import Scenario
from flowsim.world import load_world
from toy_world import write_toy_world

SEEDS = (1, 2, 3)


def _scenario(months: int = 1, **params) -> Scenario:
    return Scenario.model_validate(
        {
            "name": "toy",
            "run": {"start": "2015-01", "months": months, "scale": 100},
            "parameters": {"hazard_max": 0.2, "b_know": 4.0, **params},
        }
    )


def test_reverse_routes_pair_irregular_crossings_of_the_same_border(tmp_path):
    w = FlowModel(_scenario(), world=load_world(write_toy_world(tmp_path / "toy"))).world_index
    for a, b in (("AAA-BBB", "BBB-AAA"), ("BBB-CCC", "CCC-BBB"), ("CCC-DDD", "DDD-CCC")):
        ea, eb = w.edge_id.index(a), w.edge_id.index(b)
        assert w.edge_reverse[ea] == eb and w.edge_reverse[eb] == ea
    legal = FlowModel(
        _scenario(), world=load_world(write_toy_world(tmp_path / "legal", legal=True))
    ).world_index
    assert (legal.edge_reverse == -1).all()  # legal routes are known to all: nothing to pool


def test_the_embedded_world_pairs_andean_trails_but_not_one_way_crossings():
    w = FlowModel(_scenario()).world_index
    rev = dict(zip(w.edge_id, w.edge_reverse, strict=True))
    ids = w.edge_id
    assert ids[rev["PER-BRA-land-irregular"]] == "BRA-PER-land-irregular"
    assert ids[rev["ECU-PER-land-irregular"]] == "PER-ECU-land-irregular"
    assert rev["COL-PAN-land"] == -1  # the Darien Gap is walked north only
    assert rev["MEX-USA-land"] == -1
    paired = w.edge_reverse >= 0
    assert paired.sum() == 28 and (~w.edge_legal).sum() == 36  # as docs/ODD.md states
    assert not w.edge_legal[paired].any()
    assert (w.edge_reverse[w.edge_reverse[paired]] == np.flatnonzero(paired)).all()


def test_pooling_adds_the_weighted_reverse_and_keeps_the_rest():
    use = np.array([[10.0, 1.0, 5.0], [0.0, 3.0, 0.0]])
    reverse = np.array([1, 0, -1])
    out = pooled_with_reverse(use, reverse, 0.5)
    np.testing.assert_allclose(out, [[10.5, 6.0, 5.0], [1.5, 3.0, 0.0]])
    np.testing.assert_array_equal(use, [[10.0, 1.0, 5.0], [0.0, 3.0, 0.0]])  # not modified


def test_a_crossing_learnt_one_way_is_known_the_other_way(tmp_path):
    folder = write_toy_world(tmp_path / "toy")
    share = {}
    for weight in (0.0, 0.5, 1.0):
        model = FlowModel(_scenario(know_reverse=weight), world=load_world(folder))
        w = model.world_index
        back, last = w.edge_id.index("DDD-CCC"), w.edge_label.index("Last border")
        model.route_use[0, back] = 20 * model.params.know_ref
        share[weight] = unknown_share(model)[:, last]
    assert share[0.0][0] == share[0.0][1]  # apart: the way back teaches nothing
    assert share[1.0][0] < share[0.5][0] < share[0.0][0]
    assert share[1.0][1] < share[0.0][1]  # the others hear of it a little (know_spill)
    assert share[1.0][0] < share[1.0][1]


def test_those_who_came_one_way_go_back_that_way_more(tmp_path):
    """Paired seeds: AAA nationals crossed DDD->CCC before the start; with know_reverse 1
    they know the last border going north and use it more."""
    folder = write_toy_world(tmp_path / "toy", push=20_000)
    (folder / "route_knowledge.csv").write_text(
        "route,nationality,people_per_year,source\nDDD-CCC,AAA,500000,t\n"
    )
    people = {0.0: 0.0, 1.0: 0.0}
    for seed in SEEDS:
        for weight in people:
            scenario = _scenario(12, know_ref=1e5, know_reverse=weight)
            model = FlowModel(scenario, world=load_world(folder), seed=seed)
            model.run_months()
            fl = model.recorder.flow_table()
            people[weight] += float(fl.loc[fl.route == "Last border", "people"].sum())
    assert people[1.0] > people[0.0], people


def test_zero_weight_is_the_model_without_pooling(tmp_path):
    folder = write_toy_world(tmp_path / "toy")
    model = FlowModel(_scenario(know_reverse=0.0), world=load_world(folder))
    model.route_use[:] = np.arange(model.route_use.size).reshape(model.route_use.shape) * 300.0
    p = model.params
    use = model.route_use
    heard = p.know_base + use + p.know_spill * (use.sum(axis=0, keepdims=True) - use)
    expected = p.know_ref / (p.know_ref + heard)
    expected[:, model.world_index.edge_legal] = 0.0
    rounded = np.round(expected / UNKNOWN_STEP) * UNKNOWN_STEP
    np.testing.assert_allclose(unknown_share(model), rounded)


@pytest.mark.parametrize("bad", [-0.1, 1.5])
def test_know_reverse_outside_0_1_is_refused(bad):
    with pytest.raises(ValueError, match="know_reverse"):
        _scenario(know_reverse=bad)


def test_two_trails_over_one_border_pair_none_and_modes_stay_apart(tmp_path):
    """A second irregular AAA->BBB land route makes the pairing ambiguous: neither it nor
    the first one, nor the way back, is paired; a boat between the same countries is not
    the reverse of a land trail."""
    folder = write_toy_world(tmp_path / "toy")
    with open(folder / "routes.csv", "a") as out:
        out.write("AAA-BBB-2,AAA,BBB,land,120,20,0.5,0.0,false,,t\n")
        out.write("BBB-AAA-sea,BBB,AAA,sea,120,20,0.5,0.0,false,,t\n")
    w = FlowModel(_scenario(), world=load_world(folder)).world_index
    for rid in ("AAA-BBB", "AAA-BBB-2", "BBB-AAA", "BBB-AAA-sea"):
        assert w.edge_reverse[w.edge_id.index(rid)] == -1, rid
    assert w.edge_reverse[w.edge_id.index("CCC-DDD")] == w.edge_id.index("DDD-CCC")
