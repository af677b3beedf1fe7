"""``flowsim run``: the four result files, their columns, and byte-identical reruns."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from flowsim.cli.main import main
from flowsim.tables import FLOWS_COLUMNS, RUNS_COLUMNS, TIMESERIES_COLUMNS

ROOT = Path(__file__).resolve().parents[1]


def _run(out: Path) -> None:
    argv = [
        "run",
        str(ROOT / "scenarios" / "baseline.toml"),
        "--months",
        "24",
        "--scale",
        "20000",
        "--out",
        str(out),
    ]
    assert main(argv) == 0


def test_run_writes_the_four_tables_and_reruns_identically(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    _run(a)
    _run(b)
    manifest = json.loads((a / "manifest.json").read_text())
    assert manifest["format_version"] >= 1
    assert list(pd.read_parquet(a / "runs.parquet").columns) == list(RUNS_COLUMNS)
    ts = pd.read_parquet(a / "timeseries.parquet")
    assert list(ts.columns) == list(TIMESERIES_COLUMNS)
    assert {"stock", "employed", "journeys_first", "emigrants"} <= set(ts.variable)
    assert list(pd.read_parquet(a / "flows.parquet").columns) == list(FLOWS_COLUMNS)
    for table in ("timeseries", "flows"):
        (pa,) = (a / f"{table}.parquet").glob("part-*.parquet")
        (pb,) = (b / f"{table}.parquet").glob("part-*.parquet")
        assert pa.read_bytes() == pb.read_bytes(), f"{table} differs between identical runs"
