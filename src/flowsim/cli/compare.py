"""``flowsim compare``: compare the scenarios of a results folder and write a report."""

from __future__ import annotations

import argparse
import json
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``compare`` command to the ``flowsim`` parser."""
    parser = subparsers.add_parser(
        "compare",
        help="compare scenarios in a results folder and write a report",
        description=(
            "Compare every scenario of a results folder with the baseline (paired by "
            "replicate, at the same grid point) over the policy window and write "
            "summary.csv, breakdown CSV files, summary.md, figures and a self-contained "
            "report.html."
        ),
    )
    parser.add_argument("results_dir", metavar="RESULTS_DIR", help="a results folder")
    parser.add_argument(
        "--baseline", default="baseline", help="scenario to compare with (default: baseline)"
    )
    parser.add_argument(
        "--metric",
        action="append",
        dest="metrics",
        metavar="NAME",
        help=(
            "metric to report; repeat for several, the first is the headline "
            "(default: onward_moves, then every other metric)"
        ),
    )
    parser.add_argument(
        "--period",
        metavar="START:END",
        help=(
            "months to compare, e.g. 2025-01:2030-12 (default: from the first month any "
            "scenario's policies differ from the baseline's to the end of the run)"
        ),
    )
    parser.add_argument(
        "--experiment",
        metavar="FILE",
        help=(
            "the experiment file the sweep ran, to describe each scenario's policies "
            "(default: experiments/<experiment name>.toml when it exists)"
        ),
    )
    parser.add_argument("--out", metavar="DIR", help="report folder (default: RESULTS_DIR/report)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Write the report; return the exit status."""
    from flowsim.analysis.load import open_results
    from flowsim.analysis.metrics import get_metric
    from flowsim.analysis.periods import parse_range
    from flowsim.analysis.report import build_report

    for name in args.metrics or []:
        get_metric(name)  # reject a bad name before reading anything
    if args.period:
        parse_range(args.period.replace(":", "/"))
    folder = Path(args.results_dir)
    out = Path(args.out) if args.out else folder / "report"
    with _reading(folder):
        frames = open_results(args.results_dir)
        info = scenario_info(frames.manifest, args.experiment)
        report = build_report(
            frames, out, baseline=args.baseline, metrics=args.metrics, period=args.period, info=info
        )
    print(report.answer)
    print(f"period compared: {report.window.spec} ({report.window.reason})")
    print(f"wrote {len(report.files)} files to {report.out_dir} (open report.html)")
    return 0


def _reading(folder: Path) -> AbstractContextManager[object]:
    """Lock a results folder for reading and refuse it when a planned run is unusable.

    Folders written by ``flowsim run``/``sweep`` (their manifest lists the planned runs)
    must be complete and whole: a missing, failed or damaged run is named and the
    comparison refused, so replicates are never paired unevenly. Other folders of tables
    are read as they are.
    """
    from flowsim.results.lock import FolderLock
    from flowsim.results.verify import check_complete

    if not (folder / "manifest.json").is_file():
        return nullcontext()
    lock = FolderLock(folder, shared=True).acquire()
    try:
        try:
            manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            manifest = {"runs": []}  # unreadable: check_complete names the problem
        if not isinstance(manifest, dict) or "runs" in manifest:
            check_complete(folder)
    except BaseException:
        lock.release()
        raise
    return lock


def scenario_info(manifest: dict[str, Any], experiment: str | None) -> dict[str, Any] | None:
    """Each scenario label's description and policies, read from the experiment's files.

    Only scenarios whose files still hash to what the results record are described; the
    others are left out (the report then says "not recorded"). The manifest records, per
    label, the hash of the label's first run's scenario (with its parameter set applied in
    an experiment over an ensemble), so that is what is compared.

    Args:
        manifest: The results manifest.
        experiment: The experiment file, or ``None`` to look for
            ``experiments/<experiment name>.toml``.

    Returns:
        Label -> :class:`~flowsim.analysis.window.ScenarioInfo`, or ``None`` when the
        experiment file is not found.
    """
    from flowsim.analysis.window import ScenarioInfo
    from flowsim.errors import FlowsimError
    from flowsim.experiment import expand, load_experiment

    path = Path(experiment) if experiment else None
    name = (manifest.get("experiment") or {}).get("name") if manifest else None
    if path is None and isinstance(name, str):
        path = Path("experiments") / f"{name}.toml"
    if path is None or not path.is_file():
        return None
    try:
        plan = expand(load_experiment(path))
    except FlowsimError:
        return None
    recorded = manifest.get("scenarios") or {}
    out: dict[str, Any] = {}
    for spec in plan.runs:
        label = spec.scenario_label
        if label in out or recorded.get(label) != spec.scenario.content_hash():
            continue
        policies = [_policy_fields(p) for p in spec.scenario.policies]
        out[label] = ScenarioInfo(spec.scenario.description, policies)
    return out


def _policy_fields(policy: Any) -> dict[str, Any]:
    """Return a policy as its file states it: when and what, and settings off their default."""
    full = json.loads(policy.model_dump_json())
    stated = json.loads(policy.model_dump_json(exclude_defaults=True))
    when = {k: full.get(k) for k in ("name", "type", "description", "start", "end")}
    return {**when, **{k: v for k, v in stated.items() if k not in when}}
