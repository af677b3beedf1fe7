"""``flowsim compare``: compare the scenarios of a results folder and write a report."""

from __future__ import annotations

import argparse
import json
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``compare`` command to the ``flowsim`` parser."""
    parser = subparsers.add_parser(
        "compare",
        help="compare scenarios in a results folder and write a report",
        description=(
            "Compare every scenario of a results folder with the baseline (paired by "
            "replicate) and write summary.csv, summary.md, figures and a self-contained "
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
    parser.add_argument("--out", metavar="DIR", help="report folder (default: RESULTS_DIR/report)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Write the report; return the exit status."""
    from flowsim.analysis.load import load_results
    from flowsim.analysis.metrics import get_metric
    from flowsim.analysis.report import build_report

    for name in args.metrics or []:
        get_metric(name)  # reject a bad name before reading anything
    folder = Path(args.results_dir)
    with _reading(folder):
        frames = load_results(args.results_dir)
    out = Path(args.out) if args.out else Path(args.results_dir) / "report"
    report = build_report(frames, out, baseline=args.baseline, metrics=args.metrics)
    print(report.answer)
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
