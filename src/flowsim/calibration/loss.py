"""The calibration loss: weighted mean absolute log error, every target group equal.

For target *i* with observed value ``o`` and simulated value ``s`` (mean over replicates),
the log error is ``log((s + c) / (o + c))`` with ``c = 1`` by default. A target whose
source bounds the modelled quantity by an interval (``low`` < ``high`` in the targets
table, e.g. airport entries that count round-trip travellers the model does not have, or
``high`` = inf for a source that gives only a lower bound, "over 100,000") has
error 0 inside ``[low, high]`` and the log distance to the nearer bound outside it. The
loss averages ``|error|`` inside each group with the targets' weights, then averages the
groups, so a group with 50 rows counts as much as one with 6. Rows of weight 0 are
reported, not fitted.

The search passes ``c`` = people per agent of its coarse runs: a difference smaller than
one agent cannot be resolved at that scale and should not steer the search (a target of
2 Venezuelans crossing the Darien in 2015 is 0 or 5,000 in a run at 5,000 people/agent).
Percent targets (``SHARE_KINDS``) always use ``c = 1``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: Target kinds that are percents, not counts of people: their offset is always 1.
SHARE_KINDS: tuple[str, ...] = ("darien_secondary_share", "arrivals_secondary_share", "departures")


def target_offsets(targets: pd.DataFrame, offset: float) -> np.ndarray:
    """Offset ``c`` of each target: ``offset`` for counts of people, 1 for percents."""
    kinds = targets["kind"].to_numpy() if "kind" in targets else np.array([""] * len(targets))
    return np.where(np.isin(kinds, SHARE_KINDS), 1.0, float(offset))


def log_error(
    simulated: np.ndarray | float,
    observed: np.ndarray | float,
    offset: float | np.ndarray = 1.0,
) -> np.ndarray:
    """Return ``log((simulated + offset) / (observed + offset))`` elementwise."""
    sim = np.asarray(simulated, dtype=float)
    obs = np.asarray(observed, dtype=float)
    return np.log((sim + offset) / (obs + offset))


def observed_bounds(targets: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(low, high)`` of each target: the interval the modelled quantity should lie in.

    Both are the target's ``value`` unless the table gives ``low`` / ``high`` (a table
    without the columns, or an empty cell, means the value itself).
    """
    value = targets["value"].to_numpy(dtype=float)
    bounds = []
    for column in ("low", "high"):
        if column in targets:
            given = pd.to_numeric(targets[column], errors="coerce").to_numpy(dtype=float)
            bounds.append(np.where(np.isnan(given), value, given))
        else:
            bounds.append(value.copy())
    return bounds[0], bounds[1]


def interval_log_error(
    simulated: np.ndarray | float,
    low: np.ndarray | float,
    high: np.ndarray | float,
    offset: float | np.ndarray = 1.0,
) -> np.ndarray:
    """Log error against ``[low, high]``: to ``low`` below it, to ``high`` above it, else 0.

    With ``low == high`` it is ``log_error`` exactly; ``high = inf`` (a lower bound alone)
    is never exceeded; NaN stays NaN.
    """
    below = log_error(simulated, low, offset)
    with np.errstate(divide="ignore"):  # no upper bound (inf): log(0) = -inf, never above
        above = log_error(simulated, high, offset)
    err = np.where(below < 0, below, np.where(above > 0, above, 0.0))
    return np.where(np.isnan(below) | np.isnan(above), np.nan, err)


def target_log_errors(
    targets: pd.DataFrame, simulated: np.ndarray, offset: float = 1.0
) -> np.ndarray:
    """Log error of each target's simulated value against its figure or interval.

    ``offset`` is ``c`` for counts of people (``target_offsets``: percents use 1).
    """
    low, high = observed_bounds(targets)
    return interval_log_error(simulated, low, high, target_offsets(targets, offset))


def group_losses(targets: pd.DataFrame, simulated: np.ndarray, offset: float = 1.0) -> pd.Series:
    """Weighted mean absolute log error of each target group.

    Args:
        targets: Targets table (``group``, ``value``, ``weight``; ``low`` / ``high`` if any).
        simulated: Simulated value per target row (replicate mean), same order.
        offset: ``c`` in ``log((s + c) / (o + c))``.

    Returns:
        Loss per group, for groups with a positive total weight, sorted by group name.
    """
    err = np.abs(target_log_errors(targets, simulated, offset))
    frame = pd.DataFrame(
        {"group": targets["group"].to_numpy(), "w": targets["weight"].to_numpy(), "e": err}
    )
    frame = frame[frame["w"] > 0]
    weighted = (frame["w"] * frame["e"]).groupby(frame["group"]).sum()
    return (weighted / frame.groupby("group")["w"].sum()).sort_index()


def calibration_loss(targets: pd.DataFrame, simulated: np.ndarray, offset: float = 1.0) -> float:
    """Mean over groups of the groups' weighted mean absolute log errors."""
    losses = group_losses(targets, simulated, offset)
    if losses.empty:
        raise ValueError("no target has a positive weight")
    return float(losses.mean())
