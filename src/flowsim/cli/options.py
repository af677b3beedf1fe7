"""Argument types shared by commands (checked before anything runs).

Each type rejects a bad value with one line saying what is allowed; the parser prints it
as ``flowsim <command>: argument --x: 'value' ... (allowed: ...)`` and exits with status 2.
"""

from __future__ import annotations

import argparse
import math

#: Largest seed: seeds are stored as signed 64-bit integers in the runs table.
MAX_SEED = 2**63 - 1
#: Bounds of run settings, the same as a scenario file's ``[run]`` table.
MAX_MONTHS = 1200
MAX_SCALE = 1e7
#: Most worker processes one command may start.
MAX_WORKERS = 1024
#: Largest count (trials, replicates) an option takes: far beyond any feasible study.
MAX_COUNT = 10**9


def _integer(text: str, lower: int, upper: int) -> int:
    try:
        value = int(text.strip().replace("_", ""), 10)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a whole number (allowed: {lower} to {upper:,})"
        ) from None
    if not lower <= value <= upper:
        raise argparse.ArgumentTypeError(f"{text} is out of range (allowed: {lower} to {upper:,})")
    return value


def _number(text: str, upper: float) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a number (allowed: above 0, at most {upper:g})"
        ) from None
    if not math.isfinite(value) or not 0 < value <= upper:
        raise argparse.ArgumentTypeError(
            f"{text} is out of range (allowed: above 0, at most {upper:g})"
        )
    return value


def positive_int(text: str) -> int:
    """Parse an integer of at least 1 (argparse ``type=``)."""
    return _integer(text, 1, MAX_COUNT)


def count(text: str) -> int:
    """Parse a whole number of at least 0 (argparse ``type=``)."""
    return _integer(text, 0, MAX_COUNT)


def unit_fraction(text: str) -> float:
    """Parse a number above 0 and at most 1 (argparse ``type=``)."""
    return _number(text, 1.0)


def half_fraction(text: str) -> float:
    """Parse a number above 0 and at most 0.5 (argparse ``type=``)."""
    return _number(text, 0.5)


def positive_float(text: str) -> float:
    """Parse a finite number above 0 (argparse ``type=``)."""
    return _number(text, 1e300)


def seed(text: str) -> int:
    """Parse a seed: a whole number from 0 to 2**63 - 1."""
    return _integer(text, 0, MAX_SEED)


def months(text: str) -> int:
    """Parse a number of simulated months (1 to ``MAX_MONTHS``)."""
    return _integer(text, 1, MAX_MONTHS)


def scale(text: str) -> float:
    """Parse people per agent: above 0, at most ``MAX_SCALE``."""
    return _number(text, MAX_SCALE)


def workers(text: str) -> int:
    """Parse a number of worker processes (1 to ``MAX_WORKERS``)."""
    return _integer(text, 1, MAX_WORKERS)


def month(text: str) -> int:
    """Parse a month written ``YYYY-MM`` into its absolute index."""
    from flowsim.calendar import parse_month

    try:
        return parse_month(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a month (allowed: YYYY-MM, e.g. 2021-06)"
        ) from None


def parameter(text: str) -> tuple[str, float]:
    """Parse ``NAME=VALUE``: a model parameter and a number (checked later by the scenario)."""
    name, sep, value = text.partition("=")
    try:
        number = float(value)
    except ValueError:
        number = math.nan
    if not sep or not name.strip() or not math.isfinite(number):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not NAME=VALUE (allowed: a parameter name, '=', a finite number)"
        )
    return name.strip(), number


class OneLineParser(argparse.ArgumentParser):
    """An argument parser whose errors are one line (no usage block) with exit status 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        """Print ``prog: message`` and a hint on one line, then exit with status 2."""
        self.exit(2, f"{self.prog}: {message} (see {self.prog} --help)\n")
