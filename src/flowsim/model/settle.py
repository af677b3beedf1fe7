"""Phase ``settle``: integration grows, time here counts, diaspora stocks update."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from flowsim.model.cells import cells
from flowsim.vocab import RUN_COHORT

if TYPE_CHECKING:
    from flowsim.model.model import FlowModel


def settle_in(model: FlowModel) -> None:
    """Advance integration and months-here of settled agents; refresh the network.

    Integration moves a share ``integration_rate`` towards the target of the agent's
    (nationality, host, documented) cell each month.
    """
    P, p, t, ct = model.population, model.params, model.month, model.cells
    settled = model.settled()
    key = cells(P.nationality, P.location, P.status, model.world_index.n_nodes)
    integ = P.integration
    np.copyto(
        integ, integ + np.float32(p.integration_rate) * (ct.target[key] - integ), where=settled
    )
    older = settled & (P.arrival_month < t) & (P.months_here < 32000)
    P.months_here[older] += 1
    # residence_months lived outside one's own country make every later crossing a
    # third-country resident's, until as long back home makes home the residence again
    lived = settled & (P.months_here >= model.params.residence_months)
    P.lived_abroad[lived] = (P.location != P.nationality)[lived]
    model.refresh_network(settled)


def network_stock(model: FlowModel, settled: np.ndarray) -> np.ndarray:
    """Diaspora ``[nationality, country]`` in people: settled agents abroad plus the base.

    The base (``model.network_base``) is the world's diaspora table for nationalities
    without initial-stock agents; for the others the agents (initial stock included) are
    the whole diaspora, so nobody is counted twice.
    """
    P, n = model.population, model.world_index.n_nodes
    key = (P.nationality.astype(np.int32) * n + P.location)[settled]
    agents = np.bincount(key, minlength=n * n).reshape(n, n).astype(np.float64)
    np.fill_diagonal(agents, 0.0)
    return model.network_base + agents * model.scale


def recent_migrants(model: FlowModel, settled: np.ndarray) -> np.ndarray:
    """People per host who arrived during the run: settled agents abroad, initial stock aside."""
    P = model.population
    mine = settled & (P.cohort == RUN_COHORT) & (P.location != P.nationality)
    counts = np.bincount(P.location[mine], minlength=model.world_index.n_nodes)
    return counts.astype(np.float64) * model.scale
