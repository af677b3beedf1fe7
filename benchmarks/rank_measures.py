"""How well two orderings of "least implausible" follow the fit: offline, on a finished matching.

Reads every run of a calibration folder (waves and validation, two replicates each), and
for each point computes its own fit (the headline's mean absolute log error over groups of
its replicate mean), its second-largest implausibility ``I(2)`` and its group measure
(``flowsim.calibration.history_matching.group_implausibility``). Prints the rank
correlation of each measure with the fit and the ensemble-median fit of the 50 points each
measure ranks best (and, for reference, of the 50 best by the fit itself). Nothing runs.

Usage (from the repository root)::

    PYTHONPATH=src python benchmarks/rank_measures.py results/calibration_outflow [--top 50]

Not part of the tests.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import spearmanr

from flowsim.calibration.history_matching import (
    group_implausibility,
    kth_largest,
    run_implausibility,
)
from flowsim.calibration.report import ensemble_fit_table, male_by_group
from flowsim.calibration.targets import load_targets


def point_runs(folder: Path, ids: list[str]) -> np.ndarray:
    """Every point's runs of a matching folder as an array (point, replicate, target)."""
    blocks = []
    for sub in sorted(p.name for p in folder.iterdir() if p.is_dir()):
        path = folder / sub / "runs.csv"
        if (sub.startswith("wave") or sub == "validation") and path.exists():
            runs = pd.read_csv(path)
            runs["point"] = sub + ":" + runs["point"].astype(str)
            blocks.append(runs)
    runs = pd.concat(blocks).sort_values(["point", "replicate"])
    return np.stack([g.reindex(columns=ids).to_numpy() for _, g in runs.groupby("point")])


def main() -> None:
    """Print the comparison for one folder."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder", type=Path)
    ap.add_argument("--top", type=int, default=50)
    args = ap.parse_args()
    settings = json.loads((args.folder / "settings.json").read_text(encoding="utf-8"))
    scale, discrepancy, kth = settings["scale"], settings["discrepancy"], settings["kth"]
    targets = load_targets()
    fitted = targets["weight"].to_numpy() > 0
    tf = targets[fitted].reset_index(drop=True)
    sims = point_runs(args.folder, targets["target_id"].tolist())
    imp = run_implausibility(tf, sims[:, :, fitted], scale, discrepancy)
    measures = {
        f"I({kth})": kth_largest(imp, kth),
        "groups": group_implausibility(imp, tf["group"].tolist(), tf["weight"].to_numpy()),
    }
    own = np.array(
        [
            male_by_group(ensemble_fit_table(targets, sims[k : k + 1], scale))["overall"]
            for k in range(len(sims))
        ]
    )
    measures["own fit"] = own
    low, mid = own.min(), np.median(own)
    print(f"{args.folder}: {len(sims)} points, own fit min {low:.3f}, median {mid:.3f}")
    for name, score in measures.items():
        top = np.argsort(score)[: args.top]
        median = male_by_group(ensemble_fit_table(targets, sims[top], scale))["overall"]
        rho = spearmanr(own, score)[0]
        print(
            f"{name:>8}: rank correlation with the own fit {rho:.3f}; the {args.top} best: "
            f"ensemble-median fit {median:.3f}, mean own fit {own[top].mean():.3f}"
        )


if __name__ == "__main__":
    main()
