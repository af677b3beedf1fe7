"""Incomes and job access: shared by the labor-market phase and the decision model."""

from __future__ import annotations

import numpy as np
from scipy.special import ndtri

from flowsim.model.utility import status_formal_access
from flowsim.parameters import Parameters


def formal_access(status: np.ndarray, integration: np.ndarray, p: Parameters) -> np.ndarray:
    """Access to formal jobs (0-1) by status and integration: ``a0[s] + a1[s] * I``."""
    a0, a1 = status_formal_access(p)
    return a0[status] + a1[status] * integration


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


def crowding(new_migrants: np.ndarray, population: np.ndarray, p: Parameters) -> np.ndarray:
    """Job-finding factor per host: 1 / (1 + recent migrants / (population * absorption))."""
    return 1.0 / (1.0 + new_migrants / (population * p.absorption))


def savings_normal(u0: np.ndarray, u1: np.ndarray) -> np.ndarray:
    """Return the standard normal behind a new agent's savings (Box-Muller of two uniforms)."""
    return np.sqrt(-2.0 * np.log1p(-u0)) * np.cos(2.0 * np.pi * u1)


def starting_savings(wealth: np.ndarray, p: Parameters) -> np.ndarray:
    """Return the savings (USD) a new agent holds: log-normal, median ``savings_median_usd``.

    Args:
        wealth: The standard normal behind each agent's savings (``savings_normal``), also
            what ``holds_passport`` ties documents to.
        p: The run's parameters (``savings_median_usd``, ``savings_sigma``).
    """
    return p.savings_median_usd * np.exp(p.savings_sigma * wealth)


def passport_share(base: np.ndarray, scale: float) -> np.ndarray:
    """Return the passport share of emigrants after ``passport_scale`` multiplies its odds.

    ``share = base * scale / (1 - base + base * scale)``: the odds ``base / (1 - base)``
    times ``scale``. It rises with ``scale``, is ``base`` at ``scale = 1``, and stays below 1
    for every ``base`` below 1, so no origin's emigrants all hold passports however large the
    scale (a share times the scale, capped at 1, made every Cuban emigrant a passport holder at
    every calibrated scale, and every emigrant of the origins with a base share of 0.5 at most
    of them).

    Args:
        base: Each origin's passport share (countries.csv ``passport_share``), 0-1.
        scale: The multiplier of the odds (``Parameters.passport_scale``), 0 or more.
    """
    base = np.clip(np.asarray(base, dtype=np.float64), 0.0, 1.0)
    scaled = base * scale
    denominator = 1.0 - base + scaled
    # base 1 at scale 0 is 0 / 0: no passports at scale 0, as for every other base
    return np.divide(scaled, denominator, out=np.zeros_like(scaled), where=denominator > 0)


def holds_passport(
    u_doc: np.ndarray, wealth: np.ndarray, share: np.ndarray, p: Parameters
) -> np.ndarray:
    """Return whether each agent holds a passport, given its origin's passport share.

    A Gaussian copula ties documents to means: the latent
    ``L = rho * wealth - sqrt(1 - rho^2) * ndtri(u_doc)`` is standard normal whatever
    ``rho = passport_wealth``, and the agent holds a passport when ``L`` is in the top
    ``share`` of its distribution, so each origin keeps its passport share exactly. At
    ``rho = 0`` this is ``u_doc < share``; at ``rho = 1`` the passport holders are the
    richest ``share`` of the emigrants.

    Args:
        u_doc: Uniform draws in [0, 1), one per agent (the draw naming the document).
        wealth: The standard normal behind each agent's savings (``savings_normal``).
        share: Each agent's chance of a passport (0-1), e.g. its origin's passport share.
        p: The run's parameters (``passport_wealth``).
    """
    rho = p.passport_wealth
    share = np.clip(np.asarray(share, dtype=np.float64), 0.0, 1.0)
    if rho == 0.0:
        return u_doc < share
    eps = 1e-12
    latent = rho * wealth - np.sqrt(1.0 - rho * rho) * ndtri(np.clip(u_doc, eps, 1.0 - eps))
    cut = ndtri(np.clip(1.0 - share, eps, 1.0 - eps))
    return np.where(share >= 1.0, True, np.where(share <= 0.0, False, latent > cut))


def holds_visas(
    u_doc: np.ndarray,
    wealth: np.ndarray,
    share: np.ndarray,
    given: np.ndarray,
    access: np.ndarray,
    p: Parameters,
) -> np.ndarray:
    """Return whether each passport holder also holds the visas legal entry requires.

    The latent that ranks passports (``holds_passport``) ranks visas above them: of the
    agents holding a passport by that latent (share ``share``), those in its top
    ``share * visa_share * access`` hold visas, so ``visa_share * access`` of them; of those
    given a passport otherwise (``given``: a regular status, a pathway), the top
    ``visa_share * access`` of the same latent.

    Args:
        u_doc: The uniform draw naming the agent's documents (as in ``holds_passport``).
        wealth: The standard normal behind each agent's savings.
        share: Each agent's chance of a passport by the latent (its origin's share).
        given: Whether each agent holds a passport whatever the latent says. The result
            means something only for passport holders (the caller ands it with them).
        access: Each agent's nationality's ``visa_access`` (1 when the world has none).
        p: The run's parameters (``visa_share``, ``passport_wealth``).
    """
    base = np.where(given, 1.0, np.clip(np.asarray(share, dtype=np.float64), 0.0, 1.0))
    return holds_passport(u_doc, wealth, base * p.visa_share * access, p)
