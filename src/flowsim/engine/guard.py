"""Refuse, before anything runs, a run that needs more memory than the machine has.

The number of agents is known before a run starts: the push series sends
``expected_emigrants`` people abroad, one agent per ``scale`` people (the model sizes its
arrays the same way). Each agent costs about ``BYTES_PER_AGENT`` bytes of memory.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from flowsim.errors import Problem, ScenarioError

if TYPE_CHECKING:
    from flowsim.scenario import Scenario
    from flowsim.world import World

#: Memory per agent, bytes: measured 1,154 bytes/agent of peak RSS growth for the baseline
#: at scale 500 over 48 months (12,089 agents; agent arrays, Mesa agent objects, records);
#: rounded up to leave room for the arrays' doubling growth.
BYTES_PER_AGENT = 1500


def available_memory() -> int:
    """Return the memory available to a new run, in bytes (``MemAvailable`` on Linux)."""
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, AttributeError):  # pragma: no cover - not POSIX
        return 2**63


def expected_agents(scenario: Scenario, world: World | None = None) -> float:
    """Return about how many agents a run of ``scenario`` creates."""
    from flowsim.world import default_world
    from flowsim.world.compiled import compile_world

    index = compile_world(world or default_world(), scenario)
    run = scenario.run
    people = sum(
        float(index.emigrants_per_month(m).sum()) for m in range(run.start_index, run.end_index + 1)
    )
    return 1.2 * people * float(scenario.parameters.push_scale) / float(run.scale)


def check_memory(
    scenario: Scenario, world: World | None = None, *, file: str = "<scenario>", runs: int = 1
) -> None:
    """Raise when ``runs`` concurrent runs of ``scenario`` would not fit in memory.

    Args:
        scenario: The scenario, with its final run settings.
        world: The world it runs on (default world when None).
        file: Where the scale was set, for the message.
        runs: Runs held in memory at once (worker processes).

    Raises:
        ScenarioError: Naming ``run.scale``, the estimate and the memory available.
    """
    agents = expected_agents(scenario, world)
    need = agents * BYTES_PER_AGENT * max(runs, 1)
    have = available_memory()
    if need > have:
        scale = scenario.run.scale
        smallest = scale * need / have
        raise ScenarioError(
            [
                Problem(
                    file,
                    "run.scale",
                    f"{scale:g} people per agent needs about {agents:,.0f} agents and "
                    f"{need / 1e9:,.1f} GB of memory, more than the {have / 1e9:,.1f} GB "
                    f"available (allowed: a scale of at least {smallest:,.0f})",
                )
            ]
        )
