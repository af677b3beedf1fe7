"""Integration: access to formal work, services, documents and mobility in hosts."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, Literal

import numpy as np
from pydantic import Field

from flowsim.policies.base import PolicySpec, RuntimePolicy
from flowsim.vocab import ISO3, Probability

if TYPE_CHECKING:
    from flowsim.policies.effects import Effects
    from flowsim.world.compiled import WorldIndex


class IntegrationPolicy(PolicySpec):
    """Access to formal work, services, documents and mobility for migrants in hosts."""

    example: ClassVar[dict[str, object]] = {"countries": ["COL", "PER"], "level": 0.5}

    type: Literal["integration"]
    countries: tuple[ISO3, ...] = Field(min_length=1, description="Hosts applying the policy.")
    level: Probability = Field(
        description="0-1: share of the gap to full integration closed in these hosts."
    )
    nationalities: tuple[ISO3, ...] = Field((), description="Beneficiaries; empty = all.")


class Integration(RuntimePolicy):
    """Closes a share ``level`` of the gap to full integration for migrants in hosts.

    Overlapping integration policies do not add up: the highest level applies.
    """

    spec_class = IntegrationPolicy
    writes = frozenset({"integration"})
    spec: IntegrationPolicy

    def resolve(self, w: WorldIndex) -> None:  # noqa: D102
        self.hosts = self.nodes(w, self.spec.countries, empty_means_all=False)
        self.nats = self.nodes(w, self.spec.nationalities)

    def apply(self, effects: Effects, month: int, intensity: float) -> None:  # noqa: D102
        block = np.outer(self.nats, self.hosts)
        level = self.spec.level * intensity
        effects.integration[block] = np.maximum(effects.integration[block], level)


FAMILY = Integration
