"""``flowsim sensitivity``: rank the free parameters by their effect on headline outputs.

Morris elementary effects (SALib) over the calibration's free parameters and fitted
scenario inputs (``--inputs``, as ``flowsim calibrate``); writes
``ranking.csv``, ``samples.csv`` and ``ranking.png`` into ``--out`` and refreshes the
sensitivity section of ``docs/calibration.md``. Exit status 0, or 2 on invalid input.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from flowsim.cli.options import half_fraction, positive_int, seed
from flowsim.engine.executors import EXECUTORS

METHODS: tuple[str, ...] = ("morris",)


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``sensitivity`` command."""
    p = sub.add_parser(
        "sensitivity",
        help="rank parameters by their effect on onward moves and Darien crossings (Morris)",
        description="Morris screening of the calibration's free parameters.",
    )
    p.add_argument("--method", choices=METHODS, default="morris", help="method (morris)")
    p.add_argument(
        "--trajectories",
        type=positive_int,
        default=10,
        help="Morris trajectories (runs = trajectories x (parameters + 1))",
    )
    p.add_argument("--scale", type=float, default=5000.0, help="people per agent (default 5000)")
    p.add_argument(
        "--months",
        type=positive_int,
        default=84,
        help="months from 2015-01 (default 84, to 2021-12; 192 = to 2030-12)",
    )
    p.add_argument("--seed", type=seed, default=20150101, help="seed (default 20150101)")
    p.add_argument("--scenario", default="baseline", help="scenario (default baseline)")
    p.add_argument(
        "--inputs",
        default=None,
        help=(
            "calibration inputs file: scenario inputs screened with the parameters (default: "
            "scenarios/calibration/inputs.toml when it exists; '' = none)"
        ),
    )
    p.add_argument(
        "--around",
        type=half_fraction,
        default=None,
        help="screen only a box around the scenario's parameters: this share of each prior "
        "range on either side, on its search scale, as flowsim calibrate --around; fitted "
        "inputs keep their declared ranges (default: the whole prior)",
    )
    p.add_argument("--executor", choices=EXECUTORS, default="processes", help="executor")
    p.add_argument("--workers", type=positive_int, default=None, help="worker processes")
    p.add_argument("--out", default="results/sensitivity", help="output folder")
    p.add_argument(
        "--docs",
        default="docs/calibration.md",
        help="document whose sensitivity section is refreshed ('' = none)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run the Morris design, write the ranking and print the top parameters."""
    from flowsim.calibration.inputs import resolve_inputs
    from flowsim.calibration.report import markdown_table, update_document
    from flowsim.calibration.sensitivity import morris, ranking_figure
    from flowsim.calibration.space import FREE_PARAMETERS, local_box
    from flowsim.engine.executors import open_pool
    from flowsim.scenario.ensemble import scenario_value
    from flowsim.scenario.load import load_scenario

    if args.scale <= 0:
        raise SystemExit("--scale must be positive")
    base = load_scenario(args.scenario, search_dirs=[Path("scenarios")])
    try:
        space = (*FREE_PARAMETERS, *resolve_inputs(args.inputs, base))
        if args.around is not None:
            centre = {p.name: scenario_value(base, p.name) for p in space}
            space = local_box(space, centre, args.around)
    except ValueError as exc:
        print(f"flowsim sensitivity: {exc}", file=sys.stderr)
        return 2
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with open_pool(args.executor, args.workers) as pool:
        ranking, samples = morris(
            base,
            pool.executor,
            trajectories=args.trajectories,
            scale=args.scale,
            months=args.months,
            seed=args.seed,
            space=space,
        )
    ranking.to_csv(out / "ranking.csv", index=False)
    samples.to_csv(out / "samples.csv", index=False)
    figure = ranking_figure(ranking, out / "ranking.png")
    shown = ranking.assign(
        mu_star_relative=ranking["mu_star_relative"].round(3),
    )
    table = markdown_table(shown)
    print(table)
    doc = Path(args.docs) if args.docs else None
    if doc is not None and doc.exists():
        fig_dir = doc.parent / "figures" / "calibration"
        fig_dir.mkdir(parents=True, exist_ok=True)
        shutil.copy2(figure, fig_dir / figure.name)
        update_document(
            doc,
            {
                "sensitivity": (
                    f"{len(samples)} runs ({args.trajectories} trajectories, "
                    + (
                        ""
                        if args.around is None
                        else f"parameters boxed +-{args.around:g} of their prior, "
                    )
                    + f"{len(space)} parameters and inputs, "
                    f"{args.scale:g} people/agent, "
                    f"{args.months} months from 2015-01, seed {args.seed}).\n\n{table}\n\n"
                    f"![Morris ranking](figures/calibration/{figure.name})"
                )
            },
        )
    return 0
