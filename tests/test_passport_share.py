"""The passport share after ``passport_scale``: its odds scaled, never saturating at 1."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from flowsim.draws import SOURCE_EMIGRATION
from flowsim.model import FlowModel
from flowsim.model.economy import passport_share
from flowsim.scenario import load_scenario
from flowsim.vocab import IRREGULAR, NATIONAL

ROOT = Path(__file__).resolve().parents[1]
BASES = np.array([0.0, 0.2, 0.3, 0.5, 0.6, 1.0])


def test_scale_one_keeps_the_data_share():
    np.testing.assert_allclose(passport_share(BASES, 1.0), BASES)


def test_the_odds_are_multiplied_by_the_scale():
    inner = BASES[1:-1]
    got = passport_share(inner, 2.5)
    np.testing.assert_allclose(got / (1 - got), 2.5 * inner / (1 - inner))


@pytest.mark.parametrize("scale", [0.2, 1.0, 2.0, 5.0, 10.0])
def test_shares_stay_inside_zero_one_and_keep_their_order(scale: float):
    got = passport_share(BASES, scale)
    assert got[0] == 0.0 and got[-1] == 1.0
    assert np.all(got[1:-1] > 0.0) and np.all(got[1:-1] < 1.0)
    assert np.all(np.diff(got) > 0), "a larger base share must stay larger"


def test_scale_zero_means_no_passports_even_at_a_base_of_one():
    np.testing.assert_array_equal(passport_share(BASES, 0.0), np.zeros(len(BASES)))


def test_the_share_rises_with_the_scale_and_does_not_saturate():
    scales = np.array([0.2, 0.5, 1.0, 2.0, 4.0, 8.0])
    cuba = np.array([passport_share(np.array([0.6]), s)[0] for s in scales])
    assert np.all(np.diff(cuba) > 0)
    # the old form, min(0.6 * scale, 1), made every Cuban a passport holder from 1.67 on
    assert cuba[-1] < 0.93


#: The scale of the model-level tests, and Cuba's passport share under it (0.818; 1 under the
#: old cap, min(0.6 * 3, 1)).
SCALE = 3.0
CUBA = float(passport_share(np.array([0.6]), SCALE)[0])


def _model(people_per_agent: float) -> FlowModel:
    """The baseline at ``SCALE``, documents independent of savings, before its first step."""
    scenario = load_scenario(ROOT / "scenarios" / "baseline.toml").with_overrides(
        {
            "run.scale": people_per_agent,
            "run.months": 1,
            "parameters.passport_scale": SCALE,
            "parameters.passport_wealth": 0.0,
        }
    )
    return FlowModel(scenario, seed=5, agents=False)


def test_new_emigrants_hold_passports_at_the_scaled_share():
    """Model level: Cuban emigrants (base 0.6) hold passports at the odds-scaled share."""
    model = _model(500.0)
    cuba = model.world_index.node("CUB")
    rows = model.add_agents(np.full(20_000, cuba), SOURCE_EMIGRATION)
    pop = model.population
    assert np.all(pop.status[rows] == NATIONAL)
    assert abs(pop.documented[rows].mean() - CUBA) < 0.015


def test_the_initial_stock_abroad_holds_passports_at_the_scaled_share():
    """Model level: irregular Cubans abroad at the start hold passports at the scaled share."""
    model = _model(50.0)
    pop = model.population
    cuban = pop.alive & (pop.nationality == model.world_index.node("CUB"))
    irregular = cuban & (pop.status == IRREGULAR)
    assert irregular.sum() >= 500, irregular.sum()
    spread = 3 * np.sqrt(CUBA * (1 - CUBA) / irregular.sum())
    assert abs(pop.documented[irregular].mean() - CUBA) < spread
