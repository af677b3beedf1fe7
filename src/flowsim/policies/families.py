"""The eight policy families, each resolved once and applied in every active month.

Integration, regularization, labor pathways, visa requirements, route closures,
enforcement, processing regimes at the destination and shocks.
"""

from __future__ import annotations

import numpy as np

from flowsim.calendar import parse_month
from flowsim.policies.base import RuntimePolicy, register
from flowsim.policies.effects import (
    DEPORT_ORIGIN,
    DEPORT_PREVIOUS,
    Effects,
    PathwayWindow,
    RegularizationWindow,
)
from flowsim.population import STATUS_NAMES
from flowsim.world.compiled import MODES, WorldIndex


def _route_mask(w: WorldIndex, refs: tuple[str, ...]) -> np.ndarray:
    mask = np.zeros(w.n_edges, dtype=bool)
    for ref in refs:
        mask[w.routes_matching(ref)] = True
    return mask


@register
class Integration(RuntimePolicy):
    """Closes a share ``level`` of the gap to full integration for migrants in hosts."""

    type_name = "integration"

    def resolve(self, w: WorldIndex) -> None:  # noqa: D102
        self.hosts = self.nodes(w, self.spec.countries, empty_means_all=False)
        self.nats = self.nodes(w, self.spec.nationalities)

    def apply(self, effects: Effects, month: int, intensity: float) -> None:  # noqa: D102
        block = np.outer(self.nats, self.hosts)
        level = self.spec.level * intensity
        effects.integration[block] = np.maximum(effects.integration[block], level)


@register
class Regularization(RuntimePolicy):
    """Opens a window in which eligible irregular migrants apply for a permit."""

    type_name = "regularization"

    def resolve(self, w: WorldIndex) -> None:  # noqa: D102
        s = self.spec
        self.country = w.node(s.country)
        self.nats = self.nodes(w, s.nationalities)
        self.cutoff = parse_month(s.arrived_before) if s.arrived_before else 2**31 - 1
        months = (self.end - self.start + 1) if self.end is not None else 12
        # take_up is the share applying over the whole window (12 months when open-ended)
        self.apply_prob = 1.0 - (1.0 - s.take_up) ** (1.0 / max(months, 1))

    def apply(self, effects: Effects, month: int, intensity: float) -> None:  # noqa: D102
        s = self.spec
        effects.regularizations.append(
            RegularizationWindow(
                country=self.country,
                nationalities=self.nats,
                arrived_before=self.cutoff,
                apply_prob=self.apply_prob * intensity,
                approval=s.approval,
                processing_months=s.processing_months,
                permit_months=s.permit_months,
            )
        )


@register
class LaborPathway(RuntimePolicy):
    """Legal work-visa slots from hosts or origins to a destination."""

    type_name = "labor_pathway"

    def resolve(self, w: WorldIndex) -> None:  # noqa: D102
        s = self.spec
        self.from_nodes = self.nodes(w, s.from_countries, empty_means_all=False)
        self.to = w.node(s.to)
        self.nats = self.nodes(w, s.nationalities)
        self.status = np.array([name in s.eligible_status for name in STATUS_NAMES])
        # visitors (legal short-stay entrants, no work permit) are eligible where the
        # irregular are
        self.status[STATUS_NAMES.index("visitor")] = "irregular" in s.eligible_status

    def apply(self, effects: Effects, month: int, intensity: float) -> None:  # noqa: D102
        s = self.spec
        effects.pathways.append(
            PathwayWindow(
                name=s.name or f"pathway_to_{s.to}",
                index=self.index,
                from_nodes=self.from_nodes,
                to=self.to,
                people=s.slots_per_year / 12.0 * intensity,
                nationalities=self.nats,
                eligible_status=self.status,
                min_skill=s.min_skill,
                aspiring=s.selection == "aspiring",
                contract_months=s.contract_months,
                return_share=s.return_share,
            )
        )


@register
class VisaRequirement(RuntimePolicy):
    """Imposes (or lifts) a visa: legal entry routes close for the nationalities named."""

    type_name = "visa_requirement"

    def resolve(self, w: WorldIndex) -> None:  # noqa: D102
        self.country = w.node(self.spec.country)
        self.nats = self.nodes(w, self.spec.nationalities, empty_means_all=False)

    def apply(self, effects: Effects, month: int, intensity: float) -> None:  # noqa: D102
        effects.visa_required[self.nats, self.country] = self.spec.required
        effects.visa_required[self.country, self.country] = False


@register
class RouteClosure(RuntimePolicy):
    """Closes routes (named, or by country and mode) for some or all nationalities."""

    type_name = "route_closure"

    def resolve(self, w: WorldIndex) -> None:  # noqa: D102
        s = self.spec
        mask = _route_mask(w, s.routes)
        if s.countries:
            hit = self.nodes(w, s.countries, empty_means_all=False)
            modes = np.isin(w.edge_mode, [MODES.index(m) for m in s.modes])
            mask |= (hit[w.edge_src] | hit[w.edge_dst]) & modes
        self.edges = mask
        self.nats = self.nodes(w, s.nationalities)

    def apply(self, effects: Effects, month: int, intensity: float) -> None:  # noqa: D102
        block = np.outer(self.nats, self.edges)
        share = self.spec.share * intensity
        effects.closed[block] = np.maximum(effects.closed[block], share)


@register
class Enforcement(RuntimePolicy):
    """Interception on patrolled routes and removal of those intercepted."""

    type_name = "enforcement"

    def resolve(self, w: WorldIndex) -> None:  # noqa: D102
        s = self.spec
        mask = _route_mask(w, s.routes)
        if s.countries:
            hit = self.nodes(w, s.countries, empty_means_all=False)
            mask |= hit[w.edge_dst] & ~w.edge_legal
        self.edges = mask
        self.nats = self.nodes(w, s.nationalities)
        self.deport = {"origin": DEPORT_ORIGIN, "previous": DEPORT_PREVIOUS}.get(s.deport_to)
        if self.deport is None:
            self.deport = w.node(s.deport_to)

    def apply(self, effects: Effects, month: int, intensity: float) -> None:  # noqa: D102
        block = np.outer(self.nats, self.edges)
        p = self.spec.interception * intensity
        effects.intercept[block] = 1.0 - (1.0 - effects.intercept[block]) * (1.0 - p)
        effects.deport_to[self.edges] = self.deport


@register
class ProcessingRegime(RuntimePolicy):
    """What a destination does with arrivals: expel, release pending, protect (by nationality).

    The last regime in the scenario's order that is active for a (nationality, host) pair
    sets it (regimes replace each other; they do not add up).
    """

    type_name = "processing_regime"

    def resolve(self, w: WorldIndex) -> None:  # noqa: D102
        s = self.spec
        self.country = w.node(s.country)
        self.nats = self.nodes(w, s.nationalities)
        self.deport = {"origin": DEPORT_ORIGIN, "previous": DEPORT_PREVIOUS}.get(s.deport_to)
        if self.deport is None:
            self.deport = w.node(s.deport_to)

    def apply(self, effects: Effects, month: int, intensity: float) -> None:  # noqa: D102
        s, a, h = self.spec, effects.arrival, self.country
        a.expelled[self.nats, h] = s.expelled * intensity
        a.pending[self.nats, h] = s.pending * intensity
        a.protected[self.nats, h] = s.protected * intensity
        a.deport_to[self.nats, h] = self.deport
        a.hearing_months[self.nats, h] = s.hearing_months
        a.grant[self.nats, h] = s.grant
        a.protected_months[self.nats, h] = s.protected_months
        a.all_entries[self.nats, h] = s.entry == "all"


@register
class Shock(RuntimePolicy):
    """Push and labor-market shocks: more emigration, more job losses, lower wages."""

    type_name = "shock"

    def resolve(self, w: WorldIndex) -> None:  # noqa: D102
        self.hit = self.nodes(w, self.spec.countries)

    def apply(self, effects: Effects, month: int, intensity: float) -> None:  # noqa: D102
        s = self.spec
        effects.push_mult[self.hit] *= 1.0 + (s.push_multiplier - 1.0) * intensity
        effects.job_loss_mult[self.hit] *= 1.0 + (s.job_loss_multiplier - 1.0) * intensity
        effects.wage_mult[self.hit] *= 1.0 + (s.wage_multiplier - 1.0) * intensity
