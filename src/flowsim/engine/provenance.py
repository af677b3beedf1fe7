"""What a results manifest records about the runs: settings, input tables, calibration.

Both ``flowsim run`` and ``flowsim sweep`` build their manifest with
:func:`manifest_for`, so the two write the same format (see ``flowsim.results.manifest``).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flowsim.results.manifest import build_manifest
from flowsim.results.receipts import file_sha256

if TYPE_CHECKING:
    from flowsim.engine.run import RunSpec


def input_hashes(world_dir: str | Path | None) -> dict[str, str]:
    """Return file name -> SHA-256 of every table the runs read.

    Args:
        world_dir: Folder of world tables; ``None`` = the package's data folder (world
            tables and the calibration targets).

    Returns:
        Hashes of every ``*.csv`` in that folder, by file name.
    """
    if world_dir is None:
        with resources.as_file(resources.files("flowsim") / "data") as path:
            return _hash_folder(Path(path))
    return _hash_folder(Path(world_dir))


def _hash_folder(folder: Path) -> dict[str, str]:
    return {p.name: file_sha256(p) for p in sorted(folder.glob("*.csv")) if p.is_file()}


def settings_of(scenario: Any) -> dict[str, Any]:
    """Return the run settings that change results (start, months, scale)."""
    run = scenario.run
    return {"start": str(run.start), "months": int(run.months), "scale": float(run.scale)}


def calibration_of(scenario: Any) -> Any:
    """Return the scenario's ``[calibration]`` table as JSON-ready data, or ``None``."""
    calibration = getattr(scenario, "calibration", None)
    if calibration is None:
        return None
    if hasattr(calibration, "model_dump"):
        return calibration.model_dump(mode="json")
    return json.loads(json.dumps(calibration, default=str))


def label_of(spec: RunSpec) -> str:
    """Return the scenario label of a run (``"<label>/r<k>"`` without the replicate)."""
    return spec.run_id.rsplit("/r", 1)[0]


def run_entry(spec: RunSpec) -> dict[str, Any]:
    """Return a run's entry in the manifest's run list (independent of the executor)."""
    return {
        "run_id": spec.run_id,
        "scenario": label_of(spec),
        "replicate": int(spec.replicate),
        "seed": int(spec.seed),
        "params": dict(spec.params),
        "parameter_set": getattr(spec, "parameter_set", None),
    }


def manifest_for(
    kind: str,
    experiment: dict[str, Any],
    experiment_hash: str,
    specs: Sequence[RunSpec],
    world_dir: str | Path | None = None,
) -> dict[str, Any]:
    """Return the manifest of the runs ``specs``.

    Args:
        kind: ``"run"`` or ``"sweep"``.
        experiment: The experiment (or, for one run, its settings) as JSON-ready data.
        experiment_hash: Its content hash.
        specs: Every run, in order.
        world_dir: Folder of world tables (``None`` = the embedded world).
    """
    scenarios: dict[str, Any] = {}
    for spec in specs:
        scenarios.setdefault(label_of(spec), spec.scenario)
    return build_manifest(
        kind=kind,
        experiment=experiment,
        experiment_hash=experiment_hash,
        scenario_hashes={label: s.content_hash() for label, s in scenarios.items()},
        runs=[run_entry(s) for s in specs],
        settings={label: settings_of(s) for label, s in scenarios.items()},
        inputs=input_hashes(world_dir),
        calibration={label: calibration_of(s) for label, s in scenarios.items()},
    )
