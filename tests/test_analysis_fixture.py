"""A hand-made results folder with known numbers, shared by the analysis tests.

Three scenarios; replicates 0-2 finished everywhere, replicate 3 finished in "pathways" but
failed in "baseline" (its rows hold huge numbers that must never count). Four months over
two years, three hosts of Venezuelans, plus Venezuelans at home (never "abroad").
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd

from flowsim import tables
from flowsim.analysis import load_results

SCENARIOS = ("baseline", "closure", "pathways")
MONTHS = (dt.date(2025, 11, 1), dt.date(2025, 12, 1), dt.date(2026, 1, 1), dt.date(2026, 2, 1))
HOSTS = ("COL", "PER", "CHL")
#: Finished replicates per scenario; baseline replicate 3 failed.
REPLICATES = {"baseline": (0, 1, 2), "closure": (0, 1, 2), "pathways": (0, 1, 2, 3)}
FAILED = ("baseline", 3)

_rng = np.random.default_rng(20250101)
#: journeys_onward[scenario][replicate, month, host] (status "all").
ONWARD = {s: _rng.integers(0, 100, size=(4, 4, 3)).astype(float) for s in SCENARIOS}
#: stock[scenario][replicate, month, host, status] of Venezuelans abroad.
STOCK = {s: _rng.integers(0, 50, size=(4, 4, 3, 5)).astype(float) for s in SCENARIOS}
#: employed[scenario][replicate, month, host, status].
EMPLOYED = {s: np.floor(STOCK[s] * _rng.uniform(0, 1, size=STOCK[s].shape)) for s in SCENARIOS}
#: People crossing the Darien Gap (COL -> PAN, onward) per [replicate, month].
DARIEN = {
    "baseline": _rng.integers(10, 60, size=(4, 4)).astype(float),
    "closure": np.zeros((4, 4)),
    "pathways": _rng.integers(10, 60, size=(4, 4)).astype(float),
}
#: People crossing PER -> CHL (onward, land) per [replicate, month].
PER_CHL = {s: _rng.integers(1, 20, size=(4, 4)).astype(float) for s in SCENARIOS}
#: People flying VEN -> ESP (first journeys) per [replicate, month]; zero in "closure".
VEN_ESP = {
    "baseline": np.full((4, 4), 3.0),
    "closure": np.zeros((4, 4)),
    "pathways": np.full((4, 4), 5.0),
}
HUGE = 1e9
#: Statuses of STOCK's last axis.
ABROAD = ("irregular", "pending", "regular", "labor_visa", "naturalized")

MANIFEST = {
    "format_version": tables.FORMAT_VERSION,
    "flowsim_version": "0.1.0",
    "experiment": {"name": "fixture", "replicates": 3, "agent_scale": 100, "months": 4},
    "scenarios": list(SCENARIOS),
    "calibration": {"baseline": None, "closure": None, "pathways": None},
}


def run_id(scenario: str, replicate: int) -> str:
    return f"{scenario}/r{replicate}"


def write_results(folder: Path) -> Path:
    """Write the fixture results folder and return its path."""
    folder.mkdir(parents=True, exist_ok=True)
    runs, series, flows = [], [], []
    for s in SCENARIOS:
        for r in range(4):
            failed = (s, r) == FAILED
            if r not in REPLICATES[s] and not failed:
                continue
            rid = run_id(s, r)
            runs.append(
                {
                    "run_id": rid,
                    "scenario": s,
                    "replicate": r,
                    "seed": 1000 + r,
                    "status": "failed" if failed else "ok",
                    "error": "ValueError: boom" if failed else "",
                    "seconds": 1.5,
                    "flowsim_version": "0.1.0",
                    "params": "{}",
                }
            )
            scale = HUGE if failed else 1.0
            for m, month in enumerate(MONTHS):
                base = {"run_id": rid, "scenario": s, "replicate": r, "month": month}
                for h, host in enumerate(HOSTS):
                    cell = {**base, "country": host, "nationality": "VEN"}
                    series.append(
                        {
                            **cell,
                            "status": "all",
                            "variable": "journeys_onward",
                            "value": scale * ONWARD[s][r, m, h],
                        }
                    )
                    for k, status in enumerate(ABROAD):
                        series.append(
                            {
                                **cell,
                                "status": status,
                                "variable": "stock",
                                "value": scale * STOCK[s][r, m, h, k],
                            }
                        )
                        series.append(
                            {
                                **cell,
                                "status": status,
                                "variable": "employed",
                                "value": scale * EMPLOYED[s][r, m, h, k],
                            }
                        )
                # Venezuelans at home: never counted as migrants abroad.
                series.append(
                    {
                        **base,
                        "country": "VEN",
                        "nationality": "VEN",
                        "status": "regular",
                        "variable": "stock",
                        "value": 5e6,
                    }
                )
                route = {"nationality": "VEN", "kind": "onward"}
                flows.append(
                    {
                        **base,
                        **route,
                        "from_country": "COL",
                        "to_country": "PAN",
                        "route": tables.DARIEN_ROUTE,
                        "mode": "land",
                        "people": scale * DARIEN[s][r, m],
                    }
                )
                flows.append(
                    {
                        **base,
                        **route,
                        "from_country": "PER",
                        "to_country": "CHL",
                        "route": "r12",
                        "mode": "land",
                        "people": scale * PER_CHL[s][r, m],
                    }
                )
                flows.append(
                    {
                        **base,
                        **route,
                        "kind": "first",
                        "from_country": "VEN",
                        "to_country": "ESP",
                        "route": "r40",
                        "mode": "air",
                        "people": scale * VEN_ESP[s][r, m],
                    }
                )
    pd.DataFrame(runs, columns=tables.RUNS_COLUMNS).to_parquet(folder / "runs.parquet")
    ts = pd.DataFrame(series, columns=tables.TIMESERIES_COLUMNS)
    parts = folder / "timeseries.parquet"
    parts.mkdir(exist_ok=True)
    for i, s in enumerate(SCENARIOS):  # a directory of part files, as a streaming store writes
        ts[ts["scenario"] == s].to_parquet(parts / f"part-{i:05d}.parquet", index=False)
    fl = pd.DataFrame(flows, columns=tables.FLOWS_COLUMNS)
    fl.to_parquet(folder / "flows.parquet", index=False)
    (folder / "manifest.json").write_text(json.dumps(MANIFEST), encoding="utf-8")
    return folder


# --- the fixture reads back ------------------------------------------------------------


def test_failed_runs_are_dropped(tmp_path):
    frames = load_results(write_results(tmp_path / "res"))
    assert run_id(*FAILED) not in set(frames.runs["run_id"])
    assert frames.timeseries["value"].max() < HUGE
    assert frames.flows["people"].max() < HUGE
    assert frames.scenarios == list(SCENARIOS)


def test_months_become_timestamps(tmp_path):
    frames = load_results(write_results(tmp_path / "res"))
    assert pd.api.types.is_datetime64_any_dtype(frames.timeseries["month"])
    assert frames.timeseries["month"].min() == pd.Timestamp("2025-11-01")


def test_variables_filter_reads_less(tmp_path):
    frames = load_results(write_results(tmp_path / "res"), variables=["stock"], with_flows=False)
    assert set(frames.timeseries["variable"]) == {"stock"}
    assert frames.flows.empty


def test_manifest_is_read(tmp_path):
    frames = load_results(write_results(tmp_path / "res"))
    assert frames.manifest["experiment"]["agent_scale"] == 100


def write_grid_results(folder: Path) -> Path:
    """The fixture as a sweep with a parameter grid ``x`` in {1, 2}: every scenario at both
    points, the x=2 copies holding 10 times the people (so pairing across points shows)."""
    flat = write_results(folder.with_name(folder.name + "_flat"))
    folder.mkdir(parents=True, exist_ok=True)
    runs = pd.read_parquet(flat / "runs.parquet")
    ts = pd.read_parquet(flat / "timeseries.parquet")
    fl = pd.read_parquet(flat / "flows.parquet")
    out = {"runs": [], "timeseries": [], "flows": []}
    for x in (1, 2):

        def relabel(df: pd.DataFrame, x: int = x) -> pd.DataFrame:
            df = df.copy()
            df["scenario"] = df["scenario"] + f"[x={x}]"
            df["run_id"] = df["scenario"] + "/r" + df["replicate"].astype(str)
            return df

        out["runs"].append(relabel(runs).assign(params=json.dumps({"x": x})))
        out["timeseries"].append(
            relabel(ts).assign(value=lambda d, x=x: d["value"] * 10 ** (x - 1))
        )
        out["flows"].append(relabel(fl).assign(people=lambda d, x=x: d["people"] * 10 ** (x - 1)))
    for name, parts in out.items():
        pd.concat(parts, ignore_index=True).to_parquet(folder / f"{name}.parquet", index=False)
    manifest = {**MANIFEST, "experiment": {**MANIFEST["experiment"], "grid": {"x": [1, 2]}}}
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return folder
