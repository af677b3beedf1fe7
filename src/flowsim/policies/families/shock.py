"""Shocks: push and labor-market shocks (more emigration, more job losses, layoffs, lower wages)."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, Literal

from pydantic import Field

from flowsim.policies.base import PolicySpec, RuntimePolicy
from flowsim.vocab import ISO3

if TYPE_CHECKING:
    from flowsim.policies.effects import Effects
    from flowsim.world.compiled import WorldIndex


class ShockPolicy(PolicySpec):
    """Push or economic shocks: emigration pressure and job losses in a window."""

    example: ClassVar[dict[str, object]] = {
        "countries": ["VEN"],
        "push_multiplier": 1.5,
        "job_loss_multiplier": 1.2,
        "wage_multiplier": 0.9,
        "layoff_share": 0.2,
    }

    type: Literal["shock"]
    countries: tuple[ISO3, ...] = Field(
        (), description="Countries hit; empty = all countries in the world."
    )
    push_multiplier: float = Field(
        1.0, ge=0, le=20, description="Multiplies emigration from hit origins."
    )
    job_loss_multiplier: float = Field(
        1.0, ge=0, le=20, description="Multiplies the job-loss rate of migrants in hit hosts."
    )
    wage_multiplier: float = Field(1.0, ge=0, le=5, description="Multiplies wages in hit hosts.")
    layoff_share: float = Field(
        0.0,
        ge=0,
        le=1,
        description="Share of the employed migrants in hit hosts (not nationals at home) who "
        "lose their job at once, in each month of the window (a lockdown's layoffs; give the "
        "window one month for a one-off). The job-loss multiplier acts on the monthly "
        "job-loss rate instead, so it builds unemployment up over months.",
    )


class Shock(RuntimePolicy):
    """Push and labor-market shocks: more emigration, more job losses, layoffs, lower wages.

    Overlapping shocks multiply; overlapping layoffs combine as independent chances,
    ``1 - (1 - a)(1 - b)``.
    """

    spec_class = ShockPolicy
    writes = frozenset({"push_mult", "job_loss_mult", "wage_mult", "layoff"})
    spec: ShockPolicy

    def resolve(self, w: WorldIndex) -> None:  # noqa: D102
        self.hit = self.nodes(w, self.spec.countries)

    def apply(self, effects: Effects, month: int, intensity: float) -> None:  # noqa: D102
        s = self.spec
        effects.push_mult[self.hit] *= 1.0 + (s.push_multiplier - 1.0) * intensity
        effects.job_loss_mult[self.hit] *= 1.0 + (s.job_loss_multiplier - 1.0) * intensity
        effects.wage_mult[self.hit] *= 1.0 + (s.wage_multiplier - 1.0) * intensity
        if s.layoff_share > 0.0:
            kept = 1.0 - s.layoff_share * intensity
            effects.layoff[self.hit] = 1.0 - (1.0 - effects.layoff[self.hit]) * kept


FAMILY = Shock
