"""Error types shared by every layer.

Every user-facing error carries enough context to act on it: the file, the place in the
file (row/column for tables, a dotted key path for TOML) and what is allowed. The CLI
prints ``str(error)`` without a traceback and exits with status 2.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one input file.

    Attributes:
        file: Path of the offending file as the user gave it.
        where: Dotted key path (TOML) or ``row N, column C`` (tables).
        message: What is wrong, ending with ``(allowed: ...)`` when a set of values applies.
    """

    file: str
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.where}: {self.message}"


class FlowsimError(Exception):
    """Base class for errors a user can fix by changing their input."""


class InputError(FlowsimError):
    """One or more problems in input files; ``problems`` lists them all."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class WorldError(InputError):
    """Problems in world tables (countries, routes, visas, push series)."""


class ScenarioError(InputError):
    """Problems in a scenario or experiment file."""


class ResultsError(FlowsimError):
    """A results folder cannot be used as asked (e.g. experiment changed under it)."""
