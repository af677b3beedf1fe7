"""What a policy is, as written in a scenario file: its type, schedule and parameters.

These pydantic models only describe and validate a policy. What a policy *does* each month
lives in ``flowsim.policies`` (one runtime class per ``type``, found through a registry).
Country codes are checked against the world when the scenario is loaded.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from flowsim.calendar import parse_month

MonthText = Annotated[str, Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="YYYY-MM")]
ISO3 = Annotated[str, Field(pattern=r"^[A-Z]{3}$", description="ISO3 country code")]
Probability = Annotated[float, Field(ge=0.0, le=1.0)]


class PolicyBase(BaseModel):
    """Fields every policy has: a name and a schedule (start, optional end, optional ramp)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field("", description="Unique name; lets a derived scenario replace or remove it.")
    description: str = Field("", description="What the policy represents, with its source.")
    start: MonthText = Field(description="First month the policy acts (YYYY-MM).")
    end: MonthText | None = Field(None, description="Last month it acts (inclusive); none = open.")
    ramp_months: int = Field(
        0, ge=0, le=240, description="Months over which the intensity rises linearly to full."
    )

    @model_validator(mode="after")
    def _end_after_start(self) -> PolicyBase:
        if self.end is not None and parse_month(self.end) < parse_month(self.start):
            raise ValueError(f"end {self.end} is before start {self.start}")
        return self


class IntegrationPolicy(PolicyBase):
    """Access to formal work, services, documents and mobility for migrants in hosts."""

    type: Literal["integration"]
    countries: tuple[ISO3, ...] = Field(min_length=1, description="Hosts applying the policy.")
    level: Probability = Field(
        description="0-1: share of the gap to full integration closed in these hosts."
    )
    nationalities: tuple[ISO3, ...] = Field((), description="Beneficiaries; empty = all.")


class RegularizationPolicy(PolicyBase):
    """A status program converting eligible irregular migrants into permit holders."""

    type: Literal["regularization"]
    country: ISO3 = Field(description="Host running the program.")
    nationalities: tuple[ISO3, ...] = Field((), description="Eligible nationalities; empty = all.")
    arrived_before: MonthText | None = Field(
        None, description="Only migrants who arrived before this month are eligible."
    )
    take_up: Probability = Field(
        0.6, description="Share of eligible migrants who apply over the whole window."
    )
    approval: Probability = Field(0.95, description="Share of applications granted.")
    processing_months: int = Field(3, ge=0, le=60, description="Months from application to grant.")
    permit_months: int = Field(
        24, ge=1, le=600, description="Validity of the permit granted, months."
    )


class LaborPathwayPolicy(PolicyBase):
    """Legal labor visa slots from hosts or origins to a destination (a safe air route)."""

    type: Literal["labor_pathway"]
    from_countries: tuple[ISO3, ...] = Field(
        min_length=1, description="Where candidates live: host countries and/or origins."
    )
    to: ISO3 = Field(description="Destination country.")
    slots_per_year: float = Field(ge=0, description="Visas per year (people).")
    nationalities: tuple[ISO3, ...] = Field((), description="Eligible nationalities; empty = all.")
    eligible_status: tuple[
        Literal["irregular", "pending", "regular", "labor_visa", "naturalized"], ...
    ] = Field(("irregular", "pending", "regular"), description="Statuses that may apply (hosts).")
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


class VisaRequirementPolicy(PolicyBase):
    """A visa imposed (or lifted) for some nationalities: closes legal entry routes."""

    type: Literal["visa_requirement"]
    country: ISO3 = Field(description="Country requiring the visa.")
    nationalities: tuple[ISO3, ...] = Field(min_length=1, description="Nationalities affected.")
    required: bool = Field(True, description="true imposes the visa; false lifts it.")


class RouteClosurePolicy(PolicyBase):
    """Closes routes (by id/name, or by country and mode) for some or all nationalities."""

    type: Literal["route_closure"]
    routes: tuple[str, ...] = Field((), description="Route ids or names to close.")
    countries: tuple[ISO3, ...] = Field(
        (), description="Close routes entering or leaving these countries (with modes)."
    )
    modes: tuple[Literal["land", "sea", "air"], ...] = Field(
        ("land", "sea", "air"), description="Modes closed when `countries` is used."
    )
    nationalities: tuple[ISO3, ...] = Field((), description="Affected; empty = all.")
    share: Probability = Field(1.0, description="Share of the route's capacity closed (1 = all).")

    @model_validator(mode="after")
    def _needs_target(self) -> RouteClosurePolicy:
        if not self.routes and not self.countries:
            raise ValueError("give `routes` or `countries`")
        return self


class EnforcementPolicy(PolicyBase):
    """Interception and removal on routes (by id/name or entering countries)."""

    type: Literal["enforcement"]
    routes: tuple[str, ...] = Field((), description="Route ids or names patrolled.")
    countries: tuple[ISO3, ...] = Field((), description="Patrol irregular routes entering these.")
    nationalities: tuple[ISO3, ...] = Field((), description="Affected; empty = all.")
    interception: Probability = Field(description="Probability a crossing is intercepted.")
    deport_to: Literal["origin", "previous"] | ISO3 = Field(
        "origin",
        description="Where intercepted people are sent: 'origin', 'previous' (the country the "
        "route left) or an ISO3 code (e.g. expulsions to MEX).",
    )

    @model_validator(mode="after")
    def _needs_target(self) -> EnforcementPolicy:
        if not self.routes and not self.countries:
            raise ValueError("give `routes` or `countries`")
        return self


class ProcessingRegimePolicy(PolicyBase):
    """What a destination does with arrivals of some nationalities (by month, via start/end).

    Each arrival is expelled, released with a pending case (e.g. an asylum hearing), given a
    protected status (TPS, parole, humanitarian residence) or, for the remaining share, stays
    irregular. The status held sets what going there is worth, so decisions respond to it.
    """

    type: Literal["processing_regime"]
    country: ISO3 = Field(description="Destination applying the regime.")
    nationalities: tuple[ISO3, ...] = Field((), description="Arrivals concerned; empty = all.")
    expelled: Probability = Field(0.0, description="Share expelled on arrival.")
    deport_to: Literal["origin", "previous"] | ISO3 = Field(
        "origin",
        description="Where the expelled are sent: 'origin', 'previous' (the country they "
        "came from) or an ISO3 code (e.g. Title 42 expulsions to MEX).",
    )
    pending: Probability = Field(
        0.0, description="Share released with a pending case (status 'pending')."
    )
    hearing_months: int = Field(
        24, ge=1, le=240, description="Months until a pending case is decided."
    )
    grant: Probability = Field(
        0.3, description="Probability a pending case ends in a permit (else irregular)."
    )
    protected: Probability = Field(
        0.0, description="Share given a protected status (regular), e.g. TPS or parole."
    )
    protected_months: int = Field(
        18, ge=1, le=600, description="Validity of the protected status, months."
    )
    entry: Literal["irregular", "all"] = Field(
        "irregular",
        description="'irregular': applies to those entering on an irregular route; 'all': also "
        "to legal entrants (e.g. residence granted to every arrival).",
    )

    @model_validator(mode="after")
    def _shares_fit(self) -> ProcessingRegimePolicy:
        total = self.expelled + self.pending + self.protected
        if total > 1.0 + 1e-9:
            raise ValueError(f"expelled + pending + protected = {total:g} exceeds 1")
        return self


class ShockPolicy(PolicyBase):
    """Push or economic shocks: emigration pressure and job losses in a window."""

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


Policy = Annotated[
    IntegrationPolicy
    | RegularizationPolicy
    | LaborPathwayPolicy
    | VisaRequirementPolicy
    | RouteClosurePolicy
    | EnforcementPolicy
    | ProcessingRegimePolicy
    | ShockPolicy,
    Field(discriminator="type"),
]

#: type name -> spec class, the registry of policy families as written in files.
POLICY_SPECS: dict[str, type[PolicyBase]] = {
    "integration": IntegrationPolicy,
    "regularization": RegularizationPolicy,
    "labor_pathway": LaborPathwayPolicy,
    "visa_requirement": VisaRequirementPolicy,
    "route_closure": RouteClosurePolicy,
    "enforcement": EnforcementPolicy,
    "processing_regime": ProcessingRegimePolicy,
    "shock": ShockPolicy,
}
