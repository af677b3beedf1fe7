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

#: Legal statuses abroad as drawn: status name -> (label, colour), in stacking order. A
#: status the results hold but this table does not know is drawn under its own name in one of
#: ``SPARE_COLOURS``, never in another status's colour.
STATUS_STYLE: dict[str, tuple[str, str]] = {
    "irregular": ("irregular", OKABE_ITO["vermillion"]),
    "visitor": ("visitor (short legal stay)", "#F0E442"),
    "pending": ("applied, waiting for a decision", OKABE_ITO["orange"]),
    "parole": ("humanitarian parole", OKABE_ITO["reddish_purple"]),
    "regular": ("regular (residence permit)", OKABE_ITO["sky_blue"]),
    "labor_visa": ("labor visa", OKABE_ITO["bluish_green"]),
    "naturalized": ("naturalized", OKABE_ITO["blue"]),
}
#: Colours for statuses not in ``STATUS_STYLE`` (greys and browns: none used above).
SPARE_COLOURS: tuple[str, ...] = ("#8c564b", "#7f7f7f", "#bcbd22", "#c7c7c7", "#17becf")


def status_styles(statuses: Sequence[str]) -> dict[str, tuple[str, str]]:
    """Give each status a label and a colour of its own, known statuses first.

    Args:
        statuses: The statuses to draw (any order; ``"national"`` and ``"all"`` are dropped).

    Returns:
        Status -> (label, colour), in stacking order.
    """
    present = [s for s in dict.fromkeys(statuses) if s not in ("national", "all")]
    known = [s for s in STATUS_STYLE if s in present]
    others = sorted(s for s in present if s not in STATUS_STYLE)
    out = {s: STATUS_STYLE[s] for s in known}
    for i, status in enumerate(others):
        out[status] = (status.replace("_", " "), SPARE_COLOURS[i % len(SPARE_COLOURS)])
    return out


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
