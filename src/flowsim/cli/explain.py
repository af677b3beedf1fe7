"""``flowsim explain SCENARIO``: why a group moves where it does, in one month.

Runs the scenario up to ``--month`` (one seed, nothing written) and prints, for the settled
agents of ``--nationality`` living in ``--country``, by documents (without a passport, with
one, with a passport and visas): their
utility of staying, the nest's value of moving and their monthly hazard of acting on a
wish to move (those who act may still stay; it includes the share a running mobilization
reaches, column ``reached``, and the share news about a place reaches, column
``reached_toward``), then each destination's utility, price, value after the price and the
share of movers acting on a wish it would draw (those news about a place moves weigh only
the places it names; ``flowsim.calibration.explain``);
``--terms`` adds the terms of the value of living in the group's country and in the
destinations shown, for an irregular newcomer (income, network, home, language, removal).
``--ensemble-set K`` runs with set K of the calibrated ensemble (``--ensemble``, by default
``scenarios/calibration/ensemble.csv``), its parameters and fitted inputs applied as an
ensemble sweep applies them (an input whose policy the scenario does not have is not
applied, and a note on standard error names it), so a behaviour seen over the ensemble can
be traced to one of its sets; ``--set NAME=VALUE``
then changes a parameter for a one-at-a-time probe. Exit status 0, or 2 on invalid input
(checked before the run).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from flowsim.cli import options

if TYPE_CHECKING:
    from flowsim.scenario import Scenario

#: The ensemble ``--ensemble-set`` reads unless ``--ensemble`` names another.
DEFAULT_ENSEMBLE = "scenarios/calibration/ensemble.csv"


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``explain`` command."""
    p = sub.add_parser(
        "explain",
        help="print a group's options and wish to move in one month (a diagnostic)",
        description="Run a scenario up to a month and print why the settled agents of one "
        "nationality in one country move where they do: their value of staying, each "
        "destination's value after the journey's price, and the share of movers it draws.",
    )
    p.add_argument("scenario", help="scenario file or name (looked up in scenarios/)")
    p.add_argument("--nationality", required=True, help="ISO3 code, e.g. HTI")
    p.add_argument("--country", required=True, help="ISO3 code of where they live, e.g. CHL")
    p.add_argument("--month", required=True, type=options.month, help="YYYY-MM, e.g. 2021-06")
    p.add_argument(
        "--seed", type=options.seed, default=None, help="seed, 0 to 2**63-1 (default: scenario's)"
    )
    p.add_argument(
        "--scale", type=options.scale, default=None, help="override run.scale (people/agent)"
    )
    p.add_argument("--world", default=None, help="folder of world tables (default: embedded)")
    p.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        type=options.parameter,
        metavar="NAME=VALUE",
        help="change a parameter (repeatable), e.g. --set taste_scale=0.8",
    )
    p.add_argument(
        "--ensemble-set",
        type=options.count,
        default=None,
        metavar="K",
        help="run with set K of the calibrated ensemble (its parameters and fitted inputs; "
        "--set overrides apply on top)",
    )
    p.add_argument(
        "--ensemble",
        default=None,
        metavar="FILE",
        help=f"ensemble file of --ensemble-set (default: {DEFAULT_ENSEMBLE}, relative to the "
        "working directory, as scenario names are looked up in scenarios/)",
    )
    p.add_argument(
        "--top", type=options.positive_int, default=8, help="destinations shown per class"
    )
    p.add_argument(
        "--journey",
        default=None,
        metavar="ISO3",
        help="also print the routes of the journey to this destination for each document tier "
        "present: price and the share of each route the nationality does not know",
    )
    p.add_argument(
        "--terms",
        action="store_true",
        help="also print the terms of the value of living in the group's country and in the "
        "destinations shown, for an irregular newcomer of the nationality (income, network, "
        "home, language, removal)",
    )
    p.set_defaults(func=explain)


def _with_ensemble_set(
    scenario: Scenario, path: str, k: int, overrides: dict[str, float]
) -> tuple[Scenario, list[str]]:
    """Return ``scenario`` with set ``k`` of the ensemble ``path``, then ``overrides``.

    The set's values apply as an ensemble sweep applies them (``with_set``): a fitted input
    whose policy the scenario does not have (a counterfactual that removes the policy) is
    not applied, and a value of the set the scenario refuses is reported at the file and the
    set.

    Args:
        scenario: The loaded scenario.
        path: The ensemble file.
        k: The set.
        overrides: The command line's overrides (``--set``, ``--scale``), applied last.

    Returns:
        The scenario to run, and the set's inputs that were not applied.

    Raises:
        ScenarioError: One line per problem, naming the file (and the set) or the command
            line.
    """
    from flowsim.scenario.ensemble import absent_inputs, read_set, with_set

    values = read_set(path, k)
    where = f"{path} (set {k})"
    return with_set(scenario, values, overrides, "command line", where), absent_inputs(
        scenario, values
    )


def explain(args: argparse.Namespace) -> int:
    """Load the scenario with its overrides, run it to the month, print the two tables."""
    import pandas as pd

    from flowsim.calendar import format_month
    from flowsim.calibration.explain import (
        check_codes,
        explain_group,
        journey_legs,
        model_before_decide,
        place_terms_table,
    )
    from flowsim.errors import Problem, ScenarioError
    from flowsim.model.classes import TIER_NAMES
    from flowsim.scenario import load_scenario
    from flowsim.world import load_world

    if args.ensemble is not None and args.ensemble_set is None:
        raise ScenarioError(
            [
                Problem(
                    "command line", "--ensemble", "needs --ensemble-set (allowed: both or neither)"
                )
            ]
        )
    world = load_world(args.world)  # the embedded world when --world is not given
    scenario = load_scenario(args.scenario, search_dirs=[Path("scenarios")], world=world)
    overrides: dict[str, float] = {f"parameters.{name}": value for name, value in args.overrides}
    if args.scale is not None:
        overrides["run.scale"] = args.scale
    if args.ensemble_set is None:
        scenario = scenario.with_overrides(overrides, file="command line")
    else:
        path = DEFAULT_ENSEMBLE if args.ensemble is None else args.ensemble
        scenario, skipped = _with_ensemble_set(scenario, path, args.ensemble_set, overrides)
        if skipped:
            print(
                f"note: {path} (set {args.ensemble_set}): not applied, the scenario has no "
                f"such policy: {', '.join(skipped)}",
                file=sys.stderr,
            )
    known = list(world.countries.index)
    given = {"nationality": args.nationality, "country": args.country}
    if args.journey:
        given["journey"] = args.journey
    codes = check_codes(known, **given)  # before the run, which may take minutes
    nationality, country = codes["nationality"], codes["country"]
    model = model_before_decide(scenario, args.month, world=world, seed=args.seed)
    summary, table = explain_group(model, nationality, country)
    print(
        f"{nationality} living in {country}, {format_month(args.month)}, scenario "
        f"{scenario.name!r}, seed {model.seed}, {model.scale:g} people per agent"
    )
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        if summary.empty:
            print("no settled agents of this nationality live there this month")
        else:
            print(summary.round(3).to_string(index=False))
            for label, rows in table.groupby("documents", sort=False):
                print(f"\n{label}: best {min(args.top, len(rows))} of {len(rows)} destinations")
                print(rows.drop(columns="documents").head(args.top).round(3).to_string(index=False))
            there = codes.get("journey")
            for label in summary.documents if there else ():
                legs = journey_legs(model, nationality, country, there, TIER_NAMES.index(label))
                print(f"\njourney to {there}, {label}:")
                print(legs.round(3).to_string(index=False) if len(legs) else "unreachable")
        if args.terms:  # the terms do not depend on who lives there
            shown = {country}
            if len(table):
                shown |= set(table.groupby("documents", sort=False).head(args.top)["destination"])
            terms = place_terms_table(model, nationality)
            print(
                f"\nvalue of living there for an irregular newcomer of {nationality} "
                f"(here: {country}):"
            )
            print(terms[terms["country"].isin(shown)].round(3).to_string(index=False))
    return 0
