"""Every random draw of the model, named once by what it decides.

A draw's name is hashed into its stream (``flowsim.rng``), so two draws with different
names never share random numbers, and a draw keeps its numbers when other draws are added
or removed. Draws of a policy are named by the policy's key (``Draw.of``), never by its
position in a scenario file, so reordering a file's policies changes no draw.
Registering a name twice raises at import; ``tests/test_draws.py`` checks that every draw
the source makes goes through a name registered here.
"""

from __future__ import annotations

from dataclasses import dataclass

from flowsim.rng import name_key

#: Separator between a draw's name and the policy it belongs to.
POLICY_SEP = "/"


@dataclass(frozen=True)
class Draw:
    """A named random draw.

    Attributes:
        name: The stream's name (hashed into its seed).
        what: What the draw decides, for readers of the registry.
        per_policy: Whether each policy has its own stream (name it with ``of``).
    """

    name: str
    what: str
    per_policy: bool = False

    def of(self, policy: str) -> str:
        """Stream name of this draw for one policy (by the policy's key)."""
        if not self.per_policy:
            raise ValueError(f"draw {self.name!r} is not per policy")
        return f"{self.name}{POLICY_SEP}{policy}"

    def __str__(self) -> str:
        return self.name


#: name -> draw, every draw of the model.
DRAWS: dict[str, Draw] = {}


def register(name: str, what: str, *, per_policy: bool = False) -> Draw:
    """Register a draw; a name (or its 64-bit hash) used twice raises ``ValueError``."""
    if POLICY_SEP in name:
        raise ValueError(f"draw name {name!r} must not contain {POLICY_SEP!r}")
    if name in DRAWS or any(name_key(name) == name_key(d) for d in DRAWS):
        raise ValueError(f"draw {name!r} registered twice")
    draw = Draw(name, what, per_policy)
    DRAWS[name] = draw
    return draw


# --- creation of agents
NEW_SAVINGS = register("new.savings", "initial savings of a new agent (two normals)")
NEW_SKILL = register("new.skill", "skill percentile of a new agent")
NEW_DOCUMENTED = register("new.documented", "whether a new emigrant holds a passport")
INITIAL_ROUND = register(
    "initial.round", "rounding of the initial stock's agents per (nationality, host)"
)
INITIAL_ATTRIBUTES = register(
    "initial.attributes", "arrival month, status, savings and skill of an initial-stock agent"
)
EMIGRATION = register("emigration", "number of emigrants leaving an origin in a month")
# --- monthly life
LABOR = register("labor", "finding or losing a job this month")
LAYOFF = register(
    "labor.layoff", "losing one's job in a shock's layoffs (ShockPolicy.layoff_share)"
)
REGULARIZATION_APPLY = register(
    "regularization.apply", "an eligible migrant applies to a program", per_policy=True
)
REGULARIZATION_APPROVE = register(
    "regularization.approve", "an application to a program is granted", per_policy=True
)
PERMIT_RENEW = register("permit.renew", "an expiring permit is renewed")
STATUS_REMOVAL = register(
    "status.removal", "an irregular resident is deported by a removal policy this month"
)
MOVE = register("move", "acting on the wish to move this month")
CHOICE = register("choice", "Gumbel noise of each destination and of staying")
KIN_LENDER = register(
    "kin.lender",
    "whether an agent has kin who lend for a journey to each destination (one number per "
    "agent and destination for the whole run: kin appear as the diaspora grows)",
)
PATHWAY_SLOTS = register(
    "pathway.slots", "rounding and split of a pathway's monthly slots", per_policy=True
)
PATHWAY_PICK = register("pathway.pick", "employers' random order of candidates", per_policy=True)
PATHWAY_ACCEPT = register("pathway.accept", "a migrant offered a slot accepts", per_policy=True)
PATHWAY_RETURN = register(
    "pathway.return", "a pathway worker plans to go home at contract end", per_policy=True
)
PATHWAY_AGENTS = register(
    "pathway.agents", "identity of the agents a pathway recruits at origins", per_policy=True
)
TRAVEL_DEATH = register("travel.death", "death on a route (per hop)")
TRAVEL_INTERCEPT = register("travel.intercept", "interception on a route (per hop)")
ARRIVAL_REGIME = register(
    "arrival.regime", "a newcomer's outcome under the destination's processing regime"
)
ARRIVAL_GRANT = register("arrival.grant", "a newcomer's pending case ends in a permit")
ARRIVAL_RETRY = register(
    "arrival.retry", "an arrival expelled by the processing regime tries again next month"
)

#: Creation tags of agents (part of their stable key) that are not per policy.
SOURCE_EMIGRATION = 0
SOURCE_FORCED = 1
SOURCE_INITIAL = 1_000_003  # the initial stock abroad


def policy_source(draw: Draw, policy: str) -> int:
    """Creation tag of agents created by a policy: a hash of the policy's draw name."""
    return max(name_key(draw.of(policy)), 2)


def draws_markdown() -> str:
    """Return the registry as the Markdown table shown in docs/architecture.md."""
    lines = ["| draw | per policy | decides |", "|---|---|---|"]
    for d in DRAWS.values():
        lines.append(f"| `{d.name}` | {'yes' if d.per_policy else ''} | {d.what} |")
    return "\n".join(lines) + "\n"
