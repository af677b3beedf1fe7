"""Policy levers of the live dashboard and the scenario they produce.

A lever never edits a scenario file: :func:`build_scenario` loads the chosen file and
returns a new validated ``Scenario`` with the lever policies appended (names prefixed
``dashboard_``) and the run window and scale replaced. Bad input raises
:class:`LeverError` with one line per problem, written for the person at the controls.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from flowsim.calendar import format_month, parse_month
from flowsim.errors import FlowsimError
from flowsim.scenario import Scenario, load_scenario

#: Hosts the integration and regularization levers act in (the Andean hosts).
ANDEAN_HOSTS: tuple[str, ...] = ("COL", "PER", "ECU", "CHL")
#: Where candidates for the labor-pathway lever live, and where the visas lead.
PATHWAY_FROM: tuple[str, ...] = ("COL", "PER", "ECU", "GTM", "HND")
PATHWAY_TO = "USA"
#: Months a regularization window opened by the lever stays open.
REGULARIZATION_WINDOW_MONTHS = 24
#: People per agent offered in the scale control; the first is the default.
SCALE_CHOICES: tuple[str, ...] = ("5000", "2000", "20000", "50000")
#: Label of the built-in defaults when no scenario file is found.
BUILT_IN = "(built-in defaults)"


class LeverError(FlowsimError):
    """Lever values that cannot make a scenario; the message lists every problem."""


@dataclass(frozen=True)
class Levers:
    """What the person at the controls chose; text fields are kept as typed.

    Attributes:
        scenario: File name in the scenarios folder (``baseline.toml``) or ``BUILT_IN``.
        start: First simulated month, ``YYYY-MM``.
        scale: People per agent (text or number).
        levers_from: Month the lever policies start, ``YYYY-MM``.
        integration_level: 0-1 share of the integration gap closed in the Andean hosts
            (0 leaves integration as the scenario has it).
        regularization: Open a regularization window in the Andean hosts.
        arrived_before: Eligibility cutoff of that window, ``YYYY-MM``; empty = the window's
            first month.
        pathway_slots: Labor visas per year to the United States (text or number; 0 = none).
        darien_interception: 0-1 probability a Darien crossing is intercepted and the
            person removed to their origin (0 = no added enforcement).
    """

    scenario: str = "baseline.toml"
    start: str = "2015-01"
    scale: str | float = SCALE_CHOICES[0]
    levers_from: str = "2016-01"
    integration_level: float = 0.0
    regularization: bool = False
    arrived_before: str = "2016-01"
    pathway_slots: str | float = "0"
    darien_interception: float = 0.0


def scenario_choices(folder: Path | None) -> list[str]:
    """File names of the scenarios in ``folder``, baseline first; ``[BUILT_IN]`` when none."""
    files = sorted(p.name for p in folder.glob("*.toml")) if folder and folder.is_dir() else []
    if "baseline.toml" in files:
        files.remove("baseline.toml")
        files.insert(0, "baseline.toml")
    return files or [BUILT_IN]


def load_base(choice: str, folder: Path | None) -> Scenario:
    """Load the scenario a dropdown entry names.

    Raises:
        LeverError: The file is not in the folder or does not load.
    """
    if choice == BUILT_IN:
        return Scenario(name="default")
    path = (folder or Path(".")) / choice
    if path.suffix != ".toml" or not path.is_file():
        raise LeverError(f"scenario file {choice!r} not found in {folder}")
    try:
        return load_scenario(path, search_dirs=[path.parent])
    except FlowsimError as exc:
        raise LeverError(f"scenario {choice} does not load: {exc}") from exc


def build_scenario(levers: Levers, folder: Path | None) -> Scenario:
    """Return the chosen scenario with the run window, scale and lever policies applied.

    The run keeps the file's last month and starts at ``levers.start``.

    Args:
        levers: The control values.
        folder: Folder of the scenario files.

    Returns:
        A new validated scenario named ``<file scenario>_levers`` when a lever is set.

    Raises:
        LeverError: One line per bad value (months, numbers, out-of-range settings).
    """
    problems: list[str] = []
    start = _month(levers.start, "start month", problems)
    levers_from = _month(levers.levers_from, "levers act from", problems)
    cutoff = (
        _month(levers.arrived_before, "arrived-before cutoff", problems)
        if str(levers.arrived_before).strip()
        else levers_from
    )
    scale = _number(levers.scale, "people per agent", problems, positive=True)
    slots = _number(levers.pathway_slots, "pathway slots per year", problems)
    for label, value in (
        ("integration level", levers.integration_level),
        ("Darien interception", levers.darien_interception),
    ):
        if not 0.0 <= float(value) <= 1.0:
            problems.append(f"{label}: {value} is outside 0-1")
    base = load_base(levers.scenario, folder)
    if start is not None and start > base.run.end_index:
        problems.append(
            f"start month: {levers.start} is after the scenario's last month "
            f"{format_month(base.run.end_index)}"
        )
    if problems:
        raise LeverError("\n".join(problems))
    assert start is not None and levers_from is not None and scale is not None
    policies = lever_policies(levers, levers_from, cutoff, slots or 0.0)
    data: dict[str, Any] = base.model_dump(mode="json")
    data["run"].update(
        start=format_month(start), months=base.run.end_index - start + 1, scale=scale
    )
    if policies:
        data["name"] = f"{base.name}_levers"
        data["policies"] = [*data["policies"], *policies]
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        lines = [f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()]
        raise LeverError("\n".join(lines)) from exc


def lever_policies(
    levers: Levers, levers_from: int, cutoff: int | None, slots: float
) -> list[dict[str, Any]]:
    """Policy entries (as written in a scenario file) for the levers that are set."""
    begin = format_month(levers_from)
    policies: list[dict[str, Any]] = []
    if levers.integration_level > 0:
        policies.append(
            {
                "type": "integration",
                "name": "dashboard_integration",
                "start": begin,
                "countries": list(ANDEAN_HOSTS),
                "level": float(levers.integration_level),
                "ramp_months": 12,
                "description": "Dashboard lever: integration package in the Andean hosts",
            }
        )
    if levers.regularization:
        for host in ANDEAN_HOSTS:
            policies.append(
                {
                    "type": "regularization",
                    "name": f"dashboard_regularization_{host.lower()}",
                    "country": host,
                    "start": begin,
                    "end": format_month(levers_from + REGULARIZATION_WINDOW_MONTHS - 1),
                    "arrived_before": format_month(cutoff if cutoff is not None else levers_from),
                    "take_up": 0.7,
                    "processing_months": 4,
                    "permit_months": 60,
                    "description": "Dashboard lever: regularization round",
                }
            )
    if slots > 0:
        policies.append(
            {
                "type": "labor_pathway",
                "name": "dashboard_pathway",
                "start": begin,
                "from_countries": list(PATHWAY_FROM),
                "to": PATHWAY_TO,
                "slots_per_year": float(slots),
                "contract_months": 36,
                "return_share": 0.5,
                "description": "Dashboard lever: US labor visas",
            }
        )
    if levers.darien_interception > 0:
        policies.append(
            {
                "type": "enforcement",
                "name": "dashboard_darien",
                "start": begin,
                "routes": ["Darien Gap"],
                "interception": float(levers.darien_interception),
                "deport_to": "origin",
                "description": "Dashboard lever: Darien interception with removal to the origin",
            }
        )
    return policies


def describe(levers: Levers) -> str:
    """One line saying which levers are set, for the page."""
    parts = []
    if levers.integration_level > 0:
        parts.append(f"integration {levers.integration_level:.2f} in {'/'.join(ANDEAN_HOSTS)}")
    if levers.regularization:
        cutoff = str(levers.arrived_before).strip() or str(levers.levers_from)
        parts.append(f"regularization (arrived before {cutoff})")
    slots = _number(levers.pathway_slots, "pathway slots per year", []) or 0.0
    if slots > 0:
        parts.append(f"{slots:,.0f} pathway slots/year to {PATHWAY_TO}")
    if levers.darien_interception > 0:
        parts.append(f"Darien interception {levers.darien_interception:.2f}")
    if not parts:
        return "no levers set"
    return "levers from " + str(levers.levers_from) + ": " + "; ".join(parts)


def _month(text: Any, label: str, problems: list[str]) -> int | None:
    try:
        return parse_month(str(text))
    except ValueError:
        problems.append(f"{label}: {str(text)!r} is not a month written YYYY-MM")
        return None


def _number(text: Any, label: str, problems: list[str], *, positive: bool = False) -> float | None:
    raw = str(text).replace(",", "").replace("_", "").strip()
    try:
        value = float(raw)
    except ValueError:
        problems.append(f"{label}: {str(text)!r} is not a number")
        return None
    if not math.isfinite(value) or value < 0 or (positive and value == 0):
        problems.append(f"{label}: {text} must be {'above' if positive else 'at least'} 0")
        return None
    return value
