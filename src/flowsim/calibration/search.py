"""Search free parameters with optuna so the 2015-2021 baseline matches the targets.

Each trial sets the free parameters, runs ``replicates`` replicates of the baseline over
2015-01..2021-12 at a coarse scale through ``run_one`` (in parallel on an executor of
``flowsim.engine.executors``), observes every target (``observe``) and scores the replicate
means (``loss``). The study lives in a SQLite file, so rerunning continues it: ``trials``
is the total number of finished trials wanted. Replicate k has the same seed in every
trial (common random numbers), so trials differ by their parameters, not their luck.
"""

from __future__ import annotations

import concurrent.futures as cf
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from flowsim.calibration.loss import calibration_loss, group_losses
from flowsim.calibration.observe import observe_run
from flowsim.engine.run import RunSpec, run_one
from flowsim.rng import replicate_seed
from flowsim.scenario.schema import Scenario

#: Months of the calibration window, 2015-01..2021-12.
CALIBRATION_START = "2015-01"
CALIBRATION_MONTHS = 84

#: Name of the optuna study inside the output folder.
STUDY_NAME = "baseline"
STUDY_FILE = "study.db"


@dataclass(frozen=True)
class FreeParameter:
    """A parameter the search may change, with its search bounds.

    Attributes:
        name: Field of ``flowsim.parameters.Parameters``.
        low: Lower bound (inside the parameter's valid range).
        high: Upper bound (inside the parameter's valid range).
        log: Search on a log scale.
    """

    name: str
    low: float
    high: float
    log: bool = False


#: The free parameters: the ones the onward and first flows respond to most (see
#: ``docs/calibration.md``), bounded inside the ranges of ``flowsim.parameters``.
FREE_PARAMETERS: tuple[FreeParameter, ...] = (
    FreeParameter("push_scale", 0.3, 3.0, log=True),
    FreeParameter("b_net", 0.0, 2.0),
    FreeParameter("b_cost", 0.2, 10.0, log=True),
    FreeParameter("b_risk", 1.0, 100.0, log=True),
    FreeParameter("hazard_max", 0.01, 0.3, log=True),
    FreeParameter("hazard_slope", 0.1, 5.0, log=True),
    FreeParameter("b_int", 0.0, 6.0),
    FreeParameter("savings_median_usd", 100.0, 2000.0, log=True),
    FreeParameter("passport_scale", 0.3, 2.5, log=True),
    FreeParameter("network_loan_usd", 500.0, 15000.0, log=True),
    FreeParameter("absorption", 0.005, 0.2, log=True),
    FreeParameter("b_stop", 0.3, 10.0, log=True),
    FreeParameter("b_home", -1.0, 4.0),
)


def calibration_scenario(
    base: Scenario,
    values: Mapping[str, float],
    *,
    scale: float,
    months: int = CALIBRATION_MONTHS,
) -> Scenario:
    """Return ``base`` restricted to the calibration window with parameters set.

    Args:
        base: The baseline scenario.
        values: Parameter name -> value.
        scale: People per agent.
        months: Months from 2015-01 (84 = to 2021-12).

    Returns:
        The validated scenario.
    """
    overrides: dict[str, Any] = {
        "run.start": CALIBRATION_START,
        "run.months": months,
        "run.scale": float(scale),
    }
    overrides.update({f"parameters.{k}": float(v) for k, v in values.items()})
    return base.with_overrides(overrides)


def simulate_targets(spec: RunSpec, targets: pd.DataFrame) -> np.ndarray:
    """Run one replicate and return its simulated target values (NaN when it failed).

    A module-level function, so process and Dask workers can import it.
    """
    result = run_one(spec)
    if not result.ok:
        return np.full(len(targets), np.nan)
    return observe_run(targets, result.timeseries, result.flows)


def simulate_replicates(
    scenario: Scenario,
    targets: pd.DataFrame,
    executor: cf.Executor,
    *,
    replicates: int,
    seed: int,
    label: str = "calibration",
) -> np.ndarray:
    """Run replicates of a scenario on an executor; return an array (replicate, target)."""
    specs = [
        RunSpec(f"{label}/r{k}", scenario, k, replicate_seed(seed, k), label=label)
        for k in range(replicates)
    ]
    futures = [executor.submit(simulate_targets, s, targets) for s in specs]
    return np.vstack([f.result() for f in futures])


@dataclass(frozen=True)
class TrialOutcome:
    """What one trial measured."""

    number: int
    loss: float
    params: dict[str, float]
    groups: dict[str, float]


def open_study(out_dir: Path, seed: int, *, create: bool = True) -> Any:
    """Open (or create) the resumable study in ``out_dir/study.db``.

    The TPE sampler is seeded with ``seed`` plus the number of trials already in the study,
    so a resumed study does not repeat the draws of its first session.
    """
    import optuna

    out_dir.mkdir(parents=True, exist_ok=True)
    storage = f"sqlite:///{(out_dir / STUDY_FILE).resolve()}"
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    try:
        previous = len(optuna.load_study(study_name=STUDY_NAME, storage=storage).trials)
    except KeyError:
        if not create:
            raise
        previous = 0
    sampler = optuna.samplers.TPESampler(seed=seed + previous, multivariate=True)
    return optuna.create_study(
        study_name=STUDY_NAME,
        storage=storage,
        sampler=sampler,
        direction="minimize",
        load_if_exists=True,
    )


def completed(study: Any) -> list[Any]:
    """Finished trials of a study."""
    import optuna

    return [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]


def run_search(
    base: Scenario,
    targets: pd.DataFrame,
    out_dir: Path,
    executor: cf.Executor,
    *,
    trials: int,
    replicates: int,
    scale: float,
    seed: int,
    space: Sequence[FreeParameter] = FREE_PARAMETERS,
    months: int = CALIBRATION_MONTHS,
    on_trial: Callable[[TrialOutcome], None] | None = None,
) -> Any:
    """Run trials until the study holds ``trials`` finished ones; return the study.

    Args:
        base: The baseline scenario (its parameters are the starting point, tried first).
        targets: The targets table.
        out_dir: Folder of the study file.
        executor: Where replicates run.
        trials: Total finished trials wanted (a rerun continues up to this number).
        replicates: Replicates per trial.
        scale: People per agent of the trial runs (also the loss offset, see ``loss``).
        seed: Root seed of replicates and sampler.
        space: The free parameters.
        months: Months simulated from 2015-01 (84 = the 2015-2021 window).
        on_trial: Called after each trial (progress reporting).

    Returns:
        The optuna study.
    """
    import optuna

    study = open_study(out_dir, seed)
    if not study.trials:
        start = base.parameters.model_dump()
        study.enqueue_trial({p.name: _clip(start[p.name], p) for p in space})
    while len(completed(study)) < trials:
        trial = study.ask(
            {
                p.name: optuna.distributions.FloatDistribution(p.low, p.high, log=p.log)
                for p in space
            }
        )
        values = {p.name: float(trial.params[p.name]) for p in space}
        scenario = calibration_scenario(base, values, scale=scale, months=months)
        sims = simulate_replicates(
            scenario,
            targets,
            executor,
            replicates=replicates,
            seed=seed,
            label=f"trial{trial.number}",
        )
        if np.isnan(sims).any():
            study.tell(trial, state=optuna.trial.TrialState.FAIL)
            continue
        mean = sims.mean(axis=0)
        groups = group_losses(targets, mean, offset=scale)
        loss = calibration_loss(targets, mean, offset=scale)
        for g, v in groups.items():
            trial.set_user_attr(f"loss_{g}", float(v))
        study.tell(trial, loss)
        if on_trial:
            scores = {str(k): float(v) for k, v in groups.items()}
            on_trial(TrialOutcome(trial.number, loss, values, scores))
    return study


def _clip(value: float, p: FreeParameter) -> float:
    return float(min(max(value, p.low), p.high))
