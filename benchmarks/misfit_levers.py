"""Which parameters move the targets no set fits, over the validated sets of matchings.

For each calibration folder given, reads every validation point (``validation/judged.csv``
for its parameters, ``validation/runs.csv`` for its runs), takes each target's replicate
mean on the log scale (``history_matching.log_outputs``, offset ``c`` = people per agent)
and its signed log error against the observation (``+`` = the model too high), then prints
per target the range of that error over all points and the parameters whose values rank
with it most (Spearman's rank correlation, computed as Pearson's on ranks). Targets
default to the folders' ``misfits.csv`` (``flowsim calibrate --report``), else give
``--targets``.

Usage (from the repository root)::

    PYTHONPATH=src python benchmarks/misfit_levers.py results/calibration_returns \\
        results/calibration_seed2 [--targets 'r4v_stock|PAN|2021-11,r4v_stock|BOL|2020-11'] \\
        [--top 5]

A correlation says which way a parameter moves a target inside the boxes the matchings
searched, not that the target can be reached there: the range says how close the best
point came. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pandas as pd

from flowsim.calibration.history_matching import log_outputs, observed_log
from flowsim.calibration.targets import load_targets


def folder_errors(folder: Path, targets: pd.DataFrame, ids: list[str]) -> pd.DataFrame:
    """Return one row per validation point: its parameters and ``err:<id>`` per target.

    Args:
        folder: A calibration folder (``flowsim calibrate --out``).
        targets: The targets table (``load_targets``).
        ids: Target ids to read.

    Returns:
        The point's parameter values, then each target's signed log error of the
        replicate mean against its figure or interval, 0 inside (NaN where no run
        measured it).
    """
    settings = json.loads((folder / "settings.json").read_text(encoding="utf-8"))
    judged = pd.read_csv(folder / "validation" / "judged.csv")
    names = [p["name"] for p in settings["space"]]
    runs = pd.read_csv(folder / "validation" / "runs.csv", usecols=["point", "replicate", *ids])
    chosen = targets.set_index("target_id").loc[ids].reset_index()
    values = runs.groupby("point")[ids].apply(
        lambda frame: pd.Series(
            np.nanmean(log_outputs(chosen, frame.to_numpy(dtype=float), settings["scale"]), 0),
            index=ids,
        )
    )
    low, high = observed_log(chosen, float(settings["scale"]))
    # the distance to the observed interval (0 inside; a lower bound alone has high = inf)
    errors = (values - low).clip(upper=0.0) + (values - high).clip(lower=0.0)
    errors = errors.add_prefix("err:")
    out = judged.set_index("point")[names].join(errors, how="inner")
    return out.assign(folder=folder.name)


def levers(points: pd.DataFrame, top: int) -> list[tuple[str, float, float, pd.Series]]:
    """Per target: (id, smallest and largest error, the ``top`` rank correlations)."""
    params = [c for c in points.columns if not c.startswith("err:") and c != "folder"]
    ranks = points[params].rank()
    out = []
    for column in [c for c in points.columns if c.startswith("err:")]:
        err = points[column].rank()
        corr = ranks.corrwith(err).dropna()
        corr = corr.reindex(corr.abs().sort_values(ascending=False).index).head(top)
        out.append((column[4:], float(points[column].min()), float(points[column].max()), corr))
    return out


def main() -> None:
    """Parse the command line and print each target's levers."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("folders", nargs="+", type=Path, help="calibration folders")
    ap.add_argument("--targets", default="", help="comma-separated target ids")
    ap.add_argument("--top", type=int, default=5, help="parameters shown per target")
    args = ap.parse_args()
    targets = load_targets()
    if args.targets:
        ids = [i.strip() for i in args.targets.split(",") if i.strip()]
    else:
        found = [f / "misfits.csv" for f in args.folders if (f / "misfits.csv").exists()]
        if not found:
            ap.error("no misfits.csv in the folders: give --targets")
        ids = sorted(set().union(*(pd.read_csv(f)["target"] for f in found)))
    unknown = sorted(set(ids) - set(targets["target_id"]))
    if unknown:
        ap.error(f"--targets: unknown target ids {unknown[:3]}")
    points = pd.concat([folder_errors(f, targets, ids) for f in args.folders])
    print(f"{len(points)} validated points from {len(args.folders)} folders")
    for target, low, high, corr in levers(points, args.top):
        print(f"\n{target}: log error {low:+.2f} to {high:+.2f} (+ = model too high)")
        print(corr.round(2).to_string())


if __name__ == "__main__":
    main()
