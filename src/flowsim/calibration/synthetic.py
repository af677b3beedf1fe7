"""Synthetic targets: the model's own output at known parameters, for identifiability checks.

History matching against targets the model made itself at known parameters shows which
parameters the targets pin down and whether the procedure keeps the truth (Andrianakis et
al. 2015, PLOS Comput Biol 11:e1003968, section "Validation"). The synthetic table is the
targets table with ``value`` replaced by the replicate mean of the scenario's own runs and
nothing else changed (same rows, weights and observation errors), so ``flowsim calibrate
--targets`` reads it like the packaged one.
"""

from __future__ import annotations

import concurrent.futures as cf

import numpy as np
import pandas as pd

from flowsim.calibration.loss import target_offsets
from flowsim.calibration.space import CALIBRATION_MONTHS, calibration_scenario, simulate_replicates
from flowsim.scenario.schema import Scenario


def synthetic_targets(
    base: Scenario,
    targets: pd.DataFrame,
    executor: cf.Executor,
    *,
    scale: float,
    replicates: int,
    seed: int,
    months: int = CALIBRATION_MONTHS,
    world_dir: str | None = None,
) -> pd.DataFrame:
    """Return ``targets`` with ``value`` = the mean of ``replicates`` runs of ``base``.

    Args:
        base: The scenario whose parameters are the truth.
        targets: The targets table (``flowsim.calibration.targets.load_targets``).
        executor: Where the runs execute.
        scale: People per agent of the runs.
        replicates: Runs averaged (seeds ``replicate_seed(seed, k)``).
        seed: Root seed; use one the calibration does not use, so its replicates are not
            the very runs that made the targets.
        months: Months simulated from 2015-01.
        world_dir: A world folder other than the packaged one.

    Returns:
        A copy of ``targets`` with synthetic values.

    Raises:
        RuntimeError: If a run failed (a synthetic table must not hide one).
    """
    scenario = calibration_scenario(base, {}, scale=scale, months=months)
    sims = simulate_replicates(
        scenario,
        targets,
        executor,
        replicates=replicates,
        seed=seed,
        label="synthetic",
        world_dir=world_dir,
    )
    if np.isnan(sims).all(axis=1).any():
        raise RuntimeError("a synthetic run failed")
    # a share with nobody to count is 0, as history matching reads it (``log_outputs``)
    share = target_offsets(targets, scale) == 1.0
    sims = np.where(share & np.isnan(sims), 0.0, sims)
    out = targets.copy()
    out["value"] = sims.mean(axis=0)
    # the model's own output is a figure, not an interval
    for column in ("low", "high"):
        if column in out:
            out[column] = out["value"]
    return out


__all__ = ["synthetic_targets"]
