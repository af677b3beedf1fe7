"""Measurement helpers shared by both sides (standard library only: each side runs in its own
interpreter, Flee's in the benchmark's venv)."""

from __future__ import annotations


def vm_hwm_mb() -> float:
    """Peak resident set of this process from /proc (MB)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")
