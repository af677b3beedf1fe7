"""Route prices: what crossing some routes costs (a smuggler's fee, a fare, a border fee).

A price set by a policy replaces the route's ``cost_usd`` of ``routes.csv`` while the
policy is active: journeys are chosen, valued and paid at that price (labor-pathway
journeys, sponsored and unpaid, are routed at it too). Smuggling prices move
with control of a route (the 2021 price list of the Darien crossing, organised as a service
by an armed group; an enforcement campaign that makes smugglers charge more), fares with
airlines and fees with states.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, Literal

import numpy as np
from pydantic import Field, model_validator

from flowsim.policies.base import PolicySpec, RuntimePolicy

if TYPE_CHECKING:
    from flowsim.policies.effects import Effects
    from flowsim.world.compiled import WorldIndex


class RoutePricePolicy(PolicySpec):
    """Sets the price of crossing some routes (USD), or multiplies it."""

    route_fields: ClassVar[tuple[str, ...]] = ("routes",)

    example: ClassVar[dict[str, object]] = {"routes": ["Darien Gap"], "cost_usd": 800.0}

    type: Literal["route_price"]
    routes: tuple[str, ...] = Field(min_length=1, description="Route ids or names priced.")
    cost_usd: float | None = Field(
        None, ge=0, le=100_000, description="Price of one crossing, USD (replaces cost_usd)."
    )
    multiplier: float | None = Field(
        None, ge=0, le=100, description="Multiplier of the route's price (instead of cost_usd)."
    )

    @model_validator(mode="after")
    def _one_price(self) -> RoutePricePolicy:
        if (self.cost_usd is None) == (self.multiplier is None):
            raise ValueError("give exactly one of `cost_usd` and `multiplier`")
        return self


class RoutePrice(RuntimePolicy):
    """Writes the price of its routes into ``Effects.edge_cost``.

    During a ramp the price moves linearly from the one before the policy to its own.
    Policies act in ``model.policies`` order (start month, then key): a later ``cost_usd``
    replaces an earlier price of the same route, multipliers multiply the price so far.
    """

    spec_class = RoutePricePolicy
    writes = frozenset({"edge_cost"})
    spec: RoutePricePolicy

    def resolve(self, w: WorldIndex) -> None:  # noqa: D102
        self.edges = self.routes(w, self.spec.routes)

    def apply(self, effects: Effects, month: int, intensity: float) -> None:  # noqa: D102
        s = self.spec
        before = effects.edge_cost[self.edges]
        target = before * s.multiplier if s.cost_usd is None else np.full_like(before, s.cost_usd)
        effects.edge_cost[self.edges] = before + intensity * (target - before)


FAMILY = RoutePrice
