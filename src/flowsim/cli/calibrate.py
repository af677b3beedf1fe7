"""``flowsim calibrate``: history matching of the baseline to 2015-2021 targets.

Runs (or continues) the waves in ``--out`` (see ``flowsim.calibration.history_matching``),
then writes the ensemble of non-implausible parameter sets (``--ensemble-file``), the
calibrated scenario layer (``--params-file``: the representative set as
``[parameters]``, the ensemble and its measured fit as ``[calibration]``), the fit report
(``fit.csv``, ``fit_groups.csv``, ``fit_<group>.png``, ``ranges.csv``) and the generated
parts of ``docs/calibration.md``. ``--report`` only rebuilds the outputs from what
``--out`` holds. Exit status 0, or 2 on invalid input.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import sys
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flowsim.cli.options import (
    count,
    half_fraction,
    positive_float,
    positive_int,
    seed,
    unit_fraction,
)
from flowsim.engine.executors import EXECUTORS

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from flowsim.calibration.history_matching import Problem
    from flowsim.calibration.space import FreeParameter


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``calibrate`` command."""
    p = sub.add_parser(
        "calibrate",
        help="history-match the baseline to 2015-2021 targets; write the ensemble (resumable)",
        description=(
            "History matching with Gaussian-process emulators, in waves; rerun with the same "
            "settings to continue. --report rebuilds the outputs from --out without running."
        ),
    )
    p.add_argument("--report", action="store_true", help="only rebuild outputs from --out")
    p.add_argument("--points", type=positive_int, default=60, help="wave-1 points (60)")
    p.add_argument(
        "--points-later", type=positive_int, default=40, help="points of later waves (40)"
    )
    p.add_argument("--replicates", type=positive_int, default=2, help="runs per point (2)")
    p.add_argument("--max-waves", type=positive_int, default=4, help="most waves (4)")
    p.add_argument("--cutoff", type=positive_float, default=3.0, help="implausibility cutoff")
    p.add_argument(
        "--kth", type=positive_int, default=2, help="k-th largest implausibility (2 = 2nd max)"
    )
    p.add_argument(
        "--discrepancy",
        type=positive_float,
        default=0.35,
        help="model discrepancy, relative sd (0.35)",
    )
    p.add_argument(
        "--shrink-stop",
        type=positive_float,
        default=0.9,
        help="stop when a wave keeps more than this share of the volume (0.9)",
    )
    p.add_argument(
        "--fallback-keep",
        type=float,
        default=0.1,
        help="share kept when no candidate passes the cutoff (0 = stop) (0.1)",
    )
    p.add_argument(
        "--rank",
        choices=("kth", "groups"),  # history_matching.RANKS (not imported: a slow import)
        default="kth",
        help=(
            "what 'least implausible' means when no candidate passes the cutoff, for the "
            "waves and the ensemble's fill: kth = the k-th largest implausibility, groups = "
            "each target group's root mean square implausibility, groups equal (kth)"
        ),
    )
    p.add_argument(
        "--n-sets", type=positive_int, default=100, help="validation points (ensemble <= this)"
    )
    p.add_argument(
        "--min-sets",
        type=positive_int,
        default=50,
        help="fewest sets in the ensemble; filled with the least implausible (flagged) (50)",
    )
    p.add_argument(
        "--validation-replicates", type=positive_int, default=1, help="runs per validation point"
    )
    p.add_argument(
        "--candidates", type=positive_int, default=20000, help="reference Latin hypercube size"
    )
    p.add_argument(
        "--scale", type=positive_float, default=5000.0, help="people per agent (default 5000)"
    )
    p.add_argument("--seed", type=seed, default=20150101, help="root seed (default 20150101)")
    p.add_argument("--scenario", default="baseline", help="scenario to calibrate (baseline)")
    p.add_argument(
        "--around",
        type=half_fraction,
        default=None,
        help="search only a box around the scenario's parameters: this share of each prior "
        "range on either side, on its search scale; fitted inputs keep their declared ranges "
        "(default: the whole prior)",
    )
    p.add_argument("--targets", default=None, help="targets CSV (default: the packaged table)")
    p.add_argument(
        "--inputs",
        default=None,
        help=(
            "calibration inputs file: scenario inputs whose strengths the matching varies "
            "with the parameters (default: scenarios/calibration/inputs.toml when it exists; "
            "'' = none; see flowsim.calibration.inputs)"
        ),
    )
    p.add_argument("--executor", choices=EXECUTORS, default="processes", help="executor")
    p.add_argument("--workers", type=positive_int, default=None, help="worker processes")
    p.add_argument("--scheduler", default=None, help="Dask scheduler address (with dask)")
    p.add_argument("--out", default="results/calibration", help="calibration folder")
    p.add_argument(
        "--ensemble-file",
        default="scenarios/calibration/ensemble.csv",
        help="where the ensemble goes ('' = not written)",
    )
    p.add_argument(
        "--params-file",
        default="scenarios/calibration/baseline_parameters.toml",
        help="where the calibrated layer goes ('' = not written)",
    )
    p.add_argument(
        "--parameters",
        choices=("best-set", "keep", "refined"),
        default="best-set",
        help=(
            "[parameters] of the layer: the ensemble set with the smallest own error "
            "(best-set), the values the layer already has (keep), or the result of "
            "--refine (refined) (default best-set)"
        ),
    )
    p.add_argument(
        "--refine",
        type=count,
        default=0,
        metavar="N",
        help=(
            "after history matching, refine one point (see --refine-from) by a compass "
            "search on the calibration loss, running at most N points (0 = no refinement; "
            "resumable in OUT/refine)"
        ),
    )
    p.add_argument(
        "--refine-from",
        choices=("best-set", "scenario"),
        default="best-set",
        help=(
            "where --refine starts: the history-matching set with the smallest own error "
            "(best-set) or the scenario's current parameters (scenario) (default best-set)"
        ),
    )
    p.add_argument(
        "--refine-step", type=unit_fraction, default=0.125, help="first step, unit cube (0.125)"
    )
    p.add_argument(
        "--fix",
        default="b_int",
        help="comma-separated free parameters --refine keeps at their value (default b_int)",
    )
    p.add_argument(
        "--guard",
        default="all",
        help=(
            "direction checks the --refine result must keep, comma-separated: "
            "integration, regularization, mexico_visa, all or none (default all); a step "
            "that breaks one is walked back (see docs/calibration.md)"
        ),
    )
    p.add_argument(
        "--guard-scenarios",
        default="scenarios",
        help=(
            "folder of the scenario files the direction checks run (scenarios): its "
            "baseline.toml and policy scenarios, with the point's parameters set"
        ),
    )
    p.add_argument("--docs", default="docs/calibration.md", help="document to refresh ('' = none)")
    p.set_defaults(func=run)


def _settings(args: argparse.Namespace) -> object:
    from flowsim.calibration.history_matching import Settings

    return Settings(
        points=args.points,
        points_later=args.points_later,
        replicates=args.replicates,
        max_waves=args.max_waves,
        cutoff=args.cutoff,
        kth=args.kth,
        discrepancy=args.discrepancy,
        shrink_stop=args.shrink_stop,
        fallback_keep=args.fallback_keep,
        rank=args.rank,
        n_sets=args.n_sets,
        validation_replicates=args.validation_replicates,
        candidates=args.candidates,
        scale=args.scale,
        seed=args.seed,
        around=args.around,
    )


def _scenario_point(problem: Problem) -> dict[str, float]:
    """Return the scenario's value of each free parameter and input (where a search is centred)."""
    from flowsim.scenario.ensemble import scenario_value

    return {p.name: scenario_value(problem.base, p.name) for p in problem.space}


def _say_inputs(space: Sequence[FreeParameter]) -> None:
    """Print which scenario inputs the command varies (they may come from a default file)."""
    from flowsim.scenario.ensemble import is_input

    names = [p.name for p in space if is_input(p.name)]
    if names:
        print(f"fitted inputs ({len(names)}): {', '.join(names)}", flush=True)


def _problem(args: argparse.Namespace, targets: pd.DataFrame) -> Problem:
    """Return the calibration problem: the scenario, the targets, parameters and inputs.

    Raises:
        ValueError: One line naming the inputs file and the input at fault.
    """
    from flowsim.calibration.history_matching import Problem
    from flowsim.calibration.inputs import resolve_inputs
    from flowsim.scenario.load import load_scenario

    base = load_scenario(args.scenario, search_dirs=[Path("scenarios")])
    problem = Problem(base, targets)
    return replace(problem, space=(*problem.space, *resolve_inputs(args.inputs, base)))


def _search_space(args: argparse.Namespace, problem: Problem) -> Sequence[FreeParameter]:
    """Return the space to match: the whole prior, or with ``--around`` the box.

    The box is centred on the scenario's parameters when a matching starts; a rerun into
    an ``--out`` that a matching with the same ``--around`` began reuses the saved box, so
    it continues even after the calibrated layer (and so the scenario) has changed.
    """
    from flowsim.calibration.space import FreeParameter, local_box
    from flowsim.scenario.ensemble import is_input

    if args.around is None:
        return problem.space
    saved = Path(args.out) / "settings.json"
    if saved.exists():
        old = json.loads(saved.read_text(encoding="utf-8"))
        if old.get("around") == args.around and old.get("space"):
            box = tuple(FreeParameter(**p) for p in old["space"])
            _same_names(box, problem.space, Path(args.out))
            # the parameters' saved box; the inputs as their file declares them now (a
            # changed range is then a changed space, which the matching refuses to continue)
            return tuple(
                q if is_input(q.name) else b for b, q in zip(box, problem.space, strict=True)
            )
    return local_box(problem.space, _scenario_point(problem), args.around)


def _same_names(saved: Sequence[FreeParameter], now: Sequence[FreeParameter], out: Path) -> None:
    """Refuse to continue a matching whose parameters and inputs are not the ones asked for.

    Raises:
        ValueError: One line saying what the saved space has or lacks, and what to do.
    """
    had, has = [p.name for p in saved], [p.name for p in now]
    if had == has:
        return
    extra = [n for n in had if n not in has]
    missing = [n for n in has if n not in had]
    parts = []
    if extra:
        parts.append(f"it also varies {', '.join(extra)}")
    if missing:
        parts.append(f"it lacks {', '.join(missing)}")
    what = "; ".join(parts) or "its order differs"
    raise ValueError(
        f"{out} holds a matching over other parameters and inputs ({what}); continue it with "
        "the --inputs it was started with (--inputs '' for none) or use another --out folder"
    )


def run(args: argparse.Namespace) -> int:
    """Run (or continue) the calibration, then write the ensemble, layer and report."""
    from flowsim.calibration.history_matching import observations_digest, run_history_matching
    from flowsim.calibration.targets import load_targets
    from flowsim.engine.executors import open_pool

    out = Path(args.out)
    try:  # before any run: a bad --guard changes nothing
        _guard_checks(args.guard)
    except ValueError as exc:
        print(f"flowsim calibrate: --guard: {exc}", file=sys.stderr)
        return 2
    try:
        targets = load_targets(args.targets)
    except (OSError, ValueError) as exc:
        where = args.targets or "the packaged targets.csv"
        print(f"flowsim calibrate: {where}: {exc}", file=sys.stderr)
        return 2
    if not args.report:
        try:
            problem = _problem(args, targets)
            problem = replace(problem, space=_search_space(args, problem))
        except ValueError as exc:
            print(f"flowsim calibrate: {exc}", file=sys.stderr)
            return 2
        _say_inputs(problem.space)
        try:
            with open_pool(args.executor, args.workers, args.scheduler) as pool:
                run_history_matching(
                    problem,
                    _settings(args),  # type: ignore[arg-type]
                    out,
                    pool.executor,
                    on_progress=lambda line: (
                        print(line, flush=True) if line.startswith("wave") else None
                    ),
                )
        except ValueError as exc:
            print(f"flowsim calibrate: {exc}", file=sys.stderr)
            return 2
    elif not (out / "validation" / "judged.csv").exists():
        print(f"flowsim calibrate: {out} holds no finished calibration", file=sys.stderr)
        return 2
    else:  # before any refinement: the report must be able to read these runs
        saved = json.loads((out / "settings.json").read_text(encoding="utf-8"))
        if saved.get("targets") != targets["target_id"].tolist():
            print(
                f"flowsim calibrate: {out} was calibrated against another targets table; "
                "rerun history matching into another --out folder",
                file=sys.stderr,
            )
            return 2
        if "observations" in saved and saved["observations"] != observations_digest(targets):
            print(
                f"flowsim calibrate: {out} was calibrated against other observations (the "
                "targets' figures, bounds, weights, errors, observation rows or the crossers "
                "the model does not simulate); rerun history matching into another --out folder",
                file=sys.stderr,
            )
            return 2
    if args.refine > 0:
        code = _refine(args, targets)
        if code:
            return code
    if args.parameters == "refined":
        from flowsim.calibration.refine import read_result

        result = read_result(out / "refine")
        if result is None:
            print(
                f"flowsim calibrate: --parameters refined: {out / 'refine'} holds no finished "
                "refinement (run with --refine N)",
                file=sys.stderr,
            )
            return 2
        try:
            moved = _inputs_unlike_scenario(
                args, {n: float(v) for n, v in result["refined"].items()}
            )
        except (KeyError, TypeError) as exc:
            print(f"flowsim calibrate: --parameters refined: {exc.args[0]}", file=sys.stderr)
            return 2
        if moved:  # before anything is written
            print(
                "flowsim calibrate: --parameters refined: the refined point's inputs differ "
                f"from the scenario's ({moved}); a layer holds parameters only, so its fit "
                "would not be the baseline's: set them in the scenario file, then rerun "
                "--report --parameters refined",
                file=sys.stderr,
            )
            return 2
    return write_outputs(args, targets)


def _refine(args: argparse.Namespace, targets: pd.DataFrame) -> int:
    """Run (or continue) ``--refine`` from the best set or the scenario (``--refine-from``)."""
    from flowsim.calibration.refine import RefineSettings, refine
    from flowsim.engine.executors import open_pool

    try:
        problem = _problem(args, targets)
    except ValueError as exc:
        print(f"flowsim calibrate: {exc}", file=sys.stderr)
        return 2
    start = _scenario_point(problem)
    fixed = tuple(n.strip() for n in args.fix.split(",") if n.strip())
    if args.refine_from == "best-set":  # held parameters keep the scenario's value
        _, chosen, _, _ = _choose_sets(Path(args.out), targets, args.min_sets, warn=False)
        best = chosen.iloc[0]
        start = {n: float(best[n]) if n in best and n not in fixed else v for n, v in start.items()}
    settings = RefineSettings(
        guard=_guard_checks(args.guard),  # checked in run() before anything ran
        guard_scenarios=str(Path(args.guard_scenarios)),
        evaluations=args.refine,
        step=args.refine_step,
        replicates=args.replicates,
        validation_replicates=max(args.validation_replicates, 4),
        scale=args.scale,
        seed=args.seed,
        fixed=fixed,
    )
    try:
        with open_pool(args.executor, args.workers, args.scheduler) as pool:
            result = refine(
                problem,
                settings,
                Path(args.out) / "refine",
                start,
                pool.executor,
                on_progress=lambda line: print(line, flush=True),
            )
    except ValueError as exc:
        print(f"flowsim calibrate: {exc}", file=sys.stderr)
        return 2
    print(
        f"refine: loss {result['validated_loss_start']:.4f} -> "
        f"{result['validated_loss_refined']:.4f} on {settings.validation_replicates} fresh "
        f"seeds ({result['evaluations']} points, stop: {result['stop']})"
    )
    guarded = result.get("guard")
    if isinstance(guarded, dict):
        print(
            f"refine: direction checks ({', '.join(guarded['checks'])}) keep step "
            f"{guarded['kept_step']} of {guarded['steps']}"
            + ("" if guarded["start_passed"] is not False else "; the start fails them too")
        )
    return 0


def _guard_checks(text: str) -> tuple[str, ...]:
    """Return the direction checks named by ``--guard`` (``all``, ``none`` or a list)."""
    from flowsim.calibration.directions import CHECKS

    names = [n.strip() for n in text.split(",") if n.strip()]
    if names == ["all"]:
        return tuple(CHECKS)
    if names in ([], ["none"]):
        return ()
    unknown = [n for n in names if n not in CHECKS]
    if unknown:
        alone = " ('all' and 'none' stand alone)" if {"all", "none"} & set(unknown) else ""
        raise ValueError(
            f"unknown check {', '.join(unknown)}{alone}; allowed: {', '.join(CHECKS)}, all, none"
        )
    return tuple(names)


def _validation_runs(out: Path, targets: pd.DataFrame, n_points: int, reps: int) -> np.ndarray:
    import numpy as np

    from flowsim.calibration.history_matching import read_runs

    ids = targets["target_id"].tolist()
    runs = read_runs(out / "validation" / "runs.csv", ids)
    sims = np.full((n_points, reps, len(ids)), np.nan)
    for _, row in runs.iterrows():
        sims[int(row["point"]), int(row["replicate"])] = row[ids].to_numpy(dtype=float)
    return sims


def _choose_sets(
    out: Path, targets: pd.DataFrame, min_sets: int, *, warn: bool = True
) -> tuple[dict, pd.DataFrame, int, np.ndarray]:
    """Choose the ensemble: validated non-implausible sets, topped up to ``min_sets``.

    Returns ``(settings, chosen, n_ok, sims)``: the calibration's settings, the chosen
    sets (best first: non-implausible, then by own error ``male``), how many are
    non-implausible, and the validation runs ``(point, replicate, target)``.
    """
    import pandas as pd

    from flowsim.calibration.report import ensemble_fit_table, male_by_group

    settings = json.loads((out / "settings.json").read_text(encoding="utf-8"))
    scale = float(settings["scale"])
    judged = pd.read_csv(out / "validation" / "judged.csv")
    sims = _validation_runs(out, targets, len(judged), int(settings["validation_replicates"]))
    # each set's own fit (mean absolute log error of its replicate mean, groups equal)
    per_set = []
    for i in range(len(judged)):
        table = ensemble_fit_table(targets, sims[i : i + 1], scale)
        per_set.append(float(male_by_group(table)["overall"]))
    judged["male"] = per_set
    chosen = judged[judged["non_implausible"]].copy()
    n_ok = len(chosen)
    if n_ok < min_sets:
        # the least implausible by the calibration's own measure (Settings.rank; a folder
        # saved before the setting existed ranked by the kth largest)
        measure = "group" if settings.get("rank", "kth") == "groups" else "kth"
        rest = judged[~judged["non_implausible"]].sort_values(f"{measure}_implausibility")
        chosen = pd.concat([chosen, rest.head(min_sets - n_ok)])
        if warn:
            print(
                f"warning: {n_ok} validated non-implausible sets (< --min-sets {min_sets}); "
                f"the ensemble adds the {len(chosen) - n_ok} least implausible, flagged "
                "non_implausible = false",
                file=sys.stderr,
            )
    chosen = chosen.sort_values(["non_implausible", "male"], ascending=[False, True])
    return settings, chosen, n_ok, sims


def write_outputs(args: argparse.Namespace, targets: pd.DataFrame) -> int:
    """Build the ensemble, the calibrated layer, the fit report and the document."""
    import pandas as pd

    from flowsim.calibration.report import (
        ensemble_fit_table,
        fit_figures,
        male_by_group,
        markdown_table,
        write_parameters,
    )
    from flowsim.calibration.space import FREE_PARAMETERS
    from flowsim.scenario.ensemble import write_ensemble

    out = Path(args.out)
    settings, chosen, n_ok, sims = _choose_sets(out, targets, args.min_sets)
    scale = float(settings["scale"])
    names = [p["name"] for p in settings["space"]] or [p.name for p in FREE_PARAMETERS]
    idx = chosen["point"].to_numpy(dtype=int)
    table = ensemble_fit_table(targets, sims[idx], scale)
    groups = male_by_group(table)
    groups_c1 = male_by_group(table, "log_error_c1")
    table.to_csv(out / "fit.csv", index=False, float_format="%.6g")
    misfits = _misfits(targets, table, sims[idx], settings)
    misfits.to_csv(out / "misfits.csv", index=False, float_format="%.6g")
    summary = pd.DataFrame(
        {"group": groups.index, "male": groups.to_numpy(), "male_c1": groups_c1.to_numpy()}
    )
    summary.to_csv(out / "fit_groups.csv", index=False, float_format="%.4f")
    figures = fit_figures(
        table.rename(
            columns={
                "ensemble_median": "simulated_mean",
                "ensemble_p05": "simulated_p05",
                "ensemble_p95": "simulated_p95",
            }
        ),
        out,
    )
    best = chosen.iloc[0]
    values = {n: float(best[n]) for n in names}
    sets = [{n: float(r[n]) for n in names} for _, r in chosen.iterrows()]
    meta = chosen.assign(wave=0)[
        ["wave", "point", "max_implausibility", "second_implausibility", "male", "non_implausible"]
    ]
    command = f"flowsim calibrate --report --out {args.out}"
    if args.parameters != "best-set":  # rerunning the measurement must not change the layer
        command += f" --parameters {args.parameters}"
    calibration = {
        "name": "targets_2015_2021",
        "method": "history_matching",
        "ensemble": "ensemble.csv",
        "n_sets": len(chosen),
        "n_non_implausible": n_ok,
        "fit_male_overall": round(float(groups["overall"]), 4),
        "measured_by": command,
        "fit_male_by_group": {g: round(float(v), 4) for g, v in groups.drop("overall").items()},
    }
    if args.ensemble_file:
        path = write_ensemble(args.ensemble_file, sets, meta)
        print(f"wrote {path} ({len(sets)} sets, {n_ok} validated non-implausible)")
    how = "History matching"
    if settings.get("around") is not None:
        how = f"Local history matching (--around {settings['around']})"
    if args.params_file:
        params = Path(args.params_file)
        if args.ensemble_file:
            ens = Path(args.ensemble_file).resolve()
            calibration["ensemble"] = Path(os.path.relpath(ens, params.resolve().parent)).as_posix()
        else:
            calibration.pop("ensemble")
        note = (
            f"{how}, {len(chosen)} sets ({n_ok} validated non-implausible); "
            f"[parameters] = the set with the smallest own error (point {int(best['point'])}); "
            f"runs at {scale:g} people/agent."
        )
        if args.parameters == "refined":
            from flowsim.calibration.refine import read_result

            refined: dict[str, Any] = read_result(out / "refine") or {}  # checked in run()
            values = {n: float(v) for n, v in refined["refined"].items()}  # checked in run()
            calibration["refined_points"] = int(refined["evaluations"])
            calibration["refined_male_before"] = round(float(refined["validated_loss_start"]), 4)
            calibration["refined_male_after"] = round(float(refined["validated_loss_refined"]), 4)
            calibration["refined_male_by_group"] = {
                g: round(float(v), 4) for g, v in refined["validated_groups_refined"].items()
            }
            calibration["point_male"] = calibration["refined_male_after"]
            calibration["point_male_by_group"] = calibration["refined_male_by_group"]
            # what the refinement started from and held is in its own record, not in the
            # options of this (report-only) invocation
            record = json.loads((out / "refine" / "refine.json").read_text(encoding="utf-8"))
            held = ",".join(record.get("settings", {}).get("fixed", [])) or "none"
            note = (
                f"{how}, {len(chosen)} sets ({n_ok} validated non-implausible); "
                f"[parameters] = a compass-search refinement ({int(refined['evaluations'])} "
                f"points; held: {held}; start: {out / 'refine' / 'refine.json'}); "
                f"runs at {scale:g} people/agent."
            )
        elif args.parameters == "keep" and params.exists():
            layer = _read_layer(params)
            values = {k: float(v) for k, v in layer.get("parameters", {}).items()}
            calibration.update(
                _point_fit(out / "refine", {**values, **_scenario_inputs(args, names)})
                or _kept_point_fit(layer.get("calibration", {}))
            )
            note = (
                f"{how}, {len(chosen)} sets ({n_ok} validated non-implausible); "
                "[parameters] kept as they were (--parameters keep), not an ensemble set; "
                f"runs at {scale:g} people/agent."
            )
        values, fitted_inputs = _split_inputs(values)
        if fitted_inputs and args.parameters == "best-set":  # refined ones equal the scenario's
            shown = ", ".join(f"{k} = {v:.6g}" for k, v in fitted_inputs.items())
            note += f" Fitted inputs of that point, not in the layer: {shown}."
            print(
                f"note: the layer holds parameters only; the point's fitted inputs ({shown}) "
                "are in the ensemble, and the scenario file keeps its own values",
                file=sys.stderr,
            )
        write_parameters(
            params,
            {**_held_outside_space(params, names), **values},
            note=note,
            calibration=calibration,
            keep_comments=args.parameters == "keep",
        )
        print(f"wrote {params}")
    print(markdown_table(summary))
    record = pd.read_csv(out / "record.csv")
    ranges = _ensemble_ranges(pd.read_csv(out / "ranges.csv"), chosen)
    ranges.to_csv(out / "ranges.csv", index=False, float_format="%.6g")
    if args.docs:
        _refresh_docs(
            Path(args.docs),
            settings,
            record,
            ranges,
            summary,
            table,
            figures,
            n_ok=n_ok,
            n_sets=len(chosen),
            n_points=len(sims),
            command=command,
            misfits=misfits,
        )
    return 0


def _misfits(
    targets: pd.DataFrame, table: pd.DataFrame, sims: np.ndarray, settings: dict[str, Any]
) -> pd.DataFrame:
    """Return the targets implausible in most of the chosen sets, on the sets' own runs.

    "Most" is ``report.MISFIT_SHARE`` of the sets.

    With one validation run per set the run-to-run variance is left out (the report has no
    emulator to predict it), which can only lengthen the list.
    """
    import pandas as pd

    from flowsim.calibration.history_matching import run_implausibility
    from flowsim.calibration.report import misfits_everywhere

    fitted = (targets["weight"] > 0).to_numpy()
    imp = run_implausibility(
        targets[fitted].reset_index(drop=True),
        sims[:, :, fitted],
        float(settings["scale"]),
        float(settings["discrepancy"]),
    )
    frame = pd.DataFrame(imp, columns=targets.loc[fitted, "target_id"].tolist())
    return misfits_everywhere(table, frame, float(settings["cutoff"]))


def _ensemble_ranges(ranges: pd.DataFrame, chosen: pd.DataFrame) -> pd.DataFrame:
    """Recompute the ensemble columns of ``ranges.csv`` over the sets actually chosen."""
    import numpy as np

    from flowsim.calibration.space import FreeParameter

    out = ranges.copy()
    for i, row in out.iterrows():
        p = FreeParameter(
            row["parameter"], row["prior_low"], row["prior_high"], bool(row["log_scale"])
        )
        vals = chosen[p.name].to_numpy(dtype=float)
        u = p.to_unit(vals)
        out.loc[i, "ensemble_p05"] = float(np.quantile(vals, 0.05))
        out.loc[i, "ensemble_median"] = float(np.median(vals))
        out.loc[i, "ensemble_p95"] = float(np.quantile(vals, 0.95))
        out.loc[i, "share_of_prior"] = float(np.quantile(u, 0.95) - np.quantile(u, 0.05))
    return out


def _point_fit(folder: Path, values: dict[str, float]) -> dict[str, Any]:
    """Return the fresh-seed loss of ``values`` if the refinement in ``folder`` began there.

    A refinement validates its start on fresh seeds; when that start is the layer's kept
    ``[parameters]`` (every value equal to 5 significant digits), its loss is the point's
    own fit. Empty otherwise.
    """
    from flowsim.calibration.refine import read_result

    result = read_result(folder)
    if not result or "validated_loss_start" not in result:
        return {}
    start = {k: float(v) for k, v in result.get("start", {}).items()}
    same = bool(start) and all(
        k in values and math.isclose(values[k], v, rel_tol=1e-4, abs_tol=1e-9)
        for k, v in start.items()
    )
    if not same:
        return {}
    return {
        "point_male": round(float(result["validated_loss_start"]), 4),
        "point_male_by_group": {
            g: round(float(v), 4) for g, v in result.get("validated_groups_start", {}).items()
        },
    }


def _read_layer(params: Path) -> dict[str, Any]:
    """Return the calibrated layer's TOML as a dict; empty when it does not exist yet."""
    import tomllib

    return tomllib.loads(params.read_text(encoding="utf-8")) if params.exists() else {}


def _scenario_inputs(args: argparse.Namespace, names: Sequence[str]) -> dict[str, float]:
    """Return the scenario's values of the inputs among ``names`` (none: no scenario read)."""
    from flowsim.scenario.ensemble import is_input, scenario_value
    from flowsim.scenario.load import load_scenario

    keys = [n for n in names if is_input(n)]
    if not keys:
        return {}
    base = load_scenario(args.scenario, search_dirs=[Path("scenarios")])
    return {k: scenario_value(base, k) for k in keys}


def _inputs_unlike_scenario(args: argparse.Namespace, values: Mapping[str, float]) -> str:
    """Name the inputs of a point whose values differ from the scenario's ('' when none)."""
    own = _scenario_inputs(args, list(values))
    return ", ".join(
        f"{k}: scenario {own[k]:.6g}, point {values[k]:.6g}"
        for k in own
        if not math.isclose(own[k], values[k], rel_tol=1e-4, abs_tol=1e-9)
    )


def _split_inputs(values: Mapping[str, float]) -> tuple[dict[str, float], dict[str, float]]:
    """Split a point into its parameters and its fitted scenario inputs (``policies.*``).

    A scenario layer sets parameters only (the policies are the scenario file's), so the
    inputs of a written point are reported, not written.
    """
    from flowsim.scenario.ensemble import is_input

    params = {k: v for k, v in values.items() if not is_input(k)}
    return params, {k: v for k, v in values.items() if is_input(k)}


def _held_outside_space(params: Path, names: Sequence[str]) -> dict[str, float]:
    """Return the layer's ``[parameters]`` that calibration does not vary.

    Every run of the calibration used them (the runs extend the baseline, which extends
    this layer), so the written layer keeps them whatever point it records. Empty when
    the layer does not exist yet.
    """
    free = set(names)
    layer = _read_layer(params)
    return {k: float(v) for k, v in layer.get("parameters", {}).items() if k not in free}


def _kept_point_fit(old: Mapping[str, Any]) -> dict[str, Any]:
    """Return the layer's recorded fit of its own ``[parameters]`` (``--parameters keep``).

    The values are kept unchanged, so the fresh-seed loss the layer already records for them
    (``point_male``, ``point_male_by_group`` and how it was measured, ``point_measured_by``)
    still describes them when this calibration folder holds no refinement that started
    there, as long as the model and targets have not changed since it was measured (the
    layer cannot tell: re-measure after such a change and record how). Empty if the layer
    records none.
    """
    if "point_male" not in old:
        return {}
    kept: dict[str, Any] = {
        "point_male": float(old["point_male"]),
        "point_male_by_group": dict(old.get("point_male_by_group", {})),
    }
    if old.get("point_measured_by"):
        kept["point_measured_by"] = str(old["point_measured_by"])
    return kept


def _refresh_docs(
    doc: Path,
    settings: dict,
    record: pd.DataFrame,
    ranges: pd.DataFrame,
    summary: pd.DataFrame,
    table: pd.DataFrame,
    figures: list[Path],
    *,
    n_ok: int,
    n_sets: int,
    n_points: int,
    command: str,
    misfits: pd.DataFrame,
) -> None:
    """Copy figures next to the document and refresh its generated sections."""
    from flowsim.calibration.report import (
        MISFIT_SHARE,
        headline_parts,
        markdown_table,
        update_document,
    )

    if not doc.exists():
        print(f"{doc} not found: document not refreshed", file=sys.stderr)
        return
    fig_dir = doc.parent / "figures" / "calibration"
    fig_dir.mkdir(parents=True, exist_ok=True)
    links = []
    for f in figures:
        shutil.copy2(f, fig_dir / f.name)
        links.append(f"![{f.stem}](figures/calibration/{f.name})")
    keys = ("points", "points_later", "replicates", "cutoff", "kth", "discrepancy", "scale")
    text = ", ".join(f"{k} {settings[k]}" for k in keys)
    if settings.get("rank", "kth") != "kth":  # the least implausible by another measure
        text += f", rank {settings['rank']} (least implausible by the group measure)"
    if settings.get("around") is not None:  # a local matching: say so wherever it is quoted
        text += f", around {settings['around']} (a box around the scenario's parameters)"
    shown = table.assign(
        log_error=table["log_error"].round(2), log_error_c1=table["log_error_c1"].round(2)
    )
    rng = ranges.assign(share_of_prior=ranges["share_of_prior"].round(2))
    skipped = update_document(
        doc,
        {
            "hm-record": (
                f"Settings: {text}.\n\n{markdown_table(record)}\n\n"
                f"Validation: {n_points} points of the final space run; {n_ok} are "
                f"non-implausible on their actual runs; the ensemble holds {n_sets} sets."
            ),
            "fit-summary": (
                f"Measured by `{command}` (ensemble median; `male` with c = people per agent, "
                f"`male_c1` with c = 1).\n\n{markdown_table(summary)}"
            ),
            "fit-ranges": markdown_table(rng),
            "fit-table": markdown_table(shown),
            "fit-largest": markdown_table(
                headline_parts(table, top=15).assign(log_error=lambda f: f["log_error"].round(2))
            ),
            "fit-figures": "\n\n".join(links),
            "fit-misfits": (
                f"{len(misfits)} targets are implausible (I > {settings['cutoff']}, the "
                f"matching's cutoff) in at least {MISFIT_SHARE:.0%} of the {n_sets} sets, on "
                f"each set's own validation runs ({settings['validation_replicates']} per "
                "set; with one, the run-to-run variance is left out).\n\n"
                + markdown_table(
                    misfits.assign(
                        log_error=misfits["log_error"].round(2),
                        median_implausibility=misfits["median_implausibility"].round(2),
                    )
                )
            ),
        },
        # fit-largest added in the twenty-first pass, fit-misfits in the twenty-second
        optional=frozenset({"fit-largest", "fit-misfits"}),
    )
    for name in skipped:
        print(
            f"{doc}: no <!-- {name}:start --> / <!-- {name}:end --> markers: that table is "
            "left out (add the markers to have it)",
            file=sys.stderr,
        )
