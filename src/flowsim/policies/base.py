"""Policy lifecycle: build from the scenario spec, resolve against the world, apply monthly.

*What* a measure does is the family's ``apply``; *when, where and how much* is the spec's
schedule (start, end, ramp) and its resolved country and route indices.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from flowsim.calendar import parse_month
from flowsim.policies.effects import Effects
from flowsim.scenario.policies import PolicyBase
from flowsim.world.compiled import WorldIndex

#: ``type`` name -> runtime class; filled by ``register``.
REGISTRY: dict[str, type[RuntimePolicy]] = {}


def register(cls: type[RuntimePolicy]) -> type[RuntimePolicy]:
    """Class decorator adding a runtime policy family to the registry."""
    REGISTRY[cls.type_name] = cls
    return cls


class RuntimePolicy:
    """A policy resolved against one world; subclasses implement ``apply``."""

    type_name: ClassVar[str] = ""
    index: int = 0  # position in the scenario's policy list (set by ``build_policies``)

    def __init__(self, spec: PolicyBase, w: WorldIndex) -> None:
        self.spec = spec
        self.start = parse_month(spec.start)
        self.end = parse_month(spec.end) if spec.end else None
        self.resolve(w)

    def nodes(
        self, w: WorldIndex, codes: tuple[str, ...], empty_means_all: bool = True
    ) -> np.ndarray:
        """Boolean node mask for ISO3 codes (all nodes when empty and allowed)."""
        mask = np.zeros(w.n_nodes, dtype=bool)
        if not codes and empty_means_all:
            mask[:] = True
        for c in codes:
            mask[w.node(c)] = True
        return mask

    def resolve(self, w: WorldIndex) -> None:
        """Turn codes and names into indices; called once when the model is built."""

    def intensity(self, month: int) -> float:
        """Share of full effect in an absolute month (0 outside the window; linear ramp)."""
        if month < self.start or (self.end is not None and month > self.end):
            return 0.0
        ramp = self.spec.ramp_months
        return 1.0 if ramp <= 0 else min(1.0, (month - self.start + 1) / ramp)

    def apply(self, effects: Effects, month: int, intensity: float) -> None:
        """Write this month's effect into ``effects`` (intensity > 0)."""
        raise NotImplementedError


def build_policies(specs: tuple[PolicyBase, ...], w: WorldIndex) -> list[RuntimePolicy]:
    """Instantiate the runtime policy of each spec, in scenario order."""
    import flowsim.policies.families  # noqa: F401  (registers the families)

    policies = [REGISTRY[spec.type](spec, w) for spec in specs]  # type: ignore[attr-defined]
    for i, pol in enumerate(policies):
        pol.index = i
    return policies
