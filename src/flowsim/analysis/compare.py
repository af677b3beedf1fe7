"""Compare scenarios with a baseline: means, intervals across replicates, paired differences.

Replicate k of every scenario uses the same seed (common random numbers), so the difference
between scenario and baseline is taken replicate by replicate, over the replicates present
in both; its spread is far narrower than the spread of either scenario alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from flowsim.analysis.load import Results, as_frames
from flowsim.analysis.metrics import _group_columns, get_metric
from flowsim.analysis.pairing import baseline_labels

#: Percentiles of the 90% interval across replicates (numpy "linear" method).
INTERVAL: tuple[float, float] = (5.0, 95.0)

#: Columns of :func:`compare`'s table, around the optional ``by`` column.
STAT_COLUMNS: tuple[str, ...] = (
    "n",
    "mean",
    "lo90",
    "hi90",
    "diff_mean",
    "diff_lo90",
    "diff_hi90",
    "rel_change",
)


def compare(
    results: Any,
    baseline: str = "baseline",
    metric: str = "onward_moves",
    by: str | None = None,
    period: str = "run",
) -> pd.DataFrame:
    """Summarise one metric per scenario and its paired difference from the baseline.

    Args:
        results: A results folder path, a :class:`~flowsim.analysis.load.ResultsFrames`, or
            any object with ``runs``, ``timeseries`` and ``flows`` DataFrames.
        baseline: Scenario the others are compared with; in a sweep with a parameter grid,
            each scenario is compared with the baseline at the same grid point.
        metric: A name in :data:`flowsim.analysis.metrics.METRICS`.
        by: ``None``, ``"country"`` or ``"nationality"``.
        period: ``"run"``, ``"year"``, ``"month"`` or a range such as ``"2025-01/2030-12"``.

    Returns:
        One row per scenario (and group and period), baseline first, with columns
        ``scenario, [by], period, n, mean, lo90, hi90, diff_mean, diff_lo90, diff_hi90,
        rel_change, baseline``. ``n`` counts the scenario's replicates;
        ``mean``/``lo90``/``hi90`` are their mean and 5th-95th percentiles. ``diff_*``
        summarise ``scenario - baseline`` over the replicates present in both;
        ``rel_change`` is ``diff_mean`` over the baseline mean of those same replicates
        (NaN when that mean is 0 or nothing pairs); ``baseline`` names the runs compared
        with.

    Raises:
        ResultsError: Unknown metric, grouping or period, or the baseline is not among the
            scenarios (the message lists them).
    """
    info = get_metric(metric)
    groups = _group_columns(by)
    frames = _frames_for(results, metric)
    pairs = baseline_labels(frames.runs, baseline)
    values = info.function(frames, by=by, period=period)
    return summarise(values, pairs, groups, order=frames.scenarios)


def summarise(
    values: pd.DataFrame,
    baseline: str | Mapping[str, str],
    groups: list[str],
    *,
    order: list[str] | None = None,
) -> pd.DataFrame:
    """Turn per-run metric values into :func:`compare`'s table.

    Args:
        values: A metric's output (``run_id, scenario, replicate, [groups], period, value``).
        baseline: The baseline's label, or scenario label -> its baseline's label (one per
            grid point, see :mod:`flowsim.analysis.pairing`); scenarios without a baseline
            are left out.
        groups: The grouping columns present in ``values`` (``[]`` or ``[by]``).
        order: Scenario order; baselines always come first.

    Returns:
        The comparison table described in :func:`compare`, with a ``baseline`` column naming
        the runs each row is compared with.
    """
    keys = [*groups, "period"]
    order = order or list(dict.fromkeys(values["scenario"]))
    pairs = dict.fromkeys(order, baseline) if isinstance(baseline, str) else dict(baseline)
    bases = list(dict.fromkeys(pairs[s] for s in order if s in pairs))
    order = [*bases, *[s for s in order if s in pairs and s not in bases]]
    indexed = values.set_index([*keys, "replicate"])
    rows = []
    for scenario in order:
        own = values[values["scenario"] == scenario]
        base = indexed[indexed["scenario"] == pairs[scenario]]["value"].rename("base")
        paired = own.join(base, on=[*keys, "replicate"])
        for key, group in paired.groupby(keys, sort=False):
            key = key if isinstance(key, tuple) else (key,)
            rows.append(
                {
                    "scenario": scenario,
                    **dict(zip(keys, key, strict=True)),
                    **_stats(group["value"].to_numpy(), group["base"].to_numpy()),
                    "baseline": pairs[scenario],
                }
            )
    table = pd.DataFrame(rows, columns=["scenario", *keys, *STAT_COLUMNS, "baseline"])
    table["n"] = table["n"].astype("int64")
    return table


def _stats(own: np.ndarray, base: np.ndarray) -> dict[str, float]:
    """Summary of one scenario's replicates and of their paired difference from baseline."""
    own_ok = own[~np.isnan(own)]
    both = ~np.isnan(own) & ~np.isnan(base)
    diff = own[both] - base[both]
    base_mean = float(np.mean(base[both])) if both.any() else np.nan
    diff_mean = float(np.mean(diff)) if diff.size else np.nan
    lo, hi = _interval(own_ok)
    dlo, dhi = _interval(diff)
    return {
        "n": int(own_ok.size),
        "mean": float(np.mean(own_ok)) if own_ok.size else np.nan,
        "lo90": lo,
        "hi90": hi,
        "diff_mean": diff_mean,
        "diff_lo90": dlo,
        "diff_hi90": dhi,
        "rel_change": diff_mean / base_mean if base_mean else np.nan,
    }


def _interval(sample: np.ndarray) -> tuple[float, float]:
    if sample.size == 0:
        return np.nan, np.nan
    lo, hi = np.percentile(sample, INTERVAL, method="linear")
    return float(lo), float(hi)


def _frames_for(results: Any, metric: str) -> Results:
    """Open the results; a folder is queried lazily, never loaded whole."""
    return as_frames(results)
