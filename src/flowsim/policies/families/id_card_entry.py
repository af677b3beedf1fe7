"""Identity-card entry: a country admits some nationalities on a national identity card."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, Literal

import numpy as np
from pydantic import Field

from flowsim.policies.base import PolicySpec, RuntimePolicy
from flowsim.vocab import ISO3, ModeName

if TYPE_CHECKING:
    from flowsim.policies.effects import Effects
    from flowsim.world.compiled import WorldIndex


class IdCardEntryPolicy(PolicySpec):
    """A country admits some nationalities on a national identity card (no passport)."""

    example: ClassVar[dict[str, object]] = {"country": "PER", "nationalities": ["VEN"]}

    type: Literal["id_card_entry"]
    country: ISO3 = Field(description="Country admitting travellers on an identity card.")
    nationalities: tuple[ISO3, ...] = Field(min_length=1, description="Nationalities admitted.")
    modes: tuple[ModeName, ...] = Field(
        ("land",),
        min_length=1,
        description="Modes of the legal routes into the country open on an identity card "
        "(land border posts by default).",
    )


class IdCardEntry(RuntimePolicy):
    """Opens the country's legal entry routes to the nationalities' travellers without passport.

    Travellers without a passport (``flowsim.model.classes.NO_PASSPORT``) otherwise use
    irregular routes only. A visa requirement or a route closure still applies: the card
    replaces the passport, not the visa.
    """

    spec_class = IdCardEntryPolicy
    writes = frozenset({"id_entry"})
    spec: IdCardEntryPolicy

    def resolve(self, w: WorldIndex) -> None:  # noqa: D102
        s = self.spec
        into = w.edge_dst == w.node(s.country)
        self.edges = w.edge_legal & self.modes(w, s.modes) & into
        self.nats = self.nodes(w, s.nationalities, empty_means_all=False)

    def apply(self, effects: Effects, month: int, intensity: float) -> None:  # noqa: D102
        effects.id_entry[np.ix_(self.nats, self.edges)] = True


FAMILY = IdCardEntry
