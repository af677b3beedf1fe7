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
    _lay_off(model, employed)
    P.employed[:] = employed
    income = ct.wage[c] * skill_wage(P.skill, p)
    savings = P.savings
    kept = np.where(
        employed,
        savings + np.float32(p.save_rate) * income,
        savings * np.float32(1.0 - p.dissave_rate),
    )
    np.copyto(savings, kept, where=settled)


def _lay_off(model: FlowModel, employed: np.ndarray) -> None:
    """Take the job of the employed migrants a shock lays off this month, in place.

    Each employed migrant (an agent living outside its own country) in a host with a
    layoff share ``s`` (``Effects.layoff``, a shock's ``layoff_share``) loses its job with
    chance ``s`` (draw ``labor.layoff``), on top of the month's ordinary job losses; it
    earns nothing this month and finds work again at the host's usual rate. Nationals
    living at home are not laid off.
    """
    share = model.effects.layoff
    if not share.any():
        return
    P = model.population
    abroad = P.location != P.nationality
    rows = np.flatnonzero(employed & abroad & (share[P.location] > 0.0))
    if len(rows) == 0:
        return
    v = agent_uniform(model.seed, draws.LAYOFF, model.month, P.key[rows], dtype=np.float32)
    employed[rows[v < share[P.location[rows]].astype(np.float32)]] = False
