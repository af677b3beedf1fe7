"""Why a group moves where it does: the options of one (nationality, country) group in a month.

Runs a scenario up to a month, stops before that month's ``decide`` phase and reads the
numbers the decision uses (``flowsim.model.decide.wish_to_move``), for the settled agents
of one nationality in one country, with and without a passport:

- ``summary``: how many they are, their mean savings, their utility of staying (mean and
  10th-90th percentiles), the nest's value of moving, their mean monthly hazard of acting;
- ``options``: for each reachable destination the utility before the journey's price, the
  price (cost, mean loan), the value after it at the group's mean savings, the share of
  movers it would draw (``softmax(value / taste_scale)`` among affordable destinations), and
  the journey's chance of being stopped, its unknown share of smuggling routes and its legs;
- ``journey_legs``: the routes of one such journey, each with its price this month and the
  share of it the nationality does not know (``flowsim.model.knowledge``).

The shares are those of the group's mean mover; each agent's own savings and loans change
what it can afford (``flowsim.model.decide._choose``). Nothing is written; the numbers are
those of one seed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from flowsim.calendar import format_month
from flowsim.errors import Problem, ScenarioError
from flowsim.model.decide import wish_to_move
from flowsim.model.knowledge import unknown_share
from flowsim.model.model import FlowModel
from flowsim.model.schedule import SCHEDULE

if TYPE_CHECKING:
    from flowsim.scenario.schema import Scenario
    from flowsim.world import World

#: Passport classes of a nationality's journeys (``FlowModel.journey_class``: 2 n + documented).
DOCUMENTS: tuple[str, str] = ("without passport", "with passport")


def model_before_decide(
    scenario: Scenario, month: int, *, world: World | None = None, seed: int | None = None
) -> FlowModel:
    """Run ``scenario`` up to ``month`` (absolute index) and stop before its ``decide`` phase.

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


def _codes(model: FlowModel, **given: str) -> list[int]:
    """Node indices of ISO3 codes given as ``flag=code``; one clear error for an unknown one."""
    codes = list(model.world_index.iso3)
    for flag, code in given.items():
        if code not in codes:
            raise ScenarioError(
                [
                    Problem(
                        "command line",
                        f"--{flag}",
                        f"{code!r} is not a country of the world (allowed: {', '.join(codes)})",
                    )
                ]
            )
    return [codes.index(code) for code in given.values()]


def explain_group(
    model: FlowModel, nationality: str, country: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return ``(summary, options)`` for the settled agents of ``nationality`` in ``country``.

    ``model`` must stand before a ``decide`` phase (``model_before_decide``). ``summary`` has
    one row per passport class with agents; ``options`` one row per class and reachable
    destination, best value first. Columns are described in the module docstring.

    Raises:
        ScenarioError: If either code is not a country of the model's world.
    """
    w, P, p = model.world_index, model.population, model.params
    codes = list(w.iso3)
    nat, loc = _codes(model, nationality=nationality, country=country)
    wish = wish_to_move(model)
    settled = model.settled()
    summary, options = [], []
    for documented, label in enumerate(DOCUMENTS):
        cls = 2 * nat + documented
        rows = np.flatnonzero(
            settled & (P.nationality == nat) & (P.location == loc) & (P.documented == documented)
        )
        if len(rows) == 0:
            continue
        u_stay = wish.u_stay[rows].astype(np.float64)
        summary.append(
            {
                "documents": label,
                "agents": len(rows),
                "people": len(rows) * model.scale,
                "savings_usd": float(P.savings[rows].mean()),
                "stay_mean": float(u_stay.mean()),
                "stay_p10": float(np.percentile(u_stay, 10)),
                "stay_p90": float(np.percentile(u_stay, 90)),
                "nest_value": float(wish.value[cls * w.n_nodes + loc]),
                "hazard": float(wish.hazard[rows].mean()),
            }
        )
        cost = model.paths.cost[cls, loc, :].astype(np.float64)
        loans = wish.loans[cls, loc, :].astype(np.float64)
        budget = float(summary[-1]["savings_usd"]) + loans
        priced = wish.priced[cls, loc, :].astype(np.float64)
        reach = np.isfinite(priced) & (np.arange(w.n_nodes) != loc)
        affordable = reach & (cost <= budget)
        logits = np.where(affordable, priced / p.taste_scale, -np.inf)
        share = np.zeros(w.n_nodes)
        if affordable.any():
            share = np.exp(logits - logits[affordable].max())
            share /= share.sum()
        for d in np.flatnonzero(reach):
            options.append(
                {
                    "documents": label,
                    "destination": codes[d],
                    "utility": float(wish.util[cls, loc, d]),
                    "cost_usd": float(cost[d]),
                    "loan_usd": float(loans[d]),
                    "value": float(priced[d]),
                    "affordable": bool(affordable[d]),
                    "share": float(share[d]),
                    "stopped": float(model.paths.stopped[cls, loc, d]),
                    "unknown": float(model.paths.unknown[cls, loc, d]),
                    "legs": int(model.paths.legs[cls, loc, d]),
                }
            )
    table = pd.DataFrame(options)
    if len(table):
        table = table.sort_values(["documents", "value"], ascending=[True, False], kind="stable")
    return pd.DataFrame(summary), table.reset_index(drop=True)


def journey_legs(
    model: FlowModel, nationality: str, origin: str, destination: str, documented: bool
) -> pd.DataFrame:
    """Return the routes of the journey ``nationality`` takes from ``origin`` to ``destination``.

    One row per route of the least-cost journey of the passport class (``FlowModel.paths``),
    in order: its id, whether it is legal, its price this month (USD) and the share of it
    the nationality does not know (0 for legal routes). Empty when unreachable.

    Raises:
        ScenarioError: If a code is not a country of the model's world.
    """
    w = model.world_index
    nat, here, there = _codes(model, nationality=nationality, country=origin, journey=destination)
    cls = 2 * nat + int(documented)
    unknown = unknown_share(model)[nat]
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
