"""Ensemble files: the calibrated parameter sets a scenario or an experiment runs over.

An ensemble is a CSV with one row per parameter set: a ``set`` column (0, 1, 2, ...
in order) and one column per calibrated parameter (a field of
``flowsim.parameters.Parameters``) or fitted scenario input (a policy's field, named by its
override key ``policies.<policy name>.<field>``: ``flowsim.calibration.inputs``). Columns in
``META_COLUMNS`` (how the set was found) may follow and are not parameters. ``flowsim
calibrate`` writes it; experiments read it with ``ensemble = "<path>"`` and apply a set to
each scenario with ``set_overrides``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from pydantic import ValidationError

from flowsim.errors import Problem, ScenarioError
from flowsim.parameters import Parameters
from flowsim.scenario.messages import suggestion

if TYPE_CHECKING:
    from flowsim.scenario.schema import Scenario

#: Columns that describe a set rather than set a parameter.
META_COLUMNS: tuple[str, ...] = (
    "wave",
    "point",
    "max_implausibility",
    "second_implausibility",
    "male",
    "non_implausible",
)


#: Prefix of a free scenario input's name (the rest: ``<policy name>.<field>``).
POLICY_PREFIX = "policies."


def is_input(name: str) -> bool:
    """Whether a free parameter's name is a fitted scenario input, ``policies.<policy>.<field>``."""
    parts = name.split(".")
    return len(parts) == 3 and parts[0] + "." == POLICY_PREFIX and all(parts[1:])


def scenario_key(name: str) -> str:
    """Return the ``Scenario.with_overrides`` key of a free parameter or input."""
    return name if is_input(name) else f"parameters.{name}"


def scenario_value(scenario: Scenario, name: str) -> float:
    """Return the scenario's value of a free parameter or scenario input.

    Raises:
        KeyError: If the parameter, the policy or the policy's field does not exist.
        TypeError: If the value is not a number.
    """
    if not is_input(name):
        try:
            return float(getattr(scenario.parameters, name))
        except AttributeError:
            raise KeyError(f"no parameter named {name!r}") from None
    _, policy, field = name.split(".", 2)
    names = [p.name for p in scenario.policies]
    if policy not in names:
        raise KeyError(
            f"the scenario has no policy named {policy!r}{suggestion(policy, names)} "
            f"(allowed: {', '.join(names)})"
        )
    found = scenario.policies[names.index(policy)]
    fields = [f for f in type(found).model_fields if f not in ("type", "name", "description")]
    if field not in fields:
        raise KeyError(
            f"policy {policy!r} has no field {field!r}{suggestion(field, fields)} "
            f"(allowed: {', '.join(fields)})"
        )
    value = getattr(found, field)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{name} is not a number ({value!r})")
    return float(value)


def set_overrides(scenario: Scenario, values: Mapping[str, float]) -> dict[str, Any]:
    """Return the ``with_overrides`` keys that set one ensemble set in ``scenario``.

    Every parameter is set; a fitted input is set only where the scenario has its policy
    (a scenario that removes the policy, such as a counterfactual without it, runs
    without it whatever the set's value).
    """
    names = {p.name for p in scenario.policies}
    return {
        scenario_key(k): float(v)
        for k, v in values.items()
        if not is_input(k) or k.split(".")[1] in names
    }


def read_ensemble(path: str | Path) -> list[dict[str, float]]:
    """Read an ensemble file.

    Args:
        path: The CSV.

    Returns:
        One dict of parameter name -> value per set, in ``set`` order.

    Raises:
        FileNotFoundError: If the file does not exist.
        ValueError: One line naming the file and what is wrong (missing ``set``, unknown
            column, ``set`` not 0..n-1, a value outside the parameter's range).
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such ensemble file")
    frame = pd.read_csv(path)
    fields = set(Parameters.model_fields)
    if "set" not in frame.columns:
        raise ValueError(f"{path}: column 'set' is missing (the parameter set's index)")
    inputs = [c for c in frame.columns if is_input(c)]
    unknown = [
        c
        for c in frame.columns
        if c != "set" and c not in fields | set(META_COLUMNS) and c not in inputs
    ]
    if unknown:
        raise ValueError(
            f"{path}: unknown columns {', '.join(unknown)} (allowed: set, parameters of "
            "flowsim.parameters.Parameters, policies.<policy name>.<field>, "
            f"{', '.join(META_COLUMNS)})"
        )
    for c in inputs:
        if not np.isfinite(pd.to_numeric(frame[c], errors="coerce")).all():
            raise ValueError(f"{path}: column {c}: every value must be a finite number")
    names = [c for c in frame.columns if c in fields]
    if not names or frame.empty:
        raise ValueError(f"{path}: no parameter columns or no rows")
    if frame["set"].tolist() != list(range(len(frame))):
        raise ValueError(f"{path}: column 'set' must be 0, 1, ..., {len(frame) - 1} in order")
    sets = [{n: float(row[n]) for n in names + inputs} for _, row in frame.iterrows()]
    for i, values in enumerate(sets):
        try:
            Parameters(**{n: values[n] for n in names})
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise ValueError(f"{path}: set {i}, {where}: {first['msg']}") from None
    return sets


def read_set(path: str | Path, k: int) -> dict[str, float]:
    """Read set ``k`` of an ensemble file.

    Args:
        path: The CSV.
        k: The set's index (its ``set`` column).

    Returns:
        Parameter name -> value of set ``k`` (``read_ensemble``'s dict).

    Raises:
        ScenarioError: One problem at ``path``: the file cannot be read or is not a valid
            ensemble (what ``read_ensemble`` says), or it holds no set ``k`` (the sets it
            holds).
    """
    where = str(Path(path))  # as read_ensemble names it
    try:
        sets = read_ensemble(path)
    except (OSError, ValueError) as exc:  # pandas' parser errors are ValueErrors too
        message = str(exc).removeprefix(f"{where}: ")
        raise ScenarioError([Problem(where, "file", message)]) from None
    if not 0 <= k < len(sets):
        raise ScenarioError(
            [Problem(where, f"set {k}", f"no such set (allowed: 0..{len(sets) - 1})")]
        )
    return sets[k]


def absent_inputs(scenario: Scenario, values: Mapping[str, float]) -> list[str]:
    """Return the fitted inputs of a set whose policy ``scenario`` does not have.

    ``set_overrides`` skips them (a counterfactual that removes a policy runs without it); a
    sweep refuses those no scenario of it has, and a caller running one scenario can name
    them.

    Args:
        scenario: The scenario the set is applied to.
        values: The set (parameter or input name -> value).

    Returns:
        The names of the inputs not applied, in the set's order.
    """
    names = {p.name for p in scenario.policies}
    return [k for k in values if is_input(k) and k.split(".")[1] not in names]


def with_set(
    base: Scenario,
    values: Mapping[str, float],
    point: Mapping[str, Any],
    where: str,
    set_where: str = "<ensemble>",
) -> Scenario:
    """Return ``base`` with a parameter set's values, then the overrides of ``point``.

    A set's fitted inputs apply where ``base`` has their policy (``set_overrides``); a key
    of ``point`` (a grid point's, or the command line's) wins over the set's. A value the
    scenario refuses is reported at ``set_where`` (the ensemble file and the set) when it
    came from the set, at ``where`` when it came from ``point``.

    Args:
        base: The scenario.
        values: The set (parameter or input name -> value).
        point: Overrides applied after the set's (``Scenario.with_overrides`` keys).
        where: Where ``point`` came from, for its problems.
        set_where: Where the set came from, for its problems.

    Returns:
        The scenario with both applied.

    Raises:
        ScenarioError: The scenario refuses a value, located as above.
    """
    from_set = set_overrides(base, values)
    overrides: dict[str, Any] = {**from_set, **point}
    try:
        return base.with_overrides(overrides, file=where)
    except ScenarioError as exc:
        mine = {k for k in from_set if k not in point}
        # a limit across a policy's fields is located at the policy: the set's when every
        # override of that policy came from the set
        policies = {k.rsplit(".", 1)[0] for k in mine if is_input(k)}
        mine |= {q for q in policies if not any(k.startswith(q + ".") for k in point)}
        raise ScenarioError(
            [Problem(set_where, p.where, p.message) if p.where in mine else p for p in exc.problems]
        ) from None


def write_ensemble(
    path: str | Path,
    sets: Sequence[Mapping[str, float]],
    meta: pd.DataFrame | None = None,
) -> Path:
    """Write parameter sets (and optional ``META_COLUMNS``) as an ensemble file.

    Args:
        path: Where to write (folders are created).
        sets: One mapping of parameter name -> value per set, all with the same names.
        meta: Optional frame, one row per set, with columns from ``META_COLUMNS``.

    Returns:
        The path written.
    """
    frame = pd.DataFrame(list(sets)).astype(float)
    frame.insert(0, "set", range(len(frame)))
    if meta is not None:
        extra = [c for c in meta.columns if c in META_COLUMNS]
        frame = pd.concat([frame, meta[extra].reset_index(drop=True)], axis=1)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False, float_format="%.6g")
    return path
