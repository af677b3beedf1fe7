"""Colours shared by every figure: the Okabe-Ito palette, safe for colour-blind readers.

Source: Okabe & Ito (2008), "Color Universal Design", https://jfly.uni-koeln.de/color/.
"""

from __future__ import annotations

from collections.abc import Sequence

#: Okabe-Ito colours by name.
OKABE_ITO: dict[str, str] = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
}

#: Colour of a decrease and of an increase relative to the baseline.
DECREASE = OKABE_ITO["blue"]
INCREASE = OKABE_ITO["vermillion"]

#: Colours of legal statuses abroad in stacked figures, in ``tables.STATUSES`` order.
STATUS_COLOURS: tuple[str, ...] = (
    OKABE_ITO["vermillion"],
    OKABE_ITO["orange"],
    OKABE_ITO["sky_blue"],
    OKABE_ITO["bluish_green"],
    OKABE_ITO["blue"],
)

_SCENARIO_ORDER = ("blue", "vermillion", "bluish_green", "reddish_purple", "orange", "sky_blue")


def scenario_colours(scenarios: Sequence[str], baseline: str | None = None) -> dict[str, str]:
    """Give each scenario a colour: the baseline black, the others in a fixed order.

    Beyond six non-baseline scenarios the colours repeat.
    """
    colours: dict[str, str] = {}
    others = [s for s in scenarios if s != baseline]
    for i, scenario in enumerate(others):
        colours[scenario] = OKABE_ITO[_SCENARIO_ORDER[i % len(_SCENARIO_ORDER)]]
    if baseline in scenarios:
        colours[baseline] = OKABE_ITO["black"]
    return colours
