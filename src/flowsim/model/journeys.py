"""Journeys: the one place where agents change location (departure, crossings, arrival).

Every move goes through ``start_journeys`` and ``travel``, which keep location, transit
state, crossing records and deaths consistent (a single owner of "an agent is in exactly
one place"). A journey follows the least-cost path open to the agent's nationality (legal
routes only for labor-pathway journeys); each completed crossing is recorded with the
journey's kind. Travel advances each traveller by one month of route time, crossing as
many routes as fit; the loop runs over hops (at most the number of countries), never over
agents.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from flowsim import draws
from flowsim.model.knowledge import count_crossings
from flowsim.model.record import JOURNEY_EVENT
from flowsim.policies.effects import DEPORT_ORIGIN, DEPORT_PREVIOUS
from flowsim.rng import agent_uniform
from flowsim.vocab import (
    FIRST,
    INITIAL_COHORT,
    IRREGULAR,
    LABOR_VISA,
    NATIONAL,
    NEVER_MONTH,
    PATHWAY,
    PENDING,
    REGULAR,
    VISITOR,
)

if TYPE_CHECKING:
    from flowsim.model.model import FlowModel

#: Permit months of a pending case that is granted (asylum, cancellation of removal): a
#: lasting status, renewed like other permits. Assumption.
GRANTED_PERMIT_MONTHS = 60


def _next_edge(model: FlowModel, rows: np.ndarray, at: np.ndarray) -> np.ndarray:
    """First route from ``at`` towards each row's destination (-1 when unreachable)."""
    P = model.population
    dest = P.dest[rows]
    edge = model.paths.next_edge[model.journey_class(rows), at, dest].astype(np.int64)
    path = P.kind[rows] == PATHWAY
    if path.any():
        edge[path] = model.legal_paths.next_edge[0, at[path], dest[path]]
    return edge


def start_journeys(
    model: FlowModel,
    rows: np.ndarray,
    dest: np.ndarray,
    kind: int | np.ndarray,
    pay: bool = True,
    new: bool | np.ndarray = True,
) -> np.ndarray:
    """Send agents on journeys from where they are to ``dest``.

    Agents with no open route towards ``dest`` (a closure since the choice, or a contract
    end with no way home) do not leave; the caller decides what becomes of them.

    Args:
        model: The model.
        rows: Settled agents leaving now.
        dest: Destination node per agent.
        kind: Journey kind code (scalar or per agent).
        pay: Deduct the journey's cost from savings (False for sponsored pathways).
        new: Whether each departure starts a journey (counted in ``journeys_<kind>``);
            False for a migrant leaving a stop shorter than ``residence_months``, who
            continues the journey of that kind.

    Returns:
        Boolean mask over ``rows``: True for those who left.
    """
    if len(rows) == 0:
        return np.zeros(0, dtype=bool)
    P, rec = model.population, model.recorder
    dest = np.broadcast_to(np.asarray(dest, dtype=np.int64), rows.shape)
    kinds = np.broadcast_to(np.asarray(kind, dtype=np.int8), rows.shape)
    new = np.broadcast_to(np.asarray(new, dtype=bool), rows.shape)
    loc = P.location[rows].astype(np.int64)
    old_dest, old_kind = P.dest[rows], P.kind[rows]
    P.dest[rows] = dest
    P.kind[rows] = kinds
    edge = _next_edge(model, rows, loc)
    left = edge >= 0
    if not left.all():  # restore those who cannot leave
        P.dest[rows[~left]] = old_dest[~left]
        P.kind[rows[~left]] = old_kind[~left]
        rows, dest, kinds, loc, edge = (rows[left], dest[left], kinds[left], loc[left], edge[left])
        new = new[left]
    nat = P.nationality[rows].astype(np.int64)
    lived = lived_here(model, rows)
    rec.count("left_residence", loc[lived], nat[lived])
    if pay:
        cost = model.paths.cost[model.journey_class(rows), loc, dest]
        P.savings[rows] = np.maximum(P.savings[rows] - cost, 0.0)
    P.in_transit[rows] = True
    P.employed[rows] = False
    P.moves[rows] += 1
    P.edge[rows] = edge
    P.months_left[rows] = model.world_index.edge_months[edge]
    for k in np.unique(kinds[new]):
        sel = new & (kinds == k)
        rec.count(JOURNEY_EVENT[int(k)], loc[sel], nat[sel])
    return left


def deport(model: FlowModel, rows: np.ndarray, target: np.ndarray) -> None:
    """Remove settled ``rows`` to ``target`` countries, counted as ``deported`` where they were.

    No journey is recorded and no processing regime applies where they are sent.
    """
    P = model.population
    model.recorder.count("deported", P.location[rows], P.nationality[rows])
    _settle(model, rows, target, processed=False)


def _settle(
    model: FlowModel,
    rows: np.ndarray,
    where: np.ndarray,
    legal_entry: np.ndarray | bool = False,
    processed: bool = True,
) -> None:
    """End journeys of ``rows`` at ``where``: arrival, stranding or removal.

    The status held there: national at home; a labor visa at a pathway's destination; a
    visitor's short stay after a legal entry (``legal_entry``: the last route crossed was a
    legal one); otherwise irregular. Then, if ``processed``, the destination's processing
    regime (``Effects.arrival``) may expel the newcomer, release it with a pending case or
    protect it (see ``_process_arrivals``).
    """
    P, t = model.population, model.month
    where = np.broadcast_to(np.asarray(where, dtype=np.int64), rows.shape)
    legal_entry = np.broadcast_to(np.asarray(legal_entry, dtype=bool), rows.shape)
    edge_in = P.edge[rows].astype(np.int64)  # the route just travelled (-1 if none)
    arrived = P.dest[rows] == where  # reached the destination (not stranded or sent back)
    P.location[rows] = where
    P.in_transit[rows] = False
    P.edge[rows] = -1
    P.dest[rows] = -1
    P.months_here[rows] = 0
    P.arrival_month[rows] = t
    P.employed[rows] = False
    home = P.nationality[rows] == where
    pathway = (P.kind[rows] == PATHWAY) & arrived & ~home
    visitor = ~home & ~pathway & legal_entry
    new_status = np.where(
        home, NATIONAL, np.where(pathway, LABOR_VISA, np.where(visitor, VISITOR, IRREGULAR))
    )
    keep = (P.status[rows] == LABOR_VISA) & pathway  # already a visa holder
    new_status = np.where(keep, LABOR_VISA, new_status)
    changed = rows[~keep]
    P.status[rows] = new_status
    P.status_since[changed] = t
    contract_end = t + P.permit_months[changed].astype(np.int32)
    visit_end = np.int32(t + model.params.visitor_months)
    P.status_until[changed] = np.where(
        pathway[~keep], contract_end, np.where(visitor[~keep], visit_end, np.int32(NEVER_MONTH))
    )
    P.integration[rows] = np.where(home, 1.0, 0.0)
    model.recorder.count("settled", where, P.nationality[rows])
    if processed:
        fx = model.effects.arrival
        nat = P.nationality[rows].astype(np.int64)
        subject = ~home & ~pathway & (~legal_entry | fx.all_entries[nat, where])
        if subject.any():
            _process_arrivals(model, rows[subject], where[subject], edge_in[subject])


def lived_here(model: FlowModel, rows: np.ndarray) -> np.ndarray:
    """Whether each agent in ``rows`` lives where it is, abroad: its usual residence.

    ``residence_months`` or more there (a shorter stay is a stop on a journey), or a
    member of the initial stock that has not moved since the run began (UN DESA counts
    usual residents; the initial stock is placed with ``moves`` 1, the move that took it
    abroad), and not at home (``national``).
    """
    P = model.population
    resident = (P.months_here[rows] >= model.params.residence_months) | (
        (P.cohort[rows] == INITIAL_COHORT) & (P.moves[rows] <= 1)
    )
    return resident & (P.status[rows] != NATIONAL)


def _process_arrivals(
    model: FlowModel, rows: np.ndarray, where: np.ndarray, edge_in: np.ndarray
) -> None:
    """Apply the destination's processing regime to newcomers ``rows`` at ``where``.

    One draw (``arrival.regime``) per newcomer splits them by the regime's shares into
    expelled (sent on to the regime's ``deport_to``, recorded as deported), released with a
    pending case (decided after the hearing; granted with the regime's probability, draw
    ``arrival.grant``), protected (regular for the regime's months) and unchanged. An
    expelled newcomer tries again the next month with probability
    ``ArrivalRegime.retry_chance`` (``retry_expelled`` next to the host, ``retry_far`` when
    sent further; draw ``arrival.retry``).
    """
    P, t, seed, fx = model.population, model.month, model.seed, model.effects.arrival
    nat = P.nationality[rows].astype(np.int64)
    e, pd_, pr = fx.expelled[nat, where], fx.pending[nat, where], fx.protected[nat, where]
    if not (e.any() or pd_.any() or pr.any()):
        return
    u = agent_uniform(seed, draws.ARRIVAL_REGIME, t, P.key[rows])
    expel = u < e
    pend = ~expel & (u < e + pd_)
    prot = ~expel & ~pend & (u < e + pd_ + pr)
    if pend.any():
        r, n_, w_ = rows[pend], nat[pend], where[pend]
        ok = agent_uniform(seed, draws.ARRIVAL_GRANT, t, P.key[r]) < fx.grant[n_, w_]
        P.status[r] = PENDING
        P.status_until[r] = t + fx.hearing_months[n_, w_].astype(np.int32)
        P.permit_months[r] = np.where(ok, GRANTED_PERMIT_MONTHS, 0)
    if prot.any():
        r, n_, w_ = rows[prot], nat[prot], where[prot]
        months = fx.protected_months[n_, w_].astype(np.int32)
        P.status[r] = REGULAR
        P.status_until[r] = t + months
        P.permit_months[r] = months
    if expel.any():
        r, n_, w_ = rows[expel], nat[expel], where[expel]
        target = fx.deport_to[n_, w_]
        came_from = np.where(
            edge_in[expel] >= 0, model.world_index.edge_src[np.maximum(edge_in[expel], 0)], w_
        )
        target = np.where(
            target == DEPORT_ORIGIN, n_, np.where(target == DEPORT_PREVIOUS, came_from, target)
        )
        moved = target != w_
        deport(model, r[moved], target[moved])
        # expulsion without further penalty is followed by new attempts: those who retry
        # leave again next month, choosing afresh (``FlowModel.pending_forced``); next to the
        # host with ``retry_expelled``, from further away (flown home) with ``retry_far``
        back = r[moved]
        p = model.params
        chance = fx.retry_chance(model.world_index, p.retry_expelled, p.retry_far)[n_, w_]
        retry = agent_uniform(seed, draws.ARRIVAL_RETRY, t, P.key[back]) < chance[moved]
        model.pending_forced = np.concatenate([model.pending_forced, back[retry]])


def _rebook_grounded(model: FlowModel, rows: np.ndarray) -> np.ndarray:
    """Travellers at the gate of a charter that no longer flies them take another way.

    A traveller whose month ran out as it reached a charter route (``months_left`` still
    the whole flight) boards it this month only if an airlift still carries its
    nationality (``Effects.flown``). Otherwise it takes its journey's next route from where
    it is, or, with no way on, is stranded there (its entry counted irregular; the host's
    regime applies). Returns the rows still travelling.
    """
    P, w, fx = model.population, model.world_index, model.effects
    edge = P.edge[rows].astype(np.int64)
    nat = P.nationality[rows].astype(np.int64)
    charter = w.edge_charter[edge] & (edge >= 0)
    if not charter.any():
        return rows
    unboarded = P.months_left[rows] >= w.edge_months[edge].astype(np.float32)
    grounded = charter & unboarded & ~fx.flown[nat, edge]
    if not grounded.any():
        return rows
    g = rows[grounded]
    nxt = _next_edge(model, g, P.location[g].astype(np.int64))
    on = nxt >= 0
    P.edge[g[on]] = nxt[on]
    P.months_left[g[on]] = w.edge_months[nxt[on]]
    if (~on).any():  # stranded where they stand: no route was travelled (edge -1)
        P.edge[g[~on]] = -1
        _settle(model, g[~on], P.location[g[~on]].astype(np.int64))
    return rows[~np.isin(rows, g[~on])]


def travel(model: FlowModel) -> None:
    """Phase ``travel``: advance every traveller by one month along its journey."""
    P, w, fx, rec, t, seed = (
        model.population,
        model.world_index,
        model.effects,
        model.recorder,
        model.month,
        model.seed,
    )
    rows = _rebook_grounded(model, np.flatnonzero(P.in_transit & P.alive))
    budget = np.ones(len(rows), dtype=np.float32)
    hop = 0
    while len(rows):
        edge = P.edge[rows].astype(np.int64)
        left = P.months_left[rows]
        done = left <= budget
        P.months_left[rows[~done]] = left[~done] - budget[~done]
        rows, edge, budget = rows[done], edge[done], (budget - left)[done]
        if not len(rows):
            break
        nat = P.nationality[rows].astype(np.int64)
        src, dst = w.edge_src[edge], w.edge_dst[edge]
        keys = P.key[rows]
        # death or disappearance on the crossing
        dies = agent_uniform(seed, draws.TRAVEL_DEATH, t, keys, option=hop) < w.edge_risk[edge]
        # interception (enforcement) or being turned back (partial closure)
        u = agent_uniform(seed, draws.TRAVEL_INTERCEPT, t, keys, option=hop)
        blocked = fx.closed[nat, edge]
        p_stop = 1.0 - (1.0 - fx.intercept[nat, edge]) * (1.0 - blocked)
        stopped = ~dies & (u < p_stop)
        turned_back = stopped & (u < blocked)  # a closed border sends people back
        crossed = ~dies & ~stopped
        if dies.any():
            d = rows[dies]
            P.alive[d] = False
            P.in_transit[d] = False
            rec.count("deaths", src[dies], nat[dies])
        if stopped.any():
            s, e_s = rows[stopped], edge[stopped]
            rec.count("intercepted", dst[stopped], nat[stopped])
            target = fx.deport_to[e_s]
            target = np.where(turned_back[stopped], DEPORT_PREVIOUS, target)
            target = np.where(
                target == DEPORT_ORIGIN,
                nat[stopped],
                np.where(target == DEPORT_PREVIOUS, src[stopped], target),
            )
            removed = target != src[stopped]
            rec.count("deported", dst[stopped][removed], nat[stopped][removed])
            _settle(model, s, target, processed=False)
        rows, edge, budget, dst = rows[crossed], edge[crossed], budget[crossed], dst[crossed]
        rec.cross(edge, P.nationality[rows], P.kind[rows], P.lived_abroad[rows])
        count_crossings(model, edge, P.nationality[rows])
        P.location[rows] = dst
        arrived = dst == P.dest[rows]
        if arrived.any():
            legal = w.edge_legal[edge[arrived]]
            _settle(model, rows[arrived], dst[arrived], legal_entry=legal)
        rows, budget, dst = rows[~arrived], budget[~arrived], dst[~arrived]
        edge = edge[~arrived]
        nxt = _next_edge(model, rows, dst) if len(rows) else np.zeros(0, dtype=np.int64)
        stranded = nxt < 0
        if stranded.any():
            legal = w.edge_legal[edge[stranded]]
            _settle(model, rows[stranded], dst[stranded], legal_entry=legal)
        rows, budget, nxt = rows[~stranded], budget[~stranded], nxt[~stranded]
        P.edge[rows] = nxt
        P.months_left[rows] = w.edge_months[nxt]
        keep = budget > 0
        rows, budget = rows[keep], budget[keep]
        hop += 1
        if hop > 4 * w.n_nodes:  # guard against zero-duration cycles in user worlds
            break
    transit = np.flatnonzero(P.in_transit & P.alive)
    rec.count("in_transit", P.location[transit], P.nationality[transit])


__all__ = ["FIRST", "deport", "start_journeys", "travel"]
