"""Route knowledge: an irregular route is an option for those who know how to cross it.

Smuggling routes are learned from people who used them: a nationality learns a route as its
own people cross it (and a little from others crossing it: smugglers serve everyone), and
forgets it when the traffic stops. This is the information mechanism of route-choice models
of migration (Bijak et al. 2021, *Towards Bayesian Model-Based Demography*, Springer, ch. 3
and 8, the "Routes and Rumours" model; Hinsch & Bijak 2019). It is why a route long used by
some nationalities (Cubans and Haitians in the Darien in 2015-2016) stays almost unused by
others (Venezuelans before 2021) until some of them start using it.

Legal routes (flights, formal border posts) are known to all. ``know_base`` is what
everyone knows of every route without having seen it used (news, smugglers' offers). The run
starts from the crossings of the years before it (the world's optional
``route_knowledge.csv``: people a year, by route and nationality): a steady flow ``F`` a
year leaves ``use = F / 12 * know_memory_months``, the fixed point of the update below. Without
that table every nationality starts at ``know_base``. For an irregular route ``e`` and
nationality ``n``::

    use[n, e]   <- use[n, e] * (1 - 1 / know_memory_months) + crossings of the month
    own[n, e]   =  use[n, e] + know_reverse * use[n, reverse of e]
    heard       =  know_base + own[n, e] + know_spill * sum over others of own[., e]
                   + max(know_spill_network - know_spill, 0) * sum over peers of own[., e]
                   + know_spill * outside[e]
                   + max(know_spill_network - know_spill, 0) * outside in n's networks[e]
    unknown     =  know_ref / (know_ref + heard)      (1 = never heard of, 0 = well known)
    unknown     *= 1 - route_info[n]                   (news describing the way, this month)

``route_info[n]`` (``Effects.route_info``, 0 unless a mobilization with ``route_info`` runs)
is the share of the unknown that news describing the routes lifts for the nationality while
it runs: the Haitians' rumour of 2021 carried instructions sent by phone by relatives who
had just travelled (``hti_rumour_2021``). The lift applies before rounding.

Peers are the nationalities that share a smuggling network with ``n`` (the world's
optional ``smuggling_networks.csv``, ``WorldIndex.network_peers``): people who travel the
same path meet at the same gateways and cross in the same groups, so a peer's crossings
weigh the larger of ``know_spill_network`` and ``know_spill`` (at ``know_spill_network`` 0,
like everyone else's).

``outside`` are the crossings of people the model does not simulate (the world's optional
``outside_crossings.csv``: people a year, by route, year and smuggling network; e.g. the
Africans and Asians Panama counted in the Darien, who crossed in the same guided groups as
Cubans and Haitians), remembered the same way (``FlowModel.outside_use``: faded by
``know_memory_months``, each month adding the year's flow over 12; the run starts from the
steady state of the year before it; a year after the table's last holds its last flow).
They teach the members of their network as a peer's crossings do, and everyone else as any
other nationality's crossings do.

The reverse of ``e`` is the irregular route over the same border the other way by the
same mode (``WorldIndex.edge_reverse``; a route without one, such as the Darien Gap or the
Mexico-US border, pools nothing): a trail walked one way is known the other way too
(assumption: where to cross and whom to pay do not depend on the direction).
``know_reverse`` 0 keeps the two directions apart.

Route choice adds ``b_know * unknown`` to each route's generalised cost; a journey's
``U`` (the sum over its routes) costs ``b_know * (1 - exp(-U))`` in the destination utility
(``flowsim.model.utility.journey_term``): at most ``b_know``, however many crossings.

Kin who pay a journey's smugglers (``flowsim.model.decide.known_share``) know a route the
same way, except that every other nationality's crossings, network peers' included, weigh
``kin_spill`` times as much (``unknown_share(model, kin=True)``, summed per journey as
``PathTables.kin_unknown``): what kin vouch for is what their own people crossed.
With ``b_know`` 0 every route counts as known, for route choice and for kin alike.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from flowsim.world import year_layer

if TYPE_CHECKING:
    from flowsim.model.model import FlowModel
    from flowsim.parameters import Parameters
    from flowsim.world.compiled import WorldIndex

#: Steps of the unknown share kept in the journey tables: tables are rebuilt only when some
#: route's rounded share moves by a step. Numerical choice, not a model parameter.
UNKNOWN_STEP = 0.02


def initial_route_use(world: WorldIndex, params: Parameters) -> np.ndarray:
    """People of each nationality who crossed each route, ``[nationality, route]``, at the start.

    The steady state of the fading memory under the yearly flows before the start
    (``world.route_known``): ``flow / 12 * know_memory_months``.
    """
    return world.route_known / 12.0 * params.know_memory_months


def unknown_share(
    model: FlowModel, kin: bool = False, informed: np.ndarray | None = None
) -> np.ndarray:
    """Return the share of each route a nationality does not know, ``[nationality, route]``.

    Rounded to ``UNKNOWN_STEP``; 0 for legal routes and when ``b_know`` is 0. News that
    describes the routes (a mobilization's ``route_info``, ``Effects.route_info``) lifts
    the share ``informed[n]`` of nationality ``n``'s unknown: ``unknown * (1 - informed)``.

    Args:
        model: The model (its ``route_use``, ``outside_use`` and parameters).
        kin: If True, the share unknown to the kin who would pay the route's smuggler:
            every other nationality's crossings (network peers' included) weigh
            ``kin_spill`` times as much (a fee is vouched for by one's own people who
            crossed there).
        informed: ``[nationality]`` share of the unknown lifted by news this month
            (``Effects.route_info``); None lifts nothing.

    Returns:
        ``[nationality, route]`` unknown shares, rounded to ``UNKNOWN_STEP``.
    """
    w, p = model.world_index, model.params
    use = model.route_use
    if p.b_know == 0.0:
        return np.zeros_like(use)
    if p.know_reverse > 0.0:
        use = pooled_with_reverse(use, w.edge_reverse, p.know_reverse)
    scale = p.kin_spill if kin else 1.0
    spill = p.know_spill * scale
    heard = p.know_base + use + spill * (use.sum(axis=0, keepdims=True) - use)
    if p.know_spill_network > p.know_spill:  # peers weigh know_spill_network instead
        heard += (p.know_spill_network - p.know_spill) * scale * (w.network_peers @ use)
    outside = model.outside_use  # people not simulated: others to all, peers to members
    if outside.size:
        if p.know_reverse > 0.0:
            outside = pooled_with_reverse(outside, w.edge_reverse, p.know_reverse)
        heard = heard + spill * outside.sum(axis=0, keepdims=True)
        if p.know_spill_network > p.know_spill:
            heard += (p.know_spill_network - p.know_spill) * scale * (w.outside_members @ outside)
    unknown = p.know_ref / (p.know_ref + heard)
    if informed is not None:
        unknown *= 1.0 - informed[:, None]
    unknown[:, w.edge_legal] = 0.0
    return np.round(unknown / UNKNOWN_STEP) * UNKNOWN_STEP


def outside_flow_in(world: WorldIndex, year: int) -> np.ndarray:
    """People a year ``[network, route]`` not simulated who cross each route in ``year``.

    The table's flow of the latest year up to ``year`` (its last year's after the table
    ends); zeros before its first year or without the table.
    """
    k = year_layer(world.outside_years, year)
    if k < 0:
        return np.zeros(world.outside_flow.shape[::2])
    return world.outside_flow[:, k, :]


def initial_outside_use(world: WorldIndex, params: Parameters, start_year: int) -> np.ndarray:
    """Remembered crossings ``[network, route]`` of people not simulated, at the start.

    The steady state of the fading memory under the flow of the year before the start:
    ``flow / 12 * know_memory_months``.
    """
    return outside_flow_in(world, start_year - 1) / 12.0 * params.know_memory_months


def pooled_with_reverse(use: np.ndarray, reverse: np.ndarray, weight: float) -> np.ndarray:
    """Crossings ``[nationality, route]`` plus ``weight`` times those of the route back.

    ``reverse[e]`` is the irregular route over the same border the other way (-1 if none,
    ``WorldIndex.edge_reverse``): a crossing learnt one way is known the other way too.
    """
    has = reverse >= 0
    out = use.copy()
    out[:, has] += weight * use[:, reverse[has]]
    return out


def count_crossings(model: FlowModel, edge: np.ndarray, nationality: np.ndarray) -> None:
    """Add this month's crossings (agents) of routes by nationality."""
    if len(edge) == 0:
        return
    n_edges = model.world_index.n_edges
    key = nationality.astype(np.int64) * n_edges + edge.astype(np.int64)
    model.route_crossed += np.bincount(key, minlength=model.route_crossed.size).reshape(
        model.route_crossed.shape
    )


def learn_routes(model: FlowModel) -> None:
    """Phase ``learn``: fold the month's crossings (people) into what each nationality knows."""
    keep = 1.0 - 1.0 / model.params.know_memory_months
    model.route_use *= keep
    model.route_use += model.route_crossed * model.scale
    model.route_crossed[:] = 0
    if model.outside_use.size:  # people not simulated cross at their year's pace
        model.outside_use *= keep
        model.outside_use += outside_flow_in(model.world_index, model.month // 12) / 12.0
