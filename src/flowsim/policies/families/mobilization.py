"""Mobilization: news of an opening spreads among a nationality abroad; more weigh moving.

A wish to move is acted on at a monthly hazard (``flowsim.model.decide.wish_to_move``). A
mobilization reaches a share ``reach`` a month of the named nationalities living in the
named countries while it runs (news, true or not, that a destination is letting people in,
a call to travel together, a deadline to arrive by): those it reaches weigh moving this
month as if acting on a wish, so the hazard becomes ``1 - (1 - hazard) * (1 - reach)``.
It changes how many weigh moving, not what they weigh: they choose by the utilities of
their options, and stay unless one beats staying. News about a place (``toward``: the
destinations the news names, e.g. that the United States lets a nationality in) makes
those it reaches weigh only going there against staying; it sends no one elsewhere.
The baseline has three instances, all news about the US (``toward``): the rumour of an
opening that spread among Haitians in Chile and Brazil from May 2021 (shared policy
timeline, 2021-05 row; docs/calibration.md, "A rumour among the Haitians"), the news of the
US releases of 2016 among Haitians in Brazil (docs/calibration.md, "News of releases,
2016") and the news that the US lets Venezuelans in among the Venezuelans of the region's
hosts from March 2021 to September 2022 (docs/calibration.md, "News about a place"); the
reach of each is an assumption, fitted with the calibration
(scenarios/calibration/inputs.toml). News can also describe the way (``route_info``): while
it runs, that share of what its nationalities do not know of every irregular route is
lifted (``flowsim.model.knowledge.unknown_share``); the Haitians' rumour of 2021 does, as
relatives who had just travelled sent the routes by phone (docs/calibration.md, "Routes
described by phone (thirty-third pass)").
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, Literal

import numpy as np
from pydantic import Field

from flowsim.policies.base import PolicySpec, RuntimePolicy
from flowsim.vocab import ISO3, Probability

if TYPE_CHECKING:
    from flowsim.policies.effects import Effects
    from flowsim.world.compiled import WorldIndex


class MobilizationPolicy(PolicySpec):
    """More migrants of some nationalities weigh moving on: news of an opening spreads."""

    example: ClassVar[dict[str, object]] = {
        "countries": ["CHL", "BRA"],
        "nationalities": ["HTI"],
        "reach": 0.1,
    }

    type: Literal["mobilization"]
    countries: tuple[ISO3, ...] = Field(
        min_length=1,
        description="Countries where those it reaches live (a nationality's own country is "
        "skipped: at home only returnees and this month's emigrants are agents).",
    )
    nationalities: tuple[ISO3, ...] = Field(min_length=1, description="Nationalities it reaches.")
    reach: Probability = Field(
        description="Share of them reached a month, who weigh moving as if acting on a wish."
    )
    toward: tuple[ISO3, ...] = Field(
        (),
        description="Destinations the news is about: those it reaches weigh only going to "
        "one of these against staying. Empty: any destination (news that moves people on).",
    )
    route_info: Probability = Field(
        0.0,
        description="Share of the unknown of every irregular route that the news lifts for "
        "its nationalities, wherever they live, while it runs (routes described by phone by "
        "those who just travelled them), whatever its reach: route choice and kin's loans "
        "treat that share as known. 0: the news describes no route.",
    )


class Mobilization(RuntimePolicy):
    """Reaches a share of some (nationality, place) pairs a month, who weigh moving.

    Overlapping mobilizations reach independently (``1 - prod(1 - reach)``); a ramp scales
    ``reach``. One with ``toward`` writes ``Effects.reached_toward`` and marks its
    destinations in ``Effects.toward`` for the (nationality, place) pairs it reaches (the
    union where several reach the same pair); one without writes ``Effects.reached``. One
    with ``route_info`` lifts that share of its nationalities' unknown route shares
    (``Effects.route_info``, combined like reach: ``1 - prod(1 - route_info * intensity)``),
    for those nationalities wherever they live and whatever its reach.
    """

    spec_class = MobilizationPolicy
    writes = frozenset({"reached", "reached_toward", "toward", "route_info"})
    spec: MobilizationPolicy

    def resolve(self, w: WorldIndex) -> None:  # noqa: D102
        self.places = self.nodes(w, self.spec.countries, empty_means_all=False)
        self.nats = self.nodes(w, self.spec.nationalities, empty_means_all=False)
        self.dests = self.nodes(w, self.spec.toward, empty_means_all=False)

    def apply(self, effects: Effects, month: int, intensity: float) -> None:  # noqa: D102
        block = np.outer(self.nats, self.places)
        np.fill_diagonal(block, False)  # migrants abroad only: at home few are agents
        directed = bool(self.dests.any())
        share = effects.reached_toward if directed else effects.reached
        missed = 1.0 - share[block]
        share[block] = 1.0 - missed * (1.0 - self.spec.reach * intensity)
        if directed:
            effects.toward |= block[:, :, None] & self.dests[None, None, :]
        if self.spec.route_info > 0.0:
            missed = 1.0 - effects.route_info[self.nats]
            effects.route_info[self.nats] = 1.0 - missed * (1.0 - self.spec.route_info * intensity)


FAMILY = Mobilization
