"""Does the baseline's 2015-2021 history depend on the number of people per agent?

Runs the history table (``benchmarks/history_table.py``) at several scales, the same seeds
at each, and prints, per scale, the table's headline rows, its mean absolute log error and
the calibration loss at one **common** offset. The loss's offset ``c`` (in
``log((model + c) / (observed + c))``) is the people per agent of the runs, so losses
computed at their own scale are not comparable across scales: a coarser scale forgives
more of the small targets. A result is converged at a scale when the next finer one gives
the same rows within the seeds' spread.

Usage (from the repository root)::

    PYTHONPATH=src python benchmarks/scale_convergence.py [--scales 250 500 1000 2000]
        [--seeds 3] [--offset 2000] [--out results/scale_convergence] [--set b_know=0]

The runs are sequential; the losses at each scale's own offset come from
``history_table.py --no-run --out <out>/scale<S> --scale <S>``. Not part of the test suite
(3 seeds at four scales take about two minutes).
"""

from __future__ import annotations

import argparse
import importlib.util
import time
from pathlib import Path
from types import ModuleType

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]

#: Rows of the history table shown per scale (its labels).
HEADLINE = (
    "Haitians crossing the Darien, 2021",
    "Venezuelans crossing the Darien, 2021",
    "Venezuelans in Peru, Nov 2021 (R4V)",
    "US southwest border encounters, FY2021",
)


def _history_table() -> ModuleType:
    """Load ``benchmarks/history_table.py`` (the benchmarks folder is not a package)."""
    spec = importlib.util.spec_from_file_location(
        "history_table", ROOT / "benchmarks" / "history_table.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def convergence(
    scales: list[float], seeds: int, offset: float, out: Path, overrides: list[str]
) -> pd.DataFrame:
    """Run the history table at each scale and return one row per scale.

    Args:
        scales: People per agent to compare.
        seeds: Seeds per scale (the same seeds at every scale).
        offset: The common ``c`` of the calibration loss.
        out: Folder for the runs (one subfolder per scale).
        overrides: ``NAME=VALUE`` parameter changes, as ``history_table.py --set``.

    Returns:
        Columns: scale, seconds per run, the headline rows (model mean; the Darien rows
        also their min-max over seeds), the table's mean absolute log error at the scale's
        own ``c`` (not comparable across scales) and the loss at ``offset`` (comparable).
    """
    ht = _history_table()
    from flowsim.calibration.report import male_by_group
    from flowsim.calibration.targets import load_targets

    targets = load_targets()
    rows = []
    for scale in scales:
        folder = out / f"scale{scale:g}"
        scenario = ht.with_parameters(ht.ROOT / "scenarios" / "baseline.toml", overrides, folder)
        t0 = time.perf_counter()
        ht.run(scenario, seeds, scale, folder)
        seconds = (time.perf_counter() - t0) / seeds
        tab = ht.table(folder, seeds, scale).set_index("what")
        row = {"scale": scale, "s/run": round(seconds, 1)}
        for label in HEADLINE:
            row[label] = tab.loc[label, "model (mean)"]
            if "Darien" in label:  # the rows that move with scale: their spread over seeds
                row[f"{label} (min-max)"] = tab.loc[label, "model min-max"]
        row["table MALE (own c)"] = tab["abs log error"].mean()
        fit = ht.fit_rows(targets, ht.simulated(folder, seeds, targets), offset)
        row[f"loss at c={offset:g}"] = male_by_group(fit)["overall"]
        rows.append(row)
    return pd.DataFrame(rows)


def main() -> None:
    """Run and print the convergence table (markdown)."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scales", type=float, nargs="+", default=[250.0, 500.0, 1000.0, 2000.0])
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--offset", type=float, default=2000.0)
    ap.add_argument("--out", type=Path, default=ROOT / "results" / "scale_convergence")
    ap.add_argument("--set", action="append", default=[], metavar="NAME=VALUE")
    args = ap.parse_args()
    tab = convergence(args.scales, args.seeds, args.offset, args.out, args.set)
    lines = ["| " + " | ".join(tab.columns) + " |", "|" + "---|" * len(tab.columns)]
    for row in tab.itertuples(index=False):
        cells = [
            v if isinstance(v, str) else f"{v:,.0f}" if abs(v) >= 10 else f"{v:.3g}" for v in row
        ]
        lines.append("| " + " | ".join(cells) + " |")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
