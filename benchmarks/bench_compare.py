"""Peak memory and wall time of ``flowsim compare`` and of the comparison notebook.

Each is run in a fresh child process, so the peak resident set size (``ru_maxrss`` of the
finished children, which includes the notebook's kernel) is theirs alone. Run after the main
sweep has written its results::

    flowsim sweep experiments/policy_comparison.toml --out results/policy_comparison
    python benchmarks/bench_compare.py results/policy_comparison

Prints one line per step; the README quotes the figures. Not a test: the limit it checks
(1 GB) is reported, never asserted.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LIMIT_MB = 1024.0

_NOTEBOOK = """
import sys
import nbformat
from nbclient import NotebookClient
nb = nbformat.read(sys.argv[1], as_version=4)
NotebookClient(nb, timeout=1800, kernel_name="python3",
               resources={"metadata": {"path": sys.argv[2]}}).execute()
"""


def measure(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Run ``command`` in a child process; return (wall seconds, peak RSS in MB)."""
    start = time.perf_counter()
    subprocess.run(command, check=True, env=env, stdout=subprocess.DEVNULL)
    seconds = time.perf_counter() - start
    return seconds, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def main() -> None:
    """Measure the step named on the command line (each in its own process tree)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", type=Path, help="a results folder (the 120-run comparison)")
    parser.add_argument(
        "--step", choices=("compare", "notebook", "both"), default="both", help="what to run"
    )
    args = parser.parse_args()
    if args.step == "both":
        for step in ("compare", "notebook"):
            subprocess.run(
                [sys.executable, __file__, str(args.results), "--step", step], check=True
            )
        return
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "MPLBACKEND": "Agg"}
    with tempfile.TemporaryDirectory() as tmp:
        if args.step == "compare":
            command = [
                sys.executable, "-m", "flowsim.cli.main", "compare", str(args.results),
                "--out", tmp,
            ]  # fmt: skip
        else:
            env["FLOWSIM_RESULTS"] = str(args.results.resolve())
            notebook = ROOT / "notebooks" / "compare_scenarios.ipynb"
            command = [sys.executable, "-c", _NOTEBOOK, str(notebook), str(notebook.parent)]
        seconds, peak = measure(command, env)
    verdict = "under" if peak < LIMIT_MB else "OVER"
    print(
        f"{args.step}: peak RSS {peak:,.0f} MB ({verdict} the {LIMIT_MB:,.0f} MB limit), "
        f"{seconds:,.1f} s"
    )


if __name__ == "__main__":
    main()
