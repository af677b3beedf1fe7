"""Labor pathways: legal work-visa slots from hosts or origins to a destination."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, Literal

import numpy as np
from pydantic import Field

from flowsim.policies.base import PolicySpec, RuntimePolicy
from flowsim.policies.effects import PathwayWindow
from flowsim.vocab import ISO3, STATUS_NAMES, Probability, StatusAbroad

if TYPE_CHECKING:
    from flowsim.policies.effects import Effects
    from flowsim.world.compiled import WorldIndex


class LaborPathwayPolicy(PolicySpec):
    """Legal labor visa slots from hosts or origins to a destination (a safe air route)."""

    example: ClassVar[dict[str, object]] = {
        "from_countries": ["COL"],
        "to": "USA",
        "slots_per_year": 12000,
    }

    type: Literal["labor_pathway"]
    from_countries: tuple[ISO3, ...] = Field(
        min_length=1, description="Where candidates live: host countries and/or origins."
    )
    to: ISO3 = Field(description="Destination country.")
    slots_per_year: float = Field(ge=0, description="Visas per year (people).")
    nationalities: tuple[ISO3, ...] = Field((), description="Eligible nationalities; empty = all.")
    eligible_status: tuple[StatusAbroad, ...] = Field(
        ("irregular", "pending", "regular"), description="Statuses that may apply (hosts)."
    )
    min_skill: Probability = Field(0.0, description="Minimum skill (0-1 percentile).")
    selection: Literal["random", "aspiring"] = Field(
        "random",
        description="'random': employers pick among eligible people; 'aspiring': slots go "
        "first to those most wanting to move.",
    )
    contract_months: int = Field(24, ge=1, le=600, description="Length of the work visa.")
    return_share: Probability = Field(
        0.5, description="Share returning to their origin when the contract ends."
    )


class LaborPathway(RuntimePolicy):
    """Legal work-visa slots from hosts or origins to a destination."""

    spec_class = LaborPathwayPolicy
    writes = frozenset({"pathways"})
    spec: LaborPathwayPolicy

    def resolve(self, w: WorldIndex) -> None:  # noqa: D102
        s = self.spec
        self.from_nodes = self.nodes(w, s.from_countries, empty_means_all=False)
        self.to = w.node(s.to)
        self.nats = self.nodes(w, s.nationalities)
        self.status = np.array([name in s.eligible_status for name in STATUS_NAMES])
        # visitors (legal short-stay entrants, no work permit) are eligible where the
        # irregular are
        self.status[STATUS_NAMES.index("visitor")] |= "irregular" in s.eligible_status

    def apply(self, effects: Effects, month: int, intensity: float) -> None:  # noqa: D102
        s = self.spec
        effects.pathways.append(
            PathwayWindow(
                policy=self.key,
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


FAMILY = LaborPathway
