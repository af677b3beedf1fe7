"""The calibration's parameter space and how one point of it is simulated.

``FREE_PARAMETERS`` are the parameters calibration varies, with their prior ranges; each
maps to the unit interval (linearly, or on a log scale) so designs and emulators work in
the unit cube. A space may also hold scenario inputs (``flowsim.calibration.inputs``), named
by their dotted override key ``policies.<policy name>.<field>``
(``flowsim.scenario.ensemble.scenario_key``). A point runs the baseline over
2015-01..2021-12 at a coarse scale through ``run_one`` (on an executor of
``flowsim.engine.executors``) and is observed as every target (``observe``). Replicate k
has the same seed at every point (common random numbers), so points differ by their
parameters, not their luck.
"""

from __future__ import annotations

import concurrent.futures as cf
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from flowsim.calibration.observe import observe_run
from flowsim.calibration.targets import with_unmodelled
from flowsim.engine.run import RunSpec, run_one
from flowsim.rng import replicate_seed
from flowsim.scenario.ensemble import is_input, scenario_key
from flowsim.scenario.schema import Scenario
from flowsim.world import World, load_world

#: Months of the calibration window, 2015-01..2021-12.
CALIBRATION_START = "2015-01"
CALIBRATION_MONTHS = 84


@dataclass(frozen=True)
class FreeParameter:
    """A parameter (or scenario input) the search may change, with its search bounds.

    Attributes:
        name: Field of ``flowsim.parameters.Parameters``, or a scenario input's key
            ``policies.<policy name>.<field>``.
        low: Lower bound (inside the parameter's valid range).
        high: Upper bound (inside the parameter's valid range).
        log: Search on a log scale.
    """

    name: str
    low: float
    high: float
    log: bool = False

    def to_unit(self, value: np.ndarray | float) -> np.ndarray:
        """Map values in ``[low, high]`` to ``[0, 1]`` (on a log scale when ``log``)."""
        v = np.asarray(value, dtype=float)
        if self.log:
            return (np.log(v) - np.log(self.low)) / (np.log(self.high) - np.log(self.low))
        return (v - self.low) / (self.high - self.low)

    def from_unit(self, u: np.ndarray | float) -> np.ndarray:
        """Map ``[0, 1]`` back to ``[low, high]``."""
        x = np.clip(np.asarray(u, dtype=float), 0.0, 1.0)
        if self.log:
            return np.exp(np.log(self.low) + x * (np.log(self.high) - np.log(self.low)))
        return self.low + x * (self.high - self.low)


def to_values(space: Sequence[FreeParameter], unit: np.ndarray) -> list[dict[str, float]]:
    """Turn points of the unit cube (rows) into parameter dicts in natural units."""
    unit = np.atleast_2d(unit)
    cols = [p.from_unit(unit[:, j]) for j, p in enumerate(space)]
    return [{p.name: float(cols[j][i]) for j, p in enumerate(space)} for i in range(len(unit))]


def narrowed(
    space: Sequence[FreeParameter], centre: Mapping[str, float], half_width: float
) -> tuple[FreeParameter, ...]:
    """Cut each parameter's range to ``centre`` +- ``half_width`` of it, inside the range.

    The box is taken on the parameter's own search scale (log for log parameters), so
    ``half_width`` is a share of the range as the search sees it; a centre outside the
    range is moved to its nearest bound first.

    Args:
        space: The free parameters.
        centre: Parameter name -> value to centre on (every name of ``space``).
        half_width: Half the box's width as a share of each range, in (0, 0.5].

    Returns:
        The narrowed parameters, in the order of ``space``.

    Raises:
        ValueError: If ``half_width`` is outside (0, 0.5], or a centre is missing or not a
            number on its parameter's scale (NaN, or not positive on a log scale).
    """
    if not 0.0 < half_width <= 0.5:
        raise ValueError(f"half_width must be in (0, 0.5], got {half_width}")
    missing = [p.name for p in space if p.name not in centre]
    if missing:
        raise ValueError(f"no centre for {', '.join(missing)}")
    out = []
    for p in space:
        with np.errstate(invalid="ignore", divide="ignore"):
            u = float(p.to_unit(centre[p.name]))
        if not np.isfinite(u):
            raise ValueError(f"{p.name}: centre {centre[p.name]} is not on its search scale")
        u = min(max(u, 0.0), 1.0)
        lo, hi = max(0.0, u - half_width), min(1.0, u + half_width)
        low = p.low if lo == 0.0 else float(p.from_unit(lo))  # a cut bound stays exact
        high = p.high if hi == 1.0 else float(p.from_unit(hi))
        out.append(FreeParameter(p.name, low, high, p.log))
    return tuple(out)


def local_box(
    space: Sequence[FreeParameter], centre: Mapping[str, float], half_width: float
) -> tuple[FreeParameter, ...]:
    """Return the space of a local matching (``--around``): parameters boxed, inputs whole.

    Parameters are cut to ``centre`` +- ``half_width`` of their prior (``narrowed``); fitted
    scenario inputs (``policies.*``) keep the range their inputs file declares, which states
    how uncertain the assumption is (the scenario file's value is one guess inside it, not
    a calibrated centre). Order is kept.
    """
    inputs = [is_input(p.name) for p in space]
    boxed = iter(
        narrowed([p for p, i in zip(space, inputs, strict=True) if not i], centre, half_width)
    )
    return tuple(p if i else next(boxed) for p, i in zip(space, inputs, strict=True))


#: The free parameters: the ones the onward and first flows respond to most (see
#: ``docs/calibration.md``), bounded inside the ranges of ``flowsim.parameters``.
FREE_PARAMETERS: tuple[FreeParameter, ...] = (
    FreeParameter("push_scale", 0.3, 5.0, log=True),
    FreeParameter("b_net", 0.0, 2.0),
    FreeParameter("b_cost", 0.2, 10.0, log=True),
    FreeParameter("b_risk", 1.0, 100.0, log=True),
    FreeParameter("hazard_max", 0.01, 0.3, log=True),
    FreeParameter("hazard_slope", 0.1, 5.0, log=True),
    FreeParameter("b_int", 0.0, 6.0),
    FreeParameter("savings_median_usd", 100.0, 2000.0, log=True),
    FreeParameter("passport_scale", 0.2, 8.0, log=True),
    FreeParameter("passport_wealth", 0.0, 1.0),
    FreeParameter("network_loan_usd", 500.0, 15000.0, log=True),
    FreeParameter("absorption", 0.005, 0.2, log=True),
    FreeParameter("b_stop", 0.3, 10.0, log=True),
    FreeParameter("b_home", -1.0, 6.0),  # up to 6 since home_fade_years (tenth pass)
    FreeParameter("b_dist", 0.0, 1.5),
    FreeParameter("b_crisis", 0.0, 1.5),
    FreeParameter("b_lang", 0.0, 2.0),
    FreeParameter("retry_expelled", 0.3, 0.95),
    FreeParameter("retry_far", 0.0, 0.95),
    FreeParameter("b_know", 0.0, 6.0),
    FreeParameter("know_ref", 300.0, 30000.0, log=True),
    FreeParameter("loan_anywhere", 0.0, 1.0),
    FreeParameter("kin_ties", 1.0, 100.0, log=True),
    FreeParameter("nest_lambda", 0.1, 1.0, log=True),
    FreeParameter("b_move", 0.0, 3.0),
    FreeParameter("b_leg", 0.0, 1.0),
    FreeParameter("know_spill", 0.0, 0.1),
    FreeParameter("b_push", 0.0, 10.0),
    FreeParameter("kin_relend", 0.0, 1.0),  # appended: earlier columns keep their place
    FreeParameter("taste_scale", 0.3, 1.0, log=True),
    FreeParameter("know_reverse", 0.0, 1.0),
    FreeParameter("home_fade_years", 0.0, 10.0),
    FreeParameter("b_fail", 0.0, 2.0),  # appended (thirteenth pass): held at 0.5 before
    FreeParameter("home_fade_in_wish", 0.0, 1.0),  # appended (fourteenth pass)
    FreeParameter("wish_scale", 0.1, 1.0, log=True),  # appended (fourteenth pass)
    FreeParameter("b_herd", 0.0, 3.0),  # appended (fifteenth pass)
    FreeParameter("herd_ref", 0.002, 0.05, log=True),  # appended (fifteenth pass)
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
        values: Parameter name (or scenario input key) -> value.
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
    overrides.update({scenario_key(k): float(v) for k, v in values.items()})
    return base.with_overrides(overrides)


@lru_cache(maxsize=4)
def _world(world_dir: str) -> World:
    """Return the world of a folder, read once per process (every run of it asks)."""
    return load_world(world_dir)


def simulate_targets(spec: RunSpec, targets: pd.DataFrame) -> np.ndarray:
    """Run one replicate and return its simulated target values (NaN when it failed).

    A module-level function, so process and Dask workers can import it. A run of another
    world (``spec.world_dir``) is observed against that world's ``unmodelled`` people.
    """
    result = run_one(spec)
    if not result.ok:
        return np.full(len(targets), np.nan)
    if spec.world_dir is not None and "unmodelled" in targets:
        targets = with_unmodelled(targets, _world(spec.world_dir))
    return observe_run(targets, result.timeseries, result.flows)


def simulate_replicates(
    scenario: Scenario,
    targets: pd.DataFrame,
    executor: cf.Executor,
    *,
    replicates: int,
    seed: int,
    label: str = "calibration",
    world_dir: str | None = None,
) -> np.ndarray:
    """Run replicates of a scenario on an executor; return an array (replicate, target).

    ``world_dir`` is a world folder other than the packaged one (``None`` = packaged).
    """
    specs = [
        RunSpec(
            f"{label}/r{k}",
            scenario,
            k,
            replicate_seed(seed, k),
            label=label,
            world_dir=world_dir,
        )
        for k in range(replicates)
    ]
    futures = [executor.submit(simulate_targets, s, targets) for s in specs]
    return np.vstack([f.result() for f in futures])
