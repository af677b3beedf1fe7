"""Phase 5, legal status: applications, decisions, grants, renewals, expiries."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from flowsim.population import (
    IRREGULAR,
    LABOR_VISA,
    NATURALIZED,
    PENDING,
    REGULAR,
    RETURN,
    VISITOR,
)
from flowsim.rng import agent_uniform

if TYPE_CHECKING:
    from flowsim.model.model import FlowModel

_NEVER = 2**31 - 1


def update_status(model: FlowModel, settled: np.ndarray) -> None:
    """Run the status machine for settled agents (boolean mask) in this month."""
    P, p, t, rec = model.population, model.params, model.month, model.recorder
    seed = model.seed
    status = P.status
    # visitors (legal entrants on a short stay) may apply like the irregular
    irregular_here = settled & ((status == IRREGULAR) | (status == VISITOR))
    # applications to open regularization programs
    for k, win in enumerate(model.effects.regularizations):
        elig = (
            irregular_here
            & (P.location == win.country)
            & win.nationalities[P.nationality]
            & (P.arrival_month < win.arrived_before)
        )
        cand = np.flatnonzero(elig)
        if len(cand) == 0:
            continue
        u = agent_uniform(seed, "regularization.apply", t, P.key[cand], option=k)
        apply = cand[u < win.apply_prob]
        if len(apply) == 0:
            continue
        ok = agent_uniform(seed, "regularization.approve", t, P.key[apply], option=k) < win.approval
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
        P.status_until[r] = _NEVER
    # naturalization after long regular residence
    nat = np.flatnonzero(
        settled & (status == REGULAR) & (P.status_since <= t - p.naturalize_after_months)
    )
    P.status[nat] = NATURALIZED
    P.status_until[nat] = _NEVER
    # permit expiry: renewed or lapsed into irregularity
    expiring = due[(st == REGULAR) & (P.status[due] == REGULAR)]
    if len(expiring):
        renew = agent_uniform(seed, "permit.renew", t, P.key[expiring]) < p.permit_renewal
        keep = expiring[renew]
        P.status_until[keep] = t + np.maximum(P.permit_months[keep].astype(np.int32), 1)
        lapse = expiring[~renew]
        P.status[lapse] = IRREGULAR
        P.status_since[lapse] = t
        P.status_until[lapse] = _NEVER
    # visitors whose allowed stay ended overstay into irregularity
    overstay = due[st == VISITOR]
    P.status[overstay] = IRREGULAR
    P.status_since[overstay] = t
    P.status_until[overstay] = _NEVER
    # labor-visa contracts ending: return home or overstay
    ending = due[st == LABOR_VISA]
    if len(ending):
        home = ending[P.plan_return[ending]]
        stay = ending[~P.plan_return[ending]]
        P.status[stay] = IRREGULAR
        P.status_since[stay] = t
        P.status_until[stay] = _NEVER
        if len(home):
            from flowsim.model.journeys import start_journeys

            left = start_journeys(model, home, P.nationality[home].astype(np.int64), RETURN)
            no_way = home[~left]  # no open route home: they overstay
            P.status[no_way] = IRREGULAR
            P.status_since[no_way] = t
            P.status_until[no_way] = _NEVER
