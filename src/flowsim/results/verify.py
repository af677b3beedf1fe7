"""Checking a results folder before it is read: complete, whole, of this format.

``flowsim compare`` and ``flowsim.results.open`` call :func:`check_complete`: every run the
manifest plans must have finished ok with parts matching its receipt. A missing, failed or
damaged run is refused with the run named, so a comparison never pairs 3 baseline
replicates against 4, nor reads the zeros of a lost file as a policy effect.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flowsim.errors import ResultsError
from flowsim.results.receipts import RunState
from flowsim.results.store import PartWriter, read_manifest

_SHOWN = 8


def run_states(root: str | Path, manifest: dict[str, Any] | None = None) -> dict[str, RunState]:
    """Return the verified state of every run the folder's manifest plans."""
    manifest = manifest if manifest is not None else read_manifest(root)
    writer = PartWriter(Path(root))
    return {str(r["run_id"]): writer.state(str(r["run_id"])) for r in manifest.get("runs") or []}


def incomplete_lines(states: dict[str, RunState]) -> list[str]:
    """Return one line per run that is not finished ok."""
    lines = []
    for run_id, state in states.items():
        if state.state == "missing":
            lines.append(f"run {run_id} has not finished")
        elif state.state == "damaged":
            lines.append(f"run {run_id} is damaged: {state.detail}")
        elif state.state == "failed":
            lines.append(f"run {run_id} failed")
    return lines


def check_complete(
    root: str | Path, states: dict[str, RunState] | None = None
) -> dict[str, Any]:
    """Refuse a results folder that is not complete and whole; return its manifest.

    Args:
        root: The results folder.
        states: The runs' states when already verified (else they are verified here).

    Returns:
        The manifest.

    Raises:
        ResultsError: The folder is not a results folder of this format, or a planned run
            is missing, failed or damaged (each named, up to eight).
    """
    manifest = read_manifest(root)
    lines = incomplete_lines(states if states is not None else run_states(root, manifest))
    if lines:
        more = f"\n  ... and {len(lines) - _SHOWN} more" if len(lines) > _SHOWN else ""
        raise ResultsError(
            f"{root}: {len(lines)} of {len(manifest.get('runs') or [])} runs are not usable; "
            "rerun the same command to repeat missing or damaged runs "
            "(failed runs: flowsim sweep --retry-failed):\n  " + "\n  ".join(lines[:_SHOWN]) + more
        )
    return manifest
