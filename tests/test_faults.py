"""Faults: kill -9 at many points, a full disk, a read-only folder; nothing is lost or miscounted.

Kill points are deterministic: the sweep process dies (``os._exit``, as abrupt as
``kill -9``) at its N-th atomic file write, either after the temporary file is written
and before it is renamed into place, or just after the rename. Every kill point must
resume to a store byte-identical to an uninterrupted sweep. A few points run by default;
``-m slow`` runs every one.
"""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from pathlib import Path

import pytest

import fake_runs
from flowsim import results
from flowsim.cli.main import main
from flowsim.engine.sweep import run_sweep
from flowsim.errors import ResultsError

TESTS = Path(__file__).parent

EXPERIMENT = """
name = "tiny"
scenarios = ["baseline", "integration_andean"]
replicates = 2
seed = 12345
[run]
months = 6
scale = 5000
"""
#: Atomic writes in a sweep of the experiment above: the manifest, then 4 per run
#: (timeseries, flows and runs parts, receipt) for 4 runs.
WRITES = 1 + 4 * 4


@pytest.fixture
def experiment(tmp_path, monkeypatch) -> Path:
    fake_runs.install_for_workers(monkeypatch)
    path = tmp_path / "tiny.toml"
    path.write_text(EXPERIMENT)
    return path


def sweep(experiment: Path, out: Path):
    return run_sweep(experiment, out, executor="serial", progress=False, run_fn=fake_runs.fake_run)


def store_bytes(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for pattern in ("*.parquet/*.parquet", "receipts/*.json")
        for p in sorted(folder.glob(pattern))
    }


@pytest.fixture
def clean(experiment, tmp_path) -> dict[str, bytes]:
    sweep(experiment, tmp_path / "clean")
    return store_bytes(tmp_path / "clean")


def killed_then_resumed(experiment: Path, out: Path, point: str, clean: dict[str, bytes]):
    env = {**os.environ, "FLOWSIM_FAKE_KILL_AT": point}
    cmd = [sys.executable, "-m", "fake_runs", str(experiment), str(out), "serial"]
    killed = subprocess.run(cmd, env=env, cwd=TESTS, capture_output=True, timeout=120)
    assert killed.returncode == 9, killed.stderr.decode()[-2000:]
    if (out / "manifest.json").exists():
        # whatever the kill left, readers never count an unfinished run as done
        res = results.open(out, allow_incomplete=True)
        assert set(res.runs["run_id"]) <= {r["run_id"] for r in res.manifest["runs"]}
        states = _states(out)
        assert all(states[r].finished for r in res.runs["run_id"])
        res.timeseries()  # reading never meets a half-written part
    resumed = sweep(experiment, out)
    assert resumed.ok and resumed.done + resumed.skipped == 4
    assert store_bytes(out) == clean, f"kill point {point}: resumed store differs"
    return resumed


DEFAULT_POINTS = ["1:before", "3:after", "8:before", "13:after"]
ALL_POINTS = [f"{n}:{phase}" for n in range(1, WRITES + 1) for phase in ("before", "after")]


@pytest.mark.parametrize("point", DEFAULT_POINTS)
def test_kill_points_resume_to_the_same_store(experiment, tmp_path, clean, point):
    killed_then_resumed(experiment, tmp_path / "out", point, clean)


@pytest.mark.slow
@pytest.mark.parametrize("point", sorted(set(ALL_POINTS) - set(DEFAULT_POINTS)))
def test_every_kill_point_resumes_to_the_same_store(experiment, tmp_path, clean, point):
    killed_then_resumed(experiment, tmp_path / "out", point, clean)


def _can_mount_tmpfs(where: Path) -> bool:
    if os.geteuid() != 0:
        return False
    where.mkdir(exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(where)])
    if done.returncode == 0:
        subprocess.run(["umount", str(where)], check=True)
    return done.returncode == 0


@pytest.fixture
def tiny_disk(tmp_path):
    """A 64 kB tmpfs (needs root); yields its path, unmounted afterwards."""
    disk = tmp_path / "disk"
    if not _can_mount_tmpfs(disk):
        pytest.skip("cannot mount a tmpfs here (needs root); the ENOSPC test below still runs")
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(disk)], check=True)
    try:
        yield disk
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)


def test_a_full_disk_stops_cleanly_and_resumes_after_space_is_freed(
    experiment, tmp_path, clean, tiny_disk, capsys
):
    experiment.write_text(EXPERIMENT.replace("months = 6", "months = 240"))  # bigger parts
    out = tiny_disk / "out"
    args = ["sweep", str(experiment), "--executor", "serial", "--no-progress", "--out", str(out)]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "No space left on device" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    done_before = [r for r, s in _states(out).items() if s.finished]
    assert len(done_before) < 4, "the disk should have filled before the sweep ended"
    subprocess.run(["mount", "-o", "remount,size=16m", str(tiny_disk)], check=True)
    assert main(args) == 0
    whole = tmp_path / "whole"
    assert main([*args[:-1], str(whole)]) == 0
    assert store_bytes(out) == store_bytes(whole)


def test_a_read_only_folder_is_a_one_line_error(experiment, tmp_path, tiny_disk, capsys):
    out = tiny_disk / "out"
    args = ["sweep", str(experiment), "--executor", "serial", "--no-progress", "--out", str(out)]
    subprocess.run(["mount", "-o", "remount,size=16m", str(tiny_disk)], check=True)
    assert main(args) == 0
    before = store_bytes(out)
    subprocess.run(["mount", "-o", "remount,ro", str(tiny_disk)], check=True)
    experiment.write_text(EXPERIMENT.replace("replicates = 2", "replicates = 3"))
    assert main([*args, "--extend"]) == 2
    err = capsys.readouterr().err
    assert "Read-only file system" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    assert store_bytes(out) == before


def _states(out: Path):
    from flowsim.results.verify import run_states

    return run_states(out)


def test_enospc_from_the_writer_is_one_line_and_counts_nothing(
    experiment, tmp_path, monkeypatch, capsys
):
    """Without root: simulate a full disk by making the part writer raise ENOSPC."""
    from flowsim.results import store

    real = store.write_part
    calls = [0]

    def full(path, table):
        calls[0] += 1
        if calls[0] > 5:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        real(path, table)

    monkeypatch.setattr(store, "write_part", full)
    out = tmp_path / "out"
    args = ["sweep", str(experiment), "--executor", "serial", "--no-progress", "--out", str(out)]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "No space left on device" in err and "Traceback" not in err
    assert not list(out.glob("*/.*.tmp")), "no temporary file is left behind"
    states = _states(out)
    assert sum(s.finished for s in states.values()) == 1  # 5 writes = one run + one part
    with pytest.raises(ResultsError, match="has not finished"):
        results.open(out)
    monkeypatch.setattr(store, "write_part", real)
    assert main(args) == 0
