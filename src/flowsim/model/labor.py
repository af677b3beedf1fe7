"""Phase 4, labor market: jobs found and lost, income earned, savings kept."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from flowsim.model.economy import employment_odds, formal_access, job_access, wage_factor
from flowsim.rng import agent_uniform

if TYPE_CHECKING:
    from flowsim.model.model import FlowModel


def labor_market(model: FlowModel, idx: np.ndarray) -> None:
    """Update employment, income and savings of settled agents ``idx``."""
    P, w, p, fx = model.population, model.world_index, model.params, model.effects
    loc = P.location[idx]
    status = P.status[idx]
    access = job_access(w.informality[loc], formal_access(status, P.integration[idx], p))
    find, loss, _ = employment_odds(access, w.unemployment[loc], fx.job_loss_mult[loc], p,
                                   model.crowding[loc])
    u = agent_uniform(model.seed, "labor", model.month, P.key[idx])
    employed = P.employed[idx]
    employed = np.where(employed, u >= loss, u < find)
    P.employed[idx] = employed
    income = (w.wage[loc] * fx.wage_mult[loc] * wage_factor(status, p)
              * (0.6 + 0.8 * P.skill[idx]))
    savings = P.savings[idx]
    P.savings[idx] = np.where(employed, savings + p.save_rate * income,
                              savings * (1.0 - p.dissave_rate))
