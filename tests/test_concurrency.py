"""Concurrent use of a results folder: a lock naming its holder; workers die with the sweep."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

import fake_runs
from flowsim.cli.main import main
from flowsim.engine.sweep import run_sweep
from flowsim.errors import ResultsError

TESTS = Path(__file__).parent

EXPERIMENT = """
name = "tiny"
scenarios = ["baseline", "integration_andean"]
replicates = {replicates}
seed = 12345
[run]
months = 6
scale = 5000
"""


@pytest.fixture
def experiment(tmp_path, monkeypatch) -> Path:
    fake_runs.install_for_workers(monkeypatch)
    path = tmp_path / "tiny.toml"
    path.write_text(EXPERIMENT.format(replicates=3))
    return path


def start_sweep(experiment: Path, out: Path, executor: str, sleep: float) -> subprocess.Popen:
    env = {**os.environ, "FLOWSIM_FAKE_SLEEP": str(sleep)}
    cmd = [sys.executable, "-m", "fake_runs", str(experiment), str(out), executor]
    return subprocess.Popen(cmd, env=env, cwd=TESTS, start_new_session=True)


def wait_for(condition, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.05)


def test_a_second_writer_or_reader_is_refused_naming_the_holder(experiment, tmp_path, capsys):
    out = tmp_path / "out"
    proc = start_sweep(experiment, out, "serial", sleep=4.0)  # 6 runs, about 24 s
    try:
        wait_for(lambda: (out / "manifest.json").exists())
        with pytest.raises(ResultsError, match=rf"in use by .*pid {proc.pid} "):
            run_sweep(experiment, out, executor="serial", progress=False, run_fn=fake_runs.fake_run)
        assert main(["compare", str(out)]) == 2  # no report from a half-written folder
        err = capsys.readouterr().err
        assert f"pid {proc.pid}" in err and len(err.strip().splitlines()) == 1
        assert proc.poll() is None, "the refused commands must not disturb the running sweep"
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    again = run_sweep(experiment, out, executor="serial", progress=False, run_fn=fake_runs.fake_run)
    assert again.done + again.skipped == 6 and again.ok  # kill -9 left no stale lock


def test_killing_the_sweep_parent_kills_its_workers(experiment, tmp_path):
    out = tmp_path / "out"
    proc = start_sweep(experiment, out, "processes", sleep=30.0)  # workers stay busy
    parent = psutil.Process(proc.pid)
    try:
        wait_for(lambda: len(parent.children(recursive=True)) >= 2)
        time.sleep(0.5)  # let the workers finish starting
        workers = parent.children(recursive=True)
    finally:
        proc.send_signal(signal.SIGKILL)  # the parent only, not its process group
        proc.wait()
    gone, alive = psutil.wait_procs(workers, timeout=15)
    for p in alive:  # clean up before failing
        p.kill()
    assert not alive, f"{len(alive)} worker(s) outlived the killed sweep"
    assert len(gone) >= 2
