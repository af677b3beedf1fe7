"""Airlifts: a government carries people of some nationalities over a border closed to them.

The flights themselves are routes a scenario adds with ``charter = true``
(``[[world.add_routes]]``): a charter route is closed to everyone except the nationalities an
airlift carries on it, in the airlift's months. Those it carries board whatever visa or
passport they hold (the governments agreed the passage), e.g. the Cubans stranded in Costa
Rica flown to Mexico and El Salvador in 2016. Named on an ordinary route, an airlift only
waives the visa and passport that route's entry needs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, Literal

import numpy as np
from pydantic import Field

from flowsim.policies.base import PolicySpec, RuntimePolicy
from flowsim.vocab import ISO3

if TYPE_CHECKING:
    from flowsim.policies.effects import Effects
    from flowsim.world.compiled import WorldIndex


class AirliftPolicy(PolicySpec):
    """Routes (usually charter routes) open to some nationalities, whatever their papers."""

    route_fields: ClassVar[tuple[str, ...]] = ("routes",)

    example: ClassVar[dict[str, object]] = {"routes": ["CRI-NIC-land"], "nationalities": ["CUB"]}

    type: Literal["airlift"]
    routes: tuple[str, ...] = Field(
        min_length=1, description="Route ids or names the airlift flies (charter routes)."
    )
    nationalities: tuple[ISO3, ...] = Field(
        min_length=1, description="Nationalities carried; no one else boards a charter route."
    )


class Airlift(RuntimePolicy):
    """Opens its routes to its nationalities this month, whatever visa or passport they hold.

    A route closure still applies. The airlift has no seat limit: it carries whoever's best
    journey uses it while it runs (the flights' capacity is not modelled); its intensity
    only switches it on.
    """

    spec_class = AirliftPolicy
    writes = frozenset({"flown"})
    spec: AirliftPolicy

    def resolve(self, w: WorldIndex) -> None:  # noqa: D102
        self.edges = self.routes(w, self.spec.routes)
        self.nats = self.nodes(w, self.spec.nationalities, empty_means_all=False)

    def apply(self, effects: Effects, month: int, intensity: float) -> None:  # noqa: D102
        effects.flown[np.ix_(self.nats, self.edges)] = True


FAMILY = Airlift
