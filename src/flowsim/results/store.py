"""Writing a results folder: manifest, one Parquet part file per run and table, receipts.

Layout of one results folder (``flowsim run`` and ``flowsim sweep`` alike)::

    manifest.json                          what was run, with which code and inputs
    runs.parquet/part-<run>.parquet        one row per finished run
    timeseries.parquet/part-<run>.parquet  long monthly table of that run
    flows.parquet/part-<run>.parquet       border crossings of that run
    receipts/part-<run>.json               size, rows, SHA-256 of each part (written last)
    .flowsim.lock                          lock file (see ``flowsim.results.lock``)

Every file is written to a temporary name starting with ``.`` in the same folder
(Parquet readers skip such files), flushed to disk and renamed into place, so a reader
never sees half a file. A run counts as finished if and only if its receipt exists and
its parts match it (``flowsim.results.receipts``). Parts carry no timestamps: the same
result gives byte-identical files. Nothing here ever deletes a file it did not write:
other files in a results folder (reports, notes) are left alone.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from flowsim import tables
from flowsim.errors import ResultsError
from flowsim.results.lock import LOCK_FILE, FolderLock
from flowsim.results.manifest import build_manifest, differences
from flowsim.results.receipts import RECEIPTS, RunState, part_entry, receipt_text, run_state

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


def write_text(path: Path, text: str) -> None:
    """Write a UTF-8 text file atomically."""
    write_atomic(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


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

    def receipt_path(self, run_id: str) -> Path:
        """Return the receipt path of ``run_id``."""
        return self.root / RECEIPTS / part_name(run_id).replace(".parquet", ".json")

    def write_run(
        self,
        run: Mapping[str, Any],
        timeseries: pd.DataFrame | None = None,
        flows: pd.DataFrame | None = None,
    ) -> None:
        """Write a run's timeseries and flows parts, its runs part, then its receipt (last).

        A failed run writes no tables, and any stale timeseries/flows parts of an earlier
        attempt of the same run are removed, so raw reads of the folder never show a
        failed run's data.

        Args:
            run: The runs row (keys = ``tables.RUNS_COLUMNS``).
            timeseries: The run's timeseries (ignored unless the status is ``ok``).
            flows: The run's flows (ignored unless the status is ``ok``).
        """
        run_id = str(run["run_id"])
        status = str(run.get("status"))
        receipt = self.receipt_path(run_id)
        receipt.unlink(missing_ok=True)  # the run is unfinished until its new receipt lands
        entries: dict[str, dict[str, Any]] = {}
        for name, frame in (("timeseries", timeseries), ("flows", flows)):
            path = self.path(name, run_id)
            if frame is None or status != "ok":
                path.unlink(missing_ok=True)
            else:
                table = to_arrow(name, frame)
                write_part(path, table)
                entries[name] = part_entry(path, table.num_rows)
        runs_path = self.path("runs", run_id)
        write_part(runs_path, to_arrow("runs", pd.DataFrame([dict(run)])))
        entries["runs"] = part_entry(runs_path, 1)
        receipt.parent.mkdir(exist_ok=True)
        write_text(receipt, receipt_text(run_id, status, entries))

    def state(self, run_id: str) -> RunState:
        """Return whether ``run_id`` finished with whole parts (see ``RunState``)."""
        return run_state(self.root, run_id, self.receipt_path(run_id))


def manifest_text(manifest: Mapping[str, Any]) -> str:
    """Return a manifest as JSON: readable, with one compact line per run (about 120 bytes).

    The run list is last; at the run limit (``flowsim.results.manifest.MAX_RUNS``) the
    file stays near 25 MB.
    """
    head = json.dumps({k: v for k, v in manifest.items() if k != "runs"}, indent=1, sort_keys=True)
    runs = ",\n  ".join(
        json.dumps(r, sort_keys=True, separators=(",", ":")) for r in manifest.get("runs") or []
    )
    body = f"[\n  {runs}\n ]" if runs else "[]"
    return head[: head.rstrip().rfind("}")].rstrip() + f',\n "runs": {body}\n}}\n'


def _read_manifest(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ResultsError(f"{path}: not a readable manifest ({exc})") from None
    if not isinstance(data, dict):
        raise ResultsError(f"{path}: not a readable manifest (not a JSON object)")
    version = data.get("format_version")
    if version != tables.FORMAT_VERSION:
        raise ResultsError(
            f"{path}: format_version {version!r} (allowed: {tables.FORMAT_VERSION}, the "
            "layout this flowsim reads and writes); rerun it into a new folder"
        )
    return data


def move_aside(root: Path) -> Path:
    """Rename a folder to ``<name>.old-<UTC time>`` next to it (never delete); return it."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    aside = root.with_name(f"{root.name}.old-{stamp}")
    n = 1
    while aside.exists():
        n += 1
        aside = root.with_name(f"{root.name}.old-{stamp}-{n}")
    os.rename(root, aside)
    return aside


def read_manifest(root: str | Path) -> dict[str, Any]:
    """Return a results folder's manifest, checking it is of this flowsim's format.

    Raises:
        ResultsError: No manifest, an unreadable one, or one of another format version.
    """
    path = Path(root) / MANIFEST
    if not path.is_file():
        raise ResultsError(f"{root}: not a results folder (no {MANIFEST})")
    return _read_manifest(path)


class ResultsStore:
    """A results folder opened for writing by one command (``run`` or ``sweep``).

    Args:
        root: The folder.
    """

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root).absolute()  # workers may run elsewhere: never relative
        self.writer = PartWriter(self.root)
        self._lock: FolderLock | None = None

    @property
    def manifest_path(self) -> Path:
        """Path of ``manifest.json``."""
        return self.root / MANIFEST

    def lock(self) -> FolderLock:
        """Create the folder if needed and lock it for writing (released on ``close``).

        Raises:
            ResultsError: ``root`` is a file, cannot be created, or is in use.
        """
        if self.root.exists() and not self.root.is_dir():
            raise ResultsError(f"{self.root} is a file, not a folder (allowed: a folder path)")
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ResultsError(f"{self.root}: cannot create the folder ({exc.strerror})") from None
        self._lock = FolderLock(self.root).acquire()
        return self._lock

    def close(self) -> None:
        """Release the folder's lock."""
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    def __enter__(self) -> ResultsStore:
        self.lock()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def prepare(self, manifest: Mapping[str, Any], *, extend: bool = False) -> None:
        """Start a new results folder, or check an existing one may take these runs.

        An existing folder is resumed when its manifest plans the same runs with the same
        code and inputs; with ``extend`` it may also gain new runs (the manifest is then
        rewritten with the longer run list). Nothing is ever deleted.

        Args:
            manifest: The manifest of the command about to run.
            extend: Allow adding runs to a folder that already holds some.

        Raises:
            ResultsError: When the folder holds other results (saying what differs), is
                of another format version, or holds files but no manifest.
        """
        if self.manifest_path.exists():
            old = _read_manifest(self.manifest_path)
            diffs = differences(old, manifest, extend=extend)
            if diffs:
                raise ResultsError(
                    f"{self.root} holds other results; resuming would mix them. What "
                    "differs:\n  "
                    + "\n  ".join(diffs[:20])
                    + (f"\n  ... and {len(diffs) - 20} more" if len(diffs) > 20 else "")
                    + "\nChoose a new --out folder"
                    + (
                        " (or pass --overwrite to move this one aside)."
                        if old.get("kind") == "run"
                        else "."
                    )
                )
            if extend and old.get("runs") != manifest.get("runs"):
                kept = {**manifest, "created": old.get("created")}
                write_text(self.manifest_path, manifest_text(kept))
            return
        ours = {f"{name}.parquet" for name in TABLES} | {RECEIPTS, LOCK_FILE}
        self.root.mkdir(parents=True, exist_ok=True)
        others = sorted(
            p.name
            for p in self.root.iterdir()
            if p.name not in ours and not (p.name.startswith(".") and p.name.endswith(".tmp"))
        )  # a temporary file of ours is what a kill during the first write leaves
        if others:
            raise ResultsError(
                f"{self.root} holds files but no {MANIFEST} ({', '.join(others[:3])}); it "
                "is not a results folder. Choose a new --out folder."
            )
        for name in (*(f"{t}.parquet" for t in TABLES), RECEIPTS):
            (self.root / name).mkdir(parents=True, exist_ok=True)
        write_text(self.manifest_path, manifest_text(manifest))

    def states(self, run_ids: Iterable[str]) -> dict[str, RunState]:
        """Return run id -> verified state, for the given runs."""
        return {run_id: self.writer.state(run_id) for run_id in run_ids}

    def write_result(self, result: Any) -> None:
        """Write a ``RunResult``'s parts (tables first, runs row, receipt last)."""
        self.writer.write_run(result.run, result.timeseries, result.flows)


__all__ = [
    "MANIFEST",
    "SCHEMAS",
    "TABLES",
    "PartWriter",
    "ResultsStore",
    "build_manifest",
    "part_name",
    "read_manifest",
    "to_arrow",
    "write_atomic",
    "write_part",
]
