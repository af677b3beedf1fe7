"""One run as a pure function: ``run_one(RunSpec) -> RunResult``.

The CLI, notebooks, sweeps and tests all go through ``run_one``. It reads no global state
and writes no files; everything it needs is in the spec (which survives pickling, so it can
be sent to worker processes), and failures come back as data (a ``failed`` row with the
error) instead of exceptions.
"""

from __future__ import annotations

import json
import time
import traceback
from dataclasses import dataclass
from typing import Any

import pandas as pd

from flowsim import __version__
from flowsim.experiment import RunSpec
from flowsim.tables import FLOWS_COLUMNS, RUNS_COLUMNS, TIMESERIES_COLUMNS


@dataclass
class RunResult:
    """The tables of one run (see ``flowsim.tables``)."""

    run: dict[str, Any]
    timeseries: pd.DataFrame
    flows: pd.DataFrame

    @property
    def ok(self) -> bool:
        """Whether the run finished."""
        return self.run["status"] == "ok"


def _with_ids(df: pd.DataFrame, spec: RunSpec, columns: tuple[str, ...]) -> pd.DataFrame:
    df = df.copy()
    df.insert(0, "run_id", spec.run_id)
    df.insert(1, "scenario", spec.scenario_label)
    df.insert(2, "replicate", spec.replicate)
    df["replicate"] = df["replicate"].astype("int32")
    return df[list(columns)]


def empty_tables() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Empty timeseries and flows tables with the right columns."""
    return (
        pd.DataFrame({c: [] for c in TIMESERIES_COLUMNS}),
        pd.DataFrame({c: [] for c in FLOWS_COLUMNS}),
    )


def simulate(spec: RunSpec) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Build and run the model for a spec; return (timeseries, flows) with ids."""
    from flowsim.model import FlowModel
    from flowsim.world import load_world

    world = load_world(spec.world_dir) if spec.world_dir else None
    model = FlowModel(spec.scenario, world=world, seed=spec.seed)
    model.run_months()
    return (
        _with_ids(model.recorder.timeseries(), spec, TIMESERIES_COLUMNS),
        _with_ids(model.recorder.flow_table(), spec, FLOWS_COLUMNS),
    )


def run_one(spec: RunSpec) -> RunResult:
    """Run one scenario replicate; never raises for a failing model.

    Args:
        spec: What to run.

    Returns:
        A ``RunResult`` whose ``run`` row has status ``ok``, or ``failed`` with the error
        text and empty tables.
    """
    t0 = time.perf_counter()
    status, error = "ok", ""
    try:
        ts, flows = simulate(spec)
    except Exception as exc:  # noqa: BLE001 - a failed run is data, not a crash
        status = "failed"
        error = f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=5)}"
        ts, flows = empty_tables()
    row = {
        "run_id": spec.run_id,
        "scenario": spec.scenario_label,
        "replicate": int(spec.replicate),
        "seed": int(spec.seed),
        "status": status,
        "error": error,
        "seconds": round(time.perf_counter() - t0, 3),
        "flowsim_version": __version__,
        "params": json.dumps(spec.params, sort_keys=True, default=str),
    }
    return RunResult(run={k: row[k] for k in RUNS_COLUMNS}, timeseries=ts, flows=flows)
