"""Documents follow means: the passport draw tied to savings by a Gaussian copula."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from flowsim.model import FlowModel
from flowsim.model.economy import holds_passport, savings_normal
from flowsim.parameters import Parameters
from flowsim.scenario import load_scenario
from flowsim.vocab import IRREGULAR, NATIONAL

ROOT = Path(__file__).resolve().parents[1]


def _draws(n: int = 200_000) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(11)  # test data only; the model never uses this stream
    u0, u1, u_doc = rng.random(n), rng.random(n), rng.random(n)
    return savings_normal(u0, u1), u_doc, np.full(n, 0.3)


def test_independent_documents_are_the_plain_bernoulli_draw():
    """At 0 the old draw; just above 0 the copula's own formula gives the same passports."""
    wealth, u_doc, _ = _draws()
    share = np.resize([0.02, 0.3, 0.9], len(u_doc))  # agents of several origins at once
    got = holds_passport(u_doc, wealth, share, Parameters(passport_wealth=0.0))
    np.testing.assert_array_equal(got, u_doc < share)
    tiny = holds_passport(u_doc, wealth, share, Parameters(passport_wealth=1e-9))
    assert (tiny != (u_doc < share)).mean() < 1e-4  # only draws within 1e-9 of the cut differ


def test_mixed_origins_keep_each_their_share():
    wealth, u_doc, _ = _draws()
    share = np.resize([0.02, 0.3, 0.9], len(u_doc))
    got = holds_passport(u_doc, wealth, share, Parameters(passport_wealth=0.8))
    for s in (0.02, 0.3, 0.9):
        assert abs(got[share == s].mean() - s) < 0.006, s


@pytest.mark.parametrize("rho", [0.3, 0.8, 1.0])
def test_each_origin_keeps_its_passport_share(rho: float):
    wealth, u_doc, _ = _draws()
    for share in (0.05, 0.3, 0.66):
        got = holds_passport(
            u_doc, wealth, np.full(len(u_doc), share), Parameters(passport_wealth=rho)
        )
        assert abs(got.mean() - share) < 0.005, (rho, share, got.mean())


def test_passport_holders_are_richer_the_stronger_the_tie():
    wealth, u_doc, share = _draws()
    gaps = []
    for rho in (0.0, 0.5, 1.0):
        doc = holds_passport(u_doc, wealth, share, Parameters(passport_wealth=rho))
        gaps.append(wealth[doc].mean() - wealth[~doc].mean())
    assert abs(gaps[0]) < 0.02  # independent: no gap
    assert 0.3 < gaps[1] < gaps[2]
    # fully tied: every holder is richer than every non-holder
    doc = holds_passport(u_doc, wealth, share, Parameters(passport_wealth=1.0))
    assert wealth[doc].min() > wealth[~doc].max()


def test_edge_shares_are_all_or_nothing():
    wealth, u_doc, _ = _draws(1000)
    p = Parameters(passport_wealth=0.7)
    assert holds_passport(u_doc, wealth, np.ones(1000), p).all()
    assert not holds_passport(u_doc, wealth, np.zeros(1000), p).any()


def _model(rho: float) -> FlowModel:
    s = load_scenario(ROOT / "scenarios" / "baseline.toml").with_overrides(
        {"run.scale": 500.0, "run.months": 12, "parameters.passport_wealth": rho}
    )
    return FlowModel(s, seed=3, agents=False)


def test_new_emigrants_and_irregular_residents_follow_the_tie():
    """In the model: undocumented emigrants and irregular residents without papers are poorer."""
    tied, free = _model(1.0), _model(0.0)
    for m in (tied, free):
        for _ in range(3):
            m.step()
    gaps = []
    for m in (tied, free):
        P = m.population
        home = P.alive & (P.status == NATIONAL) & (P.location == P.nationality)
        irregular = P.alive & (P.status == IRREGULAR)
        gaps.append(
            (
                np.median(P.savings[home & P.documented])
                - np.median(P.savings[home & ~P.documented]),
                np.median(P.savings[irregular & P.documented])
                - np.median(P.savings[irregular & ~P.documented]),
            )
        )
    assert gaps[0][0] > gaps[1][0] + 100  # USD: emigrants still at home
    assert gaps[0][1] > gaps[1][1] + 50  # irregular residents of the initial stock
