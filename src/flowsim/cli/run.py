"""``flowsim run SCENARIO``: one run written as a results folder (a sweep of one run).

Never loses earlier results:

- a new folder is written under a hidden temporary name next to ``--out`` and renamed into
  place only when the run is written, so an interrupted or failing run leaves no half
  folder behind and nothing else changes;
- an existing folder holding the same run (same scenario, seed, settings, code and input
  tables) is checked, not rerun: when its run is missing, damaged or failed, that run is
  redone in place; reports and other files in the folder are never touched;
- an existing folder holding anything else is refused, saying what differs, unless
  ``--overwrite`` is given: then the new run is written first and the old folder is moved
  aside to ``<out>.old-<time>`` (never deleted).

Exit status: 0 when the run is ok, 1 when it failed (the error is printed), 2 on invalid
input or an unusable ``--out`` folder.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import sys
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flowsim.cli import options

if TYPE_CHECKING:
    from flowsim.engine.run import RunResult, RunSpec


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``run`` command."""
    p = sub.add_parser(
        "run",
        help="run one scenario and write a results folder",
        description="Run one scenario once; rerunning the same command checks and keeps it.",
    )
    p.add_argument("scenario", help="scenario file or name (looked up in scenarios/)")
    p.add_argument(
        "--seed", type=options.seed, default=None, help="seed, 0 to 2**63-1 (default: scenario's)"
    )
    p.add_argument(
        "--months", type=options.months, default=None, help="override run.months (1 to 1200)"
    )
    p.add_argument(
        "--scale", type=options.scale, default=None, help="override run.scale (people/agent)"
    )
    p.add_argument("--world", default=None, help="folder of world tables (default: embedded)")
    p.add_argument("--out", default=None, help="results folder (default: results/<scenario>)")
    p.add_argument(
        "--overwrite",
        action="store_true",
        help="when --out holds other results, move them aside to <out>.old-<time> "
        "(never deleted) once the new run is written",
    )
    p.set_defaults(func=run)


def _spec_and_manifest(args: argparse.Namespace) -> tuple[RunSpec, dict[str, Any]]:
    from flowsim.engine.guard import check_memory
    from flowsim.engine.provenance import manifest_for
    from flowsim.engine.run import RunSpec
    from flowsim.scenario import load_scenario
    from flowsim.scenario.checks import schedule_warnings
    from flowsim.world import load_world

    world = load_world(args.world) if args.world else None
    scenario = load_scenario(args.scenario, search_dirs=[Path("scenarios")], world=world)
    overrides = {
        k: v for k, v in (("run.months", args.months), ("run.scale", args.scale)) if v is not None
    }
    scenario = scenario.with_overrides(overrides, file="command line")
    for line in schedule_warnings(scenario, str(args.scenario)):
        print(f"warning: {line}", file=sys.stderr)
    check_memory(scenario, world, file="command line" if args.scale else str(args.scenario))
    seed = scenario.run.seed if args.seed is None else args.seed
    spec = RunSpec(
        run_id=f"{scenario.name}/r000",
        scenario=scenario,
        replicate=0,
        seed=seed,
        world_dir=args.world,
    )
    settings = {"name": scenario.name, "scenarios": [scenario.name], "replicates": 1, "seed": seed}
    text = json.dumps(settings, sort_keys=True, separators=(",", ":"))
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return spec, manifest_for("run", settings, digest, [spec], args.world)


def run(args: argparse.Namespace) -> int:
    """Load and check the scenario, run it once, write (or keep) the results folder."""
    from flowsim.errors import ResultsError
    from flowsim.results.manifest import differences
    from flowsim.results.store import ResultsStore, read_manifest

    spec, manifest = _spec_and_manifest(args)
    out = Path(args.out or Path("results") / spec.scenario.name)
    if out.exists() and not out.is_dir():
        raise ResultsError(f"--out {out}: is a file (allowed: a folder, new or of this run)")
    if not (out.is_dir() and any(out.iterdir())):
        return _run_staged(spec, manifest, out, replace=False)
    with ResultsStore(out) as store:
        if not store.manifest_path.exists():
            if not args.overwrite:
                names = ", ".join(sorted(p.name for p in out.iterdir() if p.name[0] != ".")[:3])
                raise ResultsError(
                    f"--out {out}: holds files ({names}) but no manifest.json, so it is not a "
                    "results folder; nothing was changed (allowed: a new folder or one written "
                    "by flowsim run; --overwrite moves it aside)"
                )
            diffs = ["not a results folder"]
        else:
            try:
                diffs = differences(read_manifest(out), manifest)
            except ResultsError as exc:
                diffs = [str(exc)]
        if not diffs:
            return _resume(store, spec)
        if not args.overwrite:
            raise ResultsError(
                f"--out {out} holds other results; nothing was changed. What differs:\n  "
                + "\n  ".join(diffs[:20])
                + "\nChoose another --out folder, or pass --overwrite to move this one aside."
            )
        return _run_staged(spec, manifest, out, replace=True)


def _resume(store: Any, spec: RunSpec) -> int:
    from flowsim.engine.run import run_one

    state = store.writer.state(spec.run_id)
    if state.state == "ok":
        print(f"{store.root} already holds this run, verified: nothing to do")
        return 0
    if state.state == "damaged":
        print(f"run {spec.run_id} is damaged ({state.detail}): running it again", file=sys.stderr)
    result = run_one(spec)
    store.write_result(result)
    return _report(spec, result, store.root)


def _run_staged(spec: RunSpec, manifest: dict[str, Any], out: Path, *, replace: bool) -> int:
    """Run into a hidden sibling folder, then rename it to ``out`` (moving ``out`` aside)."""
    from flowsim.engine.run import run_one
    from flowsim.errors import ResultsError
    from flowsim.results.store import ResultsStore, move_aside

    out = out.absolute()
    staging = out.parent / f".{out.name}.partial-{uuid.uuid4().hex[:8]}"
    try:
        with ResultsStore(staging) as store:
            store.prepare(manifest)
            result = run_one(spec)
            store.write_result(result)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)  # only what this command created
        raise
    if replace and not result.ok:
        shutil.rmtree(staging, ignore_errors=True)
        print(f"run failed; {out} is unchanged: {_last_line(result.run['error'])}", file=sys.stderr)
        return 1
    if replace:
        aside = move_aside(out)
        print(f"moved the earlier {out} aside to {aside}")
    elif out.is_dir() and not any(out.iterdir()):
        out.rmdir()  # an empty folder holds nothing to keep
    try:
        os.rename(staging, out)
    except OSError as exc:
        raise ResultsError(
            f"--out {out}: appeared while this run ran ({exc.strerror}); its results are "
            f"kept in {staging}"
        ) from None
    return _report(spec, result, out)


def _last_line(error: str) -> str:
    lines = [line for line in str(error).strip().splitlines() if line.strip()]
    return lines[-1] if lines else "(no error text)"


def _report(spec: RunSpec, result: RunResult, out: Path) -> int:
    if not result.ok:
        print(f"run {spec.run_id} failed: {_last_line(result.run['error'])}", file=sys.stderr)
        return 1
    run = spec.scenario.run
    print(
        f"{spec.scenario.name}: {run.months} months from {run.start}, seed {spec.seed}, "
        f"{result.run['seconds']:.1f} s -> {out}"
    )
    return 0
