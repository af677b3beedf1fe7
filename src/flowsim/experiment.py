"""Experiment files: which scenarios to run, over which parameter grid, how many times.

An experiment (``experiments/*.toml``) names scenarios, optional run-setting overrides
for all of them, an optional full-factorial parameter grid and the number of replicates.
:func:`expand` lists every run up front as a :class:`~flowsim.engine.run.RunSpec`.
Replicate ``k`` gets ``replicate_seed(seed, k)`` in every scenario and grid point, so
runs are paired across scenarios (common random numbers).

With ``ensemble`` (a CSV of calibrated parameter sets, see
``flowsim.scenario.ensemble``) every scenario and grid point runs over each parameter
set ``p`` (the first ``ensemble_sets`` of them, or all) with ``replicates`` replicates
``r`` each. The run's ``replicate`` is ``p * replicates + r``, its seed
``replicate_seed(seed, replicate)``, its run id ``<label>/r<replicate>`` and its
``RunSpec.parameter_set`` ``p``; so set ``p`` and replicate ``r`` have the same parameters
and seed in every scenario (paired), and every run of a scenario has its own seed. The
set's parameters override the scenario's (they are the calibrated ones) and the grid
point's apply on top.

Example::

    name = "smoke"
    description = "Tiny sweep used by the tests"
    scenarios = ["baseline", "integration_andean"]
    replicates = 2
    seed = 12345
    [run]
    months = 24
    scale = 5000
    [grid]
    "parameters.b_net" = [0.5, 1.0]
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pydantic
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

from flowsim.errors import Problem, ScenarioError
from flowsim.rng import replicate_seed
from flowsim.vocab import MONTH_PATTERN

if TYPE_CHECKING:
    from flowsim.scenario import Scenario


class RunOverrides(BaseModel):
    """Run settings applied to every scenario of an experiment (all optional)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    start: str | None = Field(default=None, pattern=MONTH_PATTERN)
    months: int | None = Field(default=None, gt=0)
    scale: float | None = Field(default=None, gt=0)

    def as_overrides(self) -> dict[str, Any]:
        """Return the set fields as dotted ``run.*`` overrides."""
        return {f"run.{k}": v for k, v in self.model_dump(exclude_none=True).items()}


class Experiment(BaseModel):
    """A validated experiment file.

    Attributes:
        name: Short name; the default results folder is ``results/<name>``.
        description: One line saying what the experiment is for.
        scenarios: Scenario names (looked up in ``<experiment dir>/../scenarios``) or paths
            relative to the experiment file.
        replicates: Runs per scenario and grid point.
        seed: Root seed; replicate ``k`` runs with ``replicate_seed(seed, k)``.
        run: Run-setting overrides for every scenario.
        grid: Dotted override key -> list of values; runs cover the full factorial.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.-]+$")
    description: str = ""
    scenarios: list[str] = Field(min_length=1)
    replicates: int = Field(ge=1)
    seed: int = Field(ge=0)
    run: RunOverrides = RunOverrides()
    grid: dict[str, list[Any]] = Field(default_factory=dict)
    ensemble: str | None = Field(
        default=None,
        description="CSV of parameter sets (relative to the experiment file) to run over.",
    )
    ensemble_sets: int | None = Field(
        default=None, ge=1, description="Use only the first N parameter sets of the ensemble."
    )

    _base_dir: Path | None = PrivateAttr(default=None)
    _source_file: Path | None = PrivateAttr(default=None)

    @pydantic.field_validator("scenarios")
    @classmethod
    def _unique_scenarios(cls, value: list[str]) -> list[str]:
        dupes = sorted({s for s in value if value.count(s) > 1})
        if dupes:
            raise ValueError(f"listed more than once: {', '.join(dupes)}")
        return value

    @pydantic.field_validator("grid")
    @classmethod
    def _grid_values(cls, value: dict[str, list[Any]]) -> dict[str, list[Any]]:
        for key, values in value.items():
            if not key.startswith(("parameters.", "run.", "policies.")):
                raise ValueError(
                    f"{key!r} is not an override key (allowed: parameters.<name>, "
                    "run.<setting>, policies.<policy>.<field>)"
                )
            if not values:
                raise ValueError(f"{key!r} has no values")
            texts = [json.dumps(v, sort_keys=True) for v in values]
            repeated = sorted({t for t in texts if texts.count(t) > 1})
            if repeated:
                raise ValueError(
                    f"{key!r} lists {', '.join(repeated)} more than once (allowed: each value once)"
                )
        return value

    @property
    def source_file(self) -> Path | None:
        """The file the experiment was loaded from (None when built in code)."""
        return self._source_file

    @property
    def base_dir(self) -> Path:
        """Folder the scenario references are resolved from (the file's folder)."""
        return self._base_dir if self._base_dir is not None else Path.cwd()

    def canonical(self) -> dict[str, Any]:
        """Return the experiment as plain JSON-ready data (what the hash covers).

        With an ensemble, the SHA-256 of its file is included (``ensemble_sha256``), so a
        recalibrated ensemble is a different experiment.
        """
        data = self.model_dump(mode="json")
        if self.ensemble is None:
            data.pop("ensemble", None)
            data.pop("ensemble_sets", None)
        else:
            path = self.ensemble_path()
            digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else ""
            data["ensemble_sha256"] = digest
        return data

    def ensemble_path(self) -> Path:
        """Return the ensemble file, resolved from the experiment file's folder."""
        if self.ensemble is None:
            raise ValueError("the experiment has no ensemble")
        return self.base_dir / self.ensemble

    def content_hash(self) -> str:
        """Return the SHA-256 of the experiment's canonical JSON."""
        text = json.dumps(self.canonical(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def grid_points(self) -> list[dict[str, Any]]:
        """Return every grid point (one dict of overrides each); ``[{}]`` without a grid."""
        keys = list(self.grid)
        return [
            dict(zip(keys, combo, strict=True))
            for combo in itertools.product(*(self.grid[k] for k in keys))
        ]


@dataclass(frozen=True)
class Plan:
    """An experiment with every scenario loaded and every run listed.

    Attributes:
        experiment: The experiment.
        scenario_hashes: Scenario label -> content hash of the scenario it runs.
        runs: Every run, in a stable order (scenario, grid point, replicate).
    """

    experiment: Experiment
    scenario_hashes: dict[str, str]
    runs: list[RunSpec]


def _problems_from_validation(file: str, exc: pydantic.ValidationError) -> list[Problem]:
    from flowsim.scenario.messages import plain, suggestion

    problems = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"]) or "(top level)"
        if err["type"] == "extra_forbidden":
            parent = err["loc"][:-1]
            model: type[BaseModel] = RunOverrides if parent == ("run",) else Experiment
            allowed = ", ".join(model.model_fields)
            hint = suggestion(str(err["loc"][-1]), model.model_fields)
            message = f"unknown key (allowed: {allowed}){hint}"
        else:
            message = plain(err)
        problems.append(Problem(file, where, message))
    return problems


def parse_experiment(data: Mapping[str, Any], *, file: str = "<experiment>") -> Experiment:
    """Validate experiment data already read from TOML.

    Args:
        data: The parsed TOML document.
        file: Name used in error messages.

    Returns:
        The validated experiment.

    Raises:
        ScenarioError: Listing every problem, each with its key path.
    """
    from flowsim.scenario.messages import number_problems

    numbers = number_problems(dict(data), file)
    if numbers:
        raise ScenarioError(numbers)
    try:
        experiment = Experiment.model_validate(dict(data))
    except pydantic.ValidationError as exc:
        raise ScenarioError(_problems_from_validation(file, exc)) from None
    check_size(experiment, file)
    return experiment


def planned_runs(experiment: Experiment, n_sets: int | None = None) -> int:
    """Return how many runs the experiment plans, without listing them.

    Args:
        experiment: The experiment.
        n_sets: Parameter sets in its ensemble, when known (else ``ensemble_sets`` or 1).
    """
    points = math.prod(len(values) for values in experiment.grid.values())
    sets = n_sets or getattr(experiment, "ensemble_sets", None) or 1
    return len(experiment.scenarios) * points * experiment.replicates * sets


def check_size(
    experiment: Experiment, file: str = "<experiment>", n_sets: int | None = None
) -> None:
    """Refuse an experiment planning more runs than one results folder may hold.

    Raises:
        ScenarioError: Naming the count and the limit, before anything is expanded.
    """
    from flowsim.results.manifest import MAX_RUNS

    count = planned_runs(experiment, n_sets)
    if count > MAX_RUNS:
        where = "grid" if experiment.grid else "replicates"
        raise ScenarioError(
            [
                Problem(
                    file,
                    where,
                    f"plans {count:,} runs (allowed: at most {MAX_RUNS:,} per results "
                    "folder; split the experiment)",
                )
            ]
        )


def load_experiment(path: str | Path) -> Experiment:
    """Read and validate an experiment file.

    Args:
        path: The TOML file.

    Returns:
        The experiment; scenario names resolve from the file's folder.

    Raises:
        ScenarioError: When the file is missing, is not TOML or does not validate.
    """
    from flowsim.scenario.files import read_toml

    path = Path(path)
    data = read_toml(path)
    experiment = parse_experiment(data, file=str(path))
    experiment._base_dir = path.resolve().parent
    experiment._source_file = path
    return experiment


def format_value(value: Any) -> str:
    """Format a grid value for a scenario label (``0.5``, ``true``, ``name``)."""
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def scenario_label(name: str, point: Mapping[str, Any]) -> str:
    """Return the label of a scenario at a grid point: ``name[key=value,...]``."""
    if not point:
        return name
    return name + "[" + ",".join(f"{k}={format_value(v)}" for k, v in point.items()) + "]"


def _resolve_ref(experiment: Experiment, ref: str) -> tuple[str | Path, list[Path]]:
    base = experiment.base_dir
    if ref.endswith(".toml") or "/" in ref:
        return base / ref, []
    return ref, [base.parent / "scenarios", base]


def load_scenarios(experiment: Experiment) -> dict[str, Scenario]:
    """Load and validate every scenario the experiment names, before anything runs.

    Args:
        experiment: The experiment.

    Returns:
        Reference as written -> scenario with the experiment's ``[run]`` overrides applied.

    Raises:
        ScenarioError: Listing the problems of every invalid scenario together.
    """
    from flowsim.scenario import load_scenario

    loaded: dict[str, Scenario] = {}
    problems: list[Problem] = []
    overrides = experiment.run.as_overrides()
    for ref in experiment.scenarios:
        target, search_dirs = _resolve_ref(experiment, ref)
        try:
            scenario = load_scenario(target, search_dirs=search_dirs)
            loaded[ref] = scenario.with_overrides(overrides) if overrides else scenario
        except ScenarioError as exc:
            problems.extend(exc.problems)
    if problems:
        raise ScenarioError(problems)
    return loaded


def applicable_point(
    point: Mapping[str, Any], scenario: Scenario, scenarios: Iterable[Scenario]
) -> dict[str, Any]:
    """Return the part of a grid point that applies to one scenario.

    A key ``policies.<name>.<field>`` is dropped for a scenario without that policy when
    another scenario of the experiment has it: a grid over a policy field then runs the
    baseline (which lacks the policy) once, and compares each grid point with it. A policy
    no scenario has is kept, so the override reports it.
    """
    if not any(key.startswith("policies.") for key in point):
        return dict(point)
    names = {p.name for p in scenario.policies}
    known = {p.name for s in scenarios for p in s.policies}
    out = {}
    for key, value in point.items():
        parts = key.split(".")
        elsewhere = len(parts) > 2 and parts[1] not in names and parts[1] in known
        if parts[0] == "policies" and elsewhere:
            continue
        out[key] = value
    return out


def expand(experiment: Experiment) -> Plan:
    """List every run of an experiment, validating all scenarios and grid points first.

    Args:
        experiment: The experiment.

    Returns:
        The plan: scenario hashes by label and the runs in a stable order.

    Raises:
        ScenarioError: When a scenario or a grid override is invalid; nothing has run.
    """
    from flowsim.scenario.ensemble import with_set

    check_size(experiment, str(experiment.source_file or "<experiment>"))
    scenarios = load_scenarios(experiment)
    sets = _parameter_sets(experiment)
    if sets is not None:
        check_size(experiment, str(experiment.source_file or "<experiment>"), len(sets))
        _check_set_inputs(experiment, sets, scenarios.values())
    reps = experiment.replicates
    # (parameter set, replicate index, seed) of every run of a scenario and grid point
    slots: list[tuple[int | None, int, int]] = (
        [(None, k, replicate_seed(experiment.seed, k)) for k in range(reps)]
        if sets is None
        else [
            (p, p * reps + r, replicate_seed(experiment.seed, p * reps + r))
            for p in range(len(sets))
            for r in range(reps)
        ]
    )
    hashes: dict[str, str] = {}
    runs: list[RunSpec] = []
    problems: list[Problem] = []
    for ref, base in scenarios.items():
        seen_points: list[dict[str, Any]] = []
        for full_point in experiment.grid_points():
            point = applicable_point(full_point, base, scenarios.values())
            if len(point) < len(full_point) and point in seen_points:
                continue  # a key that does not apply to this scenario: it runs once
            seen_points.append(point)
            try:
                where = str(experiment.source_file or "<experiment>")
                scenario = base.with_overrides(point, file=where) if point else base
            except ScenarioError as exc:
                problems.extend(exc.problems)
                continue
            label = scenario_label(scenario.name, point)
            if label in hashes:
                problems.append(Problem(ref, "scenarios", f"label {label!r} is not unique"))
                continue
            content = scenario.content_hash()
            same = [other for other, h in hashes.items() if h == content]
            if same and point:
                problems.append(
                    Problem(
                        str(experiment.source_file or "<experiment>"),
                        "grid",
                        f"{label} runs the same scenario as {same[0]} (allowed: grid points "
                        "that change the scenario)",
                    )
                )
                continue
            hashes[label] = content
            for pset, k, seed in slots:
                run_scenario = scenario
                if pset is not None and sets is not None:
                    try:
                        run_scenario = with_set(
                            base,
                            sets[pset],
                            point,
                            where,
                            f"{experiment.ensemble_path()} (set {pset})",
                        )
                    except ScenarioError as exc:
                        problems.extend(exc.problems)
                        break
                runs.append(
                    RunSpec(
                        run_id=f"{label}/r{k:03d}",
                        scenario=run_scenario,
                        replicate=k,
                        seed=seed,
                        params=dict(point),
                        label=label,
                        parameter_set=pset,
                    )
                )
    if problems:
        raise ScenarioError(problems)
    return Plan(experiment=experiment, scenario_hashes=hashes, runs=runs)


def _parameter_sets(experiment: Experiment) -> list[dict[str, float]] | None:
    """Return the parameter sets (the first ``ensemble_sets``), or None without an ensemble."""
    if experiment.ensemble is None:
        return None
    from flowsim.scenario.ensemble import read_ensemble

    where = str(experiment.source_file or "<experiment>")
    try:
        sets = read_ensemble(experiment.ensemble_path())
    except (OSError, ValueError) as exc:
        raise ScenarioError([Problem(where, "ensemble", str(exc))]) from None
    if experiment.ensemble_sets is not None:
        if experiment.ensemble_sets > len(sets):
            raise ScenarioError(
                [
                    Problem(
                        where,
                        "ensemble_sets",
                        f"{experiment.ensemble_sets} sets asked, the ensemble has "
                        f"{len(sets)} (allowed: 1..{len(sets)})",
                    )
                ]
            )
        sets = sets[: experiment.ensemble_sets]
    return sets


def _check_set_inputs(
    experiment: Experiment, sets: Sequence[Mapping[str, float]], scenarios: Collection[Scenario]
) -> None:
    """Refuse fitted inputs of the ensemble that no scenario has, or that scenarios change.

    A set's input is applied wherever a scenario has its policy (``set_overrides``); a
    column whose policy no scenario of the experiment has would silently do nothing (a typo
    or a renamed policy), and one whose policy a scenario gives another value than the
    others would overwrite that scenario's treatment with the set's value.

    Raises:
        ScenarioError: One problem per such column, naming the ensemble file and the column.
    """
    from flowsim.scenario.ensemble import is_input, scenario_value

    where = str(experiment.ensemble_path())
    problems: list[Problem] = []
    for key in [k for k in sets[0] if is_input(k)]:
        policy = key.split(".")[1]
        try:
            found = {
                s.name: scenario_value(s, key)
                for s in scenarios
                if any(p.name == policy for p in s.policies)
            }
        except (KeyError, TypeError) as exc:  # a field the policy lacks, or not a number
            problems.append(Problem(where, key, str(exc.args[0])))
            continue
        if not found:
            problems.append(
                Problem(where, key, f"no scenario of the experiment has a policy named {policy!r}")
            )
        elif len(set(found.values())) > 1:
            shown = ", ".join(f"{n} {v:g}" for n, v in found.items())
            problems.append(
                Problem(
                    where,
                    key,
                    f"the scenarios give it different values ({shown}): a set's value would "
                    "overwrite the scenario that changes it (allowed: the same value in every "
                    "scenario; give a changed policy another name)",
                )
            )
    if problems:
        raise ScenarioError(problems)


def experiment_from(source: str | Path | Experiment) -> Experiment:
    """Return an :class:`Experiment` from a path or an experiment (passed through)."""
    return source if isinstance(source, Experiment) else load_experiment(source)


__all__: Sequence[str] = (
    "Experiment",
    "Plan",
    "RunOverrides",
    "expand",
    "experiment_from",
    "format_value",
    "load_experiment",
    "load_scenarios",
    "parse_experiment",
    "scenario_label",
)


@dataclass(frozen=True)
class RunSpec:
    """Everything one run needs.

    Attributes:
        run_id: Stable id, ``"<scenario label>/r<replicate>"``.
        scenario: The resolved scenario (grid point already applied).
        replicate: Replicate index; replicate k has the same seed in every scenario.
        seed: The run's seed.
        params: The grid point's overrides (recorded in ``runs.params``).
        label: Scenario label written in the tables (defaults to the scenario's name).
        world_dir: Folder of world tables (None = the embedded default world).
        parameter_set: Index of the ensemble parameter set the run uses (None when the
            experiment has no ensemble); recorded in the manifest's run list.
    """

    run_id: str
    scenario: Scenario
    replicate: int
    seed: int
    params: dict[str, Any] = field(default_factory=dict)
    label: str = ""
    world_dir: str | None = None
    parameter_set: int | None = None

    @property
    def scenario_label(self) -> str:
        """Name shown in the tables' ``scenario`` column."""
        return self.label or self.scenario.name
