"""``flowsim calibrate``: fit the baseline's free parameters to 2015-2021 targets.

Runs (or continues) the optuna study in ``--out/study.db`` until it holds ``--trials``
finished trials, then reruns the best parameters at ``--final-scale`` with
``--final-replicates`` replicates and writes the fit report (``fit.csv``,
``fit_groups.csv``, ``fit_<group>.png``), the calibrated parameter file and the generated
parts of ``docs/calibration.md``. Exit status 0, or 2 on invalid input.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from flowsim.cli.options import positive_float, positive_int
from flowsim.engine.executors import EXECUTORS

if TYPE_CHECKING:
    import pandas as pd


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``calibrate`` command."""
    p = sub.add_parser(
        "calibrate",
        help="fit the baseline's free parameters to 2015-2021 targets (resumable)",
        description="Search free parameters with optuna (TPE); rerun to continue the study.",
    )
    p.add_argument(
        "--trials",
        type=positive_int,
        default=40,
        help="total finished trials wanted in the study (default 40)",
    )
    p.add_argument(
        "--replicates", type=positive_int, default=2, help="replicates per trial (default 2)"
    )
    p.add_argument(
        "--executor",
        choices=EXECUTORS,
        default="processes",
        help="where replicates run (default: processes)",
    )
    p.add_argument("--workers", type=positive_int, default=None, help="worker processes")
    p.add_argument(
        "--scale",
        type=positive_float,
        default=5000.0,
        help="people per agent in trial runs (default 5000)",
    )
    p.add_argument(
        "--final-scale",
        type=positive_float,
        default=1000.0,
        help="people per agent of the final fit report (default 1000)",
    )
    p.add_argument(
        "--final-replicates",
        type=positive_int,
        default=6,
        help="replicates of the final fit report (default 6)",
    )
    p.add_argument("--seed", type=int, default=20150101, help="root seed (default 20150101)")
    p.add_argument(
        "--scenario", default="baseline", help="scenario to calibrate (default baseline)"
    )
    p.add_argument("--targets", default=None, help="targets CSV (default: the packaged table)")
    p.add_argument(
        "--out",
        default="results/calibration",
        help="study and report folder (default results/calibration)",
    )
    p.add_argument(
        "--params-file",
        default="scenarios/calibration/baseline_parameters.toml",
        help="where the calibrated [parameters] go",
    )
    p.add_argument(
        "--docs",
        default="docs/calibration.md",
        help="document whose generated sections are refreshed ('' = none)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run the search and the final fit; print progress and the fit per group."""
    import pandas as pd

    from flowsim.calibration.report import (
        fit_figures,
        fit_table,
        group_summary,
        markdown_table,
        write_parameters,
    )
    from flowsim.calibration.search import (
        FREE_PARAMETERS,
        TrialOutcome,
        calibration_scenario,
        completed,
        run_search,
        simulate_replicates,
    )
    from flowsim.calibration.targets import load_targets
    from flowsim.engine.executors import open_pool
    from flowsim.scenario.load import load_scenario

    base = load_scenario(args.scenario, search_dirs=[Path("scenarios")])
    targets = load_targets(args.targets)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    def progress(t: TrialOutcome) -> None:
        groups = " ".join(f"{g}={v:.2f}" for g, v in t.groups.items())
        print(f"trial {t.number:4d}  loss {t.loss:.4f}  {groups}", flush=True)

    with open_pool(args.executor, args.workers) as pool:
        study = run_search(
            base,
            targets,
            out,
            pool.executor,
            trials=args.trials,
            replicates=args.replicates,
            scale=args.scale,
            seed=args.seed,
            on_trial=progress,
        )
        best = study.best_trial
        values = {p.name: float(best.params[p.name]) for p in FREE_PARAMETERS}
        print(
            f"best trial {best.number}: loss {best.value:.4f} "
            f"({len(completed(study))} finished trials)"
        )
        final = calibration_scenario(base, values, scale=args.final_scale)
        sims = simulate_replicates(
            final,
            targets,
            pool.executor,
            replicates=args.final_replicates,
            seed=args.seed,
            label="fit",
        )
    table = fit_table(targets, sims)
    table.to_csv(out / "fit.csv", index=False)
    groups = pd.DataFrame(
        {
            "group": group_summary(targets, sims).index,
            "male_offset_1": group_summary(targets, sims).to_numpy(),
            "male_offset_scale": group_summary(targets, sims, args.final_scale).to_numpy(),
        }
    )
    groups.to_csv(out / "fit_groups.csv", index=False)
    figures = fit_figures(table, out)
    note = (
        f"Search: {args.replicates} replicates at {args.scale:g} people/agent; "
        f"fit report: {args.final_replicates} replicates at {args.final_scale:g}."
    )
    write_parameters(
        Path(args.params_file),
        values,
        loss=float(best.value),
        trials=len(completed(study)),
        note=note,
    )
    print(markdown_table(groups))
    print(f"wrote {out / 'fit.csv'}, {len(figures)} figures, {args.params_file}")
    if args.docs:
        summary = (
            f"Best search loss {best.value:.4f} after {len(completed(study))} trials. "
            f"{note}\n\n{markdown_table(groups)}"
        )
        _refresh_docs(Path(args.docs), summary, table, values, figures)
    return 0


def _refresh_docs(
    doc: Path, summary: str, table: pd.DataFrame, values: dict[str, float], figures: list[Path]
) -> None:
    """Copy figures next to the document and refresh its generated sections."""
    import pandas as pd

    from flowsim.calibration.report import markdown_table, update_document

    if not doc.exists():
        print(f"{doc} not found: document not refreshed", file=sys.stderr)
        return
    fig_dir = doc.parent / "figures" / "calibration"
    fig_dir.mkdir(parents=True, exist_ok=True)
    links = []
    for f in figures:
        shutil.copy2(f, fig_dir / f.name)
        links.append(f"![{f.stem}](figures/calibration/{f.name})")
    params = pd.DataFrame(
        {"parameter": list(values), "value": [f"{v:.4g}" for v in values.values()]}
    )
    shown = table.assign(log_error=table["log_error"].round(2))
    update_document(
        doc,
        {
            "fit-summary": summary,
            "fit-parameters": markdown_table(params),
            "fit-table": markdown_table(shown),
            "fit-figures": "\n\n".join(links),
        },
    )
