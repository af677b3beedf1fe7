"""Checks of a merged scenario against the world: country codes, route names, dates.

A scenario's world overrides get the same checks as the world's own tables: an added
route may not reuse an existing route id or name, nor start and end in one country; a
closed route may not leave an origin unable to reach any other country.
"""

from __future__ import annotations

from difflib import get_close_matches
from typing import TYPE_CHECKING

from flowsim.calendar import parse_month
from flowsim.errors import Problem
from flowsim.scenario.messages import suggestion

if TYPE_CHECKING:
    from flowsim.scenario.schema import Scenario
    from flowsim.world import World


def _did_you_mean(value: str, allowed: set[str]) -> str:
    hint = suggestion(value, sorted(allowed))  # case first ("col" -> "COL"), then typos
    if not hint:
        close = get_close_matches(value, sorted(allowed), n=1, cutoff=0.6)
        return f"did you mean {close[0]!r}? " if close else ""
    return hint.removeprefix("; ") + " "


def check_against_world(
    scenario: Scenario,
    world: World,
    origins: list[tuple[str, int]],
    file: str,
    *,
    dates: bool = True,
) -> list[Problem]:
    """Return problems with codes, routes and dates in a merged scenario.

    Args:
        scenario: The merged scenario.
        world: The world it will run on.
        origins: For each policy, the file and index it came from (to name it in messages).
        file: The scenario file itself (for world and run problems).
        dates: Also require policy months inside the run (a scenario file's own run);
            overridden run settings only warn (``schedule_warnings``).

    Returns:
        Problems, empty when all is well.
    """
    codes = set(world.iso3())
    allowed_codes = ", ".join(world.iso3())
    routes = set(world.routes["route_id"]) | {n for n in world.routes["name"] if n}
    problems: list[Problem] = []
    for i, new in enumerate(scenario.world.add_routes):
        where = f"world.add_routes[{i}]"
        for key, value in (("route_id", new.route_id), ("name", new.name)):
            if value and value in routes:
                problems.append(
                    Problem(
                        file,
                        f"{where}.{key}",
                        f"{value!r} is already a route id or name (allowed: a new, unique one)",
                    )
                )
        if new.from_iso3 == new.to_iso3:
            problems.append(
                Problem(
                    file,
                    f"{where}.to_iso3",
                    f"{new.to_iso3} is also the route's from_iso3 (allowed: another country)",
                )
            )
        routes.add(new.route_id)
        if new.name:
            routes.add(new.name)
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
        for key in ("start", "end") if dates else ():
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
                    f"names in the world's routes.csv){suggestion(change.route, routes)}",
                )
            )
    for i, new in enumerate(scenario.world.add_routes):
        bad_code(file, f"world.add_routes[{i}].from_iso3", new.from_iso3)
        bad_code(file, f"world.add_routes[{i}].to_iso3", new.to_iso3)
    for code in scenario.world.countries:
        bad_code(file, f"world.countries.{code}", code)
    if not problems:
        problems += _stranded_origins(scenario, world, file)
    return problems


def _stranded_origins(scenario: Scenario, world: World, file: str) -> list[Problem]:
    """Origins that the scenario's closed and added routes leave with nowhere to go."""
    if not scenario.world.routes and not scenario.world.add_routes:
        return []
    closed = {c.route for c in scenario.world.routes if c.closed}
    edges = {
        (str(r.from_iso3), str(r.to_iso3))
        for r in world.routes.itertuples()
        if r.route_id not in closed and (not r.name or r.name not in closed)
    }
    edges |= {(r.from_iso3, r.to_iso3) for r in scenario.world.add_routes if not r.charter}
    out: dict[str, set[str]] = {}
    for a, b in edges:
        out.setdefault(a, set()).add(b)
    stuck = [o for o in world.origins() if not out.get(o, set()) - {o}]
    return [
        Problem(
            file,
            "world.routes",
            f"closing these routes leaves origin {o} with no route to another country "
            "(allowed: keep at least one route out of every origin)",
        )
        for o in stuck
    ]


def _fmt(index: int) -> str:
    from flowsim.calendar import format_month

    return format_month(index)


def schedule_warnings(scenario: Scenario, file: str) -> list[str]:
    """Return warnings about policies that the run's months make useless or partial.

    A scenario valid on its own can be run over fewer months (an experiment's ``[run]``
    table, ``--months``): a policy starting after the run ends then has no effect at all,
    which would read as a zero policy effect. Such policies, and ramps that cannot reach
    full strength before the end, are reported as one line per kind
    (``FILE: key: message``) naming the policies.

    Args:
        scenario: The scenario with its final run settings.
        file: The scenario file, for the messages.

    Returns:
        Warning lines; empty when every policy acts fully inside the run.
    """
    start, end = scenario.run.start_index, scenario.run.end_index
    after: list[str] = []
    before: list[str] = []
    ramps: list[str] = []
    for i, pol in enumerate(scenario.policies):
        label = pol.name or f"policy[{i}]"
        first = parse_month(pol.start)
        last = parse_month(pol.end) if pol.end is not None else None
        if first > end:
            after.append(label)
        elif last is not None and last < start:
            before.append(label)
        elif pol.ramp_months and first + pol.ramp_months - 1 > min(end, last or end):
            ramps.append(label)
    run = f"{scenario.run.start} to {_fmt(end)}"
    lines = []
    for key, names, what in (
        ("start", after, "start after the run"),
        ("end", before, "end before the run"),
        ("ramp_months", ramps, "ramp up beyond the end of the run or policy"),
    ):
        if names:
            shown = ", ".join(names[:6]) + (f" and {len(names) - 6} more" if len(names) > 6 else "")
            effect = "never reach full strength" if key == "ramp_months" else "have no effect"
            lines.append(
                f"{file}: policy.{key}: {len(names)} policies {what} ({run}) and {effect} "
                f"in it: {shown}"
            )
    return lines
