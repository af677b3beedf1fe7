"""Checks of a merged scenario against the world: country codes, route names, dates."""

from __future__ import annotations

from difflib import get_close_matches
from typing import TYPE_CHECKING

from flowsim.calendar import parse_month
from flowsim.errors import Problem
from flowsim.scenario.schema import Scenario

if TYPE_CHECKING:
    from flowsim.world import World


def _did_you_mean(value: str, allowed: set[str]) -> str:
    close = get_close_matches(value, sorted(allowed), n=1, cutoff=0.6)
    return f"did you mean {close[0]!r}? " if close else ""


def check_against_world(
    scenario: Scenario, world: World, origins: list[tuple[str, int]], file: str
) -> list[Problem]:
    """Return problems with codes, routes and dates in a merged scenario.

    Args:
        scenario: The merged scenario.
        world: The world it will run on.
        origins: For each policy, the file and index it came from (to name it in messages).
        file: The scenario file itself (for world and run problems).

    Returns:
        Problems, empty when all is well.
    """
    codes = set(world.iso3())
    allowed_codes = ", ".join(world.iso3())
    routes = set(world.routes["route_id"]) | {n for n in world.routes["name"] if n}
    for new in scenario.world.add_routes:
        routes.add(new.route_id)
        if new.name:
            routes.add(new.name)
    problems: list[Problem] = []
    start, end = scenario.run.start_index, scenario.run.end_index

    def bad_code(where_file: str, where: str, code: str) -> None:
        if code not in codes:
            hint = _did_you_mean(code, codes)
            problems.append(
                Problem(
                    where_file,
                    where,
                    f"unknown country {code!r} ({hint}allowed: {allowed_codes})",
                )
            )

    for (pfile, idx), pol in zip(origins, scenario.policies, strict=True):
        prefix = f"policy[{idx}]"
        # each family declares its country and route fields (flowsim.policies.base)
        for fname, kind, ref in pol.world_refs():
            if kind == "country":
                bad_code(pfile, f"{prefix}.{fname}", ref)
            elif ref not in routes:
                problems.append(
                    Problem(
                        pfile,
                        f"{prefix}.{fname}",
                        f"unknown route {ref!r} ({_did_you_mean(ref, routes)}allowed: route "
                        "ids or names in the world's routes.csv)",
                    )
                )
        for key in ("start", "end"):
            month = getattr(pol, key)
            if month is not None and not start <= parse_month(month) <= end:
                problems.append(
                    Problem(
                        pfile,
                        f"{prefix}.{key}",
                        f"{month} is outside the run ({scenario.run.start} to "
                        f"{_fmt(end)}; allowed: a month inside the run)",
                    )
                )
    for i, change in enumerate(scenario.world.routes):
        if change.route not in routes:
            problems.append(
                Problem(
                    file,
                    f"world.routes[{i}].route",
                    f"unknown route {change.route!r} (allowed: route ids or "
                    "names in the world's routes.csv)",
                )
            )
    for i, new in enumerate(scenario.world.add_routes):
        bad_code(file, f"world.add_routes[{i}].from_iso3", new.from_iso3)
        bad_code(file, f"world.add_routes[{i}].to_iso3", new.to_iso3)
    for code in scenario.world.countries:
        bad_code(file, f"world.countries.{code}", code)
    return problems


def _fmt(index: int) -> str:
    from flowsim.calendar import format_month

    return format_month(index)
