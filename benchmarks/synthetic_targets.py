"""Write synthetic targets: the packaged targets with values made by the model's own runs.

Usage::

    PYTHONPATH=src python benchmarks/synthetic_targets.py --ensemble-set 17 \
        --scale 5000 --replicates 4 --out results/synthetic_targets.csv
    flowsim calibrate --targets results/synthetic_targets.csv --around 0.1 ... \
        --out results/calibration_synth --ensemble-file "" --params-file "" --docs ""

The truth is the scenario's parameters, or with ``--ensemble-set K`` set K of the
calibrated ensemble (so that a local matching around the scenario does not start at the
truth). History matching against the table shows which parameters the targets pin down
on the full model and whether the truth survives; see docs/calibration.md,
"Identifiability".

``--score-against OTHER.csv`` then prints the calibration loss by group (offset = people
per agent) of the new table's values against OTHER's: made from the same set with another
``--seed`` (the same seed repeats OTHER's first runs and understates it), it is the Monte
Carlo floor of the fit at that scale, what the true parameters score against targets that
carry OTHER's own simulation noise (docs/calibration.md's noise floor used set 21 of the
twentieth pass's ensemble, ``git show a0c45d9:scenarios/calibration/ensemble.csv``; the
shipped ensemble holds other sets since the twenty-first pass)::

    PYTHONPATH=src python benchmarks/synthetic_targets.py --ensemble-set 21 --scale 500 \
        --replicates 4 --seed 777 --out results/synth500_truth.csv
    PYTHONPATH=src python benchmarks/synthetic_targets.py --ensemble-set 21 --scale 500 \
        --replicates 1 --seed 4242 --out results/synth500_run.csv \
        --score-against results/synth500_truth.csv
"""

from __future__ import annotations

from pathlib import Path

from flowsim.calibration.loss import group_losses
from flowsim.calibration.synthetic import synthetic_targets
from flowsim.calibration.targets import load_targets
from flowsim.cli.options import OneLineParser, count, positive_int, scale, seed, workers
from flowsim.engine.executors import open_pool
from flowsim.errors import ScenarioError
from flowsim.scenario.ensemble import absent_inputs, read_set, with_set
from flowsim.scenario.load import load_scenario

ENSEMBLE = Path("scenarios/calibration/ensemble.csv")


def main() -> None:
    """Parse arguments, run the truth and write the synthetic table."""
    ap = OneLineParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--scenario", default="baseline")
    ap.add_argument("--ensemble-set", type=count, default=None, help=f"truth = set K of {ENSEMBLE}")
    ap.add_argument("--scale", type=scale, default=5000.0)
    ap.add_argument("--replicates", type=positive_int, default=4)
    ap.add_argument("--seed", type=seed, default=777, help="not the calibration's seed")
    ap.add_argument("--workers", type=workers, default=None)
    ap.add_argument("--out", required=True)
    ap.add_argument("--score-against", default=None, metavar="TARGETS_CSV")
    args = ap.parse_args()
    other = None
    if args.score_against:  # checked before any run: a bad file fails at once
        try:
            other = load_targets(args.score_against)
        except (OSError, ValueError) as err:
            ap.error(f"--score-against {args.score_against}: {err}")
        missing = set(other["target_id"]) - set(load_targets()["target_id"])
        if missing:
            ap.error(f"--score-against {args.score_against}: unknown targets, e.g. {min(missing)}")
    base = load_scenario(args.scenario, search_dirs=[Path("scenarios")])
    if args.ensemble_set is not None:
        try:
            truth = read_set(ENSEMBLE, args.ensemble_set)
            base = with_set(
                base, truth, {}, "command line", f"{ENSEMBLE} (set {args.ensemble_set})"
            )
        except ScenarioError as err:
            ap.error(f"--ensemble-set: {err}")
        skipped = absent_inputs(base, truth)
        if skipped:  # the truth would not be the set's
            ap.error(f"--ensemble-set: {args.scenario} has no policy for {', '.join(skipped)}")
    with open_pool("processes", args.workers, None) as pool:
        table = synthetic_targets(
            base,
            load_targets(),
            pool.executor,
            scale=args.scale,
            replicates=args.replicates,
            seed=args.seed,
        )
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(args.out, index=False, float_format="%.6g")
    print(f"wrote {len(table)} synthetic targets to {args.out}")
    if other is not None:
        values = table.set_index("target_id").loc[other["target_id"], "value"].to_numpy()
        groups = group_losses(other, values, args.scale)
        print(f"against {args.score_against}: {groups.mean():.3f} over {len(groups)} groups")
        print("  " + ", ".join(f"{g} {v:.2f}" for g, v in groups.items()))


if __name__ == "__main__":
    main()
