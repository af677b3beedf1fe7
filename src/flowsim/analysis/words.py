"""Numbers and names as a reader sees them: scenario titles, rounding to the agent scale.

Counts come from agents that each stand for ``scale`` people, so a count is never known more
finely than the scale's order of magnitude: people are rounded to that step (1,000 at 1,000
people per agent). Shares are shown in percent and their changes in percentage points (pp),
to one decimal. A change that rounds to zero is written "no change" rather than "-0".
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

from flowsim.analysis.pairing import scenario_name

#: Relative changes are shown only when the baseline holds at least this many agents' worth
#: of people (below it one agent more or less moves the percentage a lot).
MIN_AGENTS_FOR_PERCENT = 20


def scenario_title(label: str) -> str:
    """Return a scenario label as words.

    ``labor_pathways_expanded[x=1]`` becomes ``Labor pathways expanded (x = 1)``.
    """
    name = scenario_name(label).replace("_", " ").strip()
    title = name[:1].upper() + name[1:]
    point = label[len(scenario_name(label)) :].strip("[]")
    if point:
        title += " (" + ", ".join(p.replace("=", " = ") for p in point.split(",")) + ")"
    return title


@dataclass(frozen=True)
class Numbers:
    """Formats values of one unit at the resolution the agent scale allows.

    Attributes:
        unit: ``"people"`` or ``"share"``.
        scale: People per agent (``None`` when unknown: people are rounded to whole persons
            above 100, one decimal below).
    """

    unit: str
    scale: float | None = None

    @property
    def step(self) -> float:
        """The rounding step for people."""
        if not self.scale or self.scale < 10:
            return 1.0
        return float(10 ** math.floor(math.log10(self.scale)))

    def level(self, value: float) -> str:
        """Format a level: ``12,000`` people or ``4.7%``."""
        if value is None or not np.isfinite(value):
            return "n/a"
        if self.unit == "share":
            return f"{100 * value:.1f}%"
        return self._people(value, signed=False)

    def change(self, value: float) -> str:
        """Format a change: ``-3,000`` people, ``+1.2 pp`` or ``no change``."""
        if value is None or not np.isfinite(value):
            return "n/a"
        if self.unit == "share":
            text = f"{100 * value:+.1f} pp"
            return "no change" if re.fullmatch(r"[+-]0\.0 pp", text) else text
        return self._people(value, signed=True)

    def interval(self, lo: float, hi: float, *, change: bool = True) -> str:
        """Format an interval ``lo to hi`` (one value when both ends read the same)."""
        show = self.change if change else self.level
        low, high = show(lo), show(hi)
        return low if low == high else f"{low} to {high}"

    def relative(self, change: float, base: float) -> str:
        """Format a relative change in percent (``""`` when the base is too small to tell)."""
        if not np.isfinite(change) or not np.isfinite(base) or base == 0:
            return ""
        if self.unit == "people" and self.scale and abs(base) < MIN_AGENTS_FOR_PERCENT * self.scale:
            return ""
        if self.unit == "share":
            return ""  # shares are compared in percentage points only
        ratio = change / base
        if abs(ratio) < 0.0005:
            return f"{'+' if ratio > 0 else '-'}<0.1%" if ratio else "no change"
        return f"{ratio:+.0%}" if abs(ratio) >= 0.1 else f"{ratio:+.1%}"

    def _people(self, value: float, *, signed: bool) -> str:
        step = self.step
        rounded = round(value / step) * step
        if rounded == 0:
            if value == 0:
                return "no change" if signed else "0"
            sign = ("+" if value > 0 else "-") if signed else ""
            return f"{sign}<{step:,.0f}"
        if step == 1 and abs(value) < 100:
            return f"{value:+,.1f}" if signed else f"{value:,.1f}"
        return f"{rounded:+,.0f}" if signed else f"{rounded:,.0f}"
