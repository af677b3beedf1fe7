"""Integrity of results folders: receipts, damaged parts, provenance, failed runs, --extend.

Uses the fast fake model of ``fake_runs`` with the real sweep, store and CLI.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

import fake_runs
from flowsim import results
from flowsim.cli.main import main
from flowsim.engine.sweep import run_sweep
from flowsim.errors import ResultsError
from flowsim.experiment import expand, load_experiment

TESTS = Path(__file__).parent

EXPERIMENT = """
name = "tiny"
scenarios = ["baseline", "integration_andean"]
replicates = {replicates}
seed = {seed}
[run]
months = 6
scale = 5000
"""


def write_experiment(path: Path, replicates: int = 2, seed: int = 12345) -> Path:
    path.write_text(EXPERIMENT.format(replicates=replicates, seed=seed))
    return path


@pytest.fixture
def experiment(tmp_path, monkeypatch) -> Path:
    fake_runs.install_for_workers(monkeypatch)
    folder = tmp_path / "experiments"
    folder.mkdir()
    return write_experiment(folder / "tiny.toml")


def sweep(experiment: Path, out: Path, **kwargs):
    return run_sweep(
        experiment, out, executor="serial", progress=False, run_fn=fake_runs.fake_run, **kwargs
    )


def store_bytes(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for pattern in ("*.parquet/*.parquet", "receipts/*.json")
        for p in sorted(folder.glob(pattern))
    }


def test_every_part_has_a_receipt_with_size_rows_and_checksum(experiment, tmp_path):
    out = tmp_path / "out"
    sweep(experiment, out)
    receipts = sorted((out / "receipts").glob("*.json"))
    assert len(receipts) == 4
    for receipt in receipts:
        data = json.loads(receipt.read_text())
        assert set(data["parts"]) == {"runs", "timeseries", "flows"}
        for table, entry in data["parts"].items():
            part = out / f"{table}.parquet" / entry["file"]
            assert entry["bytes"] == part.stat().st_size
            assert entry["rows"] == pq.read_metadata(part).num_rows > 0
            assert entry["sha256"] == hashlib.sha256(part.read_bytes()).hexdigest()


def _damage(out: Path, how: str) -> tuple[str, Path]:
    run_id = "integration_andean/r001"
    table = {"missing": "timeseries", "truncated": "flows", "flipped": "timeseries"}[how]
    (part,) = [p for p in (out / f"{table}.parquet").glob("*integration_andean_r001*")]
    data = part.read_bytes()
    if how == "missing":
        part.unlink()
    elif how == "truncated":
        part.write_bytes(data[: len(data) // 3])
    else:  # same size, one byte changed
        middle = len(data) // 2
        part.write_bytes(data[:middle] + bytes([data[middle] ^ 0xFF]) + data[middle + 1 :])
    return run_id, part


@pytest.mark.parametrize("how", ["missing", "truncated", "flipped"])
def test_a_damaged_part_is_named_refused_and_rerun(experiment, tmp_path, capsys, how):
    out, clean = tmp_path / "out", tmp_path / "clean"
    sweep(experiment, out)
    sweep(experiment, clean)
    run_id, _ = _damage(out, how)
    # readers refuse it, naming the run: no zeros read as an effect, no pyarrow traceback
    with pytest.raises(ResultsError, match=f"run {run_id} is damaged"):
        results.open(out)
    assert main(["compare", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"run {run_id} is damaged" in err and "Traceback" not in err
    # resume reruns exactly that run, names it, and repairs the store byte for byte
    resumed = sweep(experiment, out)
    assert [r for r, _ in resumed.repaired] == [run_id]
    assert (resumed.done, resumed.skipped) == (1, 3)
    assert store_bytes(out) == store_bytes(clean)
    assert len(results.open(out).runs) == 4


def test_a_runs_part_without_receipt_is_not_done(experiment, tmp_path):
    out = tmp_path / "out"
    sweep(experiment, out)
    (receipt,) = (out / "receipts").glob("*baseline_r000*")
    receipt.unlink()  # killed after the runs part, before the receipt
    with pytest.raises(ResultsError, match="run baseline/r000 has not finished"):
        results.open(out)
    assert sweep(experiment, out).done == 1


def test_the_manifest_records_provenance(experiment, tmp_path):
    out = tmp_path / "out"
    sweep(experiment, out)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["kind"] == "sweep" and manifest["flowsim_version"]
    assert "git_commit" in manifest
    assert {"countries.csv", "routes.csv", "visas.csv", "push.csv"} <= set(manifest["inputs"])
    assert manifest["settings"]["baseline"] == {"start": "2019-01", "months": 6, "scale": 5000}
    assert manifest["calibration"] == {"baseline": None, "integration_andean": None}
    text = (out / "manifest.json").read_text()
    assert text.count("\n  {") == 4 and len(text.splitlines()[-3]) < 200  # a line per run
    plan = expand(load_experiment(experiment))
    assert [(r["run_id"], r["seed"]) for r in manifest["runs"]] == [
        (s.run_id, s.seed) for s in plan.runs
    ]


@pytest.mark.parametrize(
    ("key", "value", "shown"),
    [
        ("git_commit", "0" * 40, "git_commit"),
        ("flowsim_version", "0.0.1", "flowsim_version"),
        ("inputs", {"countries.csv": "x"}, "input table countries.csv"),
    ],
)
def test_resuming_with_other_code_or_inputs_is_refused(experiment, tmp_path, key, value, shown):
    out = tmp_path / "out"
    sweep(experiment, out)
    path = out / "manifest.json"
    manifest = json.loads(path.read_text())
    if key == "inputs":
        manifest["inputs"] = {**manifest["inputs"], **value}
    else:
        manifest[key] = value
    path.write_text(json.dumps(manifest))
    before = store_bytes(out)
    with pytest.raises(ResultsError, match=shown):
        sweep(experiment, out)
    assert store_bytes(out) == before


def test_another_format_version_is_refused_everywhere(experiment, tmp_path, capsys):
    out = tmp_path / "out"
    sweep(experiment, out)
    path = out / "manifest.json"
    path.write_text(path.read_text().replace('"format_version": 2', '"format_version": 1'))
    with pytest.raises(ResultsError, match="format_version 1 .allowed: 2"):
        sweep(experiment, out)
    with pytest.raises(ResultsError, match="format_version 1"):
        results.open(out)
    assert main(["compare", str(out)]) == 2
    assert "format_version 1" in capsys.readouterr().err


def test_failed_runs_stay_visible(experiment, tmp_path, monkeypatch, capsys):
    out = tmp_path / "out"
    args = ["sweep", str(experiment), "--executor", "serial", "--no-progress", "--out", str(out)]
    monkeypatch.setenv("FLOWSIM_FAKE_FAIL", "baseline/r001")
    assert main(args) == 1
    monkeypatch.delenv("FLOWSIM_FAKE_FAIL")
    capsys.readouterr()
    assert main(args) == 1  # nothing rerun, but the failure is still there
    err = capsys.readouterr().err
    assert "baseline/r001: failed in an earlier sweep" in err and "--retry-failed" in err
    # compare refuses to pair 1 baseline replicate against 2
    assert main(["compare", str(out)]) == 2
    assert "run baseline/r001 failed" in capsys.readouterr().err
    assert main([*args, "--retry-failed"]) == 0
    assert len(results.open(out).runs) == 4  # complete again


def test_extend_adds_replicates_without_rerunning_and_keeps_seeds_paired(experiment, tmp_path):
    out, clean = tmp_path / "out", tmp_path / "clean"
    sweep(experiment, out)
    before = store_bytes(out)
    write_experiment(experiment, replicates=3)
    with pytest.raises(ResultsError, match="--extend"):
        sweep(experiment, out)
    assert store_bytes(out) == before
    extended = sweep(experiment, out, extend=True)
    assert (extended.done, extended.skipped) == (2, 4)
    after = store_bytes(out)
    assert {k: after[k] for k in before} == before  # existing runs untouched
    sweep(experiment, clean)
    assert after == store_bytes(clean)  # same as a sweep of 3 replicates from scratch
    runs = results.open(out).runs
    seeds = runs.pivot(index="replicate", columns="scenario", values="seed")
    assert (seeds["baseline"] == seeds["integration_andean"]).all()
    assert sweep(experiment, out).done == 0  # the extended folder resumes normally


def test_extend_refuses_changes_to_existing_runs(experiment, tmp_path):
    out = tmp_path / "out"
    sweep(experiment, out)
    write_experiment(experiment, replicates=3, seed=999)  # every seed changes
    with pytest.raises(ResultsError, match="run baseline/r000: its seed or grid point changed"):
        sweep(experiment, out, extend=True)
    write_experiment(experiment, replicates=1)  # fewer runs is not an extension
    with pytest.raises(ResultsError, match="baseline/r001: no longer in the experiment"):
        sweep(experiment, out, extend=True)


def test_extend_adds_grid_points(experiment, tmp_path):
    out = tmp_path / "out"
    text = experiment.read_text()
    experiment.write_text(text + '[grid]\n"parameters.b_net" = [0.5]\n')
    sweep(experiment, out)
    experiment.write_text(text + '[grid]\n"parameters.b_net" = [0.5, 1.0]\n')
    extended = sweep(experiment, out, extend=True)
    assert (extended.done, extended.skipped) == (4, 4)
    assert len(pd.read_parquet(out / "runs.parquet")) == 8


def test_sweep_overwrite_moves_other_results_aside(experiment, tmp_path):
    out = tmp_path / "out"
    sweep(experiment, out)
    (out / "report").mkdir()
    (out / "report" / "summary.md").write_text("old report")
    before = store_bytes(out)
    write_experiment(experiment, seed=99)
    summary = sweep(experiment, out, overwrite=True)
    assert summary.done == 4 and summary.moved_aside is not None
    assert store_bytes(summary.moved_aside) == before
    assert (summary.moved_aside / "report" / "summary.md").read_text() == "old report"
    assert json.loads((out / "manifest.json").read_text())["experiment"]["seed"] == 99
