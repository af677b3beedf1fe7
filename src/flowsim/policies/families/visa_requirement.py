"""Visa requirements: a visa imposed (or lifted) for some nationalities closes legal entry."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, Literal

from pydantic import Field

from flowsim.policies.base import PolicySpec, RuntimePolicy
from flowsim.vocab import ISO3

if TYPE_CHECKING:
    from flowsim.policies.effects import Effects
    from flowsim.world.compiled import WorldIndex


class VisaRequirementPolicy(PolicySpec):
    """A visa imposed (or lifted) for some nationalities: closes legal entry routes."""

    example: ClassVar[dict[str, object]] = {"country": "MEX", "nationalities": ["VEN"]}

    type: Literal["visa_requirement"]
    country: ISO3 = Field(description="Country requiring the visa.")
    nationalities: tuple[ISO3, ...] = Field(min_length=1, description="Nationalities affected.")
    required: bool = Field(True, description="true imposes the visa; false lifts it.")


class VisaRequirement(RuntimePolicy):
    """Imposes (or lifts) a visa: legal entry routes close for the nationalities named.

    When two active policies disagree, the one applied last wins: policies are applied in
    order of start month, then name (``flowsim.policies.registry.build_policies``), so the
    most recent decision holds.
    """

    spec_class = VisaRequirementPolicy
    writes = frozenset({"visa_required"})
    spec: VisaRequirementPolicy

    def resolve(self, w: WorldIndex) -> None:  # noqa: D102
        self.country = w.node(self.spec.country)
        self.nats = self.nodes(w, self.spec.nationalities, empty_means_all=False)

    def apply(self, effects: Effects, month: int, intensity: float) -> None:  # noqa: D102
        effects.visa_required[self.nats, self.country] = self.spec.required
        effects.visa_required[self.country, self.country] = False


FAMILY = VisaRequirement
