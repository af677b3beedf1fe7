"""Why a group moves where it does: the options of one (nationality, country) group in a month.

Runs a scenario up to a month, stops before that month's ``decide`` phase and reads the
numbers the decision uses (``flowsim.model.decide.wish_to_move``), for the settled agents
of one nationality in one country, by document tier (``flowsim.model.classes``: without a
passport, with one, with a passport and visas):

- ``summary``: how many they are, their mean savings, their utility of staying (mean and
  10th-90th percentiles), the nest's value of moving, their mean monthly hazard of acting
  on a wish to move (those who act may still choose to stay) and ``reached``, the share a
  mobilization reaches this month (``flowsim.policies.families.mobilization``; 0 when none
  runs) and ``reached_toward``, the share news about named places reaches (those weigh
  only those places), both of which that hazard already includes;
- ``options``: for each reachable destination the utility before the journey's price, the
  price (cost, mean loan), the value after it at the group's mean savings, whether the
  group's mean mover can afford it, the share of such movers it would draw
  (``softmax(value / taste_scale)`` among affordable destinations), the journey's chance
  of being stopped, ``unknown_sum`` (the sum over its routes of the share the nationality
  does not know, ``U`` of ``flowsim.model.knowledge``), ``kin_unknown_sum`` (the same as
  the kin who pay its smugglers know it; equal to ``unknown_sum`` at ``kin_spill`` 1,
  ``flowsim.model.decide.known_share``), its legs and ``herd``, the herd term in its
  utility (``flowsim.model.herd``; 0 when ``b_herd`` is 0 and at home);
- ``journey_legs``: the routes of one such journey, each with its price this month and the
  share of it the nationality does not know;
- ``place_terms_table``: the terms of the value of living in each country for a newcomer
  of the nationality whom the destination's processing regime reaches (an irregular
  entrant; ``flowsim.model.decide.place_terms``: income, network, home, language,
  removal) and their sum ``place_value``: the part of such a destination's utility that
  does not depend on the journey (the utility adds the newcomer's security and the
  journey's terms; a journey ending on a legal route is valued without the regime,
  ``decide.settling_value``).

Each agent's own savings and loans change what it can afford (``flowsim.model.decide``);
with ``home_fade_years`` the home option of a group abroad is lowered by its members' mean
faded attachment (``flowsim.model.utility.faded_attachment``), where each agent sees its
own. Nothing is written; the numbers are those of one seed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from flowsim.calendar import format_month
from flowsim.errors import Problem, ScenarioError
from flowsim.model.classes import TIER_NAMES, TIERS, tier
from flowsim.model.decide import place_terms, summed_terms, wish_to_move
from flowsim.model.herd import herd_term
from flowsim.model.knowledge import unknown_share
from flowsim.model.model import FlowModel
from flowsim.model.schedule import SCHEDULE
from flowsim.model.utility import faded_attachment

if TYPE_CHECKING:
    from flowsim.scenario.schema import Scenario
    from flowsim.world import World


def check_codes(known: Sequence[str], **given: str) -> dict[str, str]:
    """Return the given ISO3 codes upper-cased, each checked against the world's countries.

    Args:
        known: The world's ISO3 codes.
        **given: Option name (without ``--``) to the code given for it.

    Returns:
        The same keys with the codes upper-cased.

    Raises:
        ScenarioError: One line per unknown code, naming the option and the allowed codes.
    """
    codes = {flag: str(code).strip().upper() for flag, code in given.items()}
    problems = [
        Problem(
            "command line",
            f"--{flag}",
            f"{code!r} is not a country of the world (allowed: {', '.join(known)})",
        )
        for flag, code in codes.items()
        if code not in known
    ]
    if problems:
        raise ScenarioError(problems)
    return codes


def model_before_decide(
    scenario: Scenario, month: int, *, world: World | None = None, seed: int | None = None
) -> FlowModel:
    """Run ``scenario`` up to ``month`` and stop before that month's ``decide`` phase.

    Args:
        scenario: The scenario to run.
        month: Absolute month index (``flowsim.calendar.parse_month``).
        world: World tables; the embedded world when ``None``.
        seed: Seed of the run; the scenario's when ``None``.

    Returns:
        The model, with the phases before ``decide`` of ``month`` done.

    Raises:
        ScenarioError: If ``month`` is outside the scenario's run.
    """
    start, end = scenario.run.start_index, scenario.run.end_index
    if not start <= month <= end:
        raise ScenarioError(
            [
                Problem(
                    "command line",
                    "--month",
                    f"{format_month(month)} is outside the run of scenario {scenario.name!r} "
                    f"(allowed: {format_month(start)} to {format_month(end)})",
                )
            ]
        )
    model = FlowModel(scenario, world=world, seed=seed, agents=False)
    while model.month < month:
        model.step()
    for phase in SCHEDULE:
        if phase.name == "decide":
            break
        phase.run(model)
    return model


def explain_group(
    model: FlowModel, nationality: str, country: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return the settled agents of ``nationality`` living in ``country``: summary, options.

    Args:
        model: A model standing before a ``decide`` phase (``model_before_decide``).
        nationality: ISO3 code.
        country: ISO3 code of where they live.

    Returns:
        ``(summary, options)``: one row per document tier with agents; one row per tier
        and reachable destination, best value first (columns in the module docstring).

    Raises:
        ScenarioError: If a code is not a country of the model's world.
    """
    w, P, p = model.world_index, model.population, model.params
    codes = list(w.iso3)
    given = check_codes(codes, nationality=nationality, country=country)
    nat, loc = codes.index(given["nationality"]), codes.index(given["country"])
    wish = wish_to_move(model)
    herd = herd_term(model, wish.settled)
    summary, options = [], []
    tiers = tier(P.documented, P.visa_holder)
    for level, label in enumerate(TIER_NAMES):
        cls = TIERS * nat + level
        rows = np.flatnonzero(
            wish.settled & (P.nationality == nat) & (P.location == loc) & (tiers == level)
        )
        if len(rows) == 0:
            continue
        u_stay = wish.u_stay[rows].astype(np.float64)
        savings = float(wish.mean_savings[cls, loc])
        summary.append(
            {
                "documents": label,
                "agents": len(rows),
                "people": len(rows) * model.scale,
                "savings_usd": savings,
                "stay_mean": float(u_stay.mean()),
                "stay_p10": float(np.percentile(u_stay, 10)),
                "stay_p90": float(np.percentile(u_stay, 90)),
                "nest_value": float(wish.value[cls * w.n_nodes + loc]),
                "hazard": float(wish.hazard[rows].mean()),
                "reached": float(model.effects.reached[nat, loc]),
                "reached_toward": float(model.effects.reached_toward[nat, loc]),
            }
        )
        cost = model.paths.cost[cls, loc, :].astype(np.float64)
        loans = wish.loans[cls, loc, :].astype(np.float64)
        priced = wish.priced[cls, loc, :].astype(np.float64)
        util = wish.util[cls, loc, :].astype(np.float64)
        if loc != nat and p.home_fade_years > 0.0:
            # the group's values already carry home_fade_in_wish of the mean fade
            fade = float(faded_attachment(P.months_here[rows], p).mean())
            fade *= 1.0 - p.home_fade_in_wish
            priced[nat] -= fade
            util[nat] -= fade
        reach = np.isfinite(priced) & (np.arange(w.n_nodes) != loc)
        affordable = reach & (cost <= savings + loans)
        share = np.zeros(w.n_nodes)
        if affordable.any():
            logits = priced[affordable] / p.taste_scale
            weights = np.exp(logits - logits.max())
            share[affordable] = weights / weights.sum()
        for d in np.flatnonzero(reach):
            options.append(
                {
                    "documents": label,
                    "destination": codes[d],
                    "utility": float(util[d]),
                    "cost_usd": float(cost[d]),
                    "loan_usd": float(loans[d]),
                    "value": float(priced[d]),
                    "affordable": bool(affordable[d]),
                    "share": float(share[d]),
                    "stopped": float(model.paths.stopped[cls, loc, d]),
                    "unknown_sum": float(model.paths.unknown[cls, loc, d]),
                    "kin_unknown_sum": float(model.paths.kin_unknown[cls, loc, d]),
                    "legs": int(model.paths.legs[cls, loc, d]),
                    "herd": 0.0 if herd is None else float(herd[nat, loc, d]),
                }
            )
    table = pd.DataFrame(options)
    if len(table):
        table = table.sort_values(["documents", "value"], ascending=[True, False], kind="stable")
    return pd.DataFrame(summary), table.reset_index(drop=True)


def journey_legs(
    model: FlowModel, nationality: str, origin: str, destination: str, level: int
) -> pd.DataFrame:
    """Return the routes of the journey ``nationality`` takes from ``origin`` to ``destination``.

    Args:
        model: A model standing before a ``decide`` phase (``model_before_decide``).
        nationality: ISO3 code.
        origin: ISO3 code of where the journey starts.
        destination: ISO3 code of where it ends.
        level: The document tier (``flowsim.model.classes``: 0 without passport, 1 with a
            passport, 2 with a passport and visas).

    Returns:
        One row per route of the class's least-cost journey (``FlowModel.paths``), in order:
        its id, whether it is legal, its price this month (USD) and the share of it the
        nationality does not know (0 for legal routes). Empty when unreachable.

    Raises:
        ScenarioError: If a code is not a country of the model's world.
    """
    w = model.world_index
    codes = list(w.iso3)
    given = check_codes(codes, nationality=nationality, country=origin, journey=destination)
    nat, here, there = (codes.index(given[k]) for k in ("nationality", "country", "journey"))
    cls = TIERS * nat + int(level)
    unknown = unknown_share(model, informed=model.effects.route_info)[nat]
    price = model.effects.edge_cost
    rows = []
    for _ in range(w.n_nodes):  # a journey visits each country at most once
        edge = int(model.paths.next_edge[cls, here, there])
        if here == there or edge < 0:
            break
        rows.append(
            {
                "route": w.edge_id[edge],
                "legal": bool(w.edge_legal[edge]),
                "cost_usd": float(price[edge]),
                "unknown": float(unknown[edge]),
            }
        )
        here = int(w.edge_dst[edge])
    return pd.DataFrame(rows, columns=["route", "legal", "cost_usd", "unknown"])


def place_terms_table(model: FlowModel, nationality: str) -> pd.DataFrame:
    """Return the terms of each country's value for an irregular newcomer of ``nationality``.

    Args:
        model: A model standing before a ``decide`` phase (``model_before_decide``).
        nationality: ISO3 code.

    Returns:
        One row per country, highest ``place_value`` first: ``country``, the terms of
        ``flowsim.model.decide.place_terms`` (``income``, ``network``, ``home``,
        ``language``, ``removal``) and their sum, ``flowsim.model.decide.place_value``.

    Raises:
        ScenarioError: If the code is not a country of the model's world.
    """
    codes = list(model.world_index.iso3)
    nat = codes.index(check_codes(codes, nationality=nationality)["nationality"])
    table = pd.DataFrame({"country": codes})
    terms = place_terms(model)
    for name, values in terms.items():
        table[name] = values[nat].astype(np.float64) + 0.0  # a -0.0 prints as 0.0
    table["place_value"] = summed_terms(terms)[nat]  # place_value, from the same terms
    return table.sort_values("place_value", ascending=False, kind="stable").reset_index(drop=True)
