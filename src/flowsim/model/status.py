"""Phase ``status``, legal status: applications, decisions, grants, renewals, expiries, removals."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from flowsim import draws
from flowsim.rng import agent_uniform
from flowsim.vocab import (
    IRREGULAR,
    LABOR_VISA,
    NATURALIZED,
    NEVER_MONTH,
    PENDING,
    REGULAR,
    RETURN,
    VISITOR,
)

if TYPE_CHECKING:
    from flowsim.model.model import FlowModel


def update_status(model: FlowModel) -> None:
    """Run the status machine for settled agents in this month."""
    P, p, t, rec = model.population, model.params, model.month, model.recorder
    settled = model.settled()
    seed = model.seed
    status = P.status
    # visitors (legal entrants on a short stay) may apply like the irregular
    irregular_here = settled & ((status == IRREGULAR) | (status == VISITOR))
    # applications to open regularization programs
    for win in model.effects.regularizations:  # in apply order (start, key)
        elig = (
            irregular_here
            & (P.location == win.country)
            & win.nationalities[P.nationality]
            & (P.arrival_month < win.arrived_before)
            & (P.arrival_month <= t - win.min_stay_months)
        )
        cand = np.flatnonzero(elig)
        if len(cand) == 0:
            continue
        u = agent_uniform(seed, draws.REGULARIZATION_APPLY.of(win.policy), t, P.key[cand])
        apply = cand[u < win.apply_prob]
        if len(apply) == 0:
            continue
        ok = (
            agent_uniform(seed, draws.REGULARIZATION_APPROVE.of(win.policy), t, P.key[apply])
            < win.approval
        )
        P.status[apply] = PENDING
        P.status_since[apply] = t
        P.status_until[apply] = t + win.processing_months
        P.permit_months[apply] = np.where(ok, win.permit_months, 0)
        rec.count("applications", P.location[apply], P.nationality[apply])
        irregular_here[apply] = False

    due = np.flatnonzero(settled & (P.status_until <= t))  # few: decisions, expiries, contracts
    st = P.status[due]
    # decisions on pending applications
    decided = due[st == PENDING]
    if len(decided):
        granted = P.permit_months[decided] > 0
        g = decided[granted]
        P.status[g] = REGULAR
        P.status_since[g] = t
        P.status_until[g] = t + P.permit_months[g].astype(np.int32)
        rec.count("regularized", P.location[g], P.nationality[g])
        r = decided[~granted]
        P.status[r] = IRREGULAR
        P.status_since[r] = t
        P.status_until[r] = NEVER_MONTH
    # naturalization after long regular residence
    nat = np.flatnonzero(
        settled & (status == REGULAR) & (P.status_since <= t - p.naturalize_after_months)
    )
    P.status[nat] = NATURALIZED
    P.status_until[nat] = NEVER_MONTH
    # permit expiry: renewed or lapsed into irregularity
    expiring = due[(st == REGULAR) & (P.status[due] == REGULAR)]
    if len(expiring):
        renew = agent_uniform(seed, draws.PERMIT_RENEW, t, P.key[expiring]) < p.permit_renewal
        keep = expiring[renew]
        P.status_until[keep] = t + np.maximum(P.permit_months[keep].astype(np.int32), 1)
        lapse = expiring[~renew]
        P.status[lapse] = IRREGULAR
        P.status_since[lapse] = t
        P.status_until[lapse] = NEVER_MONTH
    # visitors whose allowed stay ended overstay into irregularity
    overstay = due[st == VISITOR]
    P.status[overstay] = IRREGULAR
    P.status_since[overstay] = t
    P.status_until[overstay] = NEVER_MONTH
    # labor-visa contracts ending: return home or overstay
    ending = due[st == LABOR_VISA]
    if len(ending):
        home = ending[P.plan_return[ending]]
        stay = ending[~P.plan_return[ending]]
        P.status[stay] = IRREGULAR
        P.status_since[stay] = t
        P.status_until[stay] = NEVER_MONTH
        if len(home):
            from flowsim.model.journeys import start_journeys

            left = start_journeys(model, home, P.nationality[home].astype(np.int64), RETURN)
            no_way = home[~left]  # no open route home: they overstay
            P.status[no_way] = IRREGULAR
            P.status_since[no_way] = t
            P.status_until[no_way] = NEVER_MONTH
    _removals(model)


def _removals(model: FlowModel) -> None:
    """Deport to their origin the irregular residents removal policies pick this month."""
    rate_table = model.effects.removal
    if not rate_table.any():
        return
    P = model.population
    irregular = np.flatnonzero(model.settled() & (P.status == IRREGULAR))
    rate = rate_table[P.nationality[irregular], P.location[irregular]]
    at_risk = rate > 0
    cand, rate = irregular[at_risk], rate[at_risk]
    if len(cand) == 0:
        return
    u = agent_uniform(model.seed, draws.STATUS_REMOVAL, model.month, P.key[cand])
    removed = cand[u < rate]
    if len(removed):
        from flowsim.model.journeys import deport

        deport(model, removed, P.nationality[removed].astype(np.int64))
