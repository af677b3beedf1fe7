"""Side-by-side benchmark of flowsim and Flee 3.1 on the same corridor (see README.md).

For each agent count, the two models run alternately (flowsim, flee, flowsim, flee, ...), each
measurement in a fresh child process with its own interpreter: flowsim with the project's venv,
Flee with the benchmark's venv (Flee is not a flowsim dependency). Throughput is agent-steps per
second of the step loop (set-up excluded); peak memory is the child's peak RSS, read from the
kernel's accounting of that child (``os.wait4``). Installs nothing.

The last stdout line is one JSON object. With one ``--agents`` value its fields are scalars;
with several, every per-size field is a list aligned with ``agents`` and ``runs`` holds the
per-size objects.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
SIDES = ("flowsim", "flee")


def machine_info() -> dict:
    """CPU model, logical CPUs and date, for the README table."""
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "nproc": os.cpu_count(),
        "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "platform": platform.platform(),
    }


def run_child(cmd: list[str]) -> dict:
    """Run one measurement; return its JSON report plus the child's peak RSS (MB)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, cwd=REPO)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode(errors="replace")
        stderr = err.read().decode(errors="replace")
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited with {proc.returncode}:\n{stderr[-3000:]}")
    lines = [ln for ln in stdout.splitlines() if ln.strip()]
    report = json.loads(lines[-1])
    report["peak_rss_mb"] = round(usage.ru_maxrss / 1024, 1)  # Linux: KiB
    return report


def side_command(side: str, args: argparse.Namespace, agents: int, steps: int) -> list[str]:
    script = HERE / f"{side}_side.py"
    python = args.flowsim_python if side == "flowsim" else args.flee_python
    cmd = [
        str(python),
        str(script),
        "--agents",
        str(agents),
        "--steps",
        str(steps),
        "--seed",
        str(args.seed),
    ]
    if side == "flowsim" and args.flowsim_arrays_only:
        cmd.append("--arrays-only")
    return cmd


def flee_steps_for(args: argparse.Namespace, agents: int) -> int:
    if args.flee_max_agents is not None and agents > args.flee_max_agents:
        return args.flee_capped_steps
    return args.steps


def measure_size(args: argparse.Namespace, agents: int) -> dict:
    """Alternate the sides ``repeats`` times for one agent count; summarise by the median."""
    sides = [s for s in SIDES if s in args.sides]
    reports: dict[str, list[dict]] = {s: [] for s in sides}
    for r in range(args.repeats):
        for side in sides:
            steps = args.steps if side == "flowsim" else flee_steps_for(args, agents)
            rep = run_child(side_command(side, args, agents, steps))
            reports[side].append(rep)
            print(
                f"# agents={agents} repeat={r + 1}/{args.repeats} {side}: "
                f"{rep['agent_steps_per_s']:,.0f} agent-steps/s, step loop {rep['step_s']} s, "
                f"peak RSS {rep['peak_rss_mb']} MB",
                file=sys.stderr,
                flush=True,
            )
    result: dict = {"agents": agents, "steps": args.steps, "repeats": args.repeats}
    for side in SIDES:
        reps = reports.get(side) or []
        rates = [rep["agent_steps_per_s"] for rep in reps]
        result[f"{side}_agent_steps_per_s"] = round(statistics.median(rates)) if rates else None
        result[f"{side}_peak_rss_mb"] = max(rep["peak_rss_mb"] for rep in reps) if reps else None
        result[f"{side}_steps"] = reps[0]["steps"] if reps else None
        result[f"{side}_runs"] = reps
    f, g = result["flowsim_agent_steps_per_s"], result["flee_agent_steps_per_s"]
    result["ratio"] = round(f / g, 2) if f and g else None
    result["flee_steps_capped"] = bool(reports.get("flee")) and result["flee_steps"] != args.steps
    return result


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--agents",
        type=int,
        nargs="+",
        required=True,
        help="agent count(s), e.g. 10000 100000 1000000",
    )
    ap.add_argument("--steps", type=int, required=True, help="steps per run (100 in the README)")
    ap.add_argument("--repeats", type=int, default=1, help="alternating pairs per agent count")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--flowsim-python", type=Path, default=REPO / ".venv" / "bin" / "python")
    ap.add_argument("--flee-python", type=Path, default=HERE / ".venv" / "bin" / "python")
    ap.add_argument(
        "--flee-max-agents",
        type=int,
        default=None,
        help="above this agent count Flee runs only --flee-capped-steps steps "
        "(reported as flee_steps; nothing is extrapolated)",
    )
    ap.add_argument("--flee-capped-steps", type=int, default=10)
    ap.add_argument(
        "--sides",
        nargs="+",
        choices=SIDES,
        default=list(SIDES),
        help="run only one side (the ratio is then null)",
    )
    ap.add_argument(
        "--flowsim-arrays-only",
        action="store_true",
        help="build flowsim without Mesa Migrant objects (FlowModel(agents=False)); "
        "the step is the same, memory is lower",
    )
    ap.add_argument("--out", type=Path, default=None, help="also write the final JSON here")
    args = ap.parse_args(argv)
    problems = []
    if any(n < 1 for n in args.agents):
        problems.append("--agents must be >= 1")
    if args.steps < 1 or args.repeats < 1 or args.flee_capped_steps < 1:
        problems.append("--steps, --repeats and --flee-capped-steps must be >= 1")
    for side, py in (("flowsim", args.flowsim_python), ("flee", args.flee_python)):
        if side in args.sides and not Path(py).exists():
            problems.append(
                f"--{side}-python {py} does not exist (see benchmarks/vs_flee/README.md)"
            )
    if problems:
        ap.error("; ".join(problems))
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    machine = machine_info()
    runs = []
    for n in args.agents:
        res = measure_size(args, n)
        runs.append(res)
        print(json.dumps({k: v for k, v in res.items() if not k.endswith("_runs")}), flush=True)
    keys = [
        "agents",
        "steps",
        "flowsim_agent_steps_per_s",
        "flee_agent_steps_per_s",
        "ratio",
        "flowsim_peak_rss_mb",
        "flee_peak_rss_mb",
        "flowsim_steps",
        "flee_steps",
        "flee_steps_capped",
    ]
    if len(runs) == 1:
        final = {k: runs[0][k] for k in keys}
    else:
        final = {k: [r[k] for r in runs] for k in keys}
        final["steps"] = args.steps
    final.update(
        repeats=args.repeats,
        flowsim_arrays_only=args.flowsim_arrays_only,
        machine=machine,
        runs=runs,
    )
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(final, indent=1) + "\n")
    print(json.dumps(final))


if __name__ == "__main__":
    main()
