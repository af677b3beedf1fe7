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
)
from flowsim.rng import agent_uniform

if TYPE_CHECKING:
    from flowsim.model.model import FlowModel

_NEVER = 2**31 - 1


def update_status(model: FlowModel, idx: np.ndarray) -> None:
    """Run the status machine for settled agents ``idx`` in this month."""
    P, p, t, rec = model.population, model.params, model.month, model.recorder
    seed = model.seed
    # applications to open regularization programs
    for k, win in enumerate(model.effects.regularizations):
        st = P.status[idx]
        elig = ((P.location[idx] == win.country) & (st == IRREGULAR)
                & win.nationalities[P.nationality[idx]] & (P.arrival_month[idx] < win.arrived_before))
        cand = idx[elig]
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

    st = P.status[idx]
    until = P.status_until[idx]
    due = until <= t
    # decisions on pending applications
    decided = idx[(st == PENDING) & due]
    if len(decided):
        granted = P.permit_months[decided] > 0
        g = decided[granted]
        P.status[g] = REGULAR
        P.status_since[g] = t
        P.status_until[g] = t + P.permit_months[g]
        rec.count("regularized", P.location[g], P.nationality[g])
        r = decided[~granted]
        P.status[r] = IRREGULAR
        P.status_since[r] = t
        P.status_until[r] = _NEVER
    # naturalization after long regular residence
    nat = idx[(st == REGULAR) & (t - P.status_since[idx] >= p.naturalize_after_months)]
    P.status[nat] = NATURALIZED
    P.status_until[nat] = _NEVER
    # permit expiry: renewed or lapsed into irregularity
    st = P.status[idx]
    expiring = idx[(st == REGULAR) & (P.status_until[idx] <= t)]
    if len(expiring):
        renew = agent_uniform(seed, "permit.renew", t, P.key[expiring]) < p.permit_renewal
        keep = expiring[renew]
        P.status_until[keep] = t + np.maximum(P.permit_months[keep], 1)
        lapse = expiring[~renew]
        P.status[lapse] = IRREGULAR
        P.status_since[lapse] = t
        P.status_until[lapse] = _NEVER
    # labor-visa contracts ending: return home or overstay
    ending = idx[(st == LABOR_VISA) & (P.status_until[idx] <= t)]
    if len(ending):
        home = ending[P.plan_return[ending]]
        stay = ending[~P.plan_return[ending]]
        P.status[stay] = IRREGULAR
        P.status_since[stay] = t
        P.status_until[stay] = _NEVER
        if len(home):
            from flowsim.model.journeys import start_journeys

            start_journeys(model, home, P.nationality[home].astype(np.int64), RETURN)
