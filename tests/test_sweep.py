"""Sweeps: identical results on every executor, resume after a kill, failures as rows."""

from __future__ import annotations

import os
import pickle
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

import fake_runs
from flowsim.engine.sweep import Receipt, _Task, execute, run_sweep
from flowsim.errors import ResultsError, ScenarioError
from flowsim.experiment import expand, load_experiment
from flowsim.results.store import PartWriter

TESTS = Path(__file__).parent

EXPERIMENT = """
name = "tiny"
scenarios = ["baseline", "integration_andean"]
replicates = {replicates}
seed = 12345
[run]
months = 6
scale = 5000
[grid]
"parameters.b_net" = [0.5, 1.0]
"""


@pytest.fixture
def experiment(tmp_path, monkeypatch) -> Path:
    fake_runs.install(monkeypatch)
    src = str(TESTS.parent / "src")  # absolute: subprocesses run from other folders
    pythonpath = os.pathsep.join(filter(None, [str(TESTS), src, os.environ.get("PYTHONPATH")]))
    monkeypatch.setenv("PYTHONPATH", pythonpath)  # workers import fake_runs
    folder = tmp_path / "experiments"
    folder.mkdir()
    path = folder / "tiny.toml"
    path.write_text(EXPERIMENT.format(replicates=2))
    return path


def tables_of(folder: Path) -> dict[str, pd.DataFrame]:
    out = {}
    for name in ("runs", "timeseries", "flows"):
        frame = pd.read_parquet(folder / f"{name}.parquet")
        out[name] = frame.sort_values(list(frame.columns)).reset_index(drop=True)
    return out


def part_bytes(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.glob("*.parquet/*.parquet"))
    }


def assert_same_store(a: Path, b: Path) -> None:
    ta, tb = tables_of(a), tables_of(b)
    for name in ta:
        pd.testing.assert_frame_equal(ta[name], tb[name])
    assert part_bytes(a) == part_bytes(b)


def test_serial_processes_and_dask_give_identical_results(experiment, tmp_path):
    summaries = {}
    for executor in ("serial", "processes", "dask"):
        summaries[executor] = run_sweep(
            experiment,
            tmp_path / executor,
            executor=executor,
            workers=2,
            progress=False,
            run_fn=fake_runs.fake_run,
        )
    assert all(s.done == 8 and s.ok for s in summaries.values())
    assert len(tables_of(tmp_path / "serial")["runs"]) == 8
    assert_same_store(tmp_path / "serial", tmp_path / "processes")
    assert_same_store(tmp_path / "serial", tmp_path / "dask")


def test_rerun_skips_finished_runs(experiment, tmp_path):
    first = run_sweep(
        experiment, tmp_path / "out", executor="serial", progress=False, run_fn=fake_runs.fake_run
    )
    again = run_sweep(
        experiment, tmp_path / "out", executor="serial", progress=False, run_fn=fake_runs.fake_run
    )
    assert (first.done, again.done, again.skipped) == (8, 0, 8)


def test_a_failing_run_is_a_row_and_the_others_complete(experiment, tmp_path, monkeypatch):
    bad = "integration_andean[parameters.b_net=1.0]/r001"
    monkeypatch.setenv("FLOWSIM_FAKE_FAIL", bad)
    summary = run_sweep(
        experiment,
        tmp_path / "out",
        executor="processes",
        workers=2,
        progress=False,
        run_fn=fake_runs.fake_run,
    )
    assert summary.done == 7 and [r for r, _ in summary.failed] == [bad]
    runs = tables_of(tmp_path / "out")["runs"].set_index("run_id")
    assert runs.loc[bad, "status"] == "failed"
    assert "deliberate failure" in runs.loc[bad, "error"]
    assert bad not in set(pd.read_parquet(tmp_path / "out" / "timeseries.parquet")["run_id"])
    # a rerun keeps the failure; --retry-failed reruns it
    monkeypatch.delenv("FLOWSIM_FAKE_FAIL")
    kept = run_sweep(
        experiment, tmp_path / "out", executor="serial", progress=False, run_fn=fake_runs.fake_run
    )
    assert (kept.done, kept.skipped) == (0, 8)
    retried = run_sweep(
        experiment,
        tmp_path / "out",
        executor="serial",
        progress=False,
        run_fn=fake_runs.fake_run,
        retry_failed=True,
    )
    assert (retried.done, retried.skipped) == (1, 7)
    run_sweep(
        experiment, tmp_path / "clean", executor="serial", progress=False, run_fn=fake_runs.fake_run
    )
    assert_same_store(tmp_path / "out", tmp_path / "clean")


def test_a_dying_worker_fails_only_its_run(experiment, tmp_path, monkeypatch):
    bad = "baseline[parameters.b_net=1.0]/r000"
    monkeypatch.setenv("FLOWSIM_FAKE_DIE", bad)
    summary = run_sweep(
        experiment,
        tmp_path / "out",
        executor="processes",
        workers=2,
        progress=False,
        run_fn=fake_runs.fake_run,
    )
    assert summary.done == 7 and [r for r, _ in summary.failed] == [bad]
    assert "died" in summary.failed[0][1]
    runs = tables_of(tmp_path / "out")["runs"]
    assert runs["run_id"].is_unique and len(runs) == 8


def test_an_invalid_scenario_writes_nothing(experiment, tmp_path):
    experiment.write_text(experiment.read_text().replace('"integration_andean"', '"broken"'))
    with pytest.raises(ScenarioError):
        run_sweep(experiment, tmp_path / "out", executor="serial", run_fn=fake_runs.fake_run)
    assert not (tmp_path / "out").exists()


def test_a_changed_experiment_is_refused(experiment, tmp_path):
    run_sweep(
        experiment, tmp_path / "out", executor="serial", progress=False, run_fn=fake_runs.fake_run
    )
    experiment.write_text(EXPERIMENT.format(replicates=3))
    with pytest.raises(ResultsError, match="experiment.replicates: 2 -> 3"):
        run_sweep(experiment, tmp_path / "out", executor="serial", run_fn=fake_runs.fake_run)


def test_what_goes_to_workers_survives_pickle(experiment, tmp_path):
    exp = load_experiment(experiment)
    spec = expand(exp).runs[0]
    task = _Task(PartWriter(tmp_path), fake_runs.fake_run)
    for obj in (exp, spec, task, Receipt("a/r000", "ok", 1.0)):
        assert pickle.loads(pickle.dumps(obj)) == obj
    for name in ("runs", "timeseries", "flows"):
        (tmp_path / f"{name}.parquet").mkdir()
    assert execute(spec, PartWriter(tmp_path), fake_runs.fake_run).status == "ok"


def test_killed_sweep_resumes_to_the_same_store(experiment, tmp_path):
    experiment.write_text(EXPERIMENT.format(replicates=4))  # 16 runs
    env = {**os.environ, "FLOWSIM_FAKE_SLEEP": "0.3"}
    out = tmp_path / "killed"
    cmd = [sys.executable, "-m", "fake_runs", str(experiment), str(out), "processes"]
    proc = subprocess.Popen(cmd, env=env, cwd=TESTS, start_new_session=True)
    # a run is finished when its receipt lands (written after its parts): a run killed
    # between its runs part and its receipt is unfinished and must be redone, so count
    # receipts, not parts
    receipts = out / "receipts"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        done = list(receipts.glob("part-*.json")) if receipts.exists() else []
        if len(done) >= 3:
            break
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)  # the sweep and its workers, mid-run
    proc.wait()
    # the workers inherit the folder's lock: wait until every process of the group is gone,
    # or the resumed sweep finds the folder still in use (correctly)
    gone_by = time.monotonic() + 20
    while time.monotonic() < gone_by:
        try:
            os.killpg(proc.pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.05)
    finished = len(list(receipts.glob("part-*.json")))
    assert 3 <= finished < 16, "the sweep should have been killed part-way"
    resumed = run_sweep(
        experiment, out, executor="processes", workers=2, progress=False, run_fn=fake_runs.fake_run
    )
    assert resumed.skipped == finished and resumed.done == 16 - finished
    run_sweep(
        experiment, tmp_path / "whole", executor="serial", progress=False, run_fn=fake_runs.fake_run
    )
    assert tables_of(out)["runs"]["run_id"].is_unique
    assert_same_store(out, tmp_path / "whole")


def test_cli_exit_status(experiment, tmp_path, monkeypatch, capsys):
    from flowsim.cli.main import main

    args = ["sweep", str(experiment), "--executor", "serial", "--no-progress"]
    assert main([*args, "--out", str(tmp_path / "ok")]) == 0
    assert "8 runs: 8 done" in capsys.readouterr().out
    monkeypatch.setenv("FLOWSIM_FAKE_FAIL", "baseline[parameters.b_net=0.5]/r000")
    assert main([*args, "--out", str(tmp_path / "some_failed")]) == 1
    assert "deliberate failure" in capsys.readouterr().err
    experiment.write_text(EXPERIMENT.format(replicates=3))
    assert main([*args, "--out", str(tmp_path / "ok")]) == 2  # another experiment's folder
    assert "new --out" in capsys.readouterr().err
    experiment.write_text(experiment.read_text().replace("baseline", "broken"))
    assert main([*args, "--out", str(tmp_path / "bad")]) == 2
    assert not (tmp_path / "bad").exists()


REPO = TESTS.parent


@pytest.fixture
def real_experiment(tmp_path) -> Path:
    """experiments/smoke.toml on the real model; two minimal scenarios until those land."""
    smoke = REPO / "experiments" / "smoke.toml"
    if all((REPO / "scenarios" / f"{n}.toml").exists() for n in ("baseline", "integration_andean")):
        return smoke
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "experiments").mkdir()
    (tmp_path / "scenarios" / "baseline.toml").write_text('description = "base"\n')
    (tmp_path / "scenarios" / "integration_andean.toml").write_text(
        'extends = "baseline"\n[parameters]\nb_net = 0.5\n'
    )
    path = tmp_path / "experiments" / "smoke.toml"
    path.write_text(smoke.read_text())
    return path


def test_real_model_gives_identical_results_on_every_executor(real_experiment, tmp_path):
    for executor in ("serial", "processes", "dask"):
        summary = run_sweep(
            real_experiment, tmp_path / executor, executor=executor, workers=2, progress=False
        )
        assert summary.ok and summary.done == summary.total == 4, summary.failed
    base = tables_of(tmp_path / "serial")
    assert not base["timeseries"].empty and not base["flows"].empty
    for executor in ("processes", "dask"):
        other = tables_of(tmp_path / executor)
        for name in ("timeseries", "flows"):
            pd.testing.assert_frame_equal(base[name], other[name])
        pd.testing.assert_frame_equal(
            base["runs"].drop(columns="seconds"), other["runs"].drop(columns="seconds")
        )
        data_parts = {k: v for k, v in part_bytes(tmp_path / executor).items() if "runs" not in k}
        assert data_parts == {
            k: v for k, v in part_bytes(tmp_path / "serial").items() if "runs" not in k
        }
