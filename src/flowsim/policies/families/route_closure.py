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

    @model_validator(mode="after")
    def _needs_target(self) -> RouteClosurePolicy:
        if not self.routes and not self.countries:
            raise ValueError("give `routes` or `countries`")
        return self


class RouteClosure(RuntimePolicy):
    """Closes routes (named, or by country and mode) for some or all nationalities.

    Overlapping closures do not add up: the largest share closed applies. A closure never
    turns back nationals entering their own country: everyone has the right to enter it
    (International Covenant on Civil and Political Rights, art. 12(4)), and when the region's
    borders closed in 2020 returning Venezuelans were let in through humanitarian corridors
    (more than 95,000 from Colombia in April-September 2020, ``targets.csv`` ``returns``).
    """

    spec_class = RouteClosurePolicy
    writes = frozenset({"closed"})
    spec: RouteClosurePolicy

    def resolve(self, w: WorldIndex) -> None:  # noqa: D102
        s = self.spec
        mask = self.routes(w, s.routes)
        if s.countries:
            hit = self.nodes(w, s.countries, empty_means_all=False)
            modes = np.isin(w.edge_mode, [MODES.index(m) for m in s.modes])
            mask |= (hit[w.edge_src] | hit[w.edge_dst]) & modes
        self.edges = mask
        self.nats = self.nodes(w, s.nationalities)
        # a country does not turn back its own nationals coming home
        self.not_home = w.edge_dst[None, :] != np.arange(w.n_nodes)[:, None]

    def apply(self, effects: Effects, month: int, intensity: float) -> None:  # noqa: D102
        block = np.outer(self.nats, self.edges) & self.not_home
        share = self.spec.share * intensity
        effects.closed[block] = np.maximum(effects.closed[block], share)


FAMILY = RouteClosure
