"""Processing regime at the destination: what happens to arrivals, by nationality and month.

Each arrival is expelled, released with a pending case (e.g. an asylum hearing), given a
protected status (TPS, parole, humanitarian residence) or, for the remaining share, stays
irregular. The status held there sets what going there is worth, so the effect on flows
comes from agents' decisions (``model/decide.py``) and statuses (``model/journeys.py``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, Literal

from pydantic import Field, model_validator

from flowsim.policies.base import PolicySpec, RuntimePolicy
from flowsim.policies.effects import DEPORT_ORIGIN, DEPORT_PREVIOUS
from flowsim.vocab import ISO3, Probability

if TYPE_CHECKING:
    from flowsim.policies.effects import Effects
    from flowsim.world.compiled import WorldIndex


class ProcessingRegimePolicy(PolicySpec):
    """What a destination does with arrivals of some nationalities (by month, via start/end).

    Each arrival is expelled, released with a pending case (e.g. an asylum hearing), given a
    protected status (TPS, parole, humanitarian residence) or, for the remaining share, stays
    irregular. The status held sets what going there is worth, so decisions respond to it.
    """

    example: ClassVar[dict[str, object]] = {
        "country": "USA",
        "nationalities": ["VEN"],
        "expelled": 0.05,
        "pending": 0.9,
        "deport_to": "MEX",
    }

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


class ProcessingRegime(RuntimePolicy):
    """Sets the arrival outcome shares of its nationalities at its destination.

    Regimes replace each other: for a (nationality, destination) pair the one applied last
    (latest start, then name) among the active ones sets the shares; they do not add up.
    """

    spec_class = ProcessingRegimePolicy
    writes = frozenset({"arrival"})
    spec: ProcessingRegimePolicy

    def resolve(self, w: WorldIndex) -> None:  # noqa: D102
        s = self.spec
        self.country = w.node(s.country)
        self.nats = self.nodes(w, s.nationalities)
        deport = {"origin": DEPORT_ORIGIN, "previous": DEPORT_PREVIOUS}.get(s.deport_to)
        self.deport = w.node(s.deport_to) if deport is None else deport

    def apply(self, effects: Effects, month: int, intensity: float) -> None:  # noqa: D102
        s, a, h = self.spec, effects.arrival, self.country
        a.expelled[self.nats, h] = s.expelled * intensity
        a.pending[self.nats, h] = s.pending * intensity
        a.protected[self.nats, h] = s.protected * intensity
        a.deport_to[self.nats, h] = self.deport
        a.hearing_months[self.nats, h] = s.hearing_months
        a.grant[self.nats, h] = s.grant
        a.protected_months[self.nats, h] = s.protected_months
        a.all_entries[self.nats, h] = s.entry == "all"


FAMILY = ProcessingRegime
