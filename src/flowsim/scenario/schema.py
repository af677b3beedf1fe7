"""The scenario as validated data: run settings, parameter and world overrides, policies.

A ``Scenario`` is frozen and fully resolved (its ``extends`` chain already merged), so it
is a plain value: picklable, hashable by content and safe to send to worker processes.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from flowsim.calendar import parse_month
from flowsim.parameters import Parameters
from flowsim.policies.registry import Policy
from flowsim.vocab import ISO3, ModeName, MonthText, Probability


class RunSettings(BaseModel):
    """When and at what resolution a scenario runs."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    start: MonthText = Field("2015-01", description="First simulated month (YYYY-MM).")
    months: int = Field(192, ge=1, le=1200, description="Number of monthly steps.")
    scale: float = Field(
        200.0, gt=0, le=1e7, description="People per agent; results are reported in people."
    )
    seed: int = Field(20150101, ge=0, description="Seed used when a run is not given one.")

    @property
    def start_index(self) -> int:
        """Absolute month index of the first step."""
        return parse_month(self.start)

    @property
    def end_index(self) -> int:
        """Absolute month index of the last step."""
        return self.start_index + self.months - 1


class RouteChange(BaseModel):
    """A change to an existing route of the world, found by id or name."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    route: str = Field(description="Route id or name.")
    cost_usd: float | None = Field(None, ge=0)
    risk: Probability | None = None
    duration_months: float | None = Field(None, gt=0)
    distance_km: float | None = Field(None, ge=0)
    closed: bool = Field(False, description="Remove the route from the world for the whole run.")


class NewRoute(BaseModel):
    """A route added to the world."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    route_id: str
    from_iso3: ISO3
    to_iso3: ISO3
    mode: ModeName
    distance_km: float = Field(ge=0)
    cost_usd: float = Field(ge=0)
    duration_months: float = Field(gt=0)
    risk: Probability
    legal: bool
    name: str = ""
    source: str = "scenario"
    charter: bool = Field(
        False,
        description="A route that exists only for those an `airlift` policy carries on it, in "
        "its months (a government's charter flights); closed to everyone else.",
    )

    @model_validator(mode="after")
    def _charter_is_legal(self) -> NewRoute:
        if self.charter and not self.legal:
            raise ValueError("charter = true needs legal = true (allowed: a legal charter route)")
        return self


class CountryChange(BaseModel):
    """A change to a country's attributes."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    unemployment: Probability | None = None
    wage_usd_month: float | None = Field(None, gt=0)
    informality: Probability | None = None
    integration_base: Probability | None = None


class WorldOverrides(BaseModel):
    """Differences from the default (or ``--world``) tables for this scenario."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    routes: tuple[RouteChange, ...] = ()
    add_routes: tuple[NewRoute, ...] = ()
    countries: dict[ISO3, CountryChange] = Field(default_factory=dict)


class CalibrationInfo(BaseModel):
    """How the scenario's parameters were calibrated (the optional ``[calibration]`` table).

    ``ensemble`` is written relative to the file that declares it; after loading it is
    relative to the folder of the scenario file that was loaded (the loader rewrites it),
    so ``scenario_dir / ensemble`` finds the file wherever the chain's layers live.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field("", description="Name of the calibration (e.g. the target set).")
    method: str = Field("", description='Method, e.g. "history_matching".')
    ensemble: str | None = Field(
        None, description="Path of the ensemble parameter-set file (CSV), see above."
    )
    n_sets: int = Field(0, ge=0, description="Parameter sets in the ensemble.")
    n_non_implausible: int | None = Field(
        None,
        ge=0,
        description="How many of them validated as non-implausible (within the observation "
        "errors and model discrepancy); the rest are the least implausible found.",
    )
    fit_male_overall: float | None = Field(
        None, ge=0, description="Mean absolute log error of the ensemble median, all groups."
    )
    fit_male_by_group: dict[str, float] = Field(
        default_factory=dict, description="Mean absolute log error per target group."
    )
    measured_by: str = Field("", description="The command that measured the fit.")
    refined_points: int | None = Field(
        None,
        ge=0,
        description="When [parameters] come from a compass-search refinement (flowsim "
        "calibrate --refine): points it ran.",
    )
    refined_male_before: float | None = Field(
        None,
        ge=0,
        description="Calibration loss of the parameters the refinement started from, on "
        "fresh seeds.",
    )
    refined_male_after: float | None = Field(
        None, ge=0, description="Calibration loss of the refined [parameters], same seeds."
    )
    refined_male_by_group: dict[str, float] = Field(
        default_factory=dict,
        description="Loss per target group of the refined [parameters] on those seeds.",
    )
    point_male: float | None = Field(
        None,
        ge=0,
        description="Calibration loss of [parameters] themselves on fresh seeds, when measured "
        "(a refinement's result, or the start of a refinement that began from them).",
    )
    point_male_by_group: dict[str, float] = Field(
        default_factory=dict,
        description="Loss per target group of [parameters] on those seeds.",
    )
    point_measured_by: str = Field(
        "",
        description="How point_male was measured (command and seeds), when not by the "
        "refinement that measured_by names; empty = by that refinement's fresh seeds.",
    )


class Scenario(BaseModel):
    """A fully resolved scenario: what to run, with which coefficients, world and policies."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[A-Za-z0-9_.\-]+$", description="Short identifier.")
    description: str = ""
    run: RunSettings = Field(default_factory=RunSettings)
    parameters: Parameters = Field(default_factory=Parameters)
    world: WorldOverrides = Field(default_factory=WorldOverrides)
    policies: tuple[Policy, ...] = ()
    calibration: CalibrationInfo | None = Field(
        None, description="How the parameters were calibrated (None when not stated)."
    )

    @model_validator(mode="after")
    def _unique_policy_keys(self) -> Scenario:
        """Policy keys (explicit names or derived from content) name random draws: unique."""
        seen: dict[str, int] = {}
        for i, pol in enumerate(self.policies):
            if pol.key in seen:
                raise ValueError(
                    f"policies {seen[pol.key]} and {i} are both named {pol.key!r} "
                    "(allowed: distinct names; give each policy its own `name`)"
                )
            seen[pol.key] = i
        return self

    def canonical_json(self) -> str:
        """Return the scenario as canonical JSON (sorted keys), the basis of its hash."""
        return json.dumps(self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))

    def content_hash(self) -> str:
        """Return the SHA-256 of the canonical JSON: equal hashes mean equal scenarios."""
        return hashlib.sha256(self.canonical_json().encode("utf-8")).hexdigest()

    def behaviour_hash(self) -> str:
        """Return the SHA-256 of what a run reads: ``content_hash`` without the words.

        Descriptions (the scenario's and its policies') and the ``[calibration]`` record (what
        a report writes back into the layer) are left out, so a resumed calibration accepts
        a reworded scenario but not one whose policies, parameters or run settings changed.
        """
        data = json.loads(self.model_dump_json(exclude={"calibration"}))
        text = json.dumps(_without_descriptions(data), sort_keys=True)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def with_overrides(
        self, overrides: Mapping[str, Any], *, file: str = "<overrides>"
    ) -> Scenario:
        """Return a copy with dotted-key overrides applied and validated.

        Keys: ``run.<field>``, ``parameters.<name>``, ``policies.<policy name>.<field>``
        and ``name``/``description``.

        Args:
            overrides: Mapping of dotted key to new value.
            file: Where the overrides come from, for error messages.

        Returns:
            A new validated ``Scenario``.

        Raises:
            flowsim.errors.ScenarioError: If a key is unknown or a value invalid.
        """
        from flowsim.scenario.overrides import apply_overrides

        return apply_overrides(self, overrides, file=file)


def _without_descriptions(data: object) -> object:
    """Return JSON data without its ``description`` keys, at any depth."""
    if isinstance(data, dict):
        return {k: _without_descriptions(v) for k, v in data.items() if k != "description"}
    if isinstance(data, list):
        return [_without_descriptions(v) for v in data]
    return data
