"""Herd: a destination draws more while compatriots are leaving for it.

Migrants weigh where their compatriots live (the network term) and, separately, where their
compatriots are going now: a destination gains value while people of one's nationality are
leaving one's place for it, and loses it again when the departures stop (herd behaviour in
migration decisions: Epstein 2008, Journal of Ethnic and Migration Studies 34(4):567-583;
flows as well as stocks shape location choices: Bauer, Epstein & Gang 2007, Research in
Labor Economics 26:199-229). It is the positive feedback of a wave: a destination that
becomes attractive draws some, whose leaving draws more, and the wave stops when the
destination stops paying.

For nationality ``n`` living in ``i``, with ``m = herd_memory_months``::

    departed[n, i, j] <- departed[n, i, j] * (1 - 1 / m) + agents of n who left i for j this month
                         (at the end of each month's decide; a choice or a labor pathway)
    rate[n, i, j]     =  departed[n, i, j] / (m * settled agents of n in i)
    herd[n, i, j]     =  b_herd * rate / (rate + herd_ref)

``rate`` is the recent monthly share of one's compatriots here who left for ``j``; the term
is at most ``b_herd`` and half of it at ``herd_ref``. It is a term of migrants abroad: at
home (``i == n``) the people who stay are not agents (only this month's emigrants and the
returnees are), so there is no rate to follow and the term is 0; first moves follow the
diaspora through the network term. It is added to every destination's
utility for those living in ``i`` (``decide.destination_utility``), so it moves both where
movers go and, through the nest value, how many wish to move. With ``b_herd`` 0 (the
default) nothing is counted and every run is as before this term existed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from flowsim.model.model import FlowModel


def herd_active(model: FlowModel) -> bool:
    """Whether the herd term is on (``b_herd`` > 0)."""
    return model.params.b_herd > 0.0


def count_departures(model: FlowModel, nat: np.ndarray, src: np.ndarray, dest: np.ndarray) -> None:
    """Count this month's departures (one per agent who left) by nationality, place, destination.

    Exact integer counts in ``model.departing``, so the month's total does not depend on the
    order or blocks in which movers are processed; ``remember_departures`` folds them in.

    Args:
        model: The model.
        nat: Nationality (node index) of each agent who left.
        src: Node each of them left.
        dest: Node each of them left for.
    """
    if not herd_active(model) or len(nat) == 0:
        return
    n = model.world_index.n_nodes
    flat = (nat.astype(np.int64) * n + src.astype(np.int64)) * n + dest.astype(np.int64)
    model.departing += np.bincount(flat, minlength=n * n * n).reshape(n, n, n)


def remember_departures(model: FlowModel) -> None:
    """Fold this month's departures into the fading memory (end of phase ``decide``).

    ``departed <- departed * (1 - 1 / herd_memory_months) + departing``: steady departures
    of ``d`` a month settle at ``herd_memory_months * d``, so ``herd_term``'s rate is the
    monthly share; with ``herd_memory_months`` 1 it is last month's.
    """
    if herd_active(model):
        model.departed *= 1.0 - 1.0 / model.params.herd_memory_months
        model.departed += model.departing
        model.departing[:] = 0


def herd_term(model: FlowModel, settled: np.ndarray) -> np.ndarray | None:
    """Return the herd term of every nationality, place and destination.

    Args:
        model: The model (its remembered departures, population and parameters).
        settled: Mask of the agents counted as living where they are.

    Returns:
        ``[nationality, from, to]`` utilities, 0 at home (``from`` the nationality's own
        country); None when ``b_herd`` is 0.
    """
    if not herd_active(model):
        return None
    P, p = model.population, model.params
    n = model.world_index.n_nodes
    group = P.nationality.astype(np.int64) * n + P.location.astype(np.int64)
    here = np.bincount(group[settled], minlength=n * n).reshape(n, n)
    rate = model.departed / (p.herd_memory_months * np.maximum(here, 1.0))[:, :, None]
    nat = np.arange(n)
    rate[nat, nat, :] = 0.0  # at home only emigrants and returnees are agents: no rate
    return p.b_herd * rate / (rate + p.herd_ref)


__all__ = ["count_departures", "herd_active", "herd_term", "remember_departures"]
