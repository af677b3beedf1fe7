"""What every policy family shares: its file schema's common fields and its runtime lifecycle.

A family is one module of ``flowsim.policies.families`` holding three things:

* a pydantic ``PolicySpec`` subclass: the family as written in scenario files (its
  ``type`` literal, fields, defaults, descriptions, checks);
* a ``RuntimePolicy`` subclass naming that spec (``spec_class``), declaring which
  ``Effects`` fields it writes (``writes``), resolving codes to indices once (``resolve``)
  and writing its effect each active month (``apply``);
* ``FAMILY = <the runtime class>``, which ``flowsim.policies.registry`` collects.

*What* a measure does is the family's ``apply``; *when, where and how much* is the spec's
schedule (start, end, ramp) and its resolved country and route indices.
"""

from __future__ import annotations

import hashlib
import json
import typing
from collections.abc import Iterator
from typing import TYPE_CHECKING, ClassVar

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from flowsim.calendar import parse_month
from flowsim.vocab import ISO3_PATTERN, MODES, MonthText

if TYPE_CHECKING:
    from flowsim.policies.effects import Effects
    from flowsim.world.compiled import WorldIndex


class PolicySpec(BaseModel):
    """Fields every policy has: a name and a schedule (start, optional end, optional ramp)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    #: Fields naming routes (ids or names in the world's routes.csv); checked against the world.
    route_fields: ClassVar[tuple[str, ...]] = ()
    #: A valid policy of the family on the default world (fields besides type, name, start),
    #: used by the family tests and as documentation.
    example: ClassVar[dict[str, object]] = {}

    name: str = Field(
        "",
        description="Unique name; lets a derived scenario replace or remove it and keys the "
        "policy's random draws. Empty: derived from the policy's content (see `key`).",
    )
    description: str = Field("", description="What the policy represents, with its source.")
    start: MonthText = Field(description="First month the policy acts (YYYY-MM).")
    end: MonthText | None = Field(None, description="Last month it acts (inclusive); none = open.")
    ramp_months: int = Field(
        0, ge=0, le=240, description="Months over which the intensity rises linearly to full."
    )

    @model_validator(mode="after")
    def _end_after_start(self) -> PolicySpec:
        if self.end is not None and parse_month(self.end) < parse_month(self.start):
            raise ValueError(f"end {self.end} is before start {self.start}")
        return self

    @property
    def start_index(self) -> int:
        """Absolute month index of ``start``."""
        return parse_month(self.start)

    @property
    def key(self) -> str:
        """The policy's stable name: ``name`` if given, else ``<type>_<content digest>``.

        The digest covers every field but ``name`` and ``description``, so it does not
        depend on the policy's position in its file, and editing prose does not change it.
        Random draws of the policy and the identity of agents it creates are keyed by it.
        """
        if self.name:
            return self.name
        content = self.model_dump(mode="json", exclude={"name", "description"})
        text = json.dumps(content, sort_keys=True, separators=(",", ":"))
        return f"{content['type']}_{hashlib.sha256(text.encode('utf-8')).hexdigest()[:10]}"

    @classmethod
    def country_fields(cls) -> tuple[str, ...]:
        """Fields holding ISO3 codes (single or tuple), found from their declared types."""
        found = []
        for fname, info in cls.model_fields.items():
            if _mentions_iso3(info.annotation) or any(
                getattr(m, "pattern", None) == ISO3_PATTERN for m in info.metadata
            ):
                found.append(fname)
        return tuple(found)

    def world_refs(self) -> Iterator[tuple[str, str, str]]:
        """Yield ``(field, "country" | "route", value)`` for every code this policy names."""
        for fname in self.country_fields():
            value = getattr(self, fname)
            for code in (value,) if isinstance(value, str) else value or ():
                if _is_iso3(code):
                    yield fname, "country", code
        for fname in self.route_fields:
            for ref in getattr(self, fname):
                yield fname, "route", ref


def _is_iso3(text: str) -> bool:
    return len(text) == 3 and text.isupper() and text.isalpha()


def _mentions_iso3(annotation: object) -> bool:
    """Whether a type annotation contains the ``ISO3`` field type anywhere."""
    if annotation is None:
        return False
    for meta in getattr(annotation, "__metadata__", ()):
        if getattr(meta, "metadata", None) and any(
            getattr(m, "pattern", None) == ISO3_PATTERN for m in meta.metadata
        ):
            return True
    return any(_mentions_iso3(a) for a in typing.get_args(annotation))


class RuntimePolicy:
    """A policy resolved against one world; subclasses implement ``resolve`` and ``apply``.

    Class attributes every family sets:
        spec_class: The family's ``PolicySpec`` subclass (its file schema).
        writes: Names of the ``Effects`` fields ``apply`` may change.
    """

    spec_class: ClassVar[type[PolicySpec]] = PolicySpec
    writes: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, spec: PolicySpec, w: WorldIndex) -> None:
        self.spec = spec
        self.key = spec.key
        self.start = parse_month(spec.start)
        self.end = parse_month(spec.end) if spec.end else None
        self.resolve(w)

    @classmethod
    def type_name(cls) -> str:
        """Return the ``type`` written in files (the spec's ``type`` literal)."""
        return typing.get_args(cls.spec_class.model_fields["type"].annotation)[0]

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

    def modes(self, w: WorldIndex, names: tuple[str, ...]) -> np.ndarray:
        """Boolean route mask of the routes travelled by the named modes."""
        return np.isin(w.edge_mode, [MODES.index(m) for m in names])

    def routes(self, w: WorldIndex, refs: tuple[str, ...]) -> np.ndarray:
        """Boolean route mask for route ids or names."""
        mask = np.zeros(w.n_edges, dtype=bool)
        for ref in refs:
            mask[w.routes_matching(ref)] = True
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
