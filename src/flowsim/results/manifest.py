"""The manifest of a results folder: everything that changes results, and how to compare two.

``flowsim run`` and ``flowsim sweep`` write the same format. The manifest records:

- ``format_version`` (of the folder layout), ``kind`` (``"run"`` or ``"sweep"``);
- the code: ``flowsim_version`` and ``git_commit`` (of the flowsim source, when in git);
- the inputs: ``inputs`` (file name -> SHA-256 of every world table and data table the
  runs read), ``scenarios`` (label -> content hash of the resolved scenario),
  ``settings`` (label -> start, months, scale), ``calibration`` (label -> the scenario's
  ``[calibration]`` table or null);
- the experiment as run and its hash, and ``runs``: the executor-independent run list
  (run id, scenario label, replicate, seed, grid point).

Resuming into a folder is allowed only when all of this is equal; extending a sweep
(``--extend``) allows only new runs: every run already listed must keep its id, seed,
grid point, scenario hash and settings, and the code and inputs must be unchanged.
"""

from __future__ import annotations

import subprocess
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flowsim import __version__, tables

#: Keys compared for equality on every resume, as they appear in messages.
_CODE_AND_INPUTS: tuple[str, ...] = ("format_version", "flowsim_version", "git_commit")

#: Experiment keys ``--extend`` may change: they only add runs (every other key, e.g. the
#: seed, the run settings or the ensemble file's hash, must stay as it was).
_EXTENSIBLE = ("replicates", "grid", "scenarios", "description", "ensemble_sets")

#: The most runs one results folder may plan (a bigger sweep is refused before anything
#: is written; its manifest alone would take over 50 MB).
MAX_RUNS = 200_000


def git_commit() -> str | None:
    """Return the git commit of the flowsim source tree, or ``None`` outside git."""
    here = Path(__file__).resolve().parent
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=here,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


def build_manifest(
    *,
    kind: str,
    experiment: Mapping[str, Any],
    experiment_hash: str,
    scenario_hashes: Mapping[str, str],
    runs: list[dict[str, Any]],
    settings: Mapping[str, Mapping[str, Any]] | None = None,
    inputs: Mapping[str, str] | None = None,
    calibration: Mapping[str, Any] | None = None,
    commit: str | None = None,
) -> dict[str, Any]:
    """Return a manifest.

    Args:
        kind: ``"sweep"``, or ``"run"`` for a folder written by ``flowsim run``.
        experiment: The experiment as canonical JSON-ready data.
        experiment_hash: Its content hash.
        scenario_hashes: Scenario label -> content hash.
        runs: The run list: ``run_id``, ``scenario``, ``replicate``, ``seed``, ``params``.
        settings: Scenario label -> its run settings (start, months, scale).
        inputs: Input file name -> SHA-256 (world tables, data tables).
        calibration: Scenario label -> the scenario's calibration table (or None).
        commit: The git commit (default: looked up).
    """
    return {
        "format_version": tables.FORMAT_VERSION,
        "kind": kind,
        "flowsim_version": __version__,
        "git_commit": commit if commit is not None else git_commit(),
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "experiment": dict(experiment),
        "experiment_hash": experiment_hash,
        "scenarios": dict(scenario_hashes),
        "settings": {k: dict(v) for k, v in (settings or {}).items()},
        "inputs": dict(inputs or {}),
        "calibration": dict(calibration or {}),
        "runs": runs,
    }


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 24 else text[:21] + "..."


def _mapping_diffs(
    name: str, old: Mapping[str, Any], new: Mapping[str, Any], keys: Any = None
) -> list[str]:
    lines = []
    for key in sorted(keys if keys is not None else set(old) | set(new)):
        if key not in new:
            lines.append(f"{name} {key}: no longer present")
        elif key not in old:
            lines.append(f"{name} {key}: new")
        elif old[key] != new[key]:
            lines.append(f"{name} {key}: changed ({_short(old[key])} -> {_short(new[key])})")
    return lines


def code_and_input_differences(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    """Return what differs in format, code version and input tables, one line each."""
    lines = [
        f"{key}: {old.get(key)!r} -> {new.get(key)!r}"
        for key in _CODE_AND_INPUTS
        if old.get(key) != new.get(key)
    ]
    lines += _mapping_diffs("input table", old.get("inputs") or {}, new.get("inputs") or {})
    return lines


def differences(
    old: Mapping[str, Any], new: Mapping[str, Any], *, extend: bool = False
) -> list[str]:
    """Return why a folder with manifest ``old`` cannot take the runs of ``new``.

    Args:
        old: The manifest in the folder.
        new: The manifest of the command about to run.
        extend: Allow new runs (more replicates, grid points or scenarios) as long as every
            run already planned is unchanged.

    Returns:
        One line per difference; empty when the command may resume (or extend) the folder.
    """
    lines = code_and_input_differences(old, new)
    if old.get("kind") != new.get("kind"):
        lines.append(f"kind: {old.get('kind')!r} -> {new.get('kind')!r}")
    old_sc, new_sc = old.get("scenarios") or {}, new.get("scenarios") or {}
    labels = set(old_sc) if extend else set(old_sc) | set(new_sc)
    lines += _mapping_diffs("scenario", old_sc, new_sc, labels)
    for key in ("settings", "calibration"):
        a, b = old.get(key) or {}, new.get(key) or {}
        lines += _mapping_diffs(key, a, b, set(a) if extend else None)
    old_runs = {r["run_id"]: r for r in old.get("runs") or []}
    new_runs = {r["run_id"]: r for r in new.get("runs") or []}
    for run_id, run in sorted(old_runs.items()):
        if run_id not in new_runs:
            lines.append(f"run {run_id}: no longer in the experiment")
        elif run != new_runs[run_id]:
            lines.append(f"run {run_id}: its seed or grid point changed")
    old_exp, new_exp = old.get("experiment") or {}, new.get("experiment") or {}
    if extend:
        for key in sorted(set(old_exp) | set(new_exp)):
            if key not in _EXTENSIBLE and old_exp.get(key) != new_exp.get(key):
                lines.append(f"experiment.{key}: {old_exp.get(key)!r} -> {new_exp.get(key)!r}")
        return lines
    added = sorted(set(new_runs) - set(old_runs))
    if added:
        more = f" (and {len(added) - 1} more)" if len(added) > 1 else ""
        lines.append(f"run {added[0]}: new{more}; add runs with --extend")
    for key in sorted(set(old_exp) | set(new_exp)):
        if old_exp.get(key) != new_exp.get(key) and key != "description":
            lines.append(f"experiment.{key}: {old_exp.get(key)!r} -> {new_exp.get(key)!r}")
    return list(dict.fromkeys(lines))
