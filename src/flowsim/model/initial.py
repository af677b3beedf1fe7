"""Initialization: the migrants already abroad when a run starts, created as agents.

For every (nationality, host) pair of a modelled nationality (an origin with a push series)
the world's bilateral stock of the latest year not after the run's start (UN DESA 2015 for
the default world) becomes ``stock * initial_stock_share / scale`` agents. The fractional
part of a pair is rounded up with probability equal to it (draw ``initial.round`` of the
pair), so every pair's total is right in expectation and pairs below half an agent are not
lost. The agents carry ``cohort = pre2015`` and otherwise live by the same rules as
everyone else.

Their attributes, all drawn per agent from named counter-based draws keyed on the agent:

- time in the host: the arrival period is drawn with weights equal to the pair's stock
  increments between the table's years (its earliest stock spread over the 25 years
  before; *derived* from the UN DESA series), uniform within the period;
- legal status: naturalized / irregular / regular with the host's shares from
  ``initial_status.csv`` (each row has its source or assumption); a regular resident's
  naturalization clock starts at the run's start;
- documents: everyone but the irregular holds a passport; the irregular hold one with
  the origin's passport share, the richer more often (as new emigrants,
  ``economy.holds_passport``);
- employment: employed with probability ``1 - host unemployment`` (assumption);
- savings: a new emigrant's log-normal draw plus a year of the model's savings from the
  host wage when employed (assumption);
- integration: where the model's monthly convergence towards the host's level would have
  brought them after their years there (documented or undocumented target).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from flowsim import draws
from flowsim.model.economy import (
    holds_passport,
    holds_visas,
    passport_share,
    savings_normal,
    starting_savings,
)
from flowsim.rng import agent_key, agent_uniform
from flowsim.vocab import INITIAL_COHORT, IRREGULAR, NATURALIZED, NEVER_MONTH, REGULAR

if TYPE_CHECKING:
    from flowsim.model.model import FlowModel

#: Years over which a pair's earliest recorded stock is taken to have arrived (assumption).
EARLIEST_SPREAD_YEARS = 25


def initial_counts(model: FlowModel) -> np.ndarray:
    """Agents to create per (nationality, host): ``int64 [L, L]`` (zero where none).

    Only nationalities with a push series (the modelled origins) are created.
    """
    w, t0 = model.world_index, model.month
    n = w.n_nodes
    counts = np.zeros((n, n), dtype=np.int64)
    k = int(np.searchsorted(w.stock_years, t0 // 12, side="right")) - 1
    share = model.params.initial_stock_share
    if k < 0 or share <= 0:
        return counts
    expected = w.stock[k] * share / model.scale
    keep = np.zeros(n, dtype=bool)
    keep[w.origins] = True
    expected[~keep, :] = 0.0
    whole = np.floor(expected)
    pair_keys = agent_key(draws.SOURCE_INITIAL, np.arange(n * n, dtype=np.int64))
    u = agent_uniform(model.seed, draws.INITIAL_ROUND, t0, pair_keys).reshape(n, n)
    counts = (whole + (u < expected - whole)).astype(np.int64)
    counts[~keep, :] = 0
    return counts


def _arrival_months(model: FlowModel, pair: np.ndarray, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Months lived in the host at the run's start, per agent of ``pair`` (flat index)."""
    w, t0 = model.world_index, model.month
    n = w.n_nodes
    k = int(np.searchsorted(w.stock_years, t0 // 12, side="right")) - 1
    years = w.stock_years[: k + 1]
    hist = w.stock[: k + 1].reshape(k + 1, n * n)  # [years, pairs]
    inc = np.maximum(np.diff(hist, axis=0, prepend=0.0), 0.0)  # arrivals per period
    inc[-1] += (inc.sum(axis=0) == 0) * 1.0  # no history: all arrived in the last period
    cdf = np.cumsum(inc, axis=0) / inc.sum(axis=0)
    period = (cdf[:, pair] < u[None, :]).sum(axis=0)  # [agents]
    period = np.minimum(period, k)
    ends = years.astype(np.float64) + 0.5  # stocks are counted at mid-year
    starts = np.r_[ends[0] - EARLIEST_SPREAD_YEARS, ends[:-1]]
    arrival_year = starts[period] + v * (ends[period] - starts[period])
    start_year = t0 / 12.0
    months = np.round((start_year - arrival_year) * 12.0)
    return np.clip(months, 1, 32000).astype(np.int16)


def create_initial_stock(model: FlowModel) -> np.ndarray:
    """Create the migrants abroad at the run's start; return their rows.

    Vectorized over agents; the only per-agent Python work is the creation of the Mesa
    objects (``FlowModel.register_agents``).
    """
    counts = initial_counts(model)
    total = int(counts.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    w, p, t0, seed = model.world_index, model.params, model.month, model.seed
    n = w.n_nodes
    pair = np.repeat(np.arange(n * n), counts.reshape(-1))
    nat, host = np.divmod(pair, n)
    first = np.repeat(np.cumsum(counts.reshape(-1)) - counts.reshape(-1), counts.reshape(-1))
    batch = np.arange(total) - first  # index within the pair: keys independent of other pairs
    keys = agent_key(draws.SOURCE_INITIAL, nat, host, batch)
    u = agent_uniform(seed, draws.INITIAL_ATTRIBUTES, t0, keys, option=np.arange(8))
    months_here = _arrival_months(model, pair, u[:, 0], u[:, 1])
    shares = w.status_shares[nat, host]  # [agents, 2]
    status = np.where(
        u[:, 2] < shares[:, 0],
        NATURALIZED,
        np.where(u[:, 2] < shares[:, 0] + shares[:, 1], IRREGULAR, REGULAR),
    ).astype(np.int8)
    irregular = status == IRREGULAR
    passport = passport_share(w.passport_share[nat], p.passport_scale)
    wealth = savings_normal(u[:, 5], u[:, 6])
    documented = ~irregular | holds_passport(u[:, 3], wealth, passport, p)
    visas = documented & holds_visas(u[:, 3], wealth, passport, ~irregular, w.visa_access[nat], p)
    employed = u[:, 4] >= w.unemployment[host]
    savings = starting_savings(wealth, p) + employed * p.save_rate * 12.0 * w.wage[host]
    base = w.integration_base[host]
    target = np.where(irregular, base * p.irregular_integration_factor, base)
    integration = target * -np.expm1(months_here * np.log1p(-min(p.integration_rate, 0.999)))
    arrival = t0 - months_here.astype(np.int32)
    status_since = np.where(status == NATURALIZED, arrival, np.where(irregular, arrival, t0))
    rows = model.population.add(
        total,
        key=keys,
        nationality=nat,
        location=host,
        status=status,
        status_since=status_since,
        status_until=NEVER_MONTH,
        documented=documented,
        visa_holder=visas,
        employed=employed,
        savings=savings,
        skill=u[:, 7],
        months_here=months_here,
        arrival_month=arrival,
        integration=integration,
        moves=1,
        lived_abroad=True,
        cohort=INITIAL_COHORT,
    )
    model.register_agents(rows)
    return rows
