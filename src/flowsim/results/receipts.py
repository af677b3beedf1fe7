"""Receipts: proof that a run's part files are whole, and their verification.

After a run's part files are in place, its receipt ``receipts/<part name>.json`` is
written (last, atomically). It records, for each part, the file name, its size in bytes,
its row count and its SHA-256. A run counts as finished if and only if its receipt exists
and every part it lists still has that size, row count and checksum: a part that is later
missing, truncated or altered makes the run *damaged*, which resume reruns and which
``flowsim compare`` and ``flowsim.results.open`` refuse, naming the run.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

RECEIPTS = "receipts"


def file_sha256(path: Path) -> str:
    """Return the SHA-256 of a file's bytes, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def part_entry(path: Path, rows: int) -> dict[str, Any]:
    """Return the receipt entry of one written part file."""
    return {
        "file": path.name,
        "bytes": path.stat().st_size,
        "rows": int(rows),
        "sha256": file_sha256(path),
    }


def receipt_text(run_id: str, status: str, parts: Mapping[str, Mapping[str, Any]]) -> str:
    """Return a receipt as canonical JSON (no timestamps: equal runs, equal receipts)."""
    body = {"run_id": run_id, "status": status, "parts": dict(parts)}
    return json.dumps(body, indent=1, sort_keys=True) + "\n"


@dataclass(frozen=True)
class RunState:
    """What the folder holds for one run.

    Attributes:
        run_id: The run.
        state: ``"ok"`` or ``"failed"`` (finished, parts verified), ``"missing"`` (no
            receipt: never finished) or ``"damaged"`` (a part does not match its receipt).
        detail: Why a run is damaged (``""`` otherwise).
    """

    run_id: str
    state: str
    detail: str = ""

    @property
    def finished(self) -> bool:
        """Whether the run finished and its parts are whole."""
        return self.state in ("ok", "failed")


def read_receipt(path: Path) -> dict[str, Any] | None:
    """Return a receipt's content, or ``None`` when it is absent or unreadable."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    return data if isinstance(data, dict) and isinstance(data.get("parts"), dict) else None


def _check_part(root: Path, table: str, entry: Mapping[str, Any]) -> str:
    path = root / f"{table}.parquet" / str(entry.get("file", ""))
    try:
        size = path.stat().st_size
    except OSError:
        return f"{table} part {path.name} is missing"
    if size != entry.get("bytes"):
        return f"{table} part {path.name} has {size} bytes, its receipt says {entry.get('bytes')}"
    try:
        if file_sha256(path) != entry.get("sha256"):
            return f"{table} part {path.name} does not match its checksum"
        rows = pq.read_metadata(path).num_rows
    except Exception as exc:  # noqa: BLE001 - any unreadable part is damage, named below
        return f"{table} part {path.name} cannot be read ({type(exc).__name__})"
    if rows != entry.get("rows"):
        return f"{table} part {path.name} has {rows} rows, its receipt says {entry.get('rows')}"
    return ""


def run_state(root: Path, run_id: str, receipt_path: Path) -> RunState:
    """Verify one run's parts against its receipt.

    Args:
        root: The results folder.
        run_id: The run.
        receipt_path: Where its receipt is (it may be absent).

    Returns:
        The run's state.
    """
    if not receipt_path.exists():
        return RunState(run_id, "missing")
    receipt = read_receipt(receipt_path)
    if receipt is None or receipt.get("run_id") != run_id:
        return RunState(run_id, "damaged", f"receipt {receipt_path.name} is unreadable")
    for table, entry in sorted(receipt["parts"].items()):
        problem = _check_part(root, table, entry) if isinstance(entry, dict) else "bad receipt"
        if problem:
            return RunState(run_id, "damaged", problem)
    status = str(receipt.get("status"))
    return RunState(run_id, "ok" if status == "ok" else "failed")
