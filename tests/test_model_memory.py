"""A finished model is freed: processes that run many models (sweeps, calibration) stay flat.

Mesa 3.3 keeps every model that created an agent alive through ``Agent._ids`` (Mesa issue
#3179); ``flowsim.agents.Migrant`` holds its id counters by weak reference instead.
"""

from __future__ import annotations

import gc
import weakref

from flowsim.model import FlowModel
from flowsim.scenario import Scenario
from flowsim.world import load_world
from toy_world import write_toy_world


def test_a_finished_model_is_garbage_collected(tmp_path):
    world = load_world(write_toy_world(tmp_path / "toy", push=20_000))
    scenario = Scenario.model_validate(
        {"name": "toy", "run": {"start": "2015-01", "months": 6, "scale": 100}}
    )
    refs = []
    for seed in (1, 2):
        model = FlowModel(scenario, world=world, seed=seed)
        model.run_months()
        assert len(model.agents) > 0
        ids = sorted(a.unique_id for a in model.agents)
        assert ids == list(range(1, len(ids) + 1))  # ids stay unique per model, from 1
        refs.append(weakref.ref(model))
        del model
    gc.collect()
    assert all(r() is None for r in refs)
