"""Regression guard: the step stays vectorized (run only when asked: pytest -m perf).

A per-agent Python loop in the step would drop throughput by one to two orders of
magnitude; the floor below is far under the measured figures (README, Performance) so that
only such a regression trips it, not machine noise. Timing lives here, not in unit tests.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from flowsim.model import FlowModel
from flowsim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]

#: Agent-steps per second that a vectorized step clears easily on a 2-core laptop.
FLOOR = 1_000_000


@pytest.mark.perf
def test_step_throughput_at_100k_agents_stays_vectorized():
    base = load_scenario(ROOT / "scenarios" / "baseline.toml").with_overrides({"run.months": 96})
    probe = FlowModel(base.with_overrides({"run.scale": 1e6}), seed=1, agents=False)
    scale = probe.expected_emigrants() / 100_000
    model = FlowModel(base.with_overrides({"run.scale": scale}), seed=1, agents=False)
    t0 = time.perf_counter()
    model.run_months()
    rate = model.agent_steps / (time.perf_counter() - t0)
    assert model.population.n > 50_000
    assert rate > FLOOR, f"{rate:,.0f} agent-steps/s is below the {FLOOR:,} floor"
