"""Dotted-key overrides of a scenario (used by experiment grids and the CLI).

Overridden values get every check a scenario file gets: the schema, finite numbers of
sane size, and (when a policy's country codes or routes may change: any override of a
policy field that is not a plain number) codes and routes against the default world, so a
bad grid value fails before any run starts. A number cannot name a country or a route, so
a numeric policy field (a fitted input of a calibration on another world, say) is checked
by the schema alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from flowsim.errors import Problem, ScenarioError
from flowsim.scenario.messages import number_problems, plain, suggestion

if TYPE_CHECKING:  # Scenario.with_overrides calls this module: no import back at run time
    from flowsim.scenario.schema import Scenario


def apply_overrides(
    scenario: Scenario, overrides: Mapping[str, Any], *, file: str = "<overrides>"
) -> Scenario:
    """Return ``scenario`` with dotted-key overrides applied and re-validated.

    Args:
        scenario: The base scenario.
        overrides: ``{"parameters.b_net": 0.5, "run.scale": 1000, "policies.<name>.level": 0.8}``.
        file: Name used in error messages (e.g. the experiment file).

    Returns:
        A new validated ``Scenario``.

    Raises:
        ScenarioError: Naming the key when it is unknown or its value invalid.
    """
    if not overrides:
        return scenario
    data = scenario.model_dump(mode="python")
    problems: list[Problem] = []
    for key, value in overrides.items():
        numbers = number_problems(value, file, key)
        if numbers:
            problems += numbers
            continue
        parts = key.split(".")
        if parts[0] in ("name", "description") and len(parts) == 1:
            data[parts[0]] = value
        elif parts[0] in ("run", "parameters") and len(parts) == 2:
            if parts[1] not in data[parts[0]]:
                allowed = ", ".join(data[parts[0]])
                hint = suggestion(parts[1], data[parts[0]])
                problems.append(Problem(file, key, f"unknown key (allowed: {allowed}){hint}"))
                continue
            data[parts[0]][parts[1]] = value
        elif parts[0] == "policies" and len(parts) == 3:
            names = [p.get("name", "") for p in data["policies"]]
            if parts[1] not in names:
                problems.append(
                    Problem(
                        file,
                        key,
                        f"no policy named {parts[1]!r} "
                        f"(allowed: {', '.join(n for n in names if n)})"
                        + suggestion(parts[1], [n for n in names if n]),
                    )
                )
                continue
            pol = data["policies"][names.index(parts[1])]
            if parts[2] not in pol:
                problems.append(
                    Problem(
                        file,
                        key,
                        f"unknown key (allowed: {', '.join(pol)}){suggestion(parts[2], pol)}",
                    )
                )
                continue
            pol[parts[2]] = value
        else:
            problems.append(
                Problem(
                    file,
                    key,
                    "unknown key (allowed: run.<field>, parameters.<name>, "
                    "policies.<policy name>.<field>, name, description)",
                )
            )
    if problems:
        raise ScenarioError(problems)
    try:
        result = type(scenario).model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(
            [Problem(file, _where(e["loc"], overrides, data), plain(e)) for e in exc.errors()]
        ) from None
    if any(k.startswith("policies.") and not _is_number(v) for k, v in overrides.items()):
        from flowsim.scenario.checks import check_against_world
        from flowsim.world import default_world

        origins = [(file, i) for i in range(len(result.policies))]
        found = check_against_world(result, default_world(), origins, file, dates=False)
        if found:
            raise ScenarioError(found)
    return result


def _is_number(value: object) -> bool:
    """Whether an override is a plain number: it cannot name a country or a route."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def _where(
    loc: tuple[Any, ...], overrides: Mapping[str, Any], data: Mapping[str, Any] | None = None
) -> str:
    """Name an error by the override key that caused it when possible.

    A policy's error is located by its index in the list (and its family's tag); the
    override named it ``policies.<policy name>.<field>``, which is what is shown.
    """
    if data is not None and len(loc) > 1 and loc[0] == "policies" and isinstance(loc[1], int):
        name = data["policies"][loc[1]].get("name", "")
        for part in loc[2:]:
            key = f"policies.{name}.{part}"
            if key in overrides:
                return key
        if any(k.startswith(f"policies.{name}.") for k in overrides):
            return f"policies.{name}"  # a limit across the policy's fields
    dotted = ".".join(str(p) for p in loc)
    for key in overrides:
        if dotted == key or dotted.startswith(key + "."):
            return key
    return dotted
