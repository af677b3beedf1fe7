"""Route closures: routes closed (by id/name, or by country and mode) for some nationalities."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, Literal

import numpy as np
from pydantic import Field, model_validator

from flowsim.policies.base import PolicySpec, RuntimePolicy
from flowsim.vocab import ISO3, MODES, ModeName, Probability

if TYPE_CHECKING:
    from flowsim.policies.effects import Effects
    from flowsim.world.compiled import WorldIndex


class RouteClosurePolicy(PolicySpec):
    """Closes routes (by id/name, or by country and mode) for some or all nationalities."""

    route_fields: ClassVar[tuple[str, ...]] = ("routes",)

    example: ClassVar[dict[str, object]] = {"routes": ["Darien Gap"], "share": 0.5}

    type: Literal["route_closure"]
    routes: tuple[str, ...] = Field((), description="Route ids or names to close.")
    countries: tuple[ISO3, ...] = Field(
        (), description="Close routes entering or leaving these countries (with modes)."
    )
    modes: tuple[ModeName, ...] = Field(MODES, description="Modes closed when `countries` is used.")
    nationalities: tuple[ISO3, ...] = Field((), description="Affected; empty = all.")
    share: Probability = Field(1.0, description="Share of the route's capacity closed (1 = all).")
    admit_nationals: bool = Field(
        True,
        description="Let nationals through when they enter their own country (the right to "
        "enter it); false for a route no one can use, e.g. a washed-out road.",
    )

    @model_validator(mode="after")
    def _needs_target(self) -> RouteClosurePolicy:
        if not self.routes and not self.countries:
            raise ValueError("give `routes` or `countries`")
        return self


class RouteClosure(RuntimePolicy):
    """Closes routes (named, or by country and mode) for some or all nationalities.

    Overlapping closures do not add up: the largest share closed applies. Unless
    ``admit_nationals`` is false, a closure does not turn back nationals entering their own
    country: everyone has the right to enter it (International Covenant on Civil and
    Political Rights, art. 12(4)).
    """

    spec_class = RouteClosurePolicy
    writes = frozenset({"closed"})
    spec: RouteClosurePolicy

    def resolve(self, w: WorldIndex) -> None:  # noqa: D102
        s = self.spec
        mask = self.routes(w, s.routes)
        if s.countries:
            hit = self.nodes(w, s.countries, empty_means_all=False)
            mask |= (hit[w.edge_src] | hit[w.edge_dst]) & self.modes(w, s.modes)
        self.edges = mask
        self.nats = self.nodes(w, s.nationalities)
        self.exempt = w.home_entry if s.admit_nationals else np.zeros_like(w.home_entry)

    def apply(self, effects: Effects, month: int, intensity: float) -> None:  # noqa: D102
        block = np.outer(self.nats, self.edges) & ~self.exempt
        share = self.spec.share * intensity
        effects.closed[block] = np.maximum(effects.closed[block], share)


FAMILY = RouteClosure
