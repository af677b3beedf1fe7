"""Information campaigns: origins told of the risks of irregular journeys; some stay put.

Information campaigns on the dangers of irregular migration reach part of the would-be
emigrants of an origin, and a small share of those reached postpone leaving. Evaluations
find effects on intentions that are modest and often short-lived (Tjaden, Morgenstern &
Laczko 2018, "Evaluating the impact of information campaigns in the field of migration",
IOM GMDAC; Bah, Batista, Gubert & McKenzie 2023, J. Dev. Econ.), hence the small
default ``deterred``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, Literal

from pydantic import Field

from flowsim.policies.base import PolicySpec, RuntimePolicy
from flowsim.vocab import ISO3, Probability

if TYPE_CHECKING:
    from flowsim.policies.effects import Effects
    from flowsim.world.compiled import WorldIndex


class InformationCampaignPolicy(PolicySpec):
    """An information campaign in origins: fewer people leave while it runs."""

    example: ClassVar[dict[str, object]] = {"countries": ["HND", "GTM"], "reach": 0.4}

    type: Literal["information_campaign"]
    countries: tuple[ISO3, ...] = Field(min_length=1, description="Origins where it runs.")
    reach: Probability = Field(description="Share of would-be emigrants the campaign reaches.")
    deterred: Probability = Field(
        0.1,
        description="Share of those reached who do not leave while it runs. Assumption: "
        "evaluations find small effects on intentions (Tjaden et al. 2018, IOM).",
    )


class InformationCampaign(RuntimePolicy):
    """Multiplies emigration from the campaign's origins by ``1 - reach * deterred``.

    The campaign acts on whether people leave (the ``emigration`` phase), not on the
    routes they take; overlapping campaigns and shocks multiply.
    """

    spec_class = InformationCampaignPolicy
    writes = frozenset({"push_mult"})
    spec: InformationCampaignPolicy

    def resolve(self, w: WorldIndex) -> None:  # noqa: D102
        self.origins = self.nodes(w, self.spec.countries, empty_means_all=False)

    def apply(self, effects: Effects, month: int, intensity: float) -> None:  # noqa: D102
        s = self.spec
        effects.push_mult[self.origins] *= 1.0 - s.reach * s.deterred * intensity


FAMILY = InformationCampaign
