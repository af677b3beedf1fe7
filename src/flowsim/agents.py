"""``Migrant``: a real Mesa agent whose attributes are the agent's row in the population.

Every step phase works on the population's arrays at once; ``Migrant`` objects exist so
that Mesa idioms work for inspection and extension (``model.agents``,
``AgentSet.select``, ``AgentSet.groupby``). Reading or writing ``migrant.savings``
reads or writes the row, so both views always agree. Each agent stands for
``model.scale`` people.
"""

from __future__ import annotations

import itertools
import weakref
from typing import TYPE_CHECKING, Any

import mesa

from flowsim.vocab import KIND_NAMES, STATUS_NAMES

if TYPE_CHECKING:
    from flowsim.model.model import FlowModel


def _raw(name: str, doc: str) -> property:
    def get(self: Migrant) -> Any:
        return self.model.population.column(name)[self.row].item()

    def set_(self: Migrant, value: Any) -> None:
        self.model.population.column(name)[self.row] = value

    return property(get, set_, doc=doc)


def _coded(name: str, labels: tuple[str, ...] | None, doc: str) -> property:
    """Make a property shown as a label (ISO3 code, status or kind) and stored as a code."""

    def get(self: Migrant) -> str:
        code = int(self.model.population.column(name)[self.row])
        names = labels if labels is not None else self.model.world_index.iso3
        return names[code] if code >= 0 else ""

    def set_(self: Migrant, value: str) -> None:
        names = labels if labels is not None else self.model.world_index.iso3
        self.model.population.column(name)[self.row] = names.index(value)

    return property(get, set_, doc=doc)


class _IdCounters(weakref.WeakKeyDictionary):
    """Per-model counters of agent ids that do not keep finished models alive.

    Mesa 3.3's ``Agent._ids`` is a class-level ``defaultdict`` keyed by the model, so every
    model that ever created an agent stays in memory for the life of the process (Mesa
    issue #3179, fixed upstream by PR #3180 after 3.3). A sweep or calibration worker runs
    hundreds of models: it grew by ~45 MB a run, 7.5 GB per worker over a calibration wave.
    Holding the counters by weak reference keeps ids unique per model and lets it go.
    """

    def __getitem__(self, model: object) -> itertools.count:
        try:
            return super().__getitem__(model)
        except KeyError:
            counter = itertools.count(1)
            self[model] = counter
            return counter


class Migrant(mesa.Agent):
    """A household-sized migrant unit standing for ``model.scale`` people.

    Attributes:
        row: The agent's row in ``model.population``.
    """

    _ids = _IdCounters()  # instead of Mesa's process-wide strong references (see above)

    def __init__(self, model: FlowModel, row: int) -> None:
        super().__init__(model)
        self.row = int(row)

    nationality = _coded("nationality", None, "ISO3 code of the country of origin.")
    location = _coded(
        "location", None, "ISO3 code of where the agent is (last node if travelling)."
    )
    destination = _coded("dest", None, "ISO3 code of the journey's destination ('' if settled).")
    status = _coded("status", STATUS_NAMES, "Legal status: irregular, pending, regular, ...")
    journey_kind = _coded("kind", KIND_NAMES, "Kind of the current or last journey.")
    employed = _raw("employed", "Whether the agent has a job.")
    savings = _raw("savings", "Savings in USD.")
    borrowed = _raw("borrowed", "Whether kin have paid part of a journey (``kin_relend``).")
    skill = _raw("skill", "Skill percentile, 0-1.")
    months_here = _raw("months_here", "Whole months lived at the current location.")
    integration = _raw("integration", "Integration index, 0-1.")
    moves = _raw("moves", "International journeys started.")
    in_transit = _raw("in_transit", "Whether the agent is on a journey.")
    alive = _raw("alive", "False once the agent died on a route.")
    arrival_month = _raw("arrival_month", "Absolute month index of arrival here.")

    def step(self) -> None:
        """Do nothing: the model advances all agents at once on the arrays."""
