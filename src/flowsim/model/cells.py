"""Per-(country, status) lookup tables, rebuilt once a month, so per-agent work is a gather.

Job finding, job loss, wages and security depend on an agent's location and status (and,
linearly, on its integration), so they are tabulated for the few hundred (location, status)
cells and each agent reads its cell. This replaces a dozen full-population arithmetic passes
per phase with one small-table gather each, in float32.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from flowsim.population import IRREGULAR, PENDING, STATUS_NAMES

if TYPE_CHECKING:
    from flowsim.model.model import FlowModel

N_STATUS = len(STATUS_NAMES)


@dataclass(frozen=True)
class CellTables:
    """Tables indexed by ``cell = location * N_STATUS + status`` (float32).

    ``find = find0[cell] + find1[cell] * integration`` is the monthly job-finding
    probability; ``loss`` the job-loss probability; ``wage`` the monthly wage of the cell
    (host level, shock multiplier, informal penalty); ``secure`` the status security term.
    """

    find0: np.ndarray
    find1: np.ndarray
    loss: np.ndarray
    wage: np.ndarray
    log_wage: np.ndarray
    secure: np.ndarray  # [N_STATUS]
    target: np.ndarray  # integration target [(nat * L + loc) * 2 + undocumented]


def cell_tables(model: FlowModel) -> CellTables:
    """Build this month's tables from the world, policy effects, crowding and parameters."""
    w, p, fx = model.world_index, model.params, model.effects
    n = w.n_nodes
    # formal access = a0 + a1 * integration, by status
    a0 = np.ones(N_STATUS)
    a1 = np.zeros(N_STATUS)
    a0[IRREGULAR], a1[IRREGULAR] = p.irregular_formal_access, 1.0 - p.irregular_formal_access
    a0[PENDING], a1[PENDING] = 0.5, 0.5
    inf = w.informality[:, None]
    base_find = (p.job_find_rate * (1.0 - w.unemployment) * model.crowding)[:, None]
    find0 = base_find * (inf + (1.0 - inf) * a0[None, :])
    find1 = base_find * (1.0 - inf) * a1[None, :]
    loss = np.broadcast_to(
        np.minimum(p.job_loss_rate * fx.job_loss_mult, 1.0)[:, None], (n, N_STATUS)
    )
    factor = np.ones(N_STATUS)
    factor[[IRREGULAR, PENDING]] = p.irregular_wage_factor
    wage = (w.wage * fx.wage_mult)[:, None] * factor[None, :]
    secure = np.ones(N_STATUS)
    secure[IRREGULAR], secure[PENDING] = 0.0, 0.5
    # integration target by (nationality, location, undocumented)
    basei = w.integration_base[None, :]
    pol = fx.integration
    documented = basei + pol * (1.0 - basei)
    undocumented = documented * (
        p.irregular_integration_factor + (1.0 - p.irregular_integration_factor) * pol
    )
    target = np.stack([documented, undocumented], axis=-1)
    idx = np.arange(n)
    target[idx, idx, :] = 1.0
    f32 = np.float32
    return CellTables(
        find0=find0.reshape(-1).astype(f32),
        find1=find1.reshape(-1).astype(f32),
        loss=np.ascontiguousarray(loss).reshape(-1).astype(f32),
        wage=wage.reshape(-1).astype(f32),
        log_wage=np.log(np.maximum(wage, 1.0)).reshape(-1).astype(f32),
        secure=secure.astype(f32),
        target=target.reshape(-1).astype(f32),
    )


def cells(location: np.ndarray, status: np.ndarray) -> np.ndarray:
    """Cell index of each agent."""
    return location.astype(np.int32) * N_STATUS + status


#: log1p(months / 12) for every whole month an agent can have lived somewhere.
LOG_YEARS_HERE = np.log1p(np.arange(32001, dtype=np.float32) / 12.0).astype(np.float32)
