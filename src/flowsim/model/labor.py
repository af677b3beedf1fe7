"""Phase ``labor``: jobs found and lost, income earned, savings kept."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from flowsim import draws
from flowsim.model.cells import cells
from flowsim.model.utility import skill_wage
from flowsim.rng import agent_uniform

if TYPE_CHECKING:
    from flowsim.model.model import FlowModel


def labor_market(model: FlowModel) -> None:
    """Update employment, income and savings of settled agents.

    Works on whole columns (contiguous, float32) with the month's cell tables; rows that are
    not settled keep their savings and hold no job.
    """
    P, p, ct = model.population, model.params, model.cells
    settled = model.settled()
    c = cells(P.nationality, P.location, P.status, model.world_index.n_nodes)
    find = ct.find0[c] + ct.find1[c] * P.integration
    u = agent_uniform(model.seed, draws.LABOR, model.month, P.key, dtype=np.float32)
    employed = np.where(P.employed, u >= ct.loss[c], u < find) & settled
    P.employed[:] = employed
    income = ct.wage[c] * skill_wage(P.skill, p)
    savings = P.savings
    kept = np.where(
        employed,
        savings + np.float32(p.save_rate) * income,
        savings * np.float32(1.0 - p.dissave_rate),
    )
    np.copyto(savings, kept, where=settled)
