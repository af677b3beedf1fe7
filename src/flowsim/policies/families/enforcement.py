"""Enforcement: interception on routes and removal of those intercepted."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, Literal

import numpy as np
from pydantic import Field, model_validator

from flowsim.policies.base import PolicySpec, RuntimePolicy
from flowsim.policies.effects import DEPORT_ORIGIN, DEPORT_PREVIOUS
from flowsim.vocab import ISO3, Probability

if TYPE_CHECKING:
    from flowsim.policies.effects import Effects
    from flowsim.world.compiled import WorldIndex


class EnforcementPolicy(PolicySpec):
    """Interception and removal on routes (by id/name or entering countries)."""

    route_fields: ClassVar[tuple[str, ...]] = ("routes",)

    example: ClassVar[dict[str, object]] = {
        "routes": ["Darien Gap"],
        "interception": 0.2,
        "deport_to": "COL",
    }

    type: Literal["enforcement"]
    routes: tuple[str, ...] = Field((), description="Route ids or names patrolled.")
    countries: tuple[ISO3, ...] = Field((), description="Patrol irregular routes entering these.")
    nationalities: tuple[ISO3, ...] = Field((), description="Affected; empty = all.")
    interception: Probability = Field(description="Probability a crossing is intercepted.")
    deport_to: Literal["origin", "previous"] | ISO3 = Field(
        "origin",
        description="Where intercepted people are sent: 'origin', 'previous' (the country the "
        "route left) or an ISO3 code (e.g. expulsions to MEX).",
    )

    @model_validator(mode="after")
    def _needs_target(self) -> EnforcementPolicy:
        if not self.routes and not self.countries:
            raise ValueError("give `routes` or `countries`")
        return self


class Enforcement(RuntimePolicy):
    """Interception on patrolled routes and removal of those intercepted.

    Interceptions of overlapping policies combine as independent chances; where two
    send people to different places, the one applied last (latest start, then name) wins.
    """

    spec_class = EnforcementPolicy
    writes = frozenset({"intercept", "deport_to"})
    spec: EnforcementPolicy

    def resolve(self, w: WorldIndex) -> None:  # noqa: D102
        s = self.spec
        mask = self.routes(w, s.routes)
        if s.countries:
            hit = self.nodes(w, s.countries, empty_means_all=False)
            mask |= hit[w.edge_dst] & ~w.edge_legal
        self.edges = mask
        self.nats = self.nodes(w, s.nationalities)
        deport = {"origin": DEPORT_ORIGIN, "previous": DEPORT_PREVIOUS}.get(s.deport_to)
        self.deport = w.node(s.deport_to) if deport is None else deport

    def apply(self, effects: Effects, month: int, intensity: float) -> None:  # noqa: D102
        block = np.outer(self.nats, self.edges)
        p = self.spec.interception * intensity
        effects.intercept[block] = 1.0 - (1.0 - effects.intercept[block]) * (1.0 - p)
        effects.deport_to[self.edges] = self.deport


FAMILY = Enforcement
