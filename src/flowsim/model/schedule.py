"""The schedule: the model's monthly phases, in order, each with what it reads and writes.

This tuple is the only statement of the step order. ``FlowModel.step`` runs it,
``docs/ODD.md`` (section 3) shows ``schedule_markdown()`` (a test checks they agree;
``python scripts/sync_docs.py`` rewrites it), and the policy-family tests check that every
``Effects`` field a family writes is read by some phase. Adding a phase is adding one entry.

``reads`` and ``writes`` name model state: ``effects.<field>`` (this month's policy effects),
``paths`` (journey tables), ``cells`` (per-cell tables), ``forced`` (rows that must leave),
``network``/``crowding``, ``population.<column>``, ``recorder``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from flowsim.model.cells import build_cells
from flowsim.model.decide import decide
from flowsim.model.effects_phase import apply_policies
from flowsim.model.emigration import emigrate
from flowsim.model.journeys import travel
from flowsim.model.knowledge import learn_routes
from flowsim.model.labor import labor_market
from flowsim.model.record import record_month
from flowsim.model.settle import settle_in
from flowsim.model.status import update_status

if TYPE_CHECKING:
    from flowsim.model.model import FlowModel


@dataclass(frozen=True)
class Phase:
    """One step of the monthly schedule."""

    name: str
    run: Callable[[FlowModel], None]
    reads: tuple[str, ...]
    writes: tuple[str, ...]
    why: str


SCHEDULE: tuple[Phase, ...] = (
    Phase(
        "policies",
        apply_policies,
        reads=("month", "policies", "route_use", "outside_use"),
        writes=("effects", "paths", "legal_paths", "unknown"),
        why="Every active policy writes this month's effects (visas, closures, integration, "
        "programs, shocks, route prices, routes described by news); journey tables are "
        "refreshed when open routes, stop chances, prices or route knowledge changed, so every "
        "later phase sees the same rules.",
    ),
    Phase(
        "emigration",
        emigrate,
        reads=("month", "effects.push_mult", "pending_forced"),
        writes=("population", "forced", "pending_forced"),
        why="New agents appear at origins at the push-driven rate, marked forced: they act "
        "in `decide` this month, with everyone else, and leave unless nothing they can afford "
        "is worth more than staying without the attachment to home and less `b_push`. Agents "
        "added between steps with `add_emigrants` join them.",
    ),
    Phase(
        "cells",
        build_cells,
        reads=(
            "effects.job_loss_mult",
            "effects.wage_mult",
            "effects.integration",
            "effects.removal",
            "network",
            "crowding",
        ),
        writes=("cells",),
        why="Job chances, wages, security and the network term are tabulated once per "
        "(nationality, country, status) for the phases below to gather.",
    ),
    Phase(
        "labor",
        labor_market,
        reads=("cells", "effects.layoff", "population"),
        writes=("population.employed", "population.savings"),
        why="Jobs found and lost (a shock's layoffs too), income and savings, before "
        "decisions so that this month's hardship and savings shape them.",
    ),
    Phase(
        "status",
        update_status,
        reads=("effects.regularizations", "effects.removal", "population"),
        writes=("population", "recorder"),
        why="Applications, grants, naturalizations, renewals, expiries and contract ends, "
        "before decisions so a new permit counts as security this month (a contract end with "
        "a planned return starts a return journey here); removal policies deport irregular "
        "residents to their origin.",
    ),
    Phase(
        "decide",
        decide,
        reads=(
            "effects.pathways",
            "effects.removal",
            "effects.arrival",
            "effects.integration",
            "effects.job_loss_mult",
            "effects.wage_mult",
            "effects.reached",
            "effects.reached_toward",
            "effects.toward",
            "paths",
            "cells",
            "network",
            "crowding",
            "forced",
            "departed",
        ),
        writes=("population", "recorder", "departed"),
        why="Labor-pathway slots are offered and accepted first; then settled agents stay, "
        "move on or return, and journeys start (counted by nationality, place and destination "
        "for the herd term, which they feed from the next month).",
    ),
    Phase(
        "travel",
        travel,
        reads=(
            "paths",
            "effects.closed",
            "effects.intercept",
            "effects.deport_to",
            "effects.arrival",
        ),
        writes=("population", "recorder", "pending_forced", "route_crossed"),
        why="Every traveller advances one month of route time: deaths, interceptions, "
        "turn-backs, arrivals (new location, time-here reset, status by entry and the "
        "destination's processing regime; the expelled who retry leave again next month), "
        "each crossing recorded.",
    ),
    Phase(
        "learn",
        learn_routes,
        reads=("month", "route_crossed"),
        writes=("route_use", "route_crossed", "outside_use"),
        why="Each nationality's knowledge of irregular routes takes in this month's crossings "
        "(and those of people not simulated, at their year's pace) and fades with time; next "
        "month's journey tables use it.",
    ),
    Phase(
        "settle",
        settle_in,
        reads=("cells", "population"),
        writes=("population.integration", "population.months_here", "network", "crowding"),
        why="Integration and months-here grow for settled agents; the diaspora network and "
        "crowding are refreshed for next month's decisions.",
    ),
    Phase(
        "record",
        record_month,
        reads=("population",),
        writes=("recorder", "month"),
        why="Stocks by country x nationality x status and employment are stored with this "
        "month's events and crossings; then the month advances.",
    ),
)

#: Effects fields the policies phase itself reads to build the journey tables (open routes,
#: stop chances, route prices, routes described by news).
POLICIES_PHASE_READS: tuple[str, ...] = (
    "visa_required",
    "id_entry",
    "flown",
    "closed",
    "intercept",
    "edge_cost",
    "route_info",
)


def effects_read() -> set[str]:
    """Every ``Effects`` field some phase reads (what policy families may write)."""
    read = set(POLICIES_PHASE_READS)
    for phase in SCHEDULE:
        read.update(r.split(".", 1)[1] for r in phase.reads if r.startswith("effects."))
    return read


def schedule_markdown() -> str:
    """Return the schedule as the Markdown list shown in docs/ODD.md section 3."""
    lines = []
    for i, phase in enumerate(SCHEDULE, start=1):
        reads = ", ".join(f"`{r}`" for r in phase.reads)
        writes = ", ".join(f"`{w}`" for w in phase.writes)
        lines.append(
            f"{i}. **{phase.name}** (`{phase.run.__module__}.{phase.run.__name__}`). "
            f"{phase.why} Reads {reads}; writes {writes}."
        )
    return "\n".join(lines) + "\n"
