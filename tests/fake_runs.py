"""A fast stand-in for the model, for sweep and store tests.

``fake_run`` turns a run spec into small deterministic tables computed from its seed
and scenario, with the real table contracts. Environment variables (read only here)
inject slowness and crashes into worker processes:

- ``FLOWSIM_FAKE_SLEEP``: seconds each run sleeps.
- ``FLOWSIM_FAKE_FAIL``: run ids (comma-separated) whose run raises.
- ``FLOWSIM_FAKE_DIE``: run ids whose worker process exits abruptly.

Run as a script (``python -m fake_runs EXPERIMENT OUT EXECUTOR [--extend]``) it performs
a sweep with the fake model, for tests that kill a sweep process part-way. There
``FLOWSIM_FAKE_KILL_AT=N:PHASE`` kills the process (``os._exit``, as abrupt as kill -9)
at its N-th atomic file write, ``before`` or ``after`` the rename that publishes it.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from flowsim import tables
from flowsim.errors import Problem, ScenarioError


@dataclass(frozen=True)
class FakeRunSettings:
    start: str = "2019-01"
    months: int = 6
    scale: float = 1000.0
    seed: int = 1


@dataclass(frozen=True)
class FakeScenario:
    name: str
    run: FakeRunSettings = FakeRunSettings()
    overrides: tuple[tuple[str, str], ...] = field(default=())

    def with_overrides(self, overrides: dict[str, Any], *, file: str = "") -> FakeScenario:
        bad = [k for k in overrides if not k.startswith(("run.", "parameters.", "policies."))]
        if bad:
            raise ScenarioError([Problem(self.name, k, "unknown key") for k in bad])
        run = self.run
        for key, value in overrides.items():
            if key.startswith("run."):
                run = replace(run, **{key[4:]: value})
        merged = dict(self.overrides) | {k: json.dumps(v) for k, v in overrides.items()}
        return replace(self, run=run, overrides=tuple(sorted(merged.items())))

    def content_hash(self) -> str:
        text = json.dumps([self.name, self.run.__dict__, self.overrides], sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()


def fake_load_scenario(ref: str | Path, *, search_dirs: Any = ()) -> FakeScenario:
    name = Path(ref).stem
    if name.startswith("broken"):
        raise ScenarioError([Problem(f"{name}.toml", "parameters.b_net", "not a number")])
    return FakeScenario(name=name)


@dataclass(frozen=True)
class RunSpec:
    run_id: str
    scenario: Any
    replicate: int
    seed: int
    params: dict
    label: str = ""
    parameter_set: int | None = None


@dataclass
class RunResult:
    run: dict
    timeseries: pd.DataFrame
    flows: pd.DataFrame


def _ids(var: str) -> set[str]:
    return {s for s in os.environ.get(var, "").split(",") if s}


def fake_run(spec: RunSpec) -> RunResult:
    """Deterministic small tables from the spec; slow/fail/die as the environment says."""
    if spec.run_id in _ids("FLOWSIM_FAKE_DIE"):
        os._exit(7)
    time.sleep(float(os.environ.get("FLOWSIM_FAKE_SLEEP", "0")))
    if spec.run_id in _ids("FLOWSIM_FAKE_FAIL"):
        raise RuntimeError(f"deliberate failure in {spec.run_id}")
    label = spec.run_id.rsplit("/r", 1)[0]
    salt = int.from_bytes(hashlib.sha256(spec.scenario.content_hash().encode()).digest()[:4])
    rng = np.random.default_rng([spec.seed, salt])
    months = pd.date_range(spec.scenario.run.start, periods=spec.scenario.run.months, freq="MS")
    countries = ["COL", "PER"]
    n = len(months) * len(countries)
    ts = pd.DataFrame(
        {
            "run_id": spec.run_id,
            "scenario": label,
            "replicate": spec.replicate,
            "month": np.repeat(months, len(countries)),
            "country": countries * len(months),
            "nationality": "VEN",
            "status": "all",
            "variable": "stock",
            "value": rng.random(n) * spec.scenario.run.scale,
        }
    )
    fl = pd.DataFrame(
        {
            "run_id": spec.run_id,
            "scenario": label,
            "replicate": spec.replicate,
            "month": months,
            "nationality": "VEN",
            "from_country": "COL",
            "to_country": "PAN",
            "route": np.where(np.arange(len(months)) % 2 == 0, tables.DARIEN_ROUTE, "r12"),
            "mode": "land",
            "kind": np.where(np.arange(len(months)) % 3 == 0, "onward", "first"),
            "lived_in_third": np.arange(len(months)) % 3 == 0,
            "people": rng.integers(0, 100, len(months)).astype(float),
        }
    )
    run = {
        "run_id": spec.run_id,
        "scenario": label,
        "replicate": spec.replicate,
        "seed": spec.seed,
        "status": "ok",
        "error": "",
        "seconds": 0.0,  # fixed, so runs parts compare equal too
        "flowsim_version": "test",
        "params": json.dumps(spec.params, sort_keys=True),
    }
    return RunResult(run=run, timeseries=ts, flows=fl)


def install(monkeypatch: Any) -> None:
    """Make experiments expand to fake scenarios and fake RunSpecs (tests only)."""
    import types

    import flowsim.scenario

    monkeypatch.setattr(flowsim.scenario, "load_scenario", fake_load_scenario)
    module = types.ModuleType("flowsim.engine.run")
    module.RunSpec = RunSpec
    module.RunResult = RunResult
    module.run_one = fake_run
    monkeypatch.setitem(sys.modules, "flowsim.engine.run", module)


def install_for_workers(monkeypatch: Any) -> None:
    """``install`` here, and let worker processes import this module and the source tree.

    Sweeps in child processes (the ``processes`` executor, ``flowsim`` subprocesses) find
    ``fake_runs`` and this checkout's ``src`` first on ``PYTHONPATH``.
    """
    install(monkeypatch)
    tests = Path(__file__).resolve().parent
    src = str(tests.parent / "src")
    pythonpath = os.pathsep.join(filter(None, [str(tests), src, os.environ.get("PYTHONPATH")]))
    monkeypatch.setenv("PYTHONPATH", pythonpath)


class _Patch:
    def setattr(self, obj: Any, name: str, value: Any) -> None:
        setattr(obj, name, value)

    def setitem(self, mapping: Any, key: str, value: Any) -> None:
        mapping[key] = value


if __name__ == "__main__":
    import fake_runs  # by module name, so workers unpickle fake_runs.*, not __main__.*
    from flowsim.engine.sweep import run_sweep

    fake_runs.install(_Patch())
    experiment, out, executor = sys.argv[1:4]
    kill_at = os.environ.get("FLOWSIM_FAKE_KILL_AT")
    if kill_at:
        from flowsim.results import store

        n_kill, phase = int(kill_at.split(":")[0]), kill_at.split(":")[1]
        count = [0]

        def dying_write(path: Path, write: Any) -> None:
            count[0] += 1
            if count[0] == n_kill and phase == "before":

                def write_then_die(tmp: Path) -> None:
                    write(tmp)
                    os._exit(9)

                return real_write(path, write_then_die)
            real_write(path, write)
            if count[0] == n_kill:
                os._exit(9)

        real_write = store.write_atomic
        store.write_atomic = dying_write
    summary = run_sweep(
        experiment,
        out,
        executor=executor,
        workers=2,
        progress=False,
        run_fn=fake_runs.fake_run,
        extend="--extend" in sys.argv,
    )
    print(summary)
