"""Fixtures shared by the test modules."""

from __future__ import annotations

from pathlib import Path

import pytest

from flowsim.model import FlowModel
from flowsim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def baseline_model() -> FlowModel:
    """The baseline at 200,000 people per agent, for reading a month's effects.

    One per test module: tests set ``model.month`` and apply the policies, so modules do not
    share it.
    """
    scenario = load_scenario(ROOT / "scenarios" / "baseline.toml").with_overrides(
        {"run.scale": 200_000.0}
    )
    return FlowModel(scenario, agents=False)
