"""Morris elementary effects of the free parameters on the headline outputs.

The free parameters of the calibration (``search.FREE_PARAMETERS``, same bounds) are
sampled along Morris trajectories (SALib); each point runs the baseline once (same seed
everywhere, so differences come from the parameters) and records two outputs: onward
journeys started (timeseries ``journeys_onward``, all countries) and Darien Gap crossings,
both summed over the run window. ``mu_star`` ranks influence; ``sigma`` flags
interactions or non-linearity.
"""

from __future__ import annotations

import concurrent.futures as cf
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from flowsim.calibration.space import FREE_PARAMETERS, FreeParameter, calibration_scenario
from flowsim.engine.run import RunSpec, run_one
from flowsim.scenario.schema import Scenario
from flowsim.tables import DARIEN_ROUTE

#: Outputs of each sensitivity run.
OUTPUTS: tuple[str, ...] = ("onward_moves", "darien_crossings")

RANKING_COLUMNS: tuple[str, ...] = (
    "output",
    "rank",
    "parameter",
    "mu_star",
    "mu_star_conf",
    "mu",
    "sigma",
    "mu_star_relative",
)


def problem(space: Sequence[FreeParameter] = FREE_PARAMETERS) -> dict[str, object]:
    """SALib problem definition of the free parameters (linear bounds)."""
    return {
        "num_vars": len(space),
        "names": [p.name for p in space],
        "bounds": [[p.low, p.high] for p in space],
    }


def headline_outputs(spec: RunSpec) -> np.ndarray:
    """Run one point; return ``[onward_moves, darien_crossings]`` (NaN when it failed)."""
    result = run_one(spec)
    if not result.ok:
        return np.full(len(OUTPUTS), np.nan)
    ts, fl = result.timeseries, result.flows
    onward = ts.loc[ts["variable"] == "journeys_onward", "value"].sum()
    darien = fl.loc[fl["route"] == DARIEN_ROUTE, "people"].sum()
    return np.array([onward, darien], dtype=float)


def morris(
    base: Scenario,
    executor: cf.Executor,
    *,
    trajectories: int,
    scale: float,
    months: int,
    seed: int,
    levels: int = 4,
    space: Sequence[FreeParameter] = FREE_PARAMETERS,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Sample, run and analyse a Morris design.

    Args:
        base: The scenario whose other parameters stay fixed.
        executor: Where the runs execute.
        trajectories: Morris trajectories (runs = trajectories x (parameters + 1)).
        scale: People per agent.
        months: Months from 2015-01.
        seed: Seed of the sample and of every run.
        levels: Grid levels of the Morris design.
        space: The parameters varied.

    Returns:
        ``(ranking, samples)``: the ranking with ``RANKING_COLUMNS`` and one row per run
        with the parameters and outputs.
    """
    from SALib.analyze import morris as morris_analyze
    from SALib.sample import morris as morris_sample

    prob = problem(space)
    x = morris_sample.sample(prob, trajectories, num_levels=levels, seed=seed)
    specs = [
        RunSpec(
            f"morris{i}/r0",
            calibration_scenario(
                base, dict(zip(prob["names"], row, strict=True)), scale=scale, months=months
            ),
            0,
            seed,
            label=f"morris{i}",
        )
        for i, row in enumerate(x)
    ]
    y = np.vstack([f.result() for f in [executor.submit(headline_outputs, s) for s in specs]])
    samples = pd.DataFrame(x, columns=prob["names"]).assign(
        **{name: y[:, j] for j, name in enumerate(OUTPUTS)}
    )
    frames = []
    for j, name in enumerate(OUTPUTS):
        res = morris_analyze.analyze(prob, x, np.nan_to_num(y[:, j]), num_levels=levels, seed=seed)
        frame = pd.DataFrame(
            {
                "output": name,
                "parameter": res["names"],
                "mu_star": res["mu_star"],
                "mu_star_conf": res["mu_star_conf"],
                "mu": res["mu"],
                "sigma": res["sigma"],
            }
        )
        mean = float(np.nanmean(y[:, j])) or 1.0
        frame["mu_star_relative"] = frame["mu_star"] / mean
        frame = frame.sort_values("mu_star", ascending=False, ignore_index=True)
        frame["rank"] = np.arange(1, len(frame) + 1)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)[list(RANKING_COLUMNS)], samples


def ranking_figure(ranking: pd.DataFrame, path: Path) -> Path:
    """Bar plot of ``mu_star`` (bars) with ``sigma`` (markers), one panel per output."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    outputs = list(dict.fromkeys(ranking["output"]))
    fig, axes = plt.subplots(1, len(outputs), figsize=(5 * len(outputs), 3.5), squeeze=False)
    for ax, name in zip(axes.flat, outputs, strict=True):
        r = ranking[ranking["output"] == name].sort_values("mu_star")
        ax.barh(
            r["parameter"],
            r["mu_star"],
            xerr=r["mu_star_conf"],
            color="tab:blue",
            alpha=0.7,
            label="mu* (95% CI)",
        )
        ax.plot(r["sigma"], r["parameter"], "o", color="tab:red", label="sigma")
        ax.set_title(name, fontsize=9)
        ax.set_xlabel("people (elementary effect over the parameter's range)", fontsize=8)
        ax.tick_params(labelsize=8)
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
