"""Incomes and job access: shared by the labor-market phase and the decision model."""

from __future__ import annotations

import numpy as np

from flowsim.parameters import Parameters
from flowsim.vocab import IRREGULAR, PENDING


def formal_access(status: np.ndarray, integration: np.ndarray, p: Parameters) -> np.ndarray:
    """Access to formal jobs (0-1) by status and integration."""
    irregular = p.irregular_formal_access + (1.0 - p.irregular_formal_access) * integration
    pending = 0.5 + 0.5 * integration
    return np.where(status == IRREGULAR, irregular, np.where(status == PENDING, pending, 1.0))


def job_access(informality: np.ndarray, access: np.ndarray) -> np.ndarray:
    """Access to any job: the informal sector is open to all, the formal one by ``access``."""
    return informality + (1.0 - informality) * access


def employment_odds(
    access: np.ndarray,
    unemployment: np.ndarray,
    loss_mult: np.ndarray,
    p: Parameters,
    crowding: np.ndarray | float = 1.0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Monthly job-finding and job-loss probabilities and the steady-state employment rate.

    ``crowding`` (0-1] scales job finding down as recent migrants fill the host's jobs.
    """
    find = p.job_find_rate * access * (1.0 - unemployment) * crowding
    loss = np.minimum(p.job_loss_rate * loss_mult, 1.0)
    steady = find / np.maximum(find + loss, 1e-9)
    return find, loss, steady


def wage_factor(status: np.ndarray, p: Parameters) -> np.ndarray:
    """Wage relative to the host level: informal/undocumented work pays less."""
    return np.where((status == IRREGULAR) | (status == PENDING), p.irregular_wage_factor, 1.0)


def crowding(new_migrants: np.ndarray, population: np.ndarray, p: Parameters) -> np.ndarray:
    """Job-finding factor per host: 1 / (1 + recent migrants / (population * absorption))."""
    return 1.0 / (1.0 + new_migrants / (population * p.absorption))
