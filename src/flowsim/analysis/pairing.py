"""Which baseline each scenario is compared with, grid point by grid point.

A sweep with a parameter grid runs every scenario at every grid point and labels the runs
``name[key=value,...]`` (the runs table's ``params`` column holds the point). A scenario is
compared with the baseline run at the same grid point, never across points: otherwise a
parameter change would be credited to a policy. When a grid key does not apply to the
baseline (a policy field only the scenario has), the baseline's runs carry fewer keys and the
scenario is compared with the baseline point whose keys it shares.
"""

from __future__ import annotations

import json
from typing import Any

import pandas as pd

from flowsim.errors import ResultsError


def scenario_params(runs: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """Scenario label -> its grid point (``{}`` without a grid), read from the runs table."""
    out: dict[str, dict[str, Any]] = {}
    for label, text in zip(runs["scenario"], runs["params"], strict=True):
        if label not in out:
            out[label] = _parse(text)
    return out


def scenario_name(label: str) -> str:
    """Return the scenario's name without its grid point (``combined[x=1]`` -> ``combined``)."""
    return label.split("[", 1)[0]


def baseline_labels(runs: pd.DataFrame, baseline: str) -> dict[str, str]:
    """Scenario label -> the label of the baseline runs it is compared with.

    Args:
        runs: The runs table (``scenario`` and ``params`` columns).
        baseline: The baseline's name, or the exact label of one of its grid points.

    Returns:
        Every label that has a baseline at its grid point; a baseline label maps to itself.

    Raises:
        ResultsError: The baseline is not among the scenarios (the message lists them).
    """
    params = scenario_params(runs)
    labels = list(params)
    if baseline in labels and all(p == params[baseline] for p in params.values()):
        return dict.fromkeys(labels, baseline)
    name = scenario_name(baseline)
    candidates = [label for label in labels if scenario_name(label) == name]
    if baseline in labels and not params[baseline]:
        candidates = [baseline]
    if not candidates:
        raise ResultsError(
            f"baseline scenario {baseline!r} not found (available: {', '.join(labels)})"
        )
    out: dict[str, str] = {}
    for label in labels:
        point = params[label]
        fits = [c for c in candidates if _within(params[c], point)]
        if fits:
            out[label] = max(fits, key=lambda c: len(params[c]))
    return out


def has_grid(runs: pd.DataFrame) -> bool:
    """Whether the runs come from a sweep with a parameter grid."""
    return any(scenario_params(runs).values())


def _within(small: dict[str, Any], large: dict[str, Any]) -> bool:
    return all(k in large and large[k] == v for k, v in small.items())


def _parse(text: Any) -> dict[str, Any]:
    if isinstance(text, dict):
        return text
    if not isinstance(text, str) or not text.strip():
        return {}
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        return {}
    return value if isinstance(value, dict) else {}
