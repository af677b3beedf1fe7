"""Removal of irregular residents: a host deports a monthly share of them to their origin."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, Literal

from pydantic import Field

from flowsim.policies.base import PolicySpec, RuntimePolicy
from flowsim.vocab import ISO3, Probability

if TYPE_CHECKING:
    from flowsim.policies.effects import Effects
    from flowsim.world.compiled import WorldIndex


class RemovalPolicy(PolicySpec):
    """Deportation of irregular residents (and overstaying visitors) from inside a country.

    Enforcement acts on routes and the processing regime on arrival; this acts on people
    who already live in the host without a status, e.g. a deportation drive.
    """

    example: ClassVar[dict[str, object]] = {
        "country": "DOM",
        "nationalities": ["HTI"],
        "monthly_share": 0.01,
    }

    type: Literal["removal"]
    country: ISO3 = Field(description="Country removing irregular residents.")
    nationalities: tuple[ISO3, ...] = Field((), description="Nationalities removed; empty = all.")
    monthly_share: Probability = Field(
        description="Share of the nationality's irregular residents removed to their origin "
        "each month."
    )


class Removal(RuntimePolicy):
    """Sets the monthly removal probability of irregular residents of its nationalities.

    Overlapping removals in one host combine as independent chances.
    """

    spec_class = RemovalPolicy
    writes = frozenset({"removal"})
    spec: RemovalPolicy

    def resolve(self, w: WorldIndex) -> None:  # noqa: D102
        self.country = w.node(self.spec.country)
        self.nats = self.nodes(w, self.spec.nationalities)

    def apply(self, effects: Effects, month: int, intensity: float) -> None:  # noqa: D102
        p = self.spec.monthly_share * intensity
        col = effects.removal[:, self.country]
        col[self.nats] = 1.0 - (1.0 - col[self.nats]) * (1.0 - p)


FAMILY = Removal
