"""Write synthetic targets: the packaged targets with values made by a scenario's own runs.

Usage::

    PYTHONPATH=src python benchmarks/synthetic_targets.py --scale 5000 --replicates 4 \
        --out results/synthetic_targets.csv
    flowsim calibrate --targets results/synthetic_targets.csv --around 0.1 ... \
        --out results/calibration_synth --ensemble-file "" --params-file "" --docs ""

History matching against the result shows which parameters the targets pin down on the
full model, and whether the truth (the scenario's parameters) survives; see
docs/calibration.md, "Identifiability".
"""

from __future__ import annotations

import argparse
from pathlib import Path

from flowsim.calibration.synthetic import synthetic_targets
from flowsim.calibration.targets import load_targets
from flowsim.engine.executors import open_pool
from flowsim.scenario.load import load_scenario


def main() -> None:
    """Parse arguments, run the scenario and write the synthetic table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", default="baseline")
    ap.add_argument("--scale", type=float, default=5000.0)
    ap.add_argument("--replicates", type=int, default=4)
    ap.add_argument("--seed", type=int, default=777, help="not the calibration's seed")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    base = load_scenario(args.scenario, search_dirs=[Path("scenarios")])
    targets = load_targets()
    with open_pool("processes", None, None) as pool:
        table = synthetic_targets(
            base,
            targets,
            pool.executor,
            scale=args.scale,
            replicates=args.replicates,
            seed=args.seed,
        )
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(args.out, index=False, float_format="%.6g")
    print(f"wrote {len(table)} synthetic targets to {args.out}")


if __name__ == "__main__":
    main()
