"""Regularization: a status program converting eligible irregular migrants into permit holders."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, Literal

from pydantic import Field

from flowsim.calendar import parse_month
from flowsim.policies.base import PolicySpec, RuntimePolicy
from flowsim.policies.effects import RegularizationWindow
from flowsim.vocab import ISO3, NEVER_MONTH, MonthText, Probability

if TYPE_CHECKING:
    from flowsim.policies.effects import Effects
    from flowsim.world.compiled import WorldIndex


class RegularizationPolicy(PolicySpec):
    """A status program converting eligible irregular migrants into permit holders."""

    example: ClassVar[dict[str, object]] = {
        "country": "COL",
        "nationalities": ["VEN"],
        "take_up": 0.7,
    }

    type: Literal["regularization"]
    country: ISO3 = Field(description="Host running the program.")
    nationalities: tuple[ISO3, ...] = Field((), description="Eligible nationalities; empty = all.")
    arrived_before: MonthText | None = Field(
        None, description="Only migrants who arrived before this month are eligible."
    )
    min_stay_months: int = Field(
        0,
        ge=0,
        le=120,
        description="Months a migrant must have lived in the host before applying (a standing "
        "procedure's residence requirement, e.g. one year); 0 = none.",
    )
    take_up: Probability = Field(
        0.6, description="Share of eligible migrants who apply over the whole window."
    )
    approval: Probability = Field(0.95, description="Share of applications granted.")
    processing_months: int = Field(3, ge=0, le=60, description="Months from application to grant.")
    permit_months: int = Field(
        24, ge=1, le=600, description="Validity of the permit granted, months."
    )


class Regularization(RuntimePolicy):
    """Opens a window in which eligible irregular migrants apply for a permit."""

    spec_class = RegularizationPolicy
    writes = frozenset({"regularizations"})
    spec: RegularizationPolicy

    def resolve(self, w: WorldIndex) -> None:  # noqa: D102
        s = self.spec
        self.country = w.node(s.country)
        self.nats = self.nodes(w, s.nationalities)
        self.cutoff = parse_month(s.arrived_before) if s.arrived_before else NEVER_MONTH
        months = (self.end - self.start + 1) if self.end is not None else 12
        # take_up is the share applying over the whole window (12 months when open-ended)
        self.apply_prob = 1.0 - (1.0 - s.take_up) ** (1.0 / max(months, 1))

    def apply(self, effects: Effects, month: int, intensity: float) -> None:  # noqa: D102
        s = self.spec
        # a newcomer arriving before the cut-off can still apply in the months left once it
        # has lived here min_stay_months (an open-ended window looks 12 months ahead)
        last = self.end if self.end is not None else month + 11
        left = max(last - month - s.min_stay_months + 1, 0)
        newcomer = (
            s.approval * (1.0 - (1.0 - self.apply_prob * intensity) ** left)
            if month < self.cutoff
            else 0.0
        )
        effects.regularizations.append(
            RegularizationWindow(
                policy=self.key,
                country=self.country,
                nationalities=self.nats,
                arrived_before=self.cutoff,
                min_stay_months=s.min_stay_months,
                apply_prob=self.apply_prob * intensity,
                approval=s.approval,
                processing_months=s.processing_months,
                permit_months=s.permit_months,
                newcomer_chance=newcomer,
            )
        )


FAMILY = Regularization
