"""Checks of a merged scenario against the world: country codes, route names, dates."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flowsim.calendar import parse_month
from flowsim.errors import Problem
from flowsim.scenario.schema import Scenario

if TYPE_CHECKING:
    from flowsim.world import World

_COUNTRY_FIELDS = ("countries", "country", "nationalities", "from_countries", "to")


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
            problems.append(
                Problem(where_file, where, f"unknown country {code!r} (allowed: {allowed_codes})")
            )

    for (pfile, idx), pol in zip(origins, scenario.policies, strict=True):
        prefix = f"policy[{idx}]"
        for fname in _COUNTRY_FIELDS:
            value = getattr(pol, fname, None)
            if value is None:
                continue
            for code in (value,) if isinstance(value, str) else value:
                bad_code(pfile, f"{prefix}.{fname}", code)
        deport = getattr(pol, "deport_to", None)
        if deport and deport not in ("origin", "previous"):
            bad_code(pfile, f"{prefix}.deport_to", deport)
        for r in getattr(pol, "routes", ()):
            if r not in routes:
                problems.append(
                    Problem(
                        pfile,
                        f"{prefix}.routes",
                        f"unknown route {r!r} (allowed: route ids "
                        "or names in the world's routes.csv)",
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
