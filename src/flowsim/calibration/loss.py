"""The calibration loss: weighted mean absolute log error, every target group equal.

For target *i* with observed value ``o`` and simulated value ``s`` (mean over replicates),
the log error is ``log((s + c) / (o + c))`` with ``c = 1`` by default. The loss averages
``|error|`` inside each group with the targets' weights, then averages the groups, so a
group with 50 rows counts as much as one with 6. Rows of weight 0 are reported, not fitted.

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


def group_losses(targets: pd.DataFrame, simulated: np.ndarray, offset: float = 1.0) -> pd.Series:
    """Weighted mean absolute log error of each target group.

    Args:
        targets: Targets table (``group``, ``value``, ``weight``).
        simulated: Simulated value per target row (replicate mean), same order.
        offset: ``c`` in ``log((s + c) / (o + c))``.

    Returns:
        Loss per group, for groups with a positive total weight, sorted by group name.
    """
    err = np.abs(log_error(simulated, targets["value"].to_numpy(), target_offsets(targets, offset)))
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
