"""Per-(nationality, country, status) lookup tables, rebuilt once a month.

Job finding, job loss, wages, status security, the diaspora network term and the
integration target depend on an agent's nationality, location and status (and, linearly,
on its integration), so they are tabulated for the few thousand cells and each agent reads
its cell with one gather. This replaces a dozen full-population arithmetic passes per phase
with small-table gathers, in float32.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from flowsim.model.utility import (
    home_term,
    income_term,
    job_access,
    language_term,
    network_term,
    removal_term,
    status_formal_access,
    status_security,
)
from flowsim.vocab import IRREGULAR, PENDING, STATUS_NAMES, VISITOR

if TYPE_CHECKING:
    from flowsim.model.model import FlowModel

N_STATUS = len(STATUS_NAMES)


@dataclass(frozen=True)
class CellTables:
    """Tables indexed by ``cell = (nationality * L + location) * N_STATUS + status`` (float32).

    ``find = find0[cell] + find1[cell] * integration`` is the monthly job-finding
    probability; ``loss`` the job-loss probability; ``wage`` the monthly wage (host level,
    shock multiplier, informal penalty); ``stay`` the part of the utility of staying that
    does not depend on the individual (``b_inc * log wage + b_secure * security +
    b_net * log(1 + diaspora / net_ref) + b_home * at home``); ``target`` the integration
    level the agent converges to.
    """

    find0: np.ndarray
    find1: np.ndarray
    loss: np.ndarray
    wage: np.ndarray
    stay: np.ndarray
    target: np.ndarray


def build_cells(model: FlowModel) -> None:
    """Phase ``cells``: tabulate this month's per-cell values into ``model.cells``."""
    model.cells = cell_tables(model)


def cell_tables(model: FlowModel) -> CellTables:
    """Build this month's tables from the world, policy effects, crowding and parameters."""
    w, p, fx = model.world_index, model.params, model.effects
    n = w.n_nodes
    a0, a1 = status_formal_access(p)  # formal access = a0 + a1 * integration, by status
    inf = w.informality[:, None]
    base_find = (p.job_find_rate * (1.0 - w.unemployment) * model.crowding)[:, None]
    find0 = base_find * job_access(inf, a0[None, :])  # [loc, status]
    find1 = base_find * (1.0 - inf) * a1[None, :]
    loss = np.broadcast_to(
        np.minimum(p.job_loss_rate * fx.job_loss_mult, 1.0)[:, None], (n, N_STATUS)
    )
    factor = np.ones(N_STATUS)
    factor[[IRREGULAR, PENDING, VISITOR]] = p.irregular_wage_factor
    wage = (w.wage * fx.wage_mult)[:, None] * factor[None, :]
    home = np.eye(n, dtype=bool)  # [nat, loc]
    stay = (
        income_term(wage, p)[None, :, :]
        + p.b_secure * status_security(p)[None, None, :]
        + (
            network_term(model.network, p)
            + home_term(w.emigration_rate(model.month), p)
            + language_term(w.same_language, p)
        )[:, :, None]
        - removal_term(fx.removal, p)[:, :, None] * (np.arange(N_STATUS) == IRREGULAR)
    )
    # integration target by (nationality, location, documented or not)
    basei = w.integration_base[None, :]
    pol = fx.integration
    documented = basei + pol * (1.0 - basei)
    undocumented = documented * (
        p.irregular_integration_factor + (1.0 - p.irregular_integration_factor) * pol
    )
    undoc_status = np.zeros(N_STATUS, dtype=bool)
    undoc_status[[IRREGULAR, PENDING, VISITOR]] = True
    target = np.where(undoc_status[None, None, :], undocumented[:, :, None], documented[:, :, None])
    target[home] = 1.0

    def per_cell(table: np.ndarray) -> np.ndarray:  # [loc, status] -> [nat, loc, status]
        return np.broadcast_to(table[None, :, :], (n, n, N_STATUS)).reshape(-1).astype(np.float32)

    return CellTables(
        find0=per_cell(find0),
        find1=per_cell(find1),
        loss=per_cell(np.ascontiguousarray(loss)),
        wage=per_cell(wage),
        stay=stay.reshape(-1).astype(np.float32),
        target=target.reshape(-1).astype(np.float32),
    )


def cells(
    nationality: np.ndarray, location: np.ndarray, status: np.ndarray, n_nodes: int
) -> np.ndarray:
    """Cell index of each agent."""
    key = nationality.astype(np.int32)
    key *= n_nodes
    key += location
    key *= N_STATUS
    key += status
    return key


#: log1p(months / 12) for every whole month an agent can have lived somewhere.
LOG_YEARS_HERE = np.log1p(np.arange(32001, dtype=np.float32) / 12.0).astype(np.float32)
