"""Writing a results folder: manifest, and one Parquet part file per run and table.

Layout of one sweep's folder::

    manifest.json
    runs.parquet/part-<run>.parquet        one row per finished run (written last)
    timeseries.parquet/part-<run>.parquet  long monthly table of that run
    flows.parquet/part-<run>.parquet       border crossings of that run

Every part is written to a temporary name starting with ``.`` in the same folder
(Parquet readers skip such files), flushed to disk and renamed into place, so a reader
never sees half a file. A run counts as finished if and only if its ``runs`` part
exists; its timeseries and flows parts are written before it. Parts carry no
timestamps: the same result gives byte-identical files.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from flowsim import __version__, tables
from flowsim.errors import ResultsError

MANIFEST = "manifest.json"
TABLES: tuple[str, ...] = ("runs", "timeseries", "flows")

_STR = pa.string()
_INT = pa.int64()
_FLOAT = pa.float64()

#: Arrow schema of each table; every part of a table has exactly this schema.
SCHEMAS: dict[str, pa.Schema] = {
    "runs": pa.schema(
        [
            ("run_id", _STR),
            ("scenario", _STR),
            ("replicate", _INT),
            ("seed", _INT),
            ("status", _STR),
            ("error", _STR),
            ("seconds", _FLOAT),
            ("flowsim_version", _STR),
            ("params", _STR),
        ]
    ),
    "timeseries": pa.schema(
        [
            ("run_id", _STR),
            ("scenario", _STR),
            ("replicate", _INT),
            ("month", pa.date32()),
            ("country", _STR),
            ("nationality", _STR),
            ("status", _STR),
            ("variable", _STR),
            ("value", _FLOAT),
        ]
    ),
    "flows": pa.schema(
        [
            ("run_id", _STR),
            ("scenario", _STR),
            ("replicate", _INT),
            ("month", pa.date32()),
            ("nationality", _STR),
            ("from_country", _STR),
            ("to_country", _STR),
            ("route", _STR),
            ("mode", _STR),
            ("kind", _STR),
            ("lived_in_third", pa.bool_()),
            ("people", _FLOAT),
        ]
    ),
}

_UNSAFE = re.compile(r"[^A-Za-z0-9._=-]+")


def part_name(run_id: str) -> str:
    """Return the file name of a run's part: readable, filesystem-safe and unique.

    Args:
        run_id: The run's id, e.g. ``"baseline[parameters.b_net=0.5]/r001"``.

    Returns:
        ``part-<sanitized id>-<10 hex digits of its SHA-1>.parquet``.
    """
    safe = _UNSAFE.sub("_", run_id).strip("_.")[:80]
    digest = hashlib.sha1(run_id.encode("utf-8")).hexdigest()[:10]
    return f"part-{safe}-{digest}.parquet"


def _column(values: pd.Series, type_: pa.DataType) -> pa.Array:
    if pa.types.is_date32(type_):
        if isinstance(values.dtype, pd.PeriodDtype):
            values = values.dt.to_timestamp()
        if pd.api.types.is_datetime64_any_dtype(values.dtype):
            return pa.array(values.dt.tz_localize(None) if values.dt.tz else values).cast(type_)
        return pa.array(list(values), type=type_)
    if pa.types.is_string(type_):
        if values.dtype == object or isinstance(values.dtype, pd.StringDtype):
            return pa.array(values, type=type_, from_pandas=True)
        return pa.array(values.astype(str), type=type_)
    return pa.array(values, type=type_, from_pandas=True)


def to_arrow(table: str, frame: pd.DataFrame) -> pa.Table:
    """Convert a result frame to its table's Arrow schema (columns in contract order).

    Args:
        table: ``"runs"``, ``"timeseries"`` or ``"flows"``.
        frame: The frame; it must hold every column of the table's contract.

    Returns:
        An Arrow table with exactly ``SCHEMAS[table]`` and no metadata.
    """
    schema = SCHEMAS[table]
    missing = [c for c in schema.names if c not in frame.columns]
    if missing:
        raise ValueError(f"{table} table lacks columns: {', '.join(missing)}")
    arrays = [_column(frame[f.name].reset_index(drop=True), f.type) for f in schema]
    return pa.Table.from_arrays(arrays, schema=schema)


def write_atomic(path: Path, write: Any) -> None:
    """Write a file through a dot-named temporary file, fsync, then rename into place.

    Args:
        path: Final path.
        write: Callable receiving the temporary path and writing the content to it.
    """
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:12]}.tmp")  # unique across hosts
    try:
        write(tmp)
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    try:  # make the rename itself durable
        dir_fd = os.open(path.parent, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dir_fd)
    except OSError:
        pass
    finally:
        os.close(dir_fd)


def write_part(path: Path, table: pa.Table) -> None:
    """Write one Parquet part atomically, zstd-compressed, with deterministic bytes."""
    write_atomic(path, lambda tmp: pq.write_table(table, tmp, compression="zstd"))


@dataclass(frozen=True)
class PartWriter:
    """Handle a worker uses to write one run's parts into a results folder (picklable).

    Attributes:
        root: The results folder; on a cluster it must be on a filesystem every worker
            and the client share.
    """

    root: Path

    def path(self, table: str, run_id: str) -> Path:
        """Return the part path of ``run_id`` in ``table``."""
        return self.root / f"{table}.parquet" / part_name(run_id)

    def write_run(
        self,
        run: Mapping[str, Any],
        timeseries: pd.DataFrame | None = None,
        flows: pd.DataFrame | None = None,
    ) -> None:
        """Write a run's timeseries and flows parts, then its runs part (last).

        A failed run writes no tables, and any stale timeseries/flows parts of an earlier
        attempt are removed, so raw reads of the folder never show a failed run's data.

        Args:
            run: The runs row (keys = ``tables.RUNS_COLUMNS``).
            timeseries: The run's timeseries (ignored unless the status is ``ok``).
            flows: The run's flows (ignored unless the status is ``ok``).
        """
        run_id = str(run["run_id"])
        for name, frame in (("timeseries", timeseries), ("flows", flows)):
            path = self.path(name, run_id)
            if frame is None or run.get("status") != "ok":
                path.unlink(missing_ok=True)
            else:
                write_part(path, to_arrow(name, frame))
        write_part(self.path("runs", run_id), to_arrow("runs", pd.DataFrame([dict(run)])))


def git_commit(cwd: Path | None = None) -> str | None:
    """Return the current git commit of the working directory, or ``None``."""
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


def build_manifest(
    experiment: Mapping[str, Any],
    experiment_hash: str,
    scenario_hashes: Mapping[str, str],
    runs: list[dict[str, Any]],
    kind: str = "sweep",
) -> dict[str, Any]:
    """Return the manifest of a sweep.

    Args:
        experiment: The experiment as canonical JSON-ready data.
        experiment_hash: Its content hash.
        scenario_hashes: Scenario label -> content hash.
        runs: The run list: ``run_id``, ``scenario``, ``replicate``, ``seed``, ``params``.
        kind: ``"sweep"``, or ``"run"`` for a folder written by ``flowsim run``.
    """
    return {
        "format_version": tables.FORMAT_VERSION,
        "kind": kind,
        "flowsim_version": __version__,
        "git_commit": git_commit(),
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "experiment": dict(experiment),
        "experiment_hash": experiment_hash,
        "scenarios": dict(scenario_hashes),
        "runs": runs,
    }


def _differences(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    lines = []
    if old.get("format_version") != new.get("format_version"):
        lines.append(f"format_version: {old.get('format_version')} -> {new.get('format_version')}")
    old_exp, new_exp = old.get("experiment", {}), new.get("experiment", {})
    for key in sorted(set(old_exp) | set(new_exp)):
        if old_exp.get(key) != new_exp.get(key):
            lines.append(f"experiment.{key}: {old_exp.get(key)!r} -> {new_exp.get(key)!r}")
    old_sc, new_sc = old.get("scenarios", {}), new.get("scenarios", {})
    for label in sorted(set(old_sc) | set(new_sc)):
        if label not in old_sc:
            lines.append(f"scenario {label}: new")
        elif label not in new_sc:
            lines.append(f"scenario {label}: no longer in the experiment")
        elif old_sc[label] != new_sc[label]:
            lines.append(f"scenario {label}: its file or a file it extends changed")
    return lines


class ResultsStore:
    """One sweep's results folder, opened for writing."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root).absolute()  # workers may run elsewhere: never relative
        self.writer = PartWriter(self.root)

    @classmethod
    def for_single_run(cls, root: str | Path, spec: Any) -> ResultsStore:
        """Prepare a folder holding one run (``flowsim run``), replacing an earlier one.

        A folder written by an earlier single run is emptied and reused; a sweep's folder
        or any other non-empty folder is refused.

        Args:
            root: The results folder.
            spec: The run's ``RunSpec``.

        Raises:
            ResultsError: When ``root`` holds a sweep or is not a results folder.
        """
        store = cls(root)
        if store.manifest_path.exists():
            old = json.loads(store.manifest_path.read_text(encoding="utf-8"))
            if old.get("kind") != "run":
                raise ResultsError(
                    f"{store.root} holds a sweep's results; choose another --out folder."
                )
            for name in TABLES:
                for part in (store.root / f"{name}.parquet").glob("part-*.parquet"):
                    part.unlink()
            store.manifest_path.unlink()
        label = getattr(spec, "scenario_label", spec.scenario.name)
        experiment = {
            "name": label,
            "scenarios": [label],
            "replicates": 1,
            "seed": spec.seed,
            "params": spec.params,
        }
        text = json.dumps(experiment, sort_keys=True, separators=(",", ":"))
        run = {
            "run_id": spec.run_id,
            "scenario": label,
            "replicate": spec.replicate,
            "seed": spec.seed,
            "params": spec.params,
        }
        store.prepare(
            build_manifest(
                experiment,
                hashlib.sha256(text.encode("utf-8")).hexdigest(),
                {label: spec.scenario.content_hash()},
                [run],
                kind="run",
            )
        )
        return store

    def write_result(self, result: Any) -> None:
        """Write a ``RunResult``'s parts (tables first, runs row last)."""
        self.writer.write_run(result.run, result.timeseries, result.flows)

    @property
    def manifest_path(self) -> Path:
        """Path of ``manifest.json``."""
        return self.root / MANIFEST

    def prepare(self, manifest: Mapping[str, Any]) -> None:
        """Create the folder for a sweep, or check that an existing one holds the same sweep.

        Args:
            manifest: The manifest of the sweep about to run.

        Raises:
            ResultsError: When the folder holds results of a different experiment (or
                scenario files changed since), or something that is not a results folder.
        """
        if self.manifest_path.exists():
            old = json.loads(self.manifest_path.read_text(encoding="utf-8"))
            diffs = _differences(old, manifest)
            if diffs or old.get("experiment_hash") != manifest["experiment_hash"]:
                raise ResultsError(
                    f"{self.root} holds results of a different sweep; resuming would mix "
                    "them. What differs:\n  "
                    + "\n  ".join(diffs or ["experiment hash"])
                    + "\nChoose a new --out folder (or delete this one to start over)."
                )
            return
        table_dirs = {f"{name}.parquet" for name in TABLES}
        leftovers = [
            p
            for p in (self.root.iterdir() if self.root.exists() else ())
            if not (p.name in table_dirs and p.is_dir() and not any(p.glob("part-*")))
        ]
        if leftovers:
            raise ResultsError(
                f"{self.root} is not empty and has no {MANIFEST}; it is not a results "
                "folder. Choose a new --out folder."
            )
        for name in TABLES:
            (self.root / f"{name}.parquet").mkdir(parents=True, exist_ok=True)
        text = json.dumps(manifest, indent=2, sort_keys=True) + "\n"
        write_atomic(self.manifest_path, lambda tmp: tmp.write_text(text, encoding="utf-8"))

    def finished(self) -> dict[str, str]:
        """Return run id -> status of every run whose runs part exists."""
        folder = self.root / "runs.parquet"
        if not folder.exists() or not any(folder.glob("part-*.parquet")):
            return {}
        table = ds.dataset(folder, format="parquet", schema=SCHEMAS["runs"]).to_table(
            columns=["run_id", "status"]
        )
        return dict(zip(table["run_id"].to_pylist(), table["status"].to_pylist(), strict=True))
