"""Phase ``decide``: stay, move on, return, or take a labor pathway.

Aspiration-capability random utility (terms in ``flowsim.model.utility``). Destination utilities are
evaluated once per (nationality, location) group, never per agent; each agent's wish to
move is a hazard rising with the gain of the group's inclusive value over its own utility
of staying (integration, status, job, time here). Only the agents who act on the wish (a
few percent a month) get individual utilities, with their own savings deciding what they
can afford, and choose by a nested logit normalised at the lower level: within the nest a
destination with probability ``softmax(u)``, and whether to move by comparing the nest's
value ``nest_lambda * log(sum(exp(u)))`` with ``nest_lambda * u_stay`` (Gumbel-max at both
levels). ``nest_lambda`` thus scales the wish to move without changing where movers go.
``taste_scale`` (``sigma``, 1 in the baseline) is the scale of the destination tastes:
``softmax(u / sigma)`` and a nest value ``nest_lambda * sigma * log(sum(exp(u / sigma)))``.
The group's wish (the hazard, and the gain that ranks the most aspiring for pathway slots)
takes that nest value at ``sigma * wish_scale`` (0.4 in the baseline since the twenty-fifth
pass; 1 is the same nest as the choice); towards
0 it is ``nest_lambda * max(u)``, the best option alone. The choice keeps ``sigma``.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from flowsim import draws
from flowsim.model.cells import LOG_YEARS_HERE, cells
from flowsim.model.classes import (
    NO_PASSPORT,
    TIERS,
    class_nationality,
    journey_class,
    per_class,
)
from flowsim.model.economy import employment_odds, formal_access
from flowsim.model.herd import count_departures, herd_term, remember_departures
from flowsim.model.journeys import lived_here, start_journeys
from flowsim.model.utility import (
    cost_term,
    faded_attachment,
    failure_term,
    final_expulsion,
    home_term,
    income_term,
    job_access,
    journey_term,
    language_term,
    network_term,
    pushed_stay_penalty,
    removal_term,
    value_lost_on_failure,
)
from flowsim.parameters import Parameters
from flowsim.rng import agent_key, agent_uniform, stream
from flowsim.vocab import (
    FIRST,
    IRREGULAR,
    LABOR_VISA,
    NATIONAL,
    ONWARD,
    PATHWAY,
    RETURN,
)

if TYPE_CHECKING:
    from flowsim.model.model import FlowModel


def newcomer_security(model: FlowModel, processed: bool = True) -> np.ndarray:
    """Return the status security a newcomer expects at each destination: ``[nat, host]``.

    The destination's processing regime (``ArrivalRegime.security``; 0 when not
    ``processed``, for a legal entrant the regime does not apply to), raised by any
    regularization program a newcomer arriving now could still join (arrival cut-off not
    passed): ``S + (1 - S) * R`` with ``R`` the largest such program's chance of a permit
    (``RegularizationWindow.newcomer_chance``). Peru's 2018 PTP, open to entrants until
    October 2018, is one.
    """
    fx = model.effects
    if processed:
        secure = fx.arrival.security(model.params.pending_security)
    else:
        secure = np.zeros(fx.arrival.expelled.shape)
    if not fx.regularizations:
        return secure
    reg = np.zeros_like(secure)
    for win in fx.regularizations:
        if win.newcomer_chance > 0:
            col = np.where(win.nationalities, win.newcomer_chance, 0.0)
            reg[:, win.country] = np.maximum(reg[:, win.country], col)
    return secure + (1.0 - secure) * reg


def place_value(model: FlowModel, secure: np.ndarray | None = None) -> np.ndarray:
    """Return the value of living in each country for a newcomer of each nationality.

    An array ``[nat, to]``: the sum of ``place_terms`` in their order
    (``flowsim.calibration.explain`` prints them).
    """
    return summed_terms(place_terms(model, secure))


def summed_terms(terms: Mapping[str, np.ndarray]) -> np.ndarray:
    """Return the sum of ``place_terms``' arrays, added left to right in their order."""
    return functools.reduce(operator.add, terms.values())


def place_terms(model: FlowModel, secure: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Return the terms of ``place_value`` by name, each ``[nat, to]``, in the order summed.

    The terms: income, network, home, language and removal.

    Income is what a newcomer expects (steady-state employment given the host's
    informality, unemployment, crowding and integration policy, as an irregular migrant or
    with the security the destination gives newcomers, ``newcomer_security``); at home it
    is the home wage. ``secure`` is ``newcomer_security(model)`` when the caller has it.
    ``removal`` is the (negative) weight of removals on those the destination does not
    protect.
    """
    w, p, fx = model.world_index, model.params, model.effects
    n = w.n_nodes
    access = formal_access(np.full((n, n), IRREGULAR), fx.integration, p)  # [nat, host]
    # a destination that protects newcomers (or releases them pending a case) opens its
    # formal jobs and wages to them in proportion to that expected security
    if secure is None:
        secure = newcomer_security(model)
    access = access + secure * (1.0 - access)
    access = job_access(w.informality[None, :], access)
    _, _, steady = employment_odds(
        access, w.unemployment[None, :], fx.job_loss_mult[None, :], p, model.crowding[None, :]
    )
    wage = w.wage * fx.wage_mult
    factor = p.irregular_wage_factor + secure * (1.0 - p.irregular_wage_factor)
    income = wage[None, :] * steady * factor
    home_income = wage * (1.0 - w.unemployment)
    idx = np.arange(n)
    income[idx, idx] = home_income
    return {
        "income": income_term(income, p),
        "network": network_term(model.network, p),
        "home": home_term(w.emigration_rate(model.month), p),
        "language": language_term(w.same_language, p),
        # negated exactly: ``x + (-r)`` is ``x - r`` bit for bit
        "removal": -(removal_term(fx.removal, p) * (1.0 - np.minimum(secure, 1.0))),
    }


def settling_value(model: FlowModel, processed: bool = True) -> np.ndarray:
    """Value of living in each country for a newcomer let in: ``[nat, to]``.

    ``place_value + b_secure * newcomer_security``: what the destination does with
    newcomers, a protected or pending status, is worth security. ``processed`` False is
    the value for a legal entrant, whom the processing regime does not reach.
    """
    secure = newcomer_security(model, processed)
    return place_value(model, secure) + model.params.b_secure * secure


def destination_utility(model: FlowModel) -> np.ndarray:
    """Return each destination's utility for a newcomer, without cost: ``[class, from, to]``.

    Classes are ``TIERS * nationality + document tier`` (``flowsim.model.classes``).

    Income is what an irregular newcomer expects (steady-state employment given the host's
    informality, unemployment and integration policy); at home it is the home wage. The
    destination's processing regime and any regularization newcomers can still join add
    ``b_secure * expected security - b_stop * share expelled for good``
    (``newcomer_security``, ``Effects.arrival``; see ``final_expulsion``). A journey that
    fails (stopped on the way, or expelled for good) loses the destination's value over
    home's: ``failure_term``. The regime weighs only on journeys it reaches, as on arrival
    (``journeys._settle``): those entering on an irregular route, and legal entrants where
    the regime covers every entry (``ArrivalRegime.all_entries``); a journey whose last
    route is legal (``PathTables.legal_entry``) otherwise arrives with neither the regime's
    security nor its expulsions. With ``b_herd`` > 0 each destination also gains the herd
    term of those living in each place (``flowsim.model.herd``).
    """
    p = model.params
    paths = model.paths
    n_cls = paths.legal_entry.shape[0]
    nat = class_nationality(n_cls)
    arrival = model.effects.arrival
    retry = arrival.retry_chance(model.world_index, p.retry_expelled, p.retry_far)
    regime = final_expulsion(arrival.expelled, retry)  # [nat, to]
    parts = []
    for processed in (True, False):
        value = settling_value(model, processed)  # [nat, to], once let in
        expelled = regime if processed else np.zeros_like(regime)
        lost = value_lost_on_failure(value, p)  # [nat, to]
        value, expelled, lost = (a[nat] for a in (value, expelled, lost))
        parts.append(
            (value - p.b_stop * expelled)[:, None, :]
            + failure_term(lost[:, None, :], paths.stopped, expelled[:, None, :], p)
        )
    subject = ~paths.legal_entry | model.effects.arrival.all_entries[nat][:, None, :]
    u = np.where(subject, parts[0], parts[1]) + journey_term(
        paths.risk, paths.stopped, paths.months, paths.km, paths.unknown, paths.legs, p
    )
    herd = herd_term(model, model.settled())
    if herd is not None:  # where compatriots are going now (model/herd.py)
        u = u + herd[nat]
    u = np.where(paths.reachable, u, -np.inf)
    return u


def _lender_terms(model: FlowModel) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Chances of kin at the destination and elsewhere abroad, and what each lends.

    Kin lend in proportion to what they earn where they live: ``network_loan_usd`` times
    the host's wage over the highest wage of the world (kin in the US lend the most); kin
    elsewhere (abroad, not at the destination) lend the diaspora-weighted mean of that over
    their hosts. All four ``[nat, to]``.
    """
    p, net, w = model.params, model.network, model.world_index
    pop = np.maximum(w.population, 1.0)[:, None]
    at_dest = -np.expm1(-p.kin_ties * net / pop)
    others = np.maximum(net.sum(axis=1, keepdims=True) - net, 0.0)  # diaspora elsewhere
    elsewhere = -np.expm1(-p.kin_ties * others / pop)
    earn = w.wage / max(float(w.wage.max()), 1e-9)  # [to]
    lend_dest = np.broadcast_to(p.network_loan_usd * earn[None, :], net.shape)
    earned = np.maximum((net @ earn)[:, None] - net * earn[None, :], 0.0)
    lend_else = p.network_loan_usd * earned / np.maximum(others, 1e-9)
    return at_dest, elsewhere, lend_dest, lend_else


def _kin_chances(
    model: FlowModel, terms: tuple[np.ndarray, ...] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Chances of having a lender at the destination and, failing that, elsewhere: ``[nat, to]``.

    ``c_there = 1 - exp(-kin_ties * D_to / pop)`` and ``c_else = (1 - c_there) * w * (1 -
    exp(-kin_ties * (D - D_to) / pop))`` with ``D_to`` the diaspora at the destination,
    ``D`` the whole diaspora abroad, ``pop`` the origin's population and
    ``w = loan_anywhere`` the share of kin elsewhere who pay for someone's journey.
    ``terms`` is ``_lender_terms(model)`` when the caller has it.
    """
    at_dest, anywhere, _, _ = terms if terms is not None else _lender_terms(model)
    return at_dest, (1.0 - at_dest) * model.params.loan_anywhere * anywhere


def undocumented_kin_share(model: FlowModel) -> np.ndarray:
    """Return how often a migrant without a passport has kin at a destination: ``[nat, to]``.

    Relative to ``c_there`` (``_kin_chances``): ``min(1, s / kin_irregular_ref)``, ``s`` the
    share of the nationality's diaspora there without a permit in 2015
    (``WorldIndex.status_shares``, ``initial_status.csv``; pairs without a row of their own
    take its default, fixed at 2015); 1 everywhere when ``kin_irregular_ref`` is 0 or the
    world has no status table. The kin who pay an undocumented relative's journey are
    mostly undocumented themselves: migrant networks are stratified by legal status and
    class (Massey & Espinosa 1997, *Am. J. Sociol.* 102(4); Garip 2008, *Demography*
    45(3)), so a diaspora that came on visas (most Venezuelans in the United States) lends
    to few of the undocumented, one that came without papers (Mexicans and Central
    Americans there) to as many as to the documented.
    """
    shares = model.world_index.status_shares[:, :, 1]
    ref = model.params.kin_irregular_ref
    if ref <= 0.0 or not shares.any():  # off, or a world without initial_status.csv
        return np.ones_like(shares)
    return np.minimum(shares / ref, 1.0)


def lender_chance(model: FlowModel) -> np.ndarray:
    """Chance that a migrant of each nationality has kin who lend for each destination.

    ``c_there + c_else`` (``_kin_chances``): ``[nationality, to]``. Kin elsewhere lend only
    for legal journeys (``loan_parts``). This is the chance of a migrant with a passport:
    with ``kin_irregular_ref`` > 0, ``agent_loans`` and ``network_loans`` lower the part
    ``c_there`` for one without (``undocumented_kin_share``); this function does not.
    """
    there, elsewhere = _kin_chances(model)
    return there + elsewhere


def loan_parts(model: FlowModel) -> tuple[np.ndarray, np.ndarray]:
    """Return the USD a migrant can expect to borrow from kin there and from kin elsewhere.

    ``(c_there L_to, c_else L_any)``, each ``[nat, to]``: each source's chance
    (``_kin_chances``) times what it lends (``_lender_terms``). Kin at the destination pay
    any journey there, a smuggler's fee included (often paid on arrival) but only as far as
    their people know its irregular routes (``known_share``); kin elsewhere send money for
    legal journeys (fares, visas) only.
    """
    terms = _lender_terms(model)
    there, elsewhere = _kin_chances(model, terms)
    return there * terms[2], elsewhere * terms[3]


def network_loans(model: FlowModel, fresh: np.ndarray | float = 1.0) -> np.ndarray:
    """Return the USD a migrant can expect to borrow for each journey: ``[class, from, to]``.

    The loan from kin at the destination times the journey's ``known_share`` (and, for
    the class without a passport, ``undocumented_kin_share``), plus that from kin anywhere
    where the journey crosses no irregular route. Each agent either has a lender for a
    destination or not (``agent_loans``); this is the mean over agents.
    ``fresh`` (``[class, from, 1]`` or a scalar) scales both: in ``decide`` the mean over
    the group's settled agents of ``loan_scale`` (``kin_relend`` for those starting a new
    journey after one their kin paid for, ``lends_again``; 1 for the others). The lender
    draw and that flag are treated as independent.
    """
    there, anywhere = (per_class(x)[:, None, :] for x in loan_parts(model))
    if model.params.kin_irregular_ref > 0.0:  # fewer lenders for the undocumented tier
        there[NO_PASSPORT::TIERS] *= undocumented_kin_share(model)[:, None, :]
    there, anywhere = there * fresh, anywhere * fresh
    return there * known_share(model.paths.kin_unknown) + anywhere * (model.paths.irregular == 0)


def forced_mask(model: FlowModel) -> np.ndarray:
    """Return ``[P.n]`` bool: the rows in ``model.forced`` (they must act this month)."""
    mask = np.zeros(model.population.n, dtype=bool)
    mask[model.forced] = True
    return mask


def lends_again(model: FlowModel, forced: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
    """Return which agents start a new journey after one their kin paid for.

    ``borrowed`` (kin paid part of an earlier journey, ``_choose_block``) and leaving from
    where the agent lives (``journeys.lived_here``) or from home. Leaving a stop on the
    way, or retrying after an expulsion (``forced``, a boolean mask over all rows), is the
    same journey: kin keep paying for it. For these agents kin lend ``kin_relend`` of each
    loan (``agent_loans``; the group value of moving, ``decide``). One bool per row of
    ``rows`` (every row when ``None``).
    """
    P = model.population
    rows = np.arange(P.n) if rows is None else rows
    new_journey = lived_here(model, rows) | (P.location[rows] == P.nationality[rows])
    return P.borrowed[rows] & new_journey & ~forced[rows]


def loan_scale(again: np.ndarray, p: Parameters) -> np.ndarray:
    """Return the share of each loan kin lend: ``kin_relend`` where ``again``, else 1."""
    return np.where(again, p.kin_relend, 1.0)


def known_share(unknown: np.ndarray) -> np.ndarray:
    """Return the share of a journey's smuggling that kin can pay for: ``exp(-U)``.

    ``U`` is the sum of the unknown shares of the journey's irregular routes as kin know
    them (``PathTables.kin_unknown``; 0 for a legal journey, so 1 here). A smuggler is
    paid, often on arrival by kin at the destination, only where a nationality's people
    already cross: on a route nobody of theirs has used there is no one to vouch for the
    fee (the smuggling networks of Sanchez 2015, *Human Smuggling and Border Crossings*,
    Routledge; the information mechanism of ``flowsim.model.knowledge``). Kin weigh other
    nationalities' crossings (network peers' included) ``kin_spill`` times as much as route
    choice does; at ``kin_spill`` 1 their ``U``
    is route choice's, whose ``1 - exp(-U)`` weighs the journey in the utility
    (``utility.journey_term``).
    """
    return np.exp(-np.asarray(unknown, dtype=np.float64))


def agent_loans(model: FlowModel, rows: np.ndarray, again: np.ndarray | None = None) -> np.ndarray:
    """Return the USD each agent in ``rows`` can borrow for each destination: ``[len(rows), to]``.

    One number per agent and destination (draw ``kin.lender``, the same every month)
    against the chances of the two kinds of kin (``_kin_chances``): below ``c_there``
    (times ``undocumented_kin_share`` for an agent without a passport) the agent has kin
    at the destination and borrows what they lend (times the journey's
    ``known_share``); from ``c_there`` (not reduced) to ``lender_chance``, kin elsewhere,
    who lend only for a journey with no irregular route. So kin appear as the diaspora
    grows and never vanish while it does not shrink, and the mean over agents is
    ``network_loans``. Agents starting a new journey after one their kin paid for
    (``again``, ``lends_again`` over ``rows``; computed when not given) get ``kin_relend``
    of each loan.
    """
    P, n = model.population, model.world_index.n_nodes
    nat = P.nationality[rows].astype(np.int64)
    terms = _lender_terms(model)
    lend_dest, lend_any = terms[2], terms[3]
    c_there, c_else = (c[nat, :] for c in _kin_chances(model, terms))
    cls, loc = model.journey_class(rows), P.location[rows]
    legal = model.paths.irregular[cls, loc, :] == 0
    u = agent_uniform(model.seed, draws.KIN_LENDER, 0, P.key[rows], option=np.arange(n))
    if again is None:
        again = lends_again(model, forced_mask(model), rows)
    fresh = loan_scale(again, model.params)[:, None]
    kin_there = c_there
    if model.params.kin_irregular_ref > 0.0:  # fewer lenders there for the undocumented
        undocumented = ~P.documented[rows][:, None]
        kin_there = np.where(undocumented, c_there * undocumented_kin_share(model)[nat, :], c_there)
    there = np.where(u < kin_there, lend_dest[nat, :], 0.0) * fresh
    there *= known_share(model.paths.kin_unknown[cls, loc, :])
    elsewhere = np.where((u >= c_there) & (u < c_there + c_else) & legal, lend_any[nat, :], 0.0)
    elsewhere *= fresh
    return there + elsewhere


def stay_utility(model: FlowModel) -> np.ndarray:
    """Return the utility of staying where they are, for every row (settled ones matter).

    ``b_inc * log(expected income) + b_net * log(1 + diaspora here / net_ref)
    + b_int * integration + b_secure * security - b_hardship * jobless
    + b_settle * log(1 + years here) + b_home * at home + b_move``; the terms that depend only on
    (nationality, location, status) come from the month's cell table.
    """
    P, p, ct = model.population, model.params, model.cells
    c = cells(P.nationality, P.location, P.status, model.world_index.n_nodes)
    integ = P.integration
    find = ct.find0[c] + ct.find1[c] * integ
    steady = find / np.maximum(find + ct.loss[c], np.float32(1e-9))
    f = np.float32
    u = np.log(np.maximum(steady, f(1e-6)))
    u *= f(p.b_inc)
    u += ct.stay[c]
    u += f(p.b_int) * integ
    u -= f(p.b_hardship) * ~P.employed
    u += f(p.b_settle) * LOG_YEARS_HERE[P.months_here]
    u += f(p.b_move)
    return u


def _logsumexp(x: np.ndarray, axis: int) -> np.ndarray:
    m = np.max(x, axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.squeeze(m, axis) + np.log(np.sum(np.exp(x - m), axis=axis))


def nest_value(u: np.ndarray, lam: float, axis: int, scale: float = 1.0) -> np.ndarray:
    """Value of moving on the scale of the choice to move, ``lam * s * log(sum(exp(u / s)))``.

    The nested logit normalised at the lower level (Train 2009, ch. 4.2): destinations are
    chosen by a softmax of ``u / s`` (``s`` = ``scale``: ``Parameters.taste_scale`` in the
    choice, ``taste_scale * wish_scale`` in the group's wish) whatever
    ``lam``, and whether to move compares this value with ``lam * u_stay``. ``lam`` = 1 is
    the multinomial logit; a smaller ``lam`` shrinks the log-sum's bonus for the number of
    options together with every gain over staying; a smaller ``s`` shrinks the bonus alone,
    towards ``lam * max(u)`` (``-inf`` where no destination is reachable).
    """
    if scale == 1.0:  # the same floating-point operations as before taste_scale existed
        return lam * _logsumexp(u, axis=axis)
    return (lam * scale) * _logsumexp(u / scale, axis=axis)


@dataclass(frozen=True)
class WishToMove:
    """The first stage of ``decide``: every agent's wish to move this month.

    Attributes:
        util: ``[class, from, to]`` destination utilities before the journey's price.
        loans: ``[class, from, to]`` USD kin lend on average (``network_loans``).
        priced: ``[class, from, to]`` utilities less the price at the group's mean savings.
        value: ``[class * n + from]`` the nest's value for each group (``nest_value``).
        mean_savings: ``[class, from]`` the mean savings of each group's settled agents.
        group: ``[P.n]`` each agent's group, ``class * n + location``.
        settled: ``[P.n]`` living agents not on a journey (``FlowModel.settled``).
        u_stay: ``[P.n]`` each agent's utility of staying.
        gain: ``[P.n]`` the group's value less ``nest_lambda * u_stay``.
        hazard: ``[P.n]`` the chance of acting on the wish this month (with the shares
            mobilizations reach, ``Effects.reached`` and ``Effects.reached_toward``, folded
            in).
        forced: ``[P.n]`` rows that must act (new emigrants, expelled arrivals retrying).
        again: ``[P.n]`` rows whose kin lend ``kin_relend`` of each loan (``lends_again``).
        anywhere: ``[P.n]`` the part of ``hazard`` that may lead anywhere: the hazard
            before news about named places (``Effects.reached_toward``); an agent whose
            draw falls between it and ``hazard`` acts on that news and weighs only the
            places it names (``Effects.toward``) against staying.
    """

    util: np.ndarray
    loans: np.ndarray
    priced: np.ndarray
    value: np.ndarray
    mean_savings: np.ndarray
    group: np.ndarray
    settled: np.ndarray
    u_stay: np.ndarray
    gain: np.ndarray
    hazard: np.ndarray
    forced: np.ndarray
    again: np.ndarray
    anywhere: np.ndarray


def wish_to_move(model: FlowModel) -> WishToMove:
    """Evaluate every group's options and every agent's hazard of acting (``decide``, stage 1).

    Destination utilities are evaluated once per (nationality, documents, location) group at
    the group's mean savings; each agent's hazard rises with the group's inclusive value over
    its own utility of staying, and a mobilization's share reached (``Effects.reached``)
    acts whatever that hazard, ``1 - (1 - hazard)(1 - reached)``; news about named places
    (``Effects.reached_toward``) raises it the same way on top
    (``WishToMove.anywhere`` is the hazard before it).
    ``flowsim.calibration.explain`` prints them for one group.
    """
    P, p = model.population, model.params
    settled = model.settled()
    n = model.world_index.n_nodes
    util = destination_utility(model)  # [class, from, to]
    cost = model.paths.cost
    n_cls = util.shape[0]
    group = journey_class(P.nationality, P.documented, P.visa_holder) * n + P.location
    # inclusive value of moving, per group, at the group's mean savings
    sums = np.bincount(group, weights=np.where(settled, P.savings, 0.0), minlength=n_cls * n)
    counts = np.bincount(group, weights=settled, minlength=n_cls * n)
    mean_sav = (sums / np.maximum(counts, 1)).reshape(n_cls, n)
    is_forced = forced_mask(model)
    if p.kin_relend == 1.0:  # kin lend every loan whole: no one's loan is scaled
        again = np.zeros(P.n, dtype=bool)
        loans = network_loans(model)
    else:
        again = lends_again(model, is_forced)
        scale = np.bincount(
            group, weights=np.where(settled, loan_scale(again, p), 0.0), minlength=n_cls * n
        )
        scale = np.where(counts > 0, scale / np.maximum(counts, 1), 1.0)  # no one: whole
        loans = network_loans(model, scale.reshape(n_cls, n, 1))
    g_util = util - cost_term(cost, mean_sav[:, :, None] + loans, p)
    if p.home_fade_years > 0.0 and p.home_fade_in_wish > 0.0:
        _fade_home_in_wish(g_util, group, settled, counts, P.months_here, p)
    value = nest_value(g_util, p.nest_lambda, axis=2, scale=p.taste_scale * p.wish_scale)
    value = value.reshape(-1).astype(np.float32)
    u_stay = stay_utility(model)
    gain = value[group] - np.float32(p.nest_lambda) * u_stay
    hazard = np.float32(p.hazard_max) * -np.expm1(
        np.float32(-p.hazard_slope) * np.maximum(gain, np.float32(0.0))
    )
    hazard *= np.where(P.months_here == 0, np.float32(p.first_move_wait), np.float32(1.0))
    reached = model.effects.reached
    if reached.any():  # a mobilization runs (policies/families/mobilization.py)
        # 1 - (1 - hazard)(1 - r), written so that r = 0 leaves a hazard bit for bit
        hazard += (np.float32(1.0) - hazard) * reached.astype(np.float32)[P.nationality, P.location]
    bound = (P.status == LABOR_VISA) | ~settled  # contracts bind; travellers travel
    hazard[bound] = 0.0
    anywhere = hazard
    toward = model.effects.reached_toward
    if toward.any():  # news about named places (mobilization with ``toward``)
        anywhere = hazard.copy()
        news = toward.astype(np.float32)[P.nationality, P.location]
        news[bound] = 0.0
        hazard += (np.float32(1.0) - hazard) * news
    return WishToMove(
        util,
        loans,
        g_util,
        value,
        mean_sav,
        group,
        settled,
        u_stay,
        gain,
        hazard,
        is_forced,
        again,
        anywhere,
    )


def _fade_home_in_wish(
    g_util: np.ndarray,
    group: np.ndarray,
    settled: np.ndarray,
    counts: np.ndarray,
    months_here: np.ndarray,
    p: Parameters,
) -> None:
    """Lower each group's home option by ``home_fade_in_wish`` times its mean faded attachment.

    In place on ``g_util`` (``[class, from, to]``), for groups living abroad only; the mean
    is over the group's settled agents (``counts`` of them).

    Args:
        g_util: Group utilities after the journey's price.
        group: Each agent's group, ``class * n + location``.
        settled: Agents counted in their group.
        counts: Settled agents per group, ``[class * n + location]``.
        months_here: Each agent's months in its current country.
        p: Parameters.
    """
    n_cls, n = g_util.shape[0], g_util.shape[1]
    lost = np.where(settled, faded_attachment(months_here, p), 0.0)
    fade = np.bincount(group, weights=lost, minlength=n_cls * n) / np.maximum(counts, 1)
    fade = fade.reshape(n_cls, n) * p.home_fade_in_wish
    nat = class_nationality(n_cls)
    cls, loc = np.nonzero(np.arange(n)[None, :] != nat[:, None])
    g_util[cls, loc, nat[cls]] -= fade[cls, loc]


def decide(model: FlowModel) -> None:
    """Decide and start journeys for settled agents.

    Rows in ``model.forced`` act this month: expelled arrivals who retry must leave; this
    month's pushed emigrants, still at home, leave unless nothing they can afford is worth
    more than staying as they are without the attachment to home (``b_home``, which the
    push overrides) and less ``b_push``, and then stay. Migrants abroad who act weigh home
    with the attachment faded by their years where they are (``home_fade_years``,
    ``utility.faded_attachment``); the group's hazard sees ``home_fade_in_wish`` of the
    group's mean fade (0 in the baseline: the full attachment).
    """
    P, p, t, seed = model.population, model.params, model.month, model.seed
    wish = wish_to_move(model)
    is_forced, hazard, gain, u_stay = wish.forced, wish.hazard, wish.gain, wish.u_stay
    cand = np.flatnonzero(is_forced | (hazard > 0))
    u = agent_uniform(seed, draws.MOVE, t, P.key[cand], dtype=np.float32)
    acts = is_forced[cand] | (u < hazard[cand])
    movers = cand[acts]
    # those whose draw only news about named places brought under the hazard weigh those
    # places alone (``WishToMove.anywhere``)
    directed = ~is_forced[movers] & (u[acts] >= wish.anywhere[movers])
    taken = _pathways(model, wish.settled, gain, u_stay)
    if len(taken):
        keep = ~np.isin(movers, taken)
        movers, directed = movers[keep], directed[keep]
    # pushed emigrants who have not yet left may still stay: they weigh each destination
    # against staying as they are without the attachment to home, which the push
    # overrides, and less b_push; expelled arrivals who retry must leave
    pushed = (
        is_forced[movers] & (P.moves[movers] == 0) & (P.location[movers] == P.nationality[movers])
    )
    u_pick = u_stay[movers].astype(np.float64) - pushed_stay_penalty(p) * pushed
    u_pick[is_forced[movers] & ~pushed] = -np.inf  # staying is not an option
    _choose(model, movers, wish.util, u_pick, pushed, wish.again[movers], directed)
    remember_departures(model)  # the herd term sees this month's departures from next month


#: Movers handled per block in ``_choose``: bounds the [movers x destinations] temporaries.
CHOICE_CHUNK = 65_536


def _choose(
    model: FlowModel,
    rows: np.ndarray,
    util: np.ndarray,
    u_stay: np.ndarray,
    pushed: np.ndarray,
    again: np.ndarray,
    directed: np.ndarray,
) -> None:
    """Individual choice among affordable destinations and staying.

    ``u_stay`` is the value of staying, ``-inf`` for those who must leave. ``pushed`` rows
    are this month's emigrants at home: those who stay are counted as ``stayed_home``.
    ``again`` flags rows whose kin lend ``kin_relend`` of each loan (``lends_again``); a
    mover who leaves on a journey that costs more than their savings has kin pay the rest
    and is then ``borrowed``. ``directed`` rows act on news about named places: their
    options are those places (``Effects.toward`` of their nationality where they live) and
    staying.
    Processed in blocks of ``CHOICE_CHUNK`` movers so a month in which a million people
    decide at once does not allocate gigabytes; results do not depend on the block size.
    """
    for start in range(0, len(rows), CHOICE_CHUNK):
        block = slice(start, start + CHOICE_CHUNK)
        _choose_block(
            model, util, rows[block], u_stay[block], pushed[block], again[block], directed[block]
        )


def _choose_block(
    model: FlowModel,
    util: np.ndarray,
    rows: np.ndarray,
    u_stay: np.ndarray,
    pushed: np.ndarray,
    again: np.ndarray,
    directed: np.ndarray,
) -> None:
    """One block of ``_choose``."""
    if len(rows) == 0:
        return
    P, p, t, seed, rec = model.population, model.params, model.month, model.seed, model.recorder
    n = model.world_index.n_nodes
    nat = P.nationality[rows].astype(np.int64)
    cls = model.journey_class(rows)
    loc = P.location[rows].astype(np.int64)
    sav = P.savings[rows].astype(np.float64)
    cost = model.paths.cost[cls, loc, :]
    budget = sav[:, None] + agent_loans(model, rows, again)
    u = util[cls, loc, :] - cost_term(cost, budget, p)
    if p.home_fade_years > 0.0:
        # a migrant abroad feels less of the attachment to home the longer it has lived
        # where it is; the group's wish to move sees home_fade_in_wish of the group mean
        abroad = np.flatnonzero(loc != nat)
        u[abroad, nat[abroad]] -= faded_attachment(P.months_here[rows[abroad]], p)
    affordable = (cost <= budget) & np.isfinite(u)
    if directed.any():  # news about named places: only those places, or staying
        affordable[directed] &= model.effects.toward[nat[directed], loc[directed]]
    keys = P.key[rows]
    # options 0..n-1: destinations; n: staying; n + 1: the nest of destinations as a whole
    u_draw = agent_uniform(seed, draws.CHOICE, t, keys, option=np.arange(n + 2))
    noise = -np.log(-np.log(np.maximum(u_draw, 1e-300)))  # Gumbel: argmax = softmax draw
    lam = p.nest_lambda
    reach = np.where(affordable, u, -np.inf)
    # nested logit (Gumbel-max at both levels, normalised at the lower one): where to go,
    # among affordable destinations, is a softmax of u / taste_scale; whether to go compares
    # the nest's value with staying on the upper level's scale, lam
    best = np.argmax(reach + p.taste_scale * noise[:, :n], axis=1)
    move = nest_value(reach, lam, axis=1, scale=p.taste_scale) + noise[:, n + 1]
    stay = lam * u_stay + noise[:, n]  # -inf for those who must leave
    stuck = ~affordable.any(axis=1)
    go = ~stuck & (move > stay)
    # those whom only news about a place brought to act stay, as they would have, when
    # they cannot afford a place it names: stuck counts the other movers with no affordable
    # option
    unable = stuck & ~directed
    if unable.any():
        rec.count("stuck", loc[unable], nat[unable])
    home = pushed & ~go
    if home.any():
        rec.count("stayed_home", loc[home], nat[home])
    rows, best, loc, nat = rows[go], best[go], loc[go], nat[go]
    # a stay shorter than residence_months is a stop on the same journey (its kind kept);
    # the initial stock's first move leaves a residence whatever its time there (UN DESA
    # counts usual residents)
    lived = lived_here(model, rows)
    kind = np.where(
        loc == nat, FIRST, np.where(best == nat, RETURN, np.where(lived, ONWARD, P.kind[rows]))
    )
    # a pathway migrant moving on, or a returnee heading to a third country instead, is onward
    kind = np.where((kind == PATHWAY) | ((kind == RETURN) & (best != nat)), ONWARD, kind)
    # leaving a stop (abroad, not lived in) continues the same journey, a return included
    new = (loc == nat) | lived | (kind != P.kind[rows])
    short = cost[go][np.arange(len(rows)), best] > sav[go]  # kin pay the rest
    left = start_journeys(model, rows, best, kind.astype(np.int8), new=new)
    P.borrowed[rows[left & short]] = True
    count_departures(model, nat[left], loc[left], best[left])


def _pathways(
    model: FlowModel, settled: np.ndarray, gain: np.ndarray, u_stay: np.ndarray
) -> np.ndarray:
    """Fill this month's labor-pathway slots; return the rows sent on pathway journeys.

    Employers offer slots to eligible people (at random, or to those most wanting to move);
    a migrant offered a slot accepts with probability ``logistic(value of living at the
    destination + b_path - utility of staying)``. Slots offered at origins to people who are
    not yet migrants create new agents, who applied and so accept.
    """
    P, w, t, seed, p = (model.population, model.world_index, model.month, model.seed, model.params)
    value = place_value(model) if model.effects.pathways else None
    taken: list[np.ndarray] = []
    if not model.effects.pathways:
        return np.zeros(0, dtype=np.int64)
    free = settled.copy()
    for win in model.effects.pathways:  # in apply order (start, key): earlier windows pick first
        rng = stream(seed, draws.PATHWAY_SLOTS.of(win.policy), t)
        want = win.people / model.scale
        slots = int(np.floor(want) + (rng.random() < want - np.floor(want)))
        if slots == 0:
            continue
        n0 = len(free)  # agents created by earlier windows this month are not candidates
        loc = P.location[:n0]
        nat = P.nationality[:n0]
        status = P.status[:n0]
        status_ok = win.eligible_status[status] | ((status == NATIONAL) & (loc == nat))
        elig = (
            free
            & win.from_nodes[loc]
            & win.nationalities[nat]
            & status_ok
            & (P.skill[:n0] >= win.min_skill)
            & (loc != win.to)
        )
        cand = np.flatnonzero(elig)
        origins = np.flatnonzero(
            win.from_nodes & np.isin(np.arange(w.n_nodes), w.origins) & win.nationalities
        )
        if win.aspiring:
            order = cand[np.argsort(-gain[cand], kind="stable")]
            from_agents = min(slots, len(cand))
        else:
            # employers pick at random among everyone eligible, including origin residents
            # who are not (yet) migrants and so have no agent
            eligible_people = len(cand) * model.scale + (
                w.population[origins].sum() * (1.0 - win.min_skill) if len(origins) else 0.0
            )
            share = len(cand) * model.scale / max(eligible_people, 1.0)
            from_agents = min(len(cand), int(rng.binomial(slots, min(share, 1.0))))
            pick = agent_uniform(seed, draws.PATHWAY_PICK.of(win.policy), t, P.key[cand])
            if from_agents < len(cand):  # only the lowest draws matter: partial sort
                part = np.argpartition(pick, from_agents)[:from_agents]
                order = cand[part[np.argsort(pick[part], kind="stable")]]
            else:
                order = cand[np.argsort(pick, kind="stable")]
        chosen = order[:from_agents]
        offer = value[P.nationality[chosen], win.to] + p.b_path - u_stay[chosen]
        accept = agent_uniform(seed, draws.PATHWAY_ACCEPT.of(win.policy), t, P.key[chosen]) < (
            1.0 / (1.0 + np.exp(-offer))
        )
        chosen = chosen[accept]
        free[chosen] = False
        rows = chosen
        new_rows = np.zeros(0, dtype=np.int64)
        extra = slots - from_agents if len(origins) else 0
        if extra > 0:
            weights = w.population[origins] / w.population[origins].sum()
            per_origin = rng.multinomial(extra, weights)
            new_rows = model.add_agents(
                np.repeat(origins, per_origin),
                source=draws.policy_source(draws.PATHWAY_AGENTS, win.policy),
                skill_floor=win.min_skill,
                documented=True,  # they applied from home, with papers
            )
        rows = np.concatenate([rows, new_rows])
        if len(rows) == 0:
            continue
        left = start_journeys(model, rows, np.full(len(rows), win.to), PATHWAY, pay=False)
        rows = rows[left]  # a pathway needs a legal route to the destination
        count_departures(model, P.nationality[rows], P.location[rows], np.full(len(rows), win.to))
        P.plan_return[rows] = (
            agent_uniform(seed, draws.PATHWAY_RETURN.of(win.policy), t, P.key[rows])
            < win.return_share
        )
        P.permit_months[rows] = win.contract_months  # the contract starts on arrival
        P.documented[rows] = True  # a pathway comes with travel documents
        taken.append(rows)
    return np.concatenate(taken) if taken else np.zeros(0, dtype=np.int64)


__all__ = ["agent_key", "decide", "destination_utility", "stay_utility"]
