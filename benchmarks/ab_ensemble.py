"""Fit of the ensemble's median, by target group, for one or two scenarios (an A/B check).

Runs each scenario once with each of the first ``--sets`` parameter sets of the calibrated
ensemble (``scenarios/calibration/ensemble.csv``; set k has the same parameters and seed in
both scenarios, as in an ensemble sweep), 2015-01 to 2021-12, in one experiment (two when
both scenario files carry the same name, e.g. the baseline of a worktree), then prints the
mean absolute log error of the ensemble's median by target group
(``flowsim.calibration.loss``, the quantity of docs/calibration.md's headline) for each
scenario. Use it to judge a model change over the ensemble before refitting: a change that
helps the calibrated point can hurt the sets around it.

Usage (from the repository root)::

    PYTHONPATH=src python benchmarks/ab_ensemble.py --scenario scenarios/baseline.toml \\
        [--against scenarios/my_change.toml] [--sets 30] [--scale 500] \\
        [--targets darien_total,returns] [--out results/ab_ensemble]

The median is over sets of one run each, so it carries Monte Carlo noise: compare A and B
(same seeds, common random numbers), not B with the report's figure. Not part of the tests.

Limits: a set's fitted inputs (the ensemble's ``policies.*`` columns) overwrite the
scenarios' own values, so an A/B of a fitted input's value over an ensemble holding it
compares nothing (use an ensemble without that column, e.g. an earlier one from git); an
ensemble sweep refuses an input column whose policy none of its scenarios has, so a
scenario without such a policy runs only together with one that has it (different names,
one experiment); a run that fails is left out of its scenario's median. The sweep resumes
only the identical experiment at the same commit: give a fresh ``--out`` after a commit or
an edit (nothing is deleted).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]


def experiment(scenarios: list[Path], ensemble: Path, sets: int, scale: float, out: Path) -> Path:
    """Write an experiment running ``scenarios`` over ``sets`` ensemble sets; return its path."""
    out.mkdir(parents=True, exist_ok=True)
    path = out / "experiment.toml"
    listed = ", ".join(json.dumps(str(s.resolve())) for s in scenarios)
    path.write_text(
        "\n".join(
            [
                f'name = "ab_{scenarios[0].stem}"',
                f"scenarios = [{listed}]",
                "replicates = 1",
                "seed = 20150101",
                f"ensemble = {json.dumps(str(ensemble.resolve()))}",
                f"ensemble_sets = {sets}",
                "[run]",
                f"scale = {scale}",
                "months = 84",
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    return path


def sweep(experiment_file: Path, results: Path, workers: int) -> None:
    """Run (or resume) the experiment's sweep into ``results`` (the ``flowsim sweep`` command)."""
    from flowsim.cli.main import main as cli

    argv = ["sweep", str(experiment_file), "--out", str(results), "--workers", str(workers)]
    if cli(argv + ["--no-progress"]) != 0:
        raise SystemExit(f"the sweep of {experiment_file} failed")


def fit_of(results: Path, scenario: str, targets: pd.DataFrame, scale: float) -> pd.DataFrame:
    """The calibration report's ensemble fit table of ``scenario``'s runs in ``results``.

    Each run is one set's only replicate, so the report's ``ensemble_median`` (median over
    sets of each set's replicate mean, ``flowsim.calibration.report.ensemble_fit_table``)
    is the median over the runs.
    """
    from flowsim.calibration.observe import observe_results
    from flowsim.calibration.report import ensemble_fit_table
    from flowsim.results import open_results

    frame = observe_results(open_results(results), targets, scenario=scenario)
    sims = frame.reindex(columns=targets["target_id"]).to_numpy()[:, None, :]
    return ensemble_fit_table(targets, sims, scale)


def main() -> None:
    """Run the sweeps and print the fit by group (and by target for ``--targets``)."""
    from flowsim.calibration.report import male_by_group
    from flowsim.calibration.targets import load_targets

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", type=Path, default=ROOT / "scenarios" / "baseline.toml")
    ap.add_argument("--against", type=Path, help="a second scenario, run on the same sets")
    ap.add_argument(
        "--ensemble", type=Path, default=ROOT / "scenarios" / "calibration" / "ensemble.csv"
    )
    ap.add_argument("--sets", type=int, default=30)
    ap.add_argument("--scale", type=float, default=500.0)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--out", type=Path, default=ROOT / "results" / "ab_ensemble")
    ap.add_argument("--targets", default="", metavar="GROUP[,GROUP]")
    args = ap.parse_args()

    targets = load_targets()
    columns: dict[str, pd.Series] = {}
    fits: dict[str, pd.DataFrame] = {}
    from flowsim.scenario import load_scenario

    pairs = [("A", args.scenario)] + ([("B", args.against)] if args.against else [])
    names = {label: load_scenario(path).name for label, path in pairs}
    if len(set(names.values())) == len(pairs):
        # one experiment: paired as any ensemble sweep, and a scenario that removes an
        # input's policy is accepted because the other one has it
        out = args.out / "AB"
        run = experiment([path for _, path in pairs], args.ensemble, args.sets, args.scale, out)
        sweep(run, out / "res", args.workers)
        folders = {label: (out / "res", names[label]) for label, _ in pairs}
    else:  # the same scenario name twice (e.g. a worktree's baseline): one sweep each
        folders = {}
        for label, path in pairs:
            out = args.out / label
            sweep(
                experiment([path], args.ensemble, args.sets, args.scale, out),
                out / "res",
                args.workers,
            )
            folders[label] = (out / "res", names[label])
    for label, path in pairs:
        folder, name = folders[label]
        fits[label] = fit_of(folder, name, targets, args.scale)
        columns[f"{label}: {path.stem}"] = male_by_group(fits[label])
    print(pd.DataFrame(columns).to_string(float_format=lambda v: f"{v:.3f}"))
    if args.targets:
        sel = targets["group"].isin(args.targets.split(",")).to_numpy()
        first = next(iter(fits.values()))  # every fit table has the targets' bounds
        rows = {
            "target": targets["target_id"][sel],
            "observed": targets["value"][sel],
            "low": first["observed_low"].to_numpy()[sel],
            "high": first["observed_high"].to_numpy()[sel],
            "weight": targets["weight"][sel],
        }
        for label, fit in fits.items():
            rows[f"{label} median"] = fit["ensemble_median"].to_numpy()[sel]
            rows[f"{label} log error"] = fit["log_error"].to_numpy()[sel]
        print("\n" + pd.DataFrame(rows).to_string(index=False, float_format=lambda v: f"{v:,.3f}"))


if __name__ == "__main__":
    main()
