"""Phase 8, settling in: integration grows, time here counts, diaspora stocks update."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from flowsim.population import IRREGULAR, PENDING

if TYPE_CHECKING:
    from flowsim.model.model import FlowModel


def settle_in(model: FlowModel, idx: np.ndarray) -> None:
    """Advance integration and months-here of settled agents ``idx``; refresh the network."""
    P, w, p, fx, t = (model.population, model.world_index, model.params, model.effects,
                      model.month)
    loc = P.location[idx].astype(np.int64)
    nat = P.nationality[idx].astype(np.int64)
    base = w.integration_base[loc]
    policy = fx.integration[nat, loc]
    target = base + policy * (1.0 - base)
    status = P.status[idx]
    undocumented = (status == IRREGULAR) | (status == PENDING)
    factor = p.irregular_integration_factor + (1.0 - p.irregular_integration_factor) * policy
    target = np.where(undocumented, target * factor, target)
    target = np.where(loc == nat, 1.0, target)
    integ = P.integration[idx]
    P.integration[idx] = integ + p.integration_rate * (target - integ)
    older = idx[P.arrival_month[idx] < t]
    P.months_here[older] = np.minimum(P.months_here[older] + 1, 32000)
    model.refresh_network(idx)


def network_stock(model: FlowModel, idx: np.ndarray) -> np.ndarray:
    """Diaspora ``[nationality, country]`` in people: initial stock plus settled agents abroad."""
    P, n = model.population, model.world_index.n_nodes
    key = P.nationality[idx].astype(np.int64) * n + P.location[idx]
    agents = np.bincount(key, minlength=n * n).reshape(n, n).astype(np.float64)
    np.fill_diagonal(agents, 0.0)
    return model.world_index.diaspora + agents * model.scale


def recent_migrants(model: FlowModel) -> np.ndarray:
    """People per host who arrived during the run (network minus the initial diaspora)."""
    return (model.network - model.world_index.diaspora).sum(axis=0)
