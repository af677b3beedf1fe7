"""Named streams and counter-based per-agent draws."""

from __future__ import annotations

import numpy as np

from flowsim.rng import agent_key, agent_uniform, replicate_seed, stream


def test_named_streams_are_stable_and_distinct():
    assert stream(7, "emigration").random() == stream(7, "emigration").random()
    assert stream(7, "emigration").random() != stream(7, "labor").random()
    assert stream(7, "emigration", 3).random() != stream(7, "emigration", 4).random()


def test_replicate_seeds_are_stable_and_distinct():
    seeds = [replicate_seed(123, k) for k in range(50)]
    assert seeds == [replicate_seed(123, k) for k in range(50)]
    assert len(set(seeds)) == 50 and min(seeds) >= 0


def test_agent_draw_does_not_depend_on_other_agents():
    keys = agent_key(np.arange(1000), 5)
    full = agent_uniform(1, "move", 30, keys)
    subset = agent_uniform(1, "move", 30, keys[[3, 500, 999]])
    np.testing.assert_array_equal(full[[3, 500, 999]], subset)


def test_agent_draws_are_uniform_and_decorrelated():
    keys = agent_key(np.arange(200_000), 1)
    u = agent_uniform(9, "labor", 100, keys)
    counts = np.histogram(u, bins=50, range=(0, 1))[0]
    chi2 = ((counts - 4000) ** 2 / 4000).sum()
    assert chi2 < 100, chi2  # 49 degrees of freedom: p < 1e-4 above 100
    for other in (
        agent_uniform(9, "labor", 101, keys),
        agent_uniform(9, "move", 100, keys),
        agent_uniform(10, "labor", 100, keys),
    ):
        assert abs(np.corrcoef(u, other)[0, 1]) < 0.01
    f32 = agent_uniform(9, "labor", 100, keys, dtype=np.float32)
    assert f32.dtype == np.float32 and 0 <= f32.min() and f32.max() < 1


def test_option_matrix_matches_single_options():
    keys = agent_key(np.arange(20), 2)
    m = agent_uniform(1, "choice", 4, keys, option=np.arange(5))
    for d in range(5):
        np.testing.assert_array_equal(m[:, d], agent_uniform(1, "choice", 4, keys, option=d))
